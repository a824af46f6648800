// `wshed plan FILE`: compiles a pipeline and shows what `wshed run` would do, or the plan as JSON.

import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { compile } from '../../compiler/compile.ts';
import { savedPlanJson } from '../../compiler/plan/plan-file.ts';
import { planToJson, renderPlan } from '../../compiler/plan/render.ts';
import type { TargetName } from '../../compiler/target-config.ts';
import { localLiveStateReader } from '../../runtime/live-state/local.ts';
import { EXIT, loadTargetConfig, readSource, report } from '../io.ts';
import { homeOf } from '../session.ts';
import { withHelp } from '../help.ts';

export interface TargetArgs {
  target: TargetName;
  conf?: string;
}

export function targetOptions<T>(y: Argv<T>) {
  return y
    .option('target', { choices: ['local', 'aws'] as const, default: 'local' as const, describe: 'where the plan runs' })
    .option('conf', { type: 'string', describe: 'JSON file overriding the target settings in conf/<target>.json' });
}

export const planCommand = {
  command: 'plan <file>',
  describe: 'show what `wshed run` will do, without doing it',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'plan')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the plan as JSON' })
      .option('sql', { alias: 'verbose', type: 'boolean', default: false, describe: "also show each step's SQL (and DDL, plugin configuration) and what it waits for" })
      .option('dialect', { choices: ['duckdb', 'drill'] as const, describe: 'SQL dialect to show (default: the target\'s engine)' })
      .option('out', { type: 'string', describe: 'also save the plan to this file, for `wshed run PLAN.json` to apply as saved' })
      .option('offline', { type: 'boolean', default: false, describe: 'do not read what exists (the local service, its streams, reservoir folders)' }),
  handler: async (argv: { file: string; json: boolean; sql: boolean; out?: string; offline: boolean; dialect?: 'duckdb' | 'drill' } & TargetArgs) => {
    const source = readSource(argv.file);
    const config = loadTargetConfig(argv.target, argv.conf);
    const result = compile(source, { config, now: new Date() });
    if (report(source, result.diagnostics) || !result.plan) {
      process.exitCode = EXIT.invalid;
      return;
    }
    if (argv.out) writeFileSync(argv.out, savedPlanJson(result.plan, config, source.text));
    if (argv.json) return void process.stdout.write(planToJson(result.plan));
    const dialect = argv.dialect ?? (argv.target === 'aws' ? 'drill' : 'duckdb');
    // Live state is read on the local target only for now; AWS gets its reader with a later issue.
    const live = config.target === 'local' && !argv.offline ? await localLiveStateReader({ home: homeOf(config), cwd: process.cwd() }).read(result.plan) : null;
    process.stdout.write(renderPlan(result.plan, { dialect, sql: argv.sql, live }));
    if (argv.out) process.stderr.write(`saved the plan to ${argv.out}; apply it as saved with: wshed run ${argv.out}\n`);
  },
};
