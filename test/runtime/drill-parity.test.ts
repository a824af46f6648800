// DuckDB and Drill give the same rows: over one reservoir the real archiver wrote from kinesalite
// (with live records past its checkpoint), the real DuckDB (`wshed query`'s runQuery, the replay
// source) and the real local Drill (views bound by bindDrillViews, the plan's Drill SQL) run the
// saved queries of the golden cases and of pipelines/, view, filter and bound queries, and every
// replay's pushed-down source SQL (scan, de-duplication, bounds, compaction, filter, order, limit),
// over NDJSON reservoirs (hourly and daily) and a Parquet one.
//
// Rows are compared after one normalisation, for where the engines' value models differ:
// - Drill reads every JSON scalar inside `payload` as text (store.json.all_text_mode, or a field
//   whose type varies between files reads as NULL): a numeric or true/false string equals the
//   number or boolean DuckDB gives;
// - a Drill map has every key its table's files have: a member that is null (absent on DuckDB) is
//   dropped, and so is a nested object left empty by that;
// - DATE and TIMESTAMP values are epoch milliseconds on Drill and text on DuckDB: both become ms;
// - floating-point sums may differ in the last bits (summation order): compared to 1e-9 relative;
// - an expression without an alias is named by each engine (`count_star()`, `EXPR$0`): only aliased
//   column names are compared.
// Rows of a query without a total order are compared as multisets; a replay's rows in order.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, Plan, QueryStep, ReplayStep, ReservoirViewsStep } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { removeLiveSnapshot, writeLiveSnapshot } from '../../src/runtime/drill/live-snapshot.ts';
import { bindDrillViews, replayDrillSql } from '../../src/runtime/drill/views.ts';
import { PAYLOAD_TEXT } from '../../src/compiler/sql/index.ts';
import { duckdbJsonText } from '../../src/runtime/replay/duckdb-json.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { ReplaySource } from '../../src/runtime/replay/source.ts';
import { defaultConfig, GOLDEN_NOW, targetOf } from '../golden/harness.ts';
import { startTestDrill, type TestDrill } from './helpers/drill.ts';
import { drillWorkspaces, type DrillWorkspaces } from './helpers/drill-views.ts';
import { archiveStep, startTestKinesis, tempDir, withArrivalTimes, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

const test = suite('DuckDB and Drill give the same rows');
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

let kinesis: TestKinesis;
let drill: TestDrill;
let dir: TempDir;
let ws: DrillWorkspaces;
let streams: StreamService;
let plan: Plan;

const ORDERS = 200;
const ARCHIVED = 160;
const BASE = Date.parse('2026-11-01T00:00:00.000Z');
const uid = `${process.pid}`;
const ordersStream = `parity_orders_${uid}`;
const clicksStream = `parity_clicks_${uid}`;

const REGIONS = ['eu', 'us', 'ap'];
const STATUSES = ['open', 'shipped', 'cancelled', 'shipped'];
const order = (n: number) => ({
  order_id: n,
  key: `k-${n % 40}`,
  customer: { id: `c-${n % 7}`, region: REGIONS[n % 3] },
  status: STATUSES[n % 4],
  // Integers and fractions in one field, above and below 100.
  total: n % 5 === 0 ? n : n * 1.25,
  items: [{ sku: `s-${n % 5}`, qty: 1 + (n % 2) }],
});

const replays = `
stream parity_out_${uid} { shards 1 }
replay all_records from archive+live orders_archive into stream parity_out_${uid}
replay archived_only from archive orders_archive into stream parity_out_${uid}
replay live_only from live orders_archive into stream parity_out_${uid}
replay compacted from archive+live orders_archive into stream parity_out_${uid}
  compact by key customer.id
replay compacted_meta from archive+live orders_archive into stream parity_out_${uid}
  compact by key partition_key
replay filtered from archive+live orders_archive into stream parity_out_${uid}
  where status = 'shipped' and total > 100 and customer.region in ('eu', 'us')
replay bounded from archive+live orders_archive into stream parity_out_${uid}
  since 2026-11-01T06:00:00Z until 2026-11-02T03:00:00Z
  limit 50
replay everything from archive+live orders_archive into stream parity_out_${uid}
  where status <> 'cancelled'
  since 2026-11-01T03:00:00Z until 2026-11-03
  compact by key key
  limit 20
`;

test.before(async () => {
  // uvu reports a failed before hook only as tests not run: say why.
  await setUp().catch((err: unknown) => {
    console.error('drill-parity set-up failed:', err);
    throw err;
  });
});

async function setUp(): Promise<void> {
  kinesis = await startTestKinesis();
  drill = await startTestDrill();
  dir = await tempDir('wshed-drill-parity-');
  // Arrival times spread over three days, one record each 20 minutes, so bounds and days prune.
  streams = withArrivalTimes(kinesis.streams, (r) => {
    const body = JSON.parse(r.data.toString('utf8')) as { order_id?: number; click?: number };
    return new Date(BASE + (body.order_id ?? body.click ?? 0) * 20 * 60_000);
  });
  const orders = path.join(dir.path, 'orders_archive');
  const clicks = path.join(dir.path, 'clicks_archive');
  const parquet = path.join(dir.path, 'orders_parquet');
  const text = `stream ${ordersStream} { shards 2 }
stream ${clicksStream} { shards 1 }
reservoir orders_archive {\n  from stream ${ordersStream}\n  at "${orders}"\n  format json\n  partition hourly\n}
reservoir clicks_archive {\n  from stream ${clicksStream}\n  at "${clicks}"\n  format json\n  partition daily\n}
reservoir orders_parquet {\n  from stream ${ordersStream}\n  at "${parquet}"\n  format parquet\n  partition daily\n}
replay from_parquet from archive+live orders_parquet into stream parity_out_${uid}
  where status = 'shipped'
  compact by key customer.id
${replays}`;
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const compiled = compile({ path: 'parity.wshed', text }, { config, now: new Date() });
  if (!compiled.plan) throw new Error(JSON.stringify(compiled.diagnostics));
  plan = compiled.plan;

  await kinesis.streams.ensureStream(ordersStream, 2, 168);
  await kinesis.streams.ensureStream(clicksStream, 1, 168);
  const entries = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({ partitionKey: order(from + i).key, data: Buffer.from(JSON.stringify(order(from + i))) }));
  await putAllRecords(kinesis.streams, ordersStream, entries(0, ARCHIVED));
  await putAllRecords(kinesis.streams, clicksStream, Array.from({ length: 12 }, (_, i) => ({ partitionKey: `p${i}`, data: Buffer.from(JSON.stringify({ click: i * 9, page: `/p/${i % 3}` })) })));
  await archiveReservoir(archiveStep('orders_archive', ordersStream, orders), { streams });
  await archiveReservoir(archiveStep('clicks_archive', clicksStream, clicks, { partition: 'daily' }), { streams });
  await archiveReservoir(archiveStep('orders_parquet', ordersStream, parquet, { partition: 'daily', format: 'parquet' }), { streams });
  // Past the checkpoint: live on both engines.
  await putAllRecords(kinesis.streams, ordersStream, entries(ARCHIVED, ORDERS));

  ws = await drillWorkspaces(drill, 'wshed', { orders_archive: orders, clicks_archive: clicks, orders_parquet: parquet });
  for (const step of plan.steps.filter((s): s is ReservoirViewsStep => s.kind === 'reservoir-views')) {
    const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir)!;
    await bindDrillViews(ws.session, { views: step, archive, store: new FsReservoirStore(archive.location.kind === 'local' ? archive.location.path : ''), streams, wanted: true, viewsWorkspace: ws.views });
  }
}

