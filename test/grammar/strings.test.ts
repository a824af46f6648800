// String forms: SQL-style single quotes, JSON-style double quotes, verbatim triple quotes;
// hostile contents; unterminated strings (WS102) and bad escapes (WS316) with exact spans.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StringLit } from '../../src/compiler/ast.ts';
import { codes, parseText, reservoirOf, slice } from './helpers.ts';

/** The decoded `at` location of `reservoir r { at <literal> }`. */
function stringOf(literal: string): StringLit {
  const property = reservoirOf(`reservoir r { at ${literal} }`).properties[0];
  if (property?.kind !== 'at') throw new Error('no at property');
  return property.location;
}

test('single quotes are SQL-style: doubled quote, no backslash escapes', () => {
  assert.equal([stringOf("'O''Brien'").value, stringOf("'O''Brien'").quote], ["O'Brien", 'single']);
  assert.is(stringOf("''").value, '');
  assert.is(stringOf("''''").value, "'");
  assert.is(stringOf(String.raw`'C:\path\n'`).value, String.raw`C:\path\n`);
  assert.is(stringOf(`'say "hi"'`).value, 'say "hi"');
});

test('double quotes take JSON escapes', () => {
  assert.equal([stringOf(String.raw`"say \"hi\""`).value, stringOf('"x"').quote], ['say "hi"', 'double']);
  assert.is(stringOf(String.raw`"a\nb\tc\\d\/e\bf\fg\rh"`).value, 'a\nb\tc\\d/e\bf\fg\rh');
  assert.is(stringOf(String.raw`"caf\u00e9 \u00E9"`).value, 'café é');
  assert.is(stringOf(String.raw`"\ud83d\ude00"`).value, '😀');
  assert.is(stringOf(String.raw`"\u0007"`).value, "\u0007");
  assert.is(stringOf(String.raw`"ends with backslash \\"`).value, 'ends with backslash \\');
  assert.is(stringOf('""').value, '');
  assert.is(stringOf(`"it's"`).value, "it's");
});

test('triple quotes hold text verbatim, over lines, with no escapes', () => {
  const text = 'query q """\n  SELECT \'a\', "b" -- #not a comment\r\n  FROM x WHERE y = \'\\n\' AND z = ""quoted""\n"""';
  const p = parseText(text);
  assert.equal(p.diagnostics, []);
  assert.equal(p.pipeline.comments, []);
  const query = p.pipeline.statements[0];
  if (query.kind !== 'query') throw new Error('expected a query');
  assert.is(query.sql.quote, 'triple');
  assert.is(query.sql.value, '\n  SELECT \'a\', "b" -- #not a comment\r\n  FROM x WHERE y = \'\\n\' AND z = ""quoted""\n');
  assert.is(slice(text, query.sql.span), text.slice(text.indexOf('"""')));
  assert.is(stringOf('""""""').value, '');
});

test('hostile contents stay inside the string', () => {
  const hostile = [
    ["'# not a comment'", '# not a comment'],
    ["'} replay from archive into stream x {'", '} replay from archive into stream x {'],
    [`"""'''"""`, "'''"],
    ["'\u0007\u001b'", '\u0007\u001b'],
    ['"tab\there"', 'tab\there'],
    ["'😀 naïve 中文'", '😀 naïve 中文'],
    ["'; DROP TABLE orders; --'", '; DROP TABLE orders; --'],
  ];
  for (const [literal, value] of hostile) {
    const p = parseText(`reservoir r { at ${literal} format json }`);
    assert.equal(p.diagnostics, [], literal);
    assert.equal(p.pipeline.comments, [], literal);
    const reservoir = p.pipeline.statements[0];
    if (reservoir.kind !== 'reservoir') throw new Error('expected a reservoir');
    assert.equal(reservoir.properties.map((x) => x.kind), ['at', 'format'], literal);
    assert.is(reservoir.properties[0].kind === 'at' && reservoir.properties[0].location.value, value, literal);
  }
});

test('NUL and lone surrogates are refused in strings and quoted names (WS317): SQL cannot carry them', () => {
  const literals = [String.raw`"a\u0000b"`, "'a\u0000b'", '"""a\u0000b"""', String.raw`"\ud800"`, String.raw`"x\udc00y"`];
  for (const literal of literals) {
    const p = parseText(`reservoir r { at ${literal} }`);
    assert.equal(codes(p), [['WS317', literal]], literal);
  }
  const p = parseText('replay from archive where `a\u0000` = 1 into stream s');
  assert.equal(codes(p), [['WS317', '`a\u0000`']]);
  // A well-formed pair is one character, and fine.
  assert.is(stringOf(String.raw`"\ud83d\ude00"`).value, '😀');
});

test('spans are UTF-16 offsets, so astral characters count twice', () => {
  const text = "reservoir r { at '😀' format json }";
  const location = stringOf("'😀'");
  assert.equal(location.span, { start: 17, end: 21 });
  assert.is(slice(text, location.span), "'😀'");
});

test('a long string parses', () => {
  const long = 'x'.repeat(200_000);
  assert.is(stringOf(`'${long}'`).value.length, 200_000);
});

test('unterminated strings: WS102 from the opening quote to the end of its line, no cascade', () => {
  const single = "reservoir r {\n  at './path\n  format json\n}";
  const p = parseText(single);
  assert.equal(codes(p), [['WS102', "'./path"]]);
  assert.is(p.diagnostics[0].message, 'unterminated string');
  assert.ok(p.diagnostics[0].hints[0].includes('"""'));
  const reservoir = p.pipeline.statements[0];
  assert.equal(reservoir.kind === 'reservoir' && reservoir.properties.map((x) => x.kind), ['at', 'format']);

  assert.equal(codes(parseText('reservoir r { at "abc\\" }\n}')), [['WS102', '"abc\\" }']]);
  // At the end of the file the block is unclosed as well: both are reported.
  assert.equal(codes(parseText('reservoir r { at "abc')), [['WS103', '{'], ['WS102', '"abc']]);
});

test('an unterminated triple-quoted string runs to the end of the file; the span is its first line', () => {
  const text = 'query q """SELECT 1\nFROM x\nstream s { shards 1 }';
  const p = parseText(text);
  assert.equal(codes(p), [['WS102', '"""SELECT 1']]);
  assert.is(p.diagnostics[0].message, 'unterminated triple-quoted string');
  assert.is(p.diagnostics[0].span.start, text.indexOf('"""'));
});

test('an unterminated backtick name is WS102 too', () => {
  const p = parseText('replay from archive where `odd = 1\ninto stream x');
  assert.equal(codes(p).slice(0, 1), [['WS102', '`odd = 1']]);
  assert.is(p.diagnostics[0].message, 'unterminated quoted name');
});

test('bad escapes in double quotes are WS316 at the escape', () => {
  const p = parseText(String.raw`reservoir r { at "a\qb\u12" }`);
  assert.equal(codes(p), [['WS316', '\\q'], ['WS316', '\\u12']]);
  assert.match(p.diagnostics[0].message, /^invalid escape '\\q': double-quoted strings take JSON escapes/);
});

test('an empty backtick name is WS316', () => {
  assert.equal(codes(parseText('replay from archive where `` = 1')), [['WS316', '``']]);
});

test.run();
