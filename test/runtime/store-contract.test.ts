import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { rejects, tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
test.before.each(async () => {
  dir = await tempDir();
});
test.after.each(async () => {
  await dir.remove();
});

async function listed(store: FsReservoirStore): Promise<string[]> {
  const out: string[] = [];
  for await (const f of store.list()) out.push(f.path);
  return out.sort();
}

test('a staged file is invisible until published, then appears complete under its name', async () => {
  const store = new FsReservoirStore(dir.path);
  const staged = await store.stage();
  await staged.append('{"a":1}\n');
  await staged.append(Buffer.from('{"a":2}\n'));
  assert.equal((await listed(store)).filter((p) => !p.startsWith('_wshed/')), []);
  assert.is(await staged.seal(), 16);
  await staged.publish('dt=2026-01-01/part-x.json');
  assert.equal(await listed(store), ['dt=2026-01-01/part-x.json']);
  assert.is((await store.read('dt=2026-01-01/part-x.json'))!.toString(), '{"a":1}\n{"a":2}\n');
});

test('publishing never replaces an existing file', async () => {
  const store = new FsReservoirStore(dir.path);
  for (const text of ['first', 'second']) {
    const staged = await store.stage();
    await staged.append(text);
    await staged.seal();
    if (text === 'first') await staged.publish('a/b.json');
    else await rejects(() => staged.publish('a/b.json'), /already exists/);
  }
  assert.is((await store.read('a/b.json'))!.toString(), 'first');
});

test('discarded and leftover staged files are cleared; atomic writes replace', async () => {
  const store = new FsReservoirStore(dir.path);
  const a = await store.stage();
  await a.append('x');
  await a.discard();
  const b = await store.stage();
  await b.append('y');
  await store.clearStaging();
  assert.equal(await fs.readdir(path.join(dir.path, '_wshed')), []);
  await store.writeAtomic('_wshed/checkpoint.json', '1');
  await store.writeAtomic('_wshed/checkpoint.json', '2');
  assert.is((await store.read('_wshed/checkpoint.json'))!.toString(), '2');
  assert.equal(await listed(store), ['_wshed/checkpoint.json']);
  assert.is(await store.read('missing.json'), null);
});

test('paths cannot leave the reservoir', async () => {
  const store = new FsReservoirStore(dir.path);
  await rejects(() => store.writeAtomic('../escape.json', 'x'), /leaves the reservoir/);
});

test('the archive lock is exclusive to a live process and taken over from a dead one', async () => {
  const store = new FsReservoirStore(dir.path);
  const first = await store.lock('archive');
  assert.ok(first.ok);
  const second = await store.lock('archive');
  assert.is(second.ok, false);
  if (!second.ok) assert.is(second.ownerPid, process.pid);
  if (first.ok) await first.lock.release();
  // A lock left by a process that no longer exists.
  await fs.writeFile(path.join(dir.path, '_wshed', 'archive.lock'), '2147483646\n');
  const third = await store.lock('archive');
  assert.ok(third.ok);
  if (third.ok) await third.lock.release();
});

test.run();
