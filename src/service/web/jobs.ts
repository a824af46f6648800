// The jobs panel: every job the service knows, kept live from server-sent events, or by polling
// every second when events fail or a token is set (EventSource cannot send an Authorization header).
/// <reference lib="dom" />

import { api, errorText, getToken, type Job } from './api.ts';

const RUNNING = new Set(['NOT_STARTED', 'IN_PROGRESS']);
const POLL_MS = 1000;

export class JobsPanel {
  private readonly jobs = new Map<string, Job>();
  private events: EventSource | null = null;
  private poller: number | null = null;
  private ticker: number | null = null;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly mode: HTMLElement,
  ) {}

  /** (Re)starts live updates: events when possible, polling otherwise. */
  start(): void {
    this.stop();
    void this.refresh();
    // Elapsed time of running jobs moves even when no event comes.
    this.ticker = window.setInterval(() => this.render(), 1000);
    if (getToken() || typeof EventSource === 'undefined') {
      this.poll();
      return;
    }
    const events = new EventSource('/pump/events');
    this.events = events;
    this.mode.textContent = '(live)';
    const onEvent = (e: MessageEvent) => this.onEventData(e.data);
    events.onmessage = onEvent;
    for (const name of ['job', 'update', 'progress']) events.addEventListener(name, onEvent as EventListener);
    // A reconnect may have missed updates: take the full list again.
    events.onopen = () => void this.refresh();
    events.onerror = () => {
      if (this.events !== events) return;
      events.close();
      this.events = null;
      this.poll();
    };
  }

  stop(): void {
    this.events?.close();
    this.events = null;
    if (this.poller !== null) window.clearInterval(this.poller);
    if (this.ticker !== null) window.clearInterval(this.ticker);
    this.poller = this.ticker = null;
  }

  /** Records a job the page just learned of (a POST's answer) without waiting for the next update. */
  upsert(job: Job): void {
    if (!job || typeof job.jobId !== 'string') return;
    this.jobs.set(job.jobId, { ...this.jobs.get(job.jobId), ...job });
    this.render();
  }

  async refresh(): Promise<void> {
    try {
      const jobs = await api.listJobs();
      for (const job of jobs) this.upsert(job);
      this.render();
    } catch (err) {
      this.mode.textContent = `(${(err as Error).message})`;
    }
  }

  private poll(): void {
    this.mode.textContent = '(polling)';
    if (this.poller === null) this.poller = window.setInterval(() => void this.refresh(), POLL_MS);
  }

  private onEventData(data: unknown): void {
    if (typeof data !== 'string' || !data) return;
    try {
      const parsed = JSON.parse(data) as Job | Job[] | { job?: Job; jobs?: Job[] };
      const jobs = Array.isArray(parsed) ? parsed : 'jobId' in parsed ? [parsed as Job] : (parsed.jobs ?? (parsed.job ? [parsed.job] : []));
      for (const job of jobs) this.upsert(job);
    } catch {
      // A keep-alive or a message that is not a job: nothing to show.
    }
  }

  private render(): void {
    this.empty.hidden = this.jobs.size > 0;
    // Newest first; a job with neither time (not started, old service) stays on top.
    const ordered = [...this.jobs.values()].sort((a, b) => timeOf(b.submitTime ?? b.startTime) - timeOf(a.submitTime ?? a.startTime));
    const existing = new Map<string, HTMLLIElement>();
    for (const li of this.list.querySelectorAll<HTMLLIElement>('li[data-job-id]')) existing.set(li.dataset.jobId!, li);
    ordered.forEach((job, i) => {
      const li = existing.get(job.jobId) ?? this.createItem(job.jobId);
      fillItem(li, job);
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
    });
  }

  private createItem(jobId: string): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'job';
    li.dataset.jobId = jobId;
    li.dataset.testid = 'job';
    li.innerHTML = `<header><span class="stage" data-testid="job-stage"></span><span class="id" data-testid="job-id"></span>
      <button type="button" class="cancel" data-testid="job-cancel">Cancel</button></header>
      <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" data-testid="job-progress"><div></div></div>
      <dl>
        <dt>sent</dt><dd data-testid="job-successful"></dd>
        <dt>pending</dt><dd data-testid="job-pending"></dd>
        <dt>failed</dt><dd data-testid="job-failed"></dd>
        <dt>rate</dt><dd data-testid="job-rate"></dd>
        <dt>elapsed</dt><dd data-testid="job-elapsed"></dd>
        <dt>into</dt><dd data-testid="job-stream"></dd>
      </dl>
      <div class="query-text" data-testid="job-query"></div>
      <div class="error" data-testid="job-error" role="alert" hidden></div>`;
    // The markup above is constant; job data only ever goes in through textContent (fillItem).
    const cancel = li.querySelector<HTMLButtonElement>('.cancel')!;
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try {
        await api.cancelJob(jobId);
        this.upsert(await api.getJob(jobId));
      } catch (err) {
        const box = li.querySelector<HTMLElement>('[data-testid=job-error]')!;
        box.hidden = false;
        box.textContent = `cancel failed: ${(err as Error).message}`;
        cancel.disabled = false;
      }
    });
    return li;
  }
}

