// The reservoir views, created and queried in DuckDB the way saved queries use them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findInput } from '../../src/compiler/plan/inputs.ts';
import { replaySql, reservoirViews, savedQuerySql } from '../../src/compiler/sql/index.ts';
import { duck, rec, seq, tempDir, writeJsonReservoir, type Duck } from './fixtures.ts';
import { naming, replayModel, reservoirModel, streamModel } from './models.ts';

const archived = [
  rec(0, seq(1), '2026-11-01T00:01:00.123Z', { status: 'shipped', total: 150 }),
  rec(1, seq(2), '2026-11-01T00:02:00.000Z', 'a scalar payload'),
];
const live = [archived[1], rec(0, seq(3), '2026-11-01T00:03:00.000Z', { status: 'new', extra: [1, 2] })];

let db: Duck;

test.before(async () => {
  db = await duck();
  const root = tempDir();
  writeJsonReservoir(root, 'hourly', archived);
  const reservoir = reservoirModel({ location: { kind: 'local', path: root } });
  const { inputs } = replaySql(replayModel({ source: 'archive+live' }), reservoir, streamModel(), naming);
  await db.liveTable(findInput(inputs, 'live')!.relation.duckdb, live);
  await db.bind(inputs);
  for (const view of reservoirViews(reservoir, streamModel(), naming)) {
    await db.conn.run(`CREATE VIEW "${view.name}" AS ${view.sql.duckdb}`);
  }
});

test('three views: unified, archived and live, named after the reservoir', () => {
  const views = reservoirViews(reservoirModel(), streamModel(), naming);
  assert.equal(views.map((v) => [v.name, v.role]), [['orders_lake', 'unified'], ['orders_lake_archived', 'archived'], ['orders_lake_live', 'live']]);
});

test('the unified view holds each record once; archived and live hold their own', async () => {
  const count = async (v: string) => (await db.rows(`SELECT count(*) AS n FROM ${v}`))[0].n;
  assert.is(await count('orders_lake'), '3');
  assert.is(await count('orders_lake_archived'), '2');
  assert.is(await count('orders_lake_live'), '2');
});

test('metadata columns are _-prefixed, _arrival_time is a TIMESTAMP, the payload one JSON column', async () => {
  const rows = await db.rows(
    `SELECT _stream, _shard_id, _sequence_number, _sub_sequence_number, _partition_key, _arrival_time,
            typeof(_arrival_time) AS t, typeof(payload) AS p, payload->>'status' AS status
     FROM orders_lake ORDER BY _arrival_time`,
  );
  assert.equal(rows[0], {
    _stream: 'orders',
    _shard_id: 'shardId-000000000000',
    _sequence_number: seq(1),
    _sub_sequence_number: '0',
    _partition_key: 'pk-0',
    _arrival_time: '2026-11-01 00:01:00.123',
    t: 'TIMESTAMP',
    p: 'JSON',
    status: 'shipped',
  });
  assert.equal(rows.map((r) => r.status), ['shipped', null, 'new']);
});

test('a saved query runs as written against the views', async () => {
  const sql = savedQuerySql(`\n  SELECT payload->>'status' AS status, count(*) AS n FROM orders_lake GROUP BY ALL ORDER BY status  \n`);
  assert.is(sql.duckdb, "SELECT payload->>'status' AS status, count(*) AS n FROM orders_lake GROUP BY ALL ORDER BY status");
  assert.is(sql.drill, sql.duckdb);
  assert.equal(await db.rows(sql.duckdb), [{ status: 'new', n: '1' }, { status: 'shipped', n: '1' }, { status: null, n: '1' }]);
});

test.run();
