/**
 * `write_rows`: validates resolved row changes against the table's schema and the current
 * rows, and turns them into store effects (the row in the table's space, one entry per index
 * in the index's space).
 *
 * Current rows come from `context.rows` (everything sequenced before the command) overlaid
 * with the command's own earlier changes, so two changes of one command to one key compose.
 *
 * Invariants:
 * - Validation is complete before any effect leaves: a failure returns no effects.
 * - A change's `before` image must equal the stored row exactly (compared as encoded bytes;
 *   a row stored before a column was dropped is re-encoded without it first).
 * - The kernel state is not changed here: rows live in the projections, not the kernel state.
 */
import {
  type ColumnType,
  ErrorCode,
  KimberliteError,
  LIMITS,
  type SqlValue,
  unreachable,
  valueKindOf,
} from '../types/index.js';
import { isWellFormedUtf16 } from './binary.js';
import {
  type ColumnCheck,
  type IndexPlan,
  indexEntryKey,
  keyValuesOf,
  planKey,
  planOf,
  type TablePlan,
  tableByName,
} from './catalog.js';
import { type Failure, fail, formatTuple } from './errors.js';
import { INT32_MAX, INT32_MIN, INTEGER_RANGES } from './key_codec.js';
import { decodeRow, encodePlannedRow, encodeRow } from './row_codec.js';
import type { ApplyContext, Effect, Operation, RowChange, RowImage, TenantState } from './types.js';

type WriteRows = Extract<Operation, { kind: 'write_rows' }>;

const SURROGATE = /[\ud800-\udfff]/;

type Of<K extends SqlValue['kind']> = Extract<SqlValue, { kind: K }>;

/** 10^precision by precision, so a decimal check does not build the bigint on every value. */
const decimalBounds = new Map<number, bigint>();

function decimalBound(precision: number): bigint {
  let bound = decimalBounds.get(precision);
  if (bound === undefined) {
    bound = 10n ** BigInt(precision);
    decimalBounds.set(precision, bound);
  }
  return bound;
}

/** A readable type name for messages: `varchar(20)`, `decimal(10,2)`. */
export function typeName(type: ColumnType): string {
  if (type.kind === 'varchar') return `varchar(${type.length})`;
  if (type.kind === 'decimal') return `decimal(${type.precision},${type.scale})`;
  return type.kind;
}

/**
 * Why `value` does not fit a column of `type`, or `undefined` when it fits (NULL always fits
 * here; NOT NULL is the caller's check).
 *
 * @example
 * valueProblem({ kind: 'smallint' }, { kind: 'integer', value: 40000n }); // 'out of range ...'
 */
export function valueProblem(type: ColumnType, value: SqlValue): string | undefined {
  if (value.kind === 'null') return undefined;
  // One kind check up front; each case below then reads the value as its kind.
  if (value.kind !== valueKindOf(type)) {
    return `a ${value.kind} value does not fit a ${typeName(type)} column`;
  }
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const [min, max] = INTEGER_RANGES[type.kind];
      const integer = (value as Of<'integer'>).value;
      if (typeof integer !== 'bigint') return 'an integer value must be a bigint';
      if (integer < min || integer > max) {
        return `${integer} is out of range for ${type.kind} (${min}..${max})`;
      }
      return undefined;
    }
    case 'real':
    case 'double': {
      const float = (value as Of<'float'>).value;
      if (typeof float !== 'number') return 'a float value must be a number';
      if (type.kind === 'real' && !Number.isNaN(float) && Math.fround(float) !== float) {
        return `${float} is not exactly representable as a real (binary32)`;
      }
      return undefined;
    }
    case 'decimal': {
      const decimal = value as Of<'decimal'>;
      if (typeof decimal.unscaled !== 'bigint') return 'a decimal value needs a bigint unscaled';
      if (decimal.scale !== type.scale) {
        return `scale ${decimal.scale} differs from the column's scale ${type.scale}`;
      }
      const magnitude = decimal.unscaled < 0n ? -decimal.unscaled : decimal.unscaled;
      if (magnitude >= decimalBound(type.precision)) {
        return `${decimal.unscaled} (unscaled) has more than ${type.precision} digits`;
      }
      return undefined;
    }
    case 'text':
    case 'varchar':
    case 'json': {
      const text = (value as Of<'text' | 'json'>).value as unknown;
      if (typeof text !== 'string') return 'a text value must be a string';
      if (SURROGATE.test(text) && !isWellFormedUtf16(text)) return 'text holds a lone surrogate';
      if (type.kind === 'varchar' && text.length > type.length) {
        const codePoints = countCodePoints(text);
        if (codePoints > type.length) {
          return `${codePoints} characters exceed ${typeName(type)}`;
        }
      }
      return undefined;
    }
    case 'bytea':
      return (value as Of<'bytes'>).value instanceof Uint8Array
        ? undefined
        : 'a bytea value must be a Uint8Array';
    case 'boolean':
      return typeof (value as Of<'boolean'>).value === 'boolean'
        ? undefined
        : 'a boolean value must be a boolean';
    case 'date': {
      const days = (value as Of<'date'>).value;
      if (!Number.isInteger(days) || days < INT32_MIN || days > INT32_MAX) {
        return `${days} days is not a 32-bit integer`;
      }
      return undefined;
    }
    case 'timestamp': {
      const [min, max] = INTEGER_RANGES.bigint;
      const micros = (value as Of<'timestamp'>).value;
      if (typeof micros !== 'bigint' || micros < min || micros > max) {
        return `${String(micros)} microseconds is not a 64-bit integer`;
      }
      return undefined;
    }
    case 'uuid': {
      const uuid = (value as Of<'uuid'>).value;
      if (!(uuid instanceof Uint8Array) || uuid.length !== 16) {
        return 'a uuid is 16 bytes';
      }
      return undefined;
    }
    default:
      return unreachable(type);
  }
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) index++;
    count++;
  }
  return count;
}

