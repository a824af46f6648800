// The pump page: run SQL over the reservoirs (through the preview API), preview and start replay
// jobs into a stream, and watch every job live. Plain DOM; esbuild bundles it to dist/web/app.js.
/// <reference lib="dom" />

import { api, getToken, setToken, type JobRequest } from './api.ts';
import { JobsPanel } from './jobs.ts';
import { renderTable } from './table.ts';

const REPLAY_PREVIEW_ROWS = 10;

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const sql = el<HTMLTextAreaElement>('sql');
const previewCount = el<HTMLInputElement>('preview-count');
const queryStatus = el<HTMLElement>('query-status');
const replayStatus = el<HTMLElement>('replay-status');
const jobs = new JobsPanel(el<HTMLOListElement>('jobs'), el('jobs-empty'), el('jobs-mode'));

function show(status: HTMLElement, text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** Runs `work` with `button` disabled, so a double click sends one request. */
async function busy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

function queryText(status: HTMLElement): string | null {
  const text = sql.value.trim();
  if (!text) {
    show(status, 'Type a query first.', true);
    sql.focus();
    return null;
  }
  return text;
}

el<HTMLFormElement>('query-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = queryText(queryStatus);
  if (text === null) return;
  const count = Number(previewCount.value) > 0 ? Math.floor(Number(previewCount.value)) : 100;
  void busy(el('run-query'), async () => {
    show(queryStatus, 'Running…');
    const started = performance.now();
    try {
      const result = await api.preview(text, count);
      const rows = Array.isArray(result?.rows) ? result.rows : [];
      renderTable(el('results'), rows, result?.columns);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const shown = rows.length.toLocaleString('en-US');
      if (typeof result?.count === 'number') {
        show(queryStatus, `${result.count.toLocaleString('en-US')} rows in total, showing ${shown} (${seconds} s)`);
        queryStatus.dataset.total = String(result.count);
      } else {
        show(queryStatus, `showing ${shown} rows; the total could not be counted (${seconds} s)`);
        delete queryStatus.dataset.total;
      }
    } catch (err) {
      renderTable(el('results'), []);
      delete queryStatus.dataset.total;
      show(queryStatus, (err as Error).message, true);
    }
  });
});

// Ctrl/Cmd+Enter in the editor runs the query.
sql.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    el<HTMLFormElement>('query-form').requestSubmit();
  }
});

function jobRequest(): JobRequest | null {
  const queryIn = queryText(replayStatus);
  if (queryIn === null) return null;
  const streamOut = el<HTMLInputElement>('stream-out').value.trim();
  if (!streamOut) {
    show(replayStatus, 'Name the stream to replay into.', true);
    el('stream-out').focus();
    return null;
  }
  const partitionKeyColumn = el<HTMLInputElement>('partition-key-column').value.trim();
  const rawDataColumn = el<HTMLInputElement>('raw-data-column').value.trim();
  return {
    queryIn,
    streamOut,
    hasReplayFlag: el<HTMLInputElement>('replay-flag').checked,
    hasOverwriteFlag: el<HTMLInputElement>('overwrite-flag').checked,
    ...(partitionKeyColumn ? { partitionKeyColumn } : {}),
    ...(rawDataColumn ? { rawDataColumn } : {}),
  };
}

el('preview-job').addEventListener('click', () => {
  const queryIn = queryText(replayStatus);
  if (queryIn === null) return;
  void busy(el('preview-job'), async () => {
    show(replayStatus, 'Previewing…');
    try {
      const result = await api.preview(queryIn, REPLAY_PREVIEW_ROWS);
      const rows = Array.isArray(result?.rows) ? result.rows : [];
      renderTable(el('preview'), rows, result?.columns);
      const total = typeof result?.count === 'number' ? `${result.count.toLocaleString('en-US')} records` : 'an uncounted number of records';
      show(replayStatus, `The job would send ${total}; the first ${rows.length} are below.`);
    } catch (err) {
      renderTable(el('preview'), []);
      show(replayStatus, (err as Error).message, true);
    }
  });
});

el<HTMLFormElement>('replay-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const request = jobRequest();
  if (request === null) return;
  void busy(el('start-job'), async () => {
    show(replayStatus, 'Starting…');
    try {
      const job = await api.startJob(request);
      jobs.upsert(job);
      show(replayStatus, `Started job ${job?.jobId ?? ''} into ${request.streamOut}.`);
    } catch (err) {
      show(replayStatus, (err as Error).message, true);
    }
  });
});

const token = el<HTMLInputElement>('token');
token.value = getToken();
el<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(token.value.trim());
  jobs.start();
  void checkHealth();
});
el('token-clear').addEventListener('click', () => {
  token.value = '';
  setToken('');
  jobs.start();
  void checkHealth();
});

/** Health, and the first reservoir for the default query when the service names its reservoirs. */
async function checkHealth(): Promise<void> {
  const health = el('health');
  try {
    const info = await api.health();
    health.textContent = 'service up';
    health.className = 'health ok';
    const first = firstReservoir(info) ?? (await api.replays().then(firstReplayReservoir, () => null));
    if (first && !sql.value.trim()) sql.value = `SELECT * FROM ${quoteIdent(first)} LIMIT 100`;
  } catch (err) {
    health.textContent = `service: ${(err as Error).message}`;
    health.className = 'health down';
  }
}

function firstReservoir(info: unknown): string | null {
  if (!info || typeof info !== 'object') return null;
  const reservoirs = (info as { reservoirs?: unknown }).reservoirs;
  if (!Array.isArray(reservoirs) || reservoirs.length === 0) return null;
  const first: unknown = reservoirs[0];
  if (typeof first === 'string') return first;
  const name = first && typeof first === 'object' ? (first as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : null;
}

/** The service names reservoirs through its declared replays (`GET /pump/replays`) when /health does not. */
function firstReplayReservoir(replays: unknown): string | null {
  if (!Array.isArray(replays)) return null;
  const reservoir: unknown = (replays[0] as { reservoir?: unknown } | undefined)?.reservoir;
  return typeof reservoir === 'string' ? reservoir : null;
}

function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

void checkHealth();
jobs.start();
