// Generated from the grammar by grammar/generate-cst-types.ts; do not edit by hand.
// test/grammar/cst-types.test.ts fails when this file is out of date.

import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface LiteralCstNode extends CstNode {
  name: "literal";
  children: LiteralCstChildren;
}

export type LiteralCstChildren = {
  StringLit?: IToken[];
  NumberLit?: IToken[];
  True?: IToken[];
  False?: IToken[];
  Null?: IToken[];
};

export interface FieldRefCstNode extends CstNode {
  name: "fieldRef";
  children: FieldRefCstChildren;
}

export type FieldRefCstChildren = {
  pathSegment: (PathSegmentCstNode)[];
  Dot?: IToken[];
};

export interface PathSegmentCstNode extends CstNode {
  name: "pathSegment";
  children: PathSegmentCstChildren;
}

export type PathSegmentCstChildren = {
  Name?: IToken[];
  QuotedName?: IToken[];
};

export interface KeyRefCstNode extends CstNode {
  name: "keyRef";
  children: KeyRefCstChildren;
}

export type KeyRefCstChildren = {
  fieldRef?: FieldRefCstNode[];
  MetaName?: IToken[];
};

export interface OperandCstNode extends CstNode {
  name: "operand";
  children: OperandCstChildren;
}

export type OperandCstChildren = {
  fieldRef?: FieldRefCstNode[];
  MetaName?: IToken[];
  literal?: LiteralCstNode[];
};

export interface TimeExprCstNode extends CstNode {
  name: "timeExpr";
  children: TimeExprCstChildren;
}

export type TimeExprCstChildren = {
  Instant?: IToken[];
  StringLit?: IToken[];
  Now?: IToken[];
  relativeTime?: RelativeTimeCstNode[];
};

export interface RelativeTimeCstNode extends CstNode {
  name: "relativeTime";
  children: RelativeTimeCstChildren;
}

export type RelativeTimeCstChildren = {
  Quantity: IToken[];
  Ago: IToken[];
};

