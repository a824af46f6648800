// `wshed plan --target aws` against the live state, through the installed CLI: kinesalite as the
// Kinesis endpoint (AWS_ENDPOINT_URL_KINESIS) and moto for S3, IAM, Lambda and Firehose, reached
// by environment alone. Streams (shards, retention), buckets and a Firehose delivery stream read
// back from the API show as ~ with live → declared values or -/+ replace; a saved plan whose live
// state changed is refused by run; an unreachable target or missing credentials is one line and
// the offline plan, marked so; --offline makes no connection at all.

import { CreateStreamCommand, IncreaseStreamRetentionPeriodCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FirehoseStep, Plan } from '../../src/compiler/plan/types.ts';
import { closeFirehoseClients, createFirehoseClients, type FirehoseClients } from '../../src/runtime/aws/firehose/clients.ts';
import { provisionFirehose } from '../../src/runtime/aws/firehose/provision.ts';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { Scratch, type Run } from './helpers.ts';

let moto: TestMoto;
let local: TestKinesis;
let kinesis: KinesisClient;
let s3: S3Client;
let firehose: FirehoseClients;
let restoreEnvironment: (() => void) | undefined;
const scratch = new Scratch();
const write = (name: string, text: string) => writeFileSync(path.join(scratch.dir, name), text);

test.before(async () => {
  moto = await startTestMoto();
  local = await startTestKinesis();
  // The spawned CLI inherits this environment: AWS reached through the SDK's chain only.
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: local.endpoint.url! });
  kinesis = createKinesisClient({ region: 'us-east-1' });
  s3 = createS3Client({ region: 'us-east-1' });
  firehose = createFirehoseClients({ region: 'us-east-1' });
});
test.after(async () => {
  scratch.dispose();
  kinesis?.destroy();
  s3?.destroy();
  if (firehose) closeFirehoseClients(firehose);
  await local?.close();
  await moto?.close();
  restoreEnvironment?.();
});

/** Runs the CLI without blocking this process, whose kinesalite must keep answering. */
const wshed = (args: string[]): Promise<Run> => scratch.start(args).done;
async function ok(args: string[]): Promise<Run> {
  const r = await wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r;
}
/** Runs the CLI with some environment changed (undefined: removed), then puts it back. */
async function wshedWith(vars: Record<string, string | undefined>, args: string[]): Promise<Run> {
  const saved = new Map(Object.keys(vars).map((k) => [k, process.env[k]] as const));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await wshed(args);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
const block = (text: string, id: string) => {
  const at = text.indexOf(` ${id}`);
  assert.ok(at >= 0, `no step ${id} in:\n${text}`);
  return text.slice(text.lastIndexOf('\n', at) + 1, text.indexOf('\n\n', at));
};
const stack = /\n\s+at /;

write('streams.wshed', 'stream orders { shards 4 retention 48h }\nstream fresh { shards 1 }\nreservoir orders_archive {\n  from stream orders\n  at "s3://my-wshed-bucket/kinesis/orders"\n  archive via archiver\n}\n');
write('firehose.wshed', 'stream clicks { shards 1 }\nreservoir clicks_fh {\n  from stream clicks\n  at "s3://my-wshed-bucket/firehose/clicks"\n  archive via firehose\n}\n');

test('streams and buckets are read back: a drift is ~ shards = 2 → 4 and ~ retention = 24h → 48h, an absent one +, an existing bucket =', async () => {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 2 }));
  await local.streams.waitForStream('orders', 'active');
  const before = (await ok(['plan', 'streams.wshed', '--target', 'aws'])).stdout;
  assert.match(before, /^Live state read from AWS \(Kinesis, S3, Firehose\)\.$/m);
  assert.is(block(before, 'stream.orders'), '  ~ stream.orders  (run reshards it; run sets the retention)\n    ~ shards    = 2 → 4\n    ~ retention = 24h → 48h');
  assert.match(before, /\n {2}\+ stream\.fresh\n/);
  assert.match(before, /\n {2}\+ reservoir\.orders_archive\n/);
  await s3.send(new CreateBucketCommand({ Bucket: 'my-wshed-bucket' }));
  const after = (await ok(['plan', 'streams.wshed', '--target', 'aws'])).stdout;
  assert.match(after, /\n {2}= reservoir\.orders_archive: unchanged \(exists\)\n/);
  assert.match(after, /\nPlan: \d+ to create, 1 to change, [^\n]*1 unchanged\.\n/);
});

