// Drill's JSON row values onto the engine-neutral SqlValue, exactly: one pass over a row's text
// that keeps integers as bigint from their digits (JSON.parse would round BIGINTs past 2^53) and
// decimals as their digits, and turns Drill's epoch milliseconds back into date and time text.
// (drill-json-lines.ts reads the same rows straight to the JSON text of those values.)

import { SqlError, type SqlValue } from '../query/sql-engine.ts';
import { isNumberChar, patternRowEnd, rowPatterns, type RowPattern } from './json-row-pattern.ts';

/** How a column's scalar values read, from Drill's metadata type (lists report their items' type). */
export type ValueKind = 'integer' | 'float' | 'decimal' | 'date' | 'timestamp' | 'time' | 'any';

export function valueKindOf(drillType: string): ValueKind {
  const base = drillType.replace(/\(.*$/, '').trim().toUpperCase();
  if (/^U?(TINYINT|SMALLINT|INT|INTEGER|BIGINT|UINT[1248])$/.test(base)) return 'integer';
  if (/^(FLOAT4|FLOAT8|FLOAT|DOUBLE|REAL)$/.test(base)) return 'float';
  if (/DECIMAL/.test(base)) return 'decimal';
  if (base === 'DATE') return 'date';
  if (base === 'TIMESTAMP' || base === 'TIMESTAMPTZ') return 'timestamp';
  if (base === 'TIME') return 'time';
  return 'any';
}

/**
 * Reads the row objects of one answer. `decode` reads the row starting at `start` (its `{`) and
 * returns the offset just past it, leaving the row in `row`; with `exact` false, `end` is merely
 * where the text received so far ends, and -1 says the row continues past it (nothing is kept).
 */
export interface RowDecoder<T> {
  decode(text: string, start: number, end: number, exact: boolean): number;
  readonly row: T;
}

/** The rows as SqlValues, one slot per column (null where the row has no key). */
export function valueRows(names: readonly string[], kinds: readonly ValueKind[], types?: readonly string[]): RowDecoder<SqlValue[]> {
  return new ValueRowReader(names, kinds, types);
}

/** Thrown inside a reader when the text ends before the row does (caught by `decode`, never further). */
export const INCOMPLETE = Symbol('incomplete row');

/** The reading both row decoders share: position, whitespace, strings, numbers, the key-to-column match. */
export abstract class RowScanner<T> implements RowDecoder<T> {
  protected text = '';
  protected i = 0;
  protected end = 0;
  protected exact = true;
  private readonly index: Map<string, number>;
  /** Each column's key as Drill writes it (`"name"`), tried first: keys come in column order. */
  private readonly quoted: string[];
  /** False for a name given twice (the later column takes the key, as a map would). */
  private readonly predictable: boolean[];
  abstract readonly row: T;

  constructor(
    names: readonly string[],
    protected readonly kinds: readonly ValueKind[],
  ) {
    this.index = new Map(names.map((name, i) => [name, i]));
    this.quoted = names.map((name) => JSON.stringify(name));
    this.predictable = names.map((name, i) => this.index.get(name) === i);
  }

  decode(text: string, start: number, end: number, exact: boolean): number {
    this.text = text;
    this.i = start;
    this.end = end;
    this.exact = exact;
    this.clear();
    try {
      this.readObjectInto();
    } catch (err) {
      if (err === INCOMPLETE) return -1;
      throw err;
    }
    return this.i;
  }

  /** Resets `row` for the next row. */
  protected abstract clear(): void;
  /** Reads the value at `i` into column `at`. */
  protected abstract store(at: number): void;
  /** Reads (and drops) the value of a key that is not a column. */
  protected abstract skip(): void;

  private readObjectInto(): void {
    this.ws();
    this.expect(0x7b); // {
    this.ws();
    if (this.peek() === 0x7d) {
      this.i++;
      return;
    }
    let expected = 0;
    for (;;) {
      this.ws();
      let at: number | undefined;
      const quoted = this.quoted[expected];
      if (quoted !== undefined && this.predictable[expected] && this.i + quoted.length <= this.end && this.text.startsWith(quoted, this.i)) {
        at = expected;
        this.i += quoted.length;
      } else {
        at = this.index.get(this.string());
      }
      this.ws();
      this.expect(0x3a); // :
      this.ws();
      if (at === undefined) this.skip();
      else {
        this.store(at);
        expected = at + 1;
      }
      this.ws();
      const c = this.next();
      if (c === 0x7d) return;
      if (c !== 0x2c) this.fail('"," or "}"');
    }
  }

  protected peek(): number {
    if (this.i < this.end) return this.text.charCodeAt(this.i);
    if (!this.exact) throw INCOMPLETE;
    return -1;
  }

  protected next(): number {
    const c = this.peek();
    if (c >= 0) this.i++;
    return c;
  }

  protected ws(): void {
    for (; this.i < this.end; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    }
  }

  protected expect(c: number): void {
    if (this.next() !== c) this.fail(JSON.stringify(String.fromCharCode(c)));
  }

  protected fail(wanted: string): never {
    throw new SqlError(`Drill sent a row that is not valid JSON (expected ${wanted} at offset ${this.i}): ${this.text.slice(0, 200)}`);
  }

  /** The string at `i` (its opening quote), decoded. */
  protected string(): string {
    this.expect(0x22);
    const from = this.i;
    // The closing quote is the first one unless a backslash comes before it (then one may be escaped).
    let close = this.text.indexOf('"', from);
    if (close < 0 || close >= this.end) return this.unterminated();
    let raw = this.text.slice(from, close);
    if (!raw.includes('\\')) {
      this.i = close + 1;
      return raw;
    }
    for (close = from; close < this.end; close++) {
      const c = this.text.charCodeAt(close);
      if (c === 0x5c) close++;
      else if (c === 0x22) break;
    }
    if (close >= this.end) return this.unterminated();
    raw = this.text.slice(from, close);
    this.i = close + 1;
    return JSON.parse(`"${raw}"`) as string;
  }

  private unterminated(): never {
    this.i = this.end;
    this.peek();
    return this.fail('the end of a string');
  }

  /** Moves past `true`, `false` or `null` at `i`. */
  protected word(word: string): void {
    if (this.i + word.length > this.end) {
      if (!this.exact && word.startsWith(this.text.slice(this.i, this.end))) throw INCOMPLETE;
      this.fail('a JSON value');
    }
    if (!this.text.startsWith(word, this.i)) this.fail('a JSON value');
    this.i += word.length;
  }

  /** The number at `i` as the SqlValue of a `kind` column. */
  protected number(kind: ValueKind): SqlValue {
    const from = this.i;
    const integral = this.skipNumber();
    return this.numberValue(this.text.slice(from, this.i), integral, kind);
  }

  /** Moves past the number at `i`; whether it is written as an integer (no fraction, no exponent). */
  protected skipNumber(): boolean {
    const from = this.i;
    let integral = true;
    for (; this.i < this.end; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c >= 0x30 && c <= 0x39) continue;
      if (c === 0x2d || c === 0x2b) continue;
      if (c === 0x2e || c === 0x65 || c === 0x45) {
        integral = false;
        continue;
      }
      break;
    }
    // A number is never last in a row: one that reaches the end of the text may go on.
    if (this.i === this.end && !this.exact) throw INCOMPLETE;
    if (this.i === from) this.fail('a JSON value');
    return integral;
  }

  protected numberValue(digits: string, integral: boolean, kind: ValueKind): SqlValue {
    if (kind === 'decimal') return { kind: 'decimal', text: digits };
    const n = Number(digits);
    if (Number.isNaN(n)) this.fail('a JSON number');
    switch (kind) {
      case 'float':
        return n;
      case 'date':
        return dateText(n);
      case 'timestamp':
        return timestampText(n);
      case 'time':
        return timeText(n);
      default:
        // Short integers go through Number, which is exact below 2^53 and cheaper than parsing digits.
        if (!integral) return n;
        return digits.length < 16 ? BigInt(n) : BigInt(digits);
    }
  }
}

