// Validating garbage: `wshed validate` on 1, 3 and 10 MB of token soup (golden-case words in random
// order) and of random printable bytes, beside a one-line file (the floor of any CLI run), in one
// run. Prints wall and CPU seconds, the diagnostics counted and the parser's work per token.
//   node --import tsx bench/compile-garbage.ts [MB...]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lex } from '../grammar/lexer.ts';
import { lastParseWork } from '../grammar/parser.ts';
import { checkSource } from '../src/compiler/compile.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['1', '3', '10']).map(Number);

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = path.join(root, 'test/golden/valid');
const words = readdirSync(dir)
  .filter((f) => f.endsWith('.wshed'))
  .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').match(/\S+/g) ?? []);

function soup(bytes: number): string {
  const next = random(1);
  const out: string[] = [];
  let length = 0;
  while (length < bytes) {
    const w = words[Math.floor(next() * words.length)] + (next() < 0.1 ? '\n' : ' ');
    out.push(w);
    length += w.length;
  }
  return out.join('');
}

function printable(bytes: number): string {
  const next = random(2);
  const out: string[] = [];
  for (let i = 0; i < bytes; i++) out.push(next() < 0.02 ? '\n' : String.fromCharCode(32 + Math.floor(next() * 95)));
  return out.join('');
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wshed-bench-'));
const bin = path.join(root, 'bin/wshed.js');

function cli(file: string): { wall: number; cpu: number; stderr: string } {
  const started = performance.now();
  const r = spawnSync('/bin/sh', ['-c', `command time -f '%U %S' "${process.execPath}" "${bin}" validate "${file}" 2>&1 >/dev/null`], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
  const wall = (performance.now() - started) / 1000;
  const lines = r.stdout.trimEnd().split('\n');
  const [user, sys] = (lines.pop() ?? '0 0').split(' ').map(Number);
  return { wall, cpu: user + sys, stderr: lines.join('\n') };
}

try {
  const tiny = path.join(tmp, 'tiny.wshed');
  writeFileSync(tiny, 'stream s { shards 1 }\n');
  const floor = cli(tiny);
  console.log(`floor (one-line file): wall ${floor.wall.toFixed(2)} s, cpu ${floor.cpu.toFixed(2)} s`);
  for (const mb of sizes) {
    for (const [kind, make] of [['soup', soup], ['bytes', printable]] as const) {
      const text = make(mb * 1_000_000);
      const file = path.join(tmp, `${kind}-${mb}mb.wshed`);
      writeFileSync(file, text);
      const run = cli(file);
      const more = /… and ([\d,]+) more/.exec(run.stderr)?.[1] ?? '0';
      const started = process.cpuUsage();
      checkSource({ path: file, text }, new Date());
      const used = process.cpuUsage(started);
      const work = lastParseWork();
      const tokens = lex(text).tokens.length;
      const perToken = (work.rules + work.resyncScanned + work.rewound) / tokens;
      console.log(
        `${kind} ${mb} MB: wshed validate wall ${run.wall.toFixed(2)} s, cpu ${run.cpu.toFixed(2)} s; ` +
          `compile in-process cpu ${((used.user + used.system) / 1e6).toFixed(2)} s; 50 shown + ${more} more; parser work ${perToken.toFixed(2)}/token`,
      );
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
