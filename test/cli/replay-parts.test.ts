// A replay split into parts (`wshed replay FILE NAME --part i/N`) through the real CLI against the
// local Kinesis service: three parts run side by side as separate processes emit into one stream
// exactly what a single run of the same replay emits into another, shard by shard and in order
// (user records de-aggregated; the replay id aside), under one replay id and one watermark. Bad
// --part values are refused with one clear line and change nothing; a next split run waits for
// every part of the last one.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { ShardRouter } from '../../src/runtime/replay/shard-router.ts';
import { readReplayed, type StoredUserRecord } from '../runtime/helpers/fault-proxy.ts';
import { Scratch, type Run } from './helpers.ts';

const scratch = new Scratch();
let streams: StreamService;
test.before(() => {
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { port: number };
  streams = createStreamService(localKinesisEndpoint(started.port));
});
test.after(() => {
  streams?.close();
  scratch.dispose();
});

function ok(args: string[]): string {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function noStack(r: Run): void {
  assert.not.match(r.stderr, /\n\s+at /, `a stack trace:\n${r.stderr}`);
}

// Two replays of the same slice into streams of the same shards: one run whole, one split.
const PIPELINE = `
stream orders { shards 2 key order_id }
stream whole { shards 4 }
stream split { shards 4 }
stream fresh { shards 4 }
stream paced { shards 4 }
reservoir orders_archive { from stream orders at "./reservoir/orders" }
replay whole from archive+live into stream whole
replay split from archive+live into stream split
replay fresh from archive+live into stream fresh
replay paced from archive+live rate 60/s into stream paced
`;

function put(lines: readonly object[]): void {
  writeFileSync(path.join(scratch.dir, 'orders.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  ok(['put', 'orders', '--file', 'orders.ndjson', '--pipeline', 'p.wshed']);
}

type Json = Record<string, unknown>;

/** A replayed record as both runs must have sent it: its `_wshed` without the run's own id. */
function comparable(r: StoredUserRecord): string {
  const data = JSON.parse(r.data.toString('utf8')) as Json;
  const meta = { ...(data._wshed as Json) };
  delete meta.replay_id;
  for (const k of ['replay', 'into', 'started_at']) delete meta[k];
  return `${r.partitionKey} ${JSON.stringify({ ...data, _wshed: meta })}`;
}

function byShard(records: readonly StoredUserRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records) out.set(r.shardId, [...(out.get(r.shardId) ?? []), comparable(r)]);
  return out;
}

function metaOf(r: StoredUserRecord): Json {
  return (JSON.parse(r.data.toString('utf8')) as Json)._wshed as Json;
}

test('3 parts side by side emit shard by shard what one run emits, under one replay id and watermark', async () => {
  writeFileSync(path.join(scratch.dir, 'p.wshed'), PIPELINE);
  // Archived records and live ones past the archive checkpoint: both halves of the source.
  put(Array.from({ length: 400 }, (_, i) => ({ order_id: `o-${i % 97}`, n: i, pad: 'x'.repeat(i % 50) })));
  ok(['archive', 'p.wshed']);
  put(Array.from({ length: 200 }, (_, i) => ({ order_id: `o-${(i * 7) % 131}`, n: 400 + i })));

  const single = JSON.parse(ok(['replay', 'p.wshed', 'whole', '--json'])) as { emitted: number; watermark: { shards: unknown } };
  assert.is(single.emitted, 600);

  const parts = [1, 2, 3].map((i) => scratch.start(['replay', 'p.wshed', 'split', '--part', `${i}/3`, '--json']));
  const runs = await Promise.all(parts.map((p) => p.done));
  const summaries = runs.map((r, i) => {
    assert.is(r.code, 0, `part ${i + 1}/3 failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as { replayId: string; emitted: number; watermark: { captured_at: string; shards: unknown }; part: { index: number; count: number; shards: string[]; otherParts: number } };
  });
  assert.is(new Set(summaries.map((s) => s.replayId)).size, 1, 'one replay id across the parts');
  // The cut the first part took, for all: the same shard positions as the single run's (nothing arrived in between).
  assert.is(new Set(summaries.map((s) => JSON.stringify(s.watermark))).size, 1, 'one watermark across the parts');
  assert.equal(summaries[0].watermark.shards, single.watermark.shards);
  assert.is(summaries.reduce((n, s) => n + s.emitted, 0), 600, 'together, every record once');
  const shardsOfParts = summaries.flatMap((s) => s.part.shards);
  assert.is(new Set(shardsOfParts).size, 4, 'each destination shard in exactly one part');
  assert.equal(summaries.map((s) => s.part.shards.length), [1, 1, 2]);
  for (const s of summaries) assert.is(s.emitted + s.part.otherParts, 600);

  const whole = await readReplayed(streams, 'whole');
  const split = await readReplayed(streams, 'split');
  assert.ok(whole.records.some((r) => r.aggregated), 'the replays KPL-aggregate: parts must split by the shard an aggregate lands on');
  assert.equal(byShard(split.records), byShard(whole.records), 'per shard: the same records in the same order');
  // Every user record, aggregated or not, sits on the shard the parts split by: the router's for its key.
  const router = new ShardRouter(await streams.listShards('split'));
  const misrouted = split.records.filter((r) => r.shardId !== router.shardFor(r.partitionKey));
  assert.is(misrouted.length, 0, `records on another shard than their key's: ${misrouted.slice(0, 3).map((r) => r.partitionKey).join(', ')}`);
  assert.is(new Set(split.records.map((r) => metaOf(r).replay_id)).size, 1);
  assert.is(metaOf(split.records[0]).replay_id, summaries[0].replayId);

  // One marker per destination shard, first on it, all the same run's: id, watermark and start.
  assert.is(split.markers.length, 4);
  assert.equal(split.markers.map((m) => m.shardId).sort(), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003']);
  const markers = split.markers.map(metaOf);
  assert.is(new Set(markers.map((m) => JSON.stringify(m))).size, 1, 'the same marker on every shard');
  assert.is(markers[0].replay_id, summaries[0].replayId);
  assert.equal(markers[0].watermark, summaries[0].watermark);
  assert.equal((metaOf(whole.markers[0]).watermark as { shards: unknown }).shards, (markers[0].watermark as { shards: unknown }).shards);

  // Each part keeps its own checkpoint.
  const checkpoints = readdirSync(path.join(scratch.dir, '.wshed', 'replays')).filter((f) => f.startsWith('split'));
  assert.equal(checkpoints.sort(), ['split.part-1-of-3.json', 'split.part-2-of-3.json', 'split.part-3-of-3.json'].concat(checkpoints.filter((f) => f.endsWith('.lock'))).sort());
});

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('an interrupted part resumes with --part i/N --resume, from its own checkpoint, and the parts still emit what one run emits', async () => {
  const checkpoint = path.join(scratch.dir, '.wshed', 'replays', 'paced.part-1-of-2.json');
  const first = scratch.start(['replay', 'p.wshed', 'paced', '--part', '1/2']);
  const second = scratch.start(['replay', 'p.wshed', 'paced', '--part', '2/2', '--json']);
  const emitted = () => {
    try {
      return (JSON.parse(readFileSync(checkpoint, 'utf8')) as { emitted: number }).emitted;
    } catch {
      return 0;
    }
  };
  await until(() => emitted() > 0, 'part 1/2 to checkpoint a batch');
  first.child.kill('SIGINT');
  const stopped = await first.done;
  assert.is(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /error\[WS759\]: replay 'paced' was interrupted after/);
  noStack(stopped);
  const resume = [...stopped.stderr.matchAll(/'wshed ([^']+)'/g)].map((m) => m[1].split(' ')).find((c) => c.includes('--resume'));
  assert.equal(resume, ['replay', 'p.wshed', 'paced', '--part', '1/2', '--resume']);
  const other = await second.done;
  assert.is(other.code, 0, other.stderr);

  const resumed = JSON.parse(ok([...resume!, '--json'])) as { replayId: string; resumedFrom: number | null; emitted: number };
  assert.ok(resumed.resumedFrom !== null && resumed.resumedFrom > 0, 'continued after its checkpoint');
  assert.is(resumed.replayId, (JSON.parse(other.stdout) as { replayId: string }).replayId, 'the same run as part 2/2');
  const whole = await readReplayed(streams, 'whole');
  const paced = await readReplayed(streams, 'paced');
  assert.equal(byShard(paced.records), byShard(whole.records), 'every record once, per shard in order');
  assert.is(paced.markers.length, 4 + 2, "part 1's marker again on its 2 shards when it resumed (same content)");
  assert.is(new Set(paced.markers.map((m) => JSON.stringify(metaOf(m)))).size, 1);
});

test('a next split run brings the replay up to date, and waits for every part of the last one (WS767)', async () => {
  put([{ order_id: 'o-1', n: 1000 }, { order_id: 'o-2', n: 1001 }, { order_id: 'o-3', n: 1002 }]);
  const first = JSON.parse(ok(['replay', 'p.wshed', 'split', '--part', '1/2', '--json'])) as { emitted: number; part: { otherParts: number }; upToDateFrom: unknown; replayId: string };
  assert.is(first.emitted + first.part.otherParts, 3, 'only what entered the slice since the 3-part run');
  assert.ok(first.upToDateFrom);

  // Part 1 is done with this run; a third run cannot start before part 2 did its share.
  put([{ order_id: 'o-4', n: 1003 }]);
  const r = scratch.wshed(['replay', 'p.wshed', 'split', '--part', '1/2']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /error\[WS767\]: part 1\/2 of replay 'split' has completed parts run [0-9a-f-]{36} .* but parts 2\/2 have not/);
  assert.match(r.stderr, /'wshed replay p\.wshed split --part 2\/2'/);
  noStack(r);

  const second = JSON.parse(ok(['replay', 'p.wshed', 'split', '--part', '2/2', '--json'])) as { emitted: number; replayId: string; part: { otherParts: number } };
  assert.is(second.replayId, first.replayId, 'part 2 joined the run part 1 started');
  assert.is(first.emitted + second.emitted, 3);
  const split = await readReplayed(streams, 'split');
  assert.is(split.records.length, 603, 'nothing sent twice');
});

test('bad --part values are refused with one line and change nothing', async () => {
  for (const [value, message] of [
    ['0/3', /--part 0\/3: i must be between 1 and 3/],
    ['4/3', /--part 4\/3: i must be between 1 and 3/],
    ['a/b', /--part takes i\/N, two whole numbers such as 1\/3 \(got 'a\/b'\)/],
    ['1/0', /--part 1\/0: N must be at least 1/],
    ['5/5', /error\[WS765\]: cannot split the replay into 5 parts: stream 'fresh' has 4 open shards/],
  ] as const) {
    const r = scratch.wshed(['replay', 'p.wshed', 'fresh', '--part', value]);
    assert.is(r.code, value === '5/5' ? 1 : 2, `--part ${value}: ${r.stderr}`);
    assert.match(r.stderr, message);
    noStack(r);
  }
  const dry = scratch.wshed(['replay', 'p.wshed', 'fresh', '--part', '1/2', '--dry-run']);
  assert.match(dry.stderr, /--part splits a run that sends/);
  assert.is(await streams.describeStream('fresh'), null, 'the destination was not created');
  assert.not.ok(readdirSync(path.join(scratch.dir, '.wshed', 'replays')).some((f) => f.startsWith('fresh')), 'no checkpoint');
  assert.not.ok(existsSync(path.join(scratch.dir, 'reservoir', 'orders', '_wshed', 'replay-parts', 'fresh')), 'no parts run');
});

test.run();
