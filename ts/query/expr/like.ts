/**
 * LIKE and ILIKE: `%` matches any run of characters, `_` exactly one, a backslash makes the
 * next character literal. Matching works on code points, so `_` matches one emoji. ILIKE
 * lower-cases both sides first.
 *
 * The matcher is the greedy wildcard algorithm with one backtrack point (the last `%`): time
 * at most text length x pattern length, no regular expressions, no recursion, so a hostile
 * pattern cannot blow up.
 */
import { ErrorCode, KimberliteError } from '../../types/index.js';

type Token =
  | { readonly kind: 'many' }
  | { readonly kind: 'one' }
  | { readonly kind: 'char'; readonly cp: number };

/** A compiled pattern: tokens, and the matcher over them. */
export interface LikePattern {
  matches(text: string): boolean;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  const points = Array.from(pattern, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < points.length; i++) {
    const cp = points[i] as number;
    if (cp === 0x5c) {
      const next = points[i + 1];
      if (next === undefined) {
        throw new KimberliteError(
          ErrorCode.InvalidValue,
          'LIKE pattern must not end with escape character',
        );
      }
      tokens.push({ kind: 'char', cp: next });
      i++;
    } else if (cp === 0x25) {
      if (tokens.at(-1)?.kind !== 'many') tokens.push({ kind: 'many' });
    } else if (cp === 0x5f) {
      tokens.push({ kind: 'one' });
    } else {
      tokens.push({ kind: 'char', cp });
    }
  }
  return tokens;
}

function matchTokens(tokens: readonly Token[], text: readonly number[]): boolean {
  let t = 0;
  let p = 0;
  let starToken = -1;
  let starText = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token !== undefined && token.kind === 'many') {
      starToken = p++;
      starText = t;
    } else if (token !== undefined && (token.kind === 'one' || token.cp === text[t])) {
      p++;
      t++;
    } else if (starToken >= 0) {
      p = starToken + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (tokens[p]?.kind === 'many') p++;
  return p === tokens.length;
}

/**
 * Compiles a LIKE pattern (ILIKE when `caseInsensitive`).
 *
 * @example
 * likePattern('a\\_%', false).matches('a_b'); // true
 */
export function likePattern(pattern: string, caseInsensitive: boolean): LikePattern {
  const tokens = tokenize(caseInsensitive ? pattern.toLowerCase() : pattern);
  return {
    matches(text: string): boolean {
      const subject = caseInsensitive ? text.toLowerCase() : text;
      return matchTokens(
        tokens,
        Array.from(subject, (c) => c.codePointAt(0) as number),
      );
    },
  };
}
