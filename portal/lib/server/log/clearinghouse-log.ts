import { publicJwk, type Ed25519PublicJwk } from '../../../../protocol/keys';
import { noteSigner, parseVerifierKey, verifierKeyText } from '../../../../protocol/tlog';
import { postgresUrlOf, type ClearinghouseDb } from '../db/database';
import { createPostgresElection, type LogElection } from './election';
import { checkSharedKey } from './shared-key';
import { onOffFromEnv } from '../settings';
import { defaultLogKeyPath, defaultWebhookKeyPath, loadOrCreateKeyFile } from './key-file';
import { createLogService, type LogService } from './log-service';
import { createSequencer, nodeSha256, type Sequencer, type SequencerOptions } from './sequencer';

/** Where the log lives and how it signs; see {@link logConfigFromEnv}. */
export interface LogConfig {
  /** The clearinghouse's public origin, e.g. `http://localhost:3000`. */
  origin: string;
  /** The log origin: first checkpoint line and note key name, e.g. `localhost:3000/log`. */
  logOrigin: string;
  logKeyPath: string;
  webhookKeyPath: string;
  /**
   * Whether this process runs the sequencer loop. All may: on PostgreSQL an election picks one
   * at a time (election.ts), on SQLite the database's write lock orders them.
   */
  runSequencer: boolean;
}

/** `/.well-known/clearinghouse.json` (SPECS "Identifiers and addresses"). */
export interface ClearinghouseDescription {
  origin: string;
  apiBase: string;
  protocolVersions: number[];
  logOrigin: string;
  /** `<name>+<key id hex>+<base64(0x01 || public key)>` (C2SP signed-note). */
  logVerifierKey: string;
  webhookKey: Ed25519PublicJwk;
}

/** The running log of one portal process. */
export interface ClearinghouseLog {
  readonly config: LogConfig;
  readonly sequencer: Sequencer;
  /** On PostgreSQL with the loop on: the sequencer election this process takes part in. */
  readonly election?: LogElection;
  readonly service: LogService;
  readonly description: ClearinghouseDescription;
  /** Stops the sequencer loop (the queue stays in the database for the next start). */
  stop(): Promise<void>;
}

/**
 * The log origin of a public origin: scheme dropped, `/log` appended (C2SP tlog-checkpoint
 * origins are schema-less URL-like names).
 *
 * @example
 * ```ts
 * logOriginOf('http://localhost:3000'); // 'localhost:3000/log'
 * logOriginOf('https://ch.example/base/'); // 'ch.example/base/log'
 * ```
 */
export function logOriginOf(origin: string): string {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`ORIGIN must be an http(s) URL, not ${origin}.`);
  }
  return `${url.host}${url.pathname.replace(/\/+$/, '')}/log`;
}

/**
 * Reads the log's configuration from the environment: `ORIGIN` (default
 * `http://localhost:${PORT ?? 3000}`), `LOG_ORIGIN` (default derived from ORIGIN),
 * `LOG_KEY_PATH` (default `data/log-key.json`), `WEBHOOK_KEY_PATH` (default
 * `data/webhook-key.json`), `LOG_SEQUENCER=off` to serve the log without sequencing in this process.
 *
 * @example
 * ```ts
 * logConfigFromEnv({ ORIGIN: 'https://ch.example' }).logOrigin; // 'ch.example/log'
 * ```
 */
export function logConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): LogConfig {
  const origin = (env.ORIGIN?.trim() || `http://localhost:${env.PORT?.trim() || '3000'}`).replace(
    /\/+$/,
    '',
  );
  const logOrigin = env.LOG_ORIGIN?.trim() || logOriginOf(origin);
  // A note key name may not contain spaces or '+' (C2SP signed-note).
  if (!/^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(logOrigin)) {
    throw new Error(`LOG_ORIGIN "${logOrigin}" is not a valid note key name.`);
  }
  return {
    origin,
    logOrigin,
    logKeyPath: env.LOG_KEY_PATH?.trim() || defaultLogKeyPath,
    webhookKeyPath: env.WEBHOOK_KEY_PATH?.trim() || defaultWebhookKeyPath,
    runSequencer: onOffFromEnv(env, 'LOG_SEQUENCER'),
  };
}

/**
 * Loads (or creates) the log and webhook keys, starts the sequencer (creating the empty log on
 * first use, resuming from the database otherwise) and returns the log's read service.
 *
 * @example
 * ```ts
 * const log = await startLog(cdb, logConfigFromEnv());
 * await log.sequencer.flush();
 * ```
 */
export async function startLog(
  cdb: ClearinghouseDb,
  config: LogConfig,
  sequencerOptions: Partial<Omit<SequencerOptions, 'origin' | 'signer' | 'verifier'>> = {},
): Promise<ClearinghouseLog> {
  const logKey = await loadOrCreateKeyFile(config.logKeyPath);
  const webhookKey = await loadOrCreateKeyFile(config.webhookKeyPath);
  const logVerifierKey = verifierKeyText(config.logOrigin, logKey.publicKey, nodeSha256);
  // Several processes on one PostgreSQL database: only the elected one runs the loop.
  const url = config.runSequencer ? postgresUrlOf(cdb) : undefined;
  const election =
    url !== undefined && sequencerOptions.leadership === undefined
      ? createPostgresElection(url, {
          // A lost connection is the election's own outage line (db/unreachable.ts); this is
          // anything else, with its stack.
          onError: (error) => console.warn('[log election] failed; trying again:', error),
        })
      : undefined;
  const sequencer = createSequencer(cdb, {
    leadership: election,
    ...sequencerOptions,
    origin: config.logOrigin,
    signer: noteSigner(config.logOrigin, logKey.privateKey, nodeSha256),
    verifier: parseVerifierKey(logVerifierKey, nodeSha256),
  });
  // Opening checks the stored log against this key and origin, so a misconfiguration stops the
  // start. Without the loop this process only serves what other processes sequence.
  await sequencer.open();
  // Every node signs webhooks with the one published key (a node whose file was missing has just
  // made another); after the log's own check, whose sentence names the likelier cause.
  await checkSharedKey(cdb, 'webhook', webhookKey.publicKey, config.webhookKeyPath, Date.now());
  if (config.runSequencer) {
    await sequencer.start();
    election?.start();
  }
  const service = createLogService(cdb, { onCommit: sequencer.onCommit });
  return {
    config,
    sequencer,
    election,
    service,
    description: {
      origin: config.origin,
      apiBase: `${config.origin}/api/v1`,
      protocolVersions: [1],
      logOrigin: config.logOrigin,
      logVerifierKey,
      webhookKey: publicJwk(webhookKey.publicKey),
    },
    async stop() {
      // The loop first (its batch in flight finishes), then the lock for the next leader.
      await sequencer.stop();
      await election?.stop();
    },
  };
}
