// Whether a streamed DuckDB result ended or failed. node-api 1.5.6 ends a streaming result that
// fails after its first chunk (a value that does not cast, a file that turns out unreadable)
// exactly like one that is done: duckdb_fetch_chunk gives no more rows for both, and
// duckdb_result_error is not exposed. The rows read so far would pass for the whole answer.
//
// A failure inside an explicit transaction aborts it, and the next statement says so. So a stream
// runs inside a transaction (its own, or the user's when their SQL opened one), and at its end one
// statement checks it and commits. A failed stream is run again folded into one aggregate (no rows
// kept), for DuckDB's message.

import type { DuckDBConnection } from '@duckdb/node-api';
import { plural } from '../../compiler/format-numbers.ts';
import { SqlError } from './sql-engine.ts';

const ABORTED = 'Current transaction is aborted';

export class StreamWatch {
  private constructor(
    private readonly connection: DuckDBConnection,
    /** The statement streamed (run again for DuckDB's message), or null when its text is not at hand. */
    private readonly sql: string | null,
    /** The transaction is the watch's own (else the user's, left open). */
    private readonly own: boolean,
  ) {}

  /**
   * Opens the transaction the stream of `sql` is then started in. Only when none is open: a BEGIN
   * that fails inside one aborts it (see transactionOpen).
   */
  static async begin(connection: DuckDBConnection, sql: string | null): Promise<StreamWatch> {
    try {
      await connection.run('BEGIN TRANSACTION');
    } catch (err) {
      throw new SqlError(err instanceof Error ? err.message : String(err));
    }
    return new StreamWatch(connection, sql, true);
  }

  /** Watches a stream started inside the transaction the user's SQL opened (left to them). */
  static within(connection: DuckDBConnection, sql: string | null): StreamWatch {
    return new StreamWatch(connection, sql, false);
  }

  /** Set once abandon() ended the transaction: a stream needs a new watch. */
  abandoned = false;

  /** No stream started in it (a failure to start is the caller's to report): the transaction is ended. */
  async abandon(): Promise<void> {
    if (this.abandoned) return;
    this.abandoned = true;
    if (this.own) await this.connection.run('ROLLBACK').catch(() => undefined);
  }

  /** The stream gave no more rows after `rows`: fails with DuckDB's message when that is because it failed. */
  async ended(rows: number): Promise<void> {
    try {
      await this.connection.run(this.own ? 'SELECT 1; COMMIT' : 'SELECT 1');
      return;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes(ABORTED)) throw new SqlError(err instanceof Error ? err.message : String(err));
    }
    if (this.own) await this.connection.run('ROLLBACK').catch(() => undefined);
    const after = `after ${plural(rows, 'row')}`;
    if (this.sql === null) throw new SqlError(`the query failed ${after}, which were already given (DuckDB tells why only for a single statement: run the last one alone)`);
    let message: string | null = null;
    try {
      // Every column of every row computed, nothing kept: the failure again, with its message.
      await this.connection.run(`SELECT count(hash(t)) FROM (${this.sql.trim().replace(/;$/, '')}\n) AS t`);
    } catch (err) {
      // Its position would be in this text, not the user's.
      message = (err instanceof Error ? err.message : String(err)).split('\n\nLINE ')[0].trim();
    }
    throw new SqlError(
      message !== null
        ? `${message} (the query failed ${after}, which were already given)`
        : `DuckDB stopped the query ${after}, which were already given, without finishing it (and it did not fail when run again)`,
    );
  }
}

/**
 * Whether a transaction is open on the connection (the user's SQL may have run BEGIN): inside one,
 * two statements see the same transaction id. Asked only after the user's own transaction statements.
 */
export async function transactionOpen(connection: DuckDBConnection): Promise<boolean> {
  const id = async () => {
    try {
      return (await connection.runAndReadAll('SELECT txid_current()')).getRows()[0][0];
    } catch (err) {
      // An aborted transaction is open too.
      if (err instanceof Error && err.message.includes(ABORTED)) return null;
      throw new SqlError(err instanceof Error ? err.message : String(err));
    }
  };
  const first = await id();
  return first === null || first === (await id());
}
