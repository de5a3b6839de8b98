/**
 * Messages <-> payload bytes. msgpackr encodes (records off: every message is self-describing);
 * decoding never trusts the bytes: the decoded tree is rebuilt as plain objects (refusing
 * `__proto__`, `constructor` and `prototype` keys), then every field of the message is checked
 * against its type. Unknown extra fields are ignored (a newer peer may add optional ones).
 *
 * Invariant: decodeRequest and decodeResponse, given any bytes, return a well-formed message
 * or throw a KimberliteError with code PROTOCOL_ERROR; nothing else escapes.
 */
import { Packr } from 'msgpackr';
import { ErrorCode, KimberliteError, LIMITS } from '../types/index.js';
import type { Request, RequestType, Response, WireError } from './messages.js';

const packr = new Packr({
  useRecords: false,
  int64AsType: 'bigint',
  mapsAsObjects: true,
  moreTypes: false,
  skipValues: [undefined],
} as ConstructorParameters<typeof Packr>[0]);

/** Nesting deeper than this in one message is refused (JSON values are the deep part). */
const DEPTH_MAX = 64;
/** msgpackr renames a `__proto__` map key to `__proto_`; both are refused. */
const FORBIDDEN_KEYS = new Set(['__proto__', '__proto_', 'constructor', 'prototype']);

function protocolError(message: string): KimberliteError {
  return new KimberliteError(ErrorCode.ProtocolError, message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'timestamp';
  return typeof value;
}

/**
 * The keys from the root to the value being sanitized. Paths are only needed in error
 * messages, so they are built from this trail when one is thrown, not for every value.
 */
const trail: (string | number)[] = [];
let trailRoot = '';

function trailPath(): string {
  let path = trailRoot;
  for (const key of trail) path += typeof key === 'number' ? `[${key}]` : `.${key}`;
  return path;
}

/** Rebuilds a decoded tree from plain values only; refuses anything else. */
function sanitize(value: unknown, depth: number): unknown {
  if (depth > DEPTH_MAX)
    throw protocolError(`${trailPath()} nests deeper than ${DEPTH_MAX} levels`);
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'boolean':
    case 'string':
    case 'bigint':
    case 'number':
      return value;
    case 'object':
      break;
    default:
      throw protocolError(`${trailPath()} has an unsupported value of type ${typeof value}`);
  }
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw protocolError(`${trailPath()} is an invalid timestamp`);
    return value;
  }
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      items[i] = sanitize(value[i], depth + 1);
      trail.pop();
    }
    return items;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw protocolError(`${trailPath()} holds a value of an unsupported type`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw protocolError(`${trailPath()} has the forbidden key '${key}'`);
    }
    trail.push(key);
    out[key] = sanitize((value as Record<string, unknown>)[key], depth + 1);
    trail.pop();
  }
  return out;
}

function unpack(payload: Uint8Array, what: string): unknown {
  let decoded: unknown;
  try {
    decoded = packr.unpack(payload);
  } catch (error) {
    // msgpackr's message may quote the whole decoded value: keep it short.
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 120);
    throw protocolError(
      `${what} payload of ${payload.byteLength} bytes is not valid MessagePack: ${reason}`,
    );
  }
  try {
    // A throw leaves the trail as it was at the failure: start every message from empty.
    trail.length = 0;
    trailRoot = what;
    return sanitize(decoded, 0);
  } catch (error) {
    if (error instanceof KimberliteError) throw error;
    throw protocolError(`${what} is malformed: ${String(error)}`);
  }
}

