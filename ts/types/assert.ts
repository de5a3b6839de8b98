/**
 * Assertions for programmer errors. They stay on in production: a broken invariant in a
 * database must stop the process before it writes something wrong, never be skipped for speed.
 * Operating errors (bad input, IO failures) are typed values instead; see `errors.ts`.
 */

/** Thrown only by `assert` and `unreachable`; never caught to recover. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/**
 * Checks a condition that only a bug can break.
 *
 * @example
 * assert(offsets.length === count + 1, 'offsets must hold count + 1 entries');
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Ends an exhaustive `switch` on a discriminated union: `default: return unreachable(x);` */
export function unreachable(value: never): never {
  throw new AssertionError(`unreachable: ${JSON.stringify(value)}`);
}
