// An incremental reader of Drill's `POST /query.json` answer, fed the body a piece at a time: the
// header (queryId, columns, metadata), then the rows as they stream, then the outcome (queryState,
// errorMessage). It keeps only the unfinished end of the text, never the rows already read.

import type { SqlValue } from '../query/sql-engine.ts';
import { SqlError } from '../query/sql-engine.ts';
import { valueKindOf, valueRows, type RowDecoder, type ValueKind } from './drill-values.ts';

/** What the body says besides its rows. */
export interface DrillOutcome {
  readonly queryId: string | null;
  /** COMPLETED, FAILED, CANCELED…; null when the body ended before saying. */
  readonly queryState: string | null;
  readonly errorMessage: string | null;
  readonly exception: string | null;
}

export interface DrillColumns {
  readonly names: readonly string[];
  readonly types: readonly string[];
}

type Phase = 'start' | 'key' | 'colon' | 'value' | 'skip' | 'rows' | 'row' | 'done';

/** Top-level members whose values are kept (others, such as stackTrace, are skipped unread). */
const KEPT = new Set(['queryId', 'columns', 'metadata', 'queryState', 'errorMessage', 'exception']);

/** How rows are read, once the columns are known (drill-values.ts: as SqlValues, or as JSON text); `types` are Drill's. */
export type RowReading<T> = (names: readonly string[], kinds: readonly ValueKind[], types: readonly string[]) => RowDecoder<T>;

export class DrillResponseParser<T = SqlValue[]> {
  private buf = '';
  private pos = 0;
  /** Start of the token being read in `buf`, or -1. */
  private mark = -1;
  private phase: Phase = 'start';
  private key = '';
  // State of a value being skipped or a row being delimited.
  private depth = 0;
  private inString = false;
  private escape = false;
  private readonly fields = new Map<string, unknown>();
  private decoder: RowDecoder<T> | null = null;
  private maxHeld = 0;

  constructor(private readonly reading: RowReading<T> = valueRows as unknown as RowReading<T>) {}

  /** Feeds the next piece of the body; returns the rows it completed. */
  push(text: string): T[] {
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    const rows: T[] = [];
    this.scan(rows);
    const keep = this.mark >= 0 ? this.mark : this.pos;
    if (keep > 0) {
      this.buf = this.buf.slice(keep);
      this.pos -= keep;
      if (this.mark >= 0) this.mark -= keep;
    }
    if (this.buf.length > this.maxHeld) this.maxHeld = this.buf.length;
    return rows;
  }

  /** Characters held between pushes (the unfinished end of the text): never more than one row's worth. */
  get heldChars(): number {
    return this.buf.length;
  }

  /** The most `heldChars` has been after any push. */
  get maxHeldChars(): number {
    return this.maxHeld;
  }

  /** Names and Drill types of the columns, once the body has said them (before the first row). */
  get columns(): DrillColumns | null {
    const names = this.fields.get('columns');
    if (!Array.isArray(names)) return null;
    const types = this.fields.get('metadata');
    return { names: names as string[], types: Array.isArray(types) ? (types as string[]) : names.map(() => 'ANY') };
  }

  get queryId(): string | null {
    const id = this.fields.get('queryId');
    return typeof id === 'string' ? id : null;
  }

  /** True once the body's closing brace was read. */
  get complete(): boolean {
    return this.phase === 'done';
  }

  outcome(): DrillOutcome {
    const text = (name: string) => {
      const v = this.fields.get(name);
      return typeof v === 'string' ? v : null;
    };
    return { queryId: this.queryId, queryState: text('queryState'), errorMessage: text('errorMessage'), exception: text('exception') };
  }

