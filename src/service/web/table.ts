// Rows of any shape as an HTML table: the columns the service names, else the union of the rows'
// keys in order of first appearance; nested values print as JSON. Text goes in through textContent only.
/// <reference lib="dom" />

import { METADATA_FIELDS } from '../../compiler/record-layout.ts';

const METADATA = new Set<string>(METADATA_FIELDS.map((f) => `_${f}`));

/**
 * The columns to show: the payload's fields first, then the record metadata (`_stream`,
 * `_shard_id`, …), then `payload` itself, which repeats the fields. `asQueried` keeps the
 * result's own order.
 */
export function orderColumns(columns: readonly string[], asQueried: boolean): string[] {
  if (asQueried) return [...columns];
  const rank = (c: string) => (c === 'payload' ? 2 : METADATA.has(c) ? 1 : 0);
  return columns.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

export function columnsOf(rows: readonly Record<string, unknown>[], named?: readonly string[]): string[] {
  const columns: string[] = [...(named ?? [])];
  const seen = new Set<string>(columns);
  for (const row of rows) {
    for (const key of Object.keys(row ?? {})) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return columns;
}

/** `firstRow` numbers the rows (1-based) in a leading column when given. */
export function renderTable(table: HTMLTableElement, rows: readonly Record<string, unknown>[], columns: readonly string[], firstRow?: number): void {
  table.replaceChildren();
  if (rows.length === 0 && columns.length === 0) return;
  const head = table.createTHead().insertRow();
  for (const column of [...(firstRow !== undefined ? ['#'] : []), ...columns]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column;
    if (METADATA.has(column)) th.className = 'meta';
    head.append(th);
  }
  const body = table.createTBody();
  rows.forEach((row, i) => {
    const tr = body.insertRow();
    if (firstRow !== undefined) {
      const td = tr.insertCell();
      td.textContent = String(firstRow + i);
      td.className = 'num rownum';
    }
    for (const column of columns) {
      const td = tr.insertCell();
      const value = row?.[column];
      td.textContent = cellText(value);
      td.title = td.textContent;
      if (value === null || value === undefined) td.className = 'null';
      else if (typeof value === 'number' || typeof value === 'bigint') td.className = 'num';
    }
  });
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