/** Checks a row image's shape, every value's fit and NOT NULL. */
function checkRow(plan: TablePlan, row: RowImage): Failure | undefined {
  const { checks, table } = plan;
  if (!Array.isArray(row) || row.length !== checks.length) {
    const count = Array.isArray(row) ? row.length : 0;
    return fail(
      ErrorCode.InvalidRow,
      `A row for ${table.name} has ${count} values; the table has ${checks.length} columns`,
    );
  }
  for (let position = 0; position < checks.length; position++) {
    const check = checks[position] as ColumnCheck;
    const value = row[position];
    if (typeof value !== 'object' || value === null) {
      return fail(ErrorCode.InvalidRow, `A row for ${table.name} has a missing value`);
    }
    if (value.kind === 'null') {
      if (check.column.notNull) {
        return fail(
          ErrorCode.NotNullViolation,
          `NULL value in NOT NULL column ${check.column.name}`,
        );
      }
      continue;
    }
    if (fitsFast(check, value)) continue;
    const problem = valueProblem(check.column.type, value);
    if (problem !== undefined) {
      return fail(
        ErrorCode.InvalidRow,
        `Invalid value for column ${check.column.name}: ${problem}`,
      );
    }
  }
  return undefined;
}

/**
 * True when the plan's resolved check alone shows that a non-NULL `value` fits (integers in
 * range, short text without surrogates); false means "ask `valueProblem`", not "invalid".
 */
function fitsFast(check: ColumnCheck, value: SqlValue): boolean {
  if (value.kind !== check.kind) return false;
  if (check.fast === 'integer') {
    const integer = (value as Of<'integer'>).value;
    return typeof integer === 'bigint' && integer >= check.min && integer <= check.max;
  }
  if (check.fast === 'text') {
    const text = (value as Of<'text' | 'json'>).value as unknown;
    return typeof text === 'string' && text.length <= check.textUnitsMax && !SURROGATE.test(text);
  }
  return false;
}

/** The row's primary key, or the failure its encoding raised (key too long, bad value). */
function keyOrFailure(plan: TablePlan, row: RowImage, index?: IndexPlan): Uint8Array | Failure {
  try {
    return index === undefined ? planKey(plan, row) : indexEntryKey(index, row);
  } catch (error) {
    if (!(error instanceof KimberliteError)) throw error;
    const code =
      error.code === ErrorCode.LimitExceeded ? ErrorCode.LimitExceeded : ErrorCode.InvalidRow;
    return fail(code, `Cannot build a key for ${plan.table.name}: ${error.message}`);
  }
}

/** A key as a latin1 string, for maps keyed by key bytes. */
export function latin1(key: Uint8Array): string {
  // One flat string per chunk (not a rope of one-character strings): the Map hashes it whole.
  if (key.length <= LATIN1_CHUNK) return String.fromCharCode.apply(null, key as never);
  let text = '';
  for (let start = 0; start < key.length; start += LATIN1_CHUNK) {
    text += String.fromCharCode.apply(null, key.subarray(start, start + LATIN1_CHUNK) as never);
  }
  return text;
}

/** Bytes per `String.fromCharCode` call (its arguments go on the stack). */
const LATIN1_CHUNK = 4096;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    if (a[index] !== b[index]) return false;
  }
  return true;
}

