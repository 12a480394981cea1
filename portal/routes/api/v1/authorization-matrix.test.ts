/**
 * The authorization matrix (issue 12, "Attacks"): every endpoint of the route table in
 * openapi.ts, called as every role, on SQLite and PostgreSQL, with the expected status of each
 * cell written down below. An endpoint added to openapi.ts without a row here fails the first
 * test; a changed answer of any cell fails the second, whose diff shows the whole table.
 *
 * The roles (anon, coB, coA, psQ, psP, staff, reg) and how each call is made are described in
 * api-test-calls.ts: every role signs the same call, with `iss` = itself. So "coB" on
 * `/companies/me/...` reads B's own data (200, and nothing of A's: checked for every cell), while
 * "coB" acknowledging P's revocation of A is refused. Every refusal must be problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiHarness, type ApiHarness } from '$lib/server/api-test-kit';
import {
  identityOf,
  recipes,
  roles,
  subjectFor,
  type Cell,
  type CellContext,
} from '$lib/server/api-test-calls';
import { buildWorld, callRoute, isolateInstance, type World } from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import { apiRoutes, type ApiOperationId, type RouteDoc } from '$lib/server/openapi';

/** One cell per role, in the order of `roles`. */
type Statuses = readonly [Cell, Cell, Cell, Cell, Cell, Cell, Cell];

/* prettier-ignore */
const expected: Record<ApiOperationId, Statuses> = {
  // Public: the same answer whoever signs. (The log routes read the process instance, an empty
  // log of its own here: P's grant is unknown to it, and no proof range exists yet.)
  //                               anon coB  coA  psQ  psP  staff reg
  health:               [200, 200, 200, 200, 200, 200, 200],
  ping:                 [200, 200, 200, 200, 200, 200, 200],
  openApiDocument:      [200, 200, 200, 200, 200, 200, 200],
  listCompanies:        [200, 200, 200, 200, 200, 200, 200],
  getCompany:           [200, 200, 200, 200, 200, 200, 200],
  companyBoycott:       [200, 200, 200, 200, 200, 200, 200],
  personKey:            [200, 200, 200, 200, 200, 200, 200],
  logReceipt:           [404, 404, 404, 404, 404, 404, 404],
  logInclusionProof:    [400, 400, 400, 400, 400, 400, 400],
  logConsistencyProof:  [400, 400, 400, 400, 400, 400, 400],
  // An update of A's registration: A's own keys may, a staff member's person key may not.
  registerCompany:      [401, 409, 201, 401, 401, 401, 401],
  // B adds a key to B (its "me"); a pseudonym or regulator is no company.
  changeCompanyKey:     [404, 201, 201, 404, 404, 401, 404],
  compromisedMessages:  [401, 200, 200, 403, 403, 200, 403],
  createGrantRequest:   [404, 201, 201, 404, 404, 401, 404],
  // Targeted at P: only P and A (its staff too) may read it.
  getGrantRequest:      [401, 403, 200, 403, 200, 200, 403],
  // An open request: any pseudonym may say yes, a new one binding its key.
  submitGrant:          [201, 401, 401, 201, 201, 401, 401],
  submitRefusal:        [201, 401, 401, 201, 201, 401, 401],
  // Q cannot revoke P's grant; a stranger is no bound pseudonym.
  submitRevocation:     [404, 401, 401, 422, 201, 401, 401],
  acknowledgeRevocation:[404, 404, 201, 404, 404, 201, 404],
  companyEvents:        [401, 200, 200, 403, 403, 200, 403],
  companyFindings:      [401, 200, 200, 403, 403, 200, 403],
  relationships:        [401, 403, 403, 403, 200, 403, 403],
  // One item, signed by the role; the cell is that item's status.
  relationshipsBatch:   [404, 403, 403, 403, 200, 403, 403],
  companyStaff:         [401, 200, 200, 403, 403, 200, 403],
  currentPerson:        [401, 403, 403, 403, 403, 200, 200],
  // A fresh staff member of A: A and its staff may remove them, nobody else.
  removePerson:         [401, 404, 204, 403, 403, 204, 404],
  // A staff invitation: companies into their own staff; a regulator may only invite regulators.
  invitePerson:         [401, 201, 201, 401, 401, 201, 403],
  // Each manager sees its own people's open links; only A's own (key or staff) withdraw A's.
  openInvitations:      [401, 200, 200, 403, 403, 200, 200],
  withdrawInvitation:   [401, 404, 204, 403, 403, 204, 404],
  sendOffer:            [404, 404, 201, 404, 404, 401, 404],
  sendReward:           [404, 404, 201, 404, 404, 401, 404],
  fetchInbox:           [401, 403, 403, 403, 200, 403, 403],
  ackInbox:             [401, 403, 403, 403, 200, 403, 403],
  ackInboxItem:         [401, 403, 403, 403, 200, 403, 403],
  sendCorrection:       [404, 404, 404, 201, 201, 404, 404],
  listCorrections:      [401, 200, 200, 403, 403, 200, 403],
  // 200/n: answered 200 having deleted n corrections (B acknowledging A's deletes nothing).
  ackCorrection:        [401, '200/0', '200/1', 403, 403, '200/1', 403],
  submitDisclosure:     [404, 404, 201, 404, 404, 201, 404],
  submitDataRequest:    [404, 404, 404, 201, 201, 404, 404],
  answerDataRequest:    [404, 404, 201, 404, 404, 201, 404],
  companyDataRequests:  [401, 200, 200, 403, 403, 200, 403],
  // A report is a confession: B's report of A's grant is stored against B, as out of scope.
  reportAccess:         [404, '201/0', '201/1', 404, 404, '201/1', 404],
  submitComplaint:      [404, 404, 404, 422, 201, 404, 404],
  listComplaints:       [401, 403, 403, 403, 403, 403, 200],
  // The parties (P, A and its staff) and the regulator.
  getComplaint:         [401, 403, 200, 403, 200, 200, 200],
  decideComplaint:      [401, 401, 401, 401, 401, 401, 201],
  suspendCompany:       [401, 401, 401, 401, 401, 401, 201],
  submitBlacklist:      [404, 404, 404, 201, 201, 404, 404],
  regulatorFindings:    [401, 403, 403, 403, 403, 403, 200],
};

