// Sends one batch until Kinesis has acknowledged every entry: PutRecords, then again with only the
// entries that failed, with exponential backoff and jitter on throttling, internal errors, 5xx
// answers and dropped connections. Each entry has a retry budget (errors) and a time budget
// (throttling); past either the batch stops, and the caller keeps the position before it.
// Counts what a caller needs to tell duplicates apart.

import { errorName, isThrottled, type PutEntry, type StreamService } from '../kinesis/stream-service.ts';
import type { Batch, BatchEntry } from './batcher.ts';
import { sleep } from '../sleep.ts';
import type { Demand, ReplayRateLimiter } from './rate-limiter.ts';
import { plural } from '../../compiler/format-numbers.ts';

export interface EmitterStats {
  /** User records acknowledged. */
  emitted: number;
  /** Kinesis records acknowledged (an aggregate counts once). */
  kinesisRecords: number;
  bytes: number;
  /** Entry attempts that failed (an entry failing in a failed call counts too). */
  failedAttempts: number;
  /** Entries sent again. */
  retried: number;
  /** User records that may be in the stream more than once: acknowledged after attempts that may have written them. */
  duplicatesPossible: number;
  /** Attempts (whole calls or entries) Kinesis throttled. */
  throttled: number;
  /** Milliseconds spent backing off after failures. */
  backoffMs: number;
}

/** The batch could not be delivered: its entries kept failing, or Kinesis refused the call outright. */
export class EmitStopped extends Error {
  constructor(
    readonly reason: 'retries' | 'rejected',
    /** Kinesis records of the batch not acknowledged. */
    readonly failed: number,
    readonly lastError: string,
    /** The budget that ran out, in words ("5 retries", "60 s of throttling"). */
    readonly limit: string = '',
    options?: { cause?: unknown },
  ) {
    super(`${plural(failed, 'record')} not delivered${limit ? ` after ${limit}` : ''}: ${lastError}`, options);
  }
}

interface Pending {
  readonly entry: BatchEntry;
  /** Failed attempts other than throttling: these count against the retry budget. */
  attempts: number;
  /** When the entry's current run of throttled attempts began (null when its last attempt was not throttled). */
  throttledSince: number | null;
  /** Failed attempts whose outcome is unknown (5xx, connection lost): each may have written the entry. */
  unknown: number;
}

