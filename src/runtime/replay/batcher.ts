// Packs emitted records into PutRecords batches: at most 500 entries and 5 MiB, and at most one
// second of each destination shard's budget (so a batch never waits on a bucket it cannot fill).
// With aggregation, records are KPL-aggregated per destination shard: an aggregate lands on the
// shard of its first record's key, so one holding keys of two shards would misroute the others.
// Per-key order: a partition key is in at most one entry of a batch. PutRecords goes on past a
// failed entry, so a key's later record in the same call could land before the retry of its
// earlier one; with one entry per key per call, and a batch acknowledged before the next is sent,
// each key's records land in replay order. An aggregate holds all of a shard's records (hot keys
// cost nothing); without aggregation a batch closes at a key's second record.

import { KplAggregator } from '../kinesis/kpl.ts';
import { PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES } from '../kinesis/put-records.ts';
import type { RowPosition } from './checkpoint.ts';
import type { BatchCaps } from './rate-limiter.ts';

/** Kinesis accepts records of at most 1 MiB, data and partition key together. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/**
 * Largest aggregate we build: the KPL's default AggregationMaxSize. Far below the 1 MiB record
 * limit on purpose: a throttled shard then takes part of a batch (as with plain records) instead
 * of refusing one huge record again and again, and an aggregate costs one of 1,000 records/s anyway.
 */
export const MAX_AGGREGATE_BYTES = 51_200;
/** Upper bound of the protobuf framing per user record in an aggregate (tags, lengths, key index). */
const AGGREGATE_RECORD_OVERHEAD = 16;
/** Magic number and MD5 checksum around every aggregate. */
const AGGREGATE_FRAMING = 20;

/** A record ready to send, with where it came from in the replay order. */
export interface OutRecord {
  readonly ordinal: number;
  readonly position: RowPosition;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly shardId: string;
}

export interface BatchEntry {
  readonly partitionKey: string;
  readonly explicitHashKey: string | null;
  readonly data: Buffer;
  readonly shardId: string;
  readonly userRecords: number;
  /** Data plus partition key: what Kinesis counts against its limits. */
  readonly bytes: number;
}

export interface Batch {
  readonly entries: readonly BatchEntry[];
  readonly userRecords: number;
  readonly bytes: number;
  /** The batch's last record: once the batch is acknowledged, every row up to it is. */
  readonly last: { readonly ordinal: number; readonly position: RowPosition };
}

interface OpenAggregate {
  readonly aggregator: KplAggregator;
  readonly first: OutRecord;
  count: number;
  bytes: number;
}

export class Batcher {
  private entries: BatchEntry[] = [];
  private open = new Map<string, OpenAggregate>();
  private perShard = new Map<string, { records: number; bytes: number }>();
  /** Partition keys in the batch's finished entries (plain records, closed aggregates). */
  private entryKeys = new Set<string>();
  /** Partition keys in each shard's open aggregate. */
  private openKeys = new Map<string, Set<string>>();
  private userRecords = 0;
  private bytes = 0;
  private entryCount = 0;
  private last: Batch['last'] | null = null;
  constructor(
    private readonly aggregate: boolean,
    private readonly caps: BatchCaps,
  ) {}

