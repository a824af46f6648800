// A replay on target aws keeps its checkpoint and lease beside its reservoir in S3 (moto), so a run
// interrupted on one machine (Ctrl-C in a pseudo-terminal) is resumed from another: a different
// WSHED_HOME and working folder, the same bucket and streams (kinesalite through
// AWS_ENDPOINT_URL_KINESIS). Every record arrives exactly once; while the first run holds the
// lease, the second machine is refused in one coded line naming the holder. The replay reads
// `from live`: the embedded DuckDB cannot read an S3 archive here (no httpfs), Drill is not used.

import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readReplayed } from '../runtime/helpers/fault-proxy.ts';
import { startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { Scratch, type Run } from './helpers.ts';
import { frames, inTerminal } from './terminal.ts';

const BUCKET = 'replay-elsewhere';
// At 20/s the first run lasts about 20 s: the second machine's attempt comes well within it.
const RECORDS = 400;
let moto: TestMoto;
let kinesis: TestKinesis;
let restoreEnvironment: (() => void) | undefined;
// Two machines: each its own folder (the cwd) and home.
const machineA = new Scratch();
const machineB = new Scratch();

test.before(async () => {
  moto = await startTestMoto();
  kinesis = await startTestKinesis();
  // The spawned CLIs inherit this environment: AWS reached through the SDK's chain only.
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint.url! });
  const s3 = createS3Client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3.destroy();
});
test.after(async () => {
  machineA.dispose();
  machineB.dispose();
  await kinesis.close();
  await moto.close();
  restoreEnvironment?.();
});

const PIPELINE = `
stream orders_in { shards 2 }
stream orders_out { shards 2 }
reservoir orders_archive { from stream orders_in at "s3://${BUCKET}/kinesis/orders" }
replay slow from live orders_archive into stream orders_out rate 20/s
`;

/** Runs the CLI on a machine without blocking this process, whose kinesalite must keep answering. */
const wshed = (machine: Scratch, args: string[]): Promise<Run> => machine.start(args).done;

const replayArgs = ['replay', 'orders.wshed', 'slow', '--target', 'aws', '--engine', 'duckdb'];
const checkpointUrl = `s3://${BUCKET}/kinesis/orders/_wshed/replays/slow.json`;

test('a replay interrupted on one machine is resumed from another through its checkpoint beside the reservoir; the second run meanwhile is refused naming the holder', async () => {
  for (const m of [machineA, machineB]) writeFileSync(path.join(m.dir, 'orders.wshed'), PIPELINE);
  await kinesis.streams.ensureStream('orders_in', 2, 24);
  await putAllRecords(
    kinesis.streams,
    'orders_in',
    Array.from({ length: RECORDS }, (_, n) => ({ partitionKey: `k${n % 97}`, data: Buffer.from(JSON.stringify({ n })) })),
  );

  const term = inTerminal(machineA.dir, replayArgs);
  await term.waitFor(/\b[1-9][\d,]* emitted/, 'progress with records emitted');

  // Machine B while A runs: refused in one coded line naming A's lease, nothing sent.
  const refused = await wshed(machineB, replayArgs);
  assert.is(refused.code, 1, refused.stderr);
  const lines = refused.stderr.split('\n').filter((l) => l.startsWith('wshed: ') || l.startsWith('  = '));
  const hostPattern = os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(
    lines[0] ?? '',
    new RegExp(`^wshed: error\\[WS815\\]: replay 'slow' is already running on ${hostPattern} \\(pid \\d+, since [^;]+; its lease s3://${BUCKET}/kinesis/orders/_wshed/replays/slow\\.lease holds until `),
    refused.stderr,
  );
  assert.is(lines.length, 2, `one error line and its fix: ${refused.stderr}`);
  assert.not.match(refused.stderr, /\n\s+at /, 'no stack trace');

  term.pressCtrlC();
  assert.is(await term.exited, 1, term.output);
  const shown = frames(term.output);
  assert.ok(shown.some((l) => /^wshed: error\[WS759\]: replay 'slow' was interrupted after [\d,]+ acknowledged records?/.test(l)), term.output);
  const fix = shown.find((l) => l.startsWith('= fix:')) ?? '';
  assert.ok(fix.includes(`(its position is kept in ${checkpointUrl})`), fix);
  const command = /resume it with 'wshed ([^']+)'/.exec(fix)?.[1];
  assert.is(command, 'replay orders.wshed slow --target aws --engine duckdb --resume', fix);

  // The checkpoint is in the bucket, not in either home.
  const s3 = createS3Client();
  const stored = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kinesis/orders/_wshed/replays/slow.json' }))).Body!.transformToString()) as { state: string; emitted: number };
  s3.destroy();
  assert.is(stored.state, 'stopped');
  assert.ok(stored.emitted > 0 && stored.emitted < RECORDS, `${stored.emitted} acknowledged before the interrupt`);
  for (const m of [machineA, machineB]) assert.not.ok(existsSync(path.join(m.dir, '.wshed', 'replays', 'slow.json')), `no checkpoint in ${m.dir}`);

  // Machine B sees the unfinished run: a plain run is refused, --resume finishes it.
  const plain = await wshed(machineB, replayArgs);
  assert.is(plain.code, 1, plain.stderr);
  assert.match(plain.stderr, /^wshed: error\[WS753\]: replay 'slow' has an unfinished run \([0-9a-f-]{36}, [\d,]+ records? acknowledged/m);
  // The command machine A printed, run on machine B.
  const resumed = await wshed(machineB, command!.split(' '));
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /^replay slow \([0-9a-f-]{36}\): emitted [\d,]+ records? .*resumed after row \d+/);

  const sent = (await readReplayed(kinesis.streams, 'orders_out')).records.map((r) => (JSON.parse(r.data.toString()) as { n: number }).n);
  assert.is(new Set(sent).size, RECORDS, 'every record delivered');
  assert.is(sent.length, RECORDS, 'none twice: machine B resumed after the last acknowledged batch of machine A');

  // And machine A, where it started, finds the run completed there too: nothing left to resume.
  const again = await wshed(machineA, [...replayArgs, '--resume']);
  assert.is(again.code, 1, again.stderr);
  assert.match(again.stderr, /error\[WS754\]: replay 'slow' has no unfinished run to resume \(its last run [0-9a-f-]{36} completed at /);
});

test.run();
