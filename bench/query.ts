// Measures `wshed query` (runQuery through the unified view, local service not running) beside
// DuckDB reading the same reservoir files directly, with the same threads and memory limit.
// Every query shape (count, group-by, naming payload, rows with their payload, SELECT *) side by
// side in one run, each with its ratio, and the worst ratio against the 1.3 target.
// Like for like: both sides return the same rows with the same columns (the direct SELECT * names
// the view's columns: metadata under `_` names, the payload's fields, and the payload) into the same
// kind of sink. For an NDJSON shape wshed writes its NDJSON to a discarding Writable, and DuckDB
// direct renders each row as JSON itself (to_json, its fastest way to NDJSON) and writes the lines
// to the same kind of Writable; for a table shape (a few rows) wshed writes its table and DuckDB
// direct converts the rows to JavaScript values (getRows).
// Usage (reps: runs of each side per shape at least, more for a short one): node --import tsx bench/query.ts [--records 1000000] [--reps 7] [--threads 2] [--memory 1GB] [--only NAME]

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { compile } from '../src/compiler/compile.ts';
import type { Plan } from '../src/compiler/plan/types.ts';
import { partitionPath } from '../src/compiler/record-layout.ts';
import type { OutputFormat } from '../src/runtime/query/output.ts';
import { runQuery } from '../src/runtime/query/run-query.ts';
import { dataFilePath } from '../src/runtime/reservoir/file-names.ts';
import { reservoirLine } from '../src/runtime/reservoir/record-encoding.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const records = Number(option('records', '1000000'));
const reps = Number(option('reps', '7'));
const threads = Number(option('threads', '2'));
const memoryLimit = option('memory', '1GB');
const SHARDS = 2;
const HOURS = 24;
/** The archiver's default: a file closes after 100,000 records (or 64 MiB, or a new hour). */
const PER_FILE = 100_000;

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-bench-query-'));
try {
  const root = path.join(work, 'reservoir');
  let t = performance.now();
  const { files, bytes } = await writeReservoir(root);
  console.log(
    `wrote ${records.toLocaleString()} orders into ${files} reservoir files (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s, ` +
      `directly in the record layout with the archiver's encoding (record-encoding.ts, file-names.ts), not through Kinesis`,
  );
  const plan = compilePlan(root);
  const glob = `${root}/dt=*/hour=*/*.json`;
  const typedColumns =
    `columns = {'stream': 'VARCHAR', 'shard_id': 'VARCHAR', 'sequence_number': 'VARCHAR', 'sub_sequence_number': 'BIGINT', ` +
    `'partition_key': 'VARCHAR', 'arrival_time': 'VARCHAR', 'payload': 'STRUCT(order_id BIGINT, customer STRUCT(id VARCHAR, region VARCHAR), ` +
    `status VARCHAR, total DOUBLE, items STRUCT(sku VARCHAR, qty BIGINT)[])'}`;
  const direct = `read_json('${glob}', format = 'newline_delimited', ${typedColumns}, hive_partitioning = true)`;
  // What a DuckDB user reads when they want each payload as it was sent: the same files, payload as JSON.
  const directJson = `read_json('${glob}', format = 'newline_delimited', columns = {'stream': 'VARCHAR', 'shard_id': 'VARCHAR', 'sequence_number': 'VARCHAR', 'sub_sequence_number': 'BIGINT', 'partition_key': 'VARCHAR', 'arrival_time': 'VARCHAR', 'payload': 'JSON'}, hive_partitioning = true)`;
  // The columns of the view (views.ts), read from the typed scan: the payload's fields and the payload itself.
  const viewColumns =
    `stream AS _stream, shard_id AS _shard_id, sequence_number AS _sequence_number, sub_sequence_number AS _sub_sequence_number, ` +
    `partition_key AS _partition_key, CAST(replace(replace(arrival_time, 'T', ' '), 'Z', '') AS TIMESTAMP) AS _arrival_time, payload.*, payload`;
  const cases: { name: string; wshed: string; direct: string; format: OutputFormat }[] = [
    {
      name: 'count',
      wshed: 'SELECT count(*) FROM orders_archive',
      direct: `SELECT count(*) FROM ${direct}`,
      format: 'table',
    },
    {
      name: 'group-by',
      wshed: `SELECT customer.region AS region, count(*) AS orders, round(sum(total), 2) AS revenue FROM orders_archive WHERE status <> 'cancelled' GROUP BY region ORDER BY revenue DESC`,
      direct: `SELECT payload.customer.region AS region, count(*) AS orders, round(sum(payload.total), 2) AS revenue FROM ${direct} WHERE payload.status <> 'cancelled' GROUP BY region ORDER BY revenue DESC`,
      format: 'table',
    },
    {
      // Naming `payload` only as payload->>'key': the typed scan, that key read as JSON, and the ->> a field access (views.ts reducedPayload, payload-extraction.ts).
      name: 'group-by naming payload',
      wshed: `SELECT customer.region AS region, count(*) AS orders FROM orders_archive WHERE payload->>'status' <> 'cancelled' GROUP BY region`,
      direct: `SELECT payload.customer.region AS region, count(*) AS orders FROM ${direct} WHERE payload.status <> 'cancelled' GROUP BY region`,
      format: 'table',
    },
    {
      name: 'rows with payload',
      wshed: `SELECT order_id, payload FROM orders_archive WHERE payload->>'status' = 'open'`,
      direct: `SELECT CAST(payload->>'order_id' AS BIGINT) AS order_id, payload FROM ${directJson} WHERE payload->>'status' = 'open'`,
      format: 'ndjson',
    },
    {
      name: 'select * (every row)',
      wshed: `SELECT * FROM orders_archive`,
      direct: `SELECT ${viewColumns} FROM ${direct}`,
      format: 'ndjson',
    },
    {
      name: 'select * limit 100',
      wshed: `SELECT * FROM orders_archive LIMIT 100`,
      direct: `SELECT ${viewColumns} FROM ${direct} LIMIT 100`,
      format: 'table',
    },
  ];
  const only = option('only', '');
  console.log(`each run opens its own DuckDB (threads ${threads}, memory_limit ${memoryLimit}); ${reps} runs, interleaved, each side first every other round; times in ms`);
  console.log('same rows and columns both sides; ndjson shapes: wshed writes NDJSON to a sink, DuckDB direct renders each row with to_json and writes the lines to a sink; table shapes: wshed writes its table, DuckDB direct calls getRows');
  const summary: { name: string; ratio: number }[] = [];
  for (const c of cases) {
    if (only && !c.name.includes(only)) continue;
    const ours: number[] = [];
    const theirs: number[] = [];
    // CPU time of the process (node and DuckDB's threads) beside wall time: on a shared machine it
    // moves far less with the load than wall time does.
    const oursCpu: number[] = [];
    const theirsCpu: number[] = [];
    // A short shape gets more runs (up to 41), so its median is not the luck of five: enough for
    // about 10 s of pairs, counted from the warm-up round (SELECT * LIMIT 100: 41, a count: ~16).
    let runs = reps;
    for (let i = 0; i < runs + 1; i++) {
      const timed = async (run: () => Promise<number>) => {
        const cpu = process.cpuUsage();
        const ms = await run();
        return { ms, used: process.cpuUsage(cpu) };
      };
      // Each side goes first every other round, so neither always runs on the other's leftovers
      // (page cache, garbage to collect, a busy neighbour's last burst).
      const direct = () => timed(() => timeDirect(c.direct, c.format));
      const wshed = () => timed(() => timeWshed(plan, c.wshed, c.format));
      let ofDirect: { ms: number; used: NodeJS.CpuUsage };
      let ofWshed: { ms: number; used: NodeJS.CpuUsage };
      if (i % 2 === 0) {
        ofDirect = await direct();
        ofWshed = await wshed();
      } else {
        ofWshed = await wshed();
        ofDirect = await direct();
      }
      const [a, usedA, b, usedB] = [ofDirect.ms, ofDirect.used, ofWshed.ms, ofWshed.used];
      if (i === 0) {
        // The first round warms the page cache and the JIT for both.
        runs = Math.max(reps, Math.min(41, Math.ceil(10_000 / Math.max(1, a + b))));
        continue;
      }
      theirs.push(a);
      ours.push(b);
      theirsCpu.push((usedA.user + usedA.system) / 1000);
      oursCpu.push((usedB.user + usedB.system) / 1000);
    }
    const ratio = median(ours) / median(theirs);
    summary.push({ name: c.name, ratio });
    console.log(
      `${c.name.padEnd(24)} wshed query (${c.format}) median ${median(ours).toFixed(0).padStart(6)}  duckdb direct median ${median(theirs).toFixed(0).padStart(6)}  ` +
        `ratio ${ratio.toFixed(2)}  (wshed ${ours.map((x) => x.toFixed(0)).join(' ')} | direct ${theirs.map((x) => x.toFixed(0)).join(' ')})  ` +
        `cpu ms median ${median(oursCpu).toFixed(0)} vs ${median(theirsCpu).toFixed(0)}, ratio ${(median(oursCpu) / median(theirsCpu)).toFixed(2)}`,
    );
  }
  const worst = summary.reduce((a, b) => (b.ratio > a.ratio ? b : a), summary[0]);
  if (worst) console.log(`\nratios: ${summary.map((x) => `${x.name} ${x.ratio.toFixed(2)}`).join(', ')}; worst ${worst.ratio.toFixed(2)} (${worst.name}), target 1.30`);
  const auto = await timeDirect(`SELECT count(*) FROM read_json('${glob}')`);
  console.log(`for reference, read_json with its own detection (no columns given): count ${auto.toFixed(0)} ms`);
} finally {
  await fs.rm(work, { recursive: true, force: true });
}

