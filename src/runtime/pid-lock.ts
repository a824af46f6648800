// An exclusive lock held by a live process: a file created with O_EXCL holding the owner's pid.
// A lock whose owner died (SIGKILL, power loss) is stale and is taken over.

import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface PidLock {
  readonly path: string;
  release(): Promise<void>;
}

export type LockAttempt = { readonly ok: true; readonly lock: PidLock } | { readonly ok: false; readonly ownerPid: number };

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' && !isZombie(pid);
  }
  return !isZombie(pid);
}

/**
 * A process that ended but was not yet reaped (a zombie: a detached service whose new parent, in
 * a container's init, reaps late or never) still answers kill(pid, 0); it holds nothing. Linux's
 * /proc says so; elsewhere the answer is "alive", as before.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Takes the lock at `file` for this process, or reports the live process that holds it. */
export async function acquirePidLock(file: string): Promise<LockAttempt> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { ok: true, lock: { path: file, release: () => releaseIfOurs(file) } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(file);
    if (owner !== null && isProcessAlive(owner)) return { ok: false, ownerPid: owner };
    if (owner === null) {
      // Being written by its creator right now, or left empty by a crash: give the creator a moment.
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      if ((await readOwner(file)) !== null) continue;
    }
    await fs.rm(file, { force: true });
  }
  const owner = await readOwner(file);
  return { ok: false, ownerPid: owner ?? 0 };
}

async function readOwner(file: string): Promise<number | null> {
  try {
    const text = await fs.readFile(file, 'utf8');
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function releaseIfOurs(file: string): Promise<void> {
  if ((await readOwner(file)) === process.pid) await fs.rm(file, { force: true });
}
