// The replay engine's public API, for the CLI (`wshed replay`, `wshed run`) and for tests:
// runReplay and the shapes it takes and returns. Everything else in this folder is internal.

export { runReplay, DEFAULT_MAX_RETRIES } from './run-replay.ts';
export type { PreviewRecord, ReplayContext, ReplayOptions, ReplaySummary } from './types.ts';
export type { ReplayPhase, ReplayProgress } from './progress.ts';
export { ReplayError, isReplayError, type ReplayErrorCode } from './replay-errors.ts';
export { checkpointPaths, readReplayCheckpoint, type ReplayCheckpoint } from './checkpoint.ts';
export { DEFAULT_MEMORY_LIMIT } from './source.ts';
export { parsePart, partShardIds, type PartSpec } from './parts.ts';
