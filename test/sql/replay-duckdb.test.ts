// The replay source query run by DuckDB over fixture reservoirs: which records come back, in what order.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import type { ReservoirRecord, PartitionScheme } from '../../src/compiler/record-layout.ts';
import type { ReplayModel, ReservoirModel } from '../../src/compiler/model.ts';
import { findInput } from '../../src/compiler/plan/inputs.ts';
import { replaySql } from '../../src/compiler/sql/index.ts';
import { duck, rec, seq, tempDir, writeDistractions, writeJsonReservoir, type Duck } from './fixtures.ts';
import { and, cmp, field, fieldKey, naming, replayModel, reservoirModel, s, n, streamModel } from './models.ts';

// Key A is updated; B ends 'returned' after being 'shipped'; C has two records at the same arrival
// time, ordered only by sequence numbers longer than 38 digits (text order would swap them);
// r3 lacks order_id and r7 has it as JSON null; r9 arrives exactly at the `until` used below.
const R: Record<string, ReservoirRecord> = {
  r1: rec(0, seq(1), '2026-11-01T00:10:00.000Z', { order_id: 'A', status: 'new', total: 50 }),
  r2: rec(1, seq(2), '2026-11-01T00:20:00.000Z', { order_id: 'B', status: 'shipped', total: 150 }),
  r3: rec(0, seq(3), '2026-11-01T00:30:00.000Z', { status: 'shipped', total: 500 }),
  r4: rec(1, seq(4), '2026-11-01T01:00:00.000Z', { order_id: 'A', status: 'shipped', total: 120 }),
  r5: rec(0, '9'.repeat(41), '2026-11-01T01:30:00.000Z', { order_id: 'C', status: 'shipped', total: 10 }),
  r6: rec(0, '1' + '0'.repeat(41), '2026-11-01T01:30:00.000Z', { order_id: 'C', status: 'cancelled', total: 10 }),
  r7: rec(1, seq(7), '2026-11-01T01:45:00.000Z', { order_id: null, status: 'shipped', total: 7 }),
  r8: rec(0, seq(8), '2026-11-02T23:59:59.999Z', { order_id: 'B', status: 'returned', total: 150 }),
  r9: rec(1, seq(9), '2026-11-03T00:00:00.000Z', { order_id: 'D', status: 'shipped', total: 999 }),
};
const r10 = rec(0, seq(10), '2026-11-03T00:05:00.000Z', { order_id: 'A', status: 'shipped', total: 130 });
const NAMES = new Map([...Object.entries(R), ['r10', r10] as const].map(([name, r]) => [r.sequence_number, name]));
const ALL = Object.values(R);

let db: Duck;
const roots: Record<string, string> = {};

async function setup() {
  db = await duck();
  const dir = tempDir();
  for (const scheme of ['hourly', 'daily'] as PartitionScheme[]) {
    roots[`json-${scheme}`] = path.join(dir, `json-${scheme}`);
    writeJsonReservoir(roots[`json-${scheme}`], scheme, ALL);
    // A record that must not come back: quarantined, and in an unfinished .tmp file.
    writeDistractions(roots[`json-${scheme}`], scheme, rec(0, seq(99), '2026-11-01T00:15:00.000Z', { order_id: 'Q', status: 'shipped', total: 1 }));
    roots[`parquet-${scheme}`] = path.join(dir, `parquet-${scheme}`);
    await db.parquetReservoir(roots[`parquet-${scheme}`], scheme, ALL);
  }
}

function reservoirAt(key: string): ReservoirModel {
  const [format, partition] = key.split('-') as ['json' | 'parquet', PartitionScheme];
  return reservoirModel({ location: { kind: 'local', path: roots[key] }, format, partition });
}

/** Run the replay's DuckDB SQL; return record names in the order returned. */
async function replay(over: Partial<ReplayModel>, reservoirKey = 'json-hourly'): Promise<string[]> {
  const query = replaySql(replayModel(over), reservoirAt(reservoirKey), streamModel(), naming);
  const rows = await db.run(query);
  return rows.map((r) => NAMES.get(String(r.sequence_number)) ?? `unknown ${String(r.sequence_number)}`);
}

test.before(setup);

