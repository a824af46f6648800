// Fixture reservoirs on disk (hourly/daily, NDJSON/Parquet) and a DuckDB connection to run the
// generated SQL against them, with its inputs bound as the runtime binds them (the archive to the
// files the real store lists, duckdb-inputs.ts) and the live table the runtime would fill.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  partitionPath,
  QUARANTINE_FOLDER,
  RECORD_COLUMNS,
  type PartitionScheme,
  type ReservoirRecord,
} from '../../src/compiler/record-layout.ts';
import type { PlanInput } from '../../src/compiler/plan/types.ts';
import { archiveRelationSql, fileListLiteral } from '../../src/runtime/query/duckdb-inputs.ts';
import { listArchivedFiles } from '../../src/runtime/query/reservoir-snapshot.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';

const BASE_SEQUENCE = 49590338271490256608559692538361571095921575989136588898n;

/** A realistic 56-digit Kinesis sequence number. */
export const seq = (i: number): string => (BASE_SEQUENCE + BigInt(i)).toString();

export function rec(shard: number, sequence: string, arrival: string, payload: unknown, sub = 0): ReservoirRecord {
  return {
    stream: 'orders',
    shard_id: `shardId-00000000000${shard}`,
    sequence_number: sequence,
    sub_sequence_number: sub,
    partition_key: `pk-${shard}`,
    arrival_time: arrival,
    payload,
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wshed-sql-'));
}

const line = (r: ReservoirRecord) => JSON.stringify(r) + '\n';

/** Write records as the archiver does: one NDJSON file per partition folder. */
export function writeJsonReservoir(root: string, scheme: PartitionScheme, records: readonly ReservoirRecord[], file = 'part-0.json'): void {
  for (const r of records) {
    const dir = path.join(root, partitionPath(scheme, new Date(r.arrival_time)));
    fs.mkdirSync(dir, { recursive: true });
    fs.appendFileSync(path.join(dir, file), line(r));
  }
}

/** Things the scan must never read: a quarantined record and an archiver's unfinished file. */
export function writeDistractions(root: string, scheme: PartitionScheme, record: ReservoirRecord): void {
  const folder = partitionPath(scheme, new Date(record.arrival_time));
  const quarantine = path.join(root, QUARANTINE_FOLDER, folder);
  fs.mkdirSync(quarantine, { recursive: true });
  fs.writeFileSync(path.join(quarantine, 'part-0.json'), line(record));
  fs.mkdirSync(path.join(root, folder), { recursive: true });
  fs.writeFileSync(path.join(root, folder, 'part-9.json.tmp'), line(record));
}

export const COLUMNS_SQL = `{${RECORD_COLUMNS.map((c) => `'${c.name}': '${c.type === 'integer' ? 'BIGINT' : c.type === 'json' ? 'JSON' : 'VARCHAR'}'`).join(', ')}}`;

export interface Duck {
  readonly conn: DuckDBConnection;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Bind the archive inputs as the runtime does: the files the real store lists, or no rows. */
  bind(inputs: readonly PlanInput[]): Promise<void>;
  /** Bind `inputs`, then run `sql.duckdb` (a replaySql result). */
  run(query: { readonly sql: { readonly duckdb: string }; readonly inputs: readonly PlanInput[] }): Promise<Record<string, unknown>[]>;
  /** Fill `table` (created here) with records, as the runtime fills the live table. */
  liveTable(table: string, records: readonly ReservoirRecord[]): Promise<void>;
  /** Write records as Parquet (payload as JSON text), one file per partition folder. */
  parquetReservoir(root: string, scheme: PartitionScheme, records: readonly ReservoirRecord[]): Promise<void>;
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function duck(): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB' });
  const conn = await instance.connect();
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  const staged = (records: readonly ReservoirRecord[]) => {
    const file = path.join(tempDir(), 'records.json');
    fs.writeFileSync(file, records.map(line).join(''));
    return `read_json(${lit(file)}, format = 'newline_delimited', columns = ${COLUMNS_SQL})`;
  };
  const bind = async (inputs: readonly PlanInput[]) => {
    for (const input of inputs) {
      if (input.kind !== 'archive') continue;
      if (input.location.kind !== 'local') throw new Error('the SQL fixtures bind local reservoirs only');
      const files = await listArchivedFiles(new FsReservoirStore(input.location.path), input.format, input.partition);
      await conn.run(`CREATE OR REPLACE VIEW ${input.relation.duckdb} AS ${archiveRelationSql(input, fileListLiteral(files.map((f) => f.url)))}`);
    }
  };
  return {
    conn,
    rows,
    bind,
    async run(query) {
      await bind(query.inputs);
      return rows(query.sql.duckdb);
    },
    async liveTable(table, records) {
      await conn.run('CREATE SCHEMA IF NOT EXISTS wshed_live');
      const columns = RECORD_COLUMNS.map((c) => `${c.name} ${c.type === 'integer' ? 'BIGINT' : c.type === 'json' ? 'JSON' : 'VARCHAR'}`);
      await conn.run(`CREATE OR REPLACE TABLE ${table} (${columns.join(', ')})`);
      if (records.length > 0) await conn.run(`INSERT INTO ${table} SELECT * FROM ${staged(records)}`);
    },
    async parquetReservoir(root, scheme, records) {
      const byFolder = new Map<string, ReservoirRecord[]>();
      for (const r of records) {
        const folder = partitionPath(scheme, new Date(r.arrival_time));
        byFolder.set(folder, [...(byFolder.get(folder) ?? []), r]);
      }
      for (const [folder, group] of byFolder) {
        fs.mkdirSync(path.join(root, folder), { recursive: true });
        const select = `SELECT * REPLACE (CAST(payload AS VARCHAR) AS payload) FROM ${staged(group)}`;
        await conn.run(`COPY (${select}) TO ${lit(path.join(root, folder, 'part-0.parquet'))} (FORMAT parquet)`);
      }
    },
  };
}
