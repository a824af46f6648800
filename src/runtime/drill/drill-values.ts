// Drill's JSON row values onto the engine-neutral SqlValue, exactly: one pass over a row's text
// that keeps integers as bigint from their digits (JSON.parse would round BIGINTs past 2^53) and
// decimals as their digits, and turns Drill's epoch milliseconds back into date and time text.

import { SqlError, type SqlValue } from '../query/sql-engine.ts';

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
 * Reads one row object `{"col":value,…}` from `text[start, end)` into `out` (one slot per column,
 * null where the row has no key). Keys are matched to columns by name.
 */
export function readRow(text: string, start: number, end: number, columns: ReadonlyMap<string, number>, kinds: readonly ValueKind[], out: SqlValue[]): void {
  const p = new RowReader(text, start, end);
  p.ws();
  p.expect(0x7b); // {
  p.ws();
  if (p.peek() === 0x7d) return;
  for (;;) {
    p.ws();
    const key = p.string();
    p.ws();
    p.expect(0x3a); // :
    p.ws();
    const at = columns.get(key);
    if (at === undefined) p.value('any');
    else out[at] = p.value(kinds[at]);
    p.ws();
    const c = p.next();
    if (c === 0x7d) return;
    if (c !== 0x2c) p.fail('"," or "}"');
  }
}

class RowReader {
  constructor(
    private readonly text: string,
    private i: number,
    private readonly end: number,
  ) {}

  peek(): number {
    return this.i < this.end ? this.text.charCodeAt(this.i) : -1;
  }

  next(): number {
    return this.i < this.end ? this.text.charCodeAt(this.i++) : -1;
  }

  ws(): void {
    for (; this.i < this.end; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    }
  }

  expect(c: number): void {
    if (this.next() !== c) this.fail(JSON.stringify(String.fromCharCode(c)));
  }

  fail(wanted: string): never {
    throw new SqlError(`Drill sent a row that is not valid JSON (expected ${wanted} at offset ${this.i}): ${this.text.slice(0, 200)}`);
  }

  string(): string {
    this.expect(0x22);
    const from = this.i;
    let escaped = false;
    for (; this.i < this.end; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x5c) {
        escaped = true;
        this.i++;
      } else if (c === 0x22) {
        const raw = this.text.slice(from, this.i++);
        return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
      }
    }
    return this.fail('the end of a string');
  }

  value(kind: ValueKind): SqlValue {
    const c = this.peek();
    switch (c) {
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
        return this.word('true', true);
      case 0x66:
        return this.word('false', false);
      case 0x6e:
        return this.word('null', null);
      default:
        return this.number(kind);
    }
  }

  private word<T extends SqlValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) this.fail('a JSON value');
    this.i += word.length;
    return value;
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

  private number(kind: ValueKind): SqlValue {
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
    if (this.i === from) this.fail('a JSON value');
    const digits = this.text.slice(from, this.i);
    switch (kind) {
      case 'decimal':
        return { kind: 'decimal', text: digits };
      case 'float':
        return Number(digits);
      case 'date':
        return dateText(Number(digits));
      case 'timestamp':
        return timestampText(Number(digits));
      case 'time':
        return timeText(Number(digits));
      default:
        // Short integers go through Number, which is exact below 2^53 and cheaper than parsing digits.
        if (!integral) return Number(digits);
        return digits.length < 16 ? BigInt(Number(digits)) : BigInt(digits);
    }
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-01` from Drill's epoch milliseconds (DATE is midnight UTC of the day). */
export function dateText(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `2026-11-01 10:00:00.12`: DuckDB's text for a TIMESTAMP (fraction without trailing zeros). */
export function timestampText(ms: number): string {
  return `${dateText(ms)} ${timeText(((ms % 86_400_000) + 86_400_000) % 86_400_000)}`;
}

/** `10:11:12.5` from milliseconds since midnight. */
export function timeText(ms: number): string {
  const d = new Date(ms);
  const fraction = d.getUTCMilliseconds();
  const base = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return fraction === 0 ? base : `${base}.${pad(fraction, 3).replace(/0+$/, '')}`;
}
