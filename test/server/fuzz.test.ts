/**
 * Garbage on the socket: random bytes, mutated and truncated frames, valid frames with junk
 * payloads. Each fuzzed connection ends with an error frame (id 0) or a plain close; the
 * server stays up, another connection keeps working throughout, and no data changes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Crc32c } from '../../ts/crypto/index.js';
import type { Server } from '../../ts/server/index.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  type Request,
  requestFrame,
} from '../../ts/wire/index.js';
import { crc32c, RawClient, startServer, tempDir } from './raw_client.js';

let dir: { dir: string; remove(): Promise<void> };
let server: Server;
let witness: RawClient;
let crc: Crc32c;
let valid: Uint8Array[];

beforeAll(async () => {
  crc = await crc32c();
  dir = await tempDir();
  ({ server } = await startServer(dir.dir));
  witness = await RawClient.connect(server.address.port);
  await witness.handshake();
  await witness.ok({ type: 'create_tenant', tenant: 1, name: 'fuzz' });
  await witness.ok({
    type: 'execute',
    tenant: 1,
    sql: 'CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)',
    params: [],
  });
  await witness.ok({
    type: 'execute',
    tenant: 1,
    sql: "INSERT INTO t VALUES (1, 'a')",
    params: [],
  });
  const requests: Request[] = [
    { type: 'handshake', id: 1, versions: [1], credentials: { kind: 'none' } },
    { type: 'ping', id: 2 },
    { type: 'query', id: 3, tenant: 1, sql: 'SELECT * FROM t', params: [] },
  ];
  valid = requests.map((r) => requestFrame(r, crc));
});

afterAll(async () => {
  witness.close();
  await server.shutdown();
  await dir.remove();
});

/** Sends `bytes` on a fresh connection, half-closes, and collects replies until the close. */
async function throwAt(bytes: Uint8Array): Promise<{ id: number; ok: boolean; code?: string }[]> {
  const client = await RawClient.connect(server.address.port);
  client.sendBytes(bytes);
  client.socket.end();
  const replies: { id: number; ok: boolean; code?: string }[] = [];
  for (;;) {
    const reply = await client.next();
    if (reply === undefined) break;
    replies.push(
      reply.ok ? { id: reply.id, ok: true } : { id: reply.id, ok: false, code: reply.error.code },
    );
  }
  await client.closed;
  return replies;
}

async function witnessStillWorks(): Promise<void> {
  const result = await witness.ok({ type: 'query', tenant: 1, sql: 'SELECT v FROM t', params: [] });
  expect(result.rows).toEqual([['a']]);
}

/** Frames a valid connection would send, then damage: flips, cuts, insertions. */
const mutatedFrames = fc
  .record({
    frames: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    junk: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 })),
  })
  .map(({ frames, flips, cut, junk }) => {
    const parts = frames.map((i) => valid[i] as Uint8Array);
    let bytes = new Uint8Array(Buffer.concat(parts));
    for (const [at, mask] of flips) {
      const i = at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ mask;
    }
    if (cut !== null) bytes = bytes.slice(0, cut % (bytes.length + 1));
    if (junk !== null) bytes = new Uint8Array(Buffer.concat([bytes, junk]));
    return bytes;
  });

describe('fuzzed connections', () => {
  it('survives random bytes (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 512 }), async (bytes) => {
        const replies = await throwAt(bytes);
        for (const reply of replies) expect(reply.ok).toBe(false);
      }),
      { seed: 20261122, numRuns: 60 },
    );
    await witnessStillWorks();
  });

  it('survives mutated, truncated and padded valid frames (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFrames, async (bytes) => {
        const replies = await throwAt(bytes);
        // Whatever happened, a failure is a stable code and connection errors use id 0.
        for (const reply of replies) {
          if (!reply.ok) expect(reply.code).toMatch(/^[A-Z_]+$/);
        }
      }),
      { seed: 6, numRuns: 80 },
    );
    await witnessStillWorks();
  });

  it('closes on a frame with a bad CRC with a PROTOCOL_ERROR frame, id 0', async () => {
    const frame = (valid[0] as Uint8Array).slice();
    frame[FRAME_HEADER_BYTES] = (frame[FRAME_HEADER_BYTES] ?? 0) ^ 0xff;
    expect(await throwAt(frame)).toEqual([{ id: 0, ok: false, code: 'PROTOCOL_ERROR' }]);
  });

  it('closes on a well-framed payload that is not a message with PROTOCOL_ERROR', async () => {
    const junk = encodeFrame(new Uint8Array([0xc1, 0xff, 0x00, 0x13]), crc);
    expect(await throwAt(junk)).toEqual([{ id: 0, ok: false, code: 'PROTOCOL_ERROR' }]);
    const notARequest = encodeFrame(new Uint8Array([0x93, 1, 2, 3]), crc);
    expect(await throwAt(notARequest)).toEqual([{ id: 0, ok: false, code: 'PROTOCOL_ERROR' }]);
  });

  it('closes on a header announcing more than 16 MiB without waiting for it', async () => {
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x4b4d4257);
    view.setUint16(4, 1);
    view.setUint32(8, 64 * 1024 * 1024);
    const client = await RawClient.connect(server.address.port);
    client.sendBytes(header);
    const reply = await client.next();
    expect(reply).toMatchObject({ id: 0, ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    await client.closed;
  });

  it('keeps every answered write after a storm of garbage', async () => {
    await witnessStillWorks();
    expect(server.connectionCount).toBeGreaterThanOrEqual(1);
    const verified = await witness.ok({ type: 'verify' });
    expect(verified.ok).toBe(true);
  });
});
