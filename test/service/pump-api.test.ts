// The pump service's API against the real thing: startPumpServer on an ephemeral port over a real
// local Kinesis (kinesalite) and a reservoir the real archiver filled. Jobs emit the archived
// records with the flags and original keys; bad requests change nothing; jobs survive a restart.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import type { Job } from '../../src/service/jobs.ts';
import { PumpConfigError, startPumpServer, type PumpServer, type PumpServerOptions } from '../../src/service/server.ts';
import { readReplayed, readStream } from '../runtime/helpers/fault-proxy.ts';
import { archiveStep, rejects, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

const RECORDS = 600;
const source = `pump_src_${process.pid}`;
let kinesis: TestKinesis;
let dir: TempDir;
let plan: Plan;
/** The pipeline compiled at another instant, as a restarted service compiles it. */
let compileAt: (now: Date) => Plan;
let writer: StreamService;
let streamCount = 0;
const servers: PumpServer[] = [];

/** The original key of record n, and its payload text (a number with more digits than a double keeps). */
const keyOf = (n: number) => `k${n % 13}`;
const payloadOf = (n: number) => `{"order_id":${n},"status":"${n % 3 === 0 ? 'open' : 'shipped'}","big":12345678901234567890123}`;
const ALL = 'SELECT * FROM orders_archive ORDER BY _shard_id, _sequence_number';

test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-pump-');
  writer = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  const root = path.join(dir.path, 'reservoir');
  await kinesis.streams.ensureStream(source, 2, 24);
  await putAllRecords(kinesis.streams, source, Array.from({ length: RECORDS }, (_, n) => ({ partitionKey: keyOf(n), data: Buffer.from(payloadOf(n)) })));
  const archived = await archiveReservoir(archiveStep('orders_archive', source, root), { streams: kinesis.streams });
  assert.is(archived.records, RECORDS);
  const text = `stream ${source} { shards 2 }\nstream replayed_${process.pid} { shards 1 }\nstream replayed_recent_${process.pid} { shards 1 }\nreservoir orders_archive { from stream ${source} at "${root}" }\nreplay again from archive orders_archive into stream replayed_${process.pid}\nreplay recent from archive orders_archive since 7d ago into stream replayed_recent_${process.pid}\n`;
  const config = { target: 'local' as const, kinesisPort: kinesis.port, home: path.join(dir.path, 'home'), duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 1, maxRetries: 5 } };
  compileAt = (now: Date) => {
    const compiled = compile({ path: path.join(dir.path, 'orders.wshed'), text }, { config, now });
    if (!compiled.plan) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
    return compiled.plan;
  };
  plan = compileAt(new Date());
});

test.after(async () => {
  for (const s of servers) await s.close();
  writer.close();
  await kinesis.close();
  await dir.remove();
});

async function newStream(shards = 2): Promise<string> {
  const name = `pump_out_${process.pid}_${++streamCount}`;
  await kinesis.streams.ensureStream(name, shards, 24);
  return name;
}

/** A destination whose puts can be held (to catch a job mid-run). */
function gated(service: StreamService) {
  let holding = false;
  const waiting: (() => void)[] = [];
  const wrapped = Object.assign(Object.create(service) as StreamService, {
    async putRecords(stream: string, entries: Parameters<StreamService['putRecords']>[1]) {
      if (holding) await new Promise<void>((r) => waiting.push(r));
      return service.putRecords(stream, entries);
    },
  });
  return {
    service: wrapped,
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const r of waiting.splice(0)) r();
    },
    waiting: () => waiting.length,
  };
}

async function serve(options: Partial<PumpServerOptions> & { home: string }): Promise<PumpServer> {
  const server = await startPumpServer({
    plan,
    cwd: dir.path,
    streams: kinesis.streams,
    destination: writer,
    shardBudgetFraction: 1,
    maxRetries: 5,
    port: 0,
    webRoot: path.join(dir.path, 'no-web'),
    ...options,
  });
  servers.push(server);
  return server;
}

