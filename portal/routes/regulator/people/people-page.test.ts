/**
 * The regulators' people page on SQLite and PostgreSQL: its `load` with a regulator's session
 * (and with none, or a staff member's), the lists it reads through the people service while
 * invitations are made, used, withdrawn and people removed through the API's route handlers, and
 * the page rendered from them in German and English. The acts themselves are signed in the
 * browser (test/e2e/regulator-people.spec.ts).
 */
import { randomUUID } from 'node:crypto';
import { isHttpError, isRedirect } from '@sveltejs/kit';
import { CompiledQuery, sql, type LogEvent } from 'kysely';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCompact } from '$protocol/jws';
import { t, type Locale } from '$protocol/i18n';
import {
  del,
  expectJson,
  openApiHarness,
  post,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
import { enrolPerson, registerCompany } from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import * as invitationsRoute from '../../api/v1/people/invitations/+server';
import * as invitationRoute from '../../api/v1/people/invitations/[id]/+server';
import * as personRoute from '../../api/v1/people/[personId]/+server';
import Page from './+page.svelte';
import * as server from './+page.server';

type Enrolled = Awaited<ReturnType<typeof enrolPerson>>;
type Loaded = {
  ended: boolean;
  person: { id: string; kid: string | null; signer: string | null } | null;
  regulators: { id: string; name: string; kid: string | null }[];
  invitations: { id: string; name: string | null; recover: string | null; createdBy: string }[];
};

describe.each(testDialects)('the regulators’ people page on %s', (dialect) => {
  let api: ApiHarness;
  /** The statements the database was sent, with their parameters, since the last `clear`. */
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];

  beforeAll(async () => {
    api = await openApiHarness(dialect, {
      log: (event: LogEvent) => {
        if (event.level === 'query') {
          statements.push({ sql: event.query.sql, parameters: event.query.parameters });
        }
      },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  const link = async (input: { role: 'regulator' | 'staff'; name?: string; companyId?: string }) =>
    (await api.services.people.createEnrolment({ ...input, createdBy: 'admin' })).token;

  const regulator = async (name: string) =>
    enrolPerson(api, await link({ role: 'regulator', name }));

  /** `load` as SvelteKit calls it for the page (`isDataRequest`: for a reading after an act). */
  async function load(session: string | undefined, isDataRequest = false): Promise<Loaded> {
    const url = new URL(`${testOrigin}/regulator/people`);
    const event = {
      url,
      params: {},
      isDataRequest,
      cookies: {
        get: (name: string) => (name === 'session' ? session : undefined),
        getAll: () => [],
        set() {},
        delete() {},
      },
      setHeaders() {},
      locals: {},
    };
    return (await server.load(event as never)) as Loaded;
  }

  /** What `load` threw instead of answering. */
  async function refusal(session: string | undefined, isDataRequest = false): Promise<unknown> {
    return load(session, isDataRequest).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  const html = (locale: Locale, data: Loaded) =>
    render(Page, {
      props: { data: { ...data, locale, version: '1', path: '/regulator/people' } } as never,
    }).body;

  async function invite(signer: Enrolled, fields: Record<string, unknown>) {
    const iat = api.clock.seconds();
    const token = await signCompact({
      kind: 'person-invitation',
      payload: {
        v: 1,
        iss: signer.signer,
        aud: testOrigin,
        iat,
        exp: iat + 300,
        jti: randomUUID(),
        role: 'regulator',
        ...fields,
      },
      keyPair: signer.keyPair,
    });
    const body = await expectJson<{ link: string }>(
      await post(invitationsRoute.POST, '/api/v1/people/invitations', token),
      201,
    );
    return body.link.slice(body.link.lastIndexOf('/') + 1);
  }

  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

  it('sends the logged-out to the login page, and a reading after an act to a sentence', async () => {
    const page = await refusal(undefined);
    expect(isRedirect(page)).toBe(true);
    expect((page as { location: string }).location).toBe(
      `/login?next=${encodeURIComponent('/regulator/people')}`,
    );
    // After an act (the page reads its lists again), an ended session keeps the page and says so.
    const reading = await load(undefined, true);
    expect(reading).toEqual({ ended: true, person: null, regulators: [], invitations: [] });
    expect(html('en', reading)).toContain(t('en', 'portal.regulator.people.ended'));
    expect(html('de', reading)).toContain(t('de', 'portal.regulator.people.ended'));
  });

  it('is not for company staff', async () => {
    const { staffToken } = await registerCompany(api);
    const staff = await enrolPerson(api, staffToken, 'Stefan Staff');
    for (const isDataRequest of [false, true]) {
      const error = await refusal(staff.session, isDataRequest);
      expect(isHttpError(error) && error.status).toBe(403);
    }
  });

  it('lists the regulators and their open invitations, not staff, removed people or used links', async () => {
    const rita = await regulator('Rita Regulator');
    const rolf = await regulator('Rolf Rat');
    const { company, staffToken } = await registerCompany(api);
    const staff = await enrolPerson(api, staffToken, 'Stefan Staff');
    await link({ role: 'staff', companyId: company.id, name: 'Sina Staff' });

    const nora = await invite(rita, { name: 'Nora Neu' });
    const used = await invite(rita, { name: 'Uwe Used' });
    const uwe = await enrolPerson(api, used);
    const withdrawn = await invite(rolf, { name: 'Wanda Weg' });
    const withdrawnId = (await api.services.people.openRegulatorInvitations()).find(
      (open) => open.name === 'Wanda Weg',
    )!.id;
    expect(
      (
        await del(
          invitationRoute.DELETE,
          `/api/v1/people/invitations/${withdrawnId}`,
          { id: withdrawnId },
          api.clock,
          { id: rolf.signer, keyPair: rolf.keyPair },
        )
      ).status,
    ).toBe(204);
    // Rolf removed: the invitation he made is void with him (people.ts), and he is not listed.
    const voided = await invite(rolf, { name: 'Vera Void' });
    expect(
      (
        await del(
          personRoute.DELETE,
          `/api/v1/people/${rolf.personId}`,
          { personId: rolf.personId },
          api.clock,
          { id: rita.signer, keyPair: rita.keyPair },
        )
      ).status,
    ).toBe(204);
    // A recovery approved for Uwe: his key is retired until he enrols again.
    await invite(rita, { recover: uwe.personId });

    const data = await load(rita.session);
    expect(data.ended).toBe(false);
    expect(data.person).toEqual({
      id: rita.personId,
      kid: rita.signer.slice(3),
      signer: rita.signer,
    });
    const listed = ids(data.regulators);
    expect(listed).toEqual(expect.arrayContaining([rita.personId, uwe.personId]));
    expect(listed).not.toContain(rolf.personId);
    expect(listed).not.toContain(staff.personId);
    expect(data.regulators.find((r) => r.id === uwe.personId)?.kid).toBeNull();

    const names = data.invitations.map((open) => open.name ?? `recovery of ${open.recover}`);
    expect(names).toContain('Nora Neu');
    expect(names).toContain(`recovery of ${uwe.personId}`);
    for (const gone of ['Uwe Used', 'Wanda Weg', 'Vera Void', 'Sina Staff'])
      expect(names).not.toContain(gone);
    expect(data.invitations.find((open) => open.name === 'Nora Neu')?.createdBy).toBe(
      rita.personId,
    );
    // The links themselves are never listed, only their hashes.
    for (const token of [nora, used, withdrawn, voided])
      expect(JSON.stringify(data)).not.toContain(token);

    for (const locale of ['en', 'de'] as const) {
      const page = html(locale, data);
      expect(page).toContain(t(locale, 'portal.regulator.people.title'));
      expect(page).toContain(t(locale, 'portal.console.staff.you'));
      expect(page).toContain(t(locale, 'portal.console.staff.recovering'));
      expect(page).toContain(t(locale, 'portal.console.staff.remove', { name: 'Uwe Used' }));
      expect(page).not.toContain(
        t(locale, 'portal.console.staff.remove', { name: 'Rita Regulator' }),
      );
      expect(page).toContain(
        t(locale, 'portal.console.invitations.recovery', { name: 'Uwe Used' }),
      );
      expect(page).not.toContain('Stefan Staff');
    }
  });

  it('reads the open invitations through the index on company and role', async () => {
    await regulator('Ina Index');
    statements.length = 0;
    await api.services.people.openRegulatorInvitations();
    const read = statements.find((s) => /from "enrolments"/.test(s.sql));
    expect(read).toBeDefined();
    const { cdb } = api.tdb;
    // Planned with the parameters the statement was sent with. PostgreSQL prefers a scan of a
    // table this small whatever its indexes: forbidding it shows which index the statement can use.
    const plan = await cdb.db.transaction().execute(async (trx) => {
      if (cdb.dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
      const explain = cdb.dialect === 'sqlite' ? 'explain query plan' : 'explain';
      const rows = await trx.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(`${explain} ${read!.sql}`, [...read!.parameters]),
      );
      return rows.rows.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n');
    });
    expect(plan).toContain('enrolments_company_idx');
  });
});
