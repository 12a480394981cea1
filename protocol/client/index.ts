/**
 * The typed client of the clearinghouse HTTP API (docs/api.md), for companies and the Assistant.
 * Pure: `fetch`, the clock and randomness are injected, so the same code runs in Node, a browser
 * page and the extension's service worker.
 *
 * It sends messages the caller signed (`signMessage`), signs GET requests itself with the
 * caller's key (SPECS "JWS", kind `request`), and turns every problem+json answer into an
 * {@link ApiProblem} carrying the problem's stable `code`.
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

/** An RFC 9457 problem answered by the clearinghouse. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  /** The problem's stable code (last segment of `type`), e.g. `ERR_JWS_REPLAYED`. */
  readonly code: string;
  readonly status: number;
  readonly problem: Readonly<Record<string, unknown>>;
  constructor(status: number, problem: Record<string, unknown>) {
    const code = typeof problem.code === 'string' ? problem.code : `http-${status}`;
    super(typeof problem.title === 'string' ? problem.title : code);
    this.code = code;
    this.status = status;
    this.problem = problem;
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
    addedAt: number;
    retiredAt: number | null;
    compromisedSince: number | null;
  }[];
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
}

export interface FeedEvent {
  readonly cursor: string;
  readonly kind: 'grant' | 'refusal' | 'revocation';
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
  readonly revocations: readonly { sha256: string; jws: string; acknowledged: boolean }[];
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
    };

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
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; contentType?: string; signer?: RequestSigner } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    if (init.signer !== undefined) {
      headers.authorization = `Signature ${await requestSignature(init.signer, 'GET', path)}`;
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
      );
    }
    return body as T;
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
  };
}
