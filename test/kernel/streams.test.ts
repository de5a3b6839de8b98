/**
 * Event streams (ts/kernel/streams.ts): creation, appends at dense offsets with one store put
 * per event, and the optimistic-concurrency check on the expected offset.
 */
import { describe, expect, it } from 'vitest';
import { eventKey, streamByName } from '../../ts/kernel/index.js';
import { ErrorCode, LIMITS } from '../../ts/types/index.js';
import { KEY_ID, Runner } from './fixture.js';

function runner(): Runner {
  const r = new Runner();
  r.op(1, { kind: 'create_tenant', name: 't', keyId: KEY_ID });
  return r;
}

describe('streams', () => {
  it('create_stream returns the object id; names are unique case-insensitively', () => {
    const r = runner();
    const created = r.op(1, { kind: 'create_stream', name: 'Audit' });
    expect(created.outcome).toMatchObject({ ok: true, result: { kind: 'created', id: 1 } });
    expect(streamByName(r.tenant(1), 'audit')?.id).toBe(1);
    const again = r.op(1, { kind: 'create_stream', name: 'AUDIT' });
    expect(again.outcome).toEqual({
      ok: false,
      error: { code: ErrorCode.StreamExists, message: 'Stream already exists: AUDIT' },
    });
  });

  it('append_events puts each event at the next offset and reports the first', () => {
    const r = runner();
    r.op(1, { kind: 'create_stream', name: 's' });
    const events = [new Uint8Array([1]), new Uint8Array([2, 3])];
    const first = r.op(1, { kind: 'append_events', stream: 's', expectedOffset: 0n, events });
    expect(first.outcome).toMatchObject({
      ok: true,
      result: { kind: 'appended', firstOffset: 0n, count: 2 },
    });
    expect(first.effects).toEqual([
      { kind: 'store_put', tenant: 1, space: 1, key: eventKey(0n), value: events[0] },
      { kind: 'store_put', tenant: 1, space: 1, key: eventKey(1n), value: events[1] },
    ]);
    const second = r.op(1, { kind: 'append_events', stream: 's', events: [new Uint8Array(0)] });
    expect(second.outcome).toMatchObject({ result: { firstOffset: 2n, count: 1 } });
    expect(streamByName(r.tenant(1), 's')?.nextOffset).toBe(3n);
  });

  it('an append expecting another offset fails OFFSET_MISMATCH, naming both', () => {
    const r = runner();
    r.op(1, { kind: 'create_stream', name: 's' });
    r.op(1, { kind: 'append_events', stream: 's', events: [new Uint8Array(1)] });
    const result = r.op(1, {
      kind: 'append_events',
      stream: 's',
      expectedOffset: 0n,
      events: [new Uint8Array(1)],
    });
    expect(result.outcome).toMatchObject({
      ok: false,
      error: {
        code: ErrorCode.OffsetMismatch,
        message: 'Stream s is at offset 1, the append expected 0: read the new events and retry',
      },
    });
  });

  it('refuses unknown streams and appends past eventsPerAppendMax', () => {
    const r = runner();
    r.op(1, { kind: 'create_stream', name: 's' });
    const unknown = r.op(1, { kind: 'append_events', stream: 'x', events: [] });
    expect(unknown.outcome).toMatchObject({ error: { code: ErrorCode.UnknownStream } });
    const events = Array.from({ length: LIMITS.eventsPerAppendMax + 1 }, () => new Uint8Array(0));
    const big = r.op(1, { kind: 'append_events', stream: 's', events });
    expect(big.outcome).toMatchObject({ error: { code: ErrorCode.LimitExceeded } });
  });

  it('eventKey is 8 bytes big-endian, so keys sort by offset', () => {
    expect([...eventKey(258n)]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
  });
});

it('a tenant holds at most objectsPerTenantMax live objects', () => {
  const r = runner();
  for (let i = 0; i < LIMITS.objectsPerTenantMax; i++) {
    const result = r.op(1, { kind: 'create_stream', name: `s${i}` });
    if (!result.outcome.ok) throw new Error(`stream ${i}: ${JSON.stringify(result.outcome)}`);
  }
  const over = r.op(1, { kind: 'create_stream', name: 'one_more' });
  expect(over.outcome).toMatchObject({ ok: false, error: { code: ErrorCode.LimitExceeded } });
  expect(r.tenant(1).nextObjectId).toBe(LIMITS.objectsPerTenantMax + 1);
});
