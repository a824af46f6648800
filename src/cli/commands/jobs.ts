// `wshed jobs create|preview|get|list|cancel|resume|replays|run-replay`: a client of the job
// service (`wshed serve`) over its HTTP "pump" API; `-p` follows a job with a progress bar, `-t`
// prints one summary line a job (job-view.ts), `list` a table.

import type { Argv } from 'yargs';
import { createRowWriter } from '../../runtime/query/output.ts';
import type { SqlColumn, SqlValue } from '../../runtime/query/sql-engine.ts';
import { EXIT, UsageError } from '../io.ts';
import { formatCount, noun } from '../../compiler/format-numbers.ts';
import { failure, jobsTable, replaysTable, shownStage, summaryLine } from '../job-view.ts';
import { progressBar } from '../progress.ts';
import { DEFAULT_PUMP_SERVER, PumpClient, PumpHttpError, PumpUnavailableError, type PumpJob } from '../pump-client.ts';
import { withHelp } from '../help.ts';
import { readTokenFile } from '../token-file.ts';

export { summaryLine } from '../job-view.ts';

interface ServerArgs {
  server?: string;
  token?: string;
  tokenFile?: string;
}

const POLL_MS = 500;

export const jobsCommand = {
  command: 'jobs',
  describe: 'create, preview and follow jobs of the job service (wshed serve)',
  builder: (y: Argv) =>
    withHelp(y, 'jobs')
      .option('server', { type: 'string', describe: `the job service's URL (default $WSHED_SERVER or ${DEFAULT_PUMP_SERVER})` })
      .option('token', { type: 'string', describe: 'bearer token the service expects (default $WSHED_TOKEN)' })
      .option('token-file', { type: 'string', describe: 'read the token from this file (its first line), e.g. the service.tokenFile of the cluster\'s service' })
      .command(createCommand)
      .command(previewCommand)
      .command(getCommand)
      .command(listCommand)
      .command(cancelCommand)
      .command(resumeCommand)
      .command(replaysCommand)
      .command(runReplayCommand)
      .demandCommand(1, 'name an action: create, preview, get, list, cancel, resume, replays or run-replay'),
  handler: () => {},
};

const createCommand = {
  command: 'create',
  describe: 'create a job that runs SQL over the reservoirs and sends the rows to a stream',
  builder: (y: Argv) =>
    withHelp(y, 'jobs create')
      .option('query', { alias: 'q', type: 'string', demandOption: true, describe: 'the SQL whose rows the job sends' })
      .option('stream', { alias: 's', type: 'string', demandOption: true, describe: 'the stream the rows go to' })
      .option('replay', { alias: 'r', type: 'boolean', default: false, describe: 'add "replay": true to each record the job sends' })
      .option('overwrite', { alias: 'o', type: 'boolean', default: false, describe: 'add "overwrite": true to each record the job sends' })
      .option('partition-key-column', { type: 'string', describe: 'the column whose value is the partition key' })
      .option('raw-data-column', { type: 'string', describe: 'the column whose value is sent as the record data' })
      .option('progress', { alias: 'p', type: 'boolean', default: false, describe: 'follow the job until it completes' })
      .option('summary', { alias: 't', type: 'boolean', default: false, describe: 'print one summary line instead of the job JSON' }),
  handler: (argv: ServerArgs & { query: string; stream: string; replay: boolean; overwrite: boolean; partitionKeyColumn?: string; rawDataColumn?: string; progress: boolean; summary: boolean }) =>
    withClient(argv, async (client) => {
      const job = await client.createJob({
        queryIn: argv.query,
        streamOut: argv.stream,
        hasReplayFlag: argv.replay,
        hasOverwriteFlag: argv.overwrite,
        ...(argv.partitionKeyColumn !== undefined ? { partitionKeyColumn: argv.partitionKeyColumn } : {}),
        ...(argv.rawDataColumn !== undefined ? { rawDataColumn: argv.rawDataColumn } : {}),
      });
      return show(argv.progress ? await follow(client, job) : job, argv.summary);
    }),
};

