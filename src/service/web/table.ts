// Rows of any shape as an HTML table: the columns the service names, else the union of the rows'
// keys in order of first appearance; nested values print as JSON. Text goes in through textContent only.
/// <reference lib="dom" />

export function renderTable(table: HTMLTableElement, rows: readonly Record<string, unknown>[], named?: readonly string[]): void {
  table.replaceChildren();
  if (rows.length === 0 && !named?.length) return;
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
  const head = table.createTHead().insertRow();
  for (const column of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const column of columns) {
      const td = tr.insertCell();
      const value = row?.[column];
      td.textContent = cellText(value);
      td.title = td.textContent;
      if (value === null || value === undefined) td.className = 'null';
      else if (typeof value === 'number' || typeof value === 'bigint') td.className = 'num';
    }
  }
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