  /** Adds a record; returns the batch that had to close first to make room, if any. */
  add(record: OutRecord): Batch | null {
    const keyBytes = Buffer.byteLength(record.partitionKey);
    const caps = this.caps.shard(record.shardId);
    const aggregateLimit = Math.min(MAX_AGGREGATE_BYTES, caps.bytes);
    const plainBytes = record.data.length + keyBytes;
    const size = this.aggregate ? record.data.length + keyBytes + AGGREGATE_RECORD_OVERHEAD : plainBytes;
    const shardAggregate = this.aggregate ? this.open.get(record.shardId) : undefined;
    const aggregates = this.aggregate && size + AGGREGATE_FRAMING <= aggregateLimit;
    const newEntry = !aggregates || !shardAggregate || shardAggregate.bytes + size > aggregateLimit;
    // The key would be in a second entry of this batch: an earlier one, or the shard's open aggregate once a new entry starts.
    const key = record.partitionKey;
    const repeated = this.entryKeys.has(key) || (newEntry && this.openKeys.get(record.shardId)?.has(key) === true);
    let closed: Batch | null = null;
    if (this.userRecords > 0 && (repeated || !this.fits(record.shardId, caps, size, newEntry))) closed = this.close();

    if (!aggregates) {
      // Too big to aggregate: it goes plain, after the shard's open aggregate to keep the order.
      const before = this.open.get(record.shardId);
      if (before) this.finish(before);
      this.push(plainEntry(record, plainBytes), record.shardId, 1);
    } else {
      let open = this.open.get(record.shardId);
      if (open && open.bytes + size > aggregateLimit) {
        this.finish(open);
        open = undefined;
      }
      if (!open) {
        open = { aggregator: new KplAggregator(), first: record, count: 0, bytes: AGGREGATE_FRAMING + keyBytes };
        this.open.set(record.shardId, open);
        this.count(record.shardId, 1, 0);
      }
      const full = open.aggregator.add(record.partitionKey, record.data);
      const keys = this.openKeys.get(record.shardId) ?? new Set<string>();
      keys.add(key);
      this.openKeys.set(record.shardId, keys);
      // Our own size bound is stricter than the library's, so it never flushes by itself.
      if (full) throw new Error('a KPL aggregate overflowed its size estimate');
      open.count++;
      open.bytes += size;
      this.count(record.shardId, 0, size);
      this.userRecords++;
    }
    this.last = { ordinal: record.ordinal, position: record.position };
    return closed;
  }

  /** Closes the open batch (the end of the source); null when it is empty. */
  flush(): Batch | null {
    return this.userRecords > 0 ? this.close() : null;
  }

  private fits(shardId: string, caps: { records: number; bytes: number }, size: number, newEntry: boolean): boolean {
    const shard = this.perShard.get(shardId) ?? { records: 0, bytes: 0 };
    if (this.userRecords + 1 > this.caps.userRecords) return false;
    if (shard.bytes + size > caps.bytes) return false;
    if (this.bytes + size > PUT_RECORDS_MAX_BYTES) return false;
    if (newEntry && (shard.records + 1 > caps.records || this.entryCount + 1 > PUT_RECORDS_MAX_ENTRIES)) return false;
    return true;
  }

  private push(entry: BatchEntry, shardId: string, userRecords: number): void {
    this.entries.push(entry);
    this.entryKeys.add(entry.partitionKey);
    this.count(shardId, 1, entry.bytes);
    this.userRecords += userRecords;
  }

  private count(shardId: string, entries: number, bytes: number): void {
    const shard = this.perShard.get(shardId) ?? { records: 0, bytes: 0 };
    shard.records += entries;
    shard.bytes += bytes;
    this.perShard.set(shardId, shard);
    this.entryCount += entries;
    this.bytes += bytes;
  }

  /** Turns a shard's open aggregate into an entry (already counted as one). */
  private finish(open: OpenAggregate): void {
    this.open.delete(open.first.shardId);
    for (const key of this.openKeys.get(open.first.shardId) ?? []) this.entryKeys.add(key);
    this.openKeys.delete(open.first.shardId);
    if (open.count === 1) {
      // One record gains nothing from the aggregate framing; consumers get it as a plain record.
      this.entries.push(plainEntry(open.first, open.first.data.length + Buffer.byteLength(open.first.partitionKey)));
      return;
    }
    const built = open.aggregator.flush()!;
    this.entries.push({
      partitionKey: built.partitionKey,
      explicitHashKey: built.explicitHashKey,
      data: built.data,
      shardId: open.first.shardId,
      userRecords: open.count,
      bytes: built.data.length + Buffer.byteLength(built.partitionKey),
    });
  }

  private close(): Batch {
    for (const open of [...this.open.values()]) this.finish(open);
    const batch: Batch = {
      entries: this.entries,
      userRecords: this.userRecords,
      bytes: this.entries.reduce((n, e) => n + e.bytes, 0),
      last: this.last!,
    };
    this.entries = [];
    this.open = new Map();
    this.perShard = new Map();
    this.entryKeys = new Set();
    this.openKeys = new Map();
    this.userRecords = 0;
    this.bytes = 0;
    this.entryCount = 0;
    return batch;
  }
}

function plainEntry(record: OutRecord, bytes: number): BatchEntry {
  return { partitionKey: record.partitionKey, explicitHashKey: null, data: record.data, shardId: record.shardId, userRecords: 1, bytes };
}
