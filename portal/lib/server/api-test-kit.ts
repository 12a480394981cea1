/**
 * Test fixture (imported by *.test.ts only): a migrated database of either dialect with the API
 * services on it (injected clock and domain proof), real signing identities, and calls straight
 * into the route handlers (`+server.ts`), so tests exercise parse → authorise → service → problem
 * mapping exactly as a request would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { hexDecode } from '$protocol/encoding';
import {
  generateKeyPair,
  keyPairFromSeed,
  pairwiseKeyPair,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
} from '$protocol/keys';
import { exampleMessages } from '$protocol/messages/examples';
import type { MessageKind, Payload, Scope } from '$protocol/messages';
import { signMessage } from '$protocol/signed';
import { signCompact } from '$protocol/jws';
import { ready } from '$protocol/sodium';
import { lockKey } from './compromise';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest } from './db/migrate';
import type { Database, DatabaseDialect } from './db/schema';
import { openTestDatabase, type TestDatabase } from './db/test-databases';
import type { ProofFetcher } from './domain-proof';
import type { RateLimitConfig } from './rate-limits';
import { createServices, setServicesForTests, type Services } from './services';
import { SoftAuthenticator } from './soft-authenticator';

export const testOrigin = 'http://localhost:3000';

/** The example company's seed (protocol/messages/examples.ts). */
export const exampleCompanySeed =
  'c8d67fbc4fd69cd9fbe603dea8a3255e7e837c855ec45ac7aa57e60c5a833db0';