test('an archive replay returns every archived record in origin order, never quarantine or .tmp files', async () => {
  // r5 before r6: same arrival time, and 41 nines is less than 1 followed by 41 zeros.
  assert.equal(await replay({}), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
});

test('the record columns come back exactly, with the payload as JSON', async () => {
  const query = replaySql(replayModel({ limit: 1 }), reservoirAt('json-hourly'), streamModel(), naming);
  const [row] = await db.run(query);
  assert.equal(Object.keys(row), ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', 'payload']);
  assert.equal(JSON.parse(String(row.payload)), R.r1.payload);
  assert.is(row.arrival_time, R.r1.arrival_time);
});

test('daily, Parquet and hourly layouts return the same records', async () => {
  for (const key of ['json-daily', 'parquet-hourly', 'parquet-daily']) {
    assert.equal(await replay({}, key), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'], key);
  }
});

test('bounds are half open: since is included, until is not', async () => {
  const slice = { since: '2026-11-01T00:20:00.000Z', until: '2026-11-03T00:00:00.000Z' };
  for (const key of ['json-hourly', 'json-daily', 'parquet-hourly']) {
    assert.equal(await replay(slice, key), ['r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'], key);
  }
  assert.equal(await replay({ since: '2026-11-02T23:59:59.999Z' }), ['r8', 'r9']);
  assert.equal(await replay({ until: '2026-11-01T00:30:00.000Z' }), ['r1', 'r2']);
});

test('compaction keeps the greatest origin position per key, and every record without the key', async () => {
  // A → r4, B → r8, C → r6 (tie on arrival time broken by the longer sequence number), D → r9;
  // r3 (order_id missing) and r7 (order_id null) are kept.
  assert.equal(await replay({ compactBy: fieldKey('order_id') }), ['r3', 'r4', 'r6', 'r7', 'r8', 'r9']);
  assert.equal(await replay({ compactBy: fieldKey('order_id') }, 'parquet-daily'), ['r3', 'r4', 'r6', 'r7', 'r8', 'r9']);
});

test('compaction applies to the slice: the last record before until wins', async () => {
  assert.equal(await replay({ compactBy: fieldKey('order_id'), until: '2026-11-01T01:00:00.000Z' }), ['r1', 'r2', 'r3']);
});

test('where filters after compaction: a key whose latest record no longer matches is not replayed', async () => {
  // B's latest (r8) is 'returned' and C's latest (r6) 'cancelled': neither r2 nor r5 come back.
  const where = cmp(field('status'), '=', s('shipped'));
  assert.equal(await replay({ compactBy: fieldKey('order_id'), where }), ['r3', 'r4', 'r7', 'r9']);
});

test('without compaction where applies to every record of the slice, numbers compared as numbers', async () => {
  const where = and(cmp(field('status'), '=', s('shipped')), cmp(field('total'), '>', n(100)));
  assert.equal(await replay({ where }), ['r2', 'r3', 'r4', 'r9']);
});

test('limit applies last, to the filtered records in order', async () => {
  const where = cmp(field('status'), '=', s('shipped'));
  assert.equal(await replay({ compactBy: fieldKey('order_id'), where, limit: 2 }), ['r3', 'r4']);
  assert.equal(await replay({ limit: 0 }), []);
});

test('archive+live keeps one row per record seen in both', async () => {
  // r8 reached the archive after the live read began: it is in both.
  const { inputs } = replaySql(replayModel({ source: 'archive+live' }), reservoirAt('json-hourly'), streamModel(), naming);
  const live = findInput(inputs, 'live')!;
  assert.is(live.relation.duckdb, 'wshed_live.orders_lake');
  // The live copy of r8 differs in its bytes (key order): the archived copy is the one kept.
  const liveR8 = { ...R.r8, payload: { total: 150, status: 'returned', order_id: 'B' } };
  await db.liveTable(live.relation.duckdb, [liveR8, r10]);
  assert.equal(await replay({ source: 'archive+live' }), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
  const query = replaySql(replayModel({ source: 'archive+live', since: R.r8.arrival_time, limit: 1 }), reservoirAt('json-hourly'), streamModel(), naming);
  assert.is((await db.run(query))[0].payload, JSON.stringify(R.r8.payload));
  assert.equal(await replay({ source: 'archive+live', compactBy: fieldKey('order_id') }), ['r3', 'r6', 'r7', 'r8', 'r9', 'r10']);
  assert.equal(await replay({ source: 'live' }), ['r8', 'r10']);
});

test.run();
