/**
 * The record codec against docs/storage-format.md: the byte layout, the hash chain as
 * defined there, limits, where a scan stops, and that verify names exactly the record that
 * was damaged. Runs on the backends KIMBERLITE_BACKEND selects.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, parseBackendChoice } from '../../ts/crypto/index.js';
import {
  encodeRecords,
  encodeRecordsAt,
  RECORD_HEADER_BYTES,
  type RecordCrypto,
  type RecordInput,
  RecordKind,
  scanRecords,
  verifyRecords,
} from '../../ts/storage/index.js';
import { ErrorCode, LIMITS } from '../../ts/types/index.js';
import { hex, utf8 } from '../crypto/bytes.js';
import { prngFor, SEED_NOTE } from '../crypto/random.js';

let crypto: RecordCrypto;
beforeAll(async () => {
  crypto = await loadCrypto({ choice: parseBackendChoice(process.env.KIMBERLITE_BACKEND) });
});

const GENESIS = new Uint8Array(32);
const ALL = { fromBytes: 0, maxRecords: 1_000_000 };

function event(offset: number, payload: Uint8Array, flags = 0): RecordInput {
  return {
    kind: RecordKind.Event,
    flags,
    tenant: 7,
    stream: 3,
    offset: BigInt(offset),
    logPosition: BigInt(100 + offset),
    timestampNs: 1_763_000_000_000_000_000n + BigInt(offset),
    payload,
  };
}

function events(payloads: readonly Uint8Array[], first = 0): RecordInput[] {
  return payloads.map((payload, i) => event(first + i, payload));
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

describe('record layout', () => {
  it('writes the header fields at the offsets docs/storage-format.md gives', () => {
    const { bytes } = encodeRecords(crypto, GENESIS, [event(5, utf8('hello'), 1)]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('KMBL');
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint8(6)).toBe(RecordKind.Event);
    expect(view.getUint8(7)).toBe(1);
    expect(view.getUint32(8, true)).toBe(7);
    expect(view.getUint32(12, true)).toBe(3);
    expect(view.getBigUint64(16, true)).toBe(5n);
    expect(view.getBigUint64(24, true)).toBe(105n);
    expect(view.getBigUint64(32, true)).toBe(1_763_000_000_000_000_005n);
    expect(view.getUint32(40, true)).toBe(5);
    expect(hex(bytes.subarray(48, 80))).toBe(hex(GENESIS));
    expect(new TextDecoder().decode(bytes.subarray(80))).toBe('hello');
    expect(bytes.length).toBe(RECORD_HEADER_BYTES + 5);
  });

  it('chains h[i] = SHA-256(h[i-1] ++ header with CRC and link zeroed ++ payload)', () => {
    const seed = sha256(utf8('an earlier head'));
    const { bytes, offsets, head } = encodeRecords(
      crypto,
      seed,
      events([utf8('a'), new Uint8Array(0), utf8('ccc')]),
    );
    let previous = seed;
    for (let i = 0; i < 3; i++) {
      const record = bytes.slice(offsets[i], offsets[i + 1]);
      expect(hex(record.subarray(48, 80)), `link of record ${i}`).toBe(hex(previous));
      record.fill(0, 44, 80);
      previous = sha256(previous, record);
    }
    expect(hex(head)).toBe(hex(previous));
  });

  it('stores CRC-32C of the record with its CRC field read as zero', async () => {
    const reference = await (await import('../../ts/crypto/crc32c/ts.js')).load();
    const { bytes } = encodeRecords(crypto, GENESIS, [event(0, utf8('payload'))]);
    const stored = new DataView(bytes.buffer).getUint32(44, true);
    const zeroed = bytes.slice();
    zeroed.fill(0, 44, 48);
    expect(stored).toBe(reference.compute(zeroed));
  });

  it('returns the seed as head for an empty batch', () => {
    const seed = sha256(utf8('x'));
    const encoded = encodeRecords(crypto, seed, []);
    expect(encoded.bytes.length).toBe(0);
    expect(hex(encoded.head)).toBe(hex(seed));
  });
});

describe('encode, scan and verify', () => {
  it('reads back what it wrote, header by header, across two batches', () => {
    const first = encodeRecords(crypto, GENESIS, events([utf8('one'), utf8('two')]));
    const second = encodeRecords(crypto, first.head, events([utf8('three')], 2));
    const bytes = new Uint8Array([...first.bytes, ...second.bytes]);
    const scan = scanRecords(bytes, ALL);
    expect(scan.stop).toEqual({ kind: 'end' });
    expect(scan.records.map((r) => r.offset)).toEqual([0n, 1n, 2n]);
    expect(
      scan.records.map((r) => new TextDecoder().decode(bytes.subarray(r.start + 80, r.end))),
    ).toEqual(['one', 'two', 'three']);
    const verified = verifyRecords(crypto, bytes, {
      records: scan.records,
      seed: GENESIS,
      head: second.head,
    });
    expect(verified).toEqual({ ok: true, head: second.head });
  });

  it('keeps random batches intact through encode, scan and verify (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 40 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (payloads, seed) => {
          const { bytes, head } = encodeRecords(crypto, seed, events(payloads));
          const scan = scanRecords(bytes, ALL);
          expect(scan.records.length).toBe(payloads.length);
          scan.records.forEach((record, i) => {
            expect(bytes.subarray(record.start + 80, record.end)).toEqual(payloads[i]);
          });
          expect(verifyRecords(crypto, bytes, { records: scan.records, seed, head }).ok).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stops at maxRecords and resumes from where it stopped', () => {
    const { bytes } = encodeRecords(crypto, GENESIS, events([utf8('a'), utf8('b'), utf8('c')]));
    const part = scanRecords(bytes, { fromBytes: 0, maxRecords: 2 });
    expect(part.stop).toEqual({ kind: 'limit' });
    const rest = scanRecords(bytes, { fromBytes: part.endBytes, maxRecords: 10 });
    expect(rest.records.map((r) => r.offset)).toEqual([2n]);
  });
});

describe('where a scan stops', () => {
  const payloads = [utf8('first record'), utf8('second'), utf8('the last record of three')];

  it('stops at pre-zeroed space', () => {
    const { bytes } = encodeRecords(crypto, GENESIS, events(payloads));
    const padded = new Uint8Array(bytes.length + 4096);
    padded.set(bytes);
    const scan = scanRecords(padded, ALL);
    expect(scan.stop).toEqual({ kind: 'zeros' });
    expect(scan.records.length).toBe(3);
    expect(scan.endBytes).toBe(bytes.length);
  });

  it('stops before the last record when it is cut at any byte', () => {
    const { bytes, offsets } = encodeRecords(crypto, GENESIS, events(payloads));
    const lastStart = offsets[2] ?? 0;
    for (let cut = lastStart + 1; cut < bytes.length; cut++) {
      const scan = scanRecords(bytes.subarray(0, cut), ALL);
      expect(scan.records.length, `cut at ${cut}`).toBe(2);
      expect(scan.endBytes).toBe(lastStart);
      expect(scan.stop.kind).toBe('truncated');
    }
  });

  it('names what is wrong with bytes that are not a record', () => {
    const garbage = utf8('this is not a Kimberlite record, not at all, no header here at all!!!');
    const scan = scanRecords(new Uint8Array([...garbage, ...new Uint8Array(40)]), ALL);
    expect(scan.records.length).toBe(0);
    expect(scan.stop).toEqual({ kind: 'malformed', reason: 'bad magic 0x73696874' });
  });
});

describe('tamper detection', () => {
  /** The index of the record holding byte `at`. */
  function recordHolding(offsets: Uint32Array, at: number): number {
    let index = 0;
    while ((offsets[index + 1] ?? 0) <= at) index++;
    return index;
  }

  it('names exactly the record in which any one bit was flipped', () => {
    const rng = prngFor('record tamper');
    const payloads = Array.from({ length: 12 }, () => rng.bytes(rng.int(300)));
    const { bytes, offsets, head } = encodeRecords(crypto, GENESIS, events(payloads));
    for (let round = 0; round < 400; round++) {
      const at = rng.int(bytes.length);
      const damaged = bytes.slice();
      damaged[at] = (damaged[at] ?? 0) ^ (1 << rng.int(8));
      const expected = recordHolding(offsets, at);
      const scan = scanRecords(damaged, ALL);
      const complete = scan.records.length === payloads.length;
      const result = verifyRecords(crypto, damaged, {
        records: scan.records,
        seed: GENESIS,
        ...(complete ? { head } : {}),
      });
      // Either verify fails at the damaged record, or (a flip that broke the header's shape)
      // every record before it verifies and the scan stopped at its start.
      const located = result.ok ? scan.records.length : result.index;
      expect(complete && result.ok, `undetected: byte ${at}, ${SEED_NOTE}`).toBe(false);
      expect(located, `byte ${at}, round ${round}, ${SEED_NOTE}`).toBe(expected);
    }
  });

  it('catches a changed payload whose CRC was recomputed, through the chain', async () => {
    const reference = await (await import('../../ts/crypto/crc32c/ts.js')).load();
    const { bytes, offsets, head } = encodeRecords(
      crypto,
      GENESIS,
      events([utf8('pay $100'), utf8('ok'), utf8('last')]),
    );
    for (const target of [0, 2]) {
      const forged = bytes.slice();
      const start = offsets[target] ?? 0;
      forged[start + 80] = 'P'.charCodeAt(0);
      const zeroed = forged.slice(start, offsets[target + 1]);
      zeroed.fill(0, 44, 48);
      new DataView(forged.buffer).setUint32(start + 44, reference.compute(zeroed), true);
      const scan = scanRecords(forged, ALL);
      const result = verifyRecords(crypto, forged, { records: scan.records, seed: GENESIS, head });
      expect(result).toMatchObject({ ok: false, index: target });
      expect(result.ok ? '' : result.failure).toBe(target === 2 ? 'head' : 'chain');
    }
  });

  it('reports a run that does not continue from the seed given', () => {
    const { bytes } = encodeRecords(crypto, GENESIS, events([utf8('a')]));
    const scan = scanRecords(bytes, ALL);
    const result = verifyRecords(crypto, bytes, {
      records: scan.records,
      seed: sha256(utf8('another chain')),
    });
    expect(result).toMatchObject({ ok: false, index: 0, failure: 'seed' });
  });
});

