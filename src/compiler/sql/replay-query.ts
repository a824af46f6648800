// The replay source query as a syntax tree: scan → dedupe → bounds → compact → filter → order →
// limit, one CTE per stage (named after it), and the operators it pushes down, in the same order.

import type { ReplayOperator } from '../plan/types.ts';
import type { ArchiveMethod, Key, ReplayModel, ReplaySource, ReservoirModel, StreamModel } from '../model.ts';
import { partitionColumns, RECORD_COLUMNS, SEQUENCE_SORT_WIDTH } from '../record-layout.ts';
import type { Cte, OrderItem, PayloadStorage, Relation, Select, SelectItem, SqlExpr } from './ast.ts';
import { allOf, anyOf, bin, call, col, isNull, num, select, str, table } from './ast.ts';
import type { SqlNaming } from './index.ts';
import { formatExpr } from '../format/expr.ts';
import { liveRecords, reservoirFiles } from './inputs.ts';
import { WhereLowering } from './lower-where.ts';
import { PAYLOAD_TEXT, recordLinesScan } from './record-lines.ts';
import { ORIGIN_ORDER } from '../../consumer/version.ts';

/** Every stage reads its input under this alias: Drill needs one to reach into the payload map. */
export const T = 't';

/** One record's identity in Kinesis: the same record seen in the archive and live is one record. */
const IDENTITY = ['shard_id', 'sequence_number', 'sub_sequence_number'] as const;
/** Origin position: the order records entered the stream, which replay preserves (the consumer library's order). */
const ORIGIN = ORIGIN_ORDER;
const DAY_MS = 86_400_000;
/** Which copy of a record seen twice is kept: 0 archived, 1 live. */
const COPY_RANK = 'copy_rank';

/** Inclusive `dt` folder bounds that certainly hold every record of the slice. */
export interface DayRange {
  readonly from: string | null;
  readonly to: string | null;
}

export function recordItems(stored: PayloadStorage | null = null): SelectItem[] {
  return RECORD_COLUMNS.map((c) => {
    const column = col(T, c.name);
    if (c.name !== 'payload' || stored === null) return { expr: column, alias: null };
    return { expr: { kind: 'stored-payload', column, stored }, alias: 'payload' };
  });
}

/** The record columns, and the payload's archived text after them when the query carries it (`lines`). */
const stageItems = (lines: boolean, stored: PayloadStorage | null = null): SelectItem[] => [
  ...recordItems(stored),
  ...(lines ? [{ expr: col(T, PAYLOAD_TEXT), alias: null }] : []),
];

/** An origin-position column as it sorts; sequence numbers are decimal text longer than any number type. */
function originExpr(name: (typeof ORIGIN)[number]): SqlExpr {
  const column = col(T, name);
  return name === 'sequence_number' ? call('lpad', column, num(SEQUENCE_SORT_WIDTH), str('0')) : column;
}

const originOrder = (descending: boolean): OrderItem[] => ORIGIN.map((n) => ({ expr: originExpr(n), descending }));

/**
 * Folder days to read for [since, until). The archiver files a record under its own arrival time,
 * so the days of `since` and of the last instant before `until` suffice. Firehose files by its own
 * clock instead, which can differ from the record's arrival by its buffer interval (and retries),
 * so a Firehose reservoir reads one more day on each side; the arrival_time filter stays exact.
 */
export function pruneDays(since: string | null, until: string | null, archive: ArchiveMethod): DayRange {
  const margin = archive.via === 'firehose' ? DAY_MS : 0;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    from: since === null ? null : day(Date.parse(since) - margin),
    to: until === null ? null : day(Date.parse(until) - 1 + margin),
  };
}

function archiveScan(reservoir: ReservoirModel, naming: SqlNaming, days: DayRange, lines: boolean): Select {
  const level = partitionColumns(reservoir.partition).indexOf('dt');
  const bound = (table: string, op: '>=' | '<=', value: string | null): SqlExpr[] =>
    value === null ? [] : [{ kind: 'partition-bound', table, partition: 'dt', level, op, value }];
  const where = (table: string) => allOf([...bound(table, '>=', days.from), ...bound(table, '<=', days.to)]);
  const files: Relation = reservoirFiles(reservoir, naming, T);
  const stored = reservoir.format === 'parquet' ? 'json-text' : 'json';
  if (lines && reservoir.format === 'json') return recordLinesScan({ files, table: T, items: recordItems(stored), where });
  // A Parquet payload is JSON text already: it is its own archived text.
  const text: SelectItem[] = lines ? [{ expr: col(T, 'payload'), alias: PAYLOAD_TEXT }] : [];
  return select({ items: [...recordItems(stored), ...text], from: files, where: where(T) });
}

/**
 * What the live relation of a replay's query stands for when the query carries payload texts: the
 * snapshot files at `path` (name parts of the dialect's table) read as records and as lines; with
 * `empty`, none of their rows (a file that gives the columns only).
 */
export function liveRecordLines(path: readonly string[], empty: boolean): Select {
  return recordLinesScan({ files: { kind: 'table', path, alias: T }, table: T, items: recordItems('live'), limit: empty ? 0 : null });
}

/** The live relation carries the payload's text itself when the query does (the runtime binds it so). */
function liveScan(reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming, lines: boolean): Select {
  return select({ items: stageItems(lines, 'live'), from: liveRecords(reservoir, stream, naming, T) });
}

