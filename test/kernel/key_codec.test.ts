/**
 * Key codec (ts/kernel/key_codec.ts): byte order of encoded keys equals SQL order (NULLs first,
 * column by column, prefixes first), keys round-trip, and values that do not fit their column
 * or the key size limit are rejected with errors naming the column.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, decodeKey, encodeKey, keySuffix } from '../../ts/kernel/index.js';
import {
  type ColumnType,
  ErrorCode,
  KimberliteError,
  LIMITS,
  SQL_NULL,
  type SqlValue,
  unreachable,
} from '../../ts/types/index.js';

const RUNS = { numRuns: 200 };

// ---------------------------------------------------------------------------------------------
// Reference SQL comparator, written from the SQL rules, sharing no code with the codec.

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareNumbers(a: number | bigint, b: number | bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareByteArrays(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareNumbers(a[i] ?? 0, b[i] ?? 0);
    if (c !== 0) return c;
  }
  return compareNumbers(a.length, b.length);
}

/** Code point order: PostgreSQL's C collation on UTF-8. */
function compareStrings(a: string, b: string): -1 | 0 | 1 {
  const left = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const right = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const c = compareNumbers(left[i] ?? 0, right[i] ?? 0);
    if (c !== 0) return c;
  }
  return compareNumbers(left.length, right.length);
}

/** PostgreSQL float order: NaN equals NaN and sorts above every other value; -0 = 0. */
function compareFloats(a: number, b: number): -1 | 0 | 1 {
  if (Number.isNaN(a) || Number.isNaN(b)) {
    return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.isNaN(a) ? 1 : -1;
  }
  return compareNumbers(a, b);
}

function compareValues(a: SqlValue, b: SqlValue): -1 | 0 | 1 {
  if (a.kind === 'null' || b.kind === 'null') {
    return a.kind === b.kind ? 0 : a.kind === 'null' ? -1 : 1;
  }
  if (a.kind !== b.kind) throw new Error(`kind mismatch: ${a.kind} vs ${b.kind}`);
  // The same kind on both sides, so `other` reads b's payload under a's shape.
  const other = b as unknown as { value: never };
  switch (a.kind) {
    case 'boolean':
      return compareNumbers(Number(a.value), Number(other.value));
    case 'integer':
    case 'timestamp':
    case 'date':
      return compareNumbers(a.value, other.value);
    case 'float':
      return compareFloats(a.value, other.value);
    case 'decimal': {
      // Cross-scale compare, so the reference does not lean on the codec's equal-scale rule.
      if (b.kind !== 'decimal') throw new Error('unreachable: kinds are equal');
      const scale = Math.max(a.scale, b.scale);
      const left = a.unscaled * 10n ** BigInt(scale - a.scale);
      const right = b.unscaled * 10n ** BigInt(scale - b.scale);
      return compareNumbers(left, right);
    }
    case 'text':
    case 'json':
      return compareStrings(a.value, other.value);
    case 'uuid':
    case 'bytes':
      return compareByteArrays(a.value, other.value);
    default:
      return unreachable(a);
  }
}

function sqlCompare(a: readonly SqlValue[], b: readonly SqlValue[]): -1 | 0 | 1 {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i] ?? SQL_NULL, b[i] ?? SQL_NULL);
    if (c !== 0) return c;
  }
  return compareNumbers(a.length, b.length);
}

// ---------------------------------------------------------------------------------------------
// Generators: a column type with an arbitrary for its values, biased toward collisions and edges.

type Column = { type: ColumnType; value: fc.Arbitrary<SqlValue> };

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function integerColumn(kind: 'smallint' | 'integer' | 'bigint', bits: bigint): Column {
  const min = -(1n << (bits - 1n));
  const max = (1n << (bits - 1n)) - 1n;
  const value = fc
    .oneof(
      fc.constantFrom(min, max, -1n, 0n, 1n),
      fc.bigInt({ min: -3n, max: 3n }),
      fc.bigInt({ min, max }),
    )
    .map((v): SqlValue => ({ kind: 'integer', value: v }));
  return { type: { kind }, value };
}

