// The Firehose transformation Lambda: turns each record Firehose read from the Kinesis stream into
// the reservoir's record-layout line with the archiver's own encoder, and names its folder by the
// record's own arrival time through dynamic-partitioning keys. Bundled alone into
// dist/lambda/firehose-transform.mjs (node: builtins only); configured by its environment.

import { partitionPath, type PartitionScheme, type ReservoirFormat } from '../compiler/record-layout.ts';
import { encodeUserRecord, type RecordMeta } from '../runtime/reservoir/record-encoding.ts';

/** The documented event shape (Kinesis Data Streams as the source). */
export interface FirehoseTransformEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn?: string;
  readonly region: string;
  readonly records: readonly FirehoseEventRecord[];
}

export interface FirehoseEventRecord {
  readonly recordId: string;
  readonly approximateArrivalTimestamp: number;
  /** base64 */
  readonly data: string;
  readonly kinesisRecordMetadata?: {
    readonly shardId: string;
    readonly partitionKey: string;
    /** milliseconds since the epoch */
    readonly approximateArrivalTimestamp: number;
    readonly sequenceNumber: string;
    /** A string in the documentation, a number in some events: both are read. */
    readonly subsequenceNumber?: string | number | null;
  } | null;
}

export interface FirehoseResultRecord {
  readonly recordId: string;
  readonly result: 'Ok' | 'Dropped' | 'ProcessingFailed';
  /** base64 */
  readonly data: string;
  readonly metadata?: { readonly partitionKeys: Readonly<Record<string, string>> };
}

export interface TransformSettings {
  /** The declared stream's name, as the archiver writes it in `stream`. */
  readonly stream: string;
  readonly partition: PartitionScheme;
  readonly format: ReservoirFormat;
}

/**
 * The partition keys every Ok record carries. `area` is `dt` for reservoir records and
 * `_quarantine/dt` for quarantine lines, so the prefix `<prefix>/!{partitionKeyFromLambda:area}=…`
 * gives `dt=…/hour=…/` or `_quarantine/dt=…/hour=…/`, the archiver's two folders.
 */
export const PARTITION_KEYS = { area: 'area', dt: 'dt', hour: 'hour' } as const;
export const RECORD_AREA = 'dt';
export const QUARANTINE_AREA = '_quarantine/dt';

/** Environment variables the provisioner sets on the function. */
export const SETTINGS_ENV = { stream: 'WSHED_STREAM', partition: 'WSHED_PARTITION', format: 'WSHED_FORMAT' } as const;

export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>, event?: FirehoseTransformEvent): TransformSettings {
  const fromArn = event?.sourceKinesisStreamArn?.split(':stream/')[1];
  const stream = env[SETTINGS_ENV.stream] || fromArn;
  if (!stream) throw new Error(`${SETTINGS_ENV.stream} is not set and the event names no source stream`);
  const partition = env[SETTINGS_ENV.partition] === 'daily' ? 'daily' : 'hourly';
  const format = env[SETTINGS_ENV.format] === 'parquet' ? 'parquet' : 'json';
  return { stream, partition, format };
}

/** Transforms one event's records; pure (no I/O), so tests hold it against the archiver. */
export function transformRecords(event: FirehoseTransformEvent, settings: TransformSettings): { records: FirehoseResultRecord[] } {
  return { records: event.records.map((r) => transformRecord(r, settings)) };
}

function transformRecord(record: FirehoseEventRecord, settings: TransformSettings): FirehoseResultRecord {
  const data = Buffer.from(record.data, 'base64');
  const k = record.kinesisRecordMetadata;
  if (!k) {
    // Direct PUT has no shard or sequence: the record layout cannot be written for it.
    return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  }
  const arrival = new Date(k.approximateArrivalTimestamp ?? record.approximateArrivalTimestamp);
  const meta: RecordMeta = {
    stream: settings.stream,
    shardId: k.shardId,
    sequenceNumber: k.sequenceNumber,
    subSequenceNumber: subSequence(k.subsequenceNumber),
    partitionKey: k.partitionKey,
    arrivalTime: arrival.toISOString(),
  };
  // Format conversion reads the payload column as text (in Parquet it is JSON text).
  const encoded = encodeUserRecord(meta, data, { payloadAsText: settings.format === 'parquet' });
  if (encoded.kind === 'quarantine' && settings.format === 'parquet') {
    // A quarantine line would be converted against the record table and lose its bytes: Firehose
    // writes the record, byte-exact, under the error prefix (`_quarantine/processing-failed/`).
    return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
  }
  const { line } = encoded;
  const area = encoded.kind === 'record' ? RECORD_AREA : QUARANTINE_AREA;
  const folder = partitionPath(settings.partition, arrival);
  const partitionKeys: Record<string, string> = { [PARTITION_KEYS.area]: area, [PARTITION_KEYS.dt]: folder.slice(3, 13) };
  if (settings.partition === 'hourly') partitionKeys[PARTITION_KEYS.hour] = folder.slice(-2);
  return { recordId: record.recordId, result: 'Ok', data: Buffer.from(line, 'utf8').toString('base64'), metadata: { partitionKeys } };
}

function subSequence(value: string | number | null | undefined): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The Lambda entry point. */
export async function handler(event: FirehoseTransformEvent): Promise<{ records: FirehoseResultRecord[] }> {
  return transformRecords(event, settingsFromEnv(process.env, event));
}
