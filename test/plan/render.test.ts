import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import { planToJson, renderPlan } from '../../src/compiler/plan/render.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { NOW, awsConfig, localConfig, model, ordersArchive, ordersFirehose } from './fixtures.ts';

const localPlan = () => buildPlan(model(), localConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;
const awsPlan = () => buildPlan(model({ reservoirs: [ordersArchive, ordersFirehose] }), awsConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;

function countsInSummary(text: string): number[] {
  const m = /^Plan: (\d+) to create, (\d+) to run, (\d+) to read, (\d+) to destroy\.$/m.exec(text);
  assert.ok(m, 'no summary line');
  return m!.slice(1).map(Number);
}
const countsOf = (plan: Plan) => (['create', 'run', 'read', 'destroy'] as const).map((a) => plan.steps.filter((s) => s.action === a).length);

test('the summary counts match the steps, on both targets', () => {
  for (const plan of [localPlan(), awsPlan()]) {
    const text = renderPlan(plan);
    assert.equal(countsInSummary(text), countsOf(plan));
    assert.ok(text.trimEnd().split('\n').at(-1)!.startsWith('Plan: '));
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
  assert.match(text, /\n  \+ stream\.orders\n      after     = service\.local\n      shards    = 2\n      retention = 24h\n/);
  assert.is(renderPlan(awsPlan()).includes('\n  - emr.terminate\n'), true);
});

test('replay operators are listed in order, and SQL is shown for the chosen dialect', () => {
  const plan = localPlan();
  const replay = plan.steps.find((s) => s.kind === 'replay')!;
  assert.ok(replay.kind === 'replay');
  const text = renderPlan(plan);
  const block = text.slice(text.indexOf('  ~ replay.rebuild'));
  replay.operators.forEach((op, i) => assert.ok(new RegExp(`\\n        ${i + 1}\\. ${op.op}\\b`).test(block), `operator ${i + 1} ${op.op}`));
  assert.match(block, /emit into orders_rebuilt, partition key @partition_key, rate 500\/s, at most 80% of the shard budget/);
  assert.match(block, /sql \(duckdb\):/);
  const firstSqlLine = replay.sql.duckdb.split('\n').find((l) => l.trim() !== '')!;
  assert.ok(block.includes(`        ${firstSqlLine.trimEnd()}`));
  const drill = renderPlan(plan, { dialect: 'drill' });
  assert.match(drill, /sql \(drill\):/);
  assert.not.match(drill, /sql \(duckdb\):/);
});

test('rendering is deterministic and uncoloured', () => {
  const a = renderPlan(awsPlan());
  assert.is(a, renderPlan(awsPlan()));
  assert.not.match(a, /\x1b\[/);
  assert.ok(a.endsWith('.\n'));
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
