// The sidebar: the served files' reservoirs (views and their columns with types: a schema
// browser), their saved queries (a click loads one into the editor) and their declared replays
// (preview or start one by name). A view loads a query over it; a column types its name.
/// <reference lib="dom" />

import { api, type Catalog } from './api.ts';
import { el, make } from './dom.ts';

export interface SidebarActions {
  /** Puts SQL into the editor. */
  load(sql: string): void;
  /** Types a name into the editor at the cursor. */
  insert(text: string): void;
  previewReplay(name: string, button: HTMLButtonElement): void;
  startReplay(name: string, button: HTMLButtonElement): void;
}

export class Sidebar {
  catalog: Catalog | null = null;

  constructor(private readonly actions: SidebarActions) {}

  async refresh(): Promise<void> {
    const status = el('catalog-status');
    status.textContent = 'reading the reservoirs…';
    status.classList.remove('error');
    try {
      this.catalog = await api.catalog();
      status.textContent = '';
      this.render(this.catalog);
    } catch (err) {
      status.textContent = (err as Error).message;
      status.classList.add('error');
    }
  }

  private render(catalog: Catalog): void {
    const schema = el('schema');
    schema.replaceChildren();
    if (catalog.reservoirs.length === 0) schema.append(make('p', 'The served files declare no reservoir.', 'muted'));
    for (const r of catalog.reservoirs) {
      const box = make('details', '', 'reservoir', { 'data-testid': 'reservoir', 'data-name': r.name });
      box.open = true;
      box.append(make('summary', r.name));
      const views = make('ul', '', 'views');
      for (const v of r.views) {
        const li = make('li');
        const button = make('button', v.name, 'link', { type: 'button', 'data-testid': 'view', title: `${v.role} view: click to query it` });
        button.addEventListener('click', () => this.actions.load(`SELECT * FROM ${quoteIdent(v.name)} LIMIT 100`));
        li.append(button, make('span', v.role, 'muted'));
        views.append(li);
      }
      box.append(views);
      if (r.error) box.append(make('p', r.error, 'error'));
      const columns = make('ul', '', 'columns', { 'aria-label': `columns of ${r.name}` });
      // As the results show them: the payload's fields, then the record metadata, then payload.
      const rank = { field: 0, metadata: 1, payload: 2 } as const;
      for (const c of [...r.columns].sort((a, b) => rank[a.kind] - rank[b.kind])) {
        const li = make('li', '', `column ${c.kind}`, { 'data-testid': 'column', title: `${c.name}: ${c.type} (click to type it into the query)` });
        const name = make('button', c.name, 'link name', { type: 'button' });
        name.addEventListener('click', () => this.actions.insert(quoteIdent(c.name)));
        li.append(name, make('span', c.type, 'type'));
        columns.append(li);
      }
      box.append(columns);
      schema.append(box);
    }

    const queries = el('saved-queries');
    queries.replaceChildren();
    if (catalog.queries.length === 0) queries.append(make('li', 'none declared', 'muted'));
    for (const q of catalog.queries) {
      const li = make('li');
      const button = make('button', q.name, 'link', { type: 'button', 'data-testid': 'saved-query', title: q.sql });
      button.addEventListener('click', () => this.actions.load(q.sql));
      li.append(button);
      queries.append(li);
    }

    const replays = el('replays');
    replays.replaceChildren();
    if (catalog.replays.length === 0) replays.append(make('li', 'none declared', 'muted'));
    for (const r of catalog.replays) {
      const li = make('li', '', 'replay-item', { 'data-testid': 'declared-replay', 'data-name': r.name });
      const preview = make('button', 'Preview', '', { type: 'button', 'data-testid': 'replay-preview', 'aria-label': `Preview replay ${r.name}` });
      const start = make('button', 'Start', 'primary', { type: 'button', 'data-testid': 'replay-start', 'aria-label': `Start replay ${r.name}` });
      preview.addEventListener('click', () => this.actions.previewReplay(r.name, preview));
      start.addEventListener('click', () => this.actions.startReplay(r.name, start));
      const actions = make('span', '', 'actions');
      actions.append(preview, start);
      li.append(make('span', r.name, 'name'), make('span', `${r.source} ${r.reservoir} → ${r.streamOut}`, 'muted route'), actions);
      replays.append(li);
    }
  }
}

export function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
