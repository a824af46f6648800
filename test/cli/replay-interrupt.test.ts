// Ctrl-C as a user presses it: the CLI runs in a real pseudo-terminal (util-linux `script`), the
// test waits until the progress bar shows records emitted, types ^C (the terminal turns it into
// SIGINT), and checks that the command stopped after the batch in flight, said where, and printed a
// command that — run here — finishes the replay with every record delivered exactly once. The same
// terminal output shows the progress frames: the first one is right, none has a raw placeholder.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readReplayed } from '../runtime/helpers/fault-proxy.ts';
import { Scratch } from './helpers.ts';
import { frames, inTerminal } from './terminal.ts';

const scratch = new Scratch();
let streams: StreamService;

test.before(() => {
  const r = scratch.wshed(['local', 'start', '--port', '0', '--json']);
  assert.is(r.code, 0, r.stderr);
  streams = createStreamService(localKinesisEndpoint((JSON.parse(r.stdout) as { port: number }).port));
});
test.after(() => {
  streams?.close();
  scratch.dispose();
});

function pipeline(name: string): string {
  return `
stream ${name}_in { shards 2 }
stream ${name}_out { shards 2 }
reservoir ${name}_archive { from stream ${name}_in at "./reservoir/${name}" }
replay ${name} from archive+live into stream ${name}_out rate 150/s
`;
}

function prepare(name: string, records: number): void {
  writeFileSync(path.join(scratch.dir, `${name}.wshed`), pipeline(name));
  writeFileSync(path.join(scratch.dir, `${name}.ndjson`), Array.from({ length: records }, (_, n) => JSON.stringify({ n })).join('\n') + '\n');
  const r = scratch.wshed(['put', `${name}_in`, '--file', `${name}.ndjson`, '--pipeline', `${name}.wshed`]);
  assert.is(r.code, 0, r.stderr);
}

async function assertEachOnce(stream: string, records: number): Promise<void> {
  const sent = (await readReplayed(streams, stream)).records.map((r) => (JSON.parse(r.data.toString()) as { n: number }).n);
  assert.is(new Set(sent).size, records, 'every record delivered');
  assert.is(sent.length, records, 'none twice: the run stopped after an acknowledged batch and the resume skipped it');
}

test('Ctrl-C during wshed replay stops after the batch in flight, says where, and the printed command finishes it', async () => {
  prepare('slow', 900);
  const term = inTerminal(scratch.dir, ['replay', 'slow.wshed', 'slow']);
  await term.waitFor(/\b[1-9][\d,]* emitted/, 'progress with records emitted');
  term.pressCtrlC();
  const code = await term.exited;
  const shown = frames(term.output);
  assert.is(code, 1, term.output);
  assert.ok(shown.some((l) => /^stopping replay slow after the work in flight… \(Ctrl-C again to quit at once\)$/.test(l)), term.output);
  const stop = shown.find((l) => l.includes('error[WS759]'));
  assert.match(stop ?? '', /^wshed: error\[WS759\]: replay 'slow' was interrupted after [\d,]+ acknowledged records? \(stopped after the batch in flight, at row \d+ of the replay order\)$/);
  const fix = shown.find((l) => l.startsWith('= fix:')) ?? '';
  const command = /resume it with 'wshed ([^']+)'/.exec(fix)?.[1];
  assert.is(command, 'replay slow.wshed slow --resume', fix);

  // The progress frames, as the terminal showed them: right from the first, never a placeholder.
  assert.not.match(term.output, /\{\w+\}/, 'a raw placeholder');
  const bars = shown.filter((l) => l.startsWith('replay slow'));
  assert.match(bars[0], /^replay slow: reading the stream tips… \d+ ms$/, `first frame: ${bars[0]}`);
  assert.ok(bars.some((l) => /^replay slow \[[█░]+\] \d+% [\d,]+\/[\d,]+ records \| [\d,]+ records\/s \| ETA .* \| [\d,]+ emitted, 0 retried$/.test(l)), bars.join('\n'));

  const resumed = scratch.wshed(command!.split(' '));
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed after row \d+/);
  assert.match(resumed.stdout, /limited by the rate clause, 150 records\/s/);
  await assertEachOnce('slow_out', 900);
});

