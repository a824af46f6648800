// The job service on Drill (the engine of `wshed serve --target aws`, or `--engine drill`), through
// the real service and the real local Drill (scripts/drill.sh): a job over a reservoir emits the
// same records as on DuckDB, previews agree, and SQL that is not one SELECT over the served views
// (Drill's DDL, session settings, system tables, files elsewhere) is refused with a 400.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { DrillClient } from '../../src/runtime/drill/client.ts';
import { removeWorkspaces } from '../../src/runtime/drill/local-workspaces.ts';
import type { PumpServer } from '../../src/service/server.ts';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { startTestDrill, type TestDrill } from '../runtime/helpers/drill.ts';
import { jobCount, postJson, raw, RECORDS, startFixture, type ServiceFixture } from './security-fixture.ts';

let fx: ServiceFixture;
let drill: TestDrill;
let onDuckDb: PumpServer;
let onDrill: PumpServer;

test.before(async () => {
  drill = await startTestDrill();
  fx = await startFixture('srvdrill');
  onDuckDb = await fx.serve();
  onDrill = await fx.serve({ drill: { target: { url: drill.url, viewsWorkspace: ['dfs', 'tmp'] }, store: (r, l) => openReservoirStore(r, l, fx.dir.path) } });
});

test.after(async () => {
  // What the Drill queries left on the shared Drill: the reservoir's workspace in the plan's plugin, its views.
  if (drill) {
    await removeWorkspaces(new DrillClient(drill.url), 'wshed', ['orders_archive']).catch(() => {});
    for (const v of ['orders_archive', 'orders_archive_archived', 'orders_archive_live', 'wshed_live_orders_archive']) await drill.query(`DROP VIEW IF EXISTS \`dfs\`.\`tmp\`.\`${v}\``).catch(() => {});
    await drill.close();
  }
  await fx?.close();
});

async function finished(server: PumpServer, jobId: string): Promise<any> {
  const end = Date.now() + 120_000;
  for (;;) {
    const job = (await raw(server, 'GET', `/pump/jobs/${jobId}`)).json;
    if (job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR') return job;
    if (Date.now() > end) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function emitted(server: PumpServer, queryIn: string, streamOut: string): Promise<string[]> {
  const created = await postJson(server, '/pump/jobs', { queryIn, streamOut, hasReplayFlag: true, hasOverwriteFlag: false });
  assert.is(created.status, 201, created.text);
  const job = await finished(server, created.json.jobId);
  assert.is(job.stage, 'COMPLETED_SUCCESS', job.error ?? '');
  assert.is(job.successfulRecordCount, RECORDS / 2);
  assert.is(job.totalRecordCount, RECORDS / 2);
  // Keys are fresh UUIDs when the rows carry none: the records are compared by their data.
  return (await readStream(fx.kinesis.streams, streamOut)).map((r) => r.data.toString('utf8')).sort();
}

test('a job over a reservoir on Drill emits the same records as on DuckDB', async () => {
  const sql = "SELECT order_id, status FROM orders_archive WHERE status = 'shipped' ORDER BY order_id";
  const viaDuckDb = `${fx.out}_duck`;
  const viaDrill = `${fx.out}_drill`;
  await fx.kinesis.streams.ensureStream(viaDuckDb, 1, 24);
  await fx.kinesis.streams.ensureStream(viaDrill, 1, 24);
  const a = await emitted(onDuckDb, sql, viaDuckDb);
  const b = await emitted(onDrill, sql, viaDrill);
  assert.is(a.length, RECORDS / 2);
  assert.equal(b, a);
  assert.ok(b.includes('{"order_id":0,"status":"shipped","replay":true}'), b[0]);
});

test('a preview on Drill gives the rows and the count DuckDB gives', async () => {
  const body = { queryIn: 'SELECT order_id FROM orders_archive ORDER BY order_id', previewCount: 3 };
  const d = await postJson(onDuckDb, '/pump/jobs/preview', body);
  const r = await postJson(onDrill, '/pump/jobs/preview', body);
  assert.is(r.status, 200, r.text);
  assert.equal(r.json.rows, d.json.rows);
  assert.equal(r.json.rows, [{ order_id: 0 }, { order_id: 1 }, { order_id: 2 }]);
  assert.is(r.json.count, RECORDS);
});

test('on Drill anything but one SELECT over the served views is a 400, and no job', async () => {
  // A file Drill can read, beside the reservoir but not in it.
  const secret = path.join(fx.dir.path, 'secret.json');
  writeFileSync(secret, '{"secret":"root:x:0"}\n');
  const before = await jobCount(onDrill);
  for (const sql of [
    'CREATE TABLE dfs.tmp.wshed_hostile AS SELECT * FROM orders_archive',
    'CREATE OR REPLACE VIEW dfs.tmp.orders_archive AS SELECT 1 AS order_id FROM (VALUES(1))',
    'DROP VIEW dfs.tmp.orders_archive',
    'ALTER SESSION SET `store.format` = \'csv\'',
    'USE cp',
    'SHOW FILES IN dfs.root',
    'SELECT 1; SELECT 2',
    'SELECT * FROM sys.options',
    'SELECT * FROM INFORMATION_SCHEMA.`TABLES`',
    "SELECT * FROM table(dfs.`/etc/hostname`(type => 'text'))",
    `SELECT * FROM dfs.\`${secret}\``,
    `SELECT * FROM dfs.\`${fx.root}/../secret.json\``,
  ]) {
    for (const answer of [await postJson(onDrill, '/pump/jobs/preview', { queryIn: sql, previewCount: 5 }), await postJson(onDrill, '/pump/jobs', { queryIn: sql, streamOut: fx.out, hasReplayFlag: false, hasOverwriteFlag: false })]) {
      assert.is(answer.status, 400, `${sql}: ${answer.text}`);
      assert.is(answer.json.field, 'queryIn');
      assert.match(answer.json.error, /not allowed in the job service: it runs one read-only SELECT/, sql);
      assert.not.match(answer.json.error, /root:x:0/, 'no file content leaks in the message');
    }
  }
  assert.is(await jobCount(onDrill), before, 'no job was created');
  // The views are intact, and nothing was written.
  assert.is((await drill.query('SELECT count(*) AS n FROM dfs.tmp.`wshed_hostile`')).queryState, 'FAILED');
  const still = await postJson(onDrill, '/pump/jobs/preview', { queryIn: 'SELECT count(*) AS n FROM orders_archive', previewCount: 1 });
  assert.equal(still.json.rows, [{ n: RECORDS }]);
});

test.run();
