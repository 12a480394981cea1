/**
 * Lookups of one row by key that concurrent requests share on PostgreSQL (issue 5,
 * docs/performance.md "API"): the checks of a write (the company, the pseudonym's binding, the
 * grant request) were three statements per request, nine in ten of all statements a grant cost,
 * and each costs a round trip, the pg driver's work on the event loop and a backend's work.
 *
 * While one lookup statement of a kind is under way, the keys asked for meanwhile wait and then
 * go as one statement (`= any($1)`), the way the durable writer group-commits: a lone request
 * waits for nothing (and runs the one-row statement, whose plan PostgreSQL keeps), a busy server
 * sends one statement for many. A batch is only ever sent after
 * every one of its callers asked, so it sees every commit that preceded each call, exactly as
 * the caller's own statement would have. When the shared statement fails, each of its keys is
 * asked again with the one-row statement, so a key PostgreSQL refuses (a NUL byte in a claim
 * someone sent) fails its own caller only, as before. Inside a transaction and on SQLite (whose
 * reads run on the event loop's connection at once) the one-row statement runs as before.
 */
import { sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';
import { dialects } from './handles';
import { prepared, type Executor, type PreparedStatement } from './prepared';
import type { Database } from './schema';

/** A key's waiting callers: their arguments and how to answer them. */
interface Waiter<A, R> {
  args: A;
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

/** One database's queue of a lookup: keys waiting for the next statement. */
interface Queue<A, R> {
  running: boolean;
  waiting: Map<string, Waiter<A, R>[]>;
}

/** The shared form of a lookup; see {@link batchedLookup}. */
export interface BatchedLookupOptions<A, R, M extends R> {
  /** The key the rows are looked up by, from a caller's arguments. */
  keyOf(args: A): string;
  /** The rows of many keys at once (`where key = any(:keys)`), each carrying its key. */
  many: PreparedStatement<{ keys: string[] }, M>;
  /** The key of a row of {@link many}. */
  rowKey(row: M): string;
  /** Conditions of `one` besides the key, checked on the shared statement's row. */
  accepts?(row: M, args: A): boolean;
  /** Most keys in one statement; default 500. */
  maxKeys?: number;
}

/** {@link PreparedStatement}'s reads of one row, shared by concurrent callers on PostgreSQL. */
export interface BatchedLookup<A, R> {
  first(executor: Executor, args: A): Promise<R | undefined>;
  firstForWrite(executor: Executor, args: A): Promise<R | undefined>;
}

/**
 * `one` (a statement returning at most one row for its arguments), with concurrent calls on a
 * PostgreSQL database outside a transaction answered by shared runs of `many`. `many` must return
 * for each key exactly the row `one` returns for it, give or take the conditions of `accepts`;
 * the key must identify at most one row (a primary key).
 *
 * @example
 * ```ts
 * const companyById = batchedLookup(companyQuery, {
 *   keyOf: (args) => args.id,
 *   many: prepared((db, arg) => db.selectFrom('companies').selectAll().where('id', '=', anyOf(arg('keys')))),
 *   rowKey: (row) => row.id,
 * });
 * const company = await companyById.first(db, { id });
 * ```
 */
export function batchedLookup<A, R, M extends R>(
  one: BatchedLookup<A, R>,
  options: BatchedLookupOptions<A, R, M>,
): BatchedLookup<A, R> {
  const maxKeys = options.maxKeys ?? 500;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
    throw new RangeError('maxKeys must be a whole number of at least 1.');
  const queues = new WeakMap<Kysely<Database>, Queue<A, R>>();

  function shared(executor: Executor): Kysely<Database> | undefined {
    if (executor.isTransaction) return undefined;
    const db = executor as Kysely<Database>;
    return dialects.get(db) === 'postgres' ? db : undefined;
  }

  async function send(db: Kysely<Database>, queue: Queue<A, R>): Promise<void> {
    const batch = new Map<string, Waiter<A, R>[]>();
    for (const [key, waiters] of queue.waiting) {
      if (batch.size >= maxKeys) break;
      batch.set(key, waiters);
      queue.waiting.delete(key);
    }
    queue.running = true;
    try {
      // One caller alone: its own one-row statement. PostgreSQL plans `many` (an array) anew at
      // every run, a statement of scalars once for all after five (`plan_cache_mode` auto), and
      // at half the grants' maximum most statements carry one key (docs/performance.md "API").
      const lone = batch.size === 1 ? [...batch.values()][0]! : undefined;
      if (lone !== undefined && lone.length === 1) {
        const { args, resolve, reject } = lone[0]!;
        try {
          resolve(await one.first(db, args));
        } catch (error) {
          reject(error);
        }
        return;
      }
      const { rows } = await options.many.execute(db, { keys: [...batch.keys()] });
      const byKey = new Map<string, M>();
      for (const row of rows) byKey.set(options.rowKey(row), row);
      for (const [key, waiters] of batch) {
        const row = byKey.get(key);
        for (const { args, resolve } of waiters) {
          const accepted = row !== undefined && (options.accepts?.(row, args) ?? true);
          resolve(accepted ? row : undefined);
        }
      }
    } catch (error) {
      const waiters = [...batch.values()].flat();
      if (!isDataError(error)) {
        // Not about one key (the database down, the statement cancelled by statement_timeout):
        // every caller gets the error at once. Asking each key again would wait for the same
        // cause once per key, each holding a pooled connection meanwhile.
        for (const { reject } of waiters) reject(error);
        return;
      }
      // A value the database refuses (class 22, e.g. a NUL byte in a text key): each key again
      // on its own (a promise answered already stays answered), so it fails its callers only.
      await Promise.all(
        waiters.map(async ({ args, resolve, reject }) => {
          try {
            resolve(await one.first(db, args));
          } catch (error) {
            reject(error);
          }
        }),
      );
    } finally {
      queue.running = false;
      if (queue.waiting.size > 0) void send(db, queue);
    }
  }

  /** PostgreSQL's class 22 ("data exception"): one of the keys is a value it cannot take. */
  function isDataError(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('22');
  }

  function lookup(db: Kysely<Database>, args: A): Promise<R | undefined> {
    let queue = queues.get(db);
    if (queue === undefined) {
      queue = { running: false, waiting: new Map() };
      queues.set(db, queue);
    }
    const key = options.keyOf(args);
    const answer = new Promise<R | undefined>((resolve, reject) => {
      const waiters = queue.waiting.get(key);
      if (waiters === undefined) queue.waiting.set(key, [{ args, resolve, reject }]);
      else waiters.push({ args, resolve, reject });
    });
    if (!queue.running) void send(db, queue);
    return answer;
  }

  return {
    async first(executor, args) {
      const db = shared(executor);
      return db === undefined ? one.first(executor, args) : lookup(db, args);
    },
    async firstForWrite(executor, args) {
      const db = shared(executor);
      return db === undefined ? one.firstForWrite(executor, args) : lookup(db, args);
    },
  };
}

/**
 * {@link batchedLookup} of the row whose key column equals `keyOf(args)`, both statements made
 * by one `build`: it gets the key as an expression (`= :key` for the one-row statement,
 * `= any(:keys)` for the shared one), so the two cannot differ in what they read. Conditions
 * besides the key are `accepts`, checked on the row by both; the row must carry its key.
 *
 * @example
 * ```ts
 * const bindingQuery = lookupByKey({
 *   build: (db, key) => db.selectFrom('pseudonyms').select(['pseudonym', 'company_id', 'x']).where('pseudonym', '=', key),
 *   keyOf: (args: { pseudonym: string }) => args.pseudonym,
 *   rowKey: (row) => row.pseudonym,
 * });
 * ```
 */
export function lookupByKey<A, M>(options: {
  build(db: Executor, key: RawBuilder<string>): Compilable<M>;
  keyOf(args: A): string;
  rowKey(row: M): string;
  accepts?(row: M, args: A): boolean;
  maxKeys?: number;
}): BatchedLookup<A, M> {
  const byKey = prepared<{ key: string }, M>((db, arg) =>
    options.build(db, sql<string>`${arg('key')}`),
  );
  const accepted = (row: M | undefined, args: A) =>
    row !== undefined && (options.accepts?.(row, args) ?? true) ? row : undefined;
  return batchedLookup<A, M, M>(
    {
      async first(executor, args) {
        return accepted(await byKey.first(executor, { key: options.keyOf(args) }), args);
      },
      async firstForWrite(executor, args) {
        return accepted(await byKey.firstForWrite(executor, { key: options.keyOf(args) }), args);
      },
    },
    {
      ...options,
      many: prepared<{ keys: string[] }, M>((db, arg) => options.build(db, anyOf(arg('keys')))),
    },
  );
}

/**
 * `= any(:keys)` for the `many` statement of a {@link batchedLookup} (PostgreSQL: the driver
 * sends the array as one parameter).
 *
 * @example
 * ```ts
 * db.selectFrom('pseudonyms').select(['pseudonym', 'x']).where('pseudonym', '=', anyOf(arg('keys')))
 * ```
 */
export function anyOf(keys: string[]): RawBuilder<string> {
  return sql<string>`any(${keys})`;
}
