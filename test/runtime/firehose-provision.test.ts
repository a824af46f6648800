// Provisioning a Firehose reservoir against a real moto server (IAM, Lambda, Glue, Firehose):
// what the emulator then holds (delivery stream, roles and their policies, the function and its
// code, the Glue table), idempotence (a second run changes nothing, a changed buffer is an
// update), a given role, a source that cannot change, and the exact CreateDeliveryStream request.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { DescribeDeliveryStreamCommand, DeleteDeliveryStreamCommand, CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { compile } from '../../src/compiler/compile.ts';
import type { FirehoseStep } from '../../src/compiler/plan/types.ts';
import { RECORD_COLUMNS } from '../../src/compiler/record-layout.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { describeChange, type ResourceChange } from '../../src/runtime/aws/firehose/changes.ts';
import { closeFirehoseClients, createFirehoseClients, type FirehoseClients } from '../../src/runtime/aws/firehose/clients.ts';
import { lambdaPackage, zipBundle } from '../../src/runtime/aws/firehose/lambda-code.ts';
import { previewFirehose, provisionFirehose } from '../../src/runtime/aws/firehose/provision.ts';
import { firehoseStepProvisioning } from '../../src/runtime/aws/firehose/step-provisioning.ts';
import { awsProvisioner } from '../../src/runtime/aws/provisioner.ts';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { INLINE_POLICY_NAME } from '../../src/runtime/aws/iam/policies.ts';
import { parseDocument } from '../../src/runtime/aws/iam/roles.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { startTestMoto, type TestMoto } from './helpers/moto.ts';

const GOLDEN = path.resolve('test/runtime/golden');
const noPause = async () => {};
// A small stand-in bundle keeps the zip in the golden-free tests independent of the build.
const code = zipBundle(Buffer.from('export const handler = async (e) => ({ records: [] });\n'));

let moto: TestMoto;
let clients: FirehoseClients;
const savedEnv = { ...process.env };

test.before(async () => {
  moto = await startTestMoto();
  // The product reaches the emulator through the SDK's standard chain only, as a user would.
  Object.assign(process.env, moto.env);
  clients = createFirehoseClients();
});
test.after(async () => {
  closeFirehoseClients(clients);
  await moto.close();
  for (const k of Object.keys(moto.env)) if (savedEnv[k] === undefined) delete process.env[k];
  Object.assign(process.env, savedEnv);
});
test.before.each(async () => {
  await moto.reset();
});

function firehoseStep(wshed: string, config: Partial<AwsTargetConfig> = {}): FirehoseStep {
  const base = defaultConfig('aws') as AwsTargetConfig;
  const result = compile({ path: 'test.wshed', text: wshed }, { config: { ...base, bucket: 'acme-lake', ...config }, now: GOLDEN_NOW });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !result.plan) throw new Error(errors.map((d) => d.message).join('\n'));
  const step = result.plan.steps.find((s): s is FirehoseStep => s.kind === 'firehose-delivery-stream');
  if (!step) throw new Error('no firehose step');
  return step;
}

const json = (partition = 'hourly', buffer = '64MB 300s') =>
  firehoseStep(`stream orders { shards 2 }
reservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" partition ${partition} archive via firehose buffer ${buffer} }`);
const parquet = () =>
  firehoseStep(`stream clicks { shards 1 }
reservoir clicks_archive { from stream clicks at "s3://acme-lake/clicks" format parquet archive via firehose buffer 128MB 900s }`);

const actions = (changes: readonly ResourceChange[]) => changes.map((c) => `${c.action} ${c.resource} ${c.name}`);

async function rolePolicy(role: string): Promise<{ Statement: { Sid: string; Action: string[]; Resource: string[] }[] }> {
  const r = await clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: INLINE_POLICY_NAME }));
  return parseDocument(r.PolicyDocument) as never;
}

