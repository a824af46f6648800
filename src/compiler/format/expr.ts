// Canonical .wshed text of the small forms: literals, names, key references, times and where
// expressions. Used by `wshed fmt` and wherever a plan shows what the user wrote.

import type { Expr, Ident, KeyRef, Literal, Operand, QuantityLit, StringLit, TimeExpr } from '../ast.ts';

/** Words that can never be bare names (they are operators or literals inside expressions). */
export const RESERVED_WORDS = new Set(['and', 'or', 'not', 'in', 'between', 'like', 'is', 'null', 'true', 'false']);

const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatString(lit: StringLit): string {
  switch (lit.quote) {
    case 'single':
      return `'${lit.value.replace(/'/g, "''")}'`;
    case 'double':
      return JSON.stringify(lit.value);
    case 'triple':
      return `"""${lit.value}"""`;
  }
}

export function formatLiteral(lit: Literal): string {
  switch (lit.kind) {
    case 'string':
      return formatString(lit);
    case 'number':
      return lit.text;
    case 'boolean':
      return String(lit.value);
    case 'null':
      return 'null';
  }
}

export function formatName(ident: Ident): string {
  return ident.text;
}

export function formatSegment(name: string): string {
  return BARE_NAME.test(name) && !RESERVED_WORDS.has(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}

export function formatKey(ref: KeyRef): string {
  return ref.kind === 'meta' ? `@${ref.name}` : ref.segments.map((s) => formatSegment(s.name)).join('.');
}

export function formatOperand(operand: Operand): string {
  return operand.kind === 'field' || operand.kind === 'meta' ? formatKey(operand) : formatLiteral(operand);
}

export function formatQuantity(q: QuantityLit): string {
  return q.text;
}

export function formatTime(time: TimeExpr): string {
  switch (time.kind) {
    case 'now':
      return 'now';
    case 'ago':
      return `${time.duration.text} ago`;
    case 'instant':
      return time.quoted ? JSON.stringify(time.text) : time.text;
  }
}

/** Binding strength: `or` < `and` < `not` < predicates. */
function precedence(e: Expr): number {
  return e.kind === 'or' ? 1 : e.kind === 'and' ? 2 : e.kind === 'not' ? 3 : 4;
}

/** Parenthesises a sub-expression that binds looser than its place needs (trees built by hand). */
function side(e: Expr, min: number): string {
  const text = formatExpr(e);
  return precedence(e) < min ? `(${text})` : text;
}

export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'or':
      return expr.operands.map((x) => side(x, 1)).join(' or ');
    case 'and':
      return expr.operands.map((x) => side(x, 2)).join(' and ');
    case 'not':
      return `not ${side(expr.operand, 4)}`;
    case 'paren':
      return `(${formatExpr(expr.inner)})`;
    case 'compare': {
      // `status = \`open\`` keeps its backticks: they say a field is meant (no WS404 warning).
      const r = expr.right;
      const right = r.kind === 'field' && r.segments.length === 1 && r.segments[0].quoted ? '`' + r.segments[0].name.replace(/`/g, '``') + '`' : formatOperand(r);
      return `${formatOperand(expr.left)} ${expr.op} ${right}`;
    }
    case 'in':
      return `${formatOperand(expr.operand)} ${expr.negated ? 'not in' : 'in'} (${expr.list.map(formatLiteral).join(', ')})`;
    case 'between':
      return `${formatOperand(expr.operand)} ${expr.negated ? 'not between' : 'between'} ${formatOperand(expr.low)} and ${formatOperand(expr.high)}`;
    case 'like':
      return `${formatOperand(expr.operand)} ${expr.negated ? 'not like' : 'like'} ${formatString(expr.pattern)}`;
    case 'is-null':
      return `${formatOperand(expr.operand)} ${expr.negated ? 'is not null' : 'is null'}`;
  }
}
