import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { dirname, resolve } from 'node:path';
import {
  openDatabase,
  postgresStartProblem,
  resolveDatabaseTarget,
  statementTimeoutFromEnv,
  type ClearinghouseDb,
} from './db/database';
import { DatabaseLockedError, takeSqliteLock } from './db/database-lock';
import { migrateToLatest, NewerReleaseError } from './db/migrate';
import { startCheckpointer, type Checkpointer } from './db/checkpointer';
import { createDurableWriter, writerOptionsFromEnv, type DurableWriter } from './db/durable-writer';
import { base64urlEncode } from '../../../protocol/encoding';
import { parseVerifierKey, verifierKeyText } from '../../../protocol/tlog';
import {
  logConfigFromEnv,
  startLog,
  type ClearinghouseLog,
  type LogConfig,
} from './log/clearinghouse-log';
import { keyFileCreationProblem, loadOrCreateKeyFile, readExistingKeyFile } from './log/key-file';
import { recordedSharedKey, sharedKeyKid } from './log/shared-key';
import {
  LogConfigurationError,
  loadCheckedHead,
  nodeSha256,
  type Sequencer,
} from './log/sequencer';
import { checkLegalTexts, LegalTextError } from './legal-texts';
import { checkListenTargets, listenTargetFromEnv, reportListenFailures } from './listen-check';
import { logger, logLevelFromEnv, metricsHostFromEnv, metricsPortFromEnv } from './observe';
import { createWebhookWorker, webhookSigner, type WebhookWorker } from './webhooks';
import { ackDeadlineFromEnv, dataRequestDeadlineFromEnv } from './obligations';
import { rateLimitsFromEnv } from './rate-limits';
import {
  onOffFromEnv,
  originFromEnv,
  portFromEnv,
  serverSwitches,
  shutdownTimeoutFromEnv,
} from './settings';
import { version } from './version';

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
 * The built server's start (hooks.server.ts `init`, which adapter-node awaits before it
 * listens): first whether it can listen where `HOST` and `PORT` say, and the metrics where
 * `METRICS_HOST` and `METRICS_PORT` say (listen-check.ts), so that a port in use stops the start
 * with a sentence before the database is opened or a key file is created; then
 * {@link getInstance}.
 *
 * @throws {StartupError} (under Vitest; otherwise the process ends with the sentence).
 * @example
 * ```ts
 * const instance = dev ? await getInstance() : await startServing();
 * ```
 */
