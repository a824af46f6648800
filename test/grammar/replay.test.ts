// Replay statements: sources, optional names, every clause form, times, and the rule that a
// statement ends where the next one starts (newlines mean nothing).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noSpans, parseText, replayOf, slice } from './helpers.ts';

test('sources: archive, live, archive+live with or without spaces', () => {
  assert.is(replayOf('replay from archive').source.kind, 'archive');
  assert.is(replayOf('replay from live').source.kind, 'live');
  assert.is(replayOf('replay from archive+live').source.kind, 'archive+live');
  const text = 'replay from archive  +  live';
  const spaced = replayOf(text);
  assert.is(spaced.source.kind, 'archive+live');
  assert.is(slice(text, spaced.source.span), 'archive  +  live');
});

test('a name before from, a reservoir after the source, both optional', () => {
  const both = replayOf('replay r1 from archive res into stream out');
  assert.is(both.name?.text, 'r1');
  assert.is(both.reservoir?.text, 'res');
  const reservoirOnly = replayOf('replay from live res where a = 1');
  assert.is(reservoirOnly.name, undefined);
  assert.is(reservoirOnly.reservoir?.text, 'res');
  // `from` as the replay's name: a name is present exactly when `from` follows it.
  const named = replayOf('replay from from archive');
  assert.is(named.name?.text, 'from');
});

test('clauses come in any order and repeats are kept for the checker', () => {
  const replay = replayOf('replay from archive limit 5 into stream a where x = 1 into stream b limit 6');
  assert.equal(
    replay.clauses.map((c) => c.kind),
    ['limit', 'into', 'where', 'into', 'limit'],
  );
});

test('every clause form', () => {
  const replay = replayOf(
    'replay from archive aggregate on aggregate off partition by customer.id partition by @partition_key ' +
      'rate 0/s rate 2.5/s rate 30000/m limit 0 compact by key @partition_key compact by key `odd key`',
  );
  assert.equal(noSpans(replay.clauses), [
    { kind: 'aggregate', enabled: true },
    { kind: 'aggregate', enabled: false },
    { kind: 'partition-by', key: { kind: 'field', segments: [{ name: 'customer', quoted: false }, { name: 'id', quoted: false }] } },
    { kind: 'partition-by', key: { kind: 'meta', name: 'partition_key' } },
    { kind: 'rate', rate: { kind: 'quantity', text: '0/s' } },
    { kind: 'rate', rate: { kind: 'quantity', text: '2.5/s' } },
    { kind: 'rate', rate: { kind: 'quantity', text: '30000/m' } },
    { kind: 'limit', count: { kind: 'number', value: 0, text: '0' } },
    { kind: 'compact', key: { kind: 'meta', name: 'partition_key' } },
    { kind: 'compact', key: { kind: 'field', segments: [{ name: 'odd key', quoted: true }] } },
  ]);
});

test('times: bare instants and dates, quoted (either quote), now, and N ago', () => {
  const times = [
    '2026-11-01T00:00:00Z',
    '2026-11-01',
    '2026-11-01T10:00',
    '2026-11-01T10:00:00.123+02:00',
    '2026-11-01T10:00:00-05:00',
  ];
  for (const t of times) {
    const replay = replayOf(`replay from archive since ${t}`);
    assert.equal(noSpans(replay.clauses[0]), { kind: 'since', time: { kind: 'instant', text: t, quoted: false } }, t);
  }
  const quoted = replayOf(`replay from archive since '2026-11-01 10:00' until "2026-11-02"`);
  assert.equal(noSpans(quoted.clauses), [
    { kind: 'since', time: { kind: 'instant', text: '2026-11-01 10:00', quoted: true } },
    { kind: 'until', time: { kind: 'instant', text: '2026-11-02', quoted: true } },
  ]);
  const relative = replayOf('replay from archive since 90m ago until now');
  assert.equal(noSpans(relative.clauses), [
    { kind: 'since', time: { kind: 'ago', duration: { kind: 'quantity', text: '90m' } } },
    { kind: 'until', time: { kind: 'now' } },
  ]);
  // The calendar is the checker's business: the parser keeps the text.
  const impossible = replayOf('replay from archive since 2026-13-45');
  assert.equal(noSpans(impossible.clauses[0]), { kind: 'since', time: { kind: 'instant', text: '2026-13-45', quoted: false } });
});

test('annotate values: strings in either quote, numbers, booleans, null; keys may be soft keywords', () => {
  const replay = replayOf(`replay from archive annotate <a: 'x', b: "y", n: -1.5, t: false, z: null, stream: 1, key: 2>`);
  const annotate = replay.clauses[0];
  assert.is(annotate.kind, 'annotate');
  if (annotate.kind !== 'annotate') return;
  assert.equal(noSpans(annotate.entries), [
    { key: { text: 'a' }, value: { kind: 'string', value: 'x', quote: 'single' } },
    { key: { text: 'b' }, value: { kind: 'string', value: 'y', quote: 'double' } },
    { key: { text: 'n' }, value: { kind: 'number', value: -1.5, text: '-1.5' } },
    { key: { text: 't' }, value: { kind: 'boolean', value: false } },
    { key: { text: 'z' }, value: { kind: 'null' } },
    { key: { text: 'stream' }, value: { kind: 'number', value: 1, text: '1' } },
    { key: { text: 'key' }, value: { kind: 'number', value: 2, text: '2' } },
  ]);
});

test('a replay ends at the next statement keyword, with or without newlines', () => {
  const p = parseText("replay from archive where a = 'x' into stream out stream out { shards 1 } replay from live limit 3");
  assert.equal(p.diagnostics, []);
  assert.equal(p.pipeline.statements.map((s) => s.kind), ['replay', 'stream', 'replay']);
  assert.is(slice(p.text, p.pipeline.statements[0].span), "replay from archive where a = 'x' into stream out");
});

test('a where expression ends at the next clause keyword', () => {
  const replay = replayOf("replay from archive where status = 'x' since now");
  assert.equal(replay.clauses.map((c) => c.kind), ['where', 'since']);
});

test('compact by key stops before a clause word; a backtick-quoted path can use one', () => {
  assert.equal(noSpans(replayOf('replay from archive compact by key limit 5').clauses), [
    { kind: 'compact' },
    { kind: 'limit', count: { kind: 'number', value: 5, text: '5' } },
  ]);
  assert.equal(noSpans(replayOf('replay from archive compact by key `limit`').clauses), [
    { kind: 'compact', key: { kind: 'field', segments: [{ name: 'limit', quoted: true }] } },
  ]);
});

test.run();
