import { openDatabase, type ClearinghouseDb } from './db/database';
import { migrateToLatest } from './db/migrate';
import { startCheckpointer, type Checkpointer } from './db/checkpointer';
import { createDurableWriter, writerOptionsFromEnv, type DurableWriter } from './db/durable-writer';
import { logConfigFromEnv, startLog, type ClearinghouseLog } from './log/clearinghouse-log';
import { loadOrCreateKeyFile } from './log/key-file';
import type { Sequencer } from './log/sequencer';
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
 * (db/checkpointer.ts) unless `SQLITE_CHECKPOINTER=off`.
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
    throw error;
  });
  return current;
}

async function start(): Promise<Instance> {
  const url = process.env.DATABASE_URL;
  const database = await openDatabase(
    url ? { url } : process.env.DATABASE_PATH ? { sqlitePath: process.env.DATABASE_PATH } : {},
  );
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
    if (process.env.WEBHOOKS?.trim().toLowerCase() !== 'off') webhooks.start();
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
