// `wshed archive FILE [RESERVOIR]`: only the archive catch-up of a pipeline's reservoirs, into
// the running (or started) local service's streams.

import type { Argv } from 'yargs';
import type { ArchiveStep } from '../../compiler/plan/types.ts';
import { runArchiveStep } from '../../runtime/steps.ts';
import type { ArchiveResult } from '../../runtime/archive/types.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';
import { UsageError } from '../io.ts';
import { formatMs, formatRate, progressBar } from '../progress.ts';
import { connect, localConfig, planFor } from '../session.ts';

export const archiveCommand = {
  command: 'archive <file> [reservoir]',
  describe: "archive what a pipeline's streams hold into its reservoirs, and nothing else",
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true })
      .positional('reservoir', { type: 'string', describe: 'only this reservoir' })
      .option('accept-data-loss', { type: 'boolean', default: false, describe: 'archive what the stream still holds even if records may be missing since the checkpoint' })
      .option('conf', { type: 'string' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON summaries' }),
  handler: async (argv: { file: string; reservoir?: string; acceptDataLoss: boolean; conf?: string; json: boolean }) => {
    const config = localConfig(argv.conf);
    const plan = planFor(argv.file, config);
    const steps = plan.steps.filter((s): s is ArchiveStep => s.kind === 'archive' && (!argv.reservoir || s.reservoir === argv.reservoir));
    if (argv.reservoir && steps.length === 0) {
      throw new UsageError(`${argv.file} has no reservoir '${argv.reservoir}' (it has: ${plan.steps.filter((s) => s.kind === 'archive').map((s) => (s as ArchiveStep).reservoir).join(', ') || 'none'})`);
    }
    const streams = await connect(config, { start: true });
    try {
      for (const step of steps) printArchive(await archiveWithProgress(step, streams, argv.acceptDataLoss), argv.json);
    } finally {
      streams.close();
    }
  },
};

export async function archiveWithProgress(step: ArchiveStep, streams: StreamService, acceptDataLoss: boolean): Promise<ArchiveResult> {
  const bar = progressBar(`archive ${step.reservoir}`);
  try {
    return await runArchiveStep(step, streams, { acceptDataLoss, onProgress: (p) => bar.update(p.records) });
  } finally {
    bar.stop();
  }
}

export function printArchive(r: ArchiveResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ kind: 'archive', ...r }) + '\n');
    return;
  }
  const quarantine = r.quarantined ? `, ${r.quarantined} not JSON kept in quarantine` : '';
  process.stdout.write(
    `archived ${r.records} records of ${r.stream} into ${r.reservoir} (${r.files} files${quarantine}) in ${formatMs(r.durationMs)} (${formatRate(r.records, r.durationMs)})\n`,
  );
}
