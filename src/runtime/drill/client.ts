// Drill's REST API as the engine uses it (docs/drill-rest.md): a query submitted to
// `POST /query.json` and its answer read as it streams, a bounded piece at a time; a query's
// profile (the message of a failure that came after rows); cancelling a running query.

import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { RuntimeError } from '../runtime-error.ts';
import { NETWORK, systemFailureOf } from '../world-failure.ts';

/** Session options every query is sent with (docs/drill-rest.md, "Pitfalls found"). */
export const DEFAULT_QUERY_OPTIONS: Readonly<Record<string, unknown>> = {
  // Without it a failed query carries no message at all.
  'drill.exec.http.rest.errors.verbose': true,
  // The v2 reader returns a whole map column as nulls past the first file.
  'store.json.enable_v2_reader': false,
};

/**
 * How much of an answer is read ahead of the consumer (the socket's and the response's buffer):
 * Drill goes on writing while a batch of rows is turned into output, instead of waiting on a full
 * socket for the next read (at the default 16 KiB it waited after every few rows). Bounded: a
 * slow reader still stops Drill, a few MiB later.
 */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

/** What every query of a session is sent with. */
export interface DrillSession {
  /** Session options (any ALTER SESSION option), beside DEFAULT_QUERY_OPTIONS. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The schema unqualified names resolve in (`plugin.workspace`). */
  readonly defaultSchema?: string;
}

export interface DrillAnswer {
  readonly status: number;
  /** The body a piece at a time; pieces are read only as fast as they are asked for. */
  readonly body: AsyncIterable<string>;
  /** Stops reading and closes the connection. */
  abort(): void;
}

export class DrillClient {
  /** The URL as shown to users: never with the credentials it may have been given with. */
  readonly url: string;
  private readonly base: URL;
  private readonly authorization: string | null;

