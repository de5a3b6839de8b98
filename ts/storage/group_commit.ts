/**
 * Group commit (ARCHITECTURE.md section 5, step 3): callers submit items one by one; the
 * committer hands everything pending to one `flush` (one journal entry, one sync), and gives
 * each caller its own result. Items submitted while a batch is being flushed go into the next
 * batch. Flushes are scheduled with `setImmediate`, so every caller that submits in the same
 * turn of the event loop lands in the same batch even though segment IO is synchronous.
 *
 * Failure follows the pipelining rule: when a flush throws, its batch's callers get that
 * error, and every item pending or submitted after it is rejected too (nothing after a
 * batch that failed to become durable may become durable, or the log would have a gap in
 * what callers were told). The committer is then dead: the owner must be reopened.
 *
 * Invariants: at most one flush runs at a time; batches flush in submission order; every
 * submitted item's promise settles exactly once; `admit` bounds every batch but its first item.
 */
import { assert, ErrorCode, KimberliteError } from '../types/index.js';

export interface GroupCommitOptions<I, R> {
  /**
   * Makes `items` durable and returns one result per item, in order. Throwing (or rejecting)
   * fails the batch and every batch after it.
   */
  readonly flush: (items: readonly I[]) => readonly R[] | Promise<readonly R[]>;
  /**
   * Starts a batch's admission (size limits): the function returned is called with each
   * item in turn and says whether it may join. A batch always takes its first item whatever
   * the answer (the caller checks single items against the limits at submit). Stateful, so
   * a batch of n items costs O(n), not O(n^2).
   */
  readonly admit?: () => (next: I) => boolean;
  /** Names the committer in errors: `storage /var/lib/kimberlite`. */
  readonly name: string;
}

export interface GroupCommitter<I, R> {
  /** Resolves with the item's result once its batch is durable. */
  submit(item: I): Promise<R>;
  /** Resolves once every item submitted so far has settled. */
  drain(): Promise<void>;
  /** The error that killed the committer, if one did. */
  readonly failure: unknown;
  /** Flushes run so far (batches). */
  readonly flushes: number;
}

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * @example
 * const committer = createGroupCommitter({ name: 'journal', flush: (items) => write(items) });
 * const [a, b] = await Promise.all([committer.submit(x), committer.submit(y)]); // one flush
 */
export function createGroupCommitter<I, R>(
  options: GroupCommitOptions<I, R>,
): GroupCommitter<I, R> {
  const pending: Waiting<I, R>[] = [];
  const idle: (() => void)[] = [];
  let scheduled = false;
  let running = false;
  let failed = false;
  let failure: unknown;
  let flushes = 0;

  const deadError = (): KimberliteError =>
    new KimberliteError(
      ErrorCode.IoError,
      `${options.name}: an earlier batch failed to become durable, so this one was not ` +
        `written (${failure instanceof Error ? failure.message : String(failure)}); reopen it`,
      { cause: failure },
    );

  function settleIdle(): void {
    if (scheduled || running || pending.length > 0) return;
    for (const done of idle.splice(0)) done();
  }

  function schedule(): void {
    if (scheduled || running || pending.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void run();
    });
  }

  function takeBatch(): Waiting<I, R>[] {
    const batch: Waiting<I, R>[] = [];
    const admit = options.admit?.();
    let taken = 0;
    while (taken < pending.length) {
      const next = pending[taken];
      assert(next !== undefined, 'pending is dense');
      const admitted = admit === undefined || admit(next.item);
      if (taken > 0 && !admitted) break;
      batch.push(next);
      taken += 1;
    }
    pending.splice(0, taken);
    return batch;
  }

  async function run(): Promise<void> {
    assert(!running, 'one flush at a time');
    running = true;
    const batch = takeBatch();
    try {
      const results = await options.flush(batch.map((waiting) => waiting.item));
      flushes += 1;
      assert(results.length === batch.length, 'flush returns one result per item');
      batch.forEach((waiting, i) => {
        waiting.resolve(results[i] as R);
      });
    } catch (error) {
      flushes += 1;
      failed = true;
      failure = error;
      for (const waiting of batch) waiting.reject(error);
      const dead = deadError();
      for (const waiting of pending.splice(0)) waiting.reject(dead);
    } finally {
      running = false;
    }
    // Yield before the next batch so callers woken by these results can join it.
    schedule();
    settleIdle();
  }

  return {
    submit(item: I): Promise<R> {
      if (failed) return Promise.reject(deadError());
      return new Promise<R>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        schedule();
      });
    },
    drain(): Promise<void> {
      return new Promise<void>((done) => {
        idle.push(done);
        settleIdle();
      });
    },
    get failure(): unknown {
      return failure;
    },
    get flushes(): number {
      return flushes;
    },
  };
}