/** The stages that produce the source records: `archive`, `live`, or both unioned and de-duplicated. */
export function sourceStages(
  source: ReplaySource,
  reservoir: ReservoirModel,
  stream: StreamModel,
  naming: SqlNaming,
  days: DayRange,
  lines = false,
): { readonly ctes: Cte[]; readonly last: string } {
  const archive: Cte = { name: 'archive', query: archiveScan(reservoir, naming, days, lines) };
  const live: Cte = { name: 'live', query: liveScan(reservoir, stream, naming, lines) };
  if (source === 'archive') return { ctes: [archive], last: 'archive' };
  if (source === 'live') return { ctes: [live], last: 'live' };
  // Records past the archive checkpoint can also be in a file already (the archiver wrote them after
  // the checkpoint was read): keep one row per record, the archived copy, so the bytes replayed are
  // the ones an archive-only replay would read later.
  // The payload crosses the union as the dialect can carry it (Drill: as JSON text, see its dialect).
  const unionItems = (side: 'into' | 'out'): SelectItem[] =>
    stageItems(lines).map((it) => (it.alias === null && it.expr.kind === 'column' && it.expr.name === 'payload' ? { expr: { kind: 'union-payload', column: it.expr, side }, alias: 'payload' } : it));
  const ranked = (name: string, rank: number) =>
    select({ items: [...unionItems('into'), { expr: num(rank), alias: COPY_RANK }], from: table(name, T) });
  const union: Cte = { name: 'source', query: { kind: 'union-all', queries: [ranked('archive', 0), ranked('live', 1)] } };
  const first = { kind: 'row-number', partitionBy: IDENTITY.map((n) => col(T, n)), orderBy: [{ expr: col(T, COPY_RANK), descending: false }] } as const;
  const deduped: Cte = { name: 'deduped', query: select({ items: unionItems('out'), from: table('source', T), qualify: bin('=', first, num(1)) }) };
  return { ctes: [archive, live, union, deduped], last: 'deduped' };
}

function keyExpr(key: Key): SqlExpr {
  return key.kind === 'meta' ? col(T, key.name) : { kind: 'json-value', payload: col(T, 'payload'), path: key.path, as: 'text' };
}

/**
 * `lines`: every stage also carries the payload's archived JSON text (`payload_text`, see
 * record-lines.ts), for a dialect that cannot give the payload back as JSON text.
 */
export function buildReplayQuery(
  replay: ReplayModel,
  reservoir: ReservoirModel,
  stream: StreamModel,
  naming: SqlNaming,
  lines = false,
): { readonly query: Select; readonly operators: ReplayOperator[]; readonly readsLive: boolean } {
  const days = pruneDays(replay.since, replay.until, reservoir.archive);
  const { ctes, last: first } = sourceStages(replay.source, reservoir, stream, naming, days, lines);
  const operators: ReplayOperator[] = [
    { op: 'scan', pushedDown: true, sources: replay.source === 'archive+live' ? ['archive', 'live'] : [replay.source] },
  ];
  if (replay.source === 'archive+live') operators.push({ op: 'dedupe', pushedDown: true, by: [...IDENTITY] });
  let last = first;
  const stage = (name: string, parts: Partial<Select>) => {
    ctes.push({ name, query: select({ items: stageItems(lines), from: table(last, T), ...parts }) });
    last = name;
  };

  if (replay.since !== null || replay.until !== null) {
    // arrival_time is fixed-width ISO text (record-layout.ts), so text order is time order everywhere.
    const arrival = col(T, 'arrival_time');
    const bounds = [
      ...(replay.since === null ? [] : [bin('>=', arrival, str(replay.since))]),
      ...(replay.until === null ? [] : [bin('<', arrival, str(replay.until))]),
    ];
    stage('sliced', { where: allOf(bounds) });
    operators.push({ op: 'bounds', pushedDown: true, since: replay.since, until: replay.until });
  }
  if (replay.compactBy !== null) {
    // Keep the last record (greatest origin position) per key. A record without the key (field
    // missing or JSON null) has nothing to be compacted with, so each one is kept.
    const key = keyExpr(replay.compactBy);
    const latest = bin('=', { kind: 'row-number', partitionBy: [key], orderBy: originOrder(true) }, num(1));
    stage('compacted', { qualify: anyOf([isNull(key), latest]) });
    operators.push({ op: 'compact', pushedDown: true, key: replay.compactBy, keepLastBy: [...ORIGIN] });
  }
  if (replay.where !== null) {
    // After compaction: a key whose latest record no longer matches is dropped, not replayed with an older one.
    stage('filtered', { where: new WhereLowering(T).lower(replay.where) });
    operators.push({ op: 'filter', pushedDown: true, where: formatExpr(replay.where) });
  }
  operators.push({ op: 'order', pushedDown: true, by: [...ORIGIN] });
  if (replay.limit !== null) operators.push({ op: 'limit', pushedDown: true, count: replay.limit });

  // Carrying the payload's text, the result leaves the parsed payload out: nothing reads it, and it would double what comes back.
  const items = lines ? stageItems(lines).filter((it) => !(it.expr.kind === 'column' && it.expr.name === 'payload')) : recordItems();
  const query = select({ with: ctes, items, from: table(last, T), orderBy: originOrder(false), limit: replay.limit });
  return { query, operators, readsLive: replay.source !== 'archive' };
}
