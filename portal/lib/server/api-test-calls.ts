/**
 * Test fixture (imported by *.test.ts only): one recipe per operation of the route table in
 * openapi.ts for making its call as any signer (issue 12). The authorization matrix calls each as
 * every role; the malformed-input properties mutate the call of the signer it is meant for.
 *
 * The roles, for a call about company A and its pseudonym P:
 *   anon   nobody: no signature on a GET/DELETE; on a POST, a well-formed message signed by a key
 *          the clearinghouse does not know (`co_`/`ps_`/`rg_` as the endpoint's signer would be)
 *   coB    another active company B, with its own key
 *   coA    company A, with its company key
 *   psQ    another pseudonym Q of A (bound, holding a grant)
 *   psP    the pseudonym P the call is about
 *   staff  a staff member of A, signing for A with their enrolled person key
 *   reg    an enrolled regulator
 *
 * Each signer signs the same call: for a POST the message the endpoint expects about A and P,
 * with `iss` = the signer; for a GET/DELETE the request signature of the same path. Recipes that
 * use something up (an acknowledgement, a decision, a removal) build a fresh subject per call.
 */
import { generateKeyPair, publicJwk, thumbprint } from '$protocol/keys';
import { signCompact } from '$protocol/jws';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  claims,
  companyMessage,
  expectJson,
  post,
  requestSignature,
  signRaw,
  testOrigin,
  type TestCompany,
  type TestPseudonym,
} from './api-test-kit';
import {
  authorization,
  callRoute,
  complaintToken,
  correctionToken,
  grantRequestToken,
  grantToken,
  grantedPseudonym,
  newStaff,
  offerToken,
  sealedBox,
  stranger,
  type ApiCall,
  type Identity,
  type World,
} from './api-test-world';
import type { ApiOperationId, RouteDoc } from './openapi';
import { tokenHash } from './people';
import { sealTo } from '$protocol/seal';
import { base64urlEncode } from '$protocol/encoding';
import * as complaintsRoute from '../../routes/api/v1/complaints/+server';
import * as correctionsRoute from '../../routes/api/v1/corrections/+server';
import * as dataRequestsRoute from '../../routes/api/v1/data-requests/+server';
import * as offersRoute from '../../routes/api/v1/offers/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import * as suspensionsRoute from '../../routes/api/v1/suspensions/+server';

export const roles = ['anon', 'coB', 'coA', 'psQ', 'psP', 'staff', 'reg'] as const;
export type Role = (typeof roles)[number];
/** The outcome of a call: its HTTP status, or what a recipe's `status` makes of the answer. */
export type Cell = number | string;

/** What one cell acts on: the world's A, P and P's grant unless the recipe makes fresh ones. */
export interface Subject {
  company: TestCompany;
  pseudonym: TestPseudonym;
  grantSha256: string;
  /** A revocation of P's grant, a cursor/id in P's inbox, a correction, ... as the recipe needs. */
  sha256?: string;
  id?: string;
  cursor?: string;
}

export interface CellContext {
  w: World;
  s: Subject;
  /** `undefined`: anonymous GET/DELETE. */
  signer: Identity | undefined;
  route: RouteDoc;
}

/** How to make one endpoint's call as any signer. */
export interface Recipe {
  request: (c: CellContext) => Promise<ApiCall>;
  /** Makes a fresh subject for every cell. */
  subject?: (w: World) => Promise<Partial<Subject>>;
  /** The status of a cell, when not the HTTP status (the batch answers one per item). */
  status?: (response: Response) => Promise<Cell>;
  /** Undoes a cell's effect on the shared world. */
  after?: (c: CellContext, status: Cell) => Promise<void>;
}

// ----- request builders ------------------------------------------------------------------------

