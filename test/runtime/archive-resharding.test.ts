// Resharding while archiving, on every store (a folder, and S3 on moto): parents before their
// children, every record once.

import * as assert from 'uvu/assert';
import { MergeShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { parseFileName } from '../../src/runtime/reservoir/file-names.ts';
import {
  archiveStep,
  jsonEntries,
  readReservoir,
  recordingPublishes,
  recordKey,
  uniqueStream,
  type TestKinesis,
} from './helpers/local-kinesis.ts';
import { storeKinds, storeSuite, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';

let kinesis: TestKinesis;
let reservoir: TestReservoir;

function defineSuite(kind: StoreKind): void {
  const test = storeSuite(`resharding (${kind.name} store)`, kind, { kinesis: (k) => (kinesis = k), reservoir: (r) => (reservoir = r) });

  const HALF = (2n ** 127n).toString();

  async function split(stream: string, shardId: string, at = HALF): Promise<void> {
    const client = createKinesisClient(kinesis.endpoint);
    try {
      await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shardId, NewStartingHashKey: at }));
    } finally {
      client.destroy();
    }
    await kinesis.streams.waitForStream(stream, 'active');
  }

  /** Shard ids in the order their files were published, each listed at its first publish. */
  function publishOrder(published: string[]): string[] {
    return [...new Set(published.map((p) => parseFileName(p)!.shardId))];
  }

  function assertExactlyOnce(records: { shard_id: string; sequence_number: string; sub_sequence_number: number; payload: unknown }[], count: number): void {
    assert.is(new Set(records.map(recordKey)).size, records.length, 'a record was archived twice');
    assert.equal(
      records.map((r) => (r.payload as { n: number }).n).sort((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i),
    );
  }

  test('after a split, the parent is archived to its end before its children, every record once', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    const step = archiveStep('split', stream, reservoir.location);
    await putAllRecords(kinesis.streams, stream, jsonEntries(100));
    await archiveReservoir(step, { streams: kinesis.streams });
    await putAllRecords(kinesis.streams, stream, jsonEntries(100, 100));
    await split(stream, 'shardId-000000000000');
    await putAllRecords(kinesis.streams, stream, jsonEntries(200, 200));

    const { store, published } = recordingPublishes(reservoir.store());
    const result = await archiveReservoir(step, { streams: kinesis.streams, store });
    assert.is(result.records, 300);
    assert.is(result.shards, 3);
    assert.ok(result.perShard['shardId-000000000000'].finished);
    assert.is(result.perShard['shardId-000000000000'].records, 100);
    assert.is(publishOrder(published)[0], 'shardId-000000000000');
    assert.equal(publishOrder(published).slice(1).sort(), ['shardId-000000000001', 'shardId-000000000002']);

    const { records } = await readReservoir(reservoir.store());
    assertExactlyOnce(records, 400);
    const checkpoint = (await readArchiveCheckpoint(reservoir.store()))!;
    assert.is(checkpoint.shards['shardId-000000000000'].finished, true);
    assert.is(checkpoint.shards['shardId-000000000001'].finished, false);
    assert.is((await archiveReservoir(step, { streams: kinesis.streams })).records, 0);
  });

  test('a split while the archiver reads the parent: parent read to its end, then the children', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(500));
    let calls = 0;
    // Reshard between the archiver's second and third page of the parent, and write to the children.
    const resharding: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
      async getRecords(iterator: string, limit?: number) {
        if (++calls === 3) {
          await split(stream, 'shardId-000000000000');
          await putAllRecords(kinesis.streams, stream, jsonEntries(300, 500));
        }
        return kinesis.streams.getRecords(iterator, limit);
      },
    });
    const { store, published } = recordingPublishes(reservoir.store());
    const step = archiveStep('split-live', stream, reservoir.location);
    const first = await archiveReservoir(step, { streams: resharding, store }, { pageSize: 100, maxRecordsPerFile: 150 });
    assert.ok(first.perShard['shardId-000000000000'].finished);
    assert.is(first.perShard['shardId-000000000000'].records, 500);
    const order = publishOrder(published);
    assert.is(order[0], 'shardId-000000000000');
    const lastParentFile = published.map((p) => parseFileName(p)!.shardId).lastIndexOf('shardId-000000000000');
    assert.ok(published.slice(0, lastParentFile + 1).every((p) => p.includes('shardId-000000000000')), 'a child file came before the parent ended');
    // Records that reached the children after the run began may be left for the next run.
    await archiveReservoir(step, { streams: kinesis.streams });
    const { records } = await readReservoir(reservoir.store());
    assertExactlyOnce(records, 800);
  });

  test('after a merge, the child waits for both parents', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 2, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(300));
    const client = createKinesisClient(kinesis.endpoint);
    try {
      await client.send(
        new MergeShardsCommand({ StreamName: stream, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }),
      );
    } finally {
      client.destroy();
    }
    await kinesis.streams.waitForStream(stream, 'active');
    await putAllRecords(kinesis.streams, stream, jsonEntries(200, 300));
    const shards = await kinesis.streams.listShards(stream);
    const child = shards.find((s) => s.parentShardId && s.adjacentParentShardId)!;
    assert.ok(child, 'merged child shard');

    const { store, published } = recordingPublishes(reservoir.store());
    const result = await archiveReservoir(archiveStep('merge', stream, reservoir.location), { streams: kinesis.streams, store }, { shardConcurrency: 3 });
    assert.is(result.records, 500);
    const order = published.map((p) => parseFileName(p)!.shardId);
    const firstChild = order.indexOf(child.shardId);
    assert.ok(firstChild > order.lastIndexOf('shardId-000000000000') && firstChild > order.lastIndexOf('shardId-000000000001'));
    assertExactlyOnce((await readReservoir(reservoir.store())).records, 500);
  });

  test.run();
}

for (const kind of storeKinds()) defineSuite(kind);