/** One command's view of a table: the sequenced rows plus the command's own changes. */
class RowView {
  /** Encoded key (as a latin1 string) -> row bytes, or null once deleted by this command. */
  private overlay: Map<string, Uint8Array | null> | undefined;

  /** A replayed command (see `ApplyContext.replay`): no row is read, no check can fail. */
  readonly trusted: boolean;

  constructor(
    private readonly tenant: number,
    private readonly space: number,
    private readonly context: ApplyContext,
    tracked: boolean,
  ) {
    if (tracked) this.overlay = new Map();
    this.trusted = context.replay === true;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    if (this.overlay !== undefined) {
      const own = this.overlay.get(this.id(key));
      if (own !== undefined) return own ?? undefined;
    }
    return this.trusted ? undefined : this.context.rows.get(this.tenant, this.space, key);
  }

  set(key: Uint8Array, row: Uint8Array | null): void {
    this.overlay?.set(this.id(key), row);
  }

  /** The last key's map string: a change usually gets, then sets, the same key object. */
  private lastKey: Uint8Array | undefined;
  private lastId = '';

  private id(key: Uint8Array): string {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastId = latin1(key);
    }
    return this.lastId;
  }
}

interface Encoded {
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
}

function encodeChecked(plan: TablePlan, row: RowImage, trusted = false): Encoded | Failure {
  if (trusted) {
    // A replayed row was encoded once already: no check can fail, so none is wrapped.
    return { key: planKey(plan, row), bytes: encodePlannedRow(plan, row) };
  }
  const invalid = checkRow(plan, row);
  if (invalid !== undefined) return invalid;
  const key = keyOrFailure(plan, row);
  if (!(key instanceof Uint8Array)) return key;
  const bytes = encodePlannedRow(plan, row);
  if (bytes.length > LIMITS.recordSizeBytesMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `A row for ${plan.table.name} is ${bytes.length} bytes; the limit is ` +
        `${LIMITS.recordSizeBytesMax} (recordSizeBytesMax)`,
    );
  }
  return { key, bytes };
}

/** True when the stored row equals the `before` image (re-encoding old rows if needed). */
function sameRow(plan: TablePlan, stored: Uint8Array, before: Uint8Array): boolean {
  if (bytesEqual(stored, before)) return true;
  // A row stored before a drop_column still holds the dropped column's bytes.
  return bytesEqual(encodeRow(plan.table, decodeRow(plan.table, stored)), before);
}

/** Index effects for a row going from `before` to `after` (either may be absent). */
function indexEffects(
  plan: TablePlan,
  tenant: number,
  before: RowImage | undefined,
  after: RowImage | undefined,
  effects: Effect[],
): Failure | undefined {
  for (const index of plan.indexes) {
    const oldKey = before === undefined ? undefined : keyOrFailure(plan, before, index);
    const newKey = after === undefined ? undefined : keyOrFailure(plan, after, index);
    if (oldKey !== undefined && !(oldKey instanceof Uint8Array)) return oldKey;
    if (newKey !== undefined && !(newKey instanceof Uint8Array)) return newKey;
    if (oldKey !== undefined && newKey !== undefined && bytesEqual(oldKey, newKey)) continue;
    const space = index.index.id;
    if (oldKey !== undefined) effects.push({ kind: 'store_delete', tenant, space, key: oldKey });
    if (newKey !== undefined) {
      effects.push({ kind: 'store_put', tenant, space, key: newKey, value: EMPTY });
    }
  }
  return undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * Validates a `write_rows` operation and returns its effects and the rows affected.
 *
 * @example
 * const done = writeRows(tenant, operation, context);
 * if (!isFailure(done)) effects.push(...done.effects);
 */
export function writeRows(
  tenant: TenantState,
  operation: WriteRows,
  context: ApplyContext,
): Failure | { readonly effects: Effect[]; readonly rowsAffected: number } {
  const table = tableByName(tenant, operation.table);
  if (table === undefined) return fail(ErrorCode.UnknownTable, `Unknown table: ${operation.table}`);
  const { changes } = operation;
  if (changes.length > LIMITS.rowChangesPerCommandMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `${changes.length} row changes in one command; the limit is ` +
        `${LIMITS.rowChangesPerCommandMax} (rowChangesPerCommandMax): split the statement`,
    );
  }
  const plan = planOf(table);
  const view = new RowView(tenant.id, table.id, context, changes.length > 1);
  const effects: Effect[] = [];
  for (const change of changes) {
    const failure = applyChange(plan, tenant.id, view, change, effects);
    if (failure !== undefined) return failure;
  }
  return { effects, rowsAffected: changes.length };
}