export async function startServing(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Instance> {
  try {
    // Its sentences first (a PORT that is no port number), as the start would say them.
    checkStartSettings(env);
    const server = listenTargetFromEnv(env);
    const metricsPort = metricsPortFromEnv(env);
    const targets = [
      ...(server === undefined ? [] : [server]),
      ...(metricsPort === undefined
        ? []
        : [
            {
              host: metricsHostFromEnv(env),
              port: metricsPort,
              hostVariable: 'METRICS_HOST',
              portVariable: 'METRICS_PORT',
            },
          ]),
    ];
    await checkListenTargets(targets);
    // A program that takes a port between the check and the listen: the same sentence then.
    if (process.env.VITEST === undefined) reportListenFailures(targets);
  } catch (error) {
    const refusal =
      error instanceof StartupError
        ? error
        : new StartupError((error as Error).message, { cause: error });
    stopStart(refusal);
    throw refusal;
  }
  return getInstance();
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

/** The settings the start reads before it opens anything. */
interface StartSettings {
  webhooks: boolean;
  /** `SQLITE_CHECKPOINTER`: WAL checkpoints in a worker thread. */
  checkpointer: boolean;
}

/**
 * Reads every setting of the server's environment before anything opens, so that a value it
 * cannot read stops the start with a sentence naming the variable and what it allows: `PORT`
 * (adapter-node listens on it, unless `SOCKET_PATH` is set), `LOG_LEVEL`, the on/off switches
 * (settings.ts `serverSwitches`), `METRICS_PORT`, `DATABASE_URL`, `PG_STATEMENT_TIMEOUT_MS`,
 * `WRITER_MAX_WAIT_MS`, `ORIGIN`, `SHUTDOWN_TIMEOUT`, `REVOCATION_ACK_DEADLINE_HOURS`,
 * `DATA_REQUEST_DEADLINE_DAYS`, the rate limits and `TRUSTED_PROXY_HEADER`, and `LOG_ORIGIN`.
 * Each is read by the same parser the place that uses it calls, so the two cannot disagree.
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
    portFromEnv(env);
    logLevelFromEnv(env);
    const switches = new Map(serverSwitches.map((name) => [name, onOffFromEnv(env, name)]));
    metricsPortFromEnv(env);
    resolveDatabaseTarget({}, env);
    statementTimeoutFromEnv(env);
    writerOptionsFromEnv(env);
    originFromEnv(env);
    shutdownTimeoutFromEnv(env);
    // Read by the services once the instance runs: checked here, before anything opens.
    ackDeadlineFromEnv(env);
    dataRequestDeadlineFromEnv(env);
    rateLimitsFromEnv(env);
    logConfigFromEnv(env);
    return {
      webhooks: switches.get('WEBHOOKS') === true,
      checkpointer: switches.get('SQLITE_CHECKPOINTER') === true,
    };
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

/**
 * The legal texts of `LEGAL_TEXT_DIR`, each page in both languages, read as the pages will read
 * them: a text missing in one language, a file the server cannot read or use, or a folder that is
 * not there stops the start with the sentence naming the file and what to do (legal-texts.ts),
 * before anything opens.
 *
 * @throws {StartupError} with that sentence.
 */
export async function checkStartLegalTexts(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  try {
    await checkLegalTexts(env);
  } catch (error) {
    if (error instanceof LegalTextError) throw new StartupError(error.message, { cause: error });
    throw error;
  }
}

/**
 * The sentence for a key file at `path` the server cannot read or use: a file its user may not
 * read says so in words, with the user's name and how to give it the file (before December 2026
 * the bare "EACCES: permission denied, open …").
 */
function keyFileProblem(variable: string, path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    let user: string;
    try {
      user = userInfo().username;
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`;
    }
    const file = resolve(path);
    return `${variable} names ${file}, a key file the server's user (${user}) may not read (${code}): make that user its owner with mode 0600 (chown ${user} ${file} && chmod 600 ${file}), or set ${variable} to a copy it owns; the key was left as it is.`;
  }
  return `${variable} names a key file the server cannot use: ${(error as Error).message}`;
}

/**
 * Runs, before a key file is created, every check of the keys that would refuse the start once
 * it was: a key file the server cannot use, a path where no key file can be created, a stored log
 * of another origin or signed by another key than the one at `LOG_KEY_PATH` (a mistyped path
 * holds none), and a webhook key recorded in the database that is not the one at
 * `WEBHOOK_KEY_PATH`. So a refused start leaves no new private key behind (before December
 * 2026 a mistyped `LOG_KEY_PATH` got a fresh key file and then the refusal). When both files
 * exist nothing is created, and the log's own checks (startLog) apply as before.
 *
 * @throws {StartupError} with a sentence naming the variable, the path and what to do.
 */
async function checkKeysBeforeCreating(
  database: ClearinghouseDb,
  config: LogConfig,
): Promise<void> {
  const keys = [
    { variable: 'LOG_KEY_PATH', path: config.logKeyPath },
    { variable: 'WEBHOOK_KEY_PATH', path: config.webhookKeyPath },
  ];
  const [logKey, webhookKey] = await Promise.all(
    keys.map(async ({ variable, path }) => {
      try {
        return await readExistingKeyFile(path);
      } catch (error) {
        throw new StartupError(keyFileProblem(variable, path, error), { cause: error });
      }
    }),
  );
  if (logKey !== undefined && webhookKey !== undefined) {
    // Both there: nothing will be created, and the log's own checks (startLog) apply; the
    // webhook key is compared here all the same (another node's key: docs/scaling.md "node 2").
    await checkWebhookKey(database, config, webhookKey);
    return;
  }
  for (const [index, { variable, path }] of keys.entries()) {
    if ((index === 0 ? logKey : webhookKey) !== undefined) continue;
    const problem = keyFileCreationProblem(path);
    if (problem !== undefined) {
      throw new StartupError(
        `${variable} names ${resolve(path)}, where there is no key file and none can be created (${problem}): correct ${variable}, or let the server's user write there; no key file was created.`,
      );
    }
  }

  // The stored log's own checks (the sequencer opens with them), asked before any key exists.
  const logKeyPath = resolve(config.logKeyPath);
  try {
    await loadCheckedHead(
      database.db,
      config.logOrigin,
      logKey === undefined
        ? undefined
        : parseVerifierKey(
            verifierKeyText(config.logOrigin, logKey.publicKey, nodeSha256),
            nodeSha256,
          ),
    );
  } catch (error) {
    if (!(error instanceof LogConfigurationError)) throw error;
    throw new StartupError(
      error.variable === 'LOG_KEY_PATH' && logKey === undefined
        ? `There is no log key at ${logKeyPath} (LOG_KEY_PATH), but the log in ${database.location} is signed with a key already: set LOG_KEY_PATH to the file that holds that key (restore it from a backup if it is lost); no key file was created.`
        : error.variable === 'LOG_KEY_PATH'
          ? `${error.message} (LOG_KEY_PATH names ${logKeyPath}.) No key file was created.`
          : `${error.message}${await newLogHint(database, error)} No key file was created.`,
      { cause: error },
    );
  }

  await checkWebhookKey(database, config, webhookKey);
}

/**
 * The webhook key at `WEBHOOK_KEY_PATH` (`undefined`: none there yet) against the one the
 * database records, as checkSharedKey compares them once the key exists (which also records a
 * first one).
 *
 * @throws {StartupError} naming WEBHOOK_KEY_PATH and what to do.
 */
async function checkWebhookKey(
  database: ClearinghouseDb,
  config: LogConfig,
  webhookKey: { publicKey: Uint8Array } | undefined,
): Promise<void> {
  // The start migrated the database: the table is there.
  const recorded = await recordedSharedKey(database, 'webhook');
  const webhookX = webhookKey === undefined ? undefined : base64urlEncode(webhookKey.publicKey);
  if (recorded !== undefined && recorded !== webhookX) {
    const kid = sharedKeyKid(recorded);
    const webhookKeyPath = resolve(config.webhookKeyPath);
    throw new StartupError(
      webhookKey === undefined
        ? `There is no webhook key at ${webhookKeyPath} (WEBHOOK_KEY_PATH), but the nodes of this database sign webhooks with the key ${kid}: copy their key file there, or set WEBHOOK_KEY_PATH to it (docs/scaling.md); no key file was created.`
        : `The webhook key in ${webhookKeyPath} (WEBHOOK_KEY_PATH) is not the key ${kid} the other nodes of this database use: copy their key file there and start again (docs/scaling.md); no key file was created.`,
    );
  }
}

async function start(): Promise<Instance> {
  const settings = checkStartSettings();
  await checkStartLegalTexts();
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
  let releaseLock: (() => void) | undefined;
  try {
    // One process per SQLite file (db/database-lock.ts): taken before anything is written.
    if (database.dialect === 'sqlite' && database.location !== ':memory:') {
      try {
        releaseLock = takeSqliteLock(database.location);
      } catch (error) {
        if (error instanceof DatabaseLockedError) {
          throw new StartupError(error.message, { cause: error });
        }
        throw new StartupError(
          `The lock file ${database.location}.lock of DATABASE_PATH cannot be created: ${(error as Error).message}. Check that this process may write in its folder, or set DATABASE_PATH to another file.`,
          { cause: error },
        );
      }
    }
    warnOfReadableDatabase(database);
    await migrateOrRefuse(database);
    checkpointer = settings.checkpointer ? await startCheckpointer(database) : undefined;
    const logConfig = logConfigFromEnv();
    // Every check that can refuse the start over the keys runs before a key file is created.
    await checkKeysBeforeCreating(database, logConfig);
    let log: ClearinghouseLog;
    try {
      log = await startLog(database, logConfig);
    } catch (error) {
      // The log's own refusals (another origin, another key) are sentences: said alone.
      if (error instanceof LogConfigurationError) {
        throw new StartupError(`${error.message}${await newLogHint(database, error)}`, {
          cause: error,
        });
      }
      throw error;
    }
    // The log created the webhook key on its start; this only reads it.
    const webhooks = createWebhookWorker({
      db: database.db,
      origin: log.config.origin,
      signer: webhookSigner(await loadOrCreateKeyFile(log.config.webhookKeyPath)),
    });
    if (settings.webhooks) webhooks.start();
    databaseLock = releaseLock;
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
    releaseLock?.();
    throw error;
  }
}

/**
 * A SQLite database file other users of the machine may read (made before December 2026 with
 * the umask's 0644; the server now makes it 0600, its folder 0700): a warning at start, the file
 * left as it is.
 */
function warnOfReadableDatabase(database: ClearinghouseDb): void {
  if (database.dialect !== 'sqlite' || database.location === ':memory:') return;
  const path = database.location;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      logger.warn(
        { event: 'file-mode', path, mode: mode.toString(8) },
        `${path} may be read by other users of this machine (mode ${mode.toString(8)}): it holds every stored message; chmod 600 ${path} (and its -wal and -shm files)`,
      );
    }
  } catch {
    // Not there to look at: the start reports what matters about it.
  }
}

