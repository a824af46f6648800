// The one SQL printer, parameterised by a dialect. It escapes every identifier and literal, and
// lowers what a dialect lacks (QUALIFY, TRY_CAST) instead of printing SQL the dialect cannot run.

import type { Dialect, PrintHelpers } from './dialect.ts';
import { SqlUnsupportedError } from './dialect.ts';
import type { LiteralValue, OrderItem, Query, Relation, Select, SelectItem, SqlExpr, SqlType } from './ast.ts';
import { bin, call, cast, col, select, str } from './ast.ts';

const INDENT = '  ';
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,9})?)?$/;
const BARE = /^[a-z_][a-z0-9_]*$/;

/**
 * What a value must look like for a plain CAST to succeed, for dialects without TRY_CAST: the
 * printer casts only matching values and yields NULL otherwise, as TRY_CAST would. Anchored
 * patterns that mean the same in Java (Drill) and RE2 (DuckDB).
 */
const CASTABLE: Readonly<Record<Exclude<SqlType, 'text'>, string>> = {
  bigint: '^[-+]?[0-9]+$',
  double: '^[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?$',
  boolean: '^(true|false)$',
  timestamp: '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$',
};

/** Binding strength, loosest first; a child looser than its place needs parentheses. */
function precedence(e: SqlExpr): number {
  switch (e.kind) {
    case 'binary':
      return e.op === 'OR' ? 1 : e.op === 'AND' ? 2 : e.op === '||' || e.op === '+' || e.op === '-' ? 5 : 4;
    case 'unary':
      return e.op === 'NOT' ? 3 : 6;
    case 'in':
    case 'between':
    case 'like':
    case 'is-null':
      return 4;
    default:
      return 7;
  }
}

export function printQuery(query: Query, dialect: Dialect): string {
  return new Printer(dialect).query(query, 0);
}

export function printExpr(expr: SqlExpr, dialect: Dialect): string {
  return new Printer(dialect).expr(expr);
}

/** A qualified name as the dialect's SQL writes it: `wshed_live."orders"`. */
export function printIdentifierPath(parts: readonly string[], dialect: Dialect): string {
  const p = new Printer(dialect);
  return parts.map((part) => p.ident(part)).join('.');
}

/** A relation on its own, as a FROM clause would write it: a plan input's name. */
export function printRelation(relation: Relation, dialect: Dialect): string {
  return new Printer(dialect).relationText(relation);
}

class Printer {
  private readonly helpers: PrintHelpers;

  constructor(private readonly d: Dialect) {
    this.helpers = { ident: (n) => this.ident(n), string: (v) => this.string(v) };
  }

  ident(name: string): string {
    if (this.d.unquotableIdentifier.test(name)) throw new SqlUnsupportedError(this.d.name, `the identifier ${JSON.stringify(name)}`);
    const reserved = this.d.reservedWords;
    if (reserved !== 'all' && BARE.test(name) && !reserved.has(name)) return name;
    const { open, close } = this.d.identifierQuote;
    return open + name.split(close).join(close + close) + close;
  }

  string(value: string): string {
    return `'${value.replaceAll("'", "''")}'`;
  }

  query(q: Query, depth: number): string {
    if (q.kind === 'union-all') return q.queries.map((s) => this.select(s, depth)).join(`\n${INDENT.repeat(depth)}UNION ALL\n`);
    return this.select(q, depth);
  }

