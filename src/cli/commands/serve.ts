// `wshed serve [FILE...]`: the pump service (docs/service.md) over the reservoirs and replays of
// the given pipeline files, on 127.0.0.1 unless given a token; runs until interrupted.

import type { Argv } from 'yargs';
import type { Location } from '../../compiler/model.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import { mergePlans } from '../../service/context.ts';
import { JobStore } from '../../service/job-store.ts';
import { DEFAULT_CONCURRENCY, DEFAULT_PORT, PumpConfigError, startPumpServer, tokenProblem } from '../../service/server.ts';
import { UsageError } from '../io.ts';
import { readTokenFile } from '../token-file.ts';
import { planFor, runtimeFor, targetConfig } from '../session.ts';
import { targetOptions } from './plan.ts';
import { plural } from '../../compiler/format-numbers.ts';
import { withHelp } from '../help.ts';
import { SQL_ENGINES } from '../../runtime/drill/engine-choice.ts';

export const serveCommand = {
  command: 'serve [files..]',
  describe: 'serve the pump API (jobs that replay query results into streams) over the pipelines\' reservoirs',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'serve')
      .positional('files', { type: 'string', array: true, describe: 'pipeline files whose reservoirs and replays to serve' })
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'port to listen on (0 picks a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on; any but 127.0.0.1 needs --token' })
      .option('token', { type: 'string', describe: 'require Authorization: Bearer TOKEN on every request, 16 characters or more (or set $WSHED_TOKEN)' })
      .option('allow-host', { type: 'string', array: true, describe: 'another name the service answers to in the Host header (e.g. behind a proxy): NAME or NAME:PORT' })
      .option('concurrency', { type: 'number', default: DEFAULT_CONCURRENCY, describe: 'jobs that run at once; the rest queue' })
      .option('token-file', { type: 'string', describe: 'read the token from this file (its first line), so it is in no command line or process list' })
      .option('engine', { choices: SQL_ENGINES, describe: "SQL engine of jobs and previews (default: duckdb on target local, drill on target aws)" })
      .option('drill-url', { type: 'string', describe: "Drill's REST address for --engine drill (default: the local scripts/drill.sh Drill; on aws the tunnel's port)" }),
  handler: async (argv: { files?: string[]; port: number; host: string; token?: string; tokenFile?: string; allowHost?: string[]; concurrency: number; target: 'local' | 'aws'; conf?: string; engine?: 'duckdb' | 'drill'; drillUrl?: string }) => {
    if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535) throw new UsageError('--port takes a port number (0 to 65535)');
    if (!Number.isInteger(argv.concurrency) || argv.concurrency < 1) throw new UsageError('--concurrency takes a whole number of at least 1');
    if (argv.token !== undefined && argv.tokenFile !== undefined) throw new UsageError('give --token or --token-file, not both');
    const token = argv.tokenFile !== undefined ? readTokenFile(argv.tokenFile) : (argv.token ?? process.env.WSHED_TOKEN);
    // Before anything starts: a weak token is refused at once.
    const weak = token === undefined ? null : tokenProblem(token);
    if (weak) throw new UsageError(weak);
    const config = targetConfig(argv.target, argv.conf);
    const plans: Plan[] = (argv.files ?? []).map((file) => planFor(file, config));
    const plan = mergePlans(plans);
    // The target's SQL engine unless --engine says otherwise: DuckDB locally, Drill on aws.
    const runtime = runtimeFor(config, { sql: { ...(argv.engine ? { engine: argv.engine } : {}), ...(argv.drillUrl !== undefined ? { drillUrl: argv.drillUrl } : {}) } });
    if (argv.drillUrl !== undefined && runtime.sql.engine !== 'drill') throw new UsageError('--drill-url is for --engine drill');
    const home = runtime.home;
    // Another service owns this home's jobs: refuse before starting or provisioning anything.
    await new JobStore(home).assertFree();
    const streams = await runtime.streams({ start: true });
    // The replays' own streams are provisioned as `wshed replay` would (created when absent).
    const replayStreams = new Set(plan.steps.flatMap((s) => (s.kind === 'replay' ? [s.stream, s.into] : [])));
    for (const p of plans) for (const s of p.steps) if (s.kind === 'stream' && replayStreams.has(s.name)) await runtime.provisioner.apply(s, p);
    runtime.provisioner.close();
    // Jobs retry by themselves (as replays do): the destination makes one attempt per call.
    const destination = await runtime.streams({ maxAttempts: 1 });
    let server;
    try {
      server = await startPumpServer({
        plan,
        cwd: runtime.cwd,
        home,
        streams,
        destination,
        duckdb: runtime.duckdb,
        ...(runtime.sql.engine === 'drill' ? { drill: { target: runtime.sql.drill, store: (r: string, l: Location) => runtime.store(r, l) } } : {}),
        shardBudgetFraction: runtime.emit.shardBudgetFraction,
        maxRetries: runtime.emit.maxRetries,
        port: argv.port,
        host: argv.host,
        // An empty --token is refused as weak, not taken as no token.
        ...(token !== undefined ? { token } : {}),
        allowHosts: argv.allowHost ?? [],
        concurrency: argv.concurrency,
        log: (line) => process.stderr.write(`${line}\n`),
      });
    } catch (err) {
      streams.close();
      destination.close();
      if (err instanceof PumpConfigError) throw new UsageError(err.message);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${argv.port} is in use on ${argv.host}; try --port 0`);
      throw err;
    }
    const engine = runtime.sql.engine === 'drill' ? `Drill at ${runtime.sql.drill.url}` : 'DuckDB';
    process.stdout.write(`serving ${plural(plans.length, 'pipeline file')} on ${server.url} (stop with Ctrl-C)\n`);
    process.stderr.write(`jobs and previews run on ${engine}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.stderr.write('stopping: running jobs stop after their batch in flight and can be resumed\n');
    await server.close();
    streams.close();
    destination.close();
  },
};