/** How a whole failed call is treated: not written and retried, maybe written and retried, or fatal. */
type CallFailure = 'throttled' | 'unsent' | 'unknown' | 'fatal';

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class Emitter {
  readonly stats: EmitterStats = { emitted: 0, kinesisRecords: 0, bytes: 0, failedAttempts: 0, retried: 0, duplicatesPossible: 0, throttled: 0, backoffMs: 0 };

  constructor(
    private readonly destination: StreamService,
    private readonly into: string,
    private readonly limiter: ReplayRateLimiter,
    private readonly maxRetries: number,
    private readonly throttledForMs: number = THROTTLED_FOR_MS,
  ) {}

  /** Resolves once every entry of the batch is acknowledged; throws EmitStopped otherwise. */
  async send(batch: Pick<Batch, 'entries' | 'userRecords'>): Promise<void> {
    let pending: Pending[] = batch.entries.map((entry) => ({ entry, attempts: 0, throttledSince: null, unknown: 0 }));
    let failures = 0;
    let first = true;
    // Shards throttled at any attempt of this batch: only the others earn a faster pace.
    const throttledInBatch = new Set<string>();
    while (pending.length > 0) {
      await this.limiter.acquire(demandOf(pending, first ? batch.userRecords : 0));
      if (!first) this.stats.retried += pending.length;
      first = false;
      let outcomes;
      try {
        outcomes = await this.destination.putRecords(this.into, pending.map(toPutEntry));
      } catch (err) {
        const kind = classify(err);
        const lastError = describe(err);
        if (kind === 'fatal') throw new EmitStopped('rejected', pending.length, lastError, '', { cause: err });
        this.stats.failedAttempts += pending.length;
        for (const p of pending) failed(p, kind === 'throttled');
        if (kind === 'unknown') for (const p of pending) p.unknown++;
        if (kind !== 'unknown') this.limiter.refund(demandOf(pending, 0));
        if (kind === 'throttled') {
          const shards = [...new Set(pending.map((p) => p.entry.shardId))].filter((s) => !throttledInBatch.has(s));
          this.limiter.throttled(shards);
          for (const s of shards) throttledInBatch.add(s);
        }
        if (kind === 'throttled') this.stats.throttled += pending.length;
        this.checkBudget(pending, lastError, err);
        await this.backoff(backoffMs(failures++, kind === 'throttled' ? 'throttled' : 'call'));
        continue;
      }
      if (outcomes.length !== pending.length) {
        throw new EmitStopped('rejected', pending.length, `PutRecords answered ${outcomes.length} results for ${pending.length} records`);
      }
      const retry: Pending[] = [];
      const throttled = new Set<string>();
      let lastError = '';
      outcomes.forEach((outcome, i) => {
        const p = pending[i];
        if (outcome.ok) {
          this.acknowledge(p);
          return;
        }
        // A failed entry was not written (Kinesis writes all of an entry or nothing).
        const isThrottled = outcome.errorCode === 'ProvisionedThroughputExceededException';
        failed(p, isThrottled);
        this.stats.failedAttempts++;
        retry.push(p);
        lastError = `${outcome.errorCode}: ${outcome.errorMessage}`;
        if (isThrottled) {
          throttled.add(p.entry.shardId);
          this.stats.throttled++;
        }
      });
      this.limiter.refund(demandOf(retry, 0));
      // Once per batch: its retries fail for the same overload and must not compound the decrease.
      const fresh = [...throttled].filter((id) => !throttledInBatch.has(id));
      this.limiter.throttled(fresh);
      for (const s of throttled) throttledInBatch.add(s);
      if (retry.length > 0) {
        this.checkBudget(retry, lastError);
        await this.backoff(backoffMs(failures++, throttled.size > 0 ? 'throttled' : 'entries'));
      }
      pending = retry;
    }
    this.limiter.accepted(new Set(batch.entries.map((e) => e.shardId).filter((s) => !throttledInBatch.has(s))));
  }

  private async backoff(ms: number): Promise<void> {
    this.stats.backoffMs += ms;
    await sleep(ms);
  }

  private acknowledge(p: Pending): void {
    this.stats.emitted += p.entry.userRecords;
    this.stats.kinesisRecords++;
    this.stats.bytes += p.entry.bytes;
    // Every attempt of unknown outcome may have written one more copy.
    this.stats.duplicatesPossible += p.unknown * p.entry.userRecords;
  }

  private checkBudget(pending: readonly Pending[], lastError: string, cause?: unknown): void {
    const now = performance.now();
    if (pending.some((p) => p.attempts > this.maxRetries)) {
      throw new EmitStopped('retries', pending.length, lastError, `${this.maxRetries} retries`, { cause });
    }
    if (pending.some((p) => p.throttledSince !== null && now - p.throttledSince > this.throttledForMs)) {
      throw new EmitStopped('retries', pending.length, lastError, `${Math.round(this.throttledForMs / 1000)} s of throttling`, { cause });
    }
  }
}

/**
 * Throttling is flow control, not failure: the limiter slows down and the entry waits its turn,
 * so it does not use the retry budget; only a shard refusing an entry for this long does.
 */
export const THROTTLED_FOR_MS = 60_000;

function failed(p: Pending, throttled: boolean): void {
  if (throttled) p.throttledSince ??= performance.now();
  else {
    p.attempts++;
    p.throttledSince = null;
  }
}

function demandOf(pending: readonly Pending[], userRecords: number): Demand {
  const shards = new Map<string, { records: number; bytes: number }>();
  for (const { entry } of pending) {
    const s = shards.get(entry.shardId) ?? { records: 0, bytes: 0 };
    s.records++;
    s.bytes += entry.bytes;
    shards.set(entry.shardId, s);
  }
  return { userRecords, shards };
}

function toPutEntry({ entry }: Pending): PutEntry {
  return { partitionKey: entry.partitionKey, data: entry.data, ...(entry.explicitHashKey ? { explicitHashKey: entry.explicitHashKey } : {}) };
}

const BACKOFF = {
  /** Some entries failed (internal errors): the rest went through, the service is up. */
  entries: { base: 10, cap: 1_000 },
  /** Throttled: the limiter has already slowed the shard down, so a short wait suffices. */
  throttled: { base: 50, cap: 500 },
  /** The whole call failed (5xx, connection lost): the service may be struggling. */
  call: { base: 100, cap: 5_000 },
} as const;

/** Exponential in the batch's consecutive failed attempts, with jitter so retries do not align. */
export function backoffMs(failures: number, kind: keyof typeof BACKOFF): number {
  const { base, cap } = BACKOFF[kind];
  return Math.min(cap, base * 2 ** failures) * (0.5 + Math.random() / 2);
}

function classify(err: unknown): CallFailure {
  if (isThrottled(err)) return 'throttled';
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'unknown';
  if (status !== undefined) return 'fatal';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NOT_SENT.has(code)) return 'unsent';
  // No HTTP answer (connection reset or dropped, timeout): the call may or may not have been applied.
  return 'unknown';
}

function describe(err: unknown): string {
  const name = errorName(err) ?? 'Error';
  const message = (err as Error).message ?? String(err);
  return message.startsWith(name) ? message : `${name}: ${message}`;
}
