import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CompiledQuery, type LogEvent } from 'kysely';
import { ProtocolError, type ProtocolErrorCode } from '../../../../protocol/errors';
import { effectName, type BatchEntry, type Outcome, type ValidRecord } from './insert-batch';
import { startTimeoutOf } from './worker-start';

/**
 * The SQLite writer thread: the durable writer's group commits run there, on a connection of
 * its own under `synchronous = FULL` (`writer-thread.worker.ts`), instead of on the event loop.
 *
 * better-sqlite3 is synchronous: on the event loop's connection a group commit's statements and
 * its COMMIT (the write-ahead log's pages) ran inside the call: 218 of the 741 µs of event loop a
 * grant cost at the maximum (bench:api with a statement-timing preload, session 11). On the thread they cost the event loop one message out and one back per batch. The
 * COMMIT flushes the WAL before it returns, and before any other connection can read the batch
 * (SQLite makes a commit visible only after its flush under FULL), so a `201` means what it did.
 *
 * The thread runs whole batches, not statements: a statement's answer would wait for the event
 * loop's next turn, several per batch, each as long as the requests it is busy with.
 */

/** A statement the thread ran, for the server's Kysely `log`. */
export interface LoggedStatement {
  sql: string;
  ms: number;
}

/** What the thread is started with. */
export interface WriterThreadData {
  path: string;
  driver: string;
  busyTimeoutMs: number;
  cacheSize: number;
  /** Whether replies list the batch's statements (the server has a Kysely `log`). */
  logStatements: boolean;
}

/** A record as the thread gets it: no functions; its effect by name. */
export interface ThreadEntry {
  record: Omit<ValidRecord, 'apply' | 'effect'>;
  effect: { name: string; item: unknown } | undefined;
  receivedAt: number;
}

/** One group commit for the thread. */
export interface ThreadBatch {
  id: number;
  entries: ThreadEntry[];
  nowMs: number;
}

/** The writer connection's settings as SQLite reports them once it is open. */
export interface WriterSettings {
  /** `wal`: the thread refuses to start otherwise. */
  journalMode: string;
  /** `pragma synchronous`: 2 (FULL), every COMMIT flushed before it returns. */
  synchronous: number;
  /** `pragma temp_store`: 2 (MEMORY), statement journals never in temporary files. */
  tempStore: number;
}

/**
 * The thread's messages: ready (with its effects' names and its connection's settings), a batch's
 * outcomes, or its error.
 */
export type ThreadReply =
  | { ready: string[]; settings: WriterSettings }
  | { id: number; outcomes: Outcome[]; statements?: LoggedStatement[] }
  | {
      id: number;
      statements?: LoggedStatement[];
      error:
        | {
            protocol: true;
            code: ProtocolErrorCode;
            message: string;
            detail: Readonly<Record<string, unknown>> | undefined;
          }
        | { protocol: false; message: string; name: string; code?: string };
    };

