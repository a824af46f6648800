// The relations the plan's SQL reads by name (the reservoir's archive and its live records) and the
// plan inputs that carry what each name stands for, so every engine binds them without reading SQL.

import type { ReplaySource, ReservoirModel, StreamModel } from '../model.ts';
import type { ArchiveInput, LiveInput, PlanInput } from '../plan/types.ts';
import type { LiveRecords, ReservoirFiles } from './ast.ts';
import { byDialect } from './dialects/index.ts';
import type { SqlNaming } from './index.ts';
import { printRelation } from './print.ts';

/** The reservoir's root as the SQL dialects see it: a local path or `s3://bucket/prefix`, no trailing slash. */
function root(reservoir: ReservoirModel): string {
  const loc = reservoir.location;
  const text = loc.kind === 'local' ? loc.path : `s3://${[loc.bucket, loc.prefix.replace(/^\/+/, '')].filter((p) => p !== '').join('/')}`;
  return text.length > 1 ? text.replace(/\/+$/, '') : text;
}

export function reservoirFiles(reservoir: ReservoirModel, naming: SqlNaming, alias: string | null): ReservoirFiles {
  return {
    kind: 'reservoir-files',
    reservoir: reservoir.name,
    root: root(reservoir),
    format: reservoir.format,
    partition: reservoir.partition,
    storagePlugin: naming.drillStoragePlugin,
    alias,
  };
}

export function liveRecords(reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming, alias: string | null): LiveRecords {
  return { kind: 'live-records', reservoir: reservoir.name, stream: stream.name, hiveDatabase: naming.hiveDatabase, alias };
}

export function archiveInput(reservoir: ReservoirModel, naming: SqlNaming): ArchiveInput {
  const node = reservoirFiles(reservoir, naming, null);
  return {
    kind: 'archive',
    relation: byDialect((d) => printRelation(node, d)),
    reservoir: reservoir.name,
    location: reservoir.location,
    format: reservoir.format,
    partition: reservoir.partition,
  };
}

export function liveInput(reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming): LiveInput {
  const node = liveRecords(reservoir, stream, naming, null);
  return { kind: 'live', relation: byDialect((d) => printRelation(node, d)), reservoir: reservoir.name, stream: stream.name };
}

/** The inputs SQL reading `source` of the reservoir needs, archive first. */
export function planInputs(source: ReplaySource, reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming): PlanInput[] {
  return [
    ...(source === 'live' ? [] : [archiveInput(reservoir, naming)]),
    ...(source === 'archive' ? [] : [liveInput(reservoir, stream, naming)]),
  ];
}
