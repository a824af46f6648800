// The examples and exit codes of every command's --help, in one table so they read alike and a
// test can check each command has them. Options and positionals are described where declared.

import type { CommandHelp } from './help.ts';

const COMPILE_EXITS = { 2: 'invalid input: a flag, a missing file, or a pipeline with errors (nothing was done)' };
const JOB_EXITS = { 1: 'the job service could not be reached, or the job failed', 2: 'the service refused the request (bad SQL, unknown job or stream)' };

export const COMMAND_HELP = {
  plan: {
    examples: [
      ['wshed plan nightly.wshed', 'what `wshed run` would do, step by step, against what exists'],
      ['wshed plan nightly.wshed --sql', 'the same with every step\'s SQL'],
      ['wshed plan nightly.wshed --out plan.json', 'save it with the live state it saw: `wshed run plan.json` applies it, or refuses it if that state changed'],
    ],
    exits: { 0: 'the plan was shown (the offline one, said on stderr, when the target could not be read)', 1: 'the live state could not be read and --live-only was given', ...COMPILE_EXITS },
  },
  validate: {
    examples: [
      ['wshed validate *.wshed', 'check every pipeline file (for CI)'],
      ['wshed validate aws.wshed --target aws', 'check a file for the AWS target'],
    ],
    exits: { 0: 'every file is valid', 2: 'a file has errors (they are printed), or a flag is invalid' },
  },
  fmt: {
    examples: [
      ['wshed fmt *.wshed', 'rewrite the files in canonical form, comments kept'],
      ['wshed fmt --check *.wshed', 'change nothing; print the diff of each file that is not formatted'],
    ],
    exits: { 0: 'every file is formatted (or was rewritten)', 1: 'with --check: a file is not formatted (its diff is printed)', 2: 'a file has errors and was left alone' },
  },
  run: {
    examples: [
      ['wshed run nightly.wshed', 'provision, archive, then bring every replay up to date'],
      ['wshed run plan.json', 'apply a plan saved by `wshed plan --out plan.json`, as saved'],
      ['wshed run nightly.wshed --json', 'one JSON summary a step, for scripts'],
    ],
    exits: { 0: 'every step ran', 1: 'a step failed (the service, the disk, records lost past retention, an interruption), or a saved plan is stale (nothing ran)', ...COMPILE_EXITS },
  },
  archive: {
    examples: [
      ['wshed archive nightly.wshed', "archive every reservoir's stream up to its tip"],
      ['wshed archive nightly.wshed orders_archive', 'only this reservoir'],
    ],
    exits: { 0: 'archived', 1: 'the archive failed or stopped (records missing past retention, the service gone, an interruption)', ...COMPILE_EXITS },
  },
  query: {
    examples: [
      ['wshed query nightly.wshed "SELECT * FROM orders"', 'SQL over the reservoir orders: archive + live'],
      ['wshed query nightly.wshed --name revenue', 'the saved query revenue'],
      ['wshed query nightly.wshed "DESCRIBE orders"', "a reservoir view's columns"],
    ],
    exits: { 0: 'the rows were printed', 1: 'the SQL failed (DuckDB\'s message is printed)', ...COMPILE_EXITS },
  },
  replay: {
    examples: [
      ['wshed replay nightly.wshed latest', 'bring the replay named latest up to date'],
      ['wshed replay nightly.wshed latest --preview 5', 'the first 5 records exactly as they would be emitted'],
      ['wshed replay nightly.wshed latest --part 1/4', 'part 1 of 4 of one run (start 2/4, 3/4, 4/4 beside it, on any machine)'],
    ],
    exits: { 0: 'replayed (or up to date)', 1: 'the replay failed or was interrupted (the command that resumes it is printed)', ...COMPILE_EXITS },
  },
  local: {
    examples: [
      ['wshed local start --port 0', 'start the service on a free port'],
      ['wshed local status', 'is it running, and where?'],
      ['wshed local stop', 'stop it; the data stays'],
    ],
  },
  'local start': {
    examples: [
      ['wshed local start', 'start it on the configured port (4567)'],
      ['wshed local start --port 0', 'start it on a free port'],
    ],
    exits: { 0: 'started, or already running', 1: 'it did not start (WS704: the port is in use)' },
  },
  'local stop': {
    examples: [
      ['wshed local stop', 'stop the service of ./.wshed (or $WSHED_HOME)'],
      ['wshed local stop --json', 'the same, with a JSON summary'],
    ],
  },
  'local status': {
    examples: [
      ['wshed local status', 'one line: running on 127.0.0.1:PORT (pid, since, streams), or not running'],
      ['wshed local status --json', 'as JSON; in scripts, exit code 0 only when it runs'],
    ],
    exits: { 0: 'the service is running', 1: 'the service is not running' },
  },
  put: {
    examples: [
      ['wshed put orders o.ndjson --pipeline nightly.wshed', 'JSON lines, keyed by the key the pipeline declares'],
      ['cat o.ndjson | wshed put orders --key order_id', 'from standard input, keyed by a field'],
      ['wshed put orders events.txt --raw', 'every line as it is, JSON or not'],
    ],
    exits: { 0: 'every record was sent', 1: 'sending failed (the service, retries exhausted)', 2: 'a bad line (its number is printed) or flag; nothing was sent' },
  },
  tail: {
    examples: [
      ['wshed tail orders --from trim-horizon --limit 10', 'the ten oldest records, data only'],
      ["wshed tail orders -f '%p %o %k: %s\\n'", 'shard, sequence number, key and data of each new record, as kcat -f does'],
      ['wshed tail orders --json --limit 1', 'one record as JSON: metadata, and data as JSON, text or base64'],
    ],
    exits: { 0: 'stopped at --limit or by Ctrl-C', 1: 'reading failed (the service is not running)', 2: 'invalid input (an unknown stream, a bad flag)' },
  },
  serve: {
    examples: [
      ['wshed serve nightly.wshed', 'the job service and its page on http://127.0.0.1:8080'],
      ['wshed serve nightly.wshed --target aws', "jobs run on the cluster's Drill (through the tunnel)"],
      ['wshed serve nightly.wshed --host 0.0.0.0 --token T', 'on every interface, with a token (16+ characters)'],
    ],
    exits: { 0: 'stopped by Ctrl-C or SIGTERM', 1: 'the service failed', 2: 'invalid input (a flag, a weak token, the port in use, a pipeline with errors)' },
  },
  demo: {
    examples: [
      ['wshed demo', 'the main job end to end on the embedded default (about 15 s)'],
      ['wshed demo --events 100000', 'the same with more order events'],
    ],
    exits: { 0: 'the demo ran', 1: 'a step failed' },
  },
  jobs: {
    examples: [
      ['wshed jobs create -q "SELECT * FROM o" -s out -p', 'create a job and follow its progress'],
      ['wshed jobs list -t', 'one summary line a job'],
      ['wshed jobs get --id ID -t --server URL', 'one job of another service, as one line'],
    ],
    exits: JOB_EXITS,
  },
  'jobs create': {
    examples: [
      ['wshed jobs create -q "SELECT * FROM o" -s out', 'send the rows of the SQL to the stream out'],
      ['wshed jobs create -q "$SQL" -s out -r -o -p', 'add "replay": true and "overwrite": true to each record, and follow the job'],
    ],
    exits: JOB_EXITS,
  },
  'jobs preview': {
    examples: [
      ['wshed jobs preview -q "SELECT * FROM o" -n 5', 'the first 5 rows a job would send'],
      ['wshed jobs preview -q "SELECT * FROM o" --json', 'the answer as JSON'],
    ],
    exits: JOB_EXITS,
  },
  'jobs get': {
    examples: [
      ['wshed jobs get --id ID', 'the job as JSON'],
      ['wshed jobs get --id ID -p -t', 'follow it to the end, then one summary line'],
    ],
    exits: JOB_EXITS,
  },
  'jobs list': {
    examples: [
      ['wshed jobs list', 'every job the service knows, as a table'],
      ['wshed jobs list -t', 'one summary line a job'],
      ['wshed jobs list --json', 'the jobs as the service answers them'],
    ],
    exits: JOB_EXITS,
  },
  'jobs cancel': {
    examples: [
      ['wshed jobs cancel ID', 'stop a job after its batch in flight (it can be resumed)'],
      ['wshed jobs cancel ID -t', 'and print its summary line'],
    ],
    exits: JOB_EXITS,
  },
  'jobs resume': {
    examples: [
      ['wshed jobs resume ID', 'continue a cancelled or interrupted job from where it stopped'],
      ['wshed jobs resume ID -p -t', 'and follow it, then one summary line'],
    ],
    exits: JOB_EXITS,
  },
  'jobs replays': {
    examples: [
      ['wshed jobs replays', "the served files' declared replays"],
      ['wshed jobs replays --json', 'as JSON'],
    ],
    exits: JOB_EXITS,
  },
  'jobs run-replay': {
    examples: [
      ['wshed jobs run-replay latest_orders', 'run a declared replay as a job'],
      ['wshed jobs run-replay latest_orders -p', 'and follow it'],
    ],
    exits: JOB_EXITS,
  },
  cluster: {
    examples: [
      ['wshed cluster up o.wshed', 'upload, launch, wait and configure'],
      ['wshed cluster status', "the clusters watershed launched that are running (they cost money)"],
      ['wshed cluster terminate o.wshed', "terminate the pipeline's cluster"],
    ],
    exits: { 0: 'the action succeeded', 1: 'it failed (a WS83x code says why)', ...COMPILE_EXITS },
  },
  'cluster upload': {
    examples: [
      ['wshed cluster upload orders.wshed', 'install-drill.sh and the plugin configuration to s3://BUCKET/RESOURCES_PREFIX'],
      ['wshed cluster upload o.wshed --conf p.json', 'into the bucket p.json names'],
    ],
    exits: { 0: 'uploaded', 1: 'S3 refused (WS833)', ...COMPILE_EXITS },
  },
  'cluster launch': {
    examples: [
      ['wshed cluster launch o.wshed', 'launch, or reuse the running one'],
      ['wshed cluster launch o.wshed --conf p.json', 'with the settings of p.json'],
    ],
    exits: { 0: 'launched or reused', 1: 'roles missing (WS830) or EMR refused (WS833)', ...COMPILE_EXITS },
  },
  'cluster wait': {
    examples: [
      ['wshed cluster wait orders.wshed', 'poll until WAITING, with state and elapsed time'],
      ['wshed cluster wait orders.wshed --poll 60', 'ask EMR once a minute'],
    ],
    exits: { 0: 'the cluster is ready', 1: 'it failed (WS831, with the reason), took too long (WS832) or none runs (WS834)', ...COMPILE_EXITS },
  },
  'cluster forward': {
    examples: [
      ['wshed cluster forward o.wshed', 'Drill on :8047, Hive on :10000, jobs on :8080'],
      ['wshed cluster forward o.wshed --terminate-on-exit', 'and terminate on close'],
    ],
    exits: { 0: 'closed by Ctrl-C', 1: 'a changed host key (WS836), no connection (WS837), a busy port (WS839)', ...COMPILE_EXITS },
  },
  'cluster configure': {
    examples: [
      ['wshed cluster configure orders.wshed', 'Drill plugins, Hive tables over the streams, <stream>_stream views'],
      ['wshed cluster configure o.wshed --conf p.json', 'with the settings of p.json'],
    ],
    exits: { 0: 'configured', 1: 'Drill (WS840) or Hive (WS841) refused; their message is printed', ...COMPILE_EXITS },
  },
  'cluster terminate': {
    examples: [
      ['wshed cluster terminate orders.wshed', "TerminateJobFlows on this pipeline's running cluster"],
      ['wshed cluster status', 'then check that none is left running'],
    ],
    exits: { 0: 'terminating, or nothing was running', 1: 'EMR refused (WS833)', ...COMPILE_EXITS },
  },
  'cluster up': {
    examples: [
      ['wshed cluster up o.wshed', 'from nothing to ready to query'],
      ['wshed cluster up o.wshed --poll 60', 'polling EMR once a minute'],
    ],
    exits: { 0: 'ready', 1: 'a step failed (its code says which)', ...COMPILE_EXITS },
  },
  'cluster status': {
    examples: [
      ['wshed cluster status', 'one line a running cluster: id, state, name, pipeline, since, address'],
      ['wshed cluster status --json', 'as JSON'],
    ],
    exits: { 0: 'listed (none running included)', 1: 'EMR refused (WS833)' },
  },
} as const satisfies Record<string, CommandHelp>;

export type HelpedCommand = keyof typeof COMMAND_HELP;