test.after(async () => {
  await ws?.close();
  await dir?.remove();
  await kinesis?.close();
  await drill?.close();
});

// ---------- normalisation (see the header) ----------

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?Z?$/;

function norm(value: unknown, temporal: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => norm(v, false));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const n = norm(v, false);
      if (n === null) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n as object).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  if (typeof value === 'string') {
    if (temporal && DATE_TEXT.test(value)) return Date.parse(value.replace(' ', 'T').replace(/Z?$/, 'Z'));
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) && value.length < 16) return Number(value);
    if (value === 'true' || value === 'false') return value === 'true';
  }
  return value;
}

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return close(ka, kb) && ka.every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

interface Rows {
  readonly columns: readonly string[];
  readonly rows: readonly unknown[][];
}

/** Which columns are temporal: by name on the views (`_arrival_time`) or by a value that is a date on either side. */
function normalise(r: Rows, temporal: ReadonlySet<string>): unknown[][] {
  return r.rows.map((row) => row.map((v, i) => norm(v, temporal.has(r.columns[i]!))));
}

function compareRows(what: string, duck: Rows, dr: Rows, ordered: boolean, temporal: ReadonlySet<string>): void {
  assert.is(dr.columns.length, duck.columns.length, `${what}: column count`);
  duck.columns.forEach((c, i) => {
    const d = dr.columns[i]!;
    if (!/^EXPR\$\d+$/.test(d) && !/\(.*\)/.test(c)) assert.is(d.toLowerCase(), c.toLowerCase(), `${what}: column ${i}`);
  });
  let a = normalise(duck, temporal);
  let b = normalise(dr, temporal);
  if (!ordered) {
    const key = (row: unknown[]) => JSON.stringify(row);
    a = [...a].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    b = [...b].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  }
  assert.is(b.length, a.length, `${what}: row count`);
  for (let i = 0; i < a.length; i++) {
    if (!close(a[i], b[i])) assert.equal(b[i], a[i], `${what}: row ${i} (DuckDB's is the expected)`);
  }
}

