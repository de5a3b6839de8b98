/**
 * The single-node runtime (ARCHITECTURE.md 5): requests are resolved against the sequenced
 * state, applied by the kernel at once (speculatively, into the open batch), committed to the
 * log with group commit, and their effects executed on the projection stores once the batch
 * is durable; only then does the caller get its result.
 *
 * Batches: while one batch is being made durable (in flight), new commands join the next
 * (open) one, which is committed as soon as the first completes. Every command of a batch has
 * the batch's log position and timestamp.
 *
 * Invariants:
 * - `kernel` is the state after every sequenced command; the stores hold the effects of every
 *   durable batch (`committedPosition`), the overlay those of the in-flight and open batches.
 * - A store checkpoint records the kernel's tenant state, so it is only taken when nothing is
 *   sequenced beyond what is durable (sequencing holds, the pipeline drains, then it runs).
 * - After a failure to make a batch durable, every pending and later request fails and the
 *   engine accepts nothing more: reopening rebuilds the state from what is durable.
 */
import { randomFillSync } from 'node:crypto';
import {
  type ApplyResult,
  apply,
  type Command,
  type CommandResult,
  decodeCommand,
  decodeRow,
  decodeTenantState,
  type Effect,
  emptyKernelState,
  encodeCommand,
  encodeTenantState,
  indexKeyOf,
  type KernelError,
  type KernelState,
  kernelStateHash,
  type ReplayedRows,
  type RowSource,
  replayInserts,
  streamByName,
  tableByName,
  withTenant,
} from '../kernel/index.js';
import {
  type Backends,
  type CommitRecord,
  type CommitResult,
  corruption,
  type LogRecord,
  openStorage,
  RecordFlag,
  RecordKind,
  type Storage,
  type VerifyProgress,
  type VerifyReport,
} from '../storage/index.js';
import type { KeyRange, StoreOp } from '../store/index.js';
import { assert, CRYPTO, ErrorCode, KimberliteError, LIMITS, unreachable } from '../types/index.js';
import { KeyStore, type MasterKeySource } from './key_store.js';
import { Overlay } from './overlay.js';
import {
  openPayloads,
  PAYLOAD_OVERHEAD_BYTES,
  type PayloadPlace,
  sealPayloads,
} from './payload_cipher.js';
import { openTenantStore, removeTenantStore, type TenantStore } from './tenant_stores.js';

export interface EngineOptions extends MasterKeySource {
  readonly directory: string;
  readonly backends: Backends;
  /** Segments of the log roll at this size (default 256 MiB). */
  readonly segmentSizeBytes?: number;
  /** Pages each tenant's store keeps decoded in memory. */
  readonly cachePagesMax?: number;
  /** A tenant's store checkpoints after this many batches touching it (default 1,000). */
  readonly storeCheckpointEveryBatches?: number;
  /** Rebuild every projection store from the log at open (the stores are deleted first). */
  readonly rebuild?: boolean;
}

/** A write's result: what it did and the log position of its batch. */
export interface WriteResult {
  readonly result: CommandResult;
  readonly position: bigint;
}

/** What a resolver sees: the sequenced kernel state and rows (overlay, then store). */
export interface SequencedView {
  readonly kernel: KernelState;
  readonly rows: RowSource;
  /** Scans one space of a tenant's sequenced state (overlay over store), in key order. */
  readonly scan: (
    tenant: number,
    space: number,
    range: KeyRange,
  ) => Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
}

/**
 * Builds the command for a request from the sequenced state (throws on bad input), or
 * `undefined` when the request needs no write (`CREATE TABLE IF NOT EXISTS` of an existing
 * table, an `UPDATE` matching no row): it then completes once everything sequenced before it is
 * durable, at that position, so a read at the returned position sees what the request saw.
 */
export type Resolver = (view: SequencedView) => Command | undefined;

interface Sequenced {
  readonly command: Command;
  readonly plaintext: Uint8Array;
  readonly stream: number;
  readonly encrypted: boolean;
  readonly effects: readonly Effect[];
  readonly result: CommandResult;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly position: bigint;
  readonly timestampNs: bigint;
  readonly entries: Sequenced[];
  sizeBytes: number;
}

