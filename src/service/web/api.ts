// The pump API as the page sees it: fetch with the optional bearer token, JSON in and out, and one
// readable message for every failure (the server's own error text when it sends one).
/// <reference lib="dom" />

export type Stage = 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETED_SUCCESS' | 'COMPLETED_ERROR' | (string & {});

export interface Job {
  readonly jobId: string;
  readonly stage: Stage;
  readonly kind?: 'query' | 'replay';
  readonly queryIn?: string | null;
  /** Replay jobs: the replay's name in its pipeline file. */
  readonly replay?: string | null;
  readonly streamOut?: string;
  readonly successfulRecordCount?: number;
  readonly failureRecordCount?: number;
  readonly pendingRecordCount?: number;
  readonly totalRecordCount?: number | null;
  readonly submitTime?: string | number | null;
  readonly startTime?: string | number | null;
  readonly completionTime?: string | number | null;
  /** Milliseconds spent running, over every run. */
  readonly elapsedTime?: string | number | null;
  readonly meanRate?: number | null;
  readonly error?: unknown;
  readonly errorMessage?: unknown;
  /** The service stopped while the job ran (COMPLETED_ERROR): it can be resumed. */
  readonly interrupted?: boolean;
  /** Cancelled by a user (COMPLETED_ERROR, the original pump's stage): it can be resumed. */
  readonly cancelled?: boolean;
}

export interface JobRequest {
  readonly queryIn: string;
  readonly streamOut: string;
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn?: string;
  readonly rawDataColumn?: string;
}

export interface Preview {
  /** Rows the query returns in all (a lower bound when countIsLowerBound); null when the service cannot count them. */
  readonly count: number | null;
  readonly countIsLowerBound?: boolean;
  /** The result's columns in order (older services leave them out). */
  readonly columns?: string[];
  readonly rows: Record<string, unknown>[];
  /** Fewer rows than asked came back: the answer reached the service's byte budget (long cells are cut too). */
  readonly truncated?: boolean;
}

/** Records exactly as a job would emit them (POST /pump/records/preview, GET /pump/replays/{name}/preview). */
export interface EmitPreview {
  readonly streamOut: string;
  readonly records: { readonly partitionKey: string; readonly shardId: string; readonly data: string }[];
  readonly count: number;
  readonly countIsLowerBound: boolean;
  /** Declared replays: nothing entered the slice since the last completed run. */
  readonly upToDate?: boolean;
  /** Declared replays: rows left out because the last completed run sent them. */
  readonly alreadyReplayed?: number;
}

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  readonly kind: 'metadata' | 'field' | 'payload';
}

export interface Catalog {
  readonly reservoirs: { readonly name: string; readonly views: { name: string; role: string }[]; readonly columns: CatalogColumn[]; readonly error?: string }[];
  readonly queries: { readonly name: string; readonly sql: string }[];
  readonly replays: { readonly name: string; readonly reservoir: string; readonly source: string; readonly streamOut: string }[];
}

const TOKEN_KEY = 'wshed.pump.token';

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  // Every write is JSON, even one without fields: the service refuses other content types (they
  // are what a foreign page can send without a preflight).
  if (method === 'POST') headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined });
  } catch {
    throw new ApiError(`cannot reach the service (${method} ${path})`, 0);
  }
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text, it is the best message there is.
  }
  if (!response.ok) throw new ApiError(errorText(data) || `${response.status} ${response.statusText}`, response.status);
  return data as T;
}

/** The message of an error body, whatever shape the server gave it. */
export function errorText(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data === 'string') return data.trim();
  if (typeof data === 'object') {
    const o = data as Record<string, unknown>;
    for (const key of ['errorMessage', 'message', 'error', 'detail']) {
      const v = o[key];
      if (typeof v === 'string' && v) return o.hint && typeof o.hint === 'string' ? `${v}\n${o.hint}` : v;
      if (v && typeof v === 'object') return errorText(v);
    }
    return JSON.stringify(data);
  }
  return String(data);
}

const job = (id: string) => `/pump/jobs/${encodeURIComponent(id)}`;
const replay = (name: string) => `/pump/replays/${encodeURIComponent(name)}`;

export const api = {
  health: () => call<unknown>('GET', '/health'),
  catalog: () => call<Catalog>('GET', '/pump/catalog'),
  listJobs: async (): Promise<Job[]> => {
    const data = await call<Job[] | { jobs: Job[] }>('GET', '/pump/jobs');
    return Array.isArray(data) ? data : (data?.jobs ?? []);
  },
  getJob: (jobId: string) => call<Job>('GET', job(jobId)),
  startJob: (request: JobRequest) => call<Job>('POST', '/pump/jobs', request),
  preview: (queryIn: string, previewCount: number) => call<Preview>('POST', '/pump/jobs/preview', { queryIn, previewCount }),
  previewRecords: (request: JobRequest, previewCount: number) => call<EmitPreview>('POST', '/pump/records/preview', { ...request, previewCount }),
  previewReplay: (name: string) => call<EmitPreview>('GET', `${replay(name)}/preview`),
  startReplay: (name: string) => call<Job>('POST', replay(name)),
  cancelJob: (jobId: string) => call<unknown>('POST', `${job(jobId)}/cancel`),
  resumeJob: (jobId: string) => call<Job>('POST', `${job(jobId)}/resume`),
  /** A one-use link that streams the full result (the browser downloads it; no token needed). */
  download: (queryIn: string, format: 'csv' | 'ndjson') => call<{ url: string }>('POST', '/pump/downloads', { queryIn, format }),
};
