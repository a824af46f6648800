// Memory of a compacting replay: 5,000,000 archived records over 1,000,000 keys, compacted to the
// last record per key by the replay's SQL under DuckDB's memory_limit, its 1,000,000 rows streamed
// to JavaScript chunk by chunk as the replay does. Peak RSS (VmHWM) of the whole process must stay
// under 1 GiB. Baseline in the same run: the same SQL read all at once (runAndReadAll), as a query
// tool would. Each measurement runs in its own process so its peak is its own.
// Usage: node --import tsx bench/compaction-memory.ts [--records 5000000] [--keys 1000000] [--memory-limit 512MB]

import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { compile } from '../src/compiler/compile.ts';
import { validateTargetConfig } from '../src/compiler/config/validate.ts';
import type { ReplayStep } from '../src/compiler/plan/types.ts';
import type { SqlEngineRequest } from '../src/runtime/query/sql-engine.ts';
import { openEmbeddedSqlEngine } from '../src/runtime/target/embedded-sql.ts';
import type { StreamService } from '../src/runtime/kinesis/stream-service.ts';
import { reservoirLine } from '../src/runtime/reservoir/record-encoding.ts';
import { archiveStore, ReplaySource } from '../src/runtime/replay/source.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const mode = option('child', '');
if (mode) await measure(mode, option('step', ''), option('memory-limit', '512MB'));
else await main();

async function main(): Promise<void> {
  const records = Number(option('records', '5000000'));
  const keys = Number(option('keys', '1000000'));
  const memoryLimit = option('memory-limit', '512MB');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-compaction-'));
  try {
    const root = path.join(work, 'reservoir');
    let t = performance.now();
    const bytes = await writeReservoir(root, records, keys);
    console.log(`wrote ${records.toLocaleString()} records over ${keys.toLocaleString()} keys (${(bytes / 1e9).toFixed(2)} GB of NDJSON) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const config = validateTargetConfig('conf/local.json', JSON.parse(readFileSync(path.join(ROOT, 'conf/local.json'), 'utf8'))).config!;
    const text = `stream orders { shards 4 key id }\nstream latest { shards 1 }\nreservoir r { from stream orders at "${root}" }\nreplay compacted from archive r compact by key into stream latest`;
    const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
    if (!plan) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const stepFile = path.join(work, 'step.json');
    await fs.writeFile(stepFile, JSON.stringify(plan.steps.find((s): s is ReplayStep => s.kind === 'replay')));

    console.log(`DuckDB memory_limit ${memoryLimit}, 2 threads; peak RSS is the process's VmHWM`);
    for (const m of ['stream', 'materialize']) {
      t = performance.now();
      const run = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', m, '--step', stepFile, '--memory-limit', memoryLimit], { cwd: ROOT, encoding: 'utf8' });
      const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) {
        console.log(`${m.padEnd(12)} failed (${run.signal ?? `exit ${run.status}`}): ${run.stderr.split('\n').slice(0, 3).join(' ')}`);
        continue;
      }
      const r = JSON.parse(line) as { rows: number; ms: number; peakRss: number; firstRowMs: number };
      const label = m === 'stream' ? 'replay source: stream() + fetchChunk()' : 'baseline: runAndReadAll';
      const verdict = m === 'stream' ? (r.peakRss < 1024 ** 3 ? '  (under 1 GiB)' : '  (OVER 1 GiB)') : '';
      console.log(
        `${label.padEnd(40)} ${r.rows.toLocaleString()} rows in ${(r.ms / 1000).toFixed(1)} s (first row after ${(r.firstRowMs / 1000).toFixed(1)} s), ` +
          `peak RSS ${(r.peakRss / 1024 ** 2).toFixed(0)} MiB${verdict}`,
      );
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Reservoir files in the record layout, written directly (the archiver would take minutes). */
async function writeReservoir(root: string, records: number, keys: number): Promise<number> {
  const perFile = 50_000;
  const base = Date.parse('2026-03-01T00:00:00.000Z');
  let bytes = 0;
  for (let first = 0; first < records; first += perFile) {
    const shard = (first / perFile) % 4;
    const lines: string[] = [];
    const last = Math.min(records, first + perFile) - 1;
    for (let n = first; n <= last; n++) {
      // Every key appears about records/keys times, spread over the whole range.
      const key = `k${(n * 7919) % keys}`;
      const meta = {
        stream: 'orders',
        shardId: `shardId-00000000000${shard}`,
        sequenceNumber: sequence(n),
        subSequenceNumber: 0,
        partitionKey: key,
        arrivalTime: new Date(base + n * 10).toISOString(),
      };
      lines.push(reservoirLine(meta, `{"id":"${key}","v":${n},"status":"${n % 3 === 0 ? 'open' : 'shipped'}","total":${(n % 10_000) / 100}}`));
    }
    const hour = new Date(base + first * 10).toISOString().slice(11, 13);
    const folder = path.join(root, 'dt=2026-03-01', `hour=${hour}`);
    await fs.mkdir(folder, { recursive: true });
    const text = lines.join('');
    bytes += Buffer.byteLength(text);
    await fs.writeFile(path.join(folder, `part-shardId-00000000000${shard}-${sequence(first)}-${sequence(last)}.json`), text);
  }
  return bytes;
}

function sequence(n: number): string {
  return `4965${String(n).padStart(52, '0')}`;
}

async function measure(how: string, stepFile: string, memoryLimit: string): Promise<void> {
  const step = JSON.parse(await fs.readFile(stepFile, 'utf8')) as ReplayStep;
  const t = performance.now();
  let rows = 0;
  let firstRowMs = 0;
  if (how === 'stream') {
    // An archive-only source with a cut given: no stream is read.
    const noStreams = {} as StreamService;
    const cut = { watermark: { captured_at: new Date().toISOString(), shards: {} }, emptyShards: [], closedShards: [], basis: 'archive-checkpoint' as const };
    const openEngine = (request: SqlEngineRequest) => openEmbeddedSqlEngine({}, request);
    const source = await ReplaySource.open({ step, streams: noStreams, archive: null, bound: cut, threads: 2, memoryLimit, openEngine, store: archiveStore(step, null) });
    try {
      for await (const row of source.rows()) {
        if (rows++ === 0) firstRowMs = performance.now() - t;
        if (row.payload.length === 0) throw new Error('empty payload');
      }
    } finally {
      await source.close();
    }
  } else {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: memoryLimit });
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(step.sql.duckdb);
    rows = reader.getRowObjectsJS().length;
    firstRowMs = performance.now() - t;
    connection.closeSync();
    instance.closeSync();
  }
  const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  console.log(JSON.stringify({ rows, ms: performance.now() - t, firstRowMs, peakRss }));
}
