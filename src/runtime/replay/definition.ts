// What a replay *is*, for deciding whether a later run may bring it up to date or must replay it
// in full: its source, slice, compaction, filter, annotation and destination — not its pace
// (`rate`, aggregation). Plain data, stored in the replay checkpoint; compared field by field so
// `wshed run` can say what changed. Relative bounds (`7d ago`, `now`) are resolved at compile
// time, so a bound that keeps its distance from the compile instant has not changed.

import type { ReplayOperator, ReplayStep } from '../../compiler/plan/types.ts';

export interface ReplayDefinition {
  readonly source: string;
  readonly reservoir: string;
  readonly stream: string;
  readonly into: string;
  /** The compile instant the bounds were resolved against (the plan's `now`). */
  readonly compiledAt: string;
  readonly since: string | null;
  readonly until: string | null;
  readonly compact: string | null;
  readonly where: string | null;
  readonly limit: number | null;
  readonly annotate: string | null;
  readonly partitionBy: string;
}

export function definitionOf(step: ReplayStep, compiledAt: string): ReplayDefinition {
  const bounds = operator(step, 'bounds');
  const compact = operator(step, 'compact');
  const annotate = operator(step, 'annotate');
  const emit = operator(step, 'emit');
  return {
    source: step.source,
    reservoir: step.reservoir,
    stream: step.stream,
    into: step.into,
    compiledAt,
    since: bounds?.since ?? null,
    until: bounds?.until ?? null,
    compact: compact ? keyText(compact.key) : null,
    where: operator(step, 'filter')?.where ?? null,
    limit: operator(step, 'limit')?.count ?? null,
    annotate: annotate && annotate.fields.length > 0 ? annotate.fields.map((f) => `${f.key}: ${JSON.stringify(f.value)}`).join(', ') : null,
    partitionBy: emit ? keyText(emit.partitionKey) : '@partition_key',
  };
}

const LABELS: Record<keyof Omit<ReplayDefinition, 'compiledAt'>, string> = {
  source: 'source',
  reservoir: 'reservoir',
  stream: 'source stream',
  into: 'destination',
  since: 'since',
  until: 'until',
  compact: 'compact by key',
  where: 'where',
  limit: 'limit',
  annotate: 'annotate',
  partitionBy: 'partition by',
};

/** What differs between two definitions, one line a field (`where: a → b`); empty when the same. */
export function definitionChanges(before: ReplayDefinition, after: ReplayDefinition): string[] {
  const changes: string[] = [];
  for (const field of Object.keys(LABELS) as (keyof typeof LABELS)[]) {
    const a = before[field];
    const b = after[field];
    if (a === b) continue;
    if ((field === 'since' || field === 'until') && sameDistance(a as string | null, before.compiledAt, b as string | null, after.compiledAt)) continue;
    changes.push(`${LABELS[field]}: ${show(a)} → ${show(b)}`);
  }
  return changes;
}

/** A relative bound (`7d ago`) moves with the compile instant: same distance from it, same bound. */
function sameDistance(a: string | null, aNow: string, b: string | null, bNow: string): boolean {
  if (a === null || b === null) return false;
  const da = Date.parse(aNow) - Date.parse(a);
  const db = Date.parse(bNow) - Date.parse(b);
  return Number.isFinite(da) && da === db;
}

function show(value: string | number | null): string {
  return value === null ? '(none)' : typeof value === 'number' ? String(value) : `'${value}'`;
}

function keyText(key: Extract<ReplayOperator, { op: 'compact' }>['key']): string {
  return key.kind === 'meta' ? `@${key.name}` : key.path.join('.');
}

function operator<K extends ReplayOperator['op']>(step: ReplayStep, op: K): Extract<ReplayOperator, { op: K }> | undefined {
  return step.operators.find((o): o is Extract<ReplayOperator, { op: K }> => o.op === op);
}