  private select(s: Select, depth: number): string {
    if (s.qualify && !this.d.supportsQualify) return this.select(lowerQualify(s), depth);
    const pad = INDENT.repeat(depth);
    const lines: string[] = [];
    if (s.with.length > 0) {
      lines.push('WITH');
      s.with.forEach((cte, i) => {
        const body = this.query(cte.query, depth + 2);
        const comma = i < s.with.length - 1 ? ',' : '';
        lines.push(`${INDENT}${this.ident(cte.name)} AS (\n${body}\n${pad}${INDENT})${comma}`);
      });
    }
    const items = s.items.map((it) => {
      const e = it.expr.kind === 'union-payload' ? this.unionPayload(it.expr) : it.expr;
      return this.expr(e) + (it.alias === null || this.outputName(e) === it.alias ? '' : ` AS ${this.ident(it.alias)}`);
    });
    lines.push(`SELECT ${items.join(', ')}`);
    if (s.from) lines.push(`FROM ${this.relation(s.from, depth)}`);
    if (s.where) lines.push(`WHERE ${this.expr(s.where)}`);
    if (s.qualify) lines.push(`QUALIFY ${this.expr(s.qualify)}`);
    if (s.orderBy.length > 0) lines.push(`ORDER BY ${this.orderItems(s.orderBy)}`);
    if (s.limit !== null) {
      if (!Number.isSafeInteger(s.limit) || s.limit < 0) throw new Error(`invalid LIMIT ${s.limit}`);
      lines.push(`LIMIT ${s.limit}`);
    }
    return lines.map((l) => pad + l).join('\n');
  }

  /** The payload crossing a union: unchanged, or as JSON text into the union and parsed back out of it. */
  private unionPayload(e: Extract<SqlExpr, { kind: 'union-payload' }>): SqlExpr {
    if (this.d.payloadAcrossUnion === 'value') return e.column;
    return e.side === 'into' ? call('utf8_text', call('json_encode', e.column)) : call('parse_json', e.column);
  }

  /** The name a select item has without an alias: a column keeps its own (a stored payload may stay a column). */
  private outputName(e: SqlExpr): string | null {
    if (e.kind === 'stored-payload' && !this.d.parseStoredPayload[e.stored]) return e.column.name;
    return e.kind === 'column' ? e.name : null;
  }

  relationText(r: Relation): string {
    return this.relation(r, 0);
  }

  private relation(r: Relation, depth: number): string {
    const as = (alias: string | null) => (alias === null ? '' : ` AS ${this.ident(alias)}`);
    switch (r.kind) {
      case 'table':
        return r.path.map((p) => this.ident(p)).join('.') + as(r.alias);
      case 'subquery':
        return `(\n${this.query(r.query, depth + 1)}\n${INDENT.repeat(depth)})${as(r.alias)}`;
      case 'reservoir-files':
        return this.d.reservoirFiles(r, this.helpers) + as(r.alias);
      case 'live-records':
        return this.d.liveTable(r).map((p) => this.ident(p)).join('.') + as(r.alias);
      case 'join':
        return `${this.relation(r.left, depth)}\n${INDENT.repeat(depth)}JOIN ${this.relation(r.right, depth)} ON ${this.expr(r.on)}`;
      case 'text-lines': {
        if (!this.d.textLines) throw new SqlUnsupportedError(this.d.name, 'reading files as lines of text');
        return this.d.textLines.print(this.relation(r.of, depth)) + as(r.alias);
      }
    }
  }

  private orderItems(items: readonly OrderItem[]): string {
    return items.map((o) => this.expr(o.expr) + (o.descending ? ' DESC' : '')).join(', ');
  }

  /** Print `e` where an expression binding at least as tight as `min` is expected. */
  private operand(e: SqlExpr, min: number): string {
    const text = this.expr(e);
    return precedence(e) < min ? `(${text})` : text;
  }

