import type {
  Compilable,
  CompiledQuery,
  Insertable,
  Kysely,
  QueryResult,
  Transaction,
} from 'kysely';
import { clearinghouseDbOf } from './handles';
import type { Database } from './schema';

/** A handle a prepared statement runs on: the database or one of its transactions. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Stands for the argument `key` while the statement is built (see {@link prepared}). */
export type Placeholder<A> = <K extends keyof A>(key: K) => A[K];

interface Template {
  readonly sql: string;
  /** Per parameter position: the argument key, or a constant of the built query. */
  readonly slots: readonly ({ arg: PropertyKey } | { constant: unknown })[];
  readonly query: CompiledQuery['query'];
  readonly queryId: CompiledQuery['queryId'];
}

/** A query built and compiled once per dialect, run with new arguments each time. */
export interface PreparedStatement<A, R> {
  /** Runs the statement with `args`; rows as the built query returns them. */
  execute(executor: Executor, args: A): Promise<QueryResult<R>>;
  /** The first row, or `undefined`. */
  first(executor: Executor, args: A): Promise<R | undefined>;
  /**
   * {@link first} for the checks of a write (is the company active, whose is this pseudonym,
   * which request does this grant answer). On SQLite it reads at once instead of queueing behind
   * the connection's holder, which is mostly a group commit waiting for its flush, so it may see
   * a commit not yet on disk. That is safe for a check: whatever the write then stores commits
   * after it in the same write-ahead log, and the write is answered only after its own flush,
   * which makes everything before it durable too. Never for reads that answer a client with
   * stored data, nor for a resend's answer (it reports the earlier message stored). Inside an
   * open transaction, and on PostgreSQL, the same as {@link first}.
   */
  firstForWrite(executor: Executor, args: A): Promise<R | undefined>;
  /** The SQL text of the statement on `executor`'s dialect (tests, logs). */
  sqlOf(executor: Executor): string;
}

const placeholderPrefix = '\u0000prepared-argument:';

type Builder = (db: Executor, arg: Placeholder<never>) => Compilable<unknown>;

/**
 * A hot statement whose Kysely query is built and compiled ONCE per dialect instead of on every
 * call: building a query (the builder chain, its frozen AST) and compiling it to SQL cost about as
 * much event-loop time as SQLite needs to run it. `build` receives `arg(key)`, which stands for
 * the argument `key` (typed as that argument); every place it is used becomes a bind parameter
 * of the compiled SQL, and each call binds the real values there. Everything else in the query is
 * fixed when it is first used on a dialect (SQLite and PostgreSQL each compile their own text).
 *
 * Arguments must only be compared, inserted or set as values (each a bind parameter): a builder
 * that turns an argument into SQL text (an identifier, `in` with a list) is refused at its first
 * use, because its placeholder would not appear among the parameters.
 *
 * @example
 * ```ts
 * const bindingOf = prepared<{ pseudonym: string }, { company_id: string; x: string }>((db, arg) =>
 *   db.selectFrom('pseudonyms').select(['company_id', 'x']).where('pseudonym', '=', arg('pseudonym')),
 * );
 * const row = await bindingOf.first(db, { pseudonym });
 * ```
 */
export function prepared<A, R>(
  build: (db: Executor, arg: Placeholder<A>) => Compilable<R>,
): PreparedStatement<A, R> {
  // Keyed by the dialect's adapter, which a database shares with its transactions.
  const templates = new WeakMap<object, Template>();

  function templateOf(executor: Executor): Template {
    const adapter = executor.getExecutor().adapter;
    let template = templates.get(adapter);
    if (template === undefined) {
      template = compileTemplate(executor, build as unknown as Builder);
      templates.set(adapter, template);
    }
    return template;
  }

  function parametersOf(template: Template, args: A): unknown[] {
    const record = args as Record<PropertyKey, unknown>;
    return template.slots.map((slot) => ('arg' in slot ? record[slot.arg] : slot.constant));
  }

  async function execute(executor: Executor, args: A): Promise<QueryResult<R>> {
    const template = templateOf(executor);
    const parameters = parametersOf(template, args);
    return executor.executeQuery<R>({
      sql: template.sql,
      parameters,
      query: template.query,
      queryId: template.queryId,
    });
  }

  return {
    execute,
    async first(executor, args) {
      return (await execute(executor, args)).rows[0];
    },
    async firstForWrite(executor, args) {
      if (!executor.isTransaction) {
        const template = templateOf(executor);
        const rows = clearinghouseDbOf(executor)?.runNow?.(
          template.sql,
          parametersOf(template, args),
        );
        if (rows !== undefined) return rows[0] as R | undefined;
      }
      return (await execute(executor, args)).rows[0];
    },
    sqlOf(executor) {
      return templateOf(executor).sql;
    },
  };
}

