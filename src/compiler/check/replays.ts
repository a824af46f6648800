// Checks `replay` statements: resolves the reservoir and streams, validates every clause, and
// settles defaults (compaction key, partition key, name) into a ReplayModel.

import type { Expr, Literal, Operand, ReplayClause, ReplayDecl, TimeExpr } from '../ast.ts';
import type { JsonScalar, Key, ReplayModel, ReservoirModel, StreamModel } from '../model.ts';
import { REPLAY_METADATA_FIELD } from '../record-layout.ts';
import type { Span } from '../source.ts';
import { formatTime } from '../format/expr.ts';
import { didYouMean } from '../suggest.ts';
import { CheckContext, reportRepeats } from './context.ts';
import { parseDuration, parseInstant, parseRate } from './values.ts';

export interface ReplayScope {
  readonly streams: ReadonlyMap<string, StreamModel>;
  /** Declared reservoir names, including ones whose declaration had errors. */
  readonly reservoirNames: readonly string[];
  readonly reservoirs: ReadonlyMap<string, ReservoirModel>;
  readonly streamNames: ReadonlySet<string>;
}

/** Metadata that is unique per record: compacting by it would keep every record. */
const UNIQUE_METADATA = new Set(['sequence_number', 'sub_sequence_number', 'arrival_time']);

export function checkReplay(ctx: CheckContext, decl: ReplayDecl, scope: ReplayScope): Omit<ReplayModel, 'name'> | undefined {
  const clauses = reportRepeats(ctx, decl.clauses, 'this replay', clauseLabel);
  const get = <K extends ReplayClause['kind']>(kind: K) => clauses.get(kind) as Extract<ReplayClause, { kind: K }> | undefined;

  const reservoirName = resolveReservoir(ctx, decl, scope);
  const reservoir = reservoirName === undefined ? undefined : scope.reservoirs.get(reservoirName);
  const sourceStream = reservoir ? scope.streams.get(reservoir.stream) : undefined;

  const into = get('into');
  let intoName: string | undefined;
  if (!into) {
    // A replay the parser could not finish may have lost its `into` to that error: not reported twice.
    if (!decl.incomplete) ctx.report('WS206', decl.name?.span ?? decl.source.span, {}, ['add: into stream NAME']);
  } else if (!scope.streamNames.has(into.stream.text)) {
    ctx.report('WS201', into.stream.span, { name: into.stream.text }, didYouMean(into.stream.text, scope.streamNames));
  } else {
    intoName = into.stream.text;
    if (reservoir && intoName === reservoir.stream) ctx.report('WS401', into.stream.span, { stream: intoName });
  }

  const whereClause = get('where');
  if (whereClause) checkExpr(ctx, whereClause.expr);

  const since = get('since') ? resolveTime(ctx, get('since')!.time) : null;
  const until = get('until') ? resolveTime(ctx, get('until')!.time) : null;
  if (since !== undefined && until !== undefined && since !== null && until !== null && since >= until) {
    const hint = since === until ? 'the range is empty: until must be later than since' : `swap them: since ${formatTime(get('until')!.time)} until ${formatTime(get('since')!.time)}`;
    ctx.report('WS305', cover(get('since')!.span, get('until')!.span), { since: iso(since), until: iso(until) }, [hint]);
  }

  let compactBy: Key | null = null;
  const compact = get('compact');
  if (compact) {
    if (compact.key) {
      const key = ctx.key(compact.key);
      if (key?.kind === 'meta' && UNIQUE_METADATA.has(key.name)) {
        ctx.report('WS311', compact.key.span, { key: `@${key.name}`, why: 'every record has its own value, so nothing would be compacted' }, ['compact by a JSON path, or by @partition_key']);
      } else if (key) compactBy = key;
    } else {
      compactBy = sourceStream?.key ?? { kind: 'meta', name: 'partition_key' };
    }
  }

  const annotate = checkAnnotations(ctx, get('annotate'));

  let ratePerSecond: number | null = null;
  const rate = get('rate');
  if (rate) ratePerSecond = ctx.quantity('WS304', rate.rate, parseRate) ?? null;

  let limit: number | null = null;
  const limitClause = get('limit');
  if (limitClause) {
    const n = limitClause.count.value;
    if (!Number.isSafeInteger(n) || n < 1) {
      ctx.report('WS308', limitClause.count.span, { what: 'limit', rule: 'a whole number of at least 1', text: limitClause.count.text });
    } else limit = n;
  }

  const partitionBy = get('partition-by');
  const partitionKey: Key | undefined = partitionBy ? ctx.key(partitionBy.key) : { kind: 'meta', name: 'partition_key' };

  if (!reservoir || !sourceStream || !intoName || since === undefined || until === undefined || !partitionKey) return undefined;
  return {
    named: decl.name !== undefined,
    source: decl.source.kind,
    reservoir: reservoir.name,
    stream: reservoir.stream,
    into: intoName,
    where: whereClause?.expr ?? null,
    since: since === null ? null : iso(since),
    until: until === null ? null : iso(until),
    compactBy,
    annotate,
    ratePerSecond,
    ...(rate && { rateSpan: rate.span }),
    limit,
    aggregate: get('aggregate')?.enabled ?? true,
    partitionKey,
    span: decl.span,
  };
}

