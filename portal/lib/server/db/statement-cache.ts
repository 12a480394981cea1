import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDialectConfig } from 'kysely';

/** How many prepared statements {@link withStatementCache} keeps per connection. */
export const statementCacheSize = 512;

/**
 * The connection as Kysely's SQLite driver sees it, with a cache of prepared statements by SQL
 * text. The driver prepares every query it runs (`db.prepare(sql)`, then `all` or `run`), and
 * on better-sqlite3 a prepare costs as much as running a simple statement again, on the event
 * loop: the hot paths run the same few statements thousands of times. A prepared statement
 * holds no state between runs (every run binds all its parameters), statements of this one
 * connection only ever run one at a time (the driver's connection mutex), and SQLite
 * re-prepares a cached statement by itself after a schema change, so reusing one is
 * indistinguishable from preparing it anew. Least recently used statements are dropped beyond
 * {@link statementCacheSize} (multi-row inserts differ by their row count).
 *
 * A ROLLBACK when no transaction is open does nothing (see {@link nothingToRollBack}).
 *
 * With `refuseWrites`, every statement that would write or commit is refused with the error it
 * returns, when it returns one (a failed flush of the write-ahead log: see `openDatabase`).
 *
 * @example
 * ```ts
 * new SqliteDialect({ database: withStatementCache(new SqliteDatabase(path)) });
 * ```
 */
export function withStatementCache(
  sqlite: SqliteDatabase.Database,
  size: number = statementCacheSize,
  refuseWrites?: () => Error | undefined,
): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(text: string) {
      if (text === 'rollback' && !sqlite.inTransaction) return nothingToRollBack;
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
      } else {
        // Most recently used last: Map keeps insertion order.
        statements.delete(text);
      }
      statements.set(text, statement);
      if (refuseWrites !== undefined) {
        const refusal = refuseWrites();
        if (refusal !== undefined && refusesWrite(statement, text)) throw refusal;
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}

/**
 * What Kysely's ROLLBACK runs when SQLite has already rolled the transaction back itself, as it
 * does after SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and some SQLITE_BUSY: the real ROLLBACK
 * would fail ("cannot rollback - no transaction is active"), and Kysely would throw that error in
 * place of the one that says what happened.
 */
const nothingToRollBack = {
  reader: false,
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
} as unknown as SqliteDatabase.Statement;

/**
 * Whether `statement` changes the database or commits: anything SQLite does not call read-only
 * (the connection's settings are, e.g. `pragma synchronous = NORMAL`, and so are BEGIN, ROLLBACK
 * and SAVEPOINT), and COMMIT, END and RELEASE (which commits when it ends the outermost
 * savepoint).
 */
function refusesWrite(statement: SqliteDatabase.Statement, text: string): boolean {
  return !statement.readonly || /^\s*(commit|end|release)\b/i.test(text);
}

type SqliteDialectDatabase = Extract<SqliteDialectConfig['database'], { prepare: unknown }>;
