import { describe, expect, test } from 'vitest';
import { ErrorCode } from '../../../ts/types/index.js';
import { clinic } from './fixtures.js';
import { rows } from './harness.js';

const s = clinic();

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

describe('binding errors', () => {
  test('an unknown table is named, with a suggestion when close', () => {
    expect(() => rows(s, 'SELECT * FROM patient')).toThrow(
      'Unknown table: patient (did you mean patients?)',
    );
    expect(() => rows(s, 'SELECT * FROM zzz')).toThrow(/^Unknown table: zzz$/);
    expect(codeOf(() => rows(s, 'SELECT * FROM zzz'))).toBe(ErrorCode.UnknownTable);
  });

  test('an unknown column suggests the nearest column in scope', () => {
    expect(() => rows(s, 'SELECT pateint_id FROM visits')).toThrow(
      'Unknown column: pateint_id (did you mean patient_id?)',
    );
    expect(codeOf(() => rows(s, 'SELECT nope FROM visits'))).toBe(ErrorCode.UnknownColumn);
  });

  test('an unqualified name in two tables is ambiguous', () => {
    const run = () => rows(s, 'SELECT id FROM patients, doctors');
    expect(run).toThrow(/Ambiguous column: id/);
    expect(codeOf(run)).toBe(ErrorCode.AmbiguousColumn);
  });

  test('USING a column missing on one side is an error', () => {
    expect(() => rows(s, 'SELECT * FROM patients JOIN doctors USING (city)')).toThrow(
      'Unknown column: city (named in USING but missing from the right side of the join)',
    );
  });

  test('a subquery in an expression must return one column', () => {
    expect(() =>
      rows(s, 'SELECT id FROM doctors WHERE id IN (SELECT id, name FROM doctors)'),
    ).toThrow('An IN subquery must return exactly one column; it returns 2');
  });

  test('unknown window functions are refused', () => {
    expect(codeOf(() => rows(s, 'SELECT ntile(2) OVER () FROM doctors'))).toBe(
      ErrorCode.UnknownFunction,
    );
  });
});
