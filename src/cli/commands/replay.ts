// `wshed replay FILE NAME`: runs one replay of a pipeline (`wshed run` runs them all after
// archiving), bringing it up to date: a run emits only what entered the replay's slice since its
// last completed run. `--preview N` shows records exactly as they would be emitted, `--dry-run`
// counts; neither starts the local service nor creates a stream.

import type { Argv } from 'yargs';
import type { ArchiveStep, Plan, ReplayStep } from '../../compiler/plan/types.ts';
import type { ShardInfo, StreamService } from '../../runtime/kinesis/stream-service.ts';
import { isReplayError, parsePart, partShardIds, runReplay, type PartSpec, type ReplayOptions, type ReplaySummary } from '../../runtime/replay/index.ts';
import { declaredShards } from '../../runtime/replay/shard-router.ts';
import type { TargetRuntime } from '../../runtime/target/target-runtime.ts';
import { formatBytes, formatCount, formatDuration, formatPerSecond, plural } from '../../compiler/format-numbers.ts';
import { onInterrupt } from '../interrupt.ts';
import { UsageError } from '../io.ts';
import { progressBar } from '../progress.ts';
import { planFor, runtimeFor, targetConfig } from '../session.ts';
import { DEFAULT_TARGET, targetOptions } from './plan.ts';
import { withHelp } from '../help.ts';
import { terminalSafeJson } from '../../runtime/printable-text.ts';
import { SQL_ENGINES, type SqlEngineName } from '../../runtime/drill/engine-choice.ts';

