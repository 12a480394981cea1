import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * PostgreSQL prepared statements for the queries the API repeats (issue 5, docs/performance.md
 * "API"): Kysely sends every query unnamed, so PostgreSQL parses, analyses and plans each one
 * anew. Wrapped in this pool, a query whose SQL text was seen before runs as a named statement,
 * prepared once per connection and then only bound and executed.
 *
 * Only single data statements are named (`select`, `insert`, `update`, `delete`, `with`), never
 * DDL or a text with a `;`, and only on a text's second sighting: a text with a literal inlined
 * (a time, a bound) is seen once and stays unnamed. At most `maxNames` texts get a name, each
 * its own for the life of the process (the batched inserts of the group commits have one text
 * per batch size); later texts run unnamed, as before. A text PostgreSQL refuses to run as
 * prepared (after a migration changed the columns it returns: `cached plan must not change result
 * type`) fails where it was running (a transaction it was part of fails as a whole) and from then
 * on runs unnamed. `PG_NAMED_STATEMENTS=off` switches the wrapper off, for a connection pooler in
 * transaction mode that cannot keep a connection's statements.
 */
export interface NamedStatementOptions {
  /** Distinct SQL texts that get a name (and texts remembered as seen once); default 2,000. */
  maxNames?: number;
}

/** SQLSTATEs after which a text runs unnamed: a changed result type, a statement gone missing. */
const refusedAsPrepared = new Set(['0A000', '26000']);

const dataStatement = /^\s*(select|insert|update|delete|with)\s/i;

/**
 * Wraps `pool` for Kysely's `PostgresDialect`; each pooled client keeps one wrapper, so Kysely
 * recognises the connection when it comes back.
 *
 * @example
 * ```ts
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
 * ```
 */
export function withNamedStatements(
  pool: pg.Pool,
  options: NamedStatementOptions = {},
): PostgresPool & { readonly namedTexts: number } {
  const maxNames = options.maxNames ?? 2_000;
  /** Named texts; a name is never given to another text (connections may hold it prepared). */
  const names = new Map<string, string>();
  /** Texts seen once, waiting for a second sighting; forgotten in bulk when it fills. */
  let seenOnce = new Set<string>();
  const unnamed = new Set<string>();
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  function nameOf(text: string): string | undefined {
    const known = names.get(text);
    if (known !== undefined) return unnamed.has(text) ? undefined : known;
    if (names.size >= maxNames) return undefined;
    if (!dataStatement.test(text) || text.includes(';')) return undefined;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= maxNames) seenOnce = new Set();
      seenOnce.add(text);
      return undefined;
    }
    seenOnce.delete(text);
    const name = `ch_${names.size + 1}`;
    names.set(text, name);
    return name;
  }

  function wrap(client: pg.PoolClient): PostgresPoolClient {
    const query = (textOrCursor: unknown, parameters?: readonly unknown[]): unknown => {
      if (typeof textOrCursor !== 'string') {
        return (client.query as (cursor: unknown) => unknown)(textOrCursor);
      }
      const values = parameters === undefined ? [] : [...parameters];
      const name = nameOf(textOrCursor);
      if (name === undefined) return client.query(textOrCursor, values);
      return client.query({ name, text: textOrCursor, values }).catch((error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        // The text keeps its name (no other text may take it); it just runs unnamed from now on.
        if (typeof code === 'string' && refusedAsPrepared.has(code)) unnamed.add(textOrCursor);
        throw error;
      });
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: () => client.release(),
    };
  }

  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
    get namedTexts() {
      return names.size - unnamed.size;
    },
  };
}