function signedGet(path: (c: CellContext) => string, method: 'GET' | 'DELETE' = 'GET') {
  return async (c: CellContext): Promise<ApiCall> => {
    const p = path(c);
    return { path: p, headers: await authorization(c.w.api, c.signer, method, p) };
  };
}
const signedDelete = (path: (c: CellContext) => string) => signedGet(path, 'DELETE');

function jose(token: (c: CellContext & { signer: Identity }) => Promise<string>) {
  return async (c: CellContext): Promise<ApiCall> => ({
    path: c.route.path,
    headers: { 'content-type': 'application/jose' },
    body: await token(c as CellContext & { signer: Identity }),
  });
}

/** A fresh pseudonym of A with a grant, as the subject. */
async function fresh(w: World): Promise<Partial<Subject>> {
  return grantedPseudonym(w);
}

/** The status of the single item of a batch answer. */
async function firstItemStatus(response: Response): Promise<number> {
  if (response.status !== 200) return response.status;
  const body = (await response.json()) as { results: { status: number }[] };
  return body.results[0]!.status;
}

/** Every operation's recipe. */
export const recipes: Record<ApiOperationId, Recipe> = {
  health: { request: signedGet(() => '/api/v1/health') },
  ping: { request: signedGet(() => '/api/v1/ping') },
  openApiDocument: { request: signedGet(() => '/api/v1/openapi.json') },
  listCompanies: { request: signedGet(() => '/api/v1/companies') },
  getCompany: { request: signedGet(({ s }) => `/api/v1/companies/${s.company.id}`) },
  companyBoycott: { request: signedGet(({ s }) => `/api/v1/companies/${s.company.id}/boycott`) },
  personKey: {
    request: signedGet(({ w }) => `/api/v1/people/keys/${thumbprint(publicJwk(w.staff.keyPair))}`),
  },
  logReceipt: { request: signedGet(({ s }) => `/api/v1/log/receipts/${s.grantSha256}`) },
  logInclusionProof: { request: signedGet(() => '/api/v1/log/proof/inclusion?index=0&size=1') },
  logConsistencyProof: { request: signedGet(() => '/api/v1/log/proof/consistency?from=1&to=2') },

  registerCompany: {
    request: jose(({ w, s, signer }) =>
      signRaw(
        'company',
        { ...companyMessage(w.api.clock, s.company), iss: signer.id },
        signer.keyPair,
      ),
    ),
  },
  changeCompanyKey: {
    request: jose(({ w, signer }) =>
      signRaw(
        'company-key',
        {
          ...claims(w.api.clock, signer.id, testOrigin),
          action: 'add',
          key: publicJwk(generateKeyPair((n) => new Uint8Array(randomBytes(n)))),
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  compromisedMessages: { request: signedGet(() => '/api/v1/companies/me/compromised-messages') },
  createGrantRequest: {
    request: jose(({ w, signer }) => grantRequestToken(w.api, signer)),
  },
  getGrantRequest: {
    request: signedGet(({ w }) => `/api/v1/grant-requests/${w.targetedRequestSha256}`),
  },
  submitGrant: {
    subject: fresh,
    request: jose(({ w, s, signer }) => grantToken(w.api, signer, s.company.id, w.requestSha256)),
  },
  submitRefusal: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'refusal',
        {
          ...claims(w.api.clock, signer.id, s.company.id),
          requestSha256: w.requestSha256,
          pseudonymKey: publicJwk(signer.keyPair),
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  submitRevocation: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'revocation',
        {
          ...claims(w.api.clock, signer.id, s.company.id),
          grants: [{ grantSha256: s.grantSha256 }],
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  acknowledgeRevocation: {
    subject: async (w) => {
      const r = await grantedPseudonym(w);
      const receipt = await expectJson<{ sha256: string }>(
        await post(
          revocationsRoute.POST,
          '/api/v1/revocations',
          await signRaw(
            'revocation',
            {
              ...claims(w.api.clock, r.pseudonym.id, w.company.id),
              grants: [{ grantSha256: r.grantSha256 }],
            } as Record<string, unknown>,
            r.pseudonym.keyPair,
          ),
        ),
        201,
      );
      return { ...r, sha256: receipt.sha256 };
    },
    request: jose(({ w, s, signer }) =>
      signRaw(
        'revocation-ack',
        {
          ...claims(w.api.clock, signer.id, testOrigin),
          revocationSha256: s.sha256!,
          pseudonym: s.pseudonym.id,
          stoppedAt: w.api.clock.seconds(),
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  companyEvents: { request: signedGet(() => '/api/v1/companies/me/events') },
  companyFindings: { request: signedGet(() => '/api/v1/companies/me/findings') },
  relationships: {
    request: signedGet(({ s }) => `/api/v1/pseudonyms/${s.pseudonym.id}/relationships`),
  },
  relationshipsBatch: {
    status: firstItemStatus,
    request: async ({ w, s, signer, route }) => {
      const path = `/api/v1/pseudonyms/${s.pseudonym.id}/relationships`;
      const token = await requestSignature(w.api.clock, signer!, 'GET', path);
      return {
        path: route.path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requests: [token] }),
      };
    },
  },
  companyStaff: { request: signedGet(() => '/api/v1/companies/me/staff') },
  currentPerson: { request: signedGet(() => '/api/v1/people/me') },
  removePerson: {
    subject: async (w) => ({ id: (await newStaff(w.api, w.company)).personId }),
    request: signedDelete(({ s }) => `/api/v1/people/${s.id!}`),
  },
  invitePerson: {
    request: jose(({ w, signer }) => {
      const iat = w.api.clock.seconds();
      return signCompact({
        kind: 'person-invitation',
        payload: {
          v: 1,
          iss: signer.id,
          aud: testOrigin,
          iat,
          exp: iat + 300,
          jti: randomUUID(),
          role: 'staff',
          name: 'Nina Neu',
        },
        keyPair: signer.keyPair,
      });
    }),
  },
  openInvitations: { request: signedGet(() => '/api/v1/people/invitations') },
  withdrawInvitation: {
    // A fresh open link of A's staff for each cell.
    subject: async (w) => {
      const { token } = await w.api.services.people.createEnrolment({
        role: 'staff',
        companyId: w.company.id,
        createdBy: w.company.id,
      });
      return { id: tokenHash(token) };
    },
    request: signedDelete(({ s }) => `/api/v1/people/invitations/${s.id!}`),
  },
  sendOffer: {
    subject: fresh,
    request: jose(({ w, s, signer }) => offerToken(w.api, signer, s.pseudonym, s.grantSha256)),
  },
  sendReward: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'reward',
        {
          ...claims(w.api.clock, signer.id, s.pseudonym.id),
          grantSha256: s.grantSha256,
          sealed: base64urlEncode(
            sealTo(s.pseudonym.keyPair.publicKey, '{"type":"points","amount":1}'),
          ),
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  fetchInbox: {
    request: signedGet(({ s }) => `/api/v1/pseudonyms/${s.pseudonym.id}/inbox`),
  },
  ackInbox: {
    subject: withOffer,
    request: signedDelete(
      ({ s }) => `/api/v1/pseudonyms/${s.pseudonym.id}/inbox?through=${s.cursor!}`,
    ),
  },
  ackInboxItem: {
    subject: withOffer,
    request: signedDelete(({ s }) => `/api/v1/pseudonyms/${s.pseudonym.id}/inbox/${s.id!}`),
  },
  sendCorrection: {
    subject: fresh,
    request: jose(({ w, s, signer }) => correctionToken(w.api, signer, s.company)),
  },
  listCorrections: { request: signedGet(() => '/api/v1/companies/me/corrections') },
  ackCorrection: {
    subject: async (w) => {
      const r = await grantedPseudonym(w);
      await expectJson(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(w.api, r.pseudonym, w.company),
        ),
        201,
      );
      const listed = await expectJson<{ corrections: { id: string; pseudonym: string }[] }>(
        await callRoute(
          { method: 'GET', path: '/api/v1/companies/me/corrections' },
          {
            path: '/api/v1/companies/me/corrections',
            headers: await authorization(
              w.api,
              w.company,
              'GET',
              '/api/v1/companies/me/corrections',
            ),
          },
        ),
        200,
      );
      return { ...r, id: listed.corrections.find((item) => item.pseudonym === r.pseudonym.id)!.id };
    },
    request: signedDelete(({ s }) => `/api/v1/companies/me/corrections/${s.id!}`),
    status: async (r) =>
      r.status === 200 ? `200/${((await r.json()) as { deleted: number }).deleted}` : r.status,
  },
  submitDisclosure: {
    request: jose(({ w, s, signer }) =>
      signRaw(
        'disclosure',
        {
          ...claims(w.api.clock, signer.id, s.pseudonym.id),
          grantSha256: s.grantSha256,
          holdings: [
            {
              dataCategory: 'address',
              sources: ['direct'],
              purposes: ['product_launch'],
              retentionDays: 365,
              recipients: [],
            },
          ],
          export: sealedBox(),
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  submitDataRequest: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'data-request',
        { ...claims(w.api.clock, signer.id, s.company.id), type: 'access' } as Record<
          string,
          unknown
        >,
        signer.keyPair,
      ),
    ),
  },
  answerDataRequest: {
    subject: async (w) => {
      const r = await grantedPseudonym(w);
      const receipt = await expectJson<{ sha256: string }>(
        await post(
          dataRequestsRoute.POST,
          '/api/v1/data-requests',
          await signRaw(
            'data-request',
            {
              ...claims(w.api.clock, r.pseudonym.id, w.company.id),
              type: 'access',
            } as Record<string, unknown>,
            r.pseudonym.keyPair,
          ),
        ),
        201,
      );
      return { ...r, sha256: receipt.sha256 };
    },
    request: jose(({ w, s, signer }) =>
      signRaw(
        'data-request-answer',
        {
          ...claims(w.api.clock, signer.id, s.pseudonym.id),
          requestSha256: s.sha256!,
          outcome: 'refused',
          reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  companyDataRequests: { request: signedGet(() => '/api/v1/companies/me/data-requests') },
  reportAccess: {
    status: async (r) =>
      r.status === 201 ? `201/${((await r.json()) as { accepted: number }).accepted}` : r.status,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'access',
        {
          ...claims(w.api.clock, signer.id, testOrigin),
          entries: [
            {
              grantSha256: s.grantSha256,
              purpose: 'product_launch',
              dataCategories: ['address'],
              at: w.api.clock.seconds() - 30,
              count: 1,
            },
          ],
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  submitComplaint: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      complaintToken(w.api, signer, s.company, {
        pseudonym: s.pseudonym,
        grantSha256: s.grantSha256,
      }),
    ),
  },
  listComplaints: { request: signedGet(() => '/api/v1/complaints') },
  getComplaint: {
    request: signedGet(({ w }) => `/api/v1/complaints/${w.complaintSha256}`),
  },
  decideComplaint: {
    subject: async (w) => {
      const r = await grantedPseudonym(w);
      const receipt = await expectJson<{ sha256: string }>(
        await post(
          complaintsRoute.POST,
          '/api/v1/complaints',
          await complaintToken(w.api, r.pseudonym, w.company, r),
        ),
        201,
      );
      return { ...r, sha256: receipt.sha256 };
    },
    request: jose(({ w, s, signer }) =>
      signRaw(
        'complaint-decision',
        {
          ...claims(w.api.clock, signer.id, testOrigin),
          complaintSha256: s.sha256!,
          decision: 'dismissed',
          reason: { de: 'Nicht belegt.', en: 'Not proven.' },
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  suspendCompany: {
    request: jose(({ w, s, signer }) => suspensionToken(w, signer, s.company.id, 'suspend')),
    after: async ({ w, s }, status) => {
      if (status !== 201) return;
      await expectJson(
        await post(
          suspensionsRoute.POST,
          '/api/v1/suspensions',
          await suspensionToken(w, w.regulator, s.company.id, 'reinstate'),
        ),
        201,
      );
    },
  },
  submitBlacklist: {
    subject: fresh,
    request: jose(({ w, s, signer }) =>
      signRaw(
        'blacklist',
        {
          ...claims(w.api.clock, signer.id, testOrigin),
          company: s.company.id,
          action: 'add',
          reason: 'too_frequent',
        } as Record<string, unknown>,
        signer.keyPair,
      ),
    ),
  },
  regulatorFindings: {
    request: signedGet(({ s }) => `/api/v1/companies/${s.company.id}/findings`),
  },
};

/** A fresh pseudonym of A with a grant and one offer of A in its inbox (its cursor and id). */
async function withOffer(w: World): Promise<Partial<Subject>> {
  const r = await grantedPseudonym(w);
  await expectJson(
    await post(
      offersRoute.POST,
      '/api/v1/offers',
      await offerToken(w.api, w.company, r.pseudonym, r.grantSha256),
    ),
    201,
  );
  const path = `/api/v1/pseudonyms/${r.pseudonym.id}/inbox`;
  const page = await expectJson<{ items: { id: string; cursor: string }[] }>(
    await callRoute(
      { method: 'GET', path: '/api/v1/pseudonyms/{pseudonym}/inbox' },
      {
        path,
        headers: await authorization(w.api, r.pseudonym, 'GET', path),
      },
    ),
    200,
  );
  const item = page.items[0]!;
  return { ...r, id: item.id, cursor: item.cursor };
}

export function suspensionToken(
  w: World,
  signer: Identity,
  companyId: string,
  action: 'suspend' | 'reinstate',
): Promise<string> {
  return signRaw(
    'suspension',
    {
      ...claims(w.api.clock, signer.id, testOrigin),
      company: companyId,
      action,
      reason: { de: 'Wiederholte Verstöße.', en: 'Repeated violations.' },
    } as Record<string, unknown>,
    signer.keyPair,
  );
}

/** The prefix of the ids that sign a route's messages (for the anonymous stranger). */
function signerPrefix(route: RouteDoc): 'co' | 'ps' | 'rg' {
  if (route.signer === 'regulator') return 'rg';
  if (['pseudonym', 'each-item', 'complaint-party'].includes(route.signer)) return 'ps';
  return 'co';
}

export function identityOf(
  role: Role,
  w: World,
  s: Subject,
  route: RouteDoc,
): Identity | undefined {
  switch (role) {
    case 'anon':
      return route.method === 'POST' ? stranger(signerPrefix(route)) : undefined;
    case 'coB':
      return w.otherCompany;
    case 'coA':
      return s.company;
    case 'psQ':
      return w.otherPseudonym;
    case 'psP':
      return s.pseudonym;
    case 'staff':
      return w.staff;
    case 'reg':
      return w.regulator;
  }
}

/**
 * The role an operation is meant for: its success case (the malformed-input properties mutate
 * this call).
 */
export function legitRole(route: RouteDoc): Role {
  switch (route.signer) {
    case 'public':
      return 'anon';
    case 'pseudonym':
    case 'each-item':
    case 'complaint-party':
      return 'psP';
    case 'regulator':
      return 'reg';
    case 'person':
      return 'staff';
    default:
      return 'coA';
  }
}

/** The subject of a call: the world's A, P and P's grant, or what the recipe makes fresh. */
export async function subjectFor(w: World, recipe: Recipe): Promise<Subject> {
  const base: Subject = { company: w.company, pseudonym: w.pseudonym, grantSha256: w.grantSha256 };
  return { ...base, ...(await recipe.subject?.(w)) };
}
