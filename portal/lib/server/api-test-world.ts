/**
 * Test fixture (imported by *.test.ts only) for the tests that walk the whole API from the route
 * table of openapi.ts (issue 12: the authorization matrix and the malformed-input properties):
 * every route module by its OpenAPI path, a call into its handler as SvelteKit would make it, and
 * a populated world (two active companies, a staff member, a regulator, pseudonyms with grants,
 * a targeted request, a complaint) to call it in.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { signCompact } from '$protocol/jws';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import type { Scope } from '$protocol/messages';
import { sealSigned, sealTo } from '$protocol/seal';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  newPseudonym,
  newRegulator,
  post,
  requestSignature,
  requestedScope,
  sign,
  signRaw,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
  type TestRegulator,
} from './api-test-kit';
import { stopInstance } from './instance';
import type { RouteDoc } from './openapi';
import { SoftAuthenticator } from './soft-authenticator';
import * as access from '../../routes/api/v1/access/+server';
import * as blacklist from '../../routes/api/v1/blacklist/+server';
import * as companies from '../../routes/api/v1/companies/+server';
import * as company from '../../routes/api/v1/companies/[companyId]/+server';
import * as boycott from '../../routes/api/v1/companies/[companyId]/boycott/+server';
import * as regulatorFindings from '../../routes/api/v1/companies/[companyId]/findings/+server';
import * as compromised from '../../routes/api/v1/companies/me/compromised-messages/+server';
import * as corrections from '../../routes/api/v1/companies/me/corrections/+server';
import * as correction from '../../routes/api/v1/companies/me/corrections/[id]/+server';
import * as dataRequestList from '../../routes/api/v1/companies/me/data-requests/+server';
import * as events from '../../routes/api/v1/companies/me/events/+server';
import * as findings from '../../routes/api/v1/companies/me/findings/+server';
import * as keys from '../../routes/api/v1/companies/me/keys/+server';
import * as staff from '../../routes/api/v1/companies/me/staff/+server';
import * as decisions from '../../routes/api/v1/complaint-decisions/+server';
import * as complaints from '../../routes/api/v1/complaints/+server';
import * as complaint from '../../routes/api/v1/complaints/[sha256]/+server';
import * as sendCorrection from '../../routes/api/v1/corrections/+server';
import * as answers from '../../routes/api/v1/data-request-answers/+server';
import * as dataRequests from '../../routes/api/v1/data-requests/+server';
import * as disclosures from '../../routes/api/v1/disclosures/+server';
import * as grantRequests from '../../routes/api/v1/grant-requests/+server';
import * as grantRequest from '../../routes/api/v1/grant-requests/[sha256]/+server';
import * as grants from '../../routes/api/v1/grants/+server';
import * as health from '../../routes/api/v1/health/+server';
import * as consistency from '../../routes/api/v1/log/proof/consistency/+server';
import * as inclusion from '../../routes/api/v1/log/proof/inclusion/+server';
import * as receipts from '../../routes/api/v1/log/receipts/[sha256]/+server';
import * as offers from '../../routes/api/v1/offers/+server';
import * as openapi from '../../routes/api/v1/openapi.json/+server';
import * as person from '../../routes/api/v1/people/[personId]/+server';
import * as invitations from '../../routes/api/v1/people/invitations/+server';
import * as invitation from '../../routes/api/v1/people/invitations/[id]/+server';
import * as personKey from '../../routes/api/v1/people/keys/[kid]/+server';
import * as me from '../../routes/api/v1/people/me/+server';
import * as ping from '../../routes/api/v1/ping/+server';
import * as inbox from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/+server';
import * as inboxItem from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/[id]/+server';
import * as relationships from '../../routes/api/v1/pseudonyms/[pseudonym]/relationships/+server';
import * as refusals from '../../routes/api/v1/refusals/+server';
import * as batch from '../../routes/api/v1/relationships/batch/+server';
import * as acks from '../../routes/api/v1/revocation-acks/+server';
import * as revocations from '../../routes/api/v1/revocations/+server';
import * as rewards from '../../routes/api/v1/rewards/+server';
import * as suspensions from '../../routes/api/v1/suspensions/+server';

/** A `+server.ts` handler, called with the event fields our routes read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (event: any) => Response | Promise<Response>;
type RouteModule = Partial<Record<'GET' | 'POST' | 'DELETE', Handler>>;

/** Every route module under /api/v1 by its OpenAPI path. */
const routeModules: Record<string, RouteModule> = {
  '/api/v1/access': access,
  '/api/v1/blacklist': blacklist,
  '/api/v1/companies': companies,
  '/api/v1/companies/{companyId}': company,
  '/api/v1/companies/{companyId}/boycott': boycott,
  '/api/v1/companies/{companyId}/findings': regulatorFindings,
  '/api/v1/companies/me/compromised-messages': compromised,
  '/api/v1/companies/me/corrections': corrections,
  '/api/v1/companies/me/corrections/{id}': correction,
  '/api/v1/companies/me/data-requests': dataRequestList,
  '/api/v1/companies/me/events': events,
  '/api/v1/companies/me/findings': findings,
  '/api/v1/companies/me/keys': keys,
  '/api/v1/companies/me/staff': staff,
  '/api/v1/complaint-decisions': decisions,
  '/api/v1/complaints': complaints,
  '/api/v1/complaints/{sha256}': complaint,
  '/api/v1/corrections': sendCorrection,
  '/api/v1/data-request-answers': answers,
  '/api/v1/data-requests': dataRequests,
  '/api/v1/disclosures': disclosures,
  '/api/v1/grant-requests': grantRequests,
  '/api/v1/grant-requests/{sha256}': grantRequest,
  '/api/v1/grants': grants,
  '/api/v1/health': health,
  '/api/v1/log/proof/consistency': consistency,
  '/api/v1/log/proof/inclusion': inclusion,
  '/api/v1/log/receipts/{sha256}': receipts,
  '/api/v1/offers': offers,
  '/api/v1/openapi.json': openapi,
  '/api/v1/people/{personId}': person,
  '/api/v1/people/invitations': invitations,
  '/api/v1/people/invitations/{id}': invitation,
  '/api/v1/people/keys/{kid}': personKey,
  '/api/v1/people/me': me,
  '/api/v1/ping': ping,
  '/api/v1/pseudonyms/{pseudonym}/inbox': inbox,
  '/api/v1/pseudonyms/{pseudonym}/inbox/{id}': inboxItem,
  '/api/v1/pseudonyms/{pseudonym}/relationships': relationships,
  '/api/v1/refusals': refusals,
  '/api/v1/relationships/batch': batch,
  '/api/v1/revocation-acks': acks,
  '/api/v1/revocations': revocations,
  '/api/v1/rewards': rewards,
  '/api/v1/suspensions': suspensions,
};

