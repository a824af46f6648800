// What runtime commands share: compiling a pipeline for a target (exit 2 on errors), the
// watershed home, and a connection to the local Kinesis service (started when asked to).

import { compile } from '../compiler/compile.ts';
import type { Plan } from '../compiler/plan/types.ts';
import type { LocalTargetConfig } from '../compiler/target-config.ts';
import { createStreamService } from '../runtime/kinesis/aws-stream-service.ts';
import type { StreamService } from '../runtime/kinesis/stream-service.ts';
import { resolveHome } from '../runtime/local/home.ts';
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

/** The running local service's stream service; starts the service first when `start` is set. */
export async function connect(config: LocalTargetConfig, options: { start: boolean }): Promise<StreamService> {
  const home = homeOf(config);
  if (options.start) {
    const started = await ensureLocalService(home, config.kinesisPort);
    if (started.started) process.stderr.write(`started the local Kinesis service on 127.0.0.1:${started.port} (data in ${home})\n`);
    return createStreamService(started.endpoint);
  }
  return createStreamService(await localServiceEndpoint(home));
}

/** The stream service when the local service runs, else null (nothing is started). */
export async function connectIfRunning(config: LocalTargetConfig): Promise<StreamService | null> {
  const status = await localServiceStatus(homeOf(config));
  return status.state === 'running' ? connect(config, { start: false }) : null;
}
