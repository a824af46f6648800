// What runtime commands share: the target settings, compiling a pipeline for them (exit 2 on
// errors), and the target runtime built once from them (streams, stores, SQL engine, provisioner).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from '../compiler/compile.ts';
import { looksLikeSavedPlan, pipelineDigest, readSavedPlan, type SavedPlan } from '../compiler/plan/plan-file.ts';
import type { Plan } from '../compiler/plan/types.ts';
import type { LocalTargetConfig, TargetConfig, TargetName } from '../compiler/target-config.ts';
import { resolveHome } from '../runtime/local/home.ts';
import { openTargetRuntime } from '../runtime/target/open-runtime.ts';
import type { TargetRuntime } from '../runtime/target/target-runtime.ts';
import type { RuntimeOptions } from '../runtime/target/local-runtime.ts';
export { portInUse } from '../runtime/target/local-runtime.ts';
import { loadTargetConfig, readSource, report, UsageError } from './io.ts';

export function localConfig(confFile?: string): LocalTargetConfig {
  const config = loadTargetConfig('local', confFile);
  if (config.target !== 'local') throw new UsageError('expected a local target configuration');
  return config;
}

/** The settings of a target: conf/<target>.json, overridden by --conf. */
export function targetConfig(target: TargetName = 'local', confFile?: string): TargetConfig {
  return loadTargetConfig(target, confFile);
}

/** The runtime of a target, built once per command and passed down. */
export function runtimeFor(config: TargetConfig, options: RuntimeOptions = {}): TargetRuntime {
  return openTargetRuntime(config, options);
}

/** The home of the local target's settings (`wshed local`, `wshed plan`). */
export function homeOf(config: LocalTargetConfig, cwd = process.cwd()): string {
  return resolveHome({ cwd, configured: config.home });
}

/** Compiles FILE for a target; a file with errors ends the command with exit code 2. */
export function planFor(file: string, config: TargetConfig): Plan {
  const source = readSource(file);
  const result = compile(source, { config, now: new Date() });
  if (report(source, result.diagnostics) || !result.plan) throw new UsageError(`${file} has errors; nothing was run`);
  return result.plan;
}

/**
 * What `wshed run FILE` applies: a saved plan (`wshed plan --out plan.json`) exactly as saved,
 * with the settings it was made with, or the plan compiled now from a .wshed file.
 */
export function runnablePlan(file: string, confFile?: string, target: TargetName = 'local'): { plan: Plan; config: TargetConfig; saved: SavedPlan | null } {
  const source = readSource(file);
  if (!looksLikeSavedPlan(file, source.text)) {
    const config = targetConfig(target, confFile);
    return { plan: planFor(file, config), config, saved: null };
  }
  const read = readSavedPlan(file, source.text);
  if ('error' in read) throw new UsageError(read.error);
  const { plan, config } = read.saved;
  if (config.target !== target) throw new UsageError(`${file} is a plan for target '${config.target}'; apply it with: wshed run ${file} --target ${config.target}`);
  if (path.resolve(read.saved.cwd) !== path.resolve(process.cwd())) {
    throw new UsageError(`${file} was made in ${read.saved.cwd}, and its relative paths (reservoir folders, the home) resolve there: run it from that folder, or make a new plan here with: wshed plan FILE.wshed --out ${file}`);
  }
  if (confFile) throw new UsageError(`${file} is a saved plan and carries the settings it was made with; drop --conf, or make a new plan with: wshed plan ${plan.pipeline} --conf ${confFile} --out ${file}`);
  if (existsSync(plan.pipeline) && pipelineDigest(readFileSync(plan.pipeline, 'utf8')) !== read.saved.pipelineSha256) {
    process.stderr.write(`note: ${plan.pipeline} changed since ${file} was saved; applying the plan as saved (make a new one with: wshed plan ${plan.pipeline} --out ${file})\n`);
  }
  return { plan, config, saved: read.saved };
}
