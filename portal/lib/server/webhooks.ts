/**
 * Webhooks (issue 4, docs/api.md "Webhooks"): each event of a company's feed (grant, refusal,
 * revocation) POSTed to the URL the company named in the `webhook` field of its latest `company`
 * message, at least once, signed with the clearinghouse's webhook key.
 *
 * - **Signature**: the body is JSON (`WebhookDelivery`); the `Clearinghouse-Signature` header is a
 *   detached compact JWS over the body bytes (RFC 7515 appendix F: `<header>..<signature>`, header
 *   `{alg: "EdDSA", typ: "webhook+jws", kid}`), made with the key published as `webhookKey` in
 *   `/.well-known/clearinghouse.json`. Detached rather than a new message kind: the event already
 *   carries the customer's signed JWS, and a receiver that ignores signatures can still read JSON.
 * - **Queue**: persisted (`webhook_deliveries`, migration 0005), so a restart loses nothing; a
 *   delivery is done only after a 2xx answer. Anything else (another status, a redirect, a timeout,
 *   a refused address) is retried with exponential backoff; after `maxAttempts` it is `failed`,
 *   which is a finding of the company (`GET /api/v1/companies/me/findings`). The table holds a
 *   window of each company's feed (`queueDepth` pending at most); the rest waits in the feed.
 * - **Fairness**: companies are sent to side by side (`concurrency` at once), each one attempt at a
 *   time (across nodes too: a company's turn is a lease in `webhook_endpoints.busy_until`) and at
 *   most `turnSize` in a row before a company that waited longer, so a receiver that
 *   hangs until the timeout, or a long history, costs only its own company time.
 * - **Fence**: the same origin rules as the domain proof (SPECS "company origin"): https to public
 *   addresses only, plain http only to loopback while the clearinghouse itself runs there; the
 *   socket connects to exactly the checked address; no redirects; bounded timeout; the answer's
 *   body is not read beyond a few bytes.
 *
 * Order is per company by feed cursor on the first attempt; a retried event may arrive after later
 * ones, so receivers deduplicate by `event.sha256` and may read the feed to fill any gap.
 */