test('Ctrl-C during wshed run stops its replay the same way; the printed `wshed run` goes on from there', async () => {
  prepare('nightly', 900);
  const term = inTerminal(scratch.dir, ['run', 'nightly.wshed']);
  await term.waitFor(/\b[1-9][\d,]* emitted/, 'progress with records emitted');
  term.pressCtrlC();
  assert.is(await term.exited, 1, term.output);
  const shown = frames(term.output);
  assert.ok(shown.some((l) => l.includes("error[WS759]: replay 'nightly' was interrupted after")), term.output);
  const command = /resume it with 'wshed ([^']+)'/.exec(shown.find((l) => l.startsWith('= fix:')) ?? '')?.[1];
  assert.is(command, 'run nightly.wshed');
  const again = scratch.wshed(command!.split(' '));
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /replay\.nightly: replay nightly \([0-9a-f-]{36}\): emitted [\d,]+ records .*resumed after row \d+/);
  await assertEachOnce('nightly_out', 900);
  assert.match(scratch.wshed(['run', 'nightly.wshed']).stdout, /replay nightly: up to date/);
});

/** Every archived record's `n`, read from the reservoir's data files. */
function archivedNumbers(root: string): number[] {
  const out: number[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '_wshed' && e.name !== '_quarantine') walk(full);
      else if (/^part-.*\.json$/.test(e.name)) {
        for (const line of readFileSync(full, 'utf8').split('\n').filter(Boolean)) out.push((JSON.parse(line) as { payload: { n: number } }).payload.n);
      }
    }
  };
  walk(root);
  return out;
}

test('Ctrl-C during wshed archive keeps the committed files and checkpoint; the printed command archives the rest once', async () => {
  // Many shards, archived a few at a time: the run is still going when the first progress shows.
  writeFileSync(path.join(scratch.dir, 'wide.wshed'), 'stream wide_in { shards 80 }\nreservoir wide_archive { from stream wide_in at "./reservoir/wide" }\n');
  const total = 16_000;
  writeFileSync(path.join(scratch.dir, 'wide.ndjson'), Array.from({ length: total }, (_, n) => JSON.stringify({ n, pad: 'p'.repeat(200) })).join('\n') + '\n');
  const put = scratch.wshed(['put', 'wide_in', '--file', 'wide.ndjson', '--pipeline', 'wide.wshed', '--key', 'n']);
  assert.is(put.code, 0, put.stderr);
  const term = inTerminal(scratch.dir, ['archive', 'wide.wshed']);
  await term.waitFor(/archive wide_archive [1-9][\d,]* records/, 'progress with records archived');
  term.pressCtrlC();
  assert.is(await term.exited, 1, term.output);
  const shown = frames(term.output);
  assert.ok(shown.some((l) => /^stopping archiving after the work in flight/.test(l)), term.output);
  assert.ok(shown.some((l) => /^wshed: error\[WS764\]: archive of 'wide_archive' was interrupted after [\d,]+ records? in [\d,]+ committed files?/.test(l)), term.output);
  const command = /continue it with 'wshed ([^']+)'/.exec(shown.find((l) => l.startsWith('= fix:')) ?? '')?.[1];
  assert.is(command, 'archive wide.wshed');
  const before = archivedNumbers(path.join(scratch.dir, 'reservoir', 'wide'));
  assert.ok(before.length < total, `${before.length} of ${total} archived before the rest`);
  const rest = scratch.wshed(command!.split(' '));
  assert.is(rest.code, 0, rest.stderr);
  assert.match(rest.stdout, new RegExp(`archived ${(total - before.length).toLocaleString('en-US')} records of wide_in`));
  const after = archivedNumbers(path.join(scratch.dir, 'reservoir', 'wide'));
  assert.is(after.length, total, 'every record archived once');
  assert.is(new Set(after).size, total);
});

test.run();
