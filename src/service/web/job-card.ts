// One job's card: what state it is in (queued, running, done, failed, cancelled, interrupted),
// its counts, start time, elapsed time, ETA and a throughput sparkline while it runs, and the
// Cancel or Resume it allows. Job data goes in through textContent only.
/// <reference lib="dom" />

import { errorText, type Job } from './api.ts';
import { clock, duration, rate, timeOf } from './format.ts';

/** What a user calls a job's state; the API keeps the original pump's four stages plus flags. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export function jobState(job: Job): JobState {
  switch (job.stage) {
    case 'NOT_STARTED':
      return 'queued';
    case 'IN_PROGRESS':
      return 'running';
    case 'COMPLETED_SUCCESS':
      return 'done';
    default:
      return job.cancelled ? 'cancelled' : job.interrupted ? 'interrupted' : 'failed';
  }
}

/** Records sent over time, sampled as updates arrive, for the sparkline and the ETA. */
export interface Sample {
  readonly at: number;
  readonly sent: number;
}

const SPARK_POINTS = 30;
/** The ETA uses the throughput over about this much recent time. */
const ETA_WINDOW_MS = 10_000;

export const CARD_HTML = `<header><span class="stage" data-testid="job-stage"></span><span class="id" data-testid="job-id"></span>
  <span class="actions"><button type="button" class="cancel" data-testid="job-cancel">Cancel</button><button type="button" class="resume" data-testid="job-resume">Resume</button></span></header>
  <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" data-testid="job-progress"><div></div></div>
  <dl>
    <div><dt>sent</dt><dd data-testid="job-successful"></dd></div>
    <div><dt>pending</dt><dd data-testid="job-pending"></dd></div>
    <div><dt>failed</dt><dd data-testid="job-failed"></dd></div>
    <div><dt>rate</dt><dd data-testid="job-rate"></dd></div>
    <div><dt>started</dt><dd data-testid="job-started"></dd></div>
    <div><dt>elapsed</dt><dd data-testid="job-elapsed"></dd></div>
    <div><dt>ETA</dt><dd data-testid="job-eta"></dd></div>
    <div><dt>into</dt><dd data-testid="job-stream"></dd></div>
  </dl>
  <svg class="spark" data-testid="job-sparkline" viewBox="0 0 100 20" preserveAspectRatio="none" role="img" hidden><polyline fill="none" points=""></polyline></svg>
  <div class="query-text" data-testid="job-query"></div>
  <div class="error" data-testid="job-error" role="alert" hidden></div>`;

export function fillCard(li: HTMLElement, job: Job, samples: readonly Sample[], receivedAt: number, now = Date.now()): void {
  const ok = num(job.successfulRecordCount);
  const pending = num(job.pendingRecordCount);
  const failed = num(job.failureRecordCount);
  const total = ok + pending + failed;
  const state = jobState(job);
  const percent = total > 0 ? Math.round((ok / total) * 1000) / 10 : state === 'done' ? 100 : 0;
  li.dataset.stage = job.stage;
  li.dataset.state = state;
  const set = (id: string, text: string, title?: string) => {
    const node = li.querySelector<HTMLElement>(`[data-testid=${id}]`)!;
    if (node.textContent !== text) node.textContent = text;
    if (title !== undefined) node.title = title;
  };
  li.querySelector<HTMLElement>('[data-testid=job-stage]')!.className = `stage ${state}`;
  set('job-stage', state);
  set('job-id', job.jobId, job.jobId);
  const bar = li.querySelector<HTMLElement>('[data-testid=job-progress]')!;
  bar.setAttribute('aria-valuenow', String(percent));
  bar.setAttribute('aria-label', `job ${job.jobId}: ${percent}% sent`);
  (bar.firstElementChild as HTMLElement).style.width = `${percent}%`;
  set('job-successful', ok.toLocaleString('en-US'));
  set('job-pending', pending.toLocaleString('en-US'));
  set('job-failed', failed.toLocaleString('en-US'));
  const started = timeOf(job.startTime);
  set('job-started', Number.isNaN(started) ? '–' : clock(started, now), Number.isNaN(started) ? '' : new Date(started).toISOString());
  set('job-elapsed', elapsedText(job, state, receivedAt, now));
  set('job-eta', etaText(state, pending, samples, job, now));
  set('job-rate', typeof job.meanRate === 'number' && Number.isFinite(job.meanRate) && state !== 'queued' ? rate(job.meanRate) : '–');
  set('job-stream', job.streamOut ?? '–', job.streamOut ?? '');
  const what = job.queryIn ?? (job.replay ? `replay ${job.replay}` : '');
  set('job-query', what, what);
  drawSparkline(li.querySelector<SVGSVGElement>('[data-testid=job-sparkline]')!, state === 'running' ? samples : []);

  const errorBox = li.querySelector<HTMLElement>('[data-testid=job-error]')!;
  const error = job.errorMessage ?? job.error;
  const text = error === undefined || error === null || error === '' ? '' : errorText(error);
  // "cancelled" and "interrupted" are what the state already says, not errors.
  const message = state === 'cancelled' || text === state ? '' : text;
  // A failed Cancel/Resume request shows until the job changes state.
  if (message || errorBox.dataset.action !== state) {
    delete errorBox.dataset.action;
    errorBox.hidden = !message;
    if (errorBox.textContent !== message) errorBox.textContent = message;
  }
  li.querySelector<HTMLButtonElement>('[data-testid=job-cancel]')!.hidden = state !== 'queued' && state !== 'running';
  li.querySelector<HTMLButtonElement>('[data-testid=job-resume]')!.hidden = state !== 'interrupted' && state !== 'cancelled' && state !== 'failed';
}

