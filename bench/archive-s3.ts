// Measures the archiver into an S3 reservoir on the AWS emulator (moto, its own process), side by
// side in one run: a plain GetRecords loop reading the same records (the baseline), the archive of
// those records into S3 and the ratio; moto's own PutObject rate (the S3 side's ceiling here);
// and the peak memory of `wshed archive --target aws` (the installed CLI) of a larger backlog.
// Usage: node --expose-gc --import tsx bench/archive-s3.ts [--records 200000] [--memory-records 1000000] [--shards 4]

import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArchiveStep } from '../src/compiler/plan/types.ts';
import { archiveReservoir } from '../src/runtime/archive/archiver.ts';
import { createS3Client } from '../src/runtime/aws/s3-client.ts';
import { createStreamService } from '../src/runtime/kinesis/aws-stream-service.ts';
import type { KinesisEndpoint } from '../src/runtime/kinesis/client.ts';
import { putAllRecords } from '../src/runtime/kinesis/put-records.ts';
import type { PutEntry, StreamService } from '../src/runtime/kinesis/stream-service.ts';
import { startLocalService, stopLocalService } from '../src/runtime/local/service.ts';
import { ensureBundle } from '../test/cli/helpers.ts';
import { startTestMoto } from '../test/runtime/helpers/moto.ts';
import { benchPayload as payload, plainGetRecordsRead } from './archive-baseline.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const records = Number(option('records', '200000'));
const memoryRecords = Number(option('memory-records', '1000000'));
const shards = Number(option('shards', '4'));
const MB = 1024 * 1024;

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-s3-'));
const home = path.join(work, 'home');
const moto = await startTestMoto();
// The product reaches the emulator as a user would: through the SDK's endpoint environment.
Object.assign(process.env, moto.env);
const service = await startLocalService({ home, port: 0 });
const streams = createStreamService(service.endpoint);
const s3 = createS3Client();
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};
try {
  await s3.send(new CreateBucketCommand({ Bucket: 'bench-reservoirs' }));

  await fill(streams, 'bench', records);
  const rawRate = await plainRead(service.endpoint, 'bench');
  say(`baseline: plain GetRecords loop: ${Math.round(rawRate).toLocaleString()} records/s`);

  const run = await archive(streams, 'bench', 'ratio');
  const archiveRate = (run.records * 1000) / run.ms;
  say(
    `archive into s3://bench-reservoirs/ratio: ${run.records.toLocaleString()} records, ${run.files} objects, ${(run.bytes / MB).toFixed(1)} MiB ` +
      `in ${(run.ms / 1000).toFixed(1)} s: ${Math.round(archiveRate).toLocaleString()} records/s, ${(run.bytes / MB / (run.ms / 1000)).toFixed(1)} MiB/s`,
  );
  say(`archiver into S3 / plain read = ${(archiveRate / rawRate).toFixed(2)} (aim: 0.80 or more)`);

  // moto's own rate for objects of the archive's size, 4 at a time (the archiver's shard concurrency).
  const size = Math.max(1, Math.round(run.bytes / Math.max(1, run.files)));
  const body = Buffer.alloc(size, 'x');
  const count = Math.max(8, run.files);
  let t = performance.now();
  await inParallel(count, 4, (i) => s3.send(new PutObjectCommand({ Bucket: 'bench-reservoirs', Key: `raw/${i}.json`, Body: body, IfNoneMatch: '*' })));
  let ms = performance.now() - t;
  say(`moto raw PutObject (If-None-Match: *), ${count} objects of ${(size / MB).toFixed(1)} MiB, 4 at a time: ${((count * size) / MB / (ms / 1000)).toFixed(1)} MiB/s`);
  t = performance.now();
  const small = Buffer.alloc(2048, 'c');
  await inParallel(200, 1, (i) => s3.send(new PutObjectCommand({ Bucket: 'bench-reservoirs', Key: `raw/small-${i}.json`, Body: small })));
  ms = performance.now() - t;
  say(`moto raw PutObject, 200 checkpoint-sized (2 KiB) objects one at a time: ${Math.round((200 * 1000) / ms)} requests/s`);

  if (memoryRecords > 0) {
    await fill(streams, 'bench_memory', memoryRecords);
    // The installed CLI in a process of its own, as a user runs it, so its peak memory is the archiver's alone.
    const big = await archiveWithCli(service.endpoint.url!, 'bench_memory', 's3://bench-reservoirs/memory');
    say(
      `wshed archive --target aws of ${big.records.toLocaleString()} records into S3 (the CLI bundle, own process) in ${(big.durationMs / 1000).toFixed(1)} s ` +
        `(${Math.round((big.records * 1000) / big.durationMs).toLocaleString()} records/s, ${big.files} objects): ` +
        `peak RSS ${(big.maxRssKiB / 1024).toFixed(0)} MiB (aim: 300 MiB or less)`,
    );
  }
  console.log('\nsummary\n  ' + lines.join('\n  '));
} finally {
  s3.destroy();
  streams.close();
  await stopLocalService(home);
  await moto.close();
  await fs.rm(work, { recursive: true, force: true });
}

