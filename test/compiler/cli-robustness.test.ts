// The compiler through the real CLI on input that used to crash it or run away: glob characters in
// `at`, NUL in strings, deep nesting, long flat `or` lists, and megabytes of garbage. Each one ends
// with coded, positioned diagnostics and exit code 2 (or a plan), never a stack trace.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch, type Run } from '../cli/helpers.ts';

const HEAD = 'stream orders { shards 1 }\nstream out { shards 1 }\nreservoir r { from stream orders }\n';

const scratch = new Scratch();
test.after(() => scratch.dispose());

function validate(name: string, text: string, ...args: string[]): Run {
  writeFileSync(path.join(scratch.dir, name), text);
  return scratch.wshed(['validate', name, ...args]);
}

function assertNoStack(run: Run): void {
  assert.not.match(run.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `a stack trace:\n${run.stderr.slice(0, 2000)}`);
  assert.not.match(run.stderr, /RangeError|TypeError|SqlUnsupportedError/);
}

test('a glob character in `at` is WS314 at the location, for validate and plan', () => {
  for (const location of ['./lake/r[1]', './lake/r*']) {
    const text = `stream orders { shards 1 }\nreservoir r { from stream orders at "${location}" }\n`;
    const run = validate('glob.wshed', text);
    assertNoStack(run);
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, `glob.wshed:2:37: error[WS314]: invalid reservoir location '${location}'`);
    const plan = scratch.wshed(['plan', 'glob.wshed']);
    assertNoStack(plan);
    assert.is(plan.code, 2);
    assert.match(plan.stderr, 'error[WS314]');
  }
});

test('a NUL in a string is refused (WS317) instead of validating and cutting the SQL later', () => {
  const run = validate('nul.wshed', HEAD + "replay from archive where a = 'x\u0000y' into stream out\n");
  assertNoStack(run);
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, 'nul.wshed:4:31: error[WS317]: the string holds U+0000 (NUL)');
  assert.not.match(run.stderr, '\u0000');
});

test.run();
