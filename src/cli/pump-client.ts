// A small typed client of the job service's "pump" HTTP API (`wshed serve`), shared by
// `wshed jobs`, the tests and the load bench. Failures are data-carrying errors, never raw fetch errors.

export const PUMP_STAGES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED_SUCCESS', 'COMPLETED_ERROR'] as const;
export type PumpStage = (typeof PUMP_STAGES)[number];

/** A job as the service reports it; the service may add fields, which are kept as they come. */
export interface PumpJob {
  readonly jobId: string;
  readonly stage: PumpStage;
  readonly successfulRecordCount: number;
  readonly failureRecordCount: number;
  readonly pendingRecordCount: number;
  readonly startTime?: string | number | null;
  readonly completionTime?: string | number | null;
  /** Milliseconds since the job started (until it completed). */
  readonly elapsedTime?: number | null;
  /** Records a second over the run so far. */
  readonly meanRate?: number | null;
  readonly error?: string | null;
  readonly errorMessage?: string | null;
  /** The stream the job sends to. */
  readonly streamOut?: string;
  /** COMPLETED_ERROR because it was cancelled, or because the service stopped while it ran (this service's additions). */
  readonly cancelled?: boolean;
  readonly interrupted?: boolean;
  readonly [field: string]: unknown;
}

/** A replay a served pipeline file declares (`GET /pump/replays`). */
export interface PumpReplay {
  readonly name: string;
  readonly reservoir: string;
  readonly streamOut: string;
  readonly [field: string]: unknown;
}

export interface CreateJobRequest {
  readonly queryIn: string;
  readonly streamOut: string;
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn?: string;
  readonly rawDataColumn?: string;
}

export interface PreviewResult {
  /** Rows the query returns in all (null when the service could not count them); `rows` holds at most the requested count. */
  readonly count: number | null;
  /** The query returns more rows than were counted: `count` is a lower bound. */
  readonly countIsLowerBound?: boolean;
  /** The result's column names, in order, when the service gives them. */
  readonly columns?: readonly string[];
  readonly rows: unknown[];
}

/** The service answered with an error status; `message` is the one its JSON body holds. */
export class PumpHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** Nothing listens at the service's address (connection refused, unknown host, timeout). */
export class PumpUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly why: string,
  ) {
    super(`the job service is not running at ${url} (${why}); start it with 'wshed serve FILE' or point --server at it`);
  }
}

export const DEFAULT_PUMP_SERVER = 'http://127.0.0.1:8080';

export function isCompleted(job: Pick<PumpJob, 'stage'>): boolean {
  return job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR';
}

/** The job's error message, whichever field the service used. */
export function jobError(job: PumpJob): string | undefined {
  return (job.errorMessage ?? job.error ?? undefined) || undefined;
}

export interface PumpClientOptions {
  readonly token?: string;
  /** Per-request timeout; the service answers job reads at once, so a long wait means trouble. */
  readonly timeoutMs?: number;
}

export class PumpClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(baseUrl: string = DEFAULT_PUMP_SERVER, options: PumpClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#token = options.token || undefined;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  createJob(request: CreateJobRequest): Promise<PumpJob> {
    return this.#send<PumpJob>('POST', '/pump/jobs', request);
  }

  preview(queryIn: string, previewCount: number): Promise<PreviewResult> {
    return this.#send<PreviewResult>('POST', '/pump/jobs/preview', { queryIn, previewCount });
  }

  getJob(jobId: string): Promise<PumpJob> {
    return this.#send<PumpJob>('GET', `/pump/jobs/${encodeURIComponent(jobId)}`);
  }

  async listJobs(): Promise<PumpJob[]> {
    const body = await this.#send<PumpJob[] | { jobs: PumpJob[] }>('GET', '/pump/jobs');
    return Array.isArray(body) ? body : body.jobs;
  }

  /** Stops a queued or running job (after its batch in flight); answers it once stopped. */
  cancelJob(jobId: string): Promise<PumpJob> {
    return this.#send<PumpJob>('POST', `/pump/jobs/${encodeURIComponent(jobId)}/cancel`);
  }

  /** Queues a job that ended without completing again; it continues where it stopped. */
  resumeJob(jobId: string): Promise<PumpJob> {
    return this.#send<PumpJob>('POST', `/pump/jobs/${encodeURIComponent(jobId)}/resume`);
  }

  /** The replays the served pipeline files declare. */
  listReplays(): Promise<PumpReplay[]> {
    return this.#send<PumpReplay[]>('GET', '/pump/replays');
  }

  /** Runs a declared replay as a job. */
  runReplay(name: string): Promise<PumpJob> {
    return this.#send<PumpJob>('POST', `/pump/replays/${encodeURIComponent(name)}`);
  }

  /** The service's own health answer (`GET /health`): up, and how many jobs it holds. */
  health(): Promise<Record<string, unknown>> {
    return this.#send<Record<string, unknown>>('GET', '/health');
  }

  /** Polls the job until it completes (either way), calling `onPoll` with every reading. */
  async waitForJob(jobId: string, options: { intervalMs?: number; signal?: AbortSignal; onPoll?: (job: PumpJob) => void } = {}): Promise<PumpJob> {
    const interval = options.intervalMs ?? 500;
    for (;;) {
      const job = await this.getJob(jobId);
      options.onPoll?.(job);
      if (isCompleted(job)) return job;
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }

  async #send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // The service refuses a POST that is not JSON (a foreign page's form or text/plain): say so even without a body.
    if (body !== undefined || method === 'POST') headers['content-type'] = 'application/json';
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw new PumpUnavailableError(this.baseUrl, unreachableReason(e));
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) throw new PumpHttpError(response.status, errorMessage(json, text, response), path);
    if (json === undefined) throw new PumpHttpError(response.status, `the service answered ${method} ${path} with no JSON body`, path);
    return json as T;
  }
}

/** The message an error body holds, whatever it is called (`message`, `error`, `errorMessage`, nested `error.message`). */
function errorMessage(json: unknown, text: string, response: Response): string {
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    for (const key of ['message', 'errorMessage', 'error', 'detail']) {
      const v = o[key];
      if (typeof v === 'string' && v !== '') return v;
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
    }
  }
  const plain = text.trim().split('\n')[0]?.slice(0, 200);
  return plain || `${response.status} ${response.statusText}`.trim();
}

/** fetch wraps the socket error in `cause`; name the one a user can act on. */
function unreachableReason(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (err.name === 'TimeoutError') return 'no answer in time';
  const code = err.cause?.code ?? err.cause?.errors?.[0]?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  return code ?? err.cause?.message ?? err.message ?? String(e);
}
