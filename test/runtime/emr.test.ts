// The cluster's lifecycle against a real moto server (EMR, IAM, S3): upload, launch with what the
// settings say, a second launch finding the running cluster instead of starting another, wait
// with progress, a cluster that failed, status listing by tag, terminate, and the default roles.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DescribeClusterCommand, ListBootstrapActionsCommand, ListClustersCommand } from '@aws-sdk/client-emr';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateInstanceProfileCommand, CreateRoleCommand, GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { compile } from '../../src/compiler/compile.ts';
import type { EmrClusterStep, EmrTerminateStep, Plan, UploadResourcesStep } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { closeEmrClients, createEmrClients, type EmrClients } from '../../src/runtime/aws/emr/clients.ts';
import { launchCluster, listOwnedClusters, terminateClusters, waitForCluster } from '../../src/runtime/aws/emr/cluster.ts';
import { uploadResources } from '../../src/runtime/aws/emr/upload.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { startTestMoto, type TestMoto } from './helpers/moto.ts';

let moto: TestMoto;
let clients: EmrClients;
const savedEnv = { ...process.env };

test.before(async () => {
  // moto knows AWS-managed policies (which --create-default-roles attaches) only when asked.
  process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
  moto = await startTestMoto();
  Object.assign(process.env, moto.env);
  clients = createEmrClients();
});
test.after(async () => {
  closeEmrClients(clients);
  await moto.close();
  for (const k of Object.keys(moto.env)) if (savedEnv[k] === undefined) delete process.env[k];
  Object.assign(process.env, savedEnv);
});
test.before.each(async () => {
  await moto.reset();
});

const PIPELINE = `stream orders { shards 1 }
reservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" }`;

function plan(file = 'orders.wshed', config: Partial<AwsTargetConfig> = {}): Plan {
  const base = defaultConfig('aws') as AwsTargetConfig;
  const result = compile({ path: file, text: PIPELINE }, { config: { ...base, bucket: 'acme-lake', ...config }, now: GOLDEN_NOW });
  if (!result.plan) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.plan;
}
const stepOf = <K extends Plan['steps'][number]['kind']>(p: Plan, kind: K) => p.steps.find((s) => s.kind === kind) as Extract<Plan['steps'][number], { kind: K }>;

async function defaultRoles(): Promise<void> {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [] });
  await clients.iam.send(new CreateRoleCommand({ RoleName: 'EMR_DefaultRole', AssumeRolePolicyDocument: trust }));
  await clients.iam.send(new CreateRoleCommand({ RoleName: 'EMR_EC2_DefaultRole', AssumeRolePolicyDocument: trust }));
  await clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' }));
}

test('upload puts the bootstrap script and the plugin configuration under the resources prefix', async () => {
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'acme-lake' }));
  const step = stepOf(plan(), 'upload-cluster-resources') as UploadResourcesStep;
  const urls = await uploadResources(clients, step, { 'drill-storage-plugin.json': '{"type":"file"}' });
  assert.equal(urls, ['s3://acme-lake/wshed/cluster/install-drill.sh', 's3://acme-lake/wshed/cluster/drill-storage-plugin.json']);
  const script = await clients.s3.send(new GetObjectCommand({ Bucket: 'acme-lake', Key: 'wshed/cluster/install-drill.sh' }));
  assert.is(await script.Body!.transformToString(), readFileSync('scripts/emr/install-drill.sh', 'utf8'));
});

