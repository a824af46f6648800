// `wshed run FILE`: executes the plan on the local target, step by step in plan order:
// provisioning (service, streams, reservoir folders), archive catch-up, then replays, each brought
// up to date like an incremental build (see the README's replay semantics). Ctrl-C stops after the
// batch in flight and prints the command that goes on.

import type { Argv } from 'yargs';
import type { Plan, PlanStep } from '../../compiler/plan/types.ts';
import type { LocalTargetConfig } from '../../compiler/target-config.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import { runReservoirFolderStep, runStreamStep } from '../../runtime/steps.ts';
import { UsageError } from '../io.ts';
import { onInterrupt } from '../interrupt.ts';
import { archiveWithProgress, printArchive } from './archive.ts';
import { isChangedReplay, replayWithProgress } from './replay.ts';
import type { RuntimeError } from '../../runtime/runtime-error.ts';
import { connect, runnablePlan } from '../session.ts';
import { formatCount, formatDuration } from '../format-numbers.ts';
import { withHelp } from '../help.ts';

export const runCommand = {
  command: 'run <file>',
  describe: 'do what the plan says: provision, archive, replay',
  builder: (y: Argv) =>
    withHelp(y, 'run')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed), or a plan saved by `wshed plan --out` (.json)' })
      .option('target', { choices: ['local'] as const, default: 'local' as const, describe: 'where to run (aws: see docs)' })
      .option('accept-data-loss', { type: 'boolean', default: false, describe: 'archive what streams still hold even if records may be missing since the checkpoint' })
      .option('replay-again', { type: 'boolean', default: false, describe: 'replay every replay in full under a new id, even one that is up to date or changed' })
      .option('conf', { type: 'string', describe: 'JSON file overriding the target settings in conf/local.json' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON summaries, one a step' }),
  handler: async (argv: { file: string; acceptDataLoss: boolean; replayAgain: boolean; conf?: string; json: boolean }) => {
    // FILE is a .wshed file, or a plan saved by `wshed plan --out`, applied as saved.
    const { plan, config } = runnablePlan(argv.file, argv.conf);
    await executePlan(plan, config, { file: plan.pipeline, json: argv.json, acceptDataLoss: argv.acceptDataLoss, replayAgain: argv.replayAgain });
  },
};

export interface ExecuteOptions {
  readonly file: string;
  readonly json: boolean;
  readonly acceptDataLoss: boolean;
  /** Replays in full even when up to date or changed (`--replay-again`). */
  readonly replayAgain?: boolean;
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
  const interrupt = onInterrupt('the run');
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
          printArchive(await archiveWithProgress(step, need(streams), options.acceptDataLoss, { signal: interrupt.signal, command: `wshed run ${options.file}` }), options.json);
          break;
        case 'replay':
          if (!options.json) process.stdout.write(`${marker(step)} ${step.id}: `);
          try {
            await replayWithProgress(step, need(streams), plan, config, {
              json: options.json,
              file: options.file,
              via: 'run',
              resumeUnfinished: true,
              again: options.replayAgain === true,
              signal: interrupt.signal,
            });
          } catch (err) {
            if (!isChangedReplay(err)) throw err;
            // A changed replay is skipped, not replayed in full behind the user's back; the others go on.
            const e = err as RuntimeError;
            if (options.json) process.stdout.write(JSON.stringify({ step: step.id, kind: step.kind, skipped: true, code: e.code, message: e.message, fix: e.fix }) + '\n');
            else process.stdout.write(`skipped: ${e.message}\n    = fix: ${e.fix}\n`);
            done['skipped'] = (done['skipped'] ?? 0) + 1;
            continue;
          }
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
    interrupt.dispose();
    streams?.close();
  }
  if (!options.json) {
    const ran = (done['archive'] ?? 0) + (done['replay'] ?? 0);
    const skipped = done['skipped'] ? `, ${done['skipped']} skipped` : '';
    process.stdout.write(`Run complete in ${formatDuration(Date.now() - started)}: ${formatCount((done['stream'] ?? 0) + (done['reservoir-folder'] ?? 0))} provisioned, ${formatCount(ran)} run${skipped}.\n`);
  }
}

function marker(step: PlanStep): string {
  return { create: '+', run: '~', read: '=', destroy: '-' }[step.action];
}

function need(streams: StreamService | null): StreamService {
  if (!streams) throw new Error('bug: the plan has no local-service step before the first stream step');
  return streams;
}
