// `wshed plan` against the live state of the local target, through the real CLI and the home's
// Kinesis service: a drift made out of band shows as `~ attribute = live → declared` before run,
// run fixes it and the next plan says "No changes."; a plan saved with --out is refused, changing
// nothing, when the live state changed since (as Terraform refuses a stale plan); --live-only
// fails where the live state cannot be read.

import { CreateStreamCommand, DescribeStreamCommand, IncreaseStreamRetentionPeriodCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createKinesisClient } from '../../src/runtime/kinesis/client.ts';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
const write = (name: string, text: string) => writeFileSync(path.join(scratch.dir, name), text);
let kinesis: KinesisClient;

test.before(() => {
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json']).stdout) as { port: number };
  // Someone else's client, changing streams behind the pipeline's back.
  kinesis = createKinesisClient({ url: `http://127.0.0.1:${started.port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
test.after(() => {
  kinesis?.destroy();
  scratch.dispose();
});

function ok(args: string[]) {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r;
}
const closing = (text: string) => text.split('\n').find((l) => l.startsWith('Plan: '));
const streams = () => (JSON.parse(ok(['local', 'status', '--json']).stdout) as { streams: string[] }).streams;
const openShards = async (stream: string) =>
  (await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.Shards!.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).length;

const open = async (stream: string) => (await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.Shards!.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
const hashRanges = async (stream: string) => (await open(stream)).map((s) => `${s.HashKeyRange!.StartingHashKey}-${s.HashKeyRange!.EndingHashKey}`).sort();

/** Waits until a change made out of band has been applied (kinesalite applies it on a later tick). */
async function active(stream: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${stream} did not become ACTIVE`);
}

/** The ranges of a stream created with `n` shards, for comparison. */
async function uniformRanges(n: number): Promise<string[]> {
  const name = `uniform_${n}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: n }));
  await active(name); // CREATING lists no shards yet
  return hashRanges(name);
}

/** Merges the open shards into one, pair by pair, as an operator resharding by hand would. */
async function mergeAll(stream: string): Promise<void> {
  for (let shards = await open(stream); shards.length > 1; shards = await open(stream)) {
    shards.sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
    await kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: shards[0].ShardId!, AdjacentShardToMerge: shards[1].ShardId! }));
    await active(stream);
  }
}

/** Splits the stream's first open shard in two, as an operator resharding by hand would. */
async function splitFirstShard(stream: string): Promise<void> {
  const shard = (await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!.Shards!.find((s) => !s.SequenceNumberRange?.EndingSequenceNumber)!;
  const start = BigInt(shard.HashKeyRange!.StartingHashKey!);
  const end = BigInt(shard.HashKeyRange!.EndingHashKey!);
  await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shard.ShardId!, NewStartingHashKey: String(start + (end - start) / 2n) }));
  await active(stream);
}

test('a drift made out of band shows in the plan as ~ with the live and declared values; run fixes it and the next plan says No changes.', async () => {
  write('drift.wshed', 'stream orders { shards 1 }\n');
  ok(['run', 'drift.wshed']);
  assert.match(ok(['plan', 'drift.wshed']).stdout, /\n {2}= stream\.orders: unchanged \(exists with 1 shard\)\n[\s\S]*\nNo changes\. The live state matches the pipeline\.\nPlan: 2 unchanged\.\n/);
  await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'orders', RetentionPeriodHours: 48 }));
  await active('orders');
  const drifted = ok(['plan', 'drift.wshed']).stdout;
  assert.match(drifted, /\n {2}~ stream\.orders {2}\(run sets the retention\)\n {6}shards {4}= 1\n {4}~ retention = 48h → 24h\n/);
  assert.is(closing(drifted), 'Plan: 1 to change, 1 unchanged.');
  assert.not.match(drifted, /No changes/);
  assert.match(ok(['run', 'drift.wshed']).stdout, /stream\.orders: updated; retention 48 h → 24 h/);
  const after = ok(['plan', 'drift.wshed']).stdout;
  assert.match(after, /\n {2}= stream\.orders: unchanged/);
  assert.match(after, /\nNo changes\. The live state matches the pipeline\.\n/);
});

test('a shard count changed out of band shows as ~ shards = live → declared; run reshards it back to uniform shards and the next plan says No changes.', async () => {
  write('shards.wshed', 'stream clicks { shards 3 }\n');
  ok(['run', 'shards.wshed']);
  const uniform = await hashRanges('clicks');
  // An operator merges the stream down to one shard behind the pipeline's back.
  await mergeAll('clicks');
  const { stdout } = ok(['plan', 'shards.wshed']);
  assert.match(stdout, /\n {2}~ stream\.clicks {2}\(run reshards it\)\n {4}~ shards {4}= 1 → 3\n {6}retention = 24h\n/);
  assert.is(closing(stdout), 'Plan: 1 to change, 1 unchanged.');
  assert.match(ok(['run', 'shards.wshed']).stdout, /stream\.clicks: updated; shards 1 → 3/);
  assert.is(await openShards('clicks'), 3);
  assert.equal(await hashRanges('clicks'), uniform, 'the same ranges a stream created with 3 shards has');
  const after = ok(['plan', 'shards.wshed']).stdout;
  assert.match(after, /\n {2}= stream\.clicks: unchanged \(exists with 3 shards\)\n/);
  assert.match(after, /\nNo changes\. The live state matches the pipeline\.\n/);
});

test('a reshard past the local service\'s shard limit is refused in one coded line before anything changes', async () => {
  write('too-many.wshed', 'stream clicks { shards 200 }\n');
  const r = scratch.wshed(['run', 'too-many.wshed']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS814\]: stream 'clicks' on the local service could not be resharded from 3 to 200 shards: it would need \d+ open shards on the service at once, over its limit of 100; nothing was changed\n/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.equal(await hashRanges('clicks'), await uniformRanges(3));
});

test('run PLAN.json refuses a plan whose live state changed since it was saved, changing nothing, and says to plan again', async () => {
  write('ledger.wshed', 'stream ledger { shards 1 }\n');
  ok(['run', 'ledger.wshed']);
  write('stale.wshed', 'stream ledger { shards 1 }\nstream audit { shards 1 }\nstream extra { shards 1 }\n');
  const planned = ok(['plan', 'stale.wshed', '--out', 'stale.json']).stdout;
  assert.match(planned, /\n {2}= stream\.ledger: unchanged/);
  assert.match(planned, /\n {2}\+ stream\.audit\n/);
  // Between plan and run: someone reshards the stream and creates another the plan would create.
  await splitFirstShard('ledger');
  await kinesis.send(new CreateStreamCommand({ StreamName: 'audit', ShardCount: 2 }));
  await active('audit');
  const before = streams();
  const r = scratch.wshed(['run', 'stale.json']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS812\]: the live state changed since stale\.json was saved: stream\.ledger: shards 1 → 2; stream\.audit: created since\n/);
  assert.match(r.stderr, /= fix: nothing was changed; plan again with 'wshed plan stale\.wshed --out stale\.json', review it, then 'wshed run stale\.json'/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.is(r.stdout, '', 'no step ran');
  assert.equal(streams(), before, 'no stream was created (extra is still absent)');
  assert.not.ok(streams().includes('extra'));
  assert.is(await openShards('ledger'), 2);
  // Showing the saved plan says it is stale too; planning again makes one that run applies.
  assert.match(ok(['plan', 'stale.json']).stderr, /the live state changed since stale\.json was saved \(stream\.ledger: shards 1 → 2; stream\.audit: created since\); 'wshed run stale\.json' would refuse it/);
  ok(['plan', 'stale.wshed', '--out', 'stale.json']);
  const run = ok(['run', 'stale.json']);
  assert.match(run.stdout, /\+ stream\.extra: created/);
  assert.ok(streams().includes('extra'));
});

test('a plan saved with --offline carries no live state: run applies it and says it was not checked', () => {
  write('offline.wshed', 'stream offline_saved { shards 1 }\n');
  ok(['plan', 'offline.wshed', '--offline', '--out', 'offline.json']);
  const run = ok(['run', 'offline.json']);
  assert.match(run.stderr, /offline\.json was saved without the live state \(offline\): it is applied without checking what exists/);
  assert.ok(streams().includes('offline_saved'));
});

test('with the service stopped, --live-only fails in one coded line; without it the plan says what is not known', () => {
  ok(['local', 'stop']);
  const r = scratch.wshed(['plan', 'drift.wshed', '--live-only']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS813\]: cannot read the live state of target local \(--live-only\): The local Kinesis service is not running: its streams are not known\n/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.is(r.stdout, '');
  const plain = ok(['plan', 'drift.wshed']).stdout;
  assert.match(plain, /The local Kinesis service is not running: its streams are not known, so \+ means create when absent there\./);
  const both = scratch.wshed(['plan', 'drift.wshed', '--live-only', '--offline']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /--offline and --live-only contradict each other/);
});

test.run();
