// The replay `where` expression: lowered to a SQL expression over one record (payload + metadata),
// and rendered back as canonical .wshed text for the plan.

import type { Expr, Literal, Operand } from '../ast.ts';
import { RECORD_COLUMNS, SEQUENCE_SORT_WIDTH } from '../record-layout.ts';
import type { ColumnRef, JsonValueType, SqlExpr } from './ast.ts';
import { allOf, anyOf, bin, bool, call, cast, col, isNull, not, nullLit, num, str } from './ast.ts';

/**
 * How two sides are compared; the literal decides (a number literal compares numerically, a string
 * as text, a boolean as boolean), text when there is none. A payload value of another type reads
 * as NULL, so the comparison is not true. `sequence` compares sequence numbers, which exceed every
 * numeric type, as zero-padded text.
 */
type ValueType = 'text' | 'double' | 'boolean' | 'sequence';

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const DIGITS = /^\d+$/;

function literalType(lit: Literal): ValueType | null {
  return lit.kind === 'string' ? 'text' : lit.kind === 'number' ? 'double' : lit.kind === 'boolean' ? 'boolean' : null;
}

function literalText(lit: Literal): string {
  if (lit.kind === 'number') return NUMBER.test(lit.text) ? lit.text : String(lit.value);
  return lit.kind === 'string' ? lit.value : lit.kind === 'boolean' ? String(lit.value) : 'null';
}

const isLiteral = (op: Operand): op is Literal => op.kind !== 'field' && op.kind !== 'meta';
const isSequence = (op: Operand) => op.kind === 'meta' && op.name === 'sequence_number';

function resolveType(operands: readonly Operand[]): ValueType {
  const literals = operands.filter(isLiteral).filter((l) => l.kind !== 'null');
  if (operands.some(isSequence) && literals.length > 0 && literals.every((l) => DIGITS.test(literalText(l)) && literalText(l).length <= SEQUENCE_SORT_WIDTH)) {
    return 'sequence';
  }
  return literals.map(literalType).find((t) => t !== null) ?? 'text';
}

export class WhereLowering {
  private readonly payload: ColumnRef;

  constructor(private readonly table: string) {
    this.payload = col(table, 'payload');
  }

  lower(e: Expr): SqlExpr {
    switch (e.kind) {
      case 'and':
        return allOf(e.operands.map((x) => this.lower(x))) ?? bool(true);
      case 'or':
        return anyOf(e.operands.map((x) => this.lower(x))) ?? bool(false);
      case 'not':
        return not(this.lower(e.operand));
      case 'paren':
        return this.lower(e.inner);
      case 'compare': {
        const op = e.op === '!=' ? '<>' : e.op;
        // `= null` means "is missing or null", as a user reads it; SQL's `= NULL` is never true.
        const nullSide = e.right.kind === 'null' ? e.left : e.left.kind === 'null' ? e.right : null;
        if (nullSide && (op === '=' || op === '<>')) return isNull(this.presence(nullSide), op === '<>');
        const type = resolveType([e.left, e.right]);
        return bin(op, this.value(e.left, type), this.value(e.right, type));
      }
      case 'in':
        return this.lowerIn(e.operand, e.list, e.negated);
      case 'between': {
        const type = resolveType([e.operand, e.low, e.high]);
        return { kind: 'between', operand: this.value(e.operand, type), low: this.value(e.low, type), high: this.value(e.high, type), negated: e.negated };
      }
      case 'like':
        return { kind: 'like', operand: this.value(e.operand, 'text'), pattern: str(e.pattern.value), negated: e.negated };
      case 'is-null':
        return isNull(this.presence(e.operand), e.negated);
    }
  }

  /** `x in (...)` with literals of several types: one IN per type, and `null` in the list matches a missing value. */
  private lowerIn(operand: Operand, list: readonly Literal[], negated: boolean): SqlExpr {
    const groups = new Map<ValueType, Literal[]>();
    for (const lit of list) {
      if (lit.kind === 'null') continue;
      const type = resolveType([operand, lit]);
      groups.set(type, [...(groups.get(type) ?? []), lit]);
    }
    const parts: SqlExpr[] = [...groups].map(([type, lits]) => ({
      kind: 'in',
      operand: this.value(operand, type),
      list: lits.map((l) => this.value(l, type)),
      negated: false,
    }));
    if (list.some((l) => l.kind === 'null')) parts.push(isNull(this.presence(operand)));
    const any = anyOf(parts) ?? bool(false);
    return negated ? not(any) : any;
  }

  private presence(op: Operand): SqlExpr {
    if (op.kind === 'field') return this.field(op.segments.map((s) => s.name), 'presence');
    return op.kind === 'meta' ? col(this.table, op.name) : this.value(op, 'text');
  }

  private field(path: readonly string[], as: JsonValueType): SqlExpr {
    return { kind: 'json-value', payload: this.payload, path, as };
  }

  /** An operand read as `type`. */
  private value(op: Operand, type: ValueType): SqlExpr {
    if (type === 'sequence') {
      if (isLiteral(op)) return op.kind === 'null' ? nullLit : str(literalText(op).padStart(SEQUENCE_SORT_WIDTH, '0'));
      return call('lpad', this.value(op, 'text'), num(SEQUENCE_SORT_WIDTH), str('0'));
    }
    if (op.kind === 'field') return this.field(op.segments.map((s) => s.name), type);
    if (op.kind === 'meta') {
      const column = col(this.table, op.name);
      const stored = RECORD_COLUMNS.find((c) => c.name === op.name)?.type === 'integer' ? 'double' : 'text';
      if (type === stored) return column;
      return type === 'text' ? cast(column, 'text') : cast(column, type, true);
    }
    if (op.kind === 'null') return nullLit;
    if (literalType(op) === type) {
      return op.kind === 'number' ? num(literalText(op)) : op.kind === 'boolean' ? bool(op.value) : str(op.value);
    }
    // A literal of another type than the comparison's (only between two literals): convert its text.
    return type === 'text' ? str(literalText(op)) : cast(str(literalText(op)), type, true);
  }
}
