/**
 * The SQLite writer thread (see `writer-thread.ts`): bundled into one CommonJS text by the Vite
 * plugin in `writer-thread-bundle.ts` and started with `eval`, so the built server needs no file
 * of its own. It opens its own connection to the database file under `synchronous = FULL` and
 * runs each group commit it is sent with the same `insertBatch` as the event loop's connection.
 *
 * In: `{ id, entries, nowMs }` (records without functions; an effect as its name and item), or
 * `'stop'`. Out: `{ ready, settings }` with the names of the effects it knows and its
 * connection's settings, then `{ id, outcomes }` or `{ id, error }` per batch, in the order sent.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type LogEvent } from 'kysely';
import { ProtocolError } from '../../../../protocol/errors';
import { storeGrants } from '../grant-effects';
import { effectName, insertBatch, type BatchEntry, type EffectRun } from './insert-batch';
import type { Database } from './schema';
import { withStatementCache } from './statement-cache';
import type { LoggedStatement, ThreadBatch, ThreadReply, WriterThreadData } from './writer-thread';

/** Every effect the thread can run, by the name `namedEffect` gave it. */
const effects = new Map<string, EffectRun<never>>(
  [storeGrants as EffectRun<never>].map((run) => [effectName(run)!, run]),
);

const data = workerData as WriterThreadData;
const port = parentPort!;
const Driver = createRequire(data.driver)(data.driver) as typeof BetterSqlite3;
const sqlite = new Driver(data.path, { fileMustExist: true });
const mode = String(sqlite.pragma('journal_mode', { simple: true })).toLowerCase();
if (mode !== 'wal') throw new Error(`The database is not in WAL mode (${mode}).`);
// A COMMIT flushes the write-ahead log before it returns, and before another connection can read
// it: what a 201 promises.
sqlite.pragma('synchronous = FULL');
sqlite.pragma('foreign_keys = ON');
sqlite.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
// Checkpoints are the checkpointer's (or the server connection's commits'), never inside a commit
// here: the answers would wait for them.
sqlite.pragma('wal_autocheckpoint = 0');
// Statement journals in memory. A multi-row INSERT inside the batch's transaction keeps the
// original of every page it changes, to undo that one statement should it fail; past 64 KiB SQLite
// moves that journal into a temporary file, which it creates, writes and deletes for each such
// statement. A batch's statements change hundreds of pages (random keys in eight indexes), so under
// the default every batch did: measured by `perf` at the grants' maximum, 16 % of this thread's CPU
// went into those files (docs/performance.md, session 20). This connection runs only the batches'
// inserts, never a large sort or temporary table, so memory holds little: the pages one statement
// changes.
sqlite.pragma('temp_store = MEMORY');
// The write-ahead log's name must survive a power cut too: the server's connection created the
// file, and this connection's flushes cover its data, not the folder's entry (what SQLite does
// under FULL only for a WAL it creates itself, and `walFile` at its first flush).
const folder = openSync(dirname(data.path), 'r');
try {
  fsyncSync(folder);
} finally {
  closeSync(folder);
}
/** The batch's statements, when the server logs its statements (tests count them). */
let logged: LoggedStatement[] = [];
const db = new Kysely<Database>({
  dialect: new SqliteDialect({ database: withStatementCache(sqlite, data.cacheSize) }),
  ...(data.logStatements
    ? {
        log: (event: LogEvent) => {
          logged.push({ sql: event.query.sql, ms: event.queryDurationMillis });
        },
      }
    : {}),
});

/** The batches in the order they came: one transaction at a time. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ThreadBatch | 'stop') => {
  queue = queue.then(() => {
    if (message !== 'stop') return commit(message);
    // After the batches sent before it; anything sent later finds the port closed.
    sqlite.close();
    port.close();
  });
});

async function commit({ id, entries, nowMs }: ThreadBatch): Promise<void> {
  let reply: ThreadReply;
  logged = [];
  try {
    const batch: BatchEntry[] = entries.map(({ record, effect, receivedAt }) => {
      const run = effect === undefined ? undefined : effects.get(effect.name);
      if (effect !== undefined && run === undefined) {
        throw new Error(`The writer thread has no effect named ${effect.name}.`);
      }
      return {
        receivedAt,
        record: {
          ...record,
          apply: undefined,
          effect: run === undefined ? undefined : { run, item: effect!.item },
        },
      };
    });
    const outcomes = await db.transaction().execute((trx) => insertBatch(trx, batch, nowMs));
    reply = { id, outcomes, ...(data.logStatements ? { statements: logged } : {}) };
  } catch (error) {
    reply = {
      id,
      error:
        error instanceof ProtocolError
          ? { protocol: true, code: error.code, message: error.message, detail: error.detail }
          : {
              protocol: false,
              message: String((error as Error)?.message ?? error),
              name: String((error as Error)?.name ?? 'Error'),
              ...(typeof (error as { code?: unknown })?.code === 'string'
                ? { code: (error as { code: string }).code }
                : {}),
            },
    };
  }
  if ('error' in reply && data.logStatements) reply.statements = logged;
  port.postMessage(reply);
}

port.postMessage({
  ready: [...effects.keys()],
  settings: {
    journalMode: mode,
    synchronous: Number(sqlite.pragma('synchronous', { simple: true })),
    tempStore: Number(sqlite.pragma('temp_store', { simple: true })),
  },
} satisfies ThreadReply);
