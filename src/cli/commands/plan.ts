// `wshed plan FILE`: compiles a pipeline and shows what `wshed run` would do against what exists
// (or the plan as JSON); `--out` saves it for `wshed run`, and `wshed plan saved.json` shows one.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { compile } from '../../compiler/compile.ts';
import { looksLikeSavedPlan, readSavedPlan, savedPlanJson } from '../../compiler/plan/plan-file.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import type { LiveState } from '../../compiler/plan/changes.ts';
import { planToJson, renderPlan } from '../../compiler/plan/render.ts';
import type { TargetConfig, TargetName } from '../../compiler/target-config.ts';
import { EXIT, loadTargetConfig, readSource, report, UsageError } from '../io.ts';
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
      .option('offline', { type: 'boolean', default: false, describe: 'do not read what exists (the local service, its streams, reservoir folders)' }),
  handler: async (argv: { file: string; json: boolean; sql: boolean; out?: string; offline: boolean; dialect?: 'duckdb' | 'drill' } & TargetArgs) => {
    const source = readSource(argv.file);
    let plan: Plan;
    let config: TargetConfig;
    if (looksLikeSavedPlan(argv.file, source.text)) {
      // `wshed plan plan.json` shows a saved plan (as `terraform show` does), against what exists now.
      const read = readSavedPlan(argv.file, source.text);
      if ('error' in read) throw new UsageError(read.error);
      if (argv.out) throw new UsageError(`${argv.file} is already a saved plan; --out saves plans made from a .wshed file`);
      ({ plan, config } = read.saved);
    } else {
      config = loadTargetConfig(argv.target, argv.conf);
      const result = compile(source, { config, now: new Date() });
      if (report(source, result.diagnostics) || !result.plan) {
        process.exitCode = EXIT.invalid;
        return;
      }
      plan = result.plan;
      if (argv.out) saveTo(argv.out, argv.file, savedPlanJson(plan, config, source.text, process.cwd()));
    }
    if (argv.json) return void process.stdout.write(planToJson(plan));
    const dialect = argv.dialect ?? PLAN_DIALECT[plan.target];
    // The target's provider reads what exists (read only); the diff is the compiler's (changes.ts).
    const provisioner = runtimeFor(config).provisioner;
    let live: LiveState | null = null;
    try {
      if (!argv.offline && provisioner.readable()) {
        live = await provisioner.read(plan).catch((e: unknown): LiveState => ({
          source: `target ${config.target}`,
          unknown: `It could not be read (${firstLine(e)})`,
          resources: {},
        }));
      }
    } finally {
      provisioner.close();
    }
    process.stdout.write(renderPlan(plan, { dialect, sql: argv.sql, live }));
    if (argv.out) process.stderr.write(`saved the plan to ${argv.out}; apply it as saved with: wshed run ${argv.out}\n`);
  },
};

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
