// CST → AST for the file, streams, reservoirs and queries (replays: cst-replay.ts): builds
// exactly the types in ast.ts, in source order, and reports misspelled statement words (WS105).
// Parts that error recovery left incomplete are dropped; a statement is dropped only when its
// required parts are missing.

import type { IToken } from 'chevrotain';
import type * as C from '../../../grammar/cst-types.ts';
import { tokenMatcher } from 'chevrotain';
import * as T from '../../../grammar/tokens.ts';
import { STATEMENT_WORDS } from '../../../grammar/tokens.ts';
import type {
  MisspelledDecl, QuantityLit, QueryDecl, ReservoirDecl, ReservoirProperty, Statement, StreamDecl, StreamProperty, UnknownProperty,
} from '../ast.ts';
import { diagnostic } from '../diagnostics.ts';
import { cover, type Span } from '../source.ts';
import { closest, didYouMean } from '../suggest.ts';
import { ReplayVisitor } from './cst-replay.ts';
import { childrenSpan, each, ident, inSourceOrder, real, stringLit, tokenSpan, whole } from './cst-helpers.ts';

const lastOf = (tokens: readonly IToken[] | undefined): IToken | undefined => tokens?.[tokens.length - 1];

export class AstBuilder extends ReplayVisitor implements C.WatershedCstVisitor<unknown, unknown> {
  constructor(...args: ConstructorParameters<typeof ReplayVisitor>) {
    super(...args);
    this.validateVisitor();
  }

  pipeline(ctx: C.PipelineCstChildren): Statement[] {
    each(ctx.unknownStatement, (c) => this.unknownStatement(c), 'keep-partial');
    return inSourceOrder<Statement>([
      ...each(ctx.streamDecl, (c) => this.streamDecl(c), 'keep-partial'),
      ...each(ctx.reservoirDecl, (c) => this.reservoirDecl(c), 'keep-partial'),
      ...each(ctx.queryDecl, (c) => this.queryDecl(c), 'keep-partial'),
      ...(ctx.replayDecl ?? []).flatMap((node) => this.replayDecl(node.children, node.recoveredNode === true) ?? []),
    ]);
  }

  /** Statements under a misspelled keyword whose kind and name are still clear (see Pipeline). */
  readonly misspelled: MisspelledDecl[] = [];

  /** Reports the word (WS105) unless it is just where the parser resumed after another error. */
  unknownStatement(ctx: C.UnknownStatementCstChildren): undefined {
    const word = real(ctx.Identifier);
    if (word && !this.resumeOffsets.has(word.startOffset)) {
      this.diagnostics.push(diagnostic('WS105', tokenSpan(word), { word: word.image }, didYouMean(word.image, STATEMENT_WORDS)));
      const kind = closest(word.image, STATEMENT_WORDS);
      const [name, after] = ctx.AnyToken ?? [];
      const shaped = after !== undefined && (kind === 'query' ? tokenMatcher(after, T.StringLit) : tokenMatcher(after, T.LCurly));
      if ((kind === 'stream' || kind === 'reservoir' || kind === 'query') && name && tokenMatcher(name, T.Name) && shaped) {
        this.misspelled.push({ kind, name: { text: name.image, span: tokenSpan(name) } });
      }
    }
    return undefined;
  }

  // ---------- stream ----------

  streamDecl(ctx: C.StreamDeclCstChildren): StreamDecl | undefined {
    const name = ident(real(ctx.Name));
    const span = childrenSpan(ctx);
    if (!name || !span) return undefined;
    const properties = inSourceOrder<StreamProperty>([
      ...each(ctx.shardsProperty, (c) => this.shardsProperty(c)),
      ...each(ctx.retentionProperty, (c) => this.retentionProperty(c)),
      ...each(ctx.keyProperty, (c) => this.keyProperty(c)),
      ...each(ctx.unknownStreamProperty, (c) => this.unknownStreamProperty(c)),
    ]);
    return { kind: 'stream', name, properties, span };
  }

  shardsProperty(ctx: C.ShardsPropertyCstChildren): StreamProperty | undefined {
    const keyword = real(ctx.Shards);
    const count = this.number(real(ctx.NumberLit));
    return keyword && count && { kind: 'shards', count, span: cover(tokenSpan(keyword), count.span) };
  }

  retentionProperty(ctx: C.RetentionPropertyCstChildren): StreamProperty | undefined {
    const keyword = real(ctx.Retention);
    const duration = this.quantity(real(ctx.Quantity));
    return keyword && duration && { kind: 'retention', duration, span: cover(tokenSpan(keyword), duration.span) };
  }

  keyProperty(ctx: C.KeyPropertyCstChildren): StreamProperty | undefined {
    const keyword = real(ctx.Key);
    const node = whole(ctx.keyRef);
    const key = node && this.keyRef(node.children);
    return keyword && key && { kind: 'key', key, span: cover(tokenSpan(keyword), key.span) };
  }

