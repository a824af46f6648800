// `wshed plan FILE`: compiles a pipeline and shows what `wshed run` would do against what exists
// (or the plan as JSON); `--out` saves it with the live state it was computed against, for
// `wshed run` to apply or refuse as stale; `wshed plan saved.json` shows one against what exists now.
// An unreachable target is one line on stderr and the offline plan, marked so (--live-only fails).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { compile } from '../../compiler/compile.ts';
import { looksLikeSavedPlan, readSavedPlan, savedPlanJson, staleResources, type SavedPlan } from '../../compiler/plan/plan-file.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import type { LiveState } from '../../compiler/plan/changes.ts';
import { planToJson, renderPlan } from '../../compiler/plan/render.ts';
import type { TargetConfig, TargetName } from '../../compiler/target-config.ts';
import { EXIT, loadTargetConfig, readSource, report, UsageError } from '../io.ts';
import { whyUnreadable } from '../../runtime/live-state/unreadable.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { runtimeFor } from '../session.ts';
import { withHelp } from '../help.ts';

export interface TargetArgs {
  target: TargetName;
  conf?: string;
}

/** The target a command runs on when --target is not given. */
export const DEFAULT_TARGET: TargetName = 'local';

/** The dialect `wshed plan` shows by default: the one of the engine the target's plan is for. */
const PLAN_DIALECT: Record<TargetName, 'duckdb' | 'drill'> = { local: 'duckdb', aws: 'drill' };

export function targetOptions<T>(y: Argv<T>) {
  return y
    .option('target', { choices: ['local', 'aws'] as const, default: 'local' as const, describe: 'where the plan runs' })
    .option('conf', { type: 'string', describe: 'JSON file overriding the target settings in conf/<target>.json' });
}

/** Writes the saved plan; never over the pipeline it was made from, and a failure is one line. */
function saveTo(out: string, pipeline: string, json: string): void {
  if (path.resolve(out) === path.resolve(pipeline)) throw new UsageError(`--out ${out} is the pipeline file itself; name another file, e.g. --out plan.json`);
  try {
    writeFileSync(out, json);
  } catch (e) {
    throw new UsageError(`cannot write the plan to ${out} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export const planCommand = {
  command: 'plan <file>',
  describe: 'show what `wshed run` will do, without doing it',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'plan')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed), or a plan saved with --out (.json) to show' })
      .option('json', { type: 'boolean', default: false, describe: 'print the plan as JSON' })
      .option('sql', { alias: 'verbose', type: 'boolean', default: false, describe: "also show each step's SQL (and DDL, plugin configuration) and what it waits for" })
      .option('dialect', { choices: ['duckdb', 'drill'] as const, describe: 'SQL dialect to show (default: the target\'s engine)' })
      .option('out', { type: 'string', describe: 'also save the plan to this file, for `wshed run PLAN.json` to apply as saved' })
      .option('offline', { type: 'boolean', default: false, describe: 'do not read what exists (no connection, no file of the home): the plan as for CI' })
      .option('live-only', { type: 'boolean', default: false, describe: 'fail when the live state cannot be read, instead of showing the offline plan' }),
  handler: async (argv: { file: string; json: boolean; sql: boolean; out?: string; offline: boolean; liveOnly: boolean; dialect?: 'duckdb' | 'drill' } & TargetArgs) => {
    if (argv.offline && argv.liveOnly) throw new UsageError('--offline and --live-only contradict each other: --offline reads nothing, --live-only requires the live state');
    const source = readSource(argv.file);
    let plan: Plan;
    let config: TargetConfig;
    let saved: SavedPlan | null = null;
    if (looksLikeSavedPlan(argv.file, source.text)) {
      // `wshed plan plan.json` shows a saved plan (as `terraform show` does), against what exists now.
      const read = readSavedPlan(argv.file, source.text);
      if ('error' in read) throw new UsageError(read.error);
      if (argv.out) throw new UsageError(`${argv.file} is already a saved plan; --out saves plans made from a .wshed file`);
      ({ plan, config } = (saved = read.saved));
    } else {
      config = loadTargetConfig(argv.target, argv.conf);
      const result = compile(source, { config, now: new Date() });
      if (report(source, result.diagnostics) || !result.plan) {
        process.exitCode = EXIT.invalid;
        return;
      }
      plan = result.plan;
    }
    if (argv.json) {
      if (argv.out) saveTo(argv.out, argv.file, savedPlanJson(plan, config, source.text, process.cwd(), argv.offline ? null : await readLive(plan, config, argv.liveOnly).then((r) => r.live)));
      return void process.stdout.write(planToJson(plan));
    }
    const dialect = argv.dialect ?? PLAN_DIALECT[plan.target];
    // --offline builds no runtime at all: no file of the home is read, no connection is made.
    const { live, why } = argv.offline ? { live: null, why: null } : await readLive(plan, config, argv.liveOnly);
    if (why) process.stderr.write(`wshed: cannot read the live state of target ${config.target} (${why}); the plan below is the offline one (--offline skips reading, --live-only fails instead)\n`);
    if (saved?.live && live) {
      const stale = staleResources(saved.live, live);
      if (stale.length > 0) process.stderr.write(`wshed: the live state changed since ${argv.file} was saved (${stale.join('; ')}); 'wshed run ${argv.file}' would refuse it: plan again\n`);
    }
    if (argv.out) saveTo(argv.out, argv.file, savedPlanJson(plan, config, source.text, process.cwd(), live));
    process.stdout.write(renderPlan(plan, { dialect, sql: argv.sql, live, ...(why ? { offlineReason: `target ${config.target} could not be read` } : {}) }));
    if (argv.out) process.stderr.write(`saved the plan to ${argv.out}; apply it as saved with: wshed run ${argv.out}\n`);
  },
};

/**
 * The target's live state through its provider (read only; the diff is the compiler's), or why it
 * could not be read. With `required` (--live-only) an unreadable target ends the command instead,
 * as `terraform plan` fails when it cannot refresh.
 */
async function readLive(plan: Plan, config: TargetConfig, required: boolean): Promise<{ live: LiveState | null; why: string | null }> {
  const provisioner = runtimeFor(config).provisioner;
  let why: string | null = null;
  let live: LiveState | null = null;
  try {
    if (!provisioner.readable()) why = `no credentials, profile or endpoint is configured for it (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL…)`;
    else live = await provisioner.read(plan).catch((e: unknown) => ((why = whyUnreadable(e)), null));
  } finally {
    provisioner.close();
  }
  if (required && (why || live?.unknown)) {
    throw new RuntimeError('WS813', { target: config.target, purpose: '(--live-only)', why: why ?? live!.unknown!, fix: 'make the target reachable (credentials, endpoints, or the local service running), or plan without --live-only' });
  }
  return { live, why };
}
