/**
 * State shared while translating one statement: the pre-lexer's decoded string literals and
 * the nesting depth, which is bounded by `LIMITS.statementDepthMax` because the translator, and
 * the compiler after it, recurse once per level.
 */
import { ErrorCode, KimberliteError, LIMITS } from '../../types/index.js';
import { notSupported, text } from './node.js';

export class Context {
  /** Current nesting depth. Invariant: at most `LIMITS.statementDepthMax`. */
  private depth = 0;

  constructor(private readonly strings: readonly string[]) {}

  /** Runs `body` one level deeper, failing past the depth limit. */
  nested<T>(body: () => T): T {
    this.checkDepth(1);
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
    }
  }

  /** Fails when `levels` more levels would pass the depth limit. */
  checkDepth(levels: number): void {
    if (this.depth + levels > LIMITS.statementDepthMax) {
      throw new KimberliteError(
        ErrorCode.LimitExceeded,
        `statement nests expressions more than ${LIMITS.statementDepthMax} deep, the limit ` +
          'statementDepthMax; simplify it (a chain such as a + b + ... nests once per operator)',
      );
    }
  }

  /** The decoded value of a string literal the pre-lexer replaced by its placeholder. */
  string(value: unknown): string {
    const index = text(value, 'this string literal');
    const decoded = /^[0-9]+$/.test(index) ? this.strings[Number(index)] : undefined;
    if (decoded === undefined) throw notSupported(`string literal form ${index.slice(0, 20)}`);
    return decoded;
  }
}
