/**
 * The kernel's shapes: commands in, effects and outcomes out, and the state in between.
 * Fixed here so the kernel, the runtime and their tests can be written against them.
 *
 * `apply(state, command, context) -> { state, effects, outcome }` is pure: no IO, clock or
 * randomness. Time and the log position arrive in `context`, stamped by the runtime; rows the
 * command touches are read through `context.rows`, a synchronous view of the projections as of
 * everything sequenced before the command (the runtime's prefetch/overlay, ARCHITECTURE.md 5).
 *
 * State is per tenant: each tenant's catalog, streams and client sessions live in its own
 * `TenantState`, persisted in that tenant's projection store, so a tenant can be replayed,
 * exported and destroyed on its own. `apply` takes ownership of the state it is given and
 * returns the state to use next (it may be the same object, changed in place): a failed
 * command (`outcome.ok === false`) leaves the state exactly as it was.
 *
 * Log positions here are batch positions: every command of one batch carries the same
 * `position`, which is also the MVCC version of the rows it writes.
 */
import type { ColumnType, ErrorCode, SqlValue } from '../types/index.js';

/** Who sent a request and which one, for idempotency: a repeat returns the first outcome. */
export interface RequestId {
  /** The client session, 1..2^32-1. */
  readonly clientId: number;
  /** Increases by one per request of the session, from 1. */
  readonly requestNumber: number;
}

/** Who, why and from which statement: travels with the command into the log (audit). */
export interface AuditMeta {
  readonly actor?: string;
  readonly reason?: string;
  readonly correlationId?: string;
  /** The statement text the command was resolved from (SQL, or the typed API's call). */
  readonly statement?: string;
}

/** A column as a command declares it. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
}

/**
 * One row's values, aligned with the table's live columns (`liveColumns(table)`) at the
 * command's position: the row codec stores column ids, so rows survive later schema changes.
 */
export type RowImage = readonly SqlValue[];

/** A row change resolved by the runtime against the state sequenced before the command. */
export type RowChange =
  | { readonly kind: 'insert'; readonly row: RowImage }
  /** The key may change: then the old key is deleted and the new one must be free. */
  | { readonly kind: 'update'; readonly before: RowImage; readonly after: RowImage }
  | { readonly kind: 'delete'; readonly before: RowImage }
  /** `before` is the row at the key when resolved, `null` when there was none. */
  | { readonly kind: 'upsert'; readonly before: RowImage | null; readonly after: RowImage };

export type Operation =
  /** `keyId` names the tenant's data key (its fingerprint), kept in the key store. */
  | { readonly kind: 'create_tenant'; readonly name: string; readonly keyId: Uint8Array }
  | { readonly kind: 'delete_tenant' }
  | { readonly kind: 'seal_tenant' }
  | { readonly kind: 'unseal_tenant' }
  | { readonly kind: 'create_stream'; readonly name: string }
  | {
      readonly kind: 'append_events';
      readonly stream: string;
      /** When given, the append fails with OFFSET_MISMATCH unless the stream's next offset. */
      readonly expectedOffset?: bigint;
      readonly events: readonly Uint8Array[];
    }
  | {
      readonly kind: 'create_table';
      readonly name: string;
      readonly columns: readonly ColumnSpec[];
      /** Column names, in key order; at least one. */
      readonly primaryKey: readonly string[];
    }
  | { readonly kind: 'drop_table'; readonly table: string }
  /** A NOT NULL column can only be added to an empty table (no default values yet). */
  | { readonly kind: 'add_column'; readonly table: string; readonly column: ColumnSpec }
  | { readonly kind: 'drop_column'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'create_index';
      readonly table: string;
      readonly name: string;
      readonly columns: readonly string[];
    }
  | { readonly kind: 'write_rows'; readonly table: string; readonly changes: readonly RowChange[] };

export type OperationKind = Operation['kind'];

export interface Command {
  readonly tenant: number;
  /**
   * The tenant of the session that sent the command; absent for the operator's own commands
   * (create/delete tenant). A command whose origin is another tenant fails with CROSS_TENANT.
   */
  readonly origin?: number;
  readonly request?: RequestId;
  readonly audit?: AuditMeta;
  readonly operation: Operation;
}

/** A synchronous view of the projections: the newest value of a key, as of the sequenced state. */
export interface RowSource {
  get(tenant: number, space: number, key: Uint8Array): Uint8Array | undefined;
}

