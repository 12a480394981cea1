/**
 * The reference company site (issue 4): what a company developer copies to integrate with the
 * clearinghouse. A small node:http server (no framework) that
 *
 * 1. keeps its signing key in a local file (keys.ts), and replaces it on request
 *    (key-replacement.ts: `replaceKey`, declaring the old one compromised if it leaked; the
 *    operator asks the running site through its loopback admin endpoint, admin-endpoint.ts and
 *    the CLI admin.ts), and deletes a replaced key's private part once nothing needs it (keys.ts),
 * 2. serves its domain proof at `/.well-known/consent-clearinghouse.json`,
 * 3. registers with the clearinghouse through `protocol/client` (the signed `company` message),
 * 4. creates one open grant request and shows its link on the shop page ("connect with your
 *    Assistant"),
 * 5. follows its feed and acknowledges every revocation automatically (polling, plus an immediate
 *    poll whenever a signed webhook arrives at `/webhook`), also while its company is suspended:
 *    revocations, data requests and corrections are duties a suspended company keeps,
 * 6. answers again the data requests a key compromise reopened: no feed event says so, so it lists
 *    its open requests after it declared a key compromised, at its first read and every
 *    `dataRequestSyncMs` after (obligations.ts `answerReopened`); acknowledges again the
 *    revocations whose acknowledgements its own declaration voided (`reacknowledge`, reading its
 *    feed again up to its cursor); then sends a fresh disclosure to each customer whose newest
 *    one its own declaration voided (obligations.ts `redisclose`), and reports again the uses of
 *    the access reports it voided (`rereport`); each kept due in `state.json` until done,
 * 7. logs what it does, one line per step; when the clearinghouse is out of reach it says so and
 *    tries again on its next round.
 *
 * What it must remember across a restart lives in `dataDir`: its key (keys.ts), its feed cursor,
 * grant request and the acknowledgements and disclosures still to send again (`state.json`,
 * here; a file it cannot read stops the start rather than being taken for none), and its
 * customers and answers (store.ts). `admin.json` (mode 0600) tells the operator's CLI where to
 * reach the running site and with which token; it is written anew at each start.
 *
 * docs/company-integration.md walks through it.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ApiProblem,
  createClient,
  uuidV4,
  type ClearinghouseClient,
  type DataRequestEntry,
  type FeedEvent,
} from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { publicJwk, thumbprint, type Ed25519PublicJwk } from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import { replaceFile } from './durable-file';
import { AdminRequestRefused, openAdminEndpoint, type AdminEndpoint } from './admin-endpoint';
import { createKeyReplacer, type ReplacedKey } from './key-replacement';
import { openKeyring } from './keys';
import { pickLocale, shopPage, type ShopCopy, type SiteLocale } from './pages';
import { createSiteObligations, type Compromise, type SiteObligations } from './obligations';
import { createSiteRelay, type SiteRelay } from './relay';
import { openSiteStore, type SiteStore } from './store';

export interface CompanySiteOptions {
  /** The clearinghouse, e.g. `http://localhost:3000` (`CLEARINGHOUSE_URL`). */
  clearinghouseUrl: string;
  /** Where the key and the feed cursor live (`test/company-site/data` by default in main.ts). */
  dataDir: string;
  /** Listening port; 0 picks a free one. Default 4000. */
  port?: number;
  /** Listening address. Default 127.0.0.1 (the demo runs on one machine). */
  host?: string;
  /** Host name in the site's public origin. Default `localhost` (SPECS "local origin"). */
  publicHost?: string;
  /** Milliseconds between feed polls; 0 polls only when asked (`pollOnce`) or on a webhook. Default 5000. */
  pollIntervalMs?: number;
  /**
   * Milliseconds between listings of the open data requests, to answer again those a key
   * compromise reopened (declared by someone else holding a company key; the site's own
   * declaration lists them at once). The first feed read after a start lists them too.
   * Default 600000 (10 minutes).
   */
  dataRequestSyncMs?: number;
  /** Register `<origin>/webhook` so the clearinghouse pushes events. Default true. */
  webhook?: boolean;
  /** Default: global fetch. */
  fetch?: typeof fetch;
  /** Default: one line on stdout per step. */
  log?: (line: string) => void;
  /** Default: Date.now. */
  now?: () => number;
  /**
   * How long a replaced key's private part is kept at least after the clearinghouse retired it
   * (keys.ts). Default 90 days.
   */
  replacedKeyGraceMs?: number;
  /** The company's legal name and brands. Default `Laufhaus Beispiel GmbH`, `Laufhaus` (the demo runs a second one). */
  legalName?: string;
  brands?: string[];
  /**
   * The privacy contact the registry shows. Default `datenschutz@<first brand>.example` (the legal
   * name's when there is no brand; {@link privacyContactEmail}), so each company names its own.
   */
  contactEmail?: string;
  /** The shop page's own texts (title, product, what the request is about). Default Laufhaus'. */
  shop?: Readonly<Record<SiteLocale, ShopCopy>>;
  /**
   * Why the company asks, as its grant request says (`reason`). Default Laufhaus' (news about
   * running shoe models, at most twice a week).
   */
  requestReason?: { de: string; en: string };
}