const FLOAT_EDGES = [
  Number.NEGATIVE_INFINITY,
  -Number.MAX_VALUE,
  -1,
  -Number.MIN_VALUE,
  -0,
  0,
  Number.MIN_VALUE,
  2.2250738585072014e-308,
  1,
  Number.MAX_VALUE,
  Number.POSITIVE_INFINITY,
  Number.NaN,
];

const smallBytes = fc
  .uint8Array({
    maxLength: 6,
    min: 0,
    max: 255,
  })
  .chain((bytes) => fc.constant(bytes));
const collidingBytes = fc
  .array(fc.constantFrom(0, 1, 0xfe, 0xff), { maxLength: 5 })
  .map((a) => Uint8Array.from(a));
const shortText = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', 'b', '\u0000', '\u00e9', '\uffff', '\u{1f600}'),
    maxLength: 5,
  }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const decimalColumn: fc.Arbitrary<Column> = fc
  .integer({ min: 1, max: 40 })
  .chain((precision) => fc.tuple(fc.constant(precision), fc.integer({ min: 0, max: precision })))
  .map(([precision, scale]): Column => {
    const max = 10n ** BigInt(precision) - 1n;
    const value = fc
      .oneof(
        fc.constantFrom(
          ...[-max, max, 0n, -1n, 1n, 255n, 256n, -256n].filter((v) => v <= max && v >= -max),
        ),
        fc.bigInt({ min: -max, max }),
      )
      .map((unscaled): SqlValue => ({ kind: 'decimal', unscaled, scale }));
    return { type: { kind: 'decimal', precision, scale }, value };
  });

const varcharColumn: fc.Arbitrary<Column> = fc.integer({ min: 1, max: 6 }).map(
  (length): Column => ({
    type: { kind: 'varchar', length },
    value: fc
      .string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u{10ffff}'), maxLength: length })
      .map((value): SqlValue => ({ kind: 'text', value })),
  }),
);

const FIXED_COLUMNS: Column[] = [
  integerColumn('smallint', 16n),
  integerColumn('integer', 32n),
  integerColumn('bigint', 64n),
  {
    type: { kind: 'real' },
    value: fc
      .oneof(fc.constantFrom(...FLOAT_EDGES.map(Math.fround)), fc.float())
      .map((v): SqlValue => ({ kind: 'float', value: v })),
  },
  {
    type: { kind: 'double' },
    value: fc
      .oneof(fc.constantFrom(...FLOAT_EDGES), fc.double())
      .map((v): SqlValue => ({ kind: 'float', value: v })),
  },
  { type: { kind: 'text' }, value: shortText.map((value): SqlValue => ({ kind: 'text', value })) },
  { type: { kind: 'json' }, value: shortText.map((value): SqlValue => ({ kind: 'json', value })) },
  {
    type: { kind: 'bytea' },
    value: fc
      .oneof(smallBytes, collidingBytes)
      .map((value): SqlValue => ({ kind: 'bytes', value })),
  },
  {
    type: { kind: 'boolean' },
    value: fc.boolean().map((value): SqlValue => ({ kind: 'boolean', value })),
  },
  {
    type: { kind: 'date' },
    value: fc
      .oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }))
      .map((value): SqlValue => ({ kind: 'date', value })),
  },
  {
    type: { kind: 'timestamp' },
    value: fc
      .oneof(fc.constantFrom(I64_MIN, I64_MAX, 0n), fc.bigInt({ min: I64_MIN, max: I64_MAX }))
      .map((value): SqlValue => ({ kind: 'timestamp', value })),
  },
  {
    type: { kind: 'uuid' },
    value: fc
      .oneof(
        fc
          .array(fc.constantFrom(0, 0xff), { minLength: 16, maxLength: 16 })
          .map((a) => Uint8Array.from(a)),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
      )
      .map((value): SqlValue => ({ kind: 'uuid', value })),
  },
];

const columnArb: fc.Arbitrary<Column> = fc.oneof(
  fc.constantFrom(...FIXED_COLUMNS),
  decimalColumn,
  varcharColumn,
);

function withNulls(column: Column): fc.Arbitrary<SqlValue> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(SQL_NULL) },
    { weight: 6, arbitrary: column.value },
  );
}

