// `npm test`'s runner, so that `npm ci` then `npm test` is honest on a fresh machine:
// 1. builds dist/ (node scripts/build.mjs): the CLI tests run the bundle dist/wshed.mjs, the
//    installed CLI, and the page's tests the built page — never a stale build;
// 2. when a chosen test drives chromium (imports playwright-core), makes sure Debian's chromium is
//    there (scripts/ensure-chromium.sh: installs it as root, else says in one line how);
// 3. runs the chosen test files with uvu (in one node process with tsx) and ends with the one
//    summary line CI reads: "N passed, N failed" (uvu prints its totals on separate lines).
// `node --import tsx test/run.ts 'PATTERN'` runs only the files whose path under test/ matches.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pattern = process.argv[2] ?? '\\.test\\.ts$';

function fail(line: string): never {
  console.log(`\n${line}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

/** The test files uvu will run: paths under test/ that match the pattern (as uvu matches them). */
function chosenFiles(): string[] {
  const re = new RegExp(pattern);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (re.test(path.relative(path.join(root, 'test'), full))) out.push(full);
    }
  };
  walk(path.join(root, 'test'));
  return out;
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail('building dist/ failed (node scripts/build.mjs); no test was run');

if (chosenFiles().some((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes("from 'playwright-core'"))) {
  const chromium = spawnSync('bash', [path.join(root, 'scripts/ensure-chromium.sh')], { cwd: root, stdio: 'inherit' });
  if (chromium.status !== 0) fail('the browser test needs chromium (see the line above); no test was run');
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), 'test', pattern, '--no-color'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
);

let out = '';
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  out += chunk.toString('utf8');
});
child.on('close', (code) => {
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(passed)) fail('test runner ended without totals (a test file failed to load?)');
  const failed = total - passed;
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