/**
 * The default privacy contact of a company whose first brand is `brand`: `datenschutz@` at the
 * brand's name under `.example` (RFC 2606), reduced to one DNS label (letters without accents,
 * digits, inner hyphens; `company` when nothing is left).
 *
 * @example
 * ```ts
 * privacyContactEmail('Funkhaus'); // 'datenschutz@funkhaus.example'
 * privacyContactEmail('Café Müller'); // 'datenschutz@cafe-muller.example'
 * ```
 */
export function privacyContactEmail(brand: string): string {
  const label = brand
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return `datenschutz@${label || 'company'}.example`;
}

/** The running site. */
export interface CompanySite {
  /** The site's public origin, e.g. `http://localhost:4000` (its `domain`). */
  readonly origin: string;
  readonly companyId: string;
  /** The thumbprint of the key that signs now (another one after {@link CompanySite.replaceKey}). */
  kid(): string;
  /** The clearinghouse's status of this company after the last registration attempt. */
  status(): string;
  /** The open grant request's link (what the connect button points to), once created. */
  requestLink(): string | undefined;
  /**
   * The first staff member's one-time enrolment link, for the company console, when this run
   * registered the company (the clearinghouse gives it once, with the registration).
   */
  staffEnrolmentLink(): string | undefined;
  /** The revocations this site acknowledged, by sha256, in order. */
  readonly acknowledged: string[];
  /** Feed events seen, in order. */
  readonly events: FeedEvent[];
  /** Offers, rewards and corrections (relay.ts). */
  readonly relay: SiteRelay;
  /** Disclosures, data-request answers and access reports (obligations.ts). */
  readonly obligations: SiteObligations;
  /** What it keeps on disk (store.ts): the one writer of its directory. */
  readonly store: SiteStore;
  /**
   * Registers (unless already active or suspended) and, while active, creates the grant request
   * (if needed); safe to call again. Rejects while the company is pending (its domain proof).
   */
  ready(): Promise<void>;
  /**
   * Reads the feed once from the stored cursor and handles its events; returns how many it read.
   * Called while a read is under way, it resolves after one more read that starts when that one
   * ends (the events that arrived meanwhile may be past the page already fetched).
   */
  pollOnce(): Promise<number>;
  /**
   * Replaces the company's signing key (key-replacement.ts): a new key is added and signs from
   * then on, and the old one is retired, or declared compromised since `compromisedSince`
   * (seconds, not in the future) if it leaked. After a compromise the site makes a new grant
   * request if the old key signed its own since then, answers again, with the new key, the
   * data requests whose answers the compromise reopened, acknowledges again the revocations whose
   * acknowledgements it voided, reports again the uses of the access reports it voided, and then
   * sends a fresh disclosure to each customer whose newest one the compromise voided: it
   * resolves once it did. Called while a replacement is under way,
   * it finishes that one (its old key is the key meant). The operator reaches it on a running
   * site through `POST /admin/replace-key` (admin-endpoint.ts).
   *
   * @throws KeyReplacementRefused (`ERR_KEY_REPLACEMENT_REFUSED`) for a time in the future, or
   *   {@link ClearinghouseUnreachable} and the clearinghouse's problems: what was done is kept on
   *   the disk, and `ready()` (which every timer round calls) finishes it, also after a restart.
   */
  replaceKey(options?: {
    compromisedSince?: number;
    kid?: string;
  }): Promise<ReplacedKey | undefined>;
  stop(): Promise<void>;
}

/** The clearinghouse did not answer at all (refused, unreachable, reset): tried again later. */
export class ClearinghouseUnreachable extends Error {
  override readonly name = 'ClearinghouseUnreachable';
  readonly code = 'ERR_CLEARINGHOUSE_UNREACHABLE';
}

interface SiteState {
  /** The feed cursor up to which every event was handled. */
  cursor: string;
  requestSha256?: string;
  requestLink?: string;
  /**
   * Compromises the site declared whose voided disclosures are not all sent again yet
   * (obligations.ts `redisclose`): kept before the replacement counts as done, dropped once sent.
   */
  redisclose?: Compromise[];
  /**
   * Compromises the site declared whose voided revocation acknowledgements are not all sent
   * again yet (`reacknowledge`): kept with `redisclose`, dropped once every revocation behind the
   * cursor is acknowledged.
   */
  reacknowledge?: Compromise[];
  /**
   * Compromises the site declared whose voided access reports are not all sent again yet
   * (obligations.ts `rereport`): kept with `redisclose`, dropped once sent.
   */
  rereport?: Compromise[];
}

/** The compromise lists `state.json` keeps due. */
type DueList = 'redisclose' | 'reacknowledge' | 'rereport';
const dueLists: readonly DueList[] = ['redisclose', 'reacknowledge', 'rereport'];

/** Whether anything a compromise voided is still to be sent again. */
function anyDue(state: SiteState): boolean {
  return dueLists.some((list) => state[list] !== undefined);
}

interface ClearinghouseDescription {
  origin: string;
  webhookKey: Ed25519PublicJwk;
}

