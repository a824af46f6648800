// Replay throughput: 200,000 archived records replayed into the local Kinesis service (a
// background process, as in real use) with KPL aggregation, beside a plain SDK loop sending the
// same records (same bytes) unaggregated in PutRecords batches of 500, measured in the same run.
// Not a test: machines are noisy; compare the two lines, not absolute figures across machines.
// Usage: node --import tsx bench/replay.ts [--records 200000] [--shards 32] [--plain]

import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compile } from '../src/compiler/compile.ts';
import { validateTargetConfig } from '../src/compiler/config/validate.ts';
import type { ArchiveStep, ReplayStep } from '../src/compiler/plan/types.ts';
import type { LocalTargetConfig } from '../src/compiler/target-config.ts';
import { archiveReservoir } from '../src/runtime/archive/archiver.ts';
import { createStreamService } from '../src/runtime/kinesis/aws-stream-service.ts';
import { KplAggregator } from '../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../src/runtime/kinesis/put-records.ts';
import type { PutEntry } from '../src/runtime/kinesis/stream-service.ts';
import { startLocalService, stopLocalService } from '../src/runtime/local/service.ts';
import { readArchiveCheckpoint } from '../src/runtime/reservoir/checkpoint.ts';
import { FsReservoirStore } from '../src/runtime/reservoir/fs-store.ts';
import { Annotator } from '../src/runtime/replay/annotate.ts';
import { runReplay } from '../src/runtime/replay/run-replay.ts';
import { ReplaySource } from '../src/runtime/replay/source.ts';
import { openEmbeddedSqlEngine } from '../src/runtime/target/embedded-sql.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const records = Number(option('records', '200000'));
// Three destinations of this many shards plus the source's 4 must stay within the local service's 100.
const shards = Number(option('shards', '32'));
const withPlain = process.argv.includes('--plain');

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-replay-'));
const home = path.join(work, 'home');
const root = path.join(work, 'reservoir');
const service = await startLocalService({ home, port: 0 });
const streams = createStreamService(service.endpoint);
try {
  const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile('conf/local.json', 'utf8'))).config as LocalTargetConfig;
  const text = [
    'stream orders { shards 4 key order_id }',
    `stream replayed { shards ${shards} }`,
    `stream replayed_plain { shards ${shards} }`,
    `stream baseline { shards ${shards} }`,
    `reservoir orders_archive { from stream orders at "${root}" }`,
    'replay rebuild from archive orders_archive annotate <replayed: true> into stream replayed',
    'replay rebuild_plain from archive orders_archive annotate <replayed: true> aggregate off into stream replayed_plain',
  ].join('\n');
  const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  const replay = (name: string) => plan.steps.find((s): s is ReplayStep => s.kind === 'replay' && s.name === name)!;
  await streams.ensureStream('orders', 4, 24);
  for (const s of ['replayed', 'replayed_plain', 'baseline']) await streams.ensureStream(s, shards, 24);

  // The source: 200,000 orders put as KPL aggregates (fast to fill), then archived.
  let t = Date.now();
  for (let n = 0; n < records; ) {
    const batch: PutEntry[] = [];
    while (batch.length < 50 && n < records) {
      const agg = new KplAggregator();
      for (let i = 0; i < 100 && n < records; i++, n++) agg.add(`o-${n}`, Buffer.from(JSON.stringify(order(n))));
      const built = agg.flush()!;
      batch.push({ partitionKey: built.partitionKey, data: built.data });
    }
    await putAllRecords(streams, 'orders', batch);
  }
  await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams });
  console.log(`setup: ${records.toLocaleString()} records put and archived in ${((Date.now() - t) / 1000).toFixed(1)} s; destinations have ${shards} shards`);

  const ctx = { streams, reservoir: new FsReservoirStore(root), home, duckdb: config.duckdb };
  const fraction = config.replay.shardBudgetFraction;
  const budgetMiB = shards * fraction;

  // The replay, whole: SQL, annotation, aggregation, rate limits, retries, checkpoints.
  const aggregated = await runReplay(replay('rebuild'), ctx);
  const plain = withPlain ? await runReplay(replay('rebuild_plain'), ctx) : null;

  // The baseline gets the very same records (annotated like the replay's), prepared beforehand so
  // that only sending is timed: a plain loop of PutRecords calls of 500, one at a time.
  const source = await ReplaySource.open({
    step: replay('rebuild'),
    streams,
    archive: await readArchiveCheckpoint(ctx.reservoir),
    openEngine: (request) => openEmbeddedSqlEngine({}, request),
    store: ctx.reservoir,
  });
  const annotate = replay('rebuild').operators.find((o) => o.op === 'annotate')!;
  const annotator = new Annotator({ replayId: aggregated.replayId, annotate: annotate.op === 'annotate' ? annotate : null, partitionKey: { kind: 'meta', name: 'partition_key' } });
  const entries: { PartitionKey: string; Data: Buffer }[] = [];
  for await (const row of source.rows()) {
    const out = annotator.annotate(row);
    entries.push({ PartitionKey: out.partitionKey, Data: out.data });
  }
  await source.close();
  const bytes = entries.reduce((n, e) => n + e.Data.length + e.PartitionKey.length, 0);
  const client = new KinesisClient({
    region: 'us-east-1',
    endpoint: service.endpoint.url,
    credentials: service.endpoint.credentials!,
    requestHandler: new NodeHttpHandler({ requestTimeout: 30_000 }),
  });
  t = performance.now();
  for (let i = 0; i < entries.length; i += 500) {
    let batch = entries.slice(i, i + 500);
    while (batch.length > 0) {
      const out = await client.send(new PutRecordsCommand({ StreamName: 'baseline', Records: batch }));
      batch = batch.filter((_, k) => out.Records?.[k]?.ErrorCode);
    }
  }
  const baselineMs = performance.now() - t;
  client.destroy();
  const baselineRate = (entries.length * 1000) / baselineMs;

  const row = (name: string, n: number, ms: number, calls: string, mb: number) =>
    `${name.padEnd(48)} ${n.toLocaleString().padStart(9)} records ${(ms / 1000).toFixed(1).padStart(6)} s ${Math.round((n * 1000) / ms).toLocaleString().padStart(8)} records/s ${(mb / 1e6 / (ms / 1000)).toFixed(1).padStart(6)} MB/s  ${calls}`;
  console.log(`records are ${Math.round(bytes / entries.length)} bytes on average once annotated (${(bytes / 1e6).toFixed(0)} MB in all)`);
  console.log(row('baseline: SDK loop, PutRecords of 500, plain', entries.length, baselineMs, `${Math.ceil(entries.length / 500)} calls`, bytes));
  console.log(row('wshed replay, aggregated (whole run)', aggregated.emitted, aggregated.durationMs, `${aggregated.kinesisRecords.toLocaleString()} Kinesis records`, aggregated.bytes));
  if (plain) console.log(row('wshed replay, aggregate off (whole run)', plain.emitted, plain.durationMs, `${plain.kinesisRecords.toLocaleString()} Kinesis records`, plain.bytes));
  // What Kinesis is sent (and bills) per user record: data + partition key, aggregation framing and the run's markers included.
  let sourceBytes = 0;
  for (let n = 0; n < records; n++) sourceBytes += Buffer.byteLength(JSON.stringify(order(n))) + Buffer.byteLength(`o-${n}`);
  const perRecord = (s: { bytes: number; emitted: number; markers: { bytes: number } }) => (s.bytes + s.markers.bytes) / Math.max(1, s.emitted);
  const sourcePerRecord = sourceBytes / records;
  console.log(
    `bytes on the wire per user record: source ${sourcePerRecord.toFixed(0)}; aggregated replay ${perRecord(aggregated).toFixed(0)} (+${(perRecord(aggregated) - sourcePerRecord).toFixed(0)})` +
      (plain ? `; aggregate off ${perRecord(plain).toFixed(0)} (+${(perRecord(plain) - sourcePerRecord).toFixed(0)})` : '') +
      `; markers: ${aggregated.markers.records} per run (one per destination shard, ${aggregated.markers.bytes.toLocaleString()} bytes in all, included)`,
  );
  console.log(`ratio: aggregated replay / baseline = ${(aggregated.ratePerSecond / baselineRate).toFixed(2)}x` + (plain ? `; aggregate off / baseline = ${(plain.ratePerSecond / baselineRate).toFixed(2)}x` : ''));
  console.log(`the replay's own limit here: ${budgetMiB.toFixed(1)} MiB/s and ${Math.round(shards * 1000 * fraction).toLocaleString()} Kinesis records/s (${shards} shards x ${fraction} of the shard budget); the baseline ignores it`);
} finally {
  streams.close();
  await stopLocalService(home);
  await fs.rm(work, { recursive: true, force: true });
}

function order(n: number) {
  return { order_id: `o-${n % 150_000}`, customer: { id: `c-${n % 5000}`, region: ['eu', 'us', 'ap'][n % 3] }, total: (n % 10_000) / 100, status: ['open', 'shipped', 'cancelled'][n % 3] };
}
