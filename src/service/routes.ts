// The pump's HTTP API: one handler per route (paths and field names as the original pump's, plus
// replays, cancel, resume, events and health). Handlers answer with data; server.ts does the wire.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readReplayCheckpoint } from '../runtime/replay/index.ts';
import type { PumpContext } from './context.ts';
import type { JobQueue } from './job-queue.ts';
import { isSqlMistake, previewQuery, servedSqlError, sqlMistakeText } from './preview.ts';
import { findReplay } from './replay-job.ts';
import { PAGE_ROUTES } from './page-routes.ts';
import { streamJobEvents } from './sse.ts';
import { checkJobBody, checkPreviewBody, parseJsonObject } from './validate.ts';
import { replaySteps } from './context.ts';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export interface RouteDeps {
  readonly ctx: PumpContext;
  readonly queue: JobQueue;
  /** Registers an open event stream so closing the server ends it; returns its unregister. */
  readonly trackStream: (close: () => void) => () => void;
}

export type Route =
  | { readonly kind: 'json'; readonly needsBody: boolean; readonly handle: (deps: RouteDeps, params: string[], body: string) => Promise<Answer> }
  | { readonly kind: 'stream'; readonly handle: (deps: RouteDeps, params: string[], req: IncomingMessage, res: ServerResponse) => Answer | null };

export interface RouteEntry {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly route: Route;
}

const ID = '([^/]+)';
const json = (needsBody: boolean, handle: (deps: RouteDeps, params: string[], body: string) => Promise<Answer>): Route => ({ kind: 'json', needsBody, handle });
const error = (status: number, message: string, field?: string): Answer => ({ status, body: { error: message, ...(field ? { field } : {}) } });

export const ROUTES: readonly RouteEntry[] = [
  { method: 'GET', pattern: /^\/health$/, route: json(false, async ({ queue, ctx }) => ({ status: 200, body: { status: 'ok', jobs: queue.counts(), replays: replaySteps(ctx.plan).map((r) => r.name) } })) },
  { method: 'GET', pattern: /^\/pump\/jobs$/, route: json(false, async ({ queue }) => ({ status: 200, body: queue.list() })) },
  { method: 'POST', pattern: /^\/pump\/jobs$/, route: json(true, submitJob) },
  { method: 'POST', pattern: /^\/pump\/jobs\/preview$/, route: json(true, preview) },
  { method: 'GET', pattern: /^\/pump\/replays$/, route: json(false, async ({ ctx }) => ({ status: 200, body: replaySteps(ctx.plan).map((r) => ({ name: r.name, reservoir: r.reservoir, streamOut: r.into })) })) },
  { method: 'POST', pattern: new RegExp(`^/pump/replays/${ID}$`), route: json(false, submitReplay) },
  { method: 'GET', pattern: /^\/pump\/events$/, route: { kind: 'stream', handle: (deps, _p, req, res) => (streamJobEvents(req, res, deps.queue, null, deps.trackStream), null) } },
  { method: 'GET', pattern: new RegExp(`^/pump/jobs/${ID}/events$`), route: { kind: 'stream', handle: jobEvents } },
  { method: 'GET', pattern: new RegExp(`^/pump/jobs/${ID}$`), route: json(false, async ({ queue }, [id]) => withJob(queue, id, (job) => ({ status: 200, body: job }))) },
  { method: 'POST', pattern: new RegExp(`^/pump/jobs/${ID}/cancel$`), route: json(false, async ({ queue }, [id]) => withJob(queue, id, async () => conflictOr(await queue.cancel(id)))) },
  { method: 'POST', pattern: new RegExp(`^/pump/jobs/${ID}/resume$`), route: json(false, async ({ queue }, [id]) => withJob(queue, id, async () => conflictOr(await queue.resume(id)))) },
  // The web page's catalog, record previews and downloads (page-routes.ts).
  ...PAGE_ROUTES,
];

