// A lock whose owner ended is taken over, even while the owner is a zombie nobody reaped yet: a
// detached local service killed in a container whose init reaps late still answers kill(pid, 0),
// and `wshed local start` then refused its own home ("another local Kinesis service … already uses").

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acquirePidLock, isProcessAlive } from '../../src/runtime/pid-lock.ts';

/** A real zombie: `true` ends in the background while its parent shell is replaced by `sleep`, which never reaps it. */
async function withZombie(run: (pid: number) => Promise<void>): Promise<void> {
  const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
    const state = () => (existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] : '');
    for (let i = 0; i < 500 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(state(), 'Z', `pid ${pid} became a zombie`);
    await run(pid);
  } finally {
    parent.kill('SIGKILL');
  }
}

test('a live process holds its lock; a zombie does not', async () => {
  assert.ok(isProcessAlive(process.pid));
  await withZombie(async (pid) => {
    assert.is(isProcessAlive(pid), false);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-pid-lock-'));
    try {
      const file = path.join(dir, 'service.lock');
      await fs.writeFile(file, `${pid}\n`);
      const attempt = await acquirePidLock(file);
      assert.ok(attempt.ok, 'the zombie’s lock is stale and taken over');
      if (attempt.ok) await attempt.lock.release();
      await fs.writeFile(file, `${process.pid}\n`);
      const held = await acquirePidLock(file);
      assert.equal(held, { ok: false, ownerPid: process.pid });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test.run();
