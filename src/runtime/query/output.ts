// Writes query rows to a stream as they arrive, in one of four formats, waiting for the stream
// to drain so a slow reader never makes rows pile up in memory. Values come from producers, so
// table and csv escape control characters and json keeps them escaped: no value drives a terminal.

import { once } from 'node:events';
import { printable, printableLines, terminalSafeJson } from '../printable-text.ts';
import type { SqlColumn, SqlValue } from './sql-engine.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RowWriter {
  write(rows: readonly SqlValue[][]): Promise<void>;
  end(): Promise<void>;
}

/** Writes every batch `next` gives until it gives null, then ends the writer; the rows written. */
export async function writeAllBatches<T>(next: () => Promise<readonly T[] | null>, writer: { write(batch: readonly T[]): Promise<void>; end(): Promise<void> }): Promise<number> {
  let rows = 0;
  for (let batch = await next(); batch !== null; batch = await next()) {
    rows += batch.length;
    await writer.write(batch);
  }
  await writer.end();
  return rows;
}

/** Rows a table buffers to size its columns; later rows reuse the widths (longer cells are cut). */
export const TABLE_PAGE_ROWS = 1000;
/** Widest a table cell gets; the rest of a longer value is shown as `…` (csv and json keep everything). */
export const TABLE_MAX_WIDTH = 60;

export function createRowWriter(format: OutputFormat, columns: readonly SqlColumn[], out: NodeJS.WritableStream): RowWriter {
  const send = async (text: string) => {
    if (text !== '' && !out.write(text)) await once(out, 'drain');
  };
  switch (format) {
    case 'json':
      return jsonWriter(columns, send, true);
    case 'ndjson':
      return jsonWriter(columns, send, false);
    case 'csv':
      return csvWriter(columns, send);
    case 'table':
      return tableWriter(columns, send);
  }
}

type Send = (text: string) => Promise<void>;

/**
 * terminalSafeJson of a large text, as the UTF-8 the stream would make of it: every character it
 * escapes is DEL or beyond ASCII, and an all-ASCII text (as many UTF-8 bytes as UTF-16 units)
 * without DEL is found many times faster than by its regex.
 */
function safeJsonBytes(text: string): Buffer {
  if (Buffer.byteLength(text, 'utf8') === text.length) {
    // All ASCII: its Latin-1 bytes are its UTF-8, and copied rather than encoded.
    const bytes = Buffer.from(text, 'latin1');
    if (bytes.indexOf(0x7f) < 0) return bytes;
  }
  return Buffer.from(terminalSafeJson(text), 'utf8');
}

/** Whether `format` writes each row as one JSON object (what SqlEngine.streamJsonLines gives). */
export function writesJsonObjects(format: OutputFormat): format is 'json' | 'ndjson' {
  return format === 'json' || format === 'ndjson';
}

export interface JsonLineWriter {
  /** Rows already rendered as JSON objects, exactly as jsonText renders their values. */
  write(lines: readonly string[]): Promise<void>;
  end(): Promise<void>;
}

/** The json and ndjson formats for rows the engine rendered itself: the same text as createRowWriter's. */
export function createJsonLineWriter(format: 'json' | 'ndjson', out: NodeJS.WritableStream): JsonLineWriter {
  let first = true;
  const send = async (text: string | Buffer) => {
    if (text.length !== 0 && !out.write(text)) await once(out, 'drain');
  };
  return {
    async write(lines) {
      if (lines.length === 0) return;
      // terminalSafeJson escapes character by character, so once over the batch is the same as per value.
      const text = format === 'ndjson' ? lines.join('\n') + '\n' : (first ? '[\n' : ',\n') + lines.join(',\n');
      first = false;
      await send(safeJsonBytes(text));
    },
    async end() {
      if (format === 'json') await send(first ? '[]\n' : '\n]\n');
    },
  };
}

/** One JSON array streamed as `[`, one object per line, `]`; or (ndjson) one object per line. */
function jsonWriter(columns: readonly SqlColumn[], send: Send, array: boolean): RowWriter {
  const keys = uniqueNames(columns.map((c) => c.name)).map((k) => terminalSafeJson(JSON.stringify(k)) + ':');
  let first = true;
  const object = (row: readonly SqlValue[]) => '{' + row.map((v, i) => keys[i] + terminalSafeJson(jsonText(v))).join(',') + '}';
  return {
    async write(rows) {
      if (rows.length === 0) return;
      if (!array) return send(rows.map((r) => object(r) + '\n').join(''));
      const text = rows.map(object).join(',\n');
      await send((first ? '[\n' : ',\n') + text);
      first = false;
    },
    async end() {
      if (array) await send(first ? '[]\n' : '\n]\n');
    },
  };
}

