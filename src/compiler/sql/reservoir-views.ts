// The views that make a reservoir queryable by name: `<r>` (archive + live, de-duplicated),
// `<r>_archived` and `<r>_live`, each as one SELECT per dialect.

import type { ReservoirView } from '../plan/types.ts';
import type { ReservoirModel, ReplaySource, StreamModel } from '../model.ts';
import { METADATA_FIELDS } from '../record-layout.ts';
import type { Select, SelectItem } from './ast.ts';
import { call, cast, col, select, str, table } from './ast.ts';
import { byDialect } from './dialects/index.ts';
import type { SqlNaming } from './index.ts';
import { printQuery } from './print.ts';
import { sourceStages, T } from './replay-query.ts';

/**
 * What a view shows: the metadata under `_`-prefixed names (`_stream`, `_shard_id`,
 * `_sequence_number`, `_sub_sequence_number`, `_partition_key`, and `_arrival_time` as a UTC
 * TIMESTAMP) and the record data as one column, `payload` (DuckDB JSON, Drill map).
 *
 * Why the payload's fields are not top-level columns: neither engine can spread a JSON value into
 * columns without knowing its fields when the SQL is written, and the plan's SQL must not depend on
 * the data. Measured with DuckDB 1.5: letting read_json detect `payload` as a STRUCT and selecting
 * `payload.*` works only while every payload is an object with few distinct keys; one scalar payload
 * makes it JSON and many keys make it a MAP, and either fails the whole view ("not a struct"). The
 * detection also reads all the data first (~0.7 s against ~0.07 s with explicit columns for 200k
 * records), the live table's JSON cannot become a STRUCT (json_transform needs a constant shape),
 * and Drill documents no `map.*` (map fields are named one by one). So fields are reached
 * explicitly: DuckDB `payload->>'status'` (`payload.status` yields JSON), Drill `t.payload.status`
 * (with a table alias).
 */
function viewItems(): SelectItem[] {
  return METADATA_FIELDS.map((name) => {
    if (name !== 'arrival_time') return { expr: col(T, name), alias: `_${name}` };
    // ISO text with 'T' and 'Z' → 'YYYY-MM-DD HH:MM:SS.fff', which both engines cast to TIMESTAMP.
    const spaced = call('replace', call('replace', col(T, name), str('T'), str(' ')), str('Z'), str(''));
    return { expr: cast(spaced, 'timestamp'), alias: '_arrival_time' };
  }).concat([{ expr: col(T, 'payload'), alias: 'payload' }]);
}

function viewQuery(source: ReplaySource, reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming): Select {
  const { ctes, last } = sourceStages(source, reservoir, stream, naming, { from: null, to: null });
  return select({ with: ctes, items: viewItems(), from: table(last, T) });
}

export function reservoirViews(reservoir: ReservoirModel, stream: StreamModel, naming: SqlNaming): ReservoirView[] {
  const views: { readonly name: string; readonly role: ReservoirView['role']; readonly source: ReplaySource }[] = [
    { name: reservoir.name, role: 'unified', source: 'archive+live' },
    { name: `${reservoir.name}_archived`, role: 'archived', source: 'archive' },
    { name: `${reservoir.name}_live`, role: 'live', source: 'live' },
  ];
  return views.map((v) => {
    const query = viewQuery(v.source, reservoir, stream, naming);
    return { name: v.name, role: v.role, sql: byDialect((d) => printQuery(query, d)) };
  });
}
