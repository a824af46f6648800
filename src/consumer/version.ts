// Origin positions used as versions: where a record first entered Kinesis, read from a replayed
// record's `_wshed.origin` or built from a live record's metadata, and the one total order on them.
// The order is the replay's compaction order (src/compiler/sql/replay-query.ts), so "the last
// record per key" means the same thing to the replay and to a consumer.

import { REPLAY_METADATA_FIELD } from '../compiler/record-layout.ts';
import type { Origin, ReplayMarker, ReplayMetadata, Watermark } from './metadata.ts';

/**
 * A record's version: its origin position. It has exactly the shape of `_wshed.origin` (plain,
 * JSON-serialisable data), so a consumer can store it beside the value it applied.
 */
export type Version = Origin;

/**
 * What a Kinesis consumer knows about a record it reads from the source stream: the stream, the
 * shard it read, and the record's own metadata (the SDK's `SequenceNumber`,
 * `ApproximateArrivalTimestamp`; `subSequenceNumber` from KPL de-aggregation, 0 or absent when the
 * record was not aggregated).
 */
export interface LiveRecordMetadata {
  readonly streamName: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
  /** A Date (as the SDK returns it), epoch milliseconds, or an ISO-8601 string. */
  readonly approximateArrivalTimestamp: Date | number | string;
}

/** Ordering result: negative, zero or positive, like `Array.prototype.sort` comparators. */
export type Ordering = -1 | 0 | 1;

const DECIMAL = /^\d+$/;

/**
 * Orders two Kinesis sequence numbers as (arbitrarily large) non-negative integers. They are
 * decimal strings wider than 64 bits, so they are compared by length and then digit by digit,
 * after leading zeros are ignored.
 */
