/**
 * HMAC-SHA256 on every backend that loads: RFC 4231 test cases 1-7, then seeded differential
 * tests against the TypeScript reference, including `macBatch`.
 */
import { expect, it } from 'vitest';
import { hmacSha256Candidates } from '../../ts/crypto/hmac_sha256/index.js';
import { describeBackends, loadBackends } from './backends.js';
import {
  batchAt,
  counting,
  EDGE_SIZES,
  HUGE_BYTES,
  hex,
  memo,
  randomRecords,
  utf8,
} from './bytes.js';
import { prngFor, SEED_NOTE } from './random.js';

const backends = await loadBackends('hmac-sha256', hmacSha256Candidates);

interface Rfc4231Case {
  readonly name: string;
  readonly key: () => Uint8Array;
  readonly data: () => Uint8Array;
  readonly mac: string;
}

/** RFC 4231 section 4, HMAC-SHA-256 results. Case 5 is truncated to 128 bits in the RFC. */
const RFC_4231_CASES: readonly Rfc4231Case[] = [
  {
    name: 'test case 1',
    key: () => new Uint8Array(20).fill(0x0b),
    data: () => utf8('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    name: 'test case 2 (key shorter than the output)',
    key: () => utf8('Jefe'),
    data: () => utf8('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    name: 'test case 3 (50 bytes of 0xdd)',
    key: () => new Uint8Array(20).fill(0xaa),
    data: () => new Uint8Array(50).fill(0xdd),
    mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    name: 'test case 4 (25-byte key 0x01..0x19)',
    key: () => counting(26).subarray(1),
    data: () => new Uint8Array(50).fill(0xcd),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    name: 'test case 5 (truncation to 128 bits)',
    key: () => new Uint8Array(20).fill(0x0c),
    data: () => utf8('Test With Truncation'),
    mac: 'a3b6167473100ee06e0c796c2955552b',
  },
  {
    name: 'test case 6 (131-byte key, hashed first)',
    key: () => new Uint8Array(131).fill(0xaa),
    data: () => utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'test case 7 (131-byte key and long data)',
    key: () => new Uint8Array(131).fill(0xaa),
    data: () =>
      utf8(
        'This is a test using a larger than block-size key and a larger than block-size data.' +
          ' The key needs to be hashed before being used by the HMAC algorithm.',
      ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

const hugeInput = memo(() =>
  prngFor('hmac huge')
    .bytes(HUGE_BYTES + 1)
    .subarray(1),
);

describeBackends(backends, (hmac, reference) => {
  for (const vector of RFC_4231_CASES) {
    it(`matches RFC 4231 ${vector.name}`, () => {
      const mac = hmac.mac(vector.key(), vector.data());
      expect(mac.length).toBe(32);
      // Case 5 lists only the first 128 bits; comparing a prefix covers every case.
      expect(hex(mac).slice(0, vector.mac.length)).toBe(vector.mac);
    });
  }

  it('macs every edge size under keys of 0 to 200 bytes like the reference', () => {
    const rng = prngFor('hmac edge sizes');
    for (const keyBytes of [0, 1, 32, 64, 65, 200]) {
      const key = rng.bytes(keyBytes);
      for (const size of EDGE_SIZES) {
        const data = rng.bytes(size);
        const note = `key ${keyBytes} bytes, data ${size} bytes, ${SEED_NOTE}`;
        expect(hex(hmac.mac(key, data)), note).toBe(hex(reference.mac(key, data)));
      }
    }
  });

  it('macs keys and data given as views at odd byte offsets like the reference', () => {
    const rng = prngFor('hmac unaligned');
    for (const size of [1, 63, 64, 65, 4097]) {
      const key = rng.unalignedBytes(33);
      const data = rng.unalignedBytes(size);
      const expected = hex(reference.mac(key.slice(), data.slice()));
      expect(hex(hmac.mac(key, data)), `size ${size}, ${SEED_NOTE}`).toBe(expected);
    }
  });

  it('writes into options.out[0, 32) and touches nothing past it', () => {
    const rng = prngFor('hmac into out');
    const [key, data] = [rng.bytes(32), rng.bytes(99)];
    const backing = new Uint8Array(1 + 40).fill(0xee);
    const out = backing.subarray(1);
    const returned = hmac.mac(key, data, { out });
    const expected = hex(reference.mac(key, data));
    expect(hex(out.subarray(0, 32)), SEED_NOTE).toBe(expected);
    expect(hex(returned.subarray(0, 32))).toBe(expected);
    expect([backing[0], ...out.subarray(32)].every((b) => b === 0xee)).toBe(true);
  });

  it('macBatch matches per-record MACs, empty records and offsets[0] > 0 included', () => {
    const rng = prngFor('hmac batch');
    for (const prefixBytes of [0, 9, 4096]) {
      const key = rng.bytes(rng.int(100));
      const records = randomRecords(rng, 1 + rng.int(50), 2000);
      records.push(new Uint8Array(0));
      const out = new Uint8Array(32 * records.length);
      hmac.macBatch(key, batchAt(records, prefixBytes), { out });
      records.forEach((record, i) => {
        const note = `record ${i}, prefix ${prefixBytes}, key ${key.length} bytes, ${SEED_NOTE}`;
        expect(hex(out.subarray(32 * i, 32 * i + 32)), note).toBe(hex(reference.mac(key, record)));
      });
    }
  });

  it('macs 16 MiB like the reference', () => {
    const key = prngFor('hmac huge key').bytes(32);
    expect(hex(hmac.mac(key, hugeInput())), SEED_NOTE).toBe(hex(reference.mac(key, hugeInput())));
  });
});
