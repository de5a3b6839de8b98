/**
 * Text functions: case, length (in code points), trimming, substrings (1-based, as
 * PostgreSQL clips non-positive starts), concatenation (skipping NULLs), replace, padding,
 * positions and splitting. Results that would outgrow a record are LIMIT_EXCEEDED.
 */
import type { SqlValue } from '../../types/index.js';
import { SQL_NULL } from '../../types/index.js';
import type { SqlType } from '../types.js';
import { codePointLength } from './cast.js';
import { BIGINT, BOOLEAN, INTEGER, TEXT } from './coercion.js';
import {
  checkTextSize,
  int,
  invalid,
  isIntegerish,
  isStringish,
  type ScalarFunction,
  strict,
  text,
  textResult,
} from './function_kit.js';
import { valueToText } from './text_format.js';

function textFunction(accepts: string, fn: (s: string) => string): ScalarFunction {
  return {
    accepts,
    resolve: (args) =>
      args.length === 1 && isStringish(args[0] as SqlType)
        ? strict(TEXT, [TEXT], ([s]) => textResult(fn(text(s as SqlValue))))
        : undefined,
  };
}

function escapeSet(chars: string): Set<string> {
  return new Set(Array.from(chars));
}

function trimFunction(name: string, start: boolean, end: boolean): ScalarFunction {
  const trim = (s: string, chars: Set<string>): string => {
    const points = Array.from(s);
    let [from, to] = [0, points.length];
    while (start && from < to && chars.has(points[from] as string)) from++;
    while (end && to > from && chars.has(points[to - 1] as string)) to--;
    return points.slice(from, to).join('');
  };
  return {
    accepts: `${name}(text[, text])`,
    resolve: (args) => {
      if (args.length < 1 || args.length > 2 || !args.every(isStringish)) return undefined;
      return strict(
        TEXT,
        args.map(() => TEXT),
        ([s, chars]) =>
          textResult(trim(text(s as SqlValue), escapeSet(chars === undefined ? ' ' : text(chars)))),
      );
    },
  };
}

/** substring(s, from[, for]) with PostgreSQL's handling of non-positive starts: the window
 * [from, from + for) is clipped to the string's positions 1..n. */
export function substring(s: string, from: bigint, count: bigint | undefined): string {
  if (count !== undefined && count < 0n) throw invalid('negative substring length not allowed');
  const points = Array.from(s);
  const start = from < 1n ? 1n : from;
  const end = count === undefined ? BigInt(points.length) + 1n : from + count;
  if (end <= start) return '';
  const clip = (n: bigint): number =>
    Number(n > BigInt(points.length) + 1n ? BigInt(points.length) + 1n : n);
  return points.slice(clip(start) - 1, clip(end) - 1).join('');
}

const substringFunction: ScalarFunction = {
  accepts: 'substring(text, integer[, integer])',
  resolve: (args) => {
    const [s, from, count] = args;
    if (args.length < 2 || args.length > 3 || !isStringish(s as SqlType)) return undefined;
    if (!isIntegerish(from as SqlType) || (count !== undefined && !isIntegerish(count))) {
      return undefined;
    }
    const types = args.length === 2 ? [TEXT, BIGINT] : [TEXT, BIGINT, BIGINT];
    return strict(TEXT, types, ([v, f, c]) =>
      textResult(
        substring(text(v as SqlValue), int(f as SqlValue), c === undefined ? undefined : int(c)),
      ),
    );
  },
};

const lengthFunction: ScalarFunction = {
  accepts: 'length(text), length(bytea)',
  resolve: (args) => {
    const [arg] = args;
    if (args.length !== 1 || arg === undefined) return undefined;
    if (arg.kind === 'bytea') {
      return strict(INTEGER, [arg], ([v]) => ({
        kind: 'integer',
        value: BigInt(v?.kind === 'bytes' ? v.value.length : 0),
      }));
    }
    if (!isStringish(arg)) return undefined;
    return strict(INTEGER, [TEXT], ([v]) => ({
      kind: 'integer',
      value: BigInt(codePointLength(text(v as SqlValue))),
    }));
  },
};

