// Cancel, resume and create hammered concurrently on the same jobs of a real `wshed serve` (the
// CLI in a child process over its own local Kinesis): no run may start that the service does not
// track. Each destination holds every row of its job once, /health counts what exists, and
// SIGTERM stops the process.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { localServiceEndpoint } from '../../src/runtime/local/service.ts';
import type { Job } from '../../src/service/jobs.ts';
import { Scratch } from '../cli/helpers.ts';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { call, ServeProcess, until } from './serve-cli.ts';

const ROWS = 1500;
const MAIN = 4;
// A free slot for every job: a second run of one job would start at once (and send its rows twice).
const CONCURRENCY = 4;
const WORKERS = 6;
const ACTIONS = 15;
const CREATED = 12;
const outs = Array.from({ length: MAIN }, (_, i) => `race_out_${i}`);
const PIPELINE = [
  'stream orders { shards 2 key n }',
  ...outs.map((s) => `stream ${s} { shards 2 }`),
  'stream race_extra { shards 1 }',
  'reservoir orders_archive { from stream orders at "./reservoir" }',
  '',
].join('\n');
const ALL_ROWS = 'SELECT * FROM orders_archive ORDER BY _shard_id, _sequence_number';
const extraSql = (tag: number) => `SELECT 'x${tag}-' || n AS k, json_object('tag', ${tag}, 'n', n) AS doc FROM orders_archive WHERE n < 20 ORDER BY n`;

const scratch = new Scratch();
const home = path.join(scratch.dir, '.wshed');
let streams: StreamService | null = null;
const running: ServeProcess[] = [];

test.after(async () => {
  for (const s of running) await s.stop('SIGKILL').catch(() => {});
  streams?.close();
  scratch.dispose();
});

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};

async function serve(): Promise<{ serve: ServeProcess; url: string }> {
  const { serve, url } = await ServeProcess.start(scratch.dir, home, ['p.wshed', '--port', '0', '--concurrency', String(CONCURRENCY)]);
  running.push(serve);
  assert.ok(url, `wshed serve did not start:\n${serve.stderr}`);
  return { serve, url: url! };
}

const jobsOf = async (url: string) => (await call(url, 'GET', '/pump/jobs')).body as Job[];
const live = (j: Job) => j.stage === 'NOT_STARTED' || j.stage === 'IN_PROGRESS';

test('cancel, resume and create hammered at once: every row once per job, /health true, SIGTERM stops', async () => {
  writeFileSync(path.join(scratch.dir, 'p.wshed'), PIPELINE);
  writeFileSync(path.join(scratch.dir, 'orders.ndjson'), Array.from({ length: ROWS }, (_, n) => JSON.stringify({ n, name: `row ${n}` })).join('\n') + '\n');
  ok(['local', 'start', '--port', '0']);
  ok(['put', 'orders', '--file', 'orders.ndjson', '--pipeline', 'p.wshed']);
  ok(['run', 'p.wshed']);
  streams = createStreamService(await localServiceEndpoint(home));

  let { serve: first, url } = await serve();
  const main: string[] = [];
  for (const out of outs) {
    const r = await call(url, 'POST', '/pump/jobs', { queryIn: ALL_ROWS, streamOut: out, hasReplayFlag: false, hasOverwriteFlag: false });
    assert.is(r.status, 201, JSON.stringify(r.body));
    main.push(r.body.jobId);
  }

  // Several clients at once per job, each firing cancel and resume back to back, while others create jobs.
  const extras: string[] = [];
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const hammer = async (id: string, worker: number) => {
    for (let i = 0; i < ACTIONS; i++) {
      const action = (i + worker) % 3 === 0 ? 'cancel' : 'resume';
      count((await call(url, 'POST', `/pump/jobs/${id}/${action}`)).status);
    }
  };
  const create = async () => {
    for (let tag = 0; tag < CREATED; tag++) {
      const r = await call(url, 'POST', '/pump/jobs', { queryIn: extraSql(tag), streamOut: 'race_extra', hasReplayFlag: false, hasOverwriteFlag: false, partitionKeyColumn: 'k', rawDataColumn: 'doc' });
      assert.is(r.status, 201, JSON.stringify(r.body));
      extras.push(r.body.jobId);
      const health = (await call(url, 'GET', '/health')).body as { jobs: { running: number; queued: number; total: number } };
      assert.ok(health.jobs.running <= CONCURRENCY, `at most --concurrency runs at once, health says ${health.jobs.running}`);
    }
  };
  await Promise.all([create(), ...main.flatMap((id) => Array.from({ length: WORKERS }, (_, w) => hammer(id, w)))]);
  for (const status of statuses.keys()) assert.ok(status === 200 || status === 409, `cancel/resume answered ${status}`);

  // SIGTERM while jobs run or queue: the process ends, its running jobs kept as interrupted.
  const exit = await first.stop('SIGTERM');
  assert.is(exit.code, 0, `exit ${JSON.stringify(exit)}:\n${first.stderr}`);

  ({ url } = await serve());
  const restarted = await jobsOf(url);
  assert.is(restarted.length, MAIN + CREATED);

  // Finish everything: resume what ended without completing until every job has succeeded.
  await until('every job to complete', async () => {
    const all = await jobsOf(url);
    for (const j of all) if (j.stage === 'COMPLETED_ERROR') await call(url, 'POST', `/pump/jobs/${j.jobId}/resume`);
    return all.every((j) => j.stage === 'COMPLETED_SUCCESS');
  }, 180_000);
  const health = (await call(url, 'GET', '/health')).body as { jobs: { running: number; queued: number; total: number } };
  assert.equal(health.jobs, { queued: 0, running: 0, total: MAIN + CREATED }, 'no run or queue entry left once every job has completed');

  const all = await jobsOf(url);
  for (const [i, id] of main.entries()) {
    const job = all.find((j) => j.jobId === id)!;
    assert.is(job.successfulRecordCount, ROWS, `job ${id}`);
    const stored = await readStream(streams, outs[i]);
    const rows = stored.map((r) => (JSON.parse(r.data.toString('utf8')) as { n: number }).n);
    assert.is(new Set(rows).size, ROWS, `${outs[i]} holds every row`);
    assert.is(rows.length, ROWS, `${outs[i]} holds each row once (${rows.length} records for ${ROWS} rows)`);
  }
  const extraRows = (await readStream(streams, 'race_extra')).map((r) => r.data.toString('utf8'));
  assert.is(extraRows.length, 20 * CREATED, 'every created job sent its rows once');
  assert.is(new Set(extraRows).size, 20 * CREATED);
  assert.not.ok(all.some(live));
});

test.run();
