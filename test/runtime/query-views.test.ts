import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { runQuery, type QueryRunResult } from '../../src/runtime/query/run-query.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import type { ReservoirStore } from '../../src/runtime/reservoir/store.ts';
import { openEmbeddedSqlEngine } from '../../src/runtime/target/embedded-sql.ts';
import { isRuntimeError, type RuntimeError } from '../../src/runtime/runtime-error.ts';
import { archiveStep, rejects, startTestKinesis, tempDir, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
});
test.after(async () => {
  await kinesis.close();
});
test.before.each(async () => {
  dir = await tempDir('wshed-query-');
});
test.after.each(async () => {
  await dir.remove();
});

let counter = 0;
/** A stream name that is also a .wshed identifier. */
const streamName = () => `q_${process.pid}_${++counter}`;

function planFor(stream: string, root: string, queries = '', format: 'json' | 'parquet' = 'json'): Plan {
  const text = `stream ${stream} { shards 2 }\nreservoir orders {\n  from stream ${stream}\n  at "${root}"\n  format ${format}\n  partition hourly\n}\n${queries}`;
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const { plan, diagnostics } = compile({ path: 'test.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(JSON.stringify(diagnostics));
  return plan;
}

/** Runs SQL and returns the NDJSON rows parsed, with the run's result. */
async function query(plan: Plan, sql: string, streams: StreamService | null = kinesis.streams): Promise<{ rows: Record<string, unknown>[]; result: QueryRunResult }> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const result = await runQuery({ plan, cwd: dir.path, streams, sql, format: 'ndjson', out });
  return { rows: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), result };
}

async function count(plan: Plan, view: string, streams: StreamService | null = kinesis.streams): Promise<number> {
  return (await query(plan, `SELECT count(*) AS n FROM ${view}`, streams)).rows[0].n as number;
}

const order = (n: number) => ({
  order_id: n,
  customer: { id: `c-${n % 7}`, region: ['eu', 'us', 'ap'][n % 3] },
  status: n % 4 === 0 ? 'cancelled' : 'open',
  total: n * 1.5,
  items: [{ sku: `s-${n % 5}`, qty: 1 + (n % 2) }],
});
const entries = (from: number, to: number, data: (n: number) => unknown = order) =>
  Array.from({ length: to - from }, (_, i) => ({ partitionKey: `k${from + i}`, data: Buffer.from(JSON.stringify(data(from + i))) }));

test('a record both archived and still live counts once in the unified view', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, entries(0, 300));
  await archiveReservoir(archiveStep('orders', stream, dir.path), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, stream, entries(300, 420));
  const plan = planFor(stream, dir.path);

  assert.is(await count(plan, 'orders'), 420);
  assert.is(await count(plan, 'orders_archived'), 300);
  assert.is(await count(plan, 'orders_live'), 120);

  // The archiver commits the 120 new records after the query read the checkpoint but before it
  // listed the files: they are both in files and in the live table, and still count once.
  let archivedMidway = false;
  const racing: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
    async listShards(name: string) {
      if (!archivedMidway) {
        archivedMidway = true;
        await archiveReservoir(archiveStep('orders', stream, dir.path), { streams: kinesis.streams });
      }
      return kinesis.streams.listShards(name);
    },
  });
  const { rows } = await query(
    plan,
    `SELECT (SELECT count(*) FROM orders) AS unified, (SELECT count(DISTINCT (_shard_id, _sequence_number, _sub_sequence_number)) FROM orders) AS distinct_records,
            (SELECT count(*) FROM orders_archived) AS archived, (SELECT count(*) FROM orders_live) AS live`,
    racing,
  );
  assert.ok(archivedMidway);
  assert.equal(rows[0], { unified: 420, distinct_records: 420, archived: 420, live: 120 });
  // Fields read the same through either part of the unified view.
  const byRegion = await query(plan, 'SELECT customer.region AS region, count(*) AS n, sum(total) AS total FROM orders GROUP BY 1 ORDER BY 1', racing);
  assert.equal(byRegion.rows, [
    { region: 'ap', n: 140, total: 44205 },
    { region: 'eu', n: 140, total: 43785 },
    { region: 'us', n: 140, total: 43995 },
  ]);
});

