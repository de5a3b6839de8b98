/** One valid message of every type, with every optional field somewhere. */
import type { Request, Response } from '../../ts/wire/index.js';

export function sampleRequests(): Request[] {
  const request = { clientId: 0xffff_ffff, requestNumber: 7 };
  const audit = { actor: 'dr.who', reason: 'care', correlationId: 'c-1' };
  return [
    {
      type: 'handshake',
      id: 1,
      versions: [1],
      credentials: { kind: 'api_key', key: 'kmb_0123abcd_secret' },
      tenant: 3,
      clientName: 'test/1',
    },
    { type: 'handshake', id: 1, versions: [1, 2], credentials: { kind: 'none' } },
    { type: 'handshake', id: 2, versions: [1], credentials: { kind: 'jwt', token: 'a.b.c' } },
    {
      type: 'execute',
      id: 2,
      tenant: 1,
      sql: 'UPDATE t SET a = $1',
      params: [1, 'x', true, null, 3n, new Date(5), new Uint8Array([1, 2]), [1, { b: 'c' }]],
      request,
      audit,
    },
    { type: 'execute', id: 3, tenant: 1, sql: 'SELECT 1', params: [] },
    { type: 'query', id: 4, tenant: 2, sql: 'SELECT $1', params: [1.5], at: 10n },
    { type: 'create_stream', id: 5, tenant: 2, name: 'events', request },
    {
      type: 'append',
      id: 6,
      tenant: 2,
      stream: 'events',
      events: [new Uint8Array([1]), new Uint8Array(0)],
      expectedOffset: 0n,
      request,
      audit,
    },
    {
      type: 'read',
      id: 7,
      tenant: 2,
      stream: 'events',
      fromOffset: 3n,
      maxEvents: 10,
      maxBytes: 4096,
      at: 12n,
    },
    { type: 'read', id: 7, tenant: 2, stream: 'events' },
    { type: 'stream_info', id: 8, tenant: 2, stream: 'events' },
    { type: 'create_tenant', id: 9, tenant: 4, name: 'acme', request },
    { type: 'list_tenants', id: 10 },
    { type: 'get_tenant', id: 11, tenant: 4 },
    { type: 'delete_tenant', id: 12, tenant: 4, audit },
    { type: 'list_tables', id: 13, tenant: 4, at: 0n },
    { type: 'describe_table', id: 14, tenant: 4, table: 'patients' },
    { type: 'server_info', id: 15 },
    { type: 'verify', id: 16 },
    { type: 'ping', id: 0xffff_ffff },
  ];
}

export function sampleResponses(): Response[] {
  const tenant = { id: 4, name: 'acme', sealed: false, createdAt: 1_700_000_000_000n };
  return [
    {
      id: 1,
      ok: true,
      type: 'handshake',
      result: {
        version: 1,
        serverVersion: '0.1.0',
        tenant: 3,
        roles: ['writer'],
        maxFrameBytes: 16 * 1024 * 1024,
        maxInFlight: 1024,
      },
    },
    {
      id: 2,
      ok: true,
      type: 'execute',
      result: {
        columns: [{ name: 'a', type: 'BIGINT' }],
        rows: [[1n], [null], [new Uint8Array([9])], [new Date(7)], [{ j: [true] }]],
        rowsAffected: 5,
        position: 9n,
      },
    },
    {
      id: 3,
      ok: true,
      type: 'query',
      result: { columns: [], rows: [], position: 0n },
    },
    { id: 4, ok: true, type: 'create_stream', result: { streamId: 2, position: 10n } },
    { id: 5, ok: true, type: 'append', result: { firstOffset: 0n, count: 2, position: 11n } },
    {
      id: 6,
      ok: true,
      type: 'read',
      result: {
        events: [{ offset: 0n, data: new Uint8Array([1, 2, 3]) }],
        nextOffset: 1n,
        position: 11n,
      },
    },
    {
      id: 7,
      ok: true,
      type: 'stream_info',
      result: { name: 'events', streamId: 2, nextOffset: 1n, createdAt: 5n },
    },
    { id: 8, ok: true, type: 'create_tenant', result: { tenant, position: 12n } },
    { id: 9, ok: true, type: 'list_tenants', result: { tenants: [tenant, tenant] } },
    { id: 10, ok: true, type: 'get_tenant', result: { tenant: { ...tenant, sealed: true } } },
    { id: 11, ok: true, type: 'delete_tenant', result: { position: 13n } },
    { id: 12, ok: true, type: 'list_tables', result: { tables: ['a', 'b'], position: 13n } },
    {
      id: 13,
      ok: true,
      type: 'describe_table',
      result: {
        table: {
          name: 'patients',
          id: 3,
          columns: [
            { name: 'id', type: 'BIGINT', notNull: true, primaryKey: true },
            { name: 'name', type: 'VARCHAR(40)', notNull: false, primaryKey: false },
          ],
          primaryKey: ['id'],
          indexes: [{ name: 'by_name', columns: ['name'] }],
          createdAt: 3n,
        },
        position: 13n,
      },
    },
    {
      id: 14,
      ok: true,
      type: 'server_info',
      result: {
        serverVersion: '0.1.0',
        protocolVersions: [1],
        backends: ['sha256: native (openssl)'],
        position: 13n,
        uptimeMs: 1234,
        connections: 2,
        auth: 'api_key',
        tls: true,
      },
    },
    { id: 15, ok: true, type: 'verify', result: { ok: true, records: 13 } },
    {
      id: 15,
      ok: true,
      type: 'verify',
      result: { ok: false, records: 13, problem: 'record 4: hash chain broken' },
    },
    { id: 16, ok: true, type: 'ping', result: {} },
    {
      id: 0,
      ok: false,
      error: { code: 'PROTOCOL_ERROR', message: 'bad frame magic', retryable: false },
    },
    { id: 17, ok: false, error: { code: 'TIMEOUT', message: 'too slow', retryable: true } },
  ];
}