export interface OrExprCstNode extends CstNode {
  name: "orExpr";
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  andExpr: (AndExprCstNode)[];
  Or?: IToken[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  notExpr: (NotExprCstNode)[];
  And?: IToken[];
};

export interface NotExprCstNode extends CstNode {
  name: "notExpr";
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  negation?: NegationCstNode[];
  parenExpr?: ParenExprCstNode[];
  predicate?: PredicateCstNode[];
  TooDeep?: IToken[];
};

export interface NegationCstNode extends CstNode {
  name: "negation";
  children: NegationCstChildren;
}

export type NegationCstChildren = {
  Not: IToken[];
  notExpr: NotExprCstNode[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen: IToken[];
  orExpr: OrExprCstNode[];
  RParen: IToken[];
};

export interface PredicateCstNode extends CstNode {
  name: "predicate";
  children: PredicateCstChildren;
}

export type PredicateCstChildren = {
  operand: OperandCstNode[];
  compareTail?: CompareTailCstNode[];
  inTail?: InTailCstNode[];
  betweenTail?: BetweenTailCstNode[];
  likeTail?: LikeTailCstNode[];
  isNullTail?: IsNullTailCstNode[];
};

export interface CompareTailCstNode extends CstNode {
  name: "compareTail";
  children: CompareTailCstChildren;
}

export type CompareTailCstChildren = {
  CompareOp: IToken[];
  operand: OperandCstNode[];
};

export interface InTailCstNode extends CstNode {
  name: "inTail";
  children: InTailCstChildren;
}

export type InTailCstChildren = {
  Not?: IToken[];
  In: IToken[];
  LParen: IToken[];
  literal: LiteralCstNode[];
  Comma?: IToken[];
  RParen: IToken[];
};

export interface BetweenTailCstNode extends CstNode {
  name: "betweenTail";
  children: BetweenTailCstChildren;
}

export type BetweenTailCstChildren = {
  Not?: IToken[];
  Between: IToken[];
  low: OperandCstNode[];
  And: IToken[];
  high: OperandCstNode[];
};

export interface LikeTailCstNode extends CstNode {
  name: "likeTail";
  children: LikeTailCstChildren;
}

export type LikeTailCstChildren = {
  Not?: IToken[];
  Like: IToken[];
  StringLit: IToken[];
};

export interface IsNullTailCstNode extends CstNode {
  name: "isNullTail";
  children: IsNullTailCstChildren;
}

export type IsNullTailCstChildren = {
  Is: IToken[];
  Not?: IToken[];
  Null: IToken[];
};

export interface ReplayDeclCstNode extends CstNode {
  name: "replayDecl";
  children: ReplayDeclCstChildren;
}

export type ReplayDeclCstChildren = {
  Replay: IToken[];
  name?: IToken[];
  From: IToken[];
  replaySource: ReplaySourceCstNode[];
  reservoir?: IToken[];
  whereClause?: WhereClauseCstNode[];
  sinceClause?: SinceClauseCstNode[];
  untilClause?: UntilClauseCstNode[];
  compactClause?: CompactClauseCstNode[];
  annotateClause?: AnnotateClauseCstNode[];
  intoClause?: IntoClauseCstNode[];
  rateClause?: RateClauseCstNode[];
  limitClause?: LimitClauseCstNode[];
  aggregateClause?: AggregateClauseCstNode[];
  partitionByClause?: PartitionByClauseCstNode[];
  unknownClause?: UnknownClauseCstNode[];
};

export interface ReplaySourceCstNode extends CstNode {
  name: "replaySource";
  children: ReplaySourceCstChildren;
}

export type ReplaySourceCstChildren = {
  Archive?: IToken[];
  Plus?: IToken[];
  Live?: (IToken)[];
};

export interface UnknownClauseCstNode extends CstNode {
  name: "unknownClause";
  children: UnknownClauseCstChildren;
}

export type UnknownClauseCstChildren = {
  Identifier: IToken[];
  AnyToken?: IToken[];
};

export interface WhereClauseCstNode extends CstNode {
  name: "whereClause";
  children: WhereClauseCstChildren;
}

export type WhereClauseCstChildren = {
  Where: IToken[];
  orExpr: OrExprCstNode[];
};

export interface SinceClauseCstNode extends CstNode {
  name: "sinceClause";
  children: SinceClauseCstChildren;
}

export type SinceClauseCstChildren = {
  Since: IToken[];
  timeExpr: TimeExprCstNode[];
};

export interface UntilClauseCstNode extends CstNode {
  name: "untilClause";
  children: UntilClauseCstChildren;
}

export type UntilClauseCstChildren = {
  Until: IToken[];
  timeExpr: TimeExprCstNode[];
};

export interface CompactClauseCstNode extends CstNode {
  name: "compactClause";
  children: CompactClauseCstChildren;
}

export type CompactClauseCstChildren = {
  Compact: IToken[];
  By: IToken[];
  Key: IToken[];
  keyRef?: KeyRefCstNode[];
};

export interface AnnotateClauseCstNode extends CstNode {
  name: "annotateClause";
  children: AnnotateClauseCstChildren;
}

export type AnnotateClauseCstChildren = {
  Annotate: IToken[];
  Less: IToken[];
  annotation: AnnotationCstNode[];
  Comma?: IToken[];
  Greater: IToken[];
};

export interface AnnotationCstNode extends CstNode {
  name: "annotation";
  children: AnnotationCstChildren;
}

export type AnnotationCstChildren = {
  Name: IToken[];
  Colon: IToken[];
  literal: LiteralCstNode[];
};

export interface IntoClauseCstNode extends CstNode {
  name: "intoClause";
  children: IntoClauseCstChildren;
}

export type IntoClauseCstChildren = {
  Into: IToken[];
  Stream: IToken[];
  Name: IToken[];
};

export interface RateClauseCstNode extends CstNode {
  name: "rateClause";
  children: RateClauseCstChildren;
}

export type RateClauseCstChildren = {
  Rate: IToken[];
  Quantity?: IToken[];
  NumberLit?: IToken[];
};

export interface LimitClauseCstNode extends CstNode {
  name: "limitClause";
  children: LimitClauseCstChildren;
}

export type LimitClauseCstChildren = {
  Limit: IToken[];
  NumberLit: IToken[];
};

export interface AggregateClauseCstNode extends CstNode {
  name: "aggregateClause";
  children: AggregateClauseCstChildren;
}

export type AggregateClauseCstChildren = {
  Aggregate: IToken[];
  On?: IToken[];
  Off?: IToken[];
};

export interface PartitionByClauseCstNode extends CstNode {
  name: "partitionByClause";
  children: PartitionByClauseCstChildren;
}

export type PartitionByClauseCstChildren = {
  Partition: IToken[];
  By: IToken[];
  keyRef: KeyRefCstNode[];
};

export interface PipelineCstNode extends CstNode {
  name: "pipeline";
  children: PipelineCstChildren;
}

export type PipelineCstChildren = {
  streamDecl?: StreamDeclCstNode[];
  reservoirDecl?: ReservoirDeclCstNode[];
  queryDecl?: QueryDeclCstNode[];
  replayDecl?: ReplayDeclCstNode[];
  unknownStatement?: UnknownStatementCstNode[];
};

export interface UnknownStatementCstNode extends CstNode {
  name: "unknownStatement";
  children: UnknownStatementCstChildren;
}

export type UnknownStatementCstChildren = {
  Identifier: IToken[];
  AnyToken?: IToken[];
};

export interface StreamDeclCstNode extends CstNode {
  name: "streamDecl";
  children: StreamDeclCstChildren;
}

export type StreamDeclCstChildren = {
  Stream: IToken[];
  Name: IToken[];
  LCurly: IToken[];
  shardsProperty?: ShardsPropertyCstNode[];
  retentionProperty?: RetentionPropertyCstNode[];
  keyProperty?: KeyPropertyCstNode[];
  unknownStreamProperty?: UnknownStreamPropertyCstNode[];
  RCurly: IToken[];
};

export interface ShardsPropertyCstNode extends CstNode {
  name: "shardsProperty";
  children: ShardsPropertyCstChildren;
}

export type ShardsPropertyCstChildren = {
  Shards: IToken[];
  NumberLit: IToken[];
};

export interface RetentionPropertyCstNode extends CstNode {
  name: "retentionProperty";
  children: RetentionPropertyCstChildren;
}

export type RetentionPropertyCstChildren = {
  Retention: IToken[];
  Quantity: IToken[];
};

export interface KeyPropertyCstNode extends CstNode {
  name: "keyProperty";
  children: KeyPropertyCstChildren;
}

export type KeyPropertyCstChildren = {
  Key: IToken[];
  keyRef: KeyRefCstNode[];
};

export interface UnknownStreamPropertyCstNode extends CstNode {
  name: "unknownStreamProperty";
  children: UnknownStreamPropertyCstChildren;
}

export type UnknownStreamPropertyCstChildren = {
  word?: (IToken)[];
  ValueAtom?: IToken[];
};

export interface ReservoirDeclCstNode extends CstNode {
  name: "reservoirDecl";
  children: ReservoirDeclCstChildren;
}

export type ReservoirDeclCstChildren = {
  Reservoir: IToken[];
  Name: IToken[];
  LCurly: IToken[];
  fromProperty?: FromPropertyCstNode[];
  atProperty?: AtPropertyCstNode[];
  formatProperty?: FormatPropertyCstNode[];
  partitionProperty?: PartitionPropertyCstNode[];
  archiveProperty?: ArchivePropertyCstNode[];
  unknownReservoirProperty?: UnknownReservoirPropertyCstNode[];
  RCurly: IToken[];
};

export interface FromPropertyCstNode extends CstNode {
  name: "fromProperty";
  children: FromPropertyCstChildren;
}

export type FromPropertyCstChildren = {
  From: IToken[];
  Stream: IToken[];
  Name: IToken[];
};

export interface AtPropertyCstNode extends CstNode {
  name: "atProperty";
  children: AtPropertyCstChildren;
}

export type AtPropertyCstChildren = {
  At: IToken[];
  StringLit: IToken[];
};

export interface FormatPropertyCstNode extends CstNode {
  name: "formatProperty";
  children: FormatPropertyCstChildren;
}

export type FormatPropertyCstChildren = {
  Format: IToken[];
  Name: IToken[];
};

export interface PartitionPropertyCstNode extends CstNode {
  name: "partitionProperty";
  children: PartitionPropertyCstChildren;
}

export type PartitionPropertyCstChildren = {
  Partition: IToken[];
  Name: IToken[];
};

export interface ArchivePropertyCstNode extends CstNode {
  name: "archiveProperty";
  children: ArchivePropertyCstChildren;
}

export type ArchivePropertyCstChildren = {
  Archive: IToken[];
  Via: IToken[];
  Name: IToken[];
  Every?: IToken[];
  Quantity?: IToken[];
  bufferOption?: BufferOptionCstNode[];
};

export interface UnknownReservoirPropertyCstNode extends CstNode {
  name: "unknownReservoirProperty";
  children: UnknownReservoirPropertyCstChildren;
}

export type UnknownReservoirPropertyCstChildren = {
  word?: (IToken)[];
  ValueAtom?: IToken[];
};

export interface BufferOptionCstNode extends CstNode {
  name: "bufferOption";
  children: BufferOptionCstChildren;
}

export type BufferOptionCstChildren = {
  Buffer: IToken[];
  size: IToken[];
  interval: IToken[];
};

export interface QueryDeclCstNode extends CstNode {
  name: "queryDecl";
  children: QueryDeclCstChildren;
}

export type QueryDeclCstChildren = {
  Query: IToken[];
  Name: IToken[];
  StringLit: IToken[];
};

export interface WatershedCstVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  literal(children: LiteralCstChildren, param?: IN): OUT;
  fieldRef(children: FieldRefCstChildren, param?: IN): OUT;
  pathSegment(children: PathSegmentCstChildren, param?: IN): OUT;
  keyRef(children: KeyRefCstChildren, param?: IN): OUT;
  operand(children: OperandCstChildren, param?: IN): OUT;
  timeExpr(children: TimeExprCstChildren, param?: IN): OUT;
  relativeTime(children: RelativeTimeCstChildren, param?: IN): OUT;
  orExpr(children: OrExprCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  notExpr(children: NotExprCstChildren, param?: IN): OUT;
  negation(children: NegationCstChildren, param?: IN): OUT;
  parenExpr(children: ParenExprCstChildren, param?: IN): OUT;
  predicate(children: PredicateCstChildren, param?: IN): OUT;
  compareTail(children: CompareTailCstChildren, param?: IN): OUT;
  inTail(children: InTailCstChildren, param?: IN): OUT;
  betweenTail(children: BetweenTailCstChildren, param?: IN): OUT;
  likeTail(children: LikeTailCstChildren, param?: IN): OUT;
  isNullTail(children: IsNullTailCstChildren, param?: IN): OUT;
  replayDecl(children: ReplayDeclCstChildren, param?: IN): OUT;
  replaySource(children: ReplaySourceCstChildren, param?: IN): OUT;
  unknownClause(children: UnknownClauseCstChildren, param?: IN): OUT;
  whereClause(children: WhereClauseCstChildren, param?: IN): OUT;
  sinceClause(children: SinceClauseCstChildren, param?: IN): OUT;
  untilClause(children: UntilClauseCstChildren, param?: IN): OUT;
  compactClause(children: CompactClauseCstChildren, param?: IN): OUT;
  annotateClause(children: AnnotateClauseCstChildren, param?: IN): OUT;
  annotation(children: AnnotationCstChildren, param?: IN): OUT;
  intoClause(children: IntoClauseCstChildren, param?: IN): OUT;
  rateClause(children: RateClauseCstChildren, param?: IN): OUT;
  limitClause(children: LimitClauseCstChildren, param?: IN): OUT;
  aggregateClause(children: AggregateClauseCstChildren, param?: IN): OUT;
  partitionByClause(children: PartitionByClauseCstChildren, param?: IN): OUT;
  pipeline(children: PipelineCstChildren, param?: IN): OUT;
  unknownStatement(children: UnknownStatementCstChildren, param?: IN): OUT;
  streamDecl(children: StreamDeclCstChildren, param?: IN): OUT;
  shardsProperty(children: ShardsPropertyCstChildren, param?: IN): OUT;
  retentionProperty(children: RetentionPropertyCstChildren, param?: IN): OUT;
  keyProperty(children: KeyPropertyCstChildren, param?: IN): OUT;
  unknownStreamProperty(children: UnknownStreamPropertyCstChildren, param?: IN): OUT;
  reservoirDecl(children: ReservoirDeclCstChildren, param?: IN): OUT;
  fromProperty(children: FromPropertyCstChildren, param?: IN): OUT;
  atProperty(children: AtPropertyCstChildren, param?: IN): OUT;
  formatProperty(children: FormatPropertyCstChildren, param?: IN): OUT;
  partitionProperty(children: PartitionPropertyCstChildren, param?: IN): OUT;
  archiveProperty(children: ArchivePropertyCstChildren, param?: IN): OUT;
  unknownReservoirProperty(children: UnknownReservoirPropertyCstChildren, param?: IN): OUT;
  bufferOption(children: BufferOptionCstChildren, param?: IN): OUT;
  queryDecl(children: QueryDeclCstChildren, param?: IN): OUT;
}
