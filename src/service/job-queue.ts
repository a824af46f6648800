// Runs jobs: a FIFO queue with a bounded number running at once, cancel (an AbortSignal the run
// honours between batches), resume, change notifications for the event streams, and the job
// records kept on disk (every stage change at once, progress at most every PROGRESS_SAVE_MS).

import { randomUUID } from 'node:crypto';
import { afterRestart, CANCELLED, INTERRUPTED, isFinished, isResumable, meanRate, newJob, type Job, type JobRequest } from './jobs.ts';
import type { JobStore } from './job-store.ts';

/** What a run may change while it goes; the queue owns stage, times and errors. */
export type JobProgress = Partial<Pick<Job, 'successfulRecordCount' | 'failureRecordCount' | 'pendingRecordCount' | 'totalRecordCount' | 'emittedRowOffset'>>;

export interface JobControl {
  readonly signal: AbortSignal;
  /** The job as it is now (resume reads its counters and offset). */
  current(): Job;
  progress(patch: JobProgress): void;
}

/** Runs one job to its end; throws on failure (a cancelled run throws once it has stopped). */
export type JobRunner = (job: Job, control: JobControl) => Promise<void>;

export type JobListener = (job: Job) => void;

const PROGRESS_SAVE_MS = 250;

interface Running {
  readonly abort: AbortController;
  /** Why it was aborted: the user cancelled, or the service is closing. */
  reason: 'cancel' | 'shutdown' | null;
  readonly startedAt: number;
  /** elapsedTime before this run. */
  readonly elapsedBefore: number;
  done: Promise<void>;
}

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<JobListener>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly lastSaved = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly store: JobStore,
    private readonly runners: Record<Job['kind'], JobRunner>,
    private readonly concurrency: number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Loads the stored jobs: one that was running is marked interrupted, one that was queued queues again. */
  async load(): Promise<void> {
    for (const stored of await this.store.loadAll((file, why) => this.log(`skipping job file ${file}: ${why}`))) {
      const job = afterRestart(stored);
      this.jobs.set(job.jobId, job);
      if (job !== stored) await this.save(job, true);
      if (job.stage === 'NOT_STARTED') this.queue.push(job.jobId);
    }
    this.pump();
  }

  list(): Job[] {
    return [...this.jobs.values()];
  }

  get(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  counts(): { queued: number; running: number; total: number } {
    return { queued: this.queue.length, running: this.running.size, total: this.jobs.size };
  }

  async submit(request: JobRequest): Promise<Job> {
    const job = newJob(randomUUID(), request);
    this.jobs.set(job.jobId, job);
    await this.save(job, true);
    this.notify(job);
    this.queue.push(job.jobId);
    this.pump();
    return this.jobs.get(job.jobId)!;
  }

  /** Cancels a queued or running job; answers the job, or why not. */
  async cancel(jobId: string): Promise<{ job: Job } | { conflict: string }> {
    const job = this.jobs.get(jobId)!;
    if (isFinished(job)) return { conflict: `job ${jobId} has already ended (${job.stage})` };
    const run = this.running.get(jobId);
    if (run) {
      run.reason ??= 'cancel';
      run.abort.abort();
      await run.done;
      return { job: this.jobs.get(jobId)! };
    }
    this.queue.splice(this.queue.indexOf(jobId), 1);
    return { job: await this.set(jobId, { stage: 'COMPLETED_ERROR', error: CANCELLED, cancelled: true, completionTime: new Date().toISOString() }, true) };
  }

  /** Queues an ended job again: it continues where it stopped. */
  async resume(jobId: string): Promise<{ job: Job } | { conflict: string }> {
    const job = this.jobs.get(jobId)!;
    if (!isResumable(job)) return { conflict: `job ${jobId} is ${job.stage}: only a job that ended in COMPLETED_ERROR (interrupted, cancelled or failed) can be resumed` };
    const resumed = await this.set(
      jobId,
      { stage: 'NOT_STARTED', error: null, errorCode: null, interrupted: false, cancelled: false, completionTime: null, resumeCount: job.resumeCount + 1 },
      true,
    );
    this.queue.push(jobId);
    this.pump();
    return { job: this.jobs.get(jobId) ?? resumed };
  }

  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops taking jobs; running ones stop after their batch in flight and are kept as interrupted. */
  async close(): Promise<void> {
    this.closing = true;
    for (const run of this.running.values()) {
      run.reason ??= 'shutdown';
      run.abort.abort();
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.all(this.saving.values());
    this.listeners.clear();
  }

  private pump(): void {
    while (!this.closing && this.running.size < this.concurrency && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
  }

  private start(jobId: string): void {
    const before = this.jobs.get(jobId)!;
    const now = new Date();
    const run: Running = { abort: new AbortController(), reason: null, startedAt: performance.now(), elapsedBefore: before.elapsedTime, done: Promise.resolve() };
    this.running.set(jobId, run);
    const elapsed = () => run.elapsedBefore + Math.round(performance.now() - run.startedAt);
    const control: JobControl = {
      signal: run.abort.signal,
      current: () => this.jobs.get(jobId)!,
      progress: (patch) => {
        const successful = patch.successfulRecordCount ?? this.jobs.get(jobId)!.successfulRecordCount;
        void this.set(jobId, { ...patch, elapsedTime: elapsed(), meanRate: meanRate(successful, elapsed()) }, false);
      },
    };
    run.done = (async () => {
      await this.set(jobId, { stage: 'IN_PROGRESS', startTime: before.startTime ?? now.toISOString() }, true);
      let outcome: Partial<Job>;
      try {
        await this.runners[before.kind](this.jobs.get(jobId)!, control);
        outcome = run.abort.signal.aborted ? this.stopped(run) : { stage: 'COMPLETED_SUCCESS', pendingRecordCount: 0 };
      } catch (err) {
        outcome = run.abort.signal.aborted
          ? this.stopped(run)
          : { stage: 'COMPLETED_ERROR', error: messageOf(err), errorCode: codeOf(err) };
      }
      const job = this.jobs.get(jobId)!;
      await this.set(
        jobId,
        { ...outcome, completionTime: new Date().toISOString(), elapsedTime: elapsed(), meanRate: meanRate(job.successfulRecordCount, elapsed()) },
        true,
      );
      this.running.delete(jobId);
      this.pump();
    })();
  }

  private stopped(run: Running): Partial<Job> {
    return run.reason === 'shutdown'
      ? { stage: 'COMPLETED_ERROR', error: INTERRUPTED, errorCode: null, interrupted: true }
      : { stage: 'COMPLETED_ERROR', error: CANCELLED, errorCode: null, cancelled: true };
  }

  private async set(jobId: string, patch: Partial<Job>, durable: boolean): Promise<Job> {
    const job = { ...this.jobs.get(jobId)!, ...patch } as Job;
    this.jobs.set(jobId, job);
    this.notify(job);
    const now = performance.now();
    if (durable || now - (this.lastSaved.get(jobId) ?? 0) >= PROGRESS_SAVE_MS) {
      this.lastSaved.set(jobId, now);
      await this.save(job, durable);
    }
    return job;
  }

  /** Writes one job's record; writes of one job never overtake each other. */
  private save(job: Job, _durable: boolean): Promise<void> {
    const previous = this.saving.get(job.jobId) ?? Promise.resolve();
    // Always the newest state: a queued write that runs late writes what the job is then.
    const next = previous.then(() => this.store.save(this.jobs.get(job.jobId) ?? job)).catch((err: unknown) => this.log(`could not save job ${job.jobId}: ${messageOf(err)}`));
    this.saving.set(job.jobId, next);
    void next.then(() => {
      if (this.saving.get(job.jobId) === next) this.saving.delete(job.jobId);
    });
    return next;
  }

  private notify(job: Job): void {
    for (const listener of this.listeners) listener(job);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^WS\d{3}$/.test(code) ? code : null;
}
