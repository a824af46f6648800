// The service's previews are bounded: rows of a megabyte each come back cut to fit a few MiB with a
// marker, several such previews at once all answer, /health answers while one runs, and the count
// stops at a bound instead of running a huge result in full.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COUNT_BOUND, PREVIEW_BYTES } from '../../src/service/preview.ts';
import type { PumpServer } from '../../src/service/server.ts';
import { postJson, raw, RECORDS, startFixture, type ServiceFixture } from './security-fixture.ts';

let fx: ServiceFixture;
let server: PumpServer;
const BIG = "SELECT repeat('x', 1000000) AS big, range AS n FROM range(1000)";
const CUT = /x … \[cut: 1000000 characters in all\]$/;

test.before(async () => {
  fx = await startFixture('bounds');
  server = await fx.serve({ duckdb: { threads: 2, memoryLimit: '512MB' } });
});

test.after(async () => {
  await fx?.close();
});

const preview = (queryIn: string, previewCount: number) => postJson(server, '/pump/jobs/preview', { queryIn, previewCount });

test('a preview of 1,000 rows of 1 MB each answers within its byte budget, long cells cut with a marker', async () => {
  const answer = await preview(BIG, 1000);
  assert.is(answer.status, 200, answer.text.slice(0, 300));
  assert.ok(answer.text.length <= PREVIEW_BYTES * 1.1, `answer of ${answer.text.length} bytes`);
  const { rows, count, countIsLowerBound, truncated } = answer.json;
  assert.is(rows.length, 1000);
  assert.is(truncated, false);
  assert.ok(rows.every((r: { big: string }) => CUT.test(r.big)), 'every long cell ends with the marker');
  assert.equal(rows.map((r: { n: number }) => r.n).sort((a: number, b: number) => a - b), Array.from({ length: 1000 }, (_, i) => i), 'other columns are whole');
  assert.is(count, 1000);
  assert.is(countIsLowerBound, false);
});

test('a long JSON cell is cut into a string with the marker; short rows and payloads come back whole', async () => {
  const doc = await preview("SELECT to_json({'big': repeat('y', 200000)}) AS doc, 7 AS n", 1);
  assert.is(doc.status, 200, doc.text.slice(0, 300));
  assert.type(doc.json.rows[0].doc, 'string');
  assert.match(doc.json.rows[0].doc, /^\{"big":"yyy[\s\S]* … \[cut: \d+ characters in all\]$/);
  assert.is(doc.json.rows[0].n, 7);
  const whole = await preview('SELECT order_id, payload FROM orders_archive ORDER BY order_id', 3);
  assert.is(whole.status, 200, whole.text);
  assert.equal(whole.json.rows.map((r: { payload: unknown }) => r.payload), [0, 1, 2].map((n) => ({ order_id: n, status: n % 2 ? 'open' : 'shipped' })));
  assert.is(whole.json.count, RECORDS);
});

test('three such previews at once all answer', async () => {
  const answers = await Promise.all([1, 2, 3].map(() => preview(BIG, 1000)));
  for (const a of answers) {
    assert.is(a.status, 200, a.text.slice(0, 300));
    assert.is(a.json.rows.length, 1000);
  }
});

test('/health answers while a big preview is still running', async () => {
  let settled = false;
  // A preview that keeps DuckDB busy (a billion-row count) before its megabyte rows come back.
  const running = preview("SELECT (SELECT count(*) FROM range(2000000000)) AS c, repeat('x', 1000000) AS big FROM range(1000)", 1000).finally(() => (settled = true));
  const health = await raw(server, 'GET', '/health');
  assert.is(health.status, 200);
  assert.is(health.json.status, 'ok');
  assert.is(settled, false, 'health answered before the preview did');
  const done = await running;
  assert.is(done.status, 200, done.text.slice(0, 300));
});

test('a query job over rows of 2 MB streams them a few at a time: each is counted as too large for Kinesis, the job completes', async () => {
  // 300 rows of 2 MB are one DuckDB chunk of 600 MB: read at once it made one text past V8's limit.
  const made = await postJson(server, '/pump/jobs', { queryIn: "SELECT repeat('x', 2000000) AS big, range AS n FROM range(300)", streamOut: fx.out, hasReplayFlag: false, hasOverwriteFlag: false, rawDataColumn: 'big' });
  assert.is(made.status, 201, made.text);
  let job: any;
  const end = Date.now() + 120_000;
  for (;;) {
    job = (await raw(server, 'GET', `/pump/jobs/${made.json.jobId}`)).json;
    if (job.stage === 'COMPLETED_SUCCESS' || job.stage === 'COMPLETED_ERROR' || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.is(job.stage, 'COMPLETED_SUCCESS', job.error ?? '');
  assert.is(job.failureRecordCount, 300);
  assert.is(job.successfulRecordCount, 0);
});

test('the count stops at a bound on a huge result ("at least"), and is exact on a small one', async () => {
  const huge = await preview('SELECT range FROM range(100000000)', 10);
  assert.is(huge.status, 200, huge.text);
  assert.is(huge.json.rows.length, 10);
  assert.is(huge.json.count, COUNT_BOUND);
  assert.is(huge.json.countIsLowerBound, true);
  const small = await preview('SELECT range FROM range(7)', 10);
  assert.equal([small.json.count, small.json.countIsLowerBound, small.json.rows.length], [7, false, 7]);
  const exact = await preview('SELECT range FROM range(12)', 12);
  assert.equal([exact.json.count, exact.json.countIsLowerBound], [12, false]);
});

test.run();