/** Rows read before the row patterns are made (compiling them costs more than a few rows' reading). */
const ROWS_BEFORE_PATTERN = 64;
/** Returned by the quick reading when a value is not what the careful one would read without a word (then it reads the row). */
const NOT_QUICK = Symbol('not quick');

class ValueRowReader extends RowScanner<SqlValue[]> {
  row: SqlValue[] = [];
  /** json-row-pattern.ts's patterns, once enough rows came: a row they match is compact, unescaped, its keys the columns in order. */
  private patterns: readonly RowPattern[] | null | undefined;
  private rowsRead = 0;
  private patternMisses = 0;
  /** `"name":`'s length per column. */
  private readonly keyLengths: number[];

  constructor(
    private readonly names: readonly string[],
    kinds: readonly ValueKind[],
    private readonly types?: readonly string[],
  ) {
    super(names, kinds);
    this.keyLengths = names.map((name) => JSON.stringify(name).length + 1);
  }

  override decode(text: string, start: number, end: number, exact: boolean): number {
    if (this.patterns) {
      for (const pattern of this.patterns) {
        const next = patternRowEnd(pattern, text, start, end);
        if (next >= 0 && (!exact || next === end)) {
          if (this.quickRow(text, start)) {
            this.rowsRead++;
            return next;
          }
          break;
        }
      }
      // A row the piece cuts off does not match either; rows of another shape are read carefully.
      if (++this.patternMisses > 1000 && this.patternMisses > this.rowsRead) this.patterns = null;
    } else if (this.patterns === undefined && ++this.rowsRead > ROWS_BEFORE_PATTERN) {
      // A name given twice takes its key from the later column: left to the careful reading.
      const distinct = new Set(this.names).size === this.names.length;
      this.patterns = distinct ? rowPatterns(this.names.map((name) => `${JSON.stringify(name)}:`), this.kinds, this.types) : null;
    }
    return super.decode(text, start, end, exact);
  }

