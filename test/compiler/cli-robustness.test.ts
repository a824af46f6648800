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

test('1,000 nested parentheses and 100,000 chained `not` are WS110 (with the limit), not a stack overflow', () => {
  const parens = validate('parens.wshed', HEAD + `replay from archive where ${'('.repeat(1000)}a = 1${')'.repeat(1000)} into stream out\n`);
  assertNoStack(parens);
  assert.is(parens.code, 2, parens.stderr.slice(0, 2000));
  assert.match(parens.stderr, 'parens.wshed:4:127: error[WS110]: expression too deeply nested: more than 100 levels');
  assert.is(parens.stderr.match(/error\[/g)?.length, 1, parens.stderr.slice(0, 2000));
  // The long line is shown as a window around the span, not 2,000 characters wide.
  assert.ok(parens.stderr.split('\n').every((l) => l.length < 200));

  const nots = validate('nots.wshed', HEAD + `replay from archive where ${'not '.repeat(100_000)}a = 1 into stream out\n`);
  assertNoStack(nots);
  assert.is(nots.code, 2);
  assert.match(nots.stderr, 'error[WS110]');
  assert.is(nots.stderr.match(/error\[/g)?.length, 1);
});

test('a 5,000-term `or` is a flat list: it compiles to a plan (validate builds the plan for the target)', () => {
  // test/compiler/long-where-duckdb.test.ts runs the SQL it compiles to.
  const terms = Array.from({ length: 5000 }, (_, i) => `id = ${i}`).join(' or ');
  const run = validate('ors.wshed', HEAD + `replay wide from archive where ${terms} into stream out\n`);
  assertNoStack(run);
  assert.is(run.code, 0, run.stderr.slice(0, 2000));
  assert.match(run.stdout, 'ors.wshed: ok');
});

test('1 MB of garbage: the first 50 diagnostics, then one line counting the rest', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pieces = ['stream', 'reservoir', 'replay', 'from', 'where', '{', '}', '(', ')', '<', '>', '=', 'and', 'x', "'s", '"d', '5', '24h', '#', '€', '\n'];
  let text = '';
  while (text.length < 1_000_000) text += pieces[Math.floor(random() * pieces.length)] + ' ';
  const run = validate('garbage.wshed', text);
  assertNoStack(run);
  assert.is(run.code, 2);
  assert.is(run.stderr.match(/: error\[WS\d+\]/g)?.length, 50);
  const more = /garbage\.wshed: … and ([\d,]+) more \(([\d,]+) errors?(, [\d,]+ warnings?)?\); fix the first ones and run again/.exec(run.stderr);
  assert.ok(more, run.stderr.slice(-500));
  const tallied = /garbage\.wshed: ([\d,]+) errors?/.exec(run.stderr.slice(-200));
  const count = (s: string) => Number(s.replaceAll(',', ''));
  assert.is(count(more![1]) + 50, count(tallied![1]) + count(more![3]?.match(/[\d,]+/)?.[0] ?? '0'));
});

test.run();
