// The job service under read load: while 3 replay-flagged query jobs (POST /pump/jobs) move
// records from a reservoir into local Kinesis streams, 50 clients poll GET /pump/jobs/{id} and
// ask for previews for 30 s (45 poll, 5 preview: a client waiting seconds for a preview would
// otherwise stop polling), then poll only for 30 s more. Beside them, in the same run, the same
// 50 clients on GET /health and on the same requests with no job running. All on loopback: the
// Kinesis service is a background process, the pump service runs on this thread, the clients on
// a worker thread (its own event loop, so their bookkeeping does not slow the service measured).
// Not a test: machines are noisy; compare the lines of one run, not figures across machines.
// Usage: node --import tsx bench/pump-load.ts [--records 60000] [--shards 1] [--clients 50] [--previewers 5] [--seconds 30]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { compile } from '../src/compiler/compile.ts';
import { validateTargetConfig } from '../src/compiler/config/validate.ts';
import type { ArchiveStep } from '../src/compiler/plan/types.ts';
import type { LocalTargetConfig } from '../src/compiler/target-config.ts';
import { PumpClient, PumpHttpError, PumpUnavailableError, type PumpJob } from '../src/cli/pump-client.ts';
import { archiveReservoir } from '../src/runtime/archive/archiver.ts';
import { createStreamService } from '../src/runtime/kinesis/aws-stream-service.ts';
import { KplAggregator } from '../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../src/runtime/kinesis/put-records.ts';
import type { PutEntry } from '../src/runtime/kinesis/stream-service.ts';
import { startLocalService, stopLocalService } from '../src/runtime/local/service.ts';
import { startPumpServer } from '../src/service/server.ts';

/** What one load phase asks the worker to do. */
interface PhaseOrder {
  readonly url: string;
  readonly token: string;
  readonly clients: number;
  readonly seconds: number;
  /** `health`: GET /health only; `jobs`: `previewers` of the clients ask for previews, the others poll these ids. */
  readonly mix: { readonly kind: 'health' } | { readonly kind: 'jobs'; readonly jobIds: readonly string[]; readonly previewers: number; readonly previewSql: string };
}

interface PhaseResult {
  readonly ms: number;
  /** Wall-clock start and end of the clients' loops (epoch ms). */
  readonly from: number;
  readonly to: number;
  readonly latencies: Record<'health' | 'poll' | 'preview', number[]>;
  readonly errors: number;
  readonly errorSamples: string[];
}

if (isMainThread) {
  await main();
} else {
  parentPort!.on('message', (order: PhaseOrder) => void runClients(order).then((result) => parentPort!.postMessage(result)));
  parentPort!.postMessage('ready');
}

/** Runs `clients` loops until the deadline; each request is timed and its failure counted. */
async function runClients(order: PhaseOrder): Promise<PhaseResult> {
  const client = new PumpClient(order.url, { token: order.token, timeoutMs: 30_000 });
  const latencies: PhaseResult['latencies'] = { health: [], poll: [], preview: [] };
  const errorSamples: string[] = [];
  let errors = 0;
  const from = Date.now();
  const started = performance.now();
  const deadline = started + order.seconds * 1000;
  const timed = async (kind: keyof PhaseResult['latencies'], call: () => Promise<unknown>) => {
    const t = performance.now();
    try {
      await call();
      latencies[kind].push(performance.now() - t);
    } catch (e) {
      errors++;
      const why = e instanceof PumpHttpError ? `${kind}: HTTP ${e.status} ${e.message}` : e instanceof PumpUnavailableError ? `${kind}: ${e.why}` : `${kind}: ${(e as Error).message}`;
      if (errorSamples.length < 5) errorSamples.push(why.split('\n')[0]);
    }
  };
  await Promise.all(
    Array.from({ length: order.clients }, async (_, c) => {
      const mix = order.mix;
      for (let i = c; performance.now() < deadline; i++) {
        if (mix.kind === 'health') await timed('health', () => client.health());
        else if (c < mix.previewers) await timed('preview', () => client.preview(mix.previewSql, 10));
        else await timed('poll', () => client.getJob(mix.jobIds[i % mix.jobIds.length]));
      }
    }),
  );
  return { ms: performance.now() - started, from, to: Date.now(), latencies, errors, errorSamples };
}

