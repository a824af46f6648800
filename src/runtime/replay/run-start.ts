// How a replay run starts, from its checkpoint: resume the unfinished run, bring the last completed
// run up to date (and which rows that leaves out), or replay in full; and the commands the replay's
// hints name, spelled as the user invoked it (file and all) so that they work when pasted.

import { definitionChanges, type ReplayDefinition } from './definition.ts';
import { completedRunOf, type CompletedRun, type ReplayCheckpoint } from './checkpoint.ts';
import type { ReplayCheckpointStore } from './checkpoint-store.ts';
import { isReplayError, ReplayError } from './replay-errors.ts';
import type { SourceRow } from './source.ts';
import type { ReplayOptions, ReplaySummary } from './types.ts';
import { CutFilter } from './watermark.ts';

export interface Start {
  /** The unfinished run to continue, or null for a new run. */
  readonly resumed: ReplayCheckpoint | null;
  /** The completed run a new run brings up to date, or null to replay the whole slice. */
  readonly base: CompletedRun | null;
}

/**
 * How this run starts, from the replay's checkpoint: resume the unfinished run, bring the last
 * completed one up to date, or replay in full. Refuses to silently restart an unfinished run, to
 * resume a run that is not there, and to replay a changed definition without `again` (WS761).
 * Preview and dry run show what a run would send now and never refuse. `checkpoints` is the
 * target's store (the home, or beside the reservoir), so another machine sees the same run.
 */
export async function startOf(
  checkpoints: ReplayCheckpointStore,
  replay: string,
  definition: ReplayDefinition,
  options: ReplayOptions,
  mode: ReplaySummary['mode'],
  file: string,
  hints: HintArgs,
): Promise<Start> {
  // Starting over needs nothing from an unreadable checkpoint (WS758 names --restart as the way out).
  const existing = await checkpoints.read(replay).catch((err: unknown) => {
    if (!isReplayError(err, 'WS758')) throw err;
    if (options.restart) return null;
    throw new ReplayError('WS758', { ...err.args, ...hints }, { cause: err });
  });
  const unfinished = existing && existing.state !== 'completed' ? existing : null;
  const completed = existing?.state === 'completed' ? completedRunOf(existing) : (unfinished?.base ?? null);
  const unchanged = completed && definitionChanges(completed.definition, definition).length === 0 ? completed : null;
  if (mode !== 'emit') return { resumed: null, base: options.again ? null : unchanged };
  if (options.resume && !unfinished) {
    const why = existing ? `its last run ${existing.replayId} completed at ${existing.updatedAt}` : 'it has no checkpoint';
    throw new ReplayError('WS754', { ...hints, why });
  }
  if (unfinished && (options.resume || (options.resumeUnfinished && !options.restart))) {
    const changes = definitionChanges(unfinished.definition, definition);
    if (changes.length > 0) {
      options.onNotice?.(
        `the replay changed since its unfinished run ${unfinished.replayId} started (${unfinished.startedAt}); the run resumes as it started:\n` +
          changes.map((c) => `  ~ ${c}`).join('\n') +
          `\n  to use the file as it is now, abandon that run: ${hints.restartCommand}`,
      );
    }
    return { resumed: unfinished, base: unfinished.base };
  }
  if (unfinished && !options.restart) {
    throw new ReplayError('WS753', { ...hints, replayId: unfinished.replayId, acknowledged: unfinished.emitted, updatedAt: unfinished.updatedAt, checkpoint: file });
  }
  if (options.again || !completed) return { resumed: null, base: null };
  const changes = definitionChanges(completed.definition, definition);
  if (changes.length > 0) {
    throw new ReplayError('WS761', { ...hints, replayId: completed.replayId, completedAt: completed.completedAt, changes: changes.join('; ') });
  }
  return { resumed: null, base: completed };
}

/** Says whether a row entered the slice after a completed run: past its cut, or at or after its `until`. */
export class BaseRun {
  private readonly cut: CutFilter;
  private readonly until: string | null;
  constructor(base: CompletedRun) {
    this.cut = new CutFilter(base.cut);
    // A later `until` (relative, `until now`) takes in rows the completed run's slice ended before.
    this.until = base.definition.until === null ? null : new Date(base.definition.until).toISOString();
  }
  isNew(row: SourceRow): boolean {
    if (this.cut.isPast(row.shardId, row.sequenceNumber)) return true;
    return this.until !== null && row.arrivalTime >= this.until;
  }
}

/** What the hints of replay errors need to name commands that work. */
export type HintArgs = { replay: string; file: string; via: 'replay' | 'run'; resumeCommand: string; restartCommand: string; againCommand: string; againUnsplitCommand: string };

export function hintArgs(replay: string, options: ReplayOptions): HintArgs {
  const file = shellWord(options.invokedAs?.file ?? 'FILE');
  const part = options.part ? ` --part ${options.part.index}/${options.part.count}` : '';
  // The target (and engine) the user chose: a pasted command must run on the same one.
  const flags = (options.invokedAs?.flags ?? []).map((f) => ` ${shellWord(f)}`).join('');
  const self = `wshed replay ${file} ${shellWord(replay)}${part}${flags}`;
  const via = options.invokedAs?.command ?? 'replay';
  return {
    replay,
    file,
    via,
    // `wshed run` resumes unfinished replays by itself.
    resumeCommand: via === 'run' ? `wshed run ${file}${flags}` : `${self} --resume`,
    restartCommand: `${self} --restart`,
    againCommand: via === 'run' ? `wshed run ${file}${flags} --replay-again` : `${self} --again`,
    againUnsplitCommand: `wshed replay ${file} ${shellWord(replay)}${flags} --again`,
  };
}

/** A word as a POSIX shell reads it back: quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
