// Every registered dialect prints every node of the SQL syntax tree; what a dialect lacks is lowered
// or is a coded error, never SQL it cannot run.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FunctionName, JsonValueType, PayloadStorage, Relation, SqlExpr, SqlType } from '../../src/compiler/sql/ast.ts';
import { bin, bool, call, cast, col, isNull, not, nullLit, num, select, str } from '../../src/compiler/sql/ast.ts';
import { SqlUnsupportedError } from '../../src/compiler/sql/dialect.ts';
import { DIALECTS, drill, duckdb } from '../../src/compiler/sql/dialects/index.ts';
import { printExpr, printQuery } from '../../src/compiler/sql/print.ts';

const payload = col('t', 'payload');
const x = col('t', 'x');
const TYPES: SqlType[] = ['text', 'bigint', 'double', 'boolean', 'timestamp'];
const AS: JsonValueType[] = ['text', 'double', 'boolean', 'presence'];
const STORED: PayloadStorage[] = ['json', 'json-text', 'live'];

/** One entry per node kind: the Record type makes a new kind without a sample a type error. */
const EXPRESSIONS: Record<SqlExpr['kind'], SqlExpr[]> = {
  column: [x, col(null, 'select'), col('t', 'odd "name"')],
  member: [{ kind: 'member', base: payload, name: 'a' }, { kind: 'member', base: payload, name: 'line\nbreak' }],
  index: [{ kind: 'index', base: col('t', 'columns'), index: 0 }],
  'json-value': AS.map((as) => ({ kind: 'json-value', payload, path: ['customer', 'region'], as })),
  'stored-payload': STORED.map((stored) => ({ kind: 'stored-payload', column: payload, stored })),
  'union-payload': (['into', 'out'] as const).map((side) => ({ kind: 'union-payload', column: payload, side })),
  'partition-bound': [{ kind: 'partition-bound', table: 't', partition: 'dt', level: 0, op: '>=', value: '2026-11-01' }],
  literal: [str("it's"), num(-1.5e3), bool(true), nullLit, { kind: 'literal', value: { type: 'timestamp', text: '2026-11-01 00:00:00.000' } }],
  binary: (['=', '<>', '<', '<=', '>', '>=', 'AND', 'OR', '||', '+', '-'] as const).map((op) => bin(op, x, x)),
  unary: [not(bin('=', x, num(1))), { kind: 'unary', op: '-', operand: x }],
  in: [{ kind: 'in', operand: x, list: [num(1), num(2)], negated: false }, { kind: 'in', operand: x, list: [str('a')], negated: true }],
  between: [{ kind: 'between', operand: x, low: num(1), high: num(2), negated: false }],
  like: [{ kind: 'like', operand: x, pattern: str('a%'), negated: true }],
  'is-null': [isNull(x), isNull(x, true)],
  call: [call('lpad', x, num(64), str('0')), call('replace', x, str('T'), str(' ')), call('lower', x), call('coalesce', x, x), call('regexp_matches', x, str('^a$')), call('parse_json', x)],
  cast: TYPES.flatMap((type) => [cast(x, type), cast(x, type, true)]),
  case: [{ kind: 'case', whens: [{ when: bin('>', x, num(1)), then: str('big') }], otherwise: str('small') }],
  'row-number': [{ kind: 'row-number', partitionBy: [x], orderBy: [{ expr: x, descending: true }] }, { kind: 'row-number', partitionBy: [], orderBy: [] }],
};

const RELATIONS: Record<Relation['kind'], Relation> = {
  table: { kind: 'table', path: ['wshed_live', 'orders'], alias: 't' },
  subquery: { kind: 'subquery', query: select({ items: [{ expr: num(1), alias: 'one' }] }), alias: 't' },
  'reservoir-files': { kind: 'reservoir-files', reservoir: 'orders', root: '/data/orders', format: 'json', partition: 'hourly', storagePlugin: 'lake', alias: 't' },
  'live-records': { kind: 'live-records', reservoir: 'orders', stream: 'orders', hiveDatabase: 'wshed', alias: 't' },
  join: { kind: 'join', left: { kind: 'table', path: ['a'], alias: 't' }, right: { kind: 'table', path: ['b'], alias: 'u' }, on: bin('=', col('t', 'x'), col('u', 'x')) },
  'text-lines': { kind: 'text-lines', of: { kind: 'table', path: ['lake', 'orders', 'dt=*/*.json'], alias: null }, alias: 't' },
};