  private scan(rows: T[]): void {
    const buf = this.buf;
    const n = buf.length;
    while (this.pos < n) {
      const c = buf.charCodeAt(this.pos);
      switch (this.phase) {
        case 'start':
          if (c === 0x7b) this.phase = 'key';
          else if (!isSpace(c)) this.bad('"{"');
          this.pos++;
          break;
        case 'key':
          if (isSpace(c) || c === 0x2c) {
            this.pos++;
          } else if (c === 0x7d) {
            this.phase = 'done';
            this.pos++;
          } else if (c === 0x22) {
            const close = closingQuote(buf, this.pos + 1);
            if (close < 0) return; // the key continues in the next piece
            this.key = JSON.parse(buf.slice(this.pos, close + 1)) as string;
            this.pos = close + 1;
            this.phase = 'colon';
          } else this.bad('a member name');
          break;
        case 'colon':
          if (c === 0x3a) this.phase = 'value';
          else if (!isSpace(c)) this.bad('":"');
          this.pos++;
          break;
        case 'value':
          if (isSpace(c)) {
            this.pos++;
          } else if (this.key === 'rows' && c === 0x5b) {
            this.startRows();
            this.pos++;
          } else {
            this.mark = this.pos;
            this.depth = 0;
            this.inString = false;
            this.escape = false;
            this.phase = 'skip';
          }
          break;
        case 'skip': {
          const end = this.valueEnd(buf, true);
          if (end < 0) return;
          if (KEPT.has(this.key)) this.fields.set(this.key, JSON.parse(buf.slice(this.mark, end)));
          this.mark = -1;
          this.pos = end;
          this.phase = 'key';
          break;
        }
        case 'rows':
          if (isSpace(c) || c === 0x2c) {
            this.pos++;
          } else if (c === 0x5d) {
            this.phase = 'key';
            this.pos++;
          } else if (c === 0x7b) {
            // Read in one pass as far as the text goes; a row the piece cuts off is delimited
            // first (resumably, so a long row is not re-read with every piece), then read.
            const end = this.decoder!.decode(buf, this.pos, n, false);
            if (end >= 0) {
              rows.push(this.decoder!.row);
              this.pos = end;
              break;
            }
            this.mark = this.pos;
            this.depth = 0;
            this.inString = false;
            this.escape = false;
            this.phase = 'row';
          } else this.bad('a row');
          break;
        case 'row': {
          const end = this.valueEnd(buf, false);
          if (end < 0) return;
          this.decoder!.decode(buf, this.mark, end, true);
          rows.push(this.decoder!.row);
          this.mark = -1;
          this.pos = end;
          this.phase = 'rows';
          break;
        }
        case 'done':
          if (!isSpace(c)) this.bad('the end of the body');
          this.pos++;
          break;
      }
    }
  }

  private startRows(): void {
    const columns = this.columns;
    if (!columns) throw new SqlError('Drill sent rows before naming the columns');
    this.decoder = this.reading(columns.names, columns.types.map(valueKindOf), columns.types);
    this.phase = 'rows';
  }

  /**
   * Moves `pos` through the value that starts at `mark` (resuming where the last piece ended) and
   * returns the offset just past it, or -1 when it continues in the next piece. A bare scalar
   * (`0`, `true`) ends at the first delimiter, so at least one character must follow it.
   */
  private valueEnd(buf: string, scalarAllowed: boolean): number {
    const n = buf.length;
    let i = this.pos;
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    for (; i < n; i++) {
      const c = buf.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) {
          inString = false;
          if (depth === 0) return i + 1;
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return i; // a bare scalar ended by the enclosing brace
        if (--depth === 0) return i + 1;
      } else if (depth === 0 && scalarAllowed && (c === 0x2c || isSpace(c))) return i;
    }
    this.pos = i;
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    return -1;
  }

  private bad(wanted: string): never {
    throw new SqlError(`Drill's answer is not the JSON expected (wanted ${wanted} near: ${JSON.stringify(this.buf.slice(Math.max(0, this.pos - 40), this.pos + 40))})`);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Offset of the quote closing a string whose text starts at `from`, or -1 if not in `buf` yet. */
function closingQuote(buf: string, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}
