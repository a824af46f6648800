// The live part of a reservoir: records still in the stream past the archive checkpoint, per
// shard, in the reservoir record layout. Streamed in batches (to fill `wshed_live."<reservoir>"`).

import type { ReservoirRecord } from '../../compiler/record-layout.ts';
import { deaggregate } from '../kinesis/kpl.ts';
import { readShard } from '../kinesis/shard-reader.ts';
import type { ShardPosition, StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint } from './checkpoint.ts';
import { checkPayload, reservoirLine, reservoirRecord, type RecordMeta } from './record-encoding.ts';

export interface LiveReadOptions {
  readonly stream: string;
  /** The reservoir's checkpoint (readArchiveCheckpoint); null reads every shard from its start. */
  readonly checkpoint: ArchiveCheckpoint | null;
  /** Records whose data is not JSON are skipped (the archiver quarantines them); counted here. */
  readonly onSkipped?: (skipped: { shardId: string; sequenceNumber: string; subSequenceNumber: number; error: string }) => void;
  readonly signal?: AbortSignal;
  /** Records per GetRecords call (default 10,000). */
  readonly pageSize?: number;
}

/**
 * Yields batches of the live records: for each shard the archive has not finished, the records
 * after its checkpoint up to the tip (shards the checkpoint does not know, from their start).
 */
export async function* readLiveRecords(streams: StreamService, options: LiveReadOptions): AsyncGenerator<ReservoirRecord[]> {
  for await (const batch of readLive(streams, options)) yield batch.map((r) => reservoirRecord(r.meta, r.value));
}

/**
 * The same records as NDJSON lines exactly as the archiver writes reservoir files (payload kept
 * as the producer's JSON text), so SQL can read live and archived records the same way.
 */
export async function* readLiveLines(streams: StreamService, options: LiveReadOptions): AsyncGenerator<string> {
  for await (const batch of readLive(streams, options)) yield batch.map((r) => reservoirLine(r.meta, r.text)).join('');
}

interface LiveRecord {
  readonly meta: RecordMeta;
  readonly text: string;
  readonly value: unknown;
}

async function* readLive(streams: StreamService, options: LiveReadOptions): AsyncGenerator<LiveRecord[]> {
  const tipAt = new Date();
  const description = await streams.describeStream(options.stream);
  // A checkpoint of a stream since deleted and created again says nothing about this one.
  const checkpoint =
    options.checkpoint && description && options.checkpoint.streamCreatedAt === description.createdAt.toISOString()
      ? options.checkpoint
      : null;
  for (const shard of await streams.listShards(options.stream)) {
    const entry = checkpoint?.shards[shard.shardId];
    if (entry?.finished) continue;
    const from: ShardPosition =
      entry?.sequenceNumber != null ? { kind: 'after-sequence', sequenceNumber: entry.sequenceNumber } : { kind: 'trim-horizon' };
    const reader = readShard(streams, options.stream, shard.shardId, {
      from,
      tipAt,
      closed: shard.sequenceRange.end !== null,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const page of reader) {
      const batch: LiveRecord[] = [];
      for (const record of page.records) {
        const arrivalTime = record.arrivalTime.toISOString();
        const unpacked = deaggregate(record);
        if (!unpacked.ok) {
          options.onSkipped?.({ shardId: shard.shardId, sequenceNumber: record.sequenceNumber, subSequenceNumber: 0, error: unpacked.error });
          continue;
        }
        for (const user of unpacked.records) {
          const payload = checkPayload(user.data, user.partitionKey);
          const meta = {
            stream: options.stream,
            shardId: shard.shardId,
            sequenceNumber: record.sequenceNumber,
            subSequenceNumber: user.subSequenceNumber,
            partitionKey: user.partitionKey,
            arrivalTime,
          };
          if (payload.ok) batch.push({ meta, text: payload.text, value: payload.value });
          else options.onSkipped?.({ ...meta, error: payload.error });
        }
      }
      if (batch.length > 0) yield batch;
    }
  }
}
