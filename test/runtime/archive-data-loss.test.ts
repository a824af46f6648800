// Data-loss detection and the archiver's refusals, on every store (a folder, and S3 on moto).

import * as assert from 'uvu/assert';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { ArchiveDataLossError, archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { compareSequence } from '../../src/runtime/kinesis/sequence.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { takeLease } from '../../src/runtime/reservoir/lease.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
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

function defineSuite(kind: StoreKind): void {
  const test = storeSuite(`data-loss detection (${kind.name} store)`, kind, { kinesis: (k) => (kinesis = k), reservoir: (r) => (reservoir = r) });

  const HOUR = 3_600_000;

  test('a stream deleted and created again stops the archive with what may be missing; accepting the loss continues', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 2, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(200));
    const step = archiveStep('recreated', stream, reservoir.location);
    await archiveReservoir(step, { streams: kinesis.streams });
    const before = (await reservoir.store().read('_wshed/checkpoint.json'))!.toString();

    await kinesis.streams.deleteStream(stream);
    // The local service stamps creation to the second: make the new stream's stamp differ.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    await kinesis.streams.ensureStream(stream, 2, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(50, 1000));

    const err = await rejects(() => archiveReservoir(step, { streams: kinesis.streams }), /deleted and created again/);
    assert.ok(isRuntimeError(err, 'WS731'));
    assert.match(err.message, /may be missing/);
    assert.match(err.message, /shardId-000000000000/);
    assert.match((err as ArchiveDataLossError).fix, /accept/);
    assert.is((err as ArchiveDataLossError).losses.length, 2);
    // A refused run changes nothing.
    assert.is((await reservoir.store().read('_wshed/checkpoint.json'))!.toString(), before);

    const accepted = await archiveReservoir(step, { streams: kinesis.streams }, { acceptDataLoss: true });
    assert.is(accepted.records, 50);
    assert.equal(accepted.acceptedLosses.map((l) => l.reason), ['stream-recreated', 'stream-recreated']);
    const { records } = await readReservoir(reservoir.store());
    assert.is(records.length, 250, 'old files stay, new records are added');
    assert.is(new Set(records.map(recordKey)).size, 250);
    // From now on the checkpoint is the new stream's: no error, nothing new.
    assert.is((await archiveReservoir(step, { streams: kinesis.streams })).records, 0);
  });

  /** The stream as if retention had dropped every record of `shardId` up to `upTo`. */
  function trimmed(streams: StreamService, upTo: string): StreamService {
    return Object.assign(Object.create(streams) as StreamService, {
      async getRecords(iterator: string, limit?: number) {
        for (;;) {
          const page = await streams.getRecords(iterator, limit);
          const records = page.records.filter((r) => compareSequence(r.sequenceNumber, upTo) > 0);
          if (records.length > 0 || page.records.length === 0 || !page.nextIterator) return { ...page, records };
          iterator = page.nextIterator;
        }
      },
    });
  }

  test('a checkpoint trimmed from the stream with unseen records gone stops the archive; accepting continues', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(100));
    const step = archiveStep('trimmed', stream, reservoir.location);
    await archiveReservoir(step, { streams: kinesis.streams });
    await new Promise((r) => setTimeout(r, 20));
    const later = await putAllRecords(kinesis.streams, stream, jsonEntries(100, 100));

    // Thirty hours later, with 24 h retention: the archived records and half the new ones are gone.
    const now = () => new Date(Date.now() + 30 * HOUR);
    const gone = trimmed(kinesis.streams, later[49].sequenceNumber);
    const err = await rejects(() => archiveReservoir(step, { streams: gone }, { now }), /dropped records \(retention\)/);
    assert.ok(err instanceof ArchiveDataLossError);
    const [loss] = (err as ArchiveDataLossError).losses;
    assert.is(loss.reason, 'trimmed');
    assert.ok(loss.from < loss.to);

    const accepted = await archiveReservoir(step, { streams: gone }, { now, acceptDataLoss: true });
    assert.is(accepted.records, 50);
    const { records } = await readReservoir(reservoir.store());
    assert.equal(
      records.map((r) => (r.payload as { n: number }).n).sort((a, b) => a - b),
      [...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 150 + i)],
    );
    // Accepted once: later runs do not ask again.
    assert.is((await archiveReservoir(step, { streams: gone }, { now })).records, 0);
  });

  test('no loss is reported when only archived records were trimmed, or when the checkpoint is still there', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    const first = await putAllRecords(kinesis.streams, stream, jsonEntries(100));
    const step = archiveStep('kept', stream, reservoir.location);
    await archiveReservoir(step, { streams: kinesis.streams });
    const farLater = () => new Date(Date.now() + 30 * HOUR);
    // Checkpoint still in the stream: probing finds it.
    assert.is((await archiveReservoir(step, { streams: kinesis.streams }, { now: farLater })).records, 0);
    // Everything archived was trimmed and nothing else arrived: the shard's tip was seen recently.
    const soon = () => new Date(Date.now() + 1 * HOUR);
    const gone = trimmed(kinesis.streams, first[99].sequenceNumber);
    assert.is((await archiveReservoir(step, { streams: gone }, { now: soon })).records, 0);
  });

  test('a shard that left the stream before it was archived to its end is reported', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(50));
    const step = archiveStep('gone', stream, reservoir.location);
    await archiveReservoir(step, { streams: kinesis.streams });
    await putAllRecords(kinesis.streams, stream, jsonEntries(50, 50));
    const client = createKinesisClient(kinesis.endpoint);
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    client.destroy();
    await kinesis.streams.waitForStream(stream, 'active');
    await putAllRecords(kinesis.streams, stream, jsonEntries(30, 100));
    // As if the closed parent had aged out of the stream before the archiver came back.
    const expired: StreamService = Object.assign(Object.create(kinesis.streams) as StreamService, {
      async listShards(name: string) {
        return (await kinesis.streams.listShards(name)).filter((s) => s.shardId !== 'shardId-000000000000');
      },
    });
    const err = await rejects(() => archiveReservoir(step, { streams: expired }), /no longer in the stream/);
    assert.is((err as ArchiveDataLossError).losses[0].reason, 'shard-gone');
    const accepted = await archiveReservoir(step, { streams: expired }, { acceptDataLoss: true });
    assert.is(accepted.records, 30);
    const checkpoint = (await readArchiveCheckpoint(reservoir.store()))!;
    assert.is(checkpoint.shards['shardId-000000000000'], undefined, 'an expired finished shard is forgotten');
  });

  test('archived files without a checkpoint, another stream\'s checkpoint, and a held lock are refused', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(10));
    const step = archiveStep('guarded', stream, reservoir.location);
    await archiveReservoir(step, { streams: kinesis.streams });

    const held = await takeLease(reservoir.store(), 'archive');
    assert.ok(held.ok);
    const locked = await rejects(() => archiveReservoir(step, { streams: kinesis.streams }), /being archived by another process/);
    assert.ok(isRuntimeError(locked, 'WS722'));
    if (held.ok) await held.lease.release();

    const other = await rejects(() => archiveReservoir({ ...step, stream: 'another' }, { streams: kinesis.streams }));
    assert.ok(isRuntimeError(other, 'WS724'));

    await reservoir.store().remove('_wshed/checkpoint.json');
    const orphan = await rejects(() => archiveReservoir(step, { streams: kinesis.streams }), /no checkpoint/);
    assert.ok(isRuntimeError(orphan, 'WS723'));
    assert.is((await readReservoir(reservoir.store())).records.length, 10);

    const elsewhere = await kind.fresh();
    try {
      const missing = await rejects(() => archiveReservoir(archiveStep('x', 'no-such-stream', elsewhere.location), { streams: kinesis.streams }));
      assert.ok(isRuntimeError(missing, 'WS711'));
    } finally {
      await elsewhere.remove();
    }
  });

  test.run();
}

for (const kind of storeKinds()) defineSuite(kind);
