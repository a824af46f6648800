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

test('live records are those past the archive checkpoint, in the reservoir layout; archive + live is everything once', async () => {
  const stream = uniqueStream();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, jsonEntries(300));
  await archiveReservoir(archiveStep('live', stream, dir.path), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, stream, [...jsonEntries(120, 300), { partitionKey: 'x', data: Buffer.from('not json') }]);

  const checkpoint = await readArchiveCheckpoint(new FsReservoirStore(dir.path));
  const skipped: string[] = [];
  const live: ReservoirRecord[] = [];
  for await (const batch of readLiveRecords(kinesis.streams, { stream, checkpoint, onSkipped: (s) => skipped.push(s.error) })) live.push(...batch);
  assert.is(live.length, 120);
  assert.is(skipped.length, 1);
  assert.equal(Object.keys(live[0]), ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', 'payload']);
  assert.equal(live.map((r) => (r.payload as { n: number }).n).sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => 300 + i));

  const archived = (await readReservoir(dir.path)).records;
  assert.is(new Set([...archived, ...live].map(recordKey)).size, 420);

  let lines = '';
  for await (const chunk of readLiveLines(kinesis.streams, { stream, checkpoint })) lines += chunk;
  const parsed = lines.trim().split('\n').map((l) => JSON.parse(l) as ReservoirRecord);
  assert.equal(parsed.map(recordKey).sort(), live.map(recordKey).sort());

  // Without a checkpoint, everything in the stream is live.
  let all = 0;
  for await (const batch of readLiveRecords(kinesis.streams, { stream, checkpoint: null })) all += batch.length;
  assert.is(all, 420);
});

test.run();
