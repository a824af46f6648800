// `wshed tail STREAM`: prints records as they arrive, de-aggregated, like a console consumer.
// Every shard is followed at once; `--limit N` stops after N records, Ctrl-C at any time.

import type { Argv } from 'yargs';
import { deaggregate } from '../../runtime/kinesis/kpl.ts';
import { readShard } from '../../runtime/kinesis/shard-reader.ts';
import type { ShardPosition } from '../../runtime/kinesis/stream-service.ts';
import { UsageError } from '../io.ts';
import { connect, localConfig } from '../session.ts';

export const tailCommand = {
  command: 'tail <stream>',
  describe: 'print records of a stream as they arrive (KPL aggregates are split)',
  builder: (y: Argv) =>
    y
      .positional('stream', { type: 'string', demandOption: true })
      .option('from', { choices: ['trim-horizon', 'latest'] as const, default: 'latest' as const, describe: 'start at the oldest record or at new ones' })
      .option('limit', { type: 'number', describe: 'stop after this many records' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object a record, with shard, sequence and partition key' })
      .option('conf', { type: 'string' }),
  handler: async (argv: { stream: string; from: 'trim-horizon' | 'latest'; limit?: number; json: boolean; conf?: string }) => {
    if (argv.limit !== undefined && !(Number.isInteger(argv.limit) && argv.limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const streams = await connect(localConfig(argv.conf), { start: false });
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    let printed = 0;
    try {
      if (!(await streams.describeStream(argv.stream))) throw new UsageError(`stream '${argv.stream}' does not exist`);
      const shards = await streams.listShards(argv.stream);
      const from: ShardPosition = argv.from === 'latest' ? { kind: 'latest' } : { kind: 'trim-horizon' };
      await Promise.all(
        shards.map(async (shard) => {
          const pages = readShard(streams, argv.stream, shard.shardId, { from, follow: { pollMs: 250 }, signal: stop.signal, closed: shard.sequenceRange.end !== null });
          try {
            for await (const page of pages) {
              for (const record of page.records) {
                const split = deaggregate(record);
                const users = split.ok ? split.records : [{ partitionKey: record.partitionKey, data: record.data, sequenceNumber: record.sequenceNumber, subSequenceNumber: 0 }];
                for (const u of users) {
                  if (stop.signal.aborted) return;
                  printed++;
                  const data = u.data.toString('utf8');
                  process.stdout.write(
                    argv.json
                      ? JSON.stringify({ shard_id: shard.shardId, sequence_number: u.sequenceNumber, sub_sequence_number: u.subSequenceNumber, partition_key: u.partitionKey, arrival_time: record.arrivalTime.toISOString(), data }) + '\n'
                      : data + '\n',
                  );
                  if (argv.limit !== undefined && printed >= argv.limit) return stop.abort();
                }
              }
            }
          } catch (e) {
            if (!stop.signal.aborted) throw e;
          }
        }),
      );
    } finally {
      streams.close();
    }
  },
};