describe('limits and bad input', () => {
  it('rejects a payload past recordSizeBytesMax, naming the limit', () => {
    const big = new Uint8Array(LIMITS.recordSizeBytesMax + 1);
    expect(() => encodeRecords(crypto, GENESIS, [event(0, utf8('ok')), event(1, big)])).toThrow(
      expect.objectContaining({
        code: ErrorCode.LimitExceeded,
        message: expect.stringContaining('record 1: the payload is 8388609 bytes'),
      }),
    );
  });

  it('rejects more records than batchRecordsMax', () => {
    const many = Array.from({ length: LIMITS.batchRecordsMax + 1 }, (_, i) =>
      event(i, new Uint8Array(0)),
    );
    expect(() => encodeRecords(crypto, GENESIS, many)).toThrow(
      expect.objectContaining({ code: ErrorCode.LimitExceeded }),
    );
  });

  it('rejects unknown flags and out-of-range ids', () => {
    expect(() => encodeRecords(crypto, GENESIS, [event(0, utf8('x'), 4)])).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() =>
      encodeRecords(crypto, GENESIS, [{ ...event(0, utf8('x')), tenant: 2 ** 32 }]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });
});

describe('encodeRecordsAt', () => {
  it('equals encodeRecords with consecutive offsets, and returns every chain hash', () => {
    const payloads = [utf8('one'), utf8(''), utf8('three')];
    const withOffsets = events(payloads, 40);
    const bodies = withOffsets.map(({ offset: _offset, ...body }) => body);
    const at = encodeRecordsAt(crypto, GENESIS, bodies, { firstOffset: 40n });
    const plain = encodeRecords(crypto, GENESIS, withOffsets);
    expect(at.bytes).toEqual(plain.bytes);
    expect(at.hashes).toEqual(plain.hashes);
    expect(at.hashes.length).toBe(3 * 32);
    // h[i] is record i+1's previous hash; the last is the head.
    const scan = scanRecords(at.bytes, ALL);
    expect(scan.records[1]?.previousHash).toEqual(at.hashes.subarray(0, 32));
    expect(scan.records[2]?.previousHash).toEqual(at.hashes.subarray(32, 64));
    expect(at.hashes.subarray(64)).toEqual(at.head);
    expect(() =>
      encodeRecordsAt(crypto, GENESIS, bodies, { firstOffset: LIMITS.positionMax }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });
});
