// Which destination shard a record goes to, computed as Kinesis does: the MD5 of the partition
// key read as a 128-bit big-endian number (or the explicit hash key), in an open shard's range.
// Aggregation needs it: an aggregate lands on the shard of its first record's key.

import { createHash, hash } from 'node:crypto';
import type { ShardInfo } from '../kinesis/stream-service.ts';

interface Range {
  readonly shardId: string;
  /** Bounds as 32-digit lower-case hex: fixed width, so text order is number order. */
  readonly start: string;
  readonly end: string;
}

export class ShardRouter {
  private readonly ranges: Range[];

  /** `shards` may include closed ones; only open shards take records. */
  constructor(shards: readonly ShardInfo[]) {
    this.ranges = shards
      .filter((s) => s.sequenceRange.end === null)
      .map((s) => ({ shardId: s.shardId, start: hex128(BigInt(s.hashKeyRange.start)), end: hex128(BigInt(s.hashKeyRange.end)) }))
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  get shardIds(): string[] {
    return this.ranges.map((r) => r.shardId);
  }

  get size(): number {
    return this.ranges.length;
  }

  /** The shard a record with this key (or explicit hash key) is written to. */
  shardFor(partitionKey: string, explicitHashKey?: string | null): string {
    // Hex text rather than BigInt: one MD5 per record is the replay's hottest arithmetic.
    const key = explicitHashKey ? hex128(BigInt(explicitHashKey)) : md5Hex(partitionKey);
    // Open shards' ranges partition the whole 128-bit space: binary search the one holding it.
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (key < r.start) hi = mid - 1;
      else if (key > r.end) lo = mid + 1;
      else return r.shardId;
    }
    throw new Error(`no open shard holds hash key 0x${key} (shards: ${this.shardIds.join(', ')})`);
  }
}

/** The 128-bit hash key Kinesis derives from a partition key. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt('0x' + md5Hex(partitionKey));
}

const md5Hex: (text: string) => string =
  typeof hash === 'function' ? (text) => hash('md5', text, 'hex') : (text) => createHash('md5').update(text, 'utf8').digest('hex');

function hex128(n: bigint): string {
  return n.toString(16).padStart(32, '0');
}

/** The shards a new stream of `count` shards gets: the 128-bit hash space split evenly, as CreateStream does. */
export function declaredShards(count: number): ShardInfo[] {
  const space = 1n << 128n;
  const size = space / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    shardId: `shardId-${String(i).padStart(12, '0')}`,
    parentShardId: null,
    adjacentParentShardId: null,
    hashKeyRange: { start: String(size * BigInt(i)), end: String(i === count - 1 ? space - 1n : size * BigInt(i + 1) - 1n) },
    sequenceRange: { start: '0', end: null },
  }));
}
