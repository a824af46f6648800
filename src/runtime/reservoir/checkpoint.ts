// The archive checkpoint of a reservoir: per shard, the last Kinesis record held by a visible
// file, plus the commits in flight. Stored inside the reservoir (`_wshed/checkpoint.json`) so it
// travels with the files it describes. Plain serializable data, defined here only.

import { STORE_META_FOLDER, type ReservoirStore, type StorePath } from './store.ts';

export const CHECKPOINT_PATH: StorePath = `${STORE_META_FOLDER}/checkpoint.json`;
export const CHECKPOINT_VERSION = 1;

export interface ShardCheckpoint {
  /** The last Kinesis record whose user records are all in visible files; null before the first. */
  readonly sequenceNumber: string | null;
  /** Arrival time of that record (ISO-8601). */
  readonly arrivalTime: string | null;
  /**
   * Every record of the shard that arrived before this instant is archived (or its loss was
   * accepted). Advanced when the archiver reaches the shard's tip; used to tell trimming loss.
   */
  readonly seenUpTo: string | null;
  /** Closed, and every record in it archived: children may start. */
  readonly finished: boolean;
  /** User records archived from this shard so far (valid and quarantined). */
  readonly records: number;
}

/** A chunk being published: written before its first file appears, cleared once committed. */
export interface PendingCommit {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly lastArrivalTime: string;
  readonly records: number;
  /** In publish order. The chunk is committed exactly when the last file is visible. */
  readonly files: readonly StorePath[];
}

export interface ArchiveCheckpoint {
  readonly kind: 'archive-checkpoint';
  readonly version: typeof CHECKPOINT_VERSION;
  readonly reservoir: string;
  readonly stream: string;
  /** Creation time of the stream the sequence numbers belong to; a recreated stream differs. */
  readonly streamCreatedAt: string;
  readonly updatedAt: string;
  readonly shards: Readonly<Record<string, ShardCheckpoint>>;
  readonly pending: Readonly<Record<string, PendingCommit>>;
}

export function emptyCheckpoint(reservoir: string, stream: string, streamCreatedAt: Date): ArchiveCheckpoint {
  return {
    kind: 'archive-checkpoint',
    version: CHECKPOINT_VERSION,
    reservoir,
    stream,
    streamCreatedAt: streamCreatedAt.toISOString(),
    updatedAt: new Date().toISOString(),
    shards: {},
    pending: {},
  };
}

/** The reservoir's checkpoint, or null when it has none (never archived). */
export async function readArchiveCheckpoint(store: ReservoirStore): Promise<ArchiveCheckpoint | null> {
  const raw = await store.read(CHECKPOINT_PATH);
  if (!raw) return null;
  let parsed: Partial<ArchiveCheckpoint>;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as Partial<ArchiveCheckpoint>;
  } catch (err) {
    throw new Error(`the checkpoint at ${store.location}/${CHECKPOINT_PATH} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed.kind !== 'archive-checkpoint' || parsed.version !== CHECKPOINT_VERSION) {
    throw new Error(`the checkpoint at ${store.location}/${CHECKPOINT_PATH} is not a version ${CHECKPOINT_VERSION} archive checkpoint`);
  }
  return { ...parsed, shards: parsed.shards ?? {}, pending: parsed.pending ?? {} } as ArchiveCheckpoint;
}

export async function writeArchiveCheckpoint(store: ReservoirStore, checkpoint: ArchiveCheckpoint): Promise<void> {
  await store.writeAtomic(CHECKPOINT_PATH, JSON.stringify(checkpoint, null, 1) + '\n');
}
