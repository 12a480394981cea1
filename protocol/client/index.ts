/**
 * The typed client of the clearinghouse HTTP API (docs/api.md), for companies and the Assistant.
 * Pure: `fetch`, the clock and randomness are injected, so the same code runs in Node, a browser
 * page and the extension's service worker.
 *
 * It sends messages the caller signed (`signMessage`), signs GET requests itself with the
 * caller's key (SPECS "JWS", kind `request`), and turns every problem+json answer into an
 * {@link ApiProblem} carrying the problem's stable `code` (and, for a 429 or 503, how long its
 * `Retry-After` asks to wait, in seconds or until an HTTP-date read by the injected clock).
 *
 * Covers the routes of issue 4 (companies and the life of a consent); issue 5's routes join here.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'http://localhost:3000', fetch, now: clock.now, randomBytes });
 * const receipt = await client.submitGrant(await signMessage('grant', payload, pairwiseKeyPair));
 * const { events, next } = await client.companyEvents(companySigner, '0');
 * ```
 */
import { signCompact } from '../jws';
import type { Ed25519KeyPair, RandomBytes } from '../keys';

/** The part of a fetch Response the client reads. */
export interface ClientResponse {
  readonly status: number;
  /** The answer's headers (WHATWG `Headers` fits); absent: none read (only `Retry-After` is). */
  readonly headers?: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The injected fetch: WHATWG `fetch` fits. */
export type ClientFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<ClientResponse>;

export interface ClientOptions {
  /** The clearinghouse origin, e.g. `http://localhost:3000` (also the `aud` of request signatures). */
  readonly baseUrl: string;
  readonly fetch: ClientFetch;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Cryptographically secure randomness, for the `jti` of request signatures. */
  readonly randomBytes: RandomBytes;
}

/** Who signs a GET: a company id or pseudonym with its key (libsodium pair or WebCrypto key). */
export type RequestSigner =
  | { readonly id: string; readonly keyPair: Ed25519KeyPair }
  | { readonly id: string; readonly kid: string; readonly privateKey: CryptoKey };

/** The longest wait a `Retry-After` is believed for: a day (a longer one reads as not said). */
export const maxRetryAfterSeconds = 86_400;

/**
 * The epoch milliseconds of an IMF-fixdate (RFC 9110 §5.6.7, e.g. `Wed, 21 Oct 2015 07:28:00
 * GMT`); undefined when `value` is not one, or names no real time (31 February, 24:00, a day
 * name the date does not fall on): only a date that prints back as itself is taken.
 */
function imfFixdateMs(value: string): number | undefined {
  // A leap second (`:60`, RFC 5322 §3.3) is the second after :59.
  const leap = /:60 GMT$/.test(value);
  const text = leap ? value.replace(/:60 GMT$/, ':59 GMT') : value;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toUTCString() !== text) return undefined;
  return ms + (leap ? 1000 : 0);
}

/**
 * The seconds to wait that `value` says: `Retry-After`'s delay-seconds (RFC 9110 §10.2.3, a
 * non-negative decimal integer), its HTTP-date as an IMF-fixdate (the seconds from `sentAt`, the
 * answer's own `Date`, to that time, so a client clock off by minutes waits as long as the server
 * meant; else from `nowMs`, the client's clock; rounded up; a time past is 0), or the problem's
 * `detail_data.retryAfter` (docs/api.md "Rate limits"). Undefined when absent, malformed, beyond
 * {@link maxRetryAfterSeconds}, or a date with no `nowMs` to count from: the answer is
 * attacker-controlled. The two obsolete date forms (RFC 850, asctime) are not read: senders
 * must generate IMF-fixdate (RFC 9110 §5.6.7), and the clearinghouse sends seconds.
 */
function retryAfterSeconds(
  value: unknown,
  nowMs?: number,
  sentAt?: string | null,
): number | undefined {
  let seconds = Number.NaN;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\d{1,6}$/.test(value.trim()))
    seconds = Number(value.trim());
  else if (typeof value === 'string') {
    const at = imfFixdateMs(value.trim());
    const from =
      (typeof sentAt === 'string' ? imfFixdateMs(sentAt.trim()) : undefined) ??
      (nowMs !== undefined && Number.isFinite(nowMs) ? nowMs : undefined);
    if (at !== undefined && from !== undefined)
      seconds = Math.max(0, Math.ceil((at - from) / 1000));
  }
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= maxRetryAfterSeconds
    ? seconds
    : undefined;
}

