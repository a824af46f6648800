// Downloads of a query's full result as CSV or NDJSON, streamed from DuckDB to the response as
// rows arrive (never held in the service's or the page's memory). A browser download cannot send
// the bearer token, so the page first asks for a ticket (POST /pump/downloads, a JSON write with
// the token) and then opens its URL: GET /pump/downloads/{ticket}, unguessable, used once, short-lived.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { runQuery } from '../runtime/query/run-query.ts';
import { servedQuery, type PumpContext } from './context.ts';
import { isSqlMistake, servedSqlError, sqlMistakeText } from './preview.ts';
import type { Answer } from './routes.ts';

export const DOWNLOAD_FORMATS = ['csv', 'ndjson'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/** How long a ticket can be used after it was issued. */
export const TICKET_TTL_MS = 60_000;
const TICKET_PATH = /^\/pump\/downloads\/[A-Za-z0-9_-]{20,64}$/;

interface Ticket {
  readonly sql: string;
  readonly format: DownloadFormat;
  readonly expires: number;
}

/** Tickets per served context (one service), so two services in one process never share them. */
const tickets = new WeakMap<PumpContext, Map<string, Ticket>>();

/** GET /pump/downloads/{ticket}: the ticket stands in for the token (a download cannot send one). */
export function isDownloadTicketPath(method: string, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && TICKET_PATH.test(pathname);
}

const CONTENT_TYPES: Record<DownloadFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** POST /pump/downloads `{queryIn, format}` → `{url, expiresInSeconds}`, after binding the SQL over the served views. */
export async function issueTicket(ctx: PumpContext, body: Record<string, unknown>): Promise<Answer> {
  const extra = Object.keys(body).find((k) => k !== 'queryIn' && k !== 'format');
  if (extra !== undefined) return bad(`unknown field '${extra}' (expected: queryIn, format)`, extra);
  const { queryIn, format } = body;
  if (typeof queryIn !== 'string' || queryIn.trim() === '') return bad('queryIn must be the SQL whose result to download', 'queryIn');
  if (typeof format !== 'string' || !(DOWNLOAD_FORMATS as readonly string[]).includes(format)) {
    return bad(`format must be one of ${DOWNLOAD_FORMATS.join(', ')}, not ${JSON.stringify(format)}`, 'format');
  }
  // Bound over the views now, so a mistake is this answer's 400 and not a file of JSON later.
  const mistake = await servedSqlError(ctx, queryIn);
  if (mistake) return bad(`queryIn: ${mistake}`, 'queryIn');
  const mine = ticketsOf(ctx);
  const now = Date.now();
  for (const [id, t] of mine) if (t.expires <= now) mine.delete(id);
  const id = randomBytes(24).toString('base64url');
  mine.set(id, { sql: queryIn, format: format as DownloadFormat, expires: now + TICKET_TTL_MS });
  return { status: 201, body: { url: `/pump/downloads/${id}`, format, expiresInSeconds: TICKET_TTL_MS / 1000 } };
}

/**
 * Streams the ticket's result. Errors before the first row answer as JSON; an error after it
 * breaks the connection, so the browser marks the download failed instead of keeping a cut file.
 */
export function streamDownload(ctx: PumpContext, id: string, req: IncomingMessage, res: ServerResponse): Answer | null {
  const mine = ticketsOf(ctx);
  const ticket = mine.get(id);
  // A HEAD looks without using the link up.
  if (req.method !== 'HEAD') mine.delete(id);
  if (!ticket || ticket.expires <= Date.now()) return { status: 404, body: { error: 'this download link is unknown, used or expired: download again from the page' } };
  const headers = {
    'content-type': CONTENT_TYPES[ticket.format],
    'content-disposition': `attachment; filename="query-${new Date().toISOString().replace(/[:.]/g, '-')}.${ticket.format}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return null;
  }
  let started = false;
  const out = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      if (!started) {
        started = true;
        res.writeHead(200, headers);
      }
      if (res.write(chunk)) done();
      else res.once('drain', () => done());
    },
  });
  // The browser gave up (or the user cancelled): stop DuckDB instead of reading on.
  res.on('close', () => {
    if (!res.writableFinished) out.destroy(new Error('the client closed the download'));
  });
  const served = servedQuery(ctx, ticket.sql);
  void (served.run ?? runQuery)({ ...served, format: ticket.format, out })
    .then(() => {
      if (!started) res.writeHead(200, headers);
      res.end();
    })
    .catch((err: unknown) => {
      if (started || res.headersSent) {
        res.destroy();
        return;
      }
      const status = isSqlMistake(err) ? 400 : 500;
      const text = JSON.stringify({ error: isSqlMistake(err) ? sqlMistakeText(err) : (err as Error).message }) + '\n';
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
    });
  return null;
}

function ticketsOf(ctx: PumpContext): Map<string, Ticket> {
  let mine = tickets.get(ctx);
  if (!mine) tickets.set(ctx, (mine = new Map()));
  return mine;
}

function bad(error: string, field: string): Answer {
  return { status: 400, body: { error, field } };
}
