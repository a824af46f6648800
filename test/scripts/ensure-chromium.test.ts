// scripts/ensure-chromium.sh, which `npm test` runs before the browser test: leaves a machine with
// chromium alone, installs Debian's chromium as root (apt-get update once, then install), and
// otherwise says in one line how. The machine's own chromium is never touched: CHROMIUM points at
// a path in a temp folder, and `id` and `apt-get` are stand-ins first on PATH that record their
// calls (the real apt-get would change the machine that the other tests share).

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/ensure-chromium.sh');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-chromium-script-'));
const bin = path.join(dir, 'bin');
const chromium = path.join(dir, 'usr/bin/chromium');
const calls = path.join(dir, 'apt-get.calls');

function stub(name: string, body: string): void {
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path.join(bin, name), 0o755);
}

/** Runs the script as user `uid`, with apt-get doing `apt` (shell code) after recording its arguments. */
function run(uid: number, apt = 'exit 0') {
  stub('id', `echo ${uid}`);
  stub('apt-get', `echo "$*" >> '${calls}'\n${apt}`);
  const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CHROMIUM: chromium } });
  const made = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  rmSync(calls, { force: true });
  return { code: r.status, stderr: r.stderr, calls: made };
}

const installs = `if [ "$1" = install ]; then mkdir -p '${path.dirname(chromium)}'; printf '#!/bin/sh\\n' > '${chromium}'; chmod +x '${chromium}'; fi`;

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('without chromium and not root: one line saying how to install it, nothing run', () => {
  const r = run(1000);
  assert.is(r.code, 1);
  assert.equal(r.calls, []);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /needs Debian's chromium at .*usr\/bin\/chromium; install it as root: apt-get update && apt-get install -y chromium/);
});

test('without chromium as root: apt-get update once, then install chromium', () => {
  const r = run(0, installs);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.calls, ['update -qq', 'install -y -qq chromium']);
  assert.ok(existsSync(chromium));
});

test('with chromium: nothing to do, apt-get not called', () => {
  const r = run(0, installs);
  assert.is(r.code, 0);
  assert.equal(r.calls, []);
  assert.is(r.stderr, '');
});

test('an install that fails (no network) ends with one line naming the failure and the way to install', () => {
  rmSync(path.dirname(chromium), { recursive: true, force: true });
  const r = run(0, `if [ "$1" = update ]; then echo "E: Could not resolve deb.debian.org" >&2; exit 100; fi`);
  assert.is(r.code, 1);
  assert.equal(r.calls, ['update -qq']);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 2); // "installing…", then the failure
  assert.match(lines[1], /installing chromium failed \(E: Could not resolve deb\.debian\.org\); install it as root: apt-get update && apt-get install -y chromium/);
});

test.run();
