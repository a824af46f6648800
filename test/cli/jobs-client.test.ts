// `wshed jobs` as a user runs it (the installed CLI, dist/wshed.mjs, in a child process) against the real job service
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
import { ensureBundle } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The installed CLI (dist/wshed.mjs), rebuilt first when a source is newer.
const BIN = ensureBundle();
const TOKEN = 'test-token-not-a-secret';
const ARCHIVED = 300;
const SUMMARY = /^([\w-]+): (COMPLETED_SUCCESS|COMPLETED_ERROR|IN_PROGRESS|NOT_STARTED|CANCELLED|INTERRUPTED) into (\w+) \((\d+ ms|\d+\.\d s), ([\d,]+|-) records\/s\) ([\d,]+) successful, ([\d,]+) failed, ([\d,]+) pending(?:: (.+))?$/;

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

/** Holds the service's puts while `holding` (to keep jobs running or queued); the service itself is unchanged. */
const gate = {
  holding: false,
  waiting: [] as (() => void)[],
  service(real: StreamService): StreamService {
    return Object.assign(Object.create(real) as StreamService, {
      putRecords: async (stream: string, entries: Parameters<StreamService['putRecords']>[1]) => {
        if (gate.holding) await new Promise<void>((r) => gate.waiting.push(r));
        return real.putRecords(stream, entries);
      },
    });
  },
  release() {
    gate.holding = false;
    for (const r of gate.waiting.splice(0)) r();
  },
};

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const noStack = (r: Run) => assert.not.match(r.stderr, /\n\s+at /, `a stack trace:\n${r.stderr}`);

test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-jobs-');
  const reservoir = path.join(dir.path, 'reservoir');
  const file = path.join(dir.path, 'orders.wshed');
  await fs.writeFile(
    file,
    ['stream orders { shards 2 }', 'stream pumped { shards 2 }', 'stream replayed { shards 1 }', `reservoir orders_archive { from stream orders at "${reservoir}" }`, 'replay again from archive orders_archive into stream replayed', ''].join('\n'),
  );
  const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile(path.join(ROOT, 'conf/local.json'), 'utf8'))).config as LocalTargetConfig;
  const { plan, diagnostics } = compile({ path: file, text: await fs.readFile(file, 'utf8') }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));

  await kinesis.streams.ensureStream('orders', 2, 24);
  await kinesis.streams.ensureStream('pumped', 2, 24);
  await kinesis.streams.ensureStream('held', 2, 24);
  await kinesis.streams.ensureStream('replayed', 1, 24);
  await putAllRecords(kinesis.streams, 'orders', jsonEntries(ARCHIVED));
  const archived = await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams: kinesis.streams });
  assert.is(archived.records, ARCHIVED);

  destination = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  server = await startPumpServer({
    plan,
    cwd: dir.path,
    home: path.join(dir.path, '.wshed'),
    streams: kinesis.streams,
    destination: gate.service(destination),
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
  assert.is(m![3], 'pumped', 'the line names the stream');
  assert.is(m![6], '100');
  assert.is(m![7], '0');
  assert.is(m![8], '0');
  assert.is(m![9], undefined, 'no error part for a job that succeeded');

  // get -t of the same job answers the same line (a finished job no longer changes).
  const again = await jobs(['get', '--id', m![1], '-t']);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout.trimEnd(), line);
});

test('list prints a table (id, stage, stream, records, rate, started, error); --json the raw jobs; -t one summary line a job', async () => {
  const j = await jobs(['list', '--json']);
  assert.is(j.code, 0, j.stderr);
  const all = JSON.parse(j.stdout) as { jobId: string; stage: string; successfulRecordCount: number }[];
  assert.ok(all.length >= 2, `jobs: ${all.length}`);

  const r = await jobs(['list']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^id\s+stage\s+stream\s+records\s+rate\s+started\s+error$/);
  assert.match(lines[1], /^-+( +-+){6}$/);
  assert.is(lines.at(-1), `(${all.length} jobs)`);
  const rows = lines.slice(2, -1);
  assert.is(rows.length, all.length);
  for (const job of all) {
    const row = rows.find((l) => l.startsWith(job.jobId))!;
    assert.ok(row, `no row for ${job.jobId}`);
    assert.match(row, new RegExp(`^${job.jobId}\\s+${job.stage}\\s+pumped\\s+${job.successfulRecordCount.toLocaleString('en-US')}\\s+[\\d,]+ records/s\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`));
  }
  assert.ok(rows.some((l) => /COMPLETED_SUCCESS\s+pumped\s+300 /.test(l)), 'the whole reservoir once');

  const t = await jobs(['list', '-t']);
  assert.is(t.code, 0, t.stderr);
  const summaries = t.stdout.trimEnd().split('\n');
  assert.is(summaries.length, all.length);
  for (const line of summaries) assert.match(line, SUMMARY);
  for (const job of all) assert.ok(summaries.some((l) => l.startsWith(`${job.jobId}: ${job.stage} into pumped (`)), `no line for ${job.jobId}`);
});