async function writeReservoir(root: string): Promise<{ files: number; bytes: number }> {
  const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south', 'sa-east'];
  const statuses = ['open', 'shipped', 'delivered', 'cancelled'];
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const perShardHour = Math.ceil(records / SHARDS / HOURS);
  let n = 0;
  let files = 0;
  let bytes = 0;
  // Kinesis-like 56-digit sequence numbers: a per-shard prefix and a counter.
  const counters = Array.from({ length: SHARDS }, () => 0);
  const sequence = (s: number, i: number) => `4960000000000000000000000000000000000000000${s}${String(i).padStart(12, '0')}`;
  for (let h = 0; h < HOURS; h++) {
    for (let s = 0; s < SHARDS; s++) {
      const shardId = `shardId-${String(s).padStart(12, '0')}`;
      for (let written = 0; written < perShardHour && n < records; ) {
        const lines: string[] = [];
        const first = sequence(s, counters[s]);
        for (let i = 0; i < PER_FILE && written < perShardHour && n < records; i++, written++, n++) {
          const arrival = new Date(start + h * 3_600_000 + Math.floor((written * 3_600_000) / perShardHour)).toISOString();
          const order = {
            order_id: n,
            customer: { id: `c-${n % 5000}`, region: regions[(n * 7) % regions.length] },
            status: statuses[n % statuses.length],
            total: Math.round(((n * 37) % 50_000) + 99) / 100,
            items: Array.from({ length: 1 + (n % 3) }, (_, k) => ({ sku: `sku-${(n + k) % 200}`, qty: 1 + ((n + k) % 4) })),
          };
          const meta = { stream: 'orders', shardId, sequenceNumber: sequence(s, counters[s]++), subSequenceNumber: 0, partitionKey: String(n), arrivalTime: arrival };
          lines.push(reservoirLine(meta, JSON.stringify(order)));
        }
        const last = sequence(s, counters[s] - 1);
        const file = path.join(root, dataFilePath(partitionPath('hourly', new Date(start + h * 3_600_000)), { shardId, firstSequenceNumber: first, lastSequenceNumber: last }, 'json'));
        await fs.mkdir(path.dirname(file), { recursive: true });
        const text = lines.join('');
        await fs.writeFile(file, text);
        files++;
        bytes += Buffer.byteLength(text);
      }
    }
  }
  return { files, bytes };
}