function applyChange(
  plan: TablePlan,
  tenant: number,
  view: RowView,
  change: RowChange,
  effects: Effect[],
): Failure | undefined {
  const space = plan.table.id;
  const name = plan.table.name;
  switch (change.kind) {
    case 'insert': {
      const row = encodeChecked(plan, change.row, view.trusted);
      if (!('bytes' in row)) return row;
      if (view.get(row.key) !== undefined) {
        const key = formatTuple(keyValuesOf(plan, change.row));
        return fail(ErrorCode.DuplicatePrimaryKey, `Duplicate primary key in ${name}: ${key}`);
      }
      effects.push({ kind: 'store_put', tenant, space, key: row.key, value: row.bytes });
      view.set(row.key, row.bytes);
      return indexEffects(plan, tenant, undefined, change.row, effects);
    }
    case 'update': {
      const before = encodeChecked(plan, change.before, view.trusted);
      if (!('bytes' in before)) return before;
      const after = encodeChecked(plan, change.after, view.trusted);
      if (!('bytes' in after)) return after;
      const current = checkCurrent(plan, view, before, change.before);
      if (current !== undefined) return current;
      if (!bytesEqual(before.key, after.key)) {
        if (view.get(after.key) !== undefined) {
          const key = formatTuple(keyValuesOf(plan, change.after));
          return fail(ErrorCode.DuplicatePrimaryKey, `Duplicate primary key in ${name}: ${key}`);
        }
        effects.push({ kind: 'store_delete', tenant, space, key: before.key });
        view.set(before.key, null);
      }
      effects.push({ kind: 'store_put', tenant, space, key: after.key, value: after.bytes });
      view.set(after.key, after.bytes);
      return indexEffects(plan, tenant, change.before, change.after, effects);
    }
    case 'delete': {
      const before = encodeChecked(plan, change.before, view.trusted);
      if (!('bytes' in before)) return before;
      const current = checkCurrent(plan, view, before, change.before);
      if (current !== undefined) return current;
      effects.push({ kind: 'store_delete', tenant, space, key: before.key });
      view.set(before.key, null);
      return indexEffects(plan, tenant, change.before, undefined, effects);
    }
    case 'upsert':
      return applyUpsert(plan, tenant, view, change, effects);
    default:
      return unreachable(change);
  }
}

function applyUpsert(
  plan: TablePlan,
  tenant: number,
  view: RowView,
  change: Extract<RowChange, { kind: 'upsert' }>,
  effects: Effect[],
): Failure | undefined {
  const after = encodeChecked(plan, change.after, view.trusted);
  if (!('bytes' in after)) return after;
  const name = plan.table.name;
  if (change.before === null) {
    if (view.get(after.key) !== undefined) {
      const key = formatTuple(keyValuesOf(plan, change.after));
      return fail(ErrorCode.RowChanged, `Row ${key} in ${name} was inserted since it was read`);
    }
  } else {
    const before = encodeChecked(plan, change.before, view.trusted);
    if (!('bytes' in before)) return before;
    if (!bytesEqual(before.key, after.key)) {
      return fail(
        ErrorCode.InvalidRow,
        `An upsert into ${name} changes the primary key from ` +
          `${formatTuple(keyValuesOf(plan, change.before))} to ` +
          `${formatTuple(keyValuesOf(plan, change.after))}; use an update`,
      );
    }
    const current = checkCurrent(plan, view, before, change.before);
    if (current !== undefined) return current;
  }
  effects.push({
    kind: 'store_put',
    tenant,
    space: plan.table.id,
    key: after.key,
    value: after.bytes,
  });
  view.set(after.key, after.bytes);
  return indexEffects(plan, tenant, change.before ?? undefined, change.after, effects);
}

/** The row at `before`'s key must exist and equal `before`. */
function checkCurrent(
  plan: TablePlan,
  view: RowView,
  before: Encoded,
  image: RowImage,
): Failure | undefined {
  if (view.trusted) return undefined;
  const stored = view.get(before.key);
  if (stored === undefined) {
    const key = formatTuple(keyValuesOf(plan, image));
    return fail(ErrorCode.RowNotFound, `Row not found in ${plan.table.name}: ${key}`);
  }
  if (!sameRow(plan, stored, before.bytes)) {
    const key = formatTuple(keyValuesOf(plan, image));
    return fail(
      ErrorCode.RowChanged,
      `Row ${key} in ${plan.table.name} changed since the statement read it: retry it`,
    );
  }
  return undefined;
}
