// The archiver SIGKILLed at random moments during a 50,000-record archive, then rerun, on every
// store (a folder, and S3 on moto): every (shard, sequence, sub-sequence) exactly once.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KplAggregator } from '../../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { readReservoir, recordKey, startTestKinesis, type TestKinesis } from './helpers/local-kinesis.ts';
import { storeKinds, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';
// mulberry32, seeded: the log names the seed of a failing run.
import { random } from '../../src/demo/sample-orders.ts';

const CHILD = fileURLToPath(new URL('./helpers/archive-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let kinesis: TestKinesis;
let reservoir: TestReservoir;
let kind: StoreKind;
const children = new Set<ChildProcess>();
/** Every archiver child started, to check that none left a staging folder behind. */
const childPids: number[] = [];

/** 50,000 user records: 20,000 plain (every 500th not JSON) and 300 KPL aggregates of 100 (one with a bad record). */
async function fill(stream: string): Promise<Set<string>> {
  const entries: { partitionKey: string; data: Buffer }[] = [];
  const userCounts: number[] = [];
  let n = 0;
  for (let a = 0; a < 300; a++) {
    const agg = new KplAggregator();
    for (let i = 0; i < 100; i++, n++) {
      agg.add(`agg-${a}-${i}`, Buffer.from(a === 7 && i === 42 ? 'not json' : JSON.stringify({ n, a, i })));
    }
    const built = agg.flush()!;
    entries.push({ partitionKey: built.partitionKey, data: built.data });
    userCounts.push(100);
  }
  for (let p = 0; p < 20_000; p++, n++) {
    entries.push({ partitionKey: `plain-${p}`, data: Buffer.from(p % 500 === 0 ? `bad ${p}` : JSON.stringify({ n })) });
    userCounts.push(1);
  }
  // Interleave aggregates with plain records, as producers would.
  const order = entries.map((_, i) => i).sort((x, y) => ((x * 7919) % 20_300) - ((y * 7919) % 20_300));
  const put = await putAllRecords(kinesis.streams, stream, order.map((i) => entries[i]));
  const expected = new Set<string>();
  put.forEach((p, k) => {
    for (let sub = 0; sub < userCounts[order[k]]; sub++) {
      expected.add(recordKey({ shard_id: p.shardId, sequence_number: p.sequenceNumber, sub_sequence_number: sub }));
    }
  });
  return expected;
}

interface Run {
  readonly killed: boolean;
  readonly code: number | null;
  readonly output: string;
}

/** Runs the archiver in a child; with `killAt`, SIGKILLs it `delay` ms after its `pages`-th progress line. */
function runChild(stream: string, killAt: { pages: number; delay: number } | null, killBlindAfterMs: number | null): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, String(kinesis.port), stream, reservoir.label, '400', '250'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...kind.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    children.add(child);
    if (child.pid) childPids.push(child.pid);
    let output = '';
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    let armed = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!armed && killAt !== null && (output.match(/^progress /gm)?.length ?? 0) >= killAt.pages) {
        armed = true;
        setTimeout(kill, killAt.delay);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    if (killBlindAfterMs !== null) setTimeout(kill, killBlindAfterMs);
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ killed, code, output });
    });
  });
}

function crashSuite(k: StoreKind): void {
  const test = suite(`SIGKILL on the ${k.name} store`);
  test.before(async () => {
    kind = k;
    await kind.start();
    kinesis = await startTestKinesis();
    reservoir = await kind.fresh();
  });
  test.after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await kinesis.close();
    await reservoir.remove();
    await kind.stop();
  });

  test('an archiver killed at random moments, then rerun, archives every record exactly once', async () => {
    const stream = `crash-test-${kind.name}`;
    await kinesis.streams.ensureStream(stream, 4, 24);
    const expected = await fill(stream);
    assert.is(expected.size, 50_000);

    // Kills anchored to the archiver's own progress (its k-th page, then a few ms more) land while
    // most of the work is still ahead, however fast the machine: each one must land. Then blind
    // kills soon after start, which may land in start-up and recovery, or find the work done.
    const seed = Date.now() % 100_000;
    const rnd = random(seed);
    const log: string[] = [`seed ${seed}`];
    for (let attempt = 0; attempt < 6; attempt++) {
      const pages = 1 + Math.floor(rnd() * 4);
      const delay = Math.round(rnd() * 20);
      const run = await runChild(stream, { pages, delay }, null);
      log.push(`after progress line ${pages} + ${delay} ms: ${run.killed ? 'killed' : `exit ${run.code}`}`);
      assert.ok(run.killed, `the archiver was not killed mid-archive (it ended first):\n${run.output}\n${log.join('\n')}`);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const delay = Math.round(rnd() * 400);
      const run = await runChild(stream, null, delay);
      log.push(`blind ${delay} ms: ${run.killed ? 'killed' : `exit ${run.code}`}`);
      if (!run.killed) assert.is(run.code, 0, `archiver failed:\n${run.output}\n${log.join('\n')}`);
    }

    const final = await runChild(stream, null, null);
    assert.is(final.code, 0, `final run failed:\n${final.output}\n${log.join('\n')}`);

    const store = reservoir.store();
    const { records, quarantined } = await readReservoir(store);
    const seen = new Map<string, number>();
    for (const r of [...records, ...quarantined]) seen.set(recordKey(r), (seen.get(recordKey(r)) ?? 0) + 1);
    const twice = [...seen].filter(([, c]) => c > 1);
    const missing = [...expected].filter((k) => !seen.has(k));
    const unexpected = [...seen.keys()].filter((k) => !expected.has(k));
    assert.is(twice.length, 0, `${twice.length} records archived more than once (${twice[0]?.[0]})\n${log.join('\n')}`);
    assert.is(missing.length, 0, `${missing.length} records missing (${missing[0]})\n${log.join('\n')}`);
    assert.is(unexpected.length, 0);
    assert.is(records.length + quarantined.length, 50_000);
    assert.is(quarantined.length, 41);

    const checkpoint = (await readArchiveCheckpoint(store))!;
    assert.equal(checkpoint.pending, {});
    const meta: string[] = [];
    for await (const f of store.list('_wshed')) meta.push(f.path);
    assert.equal(meta, ['_wshed/checkpoint.json'], 'the lease is released and nothing staged is visible');
    if (reservoir.location.kind === 'local') {
      const staging = await fs.readdir(path.join(reservoir.location.path, '_wshed', 'staging')).catch(() => []);
      assert.equal(staging, [], 'no staged file is left behind');
    } else {
      // Killed runs leave their local staging folders; the next run removes those of dead processes.
      const left = await fs.readdir(path.join(os.tmpdir(), 'wshed-s3-staging')).catch(() => [] as string[]);
      const ours = left.filter((name) => childPids.includes(Number(name.split('-', 1)[0])));
      assert.equal(ours, [], 'no staging folder of a killed run is left behind');
    }
  });

  test.run();
}

for (const k of storeKinds()) crashSuite(k);
