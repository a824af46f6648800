// Measures the archiver: fills a stream of the local Kinesis service (a background process, as
// in real use), reads it once with a plain SDK GetRecords loop (the baseline: reading only), then
// archives it, printing both rates, their ratio, and the archiver's peak memory.
// Usage: node --expose-gc --import tsx bench/archive.ts [--records 200000] [--per-aggregate 1] [--format json|parquet] [--shards 4]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { archiveReservoir } from '../src/runtime/archive/archiver.ts';
import { createStreamService } from '../src/runtime/kinesis/aws-stream-service.ts';
import { KplAggregator } from '../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../src/runtime/kinesis/put-records.ts';
import type { PutEntry } from '../src/runtime/kinesis/stream-service.ts';
import { startLocalService, stopLocalService } from '../src/runtime/local/service.ts';
import { benchPayload as payload, plainGetRecordsRead } from './archive-baseline.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const records = Number(option('records', '200000'));
const perAggregate = Number(option('per-aggregate', '1'));
const format = option('format', 'json') as 'json' | 'parquet';
const shards = Number(option('shards', '4'));

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-'));
const home = path.join(work, 'home');
const service = await startLocalService({ home, port: 0 });
const streams = createStreamService(service.endpoint);
try {
  await streams.ensureStream('bench', shards, 24);
  let t = Date.now();
  let n = 0;
  let kinesisRecords = 0;
  while (n < records) {
    const batch: PutEntry[] = [];
    while (batch.length < 5_000 && n < records) {
      if (perAggregate <= 1) {
        batch.push({ partitionKey: `k${n}`, data: Buffer.from(JSON.stringify(payload(n++))) });
        continue;
      }
      const agg = new KplAggregator();
      for (let i = 0; i < perAggregate && n < records; i++, n++) agg.add(`k${n}`, Buffer.from(JSON.stringify(payload(n))));
      const built = agg.flush()!;
      batch.push({ partitionKey: built.partitionKey, data: built.data });
    }
    kinesisRecords += batch.length;
    await putAllRecords(streams, 'bench', batch);
  }
  const putMs = Date.now() - t;
  console.log(`put ${records.toLocaleString()} user records in ${kinesisRecords.toLocaleString()} Kinesis records: ${(putMs / 1000).toFixed(1)} s`);

  // Baseline: the same records read with nothing but GetRecords, shard after shard, to the tip.
  const { records: rawRecords, ms: rawMs } = await plainGetRecordsRead(service.endpoint, 'bench');
  const rawRate = ((rawRecords * (perAggregate > 1 ? perAggregate : 1)) * 1000) / rawMs;
  console.log(`baseline: plain GetRecords loop read ${rawRecords.toLocaleString()} Kinesis records in ${(rawMs / 1000).toFixed(1)} s: ${Math.round(rawRate).toLocaleString()} user records/s`);

  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  t = Date.now();
  const result = await archiveReservoir(
    {
      id: 'archive.bench',
      kind: 'archive',
      action: 'run',
      after: [],
      reservoir: 'bench',
      stream: 'bench',
      via: 'archiver',
      location: { kind: 'local', path: path.join(work, 'reservoir') },
      format,
      partition: 'hourly',
      everySeconds: 60,
    },
    { streams },
    { pageSize: perAggregate > 1 ? Math.max(10, Math.floor(10_000 / perAggregate)) : 10_000 },
  );
  clearInterval(sampler);
  const ms = Date.now() - t;
  console.log(
    `archived ${result.records.toLocaleString()} records (${format}) into ${result.files} files, ` +
      `${(result.bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s: ` +
      `${Math.round((result.records * 1000) / ms).toLocaleString()} records/s; ` +
      `peak heap ${(peakHeap / 1e6).toFixed(0)} MB, peak RSS ${(peakRss / 1e6).toFixed(0)} MB (${(rssBefore / 1e6).toFixed(0)} MB before)`,
  );
  const archiveRate = (result.records * 1000) / ms;
  console.log(`archiver / plain read = ${(archiveRate / rawRate).toFixed(2)} (aim: 0.80 or more)`);
} finally {
  streams.close();
  await stopLocalService(home);
  await fs.rm(work, { recursive: true, force: true });
}
