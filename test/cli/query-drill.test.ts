// `wshed query --engine drill --drill-url URL` through the CLI bundle on the real local Drill: the
// same rows and the same output text as DuckDB over one reservoir (archive + live), a saved
// query's Drill SQL, mistakes and an unreachable Drill in one line, and Ctrl-C cancelling on Drill.

import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DrillClient } from '../../src/runtime/drill/client.ts';
import { removeWorkspaces } from '../../src/runtime/drill/local-workspaces.ts';
import { startTestDrill, type TestDrill } from '../runtime/helpers/drill.ts';
import { Scratch } from './helpers.ts';

const test = suite('wshed query --engine drill');

// Names of this test's own (the Drill, its `wshed` plugin and dfs.tmp are shared with other tests).
const n = `${process.pid}_${Date.now() % 100000}`;
const stream = `qd_s_${n}`;
const reservoir = `qd_r_${n}`;
const mock = `wshed_qd_mock_${n}`;

const scratch = new Scratch();
let drill: TestDrill;

const ARCHIVED = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, big: 'BIG', ok: i % 2 === 0, price: 1.25 * i }));
const LIVE = [
  { id: 31, name: 'live 31', big: 1, ok: true, price: 0.5 },
  { id: 32, name: 'live, "quoted"', big: 2, ok: false, price: 3 },
];

function ok(args: string[], input?: string): string {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  drill = await startTestDrill();
  await drill.putPlugin(mock, { type: 'mock', enabled: true });
  writeFileSync(
    path.join(scratch.dir, 'p.wshed'),
    `stream ${stream} { shards 2 }\nreservoir ${reservoir} { from stream ${stream} }\nquery by_name """\n  SELECT name FROM ${reservoir} WHERE id <= 3 ORDER BY name\n"""\n`,
  );
  // The local Kinesis service on a free port (the configured one may be another test's).
  writeFileSync(path.join(scratch.dir, 'free.json'), '{"kinesisPort": 0}\n');
  ok(['run', 'p.wshed', '--conf', 'free.json']);
  // 2^53 + 1, written out (a JS number would round it).
  ok(['put', stream, '--pipeline', 'p.wshed'], ARCHIVED.map((r) => JSON.stringify(r).replace('"BIG"', '9007199254740993')).join('\n') + '\n');
  ok(['archive', 'p.wshed']);
  // Past the archive checkpoint: the live part of the views.
  ok(['put', stream, '--pipeline', 'p.wshed'], LIVE.map((r) => JSON.stringify(r)).join('\n') + '\n');
});

test.after(async () => {
  scratch.dispose();
  // What the queries left on the shared Drill: this reservoir's workspace in the plan's plugin, its views.
  await removeWorkspaces(new DrillClient(drill.url), 'wshed', [reservoir]).catch(() => {});
  for (const v of [reservoir, `${reservoir}_archived`, `${reservoir}_live`, `wshed_live_${reservoir}`]) await drill?.query(`DROP VIEW IF EXISTS \`dfs\`.\`tmp\`.\`${v}\``).catch(() => {});
  await drill?.deletePlugin(mock).catch(() => {});
  await drill?.close();
});

const drillArgs = () => ['--engine', 'drill', '--drill-url', drill.url];

for (const format of ['table', 'json', 'ndjson', 'csv']) {
  test(`--format ${format}: the same text as DuckDB over archive + live`, () => {
    const sql = `SELECT _shard_id, _sequence_number, id, name, big, ok, price FROM ${reservoir} ORDER BY id`;
    const duck = scratch.wshed(['query', 'p.wshed', sql, '--format', format]);
    const onDrill = scratch.wshed(['query', 'p.wshed', sql, '--format', format, ...drillArgs()]);
    assert.is(duck.code, 0, duck.stderr);
    assert.is(onDrill.code, 0, onDrill.stderr);
    assert.is(onDrill.stdout, duck.stdout);
    assert.match(onDrill.stderr, /32 rows in /);
    if (format === 'ndjson') {
      const rows = onDrill.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; big: unknown; name: string });
      assert.equal(rows.map((r) => r.id), [...ARCHIVED, ...LIVE].map((r) => r.id));
      // Past 2^53: a string, digit for digit, as DuckDB gives it.
      assert.is(rows[0].big, '9007199254740993');
      assert.is(rows[31].name, 'live, "quoted"');
    }
  });
}

