// Golden tests: every valid case compiles to the committed plan (JSON and text) and SQL for each
// dialect; every invalid case produces exactly the committed diagnostics; fmt is idempotent and
// keeps the plan; together the invalid cases exercise every diagnostic code.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource, compile } from '../../src/compiler/compile.ts';
import { MESSAGES, hasErrors } from '../../src/compiler/diagnostics.ts';
import { formatPipeline } from '../../src/compiler/format/pipeline.ts';
import { planToJson, renderPlan } from '../../src/compiler/plan/render.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { renderDiagnostics } from '../../src/compiler/render-diagnostics.ts';
import { GOLDEN_DIR, GOLDEN_NOW, defaultConfig, expectGolden, targetOf } from './harness.ts';

const cases = (kind: 'valid' | 'invalid') =>
  readdirSync(path.join(GOLDEN_DIR, kind))
    .filter((f) => f.endsWith('.wshed'))
    .sort()
    .map((f) => ({ name: f.replace(/\.wshed$/, ''), file: path.join(GOLDEN_DIR, kind, f), display: `test/golden/${kind}/${f}` }));

function compileCase(display: string, text: string) {
  const target = targetOf(text);
  return compile({ path: display, text }, { config: defaultConfig(target), now: GOLDEN_NOW });
}

/** All SQL of a plan for one dialect, each statement under a comment naming its step. */
export function planSql(plan: Plan, dialect: 'duckdb' | 'drill'): string {
  const out: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'reservoir-views') for (const v of step.views) out.push(`-- ${step.id}: view ${v.name}\n${v.sql[dialect]};\n`);
    if (step.kind === 'query' || step.kind === 'replay') out.push(`-- ${step.id}\n${step.sql[dialect]};\n`);
  }
  return out.join('\n');
}

const seenCodes = new Set<string>();
for (const c of cases('valid')) {
  test(`valid/${c.name} compiles to its golden plan and SQL`, () => {
    const text = readFileSync(c.file, 'utf8');
    const result = compileCase(c.display, text);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    assert.is(errors.length, 0, renderDiagnostics({ path: c.display, text }, errors));
    const plan = result.plan!;
    const base = c.file.replace(/\.wshed$/, '');
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    for (const w of warnings) seenCodes.add(w.code);
    const failures = [
      warnings.length ? expectGolden(`${base}.warnings.txt`, renderDiagnostics({ path: c.display, text }, warnings) + '\n') : null,
      expectGolden(`${base}.plan.json`, planToJson(plan)),
      expectGolden(`${base}.plan.txt`, renderPlan(plan, { dialect: 'duckdb' })),
      expectGolden(`${base}.duckdb.sql`, planSql(plan, 'duckdb')),
      expectGolden(`${base}.drill.sql`, planSql(plan, 'drill')),
    ].filter((f): f is string => f !== null);
    assert.equal(failures, []);
  });

  test(`valid/${c.name}: fmt is idempotent and keeps the plan`, () => {
    const text = readFileSync(c.file, 'utf8');
    const once = format(c.display, text);
    assert.is(expectGolden(c.file.replace(/\.wshed$/, '.formatted.txt'), once), null);
    const twice = format(c.display, once);
    assert.fixture(twice, once);
    assert.equal(compileCase(c.display, once).plan, compileCase(c.display, text).plan);
    // Comments survive formatting.
    const comments = (s: string) => checkSource({ path: c.display, text: s }, GOLDEN_NOW).pipeline.comments.map((x) => x.text.trim());
    assert.equal(comments(once), comments(text));
  });
}

function format(display: string, text: string): string {
  const { pipeline, diagnostics } = checkSource({ path: display, text }, GOLDEN_NOW);
  assert.not.ok(hasErrors(diagnostics), `${display} has errors`);
  return formatPipeline(pipeline, text);
}

for (const c of cases('invalid')) {
  test(`invalid/${c.name} reports its golden diagnostics`, () => {
    const text = readFileSync(c.file, 'utf8');
    const result = compileCase(c.display, text);
    assert.ok(hasErrors(result.diagnostics), `${c.display} compiled without errors`);
    assert.is(result.plan, undefined);
    for (const d of result.diagnostics) seenCodes.add(d.code);
    const failure = expectGolden(c.file.replace(/\.wshed$/, '.errors.txt'), renderDiagnostics({ path: c.display, text }, result.diagnostics) + '\n');
    assert.is(failure, null, failure ?? '');
  });
}

test('the golden cases exercise every diagnostic code', () => {
  // WS502 (configuration files) has no .wshed form; test/plan covers it.
  const missing = Object.keys(MESSAGES).filter((code) => code !== 'WS502' && !seenCodes.has(code));
  assert.equal(missing, []);
});

test('there are at least 25 valid and 25 invalid golden cases', () => {
  assert.ok(cases('valid').length >= 25, `${cases('valid').length} valid cases`);
  assert.ok(cases('invalid').length >= 25, `${cases('invalid').length} invalid cases`);
});

test.run();