const previewCommand = {
  command: 'preview',
  describe: "show the first rows a job's SQL would send, and how many there are",
  builder: (y: Argv) =>
    withHelp(y, 'jobs preview')
      .option('query', { alias: 'q', type: 'string', demandOption: true, describe: 'the SQL' })
      .option('count', { alias: 'n', type: 'number', default: 10, describe: 'rows to show' })
      .option('json', { type: 'boolean', default: false, describe: 'print the answer as JSON' }),
  handler: (argv: ServerArgs & { query: string; count: number; json: boolean }) =>
    withClient(argv, async (client) => {
      if (!(Number.isInteger(argv.count) && argv.count > 0)) throw new UsageError('-n takes a positive whole number');
      const preview = await client.preview(argv.query, argv.count);
      if (argv.json) return void process.stdout.write(JSON.stringify(preview, null, 2) + '\n');
      await printTable(preview.rows, preview.columns);
      const total = preview.count === null ? 'an uncounted number of' : `${preview.countIsLowerBound ? 'at least ' : ''}${formatCount(preview.count)}`;
      process.stderr.write(`${formatCount(preview.rows.length)} of ${total} ${noun(preview.count ?? 2, 'row')}\n`);
    }),
};

const getCommand = {
  command: 'get',
  describe: 'show one job (and follow it with -p)',
  builder: (y: Argv) =>
    withHelp(y, 'jobs get')
      .option('id', { type: 'string', demandOption: true, describe: 'the job id' })
      .option('progress', { alias: 'p', type: 'boolean', default: false, describe: 'follow the job until it completes' })
      .option('summary', { alias: 't', type: 'boolean', default: false, describe: 'print one summary line instead of the job JSON' }),
  handler: (argv: ServerArgs & { id: string; progress: boolean; summary: boolean }) =>
    withClient(argv, async (client) => {
      const job = await client.getJob(argv.id);
      return show(argv.progress ? await follow(client, job) : job, argv.summary);
    }),
};

const listCommand = {
  command: 'list',
  describe: 'show every job the service knows, as a table',
  builder: (y: Argv) =>
    withHelp(y, 'jobs list')
      .option('summary', { alias: 't', type: 'boolean', default: false, describe: 'one summary line a job instead of the table' })
      .option('json', { type: 'boolean', default: false, describe: 'the jobs as the service answers them (JSON)' }),
  handler: (argv: ServerArgs & { summary: boolean; json: boolean }) =>
    withClient(argv, async (client) => {
      const jobs = await client.listJobs();
      if (argv.json) return void process.stdout.write(JSON.stringify(jobs, null, 2) + '\n');
      process.stdout.write(argv.summary ? jobs.map((j) => summaryLine(j) + '\n').join('') : jobsTable(jobs));
    }),
};

/** A job id, as the positional (`cancel ID`) or as `--id ID` (as `get` takes it). */
const jobId = (y: Argv) =>
  y
    .positional('job', { type: 'string', describe: 'the job id' })
    .option('id', { type: 'string', describe: 'the job id (instead of the positional)' })
    .check((argv) => {
      if (typeof argv.job !== 'string' && typeof argv.id !== 'string') throw new UsageError('name the job: give its id (see wshed jobs list)');
      return true;
    });

const followOptions = (y: Argv) =>
  y
    .option('progress', { alias: 'p', type: 'boolean', default: false, describe: 'follow the job until it completes' })
    .option('summary', { alias: 't', type: 'boolean', default: false, describe: 'print one summary line instead of the job JSON' });

type JobArgs = ServerArgs & { job?: string; id?: string; progress: boolean; summary: boolean };

const cancelCommand = {
  command: 'cancel [job]',
  describe: 'cancel a queued or running job (it stops after its batch in flight and can be resumed)',
  builder: (y: Argv) => withHelp(jobId(y), 'jobs cancel').option('summary', { alias: 't', type: 'boolean', default: false, describe: 'print one summary line instead of the job JSON' }),
  handler: (argv: Omit<JobArgs, 'progress'>) => withClient(argv, async (client) => show(await client.cancelJob((argv.job ?? argv.id)!), argv.summary)),
};

const resumeCommand = {
  command: 'resume [job]',
  describe: 'resume a job that was cancelled, interrupted or failed: it continues where it stopped',
  builder: (y: Argv) => withHelp(followOptions(jobId(y)), 'jobs resume'),
  handler: (argv: JobArgs) =>
    withClient(argv, async (client) => {
      const job = await client.resumeJob((argv.job ?? argv.id)!);
      return show(argv.progress ? await follow(client, job) : job, argv.summary);
    }),
};

const replaysCommand = {
  command: 'replays',
  describe: "list the replays the served pipeline files declare (run one with 'wshed jobs run-replay NAME')",
  builder: (y: Argv) => withHelp(y, 'jobs replays').option('json', { type: 'boolean', default: false, describe: 'the replays as the service answers them (JSON)' }),
  handler: (argv: ServerArgs & { json: boolean }) =>
    withClient(argv, async (client) => {
      const replays = await client.listReplays();
      process.stdout.write(argv.json ? JSON.stringify(replays, null, 2) + '\n' : replaysTable(replays));
    }),
};