for (const dialect of DIALECTS) {
  test(`${dialect.name} prints every expression node`, () => {
    for (const [kind, samples] of Object.entries(EXPRESSIONS)) {
      for (const e of samples) assert.type(printExpr(e, dialect), 'string', kind);
    }
  });

  test(`${dialect.name} prints every relation and query node`, () => {
    for (const from of Object.values(RELATIONS)) {
      if (from.kind === 'text-lines' && dialect.textLines === null) {
        assert.throws(() => printQuery(select({ items: [{ expr: x, alias: null }], from }), dialect), (e: unknown) => e instanceof SqlUnsupportedError);
        continue;
      }
      const q = select({
        with: [{ name: 'w', query: { kind: 'union-all', queries: [select({ items: [{ expr: x, alias: null }], from }), select({ items: [{ expr: x, alias: null }], from })] } }],
        items: [{ expr: x, alias: null }],
        from,
        where: bin('>', x, num(0)),
        qualify: bin('=', { kind: 'row-number', partitionBy: [x], orderBy: [] }, num(1)),
        orderBy: [{ expr: x, descending: false }],
        limit: 5,
      });
      assert.type(printQuery(q, dialect), 'string');
    }
  });

  test(`${dialect.name} has a spelling or a deliberate gap for every function`, () => {
    for (const [fn, spelling] of Object.entries(dialect.functions)) {
      if (spelling) continue;
      assert.throws(() => printExpr(call(fn as FunctionName, x), dialect), (e: unknown) => e instanceof SqlUnsupportedError && e.code === 'sql-unsupported');
    }
  });
}

test('every expression DuckDB prints parses in DuckDB', async () => {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [kind, samples] of Object.entries(EXPRESSIONS)) {
    for (const e of samples) {
      const sql = `SELECT ${printExpr(e, duckdb)} FROM t`;
      const [row] = (await conn.runAndReadAll(`SELECT json_serialize_sql(${printExpr(str(sql), duckdb)}) AS tree`)).getRowObjectsJson();
      assert.not.ok((JSON.parse(String(row.tree)) as { error: boolean }).error, `${kind}: ${sql}`);
    }
  }
});

test('identifiers: DuckDB quotes only when needed, Drill always; quotes inside are doubled', () => {
  assert.is(printExpr(col('t', 'select'), duckdb), 't."select"');
  assert.is(printExpr(col('t', 'odd "name"'), duckdb), 't."odd ""name"""');
  assert.is(printExpr(col('t', 'a`b'), drill), '`t`.`a``b`');
});

test('QUALIFY is kept by DuckDB and lowered to a subquery with rn for Drill', () => {
  const q = select({
    items: [{ expr: x, alias: null }, { expr: col('t', 'rn'), alias: null }],
    from: { kind: 'table', path: ['src'], alias: 't' },
    qualify: bin('OR', isNull(x), bin('=', { kind: 'row-number', partitionBy: [x], orderBy: [{ expr: x, descending: true }] }, num(1))),
  });
  assert.is(printQuery(q, duckdb), 'SELECT t.x, t.rn\nFROM src AS t\nQUALIFY t.x IS NULL OR ROW_NUMBER() OVER (PARTITION BY t.x ORDER BY t.x DESC) = 1');
  assert.is(
    printQuery(q, drill),
    [
      'SELECT `t`.`x`, `t`.`rn`',
      'FROM (',
      '  SELECT `t`.`x`, `t`.`rn`, ROW_NUMBER() OVER (PARTITION BY `t`.`x` ORDER BY `t`.`x` DESC) AS `_rn`',
      '  FROM `src` AS `t`',
      ') AS `t`',
      'WHERE `t`.`x` IS NULL OR `t`.`_rn` = 1',
    ].join('\n'),
  );
});

test('TRY_CAST in DuckDB; in Drill a cast guarded by the shape of the value', () => {
  assert.is(printExpr(cast(x, 'double', true), duckdb), 'TRY_CAST(t.x AS DOUBLE)');
  assert.is(
    printExpr(cast(x, 'bigint', true), drill),
    "CASE WHEN REGEXP_MATCHES(CAST(`t`.`x` AS VARCHAR(65535)), '^[-+]?[0-9]+$') THEN CAST(`t`.`x` AS BIGINT) END",
  );
  assert.is(printExpr(cast(x, 'text', true), drill), 'CAST(`t`.`x` AS VARCHAR(65535))');
});

test('parentheses follow precedence, never more', () => {
  const a = bin('=', x, num(1));
  assert.is(printExpr(bin('AND', bin('OR', a, a), a), duckdb), '(t.x = 1 OR t.x = 1) AND t.x = 1');
  assert.is(printExpr(bin('OR', bin('AND', a, a), a), duckdb), 't.x = 1 AND t.x = 1 OR t.x = 1');
  assert.is(printExpr(not(bin('AND', a, a)), duckdb), 'NOT (t.x = 1 AND t.x = 1)');
  assert.is(printExpr(bin('=', bin('=', x, x), bool(true)), duckdb), '(t.x = t.x) = TRUE');
});

test('literals that are not what they claim are bugs, not SQL', () => {
  assert.throws(() => printExpr({ kind: 'literal', value: { type: 'number', text: '1; DROP TABLE x' } }, duckdb));
  assert.throws(() => printExpr({ kind: 'literal', value: { type: 'timestamp', text: "2026' OR 1=1" } }, drill));
});

test.run();
