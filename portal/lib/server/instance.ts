import {
  openDatabase,
  resolveDatabaseTarget,
  statementTimeoutFromEnv,
  type ClearinghouseDb,
} from './db/database';
import { migrateToLatest } from './db/migrate';
import { startCheckpointer, type Checkpointer } from './db/checkpointer';
import { createDurableWriter, writerOptionsFromEnv, type DurableWriter } from './db/durable-writer';
import { logConfigFromEnv, startLog, type ClearinghouseLog } from './log/clearinghouse-log';
import { loadOrCreateKeyFile } from './log/key-file';
import type { Sequencer } from './log/sequencer';
import { logLevelFromEnv, metricsPortFromEnv } from './observe';
import { createWebhookWorker, webhookSigner, type WebhookWorker } from './webhooks';

/**
 * The running clearinghouse: one database handle per process, opened and migrated
 * once at server start (hooks.server.ts `init`), shared by every request, and the public log
 * (keys, sequencer, read service) started on it.
 *
 * Configuration comes from the environment: `DATABASE_URL` (postgres://…) selects
 * PostgreSQL, otherwise SQLite at `DATABASE_PATH` (default `./data/clearinghouse.db`); the log
 * reads `ORIGIN`, `LOG_ORIGIN`, `LOG_KEY_PATH`, `WEBHOOK_KEY_PATH` and `LOG_SEQUENCER`
 * (see `logConfigFromEnv`). On a SQLite file, WAL checkpoints run in a worker thread
 * (db/checkpointer.ts) unless `SQLITE_CHECKPOINTER=off`. Every setting is read before anything
 * opens ({@link checkStartSettings}): one the server cannot read ends the process with a
 * sentence naming the variable.
 */
export interface Instance {
  readonly database: ClearinghouseDb;
  readonly log: ClearinghouseLog;
  /**
   * The group-committed write path of every signed message the API accepts (services.ts). Each
   * stored logged message is announced to the sequencer, so a full batch of 256 goes at once
   * instead of waiting for the next 250 ms tick.
   */
  readonly writer: DurableWriter;
  /** Delivers feed events to companies' webhooks (webhooks.ts); `WEBHOOKS=off` leaves it stopped. */
  readonly webhooks: WebhookWorker;
  /** SQLite's WAL checkpoints off the event loop; `undefined` on PostgreSQL or when turned off. */
  readonly checkpointer: Checkpointer | undefined;
}

let current: Promise<Instance> | undefined;

/**
 * The process's instance, started on first call.
 *
 * @example
 * ```ts
 * const { log } = await getInstance();
 * return checkpointResponse(log.service);
 * ```
 */
export function getInstance(): Promise<Instance> {
  current ??= start().catch((error: unknown) => {
    current = undefined; // let the next request try again rather than caching the failure
    if (error instanceof StartupError) stopStart(error);
    throw error;
  });
  return current;
}

/**
 * A setting the server cannot start with, or a database it cannot open: the message is one
 * sentence naming the variable and what it allows (or the file and what is wrong with it).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Ends the process with the sentence alone on stderr and exit code 1: the server cannot serve
 * without its settings, and Node's report of a failed start (its source line, a stack through
 * SvelteKit's and pino's internals) buried the sentence (docs/operations.md). Under Vitest the
 * error is thrown instead, to the test.
 */
function stopStart(error: StartupError): void {
  if (process.env.VITEST !== undefined) return;
  process.stderr.write(`The clearinghouse cannot start: ${error.message}\n`);
  process.exit(1);
}

/** `on` (the default when unset) or `off`, case-insensitive; anything else is refused. */
function onOff(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'on') return true;
  if (raw.toLowerCase() === 'off') return false;
  throw new Error(`${name} must be on or off (unset: on), not "${raw}".`);
}

/** The settings the start reads before it opens anything. */
interface StartSettings {
  webhooks: boolean;
}

