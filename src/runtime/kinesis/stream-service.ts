// The stream service: the small interface through which the runtime uses Kinesis (create streams,
// list shards, read and write records). One implementation talks to any Kinesis endpoint via the
// AWS SDK (aws-stream-service.ts); the local service and AWS differ only in the endpoint.

export interface StreamDescription {
  readonly name: string;
  readonly status: 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING' | string;
  /** Changes when a stream is deleted and created again under the same name. */
  readonly createdAt: Date;
  readonly retentionHours: number;
  readonly openShards: number;
}

export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId: string | null;
  readonly adjacentParentShardId: string | null;
  readonly hashKeyRange: { readonly start: string; readonly end: string };
  /** `end` is set once the shard is closed (split or merged away): it takes no more records. */
  readonly sequenceRange: { readonly start: string; readonly end: string | null };
}

export type ShardPosition =
  | { readonly kind: 'trim-horizon' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'at-sequence'; readonly sequenceNumber: string }
  | { readonly kind: 'after-sequence'; readonly sequenceNumber: string };

/** A record as Kinesis stores it (possibly a KPL aggregate of several user records). */
export interface KinesisRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly arrivalTime: Date;
}

export interface RecordsPage {
  readonly records: readonly KinesisRecord[];
  /** Null when the shard is closed and every record in it has been returned. */
  readonly nextIterator: string | null;
  readonly millisBehindLatest: number;
}

export interface PutEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly explicitHashKey?: string;
}

export type PutOutcome =
  | { readonly ok: true; readonly shardId: string; readonly sequenceNumber: string }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

export type EnsureStreamOutcome = 'created' | 'exists' | 'updated';

export interface EnsureStreamResult {
  readonly stream: string;
  readonly outcome: EnsureStreamOutcome;
  /** What was changed or differs, in words (e.g. "retention 24 h → 48 h"). */
  readonly notes: readonly string[];
}

export interface StreamService {
  /** Creates the stream when absent, waits until ACTIVE, and sets the retention period. */
  ensureStream(name: string, shards: number, retentionHours: number): Promise<EnsureStreamResult>;
  /** Null when there is no such stream. */
  describeStream(name: string): Promise<StreamDescription | null>;
  listStreams(): Promise<string[]>;
  /** Every shard still in the stream, open and closed, parents included (all pages). */
  listShards(name: string): Promise<ShardInfo[]>;
  shardIterator(stream: string, shardId: string, position: ShardPosition): Promise<string>;
  getRecords(iterator: string, limit?: number): Promise<RecordsPage>;
  /** One PutRecords call (at most 500 entries); outcomes in entry order. See put-records.ts to send any number. */
  putRecords(stream: string, entries: readonly PutEntry[]): Promise<PutOutcome[]>;
  deleteStream(name: string): Promise<void>;
  /** Waits until the stream is ACTIVE (or gone, for 'absent'). */
  waitForStream(name: string, state: 'active' | 'absent', timeoutMs?: number): Promise<void>;
  /** Releases connections. */
  close(): void;
}

/** Errors the service reports as data rather than as SDK exceptions. */
export function isExpiredIterator(err: unknown): boolean {
  return errorName(err) === 'ExpiredIteratorException';
}

export function isThrottled(err: unknown): boolean {
  const name = errorName(err);
  return name === 'ProvisionedThroughputExceededException' || name === 'LimitExceededException' || name === 'ThrottlingException';
}

export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFoundException';
}

export function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : undefined;
}
