// The one live reader, for queries and replays alike: the records still in the stream past the
// archive checkpoint, per shard, cut at a watermark (the tip when the read starts, or a resumed
// replay's cut), decoded into the reservoir record layout with the archiver's rule (checkPayload).

import type { ReservoirRecord } from '../../compiler/record-layout.ts';
import { deaggregate } from '../kinesis/kpl.ts';
import type { KinesisRecord, StreamService } from '../kinesis/stream-service.ts';
import { captureAtTip, type SourceCut } from '../replay/watermark.ts';
import type { ArchiveCheckpoint } from './checkpoint.ts';
import { checkPayload, reservoirLine, reservoirRecord, type RecordMeta } from './record-encoding.ts';

export interface LiveReadOptions {
  readonly stream: string;
  /** The reservoir's checkpoint (readArchiveCheckpoint); null reads every shard from its start. */
  readonly checkpoint: ArchiveCheckpoint | null;
  /** A cut taken before (a resumed replay): records past it are left out and it is returned as is. */
  readonly bound?: SourceCut;
  /**
   * Records that arrived before this instant are left out: a Firehose reservoir has no checkpoint,
   * so its live records are those of the window Firehose may not have delivered yet
   * (`firehoseLiveSince`); the views de-duplicate them against the delivered objects.
   */
  readonly since?: Date;
  /** Records whose data is not JSON are skipped (the archiver quarantines them); counted here. */
  readonly onSkipped?: (skipped: { shardId: string; sequenceNumber: string; subSequenceNumber: number; error: string }) => void;
  readonly signal?: AbortSignal;
}

export interface LiveRecord {
  readonly meta: RecordMeta;
  /** The payload as the producer's JSON text (repeated keys resolved), as the archiver writes it. */
  readonly text: string;
  readonly value: unknown;
}

/** Records handed over at once: large enough for few writes, small enough to keep memory flat. */
const BATCH_RECORDS = 5_000;

/**
 * Reads the live records: for each shard the archive has not finished, the records after its
 * checkpoint (shards the checkpoint does not know, from their start) up to the cut, handed to
 * `onBatch` a batch at a time. Returns the cut, which agrees with the records by construction.
 */
export async function readLive(
  streams: StreamService,
  options: LiveReadOptions,
  onBatch: (batch: readonly LiveRecord[]) => void | Promise<void>,
): Promise<SourceCut> {
  let batch: LiveRecord[] = [];
  const onRecord = async (shardId: string, record: KinesisRecord) => {
    decode(options, shardId, record, batch);
    if (batch.length >= BATCH_RECORDS) {
      const full = batch;
      batch = [];
      await onBatch(full);
    }
  };
  const cut = await captureAtTip(streams, options.stream, {
    archive: options.checkpoint,
    onRecord,
    ...(options.bound ? { bound: options.bound } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (batch.length > 0) await onBatch(batch);
  return cut;
}

/** The live records as reservoir records (parsed payloads). */
export async function readLiveRecords(
  streams: StreamService,
  options: LiveReadOptions,
  onRecords: (records: ReservoirRecord[]) => void | Promise<void>,
): Promise<SourceCut> {
  return readLive(streams, options, (batch) => onRecords(batch.map((r) => reservoirRecord(r.meta, r.value))));
}

/**
 * The live records as NDJSON lines exactly as the archiver writes reservoir files (payload kept
 * as the producer's JSON text), so SQL reads live and archived records the same way.
 */
export async function readLiveLines(streams: StreamService, options: LiveReadOptions, onLines: (lines: string) => void | Promise<void>): Promise<SourceCut> {
  return readLive(streams, options, (batch) => onLines(batch.map((r) => reservoirLine(r.meta, r.text)).join('')));
}

/**
 * Firehose buffers up to its interval before it writes an object, and its transformation Lambda
 * and retries add to that: records that arrived within the interval plus this margin may not be
 * in S3 yet. Older ones are (or are in Firehose's error output).
 */
export const FIREHOSE_DELIVERY_MARGIN_SECONDS = 15 * 60;

/** The start of a Firehose reservoir's live window: `now` minus its buffer interval and the margin. */
export function firehoseLiveSince(bufferSeconds: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - (bufferSeconds + FIREHOSE_DELIVERY_MARGIN_SECONDS) * 1000);
}

function decode(options: LiveReadOptions, shardId: string, record: KinesisRecord, into: LiveRecord[]): void {
  if (options.since && record.arrivalTime.getTime() < options.since.getTime()) return;
  const arrivalTime = record.arrivalTime.toISOString();
  const unpacked = deaggregate(record);
  if (!unpacked.ok) {
    options.onSkipped?.({ shardId, sequenceNumber: record.sequenceNumber, subSequenceNumber: 0, error: unpacked.error });
    return;
  }
  for (const user of unpacked.records) {
    const payload = checkPayload(user.data, user.partitionKey);
    const meta = {
      stream: options.stream,
      shardId,
      sequenceNumber: record.sequenceNumber,
      subSequenceNumber: user.subSequenceNumber,
      partitionKey: user.partitionKey,
      arrivalTime,
    };
    if (payload.ok) into.push({ meta, text: payload.text, value: payload.value });
    else options.onSkipped?.({ ...meta, error: payload.error });
  }
}
