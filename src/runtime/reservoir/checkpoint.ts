// The archive checkpoint of a reservoir: per shard, the last Kinesis record held by a visible
// file, plus the commits in flight. Stored inside the reservoir (`_wshed/checkpoint.json`) so it
// travels with the files it describes. Plain serializable data, defined here only.

import { RuntimeError } from '../runtime-error.ts';
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

/**
 * The reservoir's checkpoint, or null when it has none (never archived). A checkpoint that is not
 * one (garbage, cut short, edited by hand) is WS734, naming the file: nothing may be archived,
 * settled or queried on a guess of where the archive stands.
 */
export async function readArchiveCheckpoint(store: ReservoirStore): Promise<ArchiveCheckpoint | null> {
  const raw = await store.read(CHECKPOINT_PATH);
  if (!raw) return null;
  const unreadable = (why: string) =>
    new RuntimeError('WS734', { checkpoint: `${store.location}/${CHECKPOINT_PATH}`, root: store.location, why });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw unreadable(`not valid JSON: ${(err as Error).message}`);
  }
  const problem = checkpointProblem(parsed);
  if (problem) throw unreadable(problem);
  const checkpoint = parsed as Partial<ArchiveCheckpoint>;
  return { ...checkpoint, shards: checkpoint.shards ?? {}, pending: checkpoint.pending ?? {} } as ArchiveCheckpoint;
}

/** What makes `value` not a version-1 archive checkpoint, or null when it is one. */
function checkpointProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  if (value.kind !== 'archive-checkpoint' || value.version !== CHECKPOINT_VERSION) return `not a version ${CHECKPOINT_VERSION} archive checkpoint`;
  for (const field of ['stream', 'streamCreatedAt'] as const) {
    if (typeof value[field] !== 'string') return `'${field}' is not a string`;
  }
  if (value.shards !== undefined) {
    if (!isObject(value.shards)) return "'shards' is not an object";
    for (const [id, shard] of Object.entries(value.shards)) {
      if (!isObject(shard)) return `shard '${id}' is not an object`;
      for (const field of ['sequenceNumber', 'arrivalTime', 'seenUpTo'] as const) {
        if (shard[field] !== null && typeof shard[field] !== 'string') return `shard '${id}': '${field}' is not a string or null`;
      }
      if (typeof shard.finished !== 'boolean') return `shard '${id}': 'finished' is not true or false`;
      if (!Number.isInteger(shard.records)) return `shard '${id}': 'records' is not a whole number`;
    }
  }
  if (value.pending !== undefined) {
    if (!isObject(value.pending)) return "'pending' is not an object";
    for (const [id, commit] of Object.entries(value.pending)) {
      if (!isObject(commit)) return `pending commit '${id}' is not an object`;
      for (const field of ['shardId', 'firstSequenceNumber', 'lastSequenceNumber', 'lastArrivalTime'] as const) {
        if (typeof commit[field] !== 'string') return `pending commit '${id}': '${field}' is not a string`;
      }
      if (!Number.isInteger(commit.records)) return `pending commit '${id}': 'records' is not a whole number`;
      if (!Array.isArray(commit.files) || !commit.files.every((f) => typeof f === 'string')) return `pending commit '${id}': 'files' is not a list of paths`;
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function writeArchiveCheckpoint(store: ReservoirStore, checkpoint: ArchiveCheckpoint): Promise<void> {
  await store.writeAtomic(CHECKPOINT_PATH, JSON.stringify(checkpoint, null, 1) + '\n');
}
