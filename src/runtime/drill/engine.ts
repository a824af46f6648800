// The SqlEngine on Apache Drill over its REST API: one statement per request, the answer read
// incrementally (a batch of rows at a time, never the whole result), a failed query as SqlError
// with Drill's message, and an abort (Ctrl-C) cancelling the running query on Drill itself.

import { randomUUID } from 'node:crypto';
import { RuntimeError } from '../runtime-error.ts';
import type { ArchiveInput } from '../../compiler/plan/types.ts';
import { SqlError, type ArchiveBinding, type SqlColumn, type SqlEngine, type SqlJsonLineStream, type SqlResultStream, type SqlStatementDescription, type SqlStatementInfo, type SqlValue } from '../query/sql-engine.ts';
import { DrillClient, type DrillAnswer, type DrillSession } from './client.ts';
import { jsonLineRows } from './drill-json-lines.ts';
import { valueRows } from './drill-values.ts';
import { DrillResponseParser, type DrillColumns, type RowReading } from './response-parser.ts';
import { splitStatements, statementKind } from './statements.ts';

export interface DrillEngineOptions {
  /** Drill's REST address, e.g. http://127.0.0.1:8047 (credentials in it go in a header, never in messages). */
  readonly url: string;
  /** Session options for every query, beside the engine's own (verbose errors, the v1 JSON reader). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The schema unqualified names resolve in, e.g. `dfs.tmp` where the reservoir views are. */
  readonly defaultSchema?: string;
  /** Aborting it (Ctrl-C) cancels the running query on Drill; the read then fails with WS854. */
  readonly signal?: AbortSignal;
}

/** A result being read from Drill; `cancel` stops it on Drill (a run whose rows are not wanted after all). */
export type DrillResultStream<Row> = {
  readonly columns: readonly SqlColumn[];
  next(): Promise<Row[] | null>;
  cancel(): Promise<void>;
};

/** Rows a batch holds at most, and the text it is read from at most (one piece more is possible). */
const BATCH_ROWS = 2048;
const BATCH_CHARS = 4 * 1024 * 1024;
/** How long a cancel looks for a query Drill has not named yet (it names it with its first rows). */
const FIND_QUERY_MS = 10_000;
/** How long a cancel is repeated until Drill's profile says the query is over. */
const CONFIRM_CANCEL_MS = 30_000;
/** A profile's `state` once the query is over (QueryState COMPLETED, CANCELED, FAILED), as number or name. */
const TERMINAL_STATES = new Set<number | string>([2, 3, 4, 'COMPLETED', 'CANCELED', 'FAILED']);

export async function openDrillEngine(options: DrillEngineOptions): Promise<DrillEngine> {
  return new DrillEngine(new DrillClient(options.url), options);
}

export class DrillEngine implements SqlEngine {
  private readonly running = new Set<DrillQuery<unknown>>();
  private session: DrillSession;
  private readonly onAbort = () => {
    for (const q of this.running) void q.cancel();
  };

  constructor(
    readonly client: DrillClient,
    private readonly settings: Omit<DrillEngineOptions, 'url'> = {},
  ) {
    this.session = { options: settings.options ?? {}, ...(settings.defaultSchema ? { defaultSchema: settings.defaultSchema } : {}) };
    settings.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get url(): string {
    return this.client.url;
  }

  /**
   * Every later query is sent with these too: the views' default schema and options (REST
   * requests share no session, so `ALTER SESSION` would not last; this does).
   */
  useSession(session: DrillSession): void {
    this.session = {
      options: { ...this.session.options, ...session.options },
      ...(session.defaultSchema ?? this.session.defaultSchema ? { defaultSchema: session.defaultSchema ?? this.session.defaultSchema } : {}),
    };
  }

  /**
   * The plan's Drill relation of an archive input is the plugin's glob table itself: Drill reads
   * what the glob matches, so there is nothing to bind. Exact file sets under another name are
   * DuckDB's way of splitting a query's files; Drill has none.
   */
  async bindArchive(input: ArchiveInput, _files: readonly string[], options: ArchiveBinding = {}): Promise<void> {
    if (options.as !== undefined) throw new SqlError(`Drill reads reservoir '${input.reservoir}' through its glob table ${input.relation.drill}; it cannot bind an exact file set as '${options.as}'`);
  }

  async exec(sql: string): Promise<void> {
    for (const statement of splitStatements(sql)) await this.drain(statement);
  }

  async rows(sql: string): Promise<SqlValue[][]> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new SqlError('the SQL holds no statement');
    for (const statement of statements.slice(0, -1)) await this.drain(statement);
    const result = await this.start(statements[statements.length - 1]);
    const rows: SqlValue[][] = [];
    for (let batch = await result.next(); batch !== null; batch = await result.next()) for (const row of batch) rows.push(row);
    return rows;
  }