  /** Reads a row a pattern matched (so no check is needed) into `row`: the same values as the careful reading; false when it is for that reading. */
  private quickRow(text: string, start: number): boolean {
    const row = new Array<SqlValue>(this.names.length);
    this.text = text;
    let i = start + 1;
    for (let k = 0; k < row.length; k++) {
      this.i = i + this.keyLengths[k];
      const value = this.quickValue(text, this.kinds[k]);
      if (value === NOT_QUICK) return false;
      row[k] = value;
      i = this.i + 1; // past the ',' or the '}'
    }
    this.row = row;
    return true;
  }

  private quickValue(text: string, kind: ValueKind): SqlValue | typeof NOT_QUICK {
    const at = this.i;
    const c = text.charCodeAt(at);
    if (c === 0x22) {
      const close = text.indexOf('"', at + 1);
      const s = text.slice(at + 1, close);
      this.i = close + 1;
      if (kind === 'float' && (s === 'NaN' || s === 'Infinity' || s === '-Infinity')) return Number(s);
      return s;
    }
    if (c === 0x7b) {
      const entries: (readonly [string, SqlValue])[] = [];
      this.i = at + 1;
      if (text.charCodeAt(this.i) === 0x7d) {
        this.i++;
        return { kind: 'struct', entries };
      }
      for (;;) {
        const close = text.indexOf('"', this.i + 1);
        const key = text.slice(this.i + 1, close);
        this.i = close + 2; // past '":'
        const value = this.quickValue(text, 'any');
        if (value === NOT_QUICK) return value;
        entries.push([key, value]);
        if (text.charCodeAt(this.i++) === 0x7d) return { kind: 'struct', entries };
      }
    }
    if (c === 0x5b) {
      const items: SqlValue[] = [];
      this.i = at + 1;
      if (text.charCodeAt(this.i) === 0x5d) {
        this.i++;
        return { kind: 'list', items };
      }
      for (;;) {
        const value = this.quickValue(text, kind);
        if (value === NOT_QUICK) return value;
        items.push(value);
        if (text.charCodeAt(this.i++) === 0x5d) return { kind: 'list', items };
      }
    }
    if (c === 0x6e) {
      this.i = at + 4;
      return null;
    }
    if (c === 0x74) {
      this.i = at + 4;
      return true;
    }
    if (c === 0x66) {
      this.i = at + 5;
      return false;
    }
    let i = at;
    let integral = true;
    for (; isNumberChar(text.charCodeAt(i)); i++) if (text.charCodeAt(i) === 0x2e || (text.charCodeAt(i) | 0x20) === 0x65) integral = false;
    const digits = text.slice(at, i);
    this.i = i;
    // Not a number (`1-2`): the careful reading says so, with the row.
    if (kind !== 'decimal' && Number.isNaN(Number(digits))) return NOT_QUICK;
    return this.numberValue(digits, integral, kind);
  }

