// Reservoirs in several buckets on the aws target, provisioned against a real moto server: each
// bucket is created (or checked) once, the Firehose reservoir's delivery role may write under its
// own bucket and prefix only, and the Drill plan has one file plugin per bucket.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeadBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { compile } from '../../src/compiler/compile.ts';
import type { DrillStoragePluginStep, Plan } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { zipBundle } from '../../src/runtime/aws/firehose/lambda-code.ts';
import { firehoseStepProvisioning } from '../../src/runtime/aws/firehose/step-provisioning.ts';
import { INLINE_POLICY_NAME } from '../../src/runtime/aws/iam/policies.ts';
import { parseDocument } from '../../src/runtime/aws/iam/roles.ts';
import { awsProvisioner } from '../../src/runtime/aws/provisioner.ts';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { startTestMoto, useEnvironment, type TestMoto } from './helpers/moto.ts';

const PIPELINE = `stream orders { shards 1 }
stream clicks { shards 1 }
reservoir orders_archive { from stream orders at "s3://acme-orders/kinesis/orders" }
reservoir orders_copy { from stream orders at "s3://acme-orders/copy" }
reservoir clicks_archive { from stream clicks at "s3://acme-clicks/raw/clicks" archive via firehose buffer 64MB 300s }
`;

let moto: TestMoto;
let restore: (() => void) | undefined;

test.before(async () => {
  moto = await startTestMoto();
  restore = useEnvironment(moto.env);
});
test.after(async () => {
  await moto?.close();
  restore?.();
});

function plan(): Plan {
  const config = { ...(defaultConfig('aws') as AwsTargetConfig), bucket: 'acme-resources' };
  const result = compile({ path: 'two-buckets.wshed', text: PIPELINE }, { config, now: GOLDEN_NOW });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !result.plan) throw new Error(errors.map((d) => d.message).join('\n'));
  return result.plan;
}

test('the plan: one Drill file plugin per bucket, each with its own reservoirs; views only in the configured bucket', () => {
  const plugins = plan().steps.filter((s): s is DrillStoragePluginStep => s.kind === 'drill-storage-plugin');
  const shape = plugins.map((p) => [p.id, p.name, (p.config as { connection: string }).connection, Object.keys((p.config as { workspaces: object }).workspaces)]);
  assert.equal(shape, [
    ['drill.storage-plugin', 'wshed', 's3a://acme-resources', ['wshed_views']],
    ['drill.storage-plugin.acme-orders', 'wshed_acme_orders', 's3a://acme-orders', ['orders_archive', 'orders_copy']],
    ['drill.storage-plugin.acme-clicks', 'wshed_acme_clicks', 's3a://acme-clicks', ['clicks_archive']],
  ]);
  // The Drill SQL of each reservoir reads through its own bucket's plugin.
  const views = plan().steps.filter((s) => s.kind === 'reservoir-views');
  const drillSql = (r: string) => views.find((v) => v.kind === 'reservoir-views' && v.reservoir === r)!;
  assert.match(JSON.stringify(drillSql('clicks_archive')), '`wshed_acme_clicks`.`clicks_archive`');
  assert.match(JSON.stringify(drillSql('orders_copy')), '`wshed_acme_orders`.`orders_copy`');
});

test('provisioning creates each bucket once, and the delivery role writes only under its own bucket and prefix', async () => {
  const p = plan();
  const firehose = firehoseStepProvisioning({ pause: async () => {}, code: zipBundle(Buffer.from('export const handler = async () => ({ records: [] });\n')) });
  const provisioner = awsProvisioner({ kinesis: () => createKinesisClient({ region: 'us-east-1' }), s3: (region) => createS3Client({ region }), firehose });
  const s3 = createS3Client();
  const iam = new IAMClient({});
  try {
    const outcomes: string[] = [];
    for (const step of p.steps) {
      if (step.kind !== 'stream' && step.kind !== 's3-location' && step.kind !== 'firehose-delivery-stream') continue;
      const r = await provisioner.apply(step, { pipeline: 'two-buckets.wshed' });
      if (step.kind === 's3-location') outcomes.push(`${step.reservoir}: ${r.outcome}: ${r.text}`);
    }
    assert.equal(outcomes, [
      'orders_archive: created: created bucket acme-orders (us-east-1) for s3://acme-orders/kinesis/orders',
      'orders_copy: exists: exists: s3://acme-orders/copy (bucket created above)',
      'clicks_archive: created: created bucket acme-clicks (us-east-1) for s3://acme-clicks/raw/clicks',
    ]);
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.equal((listed.Buckets ?? []).map((b) => b.Name).sort(), ['acme-clicks', 'acme-orders']);
    await s3.send(new HeadBucketCommand({ Bucket: 'acme-clicks' }));

    const policy = parseDocument(
      (await iam.send(new GetRolePolicyCommand({ RoleName: 'wshed-clicks_archive-delivery', PolicyName: INLINE_POLICY_NAME }))).PolicyDocument,
    ) as { Statement: { Sid: string; Resource: string[] }[] };
    const s3Resources = policy.Statement.filter((s) => s.Sid === 'ListTheBucket' || s.Sid === 'WriteUnderTheReservoirPrefix').flatMap((s) => s.Resource);
    assert.equal(s3Resources, ['arn:aws:s3:::acme-clicks', 'arn:aws:s3:::acme-clicks/raw/clicks/*']);
    assert.not.match(JSON.stringify(policy), 'acme-orders');
    assert.not.match(JSON.stringify(policy), 'acme-resources');

    // A second provisioner (a second run) checks each bucket once again and creates nothing.
    const again = awsProvisioner({ kinesis: () => createKinesisClient({ region: 'us-east-1' }), s3: (region) => createS3Client({ region }) });
    try {
      const second: string[] = [];
      for (const step of p.steps) if (step.kind === 's3-location') second.push((await again.apply(step, { pipeline: 'two-buckets.wshed' })).outcome);
      assert.equal(second, ['exists', 'exists', 'exists']);
    } finally {
      again.close();
    }
  } finally {
    firehose.close();
    provisioner.close();
    s3.destroy();
    iam.destroy();
  }
});

test.run();
