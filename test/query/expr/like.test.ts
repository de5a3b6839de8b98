import { describe, expect, it } from 'vitest';
import { likePattern } from '../../../ts/query/expr/like.js';

const matches = (text: string, pattern: string, caseInsensitive = false): boolean =>
  likePattern(pattern, caseInsensitive).matches(text);

describe('LIKE patterns', () => {
  it('matches % runs and _ single characters', () => {
    expect(matches('abc', 'abc')).toBe(true);
    expect(matches('abc', 'a%')).toBe(true);
    expect(matches('abc', '%c')).toBe(true);
    expect(matches('abc', '%b%')).toBe(true);
    expect(matches('abc', 'a_c')).toBe(true);
    expect(matches('ac', 'a_c')).toBe(false);
    expect(matches('', '%')).toBe(true);
    expect(matches('', '_')).toBe(false);
    expect(matches('abc', 'ab')).toBe(false);
    expect(matches('aXbXc', '%b%c')).toBe(true);
    expect(matches('mississippi', '%iss%ppi')).toBe(true);
  });

  it('treats a backslash-escaped wildcard literally', () => {
    expect(matches('50%', '50\\%')).toBe(true);
    expect(matches('500', '50\\%')).toBe(false);
    expect(matches('a_b', 'a\\_b')).toBe(true);
    expect(matches('axb', 'a\\_b')).toBe(false);
    expect(matches('a\\b', 'a\\\\b')).toBe(true);
  });

  it('refuses a pattern ending in the escape character', () => {
    expect(() => likePattern('abc\\', false)).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
  });

  it('matches _ against one code point and ILIKE ignoring case', () => {
    expect(matches('😀', '_')).toBe(true);
    expect(matches('HeLLo', 'hello', true)).toBe(true);
    expect(matches('HeLLo', 'hello', false)).toBe(false);
  });

  it('stays linear-ish on hostile patterns', () => {
    const text = 'a'.repeat(5000);
    expect(matches(text, `${'%a'.repeat(50)}b`)).toBe(false);
  });
});
