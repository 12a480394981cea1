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
 * - **access events**: `POST /demo/access` (JSON `{"pseudonym": "ps_…"}`) reports one use of the
 *   customer's data under its grant, as a batch of one entry; tests and the demo use it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiProblem,
  uuidV4,
  type ClearinghouseClient,
  type FeedEvent,
} from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import type { Ed25519KeyPair } from '../../protocol/keys';
import { parseMessage, type Payload } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import { grantOf, type SiteRelay } from './relay';
import type { Customer, DecidedAnswer, SiteStore } from './store';

export interface SiteObligationsOptions {
  client: ClearinghouseClient;
  companyId: string;
  keyPair: Ed25519KeyPair;
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

/** An access report with no data category to name: there was no use to report. */
export class NothingToReport extends Error {
  override readonly name = 'NothingToReport';
  readonly code = 'ERR_NOTHING_TO_REPORT';
}

const maxDemoBody = 4096;
/** What the site states when no scope of the grant covers a category it holds. */
const defaultRetentionDays = 365;

/**
 * Creates the site's obligations side.
 *
 * @example
 * ```ts
 * const obligations = createSiteObligations({ client, companyId, keyPair, relay, store, now: Date.now, log, clearinghouseOrigin });
 * await obligations.onFeedEvent(event); // discloses on a grant, answers data requests
 * ```
 */
export function createSiteObligations(options: SiteObligationsOptions): SiteObligations {
  const { client, companyId, keyPair, relay, store, now, log, clearinghouseOrigin } = options;
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
      keyPair,
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

  async function disclose(pseudonym: string): Promise<string> {
    return submit(pseudonym, await disclosureToken(pseudonym));
  }

  /**
   * Sends the disclosure kept for a data request. A resend of the same token is answered with
   * the receipt the clearinghouse stored, so a retry logs no second disclosure; a token that
   * expired before it ever arrived is replaced by a fresh one (kept first, like the first).
   */
  async function discloseFor(
    event: FeedEvent,
    decided: Extract<DecidedAnswer, { outcome: 'disclosure' }>,
  ): Promise<string> {
    try {
      return await submit(event.pseudonym, decided.disclosureToken);
    } catch (error) {
      if (!(error instanceof ApiProblem && error.code === 'ERR_JWS_EXPIRED')) throw error;
      const fresh = await disclosureToken(event.pseudonym, event.sha256);
      store.putAnswer(event.sha256, {
        outcome: 'disclosure',
        disclosureToken: fresh,
        cursor: event.cursor,
      });
      return submit(event.pseudonym, fresh);
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
    if (
      Object.keys(data).length !== Object.keys(customer.data).length ||
      erased.length !== (customer.erased ?? []).length
    ) {
      store.putCustomer({ ...customer, data, erased });
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
  ): Promise<void> {
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
      keyPair,
    );
    try {
      const receipt = await client.answerDataRequest(token);
      done.push({ kind: 'answer', pseudonym, sha256: receipt.sha256, outcome: body.outcome });
      log(`answered data request ${body.requestSha256}: ${body.outcome}`);
    } catch (error) {
      // Read again after a crash: the clearinghouse already holds our answer.
      if (error instanceof ApiProblem && error.code === 'ERR_DATA_REQUEST_ALREADY_ANSWERED') return;
      throw error;
    }
  }

  /** Decides how to answer a data request, from what the store holds now. */
  async function decide(event: FeedEvent): Promise<DecidedAnswer> {
    const request = parseMessage('data-request', payloadOf(event.jws));
    const customer = relay.customers.get(event.pseudonym);
    if (request.type === 'access') {
      if (customer === undefined || holdings(customer).length === 0) return { outcome: 'refused' };
      return {
        outcome: 'disclosure',
        disclosureToken: await disclosureToken(event.pseudonym, event.sha256),
      };
    }
    const held = (customer === undefined ? [] : holdings(customer))
      .map((holding) => holding.dataCategory as string)
      .filter(
        (category) =>
          request.dataCategories === undefined ||
          (request.dataCategories as readonly string[]).includes(category),
      );
    // Nothing stored under the categories asked: they are erased all the same (there is nothing).
    const categories = held.length > 0 ? held : [...(request.dataCategories ?? [])];
    return categories.length === 0
      ? { outcome: 'refused' }
      : { outcome: 'erased', dataCategories: categories };
  }

  async function onDataRequest(event: FeedEvent): Promise<void> {
    const requestSha256 = event.sha256;
    let decided = store.answers.get(requestSha256);
    if (decided === undefined) {
      decided = { ...(await decide(event)), cursor: event.cursor };
      // Kept before anything is done, so a retry answers the same (store.ts).
      store.putAnswer(requestSha256, decided);
    }
    if (decided.outcome === 'answered') return;
    if (decided.outcome === 'disclosure') {
      const disclosureSha256 = await discloseFor(event, decided);
      await answer(event.pseudonym, { outcome: 'disclosure', requestSha256, disclosureSha256 });
    } else if (decided.outcome === 'erased') {
      erase(event.pseudonym, decided.dataCategories);
      await answer(event.pseudonym, {
        outcome: 'erased',
        requestSha256,
        dataCategories: decided.dataCategories,
      });
    } else {
      await answer(event.pseudonym, { outcome: 'refused', requestSha256 });
    }
    // The token and categories are needed no more; site.ts drops even this once the cursor
    // is past the event.
    store.putAnswer(requestSha256, { outcome: 'answered', cursor: event.cursor });
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
    const token = await signMessage(
      'access',
      {
        ...claims(await clearinghouseOrigin()),
        entries: [
          {
            grantSha256: customer.grantSha256,
            purpose,
            dataCategories,
            at: Math.floor(now() / 1000),
          },
        ],
      } as Payload<'access'>,
      keyPair,
    );
    const result = await client.reportAccess(token);
    done.push({ kind: 'access', pseudonym, sha256: result.sha256 });
    return { accepted: result.accepted, outOfScope: result.outOfScope };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (req.method !== 'POST' || url.pathname !== '/demo/access') return false;
    const body = await readJson(req);
    const pseudonym =
      typeof body === 'object' && body !== null && 'pseudonym' in body
        ? (body as { pseudonym: unknown }).pseudonym
        : undefined;
    if (typeof pseudonym !== 'string' || !relay.customers.has(pseudonym)) {
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

  return { done, onFeedEvent, handle, disclose, reportAccess };
}

/** The payload of a JWS the clearinghouse verified before putting it in the feed. */
function payloadOf(jws: string): unknown {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as unknown;
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
