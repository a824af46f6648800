// A replay on Drill interrupted and resumed, as a user meets it: `wshed replay … --engine drill`
// runs in a real pseudo-terminal, ^C stops it after the batch in flight, the command it prints
// (which keeps --engine drill and --drill-url) goes on from the checkpoint on Drill, and every
// record reaches the destination exactly once; the interrupted run's query no longer runs on Drill,
// and the replay's own live snapshots are gone after it.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DrillClient } from '../../src/runtime/drill/client.ts';
import { removeWorkspaces } from '../../src/runtime/drill/local-workspaces.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readReplayed } from '../runtime/helpers/fault-proxy.ts';
import { startTestDrill, type TestDrill } from '../runtime/helpers/drill.ts';
import { Scratch } from './helpers.ts';
import { frames, inTerminal } from './terminal.ts';

const test = suite('wshed replay --engine drill --resume');
const n = `${process.pid}_${Date.now() % 100000}`;
const reservoir = `rdr_r_${n}`;
const scratch = new Scratch();
let drill: TestDrill;
let streams: StreamService;

function ok(args: string[]): string {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  drill = await startTestDrill();
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { port: number };
  streams = createStreamService(localKinesisEndpoint(started.port));
  writeFileSync(
    path.join(scratch.dir, 'slow.wshed'),
    `stream slow_in { shards 2 }\nstream slow_out { shards 2 }\nreservoir ${reservoir} { from stream slow_in at "./reservoir/slow" }\nreplay slow from archive+live ${reservoir} into stream slow_out rate 150/s\n`,
  );
  const put = (from: number, count: number) => {
    writeFileSync(path.join(scratch.dir, 'r.ndjson'), Array.from({ length: count }, (_, i) => JSON.stringify({ n: from + i })).join('\n') + '\n');
    ok(['put', 'slow_in', '--file', 'r.ndjson', '--pipeline', 'slow.wshed']);
  };
  put(0, 600);
  ok(['archive', 'slow.wshed']);
  put(600, 300);
});

test.after(async () => {
  streams?.close();
  scratch.dispose();
  if (drill) await removeWorkspaces(new DrillClient(drill.url), 'wshed', [reservoir]).catch(() => {});
  await drill?.close();
});

test('^C stops the Drill replay after the batch in flight; the printed command resumes it on Drill, every record once', async () => {
  const term = inTerminal(scratch.dir, ['replay', 'slow.wshed', 'slow', '--engine', 'drill', '--drill-url', drill.url]);
  await term.waitFor(/\b[1-9][\d,]* emitted/, 'progress with records emitted');
  term.pressCtrlC();
  assert.is(await term.exited, 1, term.output);
  const shown = frames(term.output);
  assert.ok(shown.some((l) => l.includes("error[WS759]: replay 'slow' was interrupted after")), term.output);
  // Its query no longer runs on Drill (cancelled, not left to stream to nobody).
  const client = new DrillClient(drill.url);
  const deadline = Date.now() + 60_000;
  let mine = (await client.running()).filter((q) => q.query.includes(reservoir));
  while (mine.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    mine = (await client.running()).filter((q) => q.query.includes(reservoir));
  }
  assert.equal(mine.map((q) => q.queryId), [], "the replay's query is over on Drill");
  const command = /resume it with 'wshed ([^']+)'/.exec(shown.find((l) => l.startsWith('= fix:')) ?? '')?.[1];
  assert.is(command, `replay slow.wshed slow --engine drill --drill-url ${drill.url} --resume`);

  const resumed = scratch.wshed(command!.split(' '));
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed after row \d+/);
  const sent = (await readReplayed(streams, 'slow_out')).records.map((r) => (JSON.parse(r.data.toString()) as { n: number }).n);
  assert.is(new Set(sent).size, 900, 'every record delivered');
  assert.is(sent.length, 900, 'none twice');
  const snapshots = path.join(scratch.dir, 'reservoir', 'slow', '_wshed', 'live');
  const left = existsSync(snapshots) ? readdirSync(snapshots, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
  assert.equal(left, [], 'the replay removed its live snapshots');
});

test.run();
