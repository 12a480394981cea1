/**
 * The reference company site's side of the sealed relay (issue 5, docs/company-integration.md
 * "Offers, rewards and corrections"):
 *
 * - its **customers**: one record per pseudonym that granted, with the grant as the customer
 *   signed it, the revocations of it seen since, and the pseudonym's public key (learnt from the
 *   `pseudonymKey` of the grant, or of an earlier refusal), kept in the site's store (store.ts);
 * - **offers and rewards**: sealed to the pseudonym's pairwise key (the X25519 form, `protocol/seal`),
 *   the offer's content signed inside the box and the routing fields outside (SPECS "JWS"); sent
 *   on request through `POST /demo/offer` and `POST /demo/reward` (JSON `{"pseudonym": "ps_…"}`),
 *   which the demo page and the tests use. An offer goes out only when the grant covers it now
 *   (`checkCoverage`, with the site's own count of contacts) and the company is active: a refused
 *   offer counts against the company, so the site withholds it instead;
 * - **corrections**: on a `correction` feed event the site fetches its corrections, verifies each
 *   against the pseudonym's key, opens the sealed value with its own key, applies it to its store
 *   and acknowledges it only then (so a crash or a failed write reads it again). One that can
 *   never apply (bad signature or seal) is acknowledged and dropped; one from a pseudonym the site
 *   does not know yet waits, unacknowledged, until its grant arrives.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import {
  ApiProblem,
  uuidV4,
  type ClearinghouseClient,
  type FeedEvent,
  type RelayReceipt,
} from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { checkCoverage, type GrantRevocation } from '../../protocol/grants';
import { importPublicJwk, type Ed25519KeyPair, type Ed25519PublicJwk } from '../../protocol/keys';
import {
  correctionContent,
  parseMessage,
  type GrantPayload,
  type Payload,
} from '../../protocol/messages';
import { openSealed, sealSigned, sealTo } from '../../protocol/seal';
import { openMessage, signMessage } from '../../protocol/signed';
import type { Customer, SiteStore } from './store';

export type { Customer } from './store';

export interface SiteRelayOptions {
  client: ClearinghouseClient;
  companyId: string;
  keyPair: Ed25519KeyPair;
  store: SiteStore;
  /** The company's status at the clearinghouse (site.ts): offers go out only while `active`. */
  status: () => string;
  now: () => number;
  log: (line: string) => void;
}

/** The site's relay side, hooked into site.ts. */
export interface SiteRelay {
  /** The customers, by pseudonym. */
  readonly customers: ReadonlyMap<string, Customer>;
  /** Corrections applied, by id, in order. */
  readonly applied: string[];
  /** Called for every feed event, before the cursor moves past it. */
  onFeedEvent(event: FeedEvent): Promise<void>;
  /**
   * Whether customers of the first store version lack their grant: then site.ts reads the feed
   * once more from the start, up to its cursor, and hands each event to {@link restore}.
   */
  needsRestore(): boolean;
  /** Takes a customer's kept grant (and the revocations of it) from an event read again. */
  restore(event: FeedEvent): void;
  /** Answers `POST /demo/offer` and `POST /demo/reward`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /**
   * Sends an offer to a customer on a channel its grant covers now (the preferred one first).
   *
   * @throws OfferWithheld when the grant does not cover it or the company is not active.
   */
  sendOffer(pseudonym: string, title?: string): Promise<RelayReceipt>;
  /** Sends a reward (100 points) to a granted pseudonym. */
  sendReward(pseudonym: string): Promise<RelayReceipt>;
  /** Fetches, applies and acknowledges the waiting corrections; returns how many were applied. */
  pollCorrections(): Promise<number>;
}

/**
 * An offer the site did not send, because the relay would refuse it (and count that against the
 * company): `rule` is `checkCoverage`'s rule, `company_not_active` or `grant_unknown`.
 */
export class OfferWithheld extends Error {
  override readonly name = 'OfferWithheld';
  readonly code = 'ERR_OFFER_WITHHELD';
  constructor(
    readonly rule: string,
    readonly detail: string,
  ) {
    super(`offer withheld (${rule}): ${detail}`);
  }
}

const maxDemoBody = 4096;
const day = 86_400;
const contactWindow = 7 * day;
/** What the site's offers are about (its request asks for this purpose). */
const offerPurpose = 'product_launch' as const;

