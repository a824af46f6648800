import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import { looksLikeSavedPlan, readSavedPlan, savedPlanJson } from '../../src/compiler/plan/plan-file.ts';
import { NOW, localConfig, model } from './fixtures.ts';

const plan = () => buildPlan(model(), localConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;
const saved = () => JSON.parse(savedPlanJson(plan(), localConfig(), 'stream orders {}\n', '/work')) as Record<string, any>;
const readBack = (o: unknown) => readSavedPlan('plan.json', JSON.stringify(o));

test('a saved plan reads back as it was written', () => {
  const r = readBack(saved());
  assert.ok('saved' in r, JSON.stringify(r));
  if ('saved' in r) {
    assert.equal(r.saved.plan, plan());
    assert.equal(r.saved.config, localConfig());
    assert.is(r.saved.cwd, '/work');
    assert.match(r.saved.pipelineSha256, /^[0-9a-f]{64}$/);
  }
});

test('only a .json file, or text that starts with {, is taken for a saved plan', () => {
  assert.ok(looksLikeSavedPlan('plan.json', ''));
  assert.ok(looksLikeSavedPlan('plan', '  {"format": 1}'));
  assert.not.ok(looksLikeSavedPlan('orders.wshed', 'stream orders {}\n'));
});

test('damage is named, with how to make a good one', () => {
  const cases: [(o: Record<string, any>) => void, RegExp][] = [
    [(o) => delete o.format, /not a saved wshed plan/],
    [(o) => (o.version = 2), /format version 2, but this wshed reads version 1/],
    [(o) => (o.plan.version = 9), /damaged \(plan version 9, expected 1\)/],
    [(o) => (o.plan.steps[1].kind = 'teleport'), /damaged \(step 2 is not a plan step\)/],
    [(o) => (o.plan.steps[1].after = ['later.step']), /waits for 'later\.step', which is not an earlier step/],
    [(o) => (o.plan.steps[2].id = o.plan.steps[1].id), /appears twice/],
    [(o) => (o.config.kinesisPort = 'x'), /target settings are damaged/],
    [(o) => (o.config.target = 'aws'), /target settings are damaged|settings are for 'aws'/],
    [(o) => delete o.cwd, /no pipelineSha256 or cwd/],
  ];
  for (const [damage, message] of cases) {
    const o = saved();
    damage(o);
    const r = readBack(o);
    assert.ok('error' in r, `accepted: ${message}`);
    if ('error' in r) {
      assert.match(r.error, message);
      assert.match(r.error, /write one with: wshed plan FILE\.wshed --out plan\.json|make it again/);
    }
  }
});

test.run();
