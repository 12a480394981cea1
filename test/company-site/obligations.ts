/**
 * The reference company site's obligations (issue 5, docs/company-integration.md "Disclosures and
 * data requests"):
 *
 * - **disclosures**: for each new grant the site tells the customer what it holds (the categories
 *   and purposes of the grant, plus whatever its store holds) with a sealed export of the stored
 *   data, sealed to the pseudonym's pairwise key;
 * - **data requests**: on a `data-request` feed event the site answers an access request with a
 *   fresh disclosure and an answer naming it, and an erasure request by erasing the customer's data
 *   in its store and confirming which categories it erased. Events are read at least once, so
 *   the answer is decided and kept in the store (store.ts) before the site acts on it: a retry
 *   resends the same disclosure (the clearinghouse answers a resent token with its receipt) and
 *   confirms the same erased categories; an answer the clearinghouse already holds
 *   (`ERR_DATA_REQUEST_ALREADY_ANSWERED`) counts as done;
 * - **requests a compromise reopened**: a key declared compromised since a time voids the answers
 *   it signed since then, and the request is open again with its deadline (docs/api.md "Company
 *   keys"), but no feed event says so. So site.ts lists the open requests now and then (and after
 *   the site declared a key compromised), and {@link SiteObligations.answerReopened} answers again,
 *   with the current key, those whose feed event the site has read: the clearinghouse lists them
 *   open, so none is answered twice;
 * - **disclosures a compromise voided**: the same compromise voids the disclosures the key signed
 *   since then; the clearinghouse lists them but never as `current`, so a customer whose newest
 *   disclosure was one has no valid one. The site keeps, per customer, which key signed its newest
 *   disclosure and when (before sending it), and after declaring a compromise
 *   {@link SiteObligations.redisclose} sends those customers a fresh disclosure with the current
 *   key: the token kept first and resent as it is on a retry, as answers are;
 * - **access events**: `POST /demo/access` (JSON `{"pseudonym": "ps_…"}`) reports one use of the
 *   customer's data under its grant, as a batch of one entry; tests and the demo use it. The
 *   report is kept (store.ts `access-reports.json`: key, `iat`, the uses) before it is sent;
 * - **access reports a compromise voided**: the same compromise voids the access reports the key
 *   signed since then (their uses no longer count, and the customer no longer sees them), so
 *   {@link SiteObligations.rereport} reports those uses again, with the current key and their
 *   own times, once: the site lists the messages the clearinghouse holds as voided and sends
 *   again those it keeps as its own (one it does not keep is a thief's, or older than it keeps
 *   reports, and is logged). Rewards a compromised key signed are not sent again: one still in an
 *   inbox was withdrawn, but one the customer took before the compromise was declared stays with
 *   them, and nothing tells the two apart, so a resend could pay a reward twice.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiProblem,
  uuidV4,
  type ClearinghouseClient,
  type DataRequestEntry,
  type FeedEvent,
} from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { parseMessage, type Payload } from '../../protocol/messages';
import { sha256Of } from '../../protocol/jws';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import type { SiteKeyring } from './keys';
import { readDemoRequest } from './demo-request';
import { grantOf, type SiteRelay } from './relay';
import type { Customer, DecidedAnswer, Disclosed, KeptReport, SiteStore } from './store';

export interface SiteObligationsOptions {
  client: ClearinghouseClient;
  companyId: string;
  /** Signs with its current key (keys.ts): another one once a key was replaced. */
  keyring: Pick<SiteKeyring, 'current'>;
  /** The relay side, whose customers this module discloses about. */
  relay: SiteRelay;
  /** Where the customers are erased and the decided answers kept. */
  store: SiteStore;
  now: () => number;
  log: (line: string) => void;
  /** The clearinghouse's origin (the `aud` of an access report), from its self-description. */
  clearinghouseOrigin: () => Promise<string>;
}

/** What the site did about its obligations, in order (for tests and the demo). */
export interface ObligationRecord {
  kind: 'disclosure' | 'answer' | 'access';
  pseudonym: string;
  sha256: string;
  /** For answers: the outcome. */
  outcome?: 'disclosure' | 'erased' | 'refused';
}

