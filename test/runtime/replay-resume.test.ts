// Also the child process of its own test: with WSHED_REPLAY_CHILD set, it runs one replay (the
// step from a JSON file) and prints "progress <row> <emitted>" lines, for the parent to SIGKILL.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, ReplayStep } from '../../src/compiler/plan/types.ts';
import type { ReplayMetadata } from '../../src/consumer/metadata.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { runReplay } from '../../src/runtime/replay/run-replay.ts';
import { defaultConfig } from '../golden/harness.ts';
import { readReplayed, startFaultProxy } from './helpers/fault-proxy.ts';
import { startTestKinesis, tempDir, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

if (process.env.WSHED_REPLAY_CHILD) await child();
else parent();

async function child(): Promise<void> {
  const { port, proxyPort, stepFile, root, home } = JSON.parse(process.env.WSHED_REPLAY_CHILD!) as Record<string, string>;
  const streams = createStreamService(localKinesisEndpoint(Number(port)));
  const destination = createStreamService(localKinesisEndpoint(Number(proxyPort)));
  try {
    const step = JSON.parse(await fs.readFile(stepFile, 'utf8')) as ReplayStep;
    await runReplay(step, { streams, destination, reservoir: new FsReservoirStore(root), home }, {
      onProgress: (p) => p.phase === 'emit' && process.stdout.write(`progress ${p.position} ${p.emitted}\n`),
    });
    process.stdout.write('done\n');
  } finally {
    streams.close();
    destination.close();
  }
}

function parent(): void {
  let kinesis: TestKinesis;
  let dir: TempDir;
  const children = new Set<ChildProcess>();
  test.before(async () => {
    kinesis = await startTestKinesis();
    dir = await tempDir('wshed-replay-resume-');
  });
  test.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await kinesis.close();
    await dir.remove();
  });

  /** Runs the replay in a child; SIGKILLs it once it reports `killAt` rows acknowledged. */
  const runChild = (env: Record<string, string>, killAt: number) =>
    new Promise<{ killed: boolean; output: string; lastPosition: number }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', SELF], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WSHED_REPLAY_CHILD: JSON.stringify(env), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      children.add(c);
      let output = '';
      let killed = false;
      let lastPosition = 0;
      c.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const m of output.matchAll(/progress (\d+)/g)) lastPosition = Number(m[1]);
        if (!killed && lastPosition >= killAt) {
          killed = true;
          // Somewhere in the next batch's cycle: waiting for the rate, sending, written but not yet acknowledged.
          setTimeout(() => c.kill('SIGKILL'), Math.floor(Math.random() * 900));
        }
      });
      c.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      c.on('exit', () => {
        children.delete(c);
        resolve({ killed, output, lastPosition });
      });
    });

  test('a replay killed with SIGKILL and resumed delivers every record, re-sending at most the batch in flight', async () => {
    const root = path.join(dir.path, 'reservoir');
    const home = path.join(dir.path, 'home');
    const base = defaultConfig('local');
    const config = { ...base, replay: { ...base.replay, shardBudgetFraction: 1 } } as typeof base;
    const text = `stream src { shards 2 }\nstream dst { shards 2 }\nreservoir res { from stream src at "${root}" }\nreplay killed from archive res into stream dst rate 2000/s`;
    const { plan } = compile({ path: 'resume.wshed', text }, { config, now: new Date() });
    const step = plan!.steps.find((s): s is ReplayStep => s.kind === 'replay')!;
    const stepFile = path.join(dir.path, 'step.json');
    await fs.writeFile(stepFile, JSON.stringify(step));

    const total = 8000;
    await kinesis.streams.ensureStream('src', 2, 24);
    await kinesis.streams.ensureStream('dst', 2, 24);
    await putAllRecords(kinesis.streams, 'src', Array.from({ length: total }, (_, n) => ({ partitionKey: `p${n % 300}`, data: Buffer.from(JSON.stringify({ n })) })));
    await archiveReservoir(plan!.steps.find((s): s is ArchiveStep => s.kind === 'archive')!, { streams: kinesis.streams });

    // Answers arrive 600 ms after the records are written: most kills land in between.
    const proxy = await startFaultProxy({ targetPort: kinesis.port, answerDelayMs: 600 });
    const run = await runChild({ port: String(kinesis.port), proxyPort: String(proxy.port), stepFile, root, home }, 2000);
    await proxy.close();
    assert.ok(run.killed, `the child finished before the kill:\n${run.output}`);
    const checkpoint = JSON.parse(await fs.readFile(path.join(home, 'replays', 'killed.json'), 'utf8'));
    assert.is(checkpoint.state, 'running', 'a killed run leaves its checkpoint as it was');
    assert.ok(checkpoint.acknowledged.ordinal >= 2000 && checkpoint.acknowledged.ordinal < total);

    const summary = await runReplay(step, { streams: kinesis.streams, reservoir: new FsReservoirStore(root), home }, { resume: true });
    assert.is(summary.resumedFrom, checkpoint.acknowledged.ordinal);
    assert.is(summary.replayId, checkpoint.replayId);
    assert.is(summary.records, total - checkpoint.acknowledged.ordinal);

    const stored = (await readReplayed(kinesis.streams, 'dst')).records;
    const seen = new Map<number, number>();
    for (const r of stored) {
      const p = JSON.parse(r.data.toString()) as { n: number; _wshed: ReplayMetadata };
      assert.is(p._wshed.replay_id, checkpoint.replayId, 'both runs are one replay');
      seen.set(p.n, (seen.get(p.n) ?? 0) + 1);
    }
    assert.is(seen.size, total, 'every record delivered');
    const duplicates = stored.length - total;
    // A batch holds at most one second of the rate: 2,000 records.
    assert.ok(duplicates <= 2000, `${duplicates} duplicates`);
    assert.ok(duplicates <= summary.duplicatesPossible, `${duplicates} duplicates, ${summary.duplicatesPossible} reported`);
    const lock = await fs.readdir(path.join(home, 'replays'));
    assert.not.ok(lock.includes('killed.lock'), 'the dead run\'s lock was taken over and released');
  });

  test.run();
}