const runReplayCommand = {
  command: 'run-replay <name>',
  describe: 'run a replay a served pipeline file declares, as a job',
  builder: (y: Argv) => withHelp(followOptions(y.positional('name', { type: 'string', describe: "the replay's name (see wshed jobs replays)" })), 'jobs run-replay'),
  handler: (argv: ServerArgs & { name?: string; progress: boolean; summary: boolean }) =>
    withClient(argv, async (client) => {
      const job = await client.runReplay(argv.name!);
      return show(argv.progress ? await follow(client, job) : job, argv.summary);
    }),
};

/** The client for --server/--token (or the environment); service failures become one line. */
async function withClient(argv: ServerArgs, run: (client: PumpClient) => Promise<void>): Promise<void> {
  const server = argv.server ?? (process.env.WSHED_SERVER || DEFAULT_PUMP_SERVER);
  if (!/^https?:\/\/[^/]/.test(server)) throw new UsageError(`--server takes an http(s) URL such as ${DEFAULT_PUMP_SERVER} (got '${server}')`);
  if (argv.token !== undefined && argv.tokenFile !== undefined) throw new UsageError('give --token or --token-file, not both');
  const token = argv.tokenFile !== undefined ? readTokenFile(argv.tokenFile) : (argv.token ?? process.env.WSHED_TOKEN);
  const client = new PumpClient(server, { token });
  try {
    await run(client);
  } catch (e) {
    if (e instanceof PumpUnavailableError) return fail(e.message);
    if (e instanceof PumpHttpError) {
      if (e.status === 401 || e.status === 403) {
        return fail(`the job service refused the request (${e.status}: ${e.message}); pass its token with --token, --token-file or $WSHED_TOKEN`);
      }
      // A mistake in what was asked (bad SQL, unknown job) is the user's to fix: exit code 2.
      // The status goes on the first line: DuckDB's messages go on with the SQL and a caret under the error.
      if (e.status === 400 || e.status === 404 || e.status === 409 || e.status === 422) throw new UsageError(e.message.replace(/^[^\n]*/, (first) => `${first} (HTTP ${e.status})`));
      return fail(`the job service failed (HTTP ${e.status}): ${e.message}`);
    }
    throw e;
  }
}

function fail(line: string): void {
  process.stderr.write(`wshed: ${line}\n`);
  process.exitCode = EXIT.failed;
}

/** Polls the job every 500 ms with a progress bar (drawn only on terminals) until it completes. */
async function follow(client: PumpClient, job: PumpJob): Promise<PumpJob> {
  const bar = progressBar(`job ${job.jobId}`, { total: 0, extra: ' | {failed} failed' });
  try {
    return await client.waitForJob(job.jobId, {
      intervalMs: POLL_MS,
      onPoll: (j) => {
        bar.setTotal(j.successfulRecordCount + j.failureRecordCount + j.pendingRecordCount);
        bar.update(j.successfulRecordCount + j.failureRecordCount, { failed: j.failureRecordCount });
      },
    });
  } finally {
    bar.stop();
  }
}

/** Prints the job (JSON or summary line); a failed or interrupted job ends with exit code 1 (a cancelled one did what was asked). */
function show(job: PumpJob, summary: boolean): void {
  process.stdout.write(summary ? summaryLine(job) + '\n' : JSON.stringify(job, null, 2) + '\n');
  const stage = shownStage(job);
  if (stage === 'COMPLETED_ERROR') fail(`job ${job.jobId} failed: ${failure(job)}`);
  if (stage === 'INTERRUPTED') fail(`job ${job.jobId} was interrupted (the service stopped while it ran); resume it with 'wshed jobs resume ${job.jobId}'`);
}

/** Preview rows as the query command's table: columns from the rows' keys, nested values as JSON. */
async function printTable(rows: readonly unknown[], given: readonly string[] | undefined): Promise<void> {
  const objects = rows.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r));
  const names = !objects ? ['value'] : given && given.length > 0 ? [...given] : [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
  const cells = rows.map((r) => (objects ? names.map((k) => (r as Record<string, unknown>)[k]) : [r]));
  const columns: SqlColumn[] = names.map((name, i) => ({
    name,
    type: cells.every((c) => c[i] === null || c[i] === undefined || typeof c[i] === 'number') && cells.some((c) => typeof c[i] === 'number') ? 'DOUBLE' : 'VARCHAR',
  }));
  const writer = createRowWriter('table', columns, process.stdout);
  await writer.write(cells.map((c) => c.map(sqlValue)));
  await writer.end();
}

function sqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return { kind: 'json', text: JSON.stringify(v) };
}