  constructor(url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RuntimeError('WS851', { url: redact(url), why: 'it is not a URL' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RuntimeError('WS851', { url: redact(url), why: `it must start with http:// or https://, not ${parsed.protocol}//` });
    }
    this.authorization =
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
        : null;
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    this.base = parsed;
    this.url = parsed.toString().replace(/\/+$/, '');
  }

  /** Submits one SQL statement; the answer's body streams (HTTP 200 even when the query fails). */
  /**
   * Drill sends the answer's headers only with the first rows (or the failure), so a query that
   * sorts a lot is pending here a long time: `signal` drops the request while it waits, too.
   */
  async submit(sql: string, session: DrillSession, signal?: AbortSignal): Promise<DrillAnswer> {
    const body = {
      queryType: 'SQL',
      query: sql,
      ...(session.defaultSchema ? { defaultSchema: session.defaultSchema } : {}),
      options: { ...DEFAULT_QUERY_OPTIONS, ...session.options },
    };
    const answer = await this.request('POST', '/query.json', body, 'a query', signal);
    if (answer.status !== 200) throw await this.refused(answer, 'a query');
    return answer;
  }

  /** A query's profile as JSON (`GET /profiles/{id}.json`), or null when Drill has none. */
  async profile(queryId: string): Promise<Record<string, unknown> | null> {
    const answer = await this.request('GET', `/profiles/${encodeURIComponent(queryId)}.json`, undefined, 'a profile request');
    const text = await readAll(answer, 64 * 1024 * 1024);
    if (answer.status !== 200) return null;
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  /** Running queries (`GET /profiles.json`): their ids and text. */
  async running(): Promise<{ queryId: string; query: string }[]> {
    const answer = await this.request('GET', '/profiles.json', undefined, 'a profiles request');
    const text = await readAll(answer, 64 * 1024 * 1024);
    if (answer.status !== 200) return [];
    const list = (JSON.parse(text) as { runningQueries?: { queryId?: unknown; query?: unknown }[] }).runningQueries ?? [];
    return list.flatMap((q) => (typeof q.queryId === 'string' && typeof q.query === 'string' ? [{ queryId: q.queryId, query: q.query }] : []));
  }

  /** A storage plugin's configuration (`GET /storage/{name}.json`), or null when there is none. */
  async storagePlugin(name: string): Promise<Record<string, unknown> | null> {
    const answer = await this.request('GET', `/storage/${encodeURIComponent(name)}.json`, undefined, 'a storage plugin request');
    if (answer.status !== 200) throw await this.refused(answer, 'a storage plugin request');
    const config = (JSON.parse(await readAll(answer, 16 * 1024 * 1024)) as { config?: Record<string, unknown> | null }).config;
    return config ?? null;
  }

  /** Creates or replaces a storage plugin (`POST /storage/{name}.json`). */
  async putStoragePlugin(name: string, config: Record<string, unknown>): Promise<void> {
    const answer = await this.request('POST', `/storage/${encodeURIComponent(name)}.json`, { name, config }, 'a storage plugin update');
    const text = await readAll(answer, 1024 * 1024);
    if (answer.status !== 200 || !text.includes('Success')) {
      throw new RuntimeError('WS852', { url: this.url, status: answer.status, what: `saving storage plugin '${name}'`, text: text.replace(/\s+/g, ' ').trim().slice(0, 300) });
    }
  }

  /** Asks Drill to cancel a running query (`GET /profiles/cancel/{id}`). */
  async cancel(queryId: string): Promise<void> {
    // The endpoint answers text/plain only: an Accept of application/json gets HTTP 406 and no cancel.
    const answer = await this.request('GET', `/profiles/cancel/${encodeURIComponent(queryId)}`, undefined, 'a cancel request', undefined, 'text/plain');
    if (answer.status !== 200) throw await this.refused(answer, 'a cancel request');
    await readAll(answer, 1024 * 1024);
  }

  /** The failure of a request that never reached Drill, said as such (WS850). */
  unreachable(err: unknown, during: string): RuntimeError | null {
    const failure = systemFailureOf(err);
    if (!failure) return null;
    const reason = NETWORK[failure.code] ?? failure.code;
    return new RuntimeError('WS850', { url: this.url, reason, during }, { cause: err });
  }

  private request(method: string, route: string, body: unknown, what: string, signal?: AbortSignal, accept = 'application/json'): Promise<DrillAnswer> {
    const target = new URL(this.base.pathname.replace(/\/+$/, '') + route, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Accept: accept };
    if (payload) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
    if (this.authorization) headers.Authorization = this.authorization;
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<DrillAnswer>((resolve, reject) => {
      // Node 20 takes highWaterMark here (the socket's and the response's); its types do not say so yet.
      const options: http.RequestOptions & { highWaterMark: number } = { method, headers, highWaterMark: READ_AHEAD_BYTES };
      const req = transport.request(target, options, (res) => {
        const decoder = new StringDecoder('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: (async function* () {
            for await (const piece of res as AsyncIterable<Buffer>) {
              const text = decoder.write(piece);
              if (text) yield text;
            }
            const rest = decoder.end();
            if (rest) yield rest;
          })(),
          abort: () => {
            res.destroy();
            req.destroy();
          },
        });
      });
      req.on('error', (err) => reject(this.unreachable(err, `sending ${what}`) ?? err));
      if (signal) {
        if (signal.aborted) req.destroy(new Error('dropped'));
        else signal.addEventListener('abort', () => req.destroy(new Error('dropped')), { once: true });
      }
      req.end(payload);
    });
  }

  private async refused(answer: DrillAnswer, what: string): Promise<RuntimeError> {
    const text = (await readAll(answer, 4096).catch(() => '')).replace(/\s+/g, ' ').trim();
    return new RuntimeError('WS852', { url: this.url, status: answer.status, what, text: text.slice(0, 300) || '(no text)' });
  }
}

/** The whole body of a small answer (at most `limit` characters; more is cut off). */
async function readAll(answer: DrillAnswer, limit: number): Promise<string> {
  let text = '';
  for await (const piece of answer.body) {
    text += piece;
    if (text.length >= limit) {
      answer.abort();
      break;
    }
  }
  return text;
}

/** A URL as text without the credentials it may hold (for messages about a URL that did not parse). */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
