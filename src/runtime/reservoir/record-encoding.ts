// Turns user records into reservoir lines (NDJSON in RECORD_COLUMNS order) or, when their data
// is not JSON every engine reads alike, quarantine lines (QUARANTINE_COLUMNS, raw bytes in base64).

import { isUtf8 } from 'node:buffer';
import type { QuarantineRecord, ReservoirRecord } from '../../compiler/record-layout.ts';
import { inspectJsonText, isWellFormed, lastKeyWins } from './payload-text.ts';

export interface RecordMeta {
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  /** ISO-8601 UTC with milliseconds (Date.toISOString()). */
  readonly arrivalTime: string;
}

export type PayloadCheck =
  /**
   * `text` is the JSON as sent, on one line (CR/LF only ever occur as JSON whitespace), and with
   * one member per key in every object, the last value winning (`normalized` says it was rewritten).
   */
  | { readonly ok: true; readonly text: string; readonly value: unknown; readonly normalized: boolean }
  | { readonly ok: false; readonly error: string };

/**
 * Checks that data is UTF-8 JSON that every engine reads alike, and keeps the producer's text
 * (numbers stay exact). The archiver quarantines what fails, byte-exact; live reads skip it.
 * The one rule for all readers (the archiver, live records for queries and replays):
 * - not UTF-8, not JSON, or a lone surrogate (`"\ud800"`: DuckDB refuses the whole file, JSON.parse
 *   and Python accept it) in the data or the partition key → not a reservoir record;
 * - a key repeated in an object → the last value wins, as JSON.parse and Python read it.
 */
export function checkPayload(data: Buffer, partitionKey?: string): PayloadCheck {
  // A key is text the SDK hands over as it was sent; a lone surrogate in it breaks SQL reads alike.
  if (partitionKey !== undefined && !isWellFormed(partitionKey)) return { ok: false, error: 'the partition key holds a lone surrogate, which SQL engines cannot read' };
  if (!isUtf8(data)) return { ok: false, error: 'data is not valid UTF-8' };
  let text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `data is not valid JSON: ${(err as Error).message}` };
  }
  const found = inspectJsonText(text);
  if (found.loneSurrogateAt !== null) {
    return { ok: false, error: `data holds a lone surrogate escape in the string at column ${found.loneSurrogateAt + 1}, which SQL engines cannot read` };
  }
  if (found.duplicateKeys) text = lastKeyWins(text);
  // Valid JSON holds raw line breaks only as whitespace between tokens: spaces keep its meaning.
  else if (text.includes('\n') || text.includes('\r')) text = text.replace(/[\r\n]/g, ' ');
  return { ok: true, text, value, normalized: found.duplicateKeys };
}

export type EncodedRecord =
  | { readonly kind: 'record'; readonly line: string }
  | { readonly kind: 'quarantine'; readonly line: string; readonly error: string };

/**
 * One user record as a reservoir writes it: its record-layout line, or its quarantine line. The
 * one encoder of the archiver and of the Firehose transformation Lambda (src/lambda/), so a record
 * archived either way is the same line. `payloadAsText` writes the payload as a JSON string (what
 * Firehose's Parquet conversion reads into the payload column).
 */
export function encodeUserRecord(meta: RecordMeta, data: Buffer, options: { payloadAsText?: boolean } = {}): EncodedRecord {
  const check = checkPayload(data, meta.partitionKey);
  if (!check.ok) return { kind: 'quarantine', line: quarantineLine(meta, data, check.error), error: check.error };
  return { kind: 'record', line: reservoirLine(meta, options.payloadAsText ? JSON.stringify(check.text) : check.text) };
}

/** One NDJSON line of a reservoir file (with its newline), columns in RECORD_COLUMNS order. */
export function reservoirLine(meta: RecordMeta, payloadText: string): string {
  return `${metaFields(meta)},"payload":${payloadText}}\n`;
}

/** One NDJSON line of a quarantine file, columns in QUARANTINE_COLUMNS order. */
export function quarantineLine(meta: RecordMeta, data: Buffer, error: string): string {
  return `${metaFields(meta)},"raw_base64":"${data.toString('base64')}","error":${JSON.stringify(error)}}\n`;
}

function metaFields(m: RecordMeta): string {
  return (
    `{"stream":${JSON.stringify(m.stream)},"shard_id":${JSON.stringify(m.shardId)},` +
    `"sequence_number":"${m.sequenceNumber}","sub_sequence_number":${m.subSequenceNumber},` +
    `"partition_key":${JSON.stringify(m.partitionKey)},"arrival_time":"${m.arrivalTime}"`
  );
}

export function reservoirRecord(meta: RecordMeta, payload: unknown): ReservoirRecord {
  return {
    stream: meta.stream,
    shard_id: meta.shardId,
    sequence_number: meta.sequenceNumber,
    sub_sequence_number: meta.subSequenceNumber,
    partition_key: meta.partitionKey,
    arrival_time: meta.arrivalTime,
    payload,
  };
}

export function quarantineRecord(meta: RecordMeta, data: Buffer, error: string): QuarantineRecord {
  return {
    stream: meta.stream,
    shard_id: meta.shardId,
    sequence_number: meta.sequenceNumber,
    sub_sequence_number: meta.subSequenceNumber,
    partition_key: meta.partitionKey,
    arrival_time: meta.arrivalTime,
    raw_base64: data.toString('base64'),
    error,
  };
}
