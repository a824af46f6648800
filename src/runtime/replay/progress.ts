// What a running replay reports as it goes, for the CLI's progress bar and `--json` lines.
// Plain data, sent through ReplayOptions.onProgress after each acknowledged batch and at each phase.

export type ReplayPhase =
  /** Reading the source stream's tips (the watermark), and the live records when the source has them. */
  | 'capture'
  /** Running the pushed-down SQL until its first row (sorting, compaction). */
  | 'query'
  /** Sending batches (or, for --preview and --dry-run, preparing them). */
  | 'emit'
  | 'done';

export interface ReplayProgress {
  readonly phase: ReplayPhase;
  readonly replay: string;
  readonly replayId: string;
  /** Rows the SQL returns in all (known once the query ran; null in preview). */
  readonly total: number | null;
  /** Rows done so far, counting those a resumed run skipped: the bar's position. */
  readonly position: number;
  /** Rows this run processed. */
  readonly records: number;
  /** User records acknowledged by Kinesis in this run. */
  readonly emitted: number;
  /** Kinesis records acknowledged (an aggregate counts once). */
  readonly kinesisRecords: number;
  readonly bytes: number;
  readonly retried: number;
  readonly elapsedMs: number;
  /** User records per second acknowledged so far in this run. */
  readonly ratePerSecond: number;
}