test('--name runs the saved query as the plan writes it for Drill', () => {
  const out = ok(['query', 'p.wshed', '--name', 'by_name', '--format', 'csv', ...drillArgs()]);
  assert.is(out, 'name\nn1\nn2\nn3\n');
});

test('SQL Drill refuses is one coded line with its message, exit 1, no stack', () => {
  const r = scratch.wshed(['query', 'p.wshed', `SELECT nothere FROM ${reservoir}_nosuch`, ...drillArgs()]);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /WS741/);
  assert.match(r.stderr, new RegExp(`${reservoir}_nosuch`));
  assert.not.match(r.stderr, /\n\s+at /);
});

test('a typo over views already made (no planning round trip first) is one coded line with Drill\'s message', () => {
  ok(['query', 'p.wshed', `SELECT count(*) AS n FROM ${reservoir}_archived`, ...drillArgs()]);
  const r = scratch.wshed(['query', 'p.wshed', `SELEC * FROM ${reservoir}_archived`, ...drillArgs()]);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /WS741/);
  assert.match(r.stderr, /Non-query expression|PARSE ERROR|Encountered/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test('a query of the archive run beside the check of the views answers from the plan\'s views, even right after someone replaced one', async () => {
  const sql = `SELECT * FROM ${reservoir}_archived ORDER BY id`;
  const before = ok(['query', 'p.wshed', sql, '--format', 'ndjson', ...drillArgs()]);
  assert.is(before.trim().split('\n').length, ARCHIVED.length);
  // Someone else's view under the same name: a query started over it must not be the answer.
  await drill.query(`CREATE OR REPLACE VIEW \`dfs\`.\`tmp\`.\`${reservoir}_archived\` AS SELECT 1 AS wrong FROM (VALUES(1))`);
  assert.is(ok(['query', 'p.wshed', sql, '--format', 'ndjson', ...drillArgs()]), before);
  // And again, the views now current: the run started beside the check is the answer.
  assert.is(ok(['query', 'p.wshed', sql, '--format', 'ndjson', ...drillArgs()]), before);
  const table = ok(['query', 'p.wshed', `SELECT count(*) AS n FROM ${reservoir}_archived`, ...drillArgs()]);
  assert.match(table, new RegExp(`\\b${ARCHIVED.length}\\b`));
});

test('an unreachable Drill is one line naming the URL without its credentials', async () => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const r = scratch.wshed(['query', 'p.wshed', `SELECT 1 FROM (VALUES(1))`, '--engine', 'drill', '--drill-url', `http://bob:hunter2@127.0.0.1:${port}`]);
  assert.is(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 2, r.stderr);
  assert.match(lines[0], new RegExp(`WS850.*cannot reach Drill at http://127\\.0\\.0\\.1:${port}/? \\(connection refused\\)`));
  assert.not.match(r.stderr, /bob|hunter2/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test('--drill-url without --engine drill is a usage error (exit 2)', () => {
  const r = scratch.wshed(['query', 'p.wshed', 'SELECT 1', '--drill-url', 'http://127.0.0.1:1']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /--drill-url is for --engine drill/);
});

test('Ctrl-C cancels the running query on Drill (its profile says CANCELED) and says so', async () => {
  const client = new DrillClient(drill.url);
  const sql = `SELECT MAX(id_i) AS n FROM \`${mock}\`.\`employees_2000000000\``;
  const run = scratch.start(['query', 'p.wshed', sql, ...drillArgs()]);
  const deadline = Date.now() + 120_000;
  let queryId: string | undefined;
  while (!queryId && Date.now() < deadline) {
    queryId = (await client.running()).find((q) => q.query.startsWith(sql))?.queryId;
    if (!queryId) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(queryId, 'the query runs on Drill');
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`WS854.*cancelled on Drill \\(query ${queryId}\\)`));
  assert.not.match(r.stderr, /\n\s+at /);
  let state: unknown = null;
  while (Date.now() < deadline && state !== 3 && state !== 'CANCELED') {
    state = (await client.profile(queryId!))?.state ?? null;
    if (state !== 3) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(state === 3 || state === 'CANCELED', `profile state ${String(state)}`);
});

test.run();
