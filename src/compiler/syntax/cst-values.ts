// CST → AST for values, references, times and `where` expressions. Every method returns
// undefined when error recovery left its node incomplete: the syntax error is already reported.

import type { IToken } from 'chevrotain';
import type * as C from '../../../grammar/cst-types.ts';
import { parser } from '../../../grammar/parser.ts';
import type { CompareOp, Expr, FieldRef, KeyRef, Literal, MetaRef, NumberLit, Operand, QuantityLit, TimeExpr } from '../ast.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { cover } from '../source.ts';
import { quotedName, real, stringLit, tokenSpan, whole } from './cst-helpers.ts';

const BaseVisitor = parser.getBaseCstVisitorConstructor();

type Segment = FieldRef['segments'][number];

export class ValueVisitor extends BaseVisitor {
  constructor(
    protected readonly diagnostics: Diagnostic[],
    /** Offsets where the parser resumed after an error (see resumeOffsets in syntax-diagnostics.ts). */
    protected readonly resumeOffsets: ReadonlySet<number>,
  ) {
    super();
  }

  quantity(t: IToken | undefined): QuantityLit | undefined {
    return t === undefined ? undefined : { kind: 'quantity', text: t.image, span: tokenSpan(t) };
  }

  number(t: IToken | undefined): NumberLit | undefined {
    return t === undefined ? undefined : { kind: 'number', value: Number(t.image), text: t.image, span: tokenSpan(t) };
  }

  meta(t: IToken): MetaRef {
    return { kind: 'meta', name: t.image.slice(1), span: tokenSpan(t) };
  }

  literal(ctx: C.LiteralCstChildren): Literal | undefined {
    let t: IToken | undefined;
    if ((t = real(ctx.StringLit))) return stringLit(t, this.diagnostics);
    if ((t = real(ctx.NumberLit))) return this.number(t);
    if ((t = real(ctx.True) ?? real(ctx.False))) return { kind: 'boolean', value: t.image === 'true', span: tokenSpan(t) };
    if ((t = real(ctx.Null))) return { kind: 'null', span: tokenSpan(t) };
    return undefined;
  }

  fieldRef(ctx: C.FieldRefCstChildren): FieldRef | undefined {
    const segments: Segment[] = [];
    for (const node of ctx.pathSegment) {
      const segment = node.recoveredNode ? undefined : this.pathSegment(node.children);
      if (segment === undefined) return undefined;
      segments.push(segment);
    }
    if (segments.length === 0 || (ctx.Dot?.length ?? 0) !== segments.length - 1) return undefined;
    return { kind: 'field', segments, span: cover(segments[0].span, segments[segments.length - 1].span) };
  }

  pathSegment(ctx: C.PathSegmentCstChildren): Segment | undefined {
    const plain = real(ctx.Name);
    if (plain) return { name: plain.image, quoted: false, span: tokenSpan(plain) };
    const quoted = real(ctx.QuotedName);
    return quoted && quotedName(quoted, this.diagnostics);
  }

  keyRef(ctx: C.KeyRefCstChildren): KeyRef | undefined {
    const field = whole(ctx.fieldRef);
    if (field) return this.fieldRef(field.children);
    const meta = real(ctx.MetaName);
    return meta && this.meta(meta);
  }

  operand(ctx: C.OperandCstChildren): Operand | undefined {
    const field = whole(ctx.fieldRef);
    if (field) return this.fieldRef(field.children);
    const meta = real(ctx.MetaName);
    if (meta) return this.meta(meta);
    const literal = whole(ctx.literal);
    return literal && this.literal(literal.children);
  }

  timeExpr(ctx: C.TimeExprCstChildren): TimeExpr | undefined {
    let t: IToken | undefined;
    if ((t = real(ctx.Instant))) return { kind: 'instant', text: t.image, quoted: false, span: tokenSpan(t) };
    if ((t = real(ctx.StringLit))) {
      const s = stringLit(t, this.diagnostics);
      return { kind: 'instant', text: s.value, quoted: true, span: s.span };
    }
    if ((t = real(ctx.Now))) return { kind: 'now', span: tokenSpan(t) };
    const relative = whole(ctx.relativeTime);
    return relative && this.relativeTime(relative.children);
  }

  relativeTime(ctx: C.RelativeTimeCstChildren): TimeExpr | undefined {
    const duration = this.quantity(real(ctx.Quantity));
    const ago = real(ctx.Ago);
    return duration && ago && { kind: 'ago', duration, span: cover(duration.span, tokenSpan(ago)) };
  }

  // ---------- where expressions ----------

  /** `a op b op c` as one flat list: a list of thousands of terms stays one level deep. */
  private chain<N extends { recoveredNode?: boolean; children: unknown }>(
    kind: 'or' | 'and',
    nodes: readonly N[],
    operators: number,
    build: (n: N) => Expr | undefined,
  ): Expr | undefined {
    if (nodes.length !== operators + 1) return undefined;
    const operands: Expr[] = [];
    for (const node of nodes) {
      const next = node.recoveredNode ? undefined : build(node);
      if (next === undefined) return undefined;
      operands.push(next);
    }
    if (operands.length === 1) return operands[0];
    return { kind, operands, span: cover(operands[0].span, operands[operands.length - 1].span) };
  }

