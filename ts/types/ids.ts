/**
 * Branded identifiers, positions and sizes. Each brand is checked once, at construction
 * (`TenantId.of(1)`), so code that holds one never re-validates it, and the compiler keeps a
 * `TenantId` from being passed where a `StreamId` is meant.
 *
 * Numeric representation, chosen once per brand:
 * - `number` for ids and counts that stay below 2^53 (tenants, streams, tables, views).
 * - `bigint` for positions in a log that can outlive any process (`Offset`, `LogPosition`).
 */
import { LIMITS } from './constants.js';
import { ErrorCode, KimberliteError } from './errors.js';

declare const brand: unique symbol;
/** `T` tagged with a compile-time-only name; the runtime value is the plain `T`. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

function isInRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function checkPosition(kind: string, value: bigint | number): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new KimberliteError(ErrorCode.InvalidId, `${kind} must be an integer, got ${value}`);
  }
  const big = BigInt(value);
  if (big < 0n || big > LIMITS.positionMax) {
    throw new KimberliteError(
      ErrorCode.InvalidId,
      `${kind} must be from 0 to ${LIMITS.positionMax}, got ${big}`,
    );
  }
  return big;
}

function numericBrand<Name extends string>(kind: Name, min: number, max: number) {
  return {
    /** Checks and brands `value`; throws `KimberliteError` (code INVALID_ID) when out of range. */
    of(value: number): Brand<number, Name> {
      if (!isInRange(value, min, max)) {
        throw new KimberliteError(
          ErrorCode.InvalidId,
          `${kind} must be an integer from ${min} to ${max}, got ${String(value)}`,
        );
      }
      return value as Brand<number, Name>;
    },
    /** The same check as a predicate, for parsing untrusted input without exceptions. */
    is(value: unknown): value is Brand<number, Name> {
      return isInRange(value, min, max);
    },
  };
}

function positionBrand<Name extends string>(kind: Name) {
  return {
    of(value: bigint | number): Brand<bigint, Name> {
      return checkPosition(kind, value) as Brand<bigint, Name>;
    },
    is(value: unknown): value is Brand<bigint, Name> {
      return typeof value === 'bigint' && value >= 0n && value <= LIMITS.positionMax;
    },
  };
}

/** A tenant: the unit of isolation, encryption and erasure. 1..2^32-1 (u32 on disk). */
export type TenantId = Brand<number, 'TenantId'>;
export const TenantId = numericBrand('TenantId', 1, LIMITS.idMax);

/** A stream within a tenant (one per table plus system streams). u32 on disk. */
export type StreamId = Brand<number, 'StreamId'>;
export const StreamId = numericBrand('StreamId', 1, LIMITS.idMax);

/** A table within a tenant. u32 on disk. */
export type TableId = Brand<number, 'TableId'>;
export const TableId = numericBrand('TableId', 1, LIMITS.idMax);

/** A client session, for idempotent requests. u32 on the wire. */
export type ClientId = Brand<number, 'ClientId'>;
export const ClientId = numericBrand('ClientId', 1, LIMITS.idMax);

/** A VSR view number, from 0 ("view" belongs to VSR alone). */
export type ViewNumber = Brand<number, 'ViewNumber'>;
export const ViewNumber = numericBrand('ViewNumber', 0, Number.MAX_SAFE_INTEGER);

/** Position of an event within one stream, from 0. u64 on disk. */
export type Offset = Brand<bigint, 'Offset'>;
export const Offset = positionBrand('Offset');

/** Position of a committed entry in a replication group's one ordered log, from 0. */
export type LogPosition = Brand<bigint, 'LogPosition'>;
export const LogPosition = positionBrand('LogPosition');
