// Job records on disk: `<home>/jobs/<jobId>.json`, one plain JSON file per job, each write atomic
// (temp file, fsync, rename, fsync the folder) so a killed service leaves every job readable.

import fs from 'node:fs/promises';
import path from 'node:path';
import { JOB_VERSION, type Job } from './jobs.ts';

export class JobStore {
  readonly folder: string;

  constructor(home: string) {
    this.folder = path.join(home, 'jobs');
  }

  /** Every stored job, oldest submission first; unreadable files are reported, not fatal. */
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
    return jobs.sort((a, b) => (a.submitTime < b.submitTime ? -1 : a.submitTime > b.submitTime ? 1 : a.jobId < b.jobId ? -1 : 1));
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