/**
 * Reads every setting of the server's environment before anything opens, so that a value it
 * cannot read stops the start with a sentence naming the variable and what it allows: `PORT`
 * (adapter-node listens on it, unless `SOCKET_PATH` is set), `LOG_LEVEL`, `LOG_SEQUENCER`,
 * `WEBHOOKS`, `METRICS_PORT`, `DATABASE_URL`, `PG_STATEMENT_TIMEOUT_MS`, `WRITER_MAX_WAIT_MS`,
 * `ORIGIN` and `LOG_ORIGIN`.
 *
 * @throws {StartupError} with that sentence.
 * @example
 * ```ts
 * checkStartSettings({ PORT: '99999' }); // throws 'PORT must be a port number from 1 to 65535, not "99999".'
 * ```
 */
export function checkStartSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
): StartSettings {
  try {
    const port = env.PORT?.trim();
    if (!env.SOCKET_PATH?.trim() && port !== undefined && port !== '') {
      if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
        throw new Error(`PORT must be a port number from 1 to 65535, not "${port}".`);
      }
    }
    logLevelFromEnv(env);
    onOff(env, 'LOG_SEQUENCER');
    const webhooks = onOff(env, 'WEBHOOKS');
    metricsPortFromEnv(env);
    resolveDatabaseTarget({}, env);
    statementTimeoutFromEnv(env);
    writerOptionsFromEnv(env);
    logConfigFromEnv(env);
    return { webhooks };
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // `new URL` on ORIGIN (or on the default made of PORT) says only "Invalid URL".
    const origin = env.ORIGIN?.trim();
    throw new StartupError(
      (error as { code?: unknown }).code !== 'ERR_INVALID_URL'
        ? message
        : origin
          ? `ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "${origin}".`
          : `PORT must be a port number from 1 to 65535, not "${env.PORT?.trim() ?? ''}".`,
      { cause: error },
    );
  }
}

async function start(): Promise<Instance> {
  const settings = checkStartSettings();
  // DATABASE_URL, else DATABASE_PATH, else the default: the one resolution `npm run admin` and
  // `npm run migrate` use too (resolveDatabaseTarget), whose sentences name the variable.
  let database: ClearinghouseDb;
  try {
    database = await openDatabase();
  } catch (error) {
    // Each of its errors is a sentence (the variable, or the file and what is wrong with it).
    throw new StartupError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  let checkpointer: Checkpointer | undefined;
  try {
    await migrateToLatest(database.db);
    checkpointer =
      process.env.SQLITE_CHECKPOINTER?.trim().toLowerCase() === 'off'
        ? undefined
        : await startCheckpointer(database);
    const log = await startLog(database, logConfigFromEnv());
    // The log created the webhook key on its start; this only reads it.
    const webhooks = createWebhookWorker({
      db: database.db,
      origin: log.config.origin,
      signer: webhookSigner(await loadOrCreateKeyFile(log.config.webhookKeyPath)),
    });
    if (settings.webhooks) webhooks.start();
    return {
      database,
      log,
      writer: announcing(createDurableWriter(database, writerOptionsFromEnv()), log.sequencer),
      webhooks,
      checkpointer,
    };
  } catch (error) {
    await checkpointer?.stop();
    await database.close();
    throw error;
  }
}

/** Stops the sequencer and closes the database (graceful shutdown and tests). */
export async function stopInstance(): Promise<void> {
  const instance = await current?.catch(() => undefined);
  current = undefined;
  await instance?.webhooks.stop();
  await instance?.writer.close();
  await instance?.log.stop();
  await instance?.checkpointer?.stop();
  await instance?.database.close();
}

/** The writer, telling the sequencer about every logged message it stored. */
function announcing(writer: DurableWriter, sequencer: Sequencer): DurableWriter {
  return {
    async write(record) {
      const result = await writer.write(record);
      if (result.status === 'stored' && record.logged) sequencer.notifyQueued();
      return result;
    },
    close: () => writer.close(),
    get stats() {
      return writer.stats;
    },
  };
}
