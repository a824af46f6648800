// The reservoir store on a local filesystem: staged files live in `<root>/_wshed/staging`, are
// fsynced, then hard-linked into place (atomic, and never replacing a file) and the folder fsynced.
// Conditional writes (the lease) compare content hashes under a per-version guard file.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { STORE_META_FOLDER, type ReservoirStore, type StagedFile, type StoredFile, type StorePath, type TaggedFile } from './store.ts';
import { appendWhole } from './append-whole.ts';

/** A guard older than this was left by a process that died mid-write: it is removed. */
const STALE_GUARD_MS = 30_000;

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
    await fs.rename(await this.writeAside(data), target);
    await syncFolder(path.dirname(target));
  }

  async readHead(p: StorePath, bytes: number): Promise<Buffer | null> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.absolute(p), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
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
    // In the order of a depth-first walk, but each folder's listing and its files' sizes are asked
    // for as soon as the folder is found: one at a time, a reservoir of a few dozen folders took
    // milliseconds of round trips to the file system (a small query's largest set-up cost).
    const pending = [settled(readFolder(this.absolute(prefix)))];
    while (pending.length > 0) {
      const entries = await pending.pop()!;
      const folders: Promise<FolderEntry[]>[] = [];
      for (const entry of entries) {
        if (entry.kind === 'folder') folders.push(settled(readFolder(entry.full)));
        else {
          const size = await entry.size;
          if (size !== null) yield { path: path.relative(this.location, entry.full).split(path.sep).join('/'), size };
        }
      }
      pending.push(...folders);
    }
  }

  async remove(p: StorePath): Promise<void> {
    await fs.rm(this.absolute(p), { force: true });
  }

  async clearStaging(): Promise<void> {
    await fs.rm(this.staging, { recursive: true, force: true });
  }

  async readTagged(p: StorePath): Promise<TaggedFile | null> {
    const data = await this.read(p);
    return data ? { data, tag: contentTag(data) } : null;
  }

  async createIfAbsent(p: StorePath, data: string | Uint8Array): Promise<string | null> {
    const target = this.absolute(p);
    await fs.mkdir(path.dirname(target), { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const tmp = await this.writeAside(data);
      try {
        // link() creates the name only if it is free, with the whole content at once.
        await fs.link(tmp, target);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return null;
        // The lease holder cleared staging under us (it may, holding the lease): write it again.
        if (code !== 'ENOENT' || attempt >= 3) throw err;
      } finally {
        await fs.rm(tmp, { force: true });
      }
    }
    await syncFolder(path.dirname(target));
    return contentTag(data);
  }

  replaceIfMatch(p: StorePath, data: string | Uint8Array, tag: string): Promise<string | null> {
    return this.ifMatch(p, tag, async (target) => {
      const tmp = await this.writeAside(data);
      await fs.rename(tmp, target);
      await syncFolder(path.dirname(target));
      return contentTag(data);
    });
  }

  async removeIfMatch(p: StorePath, tag: string): Promise<boolean> {
    const done = await this.ifMatch(p, tag, async (target) => {
      await fs.rm(target, { force: true });
      return tag;
    });
    return done !== null;
  }

  /**
   * Runs `change` only if the file's content still has `tag`. Every conditional change of a
   * version first creates the guard `<file>.cas-<tag>` (O_EXCL): of two changes racing from one
   * version only one gets it, and the other then finds another tag (or the guard) and gives up.
   */
  private async ifMatch(p: StorePath, tag: string, change: (target: string) => Promise<string>): Promise<string | null> {
    const target = this.absolute(p);
    const guard = `${target}.cas-${tag}`;
    let handle: FileHandle;
    try {
      handle = await fs.open(guard, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stat = await fs.stat(guard).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > STALE_GUARD_MS) await fs.rm(guard, { force: true });
      return null;
    }
    await handle.close();
    try {
      const current = await this.read(p);
      if (!current || contentTag(current) !== tag) return null;
      return await change(target);
    } finally {
      await fs.rm(guard, { force: true });
    }
  }

  private async writeAside(data: string | Uint8Array): Promise<string> {
    // In staging, so a crash leaves nothing that clearStaging() does not remove.
    await fs.mkdir(this.staging, { recursive: true });
    const tmp = path.join(this.staging, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
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
    this.bytes += await appendWhole(this.handle, data);
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

function contentTag(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
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

/** `promise`, with its failure handled even while no one awaits it yet (a walk given up early would leave it unhandled). */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

type FolderEntry = { readonly kind: 'folder'; readonly full: string } | { readonly kind: 'file'; readonly full: string; readonly size: Promise<number | null> };

/** A folder's subfolders and files (their sizes asked for at once); none when it is gone. */
async function readFolder(folder: string): Promise<FolderEntry[]> {
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  return entries.flatMap((entry): FolderEntry[] => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return [{ kind: 'folder', full }];
    if (!entry.isFile()) return [];
    const size = fs.stat(full).then(
      (stat) => stat.size,
      () => null,
    );
    return [{ kind: 'file', full, size }];
  });
}