interface LoadWorker {
  run(order: PhaseOrder): Promise<PhaseResult>;
  stop(): Promise<void>;
}

/** The clients' thread, started (seconds: it loads this file's imports) before any phase is timed. */
async function startLoadWorker(): Promise<LoadWorker> {
  // A worker does not inherit `--import tsx`: it registers tsx itself, then loads this file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      worker.once('error', fail);
      worker.once('message', (m) => {
        worker.off('error', fail);
        resolve(m);
      });
    });
  if ((await next()) !== 'ready') throw new Error('the load worker did not start');
  return {
    run(order) {
      const answer = next() as Promise<PhaseResult>;
      worker.postMessage(order);
      return answer;
    },
    async stop() {
      await worker.terminate();
    },
  };
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  // One destination shard each holds every job to 800 records/s (the shard budget): 60,000 records
  // take about 80 s, so the jobs outlast both loaded phases.
  const records = Number(option('records', '60000'));
  const shards = Number(option('shards', '1'));
  const clients = Number(option('clients', '50'));
  const seconds = Number(option('seconds', '30'));
  const previewers = Number(option('previewers', '5'));
  const token = 'bench-token-not-a-secret';

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-pump-'));
  const home = path.join(work, 'home');
  const root = path.join(work, 'reservoir');
  const kinesis = await startLocalService({ home, port: 0 });
  const streams = createStreamService(kinesis.endpoint);
  const destination = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  let server: Awaited<ReturnType<typeof startPumpServer>> | null = null;
  const load = await startLoadWorker();
  try {
    const config = validateTargetConfig('conf/local.json', JSON.parse(await fs.readFile('conf/local.json', 'utf8'))).config as LocalTargetConfig;
    const destinations = ['pumped_1', 'pumped_2', 'pumped_3'];
    const text = ['stream orders { shards 4 key order_id }', ...destinations.map((d) => `stream ${d} { shards ${shards} }`), `reservoir orders_archive { from stream orders at "${root}" }`].join('\n');
    const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
    if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    await streams.ensureStream('orders', 4, 24);
    for (const d of destinations) await streams.ensureStream(d, shards, 24);

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
    console.log(`setup: ${records.toLocaleString()} records put and archived in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    server = await startPumpServer({
      plan,
      cwd: work,
      home,
      streams,
      destination,
      duckdb: config.duckdb,
      shardBudgetFraction: config.replay.shardBudgetFraction,
      maxRetries: config.replay.maxRetries,
      port: 0,
      token,
      concurrency: 3,
    });
    const api = new PumpClient(server.url, { token });
    const previewSql = "SELECT payload.order_id AS order_id, payload.total AS total FROM orders_archive WHERE CAST(payload.total AS DOUBLE) < 50";
    // A finished job for the idle phase to poll.
    const warm = await api.waitForJob((await api.createJob({ queryIn: 'SELECT * FROM orders_archive LIMIT 100', streamOut: destinations[0], hasReplayFlag: true, hasOverwriteFlag: false })).jobId);
    if (warm.stage !== 'COMPLETED_SUCCESS') throw new Error(`warm-up job failed: ${warm.error ?? warm.stage}`);
    const base = { url: server.url, token, clients, seconds };
    const jobsMix = (jobIds: string[], withPreviews: boolean) => ({ kind: 'jobs' as const, jobIds, previewers: withPreviews ? previewers : 0, previewSql });

    console.log(`load: ${clients} clients a phase for ${seconds} s, each waiting for its answer before its next request; in the mixed phases ${previewers} of them ask for previews (10 rows + count), the others poll`);
    const health = await load.run({ ...base, mix: { kind: 'health' } });
    const idleMixed = await load.run({ ...base, mix: jobsMix([warm.jobId], true) });
    const idlePolls = await load.run({ ...base, mix: jobsMix([warm.jobId], false) });

    // The loaded phases: three jobs moving every archived record, created just before the clients start.
    t = Date.now();
    const jobs = await Promise.all(destinations.map((d) => api.createJob({ queryIn: 'SELECT * FROM orders_archive', streamOut: d, hasReplayFlag: true, hasOverwriteFlag: false })));
    const ids = jobs.map((j) => j.jobId);
    const busyMixed = await load.run({ ...base, mix: jobsMix(ids, true) });
    const busyPolls = await load.run({ ...base, mix: jobsMix(ids, false) });
    const finished = await Promise.all(jobs.map((j) => api.waitForJob(j.jobId)));

    const budget = Math.round(shards * 1000 * config.replay.shardBudgetFraction);
    console.log('');
    console.log(header());
    console.log(row('baseline: GET /health, no job running', health, 'health'));
    console.log(row('baseline: poll, no job running (mixed phase)', idleMixed, 'poll'));
    console.log(row('baseline: preview, no job running (mixed phase)', idleMixed, 'preview'));
    console.log(row('baseline: poll, no job running (polls only)', idlePolls, 'poll'));
    console.log(row('load: poll, 3 jobs running (mixed phase)', busyMixed, 'poll'));
    console.log(row('load: preview, 3 jobs running (mixed phase)', busyMixed, 'preview'));
    console.log(row('load: poll, 3 jobs running (polls only)', busyPolls, 'poll'));
    const phases = { health, idleMixed, idlePolls, busyMixed, busyPolls };
    console.log(
      `errors: ${Object.entries(phases).map(([name, p]) => `${name} ${p.errors}`).join(', ')}` +
        Object.values(phases).flatMap((p) => p.errorSamples).map((e) => `\n  ${e}`).join(''),
    );
    console.log('');
    const during = (job: PumpJob, p: PhaseResult) => Math.max(0, Math.min(Date.parse(job.completionTime as string), p.to) - Math.max(Date.parse(job.startTime as string), p.from)) / 1000;
    for (const job of finished) {
      console.log(
        `job ${job.jobId.slice(0, 8)} → ${job.streamOut}: ${job.stage}, ${job.successfulRecordCount.toLocaleString('en-US')} successful, ${job.failureRecordCount} failed, ` +
          `${((job.elapsedTime ?? 0) / 1000).toFixed(1)} s at ${Math.round(job.meanRate ?? 0).toLocaleString('en-US')} records/s (budget ${budget.toLocaleString('en-US')}/s); ` +
          `ran ${during(job, busyMixed).toFixed(1)} of ${((busyMixed.to - busyMixed.from) / 1000).toFixed(1)} s of the mixed phase, ${during(job, busyPolls).toFixed(1)} of ${((busyPolls.to - busyPolls.from) / 1000).toFixed(1)} s of the polls-only one` +
          (job.error ? `; error: ${job.error}` : ''),
      );
    }
    console.log(`jobs created to all finished: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    if (finished.some((j) => j.stage !== 'COMPLETED_SUCCESS' || j.successfulRecordCount !== records)) process.exitCode = 1;
    if (Object.values(phases).some((p) => p.errors > 0)) process.exitCode = 1;
  } finally {
    await load.stop();
    await server?.close();
    streams.close();
    destination.close();
    await stopLocalService(home);
    await fs.rm(work, { recursive: true, force: true });
  }
}

function header(): string {
  return `${'phase'.padEnd(52)} ${'served'.padStart(7)} ${'req/s'.padStart(7)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}`;
}

function row(name: string, r: PhaseResult, kind: keyof PhaseResult['latencies']): string {
  const sorted = [...r.latencies[kind]].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  const ms = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(1)} ms`).padStart(9);
  return `${name.padEnd(52)} ${String(sorted.length).padStart(7)} ${Math.round((sorted.length * 1000) / r.ms).toString().padStart(7)} ${ms(at(0.5))} ${ms(at(0.99))} ${ms(sorted[sorted.length - 1] ?? NaN)}`;
}

function order(n: number) {
  return { order_id: `o-${n}`, customer: { id: `c-${n % 5000}`, region: ['eu', 'us', 'ap'][n % 3] }, total: (n % 10_000) / 100, status: ['open', 'shipped', 'cancelled'][n % 3] };
}
