// `wshed archive FILE [RESERVOIR]`: only the archive catch-up of a pipeline's reservoirs, from the
// target's streams (the running or started local service, or Kinesis) into their stores.

import type { Argv } from 'yargs';
import type { ArchiveStep } from '../../compiler/plan/types.ts';
import { runArchiveStep } from '../../runtime/steps.ts';
import type { ArchiveResult } from '../../runtime/archive/types.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import type { TargetRuntime } from '../../runtime/target/target-runtime.ts';
import { UsageError } from '../io.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { formatBytes, formatDuration, formatRate, plural } from '../../compiler/format-numbers.ts';
import { onInterrupt } from '../interrupt.ts';
import { progressBar } from '../progress.ts';
import { planFor, runtimeFor, targetConfig } from '../session.ts';
import { DEFAULT_TARGET, targetOptions } from './plan.ts';
import { withHelp } from '../help.ts';

export const archiveCommand = {
  command: 'archive <file> [reservoir]',
  describe: "archive what a pipeline's streams hold into its reservoirs, and nothing else",
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'archive')
      .positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed)' })
      .positional('reservoir', { type: 'string', describe: 'only this reservoir' })
      .option('accept-data-loss', { type: 'boolean', default: false, describe: 'archive what the stream still holds even if records may be missing since the checkpoint' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON summaries' }),
  handler: async (argv: { file: string; reservoir?: string; acceptDataLoss: boolean; target: 'local' | 'aws'; conf?: string; json: boolean }) => {
    const config = targetConfig(argv.target, argv.conf);
    const plan = planFor(argv.file, config);
    const steps = plan.steps.filter((s): s is ArchiveStep => s.kind === 'archive' && (!argv.reservoir || s.reservoir === argv.reservoir));
    if (argv.reservoir && steps.length === 0) {
      throw new UsageError(`${argv.file} has no reservoir '${argv.reservoir}' (it has: ${plan.steps.filter((s) => s.kind === 'archive').map((s) => (s as ArchiveStep).reservoir).join(', ') || 'none'})`);
    }
    const runtime = runtimeFor(config);
    const streams = await runtime.streams({ start: true });
    try {
      const interrupt = onInterrupt('archiving');
      try {
        const command = `wshed archive ${argv.file}${argv.reservoir ? ` ${argv.reservoir}` : ''}${argv.target === DEFAULT_TARGET ? '' : ` --target ${argv.target}`}`;
        for (const step of steps) printArchive(await archiveWithProgress(step, streams, runtime, argv.acceptDataLoss, { signal: interrupt.signal, command }), argv.json);
      } finally {
        interrupt.dispose();
      }
    } finally {
      streams.close();
    }
  },
};

/**
 * Archives one reservoir with a progress bar. A signal (Ctrl-C) stops it after the chunk in flight:
 * committed files and the checkpoint stay, and the error (WS764) names `command` to go on.
 */
export async function archiveWithProgress(step: ArchiveStep, streams: StreamService, runtime: TargetRuntime, acceptDataLoss: boolean, stop?: { signal: AbortSignal; command: string }): Promise<ArchiveResult> {
  const bar = progressBar(`archive ${step.reservoir}`, { phase: 'reading the stream', extra: ' | {bytes}, {files} files' });
  let last = { records: 0, files: 0 };
  try {
    return await runArchiveStep(step, streams, {
      acceptDataLoss,
      cwd: runtime.cwd,
      ...(stop ? { signal: stop.signal } : {}),
      onProgress: (p) => {
        last = { records: p.records, files: p.files };
        bar.update(p.records, { bytes: formatBytes(p.bytes), files: p.files });
      },
    }, step.via === 'archiver' ? runtime.store(step.reservoir, step.location) : undefined, runtime);
  } catch (err) {
    if (stop?.signal.aborted && !(err instanceof RuntimeError)) {
      throw new RuntimeError('WS764', { reservoir: step.reservoir, records: last.records, files: last.files, command: stop.command }, { cause: err });
    }
    throw err;
  } finally {
    bar.stop();
  }
}

export function printArchive(r: ArchiveResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ kind: 'archive', ...r }) + '\n');
    return;
  }
  const quarantine = r.quarantined ? `, ${plural(r.quarantined, 'record')} not JSON kept in quarantine` : '';
  process.stdout.write(
    `archived ${plural(r.records, 'record')} of ${r.stream} into ${r.reservoir} (${formatBytes(r.bytes)} in ${plural(r.files, 'file')}${quarantine}) in ${formatDuration(r.durationMs)} (${formatRate(r.records, r.durationMs)})\n`,
  );
}
