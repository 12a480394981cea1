/**
 * The registry service on SQLite and PostgreSQL: search by name or domain (wildcards literal),
 * sorting by name, status and trust figures, paging, the query parser's bounds, and the weekly
 * figures computed from the consent tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwk } from '$protocol/keys';
import { ProtocolError } from '$protocol/errors';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from './api-test-kit';
import { testDialects } from './db/test-databases';
import {
  createRegistryService,
  parseRegistryQuery,
  registryLimits,
  registryQueryString,
  type RegistryQuery,
  type RegistryService,
} from './registry';
import { defaultAckDeadlineMs } from './trust';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as refusalsRoute from '../../routes/api/v1/refusals/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import * as acksRoute from '../../routes/api/v1/revocation-acks/+server';

const weekMs = 7 * 86_400_000;
const query = (extra: Partial<RegistryQuery> = {}): RegistryQuery => ({
  q: '',
  sort: 'name',
  dir: 'asc',
  page: 1,
  ...extra,
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseRegistryQuery', () => {
  it('takes defaults for absent parameters and keeps valid ones', () => {
    expect(parseRegistryQuery(new URLSearchParams())).toEqual(query());
    expect(
      parseRegistryQuery(new URLSearchParams('q=%20Sport%20&sort=acksOverdue&dir=desc&page=3')),
    ).toEqual({ q: 'Sport', sort: 'acksOverdue', dir: 'desc', page: 3 });
  });

  it.each([
    ['sort=legal_name; drop table companies', 'sort'],
    ['dir=sideways', 'dir'],
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=1e3', 'page'],
    [`page=${registryLimits.maxPage + 1}`, 'page'],
    [`q=${'x'.repeat(registryLimits.queryLength + 1)}`, 'q'],
    ['q=a%00b', 'q'],
  ])('refuses %s with ERR_QUERY_INVALID naming %s', (raw, parameter) => {
    let detail: unknown;
    try {
      parseRegistryQuery(new URLSearchParams(raw));
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('ERR_QUERY_INVALID');
      detail = (error as ProtocolError).detail;
    }
    expect(detail).toMatchObject({ parameter });
  });

  it('writes query strings without defaults, so links stay short and round-trip', () => {
    expect(registryQueryString(query())).toBe('');
    const q = query({ q: 'a&b', sort: 'boycotts', dir: 'desc', page: 2 });
    expect(parseRegistryQuery(new URLSearchParams(registryQueryString(q)))).toEqual(q);
  });
});

describe.each(testDialects)('registry on %s', (dialect) => {
  let api: ApiHarness;
  let registry: RegistryService;
  /** Companies of this suite, named so that a search for the tag finds only them. */
  const tag = `reg${Math.floor(Math.random() * 1e6)}`;
  let alpha: TestCompany;
  let beta: TestCompany;
  let gamma: TestCompany;

  async function register(legalName: string, proof = true): Promise<TestCompany> {
    const company = newCompany();
    if (proof) api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign(
      'company',
      companyMessage(api.clock, company, { legalName }),
      company.keyPair,
    );
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  async function openRequest(company: TestCompany): Promise<string> {
    const token = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [requestedScope(api.clock)],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    );
    const receipt = await expectJson<{ sha256: string }>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', token),
      201,
    );
    return receipt.sha256;
  }

  /** A fresh pseudonym grants; returns what a revocation needs. */
  async function grant(company: TestCompany, requestSha256: string) {
    const pseudonym = newPseudonym(company.id);
    const token = await sign(
      'grant',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256,
        scopes: [{ ...requestedScope(api.clock), channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * 86_400,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    const receipt = await expectJson<{ sha256: string }>(
      await post(grantsRoute.POST, '/api/v1/grants', token),
      201,
    );
    return { pseudonym, grantSha256: receipt.sha256 };
  }

  async function refuse(company: TestCompany, requestSha256: string): Promise<void> {
    const pseudonym = newPseudonym(company.id);
    const token = await sign(
      'refusal',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    await expectJson(await post(refusalsRoute.POST, '/api/v1/refusals', token), 201);
  }

  async function revoke(
    company: TestCompany,
    granted: Awaited<ReturnType<typeof grant>>,
  ): Promise<string> {
    const token = await sign(
      'revocation',
      {
        ...claims(api.clock, granted.pseudonym.id, company.id),
        grants: [{ grantSha256: granted.grantSha256 }],
      },
      granted.pseudonym.keyPair,
    );
    const receipt = await expectJson<{ sha256: string }>(
      await post(revocationsRoute.POST, '/api/v1/revocations', token),
      201,
    );
    return receipt.sha256;
  }

  async function ack(company: TestCompany, revocationSha256: string, pseudonym: string) {
    const token = await sign(
      'revocation-ack',
      {
        ...claims(api.clock, company.id, testOrigin),
        revocationSha256,
        pseudonym,
        stoppedAt: api.clock.seconds(),
      },
      company.keyPair,
    );
    await expectJson(await post(acksRoute.POST, '/api/v1/revocation-acks', token), 201);
  }

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    registry = createRegistryService(api.services.context, { ackDeadlineMs: defaultAckDeadlineMs });
    // Three weeks of history, starting on a Monday two weeks before "now".
    alpha = await register(`Alpha ${tag} Sport GmbH`);
    beta = await register(`beta ${tag} Reisen AG`);
    gamma = await register(`Gamma ${tag} 100%_Rabatt KG`, false); // stays pending
    await api.services.companies.setStatus(beta.id, 'suspended');

    // Week 0: alpha gets three grants and a refusal; one grant is revoked and acked at once.
    const alphaRequest = await openRequest(alpha);
    const a1 = await grant(alpha, alphaRequest);
    await grant(alpha, alphaRequest);
    const a3 = await grant(alpha, alphaRequest);
    await refuse(alpha, alphaRequest);
    const onTime = await revoke(alpha, a1);
    await ack(alpha, onTime, a1.pseudonym.id);

    // Week 1: one more revocation that alpha never acknowledges.
    api.clock.advance(7 * 86_400);
    await revoke(alpha, a3);
    await grant(alpha, alphaRequest);

    // Week 2 (now): the unacknowledged revocation is overdue (deadline 72 h).
    api.clock.advance(7 * 86_400);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('finds companies by a part of the name or domain, case-insensitively', async () => {
    const byName = await registry.search(query({ q: tag.toUpperCase() }));
    expect(byName.total).toBe(3);
    expect(byName.entries.map((e) => e.id)).toEqual([alpha.id, beta.id, gamma.id]);

    const byDomain = await registry.search(query({ q: new URL(beta.domain).port }));
    expect(byDomain.entries.map((e) => e.id)).toContain(beta.id);
    expect(byDomain.entries.map((e) => e.id)).not.toContain(alpha.id);

    const none = await registry.search(query({ q: `${tag}-nobody` }));
    expect(none).toMatchObject({ total: 0, entries: [], pageCount: 1 });
  });

  it('matches LIKE wildcards in the search text literally', async () => {
    const percent = await registry.search(query({ q: `${tag} 100%_` }));
    expect(percent.entries.map((e) => e.id)).toEqual([gamma.id]);
    // "%" alone would match everything if it were not escaped.
    const wildcard = await registry.search(query({ q: `${tag}%Sport` }));
    expect(wildcard.total).toBe(0);
  });

  it('shows each company with its status and the trust figures of trust.ts', async () => {
    const page = await registry.search(query({ q: tag }));
    const byId = new Map(page.entries.map((e) => [e.id, e]));
    expect(byId.get(beta.id)).toMatchObject({ status: 'suspended', domain: beta.domain });
    expect(byId.get(gamma.id)).toMatchObject({ status: 'pending' });
    expect(byId.get(alpha.id)).toMatchObject({
      status: 'active',
      legalName: `Alpha ${tag} Sport GmbH`,
      trust: {
        status: 'active',
        activeRelationships: 2,
        revocationAcks: { onTime: 1, overdue: 1, open: 0 },
      },
    });
    // The same figures the company service shows.
    const view = await api.services.companies.view(alpha.id);
    expect(byId.get(alpha.id)!.trust).toEqual(view.trust);
  });

  it('sorts by name both ways, by status, and by a trust figure with name order for ties', async () => {
    const desc = await registry.search(query({ q: tag, dir: 'desc' }));
    expect(desc.entries.map((e) => e.id)).toEqual([gamma.id, beta.id, alpha.id]);

    const status = await registry.search(query({ q: tag, sort: 'status' }));
    expect(status.entries.map((e) => e.status)).toEqual(['active', 'pending', 'suspended']);

    const overdue = await registry.search(query({ q: tag, sort: 'acksOverdue', dir: 'desc' }));
    expect(overdue.entries.map((e) => e.id)).toEqual([alpha.id, beta.id, gamma.id]);
    const relationshipsAsc = await registry.search(query({ q: tag, sort: 'relationships' }));
    expect(relationshipsAsc.entries.map((e) => e.id)).toEqual([beta.id, gamma.id, alpha.id]);
  });

  it('lists a company whose domain is proved before a pending one of the same name, both ways', async () => {
    const copyTag = `copy${Math.floor(Math.random() * 1e6)}x`;
    const name = `Laufhaus ${copyTag} GmbH`;
    const real = await register(name);
    const copy = await register(name, false);
    for (const dir of ['asc', 'desc'] as const) {
      const page = await registry.search(query({ q: copyTag, dir }));
      expect(
        page.entries.map((e) => [e.id, e.status]),
        dir,
      ).toEqual([
        [real.id, 'active'],
        [copy.id, 'pending'],
      ]);
    }
    // A figure sort keeps the same order for its ties (here: no relationships at all).
    const byFigure = await registry.search(query({ q: copyTag, sort: 'relationships' }));
    expect(byFigure.entries.map((e) => e.id)).toEqual([real.id, copy.id]);
  });

  it('pages through the matches', async () => {
    const extra: TestCompany[] = [];
    const pageTag = `pages${Math.floor(Math.random() * 1e6)}x`;
    for (let i = 0; i < registryLimits.pageSize + 2; i++) {
      extra.push(await register(`Page ${pageTag} ${String(i).padStart(2, '0')}`, false));
    }
    const first = await registry.search(query({ q: pageTag }));
    const second = await registry.search(query({ q: pageTag, page: 2 }));
    const third = await registry.search(query({ q: pageTag, page: 3 }));
    expect(first).toMatchObject({ total: registryLimits.pageSize + 2, pageCount: 2 });
    expect(first.entries).toHaveLength(registryLimits.pageSize);
    expect(second.entries.map((e) => e.id)).toEqual(extra.slice(-2).map((c) => c.id));
    expect(third.entries).toEqual([]);
    // A figure sort pages the same way.
    const byFigure = await registry.search(query({ q: pageTag, sort: 'boycotts', page: 2 }));
    expect(byFigure.entries.map((e) => e.id)).toEqual(extra.slice(-2).map((c) => c.id));
  });

  it('counts grants, refusals, revocations and their acknowledgements per calendar week', async () => {
    const { weeks } = await registry.history(alpha.id, 4);
    expect(weeks).toHaveLength(4);
    for (let i = 1; i < weeks.length; i++) {
      expect(weeks[i]!.start - weeks[i - 1]!.start).toBe(weekMs);
    }
    // Weeks start on Monday 00:00 UTC, the last one holds now.
    expect(new Date(weeks[0]!.start).getUTCDay()).toBe(1);
    expect(weeks[3]!.start).toBeLessThanOrEqual(api.clock.ms);
    expect(weeks[3]!.start + weekMs).toBeGreaterThan(api.clock.ms);

    const totals = weeks.reduce(
      (sum, w) => ({
        grants: sum.grants + w.grants,
        refusals: sum.refusals + w.refusals,
        revocations: sum.revocations + w.revocations,
        acksOnTime: sum.acksOnTime + w.acksOnTime,
        acksOverdue: sum.acksOverdue + w.acksOverdue,
      }),
      { grants: 0, refusals: 0, revocations: 0, acksOnTime: 0, acksOverdue: 0 },
    );
    expect(totals).toEqual({
      grants: 4,
      refusals: 1,
      revocations: 2,
      acksOnTime: 1,
      acksOverdue: 1,
    });
    // The events sit in the weeks in which they happened, 14 days apart from now.
    const start = api.clock.ms - 14 * 86_400_000;
    const weekOf = (ms: number) => weeks.findIndex((w) => w.start <= ms && ms < w.start + weekMs);
    expect(weeks[weekOf(start)]).toMatchObject({ grants: 3, refusals: 1, revocations: 1 });
    expect(weeks[weekOf(start + weekMs)]).toMatchObject({
      grants: 1,
      revocations: 1,
      acksOverdue: 1,
    });
    expect(weeks[3]).toMatchObject({ grants: 0, refusals: 0, revocations: 0 });
  });

  it('shows an empty history for a company without events, and refuses unknown ones', async () => {
    const { weeks } = await registry.history(gamma.id);
    expect(weeks).toHaveLength(26);
    expect(weeks.every((w) => w.grants + w.refusals + w.revocations === 0)).toBe(true);
    await expect(registry.history('co_unknown')).rejects.toMatchObject({
      code: 'ERR_COMPANY_UNKNOWN',
    });
    await expect(registry.history(alpha.id, 0)).rejects.toMatchObject({
      code: 'ERR_QUERY_INVALID',
    });
    expect(codeOf(() => parseRegistryQuery(new URLSearchParams('sort=id')))).toBe(
      'ERR_QUERY_INVALID',
    );
  });
});