/**
 * The handler of a route table entry.
 *
 * @throws Error when no module or no such method exists (a route the table names but this
 *   fixture does not know: add it to `routeModules`).
 */
export function handlerOf(route: Pick<RouteDoc, 'method' | 'path'>): Handler {
  const handler = routeModules[route.path]?.[route.method];
  if (handler === undefined) throw new Error(`no handler for ${route.method} ${route.path}`);
  return handler;
}

/** The path parameters of `pathname` under the OpenAPI `template` (raw, as SvelteKit decodes). */
export function paramsOf(template: string, pathname: string): Record<string, string> {
  const names = template.split('/');
  const segments = pathname.split('/');
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    const match = /^\{(\w+)\}$/.exec(name);
    if (match === null) return;
    const raw = segments[i] ?? '';
    try {
      params[match[1]!] = decodeURIComponent(raw);
    } catch {
      params[match[1]!] = raw;
    }
  });
  return params;
}

/** One HTTP request to a route. */
export interface ApiCall {
  /** Path with query, starting with `/api/v1/`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Calls `route`'s handler with `call`, as SvelteKit would hand it a request from 127.0.0.1.
 *
 * @example
 * ```ts
 * const response = await callRoute(route, { path: '/api/v1/health' });
 * ```
 */
export async function callRoute(
  route: Pick<RouteDoc, 'method' | 'path'>,
  call: ApiCall,
): Promise<Response> {
  const url = new URL(testOrigin + call.path);
  const hasBody = call.body !== undefined && route.method !== 'GET';
  const request = new Request(url, {
    method: route.method,
    headers: call.headers ?? {},
    ...(hasBody ? { body: call.body as BodyInit } : {}),
  });
  return handlerOf(route)({
    request,
    url,
    params: paramsOf(route.path, url.pathname),
    getClientAddress: () => '127.0.0.1',
    cookies: { get: () => undefined, getAll: () => [], set() {}, delete() {} },
    locals: {},
    setHeaders() {},
  });
}

/**
 * Points the process-wide instance (the log routes' `getInstance()`) at a throwaway SQLite
 * database and key directory (no sequencer, no webhooks), so calling `/api/v1/log/...` never
 * opens `./data`. Its log is empty: the harness's messages are not in it. (Sharing the harness's
 * SQLite file instead makes every write wait on the second connection's locks.) Returns the undo.
 */
export function isolateInstance(): () => Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'clearinghouse-instance-'));
  const names = [
    'DATABASE_URL',
    'DATABASE_PATH',
    'LOG_KEY_PATH',
    'WEBHOOK_KEY_PATH',
    'LOG_SEQUENCER',
    'WEBHOOKS',
  ] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  delete process.env.DATABASE_URL;
  process.env.DATABASE_PATH = join(folder, 'clearinghouse.db');
  process.env.LOG_KEY_PATH = join(folder, 'log.key');
  process.env.WEBHOOK_KEY_PATH = join(folder, 'webhook.key');
  process.env.LOG_SEQUENCER = 'off';
  process.env.WEBHOOKS = 'off';
  return async () => {
    await stopInstance();
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    rmSync(folder, { recursive: true, force: true });
  };
}