async function call(server: PumpServer, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + route, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function finished(server: PumpServer, jobId: string): Promise<Job> {
  let job: Job | null = null;
  await until(`job ${jobId} to finish`, async () => {
    job = (await call(server, 'GET', `/pump/jobs/${jobId}`)).body as Job;
    return job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR';
  });
  return job!;
}

const home = (name: string) => path.join(dir.path, `home-${name}`);
const jobBody = (streamOut: string, queryIn = ALL) => ({ queryIn, streamOut, hasReplayFlag: true, hasOverwriteFlag: true });

test('a job emits each archived record once, with its original key and the flags as top-level fields', async () => {
  const server = await serve({ home: home('emit') });
  const out = await newStream();
  const created = await call(server, 'POST', '/pump/jobs', jobBody(out, 'SELECT * FROM orders_archive WHERE order_id % 2 = 0'));
  assert.is(created.status, 201);
  assert.ok(['NOT_STARTED', 'IN_PROGRESS'].includes(created.body.stage));
  const job = await finished(server, created.body.jobId);
  assert.is(job.stage, 'COMPLETED_SUCCESS', job.error ?? '');
  assert.is(job.successfulRecordCount, RECORDS / 2);
  assert.is(job.failureRecordCount, 0);
  assert.is(job.pendingRecordCount, 0);
  assert.is(job.totalRecordCount, RECORDS / 2);
  assert.ok(job.startTime && job.completionTime && job.elapsedTime >= 0 && job.meanRate >= 0);

  const stored = await readStream(kinesis.streams, out);
  assert.is(stored.length, RECORDS / 2);
  const seen = new Set<number>();
  for (const r of stored) {
    const text = r.data.toString('utf8');
    assert.match(text, /"big":12345678901234567890123/, 'the payload text is kept, digits and all');
    const p = JSON.parse(text) as { order_id: number; replay: boolean; overwrite: boolean };
    assert.is(p.replay, true);
    assert.is(p.overwrite, true);
    assert.is(r.partitionKey, keyOf(p.order_id));
    assert.is(text, payloadOf(p.order_id).slice(0, -1) + ',"replay":true,"overwrite":true}');
    seen.add(p.order_id);
  }
  assert.is(seen.size, RECORDS / 2);
});

test('rawDataColumn and partitionKeyColumn emit the columns a query builds', async () => {
  const server = await serve({ home: home('columns') });
  const out = await newStream(1);
  const created = await call(server, 'POST', '/pump/jobs', {
    queryIn: "SELECT 'id-' || order_id AS pk, json_object('id', order_id, 'state', status) AS doc FROM orders_archive WHERE order_id < 10",
    streamOut: out,
    hasReplayFlag: true,
    hasOverwriteFlag: false,
    partitionKeyColumn: 'pk',
    rawDataColumn: 'doc',
  });
  assert.is(created.status, 201);
  const job = await finished(server, created.body.jobId);
  assert.is(job.stage, 'COMPLETED_SUCCESS', job.error ?? '');
  const stored = await readStream(kinesis.streams, out);
  assert.is(stored.length, 10);
  for (const r of stored) {
    const p = JSON.parse(r.data.toString('utf8')) as { id: number; replay: boolean; overwrite?: boolean };
    assert.is(r.partitionKey, `id-${p.id}`);
    assert.is(p.replay, true);
    assert.is(p.overwrite, undefined);
  }
});

test('preview answers the total and the first N rows without emitting', async () => {
  const server = await serve({ home: home('preview') });
  const r = await call(server, 'POST', '/pump/jobs/preview', { queryIn: ALL, previewCount: 5 });
  assert.is(r.status, 200);
  assert.is(r.body.count, RECORDS);
  assert.is(r.body.rows.length, 5);
  assert.ok(r.body.columns.includes('_partition_key') && r.body.columns.includes('payload'));
  assert.is(typeof r.body.rows[0]._partition_key, 'string');
  const small = await call(server, 'POST', '/pump/jobs/preview', { queryIn: 'SELECT * FROM orders_archive WHERE order_id < 3', previewCount: 10 });
  assert.is(small.body.count, 3);
  assert.is(small.body.rows.length, 3);
  assert.equal((await call(server, 'GET', '/pump/jobs')).body, [], 'a preview is no job');
});

test('jobs are listed and fetched by id; an unknown id is 404; health and / answer', async () => {
  const server = await serve({ home: home('list') });
  const out = await newStream(1);
  const a = (await call(server, 'POST', '/pump/jobs', jobBody(out, 'SELECT * FROM orders_archive WHERE order_id < 5'))).body as Job;
  await finished(server, a.jobId);
  const list = await call(server, 'GET', '/pump/jobs');
  assert.is(list.status, 200);
  assert.equal(list.body.map((j: Job) => j.jobId), [a.jobId]);
  const one = await call(server, 'GET', `/pump/jobs/${a.jobId}`);
  assert.is(one.body.successfulRecordCount, 5);
  const missing = await call(server, 'GET', '/pump/jobs/nope');
  assert.is(missing.status, 404);
  assert.match(missing.body.error, /no job 'nope'/);
  const health = await call(server, 'GET', '/health');
  assert.is(health.status, 200);
  assert.is(health.body.status, 'ok');
  const page = await fetch(server.url + '/');
  assert.is(page.status, 200);
  assert.match(await page.text(), /npm run build/);
  assert.is((await call(server, 'DELETE', '/pump/jobs')).status, 405);
});

test('bad requests answer 400 (413 when too large) naming the field, and create nothing', async () => {
  const server = await serve({ home: home('bad'), maxBodyBytes: 64 * 1024 });
  const out = await newStream(1);
  const cases: [unknown, number, RegExp, string?][] = [
    ['{"queryIn": ', 400, /not valid JSON/],
    ['[1,2]', 400, /must be a JSON object/],
    ['', 400, /empty/],
    [{ streamOut: out, hasReplayFlag: true, hasOverwriteFlag: true }, 400, /queryIn is missing/, 'queryIn'],
    [{ ...jobBody(out), queryIn: 42 }, 400, /queryIn must be a string/, 'queryIn'],
    [{ ...jobBody(out), streamOut: undefined }, 400, /streamOut is missing/, 'streamOut'],
    [{ ...jobBody(out), hasReplayFlag: 'yes' }, 400, /hasReplayFlag must be true or false/, 'hasReplayFlag'],
    [{ queryIn: ALL, streamOut: out, hasReplayFlag: true }, 400, /hasOverwriteFlag is missing/, 'hasOverwriteFlag'],
    [{ ...jobBody(out), partitionKeyColumn: 3 }, 400, /partitionKeyColumn must be a column name/, 'partitionKeyColumn'],
    [{ ...jobBody(out), extra: 1 }, 400, /unknown field 'extra'/, 'extra'],
    [{ ...jobBody(out), queryIn: 'SELEC * FROM orders_archive' }, 400, /queryIn: .*syntax error/i, 'queryIn'],
    [{ ...jobBody('no_such_stream') }, 404, /stream 'no_such_stream' does not exist/, 'streamOut'],
    [{ ...jobBody(out), queryIn: 'SELECT ' + 'x'.repeat(70 * 1024) }, 413, /larger than 65536 bytes/],
  ];
  for (const [body, status, message, field] of cases) {
    const r = await call(server, 'POST', '/pump/jobs', body);
    assert.is(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, message);
    if (field) assert.is(r.body.field, field);
  }
  for (const [body, message] of [
    [{ queryIn: ALL, previewCount: 0 }, /previewCount must be a whole number/],
    [{ queryIn: ALL }, /previewCount is missing/],
    [{ queryIn: 'SELECT nope FROM orders_archive', previewCount: 1 }, /queryIn: .*nope/],
  ] as const) {
    const r = await call(server, 'POST', '/pump/jobs/preview', body);
    assert.is(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error, message);
  }
  assert.equal((await call(server, 'GET', '/pump/jobs')).body, [], 'no job was created');
  assert.equal(await fs.readdir(path.join(home('bad'), 'jobs')).catch(() => []), []);
  assert.equal(await readStream(kinesis.streams, out), []);

  // SQL that parses but does not bind is refused at create with DuckDB's message (issue 9), not run as a job.
  const created = await call(server, 'POST', '/pump/jobs', jobBody(out, 'SELECT no_such_column FROM orders_archive'));
  assert.is(created.status, 400);
  assert.match(created.body.error, /no_such_column/);
  assert.equal((await call(server, 'GET', '/pump/jobs')).body, [], 'no job was created');
});

test('with a token every request needs it; a public address without one is refused', async () => {
  const token = 's3cret-token-of-16+chars';
  const logged: string[] = [];
  const server = await serve({ home: home('auth'), token, log: (l) => logged.push(l) });
  assert.is((await call(server, 'GET', '/pump/jobs')).status, 401);
  assert.is((await call(server, 'GET', '/pump/jobs', undefined, { authorization: 'Bearer wrong' })).status, 401);
  assert.is((await call(server, 'GET', '/health', undefined, { authorization: `Bearer ${token}x` })).status, 401);
  assert.is((await call(server, 'GET', '/pump/jobs', undefined, { authorization: token })).status, 401, 'the Bearer scheme is required');
  assert.is((await call(server, 'GET', '/pump/jobs', undefined, { authorization: `Bearer ${token}` })).status, 200);
  const res = await fetch(server.url + '/pump/jobs', { method: 'OPTIONS', headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' } });
  assert.is(res.headers.get('access-control-allow-origin'), null, 'no CORS');
  assert.not.ok(logged.some((l) => l.includes(token)), 'the token is never logged');
  const err = await rejects(() => startPumpServer({ plan, cwd: dir.path, home: home('public'), streams: kinesis.streams, destination: writer, shardBudgetFraction: 1, maxRetries: 5, port: 0, host: '0.0.0.0' }));
  assert.ok(err instanceof PumpConfigError);
  assert.match(err.message, /refusing to listen on 0\.0\.0\.0 without a token/);
});

test('concurrency queues jobs; cancel stops queued and running ones; resume finishes the rest; events report progress', async () => {
  const gate = gated(writer);
  const server = await serve({ home: home('queue'), destination: gate.service, concurrency: 1 });
  const events: Job[] = [];
  const controller = new AbortController();
  const stream = fetch(server.url + '/pump/events', { signal: controller.signal }).then(async (res) => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (/^event: job$/m.test(frame) && data) events.push(JSON.parse(data) as Job);
      }
    }
  }).catch(() => {});

  const out = await newStream();
  gate.hold();
  const a = (await call(server, 'POST', '/pump/jobs', jobBody(out))).body as Job;
  const b = (await call(server, 'POST', '/pump/jobs', jobBody(out))).body as Job;
  await until('the first batch of job A to be in flight', () => gate.waiting() > 0);
  assert.is((await call(server, 'GET', `/pump/jobs/${a.jobId}`)).body.stage, 'IN_PROGRESS');
  assert.is((await call(server, 'GET', `/pump/jobs/${b.jobId}`)).body.stage, 'NOT_STARTED', 'one job at a time: B waits');

  const cancelledB = await call(server, 'POST', `/pump/jobs/${b.jobId}/cancel`);
  assert.is(cancelledB.body.stage, 'COMPLETED_ERROR');
  assert.is(cancelledB.body.cancelled, true);
  assert.is(cancelledB.body.error, 'cancelled');

  const cancelling = call(server, 'POST', `/pump/jobs/${a.jobId}/cancel`);
  // The service shows the cancel as asked for while the batch in flight is still held.
  await until('the cancel to be received', async () => (await call(server, 'GET', `/pump/jobs/${a.jobId}`)).body.cancelRequested === true);
  gate.release(); // the batch in flight is acknowledged; nothing after it is sent
  const cancelledA = (await cancelling).body as Job;
  assert.is(cancelledA.stage, 'COMPLETED_ERROR');
  assert.is(cancelledA.cancelled, true);
  assert.ok(cancelledA.successfulRecordCount > 0 && cancelledA.successfulRecordCount < RECORDS, `acknowledged ${cancelledA.successfulRecordCount}`);
  assert.is(cancelledA.emittedRowOffset, cancelledA.successfulRecordCount);
  assert.is(cancelledA.pendingRecordCount, RECORDS - cancelledA.successfulRecordCount);
  assert.is((await call(server, 'POST', `/pump/jobs/${b.jobId}/cancel`)).status, 409, 'an ended job cannot be cancelled');

  const resumed = await call(server, 'POST', `/pump/jobs/${a.jobId}/resume`);
  assert.is(resumed.status, 200);
  const done = await finished(server, a.jobId);
  assert.is(done.stage, 'COMPLETED_SUCCESS', done.error ?? '');
  assert.is(done.successfulRecordCount, RECORDS);
  assert.is(done.resumeCount, 1);
  const stored = await readStream(kinesis.streams, out);
  assert.is(stored.length, RECORDS, 'resume sent exactly the rows after the acknowledged offset');
  assert.is(new Set(stored.map((r) => (JSON.parse(r.data.toString('utf8')) as { order_id: number }).order_id)).size, RECORDS);
  assert.is((await call(server, 'POST', `/pump/jobs/${a.jobId}/resume`)).status, 409, 'a completed job cannot be resumed');

  await until(`the final event (${events.map((e) => e.jobId.slice(0, 4) + ':' + e.stage).join(' ')})`, () => events.some((e) => e.jobId === a.jobId && e.stage === 'COMPLETED_SUCCESS'));
  const ofA = events.filter((e) => e.jobId === a.jobId);
  assert.ok(ofA.some((e) => e.stage === 'IN_PROGRESS'));
  assert.ok(ofA.some((e) => e.stage === 'IN_PROGRESS' && e.successfulRecordCount > 0), 'progress events carry the counters');
  controller.abort();
  await stream;

  // A single job's stream starts with its state and ends once the job has finished.
  const text = await (await fetch(`${server.url}/pump/jobs/${a.jobId}/events`)).text();
  assert.match(text, /event: job\n/);
  assert.match(text, /event: end\n/);
  assert.is((await call(server, 'GET', '/pump/jobs/nope/events')).status, 404);
});

