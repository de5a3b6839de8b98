/**
 * The group committer (ts/storage/group_commit.ts): concurrent submits coalesce into fewer
 * flushes with each result going to its own caller; items arriving during a flush go into
 * the next batch; `admit` bounds batches; a failed flush fails its batch and everything after.
 */
import { describe, expect, it } from 'vitest';
import { createGroupCommitter } from '../../ts/storage/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';

describe('group commit', () => {
  it('coalesces submits of the same tick into one flush, each result to its caller', async () => {
    const batches: number[][] = [];
    const committer = createGroupCommitter<number, string>({
      name: 'test',
      flush: (items) => {
        batches.push([...items]);
        return items.map((item) => `done ${item}`);
      },
    });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => committer.submit(i)));
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => `done ${i}`));
    expect(batches).toEqual([Array.from({ length: 100 }, (_, i) => i)]);
    expect(committer.flushes).toBe(1);
  });

  it('puts items submitted while a batch is flushing into the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const committer = createGroupCommitter<number, number>({
      name: 'test',
      flush: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await new Promise<void>((done) => (release = done));
        return items.map((item) => item * 2);
      },
    });
    const first = committer.submit(1);
    await new Promise((done) => setImmediate(done));
    expect(batches).toEqual([[1]]);
    const later = [2, 3, 4].map((item) => committer.submit(item));
    await new Promise((done) => setImmediate(done));
    expect(batches).toEqual([[1]]);
    release();
    expect(await first).toBe(2);
    expect(await Promise.all(later)).toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps many concurrent callers to far fewer flushes than calls', async () => {
    let flushes = 0;
    const committer = createGroupCommitter<number, number>({
      name: 'test',
      flush: (items) => {
        flushes += 1;
        return items;
      },
    });
    // 20 callers, each submitting 50 times in a row: each waits for its previous result.
    const callers = Array.from({ length: 20 }, async (_, caller) => {
      for (let i = 0; i < 50; i++)
        expect(await committer.submit(caller * 1000 + i)).toBe(caller * 1000 + i);
    });
    await Promise.all(callers);
    expect(flushes).toBeLessThanOrEqual(60);
    expect(flushes).toBeGreaterThanOrEqual(50);
  });

  it('splits batches where admit says so, in submission order', async () => {
    const batches: number[][] = [];
    const committer = createGroupCommitter<number, number>({
      name: 'test',
      flush: (items) => {
        batches.push([...items]);
        return items;
      },
      admit: () => {
        let sum = 0;
        return (next) => {
          sum += next;
          return sum <= 10;
        };
      },
    });
    await Promise.all([5, 4, 3, 20, 1].map((item) => committer.submit(item)));
    expect(batches).toEqual([[5, 4], [3], [20], [1]]);
  });

  it('fails the batch whose flush throws, and every batch after it', async () => {
    let release: () => void = () => {};
    const boom = new KimberliteError(ErrorCode.IoError, 'disk on fire');
    const committer = createGroupCommitter<number, number>({
      name: 'storage /tmp/x',
      flush: async (items) => {
        if (items.includes(1)) {
          await new Promise<void>((done) => (release = done));
          throw boom;
        }
        return items;
      },
    });
    const failing = committer.submit(1);
    await new Promise((done) => setImmediate(done));
    const queued = committer.submit(2);
    release();
    await expect(failing).rejects.toBe(boom);
    await expect(queued).rejects.toMatchObject({
      code: ErrorCode.IoError,
      message: expect.stringContaining('an earlier batch failed to become durable'),
      cause: boom,
    });
    await expect(committer.submit(3)).rejects.toMatchObject({ cause: boom });
    expect(committer.failure).toBe(boom);
  });

  it('drain resolves once everything submitted has settled', async () => {
    const done: number[] = [];
    const committer = createGroupCommitter<number, number>({
      name: 'test',
      flush: (items) => items,
    });
    for (let i = 0; i < 5; i++) void committer.submit(i).then((x) => done.push(x));
    await committer.drain();
    await Promise.resolve();
    expect(done).toEqual([0, 1, 2, 3, 4]);
    await committer.drain();
  });
});