/** A mutable clock in milliseconds, starting 2026-01-01T00:00:00Z. */
export class TestClock {
  ms = 1_767_225_600_000;
  /** The start, in seconds. */
  readonly start = 1_767_225_600;
  now = (): number => this.ms;
  seconds(): number {
    return Math.floor(this.ms / 1000);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface TestCompany {
  keyPair: Ed25519KeyPair;
  kid: string;
  id: string;
  domain: string;
  purposes: string[];
}

export interface TestPseudonym {
  keyPair: Ed25519KeyPair;
  kid: string;
  id: string;
}

export interface ApiHarness {
  tdb: TestDatabase;
  writer: DurableWriter;
  services: Services;
  clock: TestClock;
  /** Proof documents served by the fake fetcher, by origin. */
  proofs: Map<string, unknown>;
  close(): Promise<void>;
}

/**
 * A domain-proof fetcher that serves the documents in `proofs` by origin (404 for any other).
 *
 * @example
 * ```ts
 * const fetchProof = proofFetcher(new Map([[company.domain, { keys: [company.kid] }]]));
 * ```
 */
export function proofFetcher(proofs: ReadonlyMap<string, unknown>): ProofFetcher {
  return async (url) => {
    const document = proofs.get(url.origin);
    if (document === undefined) return { status: 404, body: new Uint8Array() };
    return { status: 200, body: new TextEncoder().encode(JSON.stringify(document)) };
  };
}

/**
 * Installs services on `api`'s database, clock and proofs again with `rateLimits` (the harness's
 * own have none), for the route handlers and the server hook; returns them.
 *
 * @example
 * ```ts
 * await limitedServices(api, { addressPerMinute: 2, keyPerMinute: 0 });
 * ```
 */
export async function limitedServices(
  api: ApiHarness,
  rateLimits: RateLimitConfig,
): Promise<Services> {
  const services = await createServices({
    cdb: api.tdb.cdb,
    writer: api.writer,
    origin: testOrigin,
    now: api.clock.now,
    fetchProof: proofFetcher(api.proofs),
    rateLimits,
  });
  setServicesForTests(services);
  return services;
}

/**
 * Opens a migrated database of `dialect` and installs services on it for the route handlers.
 *
 * @example
 * ```ts
 * const api = await openApiHarness('sqlite');
 * ```
 */
export async function openApiHarness(
  dialect: DatabaseDialect,
  options: Parameters<typeof openTestDatabase>[1] = {},
): Promise<ApiHarness> {
  await ready();
  const tdb = await openTestDatabase(dialect, options);
  await migrateToLatest(tdb.cdb);
  const writer = createDurableWriter(tdb.cdb, { maxWaitMs: 1 });
  const clock = new TestClock();
  const proofs = new Map<string, unknown>();
  const services = await createServices({
    cdb: tdb.cdb,
    writer,
    origin: testOrigin,
    now: clock.now,
    fetchProof: proofFetcher(proofs),
  });
  setServicesForTests(services);
  return {
    tdb,
    writer,
    services,
    clock,
    proofs,
    async close() {
      setServicesForTests(undefined);
      await writer.close();
      await tdb.dispose();
    },
  };
}

const random = (n: number) => new Uint8Array(randomBytes(n));

/** A new company identity (not registered yet) on a loopback domain. */
export function newCompany(keyPair: Ed25519KeyPair = generateKeyPair(random)): TestCompany {
  const kid = thumbprint(publicJwk(keyPair));
  const port = 4000 + (randomBytes(2).readUInt16BE() % 50000);
  return {
    keyPair,
    kid,
    id: `co_${kid}`,
    domain: `http://localhost:${port}`,
    purposes: ['product_launch', 'personalised_advertising', 'service_support'],
  };
}

/** The example company of protocol/messages/examples.ts, with its known seed. */
export function exampleCompany(): TestCompany {
  return newCompany(keyPairFromSeed(hexDecode(exampleCompanySeed)));
}

/** A pseudonym of a customer (pairwise key from a random master seed) for `companyId`. */
export function newPseudonym(companyId: string, masterSeed = random(32)): TestPseudonym {
  const keyPair = pairwiseKeyPair(masterSeed, companyId);
  const kid = thumbprint(publicJwk(keyPair));
  return { keyPair, kid, id: `ps_${kid}` };
}

/** An enrolled regulator: signs as `id` (`rg_` + the thumbprint of its key). */
export interface TestRegulator {
  keyPair: Ed25519KeyPair;
  kid: string;
  id: string;
  personId: string;
}

/**
 * Enrols a regulator through the real enrolment ceremony (a software passkey and an Ed25519
 * signing key), so the regulator's messages are checked exactly as in production.
 *
 * @example
 * ```ts
 * const regulator = await newRegulator(api);
 * await sign('suspension', { ...claims(api.clock, regulator.id, testOrigin), ... }, regulator.keyPair);
 * ```
 */
export async function newRegulator(
  api: ApiHarness,
  name = 'Anna Aufsicht',
): Promise<TestRegulator> {
  const people = api.services.people;
  const { token } = await people.createEnrolment({ role: 'regulator', name, createdBy: 'admin' });
  const keyPair = generateKeyPair(random);
  const ceremony = await people.enrolmentOptions(token);
  const iat = api.clock.seconds();
  const keyProof = await signCompact({
    kind: 'person-key',
    payload: {
      aud: testOrigin,
      iat,
      exp: iat + 300,
      jti: randomUUID(),
      challenge: ceremony.options.challenge,
    },
    keyPair,
  });
  const { person } = await people.completeEnrolment({
    token,
    challengeId: ceremony.challengeId,
    response: new SoftAuthenticator(testOrigin).register(ceremony.options),
    signingKey: publicJwk(keyPair),
    keyProof,
  });
  const kid = thumbprint(publicJwk(keyPair));
  return { keyPair, kid, id: `rg_${kid}`, personId: person.id };
}

/** The common claims at the clock's time. */
export function claims(
  clock: TestClock,
  iss: string,
  aud: string,
): { v: 1; iss: string; aud: string; iat: number; exp: number; jti: string } {
  const iat = clock.seconds();
  return { v: 1, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

/** Signs a payload of `kind` (schema-checked first). */
export function sign<K extends MessageKind>(
  kind: K,
  payload: Payload<K>,
  keyPair: Ed25519KeyPair,
): Promise<string> {
  return signMessage(kind, payload, keyPair);
}

/** Signs without the schema check, for tests of what the server does with malformed payloads. */
export function signRaw(
  kind: string,
  payload: Record<string, unknown>,
  keyPair: Ed25519KeyPair,
): Promise<string> {
  return signCompact({ kind, payload, keyPair });
}

/** A `company` message for `company`. */
export function companyMessage(
  clock: TestClock,
  company: TestCompany,
  extra: Partial<Payload<'company'>> = {},
): Payload<'company'> {
  return {
    ...claims(clock, company.id, testOrigin),
    legalName: 'Beispiel Sport GmbH',
    registerId: 'HRB 12345, Amtsgericht München',
    domain: company.domain,
    contact: { email: 'datenschutz@sport.example' },
    keys: [publicJwk(company.keyPair)],
    purposes: company.purposes as Payload<'company'>['purposes'],
    ...extra,
  } as Payload<'company'>;
}

/** The example newsletter scope, valid for two years from the clock's start. */
export function requestedScope(clock: TestClock): Scope {
  const scope = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  return {
    ...scope,
    // Fixed, so a grant given after the clock moved still asks for no later validUntil.
    conditions: { ...scope.conditions, validUntil: clock.start + 2 * 365 * 86_400 },
  };
}

/** A handler of a `+server.ts` module. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (event: any) => Response | Promise<Response>;

/**
 * POSTs `body` to a route handler.
 *
 * @example
 * ```ts
 * const response = await post(grants.POST, '/api/v1/grants', token);
 * ```
 */
export function post(
  handler: Handler,
  path: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = { 'content-type': 'application/jose' },
): Promise<Response> {
  const url = new URL(testOrigin + path);
  const request = new Request(url, {
    method: 'POST',
    headers,
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  return Promise.resolve(handler({ request, url, params: paramsOf(path) }));
}

/**
 * GETs a route handler, signed by `signer` when given (a `request` signature of exactly this
 * method and path, unless `signedFor` names another).
 */
export async function get(
  handler: Handler,
  path: string,
  clock: TestClock,
  signer?: { id: string; keyPair: Ed25519KeyPair },
  options: { signedFor?: string; window?: number; authorization?: string } = {},
): Promise<Response> {
  const url = new URL(testOrigin + path);
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (signer !== undefined) {
    headers.authorization = `Signature ${await requestSignature(clock, signer, 'GET', options.signedFor ?? path, options.window)}`;
  }
  const request = new Request(url, { method: 'GET', headers });
  return handler({ request, url, params: paramsOf(path) });
}

/**
 * DELETEs a route handler with `signer`'s `request` signature of exactly this path; `params` are
 * the route's dynamic segments.
 *
 * @example
 * ```ts
 * await del(personRoute.DELETE, `/api/v1/people/${id}`, { personId: id }, clock, regulator);
 * ```
 */
export async function del(
  handler: Handler,
  path: string,
  params: Record<string, string>,
  clock: TestClock,
  signer: { id: string; keyPair: Ed25519KeyPair },
): Promise<Response> {
  const url = new URL(testOrigin + path);
  const authorization = `Signature ${await requestSignature(clock, signer, 'DELETE', path)}`;
  const request = new Request(url, { method: 'DELETE', headers: { authorization } });
  return handler({ request, url, params });
}

/** A `request` signature (SPECS "JWS"). */
export function requestSignature(
  clock: TestClock,
  signer: { id: string; keyPair: Ed25519KeyPair },
  method: 'GET' | 'DELETE',
  path: string,
  window = 60,
): Promise<string> {
  const base = claims(clock, signer.id, testOrigin);
  return signRaw('request', { ...base, exp: base.iat + window, method, path }, signer.keyPair);
}

/** SvelteKit's params for the dynamic segments our routes use. */
function paramsOf(path: string): Record<string, string> {
  const pathname = path.split('?')[0]!;
  const params: Record<string, string> = {};
  let match = /^\/api\/v1\/companies\/([^/]+)$/.exec(pathname);
  if (match !== null && match[1] !== 'me') params.companyId = decodeURIComponent(match[1]!);
  match = /^\/api\/v1\/grant-requests\/([^/]+)$/.exec(pathname);
  if (match !== null) params.sha256 = decodeURIComponent(match[1]!);
  match = /^\/api\/v1\/pseudonyms\/([^/]+)\//.exec(pathname);
  if (match !== null) params.pseudonym = decodeURIComponent(match[1]!);
  match = /^\/api\/v1\/complaints\/([^/]+)$/.exec(pathname);
  if (match !== null) params.sha256 = decodeURIComponent(match[1]!);
  match = /^\/api\/v1\/companies\/([^/]+)\/(?:findings|boycott)$/.exec(pathname);
  if (match !== null && match[1] !== 'me') params.companyId = decodeURIComponent(match[1]!);
  return params;
}

/**
 * Asserts a problem+json answer with this status and code; returns its body.
 *
 * @example
 * ```ts
 * await expectProblem(response, 409, 'ERR_JWS_REPLAYED');
 * ```
 */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(body.type).toBe(`https://clearinghouse.invalid/problems/${code}`);
  return body;
}

/**
 * Runs `send()` while `meanwhile` runs once, just before the durable writer takes the first record
 * (of `kind`, when named): what another request commits between a request's checks and its write.
 *
 * @example
 * ```ts
 * const response = await beforeItsWrite(api, () => post(revoke), () => sendOffer(token), 'offer');
 * ```
 */
export async function beforeItsWrite<T>(
  api: Pick<ApiHarness, 'writer'>,
  meanwhile: () => Promise<unknown>,
  send: () => Promise<T>,
  kind?: string,
): Promise<T> {
  const writer = api.writer;
  const write = writer.write;
  let pending: (() => Promise<unknown>) | undefined = meanwhile;
  writer.write = async (record) => {
    if (pending !== undefined && (kind === undefined || record.kind === kind)) {
      const first = pending;
      pending = undefined;
      await first();
    }
    return write.call(writer, record);
  };
  try {
    return await send();
  } finally {
    writer.write = write;
  }
}

/** Reads a JSON answer after asserting its status. */
export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** How many sessions of `db`'s PostgreSQL database wait for a lock another one holds now. */
export async function sessionsWaitingForLock(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return Number(rows[0]!.n);
}

/**
 * Declares company key `kid` compromised since `since` (its lock and row as companies.ts and
 * compromise.ts take and write them, nothing voided) in a transaction that commits only once `attempt` waits for that row or has settled
 * (PostgreSQL): the race of a message checked against the key before, stored after. Answers
 * what `attempt` answered.
 *
 * @example
 * ```ts
 * const response = await compromisedWhile(api.tdb.cdb.db, company.kid, since, () => post(...));
 * ```
 */
export async function compromisedWhile<T>(
  db: Kysely<Database>,
  kid: string,
  since: number,
  attempt: () => Promise<T>,
): Promise<T> {
  let pending: Promise<T> | undefined;
  await db.transaction().execute(async (trx) => {
    await lockKey(trx, kid, 'exclusive');
    await trx
      .updateTable('company_keys')
      .set({ retired_at: since, compromised_since: since })
      .where('kid', '=', kid)
      .execute();
    pending = attempt();
    await blockedOrSettled(db, pending);
  });
  return pending!;
}

/**
 * Resolves once `pending` waits for a row lock another transaction holds (PostgreSQL), or has
 * settled without waiting for one: the moment a test holding that lock commits to show the race.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => { hold(trx); attempt = post(...); await blockedOrSettled(db, attempt); });
 * ```
 */
export async function blockedOrSettled(
  db: Kysely<Database>,
  pending: Promise<unknown>,
): Promise<void> {
  let settled = false;
  void pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  await expect
    .poll(async () => settled || (await sessionsWaitingForLock(db)) > 0, {
      timeout: 10_000,
      interval: 20,
    })
    .toBe(true);
}
