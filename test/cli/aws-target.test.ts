// The aws target through the installed CLI, against moto (Kinesis and S3) reached by environment
// alone: `wshed plan --target aws` reads the streams' live state and shows drift, `put` and `tail`
// use AWS Kinesis, and `wshed run --target aws` stops at the first failing step in one coded line
// (the whole run against moto, SSH and Drill: test/cli/run-aws-cluster.test.ts).

import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { Scratch } from './helpers.ts';

let moto: TestMoto;
let kinesis: KinesisClient;
const scratch = new Scratch();
let restoreEnvironment: (() => void) | undefined;

test.before(async () => {
  moto = await startTestMoto();
  // The spawned CLI inherits this environment; restored afterwards for the other test files.
  restoreEnvironment = useEnvironment(moto.env);
  kinesis = createKinesisClient({ region: 'us-east-1' });
  writeFileSync(
    path.join(scratch.dir, 'orders.wshed'),
    'stream orders { shards 3 retention 48h }\nstream fresh { shards 1 }\nreservoir orders_archive {\n  from stream orders\n  at "s3://my-wshed-bucket/kinesis/orders"\n  archive via archiver\n}\n',
  );
});

test.after(async () => {
  scratch.dispose();
  kinesis?.destroy();
  await moto?.close();
  restoreEnvironment?.();
});

const exists = (name: string) =>
  kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })).then(
    () => true,
    () => false,
  );

test('wshed run --target aws stops at the first step that fails, in one coded line; what it did before stays and is reported', async () => {
  // Without EMR's default roles the launch cannot go on: the streams and the bucket before it are made.
  writeFileSync(path.join(scratch.dir, 'early.wshed'), 'stream early { shards 1 }\nreservoir early_archive {\n  from stream early\n  at "s3://early-lake/kinesis/early"\n}\n');
  const r = scratch.wshed(['run', 'early.wshed', '--target', 'aws']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /^\+ stream\.early: created/m);
  assert.match(r.stdout, /^\+ reservoir\.early_archive: created/m);
  // The resources bucket (conf's `bucket`) holds no reservoir here: the upload makes it.
  assert.match(r.stdout, /^\+ upload\.cluster-resources: created bucket my-wshed-bucket; uploaded s3:\/\/my-wshed-bucket\/wshed\/cluster\/install-drill\.sh/m);
  assert.match(r.stderr, /^wshed: error\[WS830\]: the cluster's .*'EMR_DefaultRole' does not exist in this account/m);
  assert.match(r.stderr, /--create-default-roles/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.not.match(r.stderr, /the run failed: terminating/, 'no cluster was launched, so none is terminated');
  assert.is(await exists('early'), true);
});

test('wshed plan --target aws reads what Kinesis holds: a missing stream is created, a shard drift is a change that run reshards', async () => {
  await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 2 }));
  const r = scratch.wshed(['plan', 'orders.wshed', '--target', 'aws']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Live state read from AWS \(Kinesis, S3, Firehose\)\.$/m);
  assert.match(r.stdout, /^ {2}~ stream\.orders {2}\(run reshards it; run sets the retention\)\n {4}~ shards {4}= 2 → 3\n {4}~ retention = 24h → 48h$/m);
  assert.match(r.stdout, /^ {2}\+ stream\.fresh$/m);
  assert.is(await exists('fresh'), false, 'plan reads only');
  const offline = scratch.wshed(['plan', 'orders.wshed', '--target', 'aws', '--offline']);
  assert.match(offline.stdout, /Live state is not known offline/);
});

test('put and tail --target aws write and read AWS Kinesis; put --pipeline creates the declared stream there', () => {
  const put = scratch.wshed(['put', 'fresh', '--target', 'aws', '--pipeline', 'orders.wshed'], '{"n":1}\n{"n":2}\n{"n":3}\n');
  assert.is(put.code, 0, put.stderr);
  assert.match(put.stdout, /put 3 records into fresh/);
  const tail = scratch.wshed(['tail', 'fresh', '--target', 'aws', '--from', 'trim-horizon', '--limit', '3']);
  assert.is(tail.code, 0, tail.stderr);
  assert.equal(tail.stdout.trim().split('\n').sort(), ['{"n":1}', '{"n":2}', '{"n":3}']);
});

test.run();
