// `wshed archive FILE --target aws` through the installed CLI, against a real S3 emulator (moto)
// and kinesalite, reached by environment alone (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS): each
// record archived once into the bucket, a missing bucket and a held lease said in one coded line.

import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { takeLease } from '../../src/runtime/reservoir/lease.ts';
import { S3ReservoirStore } from '../../src/runtime/reservoir/s3-store.ts';
import { jsonEntries, readReservoir, recordKey, startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { Scratch, type Run } from './helpers.ts';

// The configured bucket of conf/aws.json: the aws plan keeps reservoirs there (Drill reads it).
const BUCKET = 'my-wshed-bucket';
let moto: TestMoto;
let restoreEnvironment: (() => void) | undefined;
let kinesis: TestKinesis;
const scratch = new Scratch();

test.before(async () => {
  moto = await startTestMoto();
  kinesis = await startTestKinesis();
  // The spawned CLI inherits this environment: AWS reached through the SDK's chain only.
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint.url! });
  await kinesis.streams.ensureStream('orders', 2, 24);
});
test.after(async () => {
  scratch.dispose();
  await kinesis.close();
  await moto.close();
  restoreEnvironment?.();
});

const pipeline = (bucket: string) =>
  `stream orders { shards 2 }\nreservoir orders_archive {\n  from stream orders\n  at "s3://${bucket}/kinesis/orders"\n  archive via archiver\n}\n`;

/** Runs the CLI without blocking this process, whose kinesalite must keep answering. */
function wshed(args: string[]): Promise<Run> {
  return scratch.start(args).done;
}

test('a missing bucket is one coded line, and nothing is archived', async () => {
  writeFileSync(path.join(scratch.dir, 'orders.wshed'), pipeline(BUCKET));
  const r = await wshed(['archive', 'orders.wshed', '--target', 'aws']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS747\]: .*s3:\/\/my-wshed-bucket\/kinesis\/orders.* bucket 'my-wshed-bucket' does not exist/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test('archive --target aws writes every record once into the bucket; a rerun adds nothing', async () => {
  const s3 = createS3Client();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await putAllRecords(kinesis.streams, 'orders', [...jsonEntries(600), { partitionKey: 'bad', data: Buffer.from('not json') }]);
    const first = await wshed(['archive', 'orders.wshed', '--target', 'aws']);
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stdout, /archived 601 records of orders into orders_archive .*1 record not JSON kept in quarantine/);
    const store = new S3ReservoirStore(s3, { bucket: BUCKET, prefix: 'kinesis/orders' });
    const { records, quarantined, dataFiles } = await readReservoir(store);
    assert.is(records.length, 600);
    assert.is(quarantined.length, 1);
    assert.is(new Set([...records, ...quarantined].map(recordKey)).size, 601);
    assert.ok(dataFiles.every((f) => /^dt=\d{4}-\d\d-\d\d\/hour=\d\d\/part-shardId-/.test(f)));
    assert.equal((await readArchiveCheckpoint(store))!.pending, {});

    const again = await wshed(['archive', 'orders.wshed', '--target', 'aws', '--json']);
    assert.is(again.code, 0, again.stderr);
    assert.is(JSON.parse(again.stdout).records, 0);
    assert.is((await readReservoir(store)).records.length, 600);

    // Another archiver holds the lease (on any machine): refused, naming it, nothing written.
    const held = await takeLease(store, 'archive');
    assert.ok(held.ok);
    await putAllRecords(kinesis.streams, 'orders', jsonEntries(10, 600));
    const locked = await wshed(['archive', 'orders.wshed', '--target', 'aws']);
    assert.is(locked.code, 1, locked.stderr);
    assert.match(locked.stderr, /^wshed: error\[WS722\]: reservoir 'orders_archive' is being archived by another process/);
    if (held.ok) {
      assert.ok(locked.stderr.includes(held.lease.owner), 'the message names the owner');
      await held.lease.release();
    }
    assert.is((await readReservoir(store)).records.length, 600);
    const after = await wshed(['archive', 'orders.wshed', '--target', 'aws', '--json']);
    assert.is(JSON.parse(after.stdout).records, 10, after.stderr);
  } finally {
    s3.destroy();
  }
});

test.run();