test('creates the roles, the Lambda and the delivery stream the step declares, and prints what it created', async () => {
  const step = json();
  const printed: string[] = [];
  const { changes } = await provisionFirehose(clients, step, { pause: noPause, code, onChange: (c) => printed.push(describeChange(c)) });
  assert.equal(actions(changes), [
    'create iam-role wshed-orders_archive-transform',
    'create iam-role wshed-orders_archive-delivery',
    'create lambda-function wshed-orders_archive-transform',
    'create delivery-stream wshed-orders_archive',
  ]);
  assert.equal(printed, changes.map(describeChange));
  assert.is(printed[0], '+ iam-role wshed-orders_archive-transform created');

  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-orders_archive' }))).DeliveryStreamDescription!;
  assert.is(live.DeliveryStreamType, 'KinesisStreamAsSource');
  const account = live.DeliveryStreamARN!.split(':')[4];
  const deliveryRole = `arn:aws:iam::${account}:role/wshed-orders_archive-delivery`;
  assert.equal(live.Source?.KinesisStreamSourceDescription?.KinesisStreamARN, `arn:aws:kinesis:us-east-1:${account}:stream/orders`);
  assert.is(live.Source?.KinesisStreamSourceDescription?.RoleARN, deliveryRole);
  const s3 = live.Destinations![0].ExtendedS3DestinationDescription!;
  assert.is(s3.BucketARN, 'arn:aws:s3:::acme-lake');
  assert.is(s3.RoleARN, deliveryRole);
  assert.is(s3.Prefix, 'reservoir/orders/!{partitionKeyFromLambda:area}=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/part-');
  assert.is(s3.ErrorOutputPrefix, 'reservoir/orders/_quarantine/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/');
  assert.equal(s3.BufferingHints, { SizeInMBs: 64, IntervalInSeconds: 300 });
  assert.is(s3.CompressionFormat, 'UNCOMPRESSED');
  assert.is(s3.DynamicPartitioningConfiguration?.Enabled, true);
  const fnArn = `arn:aws:lambda:us-east-1:${account}:function:wshed-orders_archive-transform`;
  assert.equal(s3.ProcessingConfiguration?.Processors?.[0].Parameters?.find((p) => p.ParameterName === 'LambdaArn')?.ParameterValue, fnArn);

  const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'wshed-orders_archive-transform' }));
  assert.equal(
    [fn.Configuration?.Runtime, fn.Configuration?.Handler, fn.Configuration?.Role, fn.Configuration?.CodeSha256],
    ['nodejs22.x', 'firehose-transform.handler', `arn:aws:iam::${account}:role/wshed-orders_archive-transform`, code.sha256],
  );
  assert.equal(fn.Configuration?.Environment?.Variables, { WSHED_STREAM: 'orders', WSHED_PARTITION: 'hourly', WSHED_FORMAT: 'json' });

  const trust = parseDocument((await clients.iam.send(new GetRoleCommand({ RoleName: 'wshed-orders_archive-delivery' }))).Role?.AssumeRolePolicyDocument) as {
    Statement: { Principal: { Service: string }; Condition: unknown }[];
  };
  assert.is(trust.Statement[0].Principal.Service, 'firehose.amazonaws.com');
  assert.equal(trust.Statement[0].Condition, { StringEquals: { 'sts:ExternalId': account } });

  // Least privilege: each statement names its one resource, never '*'.
  const delivery = await rolePolicy('wshed-orders_archive-delivery');
  assert.equal(
    delivery.Statement.map((s) => [s.Sid, s.Resource]),
    [
      ['ReadTheSourceStream', [`arn:aws:kinesis:us-east-1:${account}:stream/orders`]],
      ['ListTheBucket', ['arn:aws:s3:::acme-lake']],
      ['WriteUnderTheReservoirPrefix', ['arn:aws:s3:::acme-lake/reservoir/orders/*']],
      ['InvokeTheTransformation', [fnArn]],
    ],
  );
  assert.ok(delivery.Statement[0].Action.every((a) => a.startsWith('kinesis:') && !a.includes('Put')));
  const transform = await rolePolicy('wshed-orders_archive-transform');
  assert.equal(transform.Statement.flatMap((s) => s.Resource), [
    `arn:aws:logs:us-east-1:${account}:log-group:/aws/lambda/wshed-orders_archive-transform`,
    `arn:aws:logs:us-east-1:${account}:log-group:/aws/lambda/wshed-orders_archive-transform:log-stream:*`,
  ]);
  for (const r of [...delivery.Statement, ...transform.Statement].flatMap((s) => s.Resource)) assert.not.equal(r, '*');
});

