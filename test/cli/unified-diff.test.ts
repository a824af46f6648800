// The diff `fmt --check` prints: applying it to the old text gives the new one, and it changes
// no more lines than needed (checked against a longest common subsequence), on random texts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { unifiedDiff } from '../../src/cli/unified-diff.ts';

const toText = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

/** Applies a unified diff the way patch does, checking every context and removed line. */
function apply(before: readonly string[], diff: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (const line of diff.split('\n').slice(2, -1)) {
    const hunk = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[2]) === 0 ? Number(hunk[1]) : Number(hunk[1]) - 1;
      while (at < start) out.push(before[at++]);
    } else if (line[0] === '+') out.push(line.slice(1));
    else {
      assert.is(before[at], line.slice(1), `line ${at + 1}`);
      if (line[0] === ' ') out.push(before[at]);
      at++;
    }
  }
  while (at < before.length) out.push(before[at++]);
  return out;
}

function lcs(a: readonly string[], b: readonly string[]): number {
  const d = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = a[i - 1] === b[j - 1] ? d[i - 1][j - 1] + 1 : Math.max(d[i - 1][j], d[i][j - 1]);
  return d[a.length][b.length];
}

test('applying the diff gives the new text, with the fewest changed lines', () => {
  const lines = fc.array(fc.constantFrom('a', 'b', 'c', '}', ''), { maxLength: 40 });
  fc.assert(
    fc.property(lines, lines, (a, b) => {
      const diff = unifiedDiff('f.wshed', toText(a), toText(b));
      if (toText(a) === toText(b)) return diff === '';
      assert.equal(apply(a, diff), b);
      const changed = diff.split('\n').slice(2).filter((l) => l[0] === '+' || l[0] === '-').length;
      assert.is(changed, a.length + b.length - 2 * lcs(a, b));
      return true;
    }),
    { numRuns: 2000 },
  );
});

test('hunks carry three lines of context and far-apart changes get their own hunk', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const after = before.map((l, i) => (i === 1 || i === 17 ? `${l} changed` : l));
  const diff = unifiedDiff('f.wshed', toText(before), toText(after));
  assert.equal(diff.split('\n').filter((l) => l.startsWith('@@')), ['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@']);
});

test.run();
