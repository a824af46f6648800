// `wshed jobs` as a user runs it (bin/wshed.js in a child process) against the real job service
// (startPumpServer) over a real local Kinesis and a reservoir the real archiver filled.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/compiler/compile.ts';
import { validateTargetConfig } from '../../src/compiler/config/validate.ts';
import type { ArchiveStep } from '../../src/compiler/plan/types.ts';
import type { LocalTargetConfig } from '../../src/compiler/target-config.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readShard } from '../../src/runtime/kinesis/shard-reader.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { startPumpServer, type PumpServer } from '../../src/service/server.ts';
import { jsonEntries, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/wshed.js');
const TOKEN = 'test-token-not-a-secret';
const ARCHIVED = 300;
const SUMMARY = /^([\w-]+): (COMPLETED_SUCCESS|COMPLETED_ERROR|IN_PROGRESS|NOT_STARTED) \((\d+ ms|\d+\.\d s), ([\d,]+) records\/s\) ([\d,]+) successful, ([\d,]+) failed, ([\d,]+) pending$/;

let kinesis: TestKinesis;
let destination: StreamService;
let dir: TempDir;
let server: PumpServer;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `wshed jobs ARGS` in a child process, asynchronously: the service answers from this process. */
function jobs(args: string[], options: { token?: string | null; server?: string | null; env?: Record<string, string> } = {}): Promise<Run> {
  const token = options.token === undefined ? TOKEN : options.token;
  const address = options.server === undefined ? server.url : options.server;
  const all = ['jobs', ...args, ...(address === null ? [] : ['--server', address]), ...(token === null ? [] : ['--token', token])];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...all],
      { cwd: dir.path, timeout: 60_000, env: { ...process.env, WSHED_TOKEN: '', WSHED_SERVER: '', FORCE_COLOR: '0', ...options.env } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

const noStack = (r: Run) => assert.not.match(r.stderr, /\n\s+at /, `a stack trace:\n${r.stderr}`);

test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-jobs-');
  const reservoir = path.join(dir.path, 'reservoir');
  const file = path.join(dir.path, 'orders.wshed');
  await fs.writeFile(file, ['stream orders { shards 2 }', 'stream pumped { shards 2 }', `reservoir orders_archive { from stream orders at "${reservoir}" }`, ''].join('\n'));
  const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile(path.join(ROOT, 'conf/local.json'), 'utf8'))).config as LocalTargetConfig;
  const { plan, diagnostics } = compile({ path: file, text: await fs.readFile(file, 'utf8') }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));

  await kinesis.streams.ensureStream('orders', 2, 24);
  await kinesis.streams.ensureStream('pumped', 2, 24);
  await putAllRecords(kinesis.streams, 'orders', jsonEntries(ARCHIVED));
  const archived = await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams: kinesis.streams });
  assert.is(archived.records, ARCHIVED);

  destination = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  server = await startPumpServer({
    plan,
    cwd: dir.path,
    home: path.join(dir.path, '.wshed'),
    streams: kinesis.streams,
    destination,
    duckdb: config.duckdb,
    shardBudgetFraction: config.replay.shardBudgetFraction,
    maxRetries: config.replay.maxRetries,
    port: 0,
    token: TOKEN,
    concurrency: 2,
  });
});

test.after(async () => {
  await server?.close();
  destination?.close();
  await kinesis?.close();
  await dir?.remove();
});

test('create -r -p follows the job to COMPLETED_SUCCESS and prints the job JSON, exit 0', async () => {
  const r = await jobs(['create', '-q', 'SELECT * FROM orders_archive', '-s', 'pumped', '-r', '-p']);
  assert.is(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.is(job.stage, 'COMPLETED_SUCCESS');
  assert.is(job.successfulRecordCount, ARCHIVED);
  assert.is(job.failureRecordCount, 0);
  assert.is(job.pendingRecordCount, 0);
  assert.is(job.hasReplayFlag, true);
  assert.is(job.streamOut, 'pumped');
  // What the job reported is what the stream holds: every archived record, once.
  const sent = await streamRecords('pumped');
  assert.is(sent.length, ARCHIVED);
  assert.is(new Set(sent.map((d) => JSON.parse(d).n)).size, ARCHIVED);
});

/** The data of every record in a stream, from its oldest (the stream is read to its tip). */
async function streamRecords(stream: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await kinesis.streams.listShards(stream)) {
    for await (const page of readShard(kinesis.streams, stream, shard.shardId, { from: { kind: 'trim-horizon' } })) {
      for (const record of page.records) out.push(record.data.toString('utf8'));
    }
  }
  return out;
}