  // Kept for the checker (WS106), unless the word is where the parser resumed after an error.
  unknownStreamProperty(ctx: C.UnknownStreamPropertyCstChildren): UnknownProperty | undefined {
    return this.unknownProperty(ctx);
  }

  unknownReservoirProperty(ctx: C.UnknownReservoirPropertyCstChildren): UnknownProperty | undefined {
    return this.unknownProperty(ctx);
  }

  private unknownProperty(ctx: C.UnknownStreamPropertyCstChildren | C.UnknownReservoirPropertyCstChildren): UnknownProperty | undefined {
    const word = real(ctx.word);
    if (!word || this.resumeOffsets.has(word.startOffset)) return undefined;
    const last = lastOf(ctx.ValueAtom) ?? word;
    return { kind: 'unknown', word: { text: word.image, span: tokenSpan(word) }, span: cover(tokenSpan(word), tokenSpan(last)) };
  }

  // ---------- reservoir ----------

  reservoirDecl(ctx: C.ReservoirDeclCstChildren): ReservoirDecl | undefined {
    const name = ident(real(ctx.Name));
    const span = childrenSpan(ctx);
    if (!name || !span) return undefined;
    const properties = inSourceOrder<ReservoirProperty>([
      ...each(ctx.fromProperty, (c) => this.fromProperty(c)),
      ...each(ctx.atProperty, (c) => this.atProperty(c)),
      ...each(ctx.formatProperty, (c) => this.formatProperty(c)),
      ...each(ctx.partitionProperty, (c) => this.partitionProperty(c)),
      ...each(ctx.archiveProperty, (c) => this.archiveProperty(c)),
      ...each(ctx.unknownReservoirProperty, (c) => this.unknownReservoirProperty(c)),
    ]);
    return { kind: 'reservoir', name, properties, span };
  }

  fromProperty(ctx: C.FromPropertyCstChildren): ReservoirProperty | undefined {
    const keyword = real(ctx.From);
    const stream = ident(real(ctx.Name));
    return keyword && real(ctx.Stream) && stream && { kind: 'from', stream, span: cover(tokenSpan(keyword), stream.span) };
  }

  atProperty(ctx: C.AtPropertyCstChildren): ReservoirProperty | undefined {
    const keyword = real(ctx.At);
    const t = real(ctx.StringLit);
    if (!keyword || !t) return undefined;
    const location = stringLit(t, this.diagnostics);
    return { kind: 'at', location, span: cover(tokenSpan(keyword), location.span) };
  }

  formatProperty(ctx: C.FormatPropertyCstChildren): ReservoirProperty | undefined {
    const keyword = real(ctx.Format);
    const format = ident(real(ctx.Name));
    return keyword && format && { kind: 'format', format, span: cover(tokenSpan(keyword), format.span) };
  }

  partitionProperty(ctx: C.PartitionPropertyCstChildren): ReservoirProperty | undefined {
    const keyword = real(ctx.Partition);
    const partition = ident(real(ctx.Name));
    return keyword && partition && { kind: 'partition', partition, span: cover(tokenSpan(keyword), partition.span) };
  }

  archiveProperty(ctx: C.ArchivePropertyCstChildren): ReservoirProperty | undefined {
    const keyword = real(ctx.Archive);
    const via = ident(real(ctx.Name));
    if (!keyword || !real(ctx.Via) || !via) return undefined;
    const every = ctx.Every ? this.quantity(real(ctx.Quantity)) : undefined;
    if (ctx.Every && !every) return undefined;
    const bufferNode = ctx.bufferOption?.[0];
    const buffer = bufferNode && !bufferNode.recoveredNode ? this.bufferOption(bufferNode.children) : undefined;
    if (bufferNode && !buffer) return undefined;
    const end = buffer?.span ?? every?.span ?? via.span;
    return {
      kind: 'archive',
      via,
      ...(every && { every }),
      ...(buffer && { buffer }),
      span: cover(tokenSpan(keyword), end),
    };
  }

  bufferOption(ctx: C.BufferOptionCstChildren): { size: QuantityLit; interval: QuantityLit; span: Span } | undefined {
    const keyword = real(ctx.Buffer);
    const size = this.quantity(real(ctx.size));
    const interval = this.quantity(real(ctx.interval));
    return keyword && size && interval && { size, interval, span: cover(tokenSpan(keyword), interval.span) };
  }

  // ---------- query ----------

  queryDecl(ctx: C.QueryDeclCstChildren): QueryDecl | undefined {
    const keyword = real(ctx.Query);
    const name = ident(real(ctx.Name));
    const t = real(ctx.StringLit);
    if (!keyword || !name || !t) return undefined;
    const sql = stringLit(t, this.diagnostics);
    return { kind: 'query', name, sql, span: cover(tokenSpan(keyword), sql.span) };
  }
}
