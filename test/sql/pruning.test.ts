// Partition pruning reads exactly the day folders that can hold the slice: shown with decoy records
// filed in neighbouring days (which the archiver never does), so reading a folder makes them visible.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ArchiveMethod } from '../../src/compiler/model.ts';
import { replaySql } from '../../src/compiler/sql/index.ts';
import { pruneDays } from '../../src/compiler/sql/replay-query.ts';
import { duck, rec, seq, tempDir, writeJsonReservoir, type Duck } from './fixtures.ts';
import { naming, replayModel, reservoirModel, streamModel } from './models.ts';

let db: Duck;
let root: string;

/** One record per folder; decoys claim an arrival inside the slice from a folder outside it. */
const FOLDERS: Record<string, ReturnType<typeof rec>> = {
  'dt=2026-10-31/hour=23': rec(0, seq(1), '2026-11-01T23:30:00.000Z', { name: 'decoy-before' }),
  'dt=2026-11-01/hour=23': rec(0, seq(2), '2026-11-01T23:59:59.999Z', { name: 'since-day' }),
  'dt=2026-11-02/hour=00': rec(0, seq(3), '2026-11-02T00:00:00.000Z', { name: 'until-day' }),
  'dt=2026-11-03/hour=00': rec(0, seq(4), '2026-11-02T00:00:00.001Z', { name: 'decoy-after' }),
};

test.before(async () => {
  db = await duck();
  root = tempDir();
  for (const [folder, r] of Object.entries(FOLDERS)) {
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    fs.writeFileSync(path.join(root, folder, 'part-0.json'), JSON.stringify(r) + '\n');
  }
});

async function names(since: string, until: string, archive: ArchiveMethod): Promise<string[]> {
  const reservoir = reservoirModel({ location: { kind: 'local', path: root }, archive });
  const query = replaySql(replayModel({ since, until }), reservoir, streamModel(), naming);
  const rows = await db.run(query);
  return rows.map((r) => (JSON.parse(String(r.payload)) as { name: string }).name);
}

const archiver: ArchiveMethod = { via: 'archiver', everySeconds: 300 };
const firehose: ArchiveMethod = { via: 'firehose', bufferBytes: 5_000_000, bufferSeconds: 300 };

test('an archiver reservoir reads the since day through the day of the last instant before until', async () => {
  assert.equal(pruneDays('2026-11-01T23:00:00.000Z', '2026-11-02T00:00:00.001Z', archiver), { from: '2026-11-01', to: '2026-11-02' });
  // until at midnight: nothing of that day is in the slice, so its folder is not read.
  assert.equal(pruneDays('2026-11-01T23:00:00.000Z', '2026-11-02T00:00:00.000Z', archiver), { from: '2026-11-01', to: '2026-11-01' });
  assert.equal(await names('2026-11-01T23:00:00.000Z', '2026-11-02T12:00:00.000Z', archiver), ['since-day', 'until-day']);
});

test('a Firehose reservoir reads one more day each side: Firehose files by its own clock', async () => {
  assert.equal(pruneDays('2026-11-01T23:00:00.000Z', '2026-11-02T00:00:00.000Z', firehose), { from: '2026-10-31', to: '2026-11-02' });
  assert.equal(await names('2026-11-01T23:00:00.000Z', '2026-11-02T12:00:00.000Z', firehose), ['decoy-before', 'since-day', 'until-day', 'decoy-after']);
});

test('without bounds nothing is pruned', async () => {
  const reservoir = reservoirModel({ location: { kind: 'local', path: root } });
  const query = replaySql(replayModel(), reservoir, streamModel(), naming);
  assert.is((await db.run(query)).length, 4);
  assert.not.match(query.sql.duckdb, /dt >=/);
});

test('an empty reservoir reads as no rows: its archive input is bound to an empty relation, no glob to fail', async () => {
  const empty = tempDir();
  const reservoir = reservoirModel({ location: { kind: 'local', path: empty } });
  const query = replaySql(replayModel({ since: '2026-11-01T00:00:00.000Z' }), reservoir, streamModel(), naming);
  assert.equal(await db.run(query), []);
  // One file published later is read by the next binding, which lists the files again.
  writeJsonReservoir(empty, 'hourly', [FOLDERS['dt=2026-11-01/hour=23']]);
  assert.is((await db.run(query)).length, 1);
});

test.run();