  expr(e: SqlExpr): string {
    switch (e.kind) {
      case 'column':
        return (e.table === null ? '' : `${this.ident(e.table)}.`) + this.ident(e.name);
      case 'member': {
        const base = this.operand(e.base, 7);
        return this.d.unquotableIdentifier.test(e.name) ? `${base}[${this.string(e.name)}]` : `${base}.${this.ident(e.name)}`;
      }
      case 'index':
        if (!Number.isSafeInteger(e.index) || e.index < 0) throw new Error(`invalid index ${e.index}`);
        return `${this.operand(e.base, 7)}[${e.index}]`;
      case 'json-value':
        return this.expr(this.d.jsonValue(e.payload, e.path, e.as));
      case 'union-payload':
        return this.expr(this.unionPayload(e));
      case 'stored-payload':
        return this.expr(this.d.parseStoredPayload[e.stored] ? call('parse_json', e.column) : e.column);
      case 'partition-bound': {
        const hive = this.d.partitionColumns === 'hive-columns';
        const column = col(e.table, hive ? e.partition : `dir${e.level}`);
        return this.expr(bin(e.op, column, str(hive ? e.value : `${e.partition}=${e.value}`)));
      }
      case 'literal':
        return this.literal(e.value);
      case 'binary': {
        const p = precedence(e);
        // AND, OR and || associate; comparisons do not, so a comparison operand never is one.
        const min = p === 4 ? 5 : p;
        if (min !== p) return `${this.operand(e.left, min)} ${e.op} ${this.operand(e.right, min)}`;
        // A left-deep chain (`a OR b OR c ...`, as allOf/anyOf build it) is walked in a loop, not
        // recursively, so a list of thousands of conditions prints without deep recursion.
        const rights: SqlExpr[] = [];
        let left: SqlExpr = e;
        while (left.kind === 'binary' && left.op === e.op) {
          rights.push(left.right);
          left = left.left;
        }
        const parts = [this.operand(left, p), ...rights.reverse().map((r) => this.operand(r, p + 1))];
        return parts.join(` ${e.op} `);
      }
      case 'unary':
        return e.op === 'NOT' ? `NOT ${this.operand(e.operand, 7)}` : `-(${this.expr(e.operand)})`;
      case 'in': {
        if (e.list.length === 0) throw new Error('empty IN list');
        const list = e.list.map((x) => this.expr(x)).join(', ');
        return `${this.operand(e.operand, 5)} ${e.negated ? 'NOT IN' : 'IN'} (${list})`;
      }
      case 'between':
        return `${this.operand(e.operand, 5)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${this.operand(e.low, 5)} AND ${this.operand(e.high, 5)}`;
      case 'like':
        return `${this.operand(e.operand, 5)} ${e.negated ? 'NOT LIKE' : 'LIKE'} ${this.operand(e.pattern, 5)}`;
      case 'is-null':
        return `${this.operand(e.operand, 5)} ${e.negated ? 'IS NOT NULL' : 'IS NULL'}`;
      case 'call': {
        const spelling = this.d.functions[e.fn];
        if (!spelling) throw new SqlUnsupportedError(this.d.name, `the function ${e.fn}`);
        const args = [...e.args, ...(spelling.trailingArgs ?? [])];
        return `${spelling.name}(${args.map((a) => this.expr(a)).join(', ')})`;
      }
      case 'cast':
        if (e.safe && e.type !== 'text' && this.d.safeCast === null) return this.expr(guardedCast(e.operand, e.type));
        return `${e.safe && this.d.safeCast ? this.d.safeCast : 'CAST'}(${this.expr(e.operand)} AS ${this.d.types[e.type]})`;
      case 'case': {
        const whens = e.whens.map((w) => `WHEN ${this.expr(w.when)} THEN ${this.expr(w.then)}`);
        const otherwise = e.otherwise ? [`ELSE ${this.expr(e.otherwise)}`] : [];
        return ['CASE', ...whens, ...otherwise, 'END'].join(' ');
      }
      case 'row-number': {
        const parts: string[] = [];
        if (e.partitionBy.length > 0) parts.push(`PARTITION BY ${e.partitionBy.map((x) => this.expr(x)).join(', ')}`);
        if (e.orderBy.length > 0) parts.push(`ORDER BY ${this.orderItems(e.orderBy)}`);
        return `ROW_NUMBER() OVER (${parts.join(' ')})`;
      }
    }
  }

