// Regular expressions made per answer that match a whole row of Drill's text when that text is
// already what jsonText writes for the row's values, but for the numbers of numeric columns (read
// between the expressions: timestamps are put in another form). irregexp reads a row several times
// faster than a scan in JavaScript.
// Whatever it does not match (escapes, whitespace, deep nesting, keys out of order) is read by the
// careful passes in drill-json-lines.ts, so the pattern only ever needs to be right, never complete.

import type { ValueKind } from './drill-values.ts';

/** A string JSON.stringify writes back the same: no escape, control character (line feed included) or surrogate. */
const STRING = '"[^"\\\\\\u0000-\\u001f\\ud800-\\udfff]*"';
/** An integer jsonText writes the same for its bigint: shortest form, below 2^53 (15 digits at most), not `-0`. */
const INTEGER = '(?:0|-?[1-9][0-9]{0,14})';
/**
 * A number jsonText writes the same for the double it reads (String's text, see shortestDouble in
 * drill-json-lines.ts): at most 15 significant digits without an exponent, no leading or trailing
 * zero, at most 5 zeros after `0.`, not `-0`. Conservative: some shortest texts (16 or 17 digits) do
 * not match and are rendered instead.
 */
const DOUBLE = '(?:0|-?(?:[1-9][0-9]{0,14}(?![0-9.])|(?=[0-9.]{3,16}(?![0-9.]))[1-9][0-9]*\\.[0-9]*[1-9]|0\\.0{0,5}[1-9](?:[0-9]{0,13}[1-9])?))';
const WORDS = 'null|true|false';

/** The scalars copied as they are in a `kind` column (or list of them); strings first, the likeliest. */
function scalar(kind: ValueKind): string {
  if (kind === 'integer') return `${STRING}|${INTEGER}|${WORDS}`;
  if (kind === 'float' || kind === 'any') return `${STRING}|${DOUBLE}|${WORDS}`;
  return `${STRING}|${WORDS}`; // decimals, dates and times: their numbers are always rendered
}

/** Maps (their values read as 'any') and lists (items of `kind`) nested up to `depth` levels. */
function nested(kind: ValueKind, depth: number): string {
  const own = scalar(kind);
  if (depth === 0) return `(?:${own})`;
  const any = nested('any', depth - 1);
  const item = nested(kind, depth - 1);
  return `(?:${own}|\\{(?:${STRING}:${any}(?:,${STRING}:${any})*)?\\}|\\[(?:${item}(?:,${item})*)?\\])`;
}

/** Drill types whose values are maps (or may be anything): matched three levels deep; the rest scalars or lists of them. */
const DEEP = /^(MAP|DICT|STRUCT|ANY|LATE|UNION|NULL)?$/i;

export interface RowPattern {
  /**
   * Sticky, tested in turn (set lastIndex first): a row is segments[0], the value of rendered[0],
   * segments[1], … and the last segment ends with the row's `}`. A segment holds keys and the values
   * copied as they are; the values between them are numbers the caller may render.
   */
  readonly segments: readonly RegExp[];
  /** The columns between segments: their kind, and (sticky) what they hold that is not a bare number. */
  readonly rendered: readonly { readonly kind: ValueKind; readonly other: RegExp }[];
}

/**
 * The patterns of rows with `keys` (`"name":`) in order, or null for rows of no column. The first
 * is split only at the columns whose numbers are always rendered (dates, times, decimals) and copies
 * integers and doubles only in the form jsonText writes them; the second (when there are integer or
 * double columns) is split at every numeric column, for rows with numbers to render there. Fewer
 * splits, fewer calls: a regex call costs as much as a few dozen characters matched.
 */
export function rowPatterns(keys: readonly string[], kinds: readonly ValueKind[], types: readonly string[] | undefined): readonly RowPattern[] | null {
  if (keys.length === 0) return null;
  const few = rowPattern(keys, kinds, types, (kind) => kind !== 'integer' && kind !== 'float');
  const all = rowPattern(keys, kinds, types, () => true);
  return few.rendered.length === all.rendered.length ? [all] : [few, all];
}

function rowPattern(keys: readonly string[], kinds: readonly ValueKind[], types: readonly string[] | undefined, split: (kind: ValueKind) => boolean): RowPattern {
  const segments: RegExp[] = [];
  const rendered: { kind: ValueKind; other: RegExp }[] = [];
  let source = '\\{';
  for (let k = 0; k < keys.length; k++) {
    const kind = kinds[k];
    const type = types?.[k]?.replace(/\(.*$/, '').trim() ?? '';
    source += (k === 0 ? '' : ',') + escape(keys[k]);
    if (kind === 'any') {
      // A VARCHAR's values are strings (or lists of them): matching maps there too would only slow the match.
      source += DEEP.test(type) ? nested('any', 3) : `(?:${scalar('any')}|\\[(?:${STRING}(?:,${STRING})*)?\\])`;
    } else if (split(kind)) {
      segments.push(new RegExp(source, 'y'));
      rendered.push({ kind, other: new RegExp(nested(kind, 1), 'y') });
      source = '';
    } else {
      source += nested(kind, 1);
    }
  }
  segments.push(new RegExp(source + '\\}', 'y'));
  return { segments, rendered };
}

function escape(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Where the row at `start` ends when `pattern` matches it whole before `end` (the numbers between
 * segments skipped over, whatever they are), else -1.
 */
export function patternRowEnd(pattern: RowPattern, text: string, start: number, end: number): number {
  const { segments, rendered } = pattern;
  let i = start;
  for (let j = 0; ; j++) {
    const segment = segments[j];
    segment.lastIndex = i;
    if (!segment.test(text)) return -1;
    i = segment.lastIndex;
    if (j === rendered.length) return i <= end ? i : -1;
    if (isNumberChar(text.charCodeAt(i))) {
      while (i < end && isNumberChar(text.charCodeAt(i))) i++;
      if (i >= end) return -1;
    } else {
      const other = rendered[j].other;
      other.lastIndex = i;
      if (!other.test(text)) return -1;
      i = other.lastIndex;
    }
  }
}

/** A character of a number as RowScanner.skipNumber reads one. */
export function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}