export const replayCommand = {
  command: 'replay <file> [name]',
  describe: 'run one replay of a pipeline, bringing it up to date (or preview it, or count what it would send)',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'replay')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed)' })
      .positional('name', { type: 'string', describe: 'the replay (may be left out when the file has one)' })
      .option('preview', { type: 'number', describe: 'show the first N records exactly as they would be emitted; emit nothing' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'count what would be sent; emit nothing, start nothing' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue an interrupted run from its checkpoint, as it started' })
      .option('restart', { type: 'boolean', default: false, describe: 'abandon an interrupted run and start a new one with the file as it is now' })
      .option('again', { type: 'boolean', default: false, describe: 'replay the whole slice under a new id, even when up to date or changed' })
      .option('aggregate', { type: 'boolean', describe: 'KPL-aggregate emitted records (default: as the file says, on); --no-aggregate disables' })
      .option('part', { type: 'string', describe: 'run part i of N (i/N): only the records routed to the i-th of N groups of destination shards; see docs/replay-parts.md' })
      .option('engine', { choices: SQL_ENGINES, describe: "SQL engine reading the replay's source (default: duckdb on target local, drill on target aws)" })
      .option('drill-url', { type: 'string', describe: "Drill's REST address for --engine drill (default: the local scripts/drill.sh Drill; on aws the tunnel's port)" })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary (and preview records) as JSON' }),
  handler: async (argv: { file: string; name?: string; preview?: number; dryRun: boolean; resume: boolean; restart: boolean; again: boolean; aggregate?: boolean; part?: string; engine?: SqlEngineName; drillUrl?: string; target: 'local' | 'aws'; conf?: string; json: boolean }) => {
    if (argv.preview !== undefined && !(Number.isInteger(argv.preview) && argv.preview > 0)) throw new UsageError('--preview takes a positive whole number');
    if (argv.preview !== undefined && argv.dryRun) throw new UsageError('use --preview or --dry-run, not both');
    if (argv.resume && (argv.restart || argv.again)) throw new UsageError('--resume continues the unfinished run as it started; it cannot be combined with --restart or --again');
    if ((argv.preview !== undefined || argv.dryRun) && (argv.resume || argv.restart)) throw new UsageError('--preview and --dry-run send nothing: there is nothing to resume or restart');
    const part = argv.part === undefined ? null : parsePart(String(argv.part));
    if (typeof part === 'string') throw new UsageError(part);
    if (part && (argv.preview !== undefined || argv.dryRun)) throw new UsageError('--part splits a run that sends; --preview and --dry-run show the whole replay');
    const config = targetConfig(argv.target, argv.conf);
    const plan = planFor(argv.file, config);
    const step = pickReplay(plan, argv.file, argv.name);
    const sends = argv.preview === undefined && !argv.dryRun;
    const runtime = runtimeFor(config, { sql: { ...(argv.engine ? { engine: argv.engine } : {}), ...(argv.drillUrl !== undefined ? { drillUrl: argv.drillUrl } : {}) } });
    if (argv.drillUrl !== undefined && runtime.sql.engine !== 'drill') throw new UsageError('--drill-url is for --engine drill');
    // Looking changes nothing: no service is started, no stream created.
    const streams = await runtime.streams({ start: sends });
    try {
      // More parts than destination shards is refused before anything is created or sent.
      if (part) checkPartCount(part, step, plan, await streams.describeStream(step.into) ? await streams.listShards(step.into) : null);
      let destinationShards: readonly ShardInfo[] | undefined;
      for (const s of plan.steps) {
        if (s.kind !== 'stream' || (s.name !== step.stream && s.name !== step.into)) continue;
        if (sends) {
          const r = await runtime.provisioner.apply(s, plan);
          if (r.outcome === 'created') process.stderr.write(`created stream ${s.name} (${plural(s.shards, 'shard')})\n`);
        } else if (s.name === step.into && !(await streams.describeStream(s.name))) {
          destinationShards = declaredShards(s.shards);
          process.stderr.write(`note: stream ${s.name} does not exist yet; 'wshed replay' or 'wshed run' would create it (${plural(s.shards, 'shard')}), and the counts route as if it had\n`);
        }
      }
      await replayWithProgress(step, streams, plan, runtime, {
        json: argv.json,
        preview: argv.preview,
        dryRun: argv.dryRun,
        resume: argv.resume,
        restart: argv.restart,
        again: argv.again,
        aggregate: argv.aggregate,
        ...(part ? { part } : {}),
        file: argv.file,
        via: 'replay',
        // Repeated in the commands the hints print, so that they run on the same target.
        flags: [...(argv.target !== DEFAULT_TARGET ? ['--target', argv.target] : []), ...(argv.conf !== undefined ? ['--conf', argv.conf] : []), ...(argv.engine ? ['--engine', argv.engine] : []), ...(argv.drillUrl !== undefined ? ['--drill-url', argv.drillUrl] : [])],
        ...(destinationShards ? { destinationShards } : {}),
      });
    } finally {
      streams.close();
      runtime.provisioner.close();
    }
  },
};

/** Part i/N needs N groups of destination shards: the stream's open shards, or those it will be created with. */
function checkPartCount(part: PartSpec, step: ReplayStep, plan: Plan, live: readonly ShardInfo[] | null): void {
  const declared = plan.steps.find((s) => s.kind === 'stream' && s.name === step.into);
  const shards = live ?? (declared && declared.kind === 'stream' ? declaredShards(declared.shards) : []);
  partShardIds(shards, part, step.into);
}

function pickReplay(plan: Plan, file: string, name: string | undefined): ReplayStep {
  const replays = plan.steps.filter((s): s is ReplayStep => s.kind === 'replay');
  if (!name && replays.length === 1) return replays[0];
  const found = replays.find((r) => r.name === name);
  if (found) return found;
  const names = replays.map((r) => r.name).join(', ') || 'none';
  throw new UsageError(name ? `${file} has no replay '${name}' (it has: ${names})` : `${file} has several replays; name one: ${names}`);
}

export interface ReplayRunOptions {
  readonly json: boolean;
  readonly preview?: number;
  readonly dryRun?: boolean;
  readonly resume?: boolean;
  readonly restart?: boolean;
  readonly again?: boolean;
  readonly aggregate?: boolean;
  /** The pipeline file and the command, for hints that name commands that work. */
  readonly file: string;
  readonly via: 'replay' | 'run';
  /** Options the printed commands repeat (`--target aws`, `--conf F`, `--engine E`). */
  readonly flags?: readonly string[];
  /** `wshed run` resumes unfinished replays by itself. */
  readonly resumeUnfinished?: boolean;
  /** Stops after the batch in flight (Ctrl-C); without it the command installs its own handler. */
  readonly signal?: AbortSignal;
  /** The destination's shards when it does not exist yet (dry run). */
  readonly destinationShards?: readonly ShardInfo[];
  /** Part i/N of a split run (`--part`). */
  readonly part?: PartSpec;
}

/** Runs one replay step with a progress bar and prints its summary. */
export async function replayWithProgress(step: ReplayStep, streams: StreamService, plan: Plan, runtime: TargetRuntime, o: ReplayRunOptions): Promise<ReplaySummary> {
  const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir);
  const reservoir = archive && archive.via === 'archiver' ? runtime.store(archive.reservoir, archive.location) : null;
  // The parts of a split run agree beside the reservoir, whoever writes its files.
  const partsStore = o.part && archive ? (reservoir ?? runtime.store(archive.reservoir, archive.location)) : undefined;
  if (o.part && !partsStore) throw new UsageError(`--part needs the reservoir of replay '${step.name}' to be archived by this pipeline, where its parts agree on the run`);
  // The checkpoint's place is the target's: the home locally, beside the source reservoir on aws.
  const source = archive ? (reservoir ?? runtime.store(archive.reservoir, archive.location)) : null;
  const checkpoints = runtime.replayCheckpoints(source);
  const sends = o.preview === undefined && !o.dryRun;
  const bar = o.preview === undefined ? progressBar(`replay ${step.name}`, { phase: 'reading the stream tips', extra: sends ? ' | {emitted} emitted, {retried} retried' : ' | {bytes}' }) : null;
  // The destination makes one attempt per call: the replay retries by itself, counting each one.
  const destination = sends ? await runtime.streams({ maxAttempts: 1 }) : undefined;
  const interrupt = sends && !o.signal ? onInterrupt(`replay ${step.name}`) : null;
  const signal = o.signal ?? interrupt?.signal;
  const options: ReplayOptions = {
    ...(o.preview !== undefined ? { preview: o.preview } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.resume ? { resume: true } : {}),
    ...(o.restart ? { restart: true } : {}),
    ...(o.again ? { again: true } : {}),
    ...(o.resumeUnfinished ? { resumeUnfinished: true } : {}),
    ...(o.aggregate !== undefined ? { aggregate: o.aggregate } : {}),
    ...(o.part ? { part: o.part } : {}),
    ...(signal ? { signal } : {}),
    compiledAt: plan.now,
    invokedAs: { file: o.file, command: o.via, ...(o.flags?.length ? { flags: o.flags } : {}) },
    onNotice: (text) => {
      bar?.setPhase(null);
      process.stderr.write(`note: ${text}\n`);
    },
    // Only a drawn bar needs the total, which costs a second pass of the query.
    onProgress: bar?.shown
      ? (p) => {
          if (p.total !== null) bar!.setTotal(p.total);
          if (p.phase === 'query') bar!.setPhase('running the query');
          bar!.update(p.position, { emitted: p.emitted, retried: p.retried, bytes: formatBytes(p.bytes) });
        }
      : undefined,
  };
  let summary: ReplaySummary;
  try {
    summary = await runReplay(
      step,
      {
        streams,
        ...(destination ? { destination } : {}),
        ...(o.destinationShards ? { destinationShards: o.destinationShards } : {}),
        reservoir,
        sql: runtime,
        plan,
        home: runtime.home,
        checkpoints,
        ...(partsStore ? { partsStore } : {}),
        duckdb: runtime.duckdb,
        maxRetries: runtime.emit.maxRetries,
      },
      options,
    );
  } finally {
    bar?.stop();
    interrupt?.dispose();
    destination?.close();
  }
  printReplay(summary, o);
  return summary;
}

