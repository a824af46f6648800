import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import type { LiveResource, LiveState } from '../../src/compiler/plan/changes.ts';
import { planToJson, renderPlan } from '../../src/compiler/plan/render.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { NOW, awsConfig, localConfig, model, ordersArchive, ordersFirehose } from './fixtures.ts';

const localPlan = () => buildPlan(model(), localConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;
const awsPlan = () => buildPlan(model({ reservoirs: [ordersArchive, ordersFirehose] }), awsConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;

/** [create, run, read, destroy] from the closing line, which names only the kinds that occur. */
function countsInSummary(text: string): number[] {
  const line = closing(text);
  assert.ok(line && /^Plan: (\d+ (to create|to change|to run|to read|to destroy|unchanged)(, |\.$))+/.test(line), `no summary line: ${line}`);
  const n = (what: string) => Number(new RegExp(`(\\d+) ${what}\\b`).exec(line!)?.[1] ?? 0);
  return [n('to create'), n('to run'), n('to read'), n('to destroy')];
}

const closing = (text: string) => text.split('\n').find((l) => l.startsWith('Plan: '));
const countsOf = (plan: Plan) => (['create', 'run', 'read', 'destroy'] as const).map((a) => plan.steps.filter((s) => s.action === a).length);

test('the summary counts match the steps, on both targets', () => {
  for (const plan of [localPlan(), awsPlan()]) {
    const text = renderPlan(plan);
    assert.equal(countsInSummary(text), countsOf(plan));
    assert.ok(text.trimEnd().split('\n').at(-2)!.startsWith('Plan: '));
  }
  assert.equal(countsInSummary(renderPlan(awsPlan())), [10, 3, 3, 1]);
});

test('the header names the target and time, and explains + offline', () => {
  const lines = renderPlan(localPlan()).split('\n');
  assert.is(lines[0], "wshed plan for pipelines/orders.wshed on target 'local' (times resolved at 2026-11-27T12:00:00.000Z)");
  assert.match(lines[1], /not known offline.*\+ means create when absent/);
});

test('each step shows its marker and id, then aligned attributes', () => {
  const text = renderPlan(localPlan());
  for (const [marker, id] of [['+', 'stream.orders'], ['~', 'archive.orders_archive'], ['=', 'views.orders_archive'], ['=', 'query.big_customers'], ['~', 'replay.rebuild']]) {
    assert.ok(text.includes(`\n  ${marker} ${id}\n`), `missing '${marker} ${id}'`);
  }
  assert.match(text, /\n  \+ stream\.orders\n      shards    = 2\n      retention = 24h\n/);
  assert.match(renderPlan(localPlan(), { sql: true }), /\n  \+ stream\.orders\n      after     = service\.local\n      shards    = 2\n      retention = 24h\n/);
  assert.is(renderPlan(awsPlan()).includes('\n  - emr.terminate\n'), true);
});

test('by default the plan is a summary: no SQL, DDL or plugin JSON, and it says how to see them', () => {
  for (const plan of [localPlan(), awsPlan()]) {
    const text = renderPlan(plan);
    assert.not.match(text, /\bSELECT\b|CREATE EXTERNAL TABLE|"workspaces"|sql \(/);
    assert.match(text, /views = orders_archive, orders_archive_archived, orders_archive_live/);
    assert.ok(text.endsWith(`The SQL of each step: wshed plan pipelines/orders.wshed --sql\n`));
    const full = renderPlan(plan, { sql: true });
    assert.match(full, /\bSELECT\b/);
    assert.not.match(full, /--sql\n$/);
  }
  assert.match(renderPlan(awsPlan(), { sql: true }), /CREATE EXTERNAL TABLE/);
});

test('with live state: unchanged steps on one line as =, a shard drift as ~ shards = live → declared, the real port', () => {
  const live: LiveState = {
    source: 'the local service on 127.0.0.1:40123',
    resources: {
      'service.local': { kind: 'local-service', running: true, port: 40123, pid: 77 },
      'stream.orders': { kind: 'stream', exists: true, openShards: 1, retentionHours: 24 },
      'stream.orders_rebuilt': { kind: 'stream', exists: false },
      'reservoir.orders_archive': { kind: 'reservoir-folder', exists: true },
    },
  };
  const text = renderPlan(localPlan(), { live });
  assert.match(text.split('\n')[1], /^Live state read from the local service on 127\.0\.0\.1:40123\.$/);
  assert.match(text.split('\n')[2], /^Markers: \+ create, ~ update in place or run, -\/\+ replace, = unchanged or read, - destroy\.$/);
  assert.match(text, /\n  = service\.local: unchanged \(running on 127\.0\.0\.1:40123, pid 77\)\n/);
  assert.match(text, /\n  ~ stream\.orders  \(run reshards it\)\n    ~ shards    = 1 → 2\n      retention = 24h\n/);
  assert.match(text, /\n  \+ stream\.orders_rebuilt\n/);
  assert.match(text, /\n  = reservoir\.orders_archive: unchanged \(exists\)\n/);
  assert.not.match(text, /No changes/);
  assert.is(closing(text), 'Plan: 1 to create, 1 to change, 2 to run, 2 to read, 2 unchanged.');
});

test('a retention drift is a change too, and says that run sets it', () => {
  const live: LiveState = { source: 'x', resources: { 'stream.orders': { kind: 'stream', exists: true, openShards: 2, retentionHours: 48 } } };
  const text = renderPlan(localPlan(), { live });
  assert.match(text, /\n  ~ stream\.orders  \(run sets the retention\)\n      shards    = 2\n    ~ retention = 48h → 24h\n/);
  assert.match(text, /\n  \+ service\.local\n/, 'a step the provider did not read stays create-when-absent');
});

const streamsOnly = () =>
  buildPlan(model({ reservoirs: [], queries: [], replays: [], streams: [model().streams[0]] }), localConfig(), { pipeline: 'p.wshed', now: NOW }).plan;

test('when everything read is as declared the plan says No changes., with the count', () => {
  const plan = streamsOnly();
  const live: LiveState = {
    source: 'x',
    resources: Object.fromEntries(
      plan.steps.map((s) => [s.id, s.kind === 'stream' ? { kind: 'stream', exists: true, openShards: s.shards, retentionHours: s.retentionHours } : { kind: 'local-service', running: true, port: 1, pid: null }]),
    ),
  };
  const text = renderPlan(plan, { live });
  assert.match(text, /\nNo changes\. The live state matches the pipeline\.\nPlan: \d+ unchanged\.\n/);
  assert.not.match(renderPlan(plan), /No changes/, 'offline, nothing is known to be unchanged');
});

test('aws: a Firehose buffer changed in place is ~ with both values; a changed source is -/+ replace', () => {
  const plan = awsPlan();
  const firehose = plan.steps.find((s) => s.kind === 'firehose-delivery-stream')!;
  const updated: LiveState = {
    source: 'AWS',
    resources: {
      [firehose.id]: {
        kind: 'firehose-delivery-stream',
        exists: true,
        replace: null,
        parts: [
          { resource: 'iam-role', name: 'r', action: 'unchanged', details: [] },
          { resource: 'delivery-stream', name: 'd', action: 'update', details: ['buffering: "128MB 900s" → "64MB 300s"', 'role: "arn:a" → "arn:b"'] },
        ],
      },
    },
  };
  const text = renderPlan(plan, { live: updated });
  assert.match(text, new RegExp(`\\n  ~ ${firehose.id.replace('.', '\\.')}\\n[^]*?\\n    ~ buffer       = "128MB 900s" → "64MB 300s"\\n[^]*?\\n    ~ role         = "arn:a" → "arn:b"\\n`));
  const replaced: LiveState = { source: 'AWS', resources: { [firehose.id]: { kind: 'firehose-delivery-stream', exists: true, replace: { live: 'KinesisStreamAsSource arn:old', desired: 'KinesisStreamAsSource arn:new' }, parts: [] } } };
  const r = renderPlan(plan, { live: replaced });
  assert.match(r, new RegExp(`\\n  -/\\+ ${firehose.id.replace('.', '\\.')}  \\(Firehose cannot change a delivery stream's source in place; run refuses it \\(WS801\\) until the old one is deleted, after its buffer is delivered\\)\\n`));
  assert.match(r, /\n    ~ source       = KinesisStreamAsSource arn:old → KinesisStreamAsSource arn:new\n/);
  assert.match(closing(r)!, / 1 to replace,/);
});

test('aws: with every lasting resource as declared the plan says No changes., the cluster it launches and terminates each run being the run\'s work', () => {
  const plan = awsPlan();
  const resources: Record<string, LiveResource> = {};
  for (const s of plan.steps) {
    if (s.kind === 'stream') resources[s.id] = { kind: 'stream', exists: true, openShards: s.shards, retentionHours: s.retentionHours };
    if (s.kind === 's3-location') resources[s.id] = { kind: 's3-location', exists: true };
    if (s.kind === 'firehose-delivery-stream') resources[s.id] = { kind: 'firehose-delivery-stream', exists: true, replace: null, parts: [{ resource: 'delivery-stream', name: s.name, action: 'unchanged', details: [] }] };
  }
  const text = renderPlan(plan, { live: { source: 'AWS', resources } });
  assert.match(text, /\nNo changes\. The live state matches the pipeline; run only runs the data steps \(~\), and launches the cluster for them and terminates it after\.\nPlan: /);
  assert.match(text, /\n  \+ emr\.cluster\n/, 'the cluster steps are still shown');
  const missing = { ...resources, [plan.steps.find((s) => s.kind === 'stream')!.id]: { kind: 'stream' as const, exists: false as const } };
  assert.not.match(renderPlan(plan, { live: { source: 'AWS', resources: missing } }), /No changes/);
});

test('a target that could not be read is marked: the offline plan, with why', () => {
  const text = renderPlan(localPlan(), { offlineReason: 'target aws could not be read' });
  assert.is(text.split('\n')[1], 'Live state is not known (target aws could not be read), so + means create when absent.');
});

test('replay operators are listed in order, and SQL is shown for the chosen dialect', () => {
  const plan = localPlan();
  const replay = plan.steps.find((s) => s.kind === 'replay')!;
  assert.ok(replay.kind === 'replay');
  const text = renderPlan(plan, { sql: true });
  const block = text.slice(text.indexOf('  ~ replay.rebuild'));
  replay.operators.forEach((op, i) => assert.ok(new RegExp(`\\n        ${i + 1}\\. ${op.op}\\b`).test(block), `operator ${i + 1} ${op.op}`));
  assert.match(block, /emit into orders_rebuilt, partition key @partition_key, rate 500\/s, at most 80% of the shard budget/);
  assert.match(block, /sql \(duckdb\):/);
  const firstSqlLine = replay.sql.duckdb.split('\n').find((l) => l.trim() !== '')!;
  assert.ok(block.includes(`        ${firstSqlLine.trimEnd()}`));
  const drill = renderPlan(plan, { dialect: 'drill', sql: true });
  assert.match(drill, /sql \(drill\):/);
  assert.not.match(drill, /sql \(duckdb\):/);
});

test('rendering is deterministic and uncoloured', () => {
  const a = renderPlan(awsPlan());
  assert.is(a, renderPlan(awsPlan()));
  assert.not.match(a, /\x1b\[/);
  assert.ok(a.endsWith('--sql\n'));
  assert.ok(renderPlan(awsPlan(), { sql: true }).endsWith('.\n'));
});

test('planToJson: the plan as is, 2-space indent, trailing newline', () => {
  const plan = awsPlan();
  const json = planToJson(plan);
  assert.ok(json.endsWith('}\n'));
  assert.equal(JSON.parse(json), plan);
  assert.ok(json.startsWith('{\n  "version": 1,\n  "pipeline": "pipelines/orders.wshed",\n  "target": "aws",'));
  assert.not.match(json, /PRIVATE KEY/);
});

test.run();
