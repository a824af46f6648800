import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readShard } from '../../src/runtime/kinesis/shard-reader.ts';
import { compareSequence } from '../../src/runtime/kinesis/sequence.ts';
import type { PutEntry, StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { jsonEntries, startTestKinesis, uniqueStream, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
test.before(async () => {
  kinesis = await startTestKinesis();
});
test.after(async () => {
  await kinesis.close();
});

test('ensureStream creates a stream, then finds it, then updates its retention', async () => {
  const name = uniqueStream();
  const created = await kinesis.streams.ensureStream(name, 3, 48);
  assert.is(created.outcome, 'created');
  const d = (await kinesis.streams.describeStream(name))!;
  assert.is(d.status, 'ACTIVE');
  assert.is(d.retentionHours, 48);
  assert.is(d.openShards, 3);
  assert.is((await kinesis.streams.ensureStream(name, 3, 48)).outcome, 'exists');
  const updated = await kinesis.streams.ensureStream(name, 2, 24);
  assert.is(updated.outcome, 'updated');
  assert.equal(updated.notes, ['retention 48 h → 24 h', 'has 3 open shards, declared 2 (not resharded)']);
  assert.is((await kinesis.streams.describeStream(name))!.retentionHours, 24);
  assert.ok((await kinesis.streams.listStreams()).includes(name));
  assert.is(await kinesis.streams.describeStream('no-such-stream'), null);
});

test('listShards gives hash ranges, sequence ranges and parents', async () => {
  const name = uniqueStream();
  await kinesis.streams.ensureStream(name, 2, 24);
  const shards = await kinesis.streams.listShards(name);
  assert.equal(shards.map((s) => s.shardId), ['shardId-000000000000', 'shardId-000000000001']);
  assert.is(shards[0].hashKeyRange.start, '0');
  assert.is(shards[1].hashKeyRange.end, (2n ** 128n - 1n).toString());
  assert.is(BigInt(shards[0].hashKeyRange.end) + 1n, BigInt(shards[1].hashKeyRange.start));
  assert.is(shards[0].parentShardId, null);
  assert.is(shards[0].sequenceRange.end, null);
  assert.match(shards[0].sequenceRange.start, /^\d+$/);
});

test('putAllRecords batches any number of records and keeps results in order', async () => {
  const name = uniqueStream();
  await kinesis.streams.ensureStream(name, 2, 24);
  let calls = 0;
  const counting: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
    putRecords(stream: string, entries: readonly PutEntry[]) {
      calls++;
      return kinesis.streams.putRecords(stream, entries);
    },
  });
  const results = await putAllRecords(counting, name, jsonEntries(1203));
  assert.is(results.length, 1203);
  assert.is(calls, 3);
  const inShard0 = results.filter((r) => r.shardId === 'shardId-000000000000');
  for (let i = 1; i < inShard0.length; i++) assert.ok(compareSequence(inShard0[i - 1].sequenceNumber, inShard0[i].sequenceNumber) < 0);
});

test('putAllRecords resends only the entries Kinesis rejected', async () => {
  const name = uniqueStream();
  await kinesis.streams.ensureStream(name, 1, 24);
  let first = true;
  const throttling: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
    async putRecords(stream: string, entries: readonly PutEntry[]) {
      if (!first) return kinesis.streams.putRecords(stream, entries);
      first = false;
      const ok = await kinesis.streams.putRecords(stream, entries.filter((_, i) => i % 2 === 0));
      return entries.map((_, i) =>
        i % 2 === 0 ? ok[i / 2] : { ok: false as const, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'slow down' },
      );
    },
  });
  const results = await putAllRecords(throttling, name, jsonEntries(10));
  assert.is(results.length, 10);
  assert.ok(results.every((r) => r && r.sequenceNumber));
  const page = await kinesis.streams.getRecords(await kinesis.streams.shardIterator(name, 'shardId-000000000000', { kind: 'trim-horizon' }));
  assert.is(page.records.length, 10, 'no entry written twice');
});

test('readShard reads to the tip in pages and renews an expired iterator where it left off', async () => {
  const name = uniqueStream();
  await kinesis.streams.ensureStream(name, 1, 24);
  await putAllRecords(kinesis.streams, name, jsonEntries(250));
  let calls = 0;
  const expiring: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
    async getRecords(iterator: string, limit?: number) {
      if (++calls === 2) throw Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' });
      return kinesis.streams.getRecords(iterator, limit);
    },
  });
  const reader = readShard(expiring, name, 'shardId-000000000000', { from: { kind: 'trim-horizon' }, pageSize: 100 });
  const seen: number[] = [];
  let next = await reader.next();
  while (!next.done) {
    seen.push(...next.value.records.map((r) => JSON.parse(r.data.toString()).n as number));
    next = await reader.next();
  }
  assert.equal(seen, Array.from({ length: 250 }, (_, i) => i));
  assert.is(next.value.shardEnded, false);
  assert.ok(next.value.caughtUpAt instanceof Date);
});

test('readShard in follow mode keeps reading new records until aborted', async () => {
  const name = uniqueStream();
  await kinesis.streams.ensureStream(name, 1, 24);
  const abort = new AbortController();
  // The records go in once the reader holds its LATEST iterator (after its first GetRecords
  // answer), not after a guessed delay.
  let putting: Promise<unknown> | null = null;
  const streams = Object.assign(Object.create(kinesis.streams) as StreamService, {
    async getRecords(iterator: string, limit?: number) {
      const page = await kinesis.streams.getRecords(iterator, limit);
      putting ??= putAllRecords(kinesis.streams, name, jsonEntries(5));
      return page;
    },
  });
  const reader = readShard(streams, name, 'shardId-000000000000', {
    from: { kind: 'latest' },
    follow: { pollMs: 20 },
    signal: abort.signal,
  });
  const seen: number[] = [];
  try {
    for await (const page of reader) {
      seen.push(...page.records.map((r) => JSON.parse(r.data.toString()).n as number));
      if (seen.length >= 5) abort.abort();
    }
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
  await putting;
  assert.equal(seen, [0, 1, 2, 3, 4]);
});

test.run();