/**
 * RFC 4180 fields (quoted when holding a comma, quote or line feed); NULL is an empty field, '' is
 * `""`. Control characters but LF and TAB are escaped (`\r`, `\x1b`): --format json keeps every value exactly.
 */
function csvWriter(columns: readonly SqlColumn[], send: Send): RowWriter {
  const field = (value: string) => {
    const text = printableLines(value);
    return text === '' || /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const line = (row: readonly SqlValue[]) => row.map((v) => (v === null ? '' : field(plainText(v)))).join(',') + '\n';
  let header = false;
  const writeHeader = async () => {
    if (!header) await send(columns.map((c) => field(c.name)).join(',') + '\n');
    header = true;
  };
  return {
    async write(rows) {
      await writeHeader();
      await send(rows.map(line).join(''));
    },
    end: writeHeader,
  };
}

/** Aligned columns sized from the first page of rows, and a closing row count. */
function tableWriter(columns: readonly SqlColumn[], send: Send): RowWriter {
  const numeric = columns.map((c) => /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|DECIMAL.*)$/i.test(c.type));
  let page: string[][] | null = [];
  let widths: number[] = [];
  let count = 0;
  const cellText = (v: SqlValue) => (v === null ? 'NULL' : printable(plainText(v)));
  const fit = (text: string, i: number) => {
    const width = widths[i];
    let cut = text;
    if (text.length > width) {
      // Never cut a surrogate pair in two: half a character is no character.
      const high = text.charCodeAt(width - 2);
      cut = text.slice(0, width - 1 - (high >= 0xd800 && high <= 0xdbff ? 1 : 0)) + '…';
    }
    return numeric[i] ? cut.padStart(width) : cut.padEnd(width);
  };
  const line = (cells: readonly string[]) => ' ' + cells.map(fit).join(' | ').trimEnd() + '\n';
  const flushPage = async () => {
    if (page === null) return;
    const rows = page;
    page = null;
    widths = columns.map((c, i) => Math.min(TABLE_MAX_WIDTH, Math.max(printable(c.name).length, 1, ...rows.slice(0, TABLE_PAGE_ROWS).map((r) => r[i].length))));
    const header = line(columns.map((c) => printable(c.name)));
    const rule = widths.map((w) => '-'.repeat(w + 2)).join('+') + '\n';
    await send(header + rule + rows.map(line).join(''));
  };
  return {
    async write(rows) {
      count += rows.length;
      const cells = rows.map((r) => r.map(cellText));
      if (page === null) return send(cells.map(line).join(''));
      page.push(...cells);
      if (page.length >= TABLE_PAGE_ROWS) await flushPage();
    },
    async end() {
      await flushPage();
      await send(`(${count} ${count === 1 ? 'row' : 'rows'})\n`);
    },
  };
}

/** JSON for one value: bigints beyond 2^53 and decimals beyond 15 digits as strings, so every reader gets them exactly. */
export function jsonText(v: SqlValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? v.toString() : `"${v}"`;
    case 'string':
      return JSON.stringify(v);
  }
  switch (v.kind) {
    case 'json':
      // Valid JSON holds raw line breaks only as whitespace: spaces keep it one line.
      return /[\r\n]/.test(v.text) ? v.text.replace(/[\r\n]/g, ' ') : v.text;
    case 'decimal':
      return v.text.replace(/[-.]/g, '').replace(/^0+/, '').length <= 15 ? v.text : JSON.stringify(v.text);
    case 'list':
      return '[' + v.items.map(jsonText).join(',') + ']';
    case 'struct':
      return '{' + v.entries.map(([k, x]) => JSON.stringify(k) + ':' + jsonText(x)).join(',') + '}';
  }
}

/** Text for one non-null value in a table or csv cell: nested values as JSON. */
export function plainText(v: Exclude<SqlValue, null>): string {
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'bigint':
      return String(v);
    case 'string':
      return v;
  }
  return v.kind === 'json' || v.kind === 'decimal' ? v.text : jsonText(v);
}

/** `a, a, b` → `a, a_2, b`: JSON objects cannot hold a key twice (Drill's JSON rows use it too). */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; seen.has(candidate); n++) candidate = `${name}_${n}`;
    seen.add(candidate);
    return candidate;
  });
}