test('after a restart every job is listed; one that was running is interrupted and resumes', async () => {
  const gate = gated(writer);
  const h = home('restart');
  const first = await serve({ home: h, destination: gate.service });
  const out = await newStream();
  const done = (await call(first, 'POST', '/pump/jobs', jobBody(out, 'SELECT * FROM orders_archive WHERE order_id < 3'))).body as Job;
  await finished(first, done.jobId);
  gate.hold();
  const running = (await call(first, 'POST', '/pump/jobs', jobBody(out))).body as Job;
  await until('a batch in flight', () => gate.waiting() > 0);
  const closing = first.close();
  gate.release();
  await closing;

  // A service killed outright leaves the job IN_PROGRESS on disk: write one as it would.
  const killedFile = path.join(h, 'jobs', `${running.jobId}.json`);
  const stored = JSON.parse(await fs.readFile(killedFile, 'utf8')) as Job;
  assert.is(stored.stage, 'COMPLETED_ERROR');
  assert.is(stored.interrupted, true);
  const killed = { ...stored, jobId: 'killed-job', stage: 'IN_PROGRESS', error: null, interrupted: false, completionTime: null, emittedRowOffset: 0, successfulRecordCount: 0 };
  await fs.writeFile(path.join(h, 'jobs', 'killed-job.json'), JSON.stringify(killed));

  const second = await serve({ home: h });
  const list = (await call(second, 'GET', '/pump/jobs')).body as Job[];
  assert.equal(new Set(list.map((j) => j.jobId)), new Set([done.jobId, running.jobId, 'killed-job']));
  assert.is(list.find((j) => j.jobId === done.jobId)!.stage, 'COMPLETED_SUCCESS');
  for (const id of [running.jobId, 'killed-job']) {
    const j = list.find((x) => x.jobId === id)!;
    assert.is(j.stage, 'COMPLETED_ERROR');
    assert.is(j.error, 'interrupted');
    assert.is(j.interrupted, true);
  }
  const before = list.find((j) => j.jobId === running.jobId)!.successfulRecordCount;
  assert.ok(before < RECORDS);
  assert.is((await call(second, 'POST', `/pump/jobs/${running.jobId}/resume`)).status, 200);
  const resumed = await finished(second, running.jobId);
  assert.is(resumed.stage, 'COMPLETED_SUCCESS', resumed.error ?? '');
  assert.is(resumed.successfulRecordCount, RECORDS);
  assert.is((await readStream(kinesis.streams, out)).length, 3 + RECORDS);
});

