/** Record batches (ts/crypto/batch.ts): building, indexing and the asserted invariants. */
import { describe, expect, it } from 'vitest';
import { assertBatch, batchOf, recordAt, recordCount } from '../../ts/crypto/index.js';
import { AssertionError } from '../../ts/types/index.js';

describe('record batches', () => {
  it('batchOf lays records back to back with count + 1 offsets', () => {
    const batch = batchOf([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
    expect([...batch.data]).toEqual([1, 2, 3]);
    expect([...batch.offsets]).toEqual([0, 2, 2, 3]);
    expect(recordCount(batch)).toBe(3);
    expect([...recordAt(batch, 0)]).toEqual([1, 2]);
    expect(recordAt(batch, 1).length).toBe(0);
    expect([...recordAt(batch, 2)]).toEqual([3]);
  });

  it('recordAt returns a view, not a copy', () => {
    const batch = batchOf([Uint8Array.of(1, 2)]);
    recordAt(batch, 0)[0] = 9;
    expect(batch.data[0]).toBe(9);
  });

  it('a batch of no records has one offset', () => {
    const batch = batchOf([]);
    expect(recordCount(batch)).toBe(0);
    expect(() => assertBatch(batch)).not.toThrow();
  });

  it('assertBatch rejects decreasing offsets, offsets past the data, and no offsets', () => {
    const data = new Uint8Array(10);
    expect(() => assertBatch({ data, offsets: Uint32Array.of(0, 5, 4) })).toThrow(AssertionError);
    expect(() => assertBatch({ data, offsets: Uint32Array.of(2, 11) })).toThrow(AssertionError);
    expect(() => assertBatch({ data, offsets: new Uint32Array(0) })).toThrow(AssertionError);
    expect(() => assertBatch({ data, offsets: Uint32Array.of(3, 3, 10) })).not.toThrow();
  });

  it('recordAt rejects an index out of range', () => {
    expect(() => recordAt(batchOf([Uint8Array.of(1)]), 1)).toThrow(AssertionError);
  });
});
