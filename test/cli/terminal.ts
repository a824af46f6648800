// The installed CLI in a real pseudo-terminal (util-linux `script`), as a user at a terminal runs
// it: its output as the terminal shows it, ^C typed there (the terminal turns it into SIGINT), and
// its exit code. `script` runs the command through $SHELL -c; `exec` makes node the terminal's
// foreground process itself, so ^C reaches wshed alone (dash, unlike bash, would otherwise stay in
// between and die of the SIGINT: exit 130).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBundle } from './helpers.ts';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  readonly output: string;
  /** Resolves once the output matches; fails after a generous bound (the machine is shared). */
  waitFor(re: RegExp, what: string, ms?: number): Promise<void>;
  pressCtrlC(): void;
  readonly exited: Promise<number>;
}

/** Runs `wshed ARGS` in `dir` with its home in `dir/.wshed`. */
export function inTerminal(dir: string, args: readonly string[]): Terminal {
  const command = ['exec', ...[process.execPath, ensureBundle(), ...args].map(quote)].join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: dir,
    env: { ...process.env, SHELL: '/bin/sh', WSHED_HOME: path.join(dir, '.wshed'), FORCE_COLOR: '0', COLUMNS: '160', LINES: '40', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const w of waiters.filter((w) => w.re.test(output))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    get output() {
      return output;
    },
    waitFor(re: RegExp, what: string, ms = 60_000): Promise<void> {
      if (re.test(output)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; the terminal showed:\n${output}`)), ms);
        waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    pressCtrlC: () => void child.stdin.write('\x03'),
    exited,
  };
}

/** The terminal's text without cursor controls, one line a frame. */
export function frames(output: string): string[] {
  return output
    .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '\n')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
