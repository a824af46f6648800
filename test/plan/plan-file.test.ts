import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import type { LiveState } from '../../src/compiler/plan/changes.ts';
import { looksLikeSavedPlan, readSavedPlan, savedPlanJson, staleResources } from '../../src/compiler/plan/plan-file.ts';
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

const live: LiveState = {
  source: 'the local service',
  resources: {
    'service.local': { kind: 'local-service', running: true, port: 4567, pid: 10 },
    'stream.orders': { kind: 'stream', exists: true, openShards: 2, retentionHours: 24 },
    'stream.orders_rebuilt': { kind: 'stream', exists: false },
  },
};
const savedLive = () => {
  const r = readSavedPlan('plan.json', savedPlanJson(plan(), localConfig(), 'x', '/work', live));
  if (!('saved' in r) || !r.saved.live) throw new Error(JSON.stringify(r));
  return r.saved.live;
};
const withResources = (resources: LiveState['resources'], unknown?: string): LiveState => ({ source: 'now', resources, ...(unknown ? { unknown } : {}) });

test('a saved plan keeps the live state it was computed against, with a sha256 fingerprint per resource', () => {
  const saved = savedLive();
  assert.equal(Object.keys(saved.fingerprints).sort(), Object.keys(live.resources).sort());
  for (const f of Object.values(saved.fingerprints)) assert.match(f, /^[0-9a-f]{64}$/);
  assert.equal(staleResources(saved, live), []);
  const offline = readSavedPlan('plan.json', savedPlanJson(plan(), localConfig(), 'x', '/work'));
  assert.ok('saved' in offline && offline.saved.live === null);
});

test('staleness: each changed resource is named with what changed; a restarted service (new port, pid) is not a change', () => {
  const saved = savedLive();
  assert.equal(staleResources(saved, withResources({ ...live.resources, 'service.local': { kind: 'local-service', running: true, port: 5000, pid: 11 } })), []);
  assert.equal(
    staleResources(
      saved,
      withResources({
        'service.local': { kind: 'local-service', running: false },
        'stream.orders': { kind: 'stream', exists: true, openShards: 4, retentionHours: 48 },
        'stream.orders_rebuilt': { kind: 'stream', exists: true, openShards: 1, retentionHours: 24 },
      }),
    ),
    ['service.local: stopped since', 'stream.orders: shards 2 → 4, retention 24h → 48h', 'stream.orders_rebuilt: created since'],
  );
  assert.equal(staleResources(saved, withResources({ 'service.local': live.resources['service.local'] }, 'streams not known')), [
    'stream.orders: can no longer be read (streams not known)',
    'stream.orders_rebuilt: can no longer be read (streams not known)',
  ]);
});

test('a damaged fingerprint is named', () => {
  const o = JSON.parse(savedPlanJson(plan(), localConfig(), 'x', '/work', live));
  o.live.fingerprints['stream.orders'] = 'abc';
  const r = readBack(o);
  assert.ok('error' in r && /the fingerprint of 'stream\.orders' is not a sha256/.test(r.error), JSON.stringify(r));
});

test.run();
