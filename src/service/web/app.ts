// The pump page: a sidebar over the served files (schema, saved queries, declared replays), SQL
// over the reservoirs with paging and downloads, replay jobs previewed and started, and every job
// watched live. Plain DOM; esbuild bundles it to dist/web/app.js.
/// <reference lib="dom" />

import { api, getToken, setToken } from './api.ts';
import { el } from './dom.ts';
import { EmitPanel } from './emit.ts';
import { JobsPanel } from './jobs.ts';
import { ResultsPanel } from './results.ts';
import { quoteIdent, Sidebar } from './sidebar.ts';

const sql = el<HTMLTextAreaElement>('sql');
const jobs = new JobsPanel(el<HTMLOListElement>('jobs'), el('jobs-empty'), el('jobs-mode'), el<HTMLSelectElement>('job-filter'));
const results = new ResultsPanel();
const emit = new EmitPanel(sql, (job) => jobs.upsert(job));
const sidebar = new Sidebar({
  load: (text) => {
    sql.value = text;
    queryChanged();
    sql.focus();
  },
  insert: (text) => {
    sql.focus();
    sql.setRangeText(text, sql.selectionStart, sql.selectionEnd, 'end');
    queryChanged();
  },
  previewReplay: (name, button) => emit.previewReplay(name, button),
  startReplay: (name, button) => emit.startReplay(name, button),
});

function queryChanged(): void {
  results.queryChanged();
  emit.queryChanged();
}
sql.addEventListener('input', queryChanged);
// The columns of new payload keys appear as data arrives: read the catalog again.
el('catalog-refresh').addEventListener('click', () => void sidebar.refresh());

// Ctrl/Cmd+Enter in the editor runs the query.
sql.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    el<HTMLFormElement>('query-form').requestSubmit();
  }
});

const token = el<HTMLInputElement>('token');
token.value = getToken();
function reconnect(): void {
  jobs.start();
  void checkHealth();
}
el<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(token.value.trim());
  reconnect();
});
el('token-clear').addEventListener('click', () => {
  token.value = '';
  setToken('');
  reconnect();
});

/** Health, then the catalog: the sidebar and, in an empty editor, a query over the first reservoir. */
async function checkHealth(): Promise<void> {
  const health = el('health');
  try {
    await api.health();
    health.textContent = 'service up';
    health.className = 'health ok';
  } catch (err) {
    health.textContent = `service: ${(err as Error).message}`;
    health.className = 'health down';
    return;
  }
  await sidebar.refresh();
  const first = sidebar.catalog?.reservoirs[0]?.name;
  if (first && !sql.value.trim()) sql.value = `SELECT * FROM ${quoteIdent(first)} LIMIT 100`;
}

reconnect();