function clauseLabel(clause: ReplayClause): string {
  switch (clause.kind) {
    case 'compact': return 'compact by key';
    case 'into': return 'into stream';
    case 'partition-by': return 'partition by';
    default: return clause.kind;
  }
}

function resolveReservoir(ctx: CheckContext, decl: ReplayDecl, scope: ReplayScope): string | undefined {
  if (decl.reservoir) {
    const name = decl.reservoir.text;
    if (!scope.reservoirNames.includes(name)) {
      ctx.report('WS202', decl.reservoir.span, { name }, didYouMean(name, scope.reservoirNames));
      return undefined;
    }
    return name;
  }
  if (scope.reservoirNames.length === 1) return scope.reservoirNames[0];
  if (scope.reservoirNames.length === 0) ctx.report('WS205', decl.source.span, {}, ['declare a reservoir, then replay from it']);
  else ctx.report('WS204', decl.source.span, { count: scope.reservoirNames.length }, [`name one: from ${decl.source.kind} ${scope.reservoirNames[0]}`]);
  return undefined;
}

/** Epoch ms, null when absent, undefined when invalid (already reported). */
function resolveTime(ctx: CheckContext, time: TimeExpr): number | undefined {
  switch (time.kind) {
    case 'now':
      return ctx.now.getTime();
    case 'ago': {
      const ms = ctx.quantity('WS302', time.duration, parseDuration);
      return ms === undefined ? undefined : ctx.now.getTime() - ms;
    }
    case 'instant': {
      const parsed = parseInstant(time.text);
      if (parsed.ok) return parsed.value;
      ctx.report('WS301', time.span, { text: time.text, why: parsed.why });
      return undefined;
    }
  }
}

/**
 * `status = open` compares two fields: the user almost always meant the text 'open' (WS404). Only
 * an equality whose right side is one plain word is suspicious (`total > limit` is deliberate);
 * a backtick-quoted name (`` status = `open` ``) says the field is meant.
 */
function warnBareWord(ctx: CheckContext, expr: Extract<Expr, { kind: 'compare' }>): void {
  const { left, right } = expr;
  if (expr.op !== '=' && expr.op !== '!=' && expr.op !== '<>') return;
  if (left.kind !== 'field' || right.kind !== 'field' || right.segments.length !== 1 || right.segments[0].quoted) return;
  const word = right.segments[0].name;
  const leftText = left.segments.map((s) => s.name).join('.');
  ctx.report('WS404', right.span, { op: expr.op, left: leftText, right: word }, [
    `to compare with the text '${word}', quote it: ${leftText} ${expr.op} '${word}' (or write \`${word}\` if you mean the field)`,
  ]);
}

function checkExpr(ctx: CheckContext, expr: Expr): void {
  switch (expr.kind) {
    case 'and':
    case 'or':
      for (const operand of expr.operands) checkExpr(ctx, operand);
      return;
    case 'not':
      return checkExpr(ctx, expr.operand);
    case 'paren':
      return checkExpr(ctx, expr.inner);
    case 'compare':
      checkOperand(ctx, expr.left);
      checkOperand(ctx, expr.right);
      warnBareWord(ctx, expr);
      return;
    case 'between':
      [expr.operand, expr.low, expr.high].forEach((o) => checkOperand(ctx, o));
      return;
    case 'in':
      checkOperand(ctx, expr.operand);
      expr.list.forEach((l) => checkLiteral(ctx, l));
      return;
    case 'like':
    case 'is-null':
      return checkOperand(ctx, expr.operand);
  }
}

function checkOperand(ctx: CheckContext, operand: Operand): void {
  if (operand.kind === 'meta') ctx.key(operand);
  else if (operand.kind !== 'field') checkLiteral(ctx, operand);
}

function checkLiteral(ctx: CheckContext, lit: Literal): void {
  if (lit.kind === 'number' && !Number.isFinite(lit.value)) {
    ctx.report('WS316', lit.span, { what: 'number', text: lit.text, why: 'it is too large to represent' });
  }
}

function checkAnnotations(ctx: CheckContext, clause: Extract<ReplayClause, { kind: 'annotate' }> | undefined): { key: string; value: JsonScalar }[] {
  if (!clause) return [];
  const seen = new Set<string>();
  const out: { key: string; value: JsonScalar }[] = [];
  for (const entry of clause.entries) {
    const key = entry.key.text;
    if (key === REPLAY_METADATA_FIELD) {
      ctx.report('WS312', entry.key.span, { key });
      continue;
    }
    if (seen.has(key)) {
      ctx.report('WS310', entry.key.span, { key });
      continue;
    }
    seen.add(key);
    checkLiteral(ctx, entry.value);
    out.push({ key, value: entry.value.kind === 'null' ? null : entry.value.value });
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function cover(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