import {
  createPrivateKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Kysely, Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { publicJwk, thumbprint, type Ed25519KeyPair, type Ed25519PublicJwk } from '$protocol/keys';
import type { Database } from './db/schema';
import { durableTransaction } from './db/durable-transaction';
import { onPostgres } from './db/postgres-batch';
import { clearinghouseDbOf } from './db/handles';
import { createOutageReporter, type OutageLog } from './db/unreachable';
import type { FeedEvent } from './consents';
import {
  originPolicy,
  pinnedLookup,
  systemResolver,
  type AddressPolicy,
  type Resolver,
} from './domain-proof';

/** The worker's tables (migration 0005), added to the shared schema where this module reads them. */
export interface WebhookTables {
  webhook_endpoints: {
    company_id: string;
    /** The webhook's address; empty once the company removed it (the row keeps `last_seq`). */
    url: string;
    last_seq: number;
    updated_at: number;
    /** The lease of the node whose turn it is to send to the company (migration 0018), or null. */
    busy_until: number | null;
  };
  webhook_deliveries: {
    /** `<company id>:<feed seq>`. */
    id: string;
    company_id: string;
    seq: number;
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    /** Milliseconds; also the claim of a worker that is sending it (moved forward by a lease). */
    next_attempt_at: number;
    last_error: string | null;
    created_at: number;
    finished_at: number | null;
    /** The URL of the last attempt (migration 0015); null before the first, or before 0015. */
    last_url: string | null;
  };
}

type WebhookDb = Kysely<Database & WebhookTables>;

/** `webhook_endpoints.url` of a webhook the company removed (the row keeps its `last_seq`). */
const removedUrl = '';

/** The endpoint's place in the feed changed while a round queued events: those roll back. */
class PlaceMoved extends Error {}

/** The header that carries the detached signature. */
export const signatureHeader = 'clearinghouse-signature';
/** `typ` of the detached JWS. */
export const webhookTyp = 'webhook+jws';

/** The JSON body of one delivery. */
export interface WebhookDelivery {
  v: 1;
  company: string;
  /** `<company>:<cursor>`: the same on every retry of this event. */
  deliveryId: string;
  /** Seconds: when this attempt was sent (receivers may refuse old ones). */
  sentAt: number;
  event: FeedEvent;
}

/** What one POST came back with. */
export interface SendResult {
  status: number;
}

/**
 * POSTs one body. Contract: connects only to addresses `policy` allows (else throws
 * `ERR_ORIGIN_NOT_ALLOWED`), never follows a redirect, gives up after its timeout (the name lookup
 * included), and gives up at once when `signal` aborts (`ERR_WEBHOOK_DELIVERY_FAILED`, reason
 * `aborted`). Injected so tests may wrap it; production uses {@link createWebhookSender}.
 */
export type WebhookSender = (
  url: URL,
  policy: AddressPolicy,
  body: Uint8Array,
  headers: Record<string, string>,
  signal?: AbortSignal,
) => Promise<SendResult>;

export interface WebhookSenderOptions {
  /** Whole attempt, name lookup to the status line. Default 10 s. */
  timeoutMs?: number;
  /** Default: the system resolver. */
  resolve?: Resolver;
}

function deliveryFailed(reason: string): ProtocolError {
  return new ProtocolError('ERR_WEBHOOK_DELIVERY_FAILED', 'The webhook delivery failed.', {
    reason,
  });
}

/**
 * The production sender: node:http(s) with a `lookup` pinned to the addresses checked against the
 * policy (no DNS rebinding between check and connect), `agent: false` (no pooled sockets to
 * another address), and a hard timeout.
 *
 * @example
 * ```ts
 * const send = createWebhookSender({ timeoutMs: 5_000 });
 * await send(new URL('https://shop.example/hooks'), 'public', body, { 'content-type': 'application/json' });
 * ```
 */
export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const resolve = options.resolve ?? systemResolver;
  return (url, policy, body, headers, signal) =>
    new Promise<SendResult>((resolvePromise, reject) => {
      let req: ClientRequest | undefined;
      let settled = false;
      // One deadline for the whole attempt, the lookup included: a resolver that takes its time
      // must not stretch an attempt past the timeout, nor past the worker's lease on it.
      const timer = setTimeout(() => fail(deliveryFailed('timeout')), timeoutMs);
      const onAbort = (): void => fail(deliveryFailed('aborted'));
      function settle(): boolean {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req?.destroy();
        return true;
      }
      function fail(error: unknown): void {
        if (settle()) reject(error);
      }
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      // A lookup given up on still finishes in the background; its answer is then ignored.
      pinnedLookup(url, policy, resolve, {
        dns: () => deliveryFailed('dns'),
        notAllowed: () =>
          new ProtocolError(
            'ERR_ORIGIN_NOT_ALLOWED',
            'The webhook is not at an acceptable address.',
            {
              reason: 'address-not-public',
            },
          ),
      })
        .then((pinned) => {
          if (settled) return;
          const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
          req = send(
            url,
            {
              method: 'POST',
              lookup: pinned,
              agent: false,
              headers: {
                ...headers,
                'content-length': String(body.byteLength),
                'user-agent': 'consent-clearinghouse-webhook',
              },
            },
            (res) => {
              // The status is all we need. The body is not read at all (settling destroys the
              // request), so a receiver cannot keep us busy by streaming one; a redirect is not
              // followed, or it could point us anywhere.
              const status = res.statusCode ?? 0;
              if (settle()) resolvePromise({ status });
            },
          );
          req.on('error', () => fail(deliveryFailed('network')));
          req.end(body);
        })
        // The lookup's refusal as it is; anything the request threw at once, too.
        .catch(fail);
    });
}

/** The webhook key as node:crypto and the receivers see it. */
export interface WebhookSigner {
  readonly kid: string;
  readonly jwk: Ed25519PublicJwk;
  /** The detached compact JWS (`<header>..<signature>`) over `body`. */
  sign(body: Uint8Array): string;
}

/**
 * A signer for deliveries from the clearinghouse's webhook key pair (log/key-file.ts).
 *
 * @example
 * ```ts
 * const signer = webhookSigner(await loadOrCreateKeyFile(config.webhookKeyPath));
 * const header = signer.sign(body); // 'eyJhbGciOi...' + '..' + signature
 * ```
 */
export function webhookSigner(keyPair: Ed25519KeyPair): WebhookSigner {
  const jwk = publicJwk(keyPair);
  const kid = thumbprint(jwk);
  const key: KeyObject = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: jwk.x,
      d: base64urlEncode(keyPair.privateKey.slice(0, 32)),
    },
  });
  const header = base64urlEncode(
    new TextEncoder().encode(JSON.stringify({ alg: 'EdDSA', typ: webhookTyp, kid })),
  );
  return {
    kid,
    jwk,
    sign(body) {
      const input = `${header}.${base64urlEncode(body)}`;
      return `${header}..${base64urlEncode(new Uint8Array(nodeSign(null, Buffer.from(input, 'ascii'), key)))}`;
    },
  };
}