/** Who signs: an id (`co_`, `ps_`, `rg_`) and the key that signs for it. */
export interface Identity {
  id: string;
  keyPair: Ed25519KeyPair;
}

/** A staff member of a company: signs as the company with their enrolled person key. */
export interface TestStaff extends Identity {
  personId: string;
}

const random = (n: number) => new Uint8Array(randomBytes(n));
const day = 86_400;

/** A key nobody registered, signing as `<prefix>_<its thumbprint>`. */
export function stranger(prefix: 'co' | 'ps' | 'rg'): Identity {
  const keyPair = generateKeyPair(random);
  return { id: `${prefix}_${thumbprint(publicJwk(keyPair))}`, keyPair };
}

/** A populated clearinghouse to call every endpoint in. */
export interface World {
  api: ApiHarness;
  /** Company A (active), with a staff member. */
  company: TestCompany;
  staff: TestStaff;
  /** Company B (active). */
  otherCompany: TestCompany;
  regulator: TestRegulator;
  /** An open grant request of A. */
  requestSha256: string;
  /** P: a pseudonym of A holding a grant. */
  pseudonym: TestPseudonym;
  grantSha256: string;
  /** Q: another pseudonym of A holding a grant. */
  otherPseudonym: TestPseudonym;
  /** A request of A targeted at P. */
  targetedRequestSha256: string;
  /** A complaint of P about A. */
  complaintSha256: string;
}

/** A scope without time windows, so offers are deliverable at any hour of the test clock. */
export function plainScope(api: ApiHarness): Scope {
  const scope = requestedScope(api.clock);
  const { timeWindows: _windows, ...conditions } = scope.conditions;
  return { ...scope, conditions };
}

/** Registers `company` with a domain proof naming its key; returns its staff enrolment token. */
export async function registerCompany(
  api: ApiHarness,
  company: TestCompany = newCompany(),
): Promise<{ company: TestCompany; staffToken: string }> {
  api.proofs.set(company.domain, { keys: [company.kid] });
  const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
  const body = await expectJson<{ company: { status: string }; staffEnrolment?: { link: string } }>(
    await post(companies.POST, '/api/v1/companies', token),
    201,
  );
  expect(body.company.status).toBe('active');
  const link = body.staffEnrolment?.link ?? '';
  return { company, staffToken: link.slice(link.lastIndexOf('/') + 1) };
}

