// How one part of a split replay starts: resume its own unfinished run (its checkpoint, per part,
// in the target's checkpoint store), join the parts run the other parts are in, or start the next parts run, brought
// up to date from the last one every part completed (or, the first time, from the unsplit run
// completed before, in the same checkpoint store).

import type { ReservoirStore } from '../reservoir/store.ts';
import type { CompletedRun, ReplayCheckpoint } from './checkpoint.ts';
import type { ReplayCheckpointStore } from './checkpoint-store.ts';
import { definitionChanges, type ReplayDefinition } from './definition.ts';
import { completedPartsRun, latestPartsRun, markPartDone, missingParts, type PartSpec, type PartsRun } from './parts.ts';
import { isReplayError, ReplayError } from './replay-errors.ts';
import { shellWord, startOf, type HintArgs } from './run-start.ts';
import type { ReplayOptions } from './types.ts';

export type PartStart =
  /** This part's unfinished run, continued as it started. */
  | { readonly kind: 'resume'; readonly resumed: ReplayCheckpoint }
  /** The parts run others started (or this part started and has not completed). */
  | { readonly kind: 'join'; readonly run: PartsRun }
  /** No parts run is open: this part starts the next one (another part may beat it to the write). */
  | { readonly kind: 'create'; readonly generation: number; readonly base: CompletedRun | null };

export async function partStartOf(
  store: ReservoirStore,
  checkpoints: ReplayCheckpointStore,
  replay: string,
  part: PartSpec,
  definition: ReplayDefinition,
  options: ReplayOptions,
  hints: HintArgs,
): Promise<PartStart> {
  const file = checkpoints.where(replay, part);
  const existing = await checkpoints.read(replay, part).catch((err: unknown) => {
    if (!isReplayError(err, 'WS758')) throw err;
    if (options.restart) return null;
    throw new ReplayError('WS758', { ...err.args, ...hints }, { cause: err });
  });
  const unfinished = existing && existing.state !== 'completed' ? existing : null;
  if (options.resume && !unfinished) {
    const why = existing ? `its last run ${existing.replayId} completed at ${existing.updatedAt}` : 'it has no checkpoint';
    throw new ReplayError('WS754', { ...hints, why });
  }
  if (unfinished && options.resume) {
    const changes = definitionChanges(unfinished.definition, definition);
    if (changes.length > 0) notice(options, unfinished.replayId, unfinished.startedAt, changes);
    return { kind: 'resume', resumed: unfinished };
  }
  if (unfinished && !options.restart) {
    throw new ReplayError('WS753', { ...hints, replayId: unfinished.replayId, acknowledged: unfinished.emitted, updatedAt: unfinished.updatedAt, checkpoint: file });
  }
  const command = (p: string) => `wshed replay ${hints.file} ${shellWord(replay)} --part ${p}`;
  const latest = await latestPartsRun(store, replay);
  if (latest) {
    const { run, done } = latest;
    // Completed here but not recorded there (a crash in between): record it now.
    if (!done.has(part.index) && existing?.state === 'completed' && existing.replayId === run.replayId && run.parts === part.count) {
      const record = { kind: 'replay-part-done' as const, replayId: run.replayId, part: part.index, parts: run.parts, emitted: existing.emitted, completedAt: existing.updatedAt };
      await markPartDone(store, run.replay, run.generation, record);
      done.set(part.index, record);
    }
    const missing = missingParts(run, done);
    const changes = definitionChanges(run.definition, definition);
    if (missing !== '' && !(run.parts === part.count && done.has(part.index))) {
      // Abandoned for the file as it is now (or another split): --restart keeps its base, --again replays in full.
      if ((changes.length > 0 || run.parts !== part.count) && (options.restart || options.again)) {
        return { kind: 'create', generation: run.generation + 1, base: options.again ? null : run.base };
      }
      if (run.parts !== part.count) {
        throw new ReplayError('WS766', { ...hints, replayId: run.replayId, startedAt: run.startedAt, parts: run.parts, asked: part.count, missing, command: command(missing.split(', ')[0]) });
      }
      if (changes.length > 0) notice(options, run.replayId, run.startedAt, changes);
      return { kind: 'join', run };
    }
    if (missing !== '') {
      throw new ReplayError('WS767', { ...hints, part: `${part.index}/${part.count}`, replayId: run.replayId, startedAt: run.startedAt, missing, command: command(missing.split(', ')[0]) });
    }
    const completed = completedPartsRun(run, done);
    if (options.again) return { kind: 'create', generation: run.generation + 1, base: null };
    if (changes.length > 0) {
      throw new ReplayError('WS761', { ...hints, replayId: completed.replayId, completedAt: completed.completedAt, changes: changes.join('; ') });
    }
    return { kind: 'create', generation: run.generation + 1, base: completed };
  }
  // The first split run carries on from the unsplit run completed before (same checkpoint store), if any.
  const unsplitHints = { ...hints, resumeCommand: `wshed replay ${hints.file} ${shellWord(replay)} --resume`, restartCommand: `wshed replay ${hints.file} ${shellWord(replay)} --restart`, againCommand: hints.againUnsplitCommand };
  const unsplit = await startOf(checkpoints, replay, definition, options.again ? { again: true } : {}, 'emit', checkpoints.where(replay), unsplitHints);
  return { kind: 'create', generation: 1, base: unsplit.base };
}

function notice(options: ReplayOptions, replayId: string, startedAt: string, changes: readonly string[]): void {
  options.onNotice?.(
    `the replay changed since its parts run ${replayId} started (${startedAt}); this part runs as that run started:\n` + changes.map((c) => `  ~ ${c}`).join('\n'),
  );
}
