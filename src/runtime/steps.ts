// Executes the plan steps of the local runtime (local service, reservoir folder, stream) and the
// archive, one call per step kind; the target runtimes' provisioners and `wshed run` use them.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveStep, LocalServiceStep, ReservoirFolderStep, StreamStep } from '../compiler/plan/types.ts';
import { archiveReservoir } from './archive/archiver.ts';
import type { ArchiveOptions, ArchiveResult } from './archive/types.ts';
import type { EnsureStreamResult, StreamService } from './kinesis/stream-service.ts';
import type { TargetRuntime } from './target/target-runtime.ts';
import type { ReservoirStore } from './reservoir/store.ts';
import { resolveHome } from './local/home.ts';
import { ensureLocalService, type StartedService } from './local/service.ts';

/** Starts the local Kinesis service of the step's home unless it already runs. */
export function runLocalServiceStep(step: LocalServiceStep, cwd: string = process.cwd()): Promise<StartedService> {
  return ensureLocalService(resolveHome({ cwd, configured: step.home }), step.port);
}

/** Creates the reservoir's folder (and nothing else: files appear as the archiver commits). */
export async function runReservoirFolderStep(step: ReservoirFolderStep, cwd: string = process.cwd()): Promise<{ path: string; created: boolean }> {
  const folder = path.resolve(cwd, step.path);
  const existed = await fs.stat(folder).then((s) => s.isDirectory(), () => false);
  await fs.mkdir(folder, { recursive: true });
  return { path: folder, created: !existed };
}

export function runStreamStep(step: StreamStep, streams: StreamService): Promise<EnsureStreamResult> {
  return streams.ensureStream(step.name, step.shards, step.retentionHours);
}

/** `store` and `runtime`: the target runtime's store and SQL engine (default: the step's location, the embedded engine). */
export function runArchiveStep(
  step: ArchiveStep,
  streams: StreamService,
  options: ArchiveOptions = {},
  store?: ReservoirStore,
  runtime?: Pick<TargetRuntime, 'openSqlEngine'>,
): Promise<ArchiveResult> {
  return archiveReservoir(step, { streams, ...(store ? { store } : {}), ...(runtime ? { openSqlEngine: (r) => runtime.openSqlEngine(r) } : {}) }, options);
}
