// Turns user records into reservoir lines (NDJSON in RECORD_COLUMNS order) or, when their data
// is not JSON, quarantine lines (QUARANTINE_COLUMNS, raw bytes in base64).

import { isUtf8 } from 'node:buffer';
import type { QuarantineRecord, ReservoirRecord } from '../../compiler/record-layout.ts';

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
  /** `text` is the JSON exactly as sent, on one line (CR/LF only ever occur as JSON whitespace). */
  | { readonly ok: true; readonly text: string; readonly value: unknown }
  | { readonly ok: false; readonly error: string };

/** Checks that data is UTF-8 JSON; keeps the producer's text (numbers stay exact). */
export function checkPayload(data: Buffer): PayloadCheck {
  if (!isUtf8(data)) return { ok: false, error: 'data is not valid UTF-8' };
  let text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `data is not valid JSON: ${(err as Error).message}` };
  }
  // Valid JSON holds raw line breaks only as whitespace between tokens: spaces keep its meaning.
  if (text.includes('\n') || text.includes('\r')) text = text.replace(/[\r\n]/g, ' ');
  return { ok: true, text, value };
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