/**
 * An RFC 9457 problem answered by the clearinghouse.
 *
 * @example
 * ```ts
 * const busy = new ApiProblem(429, { code: 'ERR_RATE_LIMITED', detail_data: { retryAfter: 60 } }, '45');
 * busy.retryAfter; // 45: the header first, then the problem's detail_data
 * const later = new ApiProblem(503, {}, 'Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27));
 * later.retryAfter; // 60: an HTTP-date, counted from the clock handed in
 * ```
 */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  /** The problem's stable code (last segment of `type`), e.g. `ERR_JWS_REPLAYED`. */
  readonly code: string;
  readonly status: number;
  readonly problem: Readonly<Record<string, unknown>>;
  /**
   * Seconds to wait before asking again, when a 429 or 503 says so: its `Retry-After` header
   * (delay-seconds, or an HTTP-date counted from the answer's `Date`, else from `nowMs`), else its `detail_data.retryAfter` (a
   * proxy may drop the header). Undefined otherwise: not said, not readable, or on another status
   * (a refusal is not undone by waiting).
   */
  readonly retryAfter?: number;
  /**
   * `retryAfterHeader`: the answer's `Retry-After`, if it had one. `nowMs`: the client's clock
   * when the answer came (epoch milliseconds), to count an HTTP-date from when `dateHeader`, the
   * answer's `Date`, is absent or not an IMF-fixdate; with neither, a date reads as not said
   * (this module reads no clock of its own).
   */
  constructor(
    status: number,
    problem: Record<string, unknown>,
    retryAfterHeader?: string | null,
    nowMs?: number,
    dateHeader?: string | null,
  ) {
    const code = typeof problem.code === 'string' ? problem.code : `http-${status}`;
    // The occurrence's own sentence when there is one (what to fix), else the code's.
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    super(detail ?? (typeof problem.title === 'string' ? problem.title : code));
    this.code = code;
    this.status = status;
    this.problem = problem;
    if (status === 429 || status === 503) {
      const data = problem.detail_data;
      const seconds =
        retryAfterSeconds(retryAfterHeader, nowMs, dateHeader) ??
        retryAfterSeconds(
          typeof data === 'object' && data !== null
            ? (data as Record<string, unknown>).retryAfter
            : undefined,
        );
      if (seconds !== undefined) this.retryAfter = seconds;
    }
  }
}

/** SPECS "Receipts": durable, log entry pending. */
export interface Receipt {
  readonly sha256: string;
  readonly status: 'pending';
}

export interface TrustFigures {
  readonly status: 'pending' | 'active' | 'suspended';
  readonly activeRelationships: number;
  readonly revocationAcks: {
    readonly onTime: number;
    readonly overdue: number;
    readonly open: number;
  };
  /** Access and erasure requests against their one-month deadline. */
  readonly dataRequests: {
    readonly onTime: number;
    readonly overdue: number;
    readonly open: number;
  };
  /** Access-report entries outside their grant's scope. */
  readonly outOfScopeAccess: number;
  readonly upheldComplaints: number;
  readonly boycotts: number;
  readonly refusedRelayAttempts: number;
}

export interface CompanyEntry {
  readonly id: string;
  readonly status: 'pending' | 'active' | 'suspended';
  readonly legalName: string;
  readonly registerId: string;
  readonly domain: string;
  readonly purposes: readonly string[];
  readonly brands: readonly string[];
  readonly domainVerifiedAt: number | null;
  readonly registeredAt: number;
  readonly trust: TrustFigures;
  readonly contact?: Readonly<Record<string, string>>;
  readonly keys?: readonly {
    kid: string;
    jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
    /** Milliseconds. */
    addedAt: number;
    /** Seconds (from the `company-key` message), or null while the key is in use. */
    retiredAt: number | null;
    /** Seconds (the `since` the company declared), or null. */
    compromisedSince: number | null;
  }[];
}

/** A person key as the clearinghouse publishes it (`GET /api/v1/people/keys/{kid}`). */
export interface PersonKeyEntry {
  kid: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  role: 'staff' | 'regulator';
  /** The company id for staff, `rg_<kid>` for a regulator. */
  signer: string;
  /** Milliseconds. */
  addedAt: number;
  /** Milliseconds, or null while the key is in use. */
  retiredAt: number | null;
}