function compilePlan(root: string): Plan {
  const text = `stream orders { shards ${SHARDS} }\nreservoir orders_archive {\n  from stream orders\n  at "${root}"\n  format json\n  partition hourly\n}\n`;
  const config = { target: 'local' as const, kinesisPort: 4567, home: path.join(work, 'home'), duckdb: { threads, memoryLimit }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const { plan, diagnostics } = compile({ path: 'bench.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(`the bench pipeline does not compile: ${JSON.stringify(diagnostics)}`);
  return plan;
}

async function timeWshed(plan: Plan, sql: string, format: OutputFormat): Promise<number> {
  const t = performance.now();
  // The payload sample kept where `wshed query` keeps it (the home's cache), as for a user's second query.
  await runQuery({ plan, cwd: work, streams: null, sql, format, out: sink(), duckdb: { threads, memoryLimit }, structureCache: path.join(work, 'home', 'cache', 'query-structure') });
  return performance.now() - t;
}

/** DuckDB alone, as a user would run it: a fresh instance, same settings, rows streamed (to a sink as NDJSON for an ndjson shape). */
async function timeDirect(sql: string, format: OutputFormat = 'table'): Promise<number> {
  const t = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads), memory_limit: memoryLimit, preserve_insertion_order: 'false' });
  const connection = await instance.connect();
  if (format === 'ndjson') {
    const out = sink();
    const result = await connection.stream(`SELECT CAST(to_json(r) AS VARCHAR) FROM (${sql}) AS r`);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const lines = chunk.getColumnVector(0);
      let text = '';
      for (let i = 0; i < chunk.rowCount; i++) text += `${lines.getItem(i) as string}\n`;
      if (!out.write(text)) await once(out, 'drain');
    }
  } else {
    const result = await connection.stream(sql);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) chunk.getRows();
  }
  connection.closeSync();
  instance.closeSync();
  return performance.now() - t;
}

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
