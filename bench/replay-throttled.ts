// Replay against a destination held to a fixed budget: the fault proxy throttles each shard past
// N records/s (or bytes/s) as Kinesis does, below what the replay itself would send. The replay
// must find the budget and keep it busy (>= 90%) without losing a record. Two cases: plain
// records (records/s binds) and KPL aggregates (bytes/s binds); the budget is the baseline.
// Usage: node --import tsx bench/replay-throttled.ts [--records 30000] [--case plain|aggregated]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compile } from '../src/compiler/compile.ts';
import { validateTargetConfig } from '../src/compiler/config/validate.ts';
import type { ArchiveStep, ReplayStep } from '../src/compiler/plan/types.ts';
import type { LocalTargetConfig } from '../src/compiler/target-config.ts';
import { archiveReservoir } from '../src/runtime/archive/archiver.ts';
import { createStreamService } from '../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../src/runtime/kinesis/put-records.ts';
import { startLocalService, stopLocalService } from '../src/runtime/local/service.ts';
import { FsReservoirStore } from '../src/runtime/reservoir/fs-store.ts';
import type { ReplayProgress } from '../src/runtime/replay/progress.ts';
import { runReplay } from '../src/runtime/replay/run-replay.ts';
import { readStream, singleAttemptStreamService, startFaultProxy } from '../test/runtime/helpers/fault-proxy.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SHARDS = 4;
const records = Number(option('records', '30000'));

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-throttled-'));
const home = path.join(work, 'home');
const root = path.join(work, 'reservoir');
const service = await startLocalService({ home, port: 0 });
const streams = createStreamService(service.endpoint);
try {
  const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile('conf/local.json', 'utf8'))).config as LocalTargetConfig;
  const text = [
    'stream orders { shards 2 }',
    `stream plain_dst { shards ${SHARDS} }`,
    `stream aggregated_dst { shards ${SHARDS} }`,
    `reservoir orders_archive { from stream orders at "${root}" }`,
    'replay plain from archive orders_archive aggregate off into stream plain_dst',
    'replay aggregated from archive orders_archive into stream aggregated_dst',
  ].join('\n');
  const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  await streams.ensureStream('orders', 2, 24);
  for (const s of ['plain_dst', 'aggregated_dst']) await streams.ensureStream(s, SHARDS, 24);
  for (let n = 0; n < records; n += 5000) {
    const count = Math.min(5000, records - n);
    await putAllRecords(streams, 'orders', Array.from({ length: count }, (_, i) => ({ partitionKey: `o-${n + i}`, data: Buffer.from(JSON.stringify({ order_id: n + i, pad: 'x'.repeat(100) })) })));
  }
  await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams });

  const all = [
    { name: 'plain', unit: 'records/s', perShard: { recordsPerSecond: 400, bytesPerSecond: 1024 * 1024 }, budget: 400 * SHARDS },
    { name: 'aggregated', unit: 'bytes/s', perShard: { recordsPerSecond: 1000, bytesPerSecond: 192 * 1024 }, budget: 192 * 1024 * SHARDS },
  ] as const;
  const only = option('case', '');
  const cases = all.filter((c) => only === '' || c.name === only);
  console.log(`${records.toLocaleString()} records into ${SHARDS} shards held by the proxy below the replay's own limit (${config.replay.shardBudgetFraction} of 1,000 records/s and 1 MiB/s per shard)`);
  for (const c of cases) {
    const step = plan.steps.find((s): s is ReplayStep => s.kind === 'replay' && s.name === c.name)!;
    const proxy = await startFaultProxy({ targetPort: service.port!, throughput: { ...c.perShard, shards: await streams.listShards(step.into) } });
    const destination = singleAttemptStreamService(proxy.endpoint);
    const samples: { t: number; p: ReplayProgress }[] = [];
    const summary = await runReplay(
      step,
      { streams, destination, reservoir: new FsReservoirStore(root), home, maxRetries: config.replay.maxRetries },
      { onProgress: (p) => p.phase === 'emit' && samples.push({ t: performance.now(), p }) },
    );
    destination.close();
    await proxy.close();
    // Steady state: from the first tenth (past the proxy's initial burst of one second) to the end.
    const from = samples.find((s) => s.p.emitted >= records / 10)!;
    const to = samples[samples.length - 1];
    const amount = (s: { p: ReplayProgress }) => (c.unit === 'records/s' ? s.p.emitted : s.p.bytes);
    const achieved = (amount(to) - amount(from)) / ((to.t - from.t) / 1000);
    const stored = await readStream(streams, step.into);
    const distinct = new Set(stored.map((r) => (JSON.parse(r.data.toString()) as { order_id: number }).order_id)).size;
    const fmt = (x: number) => (c.unit === 'bytes/s' ? `${(x / 1024).toFixed(0)} KiB/s` : `${x.toFixed(0)} records/s`);
    console.log(
      `${c.name.padEnd(10)} budget ${fmt(c.budget).padStart(13)}   achieved ${fmt(achieved).padStart(13)}   ratio ${((achieved / c.budget) * 100).toFixed(1)}%   ` +
        `lost ${records - distinct}   throttled entries ${proxy.stats.entriesThrottled}   retried ${summary.retried}   ` +
        `${summary.kinesisRecords.toLocaleString()} Kinesis records in ${(summary.durationMs / 1000).toFixed(1)} s`,
    );
  }
} finally {
  streams.close();
  await stopLocalService(home);
  await fs.rm(work, { recursive: true, force: true });
}
