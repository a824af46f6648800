// `where` expressions: precedence (or < and < not < predicate), every predicate form, paths,
// backtick-quoted segments, metadata references, and soft keywords used as names.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr } from '../../src/compiler/ast.ts';
import { noSpans, parseText, replayOf, slice, streamOf } from './helpers.ts';

function whereOf(condition: string): { expr: Expr; text: string } {
  const text = `replay from archive where ${condition}`;
  const clause = replayOf(text).clauses[0];
  if (clause?.kind !== 'where') throw new Error('no where clause');
  return { expr: clause.expr, text };
}

/** A compact rendering that makes the tree's shape visible: (a = 1 or (b = 2 and not c = 3)). */
function show(e: Expr): string {
  const operand = (o: unknown): string => {
    const v = o as { kind: string; segments?: { name: string }[]; name?: string; value?: unknown };
    if (v.kind === 'field') return v.segments!.map((s) => s.name).join('.');
    if (v.kind === 'meta') return `@${v.name}`;
    if (v.kind === 'null') return 'null';
    return JSON.stringify(v.value);
  };
  switch (e.kind) {
    case 'or':
    case 'and':
      return `(${e.operands.map(show).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${show(e.operand)}`;
    case 'paren':
      return `[${show(e.inner)}]`;
    case 'compare':
      return `${operand(e.left)} ${e.op} ${operand(e.right)}`;
    case 'in':
      return `${operand(e.operand)}${e.negated ? ' not' : ''} in ${e.list.map(operand).join(',')}`;
    case 'between':
      return `${operand(e.operand)}${e.negated ? ' not' : ''} between ${operand(e.low)}..${operand(e.high)}`;
    case 'like':
      return `${operand(e.operand)}${e.negated ? ' not' : ''} like ${JSON.stringify(e.pattern.value)}`;
    case 'is-null':
      return `${operand(e.operand)} is${e.negated ? ' not' : ''} null`;
  }
}

test('precedence: or binds loosest, then and, then not', () => {
  assert.is(show(whereOf('a = 1 or b = 2 and not c = 3').expr), '(a = 1 or (b = 2 and not c = 3))');
  assert.is(show(whereOf('not a = 1 and b = 2').expr), '(not a = 1 and b = 2)');
  assert.is(show(whereOf('a = 1 and b = 2 or c = 3').expr), '((a = 1 and b = 2) or c = 3)');
  // A chain of one operator is one flat node, however long.
  assert.is(show(whereOf('a = 1 or b = 2 or c = 3').expr), '(a = 1 or b = 2 or c = 3)');
  assert.is(show(whereOf('not not a = 1').expr), 'not not a = 1');
});

test('parentheses are kept as paren nodes and override precedence', () => {
  const { expr, text } = whereOf('(a = 1 or b = 2) and c = 3');
  assert.is(show(expr), '([(a = 1 or b = 2)] and c = 3)');
  if (expr.kind !== 'and') throw new Error('expected and');
  assert.is(slice(text, expr.operands[0].span), '(a = 1 or b = 2)');
  assert.is(slice(text, expr.span), '(a = 1 or b = 2) and c = 3');
});

test('every comparison operator', () => {
  for (const op of ['=', '!=', '<>', '<', '<=', '>', '>=']) {
    const { expr } = whereOf(`total ${op} 10`);
    assert.is(expr.kind === 'compare' && expr.op, op);
  }
  assert.is(show(whereOf('a=1').expr), 'a = 1');
  assert.is(show(whereOf('a>=-2.5e3').expr), 'a >= -2500');
});

test('in, between, like and is null, each also negated', () => {
  assert.is(show(whereOf("r in ('eu', 'us', 3, null)").expr), 'r in "eu","us",3,null');
  assert.is(show(whereOf("r not in ('eu')").expr), 'r not in "eu"');
  assert.is(show(whereOf('t between 1 and 5 and u = 2').expr), '(t between 1..5 and u = 2)');
  assert.is(show(whereOf('t not between lo and hi').expr), 't not between lo..hi');
  assert.is(show(whereOf("name like 'O''B%'").expr), `name like "O'B%"`);
  assert.is(show(whereOf("name not like '%x'").expr), 'name not like "%x"');
  assert.is(show(whereOf('deleted is null').expr), 'deleted is null');
  assert.is(show(whereOf('deleted is not null').expr), 'deleted is not null');
  const { expr, text } = whereOf("r not in ('eu') and x is not null");
  if (expr.kind !== 'and') throw new Error('expected and');
  assert.is(slice(text, expr.operands[0].span), "r not in ('eu')");
  assert.is(slice(text, expr.operands[1].span), 'x is not null');
});

test('operands: paths, metadata, literals on either side', () => {
  assert.is(show(whereOf('@partition_key = customer.id').expr), '@partition_key = customer.id');
  assert.is(show(whereOf("'x' = a.b.c").expr), '"x" = a.b.c');
  assert.is(show(whereOf('flag = true and other != false').expr), '(flag = true and other != false)');
  // Any name after @ parses; the checker knows which metadata exists.
  assert.equal(noSpans(whereOf('@no_such_thing = 1').expr), {
    kind: 'compare', op: '=', left: { kind: 'meta', name: 'no_such_thing' }, right: { kind: 'number', value: 1, text: '1' },
  });
});

test('backtick-quoted segments, with `` for a backtick', () => {
  const { expr, text } = whereOf('`odd name`.x.`a``b` = 1');
  if (expr.kind !== 'compare' || expr.left.kind !== 'field') throw new Error('expected a field comparison');
  assert.equal(noSpans(expr.left.segments), [
    { name: 'odd name', quoted: true },
    { name: 'x', quoted: false },
    { name: 'a`b', quoted: true },
  ]);
  assert.equal(expr.left.segments.map((s) => slice(text, s.span)), ['`odd name`', 'x', '`a``b`']);
  assert.is(slice(text, expr.left.span), '`odd name`.x.`a``b`');
  // Reserved words can be reached by quoting them.
  assert.is(show(whereOf('`and` = 1').expr), 'and = 1');
});

test('soft keywords are names: statement names, path segments, property values', () => {
  assert.is(show(whereOf("key = 1 and format = 'x' and since.until = 2").expr), '(key = 1 and format = "x" and since.until = 2)');
  assert.is(show(whereOf('stream = 1 or replay = 2').expr), '(stream = 1 or replay = 2)');
  assert.is(streamOf('stream stream { shards 1 }').name.text, 'stream');
  assert.is(streamOf('stream limit { key from.where }').properties.length, 1);
  const p = parseText('reservoir format { from stream replay format partition } replay since from archive format into stream where');
  assert.equal(p.diagnostics, []);
  assert.equal(noSpans(p.pipeline.statements), [
    {
      kind: 'reservoir',
      name: { text: 'format' },
      properties: [
        { kind: 'from', stream: { text: 'replay' } },
        { kind: 'format', format: { text: 'partition' } },
      ],
    },
    {
      kind: 'replay',
      name: { text: 'since' },
      source: { kind: 'archive' },
      reservoir: { text: 'format' },
      clauses: [{ kind: 'into', stream: { text: 'where' } }],
    },
  ]);
  // Except right after a replay's source, where a statement keyword ends the replay.
  assert.equal(parseText('replay from archive query q "x"').pipeline.statements.map((s) => s.kind), ['replay', 'query']);
});

test.run();
