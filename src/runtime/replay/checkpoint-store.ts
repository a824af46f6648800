// Where a replay keeps its checkpoint and takes its one-run-at-a-time lock: the watershed home of
// the machine that runs it (the local target), or beside its source reservoir through the
// reservoir's store (aws: `_wshed/replays/<replay>[.part-i-of-N].json` and a lease), so that a run
// interrupted on one machine resumes on another. The target runtime picks one (`replayCheckpoints`).

import { takeLease, type LeaseOptions } from '../reservoir/lease.ts';
import { STORE_META_FOLDER, type ReservoirStore } from '../reservoir/store.ts';
import { RuntimeError } from '../runtime-error.ts';
import {
  checkpointBaseName,
  checkpointPaths,
  encodeReplayCheckpoint,
  lockReplay,
  parseReplayCheckpoint,
  readReplayCheckpoint,
  writeReplayCheckpoint,
  type ReplayCheckpoint,
} from './checkpoint.ts';

/** Part `index` of `count`: the parts of a split run each keep their own checkpoint. */
export type CheckpointPart = { readonly index: number; readonly count: number };

/** The lock a run holds while it may write its checkpoint. */
export interface ReplayRunLock {
  /** Throws (WS816) unless the lock is surely still this run's; called before every checkpoint write. */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface ReplayCheckpointStore {
  /** Where the checkpoint is, for messages: a file path, or an s3:// URL. */
  where(replay: string, part?: CheckpointPart): string;
  /** The checkpoint, or null when there is none; WS758 when it is not one. */
  read(replay: string, part?: CheckpointPart): Promise<ReplayCheckpoint | null>;
  /** Replaces the checkpoint atomically and durably. */
  write(checkpoint: ReplayCheckpoint): Promise<void>;
  /**
   * One run of a replay (part) at a time: WS755 (a live process here) or WS815 (a lease held
   * elsewhere) otherwise. `hints` go into the errors' arguments (the commands they name).
   */
  lock(replay: string, part?: CheckpointPart, hints?: Readonly<Record<string, string | number>>): Promise<ReplayRunLock>;
}

/** The local target's: `<home>/replays/`, a PID lock file beside each checkpoint. */
export function homeCheckpointStore(home: string): ReplayCheckpointStore {
  return {
    where: (replay, part) => checkpointPaths(home, replay, part).file,
    read: (replay, part) => readReplayCheckpoint(home, replay, part),
    write: (checkpoint) => writeReplayCheckpoint(home, checkpoint),
    async lock(replay, part) {
      const lock = await lockReplay(home, replay, part);
      // A PID lock cannot be lost while its process lives.
      return { assertHeld: () => {}, release: () => lock.release() };
    },
  };
}

/** The folder of replay checkpoints in a reservoir store. */
export const REPLAY_CHECKPOINT_FOLDER = `${STORE_META_FOLDER}/replays`;

/**
 * Beside the reservoir: `_wshed/replays/<name>.json` written with the store's atomic replace, and
 * the lock a lease (`_wshed/replays/<name>.lease`: owner and expiry, conditional writes, renewed
 * while the run lasts), so that machines sharing the reservoir share no PID space.
 */
export function reservoirCheckpointStore(store: ReservoirStore, leaseOptions: LeaseOptions = {}): ReplayCheckpointStore {
  const file = (replay: string, part?: CheckpointPart) => `${REPLAY_CHECKPOINT_FOLDER}/${checkpointBaseName(replay, part)}.json`;
  const where = (replay: string, part?: CheckpointPart) => `${store.location}/${file(replay, part)}`;
  return {
    where,
    async read(replay, part) {
      const data = await store.read(file(replay, part));
      return data === null ? null : parseReplayCheckpoint(data.toString('utf8'), where(replay, part), replay);
    },
    write: (checkpoint) => store.writeAtomic(file(checkpoint.replay, checkpoint.part), encodeReplayCheckpoint(checkpoint)),
    async lock(replay, part, hints = {}) {
      // leasePath() puts it under _wshed/: `_wshed/replays/<name>.lease`.
      const name = `replays/${checkpointBaseName(replay, part)}`;
      const attempt = await takeLease(store, name, leaseOptions);
      if (!attempt.ok) {
        const h = attempt.holder;
        throw new RuntimeError('WS815', { ...hints, replay, host: h.host, pid: h.pid, takenAt: h.takenAt, expiresAt: h.expiresAt, lease: `${store.location}/${STORE_META_FOLDER}/${name}.lease` });
      }
      const lease = attempt.lease;
      return {
        assertHeld() {
          try {
            lease.assertHeld();
          } catch (err) {
            const why = err instanceof RuntimeError ? String(err.args.why ?? err.message) : String(err);
            throw new RuntimeError('WS816', { ...hints, replay, lease: `${store.location}/${lease.path}`, checkpoint: where(replay, part), why }, { cause: err });
          }
        },
        release: () => lease.release(),
      };
    },
  };
}