export interface ApplyContext {
  /** The log position of the batch the command is in. */
  readonly position: bigint;
  /** The batch's timestamp, nanoseconds since the Unix epoch, stamped by the runtime. */
  readonly timestampNs: bigint;
  readonly rows: RowSource;
  /**
   * The command is read back from the log, which holds only commands that applied: the row
   * checks that depend on stored rows (free keys, current before-images) and the validation of
   * values cannot fail for it, so they are skipped and no row is read. Effects, outcome and
   * state are exactly those of its first apply (test/kernel/apply_property.test.ts).
   */
  readonly replay?: boolean;
}

/** What a successful command did. */
export type CommandResult =
  | { readonly kind: 'done' }
  /** A table, stream or index was created with this object id. */
  | { readonly kind: 'created'; readonly id: number }
  | { readonly kind: 'rows'; readonly rowsAffected: number }
  | { readonly kind: 'appended'; readonly firstOffset: bigint; readonly count: number };

export interface KernelError {
  readonly code: ErrorCode;
  /** A message a person can act on: `Duplicate primary key in patients: (1)`. */
  readonly message: string;
}

export type Outcome =
  | { readonly ok: true; readonly result: CommandResult; readonly position: bigint }
  | { readonly ok: false; readonly error: KernelError };

/**
 * Effects the runtime executes after the command's batch is durable (or, at replay, at once),
 * in order. Store writes happen at the command's position.
 */
export type Effect =
  | {
      readonly kind: 'store_put';
      readonly tenant: number;
      readonly space: number;
      readonly key: Uint8Array;
      readonly value: Uint8Array;
    }
  | {
      readonly kind: 'store_delete';
      readonly tenant: number;
      readonly space: number;
      readonly key: Uint8Array;
    }
  /**
   * Fill a new index from the table's live rows: for each row, put `indexKey(table, index,
   * row)` with an empty value in the index's space. The kernel cannot scan, the runtime can.
   */
  | {
      readonly kind: 'build_index';
      readonly tenant: number;
      readonly table: number;
      readonly index: number;
    }
  /** A new tenant: open its projection store. */
  | { readonly kind: 'tenant_created'; readonly tenant: number }
  /** Destroy the tenant's data key and projection store (crypto-shredding). */
  | { readonly kind: 'tenant_deleted'; readonly tenant: number };

export interface ColumnDef {
  /** Stable within its table, never reused, 1..65535. */
  readonly id: number;
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  readonly addedAt: bigint;
  /** Set when dropped; rows keep the bytes, reads as of later positions no longer see it. */
  readonly droppedAt: bigint | undefined;
}

export interface IndexDef {
  /** The index's object id, also its store space. */
  readonly id: number;
  readonly name: string;
  /** Column ids, in index key order. */
  readonly columns: readonly number[];
  readonly createdAt: bigint;
}

export interface TableDef {
  /** The table's object id: also its stream id in the log and its store space. */
  readonly id: number;
  readonly name: string;
  /** Every column ever added, in the order added (dropped ones keep their place). */
  readonly columns: readonly ColumnDef[];
  /** Column ids, in key order. */
  readonly primaryKey: readonly number[];
  readonly indexes: readonly IndexDef[];
  readonly createdAt: bigint;
  readonly droppedAt: bigint | undefined;
}

export interface StreamDef {
  /** The stream's object id: also its store space (events by offset). */
  readonly id: number;
  readonly name: string;
  readonly nextOffset: bigint;
  readonly createdAt: bigint;
}

export interface ClientSession {
  readonly clientId: number;
  readonly requestNumber: number;
  /** The position the request was committed at (eviction takes the oldest first). */
  readonly position: bigint;
  readonly outcome: Outcome;
}

/** One tenant's kernel state. Read-only to everyone but the kernel. */
export interface TenantState {
  readonly id: number;
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly createdAt: bigint;
  readonly sealed: boolean;
  /** The next object id for a table, index or stream (starts at 1). */
  readonly nextObjectId: number;
  /** Every table ever created, dropped ones included (time travel reads them), by id. */
  readonly tables: ReadonlyMap<number, TableDef>;
  readonly streams: ReadonlyMap<number, StreamDef>;
  readonly sessions: ReadonlyMap<number, ClientSession>;
}

/** The kernel's whole state: tenants by id. Deleted tenants are gone from it. */
export interface KernelState {
  readonly tenants: ReadonlyMap<number, TenantState>;
}

export interface ApplyResult {
  readonly state: KernelState;
  readonly effects: readonly Effect[];
  readonly outcome: Outcome;
  /**
   * True when the command repeats a request the tenant's session table remembers: `outcome` is
   * the first one's, nothing changed, and the runtime must not log the command again.
   */
  readonly repeated: boolean;
}