const replaceFunction: ScalarFunction = {
  accepts: 'replace(text, text, text)',
  resolve: (args) =>
    args.length === 3 && args.every(isStringish)
      ? strict(TEXT, [TEXT, TEXT, TEXT], ([s, from, to]) => {
          const needle = text(from as SqlValue);
          const haystack = text(s as SqlValue);
          return textResult(
            needle === '' ? haystack : haystack.replaceAll(needle, text(to as SqlValue)),
          );
        })
      : undefined,
};

function concatFunction(withSeparator: boolean): ScalarFunction {
  return {
    accepts: withSeparator ? 'concat_ws(text, any, ...)' : 'concat(any, ...)',
    resolve: (args) => {
      if (args.length === 0 || (withSeparator && !isStringish(args[0] as SqlType)))
        return undefined;
      const types = args.map((t) => (t.kind === 'unknown' ? TEXT : t));
      const texts = (values: readonly SqlValue[]): string[] =>
        values.flatMap((v, i) =>
          v.kind === 'null' ? [] : [valueToText(v, types[i]?.kind === 'real')],
        );
      const fn = (values: readonly SqlValue[]): SqlValue => {
        const parts = texts(values);
        if (!withSeparator) return textResult(parts.join(''));
        if (values[0]?.kind === 'null') return SQL_NULL;
        const [separator = '', ...rest] = parts;
        return textResult(rest.join(separator));
      };
      return { type: TEXT, argTypes: types, impl: { kind: 'values', strict: false, fn } };
    },
  };
}

/** left(s, n) / right(s, n): the first or last n characters; negative n drops |n| from the
 * other end, as in PostgreSQL. */
function sideFunction(name: 'left' | 'right'): ScalarFunction {
  const take = (s: string, n: bigint): string => {
    const points = Array.from(s);
    const length = BigInt(points.length);
    const kept = n >= 0n ? n : length + n;
    const count = Number(kept < 0n ? 0n : kept > length ? length : kept);
    const part = name === 'left' ? points.slice(0, count) : points.slice(points.length - count);
    return part.join('');
  };
  return {
    accepts: `${name}(text, integer)`,
    resolve: (args) =>
      args.length === 2 && isStringish(args[0] as SqlType) && isIntegerish(args[1] as SqlType)
        ? strict(TEXT, [TEXT, BIGINT], ([s, n]) =>
            textResult(take(text(s as SqlValue), int(n as SqlValue))),
          )
        : undefined,
  };
}

/** lpad / rpad(s, length[, fill]): s cut or padded with fill (default a space) to length. */
function padFunction(name: 'lpad' | 'rpad'): ScalarFunction {
  const pad = (s: string, length: bigint, fill: string): string => {
    const points = Array.from(s);
    const target = checkTextSize(length < 0n ? 0n : length);
    if (points.length >= target) return points.slice(0, target).join('');
    const fillPoints = Array.from(fill);
    if (fillPoints.length === 0) return s;
    const padding: string[] = [];
    for (let i = 0; padding.length < target - points.length; i++) {
      padding.push(fillPoints[i % fillPoints.length] as string);
    }
    return name === 'lpad' ? padding.join('') + s : s + padding.join('');
  };
  return {
    accepts: `${name}(text, integer[, text])`,
    resolve: (args) => {
      const [s, n, fill] = args;
      if (args.length < 2 || args.length > 3 || !isStringish(s as SqlType)) return undefined;
      if (!isIntegerish(n as SqlType) || (fill !== undefined && !isStringish(fill))) {
        return undefined;
      }
      const types = fill === undefined ? [TEXT, BIGINT] : [TEXT, BIGINT, TEXT];
      return strict(TEXT, types, ([v, length, f]) =>
        textResult(
          pad(text(v as SqlValue), int(length as SqlValue), f === undefined ? ' ' : text(f)),
        ),
      );
    },
  };
}