  async stream(sql: string): Promise<SqlResultStream & DrillResultStream<SqlValue[]>> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new SqlError('the SQL holds no statement');
    for (const statement of statements.slice(0, -1)) await this.drain(statement);
    return this.start(statements[statements.length - 1]);
  }

  /**
   * The rows rendered from Drill's own JSON text straight to output.ts's JSON objects (the same
   * text as jsonText of the values `stream` reads, without a SqlValue per cell).
   */
  async streamJsonLines(sql: string): Promise<SqlJsonLineStream & DrillResultStream<string>> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new SqlError('the SQL holds no statement');
    for (const statement of statements.slice(0, -1)) await this.drain(statement);
    return this.start(statements[statements.length - 1], jsonLineRows);
  }

  /**
   * Drill has no parse-only call: the last statement is planned (EXPLAIN … WITHOUT IMPLEMENTATION,
   * nothing runs) and only a syntax error fails; unknown tables are left for the run to report.
   */
  async inspect(sql: string): Promise<SqlStatementInfo> {
    const statements = splitStatements(sql);
    if (statements.length > 0) {
      try {
        await this.drain(`EXPLAIN PLAN WITHOUT IMPLEMENTATION FOR ${statements[statements.length - 1]}`);
      } catch (err) {
        if (err instanceof SqlError && isSyntaxError(err.message)) throw err;
      }
    }
    return { statements: statements.length, tables: null };
  }

  async describe(sql: string): Promise<SqlStatementDescription> {
    const statements = splitStatements(sql);
    if (statements.length !== 1) throw new SqlError(`expected one statement, found ${statements.length}`);
    const kind = statementKind(statements[0]);
    if (kind !== 'SELECT' && kind !== 'WITH' && kind !== 'VALUES') return { kind, columns: [] };
    const result = await this.start(`SELECT * FROM (${statements[0]}) AS described LIMIT 0`);
    while ((await result.next()) !== null);
    return { kind: 'SELECT', columns: result.columns };
  }

  async confine(): Promise<void> {
    // Drill's reach is its storage plugins', set by whoever runs it; a session cannot narrow it.
    throw new SqlError('Drill cannot confine a session to folders: SQL from others runs on DuckDB only');
  }

  async close(): Promise<void> {
    this.settings.signal?.removeEventListener('abort', this.onAbort);
    await Promise.all([...this.running].map((q) => q.cancel()));
  }

  private async drain(statement: string): Promise<void> {
    const result = await this.start(statement);
    while ((await result.next()) !== null);
  }

  private async start(statement: string): Promise<DrillQuery<SqlValue[]>>;
  private async start<T>(statement: string, reading: RowReading<T>): Promise<DrillQuery<T>>;
  private async start<T>(statement: string, reading: RowReading<T> = valueRows as unknown as RowReading<T>): Promise<DrillQuery<T>> {
    if (this.settings.signal?.aborted) throw new RuntimeError('WS854', { queryId: 'none: it was interrupted before it started' });
    const query: DrillQuery<T> = new DrillQuery(this.client, statement, this.session, () => this.running.delete(query), reading);
    this.running.add(query);
    try {
      await query.open();
      // An abort that came while the query was being sent.
      if (this.settings.signal?.aborted) void query.cancel();
      await query.readColumns();
      return query;
    } catch (err) {
      this.running.delete(query);
      throw err;
    }
  }
}

