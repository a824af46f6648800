// The payload sample of a reservoir's archived files kept between queries, in this machine's
// home: reading and parsing the heads of 32 files cost more than the rest of a small query's
// set-up. Kept for the exact file list (each file's path and size): a new, removed or rewritten
// file means a new sample. One entry per reservoir, replaced as the archive grows.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PayloadSample } from './payload-structure.ts';
import type { SnapshotFile } from './reservoir-snapshot.ts';

/** Changes whenever the sample's meaning or form does, so older entries are not read as current. */
const VERSION = 1;

/**
 * The sample of `files` from `folder` when it was taken of exactly these files, else `take()`'s,
 * then kept there. The cache only saves work: an entry that cannot be read or written is ignored.
 */
export async function cachedArchiveSample(folder: string, files: readonly SnapshotFile[], take: () => Promise<PayloadSample>): Promise<PayloadSample> {
  const key = digest(JSON.stringify([VERSION, files.map((f) => [f.url, f.size])]));
  // The reservoir is told by its files' folder (every file of one reservoir shares it).
  const file = path.join(folder, `${digest(JSON.stringify([VERSION, reservoirOf(files)]))}.json`);
  try {
    const kept = JSON.parse(await fs.readFile(file, 'utf8')) as { key?: unknown; sample?: unknown };
    const sample = kept.key === key ? PayloadSample.fromData(kept.sample) : null;
    if (sample) return sample;
  } catch {
    // No entry yet, or a damaged one: take the sample.
  }
  const sample = await take();
  try {
    await fs.mkdir(folder, { recursive: true });
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temporary, JSON.stringify({ key, sample: sample.toData() }));
    await fs.rename(temporary, file);
  } catch {
    // A home that cannot be written: the next query samples again.
  }
  return sample;
}

function reservoirOf(files: readonly SnapshotFile[]): string {
  const first = files[0]?.url ?? '';
  return first.slice(0, first.length - files[0].path.length);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
