/**
 * The messages of Kimberlite's wire protocol, version 1 (docs/wire-protocol.md). A frame's
 * payload is one message: a request from the client or a response from the server, matched by
 * `id`. Values inside messages (SQL parameters and result cells) are the JavaScript values of
 * the embedded API (ts/types/js_value.ts): null, boolean, number, bigint, string, Date,
 * Uint8Array, and JSON arrays/objects.
 *
 * Invariants:
 * - `id` is 1..2^32-1, chosen by the client, unique among its in-flight requests on one
 *   connection; id 0 is reserved for connection-level errors the server sends before closing.
 * - The first request on a connection is `handshake`; anything else first is refused with
 *   UNAUTHENTICATED and the connection is closed.
 * - Writes carry an optional `request` (client id + request number): a retry with the same one
 *   returns the first outcome instead of writing twice.
 */
import type { ErrorCode } from '../types/index.js';

/** The protocol versions this build speaks; the handshake picks the highest both sides know. */
export const PROTOCOL_VERSIONS: readonly number[] = [1];

/** How a client proves who it is. `none` works only against a server started with auth none. */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'api_key'; readonly key: string }
  | { readonly kind: 'jwt'; readonly token: string };

/** Idempotency of a write (the kernel's RequestId): the client session and its request number. */
export interface WireRequestId {
  readonly clientId: number;
  readonly requestNumber: number;
}

/** Audit metadata a client may attach to a write (the server adds the statement text). */
export interface WriteAudit {
  readonly actor?: string;
  readonly reason?: string;
  readonly correlationId?: string;
}

/** Fields every write request may carry. */
export interface WriteFields {
  readonly request?: WireRequestId;
  readonly audit?: WriteAudit;
}

export type Request =
  | {
      readonly type: 'handshake';
      readonly id: number;
      /** Versions the client speaks. */
      readonly versions: readonly number[];
      readonly credentials: Credentials;
      /** The tenant this connection works on; omitted for cluster-level work (operators). */
      readonly tenant?: number;
      /** A name for logs and metrics, e.g. `kimberlite-cli/0.1.0`. */
      readonly clientName?: string;
    }
  | ({
      readonly type: 'execute';
      readonly id: number;
      readonly tenant: number;
      readonly sql: string;
      readonly params: readonly unknown[];
    } & WriteFields)
  | {
      readonly type: 'query';
      readonly id: number;
      readonly tenant: number;
      readonly sql: string;
      readonly params: readonly unknown[];
      /** Read as of this log position (default: the newest committed). */
      readonly at?: bigint;
    }
  | ({
      readonly type: 'create_stream';
      readonly id: number;
      readonly tenant: number;
      readonly name: string;
    } & WriteFields)
  | ({
      readonly type: 'append';
      readonly id: number;
      readonly tenant: number;
      readonly stream: string;
      readonly events: readonly Uint8Array[];
      readonly expectedOffset?: bigint;
    } & WriteFields)
  | {
      readonly type: 'read';
      readonly id: number;
      readonly tenant: number;
      readonly stream: string;
      readonly fromOffset?: bigint;
      /** At most this many events (default 1,000). */
      readonly maxEvents?: number;
      /** Stop once this many event bytes are in the reply (at least one event is returned). */
      readonly maxBytes?: number;
      readonly at?: bigint;
    }
  | {
      readonly type: 'stream_info';
      readonly id: number;
      readonly tenant: number;
      readonly stream: string;
    }
  | ({
      readonly type: 'create_tenant';
      readonly id: number;
      readonly tenant: number;
      readonly name: string;
    } & WriteFields)
  | { readonly type: 'list_tenants'; readonly id: number }
  | { readonly type: 'get_tenant'; readonly id: number; readonly tenant: number }
  | ({
      readonly type: 'delete_tenant';
      readonly id: number;
      readonly tenant: number;
    } & WriteFields)
  | {
      readonly type: 'list_tables';
      readonly id: number;
      readonly tenant: number;
      readonly at?: bigint;
    }
  | {
      readonly type: 'describe_table';
      readonly id: number;
      readonly tenant: number;
      readonly table: string;
      readonly at?: bigint;
    }
  | { readonly type: 'server_info'; readonly id: number }
  | { readonly type: 'verify'; readonly id: number }
  | { readonly type: 'ping'; readonly id: number };