/** Column types and two tuples of them that share columns often, so ties reach later columns. */
const keyPairArb = fc.array(columnArb, { minLength: 1, maxLength: 4 }).chain((columns) =>
  fc
    .tuple(
      fc.tuple(...columns.map(withNulls)),
      fc.tuple(...columns.map(withNulls)),
      fc.array(fc.boolean(), { minLength: columns.length, maxLength: columns.length }),
    )
    .map(([a, b, same]) => ({
      types: columns.map((c) => c.type),
      a,
      b: b.map((v, i) => (same[i] ? (a[i] ?? v) : v)),
    })),
);

/** What a value decodes as: -0 becomes 0 (NaN stays NaN, which toEqual treats as equal). */
function canonical(value: SqlValue): SqlValue {
  return value.kind === 'float' && Object.is(value.value, -0) ? { kind: 'float', value: 0 } : value;
}

function errorOf(action: () => unknown): KimberliteError {
  try {
    action();
  } catch (error) {
    if (error instanceof KimberliteError) return error;
    throw error;
  }
  throw new Error('expected a KimberliteError');
}

// ---------------------------------------------------------------------------------------------

describe('key suffixes', () => {
  it('the bytes after the first columns are the encoding of the remaining columns', () => {
    fc.assert(
      fc.property(keyPairArb, fc.nat(), ({ types, a }, cut) => {
        const split = cut % (types.length + 1);
        const suffix = keySuffix(types.slice(0, split), encodeKey(types, a));
        expect(suffix).toEqual(encodeKey(types.slice(split), a.slice(split)));
      }),
      RUNS,
    );
  });
});

describe('key order equals SQL order', () => {
  it('holds for composite keys of random column types, NULLs first', () => {
    fc.assert(
      fc.property(keyPairArb, ({ types, a, b }) => {
        const order = compareKeys(encodeKey(types, a), encodeKey(types, b));
        expect(order).toBe(sqlCompare(a, b));
      }),
      RUNS,
    );
  });

  for (const column of FIXED_COLUMNS) {
    it(`holds for single ${column.type.kind} columns`, () => {
      fc.assert(
        fc.property(withNulls(column), withNulls(column), (a, b) => {
          const order = compareKeys(encodeKey([column.type], [a]), encodeKey([column.type], [b]));
          expect(order).toBe(sign(compareValues(a, b)));
        }),
        RUNS,
      );
    });
  }

  it('sorting by key bytes sorts rows as SQL does', () => {
    const arb = columnArb.chain((column) =>
      fc.tuple(fc.constant(column), fc.array(withNulls(column), { maxLength: 30 })),
    );
    fc.assert(
      fc.property(arb, ([column, values]) => {
        const byKey = values
          .map((v) => ({ v, key: encodeKey([column.type], [v]) }))
          .sort((x, y) => compareKeys(x.key, y.key));
        for (let i = 1; i < byKey.length; i++) {
          expect(compareValues(byKey[i - 1]?.v ?? SQL_NULL, byKey[i]?.v ?? SQL_NULL)).not.toBe(1);
        }
      }),
      RUNS,
    );
  });

  it('orders float edge cases: -Infinity < ... < -0 = 0 < subnormal < ... < Infinity < NaN', () => {
    const keys = FLOAT_EDGES.map((v) =>
      encodeKey([{ kind: 'double' }], [{ kind: 'float', value: v }]),
    );
    for (let i = 1; i < keys.length; i++) {
      const expected = Object.is(FLOAT_EDGES[i - 1], -0) ? 0 : -1;
      expect(compareKeys(keys[i - 1] ?? new Uint8Array(), keys[i] ?? new Uint8Array())).toBe(
        expected,
      );
    }
    const otherNaN = new Float64Array(new BigUint64Array([0xfff8_0000_0000_0001n]).buffer)[0] ?? 0;
    expect(Number.isNaN(otherNaN)).toBe(true);
    const nan = encodeKey([{ kind: 'double' }], [{ kind: 'float', value: otherNaN }]);
    expect(compareKeys(nan, keys[keys.length - 1] ?? new Uint8Array())).toBe(0);
  });

  it('orders integer extremes -2^63 < -1 < 0 < 2^63-1', () => {
    const type: ColumnType = { kind: 'bigint' };
    const keys = [I64_MIN, -1n, 0n, I64_MAX].map((v) =>
      encodeKey([type], [{ kind: 'integer', value: v }]),
    );
    for (let i = 1; i < keys.length; i++) {
      expect(compareKeys(keys[i - 1] ?? new Uint8Array(), keys[i] ?? new Uint8Array())).toBe(-1);
    }
  });

  it('orders decimals across signs and magnitudes', () => {
    const type: ColumnType = { kind: 'decimal', precision: 38, scale: 2 };
    const values = [
      -(10n ** 38n - 1n),
      -65536n,
      -256n,
      -255n,
      -1n,
      0n,
      1n,
      255n,
      256n,
      10n ** 38n - 1n,
    ];
    const keys = values.map((unscaled) =>
      encodeKey([type], [{ kind: 'decimal', unscaled, scale: 2 }]),
    );
    for (let i = 1; i < keys.length; i++) {
      expect(compareKeys(keys[i - 1] ?? new Uint8Array(), keys[i] ?? new Uint8Array())).toBe(-1);
    }
  });

  it('places embedded zero bytes: "a" < "a\\0" < "a\\0\\0" < "a\\u0001" < "ab"', () => {
    const texts = ['', 'a', 'a\u0000', 'a\u0000\u0000', 'a\u0001', 'ab'];
    const keys = texts.map((value) => encodeKey([{ kind: 'text' }], [{ kind: 'text', value }]));
    const blobs = texts.map((t) =>
      encodeKey([{ kind: 'bytea' }], [{ kind: 'bytes', value: new TextEncoder().encode(t) }]),
    );
    for (let i = 1; i < keys.length; i++) {
      expect(compareKeys(keys[i - 1] ?? new Uint8Array(), keys[i] ?? new Uint8Array())).toBe(-1);
      expect(compareKeys(blobs[i - 1] ?? new Uint8Array(), blobs[i] ?? new Uint8Array())).toBe(-1);
    }
    // A text column followed by another: ("a", x) < ("a\0", y) whatever x and y are.
    const types: ColumnType[] = [{ kind: 'text' }, { kind: 'integer' }];
    const low = encodeKey(types, [
      { kind: 'text', value: 'a' },
      { kind: 'integer', value: 2147483647n },
    ]);
    const high = encodeKey(types, [{ kind: 'text', value: 'a\u0000' }, SQL_NULL]);
    expect(compareKeys(low, high)).toBe(-1);
  });
});

