// The reservoir store on a local filesystem: staged files live in `<root>/_wshed/staging`, are
// fsynced, then hard-linked into place (atomic, and never replacing a file) and the folder fsynced.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { acquirePidLock, type LockAttempt } from '../pid-lock.ts';
import { STORE_META_FOLDER, type ReservoirStore, type StagedFile, type StoredFile, type StorePath } from './store.ts';

export class FsReservoirStore implements ReservoirStore {
  readonly location: string;
  private readonly staging: string;

  constructor(root: string) {
    this.location = path.resolve(root);
    this.staging = path.join(this.location, STORE_META_FOLDER, 'staging');
  }

  async stage(): Promise<StagedFile> {
    await fs.mkdir(this.staging, { recursive: true });
    const localPath = path.join(this.staging, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(localPath, '');
    return new FsStagedFile(localPath, (p) => this.absolute(p));
  }

  async writeAtomic(p: StorePath, data: string | Uint8Array): Promise<void> {
    const target = this.absolute(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Written aside in staging, so a crash leaves nothing that clearStaging() does not remove.
    await fs.mkdir(this.staging, { recursive: true });
    const tmp = path.join(this.staging, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
    await syncFolder(path.dirname(target));
  }

  async read(p: StorePath): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.absolute(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async exists(p: StorePath): Promise<boolean> {
    try {
      await fs.access(this.absolute(p));
      return true;
    } catch {
      return false;
    }
  }

  async *list(prefix: StorePath = ''): AsyncIterable<StoredFile> {
    const start = this.absolute(prefix);
    const pending = [start];
    while (pending.length > 0) {
      const folder = pending.pop()!;
      let entries;
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw err;
      }
      for (const entry of entries) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) pending.push(full);
        else if (entry.isFile()) {
          const stat = await fs.stat(full).catch(() => null);
          if (stat) yield { path: path.relative(this.location, full).split(path.sep).join('/'), size: stat.size };
        }
      }
    }
  }

  async remove(p: StorePath): Promise<void> {
    await fs.rm(this.absolute(p), { force: true });
  }

  async clearStaging(): Promise<void> {
    await fs.rm(this.staging, { recursive: true, force: true });
  }

  lock(name: string): Promise<LockAttempt> {
    return acquirePidLock(path.join(this.location, STORE_META_FOLDER, `${name}.lock`));
  }

  readableUrl(p: StorePath): string {
    return this.absolute(p);
  }

  private absolute(p: StorePath): string {
    const resolved = path.resolve(this.location, ...p.split('/'));
    if (resolved !== this.location && !resolved.startsWith(this.location + path.sep)) {
      throw new Error(`path '${p}' leaves the reservoir at ${this.location}`);
    }
    return resolved;
  }
}

class FsStagedFile implements StagedFile {
  private handle: FileHandle | null = null;
  private sealed = false;
  private published = false;
  bytes = 0;

  constructor(
    readonly localPath: string,
    private readonly resolve: (p: StorePath) => string,
  ) {}

  async append(data: string | Uint8Array): Promise<void> {
    if (this.sealed) throw new Error('append after seal');
    this.handle ??= await fs.open(this.localPath, 'a');
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let offset = 0; offset < buffer.byteLength; ) {
      const { bytesWritten } = await this.handle.write(buffer, offset, buffer.byteLength - offset);
      offset += bytesWritten;
    }
    this.bytes += buffer.byteLength;
  }

  async seal(): Promise<number> {
    // The content may also have been written by another writer (DuckDB) at localPath.
    const handle = this.handle ?? (await fs.open(this.localPath, 'r+'));
    this.handle = null;
    try {
      await handle.sync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
      this.sealed = true;
    }
  }

  async publish(p: StorePath): Promise<void> {
    if (!this.sealed) throw new Error('publish before seal');
    const target = this.resolve(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      // link() is atomic and refuses to replace an existing file, unlike rename().
      await fs.link(this.localPath, target);
      await fs.rm(this.localPath, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new Error(`reservoir file ${p} already exists; refusing to replace it`);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw err;
      // Filesystems without hard links: check, then rename (we hold the reservoir's lock).
      if (await fs.access(target).then(() => true, () => false)) {
        throw new Error(`reservoir file ${p} already exists; refusing to replace it`);
      }
      await fs.rename(this.localPath, target);
    }
    await syncFolder(path.dirname(target));
    this.published = true;
  }

  async discard(): Promise<void> {
    if (this.published) return;
    if (this.handle) {
      await this.handle.close().catch(() => {});
      this.handle = null;
    }
    await fs.rm(this.localPath, { force: true });
  }
}

async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a folder; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
