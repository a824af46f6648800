// The replay checkpoint store's contract, held against every place a checkpoint lives: the home
// (the local target), and beside the reservoir in a folder and in S3 on moto (the aws target).
// A checkpoint reads back as written, an unreadable one is WS758 naming where it is, and one run
// at a time holds the lock; beside a reservoir the lock is a lease another machine sees.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import os from 'node:os';
import { REPLAY_CHECKPOINT_VERSION, type ReplayCheckpoint } from '../../src/runtime/replay/checkpoint.ts';
import { homeCheckpointStore, reservoirCheckpointStore, type ReplayCheckpointStore } from '../../src/runtime/replay/checkpoint-store.ts';
import { leasePath, type LeaseRecord } from '../../src/runtime/reservoir/lease.ts';
import type { ReservoirStore } from '../../src/runtime/reservoir/store.ts';
import { isRuntimeError, type RuntimeError } from '../../src/runtime/runtime-error.ts';
import { rejects, tempDir } from './helpers/local-kinesis.ts';
import { storeKinds, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';

function checkpoint(replay: string, emitted: number, part?: { index: number; count: number }): ReplayCheckpoint {
  const step = { kind: 'replay', name: replay } as unknown as ReplayCheckpoint['step'];
  return {
    kind: 'replay-checkpoint',
    version: REPLAY_CHECKPOINT_VERSION,
    replay,
    replayId: '11111111-2222-3333-4444-555555555555',
    step,
    aggregate: true,
    cut: { watermark: null, shards: [] } as unknown as ReplayCheckpoint['cut'],
    definition: {} as ReplayCheckpoint['definition'],
    base: null,
    acknowledged: { ordinal: emitted, position: null },
    emitted,
    duplicatesPossible: 0,
    state: 'running',
    stoppedBecause: null,
    startedAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:01.000Z',
    ...(part ? { part: { ...part, generation: 1, shards: [] } } : {}),
  };
}

/** Resolves once `check` holds, polling; fails after a generous bound. */
async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Place {
  readonly name: string;
  /** The checkpoint store, and what its messages name as the checkpoint's location. */
  open(): { checkpoints: ReplayCheckpointStore; where: RegExp; reservoir: ReservoirStore | null };
}

/** The contract, for one place. */
function contract(title: string, kind: StoreKind | null, place: (r: TestReservoir | null, home: string) => Place['open']): void {
  const test = suite(title);
  let reservoir: TestReservoir | null = null;
  let home: { path: string; remove(): Promise<void> };
  let opened: ReturnType<Place['open']>;
  test.before(() => kind?.start());
  test.after(() => kind?.stop());
  test.before.each(async () => {
    reservoir = kind ? await kind.fresh() : null;
    home = await tempDir();
    opened = place(reservoir, home.path)();
  });
  test.after.each(async () => {
    await reservoir?.remove();
    await home.remove();
  });

  test('no checkpoint reads as null; a written one reads back, the last write winning; parts keep their own', async () => {
    const { checkpoints, where } = opened;
    assert.is(await checkpoints.read('nightly'), null);
    assert.match(checkpoints.where('nightly'), where);
    await checkpoints.write(checkpoint('nightly', 10));
    await checkpoints.write(checkpoint('nightly', 20));
    assert.is((await checkpoints.read('nightly'))?.emitted, 20);
    assert.is(await checkpoints.read('nightly', { index: 1, count: 2 }), null, "a part's checkpoint is not the unsplit run's");
    await checkpoints.write(checkpoint('nightly', 5, { index: 1, count: 2 }));
    assert.is((await checkpoints.read('nightly', { index: 1, count: 2 }))?.emitted, 5);
    assert.is((await checkpoints.read('nightly'))?.emitted, 20);
    assert.match(checkpoints.where('nightly', { index: 1, count: 2 }), /nightly\.part-1-of-2\.json$/);
    // A replay name never leaves the folder.
    await checkpoints.write(checkpoint('../x', 1));
    assert.is((await checkpoints.read('../x'))?.emitted, 1);
    assert.match(checkpoints.where('../x'), /\/\.\.%2Fx\.json$/);
  });

  test('a checkpoint that is not one is WS758 naming where it is', async () => {
    const { checkpoints, reservoir: store } = opened;
    if (store) await store.writeAtomic('_wshed/replays/broken.json', '{ not json');
    else {
      const fs = await import('node:fs/promises');
      await fs.mkdir(`${home.path}/replays`, { recursive: true });
      await fs.writeFile(checkpoints.where('broken'), '{ not json');
    }
    const err = await rejects(() => checkpoints.read('broken'));
    assert.ok(isRuntimeError(err, 'WS758'), String(err));
    assert.ok(err.message.includes(checkpoints.where('broken')), err.message);
  });

  test('one run at a time: a second lock is refused while the first is held, and taken once it is released', async () => {
    const { checkpoints, reservoir: store } = opened;
    const first = await checkpoints.lock('nightly');
    first.assertHeld();
    const refused = await rejects(() => checkpoints.lock('nightly', undefined, { resumeCommand: 'wshed replay p.wshed nightly --resume' }));
    if (store) {
      assert.ok(isRuntimeError(refused, 'WS815'), String(refused));
      assert.match(refused.message, new RegExp(`^replay 'nightly' is already running on ${os.hostname().replace(/\./g, '\\.')} \\(pid ${process.pid}, since `));
      assert.ok(refused.message.includes(`${store.location}/_wshed/replays/nightly.lease`), refused.message);
      assert.match((refused as RuntimeError).fix, /'wshed replay p\.wshed nightly --resume'/);
    } else {
      assert.ok(isRuntimeError(refused, 'WS755'), String(refused));
    }
    // Another replay, and a part of this one, lock apart.
    const other = await checkpoints.lock('hourly');
    const part = await checkpoints.lock('nightly', { index: 1, count: 2 });
    await Promise.all([first.release(), other.release(), part.release()]);
    const again = await checkpoints.lock('nightly');
    await again.release();
  });

  if (kind) {
    test('beside the reservoir: a lease held on another machine refuses the run naming that machine; once expired it is taken over', async () => {
      const { checkpoints, reservoir: store } = opened;
      const holder = (expiresAt: string): LeaseRecord => ({
        kind: 'reservoir-lease',
        version: 1,
        name: 'replays/nightly',
        owner: 'build-host-7/4242/abc',
        host: 'build-host-7',
        pid: 4242,
        takenAt: '2026-12-01T00:00:00.000Z',
        renewedAt: '2026-12-01T00:00:00.000Z',
        expiresAt,
      });
      await store!.writeAtomic(leasePath('replays/nightly'), JSON.stringify(holder(new Date(Date.now() + 3_600_000).toISOString())));
      const refused = await rejects(() => checkpoints.lock('nightly'));
      assert.ok(isRuntimeError(refused, 'WS815'), String(refused));
      assert.match(refused.message, /^replay 'nightly' is already running on build-host-7 \(pid 4242, since 2026-12-01T00:00:00\.000Z;/);
      // Its holder died without releasing it: the lease expired, and the next run takes it over.
      await store!.writeAtomic(leasePath('replays/nightly'), JSON.stringify(holder(new Date(Date.now() - 1_000).toISOString())));
      const taken = await checkpoints.lock('nightly');
      taken.assertHeld();
      await taken.release();
      assert.is(await store!.exists(leasePath('replays/nightly')), false, 'released');
    });

    test('beside the reservoir: a run whose lease was taken over stops before writing (WS816)', async () => {
      const store = opened.reservoir!;
      const checkpoints = reservoirCheckpointStore(store, { ttlMs: 3_000 });
      const lock = await checkpoints.lock('nightly', undefined, { resumeCommand: 'wshed replay p.wshed nightly --resume' });
      // Another machine took it (as after a pause longer than the lease).
      await store.writeAtomic(leasePath('replays/nightly'), JSON.stringify({ kind: 'reservoir-lease', version: 1, name: 'replays/nightly', owner: 'other/1/x', host: 'other', pid: 1, takenAt: new Date().toISOString(), renewedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() }));
      let lost: unknown = null;
      await until(() => {
        try {
          lock.assertHeld();
          return false;
        } catch (err) {
          lost = err;
          return true;
        }
      }, 'the renewal finds the lease taken over');
      assert.ok(isRuntimeError(lost, 'WS816'), String(lost));
      assert.match((lost as Error).message, /^replay 'nightly': its lease .*_wshed\/replays\/nightly\.lease is no longer this run's \((another process took it over|it could not be renewed in time)\); stopped before sending or checkpointing more$/);
      await lock.release();
      assert.is(await store.exists(leasePath('replays/nightly')), true, "the other machine's lease is left alone");
    });
  }
  test.run();
}

contract('home checkpoint store', null, (_r, home) => () => ({ checkpoints: homeCheckpointStore(home), where: new RegExp(`^${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/replays/nightly\\.json$`), reservoir: null }));
for (const kind of storeKinds()) {
  contract(`${kind.name} reservoir checkpoint store`, kind, (r) => () => {
    const store = r!.store();
    const label = r!.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return { checkpoints: reservoirCheckpointStore(store), where: new RegExp(`^${label}/_wshed/replays/nightly\\.json$`), reservoir: store };
  });
}