/** The site's obligations side, hooked into site.ts. */
export interface SiteObligations {
  readonly done: ObligationRecord[];
  /** Called for every feed event after the relay side, before the cursor moves past it. */
  onFeedEvent(event: FeedEvent): Promise<void>;
  /** The company's open data requests as the clearinghouse lists them now, every page. */
  listOpenRequests(): Promise<DataRequestEntry[]>;
  /**
   * Answers again, with the current key, the requests listed open both in `before` and in `after`:
   * `before` was listed before a feed read that reached the end of the feed, `after` once it
   * had, so the site has read the event of each (and answered it, unless its answer was voided
   * since); a request listed only in `after` may be one whose event is still to come. `cursor` is
   * the feed cursor now, behind each such event. A request the clearinghouse refuses to take an
   * answer for (4xx) is logged and left for the next time; returns how many were answered.
   *
   * @throws when the clearinghouse cannot be reached or fails (5xx), or the store cannot be
   *   written: what was kept is answered the same next time.
   */
  answerReopened(
    before: readonly DataRequestEntry[],
    after: readonly DataRequestEntry[],
    cursor: string,
  ): Promise<number>;
  /**
   * Sends a fresh disclosure, signed with the current key, to each customer whose newest
   * disclosure one of `compromises` voided (signed by its key at or after its `since`), whose
   * disclosure on its way is not stored yet, or of whom no disclosure is noted (a record of a
   * version before, or one never disclosed to: one too many costs less than none). Call it once
   * the feed is read to its end and the reopened data requests are answered again (their fresh
   * disclosures count as the newest). A customer sent one is not sent another: its newest
   * disclosure is then signed by the current key. A customer of whom nothing is held gets none
   * (logged if its disclosure was voided); one the clearinghouse refuses (4xx) is logged and
   * skipped. Returns how many were sent.
   *
   * @throws when the clearinghouse cannot be reached or fails (5xx), or the store cannot be
   *   written: what was kept is sent the same next time.
   */
  redisclose(compromises: readonly Compromise[]): Promise<number>;
  /**
   * Reports again, signed with the current key, the uses of each access report the site kept that
   * one of `compromises` voided (the clearinghouse lists it among the company's compromised
   * messages), keeping each new report first and replacing the voided one with it once stored,
   * so a report sent again is not sent a third time. One the clearinghouse refuses (4xx) is
   * logged and not tried again. Returns how many were sent again.
   *
   * @throws when the clearinghouse cannot be reached or fails (5xx), or the store cannot be
   *   written: what was kept is sent the same next time.
   */
  rereport(compromises: readonly Compromise[]): Promise<number>;
  /** Answers `POST /demo/access`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Sends a disclosure of what the site holds about `pseudonym`. */
  disclose(pseudonym: string): Promise<string>;
  /**
   * Reports one use of the customer's data under its grant (by default: the first scope's
   * purpose and categories).
   *
   * @throws NothingToReport when no data category is named (the grant names none, or the site
   *   no longer holds the grant).
   */
  reportAccess(
    pseudonym: string,
    use?: { purpose: string; dataCategories: string[] },
  ): Promise<{ accepted: number; outOfScope: number }>;
}

/** A company key declared compromised since a time (seconds): what it signed since is void. */
export interface Compromise {
  readonly kid: string;
  readonly since: number;
}

/** An access report with no data category to name: there was no use to report. */
export class NothingToReport extends Error {
  override readonly name = 'NothingToReport';
  readonly code = 'ERR_NOTHING_TO_REPORT';
}

/** What the site states when no scope of the grant covers a category it holds. */
const defaultRetentionDays = 365;

/**
 * Creates the site's obligations side.
 *
 * @example
 * ```ts
 * const obligations = createSiteObligations({ client, companyId, keyring, relay, store, now: Date.now, log, clearinghouseOrigin });
 * await obligations.onFeedEvent(event); // discloses on a grant, answers data requests
 * ```
 */