  protected clear(): void {
    this.row = new Array<SqlValue>(this.names.length).fill(null);
  }

  protected store(at: number): void {
    this.row[at] = this.value(this.kinds[at]);
  }

  protected skip(): void {
    this.value('any');
  }

  private value(kind: ValueKind): SqlValue {
    switch (this.peek()) {
      case 0x22: {
        const s = this.string();
        // Drill writes non-finite doubles as text.
        if (kind === 'float' && (s === 'NaN' || s === 'Infinity' || s === '-Infinity')) return Number(s);
        return s;
      }
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.list(kind);
      case 0x74:
        this.word('true');
        return true;
      case 0x66:
        this.word('false');
        return false;
      case 0x6e:
        this.word('null');
        return null;
      default:
        return this.number(kind);
    }
  }

  private object(): SqlValue {
    this.i++;
    const entries: (readonly [string, SqlValue])[] = [];
    this.ws();
    if (this.peek() === 0x7d) {
      this.i++;
      return { kind: 'struct', entries };
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(0x3a);
      this.ws();
      entries.push([key, this.value('any')]);
      this.ws();
      const c = this.next();
      if (c === 0x7d) return { kind: 'struct', entries };
      if (c !== 0x2c) this.fail('"," or "}"');
    }
  }

  private list(kind: ValueKind): SqlValue {
    this.i++;
    const items: SqlValue[] = [];
    this.ws();
    if (this.peek() === 0x5d) {
      this.i++;
      return { kind: 'list', items };
    }
    for (;;) {
      this.ws();
      items.push(this.value(kind));
      this.ws();
      const c = this.next();
      if (c === 0x5d) return { kind: 'list', items };
      if (c !== 0x2c) this.fail('"," or "]"');
    }
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-01` from Drill's epoch milliseconds (DATE is midnight UTC of the day). */
export function dateText(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

const DAY_MS = 86_400_000;
/** Years 1970–9999: where the arithmetic below is the Date code's result (the rest goes through Date). */
const FAST_UNTIL_MS = 253_402_300_800_000;
/** The last second's text: a result's timestamps mostly fall on few days and often in the same second, and Date is slow. */
let lastDay = -1;
let lastDayText = '';
let lastSecond = -1;
let lastSecondText = '';
/** `.5`, `.12`, `.123` per millisecond of a second (`''` for 0): clockText's fractions. */
let fractions: string[] | null = null;

/** `2026-11-01 10:00:00.12`: DuckDB's text for a TIMESTAMP (fraction without trailing zeros). */
export function timestampText(ms: number): string {
  if (Number.isInteger(ms) && ms >= 0 && ms < FAST_UNTIL_MS) {
    const second = Math.floor(ms / 1000);
    if (second !== lastSecond) {
      const day = Math.floor(ms / DAY_MS);
      if (day !== lastDay) {
        lastDayText = dateText(ms);
        lastDay = day;
      }
      lastSecondText = `${lastDayText} ${clockText(second * 1000 - day * DAY_MS)}`;
      lastSecond = second;
    }
    fractions ??= Array.from({ length: 1000 }, (_, f) => clockText(f).slice('00:00:00'.length));
    return lastSecondText + fractions[ms - second * 1000];
  }
  return `${dateText(ms)} ${timeText(((ms % DAY_MS) + DAY_MS) % DAY_MS)}`;
}

/** `10:11:12.5` from milliseconds since midnight. */
export function timeText(ms: number): string {
  if (Number.isInteger(ms) && ms >= 0 && ms < DAY_MS) return clockText(ms);
  const d = new Date(ms);
  const fraction = d.getUTCMilliseconds();
  const base = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fraction === 0 ? base : `${base}.${pad(fraction, 3).replace(/0+$/, '')}`;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** timeText's text for a whole number of milliseconds in one day, by arithmetic. */
function clockText(t: number): string {
  const base = `${two(Math.floor(t / 3_600_000))}:${two(Math.floor(t / 60_000) % 60)}:${two(Math.floor(t / 1000) % 60)}`;
  const f = t % 1000;
  if (f === 0) return base;
  if (f % 100 === 0) return `${base}.${f / 100}`;
  const digits = f < 10 ? `00${f}` : f < 100 ? `0${f}` : `${f}`;
  return `${base}.${f % 10 === 0 ? digits.slice(0, 2) : digits}`;
}