/** One statement running on Drill, read a batch at a time. */
class DrillQuery<T> {
  /** A comment naming this run, so a cancel finds it among Drill's running queries before Drill names it. */
  private readonly tag = `wshed-query ${randomUUID()}`;
  private readonly sql: string;
  private answer: DrillAnswer | null = null;
  /** Drops the connection, whether Drill has begun answering or not. */
  private readonly drop = new AbortController();
  private pieces: AsyncIterator<string> | null = null;
  private readonly parser: DrillResponseParser<T>;
  private pending: T[] = [];
  private pendingChars = 0;
  private ended = false;
  private cancelling: Promise<void> | null = null;
  private cancelledId: string | null = null;
  columns: SqlColumn[] = [];

  constructor(
    private readonly client: DrillClient,
    statement: string,
    private readonly session: DrillSession,
    private readonly finished: () => void,
    reading: RowReading<T>,
  ) {
    this.sql = `${statement}\n/* ${this.tag} */`;
    this.parser = new DrillResponseParser(reading);
  }

  async open(): Promise<void> {
    try {
      this.answer = await this.client.submit(this.sql, this.session, this.drop.signal);
    } catch (err) {
      this.ended = true;
      this.finished();
      if (this.cancelling) throw await this.cancelled();
      throw err;
    }
    this.pieces = this.answer.body[Symbol.asyncIterator]();
  }

  /** Reads until Drill has named the columns, or the answer ended (a failure reports itself here). */
  async readColumns(): Promise<void> {
    let named: DrillColumns | null = null;
    while (!(named = this.parser.columns) && !this.ended) await this.readPiece();
    if (!named) {
      await this.settle();
      throw new SqlError('Drill answered without naming any column');
    }
    this.columns = named.names.map((name, i) => ({ name, type: sqlTypeName(named!.types[i] ?? 'ANY') }));
  }

  async next(): Promise<T[] | null> {
    while (!this.ended && this.pending.length < BATCH_ROWS && this.pendingChars < BATCH_CHARS) await this.readPiece();
    // The last rows go out only once the outcome is known: a failure after rows makes them a partial result.
    if (this.ended) await this.settle();
    if (this.pending.length === 0) return null;
    // One piece can complete more rows than a batch holds: the rest waits for the next call.
    const batch = this.pending.length > BATCH_ROWS ? this.pending.splice(0, BATCH_ROWS) : this.pending;
    if (batch === this.pending) this.pending = [];
    this.pendingChars = 0;
    return batch;
  }

  /** Cancels on Drill (once), then drops the connection. */
  cancel(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.cancelling ??= (async () => {
      try {
        const id = await this.findQueryId();
        if (id) {
          this.cancelledId = id;
          await this.confirmCancel(id);
        }
      } catch {
        // Drill gone or the query already over: dropping the connection is all there is left to do.
      } finally {
        this.drop.abort();
        this.answer?.abort();
      }
    })();
    return this.cancelling;
  }