export function createSiteObligations(options: SiteObligationsOptions): SiteObligations {
  const { client, companyId, keyring, relay, store, now, log, clearinghouseOrigin } = options;
  const done: ObligationRecord[] = [];

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
    const customer = relay.customers.get(pseudonym);
    if (customer === undefined) throw new Error(`no customer ${pseudonym}`);
    return customer;
  }

  /**
   * What the site holds: whatever the store holds, and the grant's categories not erased since,
   * per category. Disclosures and erasures both go by it, so what one lists the other erases.
   */
  function holdings(customer: Customer): Payload<'disclosure'>['holdings'] {
    const scopes = grantOf(customer)?.scopes ?? [];
    const categories = new Set<string>(Object.keys(customer.data));
    const erased = new Set(customer.erased ?? []);
    for (const scope of scopes)
      for (const category of scope.dataCategories)
        if (!erased.has(category)) categories.add(category);
    return [...categories].sort().map((dataCategory) => {
      const covering = scopes.filter((scope) =>
        (scope.dataCategories as readonly string[]).includes(dataCategory),
      );
      return {
        dataCategory,
        sources: ['direct'],
        purposes:
          covering.length > 0 ? [...new Set(covering.map((s) => s.purpose))] : ['service_support'],
        // As long as the longest scope allows; what no scope covers, the site's own default.
        retentionDays:
          covering.length > 0
            ? Math.max(...covering.map((s) => s.retentionDays))
            : defaultRetentionDays,
        recipients: [],
      };
    }) as Payload<'disclosure'>['holdings'];
  }

  /** Signs a disclosure of what the site holds about `pseudonym` now (not yet sent). */
  async function disclosureToken(pseudonym: string, dataRequestSha256?: string): Promise<string> {
    const customer = customerOf(pseudonym);
    const held = holdings(customer);
    if (held.length === 0) throw new Error(`nothing held about ${pseudonym}`);
    // The export is the data itself, readable only with the customer's pairwise key.
    const exported = JSON.stringify({ pseudonym, data: customer.data });
    return signMessage(
      'disclosure',
      {
        ...claims(pseudonym),
        grantSha256: customer.grantSha256,
        ...(dataRequestSha256 === undefined ? {} : { dataRequestSha256 }),
        holdings: held,
        export: base64urlEncode(sealTo(base64urlDecode(customer.x), exported)),
      },
      keyring.current().keyPair,
    );
  }

  async function submit(pseudonym: string, token: string): Promise<string> {
    const receipt = await client.submitDisclosure(token);
    // A resend (a retry after a failed answer) is the disclosure stored before: not a new one.
    if (receipt.created) {
      done.push({ kind: 'disclosure', pseudonym, sha256: receipt.sha256 });
      log(`disclosed to ${pseudonym}: ${receipt.sha256}`);
    }
    return receipt.sha256;
  }

  /**
   * Notes `token` as the customer's newest disclosure before it is sent (with the token itself
   * if `pending`: a retry sends it again), or once it was stored (`pending` false); no write when
   * nothing changes.
   */
  function noteDisclosure(pseudonym: string, token: string, pending: boolean): void {
    const customer = relay.customers.get(pseudonym);
    const kid = kidOf(token);
    const iat = (payloadOf(token) as { iat?: unknown }).iat;
    if (customer === undefined || typeof kid !== 'string' || !Number.isSafeInteger(iat)) return;
    const before = customer.disclosed;
    if (
      before?.kid === kid &&
      before.iat === iat &&
      (pending ? before.token === token : before.token === undefined)
    )
      return;
    store.putCustomer({
      ...customer,
      disclosed: { kid, iat: iat as number, ...(pending ? { token } : {}) },
    });
  }

  async function disclose(pseudonym: string): Promise<string> {
    const token = await disclosureToken(pseudonym);
    // Noted before it is sent: one that arrives though its answer was lost counts too.
    noteDisclosure(pseudonym, token, false);
    return submit(pseudonym, token);
  }

  async function redisclose(compromises: readonly Compromise[]): Promise<number> {
    const voided = (d: Disclosed) => compromises.some((c) => d.kid === c.kid && d.iat >= c.since);
    let sent = 0;
    for (const customer of [...relay.customers.values()]) {
      const { pseudonym, disclosed } = customer;
      if (disclosed !== undefined && disclosed.token === undefined && !voided(disclosed)) continue;
      if (holdings(customer).length === 0) {
        // Erased since, say: nothing to disclose, and nothing left to send.
        if (disclosed !== undefined && voided(disclosed))
          log(`disclosure to ${pseudonym} voided by the compromise: nothing held now, none sent`);
        if (disclosed?.token !== undefined)
          store.putCustomer({ ...customer, disclosed: { kid: disclosed.kid, iat: disclosed.iat } });
        continue;
      }
      const fresh = async () => {
        const token = await disclosureToken(pseudonym);
        noteDisclosure(pseudonym, token, true);
        return token;
      };
      // The token kept on a try before, unless another key signs now.
      let token =
        disclosed?.token !== undefined && kidOf(disclosed.token) === keyring.current().kid
          ? disclosed.token
          : await fresh();
      try {
        try {
          await submit(pseudonym, token);
        } catch (error) {
          // Its window closed before it ever arrived: a fresh one, kept first like the first.
          if (!(error instanceof ApiProblem && error.code === 'ERR_JWS_EXPIRED')) throw error;
          token = await fresh();
          await submit(pseudonym, token);
        }
      } catch (error) {
        // Refused for good: logged, and not tried again. Unreachable, failing or busy: the caller
        // tries all again, this one with its kept token.
        if (!(error instanceof ApiProblem && error.status < 500 && error.status !== 429))
          throw error;
        log(`disclosure to ${pseudonym} not sent again: ${error.code} ${error.message}`);
        noteDisclosure(pseudonym, token, false);
        continue;
      }
      noteDisclosure(pseudonym, token, false);
      sent++;
    }
    if (sent > 0) log(`sent ${sent} disclosure(s) again that a key compromise voided`);
    return sent;
  }

  /**
   * Sends the disclosure kept for a data request. A resend of the same token is answered with
   * the receipt the clearinghouse stored, so a retry logs no second disclosure; a token that
   * expired before it ever arrived, or was signed with a key replaced since (which signs
   * nothing more, and may be compromised), is replaced by a fresh one (kept first, like the first).
   */
  async function discloseFor(
    request: DataRequestRef,
    decided: Extract<DecidedAnswer, { outcome: 'disclosure' }>,
  ): Promise<string> {
    const replace = async () => {
      const fresh = await disclosureToken(request.pseudonym, request.sha256);
      store.putAnswer(request.sha256, {
        outcome: 'disclosure',
        disclosureToken: fresh,
        cursor: request.cursor,
      });
      noteDisclosure(request.pseudonym, fresh, false);
      return submit(request.pseudonym, fresh);
    };
    if (kidOf(decided.disclosureToken) !== keyring.current().kid) return replace();
    try {
      noteDisclosure(request.pseudonym, decided.disclosureToken, false);
      return await submit(request.pseudonym, decided.disclosureToken);
    } catch (error) {
      if (!(error instanceof ApiProblem && error.code === 'ERR_JWS_EXPIRED')) throw error;
      return replace();
    }
  }

  /**
   * Erases the categories from the customer's record in the store (again, on a retry: then
   * nothing changes), and then compacts the store: the erased values must not stay behind in its
   * journal or snapshot.
   */
  function erase(pseudonym: string, categories: readonly string[]): void {
    const customer = relay.customers.get(pseudonym);
    if (customer === undefined) return;
    const data = Object.fromEntries(
      Object.entries(customer.data).filter(([category]) => !categories.includes(category)),
    );
    const erased = [...new Set([...(customer.erased ?? []), ...categories])].sort();
    // A disclosure on its way holds the data in its export (sealed to the customer): it goes
    // too, noted as none, so that the one sent instead (`redisclose`) holds what is left.
    const { disclosed, ...rest } = customer;
    const pending = disclosed?.token !== undefined;
    if (
      Object.keys(data).length !== Object.keys(customer.data).length ||
      erased.length !== (customer.erased ?? []).length ||
      pending
    ) {
      store.putCustomer({
        ...rest,
        data,
        erased,
        ...(pending || disclosed === undefined ? {} : { disclosed }),
      });
      // The one change that rewrites the snapshot at once (store.ts says why it is rare).
      store.compact();
    }
  }

  async function answer(
    pseudonym: string,
    body:
      | { outcome: 'disclosure'; requestSha256: string; disclosureSha256: string }
      | { outcome: 'erased'; requestSha256: string; dataCategories: string[] }
      | { outcome: 'refused'; requestSha256: string },
  ): Promise<boolean> {
    const base = claims(pseudonym);
    const payload =
      body.outcome === 'erased'
        ? { ...base, ...body, erasedAt: base.iat }
        : body.outcome === 'refused'
          ? {
              ...base,
              ...body,
              reason: {
                de: 'Wir speichern keine Daten zu Ihnen.',
                en: 'We hold no data about you.',
              },
            }
          : { ...base, ...body };
    const token = await signMessage(
      'data-request-answer',
      payload as Payload<'data-request-answer'>,
      keyring.current().keyPair,
    );
    try {
      const receipt = await client.answerDataRequest(token);
      done.push({ kind: 'answer', pseudonym, sha256: receipt.sha256, outcome: body.outcome });
      log(`answered data request ${body.requestSha256}: ${body.outcome}`);
      return true;
    } catch (error) {
      // Read again after a crash: the clearinghouse already holds our answer.
      if (error instanceof ApiProblem && error.code === 'ERR_DATA_REQUEST_ALREADY_ANSWERED')
        return false;
      throw error;
    }
  }

  /** Whether an erasure of `categories` answers for every category `request` names. */
  function coversAsked(request: DataRequestRef, categories: readonly string[]): boolean {
    const asked = (payloadOf(request.jws) as { dataCategories?: unknown }).dataCategories;
    return !Array.isArray(asked) || asked.every((c) => categories.includes(String(c)));
  }

  /** Decides how to answer a data request, from what the store holds now. */
  async function decide(ref: DataRequestRef): Promise<DecidedAnswer> {
    const request = parseMessage('data-request', payloadOf(ref.jws));
    const customer = relay.customers.get(ref.pseudonym);
    if (request.type === 'access') {
      if (customer === undefined || holdings(customer).length === 0) return { outcome: 'refused' };
      return {
        outcome: 'disclosure',
        disclosureToken: await disclosureToken(ref.pseudonym, ref.sha256),
      };
    }
    const held = (customer === undefined ? [] : holdings(customer))
      .map((holding) => holding.dataCategory as string)
      .filter(
        (category) =>
          request.dataCategories === undefined ||
          (request.dataCategories as readonly string[]).includes(category),
      );
    // Categories named: each is erased, held or not (nothing stored under one is erased all the
    // same), and the answer must account for every one (the clearinghouse refuses it otherwise).
    // None named: what is held; nothing stored at all, what was erased before is confirmed again
    // (a request whose answer a compromise voided after the erasure, or one asked twice).
    const categories =
      request.dataCategories !== undefined
        ? [...request.dataCategories]
        : held.length > 0
          ? held
          : [...(customer?.erased ?? [])];
    return categories.length === 0
      ? { outcome: 'refused' }
      : { outcome: 'erased', dataCategories: categories };
  }

  /**
   * Answers a data request: with the answer kept for it, or one decided now (and kept first).
   * `again`: the clearinghouse lists the request open though the site answered it (a compromise
   * voided the answer), so an `answered` mark is no reason to skip it. Returns whether an answer
   * was stored now.
   */
  async function onDataRequest(request: DataRequestRef, again = false): Promise<boolean> {
    const requestSha256 = request.sha256;
    let decided = store.answers.get(requestSha256);
    if (
      decided === undefined ||
      (again && decided.outcome === 'answered') ||
      // Kept by an earlier version, silent on a category asked for: the clearinghouse refuses it.
      (decided.outcome === 'erased' && !coversAsked(request, decided.dataCategories))
    ) {
      decided = { ...(await decide(request)), cursor: request.cursor };
      // Kept before anything is done, so a retry answers the same (store.ts).
      store.putAnswer(requestSha256, decided);
    }
    if (decided.outcome === 'answered') return false;
    let stored: boolean;
    if (decided.outcome === 'disclosure') {
      const disclosureSha256 = await discloseFor(request, decided);
      stored = await answer(request.pseudonym, {
        outcome: 'disclosure',
        requestSha256,
        disclosureSha256,
      });
    } else if (decided.outcome === 'erased') {
      erase(request.pseudonym, decided.dataCategories);
      stored = await answer(request.pseudonym, {
        outcome: 'erased',
        requestSha256,
        dataCategories: decided.dataCategories,
      });
    } else {
      stored = await answer(request.pseudonym, { outcome: 'refused', requestSha256 });
    }
    // The token and categories are needed no more; site.ts drops even this once the cursor
    // is past the event.
    store.putAnswer(requestSha256, { outcome: 'answered', cursor: decided.cursor });
    return stored;
  }

  async function listOpenRequests(): Promise<DataRequestEntry[]> {
    const signer = { id: companyId, keyPair: keyring.current().keyPair };
    const open: DataRequestEntry[] = [];
    let after: string | undefined;
    do {
      const page = await client.companyDataRequests(signer, {
        state: 'open',
        limit: 100,
        ...(after === undefined ? {} : { after }),
      });
      open.push(...page.dataRequests);
      after = page.next ?? undefined;
    } while (after !== undefined);
    return open;
  }

  async function answerReopened(
    before: readonly DataRequestEntry[],
    after: readonly DataRequestEntry[],
    cursor: string,
  ): Promise<number> {
    const read = new Set(before.map((request) => request.sha256));
    const open = new Set(after.map((request) => request.sha256));
    // A kept answer behind the cursor comes from an earlier call (the feed moves past a request
    // only once it is answered); its request answered since (by staff, say) needs it no more.
    const settled = [...store.answers].filter(
      ([sha256, kept]) =>
        kept.outcome !== 'answered' && !open.has(sha256) && Number(kept.cursor) <= Number(cursor),
    );
    for (const [sha256, kept] of settled)
      store.putAnswer(sha256, { outcome: 'answered', cursor: kept.cursor });
    let answered = 0;
    for (const request of after) {
      if (!read.has(request.sha256)) continue;
      const kept = store.answers.get(request.sha256);
      try {
        const ref = { ...request, cursor: kept?.cursor ?? cursor };
        if (await onDataRequest(ref, true)) answered++;
      } catch (error) {
        // Refused for good (the clearinghouse will not take this answer): the others go on, and
        // this one is tried again next time. Unreachable, failing or busy: the caller retries all.
        if (!(error instanceof ApiProblem && error.status < 500 && error.status !== 429))
          throw error;
        log(`data request ${request.sha256} not answered again: ${error.code} ${error.message}`);
      }
    }
    if (answered > 0)
      log(`answered ${answered} data request(s) again that a key compromise reopened`);
    return answered;
  }

  async function onFeedEvent(event: FeedEvent): Promise<void> {
    if (event.kind === 'grant') {
      const customer = relay.customers.get(event.pseudonym);
      // A grant of no data categories to a customer of whom nothing is stored: nothing to disclose.
      if (customer !== undefined && holdings(customer).length > 0) {
        // Not worth holding the feed up for: the customer gets a disclosure with every access
        // request anyway, and a data request (which does hold the feed up) is the duty.
        await disclose(event.pseudonym).catch((error: unknown) =>
          log(`disclosure to ${event.pseudonym} failed: ${String(error)}`),
        );
      }
    }
    if (event.kind === 'data-request') await onDataRequest(event);
  }

  async function reportAccess(
    pseudonym: string,
    use?: { purpose: string; dataCategories: string[] },
  ): Promise<{ accepted: number; outOfScope: number }> {
    const customer = customerOf(pseudonym);
    const scope = grantOf(customer)?.scopes[0];
    const purpose = use?.purpose ?? scope?.purpose ?? 'product_launch';
    const dataCategories = use?.dataCategories ?? scope?.dataCategories ?? [];
    if (dataCategories.length === 0) {
      throw new NothingToReport(
        scope === undefined
          ? `the grant of ${pseudonym} is not kept: no categories to report`
          : `the grant of ${pseudonym} names no data category`,
      );
    }
    const entries = [
      { grantSha256: customer.grantSha256, purpose, dataCategories, at: nowSeconds() },
    ];
    const token = await accessToken(entries);
    // Kept before it is sent: one that arrives though its answer was lost counts too.
    store.putReport(sha256Of(token), reportOf(token, pseudonym, entries));
    const result = await client.reportAccess(token);
    done.push({ kind: 'access', pseudonym, sha256: result.sha256 });
    return { accepted: result.accepted, outOfScope: result.outOfScope };
  }

  function nowSeconds(): number {
    return Math.floor(now() / 1000);
  }

  /** Signs an access report of `entries` with the current key (not yet sent). */
  async function accessToken(entries: KeptReport['entries']): Promise<string> {
    await ready();
    return signMessage(
      'access',
      { ...claims(await clearinghouseOrigin()), entries } as Payload<'access'>,
      keyring.current().keyPair,
    );
  }

  /** What the store keeps of the access report `token` about `pseudonym`. */
  function reportOf(token: string, pseudonym: string, entries: KeptReport['entries']): KeptReport {
    const { iat } = payloadOf(token) as { iat: number };
    return { kid: kidOf(token) as string, iat, pseudonym, entries };
  }

  async function rereport(compromises: readonly Compromise[]): Promise<number> {
    const { messages } = await client.compromisedMessages({
      id: companyId,
      keyPair: keyring.current().keyPair,
    });
    const voided = messages.filter(
      (m) => m.kind === 'access' && compromises.some((c) => c.kid === m.kid && m.iat >= c.since),
    );
    const sentAgain = new Set([...store.reports.values()].map((r) => r.replaces));
    let sent = 0;
    for (const { sha256 } of voided) {
      const kept = store.reports.get(sha256);
      // Sent again already (a read before stopped before the compromise was done with).
      if (kept === undefined && sentAgain.has(sha256)) continue;
      // Refused for good before: not tried again.
      if (kept?.refused === true) continue;
      if (kept === undefined) {
        log(`access report ${sha256} voided by the compromise is not kept here: not sent again`);
        continue;
      }
      const fresh = async () => {
        const token = await accessToken(kept.entries);
        store.putReport(sha256, { ...kept, resend: token });
        return token;
      };
      // The token kept on a try before, as it is, even if another key signs now: if it arrived,
      // the clearinghouse answers it with its receipt and counts nothing twice (a fresh token
      // would be another report of the same uses).
      let token = kept.resend ?? (await fresh());
      try {
        try {
          await client.reportAccess(token);
        } catch (error) {
          // It never arrived, and cannot now: its window closed, or its key signs nothing more.
          // A fresh one, kept first like the first.
          const problem = error instanceof ApiProblem ? error.code : undefined;
          const expired = problem === 'ERR_JWS_EXPIRED';
          const oldKey =
            problem === 'ERR_JWS_KID_UNKNOWN' && kidOf(token) !== keyring.current().kid;
          if (!expired && !oldKey) throw error;
          token = await fresh();
          await client.reportAccess(token);
        }
      } catch (error) {
        // Refused for good: logged, and not tried again. Unreachable, failing or busy: the caller
        // tries all again, this one with its kept token.
        if (!(error instanceof ApiProblem && error.status < 500 && error.status !== 429))
          throw error;
        log(`access report ${sha256} not sent again: ${error.code} ${error.message}`);
        const { resend: _dropped, ...voidedReport } = kept;
        store.putReport(sha256, { ...voidedReport, refused: true });
        continue;
      }
      // The report sent in its place is the one kept now (a later compromise may void it too).
      store.putReport(
        sha256Of(token),
        { ...reportOf(token, kept.pseudonym, kept.entries), replaces: sha256 },
        sha256,
      );
      done.push({ kind: 'access', pseudonym: kept.pseudonym, sha256: sha256Of(token) });
      sent++;
    }
    if (sent > 0) log(`reported again ${sent} access report(s) that a key compromise voided`);
    return sent;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (req.method !== 'POST' || url.pathname !== '/demo/access') return false;
    const read = await readDemoRequest(req);
    if ('error' in read) {
      reply(res, read.status, { error: read.error });
      return true;
    }
    const { pseudonym } = read;
    if (!relay.customers.has(pseudonym)) {
      reply(res, 404, { error: 'no such customer' });
      return true;
    }
    try {
      reply(res, 201, await reportAccess(pseudonym));
    } catch (error) {
      if (error instanceof NothingToReport)
        reply(res, 409, { error: error.code, detail: error.message });
      else if (error instanceof ApiProblem) reply(res, error.status, { error: error.code });
      else throw error;
    }
    return true;
  }

  return {
    done,
    onFeedEvent,
    listOpenRequests,
    answerReopened,
    redisclose,
    rereport,
    handle,
    disclose,
    reportAccess,
  };
}

/** What answering a data request needs of it: its feed event or its entry in the open list. */
interface DataRequestRef {
  readonly sha256: string;
  readonly pseudonym: string;
  readonly jws: string;
  /** The feed cursor of its event, or one behind it: its kept answer goes once the feed is past it. */
  readonly cursor: string;
}

/** The `kid` in a JWS's header (one the site signed itself). */
function kidOf(jws: string): unknown {
  try {
    return (JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[0] ?? ''))) as { kid?: unknown })
      .kid;
  } catch {
    return undefined;
  }
}

/** The payload of a JWS the clearinghouse verified before putting it in the feed. */
function payloadOf(jws: string): unknown {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as unknown;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
