// Runs a replay job: a replay declared in a served pipeline file, through the replay engine
// (runReplay) with its progress mapped onto the job's counters. Resume uses the replay's own
// checkpoint (<home>/replays/<name>.json); a run that stopped before writing one starts over.

import type { ArchiveStep, ReplayStep } from '../compiler/plan/types.ts';
import { readReplayCheckpoint, runReplay } from '../runtime/replay/index.ts';
import { openReservoirStore } from '../runtime/reservoir/open-store.ts';
import { replaySteps, type PumpContext } from './context.ts';
import type { JobControl } from './job-queue.ts';
import type { Job } from './jobs.ts';

export function findReplay(ctx: PumpContext, name: string): ReplayStep | undefined {
  return replaySteps(ctx.plan).find((r) => r.name === name);
}

export async function runReplayJob(job: Job, control: JobControl, ctx: PumpContext): Promise<void> {
  const step = findReplay(ctx, job.replay!);
  if (!step) throw new Error(`no served pipeline file declares replay '${job.replay}' any more`);
  const archive = ctx.plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir);
  const reservoir = archive && archive.via === 'archiver' ? openReservoirStore(archive.reservoir, archive.location, ctx.cwd) : null;
  const checkpoint = job.resumeCount > 0 ? await readReplayCheckpoint(ctx.home, step.name) : null;
  const resume = checkpoint !== null && checkpoint.state !== 'completed';
  // A resumed run reports only its own records: the checkpoint holds those acknowledged before.
  const before = resume ? checkpoint.emitted : 0;
  await runReplay(
    step,
    { streams: ctx.streams, destination: ctx.destination, reservoir, home: ctx.home, ...(ctx.duckdb ? { duckdb: ctx.duckdb } : {}), maxRetries: ctx.maxRetries },
    {
      resume,
      // Relative bounds (`since 7d ago`) were resolved against the plan's compile instant: the
      // incremental rule compares them at that distance, as `wshed replay` does.
      compiledAt: ctx.plan.now,
      signal: control.signal,
      onProgress: (p) => {
        control.progress({
          successfulRecordCount: before + p.emitted,
          totalRecordCount: p.total,
          pendingRecordCount: p.total !== null ? Math.max(0, p.total - p.position) : 0,
          emittedRowOffset: p.position,
        });
      },
    },
  );
}