describe('key prefixes', () => {
  it('a key on the first k columns is a byte prefix of the full key and sorts first', () => {
    fc.assert(
      fc.property(keyPairArb, fc.nat(), ({ types, a, b }, cut) => {
        const full = encodeKey(types, a);
        const k = cut % (types.length + 1);
        const prefix = encodeKey(types.slice(0, k), a.slice(0, k));
        expect(full.subarray(0, prefix.length)).toEqual(prefix);
        expect(compareKeys(prefix, full)).toBe(k === types.length ? 0 : -1);
        // prefix ++ 0xff bounds the prefix range from above, for every key.
        const other = encodeKey(types, b);
        const bound = Uint8Array.from([...prefix, 0xff]);
        const inRange = compareKeys(other.subarray(0, prefix.length), prefix) === 0;
        expect(compareKeys(other, bound) < 0 && compareKeys(other, prefix) >= 0).toBe(inRange);
      }),
      RUNS,
    );
  });
});

describe('round trip', () => {
  it('decodeKey(encodeKey(t, x)) equals x, with -0 read back as 0', () => {
    fc.assert(
      fc.property(keyPairArb, ({ types, a }) => {
        expect(decodeKey(types, encodeKey(types, a))).toEqual(a.map(canonical));
      }),
      RUNS,
    );
  });

  it('the empty key is empty', () => {
    expect(encodeKey([], [])).toEqual(new Uint8Array());
    expect(decodeKey([], new Uint8Array())).toEqual([]);
  });

  it('rejects malformed keys as corruption', () => {
    const types: ColumnType[] = [{ kind: 'text' }];
    const key = encodeKey(types, [{ kind: 'text', value: 'ab' }]);
    expect(errorOf(() => decodeKey(types, key.subarray(0, key.length - 1))).code).toBe(
      ErrorCode.Corruption,
    );
    expect(errorOf(() => decodeKey(types, Uint8Array.from([0x07]))).code).toBe(
      ErrorCode.Corruption,
    );
    expect(errorOf(() => decodeKey(types, Uint8Array.from([...key, 1]))).code).toBe(
      ErrorCode.Corruption,
    );
    expect(errorOf(() => decodeKey(types, Uint8Array.from([2, 0xc3, 0, 1]))).code).toBe(
      ErrorCode.Corruption,
    );
  });
});