function pack(message: unknown, what: string): Uint8Array {
  try {
    const bytes = packr.pack(message);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    throw new KimberliteError(
      ErrorCode.InvalidArgument,
      `cannot encode the ${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

// ---- Checks: each takes a value and its path, returns the checked (normalized) value. ----

type Check<T = unknown> = ((value: unknown, path: string) => T) & { optional?: boolean };

const str: Check<string> = (v, path) => {
  if (typeof v !== 'string') throw protocolError(`${path} must be a string, got ${describe(v)}`);
  return v;
};

const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw protocolError(`${path} must be a boolean, got ${describe(v)}`);
  return v;
};

function int(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v === 'bigint' && v >= BigInt(min) && v <= BigInt(max)) return Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw protocolError(`${path} must be an integer, got ${describe(v)}`);
    }
    if (v < min || v > max) throw protocolError(`${path} must be in ${min}..${max}, got ${v}`);
    return v;
  };
}

/** A log position or offset: u64 below 2^63; safe integer numbers are accepted too. */
const position: Check<bigint> = (v, path) => {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw protocolError(`${path} must be an integer position, got ${describe(v)}`);
  if (b < 0n || b > LIMITS.positionMax) {
    throw protocolError(`${path} must be in 0..${LIMITS.positionMax}, got ${b}`);
  }
  return b;
};

/** The newest durable position a server reports: -1 while the database is empty. */
const headPosition: Check<bigint> = (v, path) => {
  if (v === -1n || v === -1) return -1n;
  return position(v, path);
};

const bytes: Check<Uint8Array> = (v, path) => {
  if (!(v instanceof Uint8Array)) throw protocolError(`${path} must be bytes, got ${describe(v)}`);
  return v;
};

/** A value (SQL parameter, result cell, JSON): already sanitized; only `undefined` is refused. */
const value: Check<unknown> = (v, path) => {
  if (v === undefined) throw protocolError(`${path} must be a value, got undefined`);
  return v;
};

function arr<T>(item: Check<T>): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw protocolError(`${path} must be an array, got ${describe(v)}`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

function opt<T>(check: Check<T>): Check<T | undefined> {
  const wrapped: Check<T | undefined> = (v, path) => check(v, path);
  wrapped.optional = true;
  return wrapped;
}

function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, path) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      const got = typeof v === 'string' ? `'${v}'` : describe(v);
      throw protocolError(`${path} must be one of ${values.join(', ')}, got ${got}`);
    }
    return v as T;
  };
}

type Shape = Record<string, Check>;

function obj(shape: Shape): Check<Record<string, unknown>> {
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
      throw protocolError(`${path} must be a map, got ${describe(v)}`);
    }
    const source = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const field = source[key];
      if (field === undefined && check.optional === true) continue;
      if (field === undefined) throw protocolError(`${path}.${key} is missing`);
      out[key] = check(field, `${path}.${key}`);
    }
    return out;
  };
}

// ---- Requests. ----

const id = int(1, LIMITS.idMax);
const tenant = int(1, LIMITS.idMax);
const params = arr(value);

const credentials: Check = (v, path) => {
  const { kind } = obj({ kind: oneOf(['none', 'api_key', 'jwt'] as const) })(v, path);
  if (kind === 'api_key') return obj({ kind: str, key: str })(v, path);
  if (kind === 'jwt') return obj({ kind: str, token: str })(v, path);
  return { kind };
};

const writeFields: Shape = {
  request: opt(obj({ clientId: int(1, LIMITS.idMax), requestNumber: int(1, 2 ** 53 - 1) })),
  audit: opt(obj({ actor: opt(str), reason: opt(str), correlationId: opt(str) })),
};

const REQUEST_SHAPES: Record<RequestType, Shape> = {
  handshake: {
    versions: arr(int(0, 0xffff)),
    credentials,
    tenant: opt(tenant),
    clientName: opt(str),
  },
  execute: { tenant, sql: str, params, ...writeFields },
  query: { tenant, sql: str, params, at: opt(position) },
  create_stream: { tenant, name: str, ...writeFields },
  append: {
    tenant,
    stream: str,
    events: arr(bytes),
    expectedOffset: opt(position),
    ...writeFields,
  },
  read: {
    tenant,
    stream: str,
    fromOffset: opt(position),
    maxEvents: opt(int(1, LIMITS.idMax)),
    maxBytes: opt(int(1, LIMITS.idMax)),
    at: opt(position),
  },
  stream_info: { tenant, stream: str },
  create_tenant: { tenant, name: str, ...writeFields },
  list_tenants: {},
  get_tenant: { tenant },
  delete_tenant: { tenant, ...writeFields },
  list_tables: { tenant, at: opt(position) },
  describe_table: { tenant, table: str, at: opt(position) },
  server_info: {},
  verify: {},
  ping: {},
};

export const REQUEST_TYPES = Object.keys(REQUEST_SHAPES) as readonly RequestType[];

function messageType(v: unknown, what: string): RequestType {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw protocolError(`${what} must be a map, got ${describe(v)}`);
  }
  const type = (v as Record<string, unknown>).type;
  if (typeof type !== 'string' || !Object.hasOwn(REQUEST_SHAPES, type)) {
    throw protocolError(
      `${what}.type ${typeof type === 'string' ? `'${type}'` : describe(type)} is not a known ` +
        `request type (${REQUEST_TYPES.join(', ')})`,
    );
  }
  return type as RequestType;
}

/** Encodes a request as a payload (see docs/wire-protocol.md). */
export function encodeRequest(request: Request): Uint8Array {
  return pack(request, `${request.type} request`);
}

/** Decodes and validates a request payload; throws KimberliteError PROTOCOL_ERROR if malformed. */
export function decodeRequest(payload: Uint8Array): Request {
  const raw = unpack(payload, 'request');
  const type = messageType(raw, 'request');
  const checked = obj({ id, ...REQUEST_SHAPES[type] })(raw, type);
  return { type, ...checked } as unknown as Request;
}

// ---- Responses. ----

const tenantInfo = obj({ id: tenant, name: str, sealed: bool, createdAt: position });
const columns = arr(obj({ name: str, type: str }));
const rows = arr(arr(value));

const RESULT_SHAPES: Record<RequestType, Shape> = {
  handshake: {
    version: int(0, 0xffff),
    serverVersion: str,
    tenant: opt(tenant),
    roles: arr(str),
    maxFrameBytes: int(0, LIMITS.idMax),
    maxInFlight: int(0, LIMITS.idMax),
  },
  execute: { columns, rows, rowsAffected: int(0, 2 ** 53 - 1), position },
  query: { columns, rows, position },
  create_stream: { streamId: int(0, LIMITS.idMax), position },
  append: { firstOffset: position, count: int(0, LIMITS.idMax), position },
  read: {
    events: arr(obj({ offset: position, data: bytes })),
    nextOffset: position,
    position,
  },
  stream_info: {
    name: str,
    streamId: int(0, LIMITS.idMax),
    nextOffset: position,
    createdAt: position,
  },
  create_tenant: { tenant: tenantInfo, position },
  list_tenants: { tenants: arr(tenantInfo) },
  get_tenant: { tenant: tenantInfo },
  delete_tenant: { position },
  list_tables: { tables: arr(str), position },
  describe_table: {
    table: obj({
      name: str,
      id: int(0, LIMITS.idMax),
      columns: arr(obj({ name: str, type: str, notNull: bool, primaryKey: bool })),
      primaryKey: arr(str),
      indexes: arr(obj({ name: str, columns: arr(str) })),
      createdAt: position,
    }),
    position,
  },
  server_info: {
    serverVersion: str,
    protocolVersions: arr(int(0, 0xffff)),
    backends: arr(str),
    position: headPosition,
    uptimeMs: int(0, 2 ** 53 - 1),
    connections: int(0, 2 ** 53 - 1),
    auth: oneOf(['none', 'api_key', 'jwt'] as const),
    tls: bool,
  },
  verify: { ok: bool, records: int(0, 2 ** 53 - 1), problem: opt(str) },
  ping: {},
};

const errorCode: Check<ErrorCode> = (v, path) => {
  const code = str(v, path);
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) {
    throw protocolError(`${path} must be an error code like PROTOCOL_ERROR, got '${code}'`);
  }
  return code as ErrorCode;
};

const wireError = obj({ code: errorCode, message: str, retryable: bool });

/** Encodes a response as a payload. */
export function encodeResponse(response: Response): Uint8Array {
  return pack(response, 'response');
}

/** Decodes and validates a response payload; throws KimberliteError PROTOCOL_ERROR if malformed. */
export function decodeResponse(payload: Uint8Array): Response {
  const raw = unpack(payload, 'response');
  const head = obj({ id: int(0, LIMITS.idMax), ok: bool })(raw, 'response');
  if (head.ok === false) {
    const { error } = obj({ error: wireError })(raw, 'response');
    return { id: head.id, ok: false, error } as Response;
  }
  const type = messageType(raw, 'response');
  const { result } = obj({ result: obj(RESULT_SHAPES[type]) })(raw, type);
  return { id: head.id, ok: true, type, result } as unknown as Response;
}

// ---- Errors. ----

/** Codes a client may retry (a write only with the same request id). */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.ShuttingDown,
  ErrorCode.TooManyRequests,
  ErrorCode.TooManyConnections,
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
]);

/** The WireError for any thrown value: a KimberliteError keeps its code, others are INTERNAL. */
export function toWireError(error: unknown): WireError {
  if (error instanceof KimberliteError) {
    return { code: error.code, message: error.message, retryable: RETRYABLE_CODES.has(error.code) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.Internal, message: `internal error: ${message}`, retryable: false };
}

/** The failure response to request `id` (0: connection-level) for any thrown value. */
export function errorResponse(id: number, error: unknown): Response {
  return { id, ok: false, error: toWireError(error) };
}