interface Waiting {
  readonly resolver: Resolver;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

const STORE_CHECKPOINT_EVERY_BATCHES_DEFAULT = 1000;
/**
 * A tenant's store also checkpoints once this many bytes of its records were applied since
 * the last checkpoint, and so does the replay at open: what an open replays is bounded by
 * bytes, not only by batches. With 1,000-row inserts a 100 MB database never reached 1,000
 * batches, so every open rebuilt the whole store from the log (1.5 s of a 2.6 s open).
 */
const STORE_CHECKPOINT_EVERY_BYTES = 8 * 1024 * 1024;
/**
 * A storage checkpoint syncs every partition and rewrites CHECKPOINT (two fsyncs and a rename);
 * every 64 batches, the storage default, it took 8% of a 64-writer insert run. At 1,024 an
 * open replays at most that many journal entries into the partitions, a fraction of a second.
 */
const STORAGE_CHECKPOINT_EVERY_BATCHES = 1024;
/**
 * Records per read during replay: one read (and one decryption call) per this many. Few enough
 * that a read's records, payloads and commands die young: 16,384 at a time outlived scavenges,
 * which copied and then promoted them (measured on a rebuild of 300,000 single-row inserts: the
 * whole open took 2.75 s of CPU at 2,048 against 2.92 s at 16,384, median of five each).
 */
const REPLAY_READ_RECORDS = 2_048;
const REPLAY_READ_BYTES = 8 * 1024 * 1024;

/**
 * Fresh random bytes handed out once each, from a pool refilled 64 KiB at a time: one
 * `randomFillSync` per batch cost 2% of a 64-writer insert run.
 * Invariant: bytes before `used` were handed out and are never handed out again.
 */
class RandomPool {
  static readonly #poolBytes = 64 * 1024;
  #pool = new Uint8Array(RandomPool.#poolBytes);
  #used = RandomPool.#poolBytes;

  /** `count` bytes nobody else gets (a copy for requests larger than the pool). */
  take(count: number): Uint8Array {
    if (count > RandomPool.#poolBytes) return randomFillSync(new Uint8Array(count));
    if (this.#used + count > this.#pool.length) {
      this.#pool = randomFillSync(new Uint8Array(RandomPool.#poolBytes));
      this.#used = 0;
    }
    const bytes = this.#pool.subarray(this.#used, this.#used + count);
    this.#used += count;
    return bytes;
  }
}

/** Whether a store has taken enough batches or bytes since its last checkpoint. */
function checkpointDue(store: TenantStore, everyBatches: number): boolean {
  return (
    store.batchesSinceCheckpoint >= everyBatches ||
    store.bytesSinceCheckpoint >= STORE_CHECKPOINT_EVERY_BYTES
  );
}

/** The store write of an effect, `undefined` for effects that are not store writes. */
function storeOpOf(effect: Effect): StoreOp | undefined {
  if (effect.kind === 'store_put') {
    return { kind: 'put', space: effect.space, key: effect.key, value: effect.value };
  }
  if (effect.kind === 'store_delete') {
    return { kind: 'delete', space: effect.space, key: effect.key };
  }
  return undefined;
}

/**
 * Appends `effects` to `ops` when all of them are store writes of `tenant` and returns true;
 * otherwise appends nothing and returns false (they must be executed in order).
 */
function collectStoreOps(tenant: number, effects: readonly Effect[], ops: StoreOp[]): boolean {
  const mark = ops.length;
  for (const effect of effects) {
    const op = storeOpOf(effect);
    if (op === undefined || effect.tenant !== tenant) {
      ops.length = mark;
      return false;
    }
    ops.push(op);
  }
  return true;
}

/** Commands whose records stay in the clear: a tenant's existence, readable by auditors. */
function isEncrypted(command: Command): boolean {
  const kind = command.operation.kind;
  return kind !== 'create_tenant' && kind !== 'delete_tenant';
}

function kernelFailure(error: KernelError): KimberliteError {
  return new KimberliteError(error.code, error.message);
}

function closedError(cause?: unknown): KimberliteError {
  return new KimberliteError(
    ErrorCode.DatabaseClosed,
    cause === undefined
      ? 'the database is closed'
      : 'the database failed to make a write durable and accepts nothing more: reopen it',
    { cause },
  );
}

export class Engine {
  readonly directory: string;
  readonly backends: Backends;
  readonly storage: Storage;
  readonly keys: KeyStore;
  readonly #options: EngineOptions;
  #kernel: KernelState = emptyKernelState();
  readonly #stores = new Map<number, TenantStore>();
  readonly #overlay = new Overlay();
  /** The open batch: commands join it. */
  #current: Batch | undefined;
  /** The batch being made durable. */
  #inFlight: Batch | undefined;
  /** Requests that arrived while sequencing held (checkpoint, full batch). */
  readonly #waiting: Waiting[] = [];
  #holding = false;
  /** A running verify: sequencing holds until it settles (the log must not change). */
  #verifying: Promise<unknown> | undefined;
  /** Position of the last durable batch applied to the stores (-1n: none). */
  #committedPosition: bigint;
  #lastTimestampNs: bigint;
  #failure: unknown;
  #closed = false;
  #durableWaiters: { position: bigint; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #idleWaiters: (() => void)[] = [];
  readonly #nonces = new RandomPool();
  /** What the replay at open did, for `recovery`. */
  #replayed = { records: 0, rows: 0, milliseconds: 0, rebuiltStores: [] as number[] };
  readonly #storeRows: RowSource = {
    get: (tenant, space, key) => this.#stores.get(tenant)?.store.get(space, key),
  };
  readonly #liveRows: RowSource = this.#overlay.over(this.#storeRows);
  readonly #liveScan: SequencedView['scan'] = (tenant, space, range) => {
    const store = this.#stores.get(tenant)?.store;
    return this.#overlay.mergeScan(tenant, space, range, store?.scan(space, range) ?? []);
  };