test('the queue keeps first-in-first-out order across a restart, jobs created in the same millisecond too', async () => {
  const gate = gated(writer);
  const h = home('fifo');
  const first = await serve({ home: h, destination: gate.service, concurrency: 1 });
  const out = await newStream(1);
  let before: string[];
  gate.hold();
  try {
    const blocker = (await call(first, 'POST', '/pump/jobs', jobBody(out))).body as Job;
    await until('the first job to hold the only slot', () => gate.waiting() > 0);
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => call(first, 'POST', '/pump/jobs', jobBody(out, `SELECT * FROM orders_archive WHERE order_id = ${i}`))));
    assert.ok(made.every((r) => r.status === 201));
    before = ((await call(first, 'GET', '/pump/jobs')).body as Job[]).map((j) => j.jobId);
    assert.is(before[0], blocker.jobId);
  } finally {
    const closing = first.close();
    gate.release();
    await closing;
  }
  // On a fast machine all of them share one millisecond: the order must not come from the clock (or the random ids).
  const folder = path.join(h, 'jobs');
  for (const name of await fs.readdir(folder)) {
    const file = path.join(folder, name);
    await fs.writeFile(file, JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), submitTime: '2026-01-01T00:00:00.000Z' }));
  }

  const second = await serve({ home: h, concurrency: 1 });
  const after = (await call(second, 'GET', '/pump/jobs')).body as Job[];
  assert.equal(after.map((j) => j.jobId), before, 'listed in the order they were created');
  for (const id of before.slice(1)) await finished(second, id);
  const ran = ((await call(second, 'GET', '/pump/jobs')).body as Job[]).slice(1);
  for (let i = 1; i < ran.length; i++) {
    assert.ok(ran[i - 1].completionTime! <= ran[i].startTime!, `job ${i} started before job ${i - 1} completed: the queue order changed`);
  }
  assert.ok(ran.every((j) => j.stage === 'COMPLETED_SUCCESS' && j.successfulRecordCount === 1));
});

