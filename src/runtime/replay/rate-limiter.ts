// Paces the replay with token buckets: the `rate` clause (user records/s over the whole replay)
// and each destination shard's write budget (1,000 Kinesis records/s and 1 MiB/s, times the plan's
// shardBudgetFraction). An aggregate is one Kinesis record against a shard's records/s; its bytes
// count in full. Throttling lowers a shard's pace by a fifth, a batch that goes through raises it
// again (quickly back to just under where throttling began, then by 5%), so a shard shared with
// other producers is neither hammered nor left idle.
// Tokens of entries Kinesis refused are given back: they did not use the shard's budget.
// The `rate` clause's bucket starts empty and holds a tenth of a second: a replay never sends
// faster than N/s from its start, however short it is, and no window holds more than its share
// plus one (small) batch. The shards' buckets start full: Kinesis allows one second's budget.

import { sleep } from '../sleep.ts';

export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;

/** Tokens accrue at `rate` per second up to `burst` (one second's worth); a take may leave the bucket in debt. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private burst: number;

  constructor(
    private rate: number,
    burst: number = rate,
    now: number = performance.now(),
    /** Tokens at the start (default: a full bucket). */
    initial?: number,
  ) {
    this.burst = Math.max(1, burst);
    this.tokens = initial ?? this.burst;
    this.last = now;
  }

  /** A new rate, and a burst of one second at it: a slowed-down shard gets no full-speed burst. */
  setRate(rate: number, now: number = performance.now()): void {
    this.refill(now);
    this.rate = rate;
    this.burst = Math.max(1, rate);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Milliseconds until `n` tokens (at most a full bucket) are there. */
  waitMs(n: number, now: number = performance.now()): number {
    this.refill(now);
    const need = Math.min(n, this.burst) - this.tokens;
    return need <= 0 ? 0 : (need / this.rate) * 1000;
  }

  take(n: number, now: number = performance.now()): void {
    this.refill(now);
    this.tokens -= n;
  }

  /** Gives back tokens of a take that did not happen after all. */
  refund(n: number, now: number = performance.now()): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

interface ShardPace {
  readonly records: TokenBucket;
  readonly bytes: TokenBucket;
  /** Fraction of the shard's budget used now. */
  pace: number;
  /** The pace at which the shard was last throttled. */
  throttledAt: number;
  lastDecrease: number;
}

/** What one PutRecords attempt asks of the limiter. */
export interface Demand {
  /** User records sent for the first time (the rate clause counts each record once). */
  readonly userRecords: number;
  /** Per destination shard: Kinesis records and bytes (data + partition keys). */
  readonly shards: ReadonlyMap<string, { readonly records: number; readonly bytes: number }>;
}

/**
 * How much one batch may hold: a tenth of a second of the `rate` clause (the clause holds over
 * short windows too), and one second of each shard's budget at the current pace, so a batch never waits
 * on a bucket it cannot fill, and an aggregate shrinks when its shard is throttled (a 1 MB aggregate
 * on a shard others already fill would be throttled over and over).
 */
export interface BatchCaps {
  readonly userRecords: number;
  shard(shardId: string): { readonly records: number; readonly bytes: number };
}

/** Time as the limiter sees it: milliseconds, and a way to let them pass (tests pass a fake one). */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: LimiterClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export interface RateLimiterOptions {
  readonly shardIds: readonly string[];
  readonly shardBudgetFraction: number;
  /** The `rate` clause; null for none. */
  readonly ratePerSecond: number | null;
  readonly clock?: LimiterClock;
}

/** Lowest pace a throttled shard drops to, as a fraction of its budget. */
const MIN_PACE = 0.05;
const DECREASE = 0.8;
/** Per batch that went through unthrottled, well below the pace that was last throttled: back fast. */
const RECOVER = 1.25;
/** Per batch that went through unthrottled, near or past that pace: probe gently (at least 1% of the budget). */
const PROBE = 0.05;
/** A shard's pace drops at most once per this many ms (the emitter also asks at most once per batch). */
const DECREASE_EVERY_MS = 1000;

export class ReplayRateLimiter {
  readonly caps: BatchCaps;
  /** Milliseconds spent waiting for the rate clause's tokens, and for the shards' (when both, the longer wait counts). */
  readonly waited = { rate: 0, shards: 0 };
  private readonly records: TokenBucket | null;
  private readonly shards = new Map<string, ShardPace>();
  private readonly recordBudget: number;
  private readonly byteBudget: number;

  /** One shard's records/s budget. */
  get recordsPerShard(): number {
    return this.recordBudget;
  }

  private readonly clock: LimiterClock;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock ?? REAL_CLOCK;
    this.recordBudget = SHARD_RECORDS_PER_SECOND * options.shardBudgetFraction;
    this.byteBudget = SHARD_BYTES_PER_SECOND * options.shardBudgetFraction;
    const rate = options.ratePerSecond;
    const start = this.clock.now();
    // A tenth of a second a batch (at least one record), earned before it is sent.
    const batch = rate === null ? Number.POSITIVE_INFINITY : Math.max(1, Math.ceil(rate / 10));
    this.records = rate === null ? null : new TokenBucket(rate, batch, start, 0);
    for (const id of options.shardIds) {
      this.shards.set(id, {
        records: new TokenBucket(this.recordBudget, this.recordBudget, start),
        bytes: new TokenBucket(this.byteBudget, this.byteBudget, start),
        pace: 1,
        throttledAt: 1,
        lastDecrease: -Infinity,
      });
    }
    this.caps = {
      userRecords: batch,
      shard: (id) => {
        const pace = this.shard(id).pace;
        return { records: Math.max(1, Math.floor(this.recordBudget * pace)), bytes: Math.max(1, Math.floor(this.byteBudget * pace)) };
      },
    };
  }

  /** Waits until every bucket the attempt draws on can pay, then takes the tokens (at most ~1 s: see caps). */
  async acquire(demand: Demand): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const rateWait = this.records && demand.userRecords > 0 ? this.records.waitMs(demand.userRecords, now) : 0;
      let shardWait = 0;
      for (const [id, need] of demand.shards) {
        const shard = this.shard(id);
        shardWait = Math.max(shardWait, shard.records.waitMs(need.records, now), shard.bytes.waitMs(need.bytes, now));
      }
      const wait = Math.max(rateWait, shardWait);
      if (wait <= 0) break;
      const slept = Math.max(1, wait);
      if (rateWait >= shardWait) this.waited.rate += slept;
      else this.waited.shards += slept;
      await this.clock.sleep(slept);
    }
    const now = this.clock.now();
    if (this.records && demand.userRecords > 0) this.records.take(demand.userRecords, now);
    for (const [id, need] of demand.shards) {
      const shard = this.shard(id);
      shard.records.take(need.records, now);
      shard.bytes.take(need.bytes, now);
    }
  }

  /** Kinesis refused these entries: they used none of the shards' budget. */
  refund(refused: Demand): void {
    const now = this.clock.now();
    for (const [id, r] of refused.shards) {
      const shard = this.shard(id);
      shard.records.refund(r.records, now);
      shard.bytes.refund(r.bytes, now);
    }
  }

  /** Kinesis throttled writes to these shards: slow them down. */
  throttled(shardIds: Iterable<string>): void {
    const now = this.clock.now();
    for (const id of shardIds) {
      const shard = this.shard(id);
      if (now - shard.lastDecrease < DECREASE_EVERY_MS) continue;
      shard.lastDecrease = now;
      shard.throttledAt = shard.pace;
      this.setPace(shard, Math.max(MIN_PACE, shard.pace * DECREASE), now);
    }
  }

  /** A whole batch went to these shards unthrottled: speed back up towards the full budget. */
  accepted(shardIds: Iterable<string>): void {
    const now = this.clock.now();
    for (const id of shardIds) {
      const shard = this.shard(id);
      if (shard.pace >= 1) continue;
      const target = shard.throttledAt * 0.9;
      const pace = shard.pace < target ? Math.min(target, shard.pace * RECOVER) : shard.pace + Math.max(0.01, shard.pace * PROBE);
      this.setPace(shard, Math.min(1, pace), now);
    }
  }

  /** A shard's current pace, as a fraction of its budget (for tests and progress). */
  pace(shardId: string): number {
    return this.shard(shardId).pace;
  }

  private setPace(shard: ShardPace, pace: number, now: number): void {
    shard.pace = pace;
    shard.records.setRate(this.recordBudget * pace, now);
    shard.bytes.setRate(this.byteBudget * pace, now);
  }

  private shard(id: string): ShardPace {
    const shard = this.shards.get(id);
    if (!shard) throw new Error(`the rate limiter knows no shard ${id}`);
    return shard;
  }
}
