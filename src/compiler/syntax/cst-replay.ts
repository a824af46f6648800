// CST → AST for replay statements and their clauses (in source order; duplicates are kept for
// the checker), reporting misspelled clause words (WS109).

import type * as C from '../../../grammar/cst-types.ts';
import { CLAUSE_WORDS } from '../../../grammar/tokens.ts';
import type { AnnotationEntry, ReplayClause, ReplayDecl, ReplaySourceKind } from '../ast.ts';
import { diagnostic } from '../diagnostics.ts';
import { cover } from '../source.ts';
import { didYouMean } from '../suggest.ts';
import { ValueVisitor } from './cst-values.ts';
import { childrenSpan, each, hasRecovery, ident, inSourceOrder, real, tokenSpan, whole } from './cst-helpers.ts';

export class ReplayVisitor extends ValueVisitor {
  /** `recovered`: error recovery ended the statement early (its node is partial). */
  replayDecl(ctx: C.ReplayDeclCstChildren, recovered = false): ReplayDecl | undefined {
    const sourceNode = whole(ctx.replaySource);
    const source = sourceNode && this.replaySource(sourceNode.children);
    const span = childrenSpan(ctx);
    each(ctx.unknownClause, (c) => this.unknownClause(c), 'keep-partial');
    if (!real(ctx.Replay) || !real(ctx.From) || !source || !span) return undefined;
    const name = ident(real(ctx.name));
    const reservoir = ident(real(ctx.reservoir));
    const clauses = inSourceOrder<ReplayClause>([
      ...each(ctx.whereClause, (c) => this.whereClause(c)),
      ...each(ctx.sinceClause, (c) => this.sinceClause(c)),
      ...each(ctx.untilClause, (c) => this.untilClause(c)),
      ...each(ctx.compactClause, (c) => this.compactClause(c)),
      ...each(ctx.annotateClause, (c) => this.annotateClause(c)),
      ...each(ctx.intoClause, (c) => this.intoClause(c)),
      ...each(ctx.rateClause, (c) => this.rateClause(c)),
      ...each(ctx.limitClause, (c) => this.limitClause(c)),
      ...each(ctx.aggregateClause, (c) => this.aggregateClause(c)),
      ...each(ctx.partitionByClause, (c) => this.partitionByClause(c)),
    ]);
    const incomplete = recovered || hasRecovery(ctx);
    return { kind: 'replay', ...(name && { name }), source, ...(reservoir && { reservoir }), clauses, ...(incomplete && { incomplete: true as const }), span };
  }

  replaySource(ctx: C.ReplaySourceCstChildren): ReplayDecl['source'] | undefined {
    const archive = real(ctx.Archive);
    const live = real(ctx.Live);
    if (archive && ctx.Plus) {
      return live && real(ctx.Plus) ? { kind: 'archive+live', span: cover(tokenSpan(archive), tokenSpan(live)) } : undefined;
    }
    const only = archive ?? live;
    return only && { kind: only.image as ReplaySourceKind, span: tokenSpan(only) };
  }

  /** Reports the word (WS109) unless it is just where the parser resumed after another error. */
  unknownClause(ctx: C.UnknownClauseCstChildren): undefined {
    const word = real(ctx.Identifier);
    if (word && !this.resumeOffsets.has(word.startOffset)) {
      this.diagnostics.push(diagnostic('WS109', tokenSpan(word), { word: word.image }, didYouMean(word.image, CLAUSE_WORDS)));
    }
    return undefined;
  }

  whereClause(ctx: C.WhereClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Where);
    const node = whole(ctx.orExpr);
    const expr = node && this.orExpr(node.children);
    return keyword && expr && { kind: 'where', expr, span: cover(tokenSpan(keyword), expr.span) };
  }

  sinceClause(ctx: C.SinceClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Since);
    const node = whole(ctx.timeExpr);
    const time = node && this.timeExpr(node.children);
    return keyword && time && { kind: 'since', time, span: cover(tokenSpan(keyword), time.span) };
  }

  untilClause(ctx: C.UntilClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Until);
    const node = whole(ctx.timeExpr);
    const time = node && this.timeExpr(node.children);
    return keyword && time && { kind: 'until', time, span: cover(tokenSpan(keyword), time.span) };
  }

  compactClause(ctx: C.CompactClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Compact);
    const last = real(ctx.Key);
    if (!keyword || !real(ctx.By) || !last) return undefined;
    if (ctx.keyRef === undefined) return { kind: 'compact', span: cover(tokenSpan(keyword), tokenSpan(last)) };
    const node = whole(ctx.keyRef);
    const key = node && this.keyRef(node.children);
    return key && { kind: 'compact', key, span: cover(tokenSpan(keyword), key.span) };
  }

  annotateClause(ctx: C.AnnotateClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Annotate);
    const close = real(ctx.Greater);
    const nodes = ctx.annotation ?? [];
    const entries = each(nodes, (c) => this.annotation(c));
    if (!keyword || !real(ctx.Less) || !close || entries.length === 0 || entries.length !== nodes.length) return undefined;
    return { kind: 'annotate', entries, span: cover(tokenSpan(keyword), tokenSpan(close)) };
  }

  annotation(ctx: C.AnnotationCstChildren): AnnotationEntry | undefined {
    const key = ident(real(ctx.Name));
    const node = whole(ctx.literal);
    const value = node && this.literal(node.children);
    return key && real(ctx.Colon) && value && { key, value, span: cover(key.span, value.span) };
  }

  intoClause(ctx: C.IntoClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Into);
    const stream = ident(real(ctx.Name));
    return keyword && real(ctx.Stream) && stream && { kind: 'into', stream, span: cover(tokenSpan(keyword), stream.span) };
  }

  rateClause(ctx: C.RateClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Rate);
    const bare = real(ctx.NumberLit);
    if (keyword && bare) {
      this.diagnostics.push(diagnostic('WS304', tokenSpan(bare), { text: bare.image, why: 'a rate needs a unit' }, [`write ${bare.image}/s (or /m, /h)`]));
      return undefined;
    }
    const rate = this.quantity(real(ctx.Quantity));
    return keyword && rate && { kind: 'rate', rate, span: cover(tokenSpan(keyword), rate.span) };
  }

  limitClause(ctx: C.LimitClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Limit);
    const count = this.number(real(ctx.NumberLit));
    return keyword && count && { kind: 'limit', count, span: cover(tokenSpan(keyword), count.span) };
  }

  aggregateClause(ctx: C.AggregateClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Aggregate);
    const value = real(ctx.On) ?? real(ctx.Off);
    return keyword && value && { kind: 'aggregate', enabled: value.image === 'on', span: cover(tokenSpan(keyword), tokenSpan(value)) };
  }

  partitionByClause(ctx: C.PartitionByClauseCstChildren): ReplayClause | undefined {
    const keyword = real(ctx.Partition);
    const node = whole(ctx.keyRef);
    const key = node && this.keyRef(node.children);
    return keyword && real(ctx.By) && key && { kind: 'partition-by', key, span: cover(tokenSpan(keyword), key.span) };
  }
}
