// The archived files a query reads, listed once (after the live records are loaded), split by
// whether they may repeat live records, plus a bounded sample of their payloads for the views.

import { FILE_EXTENSION, partitionColumns, type PartitionScheme, type ReservoirFormat } from '../../compiler/record-layout.ts';
import { parseFileName } from '../reservoir/file-names.ts';
import type { ReservoirStore } from '../reservoir/store.ts';

const PAYLOAD_KEY = ',"payload":';

export interface SnapshotFile {
  /** The file in the store. */
  readonly path: string;
  /** What the SQL engine reads: a local path or an s3:// URL. */
  readonly url: string;
  /** Bytes, as listed. */
  readonly size: number;
  /** From the archiver's file name; null for a file named otherwise (Firehose's), which may hold anything. */
  readonly shardId: string | null;
  readonly lastSequenceNumber: bigint | null;
}

export interface ArchivedFiles {
  readonly all: readonly string[];
  /** Files holding a record at or past the first live record of their shard: the only ones to de-duplicate. */
  readonly overlapping: readonly string[];
  /** Every other file: records the live table cannot hold, so no de-duplication is needed. */
  readonly settled: readonly string[];
}

/**
 * The files the reservoir's glob (`dt=*` [`/hour=*`] `/*.<format>`) matches, oldest partition
 * first: never a quarantined file, bookkeeping under `_wshed/`, or an unfinished `*.tmp`.
 */
export async function listArchivedFiles(store: ReservoirStore, format: ReservoirFormat, partition: PartitionScheme): Promise<SnapshotFile[]> {
  const levels = partitionColumns(partition);
  const files: { path: string; file: SnapshotFile }[] = [];
  for await (const stored of store.list()) {
    if (!stored.path.endsWith(`.${FILE_EXTENSION[format]}`)) continue;
    const segments = stored.path.split('/');
    if (segments.length !== levels.length + 1 || !levels.every((level, i) => segments[i].startsWith(`${level}=`))) continue;
    const range = parseFileName(stored.path);
    files.push({
      path: stored.path,
      file: {
        path: stored.path,
        url: store.readableUrl(stored.path),
        size: stored.size,
        shardId: range?.shardId ?? null,
        lastSequenceNumber: range ? BigInt(range.lastSequenceNumber) : null,
      },
    });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => f.file);
}

/**
 * Live records start right after the checkpoint, so only files reaching a shard's first live
 * sequence number (committed after the checkpoint was read, or a commit still settling) can
 * hold one of them; file names say each file's shard and last sequence number.
 */
export function splitByOverlap(files: readonly SnapshotFile[], firstLive: ReadonlyMap<string, bigint>): ArchivedFiles {
  const overlapping: string[] = [];
  const settled: string[] = [];
  for (const f of files) {
    // A file whose name says nothing of its records may repeat any live record.
    const first = f.shardId === null ? undefined : firstLive.get(f.shardId);
    const overlaps = f.lastSequenceNumber === null ? firstLive.size > 0 : first !== undefined && f.lastSequenceNumber >= first;
    (overlaps ? overlapping : settled).push(f.url);
  }
  return { all: files.map((f) => f.url), overlapping, settled };
}

export interface SampleLimits {
  /** Files read, spread evenly from the oldest to the newest (default 32, as DuckDB's sampling). */
  readonly files?: number;
  /** Bytes read from the start of each file (default 32 KiB: about a hundred records or more). */
  readonly bytesPerFile?: number;
}

/**
 * Payloads from the first lines of files spread over the whole reservoir, so keys added later
 * in the stream's life are seen too. Costs a few milliseconds whatever the reservoir's size: each
 * file's head is read through the store (a ranged GET on S3). Only NDJSON files can be read in part
 * (the caller samples Parquet through SQL).
 */
export async function samplePayloads(store: ReservoirStore, files: readonly Pick<SnapshotFile, 'path'>[], limits: SampleLimits = {}): Promise<unknown[]> {
  const count = Math.min(files.length, limits.files ?? 32);
  const bytes = limits.bytesPerFile ?? 32 * 1024;
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(count === 1 ? files.length - 1 : Math.round((i * (files.length - 1)) / (count - 1)));
  // Read together: the heads are small and the time is mostly waiting on each file.
  const heads = await Promise.all([...picked].map((i) => headLines(store, files[i].path, bytes)));
  const payloads: unknown[] = [];
  for (const lines of heads) {
    for (const line of lines) {
      // The archiver writes `payload` last (record-encoding.ts) and the metadata before it cannot
      // hold `,"payload":` outside a string, so parsing the payload alone halves the work.
      const at = line.indexOf(PAYLOAD_KEY);
      try {
        payloads.push(at >= 0 && line.endsWith('}') ? JSON.parse(line.slice(at + PAYLOAD_KEY.length, -1)) : (JSON.parse(line) as { payload?: unknown }).payload);
      } catch {
        // A damaged line: the sample does without it.
      }
    }
  }
  return payloads;
}

/** The complete lines within the first `bytes` of a file (one line at least, up to 1 MiB, when lines are long). */
async function headLines(store: ReservoirStore, file: string, bytes: number): Promise<string[]> {
  for (let size = bytes; ; size *= 4) {
    const head = await store.readHead(file, size);
    if (!head) return [];
    const text = head.toString('utf8');
    const end = head.length < size ? text.length : text.lastIndexOf('\n');
    if (end >= 0 || size >= 1024 * 1024) return text.slice(0, Math.max(end, 0)).split('\n').filter((l) => l !== '');
  }
}