function fillItem(li: HTMLLIElement, job: Job): void {
  const ok = num(job.successfulRecordCount);
  const pending = num(job.pendingRecordCount);
  const failed = num(job.failureRecordCount);
  const total = ok + pending + failed;
  const done = job.stage === 'COMPLETED_SUCCESS';
  const percent = total > 0 ? Math.round((ok / total) * 1000) / 10 : done ? 100 : 0;
  li.dataset.stage = job.stage;
  const set = (id: string, text: string) => {
    const el = li.querySelector<HTMLElement>(`[data-testid=${id}]`)!;
    if (el.textContent !== text) el.textContent = text;
  };
  const stage = li.querySelector<HTMLElement>('[data-testid=job-stage]')!;
  stage.className = `stage ${job.stage}`;
  set('job-stage', stageLabel(job.stage));
  set('job-id', job.jobId);
  li.querySelector<HTMLElement>('[data-testid=job-id]')!.title = job.jobId;
  const bar = li.querySelector<HTMLElement>('[data-testid=job-progress]')!;
  bar.setAttribute('aria-valuenow', String(percent));
  bar.setAttribute('aria-label', `job ${job.jobId}: ${percent}% sent`);
  (bar.firstElementChild as HTMLElement).style.width = `${percent}%`;
  set('job-successful', ok.toLocaleString('en-US'));
  set('job-pending', pending.toLocaleString('en-US'));
  set('job-failed', failed.toLocaleString('en-US'));
  set('job-rate', typeof job.meanRate === 'number' && Number.isFinite(job.meanRate) ? `${formatRate(job.meanRate)}/s` : '–');
  set('job-elapsed', elapsedText(job));
  set('job-stream', job.streamOut ?? '–');
  const what = job.queryIn ?? (job.replay ? `replay ${job.replay}` : '');
  set('job-query', what);
  li.querySelector<HTMLElement>('[data-testid=job-query]')!.title = what;
  const error = job.errorMessage ?? job.error;
  const errorBox = li.querySelector<HTMLElement>('[data-testid=job-error]')!;
  const message = error === undefined || error === null || error === '' ? '' : errorText(error);
  if (message || !errorBox.textContent?.startsWith('cancel failed')) {
    errorBox.hidden = !message;
    if (errorBox.textContent !== message) errorBox.textContent = message;
  }
  li.querySelector<HTMLButtonElement>('[data-testid=job-cancel]')!.hidden = !RUNNING.has(job.stage);
}

function stageLabel(stage: string): string {
  switch (stage) {
    case 'NOT_STARTED':
      return 'queued';
    case 'IN_PROGRESS':
      return 'running';
    case 'COMPLETED_SUCCESS':
      return 'done';
    case 'COMPLETED_ERROR':
      return 'failed';
    default:
      return stage.toLowerCase().replace(/_/g, ' ');
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function timeOf(t: string | number | null | undefined): number {
  if (t === null || t === undefined) return Number.MAX_SAFE_INTEGER; // not started yet: on top
  const ms = typeof t === 'number' ? t : Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1);
}

/** The service's elapsed time (milliseconds or its own text), else measured from start to completion or now. */
function elapsedText(job: Job): string {
  if (job.stage === 'NOT_STARTED') return '–';
  if (typeof job.elapsedTime === 'string' && job.elapsedTime && Number.isNaN(Number(job.elapsedTime))) return job.elapsedTime;
  if (job.elapsedTime !== null && job.elapsedTime !== undefined && job.elapsedTime !== '') return formatMs(Number(job.elapsedTime));
  if (job.startTime === null || job.startTime === undefined) return '–';
  const start = timeOf(job.startTime);
  const end = job.completionTime ? timeOf(job.completionTime) : Date.now();
  return formatMs(Math.max(0, end - start));
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}