test('a second provisioning changes nothing; a changed buffer or partitioning is an update of what differs', async () => {
  await provisionFirehose(clients, json(), { pause: noPause, code });
  const again = await provisionFirehose(clients, json(), { pause: noPause, code });
  assert.ok(again.changes.every((c) => c.action === 'unchanged'), again.changes.map(describeChange).join('\n'));

  const buffered = await provisionFirehose(clients, json('hourly', '128MB 900s'), { pause: noPause, code });
  const delivery = buffered.changes.find((c) => c.resource === 'delivery-stream')!;
  assert.is(delivery.action, 'update');
  assert.equal(delivery.details, ['buffering: "64MB 300s" → "128MB 900s"']);
  assert.ok(buffered.changes.filter((c) => c.resource !== 'delivery-stream').every((c) => c.action === 'unchanged'));
  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-orders_archive' }))).DeliveryStreamDescription!;
  assert.equal(live.Destinations![0].ExtendedS3DestinationDescription!.BufferingHints, { SizeInMBs: 128, IntervalInSeconds: 900 });

  const daily = await provisionFirehose(clients, json('daily', '128MB 900s'), { pause: noPause, code });
  assert.equal(actions(daily.changes.filter((c) => c.action !== 'unchanged')), ['update lambda-function wshed-orders_archive-transform', 'update delivery-stream wshed-orders_archive']);
  assert.ok(daily.changes.find((c) => c.resource === 'lambda-function')!.details[0].startsWith('Environment:'));

  const newCode = zipBundle(Buffer.from('export const handler = async () => ({ records: [] }); // v2\n'));
  const recoded = await provisionFirehose(clients, json('daily', '128MB 900s'), { pause: noPause, code: newCode });
  assert.equal(recoded.changes.find((c) => c.resource === 'lambda-function')!.details, ['code']);
  const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'wshed-orders_archive-transform' }));
  assert.is(fn.Configuration?.CodeSha256, newCode.sha256);
});

test('a preview (for wshed plan) says what provisioning would do and changes nothing', async () => {
  const before = await previewFirehose(clients, parquet(), { code });
  assert.equal(actions(before.changes), [
    'create iam-role wshed-clicks_archive-transform',
    'create iam-role wshed-clicks_archive-delivery',
    'create lambda-function wshed-clicks_archive-transform',
    'create glue-database wshed',
    'create glue-table wshed.clicks_archive',
    'create delivery-stream wshed-clicks_archive',
  ]);
  assert.equal((await clients.iam.send(new ListRolesCommand({}))).Roles ?? [], []);
  assert.ok(await rejectsNotFound(() => clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-clicks_archive' }))));

  await provisionFirehose(clients, parquet(), { pause: noPause, code });
  const wider = firehoseStep(`stream clicks { shards 1 }
reservoir clicks_archive { from stream clicks at "s3://acme-lake/clicks" format parquet archive via firehose buffer 100MB 900s }`);
  const preview = await previewFirehose(clients, wider, { code });
  assert.equal(preview.changes.filter((c) => c.action !== 'unchanged').map((c) => [c.name, c.details]), [['wshed-clicks_archive', ['buffering: "128MB 900s" → "100MB 900s"']]]);
  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-clicks_archive' }))).DeliveryStreamDescription!;
  assert.equal(live.Destinations![0].ExtendedS3DestinationDescription!.BufferingHints, { SizeInMBs: 128, IntervalInSeconds: 900 });
});

async function rejectsNotFound(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return false;
  } catch (err) {
    return (err as Error).name === 'ResourceNotFoundException';
  }
}

test('parquet: a Glue table of the record layout, format conversion against it, Glue read in the delivery policy', async () => {
  const { changes } = await provisionFirehose(clients, parquet(), { pause: noPause, code });
  assert.ok(actions(changes).includes('create glue-database wshed'));
  assert.ok(actions(changes).includes('create glue-table wshed.clicks_archive'));
  const table = (await clients.glue.send(new GetTableCommand({ DatabaseName: 'wshed', Name: 'clicks_archive' }))).Table!;
  assert.equal(
    table.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type]),
    RECORD_COLUMNS.map((c) => [c.name, c.type === 'integer' ? 'bigint' : 'string']),
  );
  assert.equal(table.PartitionKeys?.map((c) => c.Name), ['dt', 'hour']);
  assert.is(table.StorageDescriptor?.Location, 's3://acme-lake/clicks/');
  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-clicks_archive' }))).DeliveryStreamDescription!;
  const conversion = live.Destinations![0].ExtendedS3DestinationDescription!.DataFormatConversionConfiguration!;
  assert.is(conversion.Enabled, true);
  assert.equal([conversion.SchemaConfiguration?.DatabaseName, conversion.SchemaConfiguration?.TableName], ['wshed', 'clicks_archive']);
  assert.equal(conversion.OutputFormatConfiguration?.Serializer?.ParquetSerDe?.Compression, 'SNAPPY');
  const glue = (await rolePolicy('wshed-clicks_archive-delivery')).Statement.find((s) => s.Sid === 'ReadTheRecordLayoutTable')!;
  assert.ok(glue.Resource.every((r) => /:(catalog|database\/wshed|table\/wshed\/clicks_archive)$/.test(r)), glue.Resource.join(' '));
  const again = await provisionFirehose(clients, parquet(), { pause: noPause, code });
  assert.ok(again.changes.every((c) => c.action === 'unchanged'), again.changes.map(describeChange).join('\n'));
});

