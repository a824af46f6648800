// The parser never throws, keeps every span inside the file, and stays fast on big files.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Span } from '../../src/compiler/source.ts';
import { lastParseWork, type ParseWork } from '../../grammar/parser.ts';
import { parseText } from './helpers.ts';

const total = (w: ParseWork) => w.rules + w.resyncScanned + w.rewound;

const EXAMPLE = `stream orders { shards 2 retention 24h key order_id }
reservoir res { from stream orders at "./r" format json partition hourly archive via archiver every 1h }
query q """SELECT 1"""
replay r from archive+live res where status = 'shipped' and (total > 100 or x is not null)
  since 2026-11-01T00:00:00Z until 7d ago compact by key order_id annotate <a: 1, b: "x">
  into stream orders rate 500/s limit 10 aggregate on partition by @partition_key
`;

const PIECES = [
  'stream', 'reservoir', 'query', 'replay', 'from', 'archive', 'live', '+', 'where', 'since', 'until', 'compact', 'by',
  'key', 'annotate', 'into', 'rate', 'limit', 'aggregate', 'on', 'partition', '{', '}', '(', ')', '<', '>', ',', ':',
  '=', 'and', 'or', 'not', 'in', 'between', 'like', 'is', 'null', 'x', 'y.z', '@m', '`q`', "'s'", '"d"', '"""t"""',
  '5', '24h', '500/s', '2026-11-01', 'now', 'ago', '#c\n', '\n', "'open", '"""open', '`open', ';', '€', 'strem',
];

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every `span` in a value, however deep. */
function spans(value: unknown, out: Span[] = []): Span[] {
  if (Array.isArray(value)) value.forEach((v) => spans(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'span') out.push(v as Span);
      else spans(v, out);
    }
  }
  return out;
}

function assertSane(text: string): void {
  const p = parseText(text);
  for (const s of [...spans(p.pipeline), ...p.diagnostics.map((d) => d.span)]) {
    assert.ok(Number.isInteger(s.start) && Number.isInteger(s.end), `integer span in ${JSON.stringify(text)}`);
    assert.ok(0 <= s.start && s.start <= s.end && s.end <= text.length, `span ${s.start}-${s.end} inside ${JSON.stringify(text)}`);
  }
  for (const d of p.diagnostics) assert.ok(d.message.length < 200, `short message: ${d.message}`);
}

test('random token soup: no exceptions, spans inside the file, short messages', () => {
  const next = random(42);
  for (let i = 0; i < 400; i++) {
    const n = 1 + Math.floor(next() * 25);
    const text = Array.from({ length: n }, () => PIECES[Math.floor(next() * PIECES.length)]).join(' ');
    assertSane(text);
  }
});

test('the example with one character deleted anywhere, or doubled', () => {
  for (let i = 0; i < EXAMPLE.length; i++) {
    assertSane(EXAMPLE.slice(0, i) + EXAMPLE.slice(i + 1));
    if (i % 3 === 0) assertSane(EXAMPLE.slice(0, i) + EXAMPLE[i] + EXAMPLE.slice(i));
  }
});

test('50,000 stray tokens between statements: each reported, none overflows the stack', () => {
  // Chevrotain re-entered the statement loop recursively after each stray stretch.
  const text = 'stream a { shards 1 } ) '.repeat(50_000);
  const p = parseText(text);
  assert.is(p.pipeline.statements.length, 50_000);
  assert.is(p.diagnostics.length, 50_000);
  assert.ok(p.diagnostics.every((d) => d.code === 'WS101' && text.slice(d.span.start, d.span.end) === ')'));
});

test('a 2,000-statement file parses cleanly, with parser work linear in its size (counted, not timed)', () => {
  const file = (copies: number) => {
    let text = '';
    for (let i = 0; i < copies; i++) text += EXAMPLE.replaceAll('orders', `orders${i}`).replaceAll(' res ', ` res${i} `);
    return text;
  };
  const small = parseText(file(62));
  const smallWork = total(lastParseWork());
  const p = parseText(file(500));
  assert.is(p.diagnostics.length, 0);
  assert.is(p.pipeline.statements.length, 2000);
  const ratio = total(lastParseWork()) / smallWork;
  assert.ok(small.pipeline.statements.length === 248 && ratio < 8 * 1.5, `8x the input cost ${ratio.toFixed(1)}x the work`);
});

test.run();
