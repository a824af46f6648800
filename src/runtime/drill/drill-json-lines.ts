// Drill's rows read straight to the JSON object text output.ts's json formats write for the values
// drill-values.ts would read (`--format json|ndjson`), without a SqlValue per cell: most of a row's
// text already is that text, so runs of it are copied and only the values written otherwise change.

import { jsonText, uniqueNames } from '../query/output.ts';
import { RowScanner, timestampText, type RowDecoder, type ValueKind } from './drill-values.ts';
import { rowPatterns, type RowPattern } from './json-row-pattern.ts';

/** The rows as the JSON object text output.ts's json formats write for them (keys the column names). */
export function jsonLineRows(names: readonly string[], kinds: readonly ValueKind[], types?: readonly string[]): RowDecoder<string> {
  return new JsonLineReader(names, kinds, types);
}

/** Rows read before the row patterns are made (compiling them costs more than a few rows' reading). */
const ROWS_BEFORE_PATTERN = 64;

/**
 * What JSON.stringify writes otherwise than it reads (an escape, a control character, a surrogate),
 * but the line feed: the fast pass reads a row only up to its line's end.
 */
const UNCLEAN = /[\\\u0000-\u0009\u000b-\u001f\ud800-\udfff]/g;

/** What the fast pass's steps return besides an offset: the value reached the end of the line (or text), or needs the careful pass. */
const SHORT = -1;
const CAREFUL = -2;

/**
 * Renders each value as jsonText renders the SqlValue ValueRowReader reads for it: strings through
 * JSON.stringify, numbers through jsonText of the same SqlValue, maps and lists item by item.
 * Most of Drill's row text already is that text (its keys are the column names in order, compact,
 * strings needing no escape, integers in their shortest form): a fast pass copies such runs of
 * the row as they are and puts only the values whose text differs (timestamps, say) in their place;
 * anything else (whitespace, escapes, keys out of order) is rendered value by value.
 */
class JsonLineReader extends RowScanner<string> {
  row = '';
  private readonly slots: string[];
  /** `"name":` per column, names made unique as output.ts makes them. */
  private readonly keys: string[];
  /** The fast pass: the line so far and where in the text the part not yet copied starts. */
  private line = '';
  private copied = 0;
  /** The first character UNCLEAN finds in `cleanText` at or after `cleanFrom` (Infinity: none). */
  private cleanText = '';
  private cleanFrom = 0;
  private uncleanAt = 0;
  /** The whole-row patterns, once enough rows came; null when made and found not to fit this answer's rows. */
  private patterns: readonly RowPattern[] | null | undefined;
  private rowsRead = 0;
  private patternMisses = 0;

  constructor(
    names: readonly string[],
    kinds: readonly ValueKind[],
    private readonly types?: readonly string[],
  ) {
    super(names, kinds);
    this.slots = names.map(() => 'null');
    this.keys = uniqueNames(names).map((name) => `${JSON.stringify(name)}:`);
  }

  override decode(text: string, start: number, end: number, exact: boolean): number {
    if (this.patterns) {
      for (const pattern of this.patterns) {
        const matched = this.matched(pattern, text, start, end, exact);
        if (matched >= 0) return matched;
      }
      // A row the piece cuts off does not match either; rows of another shape fall to the passes below.
      if (++this.patternMisses > 1000 && this.patternMisses > this.rowsRead) this.patterns = null;
    } else if (this.patterns === undefined && ++this.rowsRead > ROWS_BEFORE_PATTERN) {
      this.patterns = rowPatterns(this.keys, this.kinds, this.types);
    }
    const fast = this.fast(text, start, end, exact);
    if (fast !== CAREFUL) return fast;
    const next = super.decode(text, start, end, exact);
    if (next < 0) return next;
    let line = '{';
    for (let i = 0; i < this.slots.length; i++) line += (i === 0 ? '' : ',') + this.keys[i] + this.slots[i];
    this.row = line + '}';
    return next;
  }