async function fill(service: StreamService, stream: string, count: number): Promise<void> {
  await service.ensureStream(stream, shards, 24);
  const t = Date.now();
  for (let n = 0; n < count; ) {
    const batch: PutEntry[] = [];
    while (batch.length < 5_000 && n < count) batch.push({ partitionKey: `k${n}`, data: Buffer.from(JSON.stringify(payload(n++))) });
    await putAllRecords(service, stream, batch);
  }
  console.log(`put ${count.toLocaleString()} records into ${stream}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/** The same records read with the plain GetRecords loop (archive-baseline.ts): records/s. */
async function plainRead(endpoint: KinesisEndpoint, stream: string): Promise<number> {
  const { records, ms } = await plainGetRecordsRead(endpoint, stream);
  return (records * 1000) / ms;
}

async function archive(service: StreamService, stream: string, prefix: string) {
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const step: ArchiveStep = {
    id: `archive.${stream}`,
    kind: 'archive',
    action: 'run',
    after: [],
    reservoir: stream,
    stream,
    via: 'archiver',
    location: { kind: 's3', bucket: 'bench-reservoirs', prefix },
    format: 'json',
    partition: 'hourly',
    everySeconds: 60,
  };
  const t = Date.now();
  // The archiver's own defaults (page size, shard concurrency, file size), as `wshed archive` runs.
  const result = await archiveReservoir(step, { streams: service });
  const ms = Date.now() - t;
  clearInterval(sampler);
  return { records: result.records, files: result.files, bytes: result.bytes, ms, peakRss, peakHeap, rssBefore };
}

/**
 * Runs `wshed archive FILE --target aws --json` (the bundle dist/wshed.mjs) against the emulator
 * and the local service, by environment alone; a preloaded hook reports the process's peak RSS.
 */
async function archiveWithCli(kinesisUrl: string, stream: string, location: string): Promise<{ records: number; files: number; durationMs: number; maxRssKiB: number }> {
  const folder = path.join(work, 'cli');
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'bench.wshed'), `stream ${stream} { shards ${shards} }\nreservoir ${stream}_archive {\n  from stream ${stream}\n  at "${location}"\n  archive via archiver\n}\n`);
  await fs.writeFile(path.join(folder, 'aws.json'), JSON.stringify({ bucket: location.split('/')[2] }));
  const report = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";
  const child = spawn(process.execPath, ['--import', report, ensureBundle(), 'archive', 'bench.wshed', '--target', 'aws', '--conf', 'aws.json', '--json'], {
    cwd: folder,
    env: { ...process.env, AWS_ENDPOINT_URL_KINESIS: kinesisUrl, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const rss = /maxrss (\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`wshed archive failed (exit ${code}):\n${err}`));
      const result = JSON.parse(out.trim().split('\n').pop()!);
      resolve({ records: result.records, files: result.files, durationMs: result.durationMs, maxRssKiB: Number(rss[1]) });
    }),
  );
}

async function inParallel(count: number, width: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await work(next++);
  }));
}
