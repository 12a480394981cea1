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
 *   offer counts against the company, so the site withholds it instead. Offers to one pseudonym
 *   go one after the other, so each counts the contacts of those before it;
 * - **corrections**: on a `correction` feed event the site fetches its corrections, verifies each
 *   against the pseudonym's key, opens the sealed value with the company key it was sealed to
 *   (the current one, or one replaced since: keys.ts, which also says when a replaced key's
 *   private part goes; the relay checks that no correction left waiting needs it), applies it to
 *   its store and acknowledges it only then (so a crash or a failed write reads it again). One
 *   that can never apply (bad signature or seal) is acknowledged and dropped. One from a
 *   pseudonym that is no customer waits, unacknowledged, while its grant may still be ahead in
 *   the feed; once the feed is read up to the correction's own event (every grant given before
 *   it is then known), or a week after it arrived, a pseudonym that is still no customer had
 *   none: the site holds nothing to correct, and acknowledges it with a log line saying so.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import {
  ApiProblem,
  uuidV4,
  type ClearinghouseClient,
  type CorrectionItem,
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
import type { SiteKeyring } from './keys';
import { readDemoRequest } from './demo-request';
import { pseudonymKeyExpiry, type Customer, type SiteStore } from './store';

export type { Customer } from './store';

export interface SiteRelayOptions {
  client: ClearinghouseClient;
  companyId: string;
  /**
   * Signs with its current key and opens corrections with any key it holds (keys.ts): an
   * Assistant seals to the company's first current key as it last read the registry. Given
   * `prunable` and `prune` too, the relay deletes a replaced key's private part once a complete
   * read of the corrections left none waiting that opens with it (keys.ts says when else).
   */
  keyring: Pick<SiteKeyring, 'current' | 'secrets'> &
    Partial<Pick<SiteKeyring, 'prunable' | 'prune'>>;
  store: SiteStore;
  /** The company's status at the clearinghouse (site.ts): offers go out only while `active`. */
  status: () => string;
  now: () => number;
  log: (line: string) => void;
  /** The brand its offers name: one the company registered (default "Laufhaus"). */
  brand?: string;
}

/** The site's relay side, hooked into site.ts. */
export interface SiteRelay {
  /** The customers, by pseudonym. */
  readonly customers: ReadonlyMap<string, Customer>;
  /** Corrections applied, by id, in order. */
  readonly applied: string[];
  /** Called for every feed event, before the cursor moves past it. */
  onFeedEvent(event: FeedEvent): Promise<void>;
  /** The contacts counted for `pseudonym` in the 7 × 24 hours before now, in seconds. */
  contactsOf(pseudonym: string): number[];
  /**
   * Whether customers of the first store version lack their grant: then site.ts reads the feed
   * once more from the start, up to its cursor, hands each event to {@link restore}, and calls
   * {@link finishRestore} once it reached the cursor.
   */
  needsRestore(): boolean;
  /** Notes a customer's kept grant (and the revocations of it) from an event read again. */
  restore(event: FeedEvent): void;
  /**
   * Stores what {@link restore} found, each customer once, in one write. Nothing is stored
   * before: a scan that fails or stops half-way leaves the records as they were, to be read
   * again from the start (a grant stored alone would hide the revocations after it).
   */
  finishRestore(): void;
  /** Answers `POST /demo/offer` and `POST /demo/reward`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /**
   * Sends an offer to a customer on a channel its grant covers now (the preferred one first),
   * once the offer to the same customer under way (if any) is sent or refused.
   *
   * @throws OfferWithheld when the grant does not cover it or the company is not active.
   */
  sendOffer(pseudonym: string, title?: string): Promise<RelayReceipt>;
  /** Sends a reward (100 points) to a granted pseudonym. */
  sendReward(pseudonym: string): Promise<RelayReceipt>;
  /**
   * Fetches, applies and acknowledges the waiting corrections; returns how many were applied.
   * Once it read them all, it deletes the replaced keys that are prunable and open none of
   * those left waiting (their pseudonym no customer yet).
   */
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

const day = 86_400;
const contactWindow = 7 * day;
/** How long a correction from a pseudonym that is no customer may wait for its grant, in ms. */
const maxCorrectionWaitMs = 7 * day * 1000;
/** What the site's offers are about (its request asks for this purpose). */
const offerPurpose = 'product_launch' as const;

/**
 * Creates the site's relay side.
 *
 * @example
 * ```ts
 * const relay = createSiteRelay({ client, companyId, keyring, store, status: () => 'active', now: Date.now, log });
 * await relay.sendOffer('ps_…', 'Neue Laufschuhe');
 * ```
 */
export function createSiteRelay(options: SiteRelayOptions): SiteRelay {
  const { client, companyId, keyring, store, status, now, log } = options;
  const brand = options.brand ?? 'Laufhaus';
  const { customers } = store;
  const applied: string[] = [];
  /** Who signs the site's GET and DELETE requests: the key that signs now. */
  const signer = () => ({ id: companyId, keyPair: keyring.current().keyPair });
  /** Pseudonyms whose corrections wait for their grant. */
  const waiting = new Set<string>();
  /** The waiting corrections logged as such (each once, not on every listing). */
  const loggedWaiting = new Set<string>();
  /** The replaced keys logged as kept for a waiting correction (each once). */
  const loggedKept = new Set<string>();
  /** Customers of the first store version, whose grant the feed is read again for. */
  const restoring = new Set(
    [...customers.values()].filter((c) => c.grant === undefined).map((c) => c.pseudonym),
  );
  /** What the scan for them found so far, stored by `finishRestore`. */
  const restored = new Map<string, { grant: string; revocations: GrantRevocation[] }>();
  /** The offer to each pseudonym under way, which the next one waits for. */
  const offering = new Map<string, Promise<unknown>>();

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

  /** The pseudonym's contacts in the 7 × 24 hours before `at` (how the relay counts its cap). */
  function recentContacts(pseudonym: string, at: number): number[] {
    return (store.contacts.get(pseudonym) ?? []).filter((t) => t > at - contactWindow);
  }

  /** The channel an offer to `customer` may go out on now, or why none may. */
  function offerChannel(customer: Customer, at: number): GrantPayload['preferredChannel'] {
    if (status() !== 'active')
      throw new OfferWithheld('company_not_active', `the company is ${status()}`);
    const grant = grantOf(customer);
    if (grant === undefined)
      throw new OfferWithheld('grant_unknown', 'the grant itself was not kept');
    const active = { grant, revocations: customer.revocations ?? [] };
    const contactsInLast7Days = recentContacts(customer.pseudonym, at).length;
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

  function sendOffer(pseudonym: string, title = 'Neue Laufschuhe'): Promise<RelayReceipt> {
    // One at a time per pseudonym: an offer counts the contacts of the one before it (sent or
    // taken back), so two at once cannot both pass the cap, and a refusal takes back its own.
    const before = offering.get(pseudonym) ?? Promise.resolve();
    const sent = before.then(() => offerNow(pseudonym, title));
    const settled = sent.catch(() => undefined);
    offering.set(pseudonym, settled);
    void settled.then(() => {
      if (offering.get(pseudonym) === settled) offering.delete(pseudonym);
    });
    return sent;
  }

  async function offerNow(pseudonym: string, title: string): Promise<RelayReceipt> {
    // Sealing and signing pause; a revocation or a new grant may arrive meanwhile, or a time
    // window close. Then the offer is made again, for what holds now.
    for (;;) {
      const planned = customerOf(pseudonym);
      const at = Math.floor(now() / 1000);
      const channel = offerChannel(planned, at);
      const token = await offerToken(planned, channel, at, title);
      // Checked again and counted with no pause between: nothing changes the record in between.
      const customer = customerOf(pseudonym);
      const checkedAt = Math.floor(now() / 1000);
      if (
        customer.grantSha256 !== planned.grantSha256 ||
        offerChannel(customer, checkedAt) !== channel
      )
        continue;
      // Counted before it is sent: an answer lost on the way must not let the next offer past
      // the cap. Only a refusal (which the relay does not count as a contact) takes it back.
      const since = checkedAt - contactWindow;
      store.putContacts(pseudonym, [...recentContacts(pseudonym, checkedAt), checkedAt], since);
      let receipt: RelayReceipt;
      try {
        receipt = await client.sendOffer(token);
      } catch (error) {
        if (error instanceof ApiProblem && error.status >= 400 && error.status < 500) {
          // Offers to this pseudonym wait for this one: the last contact at `checkedAt` is its own.
          const kept = [...(store.contacts.get(pseudonym) ?? [])];
          const index = kept.lastIndexOf(checkedAt);
          if (index >= 0) kept.splice(index, 1);
          store.putContacts(pseudonym, kept, since);
        }
        throw error;
      }
      log(`offer ${receipt.id} queued for ${pseudonym} by ${channel}`);
      return receipt;
    }
  }

  /** The offer, sealed to the customer and signed, on `channel` as of `at` (not yet sent). */
  async function offerToken(
    customer: Customer,
    channel: GrantPayload['preferredChannel'],
    at: number,
    title: string,
  ): Promise<string> {
    const routing = {
      grantSha256: customer.grantSha256,
      purpose: offerPurpose,
      channel,
      validUntil: at + 7 * day,
    };
    const { sealed } = await sealSigned(publicKeyOf(customer), {
      kind: 'offer-content',
      keyPair: keyring.current().keyPair,
      payload: {
        ...claims(customer.pseudonym),
        ...routing,
        brand,
        category: 'sports/running',
        title,
        body: 'Die neuen Modelle sind da.',
        advertisement: true,
        unsubscribe: 'https://laufhaus.example/abmelden',
      },
    });
    return signMessage(
      'offer',
      { ...claims(customer.pseudonym), ...routing, sealed: base64urlEncode(sealed) },
      keyring.current().keyPair,
    );
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
      keyring.current().keyPair,
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
    /** The corrections left in the list, unopened: a replaced key may still be needed for them. */
    const left: CorrectionItem[] = [];
    for (;;) {
      const page = await client.listCorrections(signer(), after, 100);
      for (const item of page.corrections) {
        // Throws on a local error (the store could not be written): not acknowledged, read again.
        const outcome = await apply(item);
        if (outcome === 'waiting') {
          left.push(item);
          continue;
        }
        await client.ackCorrection(signer(), item.id);
        loggedWaiting.delete(item.id);
        if (outcome === 'applied') count++;
      }
      if (page.corrections.length < 100) break;
      after = page.next;
    }
    pruneKeys(left);
    return count;
  }

  /**
   * Deletes the private part of each prunable replaced key (keys.ts) that opens none of the
   * corrections `left` waiting after a complete read. A correction that arrives later sealed to
   * one is past the grace period keys.ts gives an Assistant. A failed write is logged, not
   * thrown: the keys stay, and the next read tries again (the corrections it read are applied).
   */
  function pruneKeys(left: readonly CorrectionItem[]): void {
    const due = keyring.prunable?.() ?? [];
    if (due.length === 0 || keyring.prune === undefined) return;
    const sealed = left.map(sealedOf);
    const needed = (keyPair: Ed25519KeyPair) =>
      sealed.some((box) => {
        // Unreadable: it may be sealed to any key, so every key stays (fail closed).
        if (box === undefined) return true;
        try {
          openSealed(box, keyPair);
          return true;
        } catch {
          return false;
        }
      });
    const kept = due.filter((key) => needed(key.keyPair));
    for (const key of kept) {
      if (loggedKept.has(key.kid)) continue;
      loggedKept.add(key.kid);
      log(`replaced key ${key.kid} kept: a correction waiting in the list is sealed to it`);
    }
    let deleted: string[];
    try {
      deleted = keyring.prune(due.filter((key) => !kept.includes(key)).map((key) => key.kid));
    } catch (error) {
      log(`replaced keys not deleted: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const kid of deleted)
      log(`private part of replaced key ${kid} deleted: no correction waits sealed to it`);
  }

  /**
   * Applies one correction: `applied` once it is in the store, `rejected` when it never can be
   * (its signature, seal or content is bad), `waiting` when its pseudonym is no customer yet,
   * `nothing-held` when it waited a week for its grant in vain.
   *
   * @throws when the store cannot be written (nothing changed; the correction is read again).
   */
  async function apply(
    item: CorrectionItem,
  ): Promise<'applied' | 'rejected' | 'waiting' | 'nothing-held'> {
    const { id, pseudonym, jws } = item;
    const customer = customers.get(pseudonym);
    if (customer === undefined) {
      // Its own feed event settles most (onFeedEvent); this bounds the rest, e.g. one an older
      // version of the site left waiting with its event behind the cursor.
      if (now() - item.receivedAt > maxCorrectionWaitMs) {
        log(
          `correction ${id} from ${pseudonym} acknowledged: no grant within 7 days, nothing held to correct`,
        );
        return 'nothing-held';
      }
      waiting.add(pseudonym);
      if (!loggedWaiting.has(id)) {
        loggedWaiting.add(id);
        log(`correction ${id} from ${pseudonym} waits: no customer yet`);
      }
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
        JSON.parse(utf8Decode(openCorrection(base64urlDecode(opened.payload.sealed)))),
      );
      if (content.dataCategory !== opened.payload.dataCategory)
        throw new Error('category mismatch');
    } catch (error) {
      log(`correction ${id} rejected: ${error instanceof Error ? error.message : String(error)}`);
      return 'rejected';
    }
    // Verifying paused: the record may have changed since (a revocation, an erasure).
    const current = customerOf(pseudonym);
    store.putCustomer({
      ...current,
      data: { ...current.data, [content.dataCategory]: content.value },
    });
    applied.push(id);
    log(`correction ${id} applied: ${content.dataCategory} of ${pseudonym}`);
    return 'applied';
  }

  /**
   * Opens a correction's sealed content with the key it was sealed to: the current one, or one
   * replaced since (the Assistant read the registry before the replacement ended).
   */
  function openCorrection(sealed: Uint8Array): Uint8Array {
    let failure: unknown;
    for (const keyPair of keyring.secrets()) {
      try {
        return openSealed(sealed, keyPair);
      } catch (error) {
        failure ??= error;
      }
    }
    throw new Error(
      'sealed to no key the site holds (a key replaced long ago, whose private part was deleted, or none of its keys)',
      { cause: failure },
    );
  }

  /** What a revocation (its JWS) revokes of the grant `grantSha256`, as the site records it. */
  function revocationsOf(grantSha256: string, jws: string): GrantRevocation[] {
    const revocation = parseMessage('revocation', payloadOf(jws));
    // Effective from its iat (protocol/grants), but never later than now for the site's offers.
    const at = Math.min(revocation.iat, Math.floor(now() / 1000));
    return revocation.grants === 'all'
      ? [{ at }]
      : revocation.grants
          .filter((g) => g.grantSha256 === grantSha256)
          .map((g) => (g.purposes === undefined ? { at } : { at, purposes: g.purposes }));
  }

  /** Records a revocation of the customer's current grant: offers under it stop at once. */
  function revoke(customer: Customer, jws: string): void {
    if (customer.grant === undefined) return;
    const applying = revocationsOf(customer.grantSha256, jws);
    if (applying.length === 0) return;
    store.putCustomer({ ...customer, revocations: [...(customer.revocations ?? []), ...applying] });
    log(`revocation of ${customer.pseudonym}'s grant recorded: no more offers under it`);
  }

  /** Acknowledges a correction from a pseudonym of whom the site holds nothing. */
  async function dismiss(id: string, pseudonym: string): Promise<void> {
    const { deleted } = await client.ackCorrection(signer(), id);
    loggedWaiting.delete(id);
    // Only a shortcut for the grant that will not come: each correction has its own event.
    waiting.delete(pseudonym);
    if (deleted > 0)
      log(
        `correction ${id} from ${pseudonym} acknowledged: no customer when it was sent, nothing held to correct`,
      );
  }

  async function onFeedEvent(event: FeedEvent): Promise<void> {
    const carried =
      event.kind === 'grant' || event.kind === 'refusal' ? pseudonymKeyOf(event.jws) : undefined;
    if (event.kind === 'refusal' && carried !== undefined && !customers.has(event.pseudonym)) {
      // A later grant need not carry the key again (SPECS "Identifiers").
      const learntAt = Math.floor(now() / 1000);
      store.putPseudonymKey(
        event.pseudonym,
        carried,
        pseudonymKeyExpiry(learntAt, askAgainAfterOf(event.jws)),
      );
    }
    if (event.kind === 'grant') {
      const existing = customers.get(event.pseudonym);
      const x = existing?.x ?? carried ?? store.pseudonymKeys.get(event.pseudonym)?.x;
      if (x === undefined) {
        log(`grant ${event.sha256}: key of ${event.pseudonym} unknown, not a customer yet`);
        return;
      }
      // A new grant starts without revocations (the contacts count per company, in the store);
      // the newest disclosure stays what it was until the next one (obligations.ts).
      store.putCustomer({
        pseudonym: event.pseudonym,
        x,
        grantSha256: event.sha256,
        grant: event.jws,
        data: existing?.data ?? {},
        ...(existing?.disclosed === undefined ? {} : { disclosed: existing.disclosed }),
      });
      // The key is in the customer's record now.
      store.deletePseudonymKey(event.pseudonym);
      restoring.delete(event.pseudonym);
      // Forgotten only once read: if the read fails, this event is handled again and reads again.
      if (waiting.has(event.pseudonym)) {
        await pollCorrections();
        waiting.delete(event.pseudonym);
      }
    }
    if (event.kind === 'revocation') {
      const customer = customers.get(event.pseudonym);
      if (customer !== undefined) revoke(customer, event.jws);
    }
    if (event.kind === 'correction') {
      // Every event before this one is handled, so a grant given before the correction is known:
      // a pseudonym that is no customer now never granted (or its key never came).
      if (!customers.has(event.pseudonym)) await dismiss(event.sha256, event.pseudonym);
      await pollCorrections();
    }
  }

  function restore(event: FeedEvent): void {
    if (!restoring.has(event.pseudonym)) return;
    const customer = customers.get(event.pseudonym);
    if (customer === undefined) return;
    // A scan read again from the start finds the grant again first, and starts over from it.
    if (event.kind === 'grant' && event.sha256 === customer.grantSha256)
      restored.set(event.pseudonym, { grant: event.jws, revocations: [] });
    // Only revocations after the grant: before it is found, they are not the grant's.
    const found = restored.get(event.pseudonym);
    if (event.kind === 'revocation' && found !== undefined)
      found.revocations.push(...revocationsOf(customer.grantSha256, event.jws));
  }

  function finishRestore(): void {
    const found = [...restored].flatMap(([pseudonym, { grant, revocations }]) => {
      const customer = customers.get(pseudonym);
      return customer === undefined
        ? []
        : [{ ...customer, grant, ...(revocations.length > 0 ? { revocations } : {}) }];
    });
    if (found.length > 0) store.putCustomers(found);
    for (const pseudonym of restoring)
      if (!restored.has(pseudonym))
        log(`grant of ${pseudonym} not found in the feed: no offers to it`);
    restored.clear();
    restoring.clear();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const kind =
      url.pathname === '/demo/offer' ? 'offer' : url.pathname === '/demo/reward' ? 'reward' : null;
    if (req.method !== 'POST' || kind === null) return false;
    const read = await readDemoRequest(req);
    if ('error' in read) {
      reply(res, read.status, { error: read.error });
      return true;
    }
    const { pseudonym } = read;
    if (!customers.has(pseudonym)) {
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
    contactsOf: (pseudonym) => recentContacts(pseudonym, Math.floor(now() / 1000)),
    needsRestore: () => restoring.size > 0,
    restore,
    finishRestore,
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

/** The sealed content of a listed correction, or undefined if it does not read as one. */
function sealedOf(item: CorrectionItem): Uint8Array | undefined {
  try {
    const { sealed } = payloadOf(item.jws) as { sealed?: unknown };
    return typeof sealed === 'string' ? base64urlDecode(sealed) : undefined;
  } catch {
    return undefined;
  }
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

/** A refusal's "ask me again after", in seconds, if it names one (the clearinghouse verified it). */
function askAgainAfterOf(jws: string): number | undefined {
  try {
    const { askAgainAfter } = payloadOf(jws) as { askAgainAfter?: unknown };
    return Number.isSafeInteger(askAgainAfter) ? (askAgainAfter as number) : undefined;
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
