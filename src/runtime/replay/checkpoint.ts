// A replay's progress, persisted after every acknowledged batch, so a crashed run resumes where it
// was and re-sends at most the batch that was in flight. Plain serializable data, written
// atomically. Where it is kept is the checkpoint store's (checkpoint-store.ts): the functions on a
// home here (`<home>/replays/<name>.json`, temp file, fsync, rename) are the local target's.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReplayStep } from '../../compiler/plan/types.ts';
import type { ShardInfo } from '../kinesis/stream-service.ts';
import { compareOrigins, type OriginPosition } from '../../consumer/version.ts';
import { acquirePidLock, type PidLock } from '../pid-lock.ts';
import { definitionOf, type ReplayDefinition } from './definition.ts';
import { ReplayError } from './replay-errors.ts';
import type { SourceCut } from './watermark.ts';

export const REPLAY_CHECKPOINT_VERSION = 2;

/** The position of a row in the replay order (the SQL's ORDER BY, which is total: the origin order). */
export type RowPosition = OriginPosition;

export interface ReplayCheckpoint {
  readonly kind: 'replay-checkpoint';
  readonly version: typeof REPLAY_CHECKPOINT_VERSION;
  readonly replay: string;
  readonly replayId: string;
  /** The step the run started with: a resumed run keeps its SQL, so `7d ago` means the same rows. */
  readonly step: ReplayStep;
  readonly aggregate: boolean;
  /** The watermark and shard lists, reused by a resumed run. */
  readonly cut: SourceCut;
  /** What the replay was when the run started: a later run compares it with the file's. */
  readonly definition: ReplayDefinition;
  /** The completed run this one brings up to date (rows in its slice were emitted then); null for a full run. */
  readonly base: CompletedRun | null;
  /** Every row up to this ordinal (and position) is acknowledged by Kinesis. */
  readonly acknowledged: { readonly ordinal: number; readonly position: RowPosition | null };
  /** User records acknowledged over all runs of this replay id. */
  readonly emitted: number;
  readonly duplicatesPossible: number;
  /** running: in progress or crashed; stopped: ended on an error or a signal; completed: done. */
  readonly state: 'running' | 'stopped' | 'completed';
  readonly stoppedBecause: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** A part of a split run (`--part i/N`): which, the parts run it belongs to, and the shard list all parts route by. */
  readonly part?: CheckpointPart;
}

export interface CheckpointPart {
  readonly index: number;
  readonly count: number;
  readonly generation: number;
  readonly shards: readonly ShardInfo[];
}

/** A run that completed: what a later run of the same definition brings up to date. */
export interface CompletedRun {
  readonly replayId: string;
  readonly cut: SourceCut;
  readonly definition: ReplayDefinition;
  readonly completedAt: string;
  readonly emitted: number;
}

export function completedRunOf(checkpoint: ReplayCheckpoint): CompletedRun {
  return { replayId: checkpoint.replayId, cut: checkpoint.cut, definition: checkpoint.definition, completedAt: checkpoint.updatedAt, emitted: checkpoint.emitted };
}

/** The file name (without `.json`) of a replay's checkpoint, or of one part's (each part keeps its own). */
export function checkpointBaseName(replay: string, part?: { readonly index: number; readonly count: number }): string {
  // Replay names are identifiers, but a name is a file name here: never let it leave the folder.
  return encodeURIComponent(replay) + (part ? `.part-${part.index}-of-${part.count}` : '');
}

/** The checkpoint and lock of a replay in a home, or of one part of it (each part keeps its own). */
export function checkpointPaths(home: string, replay: string, part?: { readonly index: number; readonly count: number }): { file: string; lock: string } {
  const folder = path.join(home, 'replays');
  const base = checkpointBaseName(replay, part);
  return { file: path.join(folder, `${base}.json`), lock: path.join(folder, `${base}.lock`) };
}

/** The replay's checkpoint, or null when there is none. */
export async function readReplayCheckpoint(home: string, replay: string, part?: { readonly index: number; readonly count: number }): Promise<ReplayCheckpoint | null> {
  const { file } = checkpointPaths(home, replay, part);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parseReplayCheckpoint(text, file, replay);
}

/** A checkpoint's text as the store holds it; WS758 (naming `where`) when it is not one. */
export function parseReplayCheckpoint(text: string, where: string, replay: string): ReplayCheckpoint {
  let parsed: Partial<Omit<ReplayCheckpoint, 'version'>> & { version?: number };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new ReplayError('WS758', { checkpoint: where, replay, why: `not valid JSON (${(err as Error).message})` });
  }
  if (parsed.kind !== 'replay-checkpoint' || (parsed.version !== 1 && parsed.version !== REPLAY_CHECKPOINT_VERSION) || !parsed.step || !parsed.cut) {
    throw new ReplayError('WS758', { checkpoint: where, replay, why: `not a version ${REPLAY_CHECKPOINT_VERSION} replay checkpoint` });
  }
  // Version 1 kept no definition: the step it started with stands in (its bounds as resolved then).
  if (parsed.version === 1) {
    return { ...(parsed as ReplayCheckpoint), version: REPLAY_CHECKPOINT_VERSION, definition: definitionOf(parsed.step, parsed.startedAt ?? ''), base: null };
  }
  return parsed as ReplayCheckpoint;
}

/** The checkpoint's text as stored. */
export function encodeReplayCheckpoint(checkpoint: ReplayCheckpoint): string {
  return JSON.stringify(checkpoint, null, 1) + '\n';
}

export async function writeReplayCheckpoint(home: string, checkpoint: ReplayCheckpoint): Promise<void> {
  const { file } = checkpointPaths(home, checkpoint.replay, checkpoint.part);
  const folder = path.dirname(file);
  await fs.mkdir(folder, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(encodeReplayCheckpoint(checkpoint));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  // The rename is durable only once the folder is.
  const dir = await fs.open(folder, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** One run of a replay at a time: two would interleave records and overwrite each other's checkpoint. */
export async function lockReplay(home: string, replay: string, part?: { readonly index: number; readonly count: number }): Promise<PidLock> {
  const { lock } = checkpointPaths(home, replay, part);
  const attempt = await acquirePidLock(lock);
  if (!attempt.ok) throw new ReplayError('WS755', { replay, pid: attempt.ownerPid, lock });
  return attempt.lock;
}

/** Orders two row positions as the replay SQL does: the consumer library's origin order. */
export function comparePosition(a: RowPosition, b: RowPosition): number {
  return compareOrigins(a, b);
}