test('with firehose.roleArn set no role is created and the given role is used', async () => {
  // The user's own role, trusted by both services (docs/firehose-roles.md).
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['firehose.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }] };
  const created = await clients.iam.send(new CreateRoleCommand({ RoleName: 'team-firehose', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const roleArn = created.Role!.Arn!;
  const step = firehoseStep(`stream orders {}
reservoir r { from stream orders at "s3://acme-lake/r" archive via firehose }`, { firehose: { roleArn } });
  const { changes } = await provisionFirehose(clients, step, { pause: noPause, code });
  assert.equal(actions(changes), ['create lambda-function wshed-r-transform', 'create delivery-stream wshed-r']);
  assert.equal((await clients.iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName), ['team-firehose']);
  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wshed-r' }))).DeliveryStreamDescription!;
  assert.is(live.Destinations![0].ExtendedS3DestinationDescription!.RoleARN, roleArn);
});

test('a delivery stream of that name reading another stream is refused (WS801) and left as it is', async () => {
  const step = json();
  await provisionFirehose(clients, step, { pause: noPause, code });
  const live = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: step.name }))).DeliveryStreamDescription!;
  await clients.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: step.name }));
  const other = live.Source!.KinesisStreamSourceDescription!.KinesisStreamARN!.replace(/stream\/orders$/, 'stream/legacy');
  await clients.firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: step.name,
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: other, RoleARN: live.Source!.KinesisStreamSourceDescription!.RoleARN! },
      ExtendedS3DestinationConfiguration: { RoleARN: live.Source!.KinesisStreamSourceDescription!.RoleARN!, BucketARN: 'arn:aws:s3:::acme-lake' },
    }),
  );
  try {
    await provisionFirehose(clients, step, { pause: noPause, code });
    assert.unreachable('provisioning should refuse');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS801'), String(err));
    assert.match((err as Error).message, /reads KinesisStreamAsSource .*stream\/legacy, but the file declares .*stream\/orders/);
  }
  const after = (await clients.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: step.name }))).DeliveryStreamDescription!;
  assert.is(after.Source?.KinesisStreamSourceDescription?.KinesisStreamARN, other);
});

test('by default the function runs the built dist/lambda/firehose-transform.mjs, zipped alone', async () => {
  const built = readFileSync(path.resolve('dist/lambda/firehose-transform.mjs'));
  await provisionFirehose(clients, json(), { pause: noPause });
  const fn = await clients.lambda.send(new GetFunctionCommand({ FunctionName: 'wshed-orders_archive-transform' }));
  assert.is(fn.Configuration?.CodeSha256, zipBundle(built).sha256);
  // The package that hash names holds the bundle alone, at the handler's file name.
  const files = unzipSync(lambdaPackage().zip);
  assert.equal(Object.keys(files), ['firehose-transform.mjs']);
  assert.ok(Buffer.from(files['firehose-transform.mjs']).equals(built));
});

