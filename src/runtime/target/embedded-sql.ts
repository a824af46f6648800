// The embedded SQL engine (DuckDB in this process) as the target runtimes build it: with the
// runtimes, the one place DuckDB is opened. Uses without a runtime (the job service, tests) come here.

import type { DuckDbSettings } from '../query/duckdb-engine.ts';
import type { SqlEngine, SqlEngineRequest } from '../query/sql-engine.ts';

/** The DuckDB engine's module, imported once: a process opening many engines (the job service) resolves it once. */
let duckdbModule: Promise<typeof import('../query/duckdb-engine.ts')> | null = null;

/** What the request asks for, and the target's settings (`duckdb` in the target configuration) for the rest. */
export async function openEmbeddedSqlEngine(settings: DuckDbSettings = {}, request: SqlEngineRequest = {}): Promise<SqlEngine> {
  const threads = request.threads ?? settings.threads;
  const memoryLimit = request.memoryLimit ?? settings.memoryLimit;
  const spillDirectory = request.spillDirectory ?? settings.spillDirectory;
  const preserveInsertionOrder = request.preserveOrder ?? settings.preserveInsertionOrder;
  // Loaded on first use: DuckDB's native library costs every command ~30 MiB of memory and
  // startup time, and most (archive, put, tail, plan) never open it. The bundle keeps it in a chunk.
  duckdbModule ??= import('../query/duckdb-engine.ts');
  const { openDuckDbEngine } = await duckdbModule;
  return openDuckDbEngine({
    ...(threads !== undefined ? { threads } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(spillDirectory !== undefined ? { spillDirectory } : {}),
    ...(preserveInsertionOrder !== undefined ? { preserveInsertionOrder } : {}),
  });
}
