// The original pump client (nelsonw2014/watershed pump_client/PumpClient.py) against the real
// service: a client below that makes exactly its requests (paths, bodies, headers as python
// requests sends them, Host localhost) and reads exactly its fields, for its four commands
// create-job, preview-job, get-job and get-all-jobs. A field it reads that is missing fails
// the way Python does (KeyError), so a missing field cannot go unnoticed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { prettyElapsed } from '../../src/service/jobs.ts';
import { startPumpServer, type PumpServer } from '../../src/service/server.ts';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { jsonEntries, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

const ARCHIVED = 300;
let kinesis: TestKinesis;
let destination: StreamService;
let dir: TempDir;
let server: PumpServer;

class KeyError extends Error {}

/** `job["field"]` in Python: a missing key raises. */
function key(o: Record<string, unknown>, field: string): unknown {
  if (!(field in o)) throw new KeyError(`KeyError: '${field}'`);
  return o[field];
}

/** Python's str() of a JSON value, as str.format prints it. */
function py(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** What `requests` does: one HTTP/1.1 request, its default headers, the body as given. */
function request(port: number, method: 'GET' | 'POST', route: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: route,
        headers: {
          host: `localhost:${port}`,
          'user-agent': 'python-requests/2.34.2',
          'accept-encoding': 'gzip, deflate',
          accept: '*/*',
          connection: 'keep-alive',
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** PumpClient.py, line by line: what it sends, what it reads, what it prints. */
class OriginalPumpClient {
  readonly out: string[] = [];
  constructor(
    private readonly port: number,
    private readonly base = '/pump',
    private readonly pollMs = 100,
  ) {}

  private print(line: string) {
    this.out.push(line);
  }

  async getAllJobs(summaryOnly: boolean) {
    this.print('Showing all jobs...');
    const r = await request(this.port, 'GET', this.base + '/jobs');
    const jobs = JSON.parse(r.text) as Record<string, unknown>[];
    for (const job of jobs) this.printJob(job, summaryOnly);
  }

  async getJob(jobId: string, pollForProgress: boolean, summaryOnly: boolean) {
    this.print('Showing job...');
    this.print(`Job: ${jobId}`);
    for (;;) {
      const r = await request(this.port, 'GET', this.base + '/jobs/' + jobId);
      this.print(`<Response [${r.status}]>`);
      const job = JSON.parse(r.text) as Record<string, unknown>;
      if (!('jobId' in job)) throw new Error('Invalid job.');
      this.printJob(job, summaryOnly);
      if (!pollForProgress || key(job, 'stage') === 'COMPLETED_ERROR' || key(job, 'stage') === 'COMPLETED_SUCCESS') break;
      await new Promise((resolve) => setTimeout(resolve, this.pollMs)); // time.sleep(1)
    }
  }

  printJob(job: Record<string, unknown>, summaryOnly: boolean) {
    if (summaryOnly) {
      this.print(
        `${py(key(job, 'jobId'))}: ${py(key(job, 'stage'))}(${py(key(job, 'elapsedTimePretty'))}, ${py(key(job, 'meanRatePretty'))}) ${py(key(job, 'successfulRecordCount'))} successful, ${py(key(job, 'failureRecordCount'))} failed, ${py(key(job, 'pendingRecordCount'))} pending`,
      );
    } else {
      this.print(JSON.stringify(sortKeys(job), null, 4)); // json.dumps(job, sort_keys=True, indent=4)
    }
  }

  async createJob(queryIn: string, streamOut: string, pollForProgress: boolean, replayFlag: boolean, overwriteFlag: boolean) {
    this.print('Creating job...');
    this.print(`Query: ${queryIn}`);
    this.print(`Stream: ${streamOut}`);
    this.print(`Polling?: ${py(pollForProgress)}`);
    const payload = { queryIn, streamOut, hasReplayFlag: replayFlag, hasOverwriteFlag: overwriteFlag };
    const r = await request(this.port, 'POST', this.base + '/jobs', JSON.stringify(payload), { 'content-type': 'application/json' });
    const job = JSON.parse(r.text) as Record<string, unknown>;
    if (!pollForProgress) {
      this.printJob(job, true);
      return;
    }
    if (!('jobId' in job)) return;
    this.print(`Submitted job ID=${py(key(job, 'jobId'))}`);
    await this.getJob(key(job, 'jobId') as string, pollForProgress, true);
  }

  async previewJob(queryIn: string, numRecords: number) {
    this.print('Previewing job...');
    this.print(`Query: ${queryIn}`);
    this.print(`Num records: ${numRecords}`);
    const payload = { queryIn, previewCount: numRecords };
    const r = await request(this.port, 'POST', this.base + '/jobs/preview', JSON.stringify(payload), { 'content-type': 'application/json' });
    this.print(`<Response [${r.status}]>`);
    const preview = JSON.parse(r.text) as Record<string, unknown>;
    this.print('Row preview:');
    for (const row of key(preview, 'rows') as unknown[]) this.print(JSON.stringify(row));
    this.print(`Total number of rows: ${py(key(preview, 'count'))}`);
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

const SUMMARY = /^([0-9a-f-]{36}): (NOT_STARTED|IN_PROGRESS|COMPLETED_SUCCESS|COMPLETED_ERROR)\(((?:\d+ hours?, )?(?:\d+ minutes?, )?\d+\.\d{3} seconds), ((?:\d+\.\d rec\/s)|--- rec\/s)\) (\d+) successful, (\d+) failed, (\d+) pending$/;

test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-compat-');
  const reservoir = path.join(dir.path, 'reservoir');
  const text = ['stream orders { shards 2 }', 'stream pumped { shards 2 }', `reservoir orders_archive { from stream orders at "${reservoir}" }`, ''].join('\n');
  const config = { target: 'local' as const, kinesisPort: kinesis.port, home: path.join(dir.path, 'home'), duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 1, maxRetries: 5 } };
  const { plan, diagnostics } = compile({ path: path.join(dir.path, 'orders.wshed'), text }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  await kinesis.streams.ensureStream('orders', 2, 24);
  await kinesis.streams.ensureStream('pumped', 2, 24);
  await putAllRecords(kinesis.streams, 'orders', jsonEntries(ARCHIVED));
  await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams: kinesis.streams });
  destination = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  server = await startPumpServer({ plan, cwd: dir.path, home: path.join(dir.path, 'home'), streams: kinesis.streams, destination, shardBudgetFraction: 1, maxRetries: 5, port: 0, webRoot: path.join(dir.path, 'no-web') });
});

test.after(async () => {
  await server?.close();
  destination?.close();
  await kinesis?.close();
  await dir?.remove();
});

test('create-job -p: submits, then polls get-job with the summary line until the job completes', async () => {
  const client = new OriginalPumpClient(server.port);
  await client.createJob('SELECT * FROM orders_archive', 'pumped', true, true, false);
  const out = client.out;
  assert.equal(out.slice(0, 4), ['Creating job...', 'Query: SELECT * FROM orders_archive', 'Stream: pumped', 'Polling?: True']);
  const id = /^Submitted job ID=([0-9a-f-]{36})$/.exec(out[4])?.[1];
  assert.ok(id, out[4]);
  assert.equal(out.slice(5, 7), ['Showing job...', `Job: ${id}`]);
  const summaries = out.filter((l) => l.startsWith(`${id}:`));
  assert.ok(summaries.length >= 1);
  for (const line of summaries) assert.match(line, SUMMARY);
  assert.ok(out.filter((l) => l.startsWith('<Response')).every((l) => l === '<Response [200]>'));
  const last = SUMMARY.exec(summaries.at(-1)!)!;
  assert.is(last[2], 'COMPLETED_SUCCESS');
  assert.match(last[4], /^\d+\.\d rec\/s$/, 'a rate once records went out');
  assert.equal(last.slice(5), [String(ARCHIVED), '0', '0']);
  const sent = await readStream(kinesis.streams, 'pumped');
  assert.is(sent.length, ARCHIVED);
  assert.ok(sent.every((r) => (JSON.parse(r.data.toString('utf8')) as { replay?: boolean }).replay === true), 'the replay flag the client asked for');
});

test('create-job without -p prints the summary line of the job as created', async () => {
  const client = new OriginalPumpClient(server.port);
  await client.createJob('SELECT CAST(payload.n AS INTEGER) AS n, payload.name AS name, NULL AS nothing FROM orders_archive WHERE CAST(payload.n AS INTEGER) < 10 ORDER BY n', 'pumped', false, false, true);
  assert.is(client.out.length, 5);
  const m = SUMMARY.exec(client.out[4]);
  assert.ok(m, client.out[4]);
  assert.equal(m!.slice(5), ['0', '0', '0']);
  await until(async () => ((await getJson(`/pump/jobs/${m![1]}`)) as { stage: string }).stage === 'COMPLETED_SUCCESS');
  // The original pump's lastSuccessfulRow: the last acknowledged row, column → text.
  assert.equal(((await getJson(`/pump/jobs/${m![1]}`)) as { lastSuccessfulRow: unknown }).lastSuccessfulRow, { n: '9', name: 'record 9', nothing: null });
});

test('get-all-jobs -t: one summary line a job; without -t the JSON, with the original fields', async () => {
  const summary = new OriginalPumpClient(server.port);
  await summary.getAllJobs(true);
  assert.is(summary.out[0], 'Showing all jobs...');
  assert.is(summary.out.length, 3);
  for (const line of summary.out.slice(1)) assert.match(line, SUMMARY);

  const full = new OriginalPumpClient(server.port);
  await full.getAllJobs(false);
  const job = JSON.parse(full.out[1]) as Record<string, unknown>;
  for (const field of ['jobId', 'stage', 'pumpSettings', 'processingErrors', 'successfulRecordCount', 'failureRecordCount', 'pendingRecordCount', 'startTime', 'completionTime', 'elapsedTime', 'elapsedTimePretty', 'meanRate', 'meanRatePretty', 'lastSuccessfulRow']) {
    assert.ok(field in job, `the original job JSON had '${field}'`);
  }
  assert.equal(job.pumpSettings, { queryIn: 'SELECT * FROM orders_archive', streamOut: 'pumped', hasReplayFlag: true, hasOverwriteFlag: false }, 'the request as given');
  assert.equal(job.processingErrors, []);
});

test('get-job -t of a job that failed: COMPLETED_ERROR in the line, the error in processingErrors', async () => {
  const created = (await postJson('/pump/jobs', { queryIn: 'SELECT CAST(payload.name AS INTEGER) AS n FROM orders_archive', streamOut: 'pumped', hasReplayFlag: false, hasOverwriteFlag: false })) as { jobId: string };
  const client = new OriginalPumpClient(server.port);
  await client.getJob(created.jobId, true, true);
  const m = SUMMARY.exec(client.out.at(-1)!);
  assert.ok(m, client.out.at(-1));
  assert.is(m![2], 'COMPLETED_ERROR');
  const job = (await getJson(`/pump/jobs/${created.jobId}`)) as { processingErrors: { message: string }[]; error: string };
  assert.is(job.processingErrors.length, 1);
  assert.is(job.processingErrors[0].message, job.error);

  const plain = new OriginalPumpClient(server.port);
  await plain.getJob(created.jobId, false, false);
  assert.equal(plain.out.slice(0, 3), ['Showing job...', `Job: ${created.jobId}`, '<Response [200]>']);
  assert.is((JSON.parse(plain.out.slice(3).join('\n')) as { jobId: string }).jobId, created.jobId);
});

test('preview-job: the rows, then the total', async () => {
  const client = new OriginalPumpClient(server.port);
  await client.previewJob('SELECT CAST(payload.n AS INTEGER) AS n FROM orders_archive ORDER BY n', 3);
  assert.equal(client.out, [
    'Previewing job...',
    'Query: SELECT CAST(payload.n AS INTEGER) AS n FROM orders_archive ORDER BY n',
    'Num records: 3',
    '<Response [200]>',
    'Row preview:',
    '{"n":0}',
    '{"n":1}',
    '{"n":2}',
    `Total number of rows: ${ARCHIVED}`,
  ]);
});

test("elapsedTimePretty is Joda's period format of the original pump; meanRatePretty is --- before any record", () => {
  assert.is(prettyElapsed(0), '0.000 seconds');
  assert.is(prettyElapsed(63_042), '1 minute, 3.042 seconds');
  assert.is(prettyElapsed(1_000), '1.000 seconds');
  assert.is(prettyElapsed(2 * 3_600_000 + 5_007), '2 hours, 5.007 seconds');
  assert.is(prettyElapsed(3_600_000 + 2 * 60_000 + 3_004), '1 hour, 2 minutes, 3.004 seconds');
  assert.is(prettyElapsed(26 * 3_600_000), '26 hours, 0.000 seconds');
});

test('a job that has not sent a record yet reads --- rec/s', async () => {
  const r = await request(server.port, 'POST', '/pump/jobs', JSON.stringify({ queryIn: 'SELECT * FROM orders_archive WHERE false', streamOut: 'pumped', hasReplayFlag: false, hasOverwriteFlag: false }), { 'content-type': 'application/json' });
  const job = JSON.parse(r.text) as { jobId: string; meanRatePretty: string };
  assert.is(job.meanRatePretty, '--- rec/s');
  await until(async () => ((await getJson(`/pump/jobs/${job.jobId}`)) as { stage: string }).stage === 'COMPLETED_SUCCESS');
  assert.is(((await getJson(`/pump/jobs/${job.jobId}`)) as { meanRatePretty: string }).meanRatePretty, '--- rec/s', 'no record sent: still no rate');
});

async function getJson(route: string): Promise<unknown> {
  return JSON.parse((await request(server.port, 'GET', route)).text);
}

async function postJson(route: string, body: unknown): Promise<unknown> {
  return JSON.parse((await request(server.port, 'POST', route, JSON.stringify(body), { 'content-type': 'application/json' })).text);
}

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.run();
