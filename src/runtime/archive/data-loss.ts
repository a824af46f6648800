// Tells whether records may have been lost between the checkpoint and what the stream still
// holds: the stream was deleted and created again, a shard vanished, or the stream trimmed
// records (retention) that the archiver never read. Each finding says how much may be missing.

import { compareSequence } from '../kinesis/sequence.ts';
import { oldestRecord } from '../kinesis/shard-reader.ts';
import type { ShardInfo, StreamDescription, StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint, ShardCheckpoint } from '../reservoir/checkpoint.ts';

export type LossReason = 'stream-recreated' | 'shard-gone' | 'trimmed';

/** Records of `shardId` that arrived in [from, to] may never have been archived. */
export interface ShardLoss {
  readonly shardId: string;
  readonly reason: LossReason;
  readonly from: string;
  readonly to: string;
}

export interface LossCheck {
  readonly losses: readonly ShardLoss[];
  /** Shards whose checkpointed record was trimmed: read them from their trim horizon. */
  readonly restartFromTrimHorizon: ReadonlySet<string>;
}

/** Allowance for clocks (ours, Kinesis's) that disagree. */
const CLOCK_SKEW_MS = 5 * 60_000;

export async function checkForLoss(
  streams: StreamService,
  checkpoint: ArchiveCheckpoint,
  description: StreamDescription,
  shards: readonly ShardInfo[],
  now: Date,
): Promise<LossCheck> {
  const open = Object.entries(checkpoint.shards).filter(([, s]) => !s.finished);
  if (description.createdAt.toISOString() !== checkpoint.streamCreatedAt) {
    // Everything the old stream held after the checkpoint went with it.
    const losses = open.map(([shardId, s]) => ({
      shardId,
      reason: 'stream-recreated' as const,
      from: seenUpTo(s) ?? checkpoint.streamCreatedAt,
      to: description.createdAt.toISOString(),
    }));
    return { losses, restartFromTrimHorizon: new Set() };
  }
  const present = new Map(shards.map((s) => [s.shardId, s]));
  const trimCutoff = now.getTime() - description.retentionHours * 3_600_000;
  const losses: ShardLoss[] = [];
  const restart = new Set<string>();
  for (const [shardId, entry] of open) {
    const seen = seenUpTo(entry);
    const from = seen ?? checkpoint.streamCreatedAt;
    const shard = present.get(shardId);
    if (!shard) {
      losses.push({ shardId, reason: 'shard-gone', from, to: new Date(Math.max(trimCutoff, Date.parse(from))).toISOString() });
      continue;
    }
    if (entry.sequenceNumber !== null && compareSequence(entry.sequenceNumber, shard.sequenceRange.start) < 0) {
      // Same shard id, but a shard that began after the checkpointed record: a new stream.
      losses.push({ shardId, reason: 'stream-recreated', from, to: description.createdAt.toISOString() });
      continue;
    }
    // Records younger than the retention period cannot have been trimmed: skip the probe.
    if (seen !== null && Date.parse(seen) > trimCutoff + CLOCK_SKEW_MS) continue;
    const oldest = await oldestRecord(streams, checkpoint.stream, shardId);
    if (entry.sequenceNumber !== null && oldest && compareSequence(oldest.sequenceNumber, entry.sequenceNumber) <= 0) {
      continue; // the checkpointed record is still in the stream
    }
    if (entry.sequenceNumber !== null) restart.add(shardId);
    // Unseen records that may have been trimmed arrived after `seen`, before the oldest record
    // left, and long enough ago for retention to drop them.
    const cutoff = trimCutoff + CLOCK_SKEW_MS;
    const to = Math.min(oldest ? oldest.arrivalTime.getTime() : cutoff, cutoff);
    if (seen !== null && to <= Date.parse(seen)) continue;
    losses.push({ shardId, reason: 'trimmed', from, to: new Date(to).toISOString() });
  }
  return { losses, restartFromTrimHorizon: restart };
}

function seenUpTo(s: ShardCheckpoint): string | null {
  return s.seenUpTo ?? s.arrivalTime;
}

/** One line for people: how much may be missing, per shard. */
export function describeLosses(stream: string, losses: readonly ShardLoss[]): string {
  const why: Record<LossReason, string> = {
    'stream-recreated': `stream '${stream}' was deleted and created again`,
    'shard-gone': 'a shard the archive had not finished is no longer in the stream',
    trimmed: `the stream dropped records (retention) that were never archived`,
  };
  const reasons = [...new Set(losses.map((l) => why[l.reason]))].join('; ');
  const longest = Math.max(...losses.map((l) => Date.parse(l.to) - Date.parse(l.from)));
  const perShard = losses.map((l) => `${l.shardId} ${l.from} → ${l.to}`).join(', ');
  return `${reasons}: records that arrived in up to ${formatDuration(longest)} may be missing (${perShard})`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : '', !d && !h && !m ? `${s % 60} s` : ''];
  return parts.filter(Boolean).join(' ');
}