test('payload keys are typed columns, nested objects are structs, odd payloads read as NULL fields', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  const odd = [42, 'text', [1, 2], null, { order_id: 'not a number', extra: true }, { status: 'open' }];
  await putAllRecords(kinesis.streams, stream, [
    ...entries(0, 60),
    ...odd.map((p, i) => ({ partitionKey: `odd${i}`, data: Buffer.from(JSON.stringify(p)) })),
  ]);
  await archiveReservoir(archiveStep('orders', stream, dir.path), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, stream, entries(60, 80));
  const plan = planFor(stream, dir.path);

  const described = await query(plan, 'DESCRIBE orders');
  assert.equal(
    described.rows.map((r) => `${r.column_name} ${r.column_type}`),
    [
      '_stream VARCHAR',
      '_shard_id VARCHAR',
      '_sequence_number VARCHAR',
      '_sub_sequence_number BIGINT',
      '_partition_key VARCHAR',
      '_arrival_time TIMESTAMP',
      'order_id JSON',
      'customer STRUCT(id VARCHAR, region VARCHAR)',
      'status VARCHAR',
      'total DOUBLE',
      'items STRUCT(sku VARCHAR, qty BIGINT)[]',
      'extra BOOLEAN',
      'payload JSON',
    ],
  );
  const regions = await query(plan, `SELECT customer.region AS region, count(*) AS n FROM orders WHERE total > 30 AND status <> 'cancelled' GROUP BY 1 ORDER BY 1`);
  assert.equal(regions.rows, [
    { region: 'ap', n: 15 },
    { region: 'eu', n: 15 },
    { region: 'us', n: 15 },
  ]);
  // A payload that is not an object keeps its row: NULL fields, the JSON in `payload`.
  const oddRows = await query(plan, `SELECT payload, status, customer FROM orders WHERE customer IS NULL ORDER BY _partition_key`);
  assert.equal(oddRows.rows, [
    { payload: 42, status: null, customer: null },
    { payload: 'text', status: null, customer: null },
    { payload: [1, 2], status: null, customer: null },
    { payload: null, status: null, customer: null },
    { payload: { order_id: 'not a number', extra: true }, status: null, customer: null },
    { payload: { status: 'open' }, status: 'open', customer: null },
  ]);
  // Reading fields without `payload` takes the typed path; with it, json_transform: same answers.
  const fields = 'order_id, customer.id AS customer, status, total, items[1].qty AS qty, extra';
  const typed = await query(plan, `SELECT ${fields} FROM orders_archived ORDER BY _sequence_number`);
  const viaJson = await query(plan, `SELECT ${fields}, payload IS NULL AS no_payload FROM orders_archived ORDER BY _sequence_number`);
  assert.is(typed.rows.length, 66);
  assert.equal(typed.rows, viaJson.rows.map(({ no_payload: _, ...rest }) => rest));
  assert.equal(typed.rows[0], { order_id: 0, customer: 'c-0', status: 'cancelled', total: 0, qty: 1, extra: null });
  // With `payload` only the fields a query names are transformed together; the others are still
  // there, each computed on its own when read in a way the parse does not show (USING).
  const everything = await query(plan, `SELECT *, payload->>'status' AS raw_status FROM orders_archived ORDER BY _sequence_number`);
  const named = await query(plan, `SELECT order_id, customer, payload->>'status' AS raw_status FROM orders_archived ORDER BY _sequence_number`);
  assert.equal(named.rows, everything.rows.map((r) => ({ order_id: r.order_id, customer: r.customer, raw_status: r.raw_status })));
  const hidden = await query(plan, `SELECT count(*) AS n FROM orders_archived JOIN (SELECT 'open' AS status, payload IS NULL AS p FROM orders_archived LIMIT 1) AS b USING (status)`);
  const plain = await query(plan, `SELECT count(*) AS n FROM orders_archived WHERE status = 'open'`);
  assert.ok((plain.rows[0].n as number) > 0);
  assert.equal(hidden.rows, plain.rows);
  // A key no record in the sample had is not a column; the error says where it still is.
  const rare = await rejects(() => query(plan, 'SELECT rare FROM orders'));
  assert.is((rare as RuntimeError).fix, "'DESCRIBE <view>' lists a view's columns; a payload key that is not one is still in payload->>'rare'");
});

