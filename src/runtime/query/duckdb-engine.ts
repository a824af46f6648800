// The SqlEngine on DuckDB (in memory): settings for bounded memory, streamed results, DuckDB's
// error messages kept verbatim, and DuckDB values mapped onto the engine-neutral SqlValue.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DuckDBArrayValue,
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListType,
  DuckDBListValue,
  DuckDBArrayType,
  DuckDBMapType,
  DuckDBMapValue,
  DuckDBMaterializedResult,
  DuckDBStructType,
  DuckDBStructValue,
  DuckDBTypeId,
  DuckDBUnionType,
  DuckDBUnionValue,
  LIST,
  listValue,
  StatementType,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { INTEGER_TYPE_IDS, lowerHexEscapes, nestedAsText, unpack, unsafeIntegersQuoted, type NestedAsText } from './duckdb-nested-text.ts';
import { finishJsonLine, jsonLinesSql } from './duckdb-json-lines.ts';
import { ChunkReader } from './duckdb-chunks.ts';
import { StreamWatch, transactionOpen } from './duckdb-stream-end.ts';
import type { ArchiveInput } from '../../compiler/plan/types.ts';
import { archiveRelationSql } from './duckdb-inputs.ts';
import { quoteIdent, quoteString, SqlError, type ArchiveBinding, type SqlColumn, type SqlEngine, type SqlJsonLineStream, type SqlResultStream, type SqlStatementDescription, type SqlStatementInfo, type SqlValue, type StreamOptions } from './sql-engine.ts';

export interface DuckDbSettings {
  /** Worker threads (default 2). */
  readonly threads?: number;
  /** DuckDB memory_limit (default '1GB'); larger work spills to a temporary folder, removed on close. */
  readonly memoryLimit?: string;
  /** Folder DuckDB spills to (default: a private one under the system's temp folder, removed on close). */
  readonly spillDirectory?: string;
  /** Keep scan order in results without ORDER BY (default false: it costs memory on large results). */
  readonly preserveInsertionOrder?: boolean;
}

