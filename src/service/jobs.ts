// The pump's job model: one plain serializable record per job (what GET /pump/jobs answers and
// what <home>/jobs/<id>.json holds), with the original pump's fields and formats (Job.java:
// elapsedTimePretty, meanRatePretty, pumpSettings, processingErrors, lastSuccessfulRow), and the
// state machine NOT_STARTED → IN_PROGRESS → COMPLETED_SUCCESS | COMPLETED_ERROR, with cancel and resume.

export const JOB_STAGES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED_SUCCESS', 'COMPLETED_ERROR'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export const JOB_VERSION = 1;

/** The request a job was created from, as given (the original pump's PumpSettings); a replay job names its replay. */
export interface PumpSettings {
  readonly queryIn: string | null;
  readonly streamOut: string;
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn?: string;
  readonly rawDataColumn?: string;
  readonly replay?: string;
}

/** A failure of the job, as the original pump listed them (it kept Java exceptions). */
export interface ProcessingError {
  readonly message: string;
  readonly code: string | null;
}

export interface Job {
  readonly version: typeof JOB_VERSION;
  readonly jobId: string;
  /** Submission order: one counter for the whole home, never reused (ids are random, times tie). */
  readonly sequence: number;
  /** Queue order: taken from the same counter when the job is queued (submitted or resumed), so a restart keeps FIFO. */
  readonly queueSequence: number;
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
  /** A cancel was asked for while the job ran: it stops once the batch in flight is acknowledged. */
  readonly cancelRequested: boolean;
  /** Times the job was resumed. */
  readonly resumeCount: number;
  readonly pumpSettings: PumpSettings;
  /** Derived: elapsedTime as the original pump printed it ("1 minute, 3.042 seconds"). */
  readonly elapsedTimePretty: string;
  /** Derived: meanRate as the original pump printed it ("812.3 rec/s", "--- rec/s" before any record). */
  readonly meanRatePretty: string;
  /** Derived: the job's failure, when it has one (cancel is not a failure). */
  readonly processingErrors: readonly ProcessingError[];
  /** The last result row Kinesis acknowledged, column → text (cells cut at 1,024 characters), as the original pump kept it; null before one (and for replay jobs). Resume uses emittedRowOffset. */
  readonly lastSuccessfulRow: Readonly<Record<string, string | null>> | null;
}

/** What a job is without the fields derived from the rest (derive() adds them). */
export type JobRecord = Omit<Job, 'elapsedTimePretty' | 'meanRatePretty' | 'processingErrors'>;

export type JobRequest = Pick<Job, 'kind' | 'queryIn' | 'replay' | 'streamOut' | 'hasReplayFlag' | 'hasOverwriteFlag' | 'partitionKeyColumn' | 'rawDataColumn'>;

export function newJob(jobId: string, sequence: number, request: JobRequest, now: Date = new Date()): Job {
  return derive({
    version: JOB_VERSION,
    jobId,
    sequence,
    queueSequence: sequence,
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
    cancelRequested: false,
    resumeCount: 0,
    pumpSettings: settingsOf(request),
    lastSuccessfulRow: null,
  });
}

function settingsOf(r: JobRequest): PumpSettings {
  if (r.kind === 'replay') return { queryIn: null, streamOut: r.streamOut, hasReplayFlag: r.hasReplayFlag, hasOverwriteFlag: r.hasOverwriteFlag, replay: r.replay ?? '' };
  return {
    queryIn: r.queryIn,
    streamOut: r.streamOut,
    hasReplayFlag: r.hasReplayFlag,
    hasOverwriteFlag: r.hasOverwriteFlag,
    ...(r.partitionKeyColumn !== null ? { partitionKeyColumn: r.partitionKeyColumn } : {}),
    ...(r.rawDataColumn !== null ? { rawDataColumn: r.rawDataColumn } : {}),
  };
}

/** The job with its derived fields recomputed from the rest (every change goes through here). */
export function derive(job: JobRecord): Job {
  const failed = job.stage === 'COMPLETED_ERROR' && !job.cancelled && job.error !== null;
  return {
    ...job,
    // Records saved before the field existed lack it.
    cancelRequested: job.cancelRequested ?? false,
    elapsedTimePretty: prettyElapsed(job.elapsedTime),
    meanRatePretty: prettyRate(job),
    processingErrors: failed ? [{ message: job.error!, code: job.errorCode }] : [],
  };
}

/** Joda's period format of the original pump: hours and minutes only when not zero, seconds always, with milliseconds. */
export function prettyElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  return `${hours > 0 ? `${hours} ${hours === 1 ? 'hour' : 'hours'}, ` : ''}${minutes > 0 ? `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}, ` : ''}${seconds}.${String(millis).padStart(3, '0')} seconds`;
}

function prettyRate(job: JobRecord): string {
  const records = job.successfulRecordCount + job.failureRecordCount;
  return job.elapsedTime > 0 && records > 0 ? `${job.meanRate.toFixed(1)} rec/s` : '--- rec/s';
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
  return derive({ ...job, stage: 'COMPLETED_ERROR', error: INTERRUPTED, errorCode: null, interrupted: true, completionTime: now.toISOString() });
}

export function meanRate(successful: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((successful * 1000 * 100) / elapsedMs) / 100 : 0;
}