export function compareSequenceNumbers(a: string, b: string): Ordering {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripLeadingZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

function compareText(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

function arrivalMillis(v: OriginPosition): number {
  const ms = Date.parse(v.arrival_time);
  // Versions come from liveVersion/readReplayMetadata, which reject bad times: this is a bug.
  if (Number.isNaN(ms)) throw new RangeError(`invalid arrival_time in version: ${JSON.stringify(v.arrival_time)}`);
  return ms;
}

/**
 * The origin order's keys, in order (reservoir record-layout column names): what every SQL
 * builder sorts and compacts by (src/compiler/sql/replay-query.ts) and what compareOrigins
 * compares, so the replay, its checkpoint and a consumer agree on "newer".
 */
export const ORIGIN_ORDER = ['arrival_time', 'sequence_number', 'sub_sequence_number', 'shard_id'] as const;

/** A position in the origin order: a version without its stream (every record of a replay has the same one). */
export type OriginPosition = Pick<Version, (typeof ORIGIN_ORDER)[number]>;

/** Orders two positions by ORIGIN_ORDER (keys 1–4 of compareVersions below). */
export function compareOrigins(a: OriginPosition, b: OriginPosition): Ordering {
  const time = arrivalMillis(a) - arrivalMillis(b);
  if (time !== 0) return time < 0 ? -1 : 1;
  const sequence = compareSequenceNumbers(a.sequence_number, b.sequence_number);
  if (sequence !== 0) return sequence;
  if (a.sub_sequence_number !== b.sub_sequence_number) return a.sub_sequence_number < b.sub_sequence_number ? -1 : 1;
  return compareText(a.shard_id, b.shard_id);
}

/**
 * The total order on versions; the greater version is the newer record. Keys, in order:
 *
 * 1. `arrival_time`, as an instant (millisecond precision, as Kinesis stamps it);
 * 2. `sequence_number`, as an integer (so records of one shard with the same arrival millisecond
 *    keep their shard order);
 * 3. `sub_sequence_number` (user records of one KPL aggregate share the sequence number);
 * 4. `shard_id`, as text (records of two shards in the same millisecond with equal sequence numbers);
 * 5. `stream`, as text — never decisive inside one source stream; it only makes the order total
 *    when versions of different streams meet (which the protocol does not cover).
 *
 * Keys 1–4 are exactly the replay SQL's `ORDER BY arrival_time, lpad(sequence_number, 64, '0'),
 * sub_sequence_number, shard_id` (the SQL's padding covers sequence numbers up to 64 digits; Kinesis
 * issues 56). Two versions compare equal only when they name the same record.
 */
export function compareVersions(a: Version, b: Version): Ordering {
  return compareOrigins(a, b) || compareText(a.stream, b.stream);
}

/** True when `a` is strictly newer than `b` in the origin order. */
export function isNewer(a: Version, b: Version): boolean {
  return compareVersions(a, b) > 0;
}

/**
 * The version of a record read live from the source stream. The arrival time is normalised to
 * ISO-8601 UTC with milliseconds, as the reservoir stores it, so the same record read live and
 * replayed has equal versions. Throws a RangeError when the metadata is not a Kinesis position.
 */
export function liveVersion(meta: LiveRecordMetadata): Version {
  const problem = liveProblem(meta);
  if (problem !== null) throw new RangeError(`not a Kinesis record position: ${problem}`);
  return {
    stream: meta.streamName,
    shard_id: meta.shardId,
    sequence_number: stripLeadingZeros(meta.sequenceNumber),
    sub_sequence_number: meta.subSequenceNumber ?? 0,
    arrival_time: new Date(arrivalInput(meta.approximateArrivalTimestamp)).toISOString(),
  };
}

function arrivalInput(t: Date | number | string): number {
  return t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
}

function liveProblem(meta: LiveRecordMetadata): string | null {
  if (typeof meta.streamName !== 'string' || meta.streamName === '') return 'streamName must be a non-empty string';
  if (typeof meta.shardId !== 'string' || meta.shardId === '') return 'shardId must be a non-empty string';
  if (typeof meta.sequenceNumber !== 'string' || !DECIMAL.test(meta.sequenceNumber)) return 'sequenceNumber must be a decimal string';
  const sub = meta.subSequenceNumber;
  if (sub !== undefined && !(Number.isSafeInteger(sub) && sub >= 0)) return 'subSequenceNumber must be a non-negative integer';
  if (!Number.isFinite(arrivalInput(meta.approximateArrivalTimestamp))) return 'approximateArrivalTimestamp must be a valid time';
  return null;
}

/** The problem with a would-be version (an `origin` object), or null when it is one. */
export function versionProblem(value: unknown): string | null {
  if (!isObject(value)) return 'origin must be an object';
  for (const field of ['stream', 'shard_id', 'sequence_number', 'arrival_time'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') return `origin.${field} must be a non-empty string`;
  }
  if (!DECIMAL.test(value.sequence_number as string)) return 'origin.sequence_number must be a decimal string';
  const sub = value.sub_sequence_number;
  if (typeof sub !== 'number' || !Number.isSafeInteger(sub) || sub < 0) return 'origin.sub_sequence_number must be a non-negative integer';
  if (Number.isNaN(Date.parse(value.arrival_time as string))) return 'origin.arrival_time must be an ISO-8601 time';
  return null;
}

/** True when `value` is a well-formed version (an origin position). */
export function isVersion(value: unknown): value is Version {
  return versionProblem(value) === null;
}

/** The outcome of reading a record's replay metadata. */
export type ReplayMetadataRead =
  | { readonly kind: 'replayed'; readonly metadata: ReplayMetadata }
  /** A replay run's marker: no record to apply, but the run's watermark (keep it by replay id). */
  | { readonly kind: 'marker'; readonly marker: ReplayMarker }
  /** The record has no `_wshed` field: it was not emitted by a watershed replay. */
  | { readonly kind: 'not-replayed' }
  /** The record has a `_wshed` field that is not valid replay metadata (say what is wrong). */
  | { readonly kind: 'invalid'; readonly problem: string };

/**
 * Reads and checks the `_wshed` replay metadata of a parsed JSON record: a replayed record (version
 * 2, or version 1 with its watermark), or a replay run's marker. Never throws: a record that is
 * not an object, or has no `_wshed` field, is `not-replayed`.
 */
export function readReplayMetadata(record: unknown): ReplayMetadataRead {
  if (!isObject(record) || !(REPLAY_METADATA_FIELD in record)) return { kind: 'not-replayed' };
  const meta = record[REPLAY_METADATA_FIELD];
  if (!isObject(meta)) return { kind: 'invalid', problem: `${REPLAY_METADATA_FIELD} must be an object` };
  if (meta.v !== 1 && meta.v !== 2) return { kind: 'invalid', problem: `unsupported ${REPLAY_METADATA_FIELD}.v ${JSON.stringify(meta.v)}` };
  if (typeof meta.replay_id !== 'string') return { kind: 'invalid', problem: 'replay_id must be a string' };
  if (meta.v === 2 && 'marker' in meta) return readMarker(meta);
  if (meta.v === 1) {
    if (typeof meta.replay !== 'string') return { kind: 'invalid', problem: 'replay_id and replay must be strings' };
    const originProblem = versionProblem(meta.origin);
    if (originProblem !== null) return { kind: 'invalid', problem: originProblem };
    const watermarkProblem = watermarkProblemOf(meta.watermark);
    if (watermarkProblem !== null) return { kind: 'invalid', problem: watermarkProblem };
    return { kind: 'replayed', metadata: meta as unknown as ReplayMetadata };
  }
  const origin = originOfTuple(meta.origin);
  if (typeof origin === 'string') return { kind: 'invalid', problem: origin };
  return { kind: 'replayed', metadata: { v: 2, replay_id: meta.replay_id, origin } };
}

/** Version 2's origin tuple `[stream, shard_id, sequence_number, sub_sequence_number, arrival_time]` as an Origin, or what is wrong. */
function originOfTuple(value: unknown): Origin | string {
  if (!Array.isArray(value) || value.length !== 5) return 'origin must be [stream, shard_id, sequence_number, sub_sequence_number, arrival_time]';
  const [stream, shard_id, sequence_number, sub_sequence_number, arrival_time] = value as unknown[];
  const origin = { stream, shard_id, sequence_number, sub_sequence_number, arrival_time };
  const problem = versionProblem(origin);
  return problem !== null ? problem : (origin as Origin);
}

function readMarker(meta: Record<string, unknown>): ReplayMetadataRead {
  if (meta.marker !== 'replay-run') return { kind: 'invalid', problem: `unknown marker ${JSON.stringify(meta.marker)}` };
  for (const field of ['replay', 'stream', 'into', 'started_at'] as const) {
    if (typeof meta[field] !== 'string') return { kind: 'invalid', problem: `marker.${field} must be a string` };
  }
  if (meta.after_replay_id !== null && typeof meta.after_replay_id !== 'string') return { kind: 'invalid', problem: 'marker.after_replay_id must be a string or null' };
  const watermarkProblem = watermarkProblemOf(meta.watermark);
  if (watermarkProblem !== null) return { kind: 'invalid', problem: watermarkProblem };
  return { kind: 'marker', marker: meta as unknown as ReplayMarker };
}

/** The marker of a replay run (a destination record, or the reservoir's `_wshed/replays/<id>.json` parsed), or null. */
export function readReplayMarker(record: unknown): ReplayMarker | null {
  const read = readReplayMetadata(record);
  if (read.kind === 'marker') return read.marker;
  // The reservoir's file holds the marker object itself.
  if (isObject(record) && record.marker === 'replay-run') {
    const wrapped = readReplayMetadata({ [REPLAY_METADATA_FIELD]: record });
    return wrapped.kind === 'marker' ? wrapped.marker : null;
  }
  return null;
}

function watermarkProblemOf(value: unknown): string | null {
  if (!isObject(value)) return 'watermark must be an object';
  if (typeof value.captured_at !== 'string') return 'watermark.captured_at must be a string';
  if (!isObject(value.shards)) return 'watermark.shards must be an object';
  for (const [shard, sequence] of Object.entries(value.shards)) {
    if (typeof sequence !== 'string' || !DECIMAL.test(sequence)) return `watermark.shards.${shard} must be a decimal string`;
  }
  return null;
}

/**
 * The version of a replayed record (its `_wshed.origin`), or null when the record carries no
 * valid replay metadata.
 */
export function replayedVersion(record: unknown): Version | null {
  const read = readReplayMetadata(record);
  return read.kind === 'replayed' ? read.metadata.origin : null;
}

/**
 * True when a source-stream record lies after the replay's watermark: the replay did not carry
 * it, so it reaches consumers only through the live stream. A shard the watermark does not name
 * counts as after it throughout: it was empty or did not exist when the replay started — or it
 * was already closed (the replay names open shards only), in which case the answer is
 * conservative: the replay did carry its records, and reading them live as well is harmless.
 */
export function isAfterWatermark(version: Version, watermark: Watermark): boolean {
  const last = watermarkOf(watermark, version.shard_id);
  return last === undefined || compareSequenceNumbers(version.sequence_number, last) > 0;
}

/** The watermark's sequence number for a shard (own keys only: shard ids are data). */
function watermarkOf(watermark: Watermark, shardId: string): string | undefined {
  return Object.hasOwn(watermark.shards, shardId) ? watermark.shards[shardId] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Digits a sequence number is padded to in `versionSortKey`: the widest Kinesis allows (129). */
const SORT_KEY_SEQUENCE_WIDTH = 129;
/** Digits a sub-sequence number is padded to in `versionSortKey` (any safe integer fits). */
const SORT_KEY_SUB_SEQUENCE_WIDTH = 16;

/**
 * A string whose text order is `compareVersions`' order, for stores that can only compare
 * strings: a version column in SQL (`WHERE version < :incoming`), a DynamoDB condition expression.
 * Fields are fixed-width where they vary in length, and separated by a space, which sorts before
 * every character allowed in stream names and shard ids. Valid for arrival years 0000–9999.
 */
export function versionSortKey(version: Version): string {
  return [
    new Date(arrivalMillis(version)).toISOString(),
    stripLeadingZeros(version.sequence_number).padStart(SORT_KEY_SEQUENCE_WIDTH, '0'),
    String(version.sub_sequence_number).padStart(SORT_KEY_SUB_SEQUENCE_WIDTH, '0'),
    version.shard_id,
    version.stream,
  ].join(' ');
}

/**
 * Where a live reader of the source stream may start on one shard and still miss nothing the
 * replay did not carry: at the shard's watermark record (read again, harmlessly), or from the
 * oldest record on a shard the watermark does not name (see `isAfterWatermark`). Shaped like the
 * Kinesis GetShardIterator parameters. Starting earlier is always safe.
 */
export function liveStartPosition(
  watermark: Watermark,
  shardId: string,
): { readonly ShardIteratorType: 'AT_SEQUENCE_NUMBER'; readonly StartingSequenceNumber: string } | { readonly ShardIteratorType: 'TRIM_HORIZON' } {
  const last = watermarkOf(watermark, shardId);
  return last === undefined ? { ShardIteratorType: 'TRIM_HORIZON' } : { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: last };
}
