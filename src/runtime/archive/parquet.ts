// Converts a staged NDJSON chunk into Parquet through the target runtime's embedded SQL engine
// (`COPY … TO … (FORMAT parquet)` on DuckDB), columns typed from RECORD_COLUMNS, payload as JSON text.

import { RECORD_COLUMNS, type ColumnType } from '../../compiler/record-layout.ts';
import { quoteIdent, quoteString, type SqlEngine, type SqlEngineRequest } from '../query/sql-engine.ts';

const DUCKDB_TYPE: Record<ColumnType, string> = { string: 'VARCHAR', integer: 'INTEGER', json: 'JSON' };

export class ParquetWriter {
  private constructor(private readonly engine: SqlEngine) {}

  /** `openEngine`: the target runtime's (TargetRuntime.openSqlEngine); the writer asks for an embedded one. */
  static async open(openEngine: (request: SqlEngineRequest) => Promise<SqlEngine>, options: { threads?: number; memoryLimit?: string } = {}): Promise<ParquetWriter> {
    // The files are on this machine (staged chunks), so the engine is in this process; the file
    // keeps the chunk's record order (the archiver's, per shard by sequence number).
    const engine = await openEngine({ embedded: true, threads: options.threads ?? 1, memoryLimit: options.memoryLimit ?? '256MB', preserveOrder: true });
    return new ParquetWriter(engine);
  }

  /** Writes the NDJSON reservoir lines at `ndjsonPath` as a Parquet file at `parquetPath`. */
  async convert(ndjsonPath: string, parquetPath: string): Promise<void> {
    const columns = RECORD_COLUMNS.map((c) => `${quoteIdent(c.name)}: ${quoteString(DUCKDB_TYPE[c.type])}`).join(', ');
    const select = RECORD_COLUMNS.map((c) =>
      c.type === 'json' ? `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
    ).join(', ');
    await this.engine.exec(
      `COPY (SELECT ${select} FROM read_ndjson(${quoteString(ndjsonPath)}, columns = {${columns}}, maximum_object_size = 16777216)) ` +
        `TO ${quoteString(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