/** Enrols a person through the real ceremony (software passkey, Ed25519 signing key). */
export async function enrolPerson(
  api: ApiHarness,
  token: string,
  name?: string,
): Promise<{ personId: string; keyPair: Ed25519KeyPair; signer: string; session: string }> {
  const people = api.services.people;
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
  const { person, session } = await people.completeEnrolment({
    token,
    challengeId: ceremony.challengeId,
    response: new SoftAuthenticator(testOrigin).register(ceremony.options),
    signingKey: publicJwk(keyPair),
    keyProof,
    // A company's first staff link carries no name; the person gives theirs.
    ...(name === undefined ? {} : { name }),
  });
  return { personId: person.id, keyPair, signer: person.signer!, session: session.token };
}

/** A new staff member of `company` (enrolled by an invitation the admin made). */
export async function newStaff(api: ApiHarness, company: TestCompany): Promise<TestStaff> {
  const { token } = await api.services.people.createEnrolment({
    role: 'staff',
    companyId: company.id,
    name: 'Sam Staff',
    createdBy: company.id,
  });
  const enrolled = await enrolPerson(api, token);
  return { id: company.id, keyPair: enrolled.keyPair, personId: enrolled.personId };
}

/** Signs a grant-request of `company` (open, or targeted at `aud`). */
export async function grantRequestToken(
  api: ApiHarness,
  signer: Identity,
  aud: string = testOrigin,
): Promise<string> {
  return signRaw(
    'grant-request',
    {
      ...claims(api.clock, signer.id, aud),
      scopes: [plainScope(api)],
      reason: { de: 'Neuigkeiten zu Laufschuhen.', en: 'News about running shoes.' },
    },
    signer.keyPair,
  );
}