function compileTemplate(executor: Executor, build: Builder): Template {
  const used = new Set<PropertyKey>();
  const byPlaceholder = new Map<string, PropertyKey>();
  const arg = ((key: PropertyKey) => {
    const placeholder = `${placeholderPrefix}${String(key)}`;
    used.add(key);
    byPlaceholder.set(placeholder, key);
    return placeholder;
  }) as Placeholder<never>;
  const compiled = build(executor, arg).compile();
  const bound = new Set<PropertyKey>();
  const slots = compiled.parameters.map((parameter) => {
    if (typeof parameter === 'string' && parameter.startsWith(placeholderPrefix)) {
      const key = byPlaceholder.get(parameter);
      if (key === undefined) throw new Error(`prepared: unknown placeholder ${parameter}`);
      bound.add(key);
      return { arg: key };
    }
    return { constant: parameter };
  });
  for (const key of used) {
    if (!bound.has(key)) {
      throw new Error(
        `prepared: argument ${String(key)} is not a bind parameter of: ${compiled.sql}`,
      );
    }
  }
  if (compiled.sql.includes(placeholderPrefix)) {
    throw new Error(`prepared: an argument became SQL text in: ${compiled.sql}`);
  }
  return { sql: compiled.sql, slots, query: compiled.query, queryId: compiled.queryId };
}

/**
 * {@link prepared} for statements whose shape depends on a count (a multi-row insert of `count`
 * rows): one prepared statement per count, made on first use.
 *
 * @example
 * ```ts
 * const insert = preparedByCount<unknown[], { jti: string }>((db, arg, count) =>
 *   db.insertInto('seen_jtis').values(Array.from({ length: count }, (_, i) => ({ ... arg(3 * i) ... }))),
 * );
 * await insert.forCount(rows.length).execute(trx, flatArgs);
 * ```
 */
export function preparedByCount<A, R>(
  build: (db: Executor, arg: Placeholder<A>, count: number) => Compilable<R>,
  maxCount = 1000,
): { forCount(count: number): PreparedStatement<A, R> } {
  const byCount = new Map<number, PreparedStatement<A, R>>();
  return {
    forCount(count) {
      if (!Number.isSafeInteger(count) || count < 1 || count > maxCount)
        throw new RangeError(`count must be an integer from 1 to ${maxCount}`);
      let statement = byCount.get(count);
      if (statement === undefined) {
        statement = prepared<A, R>((db, arg) => build(db, arg, count));
        byCount.set(count, statement);
      }
      return statement;
    },
  };
}

/**
 * The rows of a multi-row insert into `table` for {@link preparedByCount}: `count` rows whose
 * `columns` are the arguments laid out row after row in the order of `columns` (row `r`'s column
 * `c` is argument `r * columns.length + c`), plus `fixed` values the same in every row (constants,
 * or one shared argument placed after all rows).
 *
 * @example
 * ```ts
 * const insert = preparedByCount<unknown[], never>((db, arg, count) =>
 *   db.insertInto('seen_jtis').values(argumentRows<'seen_jtis'>(arg, count, ['signer', 'jti', 'expires_at'])),
 * );
 * await insert.forCount(2).execute(trx, ['kidA', 'j1', 100, 'kidB', 'j2', 100]);
 * ```
 */
export function argumentRows<T extends keyof Database>(
  arg: Placeholder<unknown[]>,
  count: number,
  columns: readonly (keyof Database[T] & string)[],
  fixed: Partial<Record<keyof Database[T] & string, unknown>> = {},
): Insertable<Database[T]>[] {
  return Array.from({ length: count }, (_, row) => {
    const values: Record<string, unknown> = { ...fixed };
    columns.forEach((column, index) => {
      values[column] = arg(columns.length * row + index);
    });
    return values as Insertable<Database[T]>;
  });
}
