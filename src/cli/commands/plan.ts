// `wshed plan FILE`: compiles a pipeline and shows what `wshed run` would do, or the plan as JSON.

import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { compile } from '../../compiler/compile.ts';
import { planToJson, renderPlan } from '../../compiler/plan/render.ts';
import type { TargetName } from '../../compiler/target-config.ts';
import { EXIT, loadTargetConfig, readSource, report } from '../io.ts';

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
    targetOptions(y)
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the plan as JSON' })
      .option('sql', { alias: 'verbose', type: 'boolean', default: false, describe: "also show each step's SQL (and DDL, plugin configuration) and what it waits for" })
      .option('dialect', { choices: ['duckdb', 'drill'] as const, describe: 'SQL dialect to show (default: the target\'s engine)' })
      .option('out', { type: 'string', describe: 'also write the JSON plan to this file' }),
  handler: (argv: { file: string; json: boolean; sql: boolean; out?: string; dialect?: 'duckdb' | 'drill' } & TargetArgs) => {
    const source = readSource(argv.file);
    const config = loadTargetConfig(argv.target, argv.conf);
    const result = compile(source, { config, now: new Date() });
    if (report(source, result.diagnostics) || !result.plan) {
      process.exitCode = EXIT.invalid;
      return;
    }
    const json = planToJson(result.plan);
    if (argv.out) writeFileSync(argv.out, json);
    const dialect = argv.dialect ?? (argv.target === 'aws' ? 'drill' : 'duckdb');
    process.stdout.write(argv.json ? json : renderPlan(result.plan, { dialect, sql: argv.sql }));
  },
};