/**
 * Creates the site's relay side.
 *
 * @example
 * ```ts
 * const relay = createSiteRelay({ client, companyId, keyPair, store, status: () => 'active', now: Date.now, log });
 * await relay.sendOffer('ps_…', 'Neue Laufschuhe');
 * ```
 */
export function createSiteRelay(options: SiteRelayOptions): SiteRelay {
  const { client, companyId, keyPair, store, status, now, log } = options;
  const { customers } = store;
  const applied: string[] = [];
  const signer = { id: companyId, keyPair };
  /** Pseudonyms whose corrections wait for their grant. */
  const waiting = new Set<string>();
  /** Customers of the first store version, whose grant the feed is read again for. */
  const restoring = new Set(
    [...customers.values()].filter((c) => c.grant === undefined).map((c) => c.pseudonym),
  );

  function claims(aud: string) {
    const iat = Math.floor(now() / 1000);
    return {
      v: 1 as const,
      iss: companyId,
      aud,
      iat,
      exp: iat + 300,
      jti: uuidV4((n) => new Uint8Array(randomBytes(n))),
    };
  }

  function customerOf(pseudonym: string): Customer {
    const customer = customers.get(pseudonym);
    if (customer === undefined) throw new Error(`no customer ${pseudonym} granted`);
    return customer;
  }

  function publicKeyOf(customer: Customer): Uint8Array {
    return base64urlDecode(customer.x);
  }

  /** The channel an offer to `customer` may go out on now, or why none may. */
  function offerChannel(customer: Customer, at: number): GrantPayload['preferredChannel'] {
    if (status() !== 'active')
      throw new OfferWithheld('company_not_active', `the company is ${status()}`);
    const grant = grantOf(customer);
    if (grant === undefined)
      throw new OfferWithheld('grant_unknown', 'the grant itself was not kept');
    const active = { grant, revocations: customer.revocations ?? [] };
    const contactsInLast7Days = recentContacts(customer, at).length;
    const offered = grant.scopes
      .filter((s) => s.purpose === offerPurpose)
      .flatMap((s) => s.channels);
    // The customer's preferred channel first, then any other the grant names for the purpose.
    const channels = [...new Set([grant.preferredChannel, ...offered])];
    let first: { rule: string; detail: string } | undefined;
    for (const channel of channels) {
      const coverage = checkCoverage(active, {
        purpose: offerPurpose,
        channel,
        at,
        contactsInLast7Days,
      });
      if (coverage.covered) return channel;
      first ??= coverage;
    }
    throw new OfferWithheld(first!.rule, first!.detail);
  }

  async function sendOffer(pseudonym: string, title = 'Neue Laufschuhe'): Promise<RelayReceipt> {
    const customer = customerOf(pseudonym);
    const at = Math.floor(now() / 1000);
    const channel = offerChannel(customer, at);
    const routing = {
      grantSha256: customer.grantSha256,
      purpose: offerPurpose,
      channel,
      validUntil: at + 7 * day,
    };
    const { sealed } = await sealSigned(publicKeyOf(customer), {
      kind: 'offer-content',
      keyPair,
      payload: {
        ...claims(pseudonym),
        ...routing,
        brand: 'Laufhaus',
        category: 'sports/running',
        title,
        body: 'Die neuen Modelle sind da.',
        advertisement: true,
        unsubscribe: 'https://laufhaus.example/abmelden',
      },
    });
    const token = await signMessage(
      'offer',
      { ...claims(pseudonym), ...routing, sealed: base64urlEncode(sealed) },
      keyPair,
    );
    // Counted before it is sent: an answer lost on the way must not let the next offer past the
    // cap. Only a refusal (which the relay does not count as a contact) takes it back.
    const contacts = [...recentContacts(customer, at), at];
    store.putCustomer({ ...customerOf(pseudonym), contacts });
    let receipt: RelayReceipt;
    try {
      receipt = await client.sendOffer(token);
    } catch (error) {
      if (error instanceof ApiProblem && error.status >= 400 && error.status < 500) {
        const current = customerOf(pseudonym);
        const kept = [...(current.contacts ?? [])];
        const index = kept.lastIndexOf(at);
        if (index >= 0) kept.splice(index, 1);
        store.putCustomer({ ...current, contacts: kept });
      }
      throw error;
    }
    log(`offer ${receipt.id} queued for ${pseudonym} by ${channel}`);
    return receipt;
  }

  async function sendReward(pseudonym: string): Promise<RelayReceipt> {
    const customer = customerOf(pseudonym);
    const content = {
      type: 'bonus_points',
      amount: 100,
      description: { de: '100 Treuepunkte', en: '100 loyalty points' },
    };
    const token = await signMessage(
      'reward',
      {
        ...claims(pseudonym),
        grantSha256: customer.grantSha256,
        sealed: base64urlEncode(sealTo(publicKeyOf(customer), JSON.stringify(content))),
      } as Payload<'reward'>,
      keyPair,
    );
    const receipt = await client.sendReward(token);
    log(`reward ${receipt.id} queued for ${pseudonym}`);
    return receipt;
  }

  let polling: Promise<number> | undefined;
  function pollCorrections(): Promise<number> {
    // One reader at a time: a correction is applied and acknowledged once.
    polling ??= readCorrections().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  async function readCorrections(): Promise<number> {
    let count = 0;
    let after = '0';
    for (;;) {
      const page = await client.listCorrections(signer, after, 100);
      for (const item of page.corrections) {
        // Throws on a local error (the store could not be written): not acknowledged, read again.
        const outcome = await apply(item.id, item.pseudonym, item.jws);
        if (outcome === 'waiting') continue;
        await client.ackCorrection(signer, item.id);
        if (outcome === 'applied') count++;
      }
      if (page.corrections.length < 100) return count;
      after = page.next;
    }
  }

  /**
   * Applies one correction: `applied` once it is in the store, `rejected` when it never can be
   * (its signature, seal or content is bad), `waiting` when its pseudonym is no customer yet.
   *
   * @throws when the store cannot be written (nothing changed; the correction is read again).
   */
  async function apply(
    id: string,
    pseudonym: string,
    jws: string,
  ): Promise<'applied' | 'rejected' | 'waiting'> {
    const customer = customers.get(pseudonym);
    if (customer === undefined) {
      waiting.add(pseudonym);
      log(`correction ${id} from ${pseudonym} waits: no customer yet`);
      return 'waiting';
    }
    let content: v.InferOutput<typeof correctionContent>;
    try {
      const key = importPublicJwk({ kty: 'OKP', crv: 'Ed25519', x: customer.x });
      // As of its iat: the clearinghouse verified it on arrival; we may read it much later.
      const opened = await openMessage('correction', jws, {
        resolveKey: (kid) => (kid === key.kid ? key : undefined),
        audience: companyId,
        now: Math.floor(now() / 1000),
        asOf: 'iat',
      });
      content = v.parse(
        correctionContent,
        JSON.parse(utf8Decode(openSealed(base64urlDecode(opened.payload.sealed), keyPair))),
      );
      if (content.dataCategory !== opened.payload.dataCategory)
        throw new Error('category mismatch');
    } catch (error) {
      log(`correction ${id} rejected: ${error instanceof Error ? error.message : String(error)}`);
      return 'rejected';
    }
    store.putCustomer({
      ...customer,
      data: { ...customer.data, [content.dataCategory]: content.value },
    });
    applied.push(id);
    log(`correction ${id} applied: ${content.dataCategory} of ${pseudonym}`);
    return 'applied';
  }

  /** Records a revocation of the customer's current grant: offers under it stop at once. */
  function revoke(customer: Customer, jws: string): void {
    if (customer.grant === undefined) return;
    const revocation = parseMessage('revocation', payloadOf(jws));
    // Effective from its iat (protocol/grants), but never later than now for the site's offers.
    const at = Math.min(revocation.iat, Math.floor(now() / 1000));
    const applying: GrantRevocation[] =
      revocation.grants === 'all'
        ? [{ at }]
        : revocation.grants
            .filter((g) => g.grantSha256 === customer.grantSha256)
            .map((g) => (g.purposes === undefined ? { at } : { at, purposes: g.purposes }));
    if (applying.length === 0) return;
    store.putCustomer({ ...customer, revocations: [...(customer.revocations ?? []), ...applying] });
    log(`revocation of ${customer.pseudonym}'s grant recorded: no more offers under it`);
  }

  async function onFeedEvent(event: FeedEvent): Promise<void> {
    const carried =
      event.kind === 'grant' || event.kind === 'refusal' ? pseudonymKeyOf(event.jws) : undefined;
    if (event.kind === 'refusal' && carried !== undefined && !customers.has(event.pseudonym)) {
      // A later grant need not carry the key again (SPECS "Identifiers").
      store.putPseudonymKey(event.pseudonym, carried);
    }
    if (event.kind === 'grant') {
      const existing = customers.get(event.pseudonym);
      const x = existing?.x ?? carried ?? store.pseudonymKeys.get(event.pseudonym);
      if (x === undefined) {
        log(`grant ${event.sha256}: key of ${event.pseudonym} unknown, not a customer yet`);
        return;
      }
      // A new grant starts without revocations; the contacts count per company, not per grant.
      store.putCustomer({
        pseudonym: event.pseudonym,
        x,
        grantSha256: event.sha256,
        grant: event.jws,
        ...(existing?.contacts === undefined ? {} : { contacts: existing.contacts }),
        data: existing?.data ?? {},
      });
      restoring.delete(event.pseudonym);
      if (waiting.delete(event.pseudonym)) await pollCorrections();
    }
    if (event.kind === 'revocation') {
      const customer = customers.get(event.pseudonym);
      if (customer !== undefined) revoke(customer, event.jws);
    }
    if (event.kind === 'correction') await pollCorrections();
  }

  function restore(event: FeedEvent): void {
    if (!restoring.has(event.pseudonym)) return;
    const customer = customers.get(event.pseudonym);
    if (customer === undefined) return;
    if (event.kind === 'grant' && event.sha256 === customer.grantSha256)
      store.putCustomer({ ...customer, grant: event.jws });
    // Only revocations after the grant: before it is found, `revoke` ignores them.
    if (event.kind === 'revocation') revoke(customer, event.jws);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const kind =
      url.pathname === '/demo/offer' ? 'offer' : url.pathname === '/demo/reward' ? 'reward' : null;
    if (req.method !== 'POST' || kind === null) return false;
    const body = await readJson(req);
    const pseudonym =
      typeof body === 'object' && body !== null && 'pseudonym' in body
        ? (body as { pseudonym: unknown }).pseudonym
        : undefined;
    if (typeof pseudonym !== 'string' || !customers.has(pseudonym)) {
      reply(res, 404, { error: 'no such customer' });
      return true;
    }
    try {
      const receipt = kind === 'offer' ? await sendOffer(pseudonym) : await sendReward(pseudonym);
      reply(res, 201, receipt);
    } catch (error) {
      if (error instanceof OfferWithheld) {
        // Not sent, so not counted against the company: 409, unlike the relay's 403.
        reply(res, 409, { error: error.code, rule: error.rule, detail: error.detail });
      } else if (error instanceof ApiProblem) {
        // The relay's refusal, passed on as it came (e.g. the contact cap).
        reply(res, error.status, { error: error.code });
      } else throw error;
    }
    return true;
  }

  return {
    customers,
    applied,
    onFeedEvent,
    needsRestore: () => restoring.size > 0,
    restore,
    handle,
    sendOffer,
    sendReward,
    pollCorrections,
  };
}

/** The customer's grant as it signed it, or undefined in a record of the first store version. */
export function grantOf(customer: Customer): GrantPayload | undefined {
  return customer.grant === undefined
    ? undefined
    : parseMessage('grant', payloadOf(customer.grant));
}

/** The customer's contacts in the 7 × 24 hours before `at` (how the relay counts its cap). */
function recentContacts(customer: Customer, at: number): number[] {
  return (customer.contacts ?? []).filter((t) => t > at - contactWindow);
}

/** The payload of a JWS the clearinghouse verified before putting it in the feed. */
function payloadOf(jws: string): unknown {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as unknown;
}

/** The `pseudonymKey.x` a grant or refusal carries, if any (the clearinghouse verified it). */
function pseudonymKeyOf(jws: string): string | undefined {
  try {
    const payload = payloadOf(jws) as { pseudonymKey?: Ed25519PublicJwk };
    const x = payload.pseudonymKey?.x;
    return typeof x === 'string' && /^[A-Za-z0-9_-]{43}$/.test(x) ? x : undefined;
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxDemoBody) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