  orExpr(ctx: C.OrExprCstChildren): Expr | undefined {
    return this.chain('or', ctx.andExpr, ctx.Or?.length ?? 0, (n) => this.andExpr(n.children));
  }

  andExpr(ctx: C.AndExprCstChildren): Expr | undefined {
    return this.chain('and', ctx.notExpr, ctx.And?.length ?? 0, (n) => this.notExpr(n.children));
  }

  /** Undefined for TooDeep: the nesting limit is already reported (WS110). */
  notExpr(ctx: C.NotExprCstChildren): Expr | undefined {
    const negation = whole(ctx.negation);
    if (negation) return this.negation(negation.children);
    const paren = whole(ctx.parenExpr);
    if (paren) return this.parenExpr(paren.children);
    const predicate = whole(ctx.predicate);
    return predicate && this.predicate(predicate.children);
  }

  negation(ctx: C.NegationCstChildren): Expr | undefined {
    const not = real(ctx.Not);
    const inner = whole(ctx.notExpr);
    const operand = inner && this.notExpr(inner.children);
    return not && operand && { kind: 'not', operand, span: cover(tokenSpan(not), operand.span) };
  }

  parenExpr(ctx: C.ParenExprCstChildren): Expr | undefined {
    const open = real(ctx.LParen);
    const close = real(ctx.RParen);
    const node = whole(ctx.orExpr);
    const inner = node && this.orExpr(node.children);
    return open && close && inner && { kind: 'paren', inner, span: cover(tokenSpan(open), tokenSpan(close)) };
  }

  predicate(ctx: C.PredicateCstChildren): Expr | undefined {
    const node = whole(ctx.operand);
    const operand = node && this.operand(node.children);
    if (operand === undefined) return undefined;
    let tail;
    if ((tail = whole(ctx.compareTail))) return this.compareTail(tail.children, operand);
    if ((tail = whole(ctx.inTail))) return this.inTail(tail.children, operand);
    if ((tail = whole(ctx.betweenTail))) return this.betweenTail(tail.children, operand);
    if ((tail = whole(ctx.likeTail))) return this.likeTail(tail.children, operand);
    if ((tail = whole(ctx.isNullTail))) return this.isNullTail(tail.children, operand);
    return undefined;
  }

  compareTail(ctx: C.CompareTailCstChildren, left?: Operand): Expr | undefined {
    const op = real(ctx.CompareOp);
    const node = whole(ctx.operand);
    const right = node && this.operand(node.children);
    if (!left || !op || !right) return undefined;
    if (op.image === '==') {
      // Reported once, then read as `=` so the rest of the clause is still checked.
      this.diagnostics.push(diagnostic('WS318', tokenSpan(op), { op: op.image }, ["use = (one equals sign) to compare"]));
      return { kind: 'compare', op: '=', left, right, span: cover(left.span, right.span) };
    }
    return { kind: 'compare', op: op.image as CompareOp, left, right, span: cover(left.span, right.span) };
  }

  inTail(ctx: C.InTailCstChildren, operand?: Operand): Expr | undefined {
    const close = real(ctx.RParen);
    const list: Literal[] = [];
    for (const node of ctx.literal ?? []) {
      const literal = node.recoveredNode ? undefined : this.literal(node.children);
      if (literal === undefined) return undefined;
      list.push(literal);
    }
    if (!operand || !real(ctx.In) || !close || list.length === 0) return undefined;
    return { kind: 'in', operand, list, negated: ctx.Not !== undefined, span: cover(operand.span, tokenSpan(close)) };
  }

  betweenTail(ctx: C.BetweenTailCstChildren, operand?: Operand): Expr | undefined {
    const lowNode = whole(ctx.low);
    const highNode = whole(ctx.high);
    const low = lowNode && this.operand(lowNode.children);
    const high = highNode && this.operand(highNode.children);
    if (!operand || !real(ctx.Between) || !real(ctx.And) || !low || !high) return undefined;
    return { kind: 'between', operand, low, high, negated: ctx.Not !== undefined, span: cover(operand.span, high.span) };
  }

  likeTail(ctx: C.LikeTailCstChildren, operand?: Operand): Expr | undefined {
    const t = real(ctx.StringLit);
    if (!operand || !real(ctx.Like) || !t) return undefined;
    const pattern = stringLit(t, this.diagnostics);
    return { kind: 'like', operand, pattern, negated: ctx.Not !== undefined, span: cover(operand.span, pattern.span) };
  }

  isNullTail(ctx: C.IsNullTailCstChildren, operand?: Operand): Expr | undefined {
    const t = real(ctx.Null);
    if (!operand || !real(ctx.Is) || !t) return undefined;
    return { kind: 'is-null', operand, negated: ctx.Not !== undefined, span: cover(operand.span, tokenSpan(t)) };
  }
}
