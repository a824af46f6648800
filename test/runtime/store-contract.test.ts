// The reservoir store's contract, held against every store (a folder, and S3 on moto): files
// appear whole and are never replaced, bookkeeping changes only conditionally, and the lease
// admits one archiver at a time on any machine.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { samplePayloads } from '../../src/runtime/query/reservoir-snapshot.ts';
import { leasePath, takeLease, type LeaseRecord } from '../../src/runtime/reservoir/lease.ts';
import type { ReservoirStore } from '../../src/runtime/reservoir/store.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { rejects } from './helpers/local-kinesis.ts';
import { storeKinds, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';

async function listed(store: ReservoirStore): Promise<string[]> {
  const out: string[] = [];
  for await (const f of store.list()) out.push(f.path);
  return out.sort();
}

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function contract(kind: StoreKind): void {
  const test = suite(`${kind.name} store`);
  let reservoir: TestReservoir;
  let store: ReservoirStore;
  test.before(() => kind.start());
  test.after(() => kind.stop());
  test.before.each(async () => {
    reservoir = await kind.fresh();
    store = reservoir.store();
  });
  test.after.each(async () => {
    await reservoir.remove();
  });

  test('a staged file is invisible until published, then appears complete under its name', async () => {
    const staged = await store.stage();
    await staged.append('{"a":1}\n');
    await staged.append(Buffer.from('{"a":2}\n'));
    assert.equal((await listed(store)).filter((p) => !p.startsWith('_wshed/')), []);
    assert.is(await staged.seal(), 16);
    await staged.publish('dt=2026-01-01/part-x.json');
    assert.equal(await listed(store), ['dt=2026-01-01/part-x.json']);
    assert.is((await store.read('dt=2026-01-01/part-x.json'))!.toString(), '{"a":1}\n{"a":2}\n');
    assert.ok(await store.exists('dt=2026-01-01/part-x.json'));
    assert.is(await store.exists('dt=2026-01-01/part-y.json'), false);
    assert.ok(store.readableUrl('dt=2026-01-01/part-x.json').endsWith('dt=2026-01-01/part-x.json'));
  });

  test('the head of a file is its first bytes (all of a shorter one, none of an empty one); the query sampler reads payloads that way', async () => {
    const lines = Array.from({ length: 200 }, (_, n) => `{"shard_id":"shardId-000000000000","payload":{"n":${n}}}`);
    await store.writeAtomic('dt=2026-01-01/part-a.json', `${lines.join('\n')}\n`);
    await store.writeAtomic('dt=2026-01-02/part-b.json', `${lines.slice(0, 2).join('\n')}\n`);
    await store.writeAtomic('dt=2026-01-03/part-c.json', '');
    assert.is((await store.readHead('dt=2026-01-01/part-a.json', 10))!.toString(), lines[0]!.slice(0, 10));
    assert.is((await store.readHead('dt=2026-01-02/part-b.json', 1 << 20))!.toString(), `${lines.slice(0, 2).join('\n')}\n`);
    assert.is((await store.readHead('dt=2026-01-03/part-c.json', 100))!.length, 0);
    assert.is(await store.readHead('dt=2026-01-04/none.json', 100), null);
    const files = ['dt=2026-01-01/part-a.json', 'dt=2026-01-02/part-b.json', 'dt=2026-01-03/part-c.json'].map((p) => ({ path: p, url: store.readableUrl(p), shardId: null, lastSequenceNumber: null }));
    // 200 bytes of each file: whole lines only, never a cut one.
    const sampled = (await samplePayloads(store, files, { bytesPerFile: 200 })) as { n: number }[];
    assert.equal(sampled.map((p) => p.n), [0, 1, 2, 0, 1]);
  });

  test('a file written into the staged file by another writer (DuckDB) is published as written', async () => {
    const staged = await store.stage();
    await fs.writeFile(staged.localPath, 'written by another writer');
    assert.is(await staged.seal(), 25);
    await staged.publish('dt=2026-01-01/part-p.parquet');
    assert.is((await store.read('dt=2026-01-01/part-p.parquet'))!.toString(), 'written by another writer');
  });

  test('publishing never replaces an existing file', async () => {
    for (const text of ['first', 'second']) {
      const staged = await store.stage();
      await staged.append(text);
      await staged.seal();
      if (text === 'first') await staged.publish('a/b.json');
      else await rejects(() => staged.publish('a/b.json'), /already exists/);
    }
    assert.is((await store.read('a/b.json'))!.toString(), 'first');
  });

  test('discarded staged files leave nothing visible; atomic writes replace; removal is idempotent', async () => {
    const a = await store.stage();
    await a.append('x');
    await a.discard();
    await fs.access(a.localPath).then(() => assert.unreachable('discarded file left behind'), () => {});
    await store.clearStaging();
    await store.writeAtomic('_wshed/checkpoint.json', '1');
    await store.writeAtomic('_wshed/checkpoint.json', '2');
    assert.is((await store.read('_wshed/checkpoint.json'))!.toString(), '2');
    assert.equal(await listed(store), ['_wshed/checkpoint.json']);
    assert.is(await store.read('missing.json'), null);
    await store.remove('_wshed/checkpoint.json');
    await store.remove('_wshed/checkpoint.json');
    assert.equal(await listed(store), []);
  });

  test('listing under a prefix sees only that folder', async () => {
    await store.writeAtomic('dt=2026-01-01/hour=00/part-a.json', 'a');
    await store.writeAtomic('dt=2026-01-01/hour=01/part-b.json', 'b');
    await store.writeAtomic('dt=2026-01-011/part-c.json', 'c');
    const under: string[] = [];
    for await (const f of store.list('dt=2026-01-01')) under.push(`${f.path}:${f.size}`);
    assert.equal(under.sort(), ['dt=2026-01-01/hour=00/part-a.json:1', 'dt=2026-01-01/hour=01/part-b.json:1']);
  });

  test('paths cannot leave the reservoir', async () => {
    await rejects(() => store.writeAtomic('../escape.json', 'x'), /leaves the reservoir/);
  });

  test('conditional writes: create only when absent, replace and remove only the version read', async () => {
    const first = await store.createIfAbsent('_wshed/x.lease', 'one');
    assert.ok(first);
    assert.is(await store.createIfAbsent('_wshed/x.lease', 'two'), null);
    const read = (await store.readTagged('_wshed/x.lease'))!;
    assert.is(read.data.toString(), 'one');
    const second = await store.replaceIfMatch('_wshed/x.lease', 'three', read.tag);
    assert.ok(second);
    assert.is(await store.replaceIfMatch('_wshed/x.lease', 'stale', read.tag), null, 'a replace from an old version is refused');
    assert.is(await store.removeIfMatch('_wshed/x.lease', read.tag), false);
    assert.is((await store.read('_wshed/x.lease'))!.toString(), 'three');
    assert.ok(await store.removeIfMatch('_wshed/x.lease', second!));
    assert.is(await store.read('_wshed/x.lease'), null);
    assert.is(await store.replaceIfMatch('_wshed/x.lease', 'gone', second!), null);
  });

  test('the archive lease admits one holder; it names its owner and expiry; released, it is free', async () => {
    const first = await takeLease(store, 'archive');
    assert.ok(first.ok);
    const second = await takeLease(store, 'archive');
    assert.is(second.ok, false);
    if (!second.ok && first.ok) {
      assert.is(second.holder.owner, first.lease.owner);
      assert.is(second.holder.host, os.hostname());
      assert.ok(Date.parse(second.holder.expiresAt) > Date.now());
    }
    if (first.ok) await first.lease.release();
    assert.equal(await listed(store), [], 'a released lease leaves no file');
    const third = await takeLease(store, 'archive');
    assert.ok(third.ok);
    if (third.ok) await third.lease.release();
  });

  test('an expired lease, one of a dead process on this host, and a damaged one are taken over', async () => {
    // Another machine's lease: expired by the taker's clock.
    const other: LeaseRecord = {
      kind: 'reservoir-lease', version: 1, name: 'archive', owner: 'elsewhere/1/x', host: 'another-machine', pid: 1,
      takenAt: '2026-01-01T00:00:00.000Z', renewedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:01:00.000Z',
    };
    await store.writeAtomic(leasePath('archive'), JSON.stringify(other));
    const live = await takeLease(store, 'archive', { now: () => new Date('2026-01-01T00:00:30.000Z') });
    assert.is(live.ok, false, 'not expired yet for a clock before its expiry');
    const expired = await takeLease(store, 'archive', { now: () => new Date('2026-01-01T00:01:00.001Z') });
    assert.ok(expired.ok);
    if (expired.ok) await expired.lease.release();
    // A process of this host that no longer exists: no need to wait for the expiry.
    await store.writeAtomic(leasePath('archive'), JSON.stringify({ ...other, host: os.hostname(), pid: 2147483646, expiresAt: '2999-01-01T00:00:00.000Z' }));
    const dead = await takeLease(store, 'archive');
    assert.ok(dead.ok);
    if (dead.ok) await dead.lease.release();
    await store.writeAtomic(leasePath('archive'), '2147483646\n');
    const damaged = await takeLease(store, 'archive');
    assert.ok(damaged.ok);
    if (damaged.ok) await damaged.lease.release();
  });

  test('a lease is renewed while held, and its holder learns when another took it over', async () => {
    const held = await takeLease(store, 'archive', { ttlMs: 3000 });
    assert.ok(held.ok);
    if (!held.ok) return;
    const firstExpiry = JSON.parse((await store.read(leasePath('archive')))!.toString()).expiresAt as string;
    await until(async () => JSON.parse((await store.read(leasePath('archive')))!.toString()).expiresAt > firstExpiry, 'the lease is renewed');
    held.lease.assertHeld();
    // Another machine whose clock is past the expiry takes it over.
    const thief = await takeLease(store, 'archive', { now: () => new Date(Date.now() + 60_000) });
    assert.ok(thief.ok);
    await until(() => {
      try {
        held.lease.assertHeld();
        return false;
      } catch (err) {
        return isRuntimeError(err, 'WS746');
      }
    }, 'the first holder knows it lost the lease');
    await held.lease.release();
    assert.ok(await store.exists(leasePath('archive')), "releasing a lost lease leaves the new holder's");
    if (thief.ok) await thief.lease.release();
  });

  test('two reservoirs (on S3: in two buckets) hold the same paths apart', async () => {
    const other = await kind.fresh();
    try {
      const second = other.store();
      await store.writeAtomic('_wshed/checkpoint.json', 'mine');
      await second.writeAtomic('_wshed/checkpoint.json', 'theirs');
      assert.is((await store.read('_wshed/checkpoint.json'))!.toString(), 'mine');
      assert.is((await second.read('_wshed/checkpoint.json'))!.toString(), 'theirs');
      assert.is.not(store.location, second.location);
    } finally {
      await other.remove();
    }
  });

  if (kind.name === 'fs') {
    test('fs: leftover staged files of a dead run are cleared from _wshed/staging', async () => {
      const b = await store.stage();
      await b.append('y');
      await store.clearStaging();
      await b.discard();
      const root = (reservoir.location as { path: string }).path;
      assert.equal(await fs.readdir(path.join(root, '_wshed')).catch(() => []), []);
    });
  }

  test.run();
}

for (const kind of storeKinds()) contract(kind);
