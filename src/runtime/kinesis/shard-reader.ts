// Reads one shard from a position to its tip, page by page: renews expired iterators, backs off
// when throttled, and says whether the shard ended (closed and read to its last record).

import {
  isExpiredIterator,
  isThrottled,
  type KinesisRecord,
  type ShardPosition,
  type StreamService,
} from './stream-service.ts';
import { sleep } from '../sleep.ts';

export interface ShardPage {
  readonly records: readonly KinesisRecord[];
  readonly millisBehindLatest: number;
}

export interface ReadShardOptions {
  readonly from: ShardPosition;
  /** Records per GetRecords call (at most 10,000). */
  readonly pageSize?: number;
  /**
   * Records that arrived at or after this instant are beyond the tip this read aims for: once the
   * reader is caught up (MillisBehindLatest 0) and sees one, it stops, so a busy stream ends too.
   */
  readonly tipAt?: Date;
  readonly signal?: AbortSignal;
  /**
   * The shard is known to be closed: read until Kinesis hands out no next iterator, even past
   * empty caught-up pages (a closed shard reports its end only on a later call).
   */
  readonly closed?: boolean;
  /** Keep reading past the tip, polling for new records (`wshed tail`), until the shard ends or the signal aborts. */
  readonly follow?: { readonly pollMs: number };
}

export interface ShardReadEnd {
  /** True when the shard is closed and all its records were returned. */
  readonly shardEnded: boolean;
  /** Every record that arrived before this instant was read. */
  readonly caughtUpAt: Date;
}

/**
 * Yields pages of records of one shard until its tip: stops when Kinesis reports the reader is
 * caught up with nothing more to return, or when the shard is closed and fully read.
 */
export async function* readShard(
  service: StreamService,
  stream: string,
  shardId: string,
  options: ReadShardOptions,
): AsyncGenerator<ShardPage, ShardReadEnd> {
  let lastSequence: string | null = null;
  const position = (): ShardPosition =>
    lastSequence ? { kind: 'after-sequence', sequenceNumber: lastSequence } : options.from;
  let iterator: string | null = await withRetries(() => service.shardIterator(stream, shardId, position()));
  const tipAt = options.tipAt?.getTime() ?? Number.POSITIVE_INFINITY;
  let emptyBehind = 0;
  let askedAt = new Date();
  while (iterator) {
    options.signal?.throwIfAborted();
    let page;
    try {
      askedAt = new Date();
      page = await withRetries(() => service.getRecords(iterator!, options.pageSize));
    } catch (err) {
      if (!isExpiredIterator(err)) throw err;
      iterator = await withRetries(() => service.shardIterator(stream, shardId, position()));
      continue;
    }
    if (page.records.length > 0) {
      lastSequence = page.records[page.records.length - 1].sequenceNumber;
      yield { records: page.records, millisBehindLatest: page.millisBehindLatest };
    }
    if (page.nextIterator === null) return { shardEnded: true, caughtUpAt: askedAt };
    if (page.millisBehindLatest === 0 && !options.closed && !options.follow) {
      if (page.records.length === 0) return { shardEnded: false, caughtUpAt: askedAt };
      const last = page.records[page.records.length - 1];
      // Some Kinesis implementations report 0 while more records wait: vouch only for what was read.
      if (last.arrivalTime.getTime() >= tipAt) return { shardEnded: false, caughtUpAt: last.arrivalTime };
    }
    if (page.records.length === 0) {
      // Behind but handed an empty page (a gap in the shard), waiting for a closed shard's end,
      // or following the tip.
      emptyBehind++;
      await sleep(options.follow && page.millisBehindLatest === 0 ? options.follow.pollMs : Math.min(50 * emptyBehind, 1_000), options.signal);
    } else emptyBehind = 0;
    iterator = page.nextIterator;
  }
  return { shardEnded: true, caughtUpAt: askedAt };
}

/** The first record still in a shard (its trim horizon), or null when the shard holds none. */
export async function oldestRecord(service: StreamService, stream: string, shardId: string): Promise<KinesisRecord | null> {
  const reader = readShard(service, stream, shardId, { from: { kind: 'trim-horizon' }, pageSize: 1 });
  try {
    const first = await reader.next();
    return first.done ? null : (first.value.records[0] ?? null);
  } finally {
    await reader.return({ shardEnded: false, caughtUpAt: new Date() });
  }
}

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isThrottled(err) || attempt >= 10) throw err;
      await sleep(Math.min(200 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2));
    }
  }
}
