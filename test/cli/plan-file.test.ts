// `wshed plan` as users read and apply it, through the real CLI: a summary by default (SQL with
// --sql), the live state of the local service (real port, shard drift as ~), and a plan saved with
// --out that `wshed run` applies as saved, refusing any JSON that is not a saved plan.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch, WSHED_BUNDLE } from './helpers.ts';

const scratch = new Scratch();
const write = (name: string, text: string) => writeFileSync(path.join(scratch.dir, name), text);
const read = (name: string) => readFileSync(path.join(scratch.dir, name), 'utf8');

write('one.wshed', 'stream orders { shards 1 }\n');
write(
  'p.wshed',
  `stream orders { shards 3 }
stream audit { shards 1 }
reservoir orders_archive { from stream orders at "./reservoir/orders" }
query totals """SELECT count(*) AS n FROM orders_archive"""
`,
);

test.after(() => scratch.dispose());

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r;
};
const closing = (text: string) => text.split('\n').find((l) => l.startsWith('Plan: '));
const streamsOf = () => (JSON.parse(scratch.wshed(['local', 'status', '--json']).stdout) as { streams: string[] }).streams;

test('by default the plan is a summary: key attributes, no SQL, and a closing count', () => {
  const { stdout } = ok(['plan', 'p.wshed']);
  assert.not.match(stdout, /SELECT|read_json|WITH\s*$/m);
  assert.match(stdout, /\n  \+ stream\.orders\n      shards    = 3\n/);
  assert.match(stdout, /views = orders_archive, orders_archive_archived, orders_archive_live/);
  assert.match(stdout.split('\n')[1], /^Live state read from the watershed home \S+\. The local Kinesis service is not running: its streams are not known, so \+ means create when absent there\.$/);
  assert.is(closing(stdout), 'Plan: 4 to create, 1 to run, 2 to read.');
  assert.ok(stdout.endsWith('The SQL of each step: wshed plan p.wshed --sql\n'));
});

test('--sql (or --verbose) adds the SQL; --json stays the complete plan', () => {
  for (const flag of ['--sql', '--verbose']) assert.match(ok(['plan', 'p.wshed', flag]).stdout, /sql \(duckdb\):\n\s+SELECT count\(\*\) AS n FROM orders_archive/);
  const plan = JSON.parse(ok(['plan', 'p.wshed', '--json']).stdout) as { version: number; steps: { kind: string; sql?: { duckdb: string } }[] };
  assert.is(plan.version, 1);
  assert.ok(plan.steps.find((s) => s.kind === 'query')?.sql?.duckdb.includes('SELECT count(*)'));
});

test('with the service running, the plan shows the real port, what exists, and a shard drift as ~', () => {
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json']).stdout) as { port: number };
  ok(['run', 'one.wshed']);
  const { stdout } = ok(['plan', 'p.wshed']);
  assert.match(stdout, new RegExp(`Live state read from the local Kinesis service on 127\\.0\\.0\\.1:${started.port}\\.`));
  assert.match(stdout, new RegExp(`\\n  = service\\.local: unchanged \\(running on 127\\.0\\.0\\.1:${started.port}, pid \\d+\\)\\n`));
  assert.match(stdout, /\n  ~ stream\.orders  \(run reshards it\)\n    ~ shards    = 1 → 3\n/);
  assert.match(stdout, /\n  \+ stream\.audit\n/);
  assert.is(closing(stdout), 'Plan: 2 to create, 1 to change, 1 to run, 2 to read, 1 unchanged.');
  assert.not.match(ok(['plan', 'p.wshed', '--offline']).stdout, /Live state read/);
});