// ---------- the two engines ----------

async function onDuckDb(sql: string): Promise<Rows> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const result = await runQuery({ plan, cwd: dir.path, streams, sql, format: 'ndjson', out });
  const rows = text.split('\n').filter((l) => l !== '').map((l) => Object.values(JSON.parse(l) as Record<string, unknown>));
  return { columns: result.columns, rows };
}

async function onDrill(sql: string): Promise<Rows> {
  const r = await ws.session.query(sql);
  return { columns: r.columns, rows: r.rows.map((row) => r.columns.map((c) => row[c])) };
}

const TEMPORAL = new Set(['_arrival_time', 'day']);

async function same(what: string, sql: string, options: { drillSql?: string; ordered?: boolean } = {}): Promise<void> {
  const duck = await onDuckDb(sql);
  assert.ok(duck.rows.length > 0 || /live|none/.test(what), `${what}: DuckDB returned rows to compare`);
  compareRows(what, duck, await onDrill(options.drillSql ?? sql), options.ordered ?? false, TEMPORAL);
}

// ---------- saved queries of the golden cases and pipelines/ ----------

/**
 * Saved queries that cannot run on Drill as written, and why (user SQL, not generated: each engine
 * reads it in its own dialect). Everything else in the files runs on both.
 */
const NOT_PORTABLE: Record<string, string> = {
  live_only: 'a double-quoted identifier ("live"): Drill quotes identifiers with backticks',
  big_customers: 'GROUP BY a whole object (customer), or customer.id without a table alias: Drill cannot group by a map, and reaches into a map only through an alias',
  top_customers: 'GROUP BY a whole object (customer): Drill cannot group by a map',
  revenue_by_region: 'customer.region without a table alias: Drill reaches into a map only through an alias (t.customer.region)',
};

