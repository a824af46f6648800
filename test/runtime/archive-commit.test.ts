// Crash recovery of the commit protocol, on every store (a folder, and S3 on moto): a crash at
// each step of a chunk's commit, then a rerun, leaves every record exactly once.

import * as assert from 'uvu/assert';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { compareSequence } from '../../src/runtime/kinesis/sequence.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import type { ReservoirStore, StagedFile } from '../../src/runtime/reservoir/store.ts';
import {
  archiveStep,
  jsonEntries,
  readReservoir,
  recordKey,
  rejects,
  uniqueStream,
  type TestKinesis,
} from './helpers/local-kinesis.ts';
import { storeKinds, storeSuite, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';

let kinesis: TestKinesis;
let reservoir: TestReservoir;

type Step = { op: 'save' | 'publish'; path: string };

/** The store, failing like a crash just before the step that `crashBefore` picks. */
function crashingStore(store: ReservoirStore, crashBefore: (step: Step, history: Step[]) => boolean): ReservoirStore {
  const history: Step[] = [];
  const guard = (step: Step) => {
    if (crashBefore(step, history)) throw new Error(`simulated crash before ${step.op} ${step.path}`);
    history.push(step);
  };
  return Object.assign(Object.create(store) as ReservoirStore, {
    async writeAtomic(path: string, data: string | Uint8Array) {
      guard({ op: 'save', path });
      return store.writeAtomic(path, data);
    },
    async stage(): Promise<StagedFile> {
      const staged = await store.stage();
      return {
        localPath: staged.localPath,
        get bytes() {
          return staged.bytes;
        },
        append: (d) => staged.append(d),
        seal: () => staged.seal(),
        discard: () => staged.discard(),
        async publish(path) {
          guard({ op: 'publish', path });
          return staged.publish(path);
        },
      };
    },
  });
}

/** Ten records, one not JSON: one chunk with a quarantine file and a data file. */
async function prepare(): Promise<{ stream: string }> {
  const stream = uniqueStream();
  await kinesis.streams.ensureStream(stream, 1, 24);
  await putAllRecords(kinesis.streams, stream, [...jsonEntries(9), { partitionKey: 'bad', data: Buffer.from('oops') }]);
  return { stream };
}

/** Every record up to the checkpoint's position is in a visible file. */
async function assertCheckpointHonest(): Promise<void> {
  const checkpoint = await readArchiveCheckpoint(reservoir.store());
  const position = checkpoint?.shards['shardId-000000000000']?.sequenceNumber ?? null;
  if (position === null) return;
  const { records, quarantined } = await readReservoir(reservoir.store());
  const visible = new Set([...records, ...quarantined].map((r) => r.sequence_number));
  const all = await kinesis.streams.getRecords(
    await kinesis.streams.shardIterator(checkpoint!.stream, 'shardId-000000000000', { kind: 'trim-horizon' }),
  );
  for (const r of all.records) {
    if (compareSequence(r.sequenceNumber, position) <= 0) assert.ok(visible.has(r.sequenceNumber), 'checkpoint claims an invisible record');
  }
}

async function assertExactlyOnce(): Promise<void> {
  const { records, quarantined } = await readReservoir(reservoir.store());
  assert.is(records.length, 9);
  assert.is(quarantined.length, 1);
  assert.is(new Set([...records, ...quarantined].map(recordKey)).size, 10);
}

const cases: { name: string; crashBefore: (s: Step, h: Step[]) => boolean; adopted: number; rolledBack: number; rerunRecords: number }[] = [
  {
    name: 'before any file is published: the commit is rolled back and redone',
    crashBefore: (s) => s.op === 'publish',
    adopted: 0,
    rolledBack: 1,
    rerunRecords: 10,
  },
  {
    name: 'between the quarantine file and the data file: the quarantine file is withdrawn and redone',
    crashBefore: (s) => s.op === 'publish' && !s.path.startsWith('_quarantine/'),
    adopted: 0,
    rolledBack: 1,
    rerunRecords: 10,
  },
  {
    name: 'after the data file, before the checkpoint moves: the visible files are adopted',
    crashBefore: (s, h) => s.op === 'save' && h.some((x) => x.op === 'publish' && !x.path.startsWith('_quarantine/')),
    adopted: 1,
    rolledBack: 0,
    rerunRecords: 0,
  },
];

function commitSuite(kind: StoreKind): void {
  const test = storeSuite(`commit on the ${kind.name} store`, kind, { kinesis: (k) => (kinesis = k), reservoir: (r) => (reservoir = r) });

  for (const c of cases) {
    test(`a crash ${c.name}`, async () => {
      const { stream } = await prepare();
      const step = archiveStep('commit', stream, reservoir.location);
      const crashing = crashingStore(reservoir.store(), c.crashBefore);
      await rejects(() => archiveReservoir(step, { streams: kinesis.streams, store: crashing }), /simulated crash/);
      await assertCheckpointHonest();
      const rerun = await archiveReservoir(step, { streams: kinesis.streams });
      assert.equal(rerun.recovered, { adopted: c.adopted, rolledBack: c.rolledBack });
      assert.is(rerun.records, c.rerunRecords);
      await assertExactlyOnce();
      await assertCheckpointHonest();
    });
  }

  test.run();
}

for (const kind of storeKinds()) commitSuite(kind);