  /**
   * A cancel that reaches Drill while the query is still starting is acknowledged and then lost
   * (seen on 1.22): ask again until the profile says the query is over.
   */
  private async confirmCancel(queryId: string): Promise<void> {
    const deadline = Date.now() + CONFIRM_CANCEL_MS;
    while (Date.now() < deadline) {
      await this.client.cancel(queryId);
      for (let i = 0; i < 10; i++) {
        const state = (await this.client.profile(queryId))?.state;
        if (TERMINAL_STATES.has(state as number | string)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async findQueryId(): Promise<string | null> {
    const deadline = Date.now() + FIND_QUERY_MS;
    for (;;) {
      if (this.parser.queryId) return this.parser.queryId;
      const match = (await this.client.running()).find((q) => q.query.includes(this.tag));
      if (match) return match.queryId;
      if (this.ended || Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async readPiece(): Promise<void> {
    let piece: IteratorResult<string>;
    try {
      piece = await this.pieces!.next();
    } catch (err) {
      this.ended = true;
      this.finished();
      if (this.cancelling) throw await this.cancelled();
      const unreachable = this.client.unreachable(err, 'reading a result');
      throw new RuntimeError('WS853', { url: this.client.url, why: unreachable ? String(unreachable.args.reason) : (err as Error).message }, { cause: err });
    }
    if (piece.done) {
      this.ended = true;
      this.finished();
      return;
    }
    const rows = this.parser.push(piece.value);
    for (const row of rows) this.pending.push(row);
    this.pendingChars += piece.value.length;
  }

  /** The answer has ended: a failure or a cut-short body throws, success returns. */
  private async settle(): Promise<void> {
    if (this.cancelling) throw await this.cancelled();
    const outcome = this.parser.outcome();
    if (!this.parser.complete && outcome.queryState === null) {
      throw new RuntimeError('WS853', { url: this.client.url, why: 'the answer ended before the query said it completed' });
    }
    if (outcome.queryState === 'COMPLETED') return;
    this.pending = [];
    if (outcome.queryState === 'CANCELED') throw new SqlError(`the query was cancelled on Drill (query ${outcome.queryId ?? 'unknown'})`);
    throw new SqlError(outcome.errorMessage ?? (await this.profileMessage(outcome.queryId)) ?? `the query ended ${outcome.queryState ?? 'without saying how'} and Drill gave no message`);
  }

  private async cancelled(): Promise<RuntimeError> {
    await this.cancelling;
    return new RuntimeError('WS854', { queryId: this.cancelledId ?? this.parser.queryId ?? 'unknown: Drill had not named it yet' });
  }

  /** A failure after rows has no message in the body; the profile holds it (docs/drill-rest.md). */
  private async profileMessage(queryId: string | null): Promise<string | null> {
    if (!queryId) return null;
    const profile = await this.client.profile(queryId).catch(() => null);
    if (!profile) return null;
    const error = typeof profile.error === 'string' ? profile.error.trim() : '';
    const verbose = typeof profile.verboseError === 'string' ? profile.verboseError : '';
    // The verbose text's first lines say the cause ("(java.lang.Exception) Unexpected end-of-input …"), then a Java trace.
    const cause = /^[ \t]*\(([\w.$]+)\)[ \t]*(.+)$/m.exec(verbose)?.[2]?.trim();
    if (!error && !cause) return null;
    return cause && !error.includes(cause) ? `${error || 'the query failed'}: ${cause}` : error;
  }
}

function isSyntaxError(message: string): boolean {
  return /PARSE ERROR|SqlParseException|Encountered ".*" at line|Non-query expression encountered|Incorrect syntax/i.test(message);
}

/**
 * Drill's metadata type names as the SQL names them, as DuckDB does (`INT(10, 0)` → INTEGER,
 * FLOAT8 → DOUBLE, VARDECIMAL(10, 2) → DECIMAL(10,2)), so output formats treat them alike.
 */
export function sqlTypeName(drillType: string): string {
  const m = /^([A-Z0-9_ ]+?)\s*(?:\((.*)\))?$/i.exec(drillType.trim());
  if (!m) return drillType;
  const base = m[1].toUpperCase();
  const args = m[2]?.replace(/\s+/g, '');
  switch (base) {
    case 'INT':
      return 'INTEGER';
    case 'FLOAT8':
      return 'DOUBLE';
    case 'FLOAT4':
      return 'FLOAT';
    case 'BIT':
      return 'BOOLEAN';
    case 'VARDECIMAL':
    case 'DECIMAL':
      return args ? `DECIMAL(${args})` : 'DECIMAL';
    case 'VARCHAR':
    case 'CHAR':
      return 'VARCHAR';
    default:
      return base;
  }
}
