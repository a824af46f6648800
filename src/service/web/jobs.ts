// The jobs panel: every job the service knows, kept live from server-sent events, or by polling
// every second when events fail or a token is set (EventSource cannot send an Authorization
// header); filtered by state; a card per job (job-card.ts) with Cancel and Resume.
/// <reference lib="dom" />

import { api, getToken, type Job } from './api.ts';
import { CARD_HTML, fillCard, jobState, type Sample } from './job-card.ts';
import { timeOf } from './format.ts';

const POLL_MS = 1000;
const MAX_SAMPLES = 64;

interface Tracked {
  job: Job;
  /** When the page got this version of the job (elapsed time moves on from there). */
  receivedAt: number;
  samples: Sample[];
}

export class JobsPanel {
  private readonly jobs = new Map<string, Tracked>();
  private events: EventSource | null = null;
  private poller: number | null = null;
  private ticker: number | null = null;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly mode: HTMLElement,
    private readonly filter: HTMLSelectElement,
  ) {
    filter.addEventListener('change', () => this.render());
  }

  /** (Re)starts live updates: events when possible, polling otherwise. */
  start(): void {
    this.stop();
    void this.refresh();
    // Elapsed time, ETA and the sparkline of running jobs move even when no event comes.
    this.ticker = window.setInterval(() => this.tick(), 1000);
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
    const now = Date.now();
    const known = this.jobs.get(job.jobId);
    const merged = { ...known?.job, ...job };
    const samples = known?.samples ?? [];
    // A resumed job starts a new run: its earlier throughput says nothing about this one.
    if (known && jobState(known.job) !== 'running' && jobState(merged) === 'running') samples.length = 0;
    if (jobState(merged) === 'running') addSample(samples, now, merged.successfulRecordCount ?? 0);
    this.jobs.set(job.jobId, { job: merged, receivedAt: now, samples });
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

  private tick(): void {
    const now = Date.now();
    // No update for a while is a throughput of zero, which the sparkline should show.
    for (const t of this.jobs.values()) if (jobState(t.job) === 'running') addSample(t.samples, now, t.job.successfulRecordCount ?? 0);
    this.render();
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
    const wanted = this.filter.value;
    const all = [...this.jobs.values()];
    const shown = all.filter((t) => wanted === 'all' || (wanted === 'active' ? ['queued', 'running'].includes(jobState(t.job)) : jobState(t.job) === wanted));
    this.empty.hidden = shown.length > 0;
    this.empty.textContent = all.length === 0 ? 'No jobs yet.' : 'No job in this state.';
    this.renderCounts(all.map((t) => jobState(t.job)));
    // Newest first; a job with neither time (not started, old service) stays on top.
    const order = (t: Tracked) => {
      const ms = timeOf(t.job.submitTime ?? t.job.startTime);
      return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
    };
    const ordered = shown.sort((a, b) => order(b) - order(a));
    const existing = new Map<string, HTMLLIElement>();
    for (const li of this.list.querySelectorAll<HTMLLIElement>('li[data-job-id]')) existing.set(li.dataset.jobId!, li);
    const now = Date.now();
    ordered.forEach((t, i) => {
      const li = existing.get(t.job.jobId) ?? this.createItem(t.job.jobId);
      existing.delete(t.job.jobId);
      fillCard(li, t.job, t.samples, t.receivedAt, now);
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
    });
    for (const li of existing.values()) li.remove();
  }

  /** The filter's options say how many jobs each state has. */
  private renderCounts(states: string[]): void {
    for (const option of this.filter.options) {
      const label = option.dataset.label ?? (option.dataset.label = option.textContent ?? option.value);
      const n = option.value === 'all' ? states.length : option.value === 'active' ? states.filter((s) => s === 'queued' || s === 'running').length : states.filter((s) => s === option.value).length;
      const text = `${label} (${n})`;
      if (option.textContent !== text) option.textContent = text;
    }
  }

  private createItem(jobId: string): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'job';
    li.dataset.jobId = jobId;
    li.dataset.testid = 'job';
    // The markup is constant; job data only ever goes in through textContent (fillCard).
    li.innerHTML = CARD_HTML;
    const action = (selector: string, verb: string, send: () => Promise<unknown>) => {
      const button = li.querySelector<HTMLButtonElement>(selector)!;
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const answer = await send();
          this.upsert(answer && typeof answer === 'object' && 'jobId' in answer ? (answer as Job) : await api.getJob(jobId));
        } catch (err) {
          const box = li.querySelector<HTMLElement>('[data-testid=job-error]')!;
          box.hidden = false;
          box.dataset.action = li.dataset.state ?? '';
          box.textContent = `${verb} failed: ${(err as Error).message}`;
        } finally {
          button.disabled = false;
        }
      });
    };
    action('.cancel', 'cancel', () => api.cancelJob(jobId));
    action('.resume', 'resume', () => api.resumeJob(jobId));
    return li;
  }
}

function addSample(samples: Sample[], at: number, sent: number): void {
  const last = samples[samples.length - 1];
  // Two updates in the same moment are one sample.
  if (last && at - last.at < 250) {
    samples[samples.length - 1] = { at: last.at, sent };
    return;
  }
  samples.push({ at, sent });
  if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
}