  private constructor(options: EngineOptions, storage: Storage, keys: KeyStore) {
    this.directory = options.directory;
    this.backends = options.backends;
    this.#options = options;
    this.storage = storage;
    this.keys = keys;
    this.#committedPosition = storage.nextPosition - 1n;
    this.#lastTimestampNs = storage.lastTimestampNs;
  }

  /** Opens the data directory (created when missing) and brings every store up to the log. */
  static async open(options: EngineOptions): Promise<Engine> {
    const storage = await openStorage(options.backends, {
      directory: options.directory,
      create: true,
      checkpointEveryBatches: STORAGE_CHECKPOINT_EVERY_BATCHES,
      ...(options.segmentSizeBytes === undefined
        ? {}
        : { segmentSizeBytes: options.segmentSizeBytes }),
    });
    let keys: KeyStore | undefined;
    try {
      keys = KeyStore.open(options.directory, options, options.backends);
      const engine = new Engine(options, storage, keys);
      try {
        engine.#recover();
      } catch (error) {
        for (const store of engine.#stores.values()) store.store.close();
        throw error;
      }
      return engine;
    } catch (error) {
      keys?.close();
      await storage.close();
      throw error;
    }
  }

  get committedPosition(): bigint {
    return this.#committedPosition;
  }

  /** The sequenced kernel state (includes commands not yet durable: read at a position). */
  get kernel(): KernelState {
    return this.#kernel;
  }

  /** The tenant's projection store, `undefined` when it has none (absent or deleted). */
  store(tenant: number): TenantStore | undefined {
    return this.#stores.get(tenant);
  }

  #checkOpen(): void {
    if (this.#failure !== undefined) throw closedError(this.#failure);
    if (this.#closed) throw closedError();
  }

  // ---- recovery ------------------------------------------------------------------------

  /**
   * What open did: the log's recovery (torn tails, journal entries replayed into partitions),
   * then the replay of the partitions into the stores (records and rows applied, its time,
   * and the tenants whose store was missing or damaged and rebuilt from their first record).
   */
  get recovery() {
    return { ...this.storage.recovery, ...this.#replayed };
  }

  #recover(): void {
    const started = performance.now();
    const tenants = new Set(this.storage.tenants());
    for (const tenant of [...tenants].sort((a, b) => a - b)) {
      if (this.keys.isDestroyed(tenant)) {
        removeTenantStore(this.directory, tenant);
        continue;
      }
      if (this.#options.rebuild === true) removeTenantStore(this.directory, tenant);
      this.#replayTenant(tenant);
    }
    this.#replayed.milliseconds = performance.now() - started;
  }

  #openStore(tenant: number): TenantStore {
    const opened = openTenantStore(
      {
        directory: this.directory,
        keys: this.keys,
        crc32c: this.backends.crc32c,
        sha256: this.backends.sha256,
        ...(this.#options.cachePagesMax === undefined
          ? {}
          : { cachePagesMax: this.#options.cachePagesMax }),
      },
      tenant,
    );
    this.#stores.set(tenant, opened);
    return opened;
  }

  /** Loads the tenant's store and replays its partition from the store's applied offset. */
  #replayTenant(tenant: number): void {
    const opened = this.#openStore(tenant);
    if (opened.rebuilt || opened.appliedOffset < 0n) this.#replayed.rebuiltStores.push(tenant);
    if (opened.appliedOffset >= 0n) {
      this.#kernel = withTenant(this.#kernel, decodeTenantState(opened.store.meta.state));
    }
    let from = opened.appliedOffset + 1n;
    // The store writes of consecutive records of one batch go to the store in one `write`.
    let pending: { position: bigint; ops: StoreOp[] } = { position: -1n, ops: [] };
    for (;;) {
      const records = this.storage.read(tenant, from, {
        maxRecords: REPLAY_READ_RECORDS,
        maxBytes: REPLAY_READ_BYTES,
        // Decrypted (copied) or decoded at once, never kept.
        payloadViews: true,
      });
      if (records.length === 0) break;
      const last = records.at(-1);
      if (last !== undefined) from = last.header.offset + 1n;
      const events = records.filter((record) => record.header.kind === RecordKind.Event);
      const plaintexts = this.#decryptRecords(tenant, events);
      events.forEach(({ header }, i) => {
        const plaintext = plaintexts[i];
        assert(plaintext !== undefined, 'a plaintext per record');
        // Inserts into index-free tables read straight into their effects (kernel/replay_rows).
        const replayed =
          replayInserts(this.#kernel, plaintext) ?? this.#applyRecord(tenant, header, plaintext);
        if (header.logPosition !== pending.position) {
          this.#writeOps(tenant, pending.position, pending.ops);
          pending = { position: header.logPosition, ops: [] };
        }
        if (!collectStoreOps(tenant, replayed.effects, pending.ops)) {
          this.#writeOps(tenant, pending.position, pending.ops);
          pending.ops = [];
          this.#execute(header.logPosition, replayed.effects);
        }
        this.#replayed.records += 1;
        this.#replayed.rows += replayed.rowsAffected;
        const store = this.#stores.get(tenant);
        if (store !== undefined) {
          store.appliedOffset = header.offset;
          store.bytesSinceCheckpoint += plaintext.length;
        }
      });
      const store = this.#stores.get(tenant);
      if (store !== undefined && store.bytesSinceCheckpoint >= STORE_CHECKPOINT_EVERY_BYTES) {
        // Bounds a re-open's replay if this open is cut short, and the store's fresh pages.
        this.#writeOps(tenant, pending.position, pending.ops);
        pending.ops = [];
        this.#checkpointStore(store);
      }
    }
    this.#writeOps(tenant, pending.position, pending.ops);
    // What was replayed is not replayed again by the next open, even after a crash.
    const store = this.#stores.get(tenant);
    if (store !== undefined && this.#kernel.tenants.has(tenant)) this.#checkpointStore(store);
  }

  /** Decodes and applies one replayed record; a record that does not apply is corruption. */
  #applyRecord(tenant: number, header: LogRecord['header'], plaintext: Uint8Array): ReplayedRows {
    const applied = apply(this.#kernel, decodeCommand(plaintext), {
      position: header.logPosition,
      timestampNs: header.timestampNs,
      rows: this.#storeRows,
      replay: true,
    });
    if (applied.repeated || !applied.outcome.ok) {
      const why = applied.outcome.ok ? 'repeats a request' : applied.outcome.error.message;
      throw corruption(
        `tenant ${tenant} record at offset ${header.offset} (log position ` +
          `${header.logPosition}) does not apply to the state before it: ${why}`,
      );
    }
    this.#kernel = applied.state;
    const result = applied.outcome.result;
    return {
      effects: applied.effects,
      rowsAffected: result.kind === 'rows' ? result.rowsAffected : 0,
    };
  }

  /** The plaintext payloads of a tenant's records, the encrypted ones opened in one batch. */
  #decryptRecords(tenant: number, records: readonly LogRecord[]): Uint8Array[] {
    const plaintexts: Uint8Array[] = new Array(records.length);
    const sealed: number[] = [];
    const payloads: Uint8Array[] = [];
    const places: PayloadPlace[] = [];
    records.forEach(({ header, payload }, i) => {
      plaintexts[i] = payload;
      if ((header.flags & RecordFlag.Encrypted) === 0) return;
      sealed.push(i);
      payloads.push(payload);
      places.push({ tenant, stream: header.stream, position: header.logPosition });
    });
    if (sealed.length === 0) return plaintexts;
    const opened = openPayloads(this.keys.get(tenant).key, payloads, places);
    sealed.forEach((i, j) => {
      plaintexts[i] = opened[j] as Uint8Array;
    });
    return plaintexts;
  }

  // ---- writes --------------------------------------------------------------------------

  /**
   * Sequences one request: `resolver` builds its command from the sequenced state, the kernel
   * applies it, and the promise settles once its batch is durable and applied.
   */
  write(resolver: Resolver): Promise<WriteResult> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.#canSequence()) {
      return new Promise((resolve, reject) => this.#waiting.push({ resolver, resolve, reject }));
    }
    return this.#sequence(resolver);
  }

  #canSequence(): boolean {
    if (this.#holding || this.#verifying !== undefined) return false;
    const current = this.#current;
    return (
      current === undefined ||
      (current.entries.length < LIMITS.batchRecordsMax &&
        current.sizeBytes < LIMITS.batchSizeBytesMax / 2)
    );
  }

  #openBatch(): Batch {
    if (this.#current !== undefined) return this.#current;
    const position =
      this.#inFlight === undefined ? this.storage.nextPosition : this.#inFlight.position + 1n;
    const now = BigInt(Date.now()) * 1_000_000n;
    const timestampNs = now > this.#lastTimestampNs ? now : this.#lastTimestampNs;
    this.#lastTimestampNs = timestampNs;
    const batch: Batch = { position, timestampNs, entries: [], sizeBytes: 0 };
    this.#current = batch;
    if (this.#inFlight === undefined) setImmediate(() => this.#flush());
    return batch;
  }

  #sequence(resolver: Resolver): Promise<WriteResult> {
    let command: Command | undefined;
    let plaintext: Uint8Array;
    try {
      command = resolver({ kernel: this.#kernel, rows: this.#liveRows, scan: this.#liveScan });
      if (command === undefined) return this.#nothingToWrite();
      plaintext = encodeCommand(command);
    } catch (error) {
      return Promise.reject(error);
    }
    const limit = LIMITS.recordSizeBytesMax - PAYLOAD_OVERHEAD_BYTES;
    if (plaintext.length > limit) {
      return Promise.reject(
        new KimberliteError(
          ErrorCode.LimitExceeded,
          `the command is ${plaintext.length} bytes encoded; the limit is ${limit} ` +
            '(recordSizeBytesMax): split it into several',
        ),
      );
    }
    const batch = this.#openBatch();
    let applied: ApplyResult;
    try {
      applied = apply(this.#kernel, command, {
        position: batch.position,
        timestampNs: batch.timestampNs,
        rows: this.#liveRows,
      });
    } catch (error) {
      // apply returns operating errors; a throw is a bug or a store IO error, and the
      // sequenced state can no longer be trusted.
      this.#fail(error);
      return Promise.reject(closedError(error));
    }
    this.#kernel = applied.state;
    const outcome = applied.outcome;
    if (!outcome.ok) return Promise.reject(kernelFailure(outcome.error));
    if (applied.repeated) {
      const result = { result: outcome.result, position: outcome.position };
      return this.#whenDurable(outcome.position).then(() => result);
    }
    for (const effect of applied.effects) {
      if (effect.kind === 'store_put') {
        this.#overlay.put(effect.tenant, effect.space, effect.key, effect.value, batch.position);
      } else if (effect.kind === 'store_delete') {
        this.#overlay.delete(effect.tenant, effect.space, effect.key, batch.position);
      }
    }
    return new Promise((resolve, reject) => {
      batch.entries.push({
        command,
        plaintext,
        stream: this.#streamOf(command),
        encrypted: isEncrypted(command),
        effects: applied.effects,
        result: outcome.result,
        resolve,
        reject,
      });
      batch.sizeBytes += plaintext.length + PAYLOAD_OVERHEAD_BYTES;
    });
  }

  /** A request that writes nothing: done once what was sequenced before it is durable. */
  #nothingToWrite(): Promise<WriteResult> {
    // An open batch without entries (its only command failed) is dropped at flush, never
    // committed: waiting for its position would wait forever.
    const current = this.#current;
    const open = current !== undefined && current.entries.length > 0 ? current : undefined;
    const position = open?.position ?? this.#inFlight?.position ?? this.#committedPosition;
    const result: WriteResult = { result: { kind: 'done' }, position };
    return this.#whenDurable(position).then(() => result);
  }

  /** The record's stream: the table's or event stream's object id, 0 for tenant commands. */
  #streamOf(command: Command): number {
    const tenant = this.#kernel.tenants.get(command.tenant);
    if (tenant === undefined) return 0;
    const operation = command.operation;
    switch (operation.kind) {
      case 'write_rows':
      case 'add_column':
      case 'drop_column':
      case 'create_index':
        return tableByName(tenant, operation.table)?.id ?? 0;
      case 'append_events':
        return streamByName(tenant, operation.stream)?.id ?? 0;
      default:
        return 0;
    }
  }

