// A replay split into 2 parts (`--part 1/2`, `--part 2/2`, run side by side) against one run of the
// same replay, both into the local Kinesis behind the fault proxy, which holds each destination
// shard to a budget below the replay's own (as Kinesis throttles). Prints records/s of the single
// run, of each part and of the parts together, and the share of the total budget (shards × budget)
// each used; then checks that nothing was lost, doubled or misrouted: the parts' destination holds,
// shard by shard, what the single run's holds (replay ids aside), each key's records in the same
// order (a key is in one entry of a PutRecords call, batcher.ts), and says whether each whole shard
// is in the same order too (not promised: a throttled entry retried after later entries of other
// keys went through interleaves the keys of its shard differently in either run).
// Usage: node --import tsx bench/replay-parts.ts [--records 20000] [--shards 4] [--budget 400]

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
import type { PartSpec } from '../src/runtime/replay/parts.ts';
import { readStream, singleAttemptStreamService, startFaultProxy, type StoredUserRecord } from '../test/runtime/helpers/fault-proxy.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const records = Number(option('records', '20000'));
const SHARDS = Number(option('shards', '4'));
const PER_SHARD = Number(option('budget', '400'));
const BUDGET = PER_SHARD * SHARDS;

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-parts-'));
const home = path.join(work, 'home');
const root = path.join(work, 'reservoir');
const service = await startLocalService({ home, port: 0 });
const streams = createStreamService(service.endpoint);
try {
  const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile('conf/local.json', 'utf8'))).config as LocalTargetConfig;
  const text = [
    'stream orders { shards 2 }',
    `stream whole_dst { shards ${SHARDS} }`,
    `stream parts_dst { shards ${SHARDS} }`,
    `reservoir orders_archive { from stream orders at "${root}" }`,
    'replay whole from archive orders_archive aggregate off into stream whole_dst',
    'replay split from archive orders_archive aggregate off into stream parts_dst',
  ].join('\n');
  const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  await streams.ensureStream('orders', 2, 24);
  for (const s of ['whole_dst', 'parts_dst']) await streams.ensureStream(s, SHARDS, 24);
  for (let n = 0; n < records; n += 5000) {
    const count = Math.min(5000, records - n);
    await putAllRecords(streams, 'orders', Array.from({ length: count }, (_, i) => ({ partitionKey: `o-${n + i}`, data: Buffer.from(JSON.stringify({ order_id: n + i, pad: 'x'.repeat(100) })) })));
  }
  await archiveReservoir(plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams });
  const store = new FsReservoirStore(root);
  const stepOf = (name: string) => plan.steps.find((s): s is ReplayStep => s.kind === 'replay' && s.name === name)!;

  /** Runs the replay (whole, or its parts side by side) behind a fresh proxy; returns each run's emit samples. */
  async function measure(step: ReplayStep, parts: readonly (PartSpec | null)[]) {
    const proxy = await startFaultProxy({ targetPort: service.port!, throughput: { recordsPerSecond: PER_SHARD, bytesPerSecond: 1024 * 1024, shards: await streams.listShards(step.into) } });
    const runs = await Promise.all(
      parts.map(async (part) => {
        const destination = singleAttemptStreamService(proxy.endpoint);
        const samples: { t: number; emitted: number }[] = [];
        try {
          const summary = await runReplay(
            step,
            { streams, destination, reservoir: store, partsStore: store, home, maxRetries: config.replay.maxRetries },
            { ...(part ? { part } : {}), onProgress: (p: ReplayProgress) => p.phase === 'emit' && samples.push({ t: performance.now(), emitted: p.emitted }) },
          );
          return { part, summary, samples };
        } finally {
          destination.close();
        }
      }),
    );
    await proxy.close();
    return { runs, throttled: proxy.stats.entriesThrottled };
  }

  /** Steady rate of one or more runs together: from a tenth of the records (past the proxy's one-second burst) to the end. */
  function steadyRate(all: readonly { t: number; emitted: number }[][]): number {
    const events = all.flatMap((samples, i) => samples.map((s) => ({ ...s, i }))).sort((a, b) => a.t - b.t);
    const latest = new Map<number, number>();
    let from: { t: number; total: number } | null = null;
    let to = { t: 0, total: 0 };
    for (const e of events) {
      latest.set(e.i, e.emitted);
      const total = [...latest.values()].reduce((n, x) => n + x, 0);
      if (!from && total >= records / 10) from = { t: e.t, total };
      to = { t: e.t, total };
    }
    return from && to.t > from.t ? ((to.total - from.total) * 1000) / (to.t - from.t) : 0;
  }

  console.log(`${records.toLocaleString()} records into ${SHARDS} shards, each held by the proxy to ${PER_SHARD} records/s (total budget ${BUDGET.toLocaleString()} records/s)`);
  const whole = await measure(stepOf('whole'), [null]);
  const split = await measure(stepOf('split'), [
    { index: 1, count: 2 },
    { index: 2, count: 2 },
  ]);

  const line = (label: string, rate: number, budget: number, extra: string) =>
    console.log(`${label.padEnd(18)} ${rate.toFixed(0).padStart(6)} records/s   ${((rate / budget) * 100).toFixed(1).padStart(5)}% of its budget (${budget.toLocaleString()}/s)   ${extra}`);
  const w = whole.runs[0];
  line('single run', steadyRate([w.samples]), BUDGET, `${w.summary.emitted.toLocaleString()} emitted in ${(w.summary.durationMs / 1000).toFixed(1)} s, throttled entries ${whole.throttled}`);
  for (const r of split.runs) {
    const shards = r.summary.part!.shards.length;
    line(`part ${r.part!.index}/${r.part!.count}`, steadyRate([r.samples]), PER_SHARD * shards, `${r.summary.emitted.toLocaleString()} emitted on ${shards} shards in ${(r.summary.durationMs / 1000).toFixed(1)} s`);
  }
  const together = steadyRate(split.runs.map((r) => r.samples));
  line('parts together', together, BUDGET, `throttled entries ${split.throttled}, one replay id: ${new Set(split.runs.map((r) => r.summary.replayId)).size === 1}`);

  // Nothing lost, nothing doubled: both destinations hold the same records per shard, in order.
  const comparable = (r: StoredUserRecord) => {
    const data = JSON.parse(r.data.toString('utf8')) as { _wshed?: { replay_id?: string }; order_id?: number };
    if (data._wshed) delete data._wshed.replay_id;
    return `${r.shardId} ${r.partitionKey} ${JSON.stringify(data)}`;
  };
  const [a, b] = await Promise.all([readStream(streams, 'whole_dst'), readStream(streams, 'parts_dst')]);
  const userRecords = (all: StoredUserRecord[]) => all.filter((r) => r.partitionKey !== '_wshed-replay-marker');
  const distinct = new Set(userRecords(b).map((r) => (JSON.parse(r.data.toString()) as { order_id: number }).order_id)).size;
  const inOrder = JSON.stringify(userRecords(a).map(comparable)) === JSON.stringify(userRecords(b).map(comparable));
  const byKey = (all: StoredUserRecord[]) => {
    const keys = new Map<string, string[]>();
    for (const r of userRecords(all)) keys.set(r.partitionKey, [...(keys.get(r.partitionKey) ?? []), comparable(r)]);
    return JSON.stringify([...keys.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  };
  const keyOrder = byKey(a) === byKey(b);
  const sameSet = JSON.stringify(userRecords(a).map(comparable).sort()) === JSON.stringify(userRecords(b).map(comparable).sort());
  console.log(
    `parts' destination: ${userRecords(b).length.toLocaleString()} records, ${distinct.toLocaleString()} distinct (lost ${records - distinct}); ` +
      `per shard the single run's records: ${sameSet}; each key's in the same order: ${keyOrder}; whole shards in the same order: ${inOrder}`,
  );
  if (!sameSet || !keyOrder || distinct !== records || userRecords(b).length !== records) process.exitCode = 1;
} finally {
  streams.close();
  await stopLocalService(home);
  await fs.rm(work, { recursive: true, force: true });
}