  /** The row read by a row pattern: the offset past it, or -1 when the pattern does not match it whole. */
  private matched(pattern: RowPattern, text: string, start: number, end: number, exact: boolean): number {
    const { segments, rendered } = pattern;
    this.line = '';
    this.copied = start;
    let i = start;
    for (let j = 0; ; j++) {
      const segment = segments[j];
      segment.lastIndex = i;
      if (!segment.test(text)) return -1;
      i = segment.lastIndex;
      if (j === rendered.length) break;
      const c = text.charCodeAt(i);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e) {
        i = this.fastNumber(text, i, end, rendered[j].kind);
        if (i < 0) return -1;
      } else {
        const other = rendered[j].other;
        other.lastIndex = i;
        if (!other.test(text)) return -1;
        i = other.lastIndex;
      }
    }
    if (exact ? i !== end : i > end) return -1;
    this.rowsRead++;
    this.row = this.copied === start ? text.slice(start, i) : this.line + text.slice(this.copied, i);
    return i;
  }

  /** jsonText of the SqlValue the careful pass reads for the number `digits` in a `kind` column; null when it is no number. */
  private numberText(digits: string, kind: ValueKind): string | null {
    if (kind === 'timestamp') {
      const ms = Number(digits);
      return Number.isNaN(ms) ? null : `"${timestampText(ms)}"`;
    }
    // Not a number (`1-2`): the careful pass says so, with the row.
    if (kind !== 'decimal' && Number.isNaN(Number(digits))) return null;
    const value = this.numberValue(digits, !/[.eE]/.test(digits), kind);
    // Dates and times are digits, '-', ':', '.' and a space: JSON.stringify would only add the quotes.
    return typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? `"${value}"` : jsonText(value);
  }

  /**
   * The row copied from the text where its text is already the line's: the offset past it, SHORT
   * when the text ends first (more may come), CAREFUL when it is not that simple. Drill writes a
   * row per line, so the row is read only up to its line's end: no string copied holds a line feed.
   */
  private fast(text: string, start: number, end: number, exact: boolean): number {
    const width = this.keys.length;
    if (width === 0 || text.charCodeAt(start) !== 0x7b) return CAREFUL;
    const lineEnd = text.indexOf('\n', start);
    const limit = lineEnd >= 0 && lineEnd < end ? lineEnd : end;
    // The text ends inside the row: more may come, or (all of it given) the careful pass says why.
    const short = limit === end && !exact ? SHORT : CAREFUL;
    this.line = '';
    this.copied = start;
    let i = start + 1;
    for (let k = 0; k < width; k++) {
      const key = this.keys[k];
      if (i + key.length > limit) return short;
      if (!text.startsWith(key, i)) return CAREFUL;
      i = this.fastValue(text, i + key.length, limit, this.kinds[k]);
      if (i < 0) return i === SHORT ? short : CAREFUL;
      if (i >= limit) return short;
      if (text.charCodeAt(i) !== (k === width - 1 ? 0x7d : 0x2c)) return CAREFUL;
      i++;
    }
    this.row = this.copied === start ? text.slice(start, i) : this.line + text.slice(this.copied, i);
    return i;
  }

  /** Moves past the value at `i` (before `limit`), replacing its text in the line when jsonText writes it otherwise. */
  private fastValue(text: string, i: number, limit: number, kind: ValueKind): number {
    if (i >= limit) return SHORT;
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Copied when JSON.stringify would write it back the same: no escape, control character or surrogate.
      const close = text.indexOf('"', i + 1);
      if (close < 0 || close >= limit) return SHORT;
      return close < this.uncleanFrom(text, i) ? close + 1 : CAREFUL;
    }
    if (c === 0x7b) {
      i++;
      if (i < limit && text.charCodeAt(i) === 0x7d) return i + 1;
      for (;;) {
        if (i >= limit) return SHORT;
        if (text.charCodeAt(i) !== 0x22) return CAREFUL;
        i = this.fastValue(text, i, limit, 'any');
        if (i < 0) return i;
        if (i >= limit) return SHORT;
        if (text.charCodeAt(i) !== 0x3a) return CAREFUL;
        i = this.fastValue(text, i + 1, limit, 'any');
        if (i < 0) return i;
        if (i >= limit) return SHORT;
        const d = text.charCodeAt(i++);
        if (d === 0x7d) return i;
        if (d !== 0x2c) return CAREFUL;
      }
    }
    if (c === 0x5b) {
      i++;
      if (i < limit && text.charCodeAt(i) === 0x5d) return i + 1;
      for (;;) {
        i = this.fastValue(text, i, limit, kind);
        if (i < 0) return i;
        if (i >= limit) return SHORT;
        const d = text.charCodeAt(i++);
        if (d === 0x5d) return i;
        if (d !== 0x2c) return CAREFUL;
      }
    }
    if (c === 0x74) return fastWord(text, i, limit, 'true');
    if (c === 0x66) return fastWord(text, i, limit, 'false');
    if (c === 0x6e) return fastWord(text, i, limit, 'null');
    return this.fastNumber(text, i, limit, kind);
  }

  /** The number at `i`: copied when jsonText writes it the same, else its text put in the line. */
  private fastNumber(text: string, from: number, limit: number, kind: ValueKind): number {
    let i = from;
    let integral = true;
    for (; i < limit; i++) {
      const c = text.charCodeAt(i);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b) continue;
      if (c === 0x2e || c === 0x65 || c === 0x45) {
        integral = false;
        continue;
      }
      break;
    }
    // A number is never last in a row: one that reaches the end of the line may go on.
    if (i >= limit) return SHORT;
    if (i === from) return CAREFUL;
    if (kind === 'integer' || kind === 'any') {
      // An integer in its shortest form below 2^53 is what jsonText writes for its bigint.
      if (integral ? i - from < 16 && shortestInteger(text, from, i) : shortestDouble(text, from, i)) return i;
    } else if (kind === 'float' && shortestDouble(text, from, i)) return i;
    const rendered = this.numberText(text.slice(from, i), kind);
    if (rendered === null) return CAREFUL;
    if (rendered.length === i - from && text.startsWith(rendered, from)) return i;
    this.line += text.slice(this.copied, from) + rendered;
    this.copied = i;
    return i;
  }

  /** Where the first unclean character at or after `i` is in `text` (Infinity: none); searched once per piece of clean text. */
  private uncleanFrom(text: string, i: number): number {
    if (text !== this.cleanText || i < this.cleanFrom || this.uncleanAt < i) {
      UNCLEAN.lastIndex = i;
      const found = UNCLEAN.exec(text);
      this.cleanText = text;
      this.cleanFrom = i;
      this.uncleanAt = found ? found.index : Infinity;
    }
    return this.uncleanAt;
  }

  protected clear(): void {
    this.slots.fill('null');
  }

  protected store(at: number): void {
    this.slots[at] = this.value(this.kinds[at]);
  }

  protected skip(): void {
    this.value('any');
  }

  private value(kind: ValueKind): string {
    switch (this.peek()) {
      case 0x22: {
        const s = this.string();
        if (kind === 'float' && (s === 'NaN' || s === 'Infinity' || s === '-Infinity')) return jsonText(Number(s));
        return JSON.stringify(s);
      }
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.list(kind);
      case 0x74:
        this.word('true');
        return 'true';
      case 0x66:
        this.word('false');
        return 'false';
      case 0x6e:
        this.word('null');
        return 'null';
      default:
        return jsonText(this.number(kind));
    }
  }

  private object(): string {
    this.i++;
    this.ws();
    if (this.peek() === 0x7d) {
      this.i++;
      return '{}';
    }
    let text = '{';
    for (let first = true; ; first = false) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(0x3a);
      this.ws();
      text += (first ? '' : ',') + JSON.stringify(key) + ':' + this.value('any');
      this.ws();
      const c = this.next();
      if (c === 0x7d) return text + '}';
      if (c !== 0x2c) this.fail('"," or "}"');
    }
  }

  private list(kind: ValueKind): string {
    this.i++;
    this.ws();
    if (this.peek() === 0x5d) {
      this.i++;
      return '[]';
    }
    let text = '[';
    for (let first = true; ; first = false) {
      this.ws();
      text += (first ? '' : ',') + this.value(kind);
      this.ws();
      const c = this.next();
      if (c === 0x5d) return text + ']';
      if (c !== 0x2c) this.fail('"," or "]"');
    }
  }
}