/**
 * Verifies a delivery's `Clearinghouse-Signature` against the published `webhookKey`: what a
 * company's receiver does (the reference company site uses the same steps).
 *
 * @throws ProtocolError `ERR_JWS_MALFORMED`, `ERR_JWS_ALG_NOT_ALLOWED`, `ERR_JWS_TYP_MISMATCH`,
 *   `ERR_JWS_KID_UNKNOWN`, `ERR_JWS_SIGNATURE_INVALID`.
 * @example
 * ```ts
 * verifyWebhookSignature(body, request.headers['clearinghouse-signature'], wellKnown.webhookKey);
 * ```
 */
export function verifyWebhookSignature(
  body: Uint8Array,
  signature: string | undefined,
  key: Ed25519PublicJwk,
): void {
  const match = /^([A-Za-z0-9_-]{1,512})\.\.([A-Za-z0-9_-]{86})$/.exec(signature ?? '');
  if (match === null) throw new ProtocolError('ERR_JWS_MALFORMED', 'Not a detached compact JWS.');
  let header: { alg?: unknown; typ?: unknown; kid?: unknown };
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(match[1]!)),
    ) as typeof header;
  } catch {
    throw new ProtocolError('ERR_JWS_MALFORMED', 'The JWS header is not JSON.');
  }
  if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') {
    throw new ProtocolError('ERR_JWS_ALG_NOT_ALLOWED', 'Only EdDSA is accepted.');
  }
  if (header.typ !== webhookTyp)
    throw new ProtocolError('ERR_JWS_TYP_MISMATCH', `typ must be ${webhookTyp}.`);
  if (header.kid !== thumbprint(key))
    throw new ProtocolError('ERR_JWS_KID_UNKNOWN', 'Not signed by this webhook key.');
  const input = Buffer.from(`${match[1]!}.${base64urlEncode(body)}`, 'ascii');
  const publicKey = { key: { kty: 'OKP', crv: 'Ed25519', x: key.x }, format: 'jwk' } as const;
  if (!nodeVerify(null, input, publicKey, base64urlDecode(match[2]!))) {
    throw new ProtocolError('ERR_JWS_SIGNATURE_INVALID', 'The webhook signature does not verify.');
  }
}

/** A failed delivery, as the company's findings list it. */
export interface WebhookFinding {
  type: 'webhook-delivery-failed';
  eventSha256: string;
  cursor: string;
  url: string;
  attempts: number;
  lastError: string;
  failedAt: number;
}

/**
 * The company's failed deliveries, oldest first (at most 500: a findings list, not an archive).
 *
 * @example
 * ```ts
 * const findings = [...overdue, ...(await webhookFindings(db, companyId))];
 * ```
 */
export async function webhookFindings(
  db: Kysely<Database>,
  companyId: string,
): Promise<WebhookFinding[]> {
  const wdb = db as unknown as WebhookDb;
  const rows = await wdb
    .selectFrom('webhook_deliveries as d')
    .innerJoin('consent_events as e', (join) =>
      join.onRef('e.company_id', '=', 'd.company_id').onRef('e.seq', '=', 'd.seq'),
    )
    .leftJoin('webhook_endpoints as w', 'w.company_id', 'd.company_id')
    .select([
      'd.seq',
      'd.attempts',
      'd.last_error',
      'd.finished_at',
      'd.last_url',
      'e.sha256',
      'w.url',
    ])
    .where('d.company_id', '=', companyId)
    .where('d.status', '=', 'failed')
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('d.seq', 'desc')
    .limit(500)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'webhook-delivery-failed',
    eventSha256: row.sha256,
    cursor: String(row.seq),
    // The address that failed; rows from before migration 0015 have only the current one (none
    // once the webhook was removed).
    url: row.last_url ?? row.url ?? removedUrl,
    attempts: Number(row.attempts),
    lastError: row.last_error ?? 'unknown',
    failedAt: Number(row.finished_at ?? 0),
  }));
}