const operations = (): { id: ApiOperationId; route: RouteDoc }[] =>
  apiRoutes.map((route) => ({ id: route.operationId, route }));

describe('the authorization matrix', () => {
  it('has a row and a recipe for every operation of the route table, and none for what does not exist', () => {
    expect(Object.keys(recipes).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(expected).sort()).toEqual(
      operations()
        .map((o) => o.id)
        .sort(),
    );
  });
});

describe.each(testDialects)('the authorization matrix on %s', (dialect) => {
  let api: ApiHarness;
  let world: World;
  let restoreInstance: () => Promise<void>;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    restoreInstance = isolateInstance();
    world = await buildWorld(api);
    // Past the grants' time, so an access report at "now - 30 s" lies within them.
    api.clock.advance(60);
  });
  afterAll(async () => {
    await api?.close();
    await restoreInstance?.();
  });

  it(
    'answers every endpoint, called as every role, with the status in the table',
    { timeout: 300_000 },
    async () => {
      const actual: Record<string, string> = {};
      const wanted: Record<string, string> = {};
      const leaks: string[] = [];
      const notProblems: string[] = [];
      for (const { id, route } of operations()) {
        const recipe = recipes[id];
        const statuses: Cell[] = [];
        for (const role of roles) {
          const s = await subjectFor(world, recipe);
          const c: CellContext = { w: world, s, signer: identityOf(role, world, s, route), route };
          const response = await callRoute(route, await recipe.request(c));
          const status = await (recipe.status ?? ((r: Response) => Promise.resolve(r.status)))(
            response.clone(),
          );
          statuses.push(status);
          const text = await response.text();
          if (
            response.status >= 400 &&
            response.headers.get('content-type') !== 'application/problem+json'
          ) {
            notProblems.push(
              `${id} as ${role}: ${response.status} ${response.headers.get('content-type')}`,
            );
          }
          // What B and Q are let do must never show them A's or P's business.
          const secret =
            role === 'coB' ? s.company.id : role === 'psQ' ? s.pseudonym.id : undefined;
          if (
            response.status < 300 &&
            route.signer !== 'public' &&
            secret !== undefined &&
            text.includes(secret)
          ) {
            leaks.push(`${id} as ${role}`);
          }
          await recipe.after?.(c, status);
        }
        actual[id] = statuses.join(' ');
        wanted[id] = expected[id].join(' ');
      }
      expect({ table: actual, notProblems, leaks }).toEqual({
        table: wanted,
        notProblems: [],
        leaks: [],
      });
    },
  );
});
