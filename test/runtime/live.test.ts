import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { readLiveLines, readLiveRecords } from '../../src/runtime/reservoir/live.ts';
import type { ReservoirRecord } from '../../src/compiler/record-layout.ts';
import { archiveStep, jsonEntries, readReservoir, recordKey, startTestKinesis, tempDir, uniqueStream, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir();
});
test.after(async () => {
  await kinesis.close();
  await dir.remove();
});

test('live records are those past the archive checkpoint, in the reservoir layout, cut at a watermark; archive + live is everything once', async () => {
  const stream = uniqueStream();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, jsonEntries(300));
  await archiveReservoir(archiveStep('live', stream, dir.path), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, stream, [...jsonEntries(120, 300), { partitionKey: 'x', data: Buffer.from('not json') }]);

  const checkpoint = await readArchiveCheckpoint(new FsReservoirStore(dir.path));
  const skipped: { shardId: string; sequenceNumber: string; error: string }[] = [];
  const live: ReservoirRecord[] = [];
  const cut = await readLiveRecords(kinesis.streams, { stream, checkpoint, onSkipped: (s) => skipped.push(s) }, (batch) => void live.push(...batch));
  assert.is(live.length, 120);
  assert.is(skipped.length, 1);
  assert.equal(Object.keys(live[0]), ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', 'payload']);
  assert.equal(live.map((r) => (r.payload as { n: number }).n).sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => 300 + i));

  const archived = (await readReservoir(dir.path)).records;
  assert.is(new Set([...archived, ...live].map(recordKey)).size, 420);
  // Cut at a watermark: each shard's last record read, skipped or not (the one reader's cut, shared by queries and replays).
  const last = new Map<string, string>();
  for (const [shard, seq] of [...live.map((r) => [r.shard_id, r.sequence_number]), ...skipped.map((s) => [s.shardId, s.sequenceNumber])]) {
    if (!last.has(shard) || BigInt(seq) > BigInt(last.get(shard)!)) last.set(shard, seq);
  }
  assert.equal(cut.watermark.shards, Object.fromEntries(last));
  assert.is(cut.basis, 'stream-tip');

  let lines = '';
  await readLiveLines(kinesis.streams, { stream, checkpoint }, (chunk) => void (lines += chunk));
  const parsed = lines.trim().split('\n').map((l) => JSON.parse(l) as ReservoirRecord);
  assert.equal(parsed.map(recordKey).sort(), live.map(recordKey).sort());

  // Without a checkpoint, everything in the stream is live.
  let all = 0;
  await readLiveRecords(kinesis.streams, { stream, checkpoint: null }, (batch) => void (all += batch.length));
  assert.is(all, 420);

  // Cut at a resumed replay's watermark: nothing written after it is read.
  await putAllRecords(kinesis.streams, stream, jsonEntries(50, 420));
  let bounded = 0;
  const same = await readLiveRecords(kinesis.streams, { stream, checkpoint, bound: cut }, (batch) => void (bounded += batch.length));
  assert.is(bounded, 120);
  assert.equal(same, cut);
});

test.run();
