// Resharding on the local service, which has no UpdateShardCount: the open shards are split at
// the boundaries of N equal hash-key ranges (those a stream created with N shards has), then the
// shards within each range are merged into one, so the stream ends with N uniform open shards as
// UpdateShardCount's uniform scaling would leave it. Closed parents keep their records; readers
// (the archiver, tail) follow parents to children as they do on AWS.

import { ListShardsCommand, ListStreamsCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { errorName } from '../kinesis/stream-service.ts';
import { RuntimeError } from '../runtime-error.ts';
import { DEFAULT_SHARD_LIMIT } from './kinesalite-server.ts';

const POW_128 = 2n ** 128n;

/** The starting hash keys of N uniform shards after the first (kinesalite's CreateStream ranges). */
export function uniformBoundaries(shards: number): bigint[] {
  const width = POW_128 / BigInt(shards);
  return Array.from({ length: shards - 1 }, (_, i) => width * BigInt(i + 1));
}

interface OpenShard {
  readonly id: string;
  readonly start: bigint;
  readonly end: bigint;
}

/** Brings `stream` to `target` uniform open shards; `active` waits until the stream is ACTIVE again. */
export async function reshardUniformly(client: KinesisClient, stream: string, target: number, active: () => Promise<void>): Promise<void> {
  const current = await openShards(client, stream);
  const from = current.length;
  // The splits come first, so the service's shard count peaks at every stream's open shards plus
  // one a split: refused before anything changes when that passes the service's limit.
  const splits = uniformBoundaries(target).filter((b) => current.some((s) => s.start < b && b <= s.end)).length;
  const peak = (await allOpenShards(client)) + splits;
  if (peak > DEFAULT_SHARD_LIMIT) {
    throw new RuntimeError('WS814', { stream, from, to: target, why: `it would need ${peak} open shards on the service at once, over its limit of ${DEFAULT_SHARD_LIMIT}; nothing was changed` });
  }
  try {
    await reshard(client, stream, target, active);
  } catch (err) {
    // A refusal (the shard limit) is the user's to fix; what was split so far stays valid shards.
    if (errorName(err) === 'LimitExceededException' || errorName(err) === 'InvalidArgumentException') {
      throw new RuntimeError('WS814', { stream, from, to: target, why: (err as Error).message }, { cause: err });
    }
    throw err;
  }
}

async function reshard(client: KinesisClient, stream: string, target: number, active: () => Promise<void>): Promise<void> {
  const boundaries = uniformBoundaries(target);
  for (const b of boundaries) {
    const inside = (await openShards(client, stream)).find((s) => s.start < b && b <= s.end);
    if (!inside) continue; // already a boundary
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: inside.id, NewStartingHashKey: b.toString() }));
    await active();
  }
  const edges = [0n, ...boundaries, POW_128];
  for (let i = 0; i < target; i++) {
    for (;;) {
      const within = (await openShards(client, stream)).filter((s) => s.start >= edges[i] && s.end < edges[i + 1]);
      if (within.length <= 1) break;
      await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: within[0].id, AdjacentShardToMerge: within[1].id }));
      await active();
    }
  }
}

async function allOpenShards(client: KinesisClient): Promise<number> {
  const names: string[] = [];
  let start: string | undefined;
  for (;;) {
    const page = await client.send(new ListStreamsCommand(start ? { ExclusiveStartStreamName: start } : {}));
    names.push(...(page.StreamNames ?? []));
    if (!page.HasMoreStreams || !page.StreamNames?.length) break;
    start = page.StreamNames.at(-1);
  }
  let n = 0;
  for (const name of names) n += (await openShards(client, name)).length;
  return n;
}

async function openShards(client: KinesisClient, stream: string): Promise<OpenShard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards
    .filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber)
    .map((s) => ({ id: s.ShardId!, start: BigInt(s.HashKeyRange!.StartingHashKey!), end: BigInt(s.HashKeyRange!.EndingHashKey!) }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
