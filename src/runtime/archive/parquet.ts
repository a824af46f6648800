// Converts a staged NDJSON chunk into Parquet with DuckDB (`COPY … TO … (FORMAT parquet)`),
// columns typed from RECORD_COLUMNS and the payload kept as JSON text.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { RECORD_COLUMNS, type ColumnType } from '../../compiler/record-layout.ts';

const DUCKDB_TYPE: Record<ColumnType, string> = { string: 'VARCHAR', integer: 'INTEGER', json: 'JSON' };

export class ParquetWriter {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: { threads?: number; memoryLimit?: string } = {}): Promise<ParquetWriter> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(options.threads ?? 1),
      memory_limit: options.memoryLimit ?? '256MB',
    });
    return new ParquetWriter(instance, await instance.connect());
  }

  /** Writes the NDJSON reservoir lines at `ndjsonPath` as a Parquet file at `parquetPath`. */
  async convert(ndjsonPath: string, parquetPath: string): Promise<void> {
    const columns = RECORD_COLUMNS.map((c) => `${quoteIdent(c.name)}: ${quoteString(DUCKDB_TYPE[c.type])}`).join(', ');
    const select = RECORD_COLUMNS.map((c) =>
      c.type === 'json' ? `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
    ).join(', ');
    await this.connection.run(
      `COPY (SELECT ${select} FROM read_ndjson(${quoteString(ndjsonPath)}, columns = {${columns}}, maximum_object_size = 16777216)) ` +
        `TO ${quoteString(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
