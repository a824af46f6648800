// The SQL sandbox of the job service, attacked through the real service: previews and jobs run one
// read-only SELECT over the reservoir views, read files only inside the served reservoirs, and
// cannot write, attach, load extensions, change settings or views. Each attack is a 400 that says
// what is allowed, and leaves nothing behind. `wshed query` on the user's own machine stays free.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import type { PumpServer } from '../../src/service/server.ts';
import { Scratch } from '../cli/helpers.ts';
import { jobCount, postJson, raw, RECORDS, startFixture, type ServiceFixture } from './security-fixture.ts';

let fx: ServiceFixture;
let server: PumpServer;

test.before(async () => {
  fx = await startFixture('sandbox');
  server = await fx.serve();
});

test.after(async () => {
  await fx?.close();
});

const preview = (queryIn: string, previewCount = 5) => postJson(server, '/pump/jobs/preview', { queryIn, previewCount });
const createJob = (queryIn: string) => postJson(server, '/pump/jobs', { queryIn, streamOut: fx.out, hasReplayFlag: false, hasOverwriteFlag: false });

test('reading the served reservoir works: the views, and its own files', async () => {
  const counted = await preview('SELECT count(*) AS n FROM orders_archive');
  assert.is(counted.status, 200, counted.text);
  assert.equal(counted.json.rows, [{ n: RECORDS }]);
  const own = await preview(`SELECT count(*) AS files FROM glob('${fx.root}/**')`);
  assert.is(own.status, 200, own.text);
  assert.ok(own.json.rows[0].files > 0);
});

test('files outside the served reservoirs cannot be read or listed', async () => {
  for (const sql of [
    "SELECT * FROM read_text('/etc/passwd')",
    `SELECT * FROM read_text('${fx.root}/../../../../etc/passwd')`,
    "SELECT * FROM glob('/root/*')",
    "SELECT * FROM read_csv('/proc/self/environ')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM 'https://example.com/x.csv'",
  ]) {
    for (const answer of [await preview(sql), await createJob(sql)]) {
      assert.is(answer.status, 400, `${sql}: ${answer.text}`);
      assert.match(answer.json.error, /not allowed in the job service: it runs one read-only SELECT/, sql);
      assert.match(answer.json.error, /only inside the served reservoirs/);
      assert.not.match(answer.json.error, /root:x:0/, 'no file content leaks in the message');
    }
  }
});

test('anything but one read-only SELECT is refused with a 400 that says what is allowed, and changes nothing', async () => {
  const outside = path.join(fx.dir.path, 'written.csv');
  const inside = path.join(fx.root, 'written.csv');
  const attached = path.join(fx.dir.path, 'attached.db');
  const before = await jobCount(server);
  for (const sql of [
    `COPY (SELECT * FROM orders_archive) TO '${outside}'`,
    `COPY (SELECT * FROM orders_archive) TO '${inside}'`,
    `ATTACH '${attached}' AS other`,
    "ATTACH ':memory:' AS other",
    'INSTALL httpfs',
    'LOAD json',
    'SELECT 1; SELECT 2',
    `SELECT 1; COPY (SELECT 1) TO '${outside}'`,
    'DROP VIEW orders_archive',
    'CREATE TABLE t AS SELECT 1',
    "SET allowed_directories = ['/']",
    'SET enable_external_access = true',
    'EXPLAIN ANALYZE SELECT 1',
    "SET VARIABLE x = 1",
  ]) {
    for (const answer of [await preview(sql), await createJob(sql)]) {
      assert.is(answer.status, 400, `${sql}: ${answer.text}`);
      assert.is(answer.json.field, 'queryIn');
      assert.match(answer.json.error, /not allowed in the job service: it runs one read-only SELECT/, sql);
      assert.match(answer.json.error, /wshed query/, 'says where other SQL can run');
    }
  }
  assert.not.ok(existsSync(outside), 'no file written outside');
  assert.not.ok(existsSync(inside), 'no file written inside the reservoir');
  assert.not.ok(existsSync(attached), 'no database attached');
  assert.is(await jobCount(server), before, 'no job was created');
  // The views are intact for the next caller.
  assert.equal((await preview('SELECT count(*) AS n FROM orders_archive')).json.rows, [{ n: RECORDS }]);
});

test('SQL with no statement is a clear 400, in previews and in jobs', async () => {
  for (const sql of [';', '-- only a comment', '/* nothing */ ;']) {
    for (const answer of [await preview(sql), await createJob(sql)]) {
      assert.is(answer.status, 400, `${sql}: ${answer.text}`);
      assert.match(answer.json.error, /holds no statement/);
      assert.not.match(answer.json.error, /native callback/);
    }
  }
});

test("create checks the SQL over the views: an unknown table or column is a 400 with DuckDB's message, and no job", async () => {
  const before = await jobCount(server);
  const table = await createJob('SELECT * FROM no_such_table');
  assert.is(table.status, 400, table.text);
  assert.match(table.json.error, /no_such_table does not exist/);
  const column = await createJob('SELECT no_such_column FROM orders_archive');
  assert.is(column.status, 400, column.text);
  assert.match(column.json.error, /no_such_column/);
  assert.is(await jobCount(server), before);
  const fine = await createJob('SELECT order_id FROM orders_archive');
  assert.is(fine.status, 201, fine.text);
});

test('a job whose destination has no open shard fails with the coded WS760, not a plain error', async () => {
  const real = createStreamService(fx.kinesis.endpoint, { maxAttempts: 1 });
  const closed = Object.assign(Object.create(real) as StreamService, { listShards: async () => [] });
  const broken = await fx.serve({ destination: closed });
  try {
    const made = await postJson(broken, '/pump/jobs', { queryIn: 'SELECT order_id FROM orders_archive', streamOut: fx.out, hasReplayFlag: false, hasOverwriteFlag: false });
    assert.is(made.status, 201, made.text);
    let job: any;
    // Polled until it has finished, within a generous bound.
    const end = Date.now() + 30_000;
    for (;;) {
      job = (await raw(broken, 'GET', `/pump/jobs/${made.json.jobId}`)).json;
      if (job.stage === 'COMPLETED_ERROR' || job.stage === 'COMPLETED_SUCCESS' || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.is(job.stage, 'COMPLETED_ERROR');
    assert.is(job.errorCode, 'WS760');
    assert.match(job.error, /has no open shard/);
  } finally {
    await broken.close();
    real.close();
  }
});

test('wshed query on the command line stays unrestricted (COPY works), and SQL with no statement is a coded error', async () => {
  const scratch = new Scratch();
  try {
    await fs.writeFile(path.join(scratch.dir, 'p.wshed'), `stream s { shards 1 }\nreservoir r { from stream s at "./lake" }\n`);
    const copied = scratch.wshed(['query', 'p.wshed', "COPY (SELECT 42 AS answer) TO 'answer.csv'"]);
    assert.is(copied.code, 0, copied.stderr);
    assert.match(await fs.readFile(path.join(scratch.dir, 'answer.csv'), 'utf8'), /answer\n42/);
    for (const sql of [';', '/* nothing */']) {
      const empty = scratch.wshed(['query', 'p.wshed', sql]);
      assert.is(empty.code, 1, empty.stderr);
      assert.match(empty.stderr, /error\[WS771\]: the SQL holds no statement/);
      assert.not.match(empty.stderr, /native callback|    at /);
    }
  } finally {
    scratch.dispose();
  }
});

test.run();
