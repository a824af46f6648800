// The data half of a plan, the same on every target: archive each reservoir, define its views,
// run saved queries and replays. Also the warnings about rates and archive intervals.

import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Location, Model, ReplayModel, ReservoirModel, StreamModel } from '../model.ts';
import { REPLAY_METADATA_FIELD } from '../record-layout.ts';
import { planInputs, replaySql, reservoirViews, savedQuerySql, type SqlNaming } from '../sql/index.ts';
import type { ReplayEmitConfig } from '../target-config.ts';
import { humanDuration } from './human.ts';
import { stepId, type StepList } from './step-list.ts';
import type { ReplayOperator, ReservoirView } from './types.ts';

/** Kinesis accepts 1,000 records per second per shard. */
export const SHARD_RECORDS_PER_SECOND = 1000;

export interface DataTarget {
  readonly naming: SqlNaming;
  /** Reservoir → the Drill plugin of its bucket, when it is not `naming.drillStoragePlugin` (aws: one plugin per bucket). */
  readonly drillPlugins?: ReadonlyMap<string, string>;
  readonly replay: ReplayEmitConfig;
  /** Where the archive writes; null when the reservoir has no usable location (already reported). */
  location(reservoir: ReservoirModel): Location | null;
  /** Steps the archive waits for besides the stream and the reservoir's storage. */
  archiveAfter(reservoir: ReservoirModel): readonly string[];
  /** Steps the SQL engine needs before anything runs on it; `liveStream` when the SQL reads it live. */
  engineAfter(liveStream: string | null): readonly string[];
}

/** Reservoir views, computed once: they decide which streams are read live. */
export function viewsByReservoir(model: Model, naming: SqlNaming, drillPlugins?: ReadonlyMap<string, string>): Map<string, readonly ReservoirView[]> {
  const out = new Map<string, readonly ReservoirView[]>();
  for (const r of model.reservoirs) {
    const stream = model.streams.find((s) => s.name === r.stream);
    if (stream) out.set(r.name, reservoirViews(r, stream, namingOf(naming, r, drillPlugins)));
  }
  return out;
}

/** The SQL naming for one reservoir's files: the Drill plugin of its own bucket. */
function namingOf(naming: SqlNaming, r: ReservoirModel, drillPlugins: ReadonlyMap<string, string> | undefined): SqlNaming {
  const plugin = drillPlugins?.get(r.name);
  return plugin === undefined ? naming : { ...naming, drillStoragePlugin: plugin };
}

/** Streams some view or replay reads live (records not yet archived). */
export function liveStreams(model: Model, views: ReadonlyMap<string, readonly ReservoirView[]>): Set<string> {
  const out = new Set<string>();
  for (const r of model.reservoirs) if (views.get(r.name)?.some((v) => v.role === 'live')) out.add(r.stream);
  for (const rp of model.replays) if (rp.source !== 'archive') out.add(rp.stream);
  return out;
}

export function addDataSteps(
  model: Model,
  target: DataTarget,
  views: ReadonlyMap<string, readonly ReservoirView[]>,
  list: StepList,
  diagnostics: Diagnostic[],
): void {
  const streams = new Map(model.streams.map((s) => [s.name, s]));
  for (const r of model.reservoirs) {
    const location = target.location(r);
    const stream = streams.get(r.stream);
    if (!location) continue;
    if (r.archive.via === 'archiver' && stream && r.archive.everySeconds >= stream.retentionHours * 3600) {
      const args = { every: humanDuration(r.archive.everySeconds), retention: humanDuration(stream.retentionHours * 3600), stream: stream.name };
      diagnostics.push(diagnostic('WS403', r.span, args, ['archive more often than the retention, or raise the stream\'s retention']));
    }
    list.add({
      id: stepId.archive(r.name),
      kind: 'archive',
      action: 'run',
      after: list.after(stepId.stream(r.stream), stepId.reservoir(r.name), ...target.archiveAfter(r)),
      reservoir: r.name,
      stream: r.stream,
      via: r.archive.via,
      location,
      format: r.format,
      partition: r.partition,
      everySeconds: r.archive.via === 'archiver' ? r.archive.everySeconds : r.archive.bufferSeconds,
    });
  }
  for (const r of model.reservoirs) {
    const rv = views.get(r.name);
    if (!rv || !list.has(stepId.archive(r.name))) continue;
    const live = rv.some((v) => v.role === 'live') ? r.stream : null;
    const stream = streams.get(r.stream);
    if (!stream) continue; // the checker has reported the missing stream (and there are no views)
    list.add({
      id: stepId.views(r.name),
      kind: 'reservoir-views',
      action: 'read',
      after: list.after(stepId.archive(r.name), ...target.engineAfter(live)),
      reservoir: r.name,
      inputs: planInputs('archive+live', r, stream, namingOf(target.naming, r, target.drillPlugins)),
      views: rv,
    });
  }
  // A saved query may read any reservoir view; SQL is not parsed here to find out which.
  const allViews = model.reservoirs.map((r) => stepId.views(r.name));
  for (const q of model.queries) {
    list.add({ id: stepId.query(q.name), kind: 'query', action: 'read', after: list.after(...target.engineAfter(null), ...allViews), name: q.name, sql: savedQuerySql(q.sql) });
  }
  for (const rp of model.replays) addReplay(rp, model, streams, target, list, diagnostics);
}

function addReplay(
  rp: ReplayModel,
  model: Model,
  streams: ReadonlyMap<string, StreamModel>,
  target: DataTarget,
  list: StepList,
  diagnostics: Diagnostic[],
): void {
  const reservoir = model.reservoirs.find((r) => r.name === rp.reservoir);
  const stream = streams.get(rp.stream);
  const into = streams.get(rp.into);
  if (!reservoir || !stream || !into) return; // the checker has reported the missing name
  const budget = Math.floor(into.shards * SHARD_RECORDS_PER_SECOND * target.replay.shardBudgetFraction);
  if (rp.ratePerSecond !== null && rp.ratePerSecond > budget) {
    diagnostics.push(diagnostic('WS402', rp.rateSpan ?? rp.span, { rate: rp.ratePerSecond, budget, stream: into.name, shards: into.shards }));
  }
  const { sql, inputs, operators } = replaySql(rp, reservoir, stream, namingOf(target.naming, reservoir, target.drillPlugins));
  const emitted: ReplayOperator[] = [
    ...operators,
    // The metadata object is added to every emitted record, annotations or not.
    { op: 'annotate', pushedDown: false, fields: rp.annotate, metadataField: REPLAY_METADATA_FIELD },
    ...(rp.aggregate ? [{ op: 'aggregate', pushedDown: false, format: 'kpl' } as const] : []),
    {
      op: 'emit',
      pushedDown: false,
      stream: rp.into,
      partitionKey: rp.partitionKey,
      ratePerSecond: rp.ratePerSecond,
      shardBudgetFraction: target.replay.shardBudgetFraction,
    },
  ];
  const live = rp.source === 'archive' ? null : rp.stream;
  list.add({
    id: stepId.replay(rp.name),
    kind: 'replay',
    action: 'run',
    after: list.after(stepId.archive(rp.reservoir), stepId.stream(rp.stream), stepId.stream(rp.into), ...target.engineAfter(live)),
    name: rp.name,
    source: rp.source,
    reservoir: rp.reservoir,
    stream: rp.stream,
    into: rp.into,
    operators: emitted,
    sql,
    inputs,
  });
}