export interface WebhookWorkerOptions {
  db: Kysely<Database>;
  /** The clearinghouse's public origin: decides whether loopback webhooks are allowed. */
  origin: string;
  signer: WebhookSigner;
  /** Default: {@link createWebhookSender}. */
  send?: WebhookSender;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Attempts before a delivery is given up (a finding). Default 10. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. Default 30 s. */
  backoffBaseMs?: number;
  /** Longest retry delay. Default 1 hour. */
  backoffMaxMs?: number;
  /** How long a claimed delivery is reserved for the sender. Default 60 s (> the send timeout). */
  leaseMs?: number;
  /** Companies sent to at the same time, each one attempt at a time. Default 16. */
  concurrency?: number;
  /** Deliveries a company is sent in a row before companies that waited longer. Default 50. */
  turnSize?: number;
  /** Pending deliveries per company at most; later feed events are queued as these end. Default 100. */
  queueDepth?: number;
  /** How far back each tick re-reads changed registrations. Default 10 minutes. */
  syncOverlapMs?: number;
  /** Pause between ticks of the loop. Default 1 s. */
  intervalMs?: number;
  /**
   * How long a delivered delivery stays in the queue's table before it is deleted (the receiver
   * deduplicates by its `Idempotency-Key`; the feed keeps the event). Default 7 days.
   */
  deliveredRetentionMs?: number;
  /**
   * How long a delivery given up on stays (a `webhook-delivery-failed` finding of its company)
   * before it is deleted: with a dead receiver every feed event leaves one. Default 90 days.
   */
  failedRetentionMs?: number;
  /**
   * Where the worker says that the database cannot be reached, once when a round or turn first
   * finds it so and once when a round works again (db/unreachable.ts; default the process's
   * logger). Any other error is printed with its stack, as always.
   */
  outageLog?: OutageLog;
}

/** The delivery worker of one process. */
export interface WebhookWorker {
  /**
   * One round: copies webhook URLs from changed registrations, queues new feed events, sends the
   * deliveries that are due and waits for them. Returns how many were sent (delivered or not).
   */
  tick(): Promise<number>;
  /**
   * Starts the loop: a round every `intervalMs`, which starts sending but does not wait for it (a
   * company's receiver holds only that company's turn). Errors are logged, never thrown.
   */
  start(): void;
  /**
   * Stops the loop and aborts the attempts in flight; they are not counted and stay queued, due
   * again at once for any node. Waits only for the database writes that end them.
   */
  stop(): Promise<void>;
}

/**
 * The delay before attempt `attempts + 1`, after `attempts` failed ones (1-based):
 * `base · 2^(attempts-1)`, at most `max`.
 *
 * @example
 * ```ts
 * backoffMs(1, 30_000, 3_600_000); // 30_000
 * backoffMs(3, 30_000, 3_600_000); // 120_000
 * ```
 */
