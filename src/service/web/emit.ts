// Replays into a stream: the query job form (preview its records, start it) and the served files'
// declared replays (preview, start by name). A preview shows each record exactly as it would be
// emitted: partition key, destination shard, and the data with its flags or annotations.
/// <reference lib="dom" />

import { api, type EmitPreview, type Job, type JobRequest } from './api.ts';
import { busy, el, show } from './dom.ts';
import { count } from './format.ts';
import { renderTable } from './table.ts';

const PREVIEW_RECORDS = 10;

export class EmitPanel {
  private readonly status = el<HTMLElement>('replay-status');
  private readonly preview = el<HTMLTableElement>('preview');

  constructor(
    private readonly sql: HTMLTextAreaElement,
    private readonly onJob: (job: Job) => void,
  ) {
    el('preview-job').addEventListener('click', () => {
      const request = this.request();
      if (request) void busy(el('preview-job'), () => this.showPreview(() => api.previewRecords(request, PREVIEW_RECORDS), 'The job'));
    });
    // Another stream, flag or column changes what the records would be.
    el<HTMLFormElement>('replay-form').addEventListener('input', () => this.clear());
    el<HTMLFormElement>('replay-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const request = this.request();
      if (request) void busy(el('start-job'), () => this.start(() => api.startJob(request), `into ${request.streamOut}`));
    });
  }

  /** The query changed: a preview or an error about the old one would mislead. */
  queryChanged(): void {
    this.clear();
  }

  previewReplay(name: string, button: HTMLButtonElement): void {
    void busy(button, () => this.showPreview(() => api.previewReplay(name), `Replay ${name}`));
  }

  startReplay(name: string, button: HTMLButtonElement): void {
    void busy(button, () => this.start(() => api.startReplay(name), `(replay ${name})`));
  }

  private clear(): void {
    show(this.status, '');
    renderTable(this.preview, [], []);
  }

  private async showPreview(load: () => Promise<EmitPreview>, who: string): Promise<void> {
    this.clear();
    show(this.status, 'Previewing…');
    try {
      const p = await load();
      const records = Array.isArray(p?.records) ? p.records : [];
      const rows = records.map((r) => ({ 'partition key': r.partitionKey, shard: r.shardId, data: r.data }));
      if (rows.length > 0) renderTable(this.preview, rows, ['partition key', 'shard', 'data'], 1);
      show(this.status, previewText(p, who, records.length));
    } catch (err) {
      show(this.status, (err as Error).message, true);
    }
  }

  private async start(send: () => Promise<Job>, what: string): Promise<void> {
    show(this.status, 'Starting…');
    try {
      const job = await send();
      this.onJob(job);
      show(this.status, `Started job ${job?.jobId ?? ''} ${what}.`);
    } catch (err) {
      show(this.status, (err as Error).message, true);
    }
  }

  private request(): JobRequest | null {
    const queryIn = this.sql.value.trim();
    if (!queryIn) {
      show(this.status, 'Type a query first.', true);
      this.sql.focus();
      return null;
    }
    const streamOut = el<HTMLInputElement>('stream-out').value.trim();
    if (!streamOut) {
      show(this.status, 'Name the stream to replay into.', true);
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
}

function previewText(p: EmitPreview, who: string, shown: number): string {
  if (p.upToDate) return `${who} is up to date: nothing entered its slice since its last run, so it would send nothing into ${p.streamOut}.`;
  const before = p.alreadyReplayed ? ` (${count(p.alreadyReplayed, 'record')} of its slice went out in its last run)` : '';
  if (p.count === 0) return `${who} would send nothing into ${p.streamOut}: no row matches${before}.`;
  const total = p.countIsLowerBound ? `at least ${count(p.count, 'record')}` : count(p.count, 'record');
  const first = shown === p.count && !p.countIsLowerBound ? (shown === 1 ? 'it is below' : 'they are below') : `the first ${shown.toLocaleString('en-US')} are below`;
  return `${who} would send ${total} into ${p.streamOut}${before}; ${first}, exactly as they would be emitted.`;
}
