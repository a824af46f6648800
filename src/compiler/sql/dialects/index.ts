// The registry: every SQL dialect watershed prints, in one list. SQL for the plan is printed once per
// entry, and the dialect tests loop over it, so a new dialect is added here and nowhere else.

import type { Dialect, DialectName } from '../dialect.ts';
import { drill } from './drill.ts';
import { duckdb } from './duckdb.ts';

export const DIALECTS: readonly Dialect[] = [duckdb, drill];

/** Build one value per registered dialect (the plan's SqlByDialect). */
export function byDialect(f: (dialect: Dialect) => string): Record<DialectName, string> {
  const out = {} as Record<DialectName, string>;
  for (const d of DIALECTS) out[d.name] = f(d);
  return out;
}

export { drill, duckdb };
