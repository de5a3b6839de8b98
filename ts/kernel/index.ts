/**
 * Kernel: the pure state machine `apply(state, command, context) -> { state, effects, outcome }`,
 * its catalog lookups, the order-preserving key codec and the row, command and state codecs.
 * Imports only `types` and `crypto` (for the state hash's `HashFunction` type).
 */
export { apply } from './apply.js';
export type { IndexPlan, TablePlan } from './catalog.js';
export {
  eventKey,
  indexByName,
  indexKeyOf,
  liveColumns,
  planOf,
  primaryKeyOf,
  streamByName,
  tableByName,
} from './catalog.js';
export { decodeCommand, encodeCommand } from './command_codec.js';
export { compareKeys, decodeKey, encodeKey, keyPrefixEnd, keySuffix } from './key_codec.js';
export { type ReplayedRows, replayInserts } from './replay_rows.js';
export { decodeRow, encodeRow } from './row_codec.js';
export { emptyKernelState, withoutTenant, withTenant } from './state.js';
export { decodeTenantState, encodeTenantState, kernelStateHash } from './state_codec.js';
export type {
  ApplyContext,
  ApplyResult,
  AuditMeta,
  ClientSession,
  ColumnDef,
  ColumnSpec,
  Command,
  CommandResult,
  Effect,
  IndexDef,
  KernelError,
  KernelState,
  Operation,
  OperationKind,
  Outcome,
  RequestId,
  RowChange,
  RowImage,
  RowSource,
  StreamDef,
  TableDef,
  TenantState,
} from './types.js';