describe('bad input', () => {
  const cases: [string, ColumnType, SqlValue, RegExp][] = [
    ['wrong kind', { kind: 'integer' }, { kind: 'text', value: '1' }, /expected a integer/],
    ['smallint overflow', { kind: 'smallint' }, { kind: 'integer', value: 32768n }, /outside/],
    [
      'integer overflow',
      { kind: 'integer' },
      { kind: 'integer', value: -(2n ** 31n) - 1n },
      /outside/,
    ],
    ['bigint overflow', { kind: 'bigint' }, { kind: 'integer', value: 2n ** 63n }, /outside/],
    [
      'varchar too long',
      { kind: 'varchar', length: 2 },
      { kind: 'text', value: 'abc' },
      /varchar\(2\)/,
    ],
    ['real not binary32', { kind: 'real' }, { kind: 'float', value: 0.1 }, /binary32/],
    [
      'decimal scale',
      { kind: 'decimal', precision: 5, scale: 2 },
      { kind: 'decimal', unscaled: 1n, scale: 3 },
      /scale 3/,
    ],
    [
      'decimal precision',
      { kind: 'decimal', precision: 3, scale: 0 },
      { kind: 'decimal', unscaled: -1000n, scale: 0 },
      /3 digits/,
    ],
    ['date fraction', { kind: 'date' }, { kind: 'date', value: 1.5 }, /32-bit/],
    ['date range', { kind: 'date' }, { kind: 'date', value: 2 ** 31 }, /32-bit/],
    ['timestamp range', { kind: 'timestamp' }, { kind: 'timestamp', value: 2n ** 63n }, /64-bit/],
    ['uuid length', { kind: 'uuid' }, { kind: 'uuid', value: new Uint8Array(15) }, /16 bytes/],
    ['lone surrogate', { kind: 'text' }, { kind: 'text', value: 'a\ud800' }, /surrogate/],
    ['json as text', { kind: 'json' }, { kind: 'text', value: '{}' }, /expected a json/],
  ];
  for (const [name, type, value, message] of cases) {
    it(`rejects ${name} with INVALID_ARGUMENT naming the column`, () => {
      const error = errorOf(() => encodeKey([{ kind: 'boolean' }, type], [SQL_NULL, value]));
      expect(error.code).toBe(ErrorCode.InvalidArgument);
      expect(error.message).toMatch(/key column 1/);
      expect(error.message).toMatch(message);
    });
  }

  it('rejects a value count that differs from the column count', () => {
    expect(errorOf(() => encodeKey([{ kind: 'text' }], [])).code).toBe(ErrorCode.InvalidArgument);
  });

  it('accepts a key of exactly keySizeBytesMax bytes and rejects one byte more', () => {
    // Tag + text + 2-byte terminator.
    const fits = 'x'.repeat(LIMITS.keySizeBytesMax - 3);
    expect(encodeKey([{ kind: 'text' }], [{ kind: 'text', value: fits }]).length).toBe(
      LIMITS.keySizeBytesMax,
    );
    const error = errorOf(() =>
      encodeKey([{ kind: 'text' }], [{ kind: 'text', value: `${fits}x` }]),
    );
    expect(error.code).toBe(ErrorCode.LimitExceeded);
    expect(error.message).toMatch(/keySizeBytesMax/);
  });

  it('counts escaped zero bytes against the key size limit', () => {
    const zeros = new Uint8Array(LIMITS.keySizeBytesMax / 2);
    const error = errorOf(() => encodeKey([{ kind: 'bytea' }], [{ kind: 'bytes', value: zeros }]));
    expect(error.code).toBe(ErrorCode.LimitExceeded);
  });
});
