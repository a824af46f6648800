// What the archive benches share: the records they fill a stream with, and the baseline they
// hold the archiver against (a plain GetRecords loop over the same records, reading only).

import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, type KinesisEndpoint } from '../src/runtime/kinesis/client.ts';

/** One user record of the benches: a small order, about 100 bytes of JSON. */
export function benchPayload(n: number) {
  return { order_id: n, customer: `c-${n % 1000}`, amount: (n % 10_000) / 100, items: [{ sku: `s-${n % 50}`, qty: 1 + (n % 3) }] };
}

/**
 * Reads every record of the stream with nothing but the SDK's GetRecords, shard after shard from
 * the trim horizon to the tip, pages of 10,000: the Kinesis records read and the time it took.
 */
export async function plainGetRecordsRead(endpoint: KinesisEndpoint, stream: string): Promise<{ records: number; ms: number }> {
  const raw = createKinesisClient(endpoint);
  try {
    const t = performance.now();
    let records = 0;
    const { Shards = [] } = await raw.send(new ListShardsCommand({ StreamName: stream }));
    for (const shard of Shards) {
      let iterator = (await raw.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator) {
        const page = await raw.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        records += page.Records?.length ?? 0;
        if (!page.Records?.length && page.MillisBehindLatest === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return { records, ms: performance.now() - t };
  } finally {
    raw.destroy();
  }
}