/** `text[from, to)` is `0` or an optional `-` and digits without a leading zero (String(Number(x)) gives it back). */
function shortestInteger(text: string, from: number, to: number): boolean {
  let i = text.charCodeAt(from) === 0x2d ? from + 1 : from;
  if (i >= to) return false;
  const first = text.charCodeAt(i);
  if (first === 0x30) return i + 1 === to && i === from;
  if (first < 0x31 || first > 0x39) return false;
  for (i++; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** `word` at `i`: the offset past it, SHORT when the line ends inside it, CAREFUL when it is something else. */
function fastWord(text: string, i: number, limit: number, word: string): number {
  if (i + word.length > limit) return word.startsWith(text.slice(i, limit)) ? SHORT : CAREFUL;
  return text.startsWith(word, i) ? i + word.length : CAREFUL;
}

/**
 * `text[from, to)` is what String gives for the double it reads: plain digits without an exponent,
 * at most 15 significant ones (no other decimal of that few digits reads as the same double, so it is
 * the shortest), no leading zero but the one before the point, no trailing zero after it, at most
 * 5 zeros between `0.` and the digits (JS writes 1e-7 in exponent form), never `-0`.
 */
export function shortestDouble(text: string, from: number, to: number): boolean {
  let i = text.charCodeAt(from) === 0x2d ? from + 1 : from;
  if (i >= to) return false;
  let digits = 0;
  let c = text.charCodeAt(i);
  if (c === 0x30) {
    // 0.xxx: the zeros after the point are not significant, but more than 5 of them JS writes as 1e-7.
    i++;
    if (i >= to || text.charCodeAt(i) !== 0x2e) return false;
    i++;
    let zeros = 0;
    while (i < to && text.charCodeAt(i) === 0x30) {
      zeros++;
      i++;
    }
    if (zeros > 5 || i >= to) return false;
  } else {
    if (c < 0x31 || c > 0x39) return false;
    for (; i < to; i++) {
      c = text.charCodeAt(i);
      if (c === 0x2e) break;
      if (c < 0x30 || c > 0x39) return false;
      digits++;
    }
    if (i === to) return digits <= 15; // an integer's text (in an 'any' or DOUBLE column) is not integral here
    i++; // the point
    if (i >= to) return false;
  }
  for (; i < to; i++) {
    c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    digits++;
  }
  return digits <= 15 && text.charCodeAt(to - 1) !== 0x30;
}