test('a Parquet reservoir has the same views and columns', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, entries(0, 30));
  await archiveReservoir(archiveStep('orders', stream, dir.path, { format: 'parquet' }), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, stream, entries(30, 40));
  const plan = planFor(stream, dir.path, '', 'parquet');
  const { rows } = await query(plan, `SELECT count(*) AS n, count(*) FILTER (WHERE customer.region = 'eu') AS eu, max(items[1].sku) AS sku FROM orders`);
  assert.equal(rows, [{ n: 40, eu: 14, sku: 's-4' }]);
  assert.is(await count(plan, 'orders_archived'), 30);
});

test('an empty reservoir and a stopped service give empty views, with notes', async () => {
  const stream = streamName();
  const plan = planFor(stream, dir.path);
  const stopped = await query(plan, 'SELECT (SELECT count(*) FROM orders) AS a, (SELECT count(*) FROM orders_archived) AS b, (SELECT count(*) FROM orders_live) AS c', null);
  assert.equal(stopped.rows, [{ a: 0, b: 0, c: 0 }]);
  assert.equal(stopped.result.notes, [
    "the local Kinesis service is not running: 'orders_live' is empty and 'orders' holds archived records only",
    "reservoir 'orders' has no archived files yet",
  ]);
  assert.match((await query(plan, 'SELECT count(*) FROM orders')).result.notes[0], /stream 'q_\d+_\d+' does not exist/);

  // No record anywhere: no payload columns yet, and the error says why.
  const noFields = await rejects(() => query(plan, `SELECT count(*) FROM orders WHERE status = 'open'`, null));
  assert.is((noFields as RuntimeError).fix, "'orders' holds no records yet, so its views have only metadata columns and payload");

  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, entries(0, 5));
  const liveOnly = await query(plan, 'SELECT count(*) AS n, count(DISTINCT customer.region) AS regions FROM orders');
  assert.equal(liveOnly.rows, [{ n: 5, regions: 3 }]);
});

test('a saved query runs by name; an unknown name lists the saved ones', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, entries(0, 40));
  await archiveReservoir(archiveStep('orders', stream, dir.path), { streams: kinesis.streams });
  const saved = `query revenue_by_region """\n  SELECT customer.region AS region, round(sum(total), 2) AS revenue\n  FROM orders WHERE status <> 'cancelled'\n  GROUP BY region ORDER BY revenue DESC\n"""\n`;
  const plan = planFor(stream, dir.path, saved);
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const result = await runQuery({ plan, cwd: dir.path, streams: kinesis.streams, name: 'revenue_by_region', format: 'csv', out });
  assert.is(text, 'region,revenue\neu,301.5\nap,300\nus,298.5\n');
  assert.equal(result.columns, ['region', 'revenue']);
  assert.is(result.rows, 3);

  const err = await rejects(() => runQuery({ plan, cwd: dir.path, streams: null, name: 'revenue', format: 'csv', out }));
  assert.ok(isRuntimeError(err, 'WS742'));
  assert.is((err as RuntimeError).render(), "WS742: the pipeline has no saved query 'revenue' (saved queries: revenue_by_region)");
});