/** The release of the running instance's SQLite lock (db/database-lock.ts), at its stop. */
let databaseLock: (() => void) | undefined;

/**
 * Migrates the database to this release's schema; a database this release cannot use stops the
 * start with a sentence: one a newer release migrated (a rollback), and a PostgreSQL database it
 * cannot reach or may not use (nothing listens, an unknown host, no such database or role), named
 * by its URL with the password masked and `DATABASE_URL`. Before December 2026 these ended with a
 * stack ("Could not migrate the postgres database: connect ECONNREFUSED …").
 *
 * @throws {StartupError} with that sentence; any other failure as it is.
 */
async function migrateOrRefuse(database: ClearinghouseDb): Promise<void> {
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    if (error instanceof NewerReleaseError) {
      throw new StartupError(error.message, { cause: error });
    }
    const problem =
      database.dialect === 'postgres' ? postgresStartProblem(database.location, error) : undefined;
    if (problem !== undefined) throw new StartupError(problem, { cause: error });
    throw error;
  }
}

/**
 * For a refused `LOG_ORIGIN` while the log holds no entry yet (only its first, empty checkpoint):
 * the way to a new log under the configured origin, since nothing a verifier pinned is lost. The
 * first start fixes the origin, `PORT` of the default `ORIGIN` included (docs/operations.md).
 */
