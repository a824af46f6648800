// Reading a step's plan inputs (types.ts PlanInput): find one by kind, and say in one line what
// each is bound to, for `wshed plan --sql`.

import { FILE_EXTENSION, partitionColumns } from '../record-layout.ts';
import type { ArchiveInput, LiveInput, PlanInput, SqlByDialect } from './types.ts';

export function findInput(inputs: readonly PlanInput[], kind: 'archive'): ArchiveInput | null;
export function findInput(inputs: readonly PlanInput[], kind: 'live'): LiveInput | null;
export function findInput(inputs: readonly PlanInput[], kind: PlanInput['kind']): PlanInput | null {
  return inputs.find((i) => i.kind === kind) ?? null;
}

/** What the engine binds the input's name to, in words (the location as the plan has it). */
export function inputBinding(input: PlanInput, dialect: keyof SqlByDialect): string {
  if (input.kind === 'live') return `records of stream ${JSON.stringify(input.stream)} past the archive checkpoint of ${JSON.stringify(input.reservoir)}, read when the SQL runs`;
  const loc = input.location;
  const root = loc.kind === 'local' ? loc.path : `s3://${loc.bucket}/${loc.prefix}`;
  const glob = [...partitionColumns(input.partition).map((p) => `${p}=*`), `*.${FILE_EXTENSION[input.format]}`].join('/');
  const files = `the archived files ${JSON.stringify(`${root.replace(/\/+$/, '')}/${glob}`)}`;
  // DuckDB reads exactly the files listed once, after the live records: see src/runtime/query/duckdb-inputs.ts.
  return dialect === 'duckdb' ? `${files}, listed when the SQL runs (none: no rows)` : files;
}
