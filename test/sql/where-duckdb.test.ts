// What a `where` clause selects, run by DuckDB: typing by literal, missing fields and JSON nulls,
// odd field names, and metadata references.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr } from '../../src/compiler/ast.ts';
import { replaySql } from '../../src/compiler/sql/index.ts';
import { duck, rec, seq, tempDir, writeJsonReservoir, type Duck } from './fixtures.ts';
import {
  and, b, between, cmp, field, inList, isNull, like, meta, n, naming, not, nul, or, paren, replayModel, reservoirModel, s, streamModel,
} from './models.ts';

const RECORDS = {
  p1: rec(0, seq(1), '2026-11-01T00:01:00.000Z', { status: 'shipped', total: 150, flag: true, customer: { region: 'eu' } }),
  p2: rec(1, seq(2), '2026-11-01T00:02:00.000Z', { status: 'new', total: '12', flag: 'true', customer: { region: 'us' } }),
  p3: rec(0, seq(3), '2026-11-01T00:03:00.000Z', { status: null, total: 99.5, flag: false }),
  p4: rec(1, seq(4), '2026-11-01T00:04:00.000Z', { total: 'n/a', flag: 1 }, 2),
  p5: rec(0, seq(5), '2026-11-01T00:05:00.000Z', 5),
  p6: rec(1, seq(6), '2026-11-01T00:06:00.000Z', { 'odd name': { x: 1 }, 'a.b': 'dot', 'a/b~c': 'slash', '*': 'star' }),
};
const NAMES = new Map(Object.entries(RECORDS).map(([name, r]) => [r.sequence_number, name]));

let db: Duck;
let root: string;

test.before(async () => {
  db = await duck();
  root = tempDir();
  writeJsonReservoir(root, 'hourly', Object.values(RECORDS));
});

async function where(expr: Expr): Promise<string[]> {
  const reservoir = reservoirModel({ location: { kind: 'local', path: root } });
  const query = replaySql(replayModel({ where: expr }), reservoir, streamModel(), naming);
  return (await db.run(query)).map((r) => NAMES.get(String(r.sequence_number))!);
}

const status = field('status');
const total = field('total');

test('a string literal compares text; a missing field or JSON null never equals anything', async () => {
  assert.equal(await where(cmp(status, '=', s('shipped'))), ['p1']);
  assert.equal(await where(cmp(status, '!=', s('shipped'))), ['p2']);
  assert.equal(await where(cmp(status, '<>', s('shipped'))), ['p2']);
});

test('is null is true for a missing field, a JSON null and a non-object payload; `= null` means the same', async () => {
  assert.equal(await where(isNull(status)), ['p3', 'p4', 'p5', 'p6']);
  assert.equal(await where(cmp(status, '=', nul)), ['p3', 'p4', 'p5', 'p6']);
  assert.equal(await where(isNull(status, true)), ['p1', 'p2']);
  assert.equal(await where(cmp(status, '!=', nul)), ['p1', 'p2']);
});

test('a number literal compares numerically; numeric text counts, other text does not', async () => {
  assert.equal(await where(cmp(total, '>', n(100))), ['p1']);
  assert.equal(await where(cmp(total, '<', n(100))), ['p2', 'p3']);
  assert.equal(await where(cmp(n(100), '>', total)), ['p2', 'p3']);
  assert.equal(await where(between(total, n(10), n(100))), ['p2', 'p3']);
  assert.equal(await where(between(total, n(10), n(100), true)), ['p1']);
});

test('a boolean literal matches JSON booleans only', async () => {
  assert.equal(await where(cmp(field('flag'), '=', b(true))), ['p1']);
  assert.equal(await where(cmp(field('flag'), '!=', b(true))), ['p3']);
});

test('in lists: typed per literal, null in the list matches a missing value, not in excludes missing', async () => {
  assert.equal(await where(inList(status, [s('shipped'), s('new')])), ['p1', 'p2']);
  assert.equal(await where(inList(status, [s('shipped')], true)), ['p2']);
  assert.equal(await where(inList(status, [s('new'), nul])), ['p2', 'p3', 'p4', 'p5', 'p6']);
  assert.equal(await where(inList(total, [n(150), n(12), s('n/a')])), ['p1', 'p2', 'p4']);
});

test('like, nested paths and field names that are not identifiers', async () => {
  assert.equal(await where(like(status, 'sh%')), ['p1']);
  assert.equal(await where(like(status, 'sh%', true)), ['p2']);
  assert.equal(await where(cmp(field('customer', 'region'), '=', s('eu'))), ['p1']);
  assert.equal(await where(cmp(field('odd name', 'x'), '=', n(1))), ['p6']);
  assert.equal(await where(cmp(field('a.b'), '=', s('dot'))), ['p6']);
  assert.equal(await where(cmp(field('a/b~c'), '=', s('slash'))), ['p6']);
  assert.equal(await where(cmp(field('*'), '=', s('star'))), ['p6']);
});

test('not, and, or and parentheses keep SQL meaning (unknown is not true)', async () => {
  assert.equal(await where(not(paren(or(cmp(status, '=', s('shipped')), cmp(total, '>', n(100)))))), ['p2']);
  assert.equal(await where(or(cmp(status, '=', s('new')), and(isNull(status), cmp(total, '<', n(100))))), ['p2', 'p3']);
});

test('metadata references read the record columns; sequence numbers compare as numbers, exactly', async () => {
  assert.equal(await where(cmp(meta('shard_id'), '=', s('shardId-000000000001'))), ['p2', 'p4', 'p6']);
  assert.equal(await where(cmp(meta('sub_sequence_number'), '=', n(2))), ['p4']);
  assert.equal(await where(cmp(meta('arrival_time'), '<', s('2026-11-01T00:03:00.000Z'))), ['p1', 'p2']);
  // A 56-digit number literal: its text is used, its (imprecise) double value is not.
  assert.equal(await where(cmp(meta('sequence_number'), '>', n(Number(seq(4)), seq(4)))), ['p5', 'p6']);
  assert.equal(await where(cmp(meta('sequence_number'), '<=', s(seq(2)))), ['p1', 'p2']);
  assert.equal(await where(inList(meta('sequence_number'), [n(Number(seq(3)), seq(3))])), ['p3']);
  assert.equal(await where(cmp(meta('partition_key'), '=', s('pk-0'))), ['p1', 'p3', 'p5']);
});

test.run();
