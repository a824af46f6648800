// The chunks of a streaming DuckDB result, the next one always fetched while the caller converts
// and writes the current one (DuckDB's threads work meanwhile), and the stream's end checked as
// soon as it is seen (duckdb-stream-end.ts), before the caller asks for it.

import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { StreamWatch } from './duckdb-stream-end.ts';

export class ChunkReader {
  private ahead: Promise<DuckDBDataChunk | null> | null = null;
  private rows = 0;
  private ended = false;

  /**
   * `fetch`: the result's next chunk, null or empty at its end (errors as the engine reports them); `track`: work in flight
   * the engine waits for before it closes.
   */
  constructor(
    private readonly fetch: () => Promise<DuckDBDataChunk | null>,
    private readonly watch: StreamWatch | null,
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  /** The next chunk holding rows, or null once the result is done (and its end checked). */
  async next(): Promise<DuckDBDataChunk | null> {
    if (this.ended) return null;
    const current = this.ahead ?? this.start();
    this.ahead = null;
    let chunk: DuckDBDataChunk | null;
    try {
      chunk = await current;
    } catch (err) {
      this.ended = true;
      throw err;
    }
    if (chunk === null) this.ended = true;
    // One chunk ahead, never two fetches at once on the result.
    else this.ahead = this.start();
    return chunk;
  }

  private start(): Promise<DuckDBDataChunk | null> {
    const work = (async () => {
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await this.fetch();
      } catch (err) {
        // DuckDB said why: the transaction it aborted is ended, for what the engine runs next.
        await this.watch?.abandon();
        throw err;
      }
      if (chunk && chunk.rowCount > 0) {
        this.rows += chunk.rowCount;
        return chunk;
      }
      // No more rows: because the query is done, or because it failed.
      await this.watch?.ended(this.rows);
      return null;
    })();
    // Read by next(), or never when the caller stops early.
    work.catch(() => undefined);
    this.track(work);
    return work;
  }
}