/** Signs the grant of `signer` (a pseudonym) for the open request `requestSha256` of `companyId`. */
export function grantToken(
  api: ApiHarness,
  signer: Identity,
  companyId: string,
  requestSha256: string,
): Promise<string> {
  return signRaw(
    'grant',
    {
      ...claims(api.clock, signer.id, companyId),
      requestSha256,
      scopes: [{ ...plainScope(api), channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: api.clock.seconds() + 365 * day,
      pseudonymKey: publicJwk(signer.keyPair),
    } as Record<string, unknown>,
    signer.keyPair,
  );
}

/** A fresh pseudonym of the world's company A holding a grant of A's open request. */
export async function grantedPseudonym(
  world: Pick<World, 'api' | 'company' | 'requestSha256'>,
): Promise<{ pseudonym: TestPseudonym; grantSha256: string }> {
  const pseudonym = newPseudonym(world.company.id);
  const receipt = await expectJson<{ sha256: string }>(
    await post(
      grants.POST,
      '/api/v1/grants',
      await grantToken(world.api, pseudonym, world.company.id, world.requestSha256),
    ),
    201,
  );
  return { pseudonym, grantSha256: receipt.sha256 };
}

/** Random bytes in base64url, standing in for a sealed box the server never opens. */
export const sealedBox = (): string => base64urlEncode(random(96));

/** An offer of `signer` to `pseudonym` under `grantSha256`: outer JWS around sealed content. */
export async function offerToken(
  api: ApiHarness,
  signer: Identity,
  pseudonym: TestPseudonym,
  grantSha256: string,
): Promise<string> {
  const validUntil = api.clock.seconds() + 14 * day;
  const common = {
    grantSha256,
    purpose: 'product_launch' as const,
    channel: 'newsletter' as const,
    validUntil,
  };
  const { sealed } = await sealSigned(pseudonym.keyPair.publicKey, {
    kind: 'offer-content',
    keyPair: signer.keyPair,
    payload: {
      ...claims(api.clock, signer.id, pseudonym.id),
      exp: validUntil,
      ...common,
      brand: 'Beispiel Sport',
      category: 'sports/running',
      title: 'Neue Laufschuhe',
      body: 'Jetzt im Laden.',
      advertisement: true,
      unsubscribe: 'https://sport.example/unsubscribe',
    },
  });
  return signRaw(
    'offer',
    {
      ...claims(api.clock, signer.id, pseudonym.id),
      ...common,
      sealed: base64urlEncode(sealed),
    } as Record<string, unknown>,
    signer.keyPair,
  );
}

/** A correction of `signer` to `company`, sealed to the company's key. */
export function correctionToken(
  api: ApiHarness,
  signer: Identity,
  company: TestCompany,
): Promise<string> {
  const content = JSON.stringify({ dataCategory: 'address', value: 'Heidestraße 18, 51147 Köln' });
  return signRaw(
    'correction',
    {
      ...claims(api.clock, signer.id, company.id),
      dataCategory: 'address',
      sealed: base64urlEncode(sealTo(company.keyPair.publicKey, content)),
    } as Record<string, unknown>,
    signer.keyPair,
  );
}

/** A complaint of `signer` about `company`, with an offer the company signed as evidence. */
export async function complaintToken(
  api: ApiHarness,
  signer: Identity,
  company: TestCompany,
  evidenceFor: { pseudonym: TestPseudonym; grantSha256: string },
): Promise<string> {
  const evidence = await signRaw(
    'offer',
    {
      ...claims(api.clock, company.id, evidenceFor.pseudonym.id),
      grantSha256: evidenceFor.grantSha256,
      purpose: 'product_launch',
      channel: 'newsletter',
      validUntil: api.clock.seconds() + 7 * day,
      sealed: sealedBox(),
    } as Record<string, unknown>,
    company.keyPair,
  );
  return signRaw(
    'complaint',
    {
      ...claims(api.clock, signer.id, testOrigin),
      company: company.id,
      evidence: [{ kind: 'offer', jws: evidence }],
      reasons: ['contact_cap_exceeded'],
    } as Record<string, unknown>,
    signer.keyPair,
  );
}

/**
 * Files and decides complaints through the API's route handlers: `filer(company)` returns a
 * function that files one more complaint about `company` by a new pseudonym (a grant of that
 * pseudonym first, the company's open grant request as evidence); `decide` signs the regulator's
 * decision.
 *
 * @example
 * ```ts
 * const desk = complaintDesk(api, await newRegulator(api));
 * const file = await desk.filer(company);
 * await desk.decide(await file(), 'upheld');
 * ```
 */
export function complaintDesk(api: ApiHarness, regulator: Pick<TestRegulator, 'id' | 'keyPair'>) {
  async function openRequest(company: TestCompany) {
    const jws = await grantRequestToken(api, company);
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(grantRequests.POST, '/api/v1/grant-requests', jws),
      201,
    );
    return { sha256, jws };
  }
  return {
    /** Returns a function that files a complaint about `company` by a new pseudonym. */
    async filer(company: TestCompany) {
      const request = await openRequest(company);
      return async (): Promise<string> => {
        const who = newPseudonym(company.id);
        await expectJson(
          await post(
            grants.POST,
            '/api/v1/grants',
            await grantToken(api, who, company.id, request.sha256),
          ),
          201,
        );
        const token = await sign(
          'complaint',
          {
            ...claims(api.clock, who.id, testOrigin),
            company: company.id,
            evidence: [{ kind: 'grant-request', jws: request.jws }],
            reasons: ['other'],
          },
          who.keyPair,
        );
        const { sha256 } = await expectJson<{ sha256: string }>(
          await post(complaints.POST, '/api/v1/complaints', token),
          201,
        );
        return sha256;
      };
    },
    async decide(complaintSha256: string, decision: 'upheld' | 'dismissed') {
      const token = await sign(
        'complaint-decision',
        {
          ...claims(api.clock, regulator.id, testOrigin),
          complaintSha256,
          decision,
          reason: { de: 'Begründet.', en: 'Reasoned.' },
        },
        regulator.keyPair,
      );
      await expectJson(await post(decisions.POST, '/api/v1/complaint-decisions', token), 201);
    },
  };
}

/** The signed `Authorization` header of a GET or DELETE, or none for `undefined`. */
export async function authorization(
  api: ApiHarness,
  signer: Identity | undefined,
  method: 'GET' | 'DELETE',
  path: string,
): Promise<Record<string, string>> {
  if (signer === undefined) return {};
  return { authorization: `Signature ${await requestSignature(api.clock, signer, method, path)}` };
}

/**
 * Builds the world on `api`: A (with staff), B, a regulator, P and Q with grants of A's open
 * request, a request of A targeted at P, and a complaint of P about A.
 */
export async function buildWorld(api: ApiHarness): Promise<World> {
  const { company, staffToken } = await registerCompany(api);
  const enrolled = await enrolPerson(api, staffToken, 'Sam Staff');
  const staffMember: TestStaff = {
    id: company.id,
    keyPair: enrolled.keyPair,
    personId: enrolled.personId,
  };
  const { company: otherCompany } = await registerCompany(api);
  const regulator = await newRegulator(api);
  const request = await expectJson<{ sha256: string }>(
    await post(grantRequests.POST, '/api/v1/grant-requests', await grantRequestToken(api, company)),
    201,
  );
  const base = { api, company, requestSha256: request.sha256 };
  const p = await grantedPseudonym(base);
  const q = await grantedPseudonym(base);
  const targeted = await expectJson<{ sha256: string }>(
    await post(
      grantRequests.POST,
      '/api/v1/grant-requests',
      await grantRequestToken(api, company, p.pseudonym.id),
    ),
    201,
  );
  const filed = await expectJson<{ sha256: string }>(
    await post(
      complaints.POST,
      '/api/v1/complaints',
      await complaintToken(api, p.pseudonym, company, p),
    ),
    201,
  );
  return {
    api,
    company,
    staff: staffMember,
    otherCompany,
    regulator,
    requestSha256: request.sha256,
    pseudonym: p.pseudonym,
    grantSha256: p.grantSha256,
    otherPseudonym: q.pseudonym,
    targetedRequestSha256: targeted.sha256,
    complaintSha256: filed.sha256,
  };
}

/** Every table of the schema (the migration bookkeeping left out). */
export async function tableNames(api: ApiHarness): Promise<string[]> {
  const tables = await api.tdb.cdb.db.introspection.getTables();
  return tables
    .map((table) => table.name)
    .filter((name) => !/^kysely_migration/.test(name))
    .sort();
}

/**
 * A digest of every row of every table, order-independent, so a refused request can be shown to
 * have written nothing. `ignore` names tables that legitimately change on a refusal (the rate
 * limit counters; `seen_jtis` of request signatures, which store nothing else).
 */
export async function databaseDigest(
  api: ApiHarness,
  tables: readonly string[],
): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  if (api.tdb.cdb.dialect === 'postgres') {
    // One round trip: PostgreSQL hashes every row's text form itself.
    const parts = tables.map(
      (table) =>
        sql`select ${sql.lit(table)} as t, count(*)::text || ':' || coalesce(md5(string_agg(md5(x::text), ',' order by md5(x::text))), '') as d from ${sql.table(table)} x`,
    );
    const { rows } = await sql<{
      t: string;
      d: string;
    }>`${sql.join(parts, sql` union all `)}`.execute(api.tdb.cdb.db);
    for (const row of rows) digest[row.t] = row.d;
    return digest;
  }
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
      api.tdb.cdb.db,
    );
    const lines = rows.rows
      .map((row) =>
        JSON.stringify(row, (_key, value: unknown) =>
          typeof value === 'bigint'
            ? value.toString()
            : value instanceof Uint8Array
              ? Buffer.from(value).toString('base64')
              : value,
        ),
      )
      .sort();
    digest[table] =
      `${lines.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`;
  }
  return digest;
}
