// `wshed run FILE`: executes the plan on its target's runtime, step by step in plan order:
// provisioning (through the target's provisioner: service, streams, folders or buckets), archive
// catch-up, then replays, each brought up to date like an incremental build (see the README's
// replay semantics). Ctrl-C stops after the batch in flight and prints the command that goes on.
// A saved plan is refused, changing nothing, when the live state changed since it was saved.

import type { Argv } from 'yargs';
import type { Plan, PlanStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import type { StepOutcome, TargetRuntime } from '../../runtime/target/target-runtime.ts';
import { onInterrupt } from '../interrupt.ts';
import { archiveWithProgress, printArchive } from './archive.ts';
import { isChangedReplay, replayWithProgress } from './replay.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { stepId } from '../../compiler/plan/step-list.ts';
import { staleResources, type SavedPlan } from '../../compiler/plan/plan-file.ts';
import { whyUnreadable } from '../../runtime/live-state/unreadable.ts';
import { runnablePlan, runtimeFor } from '../session.ts';
import { formatCount, formatDuration } from '../../compiler/format-numbers.ts';
import { withHelp } from '../help.ts';
import { DEFAULT_TARGET } from './plan.ts';

export const runCommand = {
  command: 'run <file>',
  describe: 'do what the plan says: provision, archive, replay',
  builder: (y: Argv) =>
    withHelp(y, 'run')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed), or a plan saved by `wshed plan --out` (.json)' })
      .option('target', { choices: ['local', 'aws'] as const, default: 'local' as const, describe: 'where to run (aws: streams, buckets, Firehose, the EMR cluster and its tunnel, Drill plugins, Hive tables; see the README)' })
      .option('accept-data-loss', { type: 'boolean', default: false, describe: 'archive what streams still hold even if records may be missing since the checkpoint' })
      .option('replay-again', { type: 'boolean', default: false, describe: 'replay every replay in full under a new id, even one that is up to date or changed' })
      .option('delete-undeclared-streams', { type: 'boolean', default: false, describe: 'delete streams this pipeline created that it no longer declares (aws; otherwise they are kept and listed)' })
      .option('conf', { type: 'string', describe: 'JSON file overriding the target settings in conf/<target>.json' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON summaries, one a step' }),
  handler: async (argv: { file: string; target: 'local' | 'aws'; acceptDataLoss: boolean; replayAgain: boolean; deleteUndeclaredStreams: boolean; conf?: string; json: boolean }) => {
    // FILE is a .wshed file, or a plan saved by `wshed plan --out`, applied as saved.
    const { plan, config, saved } = runnablePlan(argv.file, argv.conf, argv.target);
    const runtime = runtimeFor(config);
    try {
      if (saved) await refuseStale(argv.file, saved, plan, runtime);
      await executePlan(plan, runtime, {
        file: plan.pipeline,
        json: argv.json,
        acceptDataLoss: argv.acceptDataLoss,
        replayAgain: argv.replayAgain,
        deleteUndeclaredStreams: argv.deleteUndeclaredStreams,
        // Hints name the command as it was run: on aws `wshed run FILE` alone would go to the local target.
        flags: [...(argv.target !== DEFAULT_TARGET ? ['--target', argv.target] : []), ...(argv.conf !== undefined ? ['--conf', argv.conf] : [])],
      }).catch(async (err: unknown) => {
        // Cost safety: a cluster this run launched does not outlive a failed run the plan ends by terminating.
        const undone = await runtime.provisioner.afterFailure?.(plan).catch((e: unknown) => {
          process.stderr.write(`wshed: the run failed and so did terminating the cluster it launched: ${(e as Error).message}; check 'wshed cluster status'\n`);
          return null;
        });
        if (undone) process.stderr.write(`the run failed: ${undone.text}\n`);
        throw err;
      });
    } finally {
      await runtime.provisioner.close();
    }
  },
};

/**
 * A saved plan is applied only against the live state it was computed against, as Terraform
 * refuses a stale plan: each resource read when it was saved is read again before anything
 * changes, and any difference (someone resharded the stream meanwhile) ends the run, unchanged.
 */
async function refuseStale(file: string, saved: SavedPlan, plan: Plan, runtime: TargetRuntime): Promise<void> {
  if (!saved.live) {
    process.stderr.write(`note: ${file} was saved without the live state (offline): it is applied without checking what exists\n`);
    return;
  }
  if (Object.keys(saved.live.fingerprints).length === 0) return;
  const now = await runtime.provisioner.read(plan).catch((e: unknown) => {
    throw new RuntimeError('WS813', { target: plan.target, purpose: `to check that ${file} is still current`, why: whyUnreadable(e), fix: 'nothing was changed; make the target reachable and run again' }, { cause: e });
  });
  const stale = staleResources(saved.live, now);
  if (stale.length > 0) throw new RuntimeError('WS812', { file, pipeline: plan.pipeline, changes: stale.join('; ') });
}

export interface ExecuteOptions {
  readonly file: string;
  readonly json: boolean;
  readonly acceptDataLoss: boolean;
  /** Replays in full even when up to date or changed (`--replay-again`). */
  readonly replayAgain?: boolean;
  /** Only these step kinds (default: all). */
  readonly kinds?: readonly PlanStep['kind'][];
  /** Delete streams the pipeline created and no longer declares (else they are kept and listed). */
  readonly deleteUndeclaredStreams?: boolean;
  /** The options the run was given that a printed command must repeat (`--target aws`, `--conf F`). */
  readonly flags?: readonly string[];
}

/** Steps every runtime runs itself; provisioning steps are its provisioner's. */
const DATA_KINDS: ReadonlySet<PlanStep['kind']> = new Set(['archive', 'replay', 'reservoir-views', 'query']);

/** Runs a plan's steps in order on a target's runtime, printing one line a step (or JSON), then a summary. */
export async function executePlan(plan: Plan, runtime: TargetRuntime, options: ExecuteOptions): Promise<void> {
  const say = (step: PlanStep, text: string, data: Record<string, unknown> = {}) =>
    process.stdout.write(options.json ? JSON.stringify({ step: step.id, kind: step.kind, ...data }) + '\n' : `${marker(step)} ${step.id}: ${text}\n`);
  const chosen = plan.steps.filter((s) => !options.kinds || options.kinds.includes(s.kind));
  // Before anything changes: a plan with steps this target cannot run yet is refused whole.
  const cannot = chosen.filter((s) => !DATA_KINDS.has(s.kind) && !runtime.provisioner.handles(s.kind));
  if (cannot.length > 0) {
    const kinds = [...new Set(cannot.map((s) => s.kind))];
    throw new RuntimeError('WS810', { target: runtime.target, what: `${kinds.join(', ')} steps`, steps: cannot.map((s) => s.id).join(', '), file: options.file });
  }
  let streams: StreamService | null = null;
  const connected = async () => (streams ??= await runtime.streams({ start: true }));
  const started = Date.now();
  const done: Record<string, number> = {};
  const interrupt = onInterrupt('the run');
  try {
    for (const step of chosen) {
      if (!DATA_KINDS.has(step.kind)) {
        const r = await runtime.provisioner.apply(step, plan);
        // The marker says what this run did, not what the plan could do: a second run shows `=`.
        const change = OUTCOME_CHANGE[r.outcome];
        process.stdout.write(options.json ? JSON.stringify({ step: step.id, kind: step.kind, outcome: r.outcome, ...r.data }) + '\n' : `${CHANGE_MARKER[change]} ${step.id}: ${r.text}\n`);
        if (step.kind !== 'local-service') done[change] = (done[change] ?? 0) + 1;
        continue;
      }
      switch (step.kind) {
        case 'archive':
          if (step.via === 'firehose') {
            // Firehose archives on its own once its delivery stream exists: nothing to catch up here.
            say(step, `delivered by Firehose (${stepId.firehose(step.reservoir)}), flushed at least every ${formatCount(step.everySeconds)} s; records not delivered yet are read live`, { via: 'firehose' });
            break;
          }
          if (!options.json) process.stdout.write(`${marker(step)} ${step.id}: `);
          printArchive(await archiveWithProgress(step, await connected(), runtime, options.acceptDataLoss, { signal: interrupt.signal, command: `wshed run ${[options.file, ...(options.flags ?? [])].join(' ')}` }), options.json);
          break;
        case 'replay':
          if (!options.json) process.stdout.write(`${marker(step)} ${step.id}: `);
          try {
            await replayWithProgress(step, await connected(), plan, runtime, {
              json: options.json,
              file: options.file,
              via: 'run',
              ...(options.flags?.length ? { flags: options.flags } : {}),
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
      }
      done[step.kind] = (done[step.kind] ?? 0) + 1;
    }
    if (!options.kinds || options.kinds.includes('stream')) {
      // Never deleted behind the user's back: a stream the file no longer declares is kept and said.
      for (const u of await runtime.provisioner.undeclared(plan, { remove: options.deleteUndeclaredStreams === true })) {
        const text = u.outcome === 'kept' ? 'not declared, kept (delete it with --delete-undeclared-streams)' : 'not declared, deleted';
        process.stdout.write(options.json ? JSON.stringify({ step: `stream.${u.name}`, kind: 'stream', outcome: u.outcome, declared: false }) + '\n' : `${u.outcome === 'kept' ? '=' : '-'} stream.${u.name}: ${text}\n`);
      }
    }
  } finally {
    interrupt.dispose();
    (streams as StreamService | null)?.close();
  }
  if (!options.json) {
    const ran = (done['archive'] ?? 0) + (done['replay'] ?? 0);
    const skipped = done['skipped'] ? `, ${done['skipped']} skipped` : '';
    // Provisioning steps by what they did (starting the local service is not counted), then the data steps.
    const changes = (['created', 'updated', 'unchanged', 'deleted'] as const).filter((c) => done[c]).map((c) => `${formatCount(done[c]!)} ${c}`);
    process.stdout.write(`Run complete in ${formatDuration(Date.now() - started)}: ${[...changes, `${formatCount(ran)} run`].join(', ')}${skipped}.\n`);
  }
}

type Change = 'created' | 'updated' | 'unchanged' | 'deleted';
/** What a provisioning step's outcome changed: something already right (`exists`, a running service or tunnel, a kept stream) is unchanged. */
const OUTCOME_CHANGE: Record<StepOutcome['outcome'], Change> = { created: 'created', updated: 'updated', exists: 'unchanged', running: 'unchanged', kept: 'unchanged', deleted: 'deleted' };
const CHANGE_MARKER: Record<Change, string> = { created: '+', updated: '~', unchanged: '=', deleted: '-' };

function marker(step: PlanStep): string {
  return { create: '+', run: '~', read: '=', destroy: '-' }[step.action];
}