  #whenDurable(position: bigint): Promise<void> {
    if (position <= this.#committedPosition) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.#durableWaiters.push({ position, resolve, reject }),
    );
  }

  #flush(): void {
    const batch = this.#current;
    if (this.#inFlight !== undefined || batch === undefined || this.#failure !== undefined) return;
    this.#current = undefined;
    if (batch.entries.length === 0) {
      this.#afterBatch();
      return;
    }
    this.#inFlight = batch;
    let records: CommitRecord[];
    try {
      records = this.#records(batch);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#drainWaiting();
    this.storage.commit(records, { timestampNs: batch.timestampNs }).then(
      (result) => this.#committed(batch, result),
      (error: unknown) => this.#fail(error),
    );
  }

  /** The batch's records: each tenant's payloads sealed in one batch call. */
  #records(batch: Batch): CommitRecord[] {
    const records: CommitRecord[] = batch.entries.map((entry) => ({
      tenant: entry.command.tenant,
      stream: entry.stream,
      flags: entry.encrypted ? RecordFlag.Encrypted : 0,
      payload: entry.plaintext,
    }));
    const byTenant = new Map<number, number[]>();
    batch.entries.forEach((entry, i) => {
      if (!entry.encrypted) return;
      const list = byTenant.get(entry.command.tenant);
      if (list === undefined) byTenant.set(entry.command.tenant, [i]);
      else list.push(i);
    });
    for (const [tenant, indexes] of byTenant) {
      const nonces = this.#nonces.take(CRYPTO.aesGcmNonceBytes * indexes.length);
      const sealed = sealPayloads(
        this.keys.get(tenant).key,
        indexes.map((i) => records[i]?.payload ?? new Uint8Array(0)),
        {
          nonces,
          places: indexes.map((i) => ({
            tenant,
            stream: records[i]?.stream ?? 0,
            position: batch.position,
          })),
        },
      );
      indexes.forEach((i, j) => {
        const record = records[i];
        const payload = sealed[j];
        assert(record !== undefined && payload !== undefined, 'a sealed payload per record');
        records[i] = { ...record, payload };
      });
    }
    return records;
  }

  #committed(batch: Batch, result: CommitResult): void {
    try {
      assert(result.logPosition === batch.position, 'the batch got the position it was given');
      const touched = new Set<number>();
      batch.entries.forEach((entry, i) => {
        const tenant = entry.command.tenant;
        this.#execute(batch.position, entry.effects);
        const store = this.#stores.get(tenant);
        const offset = result.offsets[i];
        if (store !== undefined && offset !== undefined) {
          store.appliedOffset = offset;
          store.bytesSinceCheckpoint += entry.plaintext.length;
          touched.add(tenant);
        }
      });
      this.#countBatch(touched);
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#inFlight = undefined;
    this.#committedPosition = batch.position;
    this.#overlay.release(batch.position);
    for (const entry of batch.entries) {
      entry.resolve({ result: entry.result, position: batch.position });
    }
    const ready = this.#durableWaiters.filter((w) => w.position <= batch.position);
    this.#durableWaiters = this.#durableWaiters.filter((w) => w.position > batch.position);
    for (const waiter of ready) waiter.resolve();
    this.#afterBatch();
  }

  /** Counts a batch against each touched store; a due checkpoint holds sequencing. */
  #countBatch(touched: Set<number>): void {
    const every =
      this.#options.storeCheckpointEveryBatches ?? STORE_CHECKPOINT_EVERY_BATCHES_DEFAULT;
    for (const tenant of touched) {
      const store = this.#stores.get(tenant);
      if (store === undefined) continue;
      store.batchesSinceCheckpoint += 1;
      if (checkpointDue(store, every)) this.#holding = true;
    }
  }

  /** After a batch: commit the open one, or (pipeline empty) checkpoint, then sequence more. */
  #afterBatch(): void {
    if (this.#current !== undefined && this.#current.entries.length > 0) {
      this.#flush();
      return;
    }
    this.#current = undefined;
    if (this.#holding) {
      try {
        this.#checkpointStores({ all: false });
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.#holding = false;
    }
    this.#drainWaiting();
    if (this.#current === undefined && this.#inFlight === undefined) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  #drainWaiting(): void {
    while (this.#waiting.length > 0 && this.#canSequence()) {
      const next = this.#waiting.shift();
      if (next === undefined) break;
      this.#sequence(next.resolver).then(next.resolve, next.reject);
    }
  }

  /** Checkpoints the stores that are due (or all); the pipeline must be empty. */
  #checkpointStores(options: { all: boolean }): void {
    assert(this.#current === undefined && this.#inFlight === undefined, 'pipeline is empty');
    const every =
      this.#options.storeCheckpointEveryBatches ?? STORE_CHECKPOINT_EVERY_BATCHES_DEFAULT;
    for (const store of this.#stores.values()) {
      if (!options.all && !checkpointDue(store, every)) continue;
      this.#checkpointStore(store);
    }
  }

  /** Checkpoints one store at its applied offset with the kernel's state of its tenant. */
  #checkpointStore(store: TenantStore): void {
    if (store.appliedOffset !== store.store.meta.appliedOffset) {
      const state = this.#kernel.tenants.get(store.tenant);
      assert(state !== undefined, 'a store belongs to a live tenant');
      store.store.checkpoint({
        appliedOffset: store.appliedOffset,
        state: encodeTenantState(state),
      });
    }
    store.batchesSinceCheckpoint = 0;
    store.bytesSinceCheckpoint = 0;
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const failed = closedError(error);
    const entries = [...(this.#inFlight?.entries ?? []), ...(this.#current?.entries ?? [])];
    this.#inFlight = undefined;
    this.#current = undefined;
    for (const entry of entries) entry.reject(failed);
    for (const waiting of this.#waiting.splice(0)) waiting.reject(failed);
    for (const waiter of this.#durableWaiters.splice(0)) waiter.reject(failed);
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
    this.#overlay.clear();
  }

  // ---- effects ---------------------------------------------------------------------------

  /** Executes a command's effects, in order, at `position`. */
  #execute(position: bigint, effects: readonly Effect[]): void {
    // Consecutive store writes of one tenant go to its store in one `write`.
    let ops: StoreOp[] = [];
    let opsTenant = -1;
    for (const effect of effects) {
      const op = storeOpOf(effect);
      if (op !== undefined) {
        if (effect.tenant !== opsTenant) {
          this.#writeOps(opsTenant, position, ops);
          ops = [];
          opsTenant = effect.tenant;
        }
        ops.push(op);
        continue;
      }
      this.#writeOps(opsTenant, position, ops);
      ops = [];
      switch (effect.kind) {
        case 'build_index':
          this.#buildIndex(position, effect);
          break;
        case 'tenant_created':
          if (!this.#stores.has(effect.tenant)) {
            removeTenantStore(this.directory, effect.tenant);
            this.#openStore(effect.tenant);
          }
          break;
        case 'tenant_deleted':
          this.#stores.get(effect.tenant)?.store.close();
          this.#stores.delete(effect.tenant);
          this.keys.destroy(effect.tenant);
          removeTenantStore(this.directory, effect.tenant);
          break;
        case 'store_put':
        case 'store_delete':
          assert(false, 'store writes were collected above');
          break;
        default:
          unreachable(effect);
      }
    }
    this.#writeOps(opsTenant, position, ops);
  }

  #writeOps(tenant: number, position: bigint, ops: readonly StoreOp[]): void {
    if (ops.length === 0) return;
    const store = this.#stores.get(tenant);
    assert(store !== undefined, `tenant ${tenant} has a store`);
    store.store.write(position, ops);
  }

  #buildIndex(position: bigint, effect: Extract<Effect, { kind: 'build_index' }>): void {
    const store = this.#stores.get(effect.tenant)?.store;
    const tenant = this.#kernel.tenants.get(effect.tenant);
    const table = tenant?.tables.get(effect.table);
    const index = table?.indexes.find((candidate) => candidate.id === effect.index);
    assert(store !== undefined && table !== undefined && index !== undefined, 'index target');
    const ops: StoreOp[] = [];
    for (const { value } of store.scan(table.id, {})) {
      const row = decodeRow(table, value, position);
      ops.push({
        kind: 'put',
        space: index.id,
        key: indexKeyOf(table, index, row, position),
        value: new Uint8Array(0),
      });
    }
    if (ops.length > 0) store.write(position, ops);
  }

  // ---- whole-database operations ------------------------------------------------------------

  /** Resolves once nothing is sequenced beyond what is durable. */
  idle(): Promise<void> {
    if (this.#current === undefined && this.#inFlight === undefined && this.#waiting.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** One hash of the kernel state and every store's content: equal for equal replays. */
  async stateHash(): Promise<Uint8Array> {
    this.#checkOpen();
    await this.idle();
    const sha256 = this.backends.sha256;
    const hasher = sha256.createHasher().update(kernelStateHash(sha256, this.#kernel));
    for (const tenant of [...this.#stores.keys()].sort((a, b) => a - b)) {
      const id = new Uint8Array(4);
      new DataView(id.buffer).setUint32(0, tenant);
      hasher.update(id).update(this.#stores.get(tenant)?.store.contentHash() ?? new Uint8Array(0));
    }
    return hasher.digest();
  }

  /** Verifies the log (journal, headers, partitions, Merkle roots); needs no key. */
  async verify(options?: { onProgress?: VerifyProgress }): Promise<VerifyReport> {
    this.#checkOpen();
    // One verify at a time; writes wait (in #waiting) while it runs, since it yields to the
    // event loop between pieces of work and the log must not change under it.
    while (this.#verifying !== undefined) await this.#verifying.catch(() => undefined);
    this.#checkOpen();
    const running = this.#verifyHolding(options);
    this.#verifying = running;
    try {
      return await running;
    } finally {
      this.#verifying = undefined;
      this.#drainWaiting();
      if (this.#current === undefined && this.#inFlight === undefined) {
        for (const waiter of this.#idleWaiters.splice(0)) waiter();
      }
    }
  }

  /** Waits until nothing is sequenced beyond what is durable, then verifies. */
  async #verifyHolding(options?: { onProgress?: VerifyProgress }): Promise<VerifyReport> {
    if (this.#current !== undefined || this.#inFlight !== undefined) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    return this.storage.verifyAsync(options);
  }

  /** Waits for pending writes, checkpoints every store and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#verifying !== undefined) await this.#verifying.catch(() => undefined);
    if (this.#failure === undefined) {
      await this.idle();
      this.#checkpointStores({ all: true });
    }
    this.#closed = true;
    for (const store of this.#stores.values()) store.store.close();
    this.#stores.clear();
    this.keys.close();
    await this.storage.close();
  }
}