async function savedQueries(): Promise<{ file: string; name: string; sql: string }[]> {
  const out: { file: string; name: string; sql: string }[] = [];
  for (const folder of ['test/golden/valid', 'pipelines']) {
    for (const f of readdirSync(path.join(ROOT, folder)).filter((x) => x.endsWith('.wshed'))) {
      const file = path.join(folder, f);
      const text = await readFile(path.join(ROOT, file), 'utf8');
      // The golden harness's own configuration for the file's target.
      const result = compile({ path: file, text }, { config: defaultConfig(targetOf(text)), now: GOLDEN_NOW });
      for (const q of (result.plan?.steps ?? []).filter((s): s is QueryStep => s.kind === 'query')) out.push({ file, name: q.name, sql: q.sql.duckdb });
    }
  }
  return out;
}

test('the saved queries of the golden cases and of pipelines/ (those that name these reservoirs)', async () => {
  const queries = await savedQueries();
  let ran = 0;
  for (const q of queries) {
    if (!/\b(orders_archive|clicks_archive)\b/.test(q.sql)) continue;
    if (NOT_PORTABLE[q.name]) continue;
    await same(`${q.file} query ${q.name}`, q.sql);
    ran++;
  }
  assert.ok(ran >= 4, `ran ${ran} saved queries: ${queries.map((q) => q.name).join(', ')}`);
  // What the left-out ones ask, written so both engines read it (a table alias, no map in GROUP BY).
  await same('revenue by region, with a table alias', `SELECT o.customer.region AS region, count(*) AS orders, round(sum(o.total), 2) AS revenue
    FROM orders_archive AS o WHERE o.status <> 'cancelled' GROUP BY o.customer.region ORDER BY revenue DESC`);
  await same('big customers, with a table alias', `SELECT o.customer.id AS customer, count(*) AS n FROM orders_archive AS o
    WHERE o.total > 100 GROUP BY o.customer.id ORDER BY n DESC, customer`);
  await same('live count', 'SELECT count(*) AS live_records FROM orders_archive_live');
});

// ---------- the views: unified, archived, live; filters and bounds ----------

test('every row and column of the three views', async () => {
  for (const view of ['orders_archive', 'orders_archive_archived', 'orders_archive_live', 'clicks_archive', 'orders_parquet', 'orders_parquet_archived']) {
    await same(`SELECT * FROM ${view}`, `SELECT * FROM ${view} ORDER BY _shard_id, _sequence_number`, { ordered: true });
  }
  const unified = await onDrill('SELECT count(*) AS n FROM orders_archive');
  assert.is(Number(unified.rows[0]![0]), ORDERS, 'archive + live, each record once');
});

test('filters and time bounds over the unified view', async () => {
  await same('filter on payload fields', `SELECT _sequence_number, order_id, total FROM orders_archive WHERE status = 'shipped' AND total > 100`);
  await same('filter on a nested field', `SELECT o.order_id FROM orders_archive AS o WHERE o.customer.region IN ('eu', 'us')`);
  await same(
    'bounds on the arrival time',
    `SELECT order_id, _arrival_time FROM orders_archive WHERE _arrival_time >= TIMESTAMP '2026-11-01 12:00:00' AND _arrival_time < TIMESTAMP '2026-11-02 00:00:00'`,
  );
  await same('bounds that hold none', `SELECT order_id FROM orders_archive WHERE _arrival_time >= TIMESTAMP '2030-01-01 00:00:00'`);
  await same('per day', `SELECT CAST(_arrival_time AS DATE) AS day, count(*) AS n, sum(total) AS s FROM orders_archive GROUP BY CAST(_arrival_time AS DATE)`);
});

// ---------- the replays' pushed-down source SQL ----------