export interface RegistrationReceipt extends Receipt {
  readonly company: {
    readonly id: string;
    readonly status: 'pending' | 'active' | 'suspended';
    readonly domainProof:
      | { readonly verified: true }
      | { readonly verified: false; readonly code: string; readonly reason?: string }
      | null;
  };
  /** The first staff member's one-time enrolment link (absent when a registration is resent). */
  readonly staffEnrolment?: { readonly link: string; readonly expiresAt: number };
}

export interface FeedEvent {
  readonly cursor: string;
  /** Issue 4's consent kinds; the relay adds `offer-refused` and `correction` (and issue 5 more). */
  readonly kind:
    'grant' | 'refusal' | 'revocation' | 'offer-refused' | 'correction' | (string & {});
  readonly sha256: string;
  readonly pseudonym: string;
  readonly jws: string;
  readonly receivedAt: number;
}

export interface Relationships {
  readonly pseudonym: string;
  readonly company: { id: string; legalName: string; domain: string; status: string };
  readonly requests: readonly { sha256: string; jws: string }[];
  readonly grants: readonly {
    sha256: string;
    jws: string;
    status: 'active' | 'revoked' | 'expired';
    revokedPurposes: string[];
  }[];
  readonly refusals: readonly { sha256: string; jws: string; askAgainAfter: number | null }[];
  /** `acknowledgedAt`: when the clearinghouse stored the company's acknowledgement (ms), if listed. */
  readonly revocations: readonly {
    sha256: string;
    jws: string;
    acknowledged: boolean;
    acknowledgedAt?: number;
  }[];
  /** Issue 5: what the company disclosed; the newest is `current`. */
  readonly disclosures?: readonly { sha256: string; jws: string; current: boolean }[];
  /** Issue 5: access and erasure requests with their deadline (ms) and answer. */
  readonly dataRequests?: readonly {
    sha256: string;
    jws: string;
    deadline: number;
    answer: { sha256: string; jws: string } | null;
  }[];
  /** Issue 9: the latest reported uses of the data, newest first (`at` in seconds). */
  readonly accessEvents?: readonly {
    at: number;
    purpose: string;
    dataCategories: string[];
    grantSha256: string;
    count: number;
    /** The finding's reason when the use lay outside its grant. */
    outOfScope: string | null;
  }[];
  /** Issue 9: the pseudonym's complaints, newest first, with the regulator's signed decision. */
  readonly complaints?: readonly {
    sha256: string;
    company: string;
    reasons: string[];
    receivedAt: number;
    decision: {
      sha256: string;
      jws: string;
      decision: 'upheld' | 'dismissed';
      decidedAt: number;
    } | null;
  }[];
}

export type BatchResult =
  | { readonly status: 200; readonly pseudonym: string; readonly relationships: Relationships }
  | { readonly status: number; readonly problem: Readonly<Record<string, unknown>> };

export type Finding =
  | {
      readonly type: 'revocation-ack-overdue';
      readonly revocationSha256: string;
      readonly pseudonym: string;
      readonly receivedAt: number;
      readonly deadline: number;
      readonly ackedAt: number | null;
    }
  | {
      /** A webhook delivery given up after its last retry (docs/api.md "Webhooks"). */
      readonly type: 'webhook-delivery-failed';
      readonly eventSha256: string;
      readonly cursor: string;
      readonly url: string;
      readonly attempts: number;
      readonly lastError: string;
      readonly failedAt: number;
    }
  | {
      /** An offer the relay refused (docs/api.md "Relay"). */
      readonly type: 'relay-refused';
      readonly offerSha256: string;
      readonly pseudonym: string;
      readonly grantSha256: string;
      readonly rule: string;
      readonly refusedAt: number;
    }
  | {
      /** A data request answered late or not at all past its deadline. */
      readonly type: 'data-request-overdue';
      readonly dataRequestSha256: string;
      readonly pseudonym: string;
      readonly requestType: 'access' | 'erasure';
      readonly receivedAt: number;
      readonly deadline: number;
      readonly answeredAt: number | null;
    }
  | {
      /** A reported use of data outside its grant's scope. */
      readonly type: 'access-out-of-scope';
      readonly accessSha256: string;
      readonly entry: number;
      readonly grantSha256: string;
      readonly pseudonym: string | null;
      readonly purpose: string;
      readonly dataCategories: string[];
      readonly at: number;
      readonly count: number;
      readonly reason: string;
      readonly receivedAt: number;
    }
  | {
      /** A complaint a regulator upheld. */
      readonly type: 'complaint-upheld';
      readonly complaintSha256: string;
      readonly decisionSha256: string;
      readonly pseudonym: string;
      readonly reasons: string[];
      readonly receivedAt: number;
      readonly decidedAt: number;
    };

