// `wshed run FILE`: executes the plan on the local target, step by step in plan order:
// provisioning (service, streams, reservoir folders), archive catch-up, then replays.

import type { Argv } from 'yargs';
import type { Plan, PlanStep } from '../../compiler/plan/types.ts';
import type { LocalTargetConfig } from '../../compiler/target-config.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import { runReservoirFolderStep, runStreamStep } from '../../runtime/steps.ts';
import { UsageError } from '../io.ts';
import { archiveWithProgress, printArchive } from './archive.ts';
import { replayWithProgress } from './replay.ts';
import { connect, runnablePlan } from '../session.ts';

export const runCommand = {
  command: 'run <file>',
  describe: 'do what the plan says: provision, archive, replay',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .option('target', { choices: ['local'] as const, default: 'local' as const, describe: 'where to run (aws: see docs)' })
      .option('accept-data-loss', { type: 'boolean', default: false, describe: 'archive what streams still hold even if records may be missing since the checkpoint' })
      .option('conf', { type: 'string' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON summaries, one a step' }),
  handler: async (argv: { file: string; acceptDataLoss: boolean; conf?: string; json: boolean }) => {
    // FILE is a .wshed file, or a plan saved by `wshed plan --out`, applied as saved.
    const { plan, config } = runnablePlan(argv.file, argv.conf);
    await executePlan(plan, config, { file: plan.pipeline, json: argv.json, acceptDataLoss: argv.acceptDataLoss });
  },
};

export interface ExecuteOptions {
  readonly file: string;
  readonly json: boolean;
  readonly acceptDataLoss: boolean;
  /** Only these step kinds (default: all). */
  readonly kinds?: readonly PlanStep['kind'][];
}

/** Runs a local plan's steps in order, printing one line a step (or JSON), then a summary. */
export async function executePlan(plan: Plan, config: LocalTargetConfig, options: ExecuteOptions): Promise<void> {
  const say = (step: PlanStep, text: string, data: Record<string, unknown> = {}) =>
    process.stdout.write(options.json ? JSON.stringify({ step: step.id, kind: step.kind, ...data }) + '\n' : `${marker(step)} ${step.id}: ${text}\n`);
  let streams: StreamService | null = null;
  const started = Date.now();
  const done: Record<string, number> = {};
  try {
    for (const step of plan.steps) {
      if (options.kinds && !options.kinds.includes(step.kind)) continue;
      switch (step.kind) {
        case 'local-service':
          streams = await connect(config, { start: true });
          say(step, 'running');
          break;
        case 'stream': {
          const r = await runStreamStep(step, need(streams));
          say(step, [r.outcome, ...r.notes].join('; '), { outcome: r.outcome, notes: r.notes });
          break;
        }
        case 'reservoir-folder': {
          const r = await runReservoirFolderStep(step);
          say(step, r.created ? `created ${r.path}` : 'exists', { created: r.created, path: r.path });
          break;
        }
        case 'archive':
          if (!options.json) process.stdout.write(`${marker(step)} ${step.id}: `);
          printArchive(await archiveWithProgress(step, need(streams), options.acceptDataLoss), options.json);
          break;
        case 'replay':
          if (!options.json) process.stdout.write(`${marker(step)} ${step.id}: `);
          await replayWithProgress(step, need(streams), plan, config, { json: options.json });
          break;
        case 'reservoir-views':
        case 'query':
          // Read-only steps: views are defined and queries run by `wshed query`.
          if (step.kind === 'query') say(step, `saved; run it with: wshed query ${options.file} --name ${step.name}`);
          break;
        default:
          throw new UsageError(`step ${step.id} (${step.kind}) cannot run on the local target`);
      }
      done[step.kind] = (done[step.kind] ?? 0) + 1;
    }
  } finally {
    streams?.close();
  }
  if (!options.json) {
    const ran = (done['archive'] ?? 0) + (done['replay'] ?? 0);
    process.stdout.write(`Run complete in ${((Date.now() - started) / 1000).toFixed(1)} s: ${(done['stream'] ?? 0) + (done['reservoir-folder'] ?? 0)} provisioned, ${ran} run.\n`);
  }
}

function marker(step: PlanStep): string {
  return { create: '+', run: '~', read: '=', destroy: '-' }[step.action];
}

function need(streams: StreamService | null): StreamService {
  if (!streams) throw new Error('bug: the plan has no local-service step before the first stream step');
  return streams;
}
