import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, ReplayStep } from '../../src/compiler/plan/types.ts';
import type { ReplayMetadata } from '../../src/consumer/metadata.ts';
import { readReplayMetadata } from '../../src/consumer/version.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords, type PutAllResult } from '../../src/runtime/kinesis/put-records.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { isReplayError } from '../../src/runtime/replay/replay-errors.ts';
import { runReplay } from '../../src/runtime/replay/run-replay.ts';
import { ShardRouter } from '../../src/runtime/replay/shard-router.ts';
import { defaultConfig } from '../golden/harness.ts';
import { readReplayed, type StoredUserRecord } from './helpers/fault-proxy.ts';
import { rejects, startTestKinesis, tempDir, withArrivalTimes, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-replay-');
});
test.after(async () => {
  await kinesis.close();
  await dir.remove();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}_${process.pid}_${++counter}`;

/** Compiles a pipeline text the way `wshed run` does; the budget fraction is 1 so tests run fast. */
function compilePipeline(text: string): { replays: Map<string, ReplayStep>; archive: ArchiveStep } {
  const base = defaultConfig('local');
  const config = { ...base, replay: { ...base.replay, shardBudgetFraction: 1 } } as typeof base;
  const result = compile({ path: 'test.wshed', text }, { config, now: new Date() });
  if (!result.plan) throw new Error(`does not compile:\n${result.diagnostics.map((d) => d.message).join('\n')}`);
  const replays = new Map(result.plan.steps.filter((s): s is ReplayStep => s.kind === 'replay').map((s) => [s.name, s]));
  return { replays, archive: result.plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')! };
}

interface Sent {
  readonly n: number;
  readonly key: string;
  readonly put: PutAllResult;
}

function payloadOf(r: StoredUserRecord): Record<string, unknown> {
  return JSON.parse(r.data.toString('utf8')) as Record<string, unknown>;
}

/** The record's replay metadata as the consumer library reads it (the origin tuple as an Origin). */
function metaOf(r: StoredUserRecord): ReplayMetadata | undefined {
  const read = readReplayMetadata(payloadOf(r));
  return read.kind === 'replayed' ? read.metadata : undefined;
}

/** Every user record sits on the shard its key hashes to; an aggregate never mixes shards. */
async function assertShardAffinity(stream: string, records: readonly StoredUserRecord[]): Promise<void> {
  const router = new ShardRouter(await kinesis.streams.listShards(stream));
  for (const r of records) assert.is(router.shardFor(r.partitionKey), r.shardId, `${r.partitionKey} landed on ${r.shardId}`);
}

/** Within each destination shard, records appear in origin order. */
function assertOriginOrder(records: readonly StoredUserRecord[]): void {
  const byShard = new Map<string, ReplayMetadata['origin'][]>();
  for (const r of records) {
    const meta = metaOf(r);
    if (!meta) continue;
    byShard.set(r.shardId, [...(byShard.get(r.shardId) ?? []), meta.origin]);
  }
  for (const origins of byShard.values()) {
    for (let i = 1; i < origins.length; i++) {
      const [a, b] = [origins[i - 1], origins[i]];
      assert.ok(a.arrival_time < b.arrival_time || (a.arrival_time === b.arrival_time && BigInt(a.sequence_number) < BigInt(b.sequence_number)), 'origin order');
    }
  }
}

test('archive+live, compacted and filtered: the last record of each key, annotated, with and without aggregation', async () => {
  const [src, dstAgg, dstPlain] = [unique('src'), unique('dst'), unique('dst')];
  const root = path.join(dir.path, src);
  const { replays, archive } = compilePipeline(`
    stream ${src} { shards 2 key id }
    stream ${dstAgg} { shards 3 }
    stream ${dstPlain} { shards 3 }
    reservoir res { from stream ${src} at "${root}" }
    replay latest from archive+live res
      where status != 'cancelled'
      compact by key
      annotate <replayed: true, reason: "test", status: "overwritten">
      into stream ${dstAgg}
    replay latest_plain from archive+live res
      where status != 'cancelled'
      compact by key
      annotate <replayed: true, reason: "test", status: "overwritten">
      aggregate off
      into stream ${dstPlain}
  `);
  for (const s of [src, dstAgg, dstPlain]) await kinesis.streams.ensureStream(s, s === src ? 2 : 3, 24);
  const statuses = ['open', 'shipped', 'cancelled', 'open', 'shipped', 'open', 'cancelled'];
  const make = (n: number) => {
    const key = `k${(n * 7) % 41}`;
    // The producer's exact number text must survive the replay.
    return { partitionKey: key, data: Buffer.from(`{"id":"${key}","n":${n},"status":"${statuses[n % 7]}","big":12345678901234567890123}`) };
  };
  const sent: Sent[] = [];
  const put = async (from: number, count: number) => {
    const entries = Array.from({ length: count }, (_, i) => make(from + i));
    const results = await putAllRecords(kinesis.streams, src, entries);
    results.forEach((p, i) => sent.push({ n: from + i, key: entries[i].partitionKey, put: p }));
  };
  await put(0, 300);
  await archiveReservoir(archive, { streams: kinesis.streams });
  await put(300, 120); // live: past the archive checkpoint

  const lastByKey = new Map<string, Sent>();
  for (const s of sent) lastByKey.set(s.key, s);
  const expected = [...lastByKey.values()].filter((s) => statuses[s.n % 7] !== 'cancelled');
  const bySeq = new Map(sent.map((s) => [`${s.put.shardId}/${s.put.sequenceNumber}`, s]));

  const ctx = { streams: kinesis.streams, reservoir: new FsReservoirStore(root), home: path.join(dir.path, 'home') };
  for (const [name, into, aggregated] of [['latest', dstAgg, true], ['latest_plain', dstPlain, false]] as const) {
    const summary = await runReplay(replays.get(name)!, ctx);
    assert.is(summary.records, expected.length);
    assert.is(summary.emitted, expected.length);
    assert.is(summary.duplicatesPossible, 0);
    assert.is(summary.nonObjectRecords, 0);
    const stored = (await readReplayed(kinesis.streams, into)).records;
    assert.is(stored.length, expected.length, `${name}: records in the destination`);
    assert.is(new Set(stored.map((r) => r.sequenceNumber)).size, summary.kinesisRecords);
    if (aggregated) assert.ok(summary.kinesisRecords < expected.length / 5, `aggregated into ${summary.kinesisRecords}`);
    else assert.is(summary.kinesisRecords, expected.length);
    assert.is(stored.every((r) => r.aggregated), aggregated);
    await assertShardAffinity(into, stored);
    assertOriginOrder(stored);

    const got = new Map(stored.map((r) => [payloadOf(r).n as number, r]));
    for (const e of expected) {
      const r = got.get(e.n);
      assert.ok(r, `${name}: record ${e.n} (${e.key}) missing`);
      assert.is(r!.partitionKey, e.key);
      const text = r!.data.toString('utf8');
      assert.match(text, /"big":12345678901234567890123/);
      const p = payloadOf(r!);
      assert.is(p.replayed, true);
      assert.is(p.reason, 'test');
      assert.is(p.status, 'overwritten');
      assert.is((text.match(/"status"/g) ?? []).length, 1, 'an annotation replaces the field, never duplicates it');
      // Version 2: the replay id and the origin tuple only; the watermark is in the run's markers.
      assert.equal(Object.keys(p._wshed as object), ['v', 'replay_id', 'origin']);
      const meta = metaOf(r!)!;
      assert.is(meta.v, 2);
      assert.is(meta.replay_id, summary.replayId);
      const origin = bySeq.get(`${meta.origin.shard_id}/${meta.origin.sequence_number}`)!;
      assert.is(origin.n, e.n);
      assert.equal({ ...meta.origin, arrival_time: undefined }, { stream: src, shard_id: e.put.shardId, sequence_number: e.put.sequenceNumber, sub_sequence_number: 0, arrival_time: undefined });
      assert.match(meta.origin.arrival_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // The watermark once per run: a marker ahead of the records on every destination shard, and a file beside the reservoir.
    const { markers } = await readReplayed(kinesis.streams, into);
    const destShards = (await kinesis.streams.listShards(into)).map((s) => s.shardId).sort();
    assert.equal(markers.map((m) => m.shardId).sort(), destShards, 'one marker per destination shard');
    for (const m of markers) {
      const read = readReplayMetadata(payloadOf(m));
      assert.is(read.kind, 'marker');
      if (read.kind !== 'marker') continue;
      assert.is(read.marker.replay_id, summary.replayId);
      assert.is(read.marker.replay, name);
      assert.equal(read.marker.watermark, summary.watermark);
      const onShard = stored.filter((r) => r.shardId === m.shardId);
      assert.ok(onShard.every((r) => BigInt(m.sequenceNumber) < BigInt(r.sequenceNumber)), 'the marker comes first on its shard');
    }
    const file = JSON.parse(await fs.readFile(path.join(root, '_wshed', 'replays', `${summary.replayId}.json`), 'utf8'));
    assert.equal(file.watermark, summary.watermark);
    // The watermark is the last record of each source shard when the replay started.
    for (const shardId of new Set(sent.map((s) => s.put.shardId))) {
      const last = sent.filter((s) => s.put.shardId === shardId).at(-1)!;
      assert.is(summary.watermark.shards[shardId], last.put.sequenceNumber);
    }
  }
});

test('archive only: bounds, limit, partition key from a payload field, non-object records unchanged', async () => {
  const [src, dst] = [unique('src'), unique('dst')];
  const root = path.join(dir.path, src);
  const base = Date.parse('2026-03-01T00:00:00.000Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const { replays, archive } = compilePipeline(`
    stream ${src} { shards 1 }
    stream ${dst} { shards 2 }
    reservoir res { from stream ${src} at "${root}" }
    replay window from archive res
      since ${at(100)} until ${at(200)}
      partition by customer.id
      limit 60
      into stream ${dst}
  `);
  await kinesis.streams.ensureStream(src, 1, 24);
  await kinesis.streams.ensureStream(dst, 2, 24);
  const payload = (n: number) => (n % 10 === 0 ? `[${n},"x"]` : n % 7 === 0 ? `{"n":${n}}` : `{"n":${n},"customer":{"id":"c${n % 5}"}}`);
  await putAllRecords(kinesis.streams, src, Array.from({ length: 300 }, (_, n) => ({ partitionKey: `p${n}`, data: Buffer.from(payload(n)) })));
  // Record n arrives n minutes after the base: the bounds select n in [100, 200).
  const shifted = withArrivalTimes(kinesis.streams, (r) => new Date(base + Number(/\d+/.exec(r.data.toString())![0]) * 60_000));
  await archiveReservoir(archive, { streams: shifted });

  const ctx = { streams: kinesis.streams, reservoir: new FsReservoirStore(root), home: path.join(dir.path, 'home') };
  const step = replays.get('window')!;
  const home = path.join(dir.path, 'home', 'replays');

  const preview = await runReplay(step, ctx, { preview: 5 });
  assert.is(preview.mode, 'preview');
  assert.equal(preview.preview!.map((p) => JSON.parse(p.data).n ?? JSON.parse(p.data)[0]), [100, 101, 102, 103, 104]);
  assert.equal(preview.preview!.map((p) => p.partitionKey), ['p100', 'c1', 'c2', 'c3', 'c4']);
  assert.is(preview.preview![0].data, '[100,"x"]');
  const dry = await runReplay(step, ctx, { dryRun: true });
  assert.is(dry.records, 60);
  assert.is(dry.emitted, 0);
  assert.ok(dry.kinesisRecords > 0 && dry.kinesisRecords <= 4, `${dry.kinesisRecords} aggregates`);
  assert.is(((await readReplayed(kinesis.streams, dst)).records).length, 0, 'preview and dry run emit nothing');
  assert.not.ok(await fs.readdir(home).catch(() => []).then((f) => f.some((n) => n.startsWith('window'))), 'nor leave a checkpoint');

  const summary = await runReplay(step, ctx);
  assert.is(summary.records, 60);
  assert.is(summary.emitted, 60);
  assert.is(summary.kinesisRecords, dry.kinesisRecords, 'the dry run counted the aggregates sent');
  assert.is(summary.bytes, dry.bytes);
  assert.is(summary.nonObjectRecords, 6); // 100, 110, …, 150
  assert.is(summary.partitionKeyFallbacks, 6 + 7); // and 105, 112, 119, 126, 133, 147, 154 lack the field
  assert.is(summary.watermark.captured_at.length > 0, true);

  const stored = (await readReplayed(kinesis.streams, dst)).records;
  await assertShardAffinity(dst, stored);
  const ns = stored.map((r) => (JSON.parse(r.data.toString()) as { n?: number } | number[]));
  const numbers = ns.map((v) => (Array.isArray(v) ? (v[0] as number) : v.n!)).sort((a, b) => a - b);
  assert.equal(numbers, Array.from({ length: 60 }, (_, i) => 100 + i));
  for (const r of stored) {
    const text = r.data.toString();
    const n = Number(/\d+/.exec(text)![0]);
    if (n % 10 === 0) {
      assert.is(text, `[${n},"x"]`, 'a non-object payload goes out unchanged');
      assert.is(r.partitionKey, `p${n}`);
    } else {
      const p = JSON.parse(text) as { customer?: { id: string } };
      assert.is(r.partitionKey, p.customer ? p.customer.id : `p${n}`);
      assert.is(metaOf(r)!.origin.arrival_time, at(n));
    }
  }
  assert.is(JSON.parse(await fs.readFile(summary.checkpoint!, 'utf8')).state, 'completed');
});

test('a signal stops the replay after the batch in flight, with a checkpoint that --resume continues from', async () => {
  const [src, dst] = [unique('src'), unique('dst')];
  const root = path.join(dir.path, src);
  const { replays, archive } = compilePipeline(`
    stream ${src} { shards 1 }
    stream ${dst} { shards 1 }
    reservoir res { from stream ${src} at "${root}" }
    replay slow from archive res into stream ${dst} rate 200/s
  `);
  await kinesis.streams.ensureStream(src, 1, 24);
  await kinesis.streams.ensureStream(dst, 1, 24);
  await putAllRecords(kinesis.streams, src, Array.from({ length: 600 }, (_, n) => ({ partitionKey: `p${n}`, data: Buffer.from(JSON.stringify({ n })) })));
  await archiveReservoir(archive, { streams: kinesis.streams });
  const ctx = { streams: kinesis.streams, reservoir: new FsReservoirStore(root), home: path.join(dir.path, 'home') };
  const stop = new AbortController();
  // Batches hold a tenth of a second of the rate: the first is 20 records.
  const err = await rejects(() => runReplay(replays.get('slow')!, ctx, { signal: stop.signal, onProgress: (p) => p.phase === 'emit' && stop.abort() }), /interrupted after 20 acknowledged/);
  assert.ok(isReplayError(err, 'WS759'));
  const summary = await runReplay(replays.get('slow')!, ctx, { resume: true });
  assert.is(summary.resumedFrom, 20);
  assert.is(summary.records, 580);
  const stored = (await readReplayed(kinesis.streams, dst)).records;
  assert.equal(stored.map((r) => payloadOf(r).n).sort((a, b) => (a as number) - (b as number)), Array.from({ length: 600 }, (_, n) => n));
});

test.run();
