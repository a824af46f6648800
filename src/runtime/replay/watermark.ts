// The replay's cut through the source stream: per shard, the last record it replays (the
// watermark of `_wshed`); every later record reaches consumers through the live stream instead.
//
// Kinesis has no call that returns a shard's last sequence number (a LATEST iterator returns only
// records written after it), so the tip is found by reading: ListShards, then each shard from the
// archive checkpoint (the reservoir already holds everything before it) to the tip, with the same
// reader the archiver uses. The last record read is the shard's watermark. That read is the live
// part of the source, so it fills the live table at the same time: live records and watermark
// agree by construction. An archive-only replay takes the archive checkpoint as its cut instead:
// what it replays ends there, and consumers must read the stream from there on.

import type { Watermark } from '../../consumer/metadata.ts';
import { readShard } from '../kinesis/shard-reader.ts';
import { compareSequence } from '../kinesis/sequence.ts';
import type { KinesisRecord, ShardPosition, StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint } from '../reservoir/checkpoint.ts';

export interface SourceCut {
  /** Open shards (and, for an archive cut, unfinished closed ones) → the last record replayed. */
  readonly watermark: Watermark;
  /** Open shards that held no record: none of their records is replayed. */
  readonly emptyShards: readonly string[];
  /** Shards closed and complete at the cut: every record of theirs is before it. */
  readonly closedShards: readonly string[];
  readonly basis: 'stream-tip' | 'archive-checkpoint';
}

export interface TipCaptureOptions {
  /** The reservoir's archive checkpoint: shards are read from there (else from their oldest record). */
  readonly archive: ArchiveCheckpoint | null;
  /** Receives every record up to the cut (live loading); without it closed shards are not read. */
  readonly onRecord?: (shardId: string, record: KinesisRecord) => void | Promise<void>;
  /** A cut taken before (a resumed run): records past it are left out and it is returned as is. */
  readonly bound?: SourceCut;
  readonly signal?: AbortSignal;
}

/** Reads each shard to its tip (or to `bound`), handing records to onRecord; returns the cut. */
export async function captureAtTip(streams: StreamService, stream: string, options: TipCaptureOptions): Promise<SourceCut> {
  // A resumed run without live records needs no read: its cut is the one it started with.
  if (options.bound && !options.onRecord) return options.bound;
  const capturedAt = new Date();
  const archive = await usableCheckpoint(streams, stream, options.archive);
  const bound = options.bound ? new CutFilter(options.bound) : null;
  const shards: Record<string, string> = {};
  const emptyShards: string[] = [];
  const closedShards: string[] = [];
  for (const shard of await streams.listShards(stream)) {
    const closed = shard.sequenceRange.end !== null;
    const entry = archive?.shards[shard.shardId];
    const limit = bound ? bound.limitOf(shard.shardId) : { kind: 'all' as const };
    if (limit.kind === 'none' || (closed && (entry?.finished || !options.onRecord))) {
      if (closed) closedShards.push(shard.shardId);
      continue;
    }
    const from: ShardPosition = entry?.sequenceNumber
      ? { kind: 'after-sequence', sequenceNumber: entry.sequenceNumber }
      : { kind: 'trim-horizon' };
    let last = entry?.sequenceNumber ?? null;
    const reader = readShard(streams, stream, shard.shardId, {
      from,
      tipAt: capturedAt,
      closed,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    reading: for await (const page of reader) {
      for (const record of page.records) {
        if (limit.kind === 'upto' && compareSequence(record.sequenceNumber, limit.sequenceNumber) > 0) break reading;
        await options.onRecord?.(shard.shardId, record);
        last = record.sequenceNumber;
      }
    }
    if (closed) closedShards.push(shard.shardId);
    else if (last !== null) shards[shard.shardId] = last;
    else emptyShards.push(shard.shardId);
  }
  if (options.bound) return options.bound;
  return { watermark: { captured_at: capturedAt.toISOString(), shards }, emptyShards, closedShards, basis: 'stream-tip' };
}

/** The cut of an archive-only replay: where the archive ends, shard by shard. */
export async function cutAtArchive(streams: StreamService, stream: string, checkpoint: ArchiveCheckpoint): Promise<SourceCut> {
  const shards: Record<string, string> = {};
  const emptyShards: string[] = [];
  const closedShards: string[] = [];
  const listed = await streams.listShards(stream);
  const ids = new Set([...listed.map((s) => s.shardId), ...Object.keys(checkpoint.shards)]);
  for (const id of ids) {
    const entry = checkpoint.shards[id];
    if (entry?.finished) closedShards.push(id);
    else if (entry?.sequenceNumber) shards[id] = entry.sequenceNumber;
    else emptyShards.push(id);
  }
  return { watermark: { captured_at: checkpoint.updatedAt, shards }, emptyShards, closedShards, basis: 'archive-checkpoint' };
}

/** The archive checkpoint, unless it belongs to an earlier stream of the same name. */
async function usableCheckpoint(streams: StreamService, stream: string, checkpoint: ArchiveCheckpoint | null): Promise<ArchiveCheckpoint | null> {
  if (!checkpoint) return null;
  const description = await streams.describeStream(stream);
  return description && checkpoint.streamCreatedAt === description.createdAt.toISOString() ? checkpoint : null;
}

type ShardLimit = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'upto'; readonly sequenceNumber: string };

/** Where a replay that reads no live record ends: a resumed run's cut, else the archive checkpoint, else the stream's tip now. */
export async function cutWithoutLive(
  streams: StreamService,
  stream: string,
  options: { readonly bound?: SourceCut; readonly archive: ArchiveCheckpoint | null; readonly signal?: AbortSignal },
): Promise<SourceCut> {
  if (options.bound) return options.bound;
  if (options.archive) return cutAtArchive(streams, stream, options.archive);
  return captureAtTip(streams, stream, { archive: null, ...(options.signal ? { signal: options.signal } : {}) });
}

/** Answers "is this record past the cut?" quickly, for every row the SQL returns. */
export class CutFilter {
  private readonly marks: Map<string, string>;
  private readonly empty: Set<string>;
  private readonly closed: Set<string>;
  /** Shard ids are numbered in creation order: a higher number than any known was created after the cut. */
  private readonly newestKnown: number;

  constructor(cut: SourceCut) {
    this.marks = new Map(Object.entries(cut.watermark.shards));
    this.empty = new Set(cut.emptyShards);
    this.closed = new Set(cut.closedShards);
    this.newestKnown = Math.max(-1, ...[...this.marks.keys(), ...this.empty, ...this.closed].map(shardNumber));
  }

  isPast(shardId: string, sequenceNumber: string): boolean {
    const mark = this.marks.get(shardId);
    if (mark !== undefined) return compareSequence(sequenceNumber, mark) > 0;
    if (this.empty.has(shardId)) return true;
    if (this.closed.has(shardId)) return false;
    // Unknown: a shard gone from the stream since (expired: before the cut) or created after it.
    return shardNumber(shardId) > this.newestKnown;
  }

  limitOf(shardId: string): ShardLimit {
    const mark = this.marks.get(shardId);
    if (mark !== undefined) return { kind: 'upto', sequenceNumber: mark };
    return this.closed.has(shardId) ? { kind: 'all' } : { kind: 'none' };
  }
}

function shardNumber(shardId: string): number {
  const m = /(\d+)$/.exec(shardId);
  return m ? Number(m[1]) : -1;
}
