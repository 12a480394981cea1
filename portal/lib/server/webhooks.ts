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
 *   which is a finding of the company (`GET /api/v1/companies/me/findings`).
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
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Kysely } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { publicJwk, thumbprint, type Ed25519KeyPair, type Ed25519PublicJwk } from '$protocol/keys';
import type { Database } from './db/schema';
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
    url: string;
    last_seq: number;
    updated_at: number;
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
  };
}

type WebhookDb = Kysely<Database & WebhookTables>;

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
 * `ERR_ORIGIN_NOT_ALLOWED`), never follows a redirect, gives up after its timeout. Injected so
 * tests may wrap it; production uses {@link createWebhookSender}.
 */
export type WebhookSender = (
  url: URL,
  policy: AddressPolicy,
  body: Uint8Array,
  headers: Record<string, string>,
) => Promise<SendResult>;

export interface WebhookSenderOptions {
  /** Whole request, connect to last byte. Default 10 s. */
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
  return async (url, policy, body, headers) => {
    const pinned = await pinnedLookup(url, policy, resolve, {
      dns: () => deliveryFailed('dns'),
      notAllowed: () =>
        new ProtocolError(
          'ERR_ORIGIN_NOT_ALLOWED',
          'The webhook is not at an acceptable address.',
          {
            reason: 'address-not-public',
          },
        ),
    });
    return new Promise<SendResult>((resolvePromise, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
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
          // The status is all we need. The body is not read at all, so a receiver cannot keep us
          // busy by streaming one; a redirect is not followed, or it could point us anywhere.
          resolvePromise({ status: res.statusCode ?? 0 });
          req.destroy();
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        reject(deliveryFailed('timeout'));
      }, timeoutMs);
      req.on('error', () => reject(deliveryFailed('network')));
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  };
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
    .select(['d.seq', 'd.attempts', 'd.last_error', 'd.finished_at', 'e.sha256', 'w.url'])
    .where('d.company_id', '=', companyId)
    .where('d.status', '=', 'failed')
    .orderBy('d.seq')
    .limit(500)
    .execute();
  return rows.map((row) => ({
    type: 'webhook-delivery-failed',
    eventSha256: row.sha256,
    cursor: String(row.seq),
    url: row.url ?? '',
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
  /** Deliveries sent per tick. Default 50. */
  batchSize?: number;
  /** Pause between ticks of the loop. Default 1 s. */
  intervalMs?: number;
}

/** The delivery worker of one process. */
export interface WebhookWorker {
  /**
   * One round: copies webhook URLs from changed registrations, queues new feed events, sends the
   * deliveries that are due. Returns how many were sent (delivered or not).
   */
  tick(): Promise<number>;
  /** Starts the loop (ticks every `intervalMs`, errors logged, never thrown). */
  start(): void;
  /** Stops the loop and waits for the current tick. */
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
  const now = options.now ?? Date.now;
  const send = options.send ?? createWebhookSender();
  const maxAttempts = options.maxAttempts ?? 10;
  const backoffBase = options.backoffBaseMs ?? 30_000;
  const backoffMax = options.backoffMaxMs ?? 60 * 60 * 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 50;
  const intervalMs = options.intervalMs ?? 1_000;
  /** Registrations changed after this (ms) are re-read; -1 at start, so every process syncs once. */
  let syncedUpTo = -1;
  let ticks = 0;

  async function syncEndpoints(): Promise<void> {
    // Now and then read every registration again: updated_at comes from the clock of whichever
    // node stored it, and a node whose clock lags could otherwise hide a change from us.
    if (++ticks % 300 === 0) syncedUpTo = -1;
    const changed = await db
      .selectFrom('companies')
      .select(['id', 'profile', 'updated_at'])
      .where('updated_at', '>', syncedUpTo)
      .orderBy('updated_at')
      .limit(1000)
      .execute();
    for (const row of changed) {
      let url: unknown;
      try {
        url = (JSON.parse(row.profile) as { webhook?: unknown }).webhook;
      } catch {
        url = undefined;
      }
      if (typeof url === 'string') {
        await db
          .insertInto('webhook_endpoints')
          .values({ company_id: row.id, url, last_seq: 0, updated_at: now() })
          .onConflict((c) => c.column('company_id').doUpdateSet({ url, updated_at: now() }))
          .execute();
      } else {
        // The company removed its webhook: what is still queued for it will not be sent.
        await db
          .deleteFrom('webhook_deliveries')
          .where('company_id', '=', row.id)
          .where('status', '=', 'pending')
          .execute();
        await db.deleteFrom('webhook_endpoints').where('company_id', '=', row.id).execute();
      }
      syncedUpTo = Math.max(syncedUpTo, Number(row.updated_at));
    }
  }

  async function enqueue(): Promise<void> {
    const events = await db
      .selectFrom('consent_events as e')
      .innerJoin('webhook_endpoints as w', 'w.company_id', 'e.company_id')
      .select(['e.company_id', 'e.seq'])
      .whereRef('e.seq', '>', 'w.last_seq')
      .orderBy('e.company_id')
      .orderBy('e.seq')
      .limit(500)
      .execute();
    if (events.length === 0) return;
    const at = now();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_deliveries')
        .values(
          events.map((e) => ({
            id: `${e.company_id}:${e.seq}`,
            company_id: e.company_id,
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
      const highest = new Map<string, number>();
      for (const e of events)
        highest.set(e.company_id, Math.max(highest.get(e.company_id) ?? 0, Number(e.seq)));
      for (const [company, seq] of highest) {
        await trx
          .updateTable('webhook_endpoints')
          .set({ last_seq: seq })
          .where('company_id', '=', company)
          .where('last_seq', '<', seq)
          .execute();
      }
    });
  }

  async function deliverDue(): Promise<number> {
    const due = await db
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
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now())
      .orderBy('d.next_attempt_at')
      .orderBy('d.seq')
      .limit(batchSize)
      .execute();
    let sent = 0;
    for (const row of due) {
      // Claim: only the worker whose UPDATE matched the old time sends it.
      const claimed = await db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now() + leaseMs })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '=', row.next_attempt_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const delivery: WebhookDelivery = {
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
      };
      const error = await attempt(row.url, delivery);
      sent++;
      const attempts = Number(row.attempts) + 1;
      const finishedAt = now();
      if (error === undefined) {
        await db
          .updateTable('webhook_deliveries')
          .set({ status: 'delivered', attempts, last_error: null, finished_at: finishedAt })
          .where('id', '=', row.id)
          .execute();
      } else if (attempts >= maxAttempts) {
        await db
          .updateTable('webhook_deliveries')
          .set({ status: 'failed', attempts, last_error: error, finished_at: finishedAt })
          .where('id', '=', row.id)
          .execute();
      } else {
        await db
          .updateTable('webhook_deliveries')
          .set({
            attempts,
            last_error: error,
            next_attempt_at: finishedAt + backoffMs(attempts, backoffBase, backoffMax),
          })
          .where('id', '=', row.id)
          .execute();
      }
    }
    return sent;
  }

  /** Sends one delivery; returns why it failed (a short, stable reason), or undefined. */
  async function attempt(url: string, delivery: WebhookDelivery): Promise<string | undefined> {
    try {
      const policy = originPolicy(url, options.origin);
      const body = new TextEncoder().encode(JSON.stringify(delivery));
      const result = await send(new URL(url), policy, body, {
        'content-type': 'application/json',
        [signatureHeader]: options.signer.sign(body),
        'idempotency-key': delivery.deliveryId,
      });
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

  async function tick(): Promise<number> {
    await syncEndpoints();
    await enqueue();
    return deliverDue();
  }

  let running: Promise<void> | undefined;
  let stopped = true;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .then(
          () => undefined,
          (error: unknown) => {
            // A database hiccup must not stop deliveries for good: log it, try again next round.
            console.error('webhook worker:', error);
          },
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref?.();
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
      await running;
    },
  };
}
