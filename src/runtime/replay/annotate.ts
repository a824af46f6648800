// Turns a source row into the record the replay emits: a JSON object payload gets the annotate
// operator's top-level fields and the `_wshed` replay metadata (consumer/metadata.ts: version 2,
// the replay id and the origin, so the overhead does not grow with the source's shard count; the
// watermark goes once per run in markers.ts); any other payload goes out unchanged. Also picks the
// partition key (original, metadata or payload field).

import type { Key } from '../../compiler/model.ts';
import type { ReplayOperator } from '../../compiler/plan/types.ts';
import { REPLAY_METADATA_FIELD } from '../../compiler/record-layout.ts';
import { REPLAY_METADATA_VERSION, type Origin } from '../../consumer/metadata.ts';
import { decodeString, objectMembers, valueTextAt } from './json-text.ts';
import type { SourceRow } from './source.ts';

type AnnotateOperator = Extract<ReplayOperator, { op: 'annotate' }>;

/** Kinesis partition keys are 1 to 256 characters. */
const MAX_PARTITION_KEY = 256;

export interface AnnotatedRecord {
  readonly partitionKey: string;
  readonly data: Buffer;
  /** False when the payload is not a JSON object (sent unchanged). */
  readonly isObject: boolean;
  /** True when the partition key field was missing or unusable and the original key was used. */
  readonly keyFellBack: boolean;
}

export interface AnnotatorOptions {
  readonly replayId: string;
  /** Null annotates with `_wshed` only. */
  readonly annotate: AnnotateOperator | null;
  readonly partitionKey: Key;
}

export class Annotator {
  /** Keys the replay sets: a payload's own member with one of these names is replaced. */
  private readonly setKeys: Set<string>;
  /** `"k":v,…,"_wshed":{"v":2,"replay_id":"…","origin":` — everything before the record's origin. */
  private readonly head: string;
  /** `}}` — everything after it. */
  private readonly tail = '}}';

  constructor(private readonly options: AnnotatorOptions) {
    const metadataField = options.annotate?.metadataField ?? REPLAY_METADATA_FIELD;
    const fields = (options.annotate?.fields ?? []).filter((f) => f.key !== metadataField);
    this.setKeys = new Set([...fields.map((f) => f.key), metadataField]);
    const annotations = fields.map((f) => `${JSON.stringify(f.key)}:${JSON.stringify(f.value)},`).join('');
    // Field order as in ReplayMetadata: v, replay_id, origin.
    this.head = `${annotations}${JSON.stringify(metadataField)}:{"v":${REPLAY_METADATA_VERSION},"replay_id":${JSON.stringify(options.replayId)},"origin":`;
  }

  annotate(row: SourceRow): AnnotatedRecord {
    const { key, fellBack } = this.partitionKeyOf(row);
    const members = objectMembers(row.payload);
    if (!members) return { partitionKey: key, data: Buffer.from(row.payload, 'utf8'), isObject: false, keyFellBack: fellBack };
    const added = this.head + this.originJson(row) + this.tail;
    let text: string;
    if (!members.some((m) => this.setKeys.has(m.key))) {
      // The common case: append before the closing brace, the producer's text untouched.
      const close = row.payload.lastIndexOf('}');
      text = `${row.payload.slice(0, close)}${members.length > 0 ? ',' : ''}${added}`;
    } else {
      const kept = members.filter((m) => !this.setKeys.has(m.key)).map((m) => row.payload.slice(m.start, m.end));
      text = `{${kept.join(',')}${kept.length > 0 ? ',' : ''}${added}`;
    }
    return { partitionKey: key, data: Buffer.from(text, 'utf8'), isObject: true, keyFellBack: fellBack };
  }

  /** The origin tuple `[stream, shard_id, sequence_number, sub_sequence_number, arrival_time]`, without building it: this runs for every record. */
  private originJson(row: SourceRow): string {
    return `[${this.quoted(row.stream)},${this.quoted(row.shardId)},${JSON.stringify(row.sequenceNumber)},${row.subSequenceNumber},${JSON.stringify(row.arrivalTime)}]`;
  }

  private readonly quotes = new Map<string, string>();
  /** Stream names and shard ids repeat on every row: quote each once. */
  private quoted(text: string): string {
    let q = this.quotes.get(text);
    if (q === undefined) {
      q = JSON.stringify(text);
      if (this.quotes.size < 10_000) this.quotes.set(text, q);
    }
    return q;
  }

  private partitionKeyOf(row: SourceRow): { key: string; fellBack: boolean } {
    const source = this.options.partitionKey;
    if (source.kind === 'meta') {
      const value = metaValue(row, source.name);
      return usable(value) ? { key: value, fellBack: false } : { key: row.partitionKey, fellBack: true };
    }
    const text = valueTextAt(row.payload, source.path);
    // A JSON null is no key, as in compaction (json_extract_string is NULL for it).
    if (text === null || text === 'null') return { key: row.partitionKey, fellBack: true };
    const value = text.charCodeAt(0) === 0x22 ? decodeString(text) : text;
    return usable(value) ? { key: value, fellBack: false } : { key: row.partitionKey, fellBack: true };
  }
}

export function origin(row: SourceRow): Origin {
  return {
    stream: row.stream,
    shard_id: row.shardId,
    sequence_number: row.sequenceNumber,
    sub_sequence_number: row.subSequenceNumber,
    arrival_time: row.arrivalTime,
  };
}

function metaValue(row: SourceRow, name: Extract<Key, { kind: 'meta' }>['name']): string {
  switch (name) {
    case 'stream':
      return row.stream;
    case 'shard_id':
      return row.shardId;
    case 'sequence_number':
      return row.sequenceNumber;
    case 'sub_sequence_number':
      return String(row.subSequenceNumber);
    case 'partition_key':
      return row.partitionKey;
    case 'arrival_time':
      return row.arrivalTime;
  }
}

function usable(key: string): boolean {
  return key.length > 0 && key.length <= MAX_PARTITION_KEY;
}