test('create -p -t prints the one summary line: jobId: stage (elapsed, rate) N successful, N failed, N pending', async () => {
  const r = await jobs(['create', '-q', "SELECT * FROM orders_archive WHERE CAST(payload.n AS INTEGER) < 100", '-s', 'pumped', '-o', '-p', '-t']);
  assert.is(r.code, 0, r.stderr);
  const line = r.stdout.trimEnd();
  assert.not.match(line, /\n/);
  const m = SUMMARY.exec(line);
  assert.ok(m, `not a summary line: ${line}`);
  assert.is(m![2], 'COMPLETED_SUCCESS');
  assert.is(m![5], '100');
  assert.is(m![6], '0');
  assert.is(m![7], '0');

  // get -t of the same job answers the same line (a finished job no longer changes).
  const again = await jobs(['get', '--id', m![1], '-t']);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout.trimEnd(), line);
});

test('list prints every job as JSON; list -t one summary line a job', async () => {
  const r = await jobs(['list']);
  assert.is(r.code, 0, r.stderr);
  const all = JSON.parse(r.stdout) as { jobId: string; stage: string }[];
  assert.ok(all.length >= 2, `jobs: ${all.length}`);
  const t = await jobs(['list', '-t']);
  assert.is(t.code, 0, t.stderr);
  const lines = t.stdout.trimEnd().split('\n');
  assert.is(lines.length, all.length);
  for (const line of lines) assert.match(line, SUMMARY);
  for (const job of all) assert.ok(lines.some((l) => l.startsWith(`${job.jobId}: ${job.stage} (`)), `no line for ${job.jobId}`);
});

test('$WSHED_SERVER and $WSHED_TOKEN stand in for --server and --token', async () => {
  const r = await jobs(['list', '-t'], { server: null, token: null, env: { WSHED_SERVER: server.url, WSHED_TOKEN: TOKEN } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /: COMPLETED_SUCCESS \(/);
});

test('get of an unknown id fails with the service message, no stack trace', async () => {
  const r = await jobs(['get', '--id', 'no-such-job']);
  assert.is.not(r.code, 0);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^wshed: no job 'no-such-job' \(HTTP 404\)\n$/);
  noStack(r);
});

test('a wrong or missing token fails with the 401 message and never prints the token', async () => {
  const wrong = await jobs(['list'], { token: 'wrong-token' });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /401/);
  assert.match(wrong.stderr, /--token or \$WSHED_TOKEN/);
  assert.not.match(wrong.stderr + wrong.stdout, /wrong-token/);
  noStack(wrong);
  const missing = await jobs(['list'], { token: null });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /401/);
});

test('preview prints the first N rows as a table and the total on stderr; --json the answer', async () => {
  const sql = 'SELECT CAST(payload.n AS INTEGER) AS n, payload.name AS name FROM orders_archive ORDER BY n';
  const r = await jobs(['preview', '-q', sql, '-n', '3']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ n\s*\| name$/);
  assert.match(lines[2], /^ +0 \| record 0$/);
  assert.match(lines[4], /^ +2 \| record 2$/);
  assert.is(lines[5], '(3 rows)');
  assert.match(r.stderr, new RegExp(`^3 of ${ARCHIVED} rows\\n$`));

  const j = await jobs(['preview', '-q', sql, '-n', '2', '--json']);
  assert.is(j.code, 0, j.stderr);
  const answer = JSON.parse(j.stdout);
  assert.is(answer.count, ARCHIVED);
  assert.equal(answer.rows, [{ n: 0, name: 'record 0' }, { n: 1, name: 'record 1' }]);
});

test('a job whose SQL fails at run time ends COMPLETED_ERROR: its error on stderr, exit 1', async () => {
  const r = await jobs(['create', '-q', "SELECT CAST(payload.name AS INTEGER) AS n FROM orders_archive", '-s', 'pumped', '-p', '-t']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout.trimEnd(), SUMMARY);
  assert.match(r.stdout, /: COMPLETED_ERROR \(/);
  assert.match(r.stderr, /^wshed: job [\w-]+ failed: .*(Conversion|convert|cast)/i);
  noStack(r);
});

test('SQL that does not parse is refused up front with DuckDB message (input: exit 2), no job made', async () => {
  const before = JSON.parse((await jobs(['list'])).stdout).length;
  const r = await jobs(['create', '-q', 'SELEC nonsense FROM', '-s', 'pumped', '-p']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^wshed: queryIn: Parser Error: syntax error at or near "SELEC" \(HTTP 400\)\n/);
  assert.match(r.stderr, /LINE 1: SELEC nonsense FROM/);
  noStack(r);
  assert.is(JSON.parse((await jobs(['list'])).stdout).length, before);
});

test('no service at the address: one line saying so and how to start it, exit 1', async () => {
  const r = await jobs(['list'], { server: await closedPort() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^wshed: the job service is not running at http:\/\/127\.0\.0\.1:\d+ \(connection refused\); start it with 'wshed serve FILE'/);
  assert.is(r.stderr.trimEnd().split('\n').length, 1);
});

/** A loopback port nothing listens on: bind one, then free it. */
async function closedPort(): Promise<string> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

test.run();
