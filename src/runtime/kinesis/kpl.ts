// Typed wrappers over aws-kinesis-agg (its own .d.ts describes the v2 SDK): de-aggregation of a
// Kinesis record into the user records the KPL packed into it, and an aggregator for replay.

import { createRequire } from 'node:module';
import type { KinesisRecord } from './stream-service.ts';

interface AggUserRecordV3 {
  PartitionKey: string;
  ExplicitPartitionKey?: string;
  SequenceNumber: string;
  SubSequenceNumber?: number;
  /** base64 text for user records of an aggregate; the original bytes for plain records. */
  Data: string | Uint8Array;
}

interface AggEncodedRecord {
  partitionKey: string;
  data: Buffer;
  ExplicitHashKey?: string;
}

interface AggInputRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

interface AggRecordAggregator {
  checkIfUserRecordFits(record: AggInputRecord): boolean;
  addUserRecord(record: AggInputRecord): void;
  build(): AggEncodedRecord | undefined;
  length(): number;
}

interface AggModule {
  deaggregate(
    record: { Data: Uint8Array; PartitionKey: string; SequenceNumber: string; ExplicitHashKey?: string },
    computeChecksums: boolean,
    perRecord: (err: Error | null, record?: AggUserRecordV3) => void,
    afterRecord: (err?: Error, record?: AggUserRecordV3) => void,
  ): void;
  RecordAggregator: new () => AggRecordAggregator;
}

const agg = createRequire(import.meta.url)('aws-kinesis-agg') as AggModule;

/** The first four bytes of every KPL aggregate. */
const KPL_MAGIC = Buffer.from('f3899ac2', 'hex');

/** One record as the producer sent it, whether or not the KPL aggregated it. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | null;
  readonly data: Buffer;
  readonly sequenceNumber: string;
  /** Index inside the aggregate; 0 for a plain record. */
  readonly subSequenceNumber: number;
  readonly aggregated: boolean;
}

export type Deaggregated =
  | { readonly ok: true; readonly records: UserRecord[] }
  /** The record claims to be an aggregate but cannot be decoded (bad checksum, bad protobuf). */
  | { readonly ok: false; readonly error: string };

export function isAggregate(data: Uint8Array): boolean {
  // Byte by byte: a Buffer view per record costs more than the whole check (the archiver asks for every record).
  return data.length >= KPL_MAGIC.length + 16 && data[0] === KPL_MAGIC[0] && data[1] === KPL_MAGIC[1] && data[2] === KPL_MAGIC[2] && data[3] === KPL_MAGIC[3];
}

/** Splits a Kinesis record into its user records (one, unless it is a KPL aggregate). */
export function deaggregate(record: KinesisRecord): Deaggregated {
  if (!isAggregate(record.data)) {
    return {
      ok: true,
      records: [
        {
          partitionKey: record.partitionKey,
          explicitHashKey: null,
          data: record.data,
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: 0,
          aggregated: false,
        },
      ],
    };
  }
  const records: UserRecord[] = [];
  let failure: string | null = null;
  try {
    agg.deaggregate(
      { Data: record.data, PartitionKey: record.partitionKey, SequenceNumber: record.sequenceNumber },
      true,
      (err, user) => {
        if (err || !user) {
          failure ??= err?.message ?? 'empty user record';
          return;
        }
        records.push({
          partitionKey: user.PartitionKey,
          explicitHashKey: user.ExplicitPartitionKey ?? null,
          data: typeof user.Data === 'string' ? Buffer.from(user.Data, 'base64') : Buffer.from(user.Data),
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: user.SubSequenceNumber ?? records.length,
          aggregated: true,
        });
      },
      (err) => {
        if (err) failure ??= err.message;
      },
    );
  } catch (err) {
    failure ??= (err as Error).message;
  }
  return failure === null ? { ok: true, records } : { ok: false, error: `invalid KPL aggregate: ${failure}` };
}

export interface AggregateRecord {
  readonly partitionKey: string;
  readonly explicitHashKey: string | null;
  readonly data: Buffer;
}

/**
 * Packs user records into KPL aggregates of at most ~1 MB. An aggregate lands on the shard of
 * its first record's key, so callers group records by destination shard before adding them.
 */
export class KplAggregator {
  private readonly inner = new agg.RecordAggregator();

  get size(): number {
    return this.inner.length();
  }

  /** Adds a record; returns the finished aggregate first when the record does not fit. */
  add(partitionKey: string, data: Buffer, explicitHashKey?: string): AggregateRecord | null {
    const input: AggInputRecord = { partitionKey, data, ...(explicitHashKey ? { explicitHashKey } : {}) };
    let flushed: AggregateRecord | null = null;
    if (this.inner.length() > 0 && !this.inner.checkIfUserRecordFits(input)) flushed = this.flush();
    this.inner.addUserRecord(input);
    return flushed;
  }

  /** The aggregate of the records added so far, or null when there are none. */
  flush(): AggregateRecord | null {
    if (this.inner.length() === 0) return null;
    const built = this.inner.build();
    if (!built) return null;
    return { partitionKey: built.partitionKey, explicitHashKey: built.ExplicitHashKey ?? null, data: built.data };
  }
}
