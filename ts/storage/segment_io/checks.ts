/**
 * The preconditions every segment IO backend asserts: page-aligned sizes and positions, and
 * IO that stays inside the segment. Violations are bugs in the caller (the log), not
 * operating errors, so they are assertions.
 */
import { assert, LIMITS } from '../../types/index.js';

const PAGE_BYTES = LIMITS.pageSizeBytes;

/** `bytes` is a non-negative multiple of the page size. */
export function assertPages(bytes: number, what: string): void {
  assert(
    Number.isSafeInteger(bytes) && bytes >= 0 && bytes % PAGE_BYTES === 0,
    `${what} must be a multiple of ${PAGE_BYTES} bytes, got ${bytes}`,
  );
}

interface Segment {
  readonly path: string;
  readonly sizeBytes: number;
}

/** A write of whole pages at a page-aligned position, inside the segment. */
export function assertWrite(segment: Segment, positionBytes: number, lengthBytes: number): void {
  assertPages(positionBytes, 'a write position');
  assertPages(lengthBytes, 'a write length');
  assert(
    positionBytes + lengthBytes <= segment.sizeBytes,
    `a write of ${lengthBytes} bytes at ${positionBytes} runs past the ` +
      `${segment.sizeBytes}-byte segment ${segment.path}`,
  );
}

/** A read of whole pages from a page-aligned position that starts inside the segment. */
export function assertRead(segment: Segment, positionBytes: number, lengthBytes: number): void {
  assertPages(positionBytes, 'a read position');
  assertPages(lengthBytes, 'a read length');
  assert(
    positionBytes <= segment.sizeBytes,
    `a read at ${positionBytes} starts past the ${segment.sizeBytes}-byte segment ${segment.path}`,
  );
}