test('launch: RunJobFlow with the settings, Drill bootstrap, kept alive, tagged; launching again reuses it', async () => {
  await defaultRoles();
  const step = stepOf(plan(), 'emr-cluster') as EmrClusterStep;
  const first = await launchCluster(clients, step);
  assert.is(first.reused, false);
  const d = (await clients.emr.send(new DescribeClusterCommand({ ClusterId: first.cluster.id }))).Cluster!;
  assert.is(d.ReleaseLabel, 'emr-7.14.0');
  assert.equal(d.Applications!.map((a) => a.Name).sort(), ['Hadoop', 'Hive', 'ZooKeeper']);
  assert.is(d.AutoTerminate, false, 'KeepJobFlowAliveWhenNoSteps');
  assert.is(d.ServiceRole, 'EMR_DefaultRole');
  assert.equal(Object.fromEntries(d.Tags!.map((t) => [t.Key, t.Value])), { 'wshed:cluster': 'wshed', 'wshed:pipeline': 'orders' });
  const boot = await clients.emr.send(new ListBootstrapActionsCommand({ ClusterId: first.cluster.id }));
  assert.is(boot.BootstrapActions![0].ScriptPath, 's3://acme-lake/wshed/cluster/install-drill.sh');
  assert.equal(boot.BootstrapActions![0].Args!.slice(0, 2), ['--version', '1.22.0']);

  const again = await launchCluster(clients, step);
  assert.is(again.reused, true);
  assert.is(again.cluster.id, first.cluster.id);
  const all = await clients.emr.send(new ListClustersCommand({}));
  assert.is(all.Clusters!.length, 1, 'no second cluster');

  // Another pipeline's cluster is its own.
  const other = await launchCluster(clients, stepOf(plan('clicks.wshed'), 'emr-cluster') as EmrClusterStep);
  assert.is(other.reused, false);
  assert.is.not(other.cluster.id, first.cluster.id);
});

test('wait reports state and elapsed time until WAITING, at the injected interval', async () => {
  await defaultRoles();
  const { cluster } = await launchCluster(clients, stepOf(plan(), 'emr-cluster') as EmrClusterStep);
  const seen: string[] = [];
  const ready = await waitForCluster(clients.emr, cluster.id, { pollMs: 5, onProgress: (state, ms) => seen.push(`${state} ${ms >= 0}`) });
  assert.is(ready.state, 'WAITING');
  assert.ok(ready.primaryDns, 'the primary node has an address');
  assert.equal(seen, ['WAITING true']);
});

test('wait on a terminated cluster fails with its state-change reason (WS831)', async () => {
  await defaultRoles();
  const { cluster } = await launchCluster(clients, stepOf(plan(), 'emr-cluster') as EmrClusterStep);
  await terminateClusters(clients.emr, { 'wshed:cluster': 'wshed' });
  try {
    await waitForCluster(clients.emr, cluster.id, { pollMs: 5, timeoutMs: 10_000 });
    assert.unreachable('waited on a terminated cluster');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS831'), String(err));
    assert.match((err as Error).message, new RegExp(`cluster ${cluster.id} is TERMINAT`));
  }
});

test('status lists clusters by tag; terminate stops the pipeline\'s cluster only', async () => {
  await defaultRoles();
  const p = plan();
  const mine = await launchCluster(clients, stepOf(p, 'emr-cluster') as EmrClusterStep);
  const theirs = await launchCluster(clients, stepOf(plan('clicks.wshed'), 'emr-cluster') as EmrClusterStep);
  const owned = await listOwnedClusters(clients.emr);
  assert.equal(owned.map((c) => c.id).sort(), [mine.cluster.id, theirs.cluster.id].sort());
  const terminate = stepOf(p, 'emr-terminate') as EmrTerminateStep;
  assert.equal(await terminateClusters(clients.emr, terminate.clusterTags), [mine.cluster.id]);
  const left = await listOwnedClusters(clients.emr, ['WAITING', 'RUNNING']);
  assert.equal(left.map((c) => c.id), [theirs.cluster.id]);
  assert.equal(await terminateClusters(clients.emr, terminate.clusterTags), [], 'a second terminate has nothing to do');
});

test('absent default roles: launch says how to create them (WS830) and launches nothing; --create-default-roles creates them', async () => {
  const step = stepOf(plan(), 'emr-cluster') as EmrClusterStep;
  try {
    await launchCluster(clients, step);
    assert.unreachable('launched without roles');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS830'), String(err));
    assert.match((err as { fix: string }).fix, 'aws emr create-default-roles');
  }
  assert.is((await clients.emr.send(new ListClustersCommand({}))).Clusters!.length, 0);
  const { reused } = await launchCluster(clients, step, { createDefaultRoles: true });
  assert.is(reused, false);
  await clients.iam.send(new GetRoleCommand({ RoleName: 'EMR_DefaultRole' }));
  const profile = await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' }));
  assert.equal(profile.InstanceProfile!.Roles!.map((r) => r.RoleName), ['EMR_EC2_DefaultRole']);
});

test.run();
