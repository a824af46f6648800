// `wshed query FILE "SQL"` or `--name SAVED`: SQL over the pipeline's reservoirs (archive + live,
// de-duplicated) on embedded DuckDB or on Drill (`--engine drill`, the default on aws), streamed out
// as a table, JSON, NDJSON or CSV.

import path from 'node:path';
import type { Argv } from 'yargs';
import { OUTPUT_FORMATS, type OutputFormat } from '../../runtime/query/output.ts';
import { runQuery } from '../../runtime/query/run-query.ts';
import { checkSource } from '../../compiler/compile.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { readSource, UsageError } from '../io.ts';
import { formatDuration, plural } from '../../compiler/format-numbers.ts';
import { planFor, runtimeFor, targetConfig } from '../session.ts';
import { targetOptions } from './plan.ts';
import { withHelp } from '../help.ts';
import { SQL_ENGINES } from '../../runtime/drill/engine-choice.ts';
import { runDrillQuery } from '../../runtime/drill/run-query.ts';
import { onInterrupt } from '../interrupt.ts';

export const queryCommand = {
  command: 'query <file> [sql]',
  describe: "run SQL over a pipeline's reservoirs (each reservoir is a view: archive + live)",
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'query')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed) whose reservoirs are the views' })
      .positional('sql', { type: 'string', describe: "the SQL (the engine's dialect); leave it out with --name" })
      .option('engine', { choices: SQL_ENGINES, describe: 'SQL engine (default: duckdb on target local, drill on target aws)' })
      .option('drill-url', { type: 'string', describe: "Drill's REST address for --engine drill (default: the local scripts/drill.sh Drill; on aws the tunnel's port)" })
      .option('name', { type: 'string', describe: 'run the saved query of this name instead' })
      .option('format', { choices: OUTPUT_FORMATS, default: 'table' as OutputFormat, describe: 'output format' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no summary line on stderr' }),
  handler: async (argv: { file: string; sql?: string; name?: string; format: OutputFormat; target: 'local' | 'aws'; conf?: string; quiet: boolean; engine?: 'duckdb' | 'drill'; drillUrl?: string }) => {
    if (!argv.sql === !argv.name) throw new UsageError('give either SQL or --name SAVED_QUERY');
    const config = targetConfig(argv.target, argv.conf);
    const cancel = new AbortController();
    // The target's engine unless --engine says otherwise: DuckDB locally, Drill on aws.
    const runtime = runtimeFor(config, { sql: { ...(argv.engine ? { engine: argv.engine } : {}), ...(argv.drillUrl !== undefined ? { drillUrl: argv.drillUrl } : {}), signal: cancel.signal } });
    if (argv.drillUrl !== undefined && runtime.sql.engine !== 'drill') throw new UsageError('--drill-url is for --engine drill');
    refuseS3Reservoirs(argv.file, argv.target, runtime.sql.engine);
    const plan = planFor(argv.file, config);
    if (argv.name && !plan.steps.some((s) => s.kind === 'query' && s.name === argv.name)) {
      const names = plan.steps.flatMap((s) => (s.kind === 'query' ? [s.name] : []));
      throw new UsageError(`${argv.file} has no saved query '${argv.name}' (it has: ${names.join(', ') || 'none'})`);
    }
    // Ctrl-C cancels a query on Drill; on DuckDB it ends the process as before.
    const interrupt = runtime.sql.engine === 'drill' ? onInterrupt('the query (cancelling it on Drill)') : null;
    interrupt?.signal.addEventListener('abort', () => cancel.abort(), { once: true });
    const streams = await runtime.streamsIfRunning();
    try {
      const text = argv.name ? { name: argv.name } : { sql: argv.sql! };
      const common = { ...text, plan, cwd: runtime.cwd, streams, format: argv.format, out: process.stdout };
      const r =
        runtime.sql.engine === 'drill'
          ? await runDrillQuery({ ...common, drill: runtime.sql.drill, store: runtime.store, signal: cancel.signal })
          : await runQuery({ ...common, duckdb: runtime.duckdb, runtime, structureCache: path.join(runtime.home, 'cache', 'query-structure') });
      if (!argv.quiet) {
        for (const note of r.notes) process.stderr.write(`note: ${note}\n`);
        process.stderr.write(`${plural(r.rows, 'row')} in ${formatDuration(r.durationMs)}\n`);
      }
    } finally {
      streams?.close();
      interrupt?.dispose();
    }
  },
};

/**
 * The embedded DuckDB cannot read S3 (its httpfs extension cannot be loaded), so a pipeline with
 * a reservoir on S3 is refused in one coded line that names the way: on target local, `--target
 * aws` (WS745); on target aws, Drill (WS748). A query on Drill reads S3 itself and goes on.
 */
const S3_REFUSAL = {
  local: { code: 'WS745', localPathsToo: false },
  aws: { code: 'WS748', localPathsToo: true },
} as const;

function refuseS3Reservoirs(file: string, target: 'local' | 'aws', engine: string): void {
  if (engine === 'drill') return;
  const { model } = checkSource(readSource(file), new Date());
  for (const r of model.reservoirs) {
    const location = r.location.kind === 's3' ? `s3://${r.location.bucket}${r.location.prefix ? `/${r.location.prefix}` : ''}` : null;
    // On aws every reservoir is on S3 (a local-looking path is placed in the configured bucket).
    const refusal = S3_REFUSAL[target];
    if (location !== null || refusal.localPathsToo) throw new RuntimeError(refusal.code, { reservoir: r.name, location: location ?? `the configured bucket (local path '${r.location.kind === 'local' ? r.location.path : ''}')` });
  }
}