test("a SQL error is DuckDB's message under a code, before any live record is read", async () => {
  const plan = planFor(streamName(), dir.path);
  const out = new Writable({ write: (_c, _e, done) => done() });
  const binder = await rejects(() => runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELECT nope FROM orders', format: 'table', out }));
  assert.ok(isRuntimeError(binder, 'WS741'));
  assert.match(binder.message, /^Binder Error: Referenced column "nope" not found in FROM clause!/);
  const unknownView = await rejects(() => runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELECT * FROM orderz', format: 'table', out }));
  assert.match((unknownView as RuntimeError).fix, /the views are orders, orders_archived, orders_live/);

  const untouched: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
    describeStream: () => Promise.reject(new Error('the stream must not be read for a syntax error')),
  });
  const parser = await rejects(() => runQuery({ plan, cwd: dir.path, streams: untouched, sql: 'SELEC count(*) FROM orders', format: 'table', out }));
  assert.ok(isRuntimeError(parser, 'WS741'));
  assert.is(parser.message.split('\n')[0], 'Parser Error: syntax error at or near "SELEC"');
});

test('with the service stopped the files of the reservoirs the SQL names are listed while DuckDB opens: one it does not read cannot fail it, one it reads fails it after the SQL parses', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, entries(0, 12));
  await archiveReservoir(archiveStep('orders', stream, `${dir.path}/orders`), { streams: kinesis.streams });
  const text =
    `stream ${stream} { shards 2 }\n` +
    `reservoir orders {\n  from stream ${stream}\n  at "${dir.path}/orders"\n  format json\n  partition hourly\n}\n` +
    `reservoir broken {\n  from stream ${stream}\n  at "${dir.path}/broken"\n  format json\n  partition hourly\n}\n`;
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const plan = compile({ path: 'test.wshed', text }, { config, now: new Date() }).plan!;
  const listed: string[] = [];
  // The store of 'broken' cannot be listed (a folder the user may not read, a store gone away).
  const runtime = {
    openSqlEngine: () => openEmbeddedSqlEngine({ threads: 2, memoryLimit: '512MB' }),
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]): ReservoirStore => {
      const store = openReservoirStore(reservoir, location, dir.path);
      return Object.assign(Object.create(store) as ReservoirStore, {
        list: (prefix?: string) => {
          listed.push(reservoir);
          if (reservoir === 'broken') throw new Error('the store of broken cannot be listed');
          return store.list(prefix);
        },
      });
    },
  };
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString('utf8')), done()) });
  // Its name is in the text, so it is listed early too, but not read.
  const result = await runQuery({ plan, cwd: dir.path, streams: null, sql: "SELECT count(*) AS n, 'broken' AS not_read FROM orders_archived", format: 'ndjson', out: sink, runtime });
  assert.is(out, '{"n":12,"not_read":"broken"}\n');
  assert.equal(result.notes, []);
  assert.equal(listed.sort(), ['broken', 'orders'], 'both listed early, one failing unseen');
  listed.length = 0;
  out = '';
  await runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELECT count(*) AS n FROM orders_archived', format: 'ndjson', out: sink, runtime });
  assert.equal(listed, ['orders'], 'a reservoir the text does not name is not listed');

  // The live table is created only when something may name it.
  out = '';
  await runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM WSHED_LIVE.orders) AS n', format: 'ndjson', out: sink, runtime });
  assert.is(out, '{"n":12}\n');

  const parser = await rejects(() => runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELEC count(*) FROM broken', format: 'ndjson', out: sink, runtime }));
  assert.ok(isRuntimeError(parser, 'WS741'), 'the SQL is checked first');
  const failed = await rejects(() => runQuery({ plan, cwd: dir.path, streams: null, sql: 'SELECT count(*) FROM broken', format: 'ndjson', out: sink, runtime }));
  assert.is(failed.message, 'the store of broken cannot be listed');
});

test.run();