test('each replay\'s source SQL: scan, de-duplication, bounds, compaction, filter, order and limit', async () => {
  const steps = plan.steps.filter((s): s is ReplayStep => s.kind === 'replay');
  assert.is(steps.length, 9);
  for (const step of steps) {
    const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir)!;
    const store = new FsReservoirStore(archive.location.kind === 'local' ? archive.location.path : '');
    const source = await ReplaySource.open({ step, openEngine: (r) => openDuckDbEngine(r), store, streams, archive: await readArchiveCheckpoint(store) });
    const duckRows: unknown[][] = [];
    const duckTexts: string[] = [];
    try {
      for await (const r of source.rows()) {
        duckRows.push([r.stream, r.shardId, r.sequenceNumber, r.subSequenceNumber, r.partitionKey, r.arrivalTime, JSON.parse(r.payload)]);
        duckTexts.push(r.payload);
      }
    } finally {
      await source.close();
    }
    const columns = ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', 'payload'];
    assert.ok(duckRows.length > 0, `${step.name}: rows to compare`);
    // On Drill a replay reads its own snapshot (the cut it records), bound inside its SQL.
    const snapshot =
      step.source === 'archive' ? null : await writeLiveSnapshot(store, streams, { stream: step.stream, checkpoint: await readArchiveCheckpoint(store), use: 'replay' });
    const sql = replayDrillSql(plan, step, snapshot);
    assert.ok(sql !== null, `${step.name}: SQL to run`);
    if (snapshot) assert.ok(sql.includes(snapshot.folder), `${step.name}: its SQL reads its own snapshot`);
    // The Drill SQL also carries each payload's archived text, which the replay emits as DuckDB writes it.
    const drilled = await onDrill(sql);
    const textAt = drilled.columns.indexOf(PAYLOAD_TEXT);
    assert.ok(textAt >= 0, `${step.name}: the Drill SQL carries ${PAYLOAD_TEXT}`);
    assert.equal(drilled.rows.map((r) => duckdbJsonText(String(r[textAt]))), duckTexts, `${step.name}: the payloads' bytes`);
    // Its other columns are the record's: the payload comes back as its text only (checked above).
    const withoutPayload = { columns: columns.slice(0, -1), rows: duckRows.map((r) => r.slice(0, -1)) };
    compareRows(`replay ${step.name}`, withoutPayload, { columns: drilled.columns.filter((_, i) => i !== textAt), rows: drilled.rows.map((r) => r.filter((_, i) => i !== textAt)) }, true, new Set());
    if (snapshot) await removeLiveSnapshot(store, snapshot);
  }
});

test('a bounded replay\'s Drill SQL prunes on dir0: only its days\' folders are scanned', async () => {
  const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === 'orders_archive')!;
  const store = new FsReservoirStore(archive.location.kind === 'local' ? archive.location.path : '');
  const snapshot = await writeLiveSnapshot(store, streams, { stream: archive.stream, checkpoint: await readArchiveCheckpoint(store), use: 'replay' });
  assert.ok(snapshot.records > 0);
  const files = async (name: string) => {
    const step = plan.steps.find((s): s is ReplayStep => s.kind === 'replay' && s.name === name)!;
    const sql = replayDrillSql(plan, step, snapshot)!;
    const explained = await ws.session.query(`EXPLAIN PLAN FOR ${sql}`);
    const text = String(explained.rows[0]!.text);
    return [...text.matchAll(/files=\[([^\]]*)\]/g)].flatMap((m) => m[1]!.split(', ')).filter((f) => f.includes('/orders_archive/dt='));
  };
  const all = await files('all_records');
  const bounded = await files('bounded');
  assert.ok(all.some((f) => f.includes('dt=2026-11-03')), 'the unbounded replay reads the third day');
  assert.ok(bounded.length > 0 && bounded.length < all.length, `bounded reads ${bounded.length} of ${all.length} files`);
  for (const f of bounded) assert.match(f, /dt=2026-11-0[12]\//, `since 2026-11-01T06 until 2026-11-02T03 reads those two days only, not ${f}`);
  await removeLiveSnapshot(store, snapshot);
});

test.run();
