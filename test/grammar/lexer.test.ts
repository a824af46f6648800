// Token rules the language reference promises: quantities are one token (good or bad units),
// dates win over numbers, keywords never swallow longer identifiers, comments are trivia.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lex } from '../../grammar/lexer.ts';

const kinds = (text: string): string[] => lex(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

test('a number glued to letters or /letters is one Quantity, whatever the unit', () => {
  for (const q of ['24h', '500ms', '7d', '64MB', '1GB', '500/s', '0/s', '2.5/s', '30000/m', '7x', '12parsecs', '-5s', '1h30m']) {
    assert.equal(kinds(q), [`Quantity:${q}`], q);
  }
});

test('plain numbers: integers, decimals, exponents, negatives', () => {
  for (const n of ['0', '42', '-1', '2.5', '1e5', '-2.5E-3', '100000']) {
    assert.equal(kinds(n), [`NumberLit:${n}`], n);
  }
  // An exponent missing its digits leaves a unit: the checker reports it.
  assert.equal(kinds('1e'), ['Quantity:1e']);
});

test('dates and instants win over numbers', () => {
  for (const d of ['2026-11-01', '2026-11-01T10:00', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00.250+02:00', '2026-13-45']) {
    assert.equal(kinds(d), [`Instant:${d}`], d);
  }
  assert.equal(kinds('2026'), ['NumberLit:2026']);
});

test('keywords are whole words: longer identifiers and prefixes stay identifiers', () => {
  assert.equal(kinds('in into index intox'), ['In:in', 'Into:into', 'Identifier:index', 'Identifier:intox']);
  assert.equal(kinds('archive archiver streams Stream'), ['Archive:archive', 'Identifier:archiver', 'Identifier:streams', 'Identifier:Stream']);
  assert.equal(kinds('notable is_null'), ['Identifier:notable', 'Identifier:is_null']);
});

test('operators, longest first', () => {
  assert.equal(kinds('<= >= <> != = < >'), ['LessEq:<=', 'GreaterEq:>=', 'NotEqualSql:<>', 'NotEqual:!=', 'Equals:=', 'Less:<', 'Greater:>']);
  assert.equal(kinds('@arrival_time a.b'), ['MetaName:@arrival_time', 'Identifier:a', 'Dot:.', 'Identifier:b']);
});

test('comments and whitespace are not tokens; comments are kept aside', () => {
  const r = lex('stream # a comment\r\n  x');
  assert.equal(r.tokens.map((t) => t.image), ['stream', 'x']);
  assert.equal(r.comments.map((c) => c.image), ['# a comment']);
});

test('problems are data: unknown characters and unterminated strings, never exceptions', () => {
  const r = lex("a ; b 'open");
  assert.equal(r.problems.map((p) => p.kind), ['unknown-character', 'unterminated']);
  assert.equal(r.tokens.map((t) => t.tokenType.name), ['Identifier', 'Identifier', 'UnterminatedSingleString']);
});

test.run();
