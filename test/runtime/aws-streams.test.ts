// Streams on the aws target, against moto's Kinesis (which has UpdateShardCount) reached through
// the SDK's standard endpoint chain only: created with the declared shards and retention, resharded
// with uniform scaling and given their retention both ways (each an update), left alone when right,
// and a stream the pipeline no longer declares kept and reported unless removal is asked for.

import { CreateStreamCommand, KinesisClient, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StreamStep } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { loadTargetConfig } from '../../src/cli/io.ts';
import { PIPELINE_TAG, reshardPath } from '../../src/runtime/aws/kinesis-streams.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { awsRuntime } from '../../src/runtime/target/aws-runtime.ts';
import type { TargetRuntime } from '../../src/runtime/target/target-runtime.ts';
import { startTestMoto, useEnvironment, type TestMoto } from './helpers/moto.ts';

let moto: TestMoto;
let runtime: TargetRuntime;
let kinesis: KinesisClient;
let restoreEnvironment: (() => void) | undefined;
const PIPELINE = { pipeline: 'pipelines/orders.wshed' };

const stream = (name: string, shards: number, retentionHours = 24): StreamStep => ({
  id: `stream.${name}`,
  kind: 'stream',
  action: 'create',
  after: [],
  name,
  shards,
  retentionHours,
  key: null,
});

test.before(async () => {
  moto = await startTestMoto();
  // By environment alone, as a user points the SDK at an endpoint; restored afterwards.
  restoreEnvironment = useEnvironment(moto.env);
  runtime = awsRuntime(loadTargetConfig('aws') as AwsTargetConfig);
  kinesis = createKinesisClient({ region: 'us-east-1' });
});

test.after(async () => {
  runtime?.provisioner.close();
  kinesis?.destroy();
  await moto?.close();
  restoreEnvironment?.();
});

async function describe(name: string) {
  const s = await runtime.streams();
  try {
    return await s.describeStream(name);
  } finally {
    s.close();
  }
}

test('reshardPath: each UpdateShardCount call at most doubles or halves', () => {
  assert.equal(reshardPath(1, 4), [2, 4]);
  assert.equal(reshardPath(2, 3), [3]);
  assert.equal(reshardPath(8, 1), [4, 2, 1]);
  assert.equal(reshardPath(5, 5), []);
});

test('an absent stream is created with the declared shards and retention, tagged with its pipeline', async () => {
  const r = await runtime.provisioner.apply(stream('orders', 2, 48), PIPELINE);
  assert.is(r.outcome, 'created');
  assert.is(r.text, 'created; 2 shards; retention 48 h');
  const d = await describe('orders');
  assert.is(d?.status, 'ACTIVE');
  assert.is(d?.openShards, 2);
  assert.is(d?.retentionHours, 48);
  const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'orders' }));
  assert.equal(tags.Tags?.find((t) => t.Key === PIPELINE_TAG)?.Value, 'orders.wshed');
});

test('a stream as declared is left unchanged', async () => {
  const r = await runtime.provisioner.apply(stream('orders', 2, 48), PIPELINE);
  assert.is(r.outcome, 'exists');
  assert.is(r.text, 'exists');
});

test('a different shard count is applied with UpdateShardCount (up past double, then down), each an update', async () => {
  const up = await runtime.provisioner.apply(stream('orders', 5, 48), PIPELINE);
  assert.is(up.outcome, 'updated');
  assert.is(up.text, 'updated; shards 2 → 5');
  assert.is((await describe('orders'))?.openShards, 5);
  const down = await runtime.provisioner.apply(stream('orders', 1, 48), PIPELINE);
  assert.is(down.text, 'updated; shards 5 → 1');
  const d = await describe('orders');
  assert.is(d?.openShards, 1);
  assert.is(d?.status, 'ACTIVE');
});

test('retention is decreased and increased, each reported as an update', async () => {
  const down = await runtime.provisioner.apply(stream('orders', 1, 24), PIPELINE);
  assert.is(down.text, 'updated; retention 48 h → 24 h');
  assert.is((await describe('orders'))?.retentionHours, 24);
  const up = await runtime.provisioner.apply(stream('orders', 1, 168), PIPELINE);
  assert.is(up.text, 'updated; retention 24 h → 168 h');
  assert.is((await describe('orders'))?.retentionHours, 168);
});

test('shards and retention change together in one update', async () => {
  const r = await runtime.provisioner.apply(stream('orders', 2, 72), PIPELINE);
  assert.is(r.text, 'updated; shards 1 → 2; retention 168 h → 72 h');
  const d = await describe('orders');
  assert.is(d?.openShards, 2);
  assert.is(d?.retentionHours, 72);
});

test('the live state shows drift for wshed plan, reading only', async () => {
  const live = await runtime.provisioner.read({ version: 1, pipeline: PIPELINE.pipeline, target: 'aws', now: new Date().toISOString(), steps: [stream('orders', 4, 72), stream('absent_one', 1)] });
  assert.equal(live.resources['stream.orders'], { kind: 'stream', exists: true, openShards: 2, retentionHours: 72, tags: { [PIPELINE_TAG]: 'orders.wshed' } });
  assert.equal(live.resources['stream.absent_one'], { kind: 'stream', exists: false });
  assert.is(await describe('absent_one'), null, 'reading created nothing');
});

test('a stream the pipeline no longer declares is kept and reported; deleted only when asked; others never', async () => {
  await runtime.provisioner.apply(stream('orders_old', 1), PIPELINE);
  await kinesis.send(new CreateStreamCommand({ StreamName: 'someone_elses', ShardCount: 1 }));
  const plan = { pipeline: './pipelines/orders.wshed', steps: [stream('orders', 2, 72)] };
  const kept = await runtime.provisioner.undeclared(plan, { remove: false });
  assert.equal(kept, [{ kind: 'stream', name: 'orders_old', outcome: 'kept' }]);
  assert.ok(await describe('orders_old'), 'still there');
  const removed = await runtime.provisioner.undeclared(plan, { remove: true });
  assert.equal(removed, [{ kind: 'stream', name: 'orders_old', outcome: 'deleted' }]);
  assert.is(await describe('orders_old'), null);
  assert.ok(await describe('someone_elses'), 'a stream the pipeline did not create is never touched');
  assert.ok(await describe('orders'), 'declared streams stay');
});

test.run();
