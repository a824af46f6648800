// Holds a reservoir's checkpoint while an archive runs: the commit protocol's bookkeeping.
// Writes are serialized; each write captures the state at its own start, so a caller that
// awaits save() knows its change is durable. Also settles commits a crash left in flight.

import {
  writeArchiveCheckpoint,
  type ArchiveCheckpoint,
  type PendingCommit,
  type ShardCheckpoint,
} from '../reservoir/checkpoint.ts';
import type { ReservoirStore } from '../reservoir/store.ts';

export class CheckpointKeeper {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReservoirStore,
    private state: ArchiveCheckpoint,
    /** Throws unless this process still holds the archive lease (no write after losing it). */
    private readonly leaseHeld: () => void = () => {},
  ) {}

  get current(): ArchiveCheckpoint {
    return this.state;
  }

  shard(shardId: string): ShardCheckpoint | undefined {
    return this.state.shards[shardId];
  }

  replace(next: ArchiveCheckpoint): void {
    this.state = next;
  }

  setShard(shardId: string, entry: ShardCheckpoint): void {
    this.state = { ...this.state, shards: { ...this.state.shards, [shardId]: entry } };
  }

  setPending(commit: PendingCommit): void {
    this.state = { ...this.state, pending: { ...this.state.pending, [commit.shardId]: commit } };
  }

  clearPending(shardId: string): void {
    const { [shardId]: _, ...rest } = this.state.pending;
    this.state = { ...this.state, pending: rest };
  }

  /** Durably writes the state as it is when this write starts (after earlier writes). */
  save(): Promise<void> {
    const write = this.chain.then(() => {
      this.leaseHeld();
      return writeArchiveCheckpoint(this.store, { ...this.state, updatedAt: new Date().toISOString() });
    });
    this.chain = write.catch(() => {});
    return write;
  }
}

export interface Settled {
  readonly adopted: number;
  readonly rolledBack: number;
}

/**
 * Settles commits a crash interrupted. A pending commit whose last file is visible did happen:
 * its position is adopted. Otherwise it did not: files it already published are removed, and
 * the records are archived again from the checkpoint.
 */
export async function settlePendingCommits(store: ReservoirStore, keeper: CheckpointKeeper, leaseHeld: () => void = () => {}): Promise<Settled> {
  const pending = Object.values(keeper.current.pending);
  if (pending.length === 0) return { adopted: 0, rolledBack: 0 };
  let adopted = 0;
  let rolledBack = 0;
  for (const commit of pending) {
    const last = commit.files[commit.files.length - 1];
    if (last !== undefined && (await store.exists(last))) {
      const before = keeper.shard(commit.shardId);
      keeper.setShard(commit.shardId, {
        sequenceNumber: commit.lastSequenceNumber,
        arrivalTime: commit.lastArrivalTime,
        seenUpTo: later(before?.seenUpTo ?? null, commit.lastArrivalTime),
        finished: false,
        records: (before?.records ?? 0) + commit.records,
      });
      adopted++;
    } else {
      for (const file of commit.files) {
        leaseHeld();
        await store.remove(file);
      }
      rolledBack++;
    }
    keeper.clearPending(commit.shardId);
  }
  await keeper.save();
  return { adopted, rolledBack };
}

/** The later of two ISO instants (null counts as earliest). */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
