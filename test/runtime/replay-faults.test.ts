import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, ReplayStep } from '../../src/compiler/plan/types.ts';
import { readReplayMetadata } from '../../src/consumer/version.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { isReplayError } from '../../src/runtime/replay/replay-errors.ts';
import { runReplay } from '../../src/runtime/replay/run-replay.ts';
import type { ReplayContext } from '../../src/runtime/replay/types.ts';
import { defaultConfig } from '../golden/harness.ts';
import { readReplayed, singleAttemptStreamService, startFaultProxy, type StoredUserRecord } from './helpers/fault-proxy.ts';
import { rejects, startTestKinesis, tempDir, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
const closers: (() => unknown)[] = [];
test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-replay-faults-');
});
test.after(async () => {
  for (const close of closers.reverse()) await close();
  await kinesis.close();
  await dir.remove();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}_${process.pid}_${++counter}`;

/** An archived source of `count` records and replays of it into fresh destinations of `shards` shards. */
async function archivedSource(count: number, replays: readonly { name: string; clauses: string; shards: number }[], keys = 1000) {
  const src = unique('src');
  const root = path.join(dir.path, src);
  const into = replays.map(() => unique('dst'));
  const text = [
    `stream ${src} { shards 4 }`,
    ...replays.map((r, i) => `stream ${into[i]} { shards ${r.shards} }`),
    `reservoir res { from stream ${src} at "${root}" }`,
    ...replays.map((r, i) => `replay ${r.name} from archive res ${r.clauses} into stream ${into[i]}`),
  ].join('\n');
  const base = defaultConfig('local');
  const config = { ...base, replay: { ...base.replay, shardBudgetFraction: 1 } } as typeof base;
  const { plan, diagnostics } = compile({ path: 'faults.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  await kinesis.streams.ensureStream(src, 4, 24);
  for (let i = 0; i < replays.length; i++) await kinesis.streams.ensureStream(into[i], replays[i].shards, 24);
  const entries = Array.from({ length: count }, (_, n) => ({ partitionKey: `p${n % keys}`, data: Buffer.from(`{"n":${n},"pad":"${'x'.repeat(n % 50)}"}`) }));
  await putAllRecords(kinesis.streams, src, entries);
  await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams: kinesis.streams });
  const steps = plan.steps.filter((s): s is ReplayStep => s.kind === 'replay');
  return { root, steps, into };
}

function ctxFor(root: string, destination: StreamService, maxRetries: number): ReplayContext {
  return { streams: kinesis.streams, destination, reservoir: new FsReservoirStore(root), home: path.join(dir.path, 'home'), maxRetries };
}

/** How often each source record (by origin) is in the stream. */
function copies(stored: readonly StoredUserRecord[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of stored) {
    const read = readReplayMetadata(JSON.parse(r.data.toString()));
    if (read.kind !== 'replayed') throw new Error(`not a replayed record: ${r.data.toString()}`);
    const o = read.metadata.origin;
    const id = `${o.shard_id}/${o.sequence_number}/${o.sub_sequence_number}`;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

test('20,000 records through 10% failed entries and 5% failed calls: every record arrives, duplicates are counted', async () => {
  const { root, steps, into } = await archivedSource(20_000, [
    { name: 'plain', clauses: 'aggregate off', shards: 16 },
    { name: 'aggregated', clauses: '', shards: 16 },
  ]);
  for (let i = 0; i < steps.length; i++) {
    // Dropped answers (the case that makes duplicates possible) weigh double, so every run has some.
    const requestFaults = ['throttle', 'error-500', 'drop-before', 'drop-after', 'drop-after'] as const;
    const proxy = await startFaultProxy({ targetPort: kinesis.port, entryFailureRate: 0.1, requestFaultRate: 0.05, requestFaults, seed: 7 + i });
    const destination = singleAttemptStreamService(proxy.endpoint);
    closers.push(() => proxy.close(), () => destination.close());
    const summary = await runReplay(steps[i], ctxFor(root, destination, 12));

    const { records: stored, markers } = await readReplayed(kinesis.streams, into[i]);
    const seen = copies(stored);
    const duplicates = stored.length - seen.size;
    const kinesisRecords = new Set(stored.map((r) => `${r.shardId}/${r.sequenceNumber}`)).size;
    const markerRecords = new Set(markers.map((r) => `${r.shardId}/${r.sequenceNumber}`)).size;
    const label = `${steps[i].name}: ${JSON.stringify({ ...summary, watermark: undefined })} ${JSON.stringify(proxy.stats)}`;
    assert.is(seen.size, 20_000, `every record arrived (${label})`);
    assert.is(summary.records, 20_000);
    assert.is(summary.emitted, 20_000, label);
    assert.ok(duplicates <= summary.duplicatesPossible, `${duplicates} duplicates, ${summary.duplicatesPossible} reported (${label})`);
    // Every entry the proxy let through was written; those the replay saw acknowledged are counted.
    assert.is(kinesisRecords + markerRecords, proxy.stats.entriesForwarded, label);
    assert.ok(markerRecords >= summary.markers.records && summary.markers.records === (await kinesis.streams.listShards(into[i])).length, label);
    assert.ok(kinesisRecords >= summary.kinesisRecords, label);
    assert.ok(summary.failedAttempts >= proxy.stats.entriesFailed, label);
    assert.ok(summary.retried > 0 && summary.failedAttempts > 0, label);
    if (steps[i].name === 'plain') {
      assert.is(summary.kinesisRecords, 20_000);
      // Every extra Kinesis record in the stream is a copy the summary counted as possible.
      assert.is(kinesisRecords - summary.kinesisRecords, duplicates, label);
      assert.ok(proxy.stats.requestFaults['drop-after'] > 0 && summary.duplicatesPossible > 0, label);
      assert.ok(proxy.stats.entriesFailed > 1500, label);
      // The summary says what held the rate down: here Kinesis throttling (a fifth of the failed entries).
      assert.ok(summary.limitedBy.some((l) => l.by === 'throttling' && l.value > 0 && l.waitedMs > 0), label);
    }
  }
});

test("each key's records land in replay order through failed entries, aggregated or not (PutRecords goes on past a failed entry)", async () => {
  // 10 hot keys: without the rule a call holds dozens of one key's records, and a later one lands before the retry of an earlier.
  const { root, steps, into } = await archivedSource(3_000, [
    { name: 'keys_plain', clauses: 'aggregate off', shards: 4 },
    { name: 'keys_aggregated', clauses: '', shards: 4 },
  ], 10);
  for (let i = 0; i < steps.length; i++) {
    const proxy = await startFaultProxy({ targetPort: kinesis.port, entryFailureRate: 0.2, seed: 11 + i });
    const destination = singleAttemptStreamService(proxy.endpoint);
    closers.push(() => proxy.close(), () => destination.close());
    const summary = await runReplay(steps[i], ctxFor(root, destination, 20));
    assert.ok(proxy.stats.entriesFailed > 0, `${steps[i].name}: some entries failed`);
    const { records } = await readReplayed(kinesis.streams, into[i]);
    assert.is(records.length, 3_000, `${steps[i].name}: every record once (${JSON.stringify(summary)})`);
    const lastByKey = new Map<string, number>();
    for (const r of records) {
      const n = (JSON.parse(r.data.toString()) as { n: number }).n;
      const before = lastByKey.get(r.partitionKey) ?? -1;
      assert.ok(n > before, `${steps[i].name}: key ${r.partitionKey} has record ${n} after ${before}`);
      lastByKey.set(r.partitionKey, n);
    }
    assert.is(lastByKey.size, 10);
  }
});

test('a record failing past the retry budget stops the replay with its position kept; --resume finishes it', async () => {
  const { root, steps, into } = await archivedSource(3000, [{ name: 'budget', clauses: 'aggregate off', shards: 4 }]);
  const step = steps[0];
  const proxy = await startFaultProxy({ targetPort: kinesis.port, failEntry: (e) => e.data.includes('"n":2000,') });
  const failing = singleAttemptStreamService(proxy.endpoint);
  closers.push(() => proxy.close(), () => failing.close());
  const err = await rejects(() => runReplay(step, ctxFor(root, failing, 2)), /still failing after 2 retries/);
  assert.ok(isReplayError(err, 'WS751'), String(err));
  assert.match((err as Error & { render(): string }).render(), /--resume/);
  const checkpoint = JSON.parse(await fs.readFile(path.join(dir.path, 'home', 'replays', 'budget.json'), 'utf8'));
  assert.is(checkpoint.state, 'stopped');
  const before = (await readReplayed(kinesis.streams, into[0])).records;
  assert.ok(checkpoint.acknowledged.ordinal > 0 && checkpoint.acknowledged.ordinal < 3000, `acknowledged ${checkpoint.acknowledged.ordinal}`);
  assert.ok(before.length >= checkpoint.acknowledged.ordinal && !before.some((r) => r.data.includes('"n":2000,')));

  // Not resuming an unfinished run is refused rather than sending everything again.
  await rejects(() => runReplay(step, ctxFor(root, kinesis.streams, 2)), /unfinished run/);

  const summary = await runReplay(step, ctxFor(root, kinesis.streams, 2), { resume: true });
  assert.is(summary.resumedFrom, checkpoint.acknowledged.ordinal);
  assert.is(summary.replayId, checkpoint.replayId);
  assert.is(summary.records, 3000 - checkpoint.acknowledged.ordinal);
  const stored = (await readReplayed(kinesis.streams, into[0])).records;
  const seen = copies(stored);
  assert.is(seen.size, 3000);
  const duplicates = stored.length - seen.size;
  // Only entries of the stopped batch can be there twice: at most one batch (500 entries).
  assert.ok(duplicates <= summary.duplicatesPossible && summary.duplicatesPossible <= 500, `${duplicates} duplicates, ${summary.duplicatesPossible} reported`);
  await rejects(() => runReplay(step, ctxFor(root, kinesis.streams, 2), { resume: true }), /no unfinished run/);
});

test.run();
