// The pump's job model: one plain serializable record per job (what GET /pump/jobs answers and
// what <home>/jobs/<id>.json holds) and the state machine NOT_STARTED → IN_PROGRESS →
// COMPLETED_SUCCESS | COMPLETED_ERROR, with cancel and resume.

export const JOB_STAGES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED_SUCCESS', 'COMPLETED_ERROR'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export const JOB_VERSION = 1;

export interface Job {
  readonly version: typeof JOB_VERSION;
  readonly jobId: string;
  /** query: POST /pump/jobs (queryIn → streamOut); replay: a replay declared in a pipeline file. */
  readonly kind: 'query' | 'replay';
  readonly stage: JobStage;
  readonly queryIn: string | null;
  /** The replay's name (replay jobs). */
  readonly replay: string | null;
  readonly streamOut: string;
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn: string | null;
  readonly rawDataColumn: string | null;
  /** Records acknowledged by Kinesis, over every run of the job. */
  readonly successfulRecordCount: number;
  /** Records that were not delivered (over the size limit, or in a batch that ran out of retries). */
  readonly failureRecordCount: number;
  /** Records of the result not yet handled (total − done) while known; 0 once finished. */
  readonly pendingRecordCount: number;
  /** Rows the query (or replay SQL) returns in all; null until counted. */
  readonly totalRecordCount: number | null;
  /** Query jobs: rows of the result handled and acknowledged, in result order (what resume skips). */
  readonly emittedRowOffset: number;
  readonly submitTime: string;
  /** When the job's first run began. */
  readonly startTime: string | null;
  readonly completionTime: string | null;
  /** Milliseconds spent running, over every run. */
  readonly elapsedTime: number;
  /** successfulRecordCount per second of elapsedTime. */
  readonly meanRate: number;
  readonly error: string | null;
  /** The runtime's error code (WS7xx) when the failure has one. */
  readonly errorCode: string | null;
  /** The service stopped (or was killed) while the job ran: resume it. */
  readonly interrupted: boolean;
  readonly cancelled: boolean;
  /** Times the job was resumed. */
  readonly resumeCount: number;
}

export type JobRequest = Pick<Job, 'kind' | 'queryIn' | 'replay' | 'streamOut' | 'hasReplayFlag' | 'hasOverwriteFlag' | 'partitionKeyColumn' | 'rawDataColumn'>;

export function newJob(jobId: string, request: JobRequest, now: Date = new Date()): Job {
  return {
    version: JOB_VERSION,
    jobId,
    ...request,
    stage: 'NOT_STARTED',
    successfulRecordCount: 0,
    failureRecordCount: 0,
    pendingRecordCount: 0,
    totalRecordCount: null,
    emittedRowOffset: 0,
    submitTime: now.toISOString(),
    startTime: null,
    completionTime: null,
    elapsedTime: 0,
    meanRate: 0,
    error: null,
    errorCode: null,
    interrupted: false,
    cancelled: false,
    resumeCount: 0,
  };
}

export function isFinished(job: Job): boolean {
  return job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR';
}

/** A job that ended without completing: interrupted, cancelled or failed (a failed run resumes from its position too). */
export function isResumable(job: Job): boolean {
  return job.stage === 'COMPLETED_ERROR';
}

export const INTERRUPTED = 'interrupted';
export const CANCELLED = 'cancelled';

/** What a job record loaded after a restart becomes: a run that was going is interrupted. */
export function afterRestart(job: Job, now: Date = new Date()): Job {
  if (job.stage !== 'IN_PROGRESS') return job;
  return { ...job, stage: 'COMPLETED_ERROR', error: INTERRUPTED, errorCode: null, interrupted: true, completionTime: now.toISOString() };
}

export function meanRate(successful: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((successful * 1000 * 100) / elapsedMs) / 100 : 0;
}
