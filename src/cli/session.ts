// What runtime commands share: compiling a pipeline for a target (exit 2 on errors), the
// watershed home, and a connection to the local Kinesis service (started when asked to).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from '../compiler/compile.ts';
import { looksLikeSavedPlan, pipelineDigest, readSavedPlan } from '../compiler/plan/plan-file.ts';
import type { Plan } from '../compiler/plan/types.ts';
import type { LocalTargetConfig } from '../compiler/target-config.ts';
import { createStreamService } from '../runtime/kinesis/aws-stream-service.ts';
import type { StreamService } from '../runtime/kinesis/stream-service.ts';
import { resolveHome } from '../runtime/local/home.ts';
import { RuntimeError } from '../runtime/runtime-error.ts';
import { ensureLocalService, localServiceEndpoint, localServiceStatus } from '../runtime/local/service.ts';
import { loadTargetConfig, readSource, report, UsageError } from './io.ts';

export function localConfig(confFile?: string): LocalTargetConfig {
  const config = loadTargetConfig('local', confFile);
  if (config.target !== 'local') throw new UsageError('expected a local target configuration');
  return config;
}

export function homeOf(config: LocalTargetConfig, cwd = process.cwd()): string {
  return resolveHome({ cwd, configured: config.home });
}

/** Compiles FILE for the local target; a file with errors ends the command with exit code 2. */
export function planFor(file: string, config: LocalTargetConfig): Plan {
  const source = readSource(file);
  const result = compile(source, { config, now: new Date() });
  if (report(source, result.diagnostics) || !result.plan) throw new UsageError(`${file} has errors; nothing was run`);
  return result.plan;
}

/**
 * What `wshed run FILE` applies: a saved plan (`wshed plan --out plan.json`) exactly as saved,
 * with the settings it was made with, or the plan compiled now from a .wshed file.
 */
export function runnablePlan(file: string, confFile?: string): { plan: Plan; config: LocalTargetConfig; saved: boolean } {
  const source = readSource(file);
  if (!looksLikeSavedPlan(file, source.text)) {
    const config = localConfig(confFile);
    return { plan: planFor(file, config), config, saved: false };
  }
  const read = readSavedPlan(file, source.text);
  if ('error' in read) throw new UsageError(read.error);
  const { plan, config } = read.saved;
  if (config.target !== 'local') throw new UsageError(`${file} is a plan for target '${config.target}'; wshed run applies local plans only`);
  if (path.resolve(read.saved.cwd) !== path.resolve(process.cwd())) {
    throw new UsageError(`${file} was made in ${read.saved.cwd}, and its relative paths (reservoir folders, the home) resolve there: run it from that folder, or make a new plan here with: wshed plan FILE.wshed --out ${file}`);
  }
  if (confFile) throw new UsageError(`${file} is a saved plan and carries the settings it was made with; drop --conf, or make a new plan with: wshed plan ${plan.pipeline} --conf ${confFile} --out ${file}`);
  if (existsSync(plan.pipeline) && pipelineDigest(readFileSync(plan.pipeline, 'utf8')) !== read.saved.pipelineSha256) {
    process.stderr.write(`note: ${plan.pipeline} changed since ${file} was saved; applying the plan as saved (make a new one with: wshed plan ${plan.pipeline} --out ${file})\n`);
  }
  return { plan, config, saved: true };
}

/** The running local service's stream service; starts the service first when `start` is set. */
export async function connect(config: LocalTargetConfig, options: { start: boolean }): Promise<StreamService> {
  const home = homeOf(config);
  if (options.start) {
    const started = await ensureLocalService(home, config.kinesisPort).catch((e: unknown) => {
      throw portInUse(e, config.kinesisPort) ?? e;
    });
    if (started.started) process.stderr.write(`started the local Kinesis service on 127.0.0.1:${started.port} (data in ${home})\n`);
    return createStreamService(started.endpoint);
  }
  return createStreamService(await localServiceEndpoint(home));
}

/** WS704 for a start that failed because the port is taken, else null. */
export function portInUse(e: unknown, port: number): RuntimeError | null {
  return e instanceof RuntimeError && e.code === 'WS702' && /EADDRINUSE|address already in use/i.test(e.message) ? new RuntimeError('WS704', { port }) : null;
}

/** The stream service when the local service runs, else null (nothing is started). */
export async function connectIfRunning(config: LocalTargetConfig): Promise<StreamService | null> {
  const status = await localServiceStatus(homeOf(config));
  return status.state === 'running' ? connect(config, { start: false }) : null;
}