/** A data request as its company lists it. */
export interface DataRequestEntry {
  readonly sha256: string;
  readonly pseudonym: string;
  readonly type: 'access' | 'erasure';
  readonly jws: string;
  readonly receivedAt: number;
  readonly deadline: number;
  readonly answer: { sha256: string; outcome: string; answeredAt: number } | null;
}

/** A complaint with the regulator's decision, once made. */
export interface ComplaintEntry {
  readonly sha256: string;
  readonly jws: string;
  readonly company: string;
  readonly pseudonym: string;
  readonly reasons: string[];
  readonly receivedAt: number;
  readonly decision: {
    sha256: string;
    jws: string;
    decision: 'upheld' | 'dismissed';
    decidedAt: number;
  } | null;
}

/** A company's public boycott figure. */
export interface Boycott {
  readonly company: string;
  readonly total: number;
  /** Of `total`, the pseudonyms the company itself addressed (docs/api.md "Confirmed boycotts"). */
  readonly confirmed: number;
  readonly byReason: Readonly<Record<string, number>>;
  readonly byBrand: readonly { brand: string | null; signals: number }[];
}

/** The API, one method per route of docs/api.md (issue 4). */
export interface ClearinghouseClient {
  registerCompany(companyJws: string): Promise<RegistrationReceipt>;
  changeCompanyKey(companyKeyJws: string): Promise<Receipt>;
  listCompanies(query?: {
    status?: 'pending' | 'active' | 'suspended';
    after?: string;
    limit?: number;
  }): Promise<{ companies: CompanyEntry[]; next: string | null }>;
  getCompany(companyId: string): Promise<CompanyEntry>;
  /** A person key (staff or regulator), retired ones too: who may have signed for a company. */
  personKey(kid: string): Promise<PersonKeyEntry>;
  compromisedMessages(
    company: RequestSigner,
  ): Promise<{ messages: { sha256: string; kind: string; kid: string; iat: number }[] }>;
  createGrantRequest(
    grantRequestJws: string,
  ): Promise<Receipt & { targeted: boolean; link: string }>;
  /** An open request needs no signer; a targeted one is read by its pseudonym or company. */
  getGrantRequest(
    sha256: string,
    signer?: RequestSigner,
  ): Promise<{
    sha256: string;
    jws: string;
    targeted: boolean;
    company: { id: string; legalName: string; domain: string; status: string };
  }>;
  submitGrant(grantJws: string): Promise<Receipt>;
  submitRefusal(refusalJws: string): Promise<Receipt>;
  submitRevocation(revocationJws: string): Promise<Receipt>;
  acknowledgeRevocation(ackJws: string): Promise<Receipt & { onTime: boolean }>;
  companyEvents(
    company: RequestSigner,
    after?: string,
    limit?: number,
  ): Promise<{ events: FeedEvent[]; next: string }>;
  companyFindings(company: RequestSigner): Promise<{ findings: Finding[] }>;
  relationships(pseudonym: RequestSigner): Promise<Relationships>;
  /** Many pseudonyms in one call (e.g. restoring from the recovery phrase): one signature each. */
  relationshipsBatch(pseudonyms: readonly RequestSigner[]): Promise<{ results: BatchResult[] }>;
  /**
   * SPECS "Receipts": the log receipt of a message, long-polled up to `waitSeconds` (at most 10)
   * while its entry is pending. Unverified: check it with `protocol/tlog`'s `verifyReceipt`.
   */
  logReceipt(sha256: string, waitSeconds?: number): Promise<unknown>;
  // ----- the sealed relay (issue 5, docs/api.md "Relay") -----
  /** An offer JWS (outer, around the sealed `offer-content`); refused: `ApiProblem` 403 naming the rule. */
  sendOffer(offerJws: string): Promise<RelayReceipt>;
  /** A sealed `reward` under one of the pseudonym's grants. */
  sendReward(rewardJws: string): Promise<RelayReceipt>;
  /** The pseudonym's inbox after the cursor `after` (default: from the start). */
  fetchInbox(
    pseudonym: RequestSigner,
    after?: string,
    limit?: number,
  ): Promise<{ items: InboxItem[]; next: string }>;
  /** Acknowledges (deletes) one item by id, or every item through a cursor (`{through}`). */
  ackInbox(
    pseudonym: RequestSigner,
    what: { id: string } | { through: string },
  ): Promise<{ deleted: number }>;
  /** A sealed `correction` from a pseudonym to its company. */
  sendCorrection(correctionJws: string): Promise<RelayReceipt>;
  /** The corrections waiting for the company after the cursor `after`. */
  listCorrections(
    company: RequestSigner,
    after?: string,
    limit?: number,
  ): Promise<{ corrections: CorrectionItem[]; next: string }>;
  /** Acknowledges (deletes) one correction. */
  ackCorrection(company: RequestSigner, id: string): Promise<{ deleted: number }>;
  // ----- obligations and oversight (issue 5, docs/api.md "Obligations and oversight") -----
  /**
   * A `disclosure` of what the company holds about a pseudonym (logged). `created` is false when
   * the clearinghouse held this very token already (a resend, answered `200` with the receipt it
   * stored): no second disclosure.
   */
  submitDisclosure(disclosureJws: string): Promise<Receipt & { readonly created: boolean }>;
  /** A pseudonym's `data-request` (access or erasure); `deadline` is when the answer is due (ms). */
  submitDataRequest(dataRequestJws: string): Promise<Receipt & { deadline: number }>;
  /** The company's `data-request-answer`. */
  answerDataRequest(answerJws: string): Promise<Receipt & { onTime: boolean }>;
  /** The company's data requests (`open` by default), after the `next` of a previous page. */
  companyDataRequests(
    company: RequestSigner,
    query?: { state?: 'open' | 'all'; after?: string; limit?: number },
  ): Promise<{ dataRequests: DataRequestEntry[]; next: string | null }>;
  /** A batch of `access` entries; those outside their grant's scope become findings. */
  reportAccess(
    accessJws: string,
  ): Promise<{ sha256: string; accepted: number; outOfScope: number }>;
  /** A pseudonym's `complaint` with signed evidence. */
  submitComplaint(complaintJws: string): Promise<Receipt>;
  /** The regulator's list of complaints. */
  listComplaints(
    regulator: RequestSigner,
    query?: {
      company?: string;
      state?: 'open' | 'decided' | 'upheld' | 'dismissed' | 'all';
      after?: string;
      limit?: number;
    },
  ): Promise<{ complaints: ComplaintEntry[]; next: string | null }>;
  /** One complaint: for the regulator, the complaining pseudonym or the accused company. */
  getComplaint(reader: RequestSigner, sha256: string): Promise<ComplaintEntry>;
  /** A regulator's `complaint-decision`. */
  decideComplaint(decisionJws: string): Promise<Receipt>;
  /** A regulator's `suspension` (suspend or reinstate), effective at once. */
  suspendCompany(
    suspensionJws: string,
  ): Promise<Receipt & { company: { id: string; status: 'pending' | 'active' | 'suspended' } }>;
  /** A pseudonym's `blacklist` signal (or its withdrawal). */
  submitBlacklist(blacklistJws: string): Promise<{ sha256: string; counted: boolean }>;
  /** The public boycott figure of a company. */
  companyBoycott(companyId: string): Promise<Boycott>;
  /** A company's findings, for the regulator. */
  regulatorFindings(
    regulator: RequestSigner,
    companyId: string,
  ): Promise<{ company: string; findings: Finding[] }>;
}

