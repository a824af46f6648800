// `wshed query` keeps each reservoir's payload sample in the home (structure-cache.ts) so a second
// query need not read and parse the files' heads again. What a user relies on: the columns are
// the ones a fresh sample gives, whatever the cache holds, and they follow the files as the
// archive changes (a new file with a new key, a rewritten file); a damaged or unwritable cache
// changes nothing but speed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, Plan } from '../../src/compiler/plan/types.ts';
import { partitionPath } from '../../src/compiler/record-layout.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import { dataFilePath } from '../../src/runtime/reservoir/file-names.ts';
import { reservoirLine } from '../../src/runtime/reservoir/record-encoding.ts';
import { tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
let plan: Plan;
let cache: string;
test.before.each(async () => {
  dir = await tempDir('wshed-structure-cache-');
  cache = path.join(dir.path, 'home', 'cache', 'query-structure');
  const config = { target: 'local' as const, kinesisPort: 4567, home: path.join(dir.path, 'home'), duckdb: { threads: 2, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const text = `stream s { shards 1 }\nreservoir r { from stream s at "${dir.path}/r" }\n`;
  plan = compile({ path: 'cache.wshed', text }, { config, now: new Date() }).plan!;
});
test.after.each(async () => {
  await dir.remove();
});

/** An archived file of `payloads` (one shard, sequence numbers from `first`), as the archiver names it. */
async function archiveFile(first: number, payloads: readonly unknown[]): Promise<string> {
  const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!;
  const arrival = '2026-01-02T03:04:05.678Z';
  const sequence = (i: number) => `49600000000000000000000000000000000000000000${String(i).padStart(12, '0')}`;
  const lines = payloads.map((p, i) =>
    reservoirLine({ stream: 's', shardId: 'shardId-000000000000', sequenceNumber: sequence(first + i), subSequenceNumber: 0, partitionKey: `k${first + i}`, arrivalTime: arrival }, JSON.stringify(p)),
  );
  const range = { shardId: 'shardId-000000000000', firstSequenceNumber: sequence(first), lastSequenceNumber: sequence(first + payloads.length - 1) };
  const file = path.join(dir.path, 'r', dataFilePath(partitionPath(archive.partition, new Date(arrival)), range, 'json'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.join(''));
  return file;
}

/** The query's NDJSON output and columns, with the cache in `folder` (none: sampled afresh). */
async function query(sql: string, folder: string | undefined): Promise<{ text: string; columns: string[] }> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const result = await runQuery({ plan, cwd: dir.path, streams: null, sql, format: 'ndjson', out, ...(folder ? { structureCache: folder } : {}) });
  return { text, columns: result.columns };
}

const SQL = 'SELECT * FROM r ORDER BY _sequence_number';

test('a second query reads the kept sample and answers as a fresh sample does', async () => {
  await archiveFile(0, [{ a: 1, b: 'x' }, { a: 2, c: [1.5] }]);
  const fresh = await query(SQL, undefined);
  const first = await query(SQL, cache);
  assert.equal((await fs.readdir(cache)).length, 1, 'one entry for the reservoir');
  const second = await query(SQL, cache);
  assert.equal(first, fresh);
  assert.equal(second, fresh);
  assert.equal(fresh.columns.slice(6), ['a', 'b', 'c', 'payload']);
});

test('the columns follow the files: a new file with a new key, then a file rewritten with other keys', async () => {
  await archiveFile(0, [{ a: 1 }]);
  assert.equal((await query(SQL, cache)).columns.slice(6), ['a', 'payload']);
  await archiveFile(10, [{ a: 2, added: true }]);
  const grown = await query(SQL, cache);
  assert.equal(grown.columns.slice(6), ['a', 'added', 'payload']);
  assert.equal(grown, await query(SQL, undefined));
  // The same file names, other content (and size): sampled again.
  await archiveFile(0, [{ z: 'first' }]);
  await archiveFile(10, [{ z: 'second' }]);
  const rewritten = await query(SQL, cache);
  assert.equal(rewritten.columns.slice(6), ['z', 'payload']);
  assert.equal(rewritten, await query(SQL, undefined));
  assert.equal((await fs.readdir(cache)).length, 1, 'still one entry: replaced, not added');
});

test('a damaged entry is sampled again, and a cache that cannot be written changes nothing', async () => {
  await archiveFile(0, [{ a: 1, b: { c: 'd' } }]);
  const fresh = await query(SQL, undefined);
  await query(SQL, cache);
  const [entry] = await fs.readdir(cache);
  const { key } = JSON.parse(await fs.readFile(path.join(cache, entry), 'utf8')) as { key: string };
  const damaged = ['{"key": 1', JSON.stringify({ key, sample: 3 }), JSON.stringify({ key, sample: { sampled: 1, objects: 1, top: { k: 64, f: [['a', { k: 'no' }]] } } })];
  for (const damage of damaged) {
    await fs.writeFile(path.join(cache, entry), damage);
    assert.equal(await query(SQL, cache), fresh);
  }
  // A file where the cache folder would be.
  const blocked = path.join(dir.path, 'blocked');
  await fs.writeFile(blocked, 'not a folder');
  assert.equal(await query(SQL, path.join(blocked, 'cache')), fresh);
});

test.run();