/** The service's elapsed time (over every run) plus, while running, the time since that figure came. */
function elapsedText(job: Job, state: JobState, receivedAt: number, now: number): string {
  if (state === 'queued') return '–';
  const reported = Number(job.elapsedTime);
  if (job.elapsedTime !== null && job.elapsedTime !== undefined && job.elapsedTime !== '' && Number.isFinite(reported)) {
    return duration(reported + (state === 'running' ? Math.max(0, now - receivedAt) : 0));
  }
  if (typeof job.elapsedTime === 'string' && job.elapsedTime) return job.elapsedTime;
  const start = timeOf(job.startTime);
  if (Number.isNaN(start)) return '–';
  const end = timeOf(job.completionTime);
  return duration(Math.max(0, (Number.isNaN(end) ? now : end) - start));
}

/** Pending records over the recent throughput; the mean rate until there are two samples. */
function etaText(state: JobState, pending: number, samples: readonly Sample[], job: Job, now: number): string {
  if (state === 'done') return 'done';
  if (state !== 'running') return '–';
  if (pending === 0) return job.totalRecordCount === null || job.totalRecordCount === undefined ? 'counting…' : '–';
  let perMs = 0;
  const recent = samples.filter((s) => s.at >= now - ETA_WINDOW_MS);
  if (recent.length >= 2 && recent[recent.length - 1].at > recent[0].at) {
    perMs = (recent[recent.length - 1].sent - recent[0].sent) / (recent[recent.length - 1].at - recent[0].at);
  }
  if (perMs <= 0 && typeof job.meanRate === 'number' && job.meanRate > 0) perMs = job.meanRate / 1000;
  return perMs > 0 ? duration(pending / perMs) : '–';
}

/** Records per second between successive samples, scaled to the box; hidden with fewer than two rates. */
function drawSparkline(svg: SVGSVGElement, samples: readonly Sample[]): void {
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i].at - samples[i - 1].at;
    if (dt > 0) rates.push(((samples[i].sent - samples[i - 1].sent) * 1000) / dt);
  }
  const shown = rates.slice(-SPARK_POINTS);
  svg.toggleAttribute('hidden', shown.length < 2);
  svg.dataset.points = String(shown.length);
  if (shown.length < 2) return;
  const max = Math.max(...shown, 1);
  const points = shown.map((r, i) => `${((i / (shown.length - 1)) * 100).toFixed(1)},${(19 - (r / max) * 18).toFixed(1)}`).join(' ');
  svg.querySelector('polyline')!.setAttribute('points', points);
  svg.setAttribute('aria-label', `throughput, last ${shown.length} samples, up to ${rate(max)}`);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