test('through the aws provisioner: the step outcome names what was created, then that it exists', async () => {
  const firehose = firehoseStepProvisioning({ pause: noPause, code });
  const provisioner = awsProvisioner({ kinesis: () => createKinesisClient({ region: 'us-east-1' }), s3: (region) => createS3Client({ region }), firehose });
  try {
    const first = await provisioner.apply(json(), { pipeline: 'orders.wshed' });
    assert.is(first.outcome, 'created');
    assert.is(
      first.text,
      'created iam role wshed-orders_archive-transform, iam role wshed-orders_archive-delivery, lambda function wshed-orders_archive-transform, delivery stream wshed-orders_archive',
    );
    const second = await provisioner.apply(json(), { pipeline: 'orders.wshed' });
    assert.is(second.outcome, 'exists');
    const third = await provisioner.apply(json('hourly', '100MB 300s'), { pipeline: 'orders.wshed' });
    assert.equal([third.outcome, third.text], ['updated', 'updated delivery stream wshed-orders_archive (buffering: "64MB 300s" → "100MB 300s")']);
    // No secret of the chain's credentials in what is printed or kept.
    assert.not.match(JSON.stringify([first, second, third]), moto.env.AWS_SECRET_ACCESS_KEY);
  } finally {
    firehose.close();
    provisioner.close();
  }
});

test('an unbuilt Lambda bundle is WS800 naming npm run build; a refused call is WS802 naming the resource', async () => {
  try {
    lambdaPackage('/nonexistent/firehose-transform.mjs');
    assert.unreachable('WS800 expected');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS800'), String(err));
    assert.match((err as { render(): string }).render(), /npm run build/);
  }
  // A given role that does not exist: Lambda refuses it (after the retries a new role gets), and
  // the error says which resource, with the service's own message.
  const step = firehoseStep(`stream orders {}
reservoir r { from stream orders at "s3://acme-lake/r" archive via firehose }`, { firehose: { roleArn: 'arn:aws:iam::123456789012:role/missing' } });
  let pauses = 0;
  try {
    await provisionFirehose(clients, step, { pause: async () => void pauses++, code });
    assert.unreachable('WS802 expected');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS802'), String(err));
    assert.match((err as Error).message, /^provisioning Lambda function 'wshed-r-transform' failed: InvalidParameterValueException: .*role/);
    assert.is(pauses, 9);
    assert.not.match((err as Error).message, moto.env.AWS_SECRET_ACCESS_KEY);
  }
});

for (const [name, make] of [
  ['create-delivery-stream.json', json],
  ['create-delivery-stream-parquet.json', parquet],
] as const) {
  test(`the CreateDeliveryStream request the SDK sends is the golden ${name}`, async () => {
    const sent: { target: string; body: unknown }[] = [];
    const capturing = createFirehoseClients();
    capturing.firehose.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
        const target = request.headers['x-amz-target'] ?? '';
        const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        if (target.endsWith('.CreateDeliveryStream')) sent.push({ target, body: JSON.parse(body) });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureCreateDeliveryStream' },
    );
    try {
      await provisionFirehose(capturing, make(), { pause: noPause, code });
    } finally {
      closeFirehoseClients(capturing);
    }
    assert.is(sent.length, 1);
    const actual = `${JSON.stringify(sent[0], null, 2)}\n`;
    const file = path.join(GOLDEN, name);
    // WSHED_ACCEPT=1 rewrites the golden file; read the diff before committing it.
    if (process.env.WSHED_ACCEPT === '1') writeFileSync(file, actual);
    assert.ok(existsSync(file), `missing ${path.relative(process.cwd(), file)} (run with WSHED_ACCEPT=1)`);
    assert.fixture(actual, readFileSync(file, 'utf8'));
  });
}

test.run();