test('a replay declared in the pipeline runs as a job with its progress in the counters', async () => {
  await kinesis.streams.ensureStream(`replayed_${process.pid}`, 1, 24);
  const server = await serve({ home: home('replay') });
  const replays = await call(server, 'GET', '/pump/replays');
  assert.equal(replays.body.map((r: { name: string }) => r.name), ['again', 'recent']);
  assert.is((await call(server, 'POST', '/pump/replays/nope')).status, 404);
  const created = await call(server, 'POST', '/pump/replays/again');
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.is(created.body.replay, 'again');
  const job = await finished(server, created.body.jobId);
  assert.is(job.stage, 'COMPLETED_SUCCESS', job.error ?? '');
  assert.is(job.successfulRecordCount, RECORDS);
  assert.is(job.totalRecordCount, RECORDS);
  // The replay's own records, besides the marker with its watermark that leads each destination shard.
  assert.is((await readReplayed(kinesis.streams, `replayed_${process.pid}`)).records.length, RECORDS);
});

test('a declared replay with relative bounds runs twice as a job: the second brings it up to date, not WS761', async () => {
  const into = `replayed_recent_${process.pid}`;
  await kinesis.streams.ensureStream(into, 1, 24);
  const first = await serve({ home: home('recent') });
  const once = await finished(first, (await call(first, 'POST', '/pump/replays/recent')).body.jobId);
  assert.is(once.stage, 'COMPLETED_SUCCESS', once.error ?? '');
  assert.is(once.successfulRecordCount, RECORDS);
  await first.close();
  // The service restarted an hour later compiles `since 7d ago` an hour later: the same distance from its compile instant, so the same replay.
  const later = await serve({ home: home('recent'), plan: compileAt(new Date(Date.parse(plan.now) + 3_600_000)) });
  const second = await finished(later, (await call(later, 'POST', '/pump/replays/recent')).body.jobId);
  assert.is(second.stage, 'COMPLETED_SUCCESS', second.error ?? '');
  assert.is(second.successfulRecordCount, 0, 'nothing new to emit');
  assert.is((await readReplayed(kinesis.streams, into)).records.length, RECORDS, 'every record once');
});

test.run();
