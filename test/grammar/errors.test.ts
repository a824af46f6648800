// Syntax errors: each kind with its code, message and exact span; every error in a file is
// reported once; what parses still becomes AST; fallout of an error is not reported again.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codes, noSpans, parseText, slice } from './helpers.ts';

test('WS105: a misspelled statement keyword, with a hint; the rest of the file still parses', () => {
  const p = parseText('strem orders { shards 2 }\nstream x { shards 1 }');
  assert.equal(codes(p), [['WS105', 'strem']]);
  assert.is(p.diagnostics[0].message, "unknown keyword 'strem'; a statement starts with stream, reservoir, query or replay");
  assert.equal(p.diagnostics[0].hints, ["did you mean 'stream'?"]);
  assert.equal(p.pipeline.statements.map((s) => `${s.kind} ${s.name?.text}`), ['stream x']);
});

test('WS105 after a replay: the word ends the replay instead of becoming a clause', () => {
  const p = parseText('replay from archive into stream x\nreplya from archive into stream y\nstream z { shards 1 }');
  assert.equal(codes(p), [['WS105', 'replya']]);
  assert.equal(p.diagnostics[0].hints, ["did you mean 'replay'?"]);
  const [replay, stream] = p.pipeline.statements;
  assert.equal(replay.kind === 'replay' && replay.clauses.map((c) => slice(p.text, c.span)), ['into stream x']);
  assert.is(stream.kind, 'stream');
  // A word followed by `name {` is a statement too, however it is spelled.
  assert.equal(codes(parseText('replay from live banana orders { shards 1 }')), [['WS105', 'banana']]);
});

test('WS109: a misspelled clause word, with a hint; parsing resumes at the next clause', () => {
  const p = parseText("replay from archive wher status = 'x' since 7d ago into stream out");
  assert.equal(codes(p), [['WS109', 'wher']]);
  assert.is(p.diagnostics[0].message, "unknown replay clause 'wher'");
  assert.equal(p.diagnostics[0].hints, ["did you mean 'where'?"]);
  const replay = p.pipeline.statements[0];
  assert.equal(replay.kind === 'replay' && replay.clauses.map((c) => c.kind), ['since', 'into']);

  const compact = parseText('replay from archive compcat by key into stream out');
  assert.equal(codes(compact), [['WS109', 'compcat']]);
  assert.equal(compact.diagnostics[0].hints, ["did you mean 'compact'?"]);
  // Close to a clause word and not followed by a clause: a bad clause, not a reservoir name.
  assert.equal(codes(parseText('replay from archive limits 5')), [['WS109', 'limits']]);
});

test('WS103: an unclosed block is reported at its {, at the end of the file or the next statement', () => {
  const atEnd = parseText('stream orders {\n  shards 2\n  retention 24h\n');
  assert.equal(codes(atEnd), [['WS103', '{']]);
  assert.equal(atEnd.diagnostics[0].span, { start: 14, end: 15 });
  assert.is(atEnd.diagnostics[0].message, "'{' of stream 'orders' is never closed");
  assert.equal(atEnd.pipeline.statements.length, 1, 'the stream keeps what it had');

  const beforeNext = parseText('reservoir arch {\n  format json\nreplay from archive into stream x');
  assert.equal(codes(beforeNext), [['WS103', '{']]);
  assert.is(beforeNext.diagnostics[0].message, "'{' of reservoir 'arch' is never closed");
  assert.equal(beforeNext.pipeline.statements.map((s) => s.kind), ['reservoir', 'replay']);
});

test('WS101: found and expected in a short message, at the offending token', () => {
  const missingValue = parseText('stream x { shards }');
  assert.equal(codes(missingValue), [['WS101', '}']]);
  assert.is(missingValue.diagnostics[0].message, "unexpected '}'; expected a number");
  assert.equal(noSpans(missingValue.pipeline.statements), [{ kind: 'stream', name: { text: 'x' }, properties: [] }]);

  const atEnd = parseText('stream x');
  assert.is(atEnd.diagnostics[0].message, "unexpected end of file; expected '{'");
  assert.equal(atEnd.diagnostics[0].span, { start: 8, end: 8 });
  // The name is what other statements refer to, so the stream is kept (with no properties).
  assert.equal(noSpans(atEnd.pipeline.statements), [{ kind: 'stream', name: { text: 'x' }, properties: [] }]);

  assert.is(parseText('}').diagnostics[0].message, "unexpected '}'; expected a statement (stream, reservoir, query or replay)");
  assert.is(parseText('stream x { shards 2 3 }').diagnostics[0].message, "unexpected '3'; expected a property or '}'");
  assert.is(parseText('replay from archiv').diagnostics[0].message, "unexpected 'archiv'; expected archive, live or archive+live");
  assert.is(parseText('replay from live aggregate maybe').diagnostics[0].message, "unexpected 'maybe'; expected 'on' or 'off'");
  assert.is(parseText('replay from live rate fast').diagnostics[0].message, "unexpected 'fast'; expected a rate such as 500/s");
  // A bare number parses, so the one diagnostic can say how to write it.
  const bare = parseText('replay from live rate 5').diagnostics;
  assert.equal(bare.map((d) => [d.code, d.message, d.hints]), [['WS304', "invalid rate '5': a rate needs a unit", ['write 5/s (or /m, /h)']]]);
  assert.is(parseText('query q 42').diagnostics[0].message, "unexpected '42'; expected a string");
  assert.is(
    parseText('replay from live where a 5').diagnostics[0].message,
    "unexpected '5'; expected a comparison (=, !=, <>, <, <=, >, >=, in, between, like or is null)",
  );
  assert.is(
    parseText('replay from live since yesterday').diagnostics[0].message,
    "unexpected 'yesterday'; expected a time (a date such as 2026-11-01, a quoted time, now, or a duration and 'ago')",
  );
  assert.is(parseText('replay from live where a = "x" and').diagnostics[0].message, "unexpected end of file; expected a condition (such as status = 'open')");
  assert.is(parseText('query q q2 "x"').diagnostics[0].message, "unexpected 'q2'; expected a string");
});

