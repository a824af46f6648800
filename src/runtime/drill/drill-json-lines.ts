// Drill's rows read straight to the JSON object text output.ts's json formats write for the values
// drill-values.ts would read (`--format json|ndjson`), without a SqlValue per cell: most of a row's
// text already is that text, so runs of it are copied and only the values written otherwise change.

import { jsonText, uniqueNames } from '../query/output.ts';
import { INCOMPLETE, RowScanner, type RowDecoder, type ValueKind } from './drill-values.ts';

/** The rows as the JSON object text output.ts's json formats write for them (keys the column names). */
export function jsonLineRows(names: readonly string[], kinds: readonly ValueKind[]): RowDecoder<string> {
  return new JsonLineReader(names, kinds);
}

/** What JSON.stringify writes otherwise than it reads (an escape, a control character, a surrogate). */
const UNCLEAN = /[\\\u0000-\u001f\ud800-\udfff]/;

/** Thrown by the verbatim pass at anything it does not copy as it is (then the row is rendered value by value). */
const NOT_VERBATIM = Symbol('not verbatim');

/**
 * Renders each value as jsonText renders the SqlValue ValueRowReader reads for it: strings through
 * JSON.stringify, numbers through jsonText of the same SqlValue, maps and lists item by item.
 * Most of Drill's row text already is that text (its keys are the column names in order, compact,
 * strings needing no escape, integers in their shortest form): a first pass copies such runs of
 * the row as they are and puts only the values whose text differs (timestamps, say) in their place.
 */
class JsonLineReader extends RowScanner<string> {
  row = '';
  private readonly slots: string[];
  /** `"name":` per column, names made unique as output.ts makes them. */
  private readonly keys: string[];
  /** The verbatim pass: the line so far and where in the text the part not yet copied starts. */
  private line = '';
  private copied = 0;
  /** The row's text up to here holds no backslash, control character or surrogate: strings end at their next quote. */
  private cleanUntil = 0;

  constructor(names: readonly string[], kinds: readonly ValueKind[]) {
    super(names, kinds);
    this.slots = names.map(() => 'null');
    this.keys = uniqueNames(names).map((name) => `${JSON.stringify(name)}:`);
  }

  override decode(text: string, start: number, end: number, exact: boolean): number {
    const verbatim = this.verbatim(text, start, end, exact);
    if (verbatim !== null) return verbatim;
    const next = super.decode(text, start, end, exact);
    if (next < 0) return next;
    let line = '{';
    for (let i = 0; i < this.slots.length; i++) line += (i === 0 ? '' : ',') + this.keys[i] + this.slots[i];
    this.row = line + '}';
    return next;
  }

  /** The row copied from the text where its text is already the line's; null when it is not that simple. */
  private verbatim(text: string, start: number, end: number, exact: boolean): number | null {
    this.text = text;
    this.i = start;
    this.end = end;
    this.line = '';
    this.copied = start;
    // Drill writes a row per line: one native search over it spares looking at each string's characters.
    const lineEnd = text.indexOf('\n', start);
    const until = lineEnd >= 0 && lineEnd < end ? lineEnd : end;
    this.cleanUntil = UNCLEAN.test(text.slice(start, until)) ? start : until;
    try {
      this.exact = exact;
      this.expect(0x7b);
      const width = this.keys.length;
      if (width === 0) return null;
      for (let k = 0; k < width; k++) {
        const key = this.keys[k];
        if (this.i + key.length > this.end) this.short();
        if (!text.startsWith(key, this.i)) throw NOT_VERBATIM;
        this.i += key.length;
        this.copyValue(this.kinds[k]);
        const c = this.next();
        if (c !== (k === width - 1 ? 0x7d : 0x2c)) throw NOT_VERBATIM;
      }
    } catch (err) {
      if (err === NOT_VERBATIM) return null;
      if (err === INCOMPLETE) return -1;
      throw err;
    }
    this.row = this.copied === start ? text.slice(start, this.i) : this.line + text.slice(this.copied, this.i);
    return this.i;
  }

  /** The text ends before what is being read does: more may come, or (all of it given) it is for the careful pass to say why. */
  private short(): never {
    throw this.exact ? NOT_VERBATIM : INCOMPLETE;
  }

  /** Moves past the value at `i`, replacing its text in the line when jsonText writes it otherwise. */
  private copyValue(kind: ValueKind): void {
    const c = this.peek();
    if (c === 0x22) {
      // Copied when JSON.stringify would write it back the same: no escape, control character or surrogate.
      const text = this.text;
      const close = text.indexOf('"', this.i + 1);
      if (close >= 0 && close < this.cleanUntil) {
        this.i = close + 1;
        return;
      }
      let i = this.i + 1;
      for (; i < this.end; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x22) break;
        if (d < 0x20 || d === 0x5c || (d >= 0xd800 && d <= 0xdfff)) throw NOT_VERBATIM;
      }
      if (i >= this.end) this.short();
      this.i = i + 1;
    } else if (c === 0x7b) {
      this.i++;
      if (this.peek() === 0x7d) {
        this.i++;
        return;
      }
      for (;;) {
        if (this.peek() !== 0x22) throw NOT_VERBATIM;
        this.copyValue('any');
        if (this.next() !== 0x3a) throw NOT_VERBATIM;
        this.copyValue('any');
        const d = this.next();
        if (d === 0x7d) return;
        if (d !== 0x2c) throw NOT_VERBATIM;
      }
    } else if (c === 0x5b) {
      this.i++;
      if (this.peek() === 0x5d) {
        this.i++;
        return;
      }
      for (;;) {
        this.copyValue(kind);
        const d = this.next();
        if (d === 0x5d) return;
        if (d !== 0x2c) throw NOT_VERBATIM;
      }
    } else if (c === 0x74) this.word('true');
    else if (c === 0x66) this.word('false');
    else if (c === 0x6e) this.word('null');
    else {
      const from = this.i;
      const integral = this.skipNumber();
      // An integer in its shortest form below 2^53 is what jsonText writes for its bigint.
      if (integral && (kind === 'integer' || kind === 'any') && this.i - from < 16 && shortestInteger(this.text, from, this.i)) return;
      const value = this.numberValue(this.text.slice(from, this.i), integral, kind);
      // Dates and times are digits, '-', ':', '.' and a space: JSON.stringify would only add the quotes.
      const rendered = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? `"${value}"` : jsonText(value);
      if (this.text.startsWith(rendered, from) && rendered.length === this.i - from) return;
      this.line += this.text.slice(this.copied, from) + rendered;
      this.copied = this.i;
    }
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