/** The relay's answer to an accepted offer, reward or correction. */
export interface RelayReceipt {
  readonly id: string;
  readonly status: 'queued';
  /** Offers and rewards: when the item expires unless acknowledged (ms). */
  readonly expiresAt?: number;
}

/** One item of a pseudonym's inbox. */
export interface InboxItem {
  readonly id: string;
  readonly cursor: string;
  readonly kind: 'offer' | 'reward';
  readonly jws: string;
  readonly receivedAt: number;
  readonly expiresAt: number;
}

/** One correction waiting for its company. */
export interface CorrectionItem {
  readonly id: string;
  readonly cursor: string;
  readonly pseudonym: string;
  readonly jws: string;
  readonly receivedAt: number;
}

/**
 * A UUID v4 in canonical form from injected randomness (the `jti`).
 *
 * @example
 * ```ts
 * uuidV4((n) => crypto.getRandomValues(new Uint8Array(n))); // '1b4e28ba-2fa1-41d2-883f-0016d3cca427'
 * ```
 */
export function uuidV4(randomBytes: RandomBytes): string {
  const b = randomBytes(16);
  if (!(b instanceof Uint8Array) || b.length !== 16) throw new TypeError('randomBytes(16) failed');
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Creates the client.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, fetch: (url, init) => fetch(url, init), now: clock.now, randomBytes });
 * ```
 */
export function createClient(options: ClientOptions): ClearinghouseClient {
  const origin = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: { body?: string; contentType?: string; signer?: RequestSigner } = {},
  ): Promise<T> {
    return (await exchange<T>(method, path, init)).body;
  }

  /** {@link call}, with the status of a successful answer (`201` created, `200` stored before). */
  async function exchange<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: { body?: string; contentType?: string; signer?: RequestSigner } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    if (init.signer !== undefined) {
      // A signed POST is never made here (its body is the signed message): GET or DELETE.
      const signed = method === 'DELETE' ? 'DELETE' : 'GET';
      headers.authorization = `Signature ${await requestSignature(init.signer, signed, path)}`;
    }
    const response = await options.fetch(origin + path, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = { title: 'The answer is not JSON.' };
    }
    if (response.status >= 400) {
      throw new ApiProblem(
        response.status,
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
        response.headers?.get('retry-after'),
        // An HTTP-date `Retry-After` counts from the answer's `Date`, else the injected clock.
        options.now(),
        response.headers?.get('date'),
      );
    }
    return { status: response.status, body: body as T };
  }

  function requestSignature(
    signer: RequestSigner,
    method: 'GET' | 'DELETE',
    path: string,
  ): Promise<string> {
    const iat = Math.floor(options.now() / 1000);
    const payload = {
      v: 1,
      iss: signer.id,
      aud: origin,
      iat,
      exp: iat + 60,
      jti: uuidV4(options.randomBytes),
      method,
      path,
    };
    return 'keyPair' in signer
      ? signCompact({ kind: 'request', payload, keyPair: signer.keyPair })
      : signCompact({ kind: 'request', payload, privateKey: signer.privateKey, kid: signer.kid });
  }

  const postJose = <T>(path: string, token: string) =>
    call<T>('POST', path, { body: token, contentType: 'application/jose' });
  const relationshipsPath = (id: string) =>
    `/api/v1/pseudonyms/${encodeURIComponent(id)}/relationships`;
  const inboxPath = (id: string) => `/api/v1/pseudonyms/${encodeURIComponent(id)}/inbox`;
  const page = (after: string, limit: number | undefined) =>
    `after=${encodeURIComponent(after)}${limit === undefined ? '' : `&limit=${limit}`}`;

  return {
    registerCompany: (token) => postJose('/api/v1/companies', token),
    changeCompanyKey: (token) => postJose('/api/v1/companies/me/keys', token),
    listCompanies(query = {}) {
      const search = new URLSearchParams();
      if (query.status !== undefined) search.set('status', query.status);
      if (query.after !== undefined) search.set('after', query.after);
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      const qs = search.toString();
      return call('GET', `/api/v1/companies${qs === '' ? '' : `?${qs}`}`);
    },
    getCompany: (id) => call('GET', `/api/v1/companies/${encodeURIComponent(id)}`),
    personKey: (kid) => call('GET', `/api/v1/people/keys/${encodeURIComponent(kid)}`),
    compromisedMessages: (signer) =>
      call('GET', '/api/v1/companies/me/compromised-messages', { signer }),
    createGrantRequest: (token) => postJose('/api/v1/grant-requests', token),
    getGrantRequest: (sha256, signer) =>
      call('GET', `/api/v1/grant-requests/${encodeURIComponent(sha256)}`, signer ? { signer } : {}),
    submitGrant: (token) => postJose('/api/v1/grants', token),
    submitRefusal: (token) => postJose('/api/v1/refusals', token),
    submitRevocation: (token) => postJose('/api/v1/revocations', token),
    acknowledgeRevocation: (token) => postJose('/api/v1/revocation-acks', token),
    companyEvents(signer, after = '0', limit) {
      const qs = `after=${encodeURIComponent(after)}${limit === undefined ? '' : `&limit=${limit}`}`;
      return call('GET', `/api/v1/companies/me/events?${qs}`, { signer });
    },
    companyFindings: (signer) => call('GET', '/api/v1/companies/me/findings', { signer }),
    relationships: (signer) => call('GET', relationshipsPath(signer.id), { signer }),
    async relationshipsBatch(signers) {
      const requests = await Promise.all(
        signers.map((signer) => requestSignature(signer, 'GET', relationshipsPath(signer.id))),
      );
      return call('POST', '/api/v1/relationships/batch', {
        body: JSON.stringify({ requests }),
        contentType: 'application/json',
      });
    },
    sendOffer: (token) => postJose('/api/v1/offers', token),
    sendReward: (token) => postJose('/api/v1/rewards', token),
    fetchInbox: (signer, after = '0', limit) =>
      call('GET', `${inboxPath(signer.id)}?${page(after, limit)}`, { signer }),
    ackInbox: (signer, what) =>
      call(
        'DELETE',
        'id' in what
          ? `${inboxPath(signer.id)}/${encodeURIComponent(what.id)}`
          : `${inboxPath(signer.id)}?through=${encodeURIComponent(what.through)}`,
        { signer },
      ),
    sendCorrection: (token) => postJose('/api/v1/corrections', token),
    listCorrections: (signer, after = '0', limit) =>
      call('GET', `/api/v1/companies/me/corrections?${page(after, limit)}`, { signer }),
    ackCorrection: (signer, id) =>
      call('DELETE', `/api/v1/companies/me/corrections/${encodeURIComponent(id)}`, { signer }),
    async submitDisclosure(token) {
      const { status, body } = await exchange<Receipt>('POST', '/api/v1/disclosures', {
        body: token,
        contentType: 'application/jose',
      });
      return { ...body, created: status === 201 };
    },
    submitDataRequest: (token) => postJose('/api/v1/data-requests', token),
    answerDataRequest: (token) => postJose('/api/v1/data-request-answers', token),
    companyDataRequests(signer, query = {}) {
      const search = new URLSearchParams({ state: query.state ?? 'open' });
      if (query.after !== undefined) search.set('after', query.after);
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      return call('GET', `/api/v1/companies/me/data-requests?${search.toString()}`, { signer });
    },
    reportAccess: (token) => postJose('/api/v1/access', token),
    submitComplaint: (token) => postJose('/api/v1/complaints', token),
    listComplaints(signer, query = {}) {
      const search = new URLSearchParams();
      if (query.company !== undefined) search.set('company', query.company);
      if (query.state !== undefined) search.set('state', query.state);
      if (query.after !== undefined) search.set('after', query.after);
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      const qs = search.toString();
      return call('GET', `/api/v1/complaints${qs === '' ? '' : `?${qs}`}`, { signer });
    },
    getComplaint: (signer, sha256) =>
      call('GET', `/api/v1/complaints/${encodeURIComponent(sha256)}`, { signer }),
    decideComplaint: (token) => postJose('/api/v1/complaint-decisions', token),
    suspendCompany: (token) => postJose('/api/v1/suspensions', token),
    submitBlacklist: (token) => postJose('/api/v1/blacklist', token),
    companyBoycott: (id) => call('GET', `/api/v1/companies/${encodeURIComponent(id)}/boycott`),
    regulatorFindings: (signer, id) =>
      call('GET', `/api/v1/companies/${encodeURIComponent(id)}/findings`, { signer }),
    logReceipt: (sha256, waitSeconds = 10) =>
      call(
        'GET',
        `/api/v1/log/receipts/${encodeURIComponent(sha256)}?wait=${Math.max(0, Math.min(10, Math.floor(waitSeconds)))}`,
      ),
  };
}