test('WS104: unknown characters, once per run, without further errors', () => {
  const p = parseText('stream x { shards 2; } stream y { shards 1 }');
  assert.equal(codes(p), [['WS104', ';']]);
  assert.is(p.diagnostics[0].message, "unexpected character ';'");
  assert.equal(p.pipeline.statements.length, 2);
  assert.equal(codes(parseText('stream x { shards 2 }\n€$')), [['WS104', '€$']]);
  assert.is(parseText('stream x { shards 2 }\n\u0007').diagnostics[0].message, 'unexpected character U+0007');
});

test('unknown properties become AST nodes (the checker reports them), not syntax errors', () => {
  const p = parseText('stream x { shard 2 retentoin 24h key a }');
  assert.equal(p.diagnostics, []);
  const stream = p.pipeline.statements[0];
  if (stream.kind !== 'stream') throw new Error('expected a stream');
  assert.equal(stream.properties.map((x) => [x.kind, slice(p.text, x.span)]), [
    ['unknown', 'shard 2'],
    ['unknown', 'retentoin 24h'],
    ['key', 'key a'],
  ]);
  assert.equal(stream.properties[0].kind === 'unknown' && stream.properties[0].word.text, 'shard');

  const r = parseText('reservoir r { fromm stream x at "p" compression gzip level 9 enabled true from stream y }');
  assert.equal(r.diagnostics, []);
  const reservoir = r.pipeline.statements[0];
  if (reservoir.kind !== 'reservoir') throw new Error('expected a reservoir');
  assert.equal(reservoir.properties.map((x) => [x.kind, slice(r.text, x.span)]), [
    ['unknown', 'fromm stream x'],
    ['at', 'at "p"'],
    ['unknown', 'compression gzip level 9 enabled true'],
    ['from', 'from stream y'],
  ]);
  // A soft keyword that is not this block's property is unknown here too.
  const misplaced = parseText('stream s { format json }').pipeline.statements[0];
  assert.equal(misplaced.kind === 'stream' && misplaced.properties.map((x) => x.kind), ['unknown']);
});

test('three errors in three statements: three diagnostics, and the valid statements still parse', () => {
  const text = [
    'stream a { shards = 1 }',
    'stream ok { shards 1 }',
    'reservoir r { from stream }',
    'query fine """SELECT 1"""',
    "replay from archive where a = = 'x' into stream ok",
    'replay good from live into stream ok',
  ].join('\n');
  const p = parseText(text);
  assert.equal(codes(p), [['WS101', '='], ['WS101', '}'], ['WS101', '=']]);
  assert.equal(
    p.pipeline.statements.map((s) => `${s.kind} ${s.name?.text ?? ''}`),
    ['stream a', 'stream ok', 'reservoir r', 'query fine', 'replay ', 'replay good'],
  );
  const broken = p.pipeline.statements[4];
  assert.equal(broken.kind === 'replay' && broken.clauses.map((c) => c.kind), ['into'], 'the broken where is dropped, into kept');
});

test('fallout of an error is not reported again', () => {
  // The unquoted SQL: one error at SELECT, not another "unknown keyword 'SELECT'".
  const p = parseText('query q SELECT x FROM y\nstream s { shards 1 }');
  assert.equal(codes(p), [['WS101', 'SELECT']]);
  assert.equal(p.pipeline.statements.map((s) => s.kind), ['stream']);
  // The word where the parser resumed is not an unknown property.
  const q = parseText('stream a { shards x }');
  assert.equal(codes(q), [['WS101', 'x']]);
  assert.equal(q.pipeline.statements[0].kind === 'stream' && q.pipeline.statements[0].properties, []);
  // A stray soft keyword at the top: one error, not one more for the words after it.
  assert.equal(codes(parseText('where x = 1')), [['WS101', 'where']]);
});

test('diagnostics come out in source order', () => {
  const p = parseText("stream b { shards }\nstrem a { }\nreservoir r { at 'x");
  const starts = p.diagnostics.map((d) => d.span.start);
  assert.equal(starts, [...starts].sort((a, b) => a - b));
  assert.equal(p.diagnostics.map((d) => d.code), ['WS101', 'WS105', 'WS103', 'WS102']);
});

test.run();
