// Job records on disk: `<home>/jobs/<jobId>.json`, one plain JSON file per job, each write atomic
// (temp file, fsync, rename, fsync the folder) so a killed service leaves every job readable; and
// the lock (`<home>/jobs.lock`) that lets one service at a time own them.

import fs from 'node:fs/promises';
import path from 'node:path';
import { acquirePidLock, isProcessAlive, type PidLock } from '../runtime/pid-lock.ts';
import { RuntimeError } from '../runtime/runtime-error.ts';
import { derive, JOB_VERSION, type Job } from './jobs.ts';

export class JobStore {
  readonly folder: string;

  constructor(readonly home: string) {
    this.folder = path.join(home, 'jobs');
  }

  /** Takes the home's job lock for this process, or fails (WS780) naming the live service that holds it. */
  async lock(): Promise<PidLock> {
    const file = path.join(this.home, 'jobs.lock');
    const attempt = await acquirePidLock(file);
    if (!attempt.ok) throw new RuntimeError('WS780', { pid: attempt.ownerPid, home: this.home, lock: file });
    return attempt.lock;
  }

  /** Fails (WS780) when a live process other than this one holds the home's job lock; takes nothing (lock() does). */
  async assertFree(): Promise<void> {
    const file = path.join(this.home, 'jobs.lock');
    const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) throw new RuntimeError('WS780', { pid, home: this.home, lock: file });
  }

  /** Every stored job in submission order (records older than `sequence` by submit time); unreadable files are reported, not fatal. */
  async loadAll(onBad: (file: string, why: string) => void = () => {}): Promise<Job[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const jobs: Job[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.folder, name);
      try {
        const job = JSON.parse(await fs.readFile(file, 'utf8')) as Job;
        if (job.version !== JOB_VERSION || typeof job.jobId !== 'string') throw new Error(`not a version ${JOB_VERSION} job record`);
        jobs.push(job);
      } catch (err) {
        onBad(file, (err as Error).message);
      }
    }
    // Records written before jobs had a sequence come first, in submit-time order, numbered below every other.
    const unnumbered = jobs.filter((j) => typeof j.sequence !== 'number').sort((a, b) => (a.submitTime < b.submitTime ? -1 : a.submitTime > b.submitTime ? 1 : a.jobId < b.jobId ? -1 : 1));
    const floor = Math.min(0, ...jobs.filter((j) => typeof j.sequence === 'number').map((j) => j.sequence)) - unnumbered.length;
    const numbered = jobs.filter((j) => typeof j.sequence === 'number');
    const all = [...unnumbered.map((j, i) => ({ ...j, sequence: floor + i, queueSequence: j.queueSequence ?? floor + i })), ...numbered];
    return all.map((j) => derive({ ...j, pumpSettings: j.pumpSettings ?? legacySettings(j), lastSuccessfulRow: j.lastSuccessfulRow ?? null })).sort((a, b) => a.sequence - b.sequence);
  }

  fileOf(jobId: string): string {
    // Ids are UUIDs we make, but never let one leave the folder.
    return path.join(this.folder, `${encodeURIComponent(jobId)}.json`);
  }

  async save(job: Job): Promise<void> {
    await fs.mkdir(this.folder, { recursive: true });
    const file = this.fileOf(job.jobId);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(job, null, 1) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    const dir = await fs.open(this.folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

function legacySettings(j: Job): Job['pumpSettings'] {
  return { queryIn: j.queryIn, streamOut: j.streamOut, hasReplayFlag: j.hasReplayFlag, hasOverwriteFlag: j.hasOverwriteFlag, ...(j.replay ? { replay: j.replay } : {}) };
}