test('plan --out saves a plan that run applies as saved, and a changed pipeline is noted', () => {
  const r = ok(['plan', 'p.wshed', '--out', 'saved.json']);
  assert.match(r.stderr, /apply it as saved with: wshed run saved\.json/);
  const saved = JSON.parse(read('saved.json')) as { format: string; version: number; plan: { pipeline: string } };
  mkdirSync(path.join(scratch.dir, 'reservoir'), { recursive: true });
  assert.is(saved.format, 'wshed-saved-plan');
  assert.is(saved.version, 1);
  assert.is(saved.plan.pipeline, 'p.wshed');
  // Run from another folder, its relative paths would land elsewhere: refused, with the way out.
  const elsewhere = spawnSync(process.execPath, [WSHED_BUNDLE, 'run', path.join(scratch.dir, 'saved.json')], {
    cwd: path.join(scratch.dir, 'reservoir'),
    encoding: 'utf8',
    env: { ...process.env, WSHED_HOME: path.join(scratch.dir, '.wshed') },
  });
  assert.is(elsewhere.status, 2, elsewhere.stderr);
  assert.match(elsewhere.stderr, /saved\.json was made in .*, and its relative paths \(reservoir folders, the home\) resolve there: run it from that folder/);
  // plan shows a saved plan too, as terraform show does.
  const shown = ok(['plan', 'saved.json']).stdout;
  assert.match(shown, /^wshed plan for p\.wshed on target 'local'/);
  assert.match(shown, /\n  \+ stream\.audit\n/);
  // --out never overwrites the pipeline, and a folder that does not exist is one line.
  for (const [out, message] of [['p.wshed', /--out p\.wshed is the pipeline file itself/], ['no/such/dir/plan.json', /cannot write the plan to no\/such\/dir\/plan\.json \(ENOENT\)/]] as const) {
    const r = scratch.wshed(['plan', 'p.wshed', '--out', out]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /);
  }
  assert.match(read('p.wshed'), /^stream orders \{ shards 3 \}/);
  // The file changes after the plan was saved: run still applies the saved plan, and says so.
  write('p.wshed', read('p.wshed').replace('stream audit { shards 1 }', 'stream audit_renamed { shards 1 }'));
  const run = ok(['run', 'saved.json']);
  assert.match(run.stderr, /p\.wshed changed since saved\.json was saved; applying the plan as saved/);
  assert.match(run.stdout, /\+ stream\.audit: created/);
  assert.ok(streamsOf().includes('audit'));
  assert.not.ok(streamsOf().includes('audit_renamed'));
  assert.ok(existsSync(path.join(scratch.dir, 'reservoir', 'orders')));
});

test('run refuses JSON that is not a saved plan, with a clear error, and changes nothing', () => {
  const before = streamsOf();
  write('plain.json', ok(['plan', 'one.wshed', '--json']).stdout.replace('"orders"', '"never_created"'));
  write('other.json', '{"hello": "world"}\n');
  write('newer.json', read('saved.json').replace('"version": 1,', '"version": 99,'));
  write('broken.json', '{"format": "wshed-saved-plan", ');
  const cases: [string, RegExp][] = [
    ['other.json', /other\.json: not a saved wshed plan: it has no "format": "wshed-saved-plan"; write one with: wshed plan FILE\.wshed --out plan\.json/],
    ['plain.json', /looks like 'wshed plan --json' output/],
    ['newer.json', /saved plan format version 99, but this wshed reads version 1/],
    ['broken.json', /broken\.json: not valid JSON/],
  ];
  for (const [file, message] of cases) {
    const r = scratch.wshed(['run', file]);
    assert.is(r.code, 2, `${file}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at |error\[WS1/); // no stack trace, not parsed as a .wshed file
  }
  write('aws.wshed', 'stream orders { shards 1 }\nreservoir orders_archive { from stream orders at "s3://my-wshed-bucket/orders" }\n');
  ok(['plan', 'aws.wshed', '--target', 'aws', '--out', 'aws.json']);
  const aws = scratch.wshed(['run', 'aws.json']);
  assert.is(aws.code, 2, aws.stderr);
  assert.match(aws.stderr, /aws\.json is a plan for target 'aws'; apply it with: wshed run aws\.json --target aws/);
  const withConf = scratch.wshed(['run', 'saved.json', '--conf', 'other.json']);
  assert.is(withConf.code, 2);
  assert.match(withConf.stderr, /carries the settings it was made with; drop --conf/);
  assert.equal(streamsOf(), before);
});

test.run();
