// The live records as Drill reads them: the stream past the archive checkpoint, cut at a watermark
// by the one live reader (reservoir/live.ts), written in the record layout as a snapshot under the
// reservoir's `_wshed/live/<id>/` through its store (fs or S3). See docs/live-records.md.

import { randomBytes } from 'node:crypto';
import type { StreamService } from '../kinesis/stream-service.ts';
import { readLive, type LiveReadOptions } from '../reservoir/live.ts';
import { reservoirLine } from '../reservoir/record-encoding.ts';
import { STORE_META_FOLDER, type ReservoirStore, type StorePath } from '../reservoir/store.ts';
import type { SourceCut } from '../replay/watermark.ts';

/** Where snapshots live in a reservoir: under the store's own folder, which no view's glob reaches. */
export const LIVE_SNAPSHOT_FOLDER: StorePath = `${STORE_META_FOLDER}/live`;
/** The one file of a snapshot (a name without `_` or `.` first: Drill skips those). */
export const LIVE_SNAPSHOT_FILE = 'live.json';
/**
 * How long a query's snapshot is kept. Drill views are shared by every session of a Drill, so a
 * query may read the snapshot another query bound; any snapshot is a valid tail
 * (docs/live-records.md), but it must still exist while a query reads it. A query running longer
 * than this may fail.
 */
export const LIVE_SNAPSHOT_MAX_AGE_MS = 60 * 60_000;
/**
 * A replay reads only its own snapshot, and may stream it for hours (a rate limit): the replay
 * removes it when done, and this only clears what a crashed replay left (Kinesis' longest retention).
 */
export const REPLAY_SNAPSHOT_MAX_AGE_MS = 7 * 24 * 3600_000;

/** Whose snapshot: a query's (shared through the views, expires soon) or a replay's (its own, removed after it). */
export type SnapshotUse = 'query' | 'replay';

export interface LiveSnapshot {
  /** Sortable by time: `20261201T121000123Z-<hex>`. */
  readonly id: string;
  /** Store path of the snapshot's folder: `_wshed/live/<id>`. */
  readonly folder: StorePath;
  /** Records written; 0: no file was written at all (Drill cannot read an empty folder). */
  readonly records: number;
  /** Records skipped because their data is not JSON (the archiver quarantines them). */
  readonly skipped: number;
  /** The cut the read took, agreeing with the records written (replays record it). */
  readonly cut: SourceCut;
}

export interface SnapshotOptions extends LiveReadOptions {
  /** Default 'query'. */
  readonly use?: SnapshotUse;
  /** Time the id is made from (default now). */
  readonly now?: Date;
  /** Receives up to `sampleSize` payloads (parsed) as they are written, for the views' columns. */
  readonly sample?: unknown[];
  readonly sampleSize?: number;
}

const ID = /^(\d{8})T(\d{6})(\d{3})Z-(r?)[0-9a-f]+$/;

function snapshotId(now: Date, use: SnapshotUse): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${use === 'replay' ? 'r' : ''}${randomBytes(4).toString('hex')}`;
}

/** When a snapshot id was made and for what, or null for a name that is not a snapshot id. */
export function parseSnapshotId(id: string): { readonly madeMs: number; readonly use: SnapshotUse } | null {
  const m = ID.exec(id);
  if (!m) return null;
  const [d, t, ms] = [m[1]!, m[2]!, m[3]!];
  const madeMs = Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}.${ms}Z`);
  return { madeMs, use: m[4] === 'r' ? 'replay' : 'query' };
}

/**
 * Reads the live records (to the tip, or to `options.bound`) and writes them as one NDJSON file of
 * reservoir lines, exactly as the archiver writes them, a batch at a time (memory stays flat). The
 * file is staged and published whole, so Drill never sees half a snapshot.
 */
export async function writeLiveSnapshot(store: ReservoirStore, streams: StreamService, options: SnapshotOptions): Promise<LiveSnapshot> {
  const id = snapshotId(options.now ?? new Date(), options.use ?? 'query');
  const folder = `${LIVE_SNAPSHOT_FOLDER}/${id}`;
  const staged = await store.stage();
  let records = 0;
  let skipped = 0;
  const sampleSize = options.sampleSize ?? 2048;
  try {
    const cut = await readLive(
      streams,
      {
        ...options,
        onSkipped: (s) => {
          skipped++;
          options.onSkipped?.(s);
        },
      },
      async (batch) => {
        await staged.append(batch.map((r) => reservoirLine(r.meta, r.text)).join(''));
        records += batch.length;
        if (options.sample) for (const r of batch) if (options.sample.length < sampleSize) options.sample.push(r.value);
      },
    );
    if (records === 0) {
      await staged.discard();
      return { id, folder, records, skipped, cut };
    }
    await staged.seal();
    await staged.publish(`${folder}/${LIVE_SNAPSHOT_FILE}`);
    return { id, folder, records, skipped, cut };
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

/** Removes a snapshot's files (a no-op when already gone). */
export async function removeLiveSnapshot(store: ReservoirStore, snapshot: Pick<LiveSnapshot, 'folder'>): Promise<void> {
  for await (const f of store.list(`${snapshot.folder}/`)) await store.remove(f.path);
}

/**
 * Removes the snapshots past their age (a query's after `queryMaxAgeMs`, a replay's after
 * REPLAY_SNAPSHOT_MAX_AGE_MS): left by earlier queries, or by a crashed replay. Returns how many.
 */
export async function expireLiveSnapshots(store: ReservoirStore, nowMs: number, queryMaxAgeMs = LIVE_SNAPSHOT_MAX_AGE_MS): Promise<number> {
  const expired = new Set<string>();
  const files: StorePath[] = [];
  for await (const f of store.list(`${LIVE_SNAPSHOT_FOLDER}/`)) {
    const id = f.path.slice(LIVE_SNAPSHOT_FOLDER.length + 1).split('/')[0]!;
    const made = parseSnapshotId(id);
    if (made === null) continue;
    if (nowMs - made.madeMs > (made.use === 'replay' ? REPLAY_SNAPSHOT_MAX_AGE_MS : queryMaxAgeMs)) {
      expired.add(id);
      files.push(f.path);
    }
  }
  for (const path of files) await store.remove(path);
  return expired.size;
}
