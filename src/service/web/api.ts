// The pump API as the page sees it: fetch with the optional bearer token, JSON in and out, and one
// readable message for every failure (the server's own error text when it sends one).
/// <reference lib="dom" />

export type Stage = 'NOT_STARTED' | 'IN_PROGRESS' | 'COMPLETED_SUCCESS' | 'COMPLETED_ERROR' | (string & {});

export interface Job {
  readonly jobId: string;
  readonly stage: Stage;
  readonly queryIn?: string | null;
  /** Replay jobs: the replay's name in its pipeline file. */
  readonly replay?: string | null;
  readonly streamOut?: string;
  readonly successfulRecordCount?: number;
  readonly failureRecordCount?: number;
  readonly pendingRecordCount?: number;
  readonly submitTime?: string | number | null;
  readonly startTime?: string | number | null;
  readonly completionTime?: string | number | null;
  readonly elapsedTime?: string | number | null;
  readonly meanRate?: number | null;
  readonly error?: unknown;
  readonly errorMessage?: unknown;
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
  /** Rows the query returns in all; null when the service cannot count them. */
  readonly count: number | null;
  /** The result's columns in order (older services leave them out). */
  readonly columns?: string[];
  readonly rows: Record<string, unknown>[];
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

export const api = {
  health: () => call<unknown>('GET', '/health'),
  listJobs: async (): Promise<Job[]> => {
    const data = await call<Job[] | { jobs: Job[] }>('GET', '/pump/jobs');
    return Array.isArray(data) ? data : (data?.jobs ?? []);
  },
  replays: () => call<unknown>('GET', '/pump/replays'),
  getJob: (jobId: string) => call<Job>('GET', `/pump/jobs/${encodeURIComponent(jobId)}`),
  startJob: (request: JobRequest) => call<Job>('POST', '/pump/jobs', request),
  preview: (queryIn: string, previewCount: number) => call<Preview>('POST', '/pump/jobs/preview', { queryIn, previewCount }),
  cancelJob: (jobId: string) => call<unknown>('POST', `/pump/jobs/${encodeURIComponent(jobId)}/cancel`),
};
