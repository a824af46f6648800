// The one emit sink for replays and the job service's jobs: records routed to their destination
// shard, batched (and KPL-aggregated when asked) within each shard's budget, sent at the rate the
// limiter allows with the emitter's retries, one batch in flight while the next one fills. What an
// acknowledged batch means (a replay checkpoint, a job's counters) is the caller's `deliver`.

import type { ShardInfo, StreamService } from '../kinesis/stream-service.ts';
import { Batcher, type Batch, type OutRecord } from './batcher.ts';
import { Emitter } from './emitter.ts';
import { ReplayRateLimiter, type BatchCaps } from './rate-limiter.ts';
import { ReplayError } from './replay-errors.ts';
import { ShardRouter } from './shard-router.ts';

export interface EmitSinkOptions {
  readonly destination: StreamService;
  readonly into: string;
  /** The destination's shards (listed by the caller, or declared for a dry run). */
  readonly shards: readonly ShardInfo[];
  /** Fraction of each destination shard's write budget to use. */
  readonly shardBudgetFraction: number;
  /** The `rate` clause; null for none. */
  readonly ratePerSecond: number | null;
  /** KPL-aggregate user records into Kinesis records. */
  readonly aggregate: boolean;
  /** Attempts per Kinesis record before the sink stops (EmitStopped). */
  readonly maxRetries: number;
  /**
   * Called with each batch in order, one at a time; `send` puts it into the stream (resolves
   * once every entry is acknowledged, throws EmitStopped otherwise). A dry run never calls it.
   */
  readonly deliver: (batch: Batch, send: () => Promise<void>) => Promise<void>;
  /** Called when a batch closes, before it waits its turn to be delivered. */
  readonly onClosed?: (batch: Batch) => void;
}

export class EmitSink {
  readonly router: ShardRouter;
  readonly limiter: ReplayRateLimiter;
  readonly emitter: Emitter;
  private readonly batcher: Batcher;
  private inflight: Promise<void> | null = null;

  constructor(private readonly options: EmitSinkOptions) {
    this.router = new ShardRouter(options.shards);
    if (this.router.size === 0) throw new ReplayError('WS760', { into: options.into });
    this.limiter = new ReplayRateLimiter({ shardIds: this.router.shardIds, shardBudgetFraction: options.shardBudgetFraction, ratePerSecond: options.ratePerSecond });
    this.emitter = new Emitter(options.destination, options.into, this.limiter, options.maxRetries);
    this.batcher = new Batcher(options.aggregate, shortBursts(this.limiter.caps));
  }

  /** Another emitter into the same stream under the same limits (a replay's markers, counted apart). */
  sideEmitter(): Emitter {
    return new Emitter(this.options.destination, this.options.into, this.limiter, this.options.maxRetries);
  }

  shardFor(partitionKey: string): string {
    return this.router.shardFor(partitionKey);
  }

  /** Adds a record (routed by its partition key); a batch that had to close first is delivered. Returns that batch. */
  async add(record: Omit<OutRecord, 'shardId'>): Promise<Batch | null> {
    const closed = this.batcher.add({ ...record, shardId: this.router.shardFor(record.partitionKey) });
    if (closed) await this.submit(closed);
    return closed;
  }

  /** Delivers the open batch, if any, and waits for every batch in flight. Returns that last batch. */
  async flush(): Promise<Batch | null> {
    const last = this.batcher.flush();
    if (last) await this.submit(last);
    if (this.inflight) await this.inflight;
    return last;
  }

  /** Waits for the batch in flight to settle, whatever its outcome (before reporting a failure). */
  async settle(): Promise<void> {
    await this.inflight?.catch(() => {});
  }

  private async submit(batch: Batch): Promise<void> {
    this.options.onClosed?.(batch);
    if (this.inflight) await this.inflight;
    this.inflight = this.options.deliver(batch, () => this.emitter.send(batch));
    this.inflight.catch(() => {});
  }
}

/**
 * A batch holds at most a quarter of a second of each shard's pace (the limiter allows one second).
 * A shard's budget is a one-second bucket on Kinesis's side too: a whole second sent at once lands
 * on its edge whenever the pace is a little high, and much of it is throttled and sent again, which
 * also reorders the shard. With few shards per process (a part of a split replay, a small stream)
 * batches are mostly one shard's, so this held 2-shard parts to ~83% of a throttled budget; a
 * quarter second brought them and the unsplit run to ~98% (bench/replay-parts.ts).
 */
function shortBursts(caps: BatchCaps): BatchCaps {
  return {
    userRecords: caps.userRecords,
    shard: (id) => {
      const c = caps.shard(id);
      return { records: Math.max(1, Math.floor(c.records / 4)), bytes: Math.max(1, Math.floor(c.bytes / 4)) };
    },
  };
}
