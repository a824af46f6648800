// The shipped example pipelines keep compiling, for the target each one names on its first line.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSource, compile } from '../src/compiler/compile.ts';
import { formatPipeline } from '../src/compiler/format/pipeline.ts';
import { renderDiagnostics } from '../src/compiler/render-diagnostics.ts';
import { GOLDEN_NOW, ROOT, defaultConfig, targetOf } from './golden/harness.ts';

const dir = path.join(ROOT, 'pipelines');
const files = readdirSync(dir).filter((f) => f.endsWith('.wshed'));

test('pipelines/nightly.wshed exists (the README demo runs it)', () => {
  assert.ok(files.includes('nightly.wshed'));
});

for (const f of files) {
  test(`pipelines/${f} compiles without errors or warnings`, () => {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const source = { path: `pipelines/${f}`, text };
    const result = compile(source, { config: defaultConfig(targetOf(text)), now: GOLDEN_NOW });
    assert.equal(result.diagnostics, [], renderDiagnostics(source, result.diagnostics));
    assert.ok(result.plan && result.plan.steps.some((s) => s.kind === 'archive'));
  });

  test(`pipelines/${f} is in canonical form (wshed fmt --check passes)`, () => {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const { pipeline } = checkSource({ path: f, text }, GOLDEN_NOW);
    assert.fixture(formatPipeline(pipeline, text), text);
  });
}

test.run();