const repeatFunction: ScalarFunction = {
  accepts: 'repeat(text, integer)',
  resolve: (args) =>
    args.length === 2 && isStringish(args[0] as SqlType) && isIntegerish(args[1] as SqlType)
      ? strict(TEXT, [TEXT, BIGINT], ([s, n]) => {
          const unit = text(s as SqlValue);
          const times = int(n as SqlValue) < 0n ? 0n : int(n as SqlValue);
          checkTextSize(BigInt(unit.length) * times);
          return textResult(unit.repeat(Number(times)));
        })
      : undefined,
};

/** strpos(s, sub) / position(sub IN s): the 1-based code point index of sub, 0 if absent. */
function positionFunction(name: 'strpos' | 'position'): ScalarFunction {
  return {
    accepts: `${name}(text, text)`,
    resolve: (args) =>
      args.length === 2 && args.every(isStringish)
        ? strict(INTEGER, [TEXT, TEXT], ([a, b]) => {
            const [s, sub] = name === 'strpos' ? [a, b] : [b, a];
            const haystack = text(s as SqlValue);
            const index = haystack.indexOf(text(sub as SqlValue));
            const position = index < 0 ? 0 : codePointLength(haystack.slice(0, index)) + 1;
            return { kind: 'integer', value: BigInt(position) };
          })
        : undefined,
  };
}

const startsWithFunction: ScalarFunction = {
  accepts: 'starts_with(text, text)',
  resolve: (args) =>
    args.length === 2 && args.every(isStringish)
      ? strict(BOOLEAN, [TEXT, TEXT], ([s, prefix]) => ({
          kind: 'boolean',
          value: text(s as SqlValue).startsWith(text(prefix as SqlValue)),
        }))
      : undefined,
};

const splitPartFunction: ScalarFunction = {
  accepts: 'split_part(text, text, integer)',
  resolve: (args) => {
    const [s, delimiter, n] = args;
    if (args.length !== 3 || !isStringish(s as SqlType) || !isStringish(delimiter as SqlType)) {
      return undefined;
    }
    if (!isIntegerish(n as SqlType)) return undefined;
    return strict(TEXT, [TEXT, TEXT, BIGINT], ([v, d, i]) => {
      const index = int(i as SqlValue);
      if (index === 0n) throw invalid('field position must not be zero');
      const separator = text(d as SqlValue);
      const whole = text(v as SqlValue);
      const parts = separator === '' ? [whole] : whole.split(separator);
      const at = index > 0n ? Number(index) - 1 : parts.length + Number(index);
      return textResult(parts[at] ?? '');
    });
  },
};

export const TEXT_FUNCTIONS: readonly (readonly [string, ScalarFunction])[] = [
  ['upper', textFunction('upper(text)', (s) => s.toUpperCase())],
  ['lower', textFunction('lower(text)', (s) => s.toLowerCase())],
  ['reverse', textFunction('reverse(text)', (s) => Array.from(s).reverse().join(''))],
  ['length', lengthFunction],
  ['char_length', lengthFunction],
  ['character_length', lengthFunction],
  ['trim', trimFunction('trim', true, true)],
  ['btrim', trimFunction('btrim', true, true)],
  ['ltrim', trimFunction('ltrim', true, false)],
  ['rtrim', trimFunction('rtrim', false, true)],
  ['substring', substringFunction],
  ['substr', substringFunction],
  ['concat', concatFunction(false)],
  ['concat_ws', concatFunction(true)],
  ['replace', replaceFunction],
  ['left', sideFunction('left')],
  ['right', sideFunction('right')],
  ['lpad', padFunction('lpad')],
  ['rpad', padFunction('rpad')],
  ['repeat', repeatFunction],
  ['strpos', positionFunction('strpos')],
  ['position', positionFunction('position')],
  ['starts_with', startsWithFunction],
  ['split_part', splitPartFunction],
];
