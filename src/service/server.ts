// The pump service over node:http: binds 127.0.0.1 unless given a token, checks the bearer token
// in constant time, limits bodies, routes to routes.ts, serves the web page from WEB_ROOT, and
// owns the job queue (loaded from and saved to <home>/jobs). `startPumpServer` is what the CLI
// (`wshed serve`) and the tests use.

import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PumpContext } from './context.ts';
import { isDownloadTicketPath } from './downloads.ts';
import { checkEdge, isLoopback } from './http-edge.ts';
import { JobQueue } from './job-queue.ts';
import { JobStore } from './job-store.ts';
import { runQueryJob } from './query-job.ts';
import { runReplayJob } from './replay-job.ts';
import { matchRoute, type Answer, type RouteDeps } from './routes.ts';
import { WEB_ROOT } from './web-root.ts';
import { plural } from '../compiler/format-numbers.ts';

export interface PumpServerOptions extends PumpContext {
  /** 0 picks a free port (default 8080). */
  readonly port?: number;
  /** Default 127.0.0.1; any other address needs a token. */
  readonly host?: string;
  /** With a token every request needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Jobs that run at once (default 2); the rest wait in NOT_STARTED. */
  readonly concurrency?: number;
  /** Largest request body in bytes (default 1 MiB); larger answers 413. */
  readonly maxBodyBytes?: number;
  /** More names than the bound address that the service answers to in Host (e.g. behind a proxy): `NAME` or `NAME:PORT`. */
  readonly allowHosts?: readonly string[];
  /** A client must send its request headers within this (default 10 s), and the whole request within requestTimeoutMs (default 60 s). */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Connections open at once (default 128); more are closed as they arrive. */
  readonly maxConnections?: number;
  /** Folder of the web page (default WEB_ROOT). */
  readonly webRoot?: string;
  /** One line per notable event (never a secret); default: nothing. */
  readonly log?: (line: string) => void;
}

