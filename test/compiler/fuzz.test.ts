// Property tests of the whole compiler on random mutations of the golden cases (tokens deleted,
// duplicated and swapped; random bytes; deep nesting): it never throws, every diagnostic has a
// valid span and renders, and the parser's work grows linearly with the input (counted, not timed).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lex } from '../../grammar/lexer.ts';
import { lastParseWork, type ParseWork } from '../../grammar/parser.ts';
import { compile } from '../../src/compiler/compile.ts';
import { renderDiagnostics } from '../../src/compiler/render-diagnostics.ts';
import { defaultConfig, GOLDEN_DIR, GOLDEN_NOW, targetOf } from '../golden/harness.ts';

const CASES = ['valid', 'invalid'].flatMap((kind) =>
  readdirSync(path.join(GOLDEN_DIR, kind))
    .filter((f) => f.endsWith('.wshed'))
    .sort()
    .map((f) => readFileSync(path.join(GOLDEN_DIR, kind, f), 'utf8')),
);

/** A golden case cut into its tokens and the text between them (kept, so comments and spacing survive). */
function pieces(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (const t of lex(text).tokens) {
    if (t.startOffset > at) out.push(text.slice(at, t.startOffset));
    out.push(t.image);
    at = t.startOffset + t.image.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
const PIECES = CASES.map(pieces);

type Mutation =
  | { kind: 'delete' | 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'bytes'; at: number; bytes: string }
  | { kind: 'nest'; at: number; depth: number; opener: '(' | 'not ' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.string({ unit: 'binary', maxLength: 12 }) }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 3000 }), opener: fc.constantFrom('(' as const, 'not ' as const) }),
);

function mutate(source: readonly string[], mutations: readonly Mutation[]): string {
  const p = [...source];
  for (const m of mutations) {
    if (p.length === 0) break;
    const i = m.at % p.length;
    if (m.kind === 'delete') p.splice(i, 1);
    else if (m.kind === 'duplicate') p.splice(i, 0, p[i]);
    else if (m.kind === 'swap') [p[i], p[m.with % p.length]] = [p[m.with % p.length], p[i]];
    else if (m.kind === 'bytes') p.splice(i, 0, m.bytes);
    else if (m.kind === 'nest') p.splice(i, 0, m.opener.repeat(m.depth) + (m.opener === '(' && m.depth % 2 === 0 ? ')'.repeat(m.depth) : ''));
  }
  return p.join('');
}

const mutatedCase = fc
  .record({ index: fc.nat({ max: PIECES.length - 1 }), mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }) })
  .map(({ index, mutations }) => mutate(PIECES[index], mutations));

function compileText(text: string) {
  return compile({ path: 'fuzz.wshed', text }, { config: defaultConfig(targetOf(text)), now: GOLDEN_NOW });
}

test('mutated golden cases: the compiler never throws; every diagnostic has a span inside the text and renders', () => {
  fc.assert(
    fc.property(mutatedCase, (text) => {
      const result = compileText(text);
      for (const d of result.diagnostics) {
        const { start, end } = d.span;
        if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= text.length)) {
          throw new Error(`${d.code} span ${start}-${end} outside 0-${text.length}`);
        }
      }
      // Rendering computes lines and columns from the spans: it must cope with every one.
      renderDiagnostics({ path: 'fuzz.wshed', text }, result.diagnostics);
      if (result.plan === undefined && !result.diagnostics.some((d) => d.severity === 'error')) throw new Error('no plan and no error');
    }),
    { numRuns: 250, seed: 8 },
  );
});

test('random bytes of any kind never make the compiler throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      compileText(text);
    }),
    { numRuns: 200, seed: 9 },
  );
});

const total = (w: ParseWork) => w.rules + w.resyncScanned + w.rewound;

function parseWork(text: string): number {
  compileText(text);
  return total(lastParseWork());
}

test('parser work is linear in the input: 8 copies of a mutated case cost at most ~8x the work of one', () => {
  fc.assert(
    fc.property(mutatedCase, (text) => {
      // Repeated 16 and 128 times, so the fixed cost of a short file does not flatter the ratio.
      const one = parseWork(text.repeat(16) + '\n');
      const eight = parseWork(text.repeat(128) + '\n');
      // Linear work gives ~8x; the quadratic recovery this guards against gave 45x on 8x the garbage.
      if (eight > 8 * 2 * one + 1000) throw new Error(`8x the input cost ${(eight / one).toFixed(1)}x the work`);
    }),
    { numRuns: 15, seed: 10 },
  );
});

test.run();
