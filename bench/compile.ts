// Compiler speed: compiles a generated 2,000-statement pipeline and prints the time beside
// `node -e 0` (the floor of any CLI run) measured in the same run. Not a test: machines are noisy.
//   npm run bench:compile [-- STATEMENTS]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { compile } from '../src/compiler/compile.ts';
import { validateTargetConfig } from '../src/compiler/config/validate.ts';
import { readFileSync } from 'node:fs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const statements = Number(process.argv[2] ?? 2000);
const RUNS = 5;

/** A realistic mix: per group of 4, a source stream, a destination, a reservoir and a replay. */
function generate(n: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    out.push(`stream s${i} {\n  shards 2\n  retention 48h\n  key order_id\n}`);
    out.push(`stream d${i} { shards 1 }`);
    out.push(`reservoir r${i} {\n  from stream s${i}\n  at "./.wshed/reservoir/r${i}"\n  format json\n  partition hourly\n  archive via archiver every 1h\n}`);
    out.push(
      `replay p${i} from archive+live r${i}\n  where status = 'shipped' and total > ${i} and customer.region in ('eu', 'us')\n` +
        `  since 2026-11-01T00:00:00Z until 2026-11-02\n  compact by key order_id\n  annotate <overwrite: true, reason: "rebuild">\n` +
        `  into stream d${i}\n  rate 500/s\n  limit 100000`,
    );
  }
  return out.slice(0, n).join('\n\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeProcess(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
  return median(times);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-bench-'));
const file = path.join(dir, 'big.wshed');
const text = generate(statements);
writeFileSync(file, text);

const config = validateTargetConfig('conf/local.json', JSON.parse(readFileSync(path.join(root, 'conf/local.json'), 'utf8'))).config!;
const inProcess: number[] = [];
for (let i = 0; i < RUNS + 1; i++) {
  const t0 = performance.now();
  const result = compile({ path: file, text }, { config, now: new Date() });
  const t = performance.now() - t0;
  if (!result.plan) throw new Error('the generated pipeline did not compile');
  if (i > 0) inProcess.push(t); // the first run warms up the parser (self-analysis, JIT)
}

const nodeFloor = timeProcess(['-e', '0']);
const cli = timeProcess(['bin/wshed.js', 'validate', file]);

const row = (name: string, ms: number) => `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   ${(ms / nodeFloor).toFixed(1).padStart(6)} x node -e 0`;
console.log(`compile benchmark: ${statements} statements, ${(text.length / 1024).toFixed(0)} KiB, median of ${RUNS}`);
console.log(row('node -e 0 (baseline)', nodeFloor));
console.log(row('compile() in process (warm)', median(inProcess)));
console.log(row('wshed validate big.wshed (whole CLI process)', cli));
