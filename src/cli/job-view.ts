// How `wshed jobs` shows jobs and replays to a person: the one summary line a job, the jobs table
// and the replays table. The API keeps the original pump's stages; a job that ended in
// COMPLETED_ERROR because it was cancelled or interrupted is shown as such, not as failed.

import { printable } from '../runtime/printable-text.ts';
import { formatCount, formatDuration, formatPerSecond } from '../compiler/format-numbers.ts';
import { jobError, type PumpJob, type PumpReplay } from './pump-client.ts';

export type ShownStage = PumpJob['stage'] | 'CANCELLED' | 'INTERRUPTED';

export function shownStage(job: PumpJob): ShownStage {
  if (job.stage === 'COMPLETED_ERROR' && job.cancelled === true) return 'CANCELLED';
  if (job.stage === 'COMPLETED_ERROR' && job.interrupted === true) return 'INTERRUPTED';
  return job.stage;
}

/** The job failed (not cancelled, not interrupted): its error, on one printable line. */
export function failure(job: PumpJob): string | undefined {
  if (shownStage(job) !== 'COMPLETED_ERROR') return undefined;
  return printable(jobError(job) ?? 'the service gave no reason');
}

/** `jobId: STAGE into STREAM (elapsed, rate) N successful, N failed, N pending`, then `: error` for a failed job. */
export function summaryLine(job: PumpJob): string {
  const elapsed = elapsedMs(job);
  const into = typeof job.streamOut === 'string' ? ` into ${printable(job.streamOut)}` : '';
  const error = failure(job);
  return (
    `${job.jobId}: ${shownStage(job)}${into} (${elapsed === undefined ? '-' : formatDuration(elapsed)}, ${rate(job, elapsed)}) ` +
    `${formatCount(job.successfulRecordCount ?? 0)} successful, ${formatCount(job.failureRecordCount ?? 0)} failed, ${formatCount(job.pendingRecordCount ?? 0)} pending` +
    (error !== undefined ? `: ${error}` : '')
  );
}

const ERROR_WIDTH = 60;

/** The jobs as a table: id, stage, stream, records, rate, started, error. */
export function jobsTable(jobs: readonly PumpJob[]): string {
  const rows = jobs.map((job) => {
    const elapsed = elapsedMs(job);
    const total = typeof job.totalRecordCount === 'number' ? job.totalRecordCount : null;
    const records = formatCount(job.successfulRecordCount ?? 0) + (total !== null && shownStage(job) !== 'COMPLETED_SUCCESS' ? ` of ${formatCount(total)}` : '');
    const error = failure(job) ?? '';
    return [
      job.jobId,
      shownStage(job),
      printable(typeof job.streamOut === 'string' ? job.streamOut : '-'),
      records + (job.failureRecordCount > 0 ? ` (${formatCount(job.failureRecordCount)} failed)` : ''),
      rate(job, elapsed),
      started(job.startTime),
      error.length > ERROR_WIDTH ? `${error.slice(0, ERROR_WIDTH - 1)}…` : error,
    ];
  });
  return table(['id', 'stage', 'stream', 'records', 'rate', 'started', 'error'], rows, [false, false, false, true, true, false, false], jobs.length === 1 ? '1 job' : `${formatCount(jobs.length)} jobs`);
}

export function replaysTable(replays: readonly PumpReplay[]): string {
  const rows = replays.map((r) => [printable(r.name), printable(r.reservoir), printable(r.streamOut)]);
  return table(['name', 'from reservoir', 'into stream'], rows, [false, false, false], replays.length === 1 ? '1 replay' : `${formatCount(replays.length)} replays`);
}

function table(header: readonly string[], rows: readonly string[][], right: readonly boolean[], count: string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), `(${count})`].join('\n') + '\n';
}

function rate(job: PumpJob, elapsed: number | undefined): string {
  if (typeof job.meanRate === 'number' && Number.isFinite(job.meanRate)) return formatPerSecond(job.meanRate);
  if (elapsed !== undefined && elapsed > 0) return formatPerSecond((job.successfulRecordCount * 1000) / elapsed);
  return formatPerSecond(NaN);
}

/** `2026-12-01 09:40:08` UTC, or `-` before the job has started. */
function started(v: PumpJob['startTime']): string {
  const t = instant(v);
  return t === undefined ? '-' : new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

/** elapsedTime when the service gives it, else from the start time to completion (or now). */
function elapsedMs(job: PumpJob): number | undefined {
  if (typeof job.elapsedTime === 'number' && Number.isFinite(job.elapsedTime)) return job.elapsedTime;
  const start = instant(job.startTime);
  if (start === undefined) return undefined;
  return (instant(job.completionTime) ?? Date.now()) - start;
}

function instant(v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}
