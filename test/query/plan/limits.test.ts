import { afterEach, describe, expect, test } from 'vitest';
import { ErrorCode, LIMITS } from '../../../ts/types/index.js';
import { clinic } from './fixtures.js';
import { rows } from './harness.js';

// The limits are a million rows; lowering one for a test shows the check without the data.
const limits = LIMITS as unknown as Record<string, number>;
const saved = { ...limits };

afterEach(() => {
  Object.assign(limits, saved);
});

function failure(sql: string): { code: unknown; message: string } {
  try {
    rows(clinic(), sql);
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  throw new Error('expected the query to fail');
}

describe('operator limits', () => {
  test('a sort past sortRowsMax fails naming the limit', () => {
    limits.sortRowsMax = 4;
    expect(failure('SELECT id FROM patients ORDER BY name')).toEqual({
      code: ErrorCode.LimitExceeded,
      message: 'ORDER BY input exceeds sortRowsMax (4 rows); narrow the query with WHERE or LIMIT',
    });
    expect(rows(clinic(), 'SELECT id FROM patients WHERE id < 5 ORDER BY name')).toHaveLength(4);
  });

  test('DISTINCT holds at most sortRowsMax rows', () => {
    limits.sortRowsMax = 2;
    expect(failure('SELECT DISTINCT city FROM patients').message).toMatch(/sortRowsMax/);
  });

  test('GROUP BY past groupRowsMax fails', () => {
    limits.groupRowsMax = 3;
    expect(failure('SELECT id, count(*) FROM patients GROUP BY id').message).toMatch(
      /^GROUP BY exceeds groupRowsMax \(3 rows\)/,
    );
  });

  test('a hash join build side past hashJoinRowsMax fails', () => {
    limits.hashJoinRowsMax = 5;
    expect(
      failure('SELECT * FROM patients p JOIN visits v ON v.patient_id = p.id').message,
    ).toMatch(/hashJoinRowsMax/);
  });

  test('a nested loop past nestedLoopRowsMax fails', () => {
    limits.nestedLoopRowsMax = 19;
    expect(failure('SELECT * FROM patients, doctors').message).toMatch(/nestedLoopRowsMax/);
    limits.nestedLoopRowsMax = 20;
    expect(rows(clinic(), 'SELECT * FROM patients, doctors')).toHaveLength(20);
  });

  test('a window partition past windowPartitionRowsMax fails', () => {
    limits.windowPartitionRowsMax = 4;
    expect(failure('SELECT row_number() OVER () FROM patients').message).toMatch(
      /windowPartitionRowsMax/,
    );
  });

  test('a result past resultRowsMax fails rather than being cut', () => {
    limits.resultRowsMax = 4;
    expect(failure('SELECT id FROM patients').message).toMatch(
      /^query result exceeds resultRowsMax/,
    );
  });
});
