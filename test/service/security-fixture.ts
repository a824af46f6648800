// Shared by the service's security, bounds and HTTP-edge tests: a real local Kinesis, a reservoir
// the real archiver filled, the plan that serves it, the service on an ephemeral port, and raw
// HTTP requests whose every header (Host, Origin, Content-Type) the test chooses.

import * as assert from 'uvu/assert';
import http from 'node:http';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { startPumpServer, type PumpServer, type PumpServerOptions } from '../../src/service/server.ts';
import { archiveStep, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

export interface ServiceFixture {
  readonly dir: TempDir;
  readonly kinesis: TestKinesis;
  readonly plan: Plan;
  /** The reservoir's folder (the one place a served query may read). */
  readonly root: string;
  /** A stream jobs may emit into. */
  readonly out: string;
  serve(options?: Partial<PumpServerOptions>): Promise<PumpServer>;
  close(): Promise<void>;
}

export const RECORDS = 40;

export async function startFixture(name: string): Promise<ServiceFixture> {
  const kinesis = await startTestKinesis();
  const dir = await tempDir(`wshed-${name}-`);
  const writer: StreamService = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  const source = `${name}_src_${process.pid}`;
  const out = `${name}_out_${process.pid}`;
  const root = path.join(dir.path, 'reservoir');
  await kinesis.streams.ensureStream(source, 1, 24);
  await kinesis.streams.ensureStream(out, 1, 24);
  await putAllRecords(kinesis.streams, source, Array.from({ length: RECORDS }, (_, n) => ({ partitionKey: `k${n}`, data: Buffer.from(JSON.stringify({ order_id: n, status: n % 2 ? 'open' : 'shipped' })) })));
  await archiveReservoir(archiveStep('orders_archive', source, root), { streams: kinesis.streams });
  const text = `stream ${source} { shards 1 }\nreservoir orders_archive { from stream ${source} at "${root}" }\n`;
  const config = { target: 'local' as const, kinesisPort: kinesis.port, home: path.join(dir.path, 'home'), duckdb: { threads: 1, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 1, maxRetries: 5 } };
  const compiled = compile({ path: path.join(dir.path, 'orders.wshed'), text }, { config, now: new Date() });
  if (!compiled.plan) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  const plan = compiled.plan;
  const servers: PumpServer[] = [];
  let homes = 0;
  return {
    dir,
    kinesis,
    plan,
    root,
    out,
    async serve(options = {}) {
      const server = await startPumpServer({
        plan,
        cwd: dir.path,
        home: path.join(dir.path, `home-${++homes}`),
        streams: kinesis.streams,
        destination: writer,
        duckdb: { threads: 1, memoryLimit: '256MB' },
        shardBudgetFraction: 1,
        maxRetries: 5,
        port: 0,
        webRoot: path.join(dir.path, 'web'),
        ...options,
      });
      servers.push(server);
      return server;
    },
    async close() {
      for (const s of servers) await s.close();
      writer.close();
      await kinesis.close();
      await dir.remove();
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly json: any;
}

/**
 * One HTTP request with exactly the headers given (Host defaults to the service's address, as a
 * browser on that address would send it; `host: null` sends none).
 */
export function raw(
  server: PumpServer,
  method: string,
  route: string,
  options: { headers?: Record<string, string | null>; body?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(server.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ host: url.host, ...(options.headers ?? {}) })) if (v !== null) headers[k] = v;
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: route, headers, setHost: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        if (res.headers['content-type']?.includes('json') && text !== '') json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A JSON POST as the page and the CLI send it. */
export function postJson(server: PumpServer, route: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(server, 'POST', route, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export async function jobCount(server: PumpServer): Promise<number> {
  const answer = await raw(server, 'GET', '/pump/jobs');
  assert.is(answer.status, 200);
  return (answer.json as unknown[]).length;
}
