// `wshed fmt --check` through the real CLI: it changes nothing, prints the unified diff it would
// apply (which `patch` accepts), and exits 1; a formatted file gives no output and exit 0.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
const at = (name: string) => path.join(scratch.dir, name);
test.after(() => scratch.dispose());

const MESSY = `# orders
stream   orders {shards 2
  retention 48h }
stream orders_rebuilt { shards 1 }

reservoir orders_archive { from stream orders  at "./r" }
`;

test('fmt --check prints the diff it would apply, changes nothing, and exits 1', () => {
  writeFileSync(at('messy.wshed'), MESSY);
  const r = scratch.wshed(['fmt', '--check', 'messy.wshed']);
  assert.is(r.code, 1, r.stderr);
  assert.is(readFileSync(at('messy.wshed'), 'utf8'), MESSY, 'the file is unchanged');
  const lines = r.stdout.split('\n');
  assert.is(lines[0], '--- a/messy.wshed');
  assert.is(lines[1], '+++ b/messy.wshed');
  assert.match(lines[2], /^@@ -\d+,\d+ \+\d+,\d+ @@$/);
  assert.ok(lines.includes('-stream   orders {shards 2'), r.stdout);
  assert.ok(lines.some((l) => /^\+stream orders \{/.test(l)), r.stdout);
  assert.ok(lines.includes(' stream orders_rebuilt { shards 1 }') || lines.includes('-stream orders_rebuilt { shards 1 }'), r.stdout);
  assert.match(r.stderr, /^1 file not formatted \(the diff above is what 'wshed fmt messy\.wshed' would change\)\n$/);

  // The diff is a real one: applied with patch it gives what fmt writes.
  writeFileSync(at('messy.diff'), r.stdout);
  const patch = spawnSync('patch', ['-p1', '-s', '-i', 'messy.diff'], { cwd: scratch.dir, encoding: 'utf8' });
  assert.is(patch.status, 0, patch.stderr);
  const patched = readFileSync(at('messy.wshed'), 'utf8');
  writeFileSync(at('messy.wshed'), MESSY);
  assert.is(scratch.wshed(['fmt', 'messy.wshed']).code, 0);
  assert.is(patched, readFileSync(at('messy.wshed'), 'utf8'));
});

test('a formatted file: no output, exit 0', () => {
  const r = scratch.wshed(['fmt', '--check', 'messy.wshed']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.is(r.stderr, '');
});

test('a file with errors is left alone and exits 2', () => {
  writeFileSync(at('bad.wshed'), 'stream orders { shard 2 }\n');
  const r = scratch.wshed(['fmt', '--check', 'bad.wshed']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /error\[WS106\]/);
  assert.is(r.stdout, '');
});

test.run();