export interface WriterThreadOptions {
  /** The SQLite file; it must exist, in WAL mode (the server's connection opened it). */
  path: string;
  /** How long the thread's connection waits for another's write lock (SQLITE_BUSY after). */
  busyTimeoutMs: number;
  /** Prepared statements the thread keeps, least recently used dropped. */
  cacheSize: number;
  /** The thread's code (the bundled `writer-thread.worker.ts`). */
  source: string;
  /** The better-sqlite3 entry point the thread loads (tests give a wrong one to make it fail). */
  driver?: string;
  /**
   * How long the start waits for the thread's connection (default 10,000 ms); a thread that has
   * not opened it by then is ended and the start fails.
   */
  startTimeoutMs?: number;
  /** Kysely's `log` option of the server's handle: told every statement the thread ran, too. */
  log?: (event: LogEvent) => void;
  /**
   * Runs each batch from its sending to its answer (the server holds its own connection there,
   * so no other write of the process waits for SQLite's write lock on the event loop).
   */
  hold?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** The writer thread, started; see {@link startWriterThread}. */
export interface WriterThread {
  /** `false` once the thread has failed or stopped: every batch is then refused. */
  readonly running: boolean;
  /** Whether a batch is under way (the thread may hold SQLite's write lock). */
  readonly busy: boolean;
  /** Batches the thread has committed (answered with outcomes). */
  readonly committed: number;
  /** Its connection's settings, as SQLite reported them when the thread started. */
  readonly settings: WriterSettings;
  /** Whether the thread can commit these records (no `apply`, effects it knows). */
  accepts(entries: readonly BatchEntry[]): boolean;
  /**
   * Commits `entries` in one transaction on the thread, flushed when this resolves; one outcome
   * per entry, in order (as `insertBatch`). Batches sent before another's answer are committed
   * after it, in the order sent, each inside `options.hold`.
   *
   * @throws ProtocolError a record's effect refused it; an `Error` with the SQLite `code` the
   *   thread's statement failed with; {@link WriterThreadGone} when the thread ended first.
   */
  commit(entries: readonly BatchEntry[], nowMs: number): Promise<Outcome[]>;
  /** Ends the thread; later batches are refused. Idempotent. */
  stop(): Promise<void>;
  /**
   * Ends the thread at once, without waiting for the batch under way, as a crash would (its
   * connection closes, which rolls back a transaction not yet committed); for tests of what
   * follows. Resolves once the thread has ended.
   */
  kill(): Promise<void>;
}

/**
 * The thread ended before it answered: its connection closed, which rolled back a transaction
 * it had not committed. Had it committed, the records are stored and a retry finds them stored.
 */
export class WriterThreadGone extends Error {
  override readonly name = 'WriterThreadGone';
  readonly code = 'ERR_WRITER_THREAD_GONE';
}

/**
 * Starts the writer thread on `options.path`, resolved once its connection is open.
 *
 * @throws Error when the thread cannot start (the driver does not load, the file is missing or
 *   not in WAL mode): the caller keeps committing on its own connection.
 * @example
 * ```ts
 * const thread = await startWriterThread({ path, busyTimeoutMs: 5000, cacheSize: 512, source });
 * if (thread.accepts(entries)) outcomes = await thread.commit(entries, Date.now());
 * await thread.stop();
 * ```
 */
export async function startWriterThread(options: WriterThreadOptions): Promise<WriterThread> {
  const startTimeoutMs = startTimeoutOf(options.startTimeoutMs);
  const data: WriterThreadData = {
    path: options.path,
    driver: options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3'),
    busyTimeoutMs: options.busyTimeoutMs,
    cacheSize: options.cacheSize,
    logStatements: options.log !== undefined,
  };
  const worker = new Worker(options.source, { eval: true, workerData: data });
  let running = true;
  let stopping: Promise<void> | undefined;
  let nextId = 1;
  let committed = 0;
  /** Batches sent and not answered, by id (the thread commits them in the order sent). */
  const waiting = new Map<
    number,
    { resolve: (outcomes: Outcome[]) => void; reject: (error: unknown) => void }
  >();

  /** The thread is gone: the batches waiting for it fail, and every later one. */
  const gone = (why: string) => {
    running = false;
    const error = new WriterThreadGone(`The database writer thread ${why}.`);
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };

  const { effects, settings } = await new Promise<{
    effects: ReadonlySet<string>;
    settings: WriterSettings;
  }>((resolve, reject) => {
    /** Only the start's listeners go: the ones below report what happens afterwards. */
    const settled = () => {
      clearTimeout(timer);
      worker.off('error', onError).off('exit', onExit).off('message', onReady);
    };
    const onReady = (message: ThreadReply) => {
      if (!('ready' in message)) return;
      settled();
      resolve({ effects: new Set(message.ready), settings: message.settings });
    };
    const onError = (error: Error) => {
      settled();
      reject(error);
    };
    const onExit = (code: number) => {
      settled();
      reject(new Error(`The database writer thread exited while starting (code ${code}).`));
    };
    // A thread that neither answers nor fails (its driver's load hangs, say) must not hold the
    // server's start; the worker, referenced until it is unreferenced below, keeps the process
    // alive until then.
    const timer = setTimeout(() => {
      settled();
      reject(new Error(`The database writer thread did not start within ${startTimeoutMs} ms.`));
    }, startTimeoutMs);
    worker.on('message', onReady).on('error', onError).on('exit', onExit);
  }).catch(async (error: unknown) => {
    running = false;
    // One that timed out may still fail on its way out: nothing to report then, nothing to crash.
    worker.on('error', () => undefined);
    await worker.terminate();
    throw error;
  });

  worker.on('message', (reply: ThreadReply) => {
    if ('ready' in reply) return;
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    const { resolve, reject } = entry;
    // Held only while answers are due, so a caller awaiting one keeps the process alive.
    if (waiting.size === 0) worker.unref();
    for (const { sql, ms } of reply.statements ?? []) {
      options.log?.({
        level: 'query',
        query: CompiledQuery.raw(sql, []),
        queryDurationMillis: ms,
      });
    }
    if ('outcomes' in reply) {
      committed++;
      resolve(reply.outcomes);
    } else if (reply.error.protocol) {
      const { code, message, detail } = reply.error;
      reject(new ProtocolError(code, message, detail === undefined ? undefined : { ...detail }));
    } else {
      const error = new Error(reply.error.message) as Error & { code?: string };
      error.name = reply.error.name;
      if (reply.error.code !== undefined) error.code = reply.error.code;
      reject(error);
    }
  });
  worker.on('error', (error) => {
    console.error('[sqlite writer thread] failed; committing on the server connection:', error);
    // No new batches; those sent fail at 'exit', once the thread's connection is closed (and its
    // write lock released), so that their retry on the server's connection does not wait for it.
    running = false;
  });
  worker.on('exit', (code) => {
    if (stopping === undefined && code !== 1) {
      console.error(
        `[sqlite writer thread] stopped (code ${code}); committing on the server connection`,
      );
    }
    gone(`stopped (code ${code})`);
  });
  // An idle thread must not keep the process alive. After the listeners: adding a 'message'
  // listener refs the worker again.
  worker.unref();

  const hold = options.hold ?? (<T>(work: () => Promise<T>) => work());

  /** Sends `batch`; resolves with its outcomes once the thread has committed it. */
  function send(batch: ThreadBatch): Promise<Outcome[]> {
    if (!running) {
      return Promise.reject(new WriterThreadGone('The database writer thread is not running.'));
    }
    return new Promise<Outcome[]>((resolve, reject) => {
      if (waiting.size === 0) worker.ref();
      waiting.set(batch.id, { resolve, reject });
      try {
        worker.postMessage(batch);
      } catch (error) {
        // Not sent (a value that cannot be copied): nothing waits for it, nothing is held.
        waiting.delete(batch.id);
        if (waiting.size === 0) worker.unref();
        reject(error);
      }
    });
  }

  return {
    get running() {
      return running;
    },
    get busy() {
      return waiting.size > 0;
    },
    get committed() {
      return committed;
    },
    settings,
    accepts(entries) {
      return entries.every(({ record }) => {
        if (record.apply !== undefined) return false;
        if (record.effect === undefined) return true;
        const name = effectName(record.effect.run);
        return name !== undefined && effects.has(name);
      });
    },
    commit(entries, nowMs) {
      const batch: ThreadBatch = {
        id: nextId++,
        nowMs,
        entries: entries.map(({ record, receivedAt }) => {
          const { apply: _apply, effect, ...fields } = record;
          return {
            record: fields,
            receivedAt,
            effect:
              effect === undefined
                ? undefined
                : { name: effectName(effect.run)!, item: effect.item },
          };
        }),
      };
      return hold(() => send(batch));
    },
    async kill() {
      await worker.terminate();
    },
    stop() {
      stopping ??= (async () => {
        // Referenced until it has exited: an idle thread is not, and a server whose last other
        // handle had closed would otherwise end before the thread's last commit and exit (or,
        // after the thread's 'error' and before its 'exit', before `terminate()` resolves).
        worker.ref();
        if (running) {
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          worker.postMessage('stop');
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        }
        await worker.terminate();
        gone('was stopped');
      })();
      return stopping;
    },
  };
}
