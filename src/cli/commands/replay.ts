// `wshed replay FILE NAME`: runs one replay of a pipeline (`wshed run` runs them all after
// archiving); `--preview N` shows records exactly as they would be emitted, `--dry-run` counts.

import type { Argv } from 'yargs';
import type { ArchiveStep, Plan, ReplayStep } from '../../compiler/plan/types.ts';
import type { LocalTargetConfig } from '../../compiler/target-config.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import { runReplay, type ReplaySummary } from '../../runtime/replay/index.ts';
import { openReservoirStore } from '../../runtime/reservoir/open-store.ts';
import { runStreamStep } from '../../runtime/steps.ts';
import { createStreamService } from '../../runtime/kinesis/aws-stream-service.ts';
import { localServiceEndpoint } from '../../runtime/local/service.ts';
import { UsageError } from '../io.ts';
import { formatMs, progressBar } from '../progress.ts';
import { connect, homeOf, localConfig, planFor } from '../session.ts';

export const replayCommand = {
  command: 'replay <file> [name]',
  describe: 'run one replay of a pipeline (preview it, or count what it would send)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .positional('name', { type: 'string', describe: 'the replay (may be left out when the file has one)' })
      .option('preview', { type: 'number', describe: 'show the first N records exactly as they would be emitted; emit nothing' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'count what would be sent; emit nothing' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue an interrupted run from its checkpoint' })
      .option('aggregate', { type: 'boolean', describe: 'KPL-aggregate emitted records (default: as the file says, on); --no-aggregate disables' })
      .option('conf', { type: 'string' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary (and preview records) as JSON' }),
  handler: async (argv: { file: string; name?: string; preview?: number; dryRun: boolean; resume: boolean; aggregate?: boolean; conf?: string; json: boolean }) => {
    if (argv.preview !== undefined && !(Number.isInteger(argv.preview) && argv.preview > 0)) throw new UsageError('--preview takes a positive whole number');
    if (argv.preview !== undefined && argv.dryRun) throw new UsageError('use --preview or --dry-run, not both');
    const config = localConfig(argv.conf);
    const plan = planFor(argv.file, config);
    const step = pickReplay(plan, argv.file, argv.name);
    const streams = await connect(config, { start: true });
    try {
      // The replay's own streams are provisioned as `wshed run` would (created when absent).
      for (const s of plan.steps) if (s.kind === 'stream' && (s.name === step.stream || s.name === step.into)) await runStreamStep(s, streams);
      await replayWithProgress(step, streams, plan, config, { json: argv.json, preview: argv.preview, dryRun: argv.dryRun, resume: argv.resume, aggregate: argv.aggregate });
    } finally {
      streams.close();
    }
  },
};

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
  readonly aggregate?: boolean;
}

/** Runs one replay step with a progress bar and prints its summary. */
export async function replayWithProgress(step: ReplayStep, streams: StreamService, plan: Plan, config: LocalTargetConfig, o: ReplayRunOptions): Promise<ReplaySummary> {
  const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir);
  const reservoir = archive && archive.via === 'archiver' ? openReservoirStore(archive.reservoir, archive.location, process.cwd()) : null;
  const bar = o.preview === undefined ? progressBar(`replay ${step.name}`, { total: 0, extra: ' | {emitted} emitted, {retried} retried' }) : null;
  // The destination makes one attempt per call: the replay retries by itself, counting each one.
  const destination = createStreamService(await localServiceEndpoint(homeOf(config)), { maxAttempts: 1 });
  let summary: ReplaySummary;
  try {
    summary = await runReplay(
      step,
      { streams, destination, reservoir, home: homeOf(config), duckdb: config.duckdb, maxRetries: config.replay.maxRetries },
      {
        preview: o.preview,
        dryRun: o.dryRun,
        resume: o.resume,
        aggregate: o.aggregate,
        onProgress: bar
          ? (p) => {
              if (p.total !== null) bar.setTotal(p.total);
              bar.update(p.position, { emitted: p.emitted, retried: p.retried });
            }
          : undefined,
      },
    );
  } finally {
    bar?.stop();
    destination.close();
  }
  printReplay(summary, o.json);
  return summary;
}

function printReplay(s: ReplaySummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ kind: 'replay', ...s }) + '\n');
    return;
  }
  if (s.mode === 'preview') {
    for (const r of s.preview ?? []) process.stdout.write(`${r.shardId}  key=${JSON.stringify(r.partitionKey)}  ${r.data}\n`);
    process.stdout.write(`(preview of replay '${s.replay}' into ${s.into}: ${s.preview?.length ?? 0} records shown, nothing emitted)\n`);
    return;
  }
  const parts = [
    s.mode === 'dry-run' ? `would send ${s.records} records as ${s.kinesisRecords} Kinesis records (${s.bytes} bytes) into ${s.into}; nothing emitted` : `emitted ${s.emitted} records into ${s.into} as ${s.kinesisRecords} Kinesis records in ${formatMs(s.durationMs)} (${Math.round(s.ratePerSecond)} records/s)`,
  ];
  if (s.retried) parts.push(`${s.retried} retried`);
  if (s.duplicatesPossible) parts.push(`at most ${s.duplicatesPossible} possible duplicates`);
  if (s.nonObjectRecords) parts.push(`${s.nonObjectRecords} not JSON objects, sent unchanged`);
  if (s.partitionKeyFallbacks) parts.push(`${s.partitionKeyFallbacks} kept their original partition key`);
  if (s.pastWatermark) parts.push(`${s.pastWatermark} past the watermark left to the live stream`);
  if (s.resumedFrom !== null) parts.push(`resumed after ${s.resumedFrom}`);
  process.stdout.write(`replay ${s.replay} (${s.replayId}): ${parts.join(', ')}\n`);
}
