// `wshed replay FILE NAME --engine drill --drill-url URL` through the CLI on the real local Drill and
// the local Kinesis service: over one reservoir (archived files + live records past the checkpoint,
// with payloads whose bytes DuckDB rewrites and one of ~1 MiB), each replay emits into its
// destination exactly the records, bytes, partition keys and per-shard order the same replay
// emits with --engine duckdb (the replay's own names and ids aside), for archive+live replays with
// each operator, split into parts, and a live-only one; a refused Drill URL is one coded line
// without a stack.

import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DrillClient } from '../../src/runtime/drill/client.ts';
import { removeWorkspaces } from '../../src/runtime/drill/local-workspaces.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readReplayed, type StoredUserRecord } from '../runtime/helpers/fault-proxy.ts';
import { startTestDrill, type TestDrill } from '../runtime/helpers/drill.ts';
import { Scratch } from './helpers.ts';

const test = suite('wshed replay --engine drill');
const n = `${process.pid}_${Date.now() % 100000}`;
const reservoir = `rd_r_${n}`;
const scratch = new Scratch();
let drill: TestDrill;
let streams: StreamService;

const CASES: Record<string, string> = {
  plain: '',
  filtered: `where total > 100 and status = 'shipped'`,
  bounded: `since "2020-01-01T00:00:00Z" until "2100-01-01T00:00:00Z"`,
  compacted: 'compact by key',
  annotated: 'annotate <replay: true, source: "drill-test">',
  parted: '',
  // Live records only: the snapshot read through the reservoir's workspace, which the views step names.
  live: `where status = 'new'`,
};

function pipeline(): string {
  const lines = [`stream orders { shards 2 key order_id }`, `reservoir ${reservoir} { from stream orders at "./reservoir/orders" }`];
  for (const [name, clause] of Object.entries(CASES)) {
    for (const engine of ['duck', 'drill']) {
      lines.push(`stream ${name}_${engine} { shards 3 }`);
      lines.push(`replay ${name}_${engine} from ${name === 'live' ? 'live' : 'archive+live'} ${reservoir} ${clause} aggregate off into stream ${name}_${engine}`);
    }
  }
  return lines.join('\n') + '\n';
}

function ok(args: string[], input?: string): string {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Payloads whose text DuckDB rewrites (spaces, number forms, escapes), a total whose JSON type varies, and ~1 MiB. */
function payload(i: number): string {
  const total = i % 3 === 0 ? `${i * 7}` : i % 3 === 1 ? `${i * 3}.50` : `${i}e1`;
  const status = i % 2 === 0 ? 'shipped' : 'new';
  return `{ "order_id" : "o-${i % 13}", "total": ${total}, "status":"${status}", "x": [1.0, -0, 1234567890123456789012345], "s": "caf\\u00e9 \\"q\\"", "n": {"a": {"b": null}}, "i": ${i} }`;
}

test.before(async () => {
  drill = await startTestDrill();
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { port: number };
  streams = createStreamService(localKinesisEndpoint(started.port));
  writeFileSync(path.join(scratch.dir, 'p.wshed'), pipeline());
  ok(['run', 'p.wshed']);
  const first = Array.from({ length: 60 }, (_, i) => payload(i));
  first.push(`{"order_id": "big", "total": 1, "status": "shipped", "blob": "${'y'.repeat(1000 * 1024)}"}`);
  writeFileSync(path.join(scratch.dir, 'a.ndjson'), first.join('\n') + '\n');
  ok(['put', 'orders', '--file', 'a.ndjson', '--pipeline', 'p.wshed']);
  ok(['archive', 'p.wshed']);
  // Past the archive checkpoint: the live half of the source.
  writeFileSync(path.join(scratch.dir, 'b.ndjson'), Array.from({ length: 30 }, (_, i) => payload(100 + i)).join('\n') + '\n');
  ok(['put', 'orders', '--file', 'b.ndjson', '--pipeline', 'p.wshed']);
});

test.after(async () => {
  streams?.close();
  scratch.dispose();
  if (drill) await removeWorkspaces(new DrillClient(drill.url), 'wshed', [reservoir]).catch(() => {});
  await drill?.close();
});

/** A record as emitted, its replay's own name, id and start time taken out of the bytes. */
function comparable(r: StoredUserRecord, name: string, replayId: string): string {
  const data = r.data.toString('utf8').replaceAll(replayId, 'ID').replaceAll(`"${name}"`, '"NAME"').replace(/"started_at":"[^"]*"/g, '"started_at":"T"');
  return `${r.partitionKey} ${data}`;
}

async function emitted(stream: string, replayId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of (await readReplayed(streams, stream)).records) out.set(r.shardId, [...(out.get(r.shardId) ?? []), comparable(r, stream, replayId)]);
  return out;
}

for (const name of Object.keys(CASES).filter((c) => c !== 'parted')) {
  test(`${name}: the same records, bytes, keys and order per shard on Drill as on DuckDB`, async () => {
    const duck = JSON.parse(ok(['replay', 'p.wshed', `${name}_duck`, '--json'])) as { replayId: string; emitted: number };
    const onDrill = JSON.parse(ok(['replay', 'p.wshed', `${name}_drill`, '--json', '--engine', 'drill', '--drill-url', drill.url])) as { replayId: string; emitted: number };
    assert.ok(duck.emitted > 0);
    assert.is(onDrill.emitted, duck.emitted);
    const a = await emitted(`${name}_duck`, duck.replayId);
    const b = await emitted(`${name}_drill`, onDrill.replayId);
    assert.equal(b, a);
  });
}

test('--part 1/2 then 2/2 on Drill emit together what one run on DuckDB emits, per shard in order', async () => {
  const duck = JSON.parse(ok(['replay', 'p.wshed', 'parted_duck', '--json'])) as { replayId: string; emitted: number };
  let replayId = '';
  let sum = 0;
  for (const part of ['1/2', '2/2']) {
    const r = JSON.parse(ok(['replay', 'p.wshed', 'parted_drill', '--part', part, '--json', '--engine', 'drill', '--drill-url', drill.url])) as { replayId: string; emitted: number };
    replayId = r.replayId;
    sum += r.emitted;
  }
  assert.is(sum, duck.emitted);
  assert.equal(await emitted('parted_drill', replayId), await emitted('parted_duck', duck.replayId));
});

test('a refused Drill URL is one coded line, exit 1, no stack', async () => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const r = scratch.wshed(['replay', 'p.wshed', 'plain_drill', '--again', '--engine', 'drill', '--drill-url', `http://127.0.0.1:${port}`]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /WS85\d.*Drill/);
  assert.not.match(r.stderr, /\n\s+at /);
});

// Last: it breaks the reservoir for every replay after it.
test('a file Drill cannot read is WS855 naming Drill, with a fix, exit 1, no stack', () => {
  const folder = path.join(scratch.dir, 'reservoir', 'orders', 'dt=2026-11-30', 'hour=00');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'part-broken.json'), '{"stream":"orders", broken\n');
  const r = scratch.wshed(['replay', 'p.wshed', 'plain_drill', '--again', '--engine', 'drill', '--drill-url', drill.url]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS855\]: replay 'plain_drill': Drill could not run the replay query: /m);
  assert.match(r.stderr, /= fix: a file of '.*' is not valid JSON/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
