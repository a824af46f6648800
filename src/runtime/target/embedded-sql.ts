// The embedded SQL engine (DuckDB in this process) as the target runtimes build it: with the
// runtimes, the one place DuckDB is opened. Uses without a runtime (the job service, tests) come here.

import { openDuckDbEngine, type DuckDbSettings } from '../query/duckdb-engine.ts';
import type { SqlEngine, SqlEngineRequest } from '../query/sql-engine.ts';

/** What the request asks for, and the target's settings (`duckdb` in the target configuration) for the rest. */
export function openEmbeddedSqlEngine(settings: DuckDbSettings = {}, request: SqlEngineRequest = {}): Promise<SqlEngine> {
  const threads = request.threads ?? settings.threads;
  const memoryLimit = request.memoryLimit ?? settings.memoryLimit;
  const spillDirectory = request.spillDirectory ?? settings.spillDirectory;
  const preserveInsertionOrder = request.preserveOrder ?? settings.preserveInsertionOrder;
  return openDuckDbEngine({
    ...(threads !== undefined ? { threads } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(spillDirectory !== undefined ? { spillDirectory } : {}),
    ...(preserveInsertionOrder !== undefined ? { preserveInsertionOrder } : {}),
  });
}