export function backoffMs(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/** Every this many ticks all registrations are read again, not only the recent ones. */
const fullSyncEvery = 300;
/** Registrations read per query. */
const syncPageSize = 1000;
/** Companies whose feed events are queued per tick at most (the next tick goes on after them). */
const queueCompaniesPerTick = 100;

/** The `webhook` of a stored profile (companies.profile), if it names one. */
function webhookOf(profile: string): string | undefined {
  try {
    const url = (JSON.parse(profile) as { webhook?: unknown }).webhook;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `work`, or `ERR_WEBHOOK_DELIVERY_FAILED` (`aborted`) as soon as `signal` aborts: an injected
 * sender that ignores its signal must not hold stop().
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deliveryFailed('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Creates the worker. Several processes may run one each on a shared PostgreSQL database: queueing
 * is idempotent (delivery ids) and a delivery is claimed before it is sent.
 *
 * @example
 * ```ts
 * const worker = createWebhookWorker({ db, origin, signer: webhookSigner(keyPair) });
 * worker.start();
 * ```
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const db = options.db as unknown as WebhookDb;
  const cdb = clearinghouseDbOf(options.db);
  /**
   * Every write of the worker: one transaction, on a SQLite file committed with its flush off the
   * event loop (`durableTransaction`): a delivery's claim, outcome and turn would otherwise each
   * stop the whole server for a disk flush.
   */
  const write = <T>(
    work: (trx: Transaction<Database & WebhookTables>) => Promise<T>,
  ): Promise<T> =>
    cdb === undefined
      ? db.transaction().execute(work)
      : durableTransaction(cdb, work as unknown as (trx: Transaction<Database>) => Promise<T>);
  const now = options.now ?? Date.now;
  const send = options.send ?? createWebhookSender();
  const maxAttempts = options.maxAttempts ?? 10;
  const backoffBase = options.backoffBaseMs ?? 30_000;
  const backoffMax = options.backoffMaxMs ?? 60 * 60 * 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const concurrency = options.concurrency ?? 16;
  const turnSize = options.turnSize ?? 50;
  const queueDepth = options.queueDepth ?? 100;
  const syncOverlapMs = options.syncOverlapMs ?? 10 * 60 * 1000;
  const intervalMs = options.intervalMs ?? 1_000;
  const deliveredRetentionMs = options.deliveredRetentionMs ?? 7 * 24 * 60 * 60 * 1000;
  const failedRetentionMs = options.failedRetentionMs ?? 90 * 24 * 60 * 60 * 1000;
  /** Rounds so far: the first, and every `fullSyncEvery`th, also deletes old delivered rows. */
  let purges = 0;
  /** Ticks so far: the first, and every `fullSyncEvery`th, reads every registration. */
  let ticks = 0;
  /** The company whose events were queued last: the next tick starts after it. */
  let queuedAfter = '';
  /** Rounds that handed out turns, and the last in which each company with work due had one. */
  let rounds = 0;
  const lastTurn = new Map<string, number>();
  /** The companies being sent to now: at most one turn each, `concurrency` in all. */
  const turns = new Map<string, { done: Promise<number>; abort: AbortController }>();
  /** An unreachable database: one line when it goes, one when it is back, not one per attempt. */
  const outage = createOutageReporter('webhook worker', {
    ...(options.outageLog === undefined ? {} : { log: options.outageLog }),
  });
  /** Every error of the loop and its turns: a lost connection to `outage`, the rest with a stack. */
  const report = (error: unknown): void => {
    if (!outage.failed(error)) console.error('webhook worker:', error);
  };

  async function syncEndpoints(): Promise<void> {
    // Every tick re-reads all registrations changed in the last `syncOverlapMs`, not those after
    // the newest it saw: updated_at is taken when a request starts and the request commits later
    // (a domain-proof fetch lies in between), so a change can become visible with an updated_at
    // older than one already read. Re-reading costs little: only differences are written. Now and
    // then everything is read, for what no overlap covers: a node whose clock lags by more, or a
    // commit that took longer.
    const from = ticks++ % fullSyncEvery === 0 ? undefined : now() - syncOverlapMs;
    // Pages go by (updated_at, id): many registrations may share one updated_at, and a page must
    // not end between them.
    let after: { updatedAt: number; id: string } | undefined;
    for (;;) {
      const last = after;
      let query = db.selectFrom('companies').select(['id', 'profile', 'updated_at']);
      if (last !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb('updated_at', '>', last.updatedAt),
            eb.and([eb('updated_at', '=', last.updatedAt), eb('id', '>', last.id)]),
          ]),
        );
      } else if (from !== undefined) query = query.where('updated_at', '>=', from);
      const page = await query.orderBy('updated_at').orderBy('id').limit(syncPageSize).execute();
      await applyRegistrations(page);
      if (page.length < syncPageSize) return;
      const end = page[page.length - 1]!;
      after = { updatedAt: Number(end.updated_at), id: end.id };
    }
  }

  async function applyRegistrations(rows: { id: string; profile: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const endpoints = await db
      .selectFrom('webhook_endpoints')
      .select(['company_id', 'url'])
      .where(
        'company_id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    // A removed webhook keeps its row with no address (`removedUrl`), and so its place in the feed.
    const current = new Map(
      endpoints.map((e) => [e.company_id, e.url === removedUrl ? undefined : e.url]),
    );
    for (const row of rows) {
      const url = webhookOf(row.profile);
      if (url === current.get(row.id)) continue;
      if (url !== undefined) {
        await write((trx) =>
          trx
            .insertInto('webhook_endpoints')
            .values({ company_id: row.id, url, last_seq: 0, updated_at: now() })
            .onConflict((c) => c.column('company_id').doUpdateSet({ url, updated_at: now() }))
            .execute(),
        );
      } else {
        // The company removed its webhook: what is still queued for it is not sent. The row stays
        // without an address, its place moved back before the first event not yet sent, so that
        // a webhook named again later resumes there: not the whole feed again, as for a first
        // webhook, and nothing skipped. The endpoint's row is written first, as a delivery's
        // claim takes it before the delivery's row, so the two never wait for each other in
        // opposite order (PostgreSQL).
        await write(async (trx) => {
          // Held first on PostgreSQL: a round queueing events meanwhile (another node) either
          // committed before, so its deliveries are read below, or finds the place moved and
          // rolls back.
          if (onPostgres(trx)) {
            await trx
              .selectFrom('webhook_endpoints')
              .select('company_id')
              .where('company_id', '=', row.id)
              .forUpdate()
              .execute();
          }
          const unsent = await trx
            .selectFrom('webhook_deliveries')
            .select((eb) => eb.fn.min('seq').as('seq'))
            .where('company_id', '=', row.id)
            .where('status', '=', 'pending')
            .executeTakeFirst();
          const first = unsent?.seq == null ? undefined : Number(unsent.seq);
          await trx
            .updateTable('webhook_endpoints')
            .set((eb) => ({
              url: removedUrl,
              updated_at: now(),
              ...(first === undefined
                ? {}
                : {
                    last_seq: eb
                      .case()
                      .when('last_seq', '>=', first)
                      .then(first - 1)
                      .else(eb.ref('last_seq'))
                      .end(),
                  }),
            }))
            .where('company_id', '=', row.id)
            .execute();
          await trx
            .deleteFrom('webhook_deliveries')
            .where('company_id', '=', row.id)
            .where('status', '=', 'pending')
            .execute();
        });
      }
    }
  }

  async function enqueue(): Promise<void> {
    // The companies with feed events not queued yet (one probe of the feed's primary key per
    // webhook), and how many of theirs are pending already.
    const behind = await db
      .selectFrom('webhook_endpoints as w')
      .select((eb) => [
        'w.company_id',
        'w.last_seq',
        eb
          .selectFrom('webhook_deliveries as d')
          .select((sub) => sub.fn.countAll<number>().as('n'))
          .whereRef('d.company_id', '=', 'w.company_id')
          .where('d.status', '=', 'pending')
          .as('pending'),
      ])
      .where('w.url', '<>', removedUrl)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('consent_events as e')
            .select('e.seq')
            .whereRef('e.company_id', '=', 'w.company_id')
            .whereRef('e.seq', '>', 'w.last_seq'),
        ),
      )
      .execute();
    // Each company gets only the room left in its window, so a long history (a company that just
    // named a webhook) is queued bit by bit and never ahead of everyone else's events; and the
    // companies take turns from where the last tick stopped, however many are behind.
    const open = behind
      .filter((b) => Number(b.pending ?? 0) < queueDepth)
      .sort((a, b) => (a.company_id < b.company_id ? -1 : a.company_id > b.company_id ? 1 : 0));
    const next = Math.max(
      0,
      open.findIndex((b) => b.company_id > queuedAfter),
    );
    const chosen = [...open.slice(next), ...open.slice(0, next)].slice(0, queueCompaniesPerTick);
    for (const company of chosen) {
      const events = await db
        .selectFrom('consent_events')
        .select('seq')
        .where('company_id', '=', company.company_id)
        .where('seq', '>', Number(company.last_seq))
        .orderBy('seq')
        .limit(queueDepth - Number(company.pending ?? 0))
        .execute();
      queuedAfter = company.company_id;
      if (events.length === 0) continue;
      const at = now();
      const highest = Number(events[events.length - 1]!.seq);
      const read = Number(company.last_seq);
      await write(async (trx) => {
        await trx
          .insertInto('webhook_deliveries')
          .values(
            events.map((e) => ({
              id: `${company.company_id}:${e.seq}`,
              company_id: company.company_id,
              seq: Number(e.seq),
              status: 'pending' as const,
              attempts: 0,
              next_attempt_at: at,
              last_error: null,
              created_at: at,
              finished_at: null,
            })),
          )
          .onConflict((c) => c.column('id').doNothing())
          .execute();
        // Only from the place read above, and only while the webhook is there: a removal that
        // committed meanwhile (another node) moved the place back before what it dropped, and
        // moving it forward again would skip those events. Then nothing of this is kept.
        const updated = await trx
          .updateTable('webhook_endpoints')
          .set({ last_seq: highest })
          .where('company_id', '=', company.company_id)
          .where('last_seq', '=', read)
          .where('url', '<>', removedUrl)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new PlaceMoved();
      }).catch((error: unknown) => {
        // Another node queued them, or the webhook went: the next round reads the place again.
        if (!(error instanceof PlaceMoved)) throw error;
      });
    }
  }

  /** Hands the free slots to companies with deliveries due, those that waited longest first. */
  async function dispatch(): Promise<Promise<number>[]> {
    const free = concurrency - turns.size;
    if (free <= 0) return [];
    const due = await db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as w', 'w.company_id', 'd.company_id')
      .select((eb) => ['d.company_id', eb.fn.min('d.next_attempt_at').as('due')])
      .where('w.url', '<>', removedUrl)
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now())
      .groupBy('d.company_id')
      .execute();
    const round = ++rounds;
    const dueNow = new Set(due.map((row) => row.company_id));
    // Only a company still waiting is remembered; one whose work fell due anew starts fresh.
    for (const company of lastTurn.keys()) if (!dueNow.has(company)) lastTurn.delete(company);
    // Never had a turn, or had it longest ago, first; then the one due longest: a company whose
    // backlog is older than everyone's events still takes only its share of the slots.
    const waiting = due
      .filter((row) => !turns.has(row.company_id))
      .map((row) => ({
        company: row.company_id,
        turn: lastTurn.get(row.company_id) ?? 0,
        due: Number(row.due),
      }))
      .sort((a, b) => a.turn - b.turn || a.due - b.due);
    return waiting.slice(0, free).map(({ company }) => startTurn(company, round));
  }

  function startTurn(company: string, round: number): Promise<number> {
    const abort = new AbortController();
    const done = sendTurn(company, abort.signal)
      // A turn is never awaited by the worker's own loop: should one still fail, it is logged,
      // never left to end the process as an unhandled rejection.
      .catch((error: unknown) => {
        report(error);
        return 0;
      })
      .finally(() => {
        turns.delete(company);
        lastTurn.set(company, round);
      });
    turns.set(company, { done, abort });
    return done;
  }

  /**
   * Sends a company's due deliveries one after another, in queue order, until none is due, one
   * fails, `turnSize` were sent, or `signal` aborts. Returns how many were sent.
   */
  async function sendTurn(company: string, signal: AbortSignal): Promise<number> {
    let sent = 0;
    // The company's turn across nodes (migration 0018): taken when free or its lease ran out,
    // moved forward with each claimed delivery, given back at the end.
    let turnUntil = now() + leaseMs;
    try {
      const taken = await write((trx) =>
        trx
          .updateTable('webhook_endpoints')
          .set({ busy_until: turnUntil })
          .where('company_id', '=', company)
          .where((eb) => eb.or([eb('busy_until', 'is', null), eb('busy_until', '<=', now())]))
          .executeTakeFirst(),
      );
      if (Number(taken.numUpdatedRows) !== 1) return 0;
    } catch (error) {
      report(error);
      return 0;
    }
    try {
      for (let i = 0; i < turnSize && !signal.aborted; i++) {
        const row = await nextDue(company);
        if (row === undefined) break;
        // Claim: only the worker whose UPDATE matched the old time sends it. The lease (longer
        // than any attempt) keeps other nodes off it meanwhile, and frees it if this one dies.
        const leaseUntil = now() + leaseMs;
        // The turn's lease moved forward and the delivery claimed in one commit.
        const claim = await write(async (trx) => {
          const kept = await trx
            .updateTable('webhook_endpoints')
            .set({ busy_until: leaseUntil })
            .where('company_id', '=', company)
            .where('busy_until', '=', turnUntil)
            .executeTakeFirst();
          if (Number(kept.numUpdatedRows) !== 1) return 'turn lost' as const;
          const claimed = await trx
            .updateTable('webhook_deliveries')
            .set({ next_attempt_at: leaseUntil })
            .where('id', '=', row.id)
            .where('status', '=', 'pending')
            .where('next_attempt_at', '=', row.next_attempt_at)
            .executeTakeFirst();
          return Number(claimed.numUpdatedRows) === 1 ? ('claimed' as const) : ('taken' as const);
        });
        // The turn's lease ran out meanwhile and another node may have the company now.
        if (claim === 'turn lost') break;
        turnUntil = leaseUntil;
        if (claim === 'taken') continue;
        const error = await attempt(
          row.url,
          {
            v: 1,
            company: row.company_id,
            deliveryId: row.id,
            sentAt: Math.floor(now() / 1000),
            event: {
              cursor: String(row.seq),
              kind: row.kind,
              sha256: row.sha256,
              pseudonym: row.pseudonym,
              jws: row.jws,
              receivedAt: Number(row.created_at),
            },
          },
          signal,
        );
        if (error !== undefined && signal.aborted) {
          // Cut short by stop(): not the receiver's failure, so not counted, and due again at
          // once for whichever node still runs (the lease would free it as well, only later).
          await write((trx) =>
            trx
              .updateTable('webhook_deliveries')
              .set({ next_attempt_at: now() })
              .where('id', '=', row.id)
              .where('status', '=', 'pending')
              .where('next_attempt_at', '=', leaseUntil)
              .execute(),
          );
          break;
        }
        sent++;
        await record(row.id, Number(row.attempts) + 1, leaseUntil, row.url, error);
        // A receiver in trouble waits for its retry; the slot goes to other companies meanwhile.
        if (error !== undefined) break;
      }
    } catch (error) {
      // A database hiccup ends this turn only: a claimed delivery is sent again after its lease.
      report(error);
    }
    await write((trx) =>
      trx
        .updateTable('webhook_endpoints')
        .set({ busy_until: null })
        .where('company_id', '=', company)
        .where('busy_until', '=', turnUntil)
        .execute(),
    ).catch((error: unknown) =>
      // Not given back (the database is away, or its connection, its commit or the flush failed):
      // the lease frees the company when it runs out. A turn never rejects: nothing awaits it.
      report(error),
    );
    return sent;
  }

  /** The company's delivery due first, with what its body needs. */
  function nextDue(company: string) {
    return db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as w', 'w.company_id', 'd.company_id')
      .innerJoin('consent_events as e', (join) =>
        join.onRef('e.company_id', '=', 'd.company_id').onRef('e.seq', '=', 'd.seq'),
      )
      .innerJoin('messages as m', 'm.sha256', 'e.sha256')
      .select([
        'd.id',
        'd.company_id',
        'd.seq',
        'd.attempts',
        'd.next_attempt_at',
        'w.url',
        'e.kind',
        'e.sha256',
        'e.pseudonym',
        'e.created_at',
        'm.jws',
      ])
      .where('d.company_id', '=', company)
      .where('w.url', '<>', removedUrl)
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now())
      .orderBy('d.next_attempt_at')
      .orderBy('d.seq')
      .limit(1)
      .executeTakeFirst();
  }

  /** Writes an attempt's outcome, unless the lease ran out and another node took the delivery. */
  async function record(
    id: string,
    attempts: number,
    leaseUntil: number,
    url: string,
    error: string | undefined,
  ): Promise<void> {
    const finishedAt = now();
    const outcome =
      error === undefined
        ? { status: 'delivered' as const, attempts, last_error: null, finished_at: finishedAt }
        : attempts >= maxAttempts
          ? { status: 'failed' as const, attempts, last_error: error, finished_at: finishedAt }
          : {
              attempts,
              last_error: error,
              next_attempt_at: finishedAt + backoffMs(attempts, backoffBase, backoffMax),
            };
    await write((trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set({ ...outcome, last_url: url })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '=', leaseUntil)
        .execute(),
    );
  }

  /** Sends one delivery; returns why it failed (a short, stable reason), or undefined. */
  async function attempt(
    url: string,
    delivery: WebhookDelivery,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    try {
      const policy = originPolicy(url, options.origin);
      const body = new TextEncoder().encode(JSON.stringify(delivery));
      const headers = {
        'content-type': 'application/json',
        [signatureHeader]: options.signer.sign(body),
        'idempotency-key': delivery.deliveryId,
      };
      const result = await untilAborted(send(new URL(url), policy, body, headers, signal), signal);
      if (result.status >= 200 && result.status < 300) return undefined;
      return result.status >= 300 && result.status < 400
        ? `redirect ${result.status}`
        : `status ${result.status}`;
    } catch (error) {
      if (error instanceof ProtocolError) {
        const reason = error.detail?.reason;
        return typeof reason === 'string' ? `${error.code} ${reason}` : error.code;
      }
      return 'network';
    }
  }

  /** Syncs, queues and starts the turns that are due: database work only, turns run on. */
  /**
   * Deletes delivered and given-up rows past their retention: the table would otherwise grow with
   * the feed (the feed keeps every event).
   */
  async function purgeDelivered(): Promise<void> {
    await write((trx) =>
      trx
        .deleteFrom('webhook_deliveries')
        .where((eb) =>
          eb.or([
            eb.and([
              eb('status', '=', 'delivered'),
              eb('finished_at', '<', now() - deliveredRetentionMs),
            ]),
            eb.and([
              eb('status', '=', 'failed'),
              eb('finished_at', '<', now() - failedRetentionMs),
            ]),
          ]),
        )
        .execute(),
    );
  }

  async function round(): Promise<Promise<number>[]> {
    if (purges++ % fullSyncEvery === 0) await purgeDelivered();
    await syncEndpoints();
    await enqueue();
    return dispatch();
  }

  async function tick(): Promise<number> {
    const sent = await Promise.all(await round());
    return sent.reduce((sum, n) => sum + n, 0);
  }

  let running: Promise<void> | undefined;
  let stopped = true;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round()
        .then(
          () => outage.succeeded(),
          (error: unknown) => {
            // A database hiccup must not stop deliveries for good: log it, try again next round.
            report(error);
          },
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref?.();
  }

  function abortTurns(): void {
    for (const turn of turns.values()) turn.abort.abort();
  }

  return {
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      abortTurns();
      await running;
      // The round that was running may have started turns after the first abort.
      abortTurns();
      await Promise.all([...turns.values()].map((turn) => turn.done));
    },
  };
}
