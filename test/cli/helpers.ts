// Runs the installed `wshed` command — the bundle dist/wshed.mjs that `npm ci` builds — in a
// scratch folder with its own home, as a user would, and cleans up whatever local service it
// started. The bundle is rebuilt first when a source is newer (test/run.ts builds it anyway), so
// the tests never run a stale CLI, and never the TypeScript sources.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The installed CLI: what `bin/wshed.js` runs after `npm ci`. */
export const WSHED_BUNDLE = path.join(ROOT, 'dist/wshed.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.(ts|html|css)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

let checked = false;

/** Builds dist/ (CLI bundle and web page) when it is missing or older than a source; once per process. */
export function ensureBundle(): string {
  if (checked) return WSHED_BUNDLE;
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), newestSource(path.join(ROOT, 'grammar')));
  if (!existsSync(WSHED_BUNDLE) || statSync(WSHED_BUNDLE).mtimeMs < sources) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the CLI bundle failed (node scripts/build.mjs):\n${r.stderr}`);
  }
  checked = true;
  return WSHED_BUNDLE;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `wshed` started in the background; `done` resolves when it exits. */
export interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<Run>;
}

export class Scratch {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-cli-'));

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, WSHED_HOME: path.join(this.dir, '.wshed'), FORCE_COLOR: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  }

  /** `input` goes to standard input: text as UTF-8, or bytes as they are. */
  wshed(args: string[], input?: string | Buffer): Run {
    const r = spawnSync(process.execPath, [ensureBundle(), ...args], {
      cwd: this.dir,
      input,
      encoding: 'utf8',
      timeout: 60_000,
      // Some commands print megabytes (a long query result).
      maxBuffer: 256 * 1024 * 1024,
      env: this.env(),
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts `wshed ARGS` without waiting for it (to act while it runs). */
  start(args: string[]): Started {
    const child = spawn(process.execPath, [ensureBundle(), ...args], { cwd: this.dir, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr })));
    return { child, done };
  }

  /** Stops the scratch home's service (if any) and removes the folder. */
  dispose(): void {
    this.wshed(['local', 'stop']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
