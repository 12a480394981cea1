/**
 * A complaint's review shows every signed field of its evidence a reason is judged by, rendered
 * on the server in German and English (evidence-facts.ts): for `missing_unsubscribe`, the
 * offer's unsubscribe link and its text (failed before: only purpose, channel, brand, title,
 * valid until, the advertisement label and the signing time were shown); for a disclosure, its
 * holdings. The company's text stays text: escaped, never markup.
 *
 * Beside each piece of evidence, the consent it was sent under: the scopes of the grant it names
 * as the customer signed them and of the grant request that grant answers, read from the stored
 * signed messages of a complaint filed through the API's route handlers (on SQLite and
 * PostgreSQL); or one sentence when the evidence names no grant, or one the clearinghouse does
 * not hold (failed before: no scope was shown at all). Evidence that is itself a grant request
 * shows the scopes it asked for (failed before: "names no grant", nothing to judge it by). Run
 * through the browser's check (evidence.ts) on the material the route loads, the request a grant
 * answers is verified against the grant's signed hash, a stored request swapped for another of
 * the company's is not shown as what it asked, and a purpose the customer revoked is marked with
 * the time of the signed revocation.
 */
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { t, type Locale, type MessageKey } from '$protocol/i18n';
import { exampleMessages } from '$protocol/messages/examples';
import {
  expectJson,
  newRegulator,
  openApiHarness,
  post,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from '$lib/server/api-test-kit';
import {
  complaintDesk,
  complaintToken,
  enrolPerson,
  grantRequestToken,
  grantedPseudonym,
  registerCompany,
} from '$lib/server/api-test-world';
import type { ReviewMaterial } from '$lib/server/dashboard-review';
import { formatDayTime } from '$lib/components/format';
import { verifyEvidence } from '$lib/components/regulator/evidence';
import { consentChecks, consentView } from '$lib/components/regulator/grant-scopes';
import { claims, sign } from '$lib/server/api-test-kit';
import { peekClaims } from '$lib/server/auth/signatures';
import { translator } from '$protocol/i18n';
import { ready } from '$protocol/sodium';
import { testDialects } from '$lib/server/db/test-databases';
import * as complaintsRoute from '../api/v1/complaints/+server';
import * as grantRequestsRoute from '../api/v1/grant-requests/+server';
import * as revocationsRoute from '../api/v1/revocations/+server';
import ReviewPage from './complaints/[sha256]/+page.svelte';
import * as reviewServer from './complaints/[sha256]/+page.server';

const day = Date.UTC(2026, 0, 5);
const companyId = 'co_' + 'C'.repeat(43);
const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));
const jws = (payload: unknown) => `${part({ alg: 'EdDSA' })}.${part(payload)}.c2ln`;
const iat = day / 1000 + 13 * 3600;

const body = 'Neu: <img src=x onerror=alert(1)> der Laufschuh & mehr. ' + 'Lauf'.repeat(500);
const offerContent = {
  iss: companyId,
  iat,
  grantSha256: 'g'.repeat(43),
  purpose: 'product_launch',
  channel: 'newsletter',
  brand: 'Beispiel Running',
  category: 'sports/running',
  title: 'Der neue Laufschuh',
  body,
  validUntil: iat + 7 * 86_400,
  advertisement: true,
  unsubscribe: 'https://running.example/abmelden?p=1&q=2',
};
const disclosure = {
  iss: companyId,
  iat,
  dataRequestSha256: 'r'.repeat(43),
  holdings: [
    {
      dataCategory: 'address',
      sources: ['broker'],
      purposes: ['product_launch'],
      retentionDays: 365,
      recipients: [{ name: 'Paket <GmbH>', country: 'DE' }],
    },
  ],
};

function html(locale: Locale, evidence: { kind: string; jws: string }[], reasons: string[]) {
  return render(ReviewPage, {
    props: {
      data: {
        locale,
        version: '1',
        path: '/regulator/complaints/x',
        person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
        material: {
          origin: 'http://localhost:3000',
          complaint: {
            sha256: 's'.repeat(43),
            jws: jws({ evidence, reasons }),
            company: companyId,
            pseudonym: 'ps_' + 'p'.repeat(43),
            reasons,
            receivedAt: day,
            decision: null,
          },
          company: {
            id: companyId,
            legalName: 'Schlamperei AG',
            status: 'active',
            keys: [],
            staffKeys: [],
          },
          pseudonymKey: null,
          grants: evidence.map(() => null),
        },
      },
    } as never,
  }).body;
}