/** `wshed run` skips a replay whose definition changed (WS761) and goes on with the others. */
export function isChangedReplay(err: unknown): boolean {
  return isReplayError(err, 'WS761');
}

function printReplay(s: ReplaySummary, o: ReplayRunOptions): void {
  if (o.json) {
    process.stdout.write(JSON.stringify({ kind: 'replay', ...s }) + '\n');
    return;
  }
  if (s.mode === 'preview') {
    // The data is JSON text from producers: written so that nothing in it drives the terminal.
    for (const r of s.preview ?? []) process.stdout.write(`${r.shardId}  key=${terminalSafeJson(JSON.stringify(r.partitionKey))}  ${terminalSafeJson(r.data)}\n`);
    const since = s.upToDateFrom ? `, what entered its slice since run ${s.upToDateFrom.replayId}` : '';
    process.stdout.write(`(preview of replay '${s.replay}' into ${s.into}${since}: ${plural(s.preview?.length ?? 0, 'record')} shown, nothing emitted)\n`);
    return;
  }
  const flags = o.flags?.length ? ` ${o.flags.join(' ')}` : '';
  const again = o.via === 'run' ? `wshed run ${o.file}${flags} --replay-again` : `wshed replay ${o.file} ${s.replay}${flags} --again`;
  if (s.upToDate) {
    process.stdout.write(
      `replay ${s.replay}: up to date: nothing entered its slice since run ${s.upToDateFrom!.replayId} (completed ${s.upToDateFrom!.completedAt}); ${s.mode === 'dry-run' ? 'a run would send nothing' : 'nothing sent'} (to replay it in full: ${again})\n`,
    );
    return;
  }
  if (s.mode === 'emit' && s.emitted === 0 && s.resumedFrom === null && !(s.part && s.part.otherParts > 0)) {
    process.stdout.write(`replay ${s.replay}: nothing to replay: its slice is empty${s.pastWatermark ? ` (${plural(s.pastWatermark, 'record')} past the watermark left to the live stream)` : ''}\n`);
    return;
  }
  const delivered = s.mode === 'dry-run' ? s.kinesisRecords : s.emitted;
  const head =
    s.mode === 'dry-run'
      ? `would send ${plural(s.records - s.pastWatermark - s.alreadyReplayed, 'record')} as ${plural(s.kinesisRecords, 'Kinesis record')} (${formatBytes(s.bytes)}) into ${s.into}; nothing emitted`
      : `emitted ${plural(s.emitted, 'record')} into ${s.into} as ${plural(s.kinesisRecords, 'Kinesis record')} (${formatBytes(s.bytes)}) in ${formatDuration(s.durationMs)} (${formatPerSecond(s.ratePerSecond)}${limitText(s)})`;
  const parts = [head];
  if (delivered > 0 && s.upToDateFrom) parts.push(`brought up to date since run ${s.upToDateFrom.replayId} (${plural(s.alreadyReplayed, 'record')} of the slice replayed then)`);
  if (s.retried) parts.push(`${formatCount(s.retried)} retried`);
  if (s.duplicatesPossible) parts.push(`at most ${plural(s.duplicatesPossible, 'possible duplicate')}`);
  if (s.nonObjectRecords) parts.push(`${formatCount(s.nonObjectRecords)} not JSON objects, sent unchanged`);
  if (s.partitionKeyFallbacks) parts.push(`${formatCount(s.partitionKeyFallbacks)} kept their original partition key`);
  if (s.pastWatermark) parts.push(`${formatCount(s.pastWatermark)} past the watermark left to the live stream`);
  if (s.resumedFrom !== null) parts.push(`resumed after row ${formatCount(s.resumedFrom)}`);
  const split = s.part ? ` part ${s.part.index}/${s.part.count} (${plural(s.part.shards.length, 'shard')}: ${s.part.shards.join(', ')})` : '';
  if (s.part && s.part.otherParts > 0) parts.push(`${formatCount(s.part.otherParts)} for the other parts' shards`);
  process.stdout.write(`replay ${s.replay}${split} (${s.replayId}): ${parts.join(', ')}\n`);
}

/** What held the rate down: the longest wait. */
function limitText(s: ReplaySummary): string {
  const top = s.limitedBy[0];
  if (!top) return ', not rate-limited';
  switch (top.by) {
    case 'rate':
      return `, limited by the rate clause, ${formatPerSecond(top.value)}`;
    case 'shard-budget':
      return `, limited by the destination's shard budget, ${formatPerSecond(top.value)} per shard`;
    case 'throttling':
      return `, slowed by throttling (${plural(top.value, 'throttled attempt')})`;
  }
}