export interface PumpServer {
  readonly url: string;
  readonly port: number;
  /** Stops listening, ends event streams, and stops running jobs (kept as interrupted, resumable). */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_CONCURRENCY = 2;
export const MAX_BODY_BYTES = 1024 * 1024;
export const MIN_TOKEN_CHARS = 16;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;
export const MAX_CONNECTIONS = 128;

/** Why a token is too weak to guard the service, or null when it will do. */
export function tokenProblem(token: string): string | null {
  if (token.trim() === '' || token.trim().length < MIN_TOKEN_CHARS) {
    return `the token is too weak: give one of at least ${MIN_TOKEN_CHARS} characters, not spaces (e.g. --token "$(openssl rand -hex 16)")`;
  }
  return null;
}

/** A setting that keeps the service from starting (e.g. a public address without a token). */
export class PumpConfigError extends Error {}

export async function startPumpServer(options: PumpServerOptions): Promise<PumpServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? null : options.token;
  const weak = token === null ? null : tokenProblem(token);
  if (weak) throw new PumpConfigError(weak);
  if (!isLoopback(host) && token === null) {
    throw new PumpConfigError(`refusing to listen on ${host} without a token: anyone who can reach it could replay records; give --token (or bind 127.0.0.1)`);
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new PumpConfigError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  const log = options.log ?? (() => {});
  const ctx: PumpContext = options;
  const queue = new JobQueue(
    new JobStore(options.home),
    { query: (job, control) => runQueryJob(job, control, ctx), replay: (job, control) => runReplayJob(job, control, ctx) },
    concurrency,
    log,
  );
  await queue.load();

  const streams = new Set<() => void>();
  const deps: RouteDeps = {
    ctx,
    queue,
    trackStream: (close) => {
      streams.add(close);
      return () => streams.delete(close);
    },
  };
  const expected = token === null ? null : digest(token);
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const webRoot = options.webRoot ?? WEB_ROOT;

  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(headersTimeout, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  const edge = { boundAddress: host, allowHosts: options.allowHosts ?? [] };
  // Slow clients (a slowloris that never ends its headers) are cut off: node checks the timeouts
  // every connectionsCheckingInterval, so it is kept well under the timeouts themselves.
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(20, Math.min(1000, Math.floor(headersTimeout / 4))) }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug, not the caller's mistake: logged with its stack, answered without it.
      log(`${req.method} ${pathOf(req)}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, { status: 500, body: { error: `internal error: ${(err as Error).message}` } });
      else res.end();
    });
  });
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every API request needs the token. The page's own static files hold no data, and a browser
    // cannot send a bearer token when it opens a page, so they are served without it.
    const api = pathOf(req).startsWith('/pump/') || pathOf(req) === '/pump' || pathOf(req) === '/health';
    const refused = checkEdge(req, edge, api);
    if (refused) {
      req.resume();
      return send(res, { status: refused.status, body: { error: refused.error } });
    }
    // A download link stands in for the token: it is unguessable, used once and short-lived (downloads.ts).
    if (expected !== null && api && !isDownloadTicketPath(req.method ?? 'GET', pathOf(req)) && !authorized(req, expected)) {
      req.resume();
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, { status: 401, body: { error: 'missing or wrong token: send Authorization: Bearer <token>' } });
    }
    const pathname = pathOf(req);
    const method = req.method ?? 'GET';
    if (!decodable(pathname)) {
      req.resume();
      return send(res, { status: 400, body: { error: `the path ${pathname} holds a malformed percent-encoding (% must be followed by two hex digits of UTF-8)` } });
    }
    if (method === 'OPTIONS') {
      // No CORS: the page is served from this origin, and other origins get no preflight answer.
      req.resume();
      return send(res, { status: 405, body: { error: 'cross-origin requests are not served' } });
    }
    const match = pathname.startsWith('/pump/') || pathname === '/health' ? matchRoute(method, pathname) : null;
    if (match === null) {
      if (method === 'GET' || method === 'HEAD') return serveStatic(res, webRoot, pathname);
      req.resume();
      return send(res, { status: 404, body: { error: `no route ${method} ${pathname}` } });
    }
    if ('allowed' in match) {
      req.resume();
      res.setHeader('allow', match.allowed.join(', '));
      return send(res, { status: 405, body: { error: `${method} is not allowed on ${pathname} (allowed: ${match.allowed.join(', ')})` } });
    }
    const { route, params } = match;
    if (route.kind === 'stream') {
      req.resume();
      const answer = route.handle(deps, params, req, res);
      if (answer) send(res, answer);
      // HEAD answers the event stream's headers, and no events.
      else if (method === 'HEAD' && !res.writableEnded) res.end();
      return;
    }
    const body = await readBody(req, maxBody);
    if (body === null) {
      res.setHeader('connection', 'close');
      return send(res, { status: 413, body: { error: `the request body is larger than ${maxBody} bytes` } });
    }
    // checkEdge has made sure a POST says it is JSON (curl needs -H 'Content-Type: application/json').
    send(res, await route.handle(deps, params, body));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    // Not serving after all (port in use): stop the jobs it started and give up the home's lock.
    await queue.close();
    throw err;
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  log(`pump service on ${url}${token ? ' (token required)' : ''}, ${plural(concurrency, 'job')} at once, jobs in ${path.join(options.home, 'jobs')}`);

  let closing: Promise<void> | null = null;
  return {
    url,
    port: address.port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const end of [...streams]) end();
        await queue.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests (equal length whatever the input) in constant time. */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  const given = digest(m ? m[1].trim() : '');
  return timingSafeEqual(given, expected) && m !== null;
}

function decodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

/** The body as text, or null once it passes `limit` bytes (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body, null, 1) + '\n';
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>watershed pump</title>
<p>The web page is not built. Run <code>npm run build</code>, then reload. The API is at <code>/pump/jobs</code> (see docs/service.md).</p>\n`;

async function serveStatic(res: ServerResponse, root: string, pathname: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return send(res, { status: 400, body: { error: 'bad path' } });
  }
  const file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (file !== root && !file.startsWith(root + path.sep)) return send(res, { status: 404, body: { error: 'not found' } });
  const target = await fs.stat(file).then((s) => (s.isDirectory() ? path.join(file, 'index.html') : file), () => file);
  let data: Buffer;
  try {
    data = await fs.readFile(target);
  } catch {
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(NOT_BUILT) });
      res.end(NOT_BUILT);
      return;
    }
    return send(res, { status: 404, body: { error: `no route GET ${pathname}` } });
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream',
    'content-length': data.length,
    'x-content-type-options': 'nosniff',
  });
  res.end(data);
}