test('a Firehose delivery stream is read back: as provisioned it is =, a buffer changed out of band is ~ buffer, a changed source is -/+ replace', async () => {
  const planned = JSON.parse((await ok(['plan', 'firehose.wshed', '--target', 'aws', '--json'])).stdout) as Plan;
  const step = planned.steps.find((s): s is FirehoseStep => s.kind === 'firehose-delivery-stream')!;
  assert.is(step.id, 'firehose.clicks_fh');
  const none = (await ok(['plan', 'firehose.wshed', '--target', 'aws'])).stdout;
  assert.match(block(none, 'firehose.clicks_fh'), /^ {2}\+ firehose\.clicks_fh {2}\(iam role wshed-clicks_fh-transform to create; iam role wshed-clicks_fh-delivery to create; lambda function wshed-clicks_fh-transform to create\)\n/);
  // Provisioned as run would (roles, the Lambda, the delivery stream), without waiting between polls.
  await provisionFirehose(firehose, step, { pause: async () => {} });
  const same = (await ok(['plan', 'firehose.wshed', '--target', 'aws'])).stdout;
  assert.match(same, /\n {2}= firehose\.clicks_fh: unchanged \(delivery stream, roles and function as declared\)\n/);

  const live = (await firehose.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: step.name }))).DeliveryStreamDescription!;
  await firehose.firehose.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: step.name,
      CurrentDeliveryStreamVersionId: live.VersionId!,
      DestinationId: live.Destinations![0].DestinationId!,
      ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } },
    }),
  );
  const changed = (await ok(['plan', 'firehose.wshed', '--target', 'aws'])).stdout;
  const fh = block(changed, 'firehose.clicks_fh');
  assert.match(fh, /^ {2}~ firehose\.clicks_fh\n/);
  assert.match(fh, /\n {4}~ buffer {7}= "128MB 900s" → "64MB 300s"\n/);
  assert.match(fh, /\n {6}prefix {7}= /, 'unchanged attributes keep their declared value');

  // Someone points the delivery stream at another stream: Firehose cannot change that in place.
  const role = live.Source!.KinesisStreamSourceDescription!.RoleARN!;
  const other = live.Source!.KinesisStreamSourceDescription!.KinesisStreamARN!.replace(/stream\/clicks$/, 'stream/elsewhere');
  await firehose.firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: step.name }));
  await firehose.firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: step.name,
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: other, RoleARN: role },
      ExtendedS3DestinationConfiguration: { RoleARN: role, BucketARN: 'arn:aws:s3:::my-wshed-bucket' },
    }),
  );
  const replaced = (await ok(['plan', 'firehose.wshed', '--target', 'aws'])).stdout;
  const r = block(replaced, 'firehose.clicks_fh');
  assert.match(r, /^ {2}-\/\+ firehose\.clicks_fh {2}\(Firehose cannot change a delivery stream's source in place; run refuses it \(WS801\) until the old one is deleted, after its buffer is delivered\)\n/);
  assert.match(r, /\n {4}~ source {7}= KinesisStreamAsSource arn:\S+:stream\/elsewhere → KinesisStreamAsSource arn:\S+:stream\/clicks\n/);
  assert.match(replaced, /\nPlan: [^\n]* 1 to replace,/);
});