/** The evidence section, its `dt`/`dd` pairs as `[name, value]`. */
function facts(page: string): [string, string][] {
  const section = page.match(/aria-labelledby="evidence".*?<\/section>/s)![0];
  return [...section.matchAll(/<dt[^>]*>(.*?)<\/dt>\s*<dd[^>]*>(.*?)<\/dd>/gs)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

describe("a complaint's review of its evidence", () => {
  it.each(['de', 'en'] as const)(
    'shows in %s the offer’s unsubscribe link, text and category for a missing unsubscribe link',
    (locale) => {
      const shown = facts(
        html(locale, [{ kind: 'offer-content', jws: jws(offerContent) }], ['missing_unsubscribe']),
      );
      const name = (field: string) =>
        t(locale, `portal.regulator.evidence.field.${field}` as MessageKey);
      const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      expect(shown).toContainEqual([
        name('unsubscribe'),
        'https://running.example/abmelden?p=1&amp;q=2',
      ]);
      expect(shown).toContainEqual([name('body'), escaped(body)]);
      expect(shown).toContainEqual([name('category'), 'sports/running']);
      expect(shown.map(([field]) => field)).toEqual(
        [
          'purpose',
          'channel',
          'brand',
          'category',
          'title',
          'body',
          'unsubscribe',
          'validUntil',
          'advertisement',
          'iat',
        ].map(name),
      );
      // The company's text is text: no element of its own in the page.
      expect(JSON.stringify(shown)).not.toContain('<img');
    },
  );

  it.each(['de', 'en'] as const)(
    'shows in %s what a disclosure says the company holds',
    (locale) => {
      const shown = facts(
        html(locale, [{ kind: 'disclosure', jws: jws(disclosure) }], ['undisclosed_data']),
      );
      const name = (field: string) =>
        t(locale, `portal.regulator.evidence.field.${field}` as MessageKey);
      expect(shown).toEqual(
        expect.arrayContaining([
          [name('holding'), t(locale, 'vocabulary.dataCategory.address')],
          [name('holdingSources'), t(locale, 'vocabulary.provenanceSource.broker')],
          [name('holdingPurposes'), t(locale, 'vocabulary.purpose.product_launch')],
          [name('holdingRetentionDays'), '365'],
          [name('holdingRecipients'), 'Paket &lt;GmbH> (DE)'],
        ]),
      );
    },
  );
});

describe("a complaint's review beside a grant it cannot show", () => {
  it.each(['de', 'en'] as const)(
    'says in %s in one sentence that evidence naming no grant has no scope to judge it by',
    (locale) => {
      const page = html(locale, [{ kind: 'disclosure', jws: jws(disclosure) }], ['other']);
      const consent = page.match(/data-testid="evidence-consent".*?<\/section>/s)?.[0] ?? '';
      expect(consent).toMatch(
        new RegExp(
          `<p data-testid="consent-none"[^>]*>${t(locale, 'portal.regulator.scope.noGrant')}</p>`,
        ),
      );
      expect(consent).not.toContain('consent-grant');
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s in one sentence that the grant the evidence names is not held',
    (locale) => {
      const page = html(locale, [{ kind: 'offer-content', jws: jws(offerContent) }], ['other']);
      const consent = page.match(/data-testid="evidence-consent".*?<\/section>/s)?.[0] ?? '';
      expect(consent).toContain(t(locale, 'portal.regulator.scope.unknownGrant'));
      expect(consent).not.toContain('consent-grant');
    },
  );
});

describe("a complaint's review beside a grant with time windows and recipients", () => {
  // The protocol's example grant (Monday to Friday, 18:00–21:00 in Berlin) and the request it
  // answers with the very scopes granted, only the recipients added to both.
  const recipients = [{ name: 'Versand <GmbH>', country: 'DE' }, { name: 'Druckerei Nord' }];
  const scopes = exampleMessages.grant.scopes.map((s) => ({ ...s, onwardRecipients: recipients }));
  const grant = { ...exampleMessages.grant, scopes };
  const request = { ...exampleMessages['grant-request'], scopes };
  const offer = { ...offerContent, grantSha256: 'g'.repeat(43) };

  it.each(['de', 'en'] as const)(
    'says in %s when and to whom, and that the request asked for exactly that',
    (locale) => {
      const page = render(ReviewPage, {
        props: {
          data: {
            locale,
            version: '1',
            path: '/regulator/complaints/x',
            person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
            material: {
              origin: 'http://localhost:3000',
              complaint: {
                sha256: 's'.repeat(43),
                jws: jws({ evidence: [{ kind: 'offer-content', jws: jws(offer) }] }),
                company: companyId,
                pseudonym: 'ps_' + 'p'.repeat(43),
                reasons: ['outside_time_window'],
                receivedAt: day,
                decision: null,
              },
              company: {
                id: companyId,
                legalName: 'S AG',
                status: 'active',
                keys: [],
                staffKeys: [],
              },
              pseudonymKey: null,
              grants: [
                {
                  sha256: 'g'.repeat(43),
                  jws: jws(grant),
                  revocations: [],
                  contactsBefore: 0,
                  request: { sha256: 'q'.repeat(43), jws: jws(request) },
                },
              ],
            },
            decision: null,
          },
        } as never,
      }).body;
      const days = [1, 2, 3, 4, 5]
        .map((d) => t(locale, `portal.console.request.day.${d}` as MessageKey))
        .join(', ');
      expect(pairs(page, 'consent-grant-scope')).toEqual(
        expect.arrayContaining([
          [
            t(locale, 'portal.regulator.scope.timeWindows'),
            t(locale, 'portal.regulator.scope.window', { days, from: '18:00', to: '21:00' }),
          ],
          [
            t(locale, 'portal.regulator.scope.recipients'),
            'Versand &lt;GmbH> (DE); Druckerei Nord',
          ],
        ]),
      );
      expect(pairs(page, 'consent-grant')).toContainEqual([
        t(locale, 'portal.regulator.scope.relationship'),
        t(locale, 'vocabulary.relationshipType.pragmatic_buyer'),
      ]);
      expect(page).toContain(t(locale, 'portal.regulator.scope.requestSame'));
      expect(page).not.toContain('consent-request-scope');
    },
  );
});

/** The `dt`/`dd` pairs of the definition lists marked `testid` in `html`, as `[name, value]`. */
function pairs(html: string, testid: string): [string, string][] {
  const lists = [
    ...html.matchAll(new RegExp(`<dl[^>]*data-testid="${testid}"[^>]*>(.*?)</dl>`, 'gs')),
  ];
  return lists.flatMap((list) =>
    [...list[1]!.matchAll(/<dt[^>]*>(.*?)<\/dt>\s*<dd[^>]*>(.*?)<\/dd>/gs)].map(
      (m): [string, string] => [m[1]!, m[2]!],
    ),
  );
}

describe.each(testDialects)(
  'the consent beside the evidence of a complaint filed through the API, on %s',
  (dialect) => {
    let api: ApiHarness;
    let session: string;
    let company: TestCompany;

    /** Loads the review of `sha256` by its route's `load`, with a regulator's session. */
    async function review(sha256: string) {
      const path = `/regulator/complaints/${sha256}`;
      const event = {
        url: new URL(testOrigin + path),
        params: { sha256 },
        cookies: {
          get: (name: string) => (name === 'session' ? session : undefined),
          getAll: () => [],
          set() {},
          delete() {},
        },
        setHeaders() {},
        locals: {},
      };
      const loaded = (await reviewServer.load(event as never)) as { material: ReviewMaterial };
      const page = (locale: Locale) =>
        render(ReviewPage, {
          props: { data: { ...loaded, locale, version: '1', path } } as never,
        }).body;
      return { material: loaded.material, page };
    }

    beforeAll(async () => {
      api = await openApiHarness(dialect);
      const { token } = await api.services.people.createEnrolment({
        role: 'regulator',
        name: 'Rita Rechtmann',
        createdBy: 'admin',
      });
      session = (await enrolPerson(api, token)).session;
      company = (await registerCompany(api)).company;
    });

    afterAll(async () => {
      await api?.close();
    });

    it('shows the scope the customer signed and the one the company asked for, as signed', async () => {
      // The company asks for e-mail and newsletter; the customer grants the newsletter only
      // (api-test-world.ts `grantToken`), and the company's offer under that grant is the evidence.
      const requestJws = await grantRequestToken(api, company);
      const { sha256: requestSha256 } = await expectJson<{ sha256: string }>(
        await post(grantRequestsRoute.POST, '/api/v1/grant-requests', requestJws),
        201,
      );
      const granted = await grantedPseudonym({ api, company, requestSha256 });
      const { sha256 } = await expectJson<{ sha256: string }>(
        await post(
          complaintsRoute.POST,
          '/api/v1/complaints',
          await complaintToken(api, granted.pseudonym, company, granted),
        ),
        201,
      );
      const { material, page } = await review(sha256);
      expect(material.grants[0]?.sha256).toBe(granted.grantSha256);
      expect(material.grants[0]?.request).toEqual({ sha256: requestSha256, jws: requestJws });

      for (const locale of ['de', 'en'] as const) {
        const consent = page(locale).match(/data-testid="evidence-consent".*?<\/section>/s)?.[0];
        expect(consent).toBeDefined();
        const heading = t(locale, 'portal.regulator.scope.item', {
          index: 1,
          purpose: t(locale, 'vocabulary.purpose.product_launch'),
        });
        expect(consent).toMatch(
          new RegExp(`<h5[^>]*data-testid="consent-grant-scope-heading"[^>]*>${heading}</h5>`),
        );
        const given = pairs(consent!, 'consent-grant-scope');
        const asked = pairs(consent!, 'consent-request-scope');
        const channels = t(locale, 'portal.console.request.channels');
        // What the customer signed: the newsletter only, not the e-mail the company asked for.
        expect(given).toContainEqual([channels, t(locale, 'vocabulary.channel.newsletter')]);
        expect(asked).toContainEqual([
          channels,
          [t(locale, 'vocabulary.channel.email'), t(locale, 'vocabulary.channel.newsletter')].join(
            ', ',
          ),
        ]);
        for (const shown of [given, asked]) {
          expect(shown).toEqual(
            expect.arrayContaining([
              [
                t(locale, 'portal.console.request.dataCategories'),
                [
                  t(locale, 'vocabulary.dataCategory.address'),
                  t(locale, 'vocabulary.dataCategory.preferences_habits'),
                ].join(', '),
              ],
              [
                t(locale, 'portal.regulator.scope.contactCap'),
                t(locale, 'portal.regulator.scope.perWeek', { count: 2 }),
              ],
              [
                t(locale, 'portal.regulator.scope.timeWindows'),
                t(locale, 'portal.regulator.scope.anyTime'),
              ],
              [t(locale, 'portal.console.request.timeZone'), 'Europe/Berlin'],
              [
                t(locale, 'portal.console.request.validUntil'),
                formatDayTime(locale, (api.clock.start + 2 * 365 * 86_400) * 1000),
              ],
              [
                t(locale, 'portal.regulator.scope.retention'),
                t(locale, 'portal.regulator.scope.days', { count: 365 }),
              ],
              [
                t(locale, 'portal.regulator.scope.recipients'),
                t(locale, 'portal.regulator.scope.none'),
              ],
            ]),
          );
        }
        expect(pairs(consent!, 'consent-grant')).toEqual(
          expect.arrayContaining([
            [t(locale, 'portal.regulator.scope.sha256'), granted.grantSha256],
            [
              t(locale, 'portal.regulator.scope.preferredChannel'),
              t(locale, 'vocabulary.channel.newsletter'),
            ],
          ]),
        );
        // Why the company asked, in each language as it signed it.
        expect(pairs(consent!, 'consent-request')).toEqual(
          expect.arrayContaining([
            [t(locale, 'portal.regulator.scope.sha256'), requestSha256],
            [
              t(locale, 'portal.regulator.evidence.field.askingReasonEn'),
              'News about running shoes.',
            ],
          ]),
        );
        expect(consent).toContain(t(locale, 'portal.regulator.scope.requestDiffers'));
        expect(consent).not.toContain(t(locale, 'portal.regulator.scope.noGrant'));
      }
    });

    it('shows the scopes a grant request asked for when it is the evidence, while the browser checks it', async () => {
      // The complaint desk's evidence is the company's open grant request: it names no grant.
      const file = await complaintDesk(api, await newRegulator(api)).filer(company);
      const { material, page } = await review(await file());
      expect(material.grants).toEqual([null]);
      for (const locale of ['de', 'en'] as const) {
        const consent = page(locale).match(/data-testid="evidence-consent".*?<\/section>/s)?.[0];
        expect(consent).toContain(t(locale, 'portal.regulator.scope.request'));
        // On the server the check has not run: said so, never "verified".
        expect(consent).toContain(t(locale, 'portal.regulator.scope.requestPending'));
        expect(consent).not.toContain(t(locale, 'portal.regulator.scope.askedVerified'));
        expect(pairs(consent!, 'consent-request-scope')).toContainEqual([
          t(locale, 'portal.console.request.channels'),
          [t(locale, 'vocabulary.channel.email'), t(locale, 'vocabulary.channel.newsletter')].join(
            ', ',
          ),
        ]);
        expect(consent).not.toContain(t(locale, 'portal.regulator.scope.noGrant'));
        expect(consent).not.toContain('consent-grant');
      }
    });

    it('verifies the request in the browser, marks the purpose revoked since, and shows no swapped request', async () => {
      await ready();
      const requestJws = await grantRequestToken(api, company);
      const { sha256: requestSha256 } = await expectJson<{ sha256: string }>(
        await post(grantRequestsRoute.POST, '/api/v1/grant-requests', requestJws),
        201,
      );
      const granted = await grantedPseudonym({ api, company, requestSha256 });
      api.clock.advance(60);
      const { sha256 } = await expectJson<{ sha256: string }>(
        await post(
          complaintsRoute.POST,
          '/api/v1/complaints',
          await complaintToken(api, granted.pseudonym, company, granted),
        ),
        201,
      );
      // After the offer, the customer takes product launches back.
      api.clock.advance(120);
      const revocation = await sign(
        'revocation',
        {
          ...claims(api.clock, granted.pseudonym.id, company.id),
          grants: [{ grantSha256: granted.grantSha256, purposes: ['product_launch'] }],
        },
        granted.pseudonym.keyPair,
      );
      const revokedAt = api.clock.seconds();
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);

      const { material } = await review(sha256);
      const now = api.clock.seconds();
      const report = await verifyEvidence(material, now);
      expect(report.steps.find((s) => s.step === 'request-signature')).toMatchObject({
        index: 0,
        ok: true,
        detail: company.kid,
      });
      const evidence = peekClaims(
        (peekClaims(material.complaint.jws).payload.evidence as { jws: string }[])[0]!.jws,
      ).payload;
      for (const locale of ['de', 'en'] as const) {
        const shown = consentView(evidence, material.grants[0], translator(locale), locale, {
          kind: 'offer',
          checks: consentChecks(report, 0, 'offer'),
        });
        if (shown.state !== 'known') throw new Error(shown.state);
        expect(shown.request).toMatchObject({ state: 'stored', verified: true });
        expect(shown.grant.scopes.map((s) => s.revoked)).toEqual([
          t(locale, 'portal.regulator.scope.revokedOn', {
            at: formatDayTime(locale, revokedAt * 1000),
          }),
        ]);
      }

      // Another request of the company's, stored where the grant's should be: not what it asked.
      const other = await grantRequestToken(api, company);
      await expectJson(await post(grantRequestsRoute.POST, '/api/v1/grant-requests', other), 201);
      const swapped = {
        ...material,
        grants: [{ ...material.grants[0]!, request: { sha256: requestSha256, jws: other } }],
      };
      const refused = await verifyEvidence(swapped, now);
      expect(refused.steps.find((s) => s.step === 'request-signature')).toMatchObject({
        ok: false,
        code: 'request_mismatch',
      });
      const shown = consentView(evidence, swapped.grants[0], translator('en'), 'en', {
        kind: 'offer',
        checks: consentChecks(refused, 0, 'offer'),
      });
      expect(shown).toMatchObject({
        request: {
          state: 'unverified',
          cause: t('en', 'portal.regulator.rule.request_mismatch'),
        },
      });
    });
  },
);
