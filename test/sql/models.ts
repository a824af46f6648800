// Small builders for checked models and where expressions, so SQL tests state only what they vary.

import type { CompareOp, Expr, Literal, Operand } from '../../src/compiler/ast.ts';
import type { Key, ReplayModel, ReservoirModel, StreamModel } from '../../src/compiler/model.ts';
import type { MetadataField } from '../../src/compiler/record-layout.ts';
import type { SqlNaming } from '../../src/compiler/sql/index.ts';

const sp = { start: 0, end: 0 };

export const naming: SqlNaming = { drillStoragePlugin: 'reservoirs', hiveDatabase: 'wshed' };

export function streamModel(over: Partial<StreamModel> = {}): StreamModel {
  return { name: 'orders', shards: 2, retentionHours: 24, key: null, span: sp, ...over };
}

export function reservoirModel(over: Partial<ReservoirModel> = {}): ReservoirModel {
  return {
    name: 'orders_lake',
    stream: 'orders',
    location: { kind: 'local', path: '/data/orders' },
    format: 'json',
    partition: 'hourly',
    archive: { via: 'archiver', everySeconds: 300 },
    span: sp,
    ...over,
  };
}

export function replayModel(over: Partial<ReplayModel> = {}): ReplayModel {
  return {
    name: 'orders_lake-to-rebuilt',
    named: false,
    source: 'archive',
    reservoir: 'orders_lake',
    stream: 'orders',
    into: 'rebuilt',
    where: null,
    since: null,
    until: null,
    compactBy: null,
    annotate: [],
    ratePerSecond: null,
    limit: null,
    aggregate: false,
    partitionKey: { kind: 'meta', name: 'partition_key' },
    span: sp,
    ...over,
  };
}

// ---------- where expressions ----------

export const field = (...names: string[]): Operand => ({
  kind: 'field',
  segments: names.map((name) => ({ name, quoted: !/^[A-Za-z_]\w*$/.test(name), span: sp })),
  span: sp,
});
export const meta = (name: MetadataField): Operand => ({ kind: 'meta', name, span: sp });
export const s = (value: string): Literal => ({ kind: 'string', value, quote: 'single', span: sp });
export const n = (value: number, text = String(value)): Literal => ({ kind: 'number', value, text, span: sp });
export const b = (value: boolean): Literal => ({ kind: 'boolean', value, span: sp });
export const nul: Literal = { kind: 'null', span: sp };

export const cmp = (left: Operand, op: CompareOp, right: Operand): Expr => ({ kind: 'compare', op, left, right, span: sp });
export const and = (...operands: Expr[]): Expr => ({ kind: 'and', operands, span: sp });
export const or = (...operands: Expr[]): Expr => ({ kind: 'or', operands, span: sp });
export const not = (operand: Expr): Expr => ({ kind: 'not', operand, span: sp });
export const paren = (inner: Expr): Expr => ({ kind: 'paren', inner, span: sp });
export const inList = (operand: Operand, list: Literal[], negated = false): Expr => ({ kind: 'in', operand, list, negated, span: sp });
export const between = (operand: Operand, low: Operand, high: Operand, negated = false): Expr => ({ kind: 'between', operand, low, high, negated, span: sp });
export const like = (operand: Operand, pattern: string, negated = false): Expr => ({
  kind: 'like',
  operand,
  pattern: { kind: 'string', value: pattern, quote: 'single', span: sp },
  negated,
  span: sp,
});
export const isNull = (operand: Operand, negated = false): Expr => ({ kind: 'is-null', operand, negated, span: sp });

export const fieldKey = (...path: string[]): Key => ({ kind: 'field', path });
export const metaKey = (name: MetadataField): Key => ({ kind: 'meta', name });
