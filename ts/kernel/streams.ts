/**
 * Event streams: `create_stream` and `append_events`. Events are stored in the stream's space
 * under `eventKey(offset)`; the kernel tracks each stream's next offset.
 *
 * Invariants:
 * - Offsets of a stream are dense from 0: an append of n events at next offset o writes
 *   o..o+n-1 and moves the next offset to o+n.
 * - Stream names are unique per tenant (case-insensitive); streams are never dropped.
 */
import { ErrorCode, LIMITS } from '../types/index.js';
import { eventKey, streamByName } from './catalog.js';
import { type Done, identifierProblem, nextObjectId } from './ddl.js';
import { type Failure, fail } from './errors.js';
import { mutable, putStream } from './state.js';
import type { Effect, Operation, TenantState } from './types.js';

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

/** `create_stream`. */
export function createStream(
  tenant: TenantState,
  operation: Op<'create_stream'>,
  position: bigint,
): Failure | Done {
  const problem = identifierProblem(operation.name);
  if (problem !== undefined) {
    return fail(
      ErrorCode.InvalidArgument,
      `The stream name ${JSON.stringify(operation.name)} ${problem}`,
    );
  }
  if (streamByName(tenant, operation.name) !== undefined) {
    return fail(ErrorCode.StreamExists, `Stream already exists: ${operation.name}`);
  }
  const id = nextObjectId(tenant);
  if (typeof id !== 'number') return id;
  mutable(tenant).nextObjectId = id + 1;
  putStream(tenant, { id, name: operation.name, nextOffset: 0n, createdAt: position });
  return { result: { kind: 'created', id }, effects: [] };
}

/** `append_events`: one store put per event, at consecutive offsets. */
export function appendEvents(tenant: TenantState, operation: Op<'append_events'>): Failure | Done {
  const stream = streamByName(tenant, operation.stream);
  if (stream === undefined) {
    return fail(ErrorCode.UnknownStream, `Unknown stream: ${operation.stream}`);
  }
  const { events, expectedOffset } = operation;
  if (expectedOffset !== undefined && expectedOffset !== stream.nextOffset) {
    return fail(
      ErrorCode.OffsetMismatch,
      `Stream ${stream.name} is at offset ${stream.nextOffset}, the append expected ` +
        `${expectedOffset}: read the new events and retry`,
    );
  }
  if (events.length > LIMITS.eventsPerAppendMax) {
    return fail(
      ErrorCode.LimitExceeded,
      `${events.length} events in one append; the limit is ${LIMITS.eventsPerAppendMax} ` +
        '(eventsPerAppendMax)',
    );
  }
  for (const [index, event] of events.entries()) {
    if (!(event instanceof Uint8Array)) {
      return fail(ErrorCode.InvalidArgument, `Event ${index} of the append is not bytes`);
    }
    if (event.length > LIMITS.recordSizeBytesMax) {
      return fail(
        ErrorCode.LimitExceeded,
        `Event ${index} is ${event.length} bytes; the limit is ${LIMITS.recordSizeBytesMax} ` +
          '(recordSizeBytesMax)',
      );
    }
  }
  const firstOffset = stream.nextOffset;
  const effects: Effect[] = [];
  for (const [index, event] of events.entries()) {
    effects.push({
      kind: 'store_put',
      tenant: tenant.id,
      space: stream.id,
      key: eventKey(firstOffset + BigInt(index)),
      value: event,
    });
  }
  putStream(tenant, { ...stream, nextOffset: firstOffset + BigInt(events.length) });
  return { result: { kind: 'appended', firstOffset, count: events.length }, effects };
}
