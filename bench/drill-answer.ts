// CPU of reading one captured Drill answer (a `POST /query.json` body saved to a file) the way
// `wshed query --engine drill` reads it: 64 KiB pieces through StringDecoder, DrillResponseParser,
// the rows to the output writer of a format, into a stream that discards them. Beside it, the CPU
// of only decoding the same pieces (what any client pays). CPU time (process.cpuUsage), not wall.
//
//   node --import tsx bench/drill-answer.ts BODY.json [--formats ndjson,table,csv,json] [--reps 3] [--hash]
//
// --hash prints the sha256 of each format's output instead of discarding it (to compare two builds).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { jsonLineRows } from '../src/runtime/drill/drill-json-lines.ts';
import { DrillResponseParser } from '../src/runtime/drill/response-parser.ts';
import { valueRows } from '../src/runtime/drill/drill-values.ts';
import { createJsonLineWriter, createRowWriter, type OutputFormat } from '../src/runtime/query/output.ts';
import type { SqlValue } from '../src/runtime/query/sql-engine.ts';

const PIECE = 64 * 1024;
const BATCH = 2048;

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a) && !a.includes(','));
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
if (!file) {
  console.error('usage: bench/drill-answer.ts BODY.json [--formats ndjson,table] [--reps 3] [--hash]');
  process.exit(2);
}
const formats = (option('formats') ?? 'ndjson,table').split(',') as OutputFormat[];
const reps = Number(option('reps') ?? 3);
const hashing = args.includes('--hash');
const body = readFileSync(file);

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function* pieces(): Generator<string> {
  const decoder = new StringDecoder('utf8');
  for (let at = 0; at < body.length; at += PIECE) {
    const text = decoder.write(body.subarray(at, at + PIECE));
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

function sink(): { out: Writable; digest: () => string } {
  const hash = hashing ? createHash('sha256') : null;
  const out = new Writable({
    highWaterMark: 1 << 20,
    write(chunk, _encoding, done) {
      hash?.update(chunk as Buffer);
      done();
    },
  });
  return { out, digest: () => hash?.digest('hex') ?? '' };
}

async function run(format: OutputFormat): Promise<{ rows: number; digest: string }> {
  const { out, digest } = sink();
  let rows = 0;
  if (format === 'json' || format === 'ndjson') {
    const parser = new DrillResponseParser(jsonLineRows);
    const writer = createJsonLineWriter(format, out);
    let batch: string[] = [];
    for (const text of pieces()) {
      for (const row of parser.push(text)) batch.push(row);
      if (batch.length >= BATCH) {
        rows += batch.length;
        await writer.write(batch);
        batch = [];
      }
    }
    rows += batch.length;
    await writer.write(batch);
    await writer.end();
    if (parser.outcome().queryState !== 'COMPLETED') throw new Error(`not COMPLETED: ${JSON.stringify(parser.outcome())}`);
  } else {
    const parser = new DrillResponseParser(valueRows);
    let writer: ReturnType<typeof createRowWriter> | null = null;
    let batch: SqlValue[][] = [];
    const open = () => {
      const cols = parser.columns!;
      return createRowWriter(format, cols.names.map((name, i) => ({ name, type: cols.types[i] })), out);
    };
    for (const text of pieces()) {
      for (const row of parser.push(text)) batch.push(row);
      if (batch.length >= BATCH) {
        writer ??= open();
        rows += batch.length;
        await writer.write(batch);
        batch = [];
      }
    }
    writer ??= open();
    rows += batch.length;
    await writer.write(batch);
    await writer.end();
    if (parser.outcome().queryState !== 'COMPLETED') throw new Error(`not COMPLETED: ${JSON.stringify(parser.outcome())}`);
  }
  return { rows, digest: digest() };
}

console.log(`${file}: ${(body.length / 1e6).toFixed(1)} MB, pieces of ${PIECE / 1024} KiB, ${reps} reps`);
for (let rep = 0; rep < reps; rep++) {
  const since = process.cpuUsage();
  let chars = 0;
  for (const text of pieces()) chars += text.length;
  const line = [`decode only ${cpuMs(since).toFixed(0)} ms`];
  for (const format of formats) {
    const start = process.cpuUsage();
    const { rows, digest } = await run(format);
    const ms = cpuMs(start);
    line.push(`${format} ${ms.toFixed(0)} ms (${((ms * 1000) / rows).toFixed(2)} us/row, ${rows} rows)${digest ? ' sha256 ' + digest.slice(0, 16) : ''}`);
  }
  console.log(line.join('; '));
}
