// Runs jobs: a FIFO queue with a bounded number running at once, cancel (an AbortSignal the run
// honours between batches), resume, change notifications for the event streams, and the job
// records kept on disk (every stage change at once, progress at most every PROGRESS_SAVE_MS).
//
// The queue is the one owner of every job's state. Each transition is decided and applied in one
// synchronous step (check the stage, change the queue or the runs, set the new record), and only
// then awaits its write, so no request can act on a state another one is in the middle of
// changing. Invariants: a job is in `queue` exactly when it is NOT_STARTED, and in `running`
// exactly while a run of it exists (registered before the run starts, removed as it ends).

import { randomUUID } from 'node:crypto';
import type { PidLock } from '../runtime/pid-lock.ts';
import { CANCELLED, derive, INTERRUPTED, isFinished, isResumable, meanRate, newJob, afterRestart, type Job, type JobRecord, type JobRequest } from './jobs.ts';
import type { JobStore } from './job-store.ts';

/** What a run may change while it goes; the queue owns stage, times and errors. */
export type JobProgress = Partial<Pick<Job, 'successfulRecordCount' | 'failureRecordCount' | 'pendingRecordCount' | 'totalRecordCount' | 'emittedRowOffset' | 'lastSuccessfulRow'>>;

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

interface Run {
  readonly abort: AbortController;
  /** Why it was aborted: the user cancelled, or the service is closing. */
  reason: 'cancel' | 'shutdown' | null;
  readonly startedAt: number;
  /** elapsedTime before this run. */
  readonly elapsedBefore: number;
  /** Settles once the run has ended and its final state is set (not necessarily written). */
  done: Promise<void>;
}

