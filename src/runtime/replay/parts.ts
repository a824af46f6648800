// A replay split into parts (`--part i/N`): part i emits only the records routed to the i-th of N
// groups of destination shards, and the N parts together emit what one run emits. The parts agree
// through a parts run kept beside the reservoir (`_wshed/replay-parts/<replay>/<generation>.json`):
// the first part to start captures the cut, lists the destination's shards once and creates it
// (a conditional write, so two machines starting at once agree on one); the others join it and use
// its replay id, watermark, step, shard list and start time. Each part records its completion
// there too, so the next parts run brings the replay up to date from a run every part finished.

import type { ReplayStep } from '../../compiler/plan/types.ts';
import type { ShardInfo } from '../kinesis/stream-service.ts';
import { STORE_META_FOLDER, type ReservoirStore } from '../reservoir/store.ts';
import type { CompletedRun } from './checkpoint.ts';
import type { ReplayDefinition } from './definition.ts';
import { ReplayError } from './replay-errors.ts';
import { ShardRouter } from './shard-router.ts';
import type { SourceCut } from './watermark.ts';

/** Part `index` (1-based) of `count`. */
export interface PartSpec {
  readonly index: number;
  readonly count: number;
}

/** What every part of one split run shares: written once by the part that starts first. */
export interface PartsRun {
  readonly kind: 'replay-parts-run';
  readonly version: 1;
  readonly replay: string;
  /** 1 for the replay's first parts run, then one more per run. */
  readonly generation: number;
  readonly replayId: string;
  readonly parts: number;
  readonly step: ReplayStep;
  readonly aggregate: boolean;
  readonly cut: SourceCut;
  readonly definition: ReplayDefinition;
  readonly base: CompletedRun | null;
  /** The destination's shards as listed once by the first part: every part routes and groups by them. */
  readonly shards: readonly ShardInfo[];
  readonly startedAt: string;
}

/** A part's completion of a parts run. */
export interface PartDone {
  readonly kind: 'replay-part-done';
  readonly replayId: string;
  readonly part: number;
  readonly parts: number;
  readonly emitted: number;
  readonly completedAt: string;
}

/** `i/N` as the CLI takes it; a message saying what is wrong otherwise. */
export function parsePart(text: string): PartSpec | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return `--part takes i/N, two whole numbers such as 1/3 (got '${text}')`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return `--part ${text}: N must be at least 1`;
  if (index < 1 || index > count) return `--part ${text}: i must be between 1 and ${count}`;
  return { index, count };
}

/**
 * The shards of part `part`: the open shards in hash-key order cut into `count` contiguous groups
 * as even as they go. Refuses (WS765) more parts than open shards: a part would have none.
 */
export function partShardIds(shards: readonly ShardInfo[], part: PartSpec, into: string): string[] {
  const ids = new ShardRouter(shards).shardIds;
  if (part.count > ids.length) throw new ReplayError('WS765', { into, parts: part.count, shards: ids.length });
  const from = Math.floor(((part.index - 1) * ids.length) / part.count);
  const to = Math.floor((part.index * ids.length) / part.count);
  return ids.slice(from, to);
}

/** The open shards' ids and hash ranges, comparable across two listings. */
export function openShardsKey(shards: readonly ShardInfo[]): string {
  return shards
    .filter((s) => s.sequenceRange.end === null)
    .map((s) => `${s.shardId}:${s.hashKeyRange.start}-${s.hashKeyRange.end}`)
    .sort()
    .join(',');
}

const folderOf = (replay: string) => `${STORE_META_FOLDER}/replay-parts/${encodeURIComponent(replay)}`;
const runPath = (replay: string, generation: number) => `${folderOf(replay)}/${String(generation).padStart(6, '0')}.json`;
const donePath = (replay: string, generation: number, part: number) => `${folderOf(replay)}/${String(generation).padStart(6, '0')}.part-${part}.done.json`;

/** The replay's latest parts run and the parts that completed it; null when it was never split. */
export async function latestPartsRun(store: ReservoirStore, replay: string): Promise<{ run: PartsRun; done: Map<number, PartDone> } | null> {
  const folder = folderOf(replay);
  let latest = 0;
  for await (const file of store.list(`${folder}/`)) {
    const m = /\/(\d{6})\.json$/.exec(file.path);
    if (m) latest = Math.max(latest, Number(m[1]));
  }
  if (latest === 0) return null;
  const run = await readPartsRun(store, replay, latest);
  if (!run) return null;
  const done = new Map<number, PartDone>();
  for (let part = 1; part <= run.parts; part++) {
    const data = await store.read(donePath(replay, latest, part));
    if (data) done.set(part, JSON.parse(data.toString('utf8')) as PartDone);
  }
  return { run, done };
}

export async function readPartsRun(store: ReservoirStore, replay: string, generation: number): Promise<PartsRun | null> {
  const data = await store.read(runPath(replay, generation));
  if (!data) return null;
  const run = JSON.parse(data.toString('utf8')) as PartsRun;
  if (run.kind !== 'replay-parts-run' || run.version !== 1) throw new Error(`${runPath(replay, generation)} is not a version 1 parts run`);
  return run;
}

/** Creates the parts run unless another part created this generation first: then that one is returned. */
export async function createPartsRun(store: ReservoirStore, run: PartsRun): Promise<{ created: boolean; run: PartsRun }> {
  const tag = await store.createIfAbsent(runPath(run.replay, run.generation), JSON.stringify(run, null, 1) + '\n');
  if (tag !== null) return { created: true, run };
  const winner = await readPartsRun(store, run.replay, run.generation);
  if (!winner) throw new Error(`parts run ${run.generation} of replay ${run.replay} was neither created nor readable`);
  return { created: false, run: winner };
}

export async function markPartDone(store: ReservoirStore, replay: string, generation: number, done: PartDone): Promise<void> {
  // Written again after a crash between the checkpoint and this: same meaning, so a plain replace.
  await store.writeAtomic(donePath(replay, generation, done.part), JSON.stringify(done, null, 1) + '\n');
}

/** A parts run every part completed, as the base a later run brings up to date. */
export function completedPartsRun(run: PartsRun, done: ReadonlyMap<number, PartDone>): CompletedRun {
  const parts = [...done.values()];
  const completedAt = parts.map((p) => p.completedAt).sort().at(-1) ?? run.startedAt;
  return { replayId: run.replayId, cut: run.cut, definition: run.definition, completedAt, emitted: parts.reduce((n, p) => n + p.emitted, 0) };
}

/** The parts of `run` not completed yet, e.g. `2/3, 3/3`. */
export function missingParts(run: PartsRun, done: ReadonlyMap<number, PartDone>): string {
  const missing: string[] = [];
  for (let part = 1; part <= run.parts; part++) if (!done.has(part)) missing.push(`${part}/${run.parts}`);
  return missing.join(', ');
}