test('run PLAN.json --target aws refuses a plan whose streams changed since it was saved, changing nothing', async () => {
  write('stale.wshed', 'stream ledger { shards 1 }\nstream never_made { shards 1 }\nreservoir ledger_archive {\n  from stream ledger\n  at "s3://my-wshed-bucket/kinesis/ledger"\n  archive via archiver\n}\n');
  await kinesis.send(new CreateStreamCommand({ StreamName: 'ledger', ShardCount: 1 }));
  await local.streams.waitForStream('ledger', 'active');
  await ok(['plan', 'stale.wshed', '--target', 'aws', '--out', 'stale.json']);
  await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'ledger', RetentionPeriodHours: 72 }));
  await local.streams.waitForStream('ledger', 'active');
  const r = await wshed(['run', 'stale.json', '--target', 'aws']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS812\]: the live state changed since stale\.json was saved: stream\.ledger: retention 24h → 72h\n/);
  assert.match(r.stderr, /nothing was changed; plan again with 'wshed plan stale\.wshed --out stale\.json'/);
  assert.not.match(r.stderr, stack);
  assert.is(r.stdout, '');
  assert.not.ok((await local.streams.listStreams()).includes('never_made'), 'nothing was created');
});

test('an unreachable endpoint is one line and the offline plan, marked so; --live-only fails in one coded line', async () => {
  const closed = await closedPort();
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`, AWS_ENDPOINT_URL_KINESIS: undefined };
  const r = await wshedWith(env, ['plan', 'streams.wshed', '--target', 'aws']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^wshed: cannot read the live state of target aws \\(connection refused at 127\\.0\\.0\\.1:${closed}\\); the plan below is the offline one \\(--offline skips reading, --live-only fails instead\\)\\n$`));
  assert.is(r.stdout.split('\n')[1], 'Live state is not known (target aws could not be read), so + means create when absent.');
  assert.match(r.stdout, /\n {2}\+ stream\.orders\n {6}shards {4}= 4\n/);
  const strict = await wshedWith(env, ['plan', 'streams.wshed', '--target', 'aws', '--live-only']);
  assert.is(strict.code, 1);
  assert.match(strict.stderr, /^wshed: error\[WS813\]: cannot read the live state of target aws \(--live-only\): connection refused at 127\.0\.0\.1:\d+\n {2}= fix: /);
  assert.not.match(strict.stderr, stack);
  assert.is(strict.stdout, '');
});

test('without credentials, a profile, an endpoint or a shared credentials file, plan says so in one line and shows the offline plan', async () => {
  const nowhere = path.join(scratch.dir, 'no-aws-files');
  const none = {
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_KINESIS: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: path.join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: path.join(nowhere, 'config'),
  };
  const r = await wshedWith(none, ['plan', 'streams.wshed', '--target', 'aws']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^wshed: cannot read the live state of target aws \(no credentials, profile or endpoint is configured for it \(AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL…\)\); the plan below is the offline one/);
  assert.is(r.stderr.split('\n').length, 2, 'one line');
  assert.match(r.stdout, /Live state is not known \(target aws could not be read\)/);
  // The shared files 'aws configure' writes are something to go on (here with the emulator's endpoint in the config file).
  mkdirSync(nowhere, { recursive: true });
  writeFileSync(path.join(nowhere, 'credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  writeFileSync(path.join(nowhere, 'config'), `[default]\nregion = us-east-1\nendpoint_url = ${moto.endpoint}\n`);
  const configured = await wshedWith(none, ['plan', 'streams.wshed', '--target', 'aws']);
  assert.is(configured.code, 0, configured.stderr);
  assert.match(configured.stdout, /^Live state read from AWS/m);
});

test('--offline makes no connection at all (an endpoint that counts connections sees none), where a live plan connects', async () => {
  const counter = await countingServer();
  try {
    const env = { AWS_ENDPOINT_URL: counter.url, AWS_ENDPOINT_URL_KINESIS: undefined };
    const offline = await wshedWith(env, ['plan', 'streams.wshed', '--target', 'aws', '--offline']);
    assert.is(offline.code, 0, offline.stderr);
    assert.is(offline.stderr, '');
    assert.match(offline.stdout, /Live state is not known offline/);
    assert.is(counter.connections(), 0);
    // The counter works: without --offline the same plan does connect (and then falls back).
    const live = await wshedWith(env, ['plan', 'streams.wshed', '--target', 'aws']);
    assert.is(live.code, 0, live.stderr);
    assert.ok(counter.connections() > 0, 'a live plan connected');
  } finally {
    await counter.close();
  }
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP endpoint that counts connections and hangs up on each. */
async function countingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, connections: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test.run();