  private literal(v: LiteralValue): string {
    switch (v.type) {
      case 'string':
        return this.string(v.value);
      case 'number':
        if (!NUMBER.test(v.text)) throw new Error(`not a number literal: ${JSON.stringify(v.text)}`);
        return v.text;
      case 'boolean':
        return v.value ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      case 'timestamp':
        if (!TIMESTAMP.test(v.text)) throw new Error(`not a timestamp literal: ${JSON.stringify(v.text)}`);
        return `TIMESTAMP ${this.string(v.text)}`;
    }
  }
}

/** TRY_CAST for dialects without it: cast only what looks castable, NULL otherwise. */
function guardedCast(operand: SqlExpr, type: Exclude<SqlType, 'text'>): SqlExpr {
  const looksCastable = call('regexp_matches', cast(operand, 'text'), str(CASTABLE[type]));
  return { kind: 'case', whens: [{ when: looksCastable, then: cast(operand, type) }], otherwise: null };
}

/**
 * `SELECT items FROM r AS t QUALIFY cond` → `SELECT names FROM (SELECT items, ROW_NUMBER() ... AS rn
 * FROM r AS t) AS t WHERE cond'`, where cond' reads `t.rn` in place of each window. The outer query
 * reuses the inner alias, so the rest of cond (which may only name output columns) still resolves.
 */
function lowerQualify(s: Select): Select {
  const alias = (s.from && 'alias' in s.from ? s.from.alias : null) ?? 'q';
  const names = s.items.map((it) => {
    const name = it.alias ?? (it.expr.kind === 'column' ? it.expr.name : null);
    if (name === null) throw new Error('QUALIFY lowering needs every select item named');
    return name;
  });
  const windows: { readonly name: string; readonly expr: SqlExpr }[] = [];
  const where = mapWindows(s.qualify!, (w) => {
    let name = windows.length === 0 ? 'rn' : `rn${windows.length + 1}`;
    while (names.includes(name)) name = `_${name}`;
    windows.push({ name, expr: w });
    return col(alias, name);
  });
  // A payload parsed out of a union is parsed in the outer query: Drill returns a map computed
  // beside a window function as `{}`.
  const late = (it: SelectItem) => it.expr.kind === 'union-payload' && it.expr.side === 'out';
  const inner = select({
    items: [
      ...s.items.map((it, i) => (late(it) && it.expr.kind === 'union-payload' ? { expr: it.expr.column, alias: names[i] } : it)),
      ...windows.map((w) => ({ expr: w.expr, alias: w.name })),
    ],
    from: s.from,
    where: s.where,
  });
  return select({
    with: s.with,
    items: names.map((n, i) => {
      const it = s.items[i];
      if (late(it) && it.expr.kind === 'union-payload') return { expr: { ...it.expr, column: col(alias, n) }, alias: n };
      return { expr: col(alias, n), alias: null };
    }),
    from: { kind: 'subquery', query: inner, alias },
    where,
    orderBy: s.orderBy,
    limit: s.limit,
  });
}

/** Replace each window function in a boolean expression (windows only appear at the top of comparisons). */
function mapWindows(e: SqlExpr, f: (w: SqlExpr) => SqlExpr): SqlExpr {
  switch (e.kind) {
    case 'row-number':
      return f(e);
    case 'binary':
      return { ...e, left: mapWindows(e.left, f), right: mapWindows(e.right, f) };
    case 'unary':
      return { ...e, operand: mapWindows(e.operand, f) };
    case 'is-null':
    case 'like':
      return { ...e, operand: mapWindows(e.operand, f) };
    case 'in':
      return { ...e, operand: mapWindows(e.operand, f), list: e.list.map((x) => mapWindows(x, f)) };
    case 'between':
      return { ...e, operand: mapWindows(e.operand, f), low: mapWindows(e.low, f), high: mapWindows(e.high, f) };
    default:
      return e;
  }
}