export type Outcome = { readonly job: Job } | { readonly conflict: string };

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Run>();
  private readonly listeners = new Set<JobListener>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly lastSaved = new Map<string, number>();
  private nextSequence = 1;
  private closing = false;
  private lock: PidLock | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly runners: Record<Job['kind'], JobRunner>,
    private readonly concurrency: number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * Takes the home's lock (WS780 when another service holds it), then loads the stored jobs: one
   * that was running is marked interrupted, queued ones queue again in the order they were queued.
   */
  async load(): Promise<void> {
    this.lock = await this.store.lock();
    try {
      const stored = await this.store.loadAll((file, why) => this.log(`skipping job file ${file}: ${why}`));
      const queued: Job[] = [];
      for (const record of stored) {
        const job = afterRestart(record);
        this.jobs.set(job.jobId, job);
        this.nextSequence = Math.max(this.nextSequence, job.sequence + 1, job.queueSequence + 1);
        if (job !== record) await this.save(job.jobId);
        if (job.stage === 'NOT_STARTED') queued.push(job);
      }
      this.queue.push(...queued.sort((a, b) => a.queueSequence - b.queueSequence).map((j) => j.jobId));
    } catch (err) {
      await this.lock.release();
      this.lock = null;
      throw err;
    }
    this.pump();
  }

  list(): Job[] {
    return [...this.jobs.values()];
  }

  get(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  /** Jobs waiting, runs that exist right now, and jobs known. */
  counts(): { queued: number; running: number; total: number } {
    return { queued: this.queue.length, running: this.running.size, total: this.jobs.size };
  }

  async submit(request: JobRequest): Promise<Job> {
    const sequence = this.nextSequence++;
    const job = newJob(randomUUID(), sequence, request);
    this.jobs.set(job.jobId, job);
    this.notify(job);
    this.queue.push(job.jobId);
    const saved = this.save(job.jobId);
    this.pump();
    await saved;
    return this.jobs.get(job.jobId)!;
  }

  /** Cancels a queued or running job; answers the job once it has stopped, or why not. */
  async cancel(jobId: string): Promise<Outcome> {
    const job = this.jobs.get(jobId);
    if (!job) return { conflict: `no job '${jobId}'` };
    if (isFinished(job)) return { conflict: `job ${jobId} has already ended (${job.stage}${job.cancelled ? ', cancelled' : ''})` };
    const run = this.running.get(jobId);
    if (run) {
      run.reason ??= 'cancel';
      this.set(jobId, { cancelRequested: true });
      run.abort.abort();
      await run.done;
      await this.saving.get(jobId);
      return { job: this.jobs.get(jobId)! };
    }
    // NOT_STARTED: it is in the queue (the invariant); take it out in the same step.
    const at = this.queue.indexOf(jobId);
    if (at < 0) throw new Error(`job ${jobId} is NOT_STARTED but not queued`);
    this.queue.splice(at, 1);
    this.set(jobId, { stage: 'COMPLETED_ERROR', error: CANCELLED, errorCode: null, cancelled: true, completionTime: new Date().toISOString() });
    await this.save(jobId);
    return { job: this.jobs.get(jobId)! };
  }

  /** Queues an ended job again: it continues where it stopped. */
  async resume(jobId: string): Promise<Outcome> {
    const job = this.jobs.get(jobId);
    if (!job) return { conflict: `no job '${jobId}'` };
    if (!isResumable(job)) return { conflict: `job ${jobId} is ${job.stage}: only a job that ended in COMPLETED_ERROR (interrupted, cancelled or failed) can be resumed` };
    if (this.closing) return { conflict: 'the service is stopping; resume the job once it runs again' };
    this.set(jobId, {
      stage: 'NOT_STARTED',
      error: null,
      errorCode: null,
      interrupted: false,
      cancelled: false,
      cancelRequested: false,
      completionTime: null,
      resumeCount: job.resumeCount + 1,
      queueSequence: this.nextSequence++,
    });
    this.queue.push(jobId);
    const saved = this.save(jobId);
    this.pump();
    await saved;
    return { job: this.jobs.get(jobId)! };
  }

  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops taking jobs; running ones stop after their batch in flight and are kept as interrupted. Releases the home's lock. */
  async close(): Promise<void> {
    this.closing = true;
    for (const run of this.running.values()) {
      run.reason ??= 'shutdown';
      run.abort.abort();
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.all(this.saving.values());
    this.listeners.clear();
    await this.lock?.release();
    this.lock = null;
  }

  private pump(): void {
    while (!this.closing && this.running.size < this.concurrency && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
  }

  /** Registers the run and marks the job IN_PROGRESS in one step; the runner starts once that is written. */
  private start(jobId: string): void {
    const before = this.jobs.get(jobId)!;
    if (before.stage !== 'NOT_STARTED' || this.running.has(jobId)) throw new Error(`job ${jobId} was queued while ${before.stage}`);
    const run: Run = { abort: new AbortController(), reason: null, startedAt: performance.now(), elapsedBefore: before.elapsedTime, done: Promise.resolve() };
    this.running.set(jobId, run);
    this.set(jobId, { stage: 'IN_PROGRESS', startTime: before.startTime ?? new Date().toISOString() });
    const elapsed = () => run.elapsedBefore + Math.round(performance.now() - run.startedAt);
    const control: JobControl = {
      signal: run.abort.signal,
      current: () => this.jobs.get(jobId)!,
      progress: (patch) => {
        // Only the job's own live run may report (a late call after the run ended changes nothing).
        if (this.running.get(jobId) !== run) return;
        const successful = patch.successfulRecordCount ?? this.jobs.get(jobId)!.successfulRecordCount;
        this.set(jobId, { ...patch, elapsedTime: elapsed(), meanRate: meanRate(successful, elapsed()) });
        const now = performance.now();
        if (now - (this.lastSaved.get(jobId) ?? 0) >= PROGRESS_SAVE_MS) void this.save(jobId);
      },
    };
    run.done = (async () => {
      let outcome: Partial<JobRecord>;
      try {
        await this.save(jobId);
        // Cancelled (or the service closing) before it began: nothing ran.
        if (!run.abort.signal.aborted) await this.runners[before.kind](this.jobs.get(jobId)!, control);
        outcome = run.abort.signal.aborted ? this.stopped(run) : { stage: 'COMPLETED_SUCCESS', pendingRecordCount: 0 };
      } catch (err) {
        outcome = run.abort.signal.aborted ? this.stopped(run) : { stage: 'COMPLETED_ERROR', error: messageOf(err), errorCode: codeOf(err) };
      }
      // The run ends and the job takes its final stage in one step.
      const job = this.jobs.get(jobId)!;
      this.running.delete(jobId);
      this.set(jobId, { ...outcome, completionTime: new Date().toISOString(), elapsedTime: elapsed(), meanRate: meanRate(job.successfulRecordCount, elapsed()) });
      void this.save(jobId);
      this.pump();
    })();
  }

  private stopped(run: Run): Partial<JobRecord> {
    return run.reason === 'shutdown'
      ? { stage: 'COMPLETED_ERROR', error: INTERRUPTED, errorCode: null, interrupted: true, cancelRequested: false }
      : { stage: 'COMPLETED_ERROR', error: CANCELLED, errorCode: null, cancelled: true, cancelRequested: false };
  }

  /** Applies a change to the job in memory and tells the listeners; synchronous, so a transition is one step. */
  private set(jobId: string, patch: Partial<JobRecord>): Job {
    const job = derive({ ...this.jobs.get(jobId)!, ...patch });
    this.jobs.set(jobId, job);
    this.notify(job);
    return job;
  }

  /** Writes the job's current record; writes of one job never overtake each other, and each writes the newest state. */
  private save(jobId: string): Promise<void> {
    this.lastSaved.set(jobId, performance.now());
    const previous = this.saving.get(jobId) ?? Promise.resolve();
    const next = previous
      .then(() => this.store.save(this.jobs.get(jobId)!))
      .catch((err: unknown) => this.log(`could not save job ${jobId}: ${messageOf(err)}`));
    this.saving.set(jobId, next);
    void next.then(() => {
      if (this.saving.get(jobId) === next) this.saving.delete(jobId);
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
