// No text from a .wshed file can change the shape of a query: hostile field names, values, patterns,
// reservoir names and paths are quoted or escaped, DuckDB runs the query, and values compare verbatim.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ReplayModel } from '../../src/compiler/model.ts';
import { replaySql } from '../../src/compiler/sql/index.ts';
import { drill, duckdb } from '../../src/compiler/sql/dialects/index.ts';
import { printExpr } from '../../src/compiler/sql/print.ts';
import { WhereLowering } from '../../src/compiler/sql/lower-where.ts';
import { findInput } from '../../src/compiler/plan/inputs.ts';
import { duck, rec, seq, tempDir, writeJsonReservoir, type Duck } from './fixtures.ts';
import { cmp, field, fieldKey, like, naming, replayModel, reservoirModel, s, streamModel } from './models.ts';

const HOSTILE = [
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  "'; DROP TABLE x; --",
  '"; DROP TABLE x; --',
  'line\nbreak',
  'carriage\rreturn',
  'tab\there',
  'é✓😀 中文',
  '\u202Eright-to-left',
  '`tick`',
  '``',
  '/',
  '~0~1',
  '*',
  '$.a',
  '%_',
  '[0]',
  ' ',
  '',
  '/* comment',
  '?',
];

let db: Duck;
let root: string;

test.before(async () => {
  db = await duck();
  root = tempDir();
  // Record i has the hostile string as both a key and its value, next to near misses.
  const records = HOSTILE.flatMap((h, i) => [
    rec(0, seq(3 * i), '2026-11-01T00:00:00.000Z', { [h]: h, k: h }),
    rec(0, seq(3 * i + 1), '2026-11-01T00:00:00.000Z', { [h]: h + 'x', k: 'x' + h }),
    rec(0, seq(3 * i + 2), '2026-11-01T00:00:00.000Z', { [h + ' ']: h }),
  ]);
  writeJsonReservoir(root, 'hourly', records);
});

async function matches(over: Partial<ReplayModel>): Promise<string[]> {
  const reservoir = reservoirModel({ location: { kind: 'local', path: root } });
  const query = replaySql(replayModel(over), reservoir, streamModel(), naming);
  return (await db.run(query)).map((r) => String(r.sequence_number));
}

test('a hostile field name and value select exactly the record holding them', async () => {
  for (const [i, h] of HOSTILE.entries()) {
    assert.equal(await matches({ where: cmp(field(h), '=', s(h)) }), [seq(3 * i)], JSON.stringify(h));
    assert.equal(await matches({ where: cmp(field('k'), '=', s(h)) }), [seq(3 * i)], JSON.stringify(h));
  }
});

test('hostile like patterns and compaction keys run as data', async () => {
  for (const h of HOSTILE) {
    // The pattern's own % and _ are wildcards, as in SQL; it cannot end the string or the query.
    const found = await matches({ where: like(field('k'), h) });
    assert.ok(found.length <= HOSTILE.length * 2, JSON.stringify(h));
    await matches({ compactBy: fieldKey(h, h) });
  }
});

test('hostile reservoir names and paths are quoted identifiers and escaped literals', async () => {
  const odd = path.join(tempDir(), "it's a \"dir\" ; --");
  fs.mkdirSync(odd);
  writeJsonReservoir(odd, 'daily', [rec(1, seq(1), '2026-11-01T00:00:00.000Z', { ok: true })]);
  const reservoir = reservoirModel({ name: 'or"d\'ers; --', location: { kind: 'local', path: odd }, partition: 'daily' });
  const query = replaySql(replayModel({ source: 'archive+live' }), reservoir, streamModel(), naming);
  const live = findInput(query.inputs, 'live')!;
  assert.is(live.relation.duckdb, 'wshed_live."or""d\'ers; --"');
  assert.is(findInput(query.inputs, 'archive')!.relation.duckdb, '"wshed_archive_or""d\'ers; --"');
  await db.liveTable(live.relation.duckdb, [rec(1, seq(2), '2026-11-01T00:00:01.000Z', { ok: true })]);
  assert.equal((await db.run(query)).map((r) => r.sequence_number), [seq(1), seq(2)]);
  // Each dialect's SQL reads its inputs by the names the inputs carry.
  for (const input of query.inputs) assert.ok(query.sql.drill.includes(input.relation.drill), input.relation.drill);
});

test('Drill text only: hostile names become back-quoted members or bracketed keys, values escaped literals', () => {
  const lower = (name: string, value: string) => new WhereLowering('t').lower(cmp(field(name), '=', s(value)));
  assert.is(printExpr(lower('a`b', "it's"), drill), "CAST(`t`.`payload`.`a``b` AS VARCHAR(65535)) = 'it''s'");
  assert.is(printExpr(lower('line\nbreak', '\\'), drill), "CAST(`t`.`payload`['line\nbreak'] AS VARCHAR(65535)) = '\\'");
  assert.is(printExpr(lower('', "'; DROP TABLE x; --"), drill), "CAST(`t`.`payload`[''] AS VARCHAR(65535)) = '''; DROP TABLE x; --'");
  assert.is(printExpr(lower('a/b~c', 'x'), duckdb), "json_extract_string(t.payload, '/a~1b~0c') = 'x'");
});

test.run();
