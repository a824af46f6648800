// Long and deep `where` clauses compiled from .wshed text run in DuckDB: a flat list of thousands
// of conditions, and nesting up to the limit, select exactly the records they name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NESTING } from '../../grammar/nesting.ts';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { duck, rec, seq, tempDir, writeJsonReservoir, type Duck } from '../sql/fixtures.ts';
import { rmSync } from 'node:fs';

const IDS = Array.from({ length: 50 }, (_, i) => i * 250); // ids 0, 250, ..., 12250
let db: Duck;
let root: string;

test.before(async () => {
  db = await duck();
  root = tempDir();
  writeJsonReservoir(root, 'hourly', IDS.map((id, i) => rec(i % 2, seq(i), '2026-11-01T00:01:00.000Z', { id })));
});
test.after(() => rmSync(root, { recursive: true, force: true }));

function replayStep(where: string): Extract<Plan['steps'][number], { kind: 'replay' }> {
  const text = `stream orders { shards 1 }\nstream out { shards 1 }\nreservoir r { from stream orders at ${JSON.stringify(root)} }\nreplay from archive where ${where} into stream out\n`;
  const result = compile({ path: 'long.wshed', text }, { config: defaultConfig('local'), now: GOLDEN_NOW });
  assert.equal(result.diagnostics.filter((d) => d.severity === 'error'), []);
  const step = (result.plan as Plan).steps.find((s) => s.kind === 'replay');
  if (step?.kind !== 'replay') throw new Error('no replay step');
  return step;
}

/** Runs the replay's SQL with its archive input bound as the runtime binds it (the reservoir's files). */
async function ids(step: ReturnType<typeof replayStep>): Promise<number[]> {
  const rows = await db.run(step);
  return rows.map((r) => Number((JSON.parse(String(r.payload)) as { id: number }).id)).sort((a, b) => a - b);
}

test('a 5,000-term `or` runs in DuckDB and selects the ids it names', async () => {
  const terms = Array.from({ length: 5000 }, (_, i) => `id = ${i * 2}`); // the even ids below 10,000
  const selected = await ids(replayStep(terms.join(' or ')));
  assert.equal(selected, IDS.filter((id) => id % 2 === 0 && id < 10_000));
});

test('a 5,000-term `and` of negations runs too', async () => {
  const terms = Array.from({ length: 5000 }, (_, i) => `id != ${i}`); // everything from 5,000 up
  assert.equal(await ids(replayStep(terms.join(' and '))), IDS.filter((id) => id >= 5000));
});

test(`nesting right at the limit (${MAX_NESTING} levels) compiles and runs`, async () => {
  const half = MAX_NESTING / 2;
  const where = `${'not ('.repeat(half)}id = 250${')'.repeat(half)}`; // 50 nots, each over a paren: 100 levels, even: id = 250
  assert.equal(await ids(replayStep(where)), [250]);
});

test.run();
