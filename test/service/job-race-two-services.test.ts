// Two `wshed serve` on one home (the CLI in child processes): the second refuses with one coded
// error and touches nothing, so the first one's running job goes on; once the first stops, the
// home is free again.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Job } from '../../src/service/jobs.ts';
import { Scratch } from '../cli/helpers.ts';
import { call, ServeProcess, until } from './serve-cli.ts';

const ROWS = 3000;
const PIPELINE = ['stream orders { shards 2 key n }', 'stream out { shards 1 }', 'reservoir orders_archive { from stream orders at "./reservoir" }', ''].join('\n');

const scratch = new Scratch();
const home = path.join(scratch.dir, '.wshed');
const started: ServeProcess[] = [];

test.after(async () => {
  for (const s of started) await s.stop('SIGKILL').catch(() => {});
  scratch.dispose();
});

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
};

async function serve() {
  const s = await ServeProcess.start(scratch.dir, home, ['p.wshed', '--port', '0']);
  started.push(s.serve);
  return s;
}

test('a second wshed serve on the same home refuses (WS780) and leaves the first one and its jobs alone', async () => {
  writeFileSync(path.join(scratch.dir, 'p.wshed'), PIPELINE);
  writeFileSync(path.join(scratch.dir, 'orders.ndjson'), Array.from({ length: ROWS }, (_, n) => JSON.stringify({ n })).join('\n') + '\n');
  ok(['local', 'start', '--port', '0']);
  ok(['put', 'orders', '--file', 'orders.ndjson', '--pipeline', 'p.wshed']);
  ok(['run', 'p.wshed']);

  const first = await serve();
  assert.ok(first.url, first.serve.stderr);
  const created = await call(first.url!, 'POST', '/pump/jobs', { queryIn: 'SELECT * FROM orders_archive', streamOut: 'out', hasReplayFlag: false, hasOverwriteFlag: false });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const id = created.body.jobId as string;
  await until('the job to run', async () => (await call(first.url!, 'GET', `/pump/jobs/${id}`)).body.stage === 'IN_PROGRESS');

  const second = await serve();
  assert.is(second.url, null, 'the second service must not serve');
  const exit = await second.serve.exited;
  assert.is(exit.code, 1);
  assert.match(second.serve.stderr, new RegExp(`^wshed: error\\[WS780\\]: another job service \\(wshed serve, pid ${first.serve.pid}\\) already owns the jobs of `));
  assert.match(second.serve.stderr, /= fix: stop it first/);
  assert.not.match(second.serve.stderr, /\n\s+at /, 'no stack trace');

  // The first one's job was not marked interrupted, on disk or in its answers, and runs to its end.
  const onDisk = JSON.parse(readFileSync(path.join(home, 'jobs', `${id}.json`), 'utf8')) as Job;
  assert.is(onDisk.interrupted, false);
  assert.not.equal(onDisk.stage, 'COMPLETED_ERROR');
  let job: Job | null = null;
  await until('the job to complete', async () => {
    job = (await call(first.url!, 'GET', `/pump/jobs/${id}`)).body as Job;
    return job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR';
  }, 120_000);
  assert.is(job!.stage, 'COMPLETED_SUCCESS', job!.error ?? '');
  assert.is(job!.successfulRecordCount, ROWS);

  // Stopped, the first one frees the home: a new service takes it and lists the job.
  assert.is((await first.serve.stop('SIGTERM')).code, 0);
  const third = await serve();
  assert.ok(third.url, third.serve.stderr);
  assert.equal(((await call(third.url!, 'GET', '/pump/jobs')).body as Job[]).map((j) => [j.jobId, j.stage]), [[id, 'COMPLETED_SUCCESS']]);
  assert.is((await third.serve.stop('SIGTERM')).code, 0);
});

test.run();
