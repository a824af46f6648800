// Runs the real `wshed` command (bin/wshed.js) in a scratch folder with its own home, as a user
// would, and cleans up whatever local service it started.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/wshed.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class Scratch {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-cli-'));

  wshed(args: string[], input?: string): Run {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: this.dir,
      input,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, WSHED_HOME: path.join(this.dir, '.wshed'), FORCE_COLOR: '0' },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Stops the scratch home's service (if any) and removes the folder. */
  dispose(): void {
    this.wshed(['local', 'stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