async function newLogHint(
  database: ClearinghouseDb,
  error: LogConfigurationError,
): Promise<string> {
  if (error.variable !== 'LOG_ORIGIN') return '';
  const row = await database.db
    .selectFrom('log_state')
    .select('size')
    .where('id', '=', 1)
    .executeTakeFirst()
    .catch(() => undefined);
  if (row === undefined || Number(row.size) !== 0) return '';
  return database.dialect === 'sqlite'
    ? ` The log holds no entry yet: moving the data folder ${dirname(database.location)} away (the database with its -wal and -shm files, and the key files) starts a new log under the configured origin.`
    : ' The log holds no entry yet: a new, empty database (and the key files moved away) starts a new log under the configured origin.';
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
  databaseLock?.();
  databaseLock = undefined;
}

/**
 * Where the built server listens, as Node's `server.address()` gives it: a TCP address, a Unix
 * socket's path, or `null` (a socket systemd handed over).
 */
export type ListeningAt = AddressInfo | string | null;

/**
 * The log's line that the server listens (`event: "listening"`), written once adapter-node's
 * server is bound (instrumentation.server.ts): where, the database's kind (`sqlite` or
 * `postgres`; never its URL, which may hold a password), this release's version, Node's version
 * and (as every line of the logger) the process id (docs/operations.md "Logs and metrics"). `host`, not `address`: the logger
 * removes every field named `address` (observe.ts, no client addresses in the log).
 *
 * @example
 * ```ts
 * httpServer.once('listening', () => void announceListening(httpServer.address()));
 * ```
 */
export async function announceListening(at: ListeningAt, log: Logger = logger): Promise<void> {
  const instance = await current?.catch(() => undefined);
  const where =
    at === null
      ? { socket: 'systemd' }
      : typeof at === 'string'
        ? { socket: at }
        : { host: at.address, port: at.port };
  const shown =
    'socket' in where
      ? where.socket === 'systemd'
        ? "systemd's socket"
        : where.socket
      : `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`;
  const database = instance?.database.dialect ?? null;
  log.info(
    {
      event: 'listening',
      ...where,
      database,
      version,
      node: process.version,
    },
    `the clearinghouse ${version} listens on ${shown} (database: ${database ?? 'not open'}, node ${process.version}, pid ${process.pid})`,
  );
}

/** When the stop began (performance.now()), once it did. */
let stopBeganAt: number | undefined;

/**
 * The log's line that the server stops (`event: "stopping"`), at the first SIGTERM or SIGINT (or
 * adapter-node's idle stop): adapter-node now waits for the open requests, at most
 * `SHUTDOWN_TIMEOUT` seconds. Later calls say nothing: one stop, one line.
 */
export function announceStopping(reason: string, log: Logger = logger): void {
  if (stopBeganAt !== undefined) return;
  stopBeganAt = performance.now();
  let waitSeconds: number | undefined;
  try {
    waitSeconds = shutdownTimeoutFromEnv(process.env);
  } catch {
    waitSeconds = undefined; // the start refused it already
  }
  log.info(
    { event: 'stopping', reason, shutdownTimeoutSeconds: waitSeconds },
    `the clearinghouse stops (${reason}): it takes no new connections and waits for the open requests${waitSeconds === undefined ? '' : ` (at most ${waitSeconds} s)`}`,
  );
}

/**
 * The log's line that the stop is done (`event: "stopped"`): the open requests were answered and
 * the instance stopped (the writer committed what it held, the database closed). `ms` counts
 * from {@link announceStopping}'s line; the process ends after this line.
 */
export function announceStopped(log: Logger = logger): void {
  const ms = stopBeganAt === undefined ? 0 : Math.round(performance.now() - stopBeganAt);
  log.info({ event: 'stopped', ms }, `the clearinghouse stopped, ${ms} ms after the stop began`);
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
