// Relative `at` paths mean the pipeline file's folder, whatever the working folder: through the
// real CLI, run from another folder, archive into the folder next to the file (and nothing into
// the working folder). On --target aws a local path is placed in the configured bucket with a
// warning (WS405) instead of silently.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from '../cli/helpers.ts';

const scratch = new Scratch();
test.after(() => scratch.dispose());

mkdirSync(path.join(scratch.dir, 'project'));
writeFileSync(
  path.join(scratch.dir, 'project', 'p.wshed'),
  'stream orders { shards 1 }\nreservoir lake { from stream orders at "./lake/orders" }\n',
);
writeFileSync(path.join(scratch.dir, 'orders.ndjson'), ['{"id": 1}', '{"id": 2}', '{"id": 3}'].join('\n') + '\n');

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
};

/** Every file under a folder, relative to it. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

test('the plan places a relative `at` in the file\'s folder, not the working folder', () => {
  const plan = JSON.parse(ok(['plan', 'project/p.wshed', '--json']).stdout) as { steps: { kind: string; path?: string }[] };
  const folder = plan.steps.find((s) => s.kind === 'reservoir-folder');
  assert.is(folder?.path, path.join(scratch.dir, 'project', 'lake', 'orders'));
});

test('run from another folder archives next to the pipeline file', () => {
  ok(['local', 'start', '--port', '0']);
  ok(['put', 'orders', '--file', 'orders.ndjson', '--pipeline', 'project/p.wshed']);
  const run = ok(['run', 'project/p.wshed', '--json']);
  const archive = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind?: string; records?: number }).find((l) => l.kind === 'archive');
  assert.is(archive?.records, 3);
  assert.ok(files(path.join(scratch.dir, 'project', 'lake', 'orders')).some((f) => f.endsWith('.json')), 'archived files next to the file');
  assert.not.ok(existsSync(path.join(scratch.dir, 'lake')), 'nothing in the working folder');
});

test('--target aws: a local path in the configured bucket is a warning that names it (WS405)', () => {
  const r = ok(['validate', 'project/p.wshed', '--target', 'aws']);
  assert.match(r.stderr, "project/p.wshed:2:40: warning[WS405]: reservoir 'lake' has the local location './lake/orders'; on target aws it is s3://my-wshed-bucket/lake/orders");
  assert.match(r.stderr, 'hint: to choose the place, write at "s3://BUCKET/PREFIX"');
});

test.run();