/** The route for a method and path; `allowed` lists the methods the path takes when the method is wrong. */
export function matchRoute(method: string, pathname: string): { route: Route; params: string[] } | { allowed: string[] } | null {
  const allowed: string[] = [];
  for (const entry of ROUTES) {
    const m = entry.pattern.exec(pathname);
    if (!m) continue;
    // `/pump/jobs/preview` is a POST route, not the job "preview".
    // HEAD is a GET without the body (node leaves the body out of a HEAD answer).
    if (entry.method === method || (method === 'HEAD' && entry.method === 'GET')) return { route: entry.route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    allowed.push(entry.method);
  }
  if (allowed.includes('GET')) allowed.push('HEAD');
  return allowed.length > 0 ? { allowed: [...new Set(allowed)] } : null;
}

async function withJob(queue: JobQueue, id: string, then: (job: NonNullable<ReturnType<JobQueue['get']>>) => Answer | Promise<Answer>): Promise<Answer> {
  const job = queue.get(id);
  return job ? then(job) : error(404, `no job '${id}'`);
}

function conflictOr(result: { job: unknown } | { conflict: string }): Answer {
  return 'conflict' in result ? error(409, result.conflict) : { status: 200, body: result.job };
}

async function submitJob({ ctx, queue }: RouteDeps, _params: string[], text: string): Promise<Answer> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return error(parsed.status, parsed.error, parsed.field);
  const checked = checkJobBody(parsed.value);
  if (!checked.ok) return error(checked.status, checked.error, checked.field);
  const body = checked.value;
  // Bound over the served views now, so an unknown table is the caller's 400, not a job that fails later.
  const wrong = await servedSqlError(ctx, body.queryIn);
  if (wrong) return error(400, `queryIn: ${wrong}`, 'queryIn');
  if (!(await ctx.destination.describeStream(body.streamOut))) return error(404, `stream '${body.streamOut}' does not exist`, 'streamOut');
  const job = await queue.submit({ kind: 'query', replay: null, ...body });
  return { status: 201, body: job };
}

async function preview({ ctx }: RouteDeps, _params: string[], text: string): Promise<Answer> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return error(parsed.status, parsed.error, parsed.field);
  const checked = checkPreviewBody(parsed.value);
  if (!checked.ok) return error(checked.status, checked.error, checked.field);
  try {
    return { status: 200, body: await previewQuery(ctx, checked.value.queryIn, checked.value.previewCount) };
  } catch (err) {
    // The SQL (or the data it reads) is the caller's to fix: DuckDB's message, as `wshed query` shows it.
    if (isSqlMistake(err)) return error(400, `queryIn: ${sqlMistakeText(err)}`, 'queryIn');
    throw err;
  }
}

async function submitReplay({ ctx, queue }: RouteDeps, [name]: string[]): Promise<Answer> {
  const step = findReplay(ctx, name);
  if (!step) {
    const known = replaySteps(ctx.plan).map((r) => r.name);
    return error(404, `no served pipeline file declares replay '${name}' (replays: ${known.join(', ') || 'none'})`);
  }
  if (!(await ctx.destination.describeStream(step.into))) return error(404, `stream '${step.into}' (the replay's destination) does not exist`, 'streamOut');
  const running = queue.list().find((j) => j.kind === 'replay' && j.replay === name && (j.stage === 'NOT_STARTED' || j.stage === 'IN_PROGRESS'));
  if (running) return error(409, `replay '${name}' already has job ${running.jobId} (${running.stage})`);
  const checkpoint = await readReplayCheckpoint(ctx.home, name);
  if (checkpoint && checkpoint.state !== 'completed') {
    const resumable = queue.list().find((j) => j.kind === 'replay' && j.replay === name && j.stage === 'COMPLETED_ERROR');
    const how = resumable ? `resume job ${resumable.jobId} (POST /pump/jobs/${resumable.jobId}/resume)` : `resume it with 'wshed replay FILE ${name} --resume'`;
    return error(409, `replay '${name}' has an unfinished run (${checkpoint.emitted} records acknowledged): ${how}`);
  }
  const job = await queue.submit({
    kind: 'replay',
    replay: name,
    queryIn: null,
    streamOut: step.into,
    hasReplayFlag: false,
    hasOverwriteFlag: false,
    partitionKeyColumn: null,
    rawDataColumn: null,
  });
  return { status: 201, body: job };
}

function jobEvents(deps: RouteDeps, [id]: string[], req: IncomingMessage, res: ServerResponse): Answer | null {
  if (!deps.queue.get(id)) return error(404, `no job '${id}'`);
  streamJobEvents(req, res, deps.queue, id, deps.trackStream);
  return null;
}