export type RequestType = Request['type'];

/** A result column: its name and SQL type name (`BIGINT`, `TEXT`, ...). */
export interface WireColumn {
  readonly name: string;
  readonly type: string;
}

export interface TenantInfo {
  readonly id: number;
  readonly name: string;
  readonly sealed: boolean;
  readonly createdAt: bigint;
}

export interface TableDescription {
  readonly name: string;
  readonly id: number;
  readonly columns: readonly {
    readonly name: string;
    /** SQL type name, e.g. `VARCHAR(40)`. */
    readonly type: string;
    readonly notNull: boolean;
    readonly primaryKey: boolean;
  }[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly createdAt: bigint;
}

/** The result of each request type, by `type`. */
export interface Results {
  readonly handshake: {
    readonly version: number;
    readonly serverVersion: string;
    /** The identity the credentials proved: its tenant (absent: any) and roles. */
    readonly tenant?: number;
    readonly roles: readonly string[];
    /** Limits the client should respect. */
    readonly maxFrameBytes: number;
    readonly maxInFlight: number;
  };
  readonly execute: {
    readonly columns: readonly WireColumn[];
    readonly rows: readonly (readonly unknown[])[];
    readonly rowsAffected: number;
    readonly position: bigint;
  };
  readonly query: {
    readonly columns: readonly WireColumn[];
    readonly rows: readonly (readonly unknown[])[];
    readonly position: bigint;
  };
  readonly create_stream: { readonly streamId: number; readonly position: bigint };
  readonly append: {
    readonly firstOffset: bigint;
    readonly count: number;
    readonly position: bigint;
  };
  readonly read: {
    readonly events: readonly { readonly offset: bigint; readonly data: Uint8Array }[];
    /** The offset to read from next (one past the last event returned). */
    readonly nextOffset: bigint;
    readonly position: bigint;
  };
  readonly stream_info: {
    readonly name: string;
    readonly streamId: number;
    /** Offset the next appended event gets (= number of events). */
    readonly nextOffset: bigint;
    readonly createdAt: bigint;
  };
  readonly create_tenant: { readonly tenant: TenantInfo; readonly position: bigint };
  readonly list_tenants: { readonly tenants: readonly TenantInfo[] };
  readonly get_tenant: { readonly tenant: TenantInfo };
  readonly delete_tenant: { readonly position: bigint };
  readonly list_tables: { readonly tables: readonly string[]; readonly position: bigint };
  readonly describe_table: { readonly table: TableDescription; readonly position: bigint };
  readonly server_info: {
    readonly serverVersion: string;
    readonly protocolVersions: readonly number[];
    /** `primitive: backend` lines, e.g. `sha256: native (openssl)`. */
    readonly backends: readonly string[];
    /** The newest durable log position; -1 while the database is empty. */
    readonly position: bigint;
    readonly uptimeMs: number;
    readonly connections: number;
    readonly auth: 'none' | 'api_key' | 'jwt';
    readonly tls: boolean;
  };
  readonly verify: {
    readonly ok: boolean;
    readonly records: number;
    /** The first problem found, with its exact location, when `ok` is false. */
    readonly problem?: string;
  };
  readonly ping: Record<string, never>;
}

/** An operating error as it crosses the wire: a stable code and a message for people. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Safe to retry (with the same request id for writes): overload, shutdown, timeout. */
  readonly retryable: boolean;
}

export type Response =
  | {
      [T in RequestType]: {
        readonly id: number;
        readonly ok: true;
        readonly type: T;
        readonly result: Results[T];
      };
    }[RequestType]
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** The request types that write to the log (retried only with a request id). */
export const WRITE_REQUESTS: ReadonlySet<RequestType> = new Set([
  'execute',
  'create_stream',
  'append',
  'create_tenant',
  'delete_tenant',
]);
