// `wshed serve` as a user runs it: the installed CLI (dist/wshed.mjs) in a child process with its own home, waited on
// until it prints the address it serves, stopped with a real signal. Shared by the job tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { ensureBundle } from '../cli/helpers.ts';

// The installed CLI (dist/wshed.mjs), rebuilt first when a source is newer.
const BIN = ensureBundle();

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ServeProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `wshed serve ARGS` in `cwd` with WSHED_HOME `home`; resolves once it serves, or with its exit when it refuses to. */
  static async start(cwd: string, home: string, args: string[], timeoutMs = 60_000): Promise<{ serve: ServeProcess; url: string | null }> {
    const env: NodeJS.ProcessEnv = { ...process.env, WSHED_HOME: home, FORCE_COLOR: '0' };
    delete env.WSHED_TOKEN;
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const serve = new ServeProcess(child);
    const url = await new Promise<string | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wshed serve did not start in ${timeoutMs} ms:\n${serve.stderr}`)), timeoutMs);
      const check = () => {
        const m = /on (http:\/\/\S+) \(stop with/.exec(serve.stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', check);
      void serve.exited.then(() => {
        clearTimeout(timer);
        resolve(null);
      });
    });
    return { serve, url };
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends `signal` and waits for the process to end (rejects when it outlives `timeoutMs`; then it is killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<Exit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`wshed serve was still running ${timeoutMs} ms after ${signal}:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function call(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + route, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** Polls `check` until it holds (25 ms apart), failing after a generous bound. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
