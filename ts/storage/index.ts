/** The storage layer's interface. For now: page-aligned segment IO and the backend set. */
export type { Backends } from './backends.js';
export { loadBackends } from './backends.js';
export type { SegmentFile, SegmentIo } from './segment_io/index.js';
export { segmentIoCandidates } from './segment_io/index.js';