const maxWebhookBytes = 256 * 1024;
/**
 * How often, at most, the corrections are read only to see whether a replaced key can go
 * (keys.ts): a site that receives no corrections would otherwise keep it until its next start.
 */
const keyPruneReadMs = 3_600_000;
/** A feed page as the site reads it; a page with fewer events reached the end of the feed. */
const feedPage = 100;

/**
 * Starts the site: listens, then registers and creates its grant request in the background
 * (await `ready()` to know when that is done), and polls its feed.
 *
 * @example
 * ```ts
 * const site = await startCompanySite({ clearinghouseUrl: 'http://localhost:3000', dataDir: 'test/company-site/data' });
 * await site.ready();
 * console.log(site.requestLink());
 * ```
 */
export async function startCompanySite(options: CompanySiteOptions): Promise<CompanySite> {
  const log =
    options.log ??
    ((line: string) => console.log(`${new Date().toISOString()} company-site: ${line}`));
  const now = options.now ?? Date.now;
  const clearinghouseUrl = options.clearinghouseUrl.replace(/\/+$/, '');
  const givenFetch = options.fetch ?? fetch;
  /** The given fetch, a failure to reach the clearinghouse turned into one clear error. */
  const doFetch: typeof fetch = async (input, init) => {
    try {
      return await givenFetch(input, init);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const why = typeof cause?.code === 'string' ? cause.code : error.message;
      throw new ClearinghouseUnreachable(
        `the clearinghouse at ${clearinghouseUrl} is out of reach (${why})`,
        { cause: error },
      );
    }
  };
  const keyring = await openKeyring(options.dataDir, {
    now,
    ...(options.replacedKeyGraceMs === undefined
      ? {}
      : { replacedKeyGraceMs: options.replacedKeyGraceMs }),
  });
  const companyId = keyring.companyId;
  const statePath = join(options.dataDir, 'state.json');
  let state = readState(statePath);
  const store = openSiteStore(options.dataDir, { now });
  // Answers of requests an earlier run had answered and read past (store.ts).
  store.pruneAnswers(state.cursor);
  /** Stores `next` as the state; memory changes only once it is on disk (a failed write throws). */
  function saveState(next: SiteState): void {
    writeState(statePath, next);
    state = next;
  }
  const client: ClearinghouseClient = createClient({
    baseUrl: clearinghouseUrl,
    fetch: (url, init) => doFetch(url, init),
    now,
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
  });
  /** Who signs the site's GET requests: the key that signs now. */
  const signer = () => ({ id: companyId, keyPair: keyring.current().keyPair });
  let status = 'unregistered';
  let staffLink: string | undefined;
  const relay = createSiteRelay({
    client,
    companyId,
    keyring,
    store,
    status: () => status,
    now,
    log,
    brand: options.brands?.[0] ?? 'Laufhaus',
  });
  /** The clearinghouse's origin (the `aud` of what the site signs for it), from its self-description. */
  const clearinghouseOrigin = async () => (await describeClearinghouse()).origin;
  const obligations = createSiteObligations({
    client,
    companyId,
    keyring,
    relay,
    store,
    now,
    log,
    clearinghouseOrigin,
  });
  const replacer = createKeyReplacer({
    client,
    keyring,
    clearinghouseOrigin,
    now,
    log,
    onEnded: afterReplacement,
  });
  let description: ClearinghouseDescription | undefined;
  const acknowledged: string[] = [];
  const events: FeedEvent[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`error answering ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4000, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${options.publicHost ?? 'localhost'}:${port}`;
  log(`listening on ${origin} as ${companyId}`);
  let admin: AdminEndpoint | undefined;
  try {
    admin = openAdminEndpoint({
      dataDir: options.dataDir,
      url: adminUrl(options.host ?? '127.0.0.1', port),
      replaceKey: (asked) => replaceByOperator(asked),
      now,
      log,
    });
  } catch (error) {
    server.close();
    throw error;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (admin !== undefined && (await admin.handle(req, res, url))) return;
    if (req.method === 'GET' && url.pathname === '/.well-known/consent-clearinghouse.json') {
      // The domain proof: this origin belongs to the company whose key has this thumbprint.
      send(
        res,
        200,
        'application/json',
        JSON.stringify({ keys: [keyring.current().kid], companyId }),
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      const locale = pickLocale(url, req.headers['accept-language']);
      send(
        res,
        200,
        'text/html; charset=utf-8',
        shopPage(locale, state.requestLink, options.shop),
        {
          'content-language': locale,
        },
      );
      return;
    }
    if (await relay.handle(req, res, url)) return;
    if (await obligations.handle(req, res, url)) return;
    if (req.method === 'POST' && url.pathname === '/webhook') {
      const body = await readBody(req, maxWebhookBytes);
      if (body === undefined) return send(res, 413, 'text/plain', 'too large');
      const signature = req.headers['clearinghouse-signature'];
      if (
        description === undefined ||
        typeof signature !== 'string' ||
        !verifyWebhook(body, signature, description.webhookKey)
      ) {
        log('refused a webhook whose signature does not verify');
        return send(res, 401, 'text/plain', 'bad signature');
      }
      // The feed is the source of truth: a webhook only tells us to read it now.
      send(res, 204, 'text/plain', '');
      void pollOnce().catch((error: unknown) =>
        log(`feed poll after webhook failed: ${String(error)}`),
      );
      return;
    }
    send(res, 404, 'text/plain', 'not found');
  }

  async function describeClearinghouse(): Promise<ClearinghouseDescription> {
    if (description !== undefined) return description;
    const response = await doFetch(`${clearinghouseUrl}/.well-known/clearinghouse.json`);
    if (!response.ok)
      throw new Error(`the clearinghouse describes itself with status ${response.status}`);
    const body = (await response.json()) as Partial<ClearinghouseDescription>;
    if (typeof body.origin !== 'string' || typeof body.webhookKey?.x !== 'string') {
      throw new Error('the clearinghouse description lacks origin or webhookKey');
    }
    description = { origin: body.origin, webhookKey: body.webhookKey };
    return description;
  }

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

  async function register(): Promise<void> {
    const { origin: aud } = await describeClearinghouse();
    try {
      const entry = await client.getCompany(companyId);
      status = entry.status;
      // Registered. A suspended company is refused a new registration (ERR_COMPANY_NOT_ACTIVE)
      // and needs none: it keeps reading its feed. Only a pending one registers again, to retry
      // its domain proof.
      if (entry.status === 'suspended')
        log('the company is suspended: no grant request, no offers; the feed is still read');
      if (entry.status === 'active' || entry.status === 'suspended') return;
    } catch (error) {
      if (!(error instanceof ApiProblem && error.code === 'ERR_COMPANY_UNKNOWN')) throw error;
      // A new registration names the company after the key that signs it.
      if (companyId !== `co_${keyring.current().kid}`)
        throw new Error(
          `the clearinghouse does not know ${companyId}, whose first key was replaced: it cannot be registered again with another key`,
        );
      // Unknown here (a fresh clearinghouse database): what we remember belongs to another one.
      if (state.requestLink !== undefined || state.cursor !== '0') saveState({ cursor: '0' });
    }
    const payload: Payload<'company'> = {
      ...claims(aud),
      legalName: options.legalName ?? 'Laufhaus Beispiel GmbH',
      registerId: 'HRB 000000, Amtsgericht Beispielstadt',
      domain: origin,
      contact: {
        email:
          options.contactEmail ??
          privacyContactEmail((options.brands ?? ['Laufhaus'])[0] ?? options.legalName ?? ''),
      },
      keys: [publicJwk(keyring.current().keyPair)],
      purposes: ['product_launch', 'service_support'],
      brands: options.brands ?? ['Laufhaus'],
      ...(options.webhook === false ? {} : { webhook: `${origin}/webhook` }),
    };
    const receipt = await client.registerCompany(
      await signMessage('company', payload, keyring.current().keyPair),
    );
    status = receipt.company.status;
    if (receipt.staffEnrolment !== undefined) {
      staffLink = receipt.staffEnrolment.link;
      log(
        `first staff enrolment link for the company console (one use, until ${new Date(receipt.staffEnrolment.expiresAt).toISOString()}): ${staffLink}`,
      );
    }
    const proof = receipt.company.domainProof;
    log(
      `registered as ${companyId}: ${status}` +
        (proof === null
          ? ''
          : proof.verified
            ? ', domain proven'
            : `, domain proof failed (${proof.code}${proof.reason ? ` ${proof.reason}` : ''})`),
    );
  }

  async function ensureGrantRequest(): Promise<void> {
    if (state.requestLink !== undefined) return;
    const { origin: aud } = await describeClearinghouse();
    const iat = Math.floor(now() / 1000);
    const payload: Payload<'grant-request'> = {
      ...claims(aud),
      scopes: [
        {
          purpose: 'product_launch',
          channels: ['newsletter', 'email'],
          dataCategories: ['preferences_habits'],
          conditions: {
            timeZone: 'Europe/Berlin',
            maxContactsPerWeek: 2,
            validUntil: iat + 2 * 365 * 86_400,
          },
          retentionDays: 365,
          onwardRecipients: [],
        },
      ],
      reason: options.requestReason ?? {
        de: 'Wir möchten Ihnen von neuen Laufschuhmodellen erzählen, höchstens zweimal pro Woche.',
        en: 'We would like to tell you about new running shoe models, at most twice a week.',
      },
    };
    const receipt = await client.createGrantRequest(
      await signMessage('grant-request', payload, keyring.current().keyPair),
    );
    saveState({ ...state, requestSha256: receipt.sha256, requestLink: receipt.link });
    log(`grant request created: ${receipt.link}`);
  }

  /** Whether the clearinghouse knows this company (its feed is there to read). */
  function registered(): boolean {
    return status === 'active' || status === 'suspended';
  }

  let readyPromise: Promise<void> | undefined;
  function ready(): Promise<void> {
    // One attempt at a time; not kept once done, so a reinstated company creates its request.
    readyPromise ??= (async () => {
      if (!registered()) await register();
      // A replacement a crash or an unreachable clearinghouse interrupted (keys.ts).
      if (registered() && keyring.replacement() !== undefined) await replacer.resume();
      if (status === 'active') await ensureGrantRequest();
      else if (status !== 'suspended')
        throw new Error(`the company is ${status}; the domain proof must succeed first`);
    })().finally(() => {
      readyPromise = undefined;
    });
    return readyPromise;
  }

  let polling: Promise<number> | undefined;
  let pollingAgain: Promise<number> | undefined;
  function pollOnce(): Promise<number> {
    // One reader at a time, so a webhook and the timer do not acknowledge the same revocation twice.
    if (polling === undefined) {
      polling = readFeed().finally(() => {
        polling = undefined;
      });
      return polling;
    }
    // The read under way may have fetched its page before the event this call is about: one
    // more read follows it (shared by every call made meanwhile).
    pollingAgain ??= polling
      .catch(() => 0)
      .then(() => {
        pollingAgain = undefined;
        return stopped ? 0 : pollOnce();
      });
    return pollingAgain;
  }

  let caughtUp = false;
  /**
   * Once per start, before the feed is read on from the cursor:
   * - customers kept by the first version of the store lack their grant: the feed is read once
   *   more from the start up to the cursor, so their scopes and revocations are known again
   *   (stored only once the scan got there: one interrupted is read again from the start);
   * - corrections an earlier run left waiting (their pseudonym was no customer then) are listed,
   *   so that the grant that makes it one applies them.
   */
  async function catchUp(): Promise<void> {
    if (caughtUp) return;
    if (relay.needsRestore()) {
      await readBehindCursor((event) => relay.restore(event));
      relay.finishRestore();
    }
    await relay.pollCorrections();
    caughtUp = true;
  }

  /**
   * Reads the feed again from its start up to the cursor (the events the site handled), page by
   * page, handing each event to `visit` in order.
   */
  async function readBehindCursor(visit: (event: FeedEvent) => void | Promise<void>) {
    const upTo = Number(state.cursor);
    let cursor = '0';
    while (Number(cursor) < upTo) {
      const page = await client.companyEvents(signer(), cursor, feedPage);
      for (const event of page.events) if (Number(event.cursor) <= upTo) await visit(event);
      if (page.events.length === 0) break;
      cursor = page.next;
    }
  }

  /**
   * Acknowledges again, with the key signing now, each revocation whose acknowledgement a
   * compromise voided (compromise.ts: it is unacknowledged again, overdue past its deadline).
   * Neither the feed nor any listing the company may read names them, and the site does not
   * remember when it acknowledged which, so every revocation behind the cursor is acknowledged
   * again; one whose acknowledgement stands is answered `ERR_REVOCATION_ALREADY_ACKED`, which is
   * done. Those after the cursor are acknowledged with the new key as the feed reaches them.
   * Resolves to how many were acknowledged again.
   */
  async function reacknowledge(aud: string): Promise<number> {
    let again = 0;
    await readBehindCursor(async (event) => {
      if (event.kind === 'revocation' && (await acknowledge(event, aud, 'again'))) again++;
    });
    return again;
  }

  /**
   * Listings of the open data requests asked for (one at a start: a request may have been
   * reopened meanwhile; one per compromise the site declared), and how many of them the listings
   * done so far served.
   */
  let syncsAsked = 1;
  let syncsDone = 0;
  let syncedAt = Number.NEGATIVE_INFINITY;
  const syncInterval = options.dataRequestSyncMs ?? 600_000;

  let pruneReadAt = Number.NEGATIVE_INFINITY;

  async function readFeed(): Promise<number> {
    const { origin: aud } = await describeClearinghouse();
    await catchUp();
    // A replaced key past its grace period: a read of the corrections deletes it unless one
    // waiting is sealed to it (relay.ts). Not worth holding up the feed when it fails.
    if (keyring.prunable().length > 0 && now() - pruneReadAt >= keyPruneReadMs) {
      pruneReadAt = now();
      await relay
        .pollCorrections()
        .catch((error: unknown) =>
          log(`corrections not read to delete replaced keys: ${reasonOf(error)}`),
        );
    }
    const asked = syncsAsked;
    const syncing = syncsDone < asked || now() - syncedAt >= syncInterval;
    // Listed before the page is read: the event of each request listed (stored with it) is then
    // on this page or behind the cursor, so once the page reached the end of the feed, the site
    // has read it (obligations.ts `answerReopened`).
    // Its failure does not hold up the feed: the page is read and handled, then it is reported.
    let listedBefore: DataRequestEntry[] | undefined;
    let syncFailure: unknown;
    if (syncing)
      listedBefore = await obligations.listOpenRequests().catch((e: unknown) => {
        syncFailure = e;
        return undefined;
      });
    const page = await client.companyEvents(signer(), state.cursor, feedPage);
    for (const event of page.events) {
      events.push(event);
      log(`feed ${event.cursor}: ${event.kind} ${event.sha256} from ${event.pseudonym}`);
      // The relay side records a revocation (no more offers) before it is acknowledged.
      await relay.onFeedEvent(event);
      await obligations.onFeedEvent(event);
      if (event.kind === 'revocation') await acknowledge(event, aud);
      if (event.kind === 'suspension') await refreshStatus();
      // Only after the event is handled does the cursor move: a crash re-reads it (at least once).
      saveState({ ...state, cursor: event.cursor });
    }
    if (page.events.length === 0 && page.next !== state.cursor)
      saveState({ ...state, cursor: page.next });
    // Every revocation the old key may have acknowledged is behind the cursor now. Not held up
    // by the data requests and disclosures below (an acknowledgement is due within days).
    let ackFailure: unknown;
    const unacked = state.reacknowledge;
    if (unacked !== undefined) {
      try {
        const again = await reacknowledge(aud);
        log(
          `acknowledged again ${again} revocation(s) whose acknowledgement a key compromise voided`,
        );
        dropDue('reacknowledge', unacked);
      } catch (error) {
        ackFailure = error;
      }
    }
    // The access reports a compromise voided: nothing in the feed bears on them.
    const unreported = state.rereport;
    if (unreported !== undefined) {
      try {
        await obligations.rereport(unreported);
        dropDue('rereport', unreported);
      } catch (error) {
        ackFailure ??= error;
      }
    }
    // Not at the end of the feed yet: the listing waits for a read that gets there.
    const atEnd = page.events.length < feedPage;
    if (listedBefore !== undefined && atEnd) {
      try {
        const listedAfter = await obligations.listOpenRequests();
        await obligations.answerReopened(listedBefore, listedAfter, state.cursor);
        syncsDone = Math.max(syncsDone, asked);
        syncedAt = now();
      } catch (error) {
        syncFailure = error;
      }
    }
    // Once every grant is read and the reopened requests are answered again: their fresh
    // disclosures are then the newest, and those customers need no other.
    const pending = state.redisclose;
    if (pending !== undefined && atEnd && syncFailure === undefined && syncsDone >= syncsAsked) {
      try {
        await obligations.redisclose(pending);
        dropDue('redisclose', pending);
      } catch (error) {
        syncFailure = error;
      }
    }
    // The data requests answered on this page are behind the cursor now: never read again.
    store.pruneAnswers(state.cursor);
    const failure = ackFailure ?? syncFailure;
    if (failure !== undefined) {
      // Still due: the next read lists them again.
      log(
        `data requests, acknowledgements, disclosures and access reports voided by a key compromise not all sent again yet: ${reasonOf(failure)}`,
      );
      throw failure;
    }
    return page.events.length;
  }

  /** Drops the compromises `done` from the due list `list`; one declared meanwhile stays due. */
  function dropDue(list: DueList, done: readonly Compromise[]): void {
    const left = (state[list] ?? []).filter((c) => !done.includes(c));
    const { [list]: _done, ...rest } = state;
    saveState(left.length > 0 ? { ...rest, [list]: left } : rest);
  }

  /**
   * `due` with the compromise `declared` in it: the same key once, from the earlier time (`due`
   * itself when it holds it so already).
   */
  function withDeclared(due: Compromise[] | undefined, declared: Compromise): Compromise[] {
    const same = due?.find((c) => c.kid === declared.kid);
    if (due !== undefined && same !== undefined && same.since <= declared.since) return due;
    return [...(due ?? []).filter((c) => c.kid !== declared.kid), declared];
  }

  /**
   * After a replacement the clearinghouse holds: a compromise voided what the old key signed
   * since then, among it possibly the grant request the shop page links to (a new one replaces
   * it), data-request answers (the next feed read lists the open requests and answers them),
   * revocation acknowledgements (kept due here first, and sent again by the next feed read) and
   * disclosures (kept due here first, and sent again after those answers).
   */
  async function afterReplacement(replaced: ReplacedKey): Promise<void> {
    if (replaced.compromisedSince === undefined) return;
    const declared = { kid: replaced.replacedKid, since: replaced.compromisedSince };
    // Called again after a crash or a failure: the same compromise once, from the earlier time.
    const due = Object.fromEntries(
      dueLists.map((list) => [list, withDeclared(state[list], declared)]),
    ) as Record<DueList, Compromise[]>;
    if (dueLists.some((list) => due[list] !== state[list])) saveState({ ...state, ...due });
    syncsAsked++;
    if (state.requestSha256 === undefined) return;
    if (await requestVoided(state.requestSha256, declared)) {
      log(`grant request ${state.requestSha256} was signed with the compromised key: replaced`);
      // Kept without it first: ready() makes the new one (at once while active).
      const { requestSha256: _sha256, requestLink: _link, ...rest } = state;
      saveState(rest);
      if (status === 'active') await ensureGrantRequest();
    }
  }

  /**
   * Whether the compromise `declared` voided the grant request `sha256`: the clearinghouse no
   * longer serves one it voided (`ERR_GRANT_REQUEST_VOIDED`); one it serves is checked here too,
   * as a clearinghouse before December 2026 served the voided ones too.
   */
  async function requestVoided(sha256: string, declared: Compromise): Promise<boolean> {
    let jws: string;
    try {
      ({ jws } = await client.getGrantRequest(sha256));
    } catch (error) {
      if (error instanceof ApiProblem && error.code === 'ERR_GRANT_REQUEST_VOIDED') return true;
      throw error;
    }
    const [header, payload] = jws
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(utf8Decode(base64urlDecode(part))) as Record<string, unknown>);
    return (
      header?.kid === declared.kid &&
      typeof payload?.iat === 'number' &&
      payload.iat >= declared.since
    );
  }

  async function replaceKey(
    replacement: { compromisedSince?: number; kid?: string } = {},
  ): Promise<ReplacedKey | undefined> {
    // The key meant is the one signing when asked: a timer round may finish a replacement
    // under way meanwhile, and the new key must not be replaced (or declared compromised) then.
    // A key named: one replaced before, only declared compromised (keys.ts `beginReplacement`).
    const under = keyring.replacement();
    const kid =
      replacement.kid ?? (under?.step === 'end' ? under.replacedKid : keyring.current().kid);
    const asked = syncsAsked;
    const replaced = await replacer.replace(kid, replacement.compromisedSince);
    // Answered and disclosed again once a read reached the end of the feed (each read goes one
    // page on); a read that fails rejects this too, and the timer's rounds go on with it.
    while (replaced?.compromisedSince !== undefined && (syncsDone <= asked || anyDue(state)))
      await pollOnce();
    return replaced;
  }

  let operatorReplacing = false;

  /**
   * {@link replaceKey} as the operator asks for it (admin-endpoint.ts), refused where asking is a
   * slip rather than a wish: while a replacement asked before is still being finished (the
   * command's answer may have been lost, and asking again would replace the new key), and when
   * the compromise time given lies before the key signing now was added and a key before it is
   * declared compromised since then already (the replacement done: declaring the new key
   * compromised since then would void all it signed).
   */
  async function replaceByOperator(asked: {
    compromisedSince?: number;
    kid?: string;
  }): Promise<ReplacedKey | undefined> {
    if (operatorReplacing || anyDue(state))
      throw new AdminRequestRefused(
        409,
        'ERR_ADMIN_BUSY',
        'A key replacement asked before is still being finished: the site is answering, acknowledging, disclosing and reporting again what the compromise voided, and needs nothing more. Ask again only for a new replacement, once this one is done.',
      );
    operatorReplacing = true;
    try {
      const since = asked.compromisedSince;
      const current = keyring.current().kid;
      const ofCurrent = asked.kid === undefined || asked.kid === current;
      if (since !== undefined && ofCurrent && keyring.replacement() === undefined) {
        const keys = (await client.getCompany(companyId)).keys ?? [];
        const added = keys.find((k) => k.kid === current)?.addedAt;
        // The repeat: a key before this one is declared compromised since that time or earlier,
        // and the key signing now came after it (addedAt is in milliseconds).
        const declared = keys.some(
          (k) => k.kid !== current && k.compromisedSince !== null && k.compromisedSince <= since,
        );
        if (declared && added !== undefined && since * 1000 < added)
          throw new AdminRequestRefused(
            409,
            'ERR_ADMIN_BEFORE_KEY',
            `The key signing now (${current}) was added at ${new Date(added).toISOString()}, after the compromise time given: a compromise since then is the one of the key it replaced, declared already. To declare the key signing now compromised, give a time since it was added.`,
          );
      }
      return await replaceKey(asked);
    } finally {
      operatorReplacing = false;
    }
  }

  /** A regulator suspended or reinstated the company: its status decides about offers and requests. */
  async function refreshStatus(): Promise<void> {
    const before = status;
    status = (await client.getCompany(companyId)).status;
    if (status !== before) log(`the company is now ${status}`);
  }

  /**
   * Acknowledges the revocation `event` with the key signing now; resolves to whether this
   * acknowledgement was stored (false: one was stored before). `again`: the revocation was read
   * before and acknowledged then (`reacknowledge`): only one the clearinghouse takes is logged.
   */
  async function acknowledge(event: FeedEvent, aud: string, again?: 'again'): Promise<boolean> {
    // A real company stops using the revoked consent here (unsubscribe, delete from audiences)
    // before it confirms; `stoppedAt` says when it did (acknowledging again: by now, at the
    // latest; the site does not remember when it first acknowledged).
    const payload: Payload<'revocation-ack'> = {
      ...claims(aud),
      revocationSha256: event.sha256,
      pseudonym: event.pseudonym,
      stoppedAt: Math.floor(now() / 1000),
    };
    let stored = true;
    try {
      const receipt = await client.acknowledgeRevocation(
        await signMessage('revocation-ack', payload, keyring.current().keyPair),
      );
      log(
        `revocation ${event.sha256} acknowledged${again === undefined ? '' : ` again with key ${keyring.current().kid}`}${receipt.onTime ? '' : ' (late)'}`,
      );
    } catch (error) {
      if (!(error instanceof ApiProblem && error.code === 'ERR_REVOCATION_ALREADY_ACKED'))
        throw error;
      if (again !== undefined) return false;
      log(`revocation ${event.sha256} was acknowledged before`);
      stored = false;
    }
    acknowledged.push(event.sha256);
    return stored;
  }

  const interval = options.pollIntervalMs ?? 5_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  function schedule(): void {
    if (stopped || interval <= 0) return;
    timer = setTimeout(() => {
      void round().finally(schedule);
    }, interval);
  }
  /** One timer round: registration and request as far as they go, then the feed if there is one. */
  async function round(): Promise<void> {
    const failed = (error: unknown) => log(`round failed, trying again: ${reasonOf(error)}`);
    await ready().catch(failed);
    if (registered()) await pollOnce().catch(failed);
  }
  if (interval > 0) {
    ready().catch((error: unknown) => log(`not ready yet: ${reasonOf(error)}`));
    schedule();
  }

  return {
    origin,
    companyId,
    kid: () => keyring.current().kid,
    status: () => status,
    requestLink: () => state.requestLink,
    staffEnrolmentLink: () => staffLink,
    acknowledged,
    events,
    relay,
    obligations,
    store,
    ready,
    pollOnce,
    replaceKey,
    async stop() {
      stopped = true;
      admin?.close();
      if (timer !== undefined) clearTimeout(timer);
      await pollingAgain?.catch(() => undefined);
      await polling?.catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What went wrong, in one line for the log. */
function reasonOf(error: unknown): string {
  if (error instanceof ApiProblem) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Verifies a webhook's `Clearinghouse-Signature`: a detached compact JWS (RFC 7515 appendix F)
 * over the body, made with the `webhookKey` of `/.well-known/clearinghouse.json`.
 *
 * @example
 * ```ts
 * if (!verifyWebhook(body, req.headers['clearinghouse-signature'], description.webhookKey)) reject();
 * ```
 */
export function verifyWebhook(body: Uint8Array, signature: string, key: Ed25519PublicJwk): boolean {
  const match = /^([A-Za-z0-9_-]{1,512})\.\.([A-Za-z0-9_-]{86})$/.exec(signature);
  if (match === null) return false;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(match[1]!))) as Record<
      string,
      unknown
    >;
    if (header.alg !== 'EdDSA' || header.typ !== 'webhook+jws' || header.kid !== thumbprint(key))
      return false;
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.x },
      format: 'jwk',
    });
    return verify(
      null,
      Buffer.from(`${match[1]!}.${base64urlEncode(body)}`, 'ascii'),
      publicKey,
      base64urlDecode(match[2]!),
    );
  } catch {
    return false;
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(status === 204 ? undefined : body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** A `state.json` the site cannot read or does not understand: it does not start. */
export class StateFileInvalid extends Error {
  override readonly name = 'StateFileInvalid';
  readonly code = 'ERR_STATE_FILE_INVALID';
}

/**
 * Reads `state.json`; a missing file is a site that has read nothing yet. Any other failure stops
 * the start: a default state would read the whole feed again, make a new grant request and forget
 * the compromises still due, without a word.
 *
 * @throws StateFileInvalid when the file cannot be read, is not JSON, or holds what this site
 *   does not write.
 */
function readState(path: string): SiteState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { cursor: '0' };
    throw new StateFileInvalid(`${path} cannot be read: ${(error as Error).message}.`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new StateFileInvalid(`${path} is not JSON.`, { cause: error });
  }
  const invalid = (why: string) =>
    new StateFileInvalid(`${path} is not a state file of this site: ${why}.`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('not a JSON object');
  const parsed = value as Record<string, unknown>;
  const { cursor, requestSha256, requestLink } = parsed;
  if (cursor !== undefined && (typeof cursor !== 'string' || !/^\d{1,15}$/.test(cursor)))
    throw invalid('its cursor is no decimal string');
  if (requestSha256 !== undefined && typeof requestSha256 !== 'string')
    throw invalid('its requestSha256 is no string');
  if (requestLink !== undefined && typeof requestLink !== 'string')
    throw invalid('its requestLink is no string');
  /** A list of compromises still due, as `saveState` writes it. */
  const compromises = (name: DueList): Compromise[] => {
    const list = parsed[name];
    if (list === undefined) return [];
    if (
      !Array.isArray(list) ||
      !list.every(
        (c: Partial<Compromise> | null) =>
          typeof c?.kid === 'string' && Number.isSafeInteger(c.since) && c.since! >= 0,
      )
    )
      throw invalid(`its ${name} is no list of {kid, since}`);
    return (list as Compromise[]).map(({ kid, since }) => ({ kid, since }));
  };
  const due = dueLists.flatMap((list) => {
    const listed = compromises(list);
    return listed.length > 0 ? [[list, listed] as const] : [];
  });
  return {
    cursor: cursor ?? '0',
    ...(requestSha256 === undefined ? {} : { requestSha256 }),
    ...(requestLink === undefined ? {} : { requestLink }),
    ...Object.fromEntries(due),
  };
}

/**
 * Where the operator's CLI reaches the admin endpoint on this machine: the listening address,
 * or loopback when the site listens on every address.
 */
function adminUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::') return `http://[::1]:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** Replaced as one step and flushed to the disk (durable-file.ts). */
function writeState(path: string, state: SiteState): void {
  replaceFile(path, `${JSON.stringify(state, null, 2)}\n`);
}