test('$WSHED_SERVER and $WSHED_TOKEN stand in for --server and --token', async () => {
  const r = await jobs(['list', '-t'], { server: null, token: null, env: { WSHED_SERVER: server.url, WSHED_TOKEN: TOKEN } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /: COMPLETED_SUCCESS into pumped \(/);
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
  assert.match(wrong.stderr, /--token, --token-file or \$WSHED_TOKEN/);
  assert.not.match(wrong.stderr + wrong.stdout, /wrong-token/);
  noStack(wrong);
  const missing = await jobs(['list'], { token: null });
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /401/);
});

test('--token-file reads the token from a file (its first line); an unreadable one, or both flags, is a usage error', async () => {
  const file = path.join(dir.path, 'token-file');
  await fs.writeFile(file, `  ${TOKEN}  \nsecond line\n`, { mode: 0o600 });
  const ok = await jobs(['list', '-t', '--token-file', file], { token: null });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /: COMPLETED_SUCCESS into pumped \(/);
  const missing = await jobs(['list', '--token-file', path.join(dir.path, 'no-such-file')], { token: null });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /cannot read --token-file .*no-such-file: ENOENT/);
  const both = await jobs(['list', '--token-file', file]);
  assert.is(both.code, 2);
  assert.match(both.stderr, /give --token or --token-file, not both/);
  assert.not.match(ok.stderr + missing.stderr + both.stderr, new RegExp(TOKEN));
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
  const m = SUMMARY.exec(r.stdout.trimEnd())!;
  assert.is(m[2], 'COMPLETED_ERROR');
  assert.match(m[9] ?? '', /Conversion|convert|cast/i, 'the summary line of a failed job ends with its error');
  assert.match(r.stderr, /^wshed: job [\w-]+ failed: .*(Conversion|convert|cast)/i);
  noStack(r);
});

test('SQL that does not parse is refused up front with DuckDB message (input: exit 2), no job made', async () => {
  const before = JSON.parse((await jobs(['list', '--json'])).stdout).length;
  const r = await jobs(['create', '-q', 'SELEC nonsense FROM', '-s', 'pumped', '-p']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^wshed: queryIn: Parser Error: syntax error at or near "SELEC" \(HTTP 400\)\n/);
  assert.match(r.stderr, /LINE 1: SELEC nonsense FROM/);
  noStack(r);
  assert.is(JSON.parse((await jobs(['list', '--json'])).stdout).length, before);
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

test('cancel ID: the job shows as CANCELLED (line, table), exit 0; resume ID -p -t finishes it, each row once', async () => {
  gate.holding = true;
  const running: string[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const r = await jobs(['create', '-q', 'SELECT * FROM orders_archive', '-s', 'held']);
      assert.is(r.code, 0, r.stderr);
      running.push(JSON.parse(r.stdout).jobId);
    }
    await until('both runs to hold a batch', () => gate.waiting.length >= 2);
    const queued = JSON.parse((await jobs(['create', '-q', 'SELECT * FROM orders_archive WHERE CAST(payload.n AS INTEGER) < 10', '-s', 'held'])).stdout).jobId as string;

    const cancelled = await jobs(['cancel', queued, '-t']);
    assert.is(cancelled.code, 0, cancelled.stderr);
    const m = SUMMARY.exec(cancelled.stdout.trimEnd());
    assert.ok(m, cancelled.stdout);
    assert.equal([m![1], m![2], m![3], m![9]], [queued, 'CANCELLED', 'held', undefined]);
    const json = JSON.parse((await jobs(['get', '--id', queued])).stdout);
    assert.equal([json.stage, json.cancelled], ['COMPLETED_ERROR', true], 'the API keeps the original stage, with the flag');
    const table = (await jobs(['list'])).stdout;
    assert.match(table, new RegExp(`^${queued}\\s+CANCELLED\\s+held\\s+0\\s`, 'm'));

    const again = await jobs(['cancel', '--id', queued]);
    assert.is(again.code, 2);
    assert.match(again.stderr, /^wshed: job [\w-]+ has already ended \(COMPLETED_ERROR, cancelled\) \(HTTP 409\)\n$/);
  } finally {
    gate.release();
  }
  const resumed = await jobs(['resume', JSON.parse((await jobs(['list', '--json'])).stdout).find((j: { cancelled: boolean }) => j.cancelled).jobId, '-p', '-t']);
  assert.is(resumed.code, 0, resumed.stderr);
  const done = SUMMARY.exec(resumed.stdout.trimEnd());
  assert.ok(done, resumed.stdout);
  assert.equal([done![2], done![3], done![6]], ['COMPLETED_SUCCESS', 'held', '10']);
  for (const id of running) assert.is((await jobs(['get', '--id', id, '-p'])).code, 0);
  const sent = (await streamRecords('held')).map((d) => JSON.parse(d).n as number);
  assert.is(sent.length, 2 * ARCHIVED + 10, 'each job sent each of its rows once');
  assert.is(sent.filter((n) => n < 10).length, 3 * 10);
});

test("replays lists the served files' replays; run-replay NAME -p -t runs one as a job; an unknown name lists them", async () => {
  const r = await jobs(['replays']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n'), ['name   from reservoir  into stream', '-----  --------------  -----------', 'again  orders_archive  replayed', '(1 replay)']);
  const j = await jobs(['replays', '--json']);
  assert.equal(JSON.parse(j.stdout).map((x: { name: string; streamOut: string }) => [x.name, x.streamOut]), [['again', 'replayed']]);

  const run = await jobs(['run-replay', 'again', '-p', '-t']);
  assert.is(run.code, 0, run.stderr);
  const m = SUMMARY.exec(run.stdout.trimEnd());
  assert.ok(m, run.stdout);
  assert.equal([m![2], m![3]], ['COMPLETED_SUCCESS', 'replayed']);
  assert.ok(Number(m![6].replace(/,/g, '')) >= ARCHIVED, run.stdout);

  const unknown = await jobs(['run-replay', 'nope']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /no served pipeline file declares replay 'nope' \(replays: again\)/);
  noStack(unknown);
});

test('counts in the output have separators and the right plural: 1 of 1 row', async () => {
  const r = await jobs(['preview', '-q', 'SELECT * FROM orders_archive WHERE CAST(payload.n AS INTEGER) = 7', '-n', '5']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '1 of 1 row\n');
});

test.run();
