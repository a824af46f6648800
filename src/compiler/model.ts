// The checked model: every name resolved, every value parsed and validated, defaults applied.
// It is what the planner consumes; it holds no syntax, only meaning (plus spans for later checks).

import type { Expr } from './ast.ts';
import type { MetadataField, PartitionScheme, ReservoirFormat } from './record-layout.ts';
import type { Span } from './source.ts';

export type Key =
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'meta'; readonly name: MetadataField };

export type JsonScalar = string | number | boolean | null;

export interface StreamModel {
  readonly name: string;
  readonly shards: number;
  readonly retentionHours: number;
  /** The record key; null means the Kinesis partition key. */
  readonly key: Key | null;
  readonly span: Span;
}

export type Location =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

export type ArchiveMethod =
  | { readonly via: 'archiver'; readonly everySeconds: number }
  | { readonly via: 'firehose'; readonly bufferBytes: number; readonly bufferSeconds: number };

export interface ReservoirModel {
  readonly name: string;
  readonly stream: string;
  readonly location: Location;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
  readonly archive: ArchiveMethod;
  /** Where the location is written (the `at` string), or the name when it is the default. */
  readonly locationSpan?: Span;
  readonly span: Span;
}

export interface QueryModel {
  readonly name: string;
  readonly sql: string;
  readonly span: Span;
}

export type ReplaySource = 'archive' | 'live' | 'archive+live';

export interface ReplayModel {
  /** Declared, or derived as `<reservoir>-to-<into>` (suffixed when that repeats). */
  readonly name: string;
  readonly named: boolean;
  readonly source: ReplaySource;
  readonly reservoir: string;
  /** The stream the reservoir drains (where live records come from). */
  readonly stream: string;
  readonly into: string;
  /** The where expression, names checked; null when absent. */
  readonly where: Expr | null;
  /** Half-open arrival-time bounds [since, until) as ISO-8601 UTC with milliseconds. */
  readonly since: string | null;
  readonly until: string | null;
  /** Null when not compacting. */
  readonly compactBy: Key | null;
  readonly annotate: readonly { readonly key: string; readonly value: JsonScalar }[];
  /** Records per second from the `rate` clause; null means the destination's shard budget. */
  readonly ratePerSecond: number | null;
  /** Where the `rate` clause is written (warnings about the rate point at it). */
  readonly rateSpan?: Span;
  readonly limit: number | null;
  readonly aggregate: boolean;
  /** Where the emitted partition key comes from (default: the original partition key). */
  readonly partitionKey: Key;
  readonly span: Span;
}

export interface Model {
  readonly streams: readonly StreamModel[];
  readonly reservoirs: readonly ReservoirModel[];
  readonly queries: readonly QueryModel[];
  readonly replays: readonly ReplayModel[];
}
