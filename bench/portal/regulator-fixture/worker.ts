/**
 * One seeding thread of the regulator fixture (seed.ts starts two): its own connection to the
 * fixture database, its own durable writer and its own services (portal/lib/server/services.ts),
 * as a second clearinghouse process on the same database would have. The main thread hands it
 * chunks of grant indices; for each chunk it plays the customers' Assistants (fresh pairwise
 * keys, signed grants, refusals and revocations) and submits every message through the same
 * service functions `POST /api/v1/grants`, `/refusals` and `/revocations` call, all of a chunk
 * at once so the writer group-commits them as under load. Nothing is written around the services.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { ProtocolError } from '../../../protocol/errors';
import { sha256Of } from '../../../protocol/jws';
import type { Scope } from '../../../protocol/messages';
import { ready } from '../../../protocol/sodium';
import { openDatabase } from '../../../portal/lib/server/db/database';
import { createDurableWriter } from '../../../portal/lib/server/db/durable-writer';
import type { StoredReceipt } from '../../../portal/lib/server/message-store';
import { createServices } from '../../../portal/lib/server/services';
import { freshKey, signWith } from './signer';

/** What seed.ts passes to each worker. */
export interface WorkerSetup {
  databasePath: string;
  origin: string;
  companies: readonly { id: string; request: string }[];
  /** The scope each grant gives (within the companies' requests). */
  scope: Scope;
  /** The services' clock at grant 0, and how far it moves per grant (ms). */
  startMs: number;
  stepMs: number;
  /** A grant's `until` (seconds). */
  until: number;
  /** SQLite page cache of this connection, KiB (the fixture's indexes outgrow the default 2 MB). */
  cacheKiB: number;
}

/** main → worker */
export type WorkerTask = { type: 'chunk'; first: number; count: number } | { type: 'close' };

/** A pseudonym whose key the main thread keeps for complaints and blacklist signals. */
export interface HeldPseudonym {
  index: number;
  seed: Uint8Array;
}

/** worker → main */
export type WorkerReport =
  | { type: 'ready' }
  | {
      type: 'done';
      first: number;
      count: number;
      /** Messages stored: grants, refusals, revocations. */
      grants: number;
      refusals: number;
      revocations: number;
      held: HeldPseudonym[];
    }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const setup = workerData as WorkerSetup;
const busyTimeoutMs = 120_000;
/** Tries of one message when the database was busy (`ERR_STORAGE_UNAVAILABLE`). */
const tries = 5;
const port = parentPort!;

/**
 * Submits a message until it is stored; only a busy database is retried (the same token again:
 * the services answer a resend of a stored message as such, so nothing is stored twice).
 */
async function stored(
  kind: string,
  token: string,
  submit: (token: string) => Promise<StoredReceipt>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const receipt = await submit(token);
      if (!receipt.created && attempt === 1) throw new Error(`a ${kind} was answered as a resend`);
      return;
    } catch (error) {
      if (!(error instanceof ProtocolError) || error.code !== 'ERR_STORAGE_UNAVAILABLE')
        throw error;
      if (attempt === tries) throw error;
    }
  }
}

async function main(): Promise<void> {
  await ready();
  const cdb = await openDatabase({ sqlitePath: setup.databasePath });
  await sql.raw(`pragma cache_size = -${setup.cacheKiB}`).execute(cdb.db);
  // Three connections write here (two threads and the main thread's sequencer) on a loaded
  // machine: wait for the write lock as long as it takes rather than the server's 5 s.
  await sql.raw(`pragma busy_timeout = ${busyTimeoutMs}`).execute(cdb.db);
  const writer = createDurableWriter(cdb);
  let clock = setup.startMs;
  const services = await createServices({
    cdb,
    writer,
    origin: setup.origin,
    now: () => clock,
  });
  const { consents } = services;
  // Every message through the services, as the API routes submit it.
  const submit = {
    grant: (token: string) => consents.submitGrant(token),
    refusal: (token: string) => consents.submitRefusal(token),
    revocation: (token: string) => consents.submitRevocation(token),
  };
  const grantScope: Scope = { ...setup.scope, channels: ['newsletter'] };

  /** Grants, a refusal beside every tenth, a revocation of every fiftieth. */
  async function chunk(first: number, count: number): Promise<WorkerReport> {
    // All of a chunk at one clock reading: signing and verifying see the same "now".
    clock = setup.startMs + Math.floor(first * setup.stepMs);
    const iat = Math.floor(clock / 1000);
    const claims = (iss: string, aud: string) => ({
      v: 1 as const,
      iss,
      aud,
      iat,
      exp: iat + 300,
      jti: randomUUID(),
    });
    const grants: string[] = [];
    const refusals: string[] = [];
    const revocations: string[] = [];
    const held: HeldPseudonym[] = [];
    for (let i = first; i < first + count; i++) {
      const company = setup.companies[i % setup.companies.length]!;
      // Each grant is another customer's: a pairwise key the clearinghouse has never seen.
      const key = freshKey();
      const ps = `ps_${key.kid}`;
      if (i % 10 === 0) {
        const refuser = freshKey();
        refusals.push(
          signWith(
            'refusal',
            {
              ...claims(`ps_${refuser.kid}`, company.id),
              requestSha256: company.request,
              pseudonymKey: refuser.jwk,
            },
            refuser,
          ),
        );
      }
      const grant = signWith(
        'grant',
        {
          ...claims(ps, company.id),
          requestSha256: company.request,
          scopes: [grantScope],
          preferredChannel: 'newsletter',
          until: setup.until,
          pseudonymKey: key.jwk,
        },
        key,
      );
      grants.push(grant);
      if (i % 50 === 0) {
        // The Assistant knows its grant's hash: the receipt it got is that hash.
        revocations.push(
          signWith(
            'revocation',
            { ...claims(ps, company.id), grants: [{ grantSha256: sha256Of(grant) }] },
            key,
          ),
        );
      }
      if (i % 997 === 0) held.push({ index: i, seed: key.seed });
    }
    await Promise.all([
      ...grants.map((token) => stored('grant', token, submit.grant)),
      ...refusals.map((token) => stored('refusal', token, submit.refusal)),
    ]);
    await Promise.all(revocations.map((token) => stored('revocation', token, submit.revocation)));
    return {
      type: 'done',
      first,
      count,
      grants: grants.length,
      refusals: refusals.length,
      revocations: revocations.length,
      held,
    };
  }

  port.on('message', (task: WorkerTask) => {
    const work =
      task.type === 'chunk'
        ? chunk(task.first, task.count)
        : (async (): Promise<WorkerReport> => {
            await writer.close();
            await cdb.close();
            return { type: 'closed' };
          })();
    work.then(
      (report) => port.postMessage(report),
      (error: unknown) =>
        port.postMessage({
          type: 'error',
          message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error),
        } satisfies WorkerReport),
    );
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReport);
}

main().catch((error: unknown) =>
  port.postMessage({
    type: 'error',
    message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error),
  } satisfies WorkerReport),
);
