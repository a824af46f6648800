// watershed/consumer: what a consumer imports to stay consistent while a replay and live records
// arrive together — origin versions, the apply rule, and a reference store. No I/O, no Node APIs.
// The protocol is described in docs/consistency.md.

export { REPLAY_METADATA_FIELD } from '../compiler/record-layout.ts';
export { REPLAY_METADATA_VERSION, replayMarkerPath, type Origin, type ReplayMarker, type ReplayMetadata, type Watermark } from './metadata.ts';
export {
  compareSequenceNumbers,
  compareVersions,
  isAfterWatermark,
  isNewer,
  isVersion,
  liveStartPosition,
  liveVersion,
  readReplayMarker,
  readReplayMetadata,
  replayedVersion,
  versionProblem,
  versionSortKey,
  type LiveRecordMetadata,
  type Ordering,
  type ReplayMetadataRead,
  type Version,
} from './version.ts';
export {
  decide,
  liveIncoming,
  OVERWRITE_FIELD,
  replayedIncoming,
  shouldApply,
  withoutReplayMetadata,
  type Decision,
  type DecisionReason,
  type Incoming,
  type StoredVersion,
} from './decide.ts';
export { storedVersionOf, VersionedStore, type StoreEntry } from './store.ts';
