// whereText: the canonical .wshed text of a where expression, as the plan shows it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { whereText } from '../../src/compiler/sql/index.ts';
import { and, b, between, cmp, field, inList, isNull, like, meta, n, not, nul, or, paren, s } from './models.ts';

test('comparisons and connectives read as written', () => {
  assert.is(whereText(and(cmp(field('status'), '=', s('shipped')), cmp(field('total'), '>', n(100)))), "status = 'shipped' and total > 100");
  assert.is(whereText(or(cmp(meta('shard_id'), '!=', s('x')), cmp(field('flag'), '=', b(false)))), "@shard_id != 'x' or flag = false");
  assert.is(whereText(cmp(field('customer', 'region'), '<>', nul)), 'customer.region <> null');
});

test('written parentheses are kept; needed ones are added', () => {
  const a = cmp(field('a'), '=', n(1));
  assert.is(whereText(and(paren(or(a, a)), a)), '(a = 1 or a = 1) and a = 1');
  assert.is(whereText(and(or(a, a), a)), '(a = 1 or a = 1) and a = 1');
  assert.is(whereText(not(and(a, a))), 'not (a = 1 and a = 1)');
  assert.is(whereText(not(a)), 'not a = 1');
});

test('in, between, like and is null, negated or not', () => {
  assert.is(whereText(inList(field('s'), [s('a'), n(2), nul], true)), "s not in ('a', 2, null)");
  assert.is(whereText(between(field('t'), n(1), n(2.5, '2.50'))), 't between 1 and 2.50');
  assert.is(whereText(like(field('s'), 'ab%', true)), "s not like 'ab%'");
  assert.is(whereText(isNull(field('s'), true)), 's is not null');
});

test('odd field names are back-quoted; single-quoted strings double their quotes, SQL-style', () => {
  assert.is(whereText(cmp(field('odd name', 'x'), '=', s("it's"))), "`odd name`.x = 'it''s'");
  assert.is(whereText(cmp(field('a`b'), '=', s('a\\b'))), "`a``b` = 'a\\b'");
  assert.is(whereText(cmp(field('and'), '=', s('x'))), "`and` = 'x'");
});

test.run();