export async function openDuckDbEngine(settings: DuckDbSettings = {}): Promise<SqlEngine> {
  // An in-memory database spills to `.tmp` in the working folder by default: use a private folder,
  // which DuckDB creates only if it spills; its files go on close, and the folder in close().
  const spill = settings.spillDirectory ?? path.join(os.tmpdir(), `wshed-duckdb-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(settings.threads ?? 2),
      memory_limit: settings.memoryLimit ?? '1GB',
      temp_directory: spill,
      // Results carry no order unless the query asks for one (ORDER BY is still honoured), and
      // keeping scan order costs memory on large results.
      preserve_insertion_order: settings.preserveInsertionOrder ? 'true' : 'false',
    });
    return new DuckDbEngine(instance, await instance.connect(), spill);
  } catch (err) {
    await fs.rm(spill, { recursive: true, force: true });
    throw asSqlError(err);
  }
}

class DuckDbEngine implements SqlEngine {
  /** Session variables holding file lists, by the list (see fileList). */
  private readonly fileLists = new Map<string, Promise<string>>();
  private closing = false;
  /** Chunks being fetched ahead of their reader (duckdb-chunks.ts). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The user's SQL ran transaction statements: one of theirs may be open (watchFor). */
  private userTransactions = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly spill: string,
  ) {}

  async exec(sql: string): Promise<void> {
    await guard(() => this.connection.run(sql));
  }

  async rows(sql: string): Promise<SqlValue[][]> {
    // One call into DuckDB: a materialized result's chunks are read without another one each.
    const result = await guard(() => this.connection.run(sql));
    const rows: DuckDBValue[][] = [];
    for (let i = 0; i < result.chunkCount; i++) rows.push(...result.getChunk(i).getRows());
    return rowConverter(result.columnTypes())(rows);
  }

  async stream(sql: string, options: StreamOptions = {}): Promise<SqlResultStream> {
    const few = fewRows(options);
    // The transaction a SELECT streams in (duckdb-stream-end.ts), opened beside the prepare: one
    // that fails to bind leaves it as it was.
    const opening = few ? null : this.watchFor(sql);
    opening?.catch(() => undefined);
    const select = await this.selectColumns(sql);
    let rendered: Awaited<ReturnType<DuckDbEngine['nestedAsText']>> = null;
    let started: Started;
    try {
      if (!select) {
        // The user's statements run outside it (they may open their own).
        await (await opening)?.abandon();
        started = await this.streamStatements(sql);
      } else if (few) {
        // A few rows (the statement's own LIMIT): run to its end at once, which reports a failure
        // itself (no transaction to check), and read without a call into DuckDB per chunk.
        started = { result: await guard(() => select.prepared.run()), watch: null };
      } else {
        let watch = (await opening)!;
        rendered = await this.nestedAsText(sql, select, watch);
        if (!rendered && watch.abandoned) watch = await this.watchFor(sql);
        // Not wrapped: the statement already prepared (and bound) runs as it is, not bound again.
        started = rendered ? rendered.started : await startWatched(watch, () => select.prepared.stream());
      }
    } catch (err) {
      select?.prepared.destroySync();
      throw err;
    }
    const { result, watch } = started;
    // Kept while its result streams; the wrapped statement needs it no more.
    let prepared = started.prepared ?? select?.prepared ?? null;
    if (rendered) prepared = release(prepared);
    const types = rendered ? rendered.types : result.columnTypes();
    const columns: SqlColumn[] = (rendered ? rendered.names : result.columnNames()).map((name, i) => ({ name, type: types[i].toString() }));
    const convert = rendered ? renderedRowConverter(rendered.wrapped) : rowConverter(types);
    const chunks = this.chunks(result, watch);
    let done = false;
    let chunk: DuckDBDataChunk | null = null;
    let cursor = 0;
    const finish = () => {
      done = true;
      chunk = null;
      prepared = release(prepared);
    };
    return {
      columns,
      async next() {
        while (chunk === null || cursor >= chunk.rowCount) {
          if (done) return null;
          let fetched: DuckDBDataChunk | null;
          try {
            fetched = await chunks.next();
          } catch (err) {
            finish();
            throw err;
          }
          if (!fetched) {
            finish();
            return null;
          }
          chunk = fetched;
          cursor = 0;
        }
        return convert(takeRows(chunk, cursor, (next) => (cursor = next)));
      },
    };
  }

  /** `result`'s chunks, read one ahead (duckdb-chunks.ts), its end checked by `watch`; a materialized result's read as they are. */
  private chunks(result: DuckDBResult, watch: StreamWatch | null): ChunkReader {
    let index = 0;
    const fetch =
      result instanceof DuckDBMaterializedResult
        ? async () => (index < result.chunkCount ? result.getChunk(index++) : null)
        : () => guard(() => result.fetchChunk());
    return new ChunkReader(fetch, watch, (work) => {
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    });
  }

  /** The watch a stream of `sql` starts in: its own transaction, or the user's if they opened one. */
  private async watchFor(sql: string | null): Promise<StreamWatch> {
    if (this.userTransactions) {
      if (await transactionOpen(this.connection)) return StreamWatch.within(this.connection, sql);
      this.userTransactions = false;
    }
    return StreamWatch.begin(this.connection, sql);
  }

  /** Several statements, or one that is not a SELECT: all but the last run, then the last streams (watched if a SELECT). */
  private async streamStatements(sql: string): Promise<Started> {
    const extracted = await guard(() => this.connection.extractStatements(sql));
    for (let i = 0; i < extracted.count - 1; i++) {
      const statement = await guard(() => extracted.prepare(i));
      try {
        if (statement.statementType === StatementType.TRANSACTION) this.userTransactions = true;
        await guard(() => statement.run());
      } finally {
        statement.destroySync();
      }
    }
    const last = await guard(() => extracted.prepare(extracted.count - 1));
    try {
      if (last.statementType === StatementType.TRANSACTION) this.userTransactions = true;
      // The last statement's own text is not at hand: a failure found at the end has no message.
      if (last.statementType === StatementType.SELECT) return { ...(await startWatched(await this.watchFor(null), () => last.stream())), prepared: last };
      return { result: await guard(() => last.stream()), watch: null, prepared: last };
    } catch (err) {
      last.destroySync();
      throw err;
    }
  }

  /**
   * A single SELECT with struct or list columns runs wrapped so DuckDB renders them as JSON text
   * (duckdb-nested-text.ts); anything else, or a wrap DuckDB refuses, runs as written.
   */
  private async nestedAsText(sql: string, select: SelectColumns, watch: StreamWatch): Promise<{ started: Started; types: DuckDBType[]; names: string[]; wrapped: NestedAsText } | null> {
    const { names, types } = select;
    const wrapped = nestedAsText(sql, names, types);
    if (!wrapped) return null;
    try {
      return { started: await startWatched(watch, () => this.connection.stream(wrapped.sql)), types, names, wrapped };
    } catch {
      return null;
    }
  }

  /**
   * The columns of `sql` when it is one SELECT, with the statement prepared (the caller destroys
   * it); null otherwise, or when it does not bind (run as written, it reports its own error).
   */
  private async selectColumns(sql: string): Promise<SelectColumns | null> {
    const types: DuckDBType[] = [];
    const names: string[] = [];
    let prepared: DuckDBPreparedStatement | undefined;
    try {
      // DuckDB refuses to prepare more than one statement at once.
      prepared = await this.connection.prepare(sql);
      if (prepared.statementType !== StatementType.SELECT) {
        prepared.destroySync();
        return null;
      }
      for (let i = 0; i < prepared.columnCount; i++) {
        names.push(prepared.columnName(i));
        types.push(prepared.columnType(i));
      }
    } catch {
      prepared?.destroySync();
      return null;
    }
    return { names, types, prepared };
  }

  async streamJsonLines(sql: string, options: StreamOptions = {}): Promise<SqlJsonLineStream | null> {
    if (fewRows(options)) return null;
    // As in stream(): the transaction opened beside the prepare.
    const opening = this.watchFor(sql);
    opening.catch(() => undefined);
    const select = await this.selectColumns(sql);
    select?.prepared.destroySync();
    const wrapped = select && jsonLinesSql(sql, select.names, select.types);
    if (!select || !wrapped) {
      await opening.then((watch) => watch.abandon(), () => undefined);
      return null;
    }
    let started: Started;
    try {
      started = await startWatched(await opening, () => this.connection.stream(wrapped));
    } catch {
      return null; // the statement as written reports its own error
    }
    const { result, watch } = started;
    const columns: SqlColumn[] = select.names.map((name, i) => ({ name, type: select.types[i].toString() }));
    const chunks = this.chunks(result, watch);
    let done = false;
    let lines: DuckDBVector | null = null;
    let rowCount = 0;
    let cursor = 0;
    return {
      columns,
      async next() {
        while (lines === null || cursor >= rowCount) {
          if (done) return null;
          const fetched = await chunks.next();
          if (!fetched) {
            done = true;
            lines = null;
            return null;
          }
          lines = fetched.getColumnVector(0);
          rowCount = fetched.rowCount;
          cursor = 0;
        }
        // As many rows as fit in BATCH_CHARS (at least one): rows of a megabyte come a few at a time.
        const batch: string[] = [];
        let chars = 0;
        for (; cursor < rowCount && (batch.length === 0 || chars < BATCH_CHARS); cursor++) {
          const line = finishJsonLine(lines.getItem(cursor) as string);
          chars += line.length;
          batch.push(line);
        }
        return batch;
      },
    };
  }

  async bindArchive(input: ArchiveInput, files: readonly string[], options: ArchiveBinding = {}): Promise<void> {
    const name = options.as !== undefined ? quoteIdent(options.as) : input.relation.duckdb;
    const relation = await this.archiveRelation(input, files, options);
    await guard(() => this.connection.run(`CREATE OR REPLACE VIEW ${name} AS ${relation}`));
  }

  async archiveRelation(input: ArchiveInput, files: readonly string[], options: Omit<ArchiveBinding, 'as'> = {}): Promise<string> {
    const list = files.length > 0 ? `getvariable(${quoteString(await this.fileList(files))})` : null;
    return archiveRelationSql(input, list, options.payloadType ?? null);
  }

  expectFiles(files: readonly string[]): void {
    if (!this.closing && files.length > 0) this.fileList(files).catch(() => undefined);
  }

  /** The session variable holding `files` (duckdb-inputs.ts says why they are not spelled out), set once per list. */
  private fileList(files: readonly string[]): Promise<string> {
    const key = files.join('\n');
    let variable = this.fileLists.get(key);
    if (!variable) {
      const name = `wshed_files_${this.fileLists.size + 1}`;
      variable = (async () => {
        // Prepared as one statement (connection.run with values would split the text into statements first).
        const set = await guard(() => this.connection.prepare(`SET VARIABLE ${quoteIdent(name)} = $1`));
        try {
          set.bind([listValue([...files])], [LIST(VARCHAR)]);
          await guard(() => set.run());
        } finally {
          set.destroySync();
        }
        return name;
      })();
      this.fileLists.set(key, variable);
    }
    return variable;
  }

  async inspect(sql: string): Promise<SqlStatementInfo> {
    let extracted;
    try {
      extracted = await this.connection.extractStatements(sql);
    } catch (err) {
      // The binding fails with this bare message when the text holds no statement (`;`, a comment).
      if (err instanceof Error && err.message === NO_STATEMENT) return { statements: 0, tables: [] };
      throw asSqlError(err);
    }
    // get_table_names answers for one statement only (an empty list for several).
    const tables = extracted.count === 1 ? [...new Set(this.connection.getTableNames(sql, false))] : null;
    return { statements: extracted.count, tables };
  }

  async describe(sql: string): Promise<SqlStatementDescription> {
    const extracted = await guard(() => this.connection.extractStatements(sql));
    if (extracted.count !== 1) throw new SqlError(`expected one statement, found ${extracted.count}`);
    const prepared = await guard(() => extracted.prepare(0));
    try {
      const columns: SqlColumn[] = [];
      for (let i = 0; i < prepared.columnCount; i++) {
        const type = prepared.columnType(i);
        // JSON is VARCHAR with an alias: name it, since its values are embedded as JSON, not quoted.
        columns.push({ name: prepared.columnName(i), type: type.alias ?? type.toString() });
      }
      return { kind: StatementType[prepared.statementType] ?? String(prepared.statementType), columns };
    } finally {
      prepared.destroySync();
    }
  }

  async confine(directories: readonly string[]): Promise<void> {
    // Checked on DuckDB 1.5.6 (STACK.md): set on the connection after the views exist, in this
    // order, lock last. Passed to DuckDBInstance.create instead they fail ("Failed to set config").
    const list = directories.map((d) => quoteString(d.endsWith('/') ? d : `${d}/`)).join(', ');
    for (const setting of [
      `SET allowed_directories = [${list}]`,
      'SET enable_external_access = false',
      'SET autoinstall_known_extensions = false',
      'SET autoload_known_extensions = false',
      'SET lock_configuration = true',
    ]) {
      await guard(() => this.connection.run(setting));
    }
  }

  async close(): Promise<void> {
    // Not while a list expected early is still being set, or a chunk fetched ahead.
    this.closing = true;
    await Promise.allSettled([...this.fileLists.values(), ...this.inFlight]);
    this.connection.closeSync();
    this.instance.closeSync();
    // DuckDB creates the folder when it first spills, and leaves it (empty) on close.
    if (existsSync(this.spill)) await fs.rm(this.spill, { recursive: true, force: true });
  }
}

/**
 * Rows up to which node-api reading nested values one by one costs less than binding the wrapped
 * statement that has DuckDB render them (the statement is bound again inside it): measured with
 * the bench's SELECT * over a million records, LIMIT 100 gained 3-5 ms, and from about 500 rows on it lost.
 */
const FEW_ROWS = 200;

const fewRows = (options: StreamOptions) => options.rowsAtMost !== undefined && options.rowsAtMost <= FEW_ROWS;

function release(prepared: DuckDBPreparedStatement | null): null {
  prepared?.destroySync();
  return null;
}

/** `start`ed inside `watch`'s transaction, which tells at the end whether it failed; ended if it does not start. */
async function startWatched(watch: StreamWatch, start: () => Promise<DuckDBResult>): Promise<Started> {
  try {
    return { result: await guard(start), watch };
  } catch (err) {
    await watch.abandon();
    throw err;
  }
}

/** A result streaming, with what tells its end from a failure (none for a statement that is not a SELECT). */
interface Started {
  readonly result: DuckDBResult;
  readonly watch: StreamWatch | null;
  /** The prepared statement to keep while the result streams, when not the caller's. */
  readonly prepared?: DuckDBPreparedStatement;
}

interface SelectColumns {
  readonly names: string[];
  readonly types: DuckDBType[];
  readonly prepared: DuckDBPreparedStatement;
}

const NO_STATEMENT = 'Error in native callback';

/** Text a batch of rows holds at most (one row more than that is always taken). */
const BATCH_CHARS = 16 * 1024 * 1024;

/**
 * Rows of a chunk from `from` on, as many as fit in BATCH_CHARS of text. A chunk holds up to 2,048
 * rows whatever their size: rows of a megabyte would make gigabytes of JS strings at once (and
 * one NDJSON text past V8's limit), so large rows come out a few at a time.
 */
function takeRows(chunk: DuckDBDataChunk, from: number, moveTo: (next: number) => void): DuckDBValue[][] {
  const rows: DuckDBValue[][] = [];
  let chars = 0;
  let i = from;
  for (; i < chunk.rowCount && (rows.length === 0 || chars < BATCH_CHARS); i++) {
    const row = chunk.getRowValues(i);
    for (const v of row) if (typeof v === 'string') chars += v.length;
    rows.push(row);
  }
  moveTo(i);
  // The chunk's vectors keep every value read so far: drop them so a batch's strings can be freed.
  if (i < chunk.rowCount) (chunk as unknown as { vectors?: unknown[] }).vectors = [];
  return rows;
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asSqlError(err);
  }
}

function asSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // The node binding prefixes parser errors; the rest is DuckDB's own message.
  return new SqlError(message.replace(/^Failed to extract statements: /, '').trim() || 'the SQL holds no statement');
}

const PRIMITIVE_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  ...INTEGER_TYPE_IDS,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.SQLNULL,
]);

type Convert = (value: DuckDBValue) => SqlValue;

/**
 * A converter per column type, built once per result: most cells (text, numbers, booleans) are
 * already SqlValues and are passed through untouched, which keeps large results cheap.
 */
function converterFor(type: DuckDBType): Convert | null {
  if (type.alias === 'JSON') return (v) => (typeof v === 'string' ? { kind: 'json', text: v } : (v as SqlValue));
  if (type instanceof DuckDBListType || type instanceof DuckDBArrayType) {
    const item = converterFor(type.valueType) ?? passThrough;
    return (v) => (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue ? { kind: 'list', items: v.items.map(item) } : fallback(v));
  }
  if (type instanceof DuckDBStructType) {
    const entries = type.entryNames.map((name, i) => [name, converterFor(type.entryTypes[i]) ?? passThrough] as const);
    return (v) => (v instanceof DuckDBStructValue ? { kind: 'struct', entries: entries.map(([k, c]) => [k, c(v.entries[k])] as const) } : fallback(v));
  }
  if (type instanceof DuckDBMapType) {
    const value = converterFor(type.valueType) ?? passThrough;
    return (v) => (v instanceof DuckDBMapValue ? { kind: 'struct', entries: v.entries.map((e) => [mapKeyText(e.key), value(e.value)] as const) } : fallback(v));
  }
  if (type instanceof DuckDBUnionType) {
    const members = new Map(type.memberTags.map((tag, i) => [tag, converterFor(type.memberTypes[i]) ?? passThrough]));
    return (v) => (v instanceof DuckDBUnionValue ? (members.get(v.tag) ?? passThrough)(v.value) : fallback(v));
  }
  return (v) => fallback(v);
}

const passThrough: Convert = (v) => fallback(v);

/** Primitives as they are; decimals exact; temporal values, UUID, interval, blob, bit as DuckDB's text. */
function fallback(value: DuckDBValue): SqlValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof DuckDBDecimalValue) return { kind: 'decimal', text: value.toString() };
  return value.toString();
}

/** Converts rows in place, touching only the columns whose values need it. */
function rowConverter(types: readonly DuckDBType[]): (rows: DuckDBValue[][]) => SqlValue[][] {
  const columns = types.map((t, i) => [i, primitive(t) ? null : converterFor(t)] as const).filter((c): c is readonly [number, Convert] => c[1] !== null);
  return (rows) => {
    if (columns.length > 0) for (const row of rows) for (const [i, convert] of columns) row[i] = convert(row[i]) as DuckDBValue;
    return rows as SqlValue[][];
  };
}

/** Rows of the wrapped statement (see nestedAsText) back in the statement's columns. */
function renderedRowConverter(wrapped: NestedAsText): (rows: DuckDBValue[][]) => SqlValue[][] {
  const plain = rowConverter(wrapped.plainTypes);
  const packedAt = wrapped.plainTypes.length;
  return (rows) =>
    plain(rows).map((row) => {
      const pieces = unpack(row[packedAt] as string);
      return wrapped.places.map((place): SqlValue => {
        if (place.kind === 'plain') return row[place.at];
        const text = pieces[place.at];
        if (text === null || place.json === null) return text;
        if (place.json === 'as-is') return { kind: 'json', text };
        return { kind: 'json', text: place.json === 'rendered' ? lowerHexEscapes(text) : unsafeIntegersQuoted(lowerHexEscapes(text)) };
      });
    });
}

/** Types whose values node-api already gives as null, boolean, number, bigint or string. */
function primitive(type: DuckDBType): boolean {
  if (type.alias === 'JSON') return false;
  return PRIMITIVE_TYPES.has(type.typeId);
}

function mapKeyText(key: DuckDBValue): string {
  return typeof key === 'string' ? key : key === null ? 'NULL' : key.toString();
}
