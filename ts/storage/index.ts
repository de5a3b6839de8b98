/** The storage layer's interface. For now: page-aligned segment IO and its backends. */
export type { SegmentFile, SegmentIo } from './segment_io/index.js';
export { segmentIoCandidates } from './segment_io/index.js';
