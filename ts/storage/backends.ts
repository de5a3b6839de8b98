/**
 * Every hot-path backend the storage layer and everything above it runs on: the crypto suite
 * plus segment IO, selected once at start-up by a shell and passed down explicitly.
 */
import {
  type BackendChoice,
  type CryptoSuite,
  loadCrypto,
  type SelectionReport,
  selectBackend,
} from '../crypto/index.js';
import {
  bufferedSegmentIoCandidates,
  type SegmentIo,
  segmentIoCandidates,
} from './segment_io/index.js';

export interface Backends extends CryptoSuite {
  readonly segmentIo: SegmentIo;
  /** The `fs` segment IO, for logs synced only at checkpoints (see StorageBackends). */
  readonly bufferedSegmentIo: SegmentIo;
}

/**
 * Loads every backend `choice` asks for; rejects (code BACKEND_UNAVAILABLE, with the load
 * error as `cause`) when an explicitly chosen backend does not load.
 *
 * @example
 * const backends = await loadBackends({ choice: 'auto' });
 * for (const line of backends.report) console.log(`${line.primitive}: ${line.kind}`);
 */
export async function loadBackends(options: { choice: BackendChoice }): Promise<Backends> {
  const crypto = await loadCrypto(options);
  const segmentIo = await selectBackend('segment-io', segmentIoCandidates, options.choice);
  const buffered = await selectBackend(
    'segment-io-buffered',
    bufferedSegmentIoCandidates,
    options.choice,
  );
  const report: SelectionReport[] = [...crypto.report, segmentIo.report, buffered.report];
  return { ...crypto, segmentIo: segmentIo.impl, bufferedSegmentIo: buffered.impl, report };
}
