// A replay run's marker: what the run says once about itself (id, name, source, destination, the
// watermark), so that replayed records need carry only their replay id and origin. It goes before
// the run's first record onto every open destination shard (addressed by explicit hash key, so
// Kinesis's per-shard order puts it ahead of that shard's records) and into the reservoir as
// `_wshed/replays/<replay_id>.json`. Sending it again (a resumed run) is harmless: same content.

import { REPLAY_METADATA_VERSION, replayMarkerPath, type ReplayMarker } from '../../consumer/metadata.ts';
import type { ShardInfo } from '../kinesis/stream-service.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import type { BatchEntry } from './batcher.ts';
import type { SourceCut } from './watermark.ts';

/** Partition key of marker records (Kinesis wants one; the explicit hash key does the routing). */
export const MARKER_PARTITION_KEY = '_wshed-replay-marker';

export function replayMarker(run: {
  readonly replayId: string;
  readonly replay: string;
  readonly stream: string;
  readonly into: string;
  readonly cut: SourceCut;
  readonly after: string | null;
  readonly startedAt: string;
}): ReplayMarker {
  return {
    v: REPLAY_METADATA_VERSION,
    marker: 'replay-run',
    replay_id: run.replayId,
    replay: run.replay,
    stream: run.stream,
    into: run.into,
    watermark: run.cut.watermark,
    after_replay_id: run.after,
    started_at: run.startedAt,
  };
}

/** One marker record for every open destination shard, as PutRecords entries (no user records). */
export function markerEntries(marker: ReplayMarker, shards: readonly ShardInfo[], metadataField: string): BatchEntry[] {
  const data = Buffer.from(JSON.stringify({ [metadataField]: marker }), 'utf8');
  const bytes = data.length + Buffer.byteLength(MARKER_PARTITION_KEY);
  return shards
    .filter((s) => s.sequenceRange.end === null)
    .map((s) => ({ partitionKey: MARKER_PARTITION_KEY, explicitHashKey: s.hashKeyRange.start, data, shardId: s.shardId, userRecords: 0, bytes }));
}

/** The marker beside the reservoir's files, where a consumer that has only a replay id finds the watermark. */
export async function writeMarkerFile(store: ReservoirStore, marker: ReplayMarker): Promise<void> {
  await store.writeAtomic(replayMarkerPath(marker.replay_id), JSON.stringify(marker, null, 1) + '\n');
}
