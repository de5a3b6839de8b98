/**
 * The message codec (ts/wire/codec.ts): every request and response type survives
 * encode -> frame -> decode, and malformed messages are refused with PROTOCOL_ERROR naming
 * the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Crc32c } from '../../ts/crypto/index.js';
import { loadCrypto } from '../../ts/crypto/index.js';
import { ErrorCode, KimberliteError } from '../../ts/types/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  errorResponse,
  FrameDecoder,
  RETRYABLE_CODES,
  type Request,
  type Response,
  requestFrame,
  responseFrame,
} from '../../ts/wire/index.js';
import { sampleRequests, sampleResponses } from './samples.js';

let crc: Crc32c;
beforeAll(async () => {
  crc = (await loadCrypto({ choice: 'ts' })).crc32c;
});

function expectProtocolError(f: () => unknown, message: string | RegExp): void {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(KimberliteError);
    expect((error as KimberliteError).code).toBe(ErrorCode.ProtocolError);
    expect((error as KimberliteError).message).toMatch(message);
    return;
  }
  throw new Error('expected a PROTOCOL_ERROR, nothing was thrown');
}

describe('request round trips', () => {
  it.each(sampleRequests().map((r) => [r.type, r] as const))('%s', (_type, request) => {
    expect(decodeRequest(encodeRequest(request))).toEqual(request);
    const payloads = new FrameDecoder({ crc32c: crc }).push(requestFrame(request, crc));
    expect(payloads).toHaveLength(1);
    expect(decodeRequest(payloads[0] as Uint8Array)).toEqual(request);
  });

  it('covers every request type', () => {
    const types = new Set(sampleRequests().map((r) => r.type));
    expect(types.size).toBe(16);
  });

  it('decodes bytes as plain Uint8Array and keeps bigint, Date, null and JSON', () => {
    const request: Request = {
      type: 'execute',
      id: 9,
      tenant: 1,
      sql: 'INSERT INTO t VALUES ($1, $2, $3, $4, $5)',
      params: [2n ** 62n, new Date(1_700_000_000_123), new Uint8Array([0, 255]), null, { a: [1] }],
    };
    const decoded = decodeRequest(encodeRequest(request));
    if (decoded.type !== 'execute') throw new Error('wrong type');
    const [big, date, bytes, nil, json] = decoded.params;
    expect(big).toBe(2n ** 62n);
    expect(date).toBeInstanceOf(Date);
    expect((date as Date).getTime()).toBe(1_700_000_000_123);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(nil).toBeNull();
    expect(json).toEqual({ a: [1] });
  });
});

describe('response round trips', () => {
  it.each(sampleResponses().map((r) => [r.ok ? r.type : 'error', r] as const))(
    '%s',
    (_type, response) => {
      expect(decodeResponse(encodeResponse(response))).toEqual(response);
      const payloads = new FrameDecoder({ crc32c: crc }).push(responseFrame(response, crc));
      expect(decodeResponse(payloads[0] as Uint8Array)).toEqual(response);
    },
  );

  it('covers every result type', () => {
    const types = new Set(sampleResponses().flatMap((r) => (r.ok ? [r.type] : [])));
    expect(types.size).toBe(16);
  });

  it('lets server_info report -1 for an empty database, and no other position', () => {
    const info = sampleResponses().find((r) => r.ok && r.type === 'server_info');
    if (info === undefined || !info.ok || info.type !== 'server_info') throw new Error('sample');
    const empty = { ...info, result: { ...info.result, position: -1n } };
    expect(decodeResponse(encodeResponse(empty))).toEqual(empty);
    const query = {
      id: 3,
      ok: true,
      type: 'query',
      result: { columns: [], rows: [], position: -1n },
    };
    expect(() => decodeResponse(encodeResponse(query as Response))).toThrow(/position/);
  });
});

describe('malformed requests', () => {
  const packed = (message: unknown): Uint8Array => encodeRequest(message as Request);

  it('names the field and the type it got', () => {
    expectProtocolError(
      () => decodeRequest(packed({ type: 'execute', id: 1, tenant: 1, sql: 5, params: [] })),
      'execute.sql must be a string, got number',
    );
    expectProtocolError(
      () => decodeRequest(packed({ type: 'append', id: 1, tenant: 1, stream: 's', events: ['x'] })),
      'append.events[0] must be bytes, got string',
    );
    expectProtocolError(
      () => decodeRequest(packed({ type: 'query', id: 1, tenant: 1, sql: 's', params: {} })),
      'query.params must be an array, got object',
    );
    expectProtocolError(
      () => decodeRequest(packed({ type: 'read', id: 1, tenant: 1 })),
      'read.stream is missing',
    );
  });

  it('checks integer ranges of ids, tenants and positions', () => {
    const base = { type: 'get_tenant', id: 1, tenant: 1 };
    expectProtocolError(
      () => decodeRequest(packed({ ...base, id: 0 })),
      'get_tenant.id must be in 1..',
    );
    expectProtocolError(
      () => decodeRequest(packed({ ...base, id: 2 ** 32 })),
      'get_tenant.id must be in 1..4294967295',
    );
    expectProtocolError(
      () => decodeRequest(packed({ ...base, tenant: 1.5 })),
      'get_tenant.tenant must be an integer, got number',
    );
    expectProtocolError(
      () => decodeRequest(packed({ type: 'list_tables', id: 1, tenant: 1, at: -1n })),
      'list_tables.at must be in 0..',
    );
    expectProtocolError(
      () =>
        decodeRequest(
          packed({
            type: 'create_stream',
            id: 1,
            tenant: 1,
            name: 's',
            request: { clientId: 0, requestNumber: 1 },
          }),
        ),
      'create_stream.request.clientId must be in 1..',
    );
  });

  it('refuses unknown types, non-maps and bad credentials', () => {
    expectProtocolError(
      () => decodeRequest(packed({ type: 'drop', id: 1 })),
      "'drop' is not a known",
    );
    expectProtocolError(() => decodeRequest(packed([1, 2])), 'request must be a map, got array');
    expectProtocolError(() => decodeRequest(packed({ type: 'toString', id: 1 })), 'not a known');
    expectProtocolError(
      () =>
        decodeRequest(
          packed({ type: 'handshake', id: 1, versions: [1], credentials: { kind: 'magic' } }),
        ),
      'handshake.credentials.kind must be one of none, api_key, jwt',
    );
    expectProtocolError(
      () =>
        decodeRequest(
          packed({ type: 'handshake', id: 1, versions: [1], credentials: { kind: 'jwt' } }),
        ),
      'handshake.credentials.token is missing',
    );
  });

  it('ignores unknown extra fields', () => {
    expect(decodeRequest(packed({ type: 'ping', id: 3, future: { x: 1 } }))).toEqual({
      type: 'ping',
      id: 3,
    });
  });

  it('refuses prototype-polluting keys anywhere', () => {
    // Built by hand: msgpack map {type:'execute', ..., params:[{constructor: 1}]}.
    expectProtocolError(
      () =>
        decodeRequest(
          packed({ type: 'execute', id: 1, tenant: 1, sql: 's', params: [{ constructor: 1 }] }),
        ),
      "forbidden key 'constructor'",
    );
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    expectProtocolError(
      () => decodeRequest(packed({ type: 'execute', id: 1, tenant: 1, sql: 's', params: [proto] })),
      'forbidden key',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bytes that are not MessagePack, and nesting too deep', () => {
    expectProtocolError(() => decodeRequest(new Uint8Array([0xc1])), /unsupported type/);
    expectProtocolError(() => decodeRequest(new Uint8Array([0x92, 0xc0])), 'not valid MessagePack');
    expectProtocolError(() => decodeRequest(new Uint8Array(0)), 'not valid MessagePack');
    const trailing = new Uint8Array([...encodeRequest({ type: 'ping', id: 1 }), 0xc0]);
    expectProtocolError(() => decodeRequest(trailing), 'not valid MessagePack');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expectProtocolError(
      () => decodeRequest(packed({ type: 'execute', id: 1, tenant: 1, sql: 's', params: [deep] })),
      'nests deeper than',
    );
  });
});

describe('malformed responses', () => {
  const packed = (message: unknown): Uint8Array => encodeResponse(message as Response);

  it('checks results and errors field by field', () => {
    expectProtocolError(
      () => decodeResponse(packed({ id: 1, ok: true, type: 'append', result: { count: 1 } })),
      'append.result.firstOffset is missing',
    );
    expectProtocolError(
      () => decodeResponse(packed({ id: 1, ok: 'yes' })),
      'response.ok must be a boolean, got string',
    );
    expectProtocolError(
      () => decodeResponse(packed({ id: 1, ok: false, error: { code: 'x', message: 'm' } })),
      'must be an error code',
    );
  });
});

describe('errorResponse', () => {
  it('keeps a KimberliteError code and marks retryable codes', () => {
    expect(errorResponse(4, new KimberliteError(ErrorCode.ShuttingDown, 'bye'))).toEqual({
      id: 4,
      ok: false,
      error: { code: 'SHUTTING_DOWN', message: 'bye', retryable: true },
    });
    expect(errorResponse(4, new KimberliteError(ErrorCode.UnknownTable, 'no t'))).toEqual({
      id: 4,
      ok: false,
      error: { code: 'UNKNOWN_TABLE', message: 'no t', retryable: false },
    });
  });

  it('turns any other error into INTERNAL', () => {
    const response = errorResponse(0, new TypeError('oops'));
    expect(response).toMatchObject({ id: 0, ok: false, error: { code: 'INTERNAL' } });
    expect(RETRYABLE_CODES.has(ErrorCode.Internal)).toBe(false);
    expect([...RETRYABLE_CODES].sort()).toEqual([
      'CONNECTION_CLOSED',
      'SHUTTING_DOWN',
      'TIMEOUT',
      'TOO_MANY_CONNECTIONS',
      'TOO_MANY_REQUESTS',
    ]);
  });
});
