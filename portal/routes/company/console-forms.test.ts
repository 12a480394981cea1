/**
 * The console's forms answer their fields themselves, in the portal's language: the request form
 * and each key's "Declare compromised" form are `novalidate` (the browser's bubble said "Value must
 * be greater than or equal to 1." or "Please fill out this field." in the browser's language,
 * tied to no sentence of the page), and a problem of a field is said beside it, the field marked
 * invalid and described by it, as on the registration form.
 */
import { isActionFailure } from '@sveltejs/kit';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t, type Locale, type MessageKey, type Params } from '$protocol/i18n';
import { requestFields } from '$lib/components/company/request-form';
import { openApiHarness, testOrigin, type ApiHarness } from '$lib/server/api-test-kit';
import { enrolPerson, registerCompany } from '$lib/server/api-test-world';
import { consoleLists, type ConsoleOverview } from '$lib/server/company-console';
import { testDialects } from '$lib/server/db/test-databases';
import Page from './+page.svelte';
import { actions } from './+page.server';

const kid = 'K'.repeat(43);
const companyId = `co_${kid}`;
const none = { onTime: 0, overdue: 0, open: 0 };
const overview = {
  company: {
    id: companyId,
    status: 'active',
    legalName: 'Laufschuh GmbH',
    registerId: 'HRB 4711',
    domain: 'https://laufschuh.example',
    purposes: ['product_launch'],
    brands: [],
    domainVerifiedAt: 1,
    registeredAt: 1,
    trust: {
      status: 'active',
      activeRelationships: 0,
      revocationAcks: none,
      dataRequests: none,
      outOfScopeAccess: 0,
      upheldComplaints: 0,
      boycotts: 0,
      refusedRelayAttempts: 0,
    },
    keys: [
      {
        kid,
        jwk: { kty: 'OKP', crv: 'Ed25519', x: 'x'.repeat(43) },
        addedAt: 1_767_225_600_000,
        retiredAt: null,
        compromisedSince: null,
      },
    ],
  },
  ackDeadlineHours: 72,
  webhook: null,
  domainProof: {
    url: 'https://laufschuh.example/.well-known/consent-clearinghouse.json',
    body: {},
  },
  staff: [],
  invitations: [],
  revocations: [],
  grants: [],
  refusals: [],
  requests: [],
  dataRequests: [
    {
      sha256: 'D'.repeat(43),
      pseudonym: `ps_${'p'.repeat(43)}`,
      type: 'access',
      jws: 'x.y.z',
      receivedAt: 1_767_225_600_000,
      deadline: 1_769_817_600_000,
      answer: null,
      dataCategories: null,
      pseudonymKey: 'q'.repeat(43),
      storedDisclosure: null,
    },
  ],
  answeredRequests: [],
  answeredList: { size: 20, days: 90 },
  corrections: [
    {
      id: 'c1',
      cursor: 'c1',
      pseudonym: `ps_${'p'.repeat(43)}`,
      jws: 'x.y.z',
      receivedAt: 1_767_225_600_000,
      dataCategory: 'address',
    },
  ],
  findings: [],
  offers: [],
  complaints: [],
  suspension: null,
  paging: Object.fromEntries(consoleLists.map((list) => [list, { page: 1, hasNext: false }])),
} as unknown as ConsoleOverview;

function console_(
  locale: Locale,
  form: Record<string, unknown> | null = null,
  changes: Record<string, unknown> = {},
): string {
  const person = { id: 'p1', role: 'staff', name: 'Sam', companyId, kid: null, signer: null };
  return render(Page, {
    props: {
      data: {
        locale,
        person,
        overview: { ...overview, ...changes },
        origin: 'http://localhost:3000',
      },
      form,
    } as never,
  }).body;
}

/** `text` as the page's HTML carries it. */
const escape = (text: string) => text.replaceAll('&', '&amp;');

/** The opening tag of the element `pattern` finds. */
const tag = (body: string, pattern: RegExp) => body.match(pattern)?.[0] ?? '';

describe('the console’s forms', () => {
  it.each([
    ['the grant request', 'form-request'],
    ['a key’s "Declare compromised"', `form-declare-${kid}`],
    ['an access request’s disclosure', `form-disclose-${'D'.repeat(43)}`],
    ['a correction’s deletion', 'form-correction-c1'],
  ])('leave the browser’s bubble away: %s is novalidate', (_form, id) => {
    const form = tag(console_('de'), new RegExp(`<form[^>]*id="${id}"[^>]*>`));
    expect(form).not.toBe('');
    expect(form).toContain('novalidate');
  });

  it('keep a field’s own description beside the problem’s', () => {
    const body = console_('en');
    expect(tag(body, /<input[^>]*name="confirm"[^>]*>/)).toContain(
      'aria-describedby="correction-explain-c1"',
    );
    expect(tag(body, /<textarea[^>]*data-export[^>]*>/)).toContain(
      `aria-describedby="export-left-${'D'.repeat(43)}"`,
    );
  });

  it.each(['de', 'en'] as const)(
    'say in %s what is wrong beside each field of the request form, tied to it',
    (locale) => {
      // At most 0 contacts a week, data kept for -3 days: what the browser's bubble answered.
      const form = new FormData();
      form.set('purposes', 'product_launch');
      form.set('channels', 'email');
      form.set('maxContactsPerWeek', '0');
      form.set('retentionDays', '-3');
      form.set('reasonDe', 'Neuheiten');
      form.set('reasonEn', 'News');
      const checked = requestFields(form, 1_767_225_600);
      expect(checked.ok).toBe(false);
      const fieldErrors = checked.ok ? [] : checked.errors;
      expect(fieldErrors.map((e) => e.field)).toEqual(['maxContactsPerWeek', 'retentionDays']);

      // As +page.server.ts answers the form (and the page itself, before it signs anything).
      const body = console_(locale, {
        action: 'request',
        error: fieldErrors[0]!.key,
        fieldErrors,
      });
      for (const { field, key } of fieldErrors) {
        const id = `form-request-${field}-error`;
        // Failed before: no field was marked; the sentences stood under the form, tied to none.
        const input = tag(body, new RegExp(`<input[^>]*name="${field}"[^>]*>`));
        expect(input).toContain('aria-invalid="true"');
        expect(input).toContain(`aria-describedby="${id}"`);
        expect(body).toMatch(new RegExp(`<p id="${id}"[^>]*>\\s*${t(locale, key)}\\s*</p>`));
      }
      // The fields with nothing wrong stay unmarked.
      expect(tag(body, /<input[^>]*name="timeZone"[^>]*>/)).not.toContain('aria-invalid');
      expect(tag(body, /<textarea[^>]*name="reasonDe"[^>]*>/)).not.toContain('aria-invalid');
    },
  );

  it('mark nothing while nothing was sent', () => {
    expect(console_('en')).not.toContain('aria-invalid');
  });
});

describe('the console’s recipients field', () => {
  it.each([
    ['Versanddienst GmbH, DEU'],
    ['Druckerei Schmidt, Deutschland'],
    ['Druckerei Schmidt,'],
    ['Müller, Schmidt & Co'],
  ])('refuses a line whose text after its last comma is no country code: %s', (line) => {
    // Failed before: the first two were signed as names without a country.
    const form = new FormData();
    form.set('recipients', `Versand GmbH, DE\n${line}`);
    const checked = requestFields(form, 1_767_225_600);
    expect(checked.ok ? [] : checked.errors).toContainEqual({
      field: 'recipients',
      key: 'portal.console.recipients.error.country',
      params: { line: 2, text: line },
    });
  });

  it('takes a country code in either case, upper-cased, and a name with a comma before its country', () => {
    const form = new FormData();
    for (const [name, value] of Object.entries({
      purposes: 'product_launch',
      channels: 'email',
      retentionDays: '365',
      reasonDe: 'Neuheiten',
      reasonEn: 'News',
      recipients: 'Logistik AG, us\nMüller, Schmidt & Co, DE\nDruckerei Nord',
    }))
      form.set(name, value);
    const checked = requestFields(form, 1_767_225_600);
    expect(checked.ok && checked.fields.scopes[0]!.onwardRecipients).toEqual([
      { name: 'Logistik AG', country: 'US' },
      { name: 'Müller, Schmidt & Co', country: 'DE' },
      { name: 'Druckerei Nord' },
    ]);
  });

  it.each(['de', 'en'] as const)(
    'says the rule in %s under the field, which it describes',
    (locale) => {
      const body = console_(locale);
      expect(tag(body, /<textarea[^>]*name="recipients"[^>]*>/)).toContain(
        'aria-describedby="recipients-hint"',
      );
      expect(body).toContain(escape(t(locale, 'portal.console.request.recipientsHint')));
    },
  );
});

describe('a suspended company’s console', () => {
  const suspended = {
    company: { ...overview.company, status: 'suspended' },
    suspension: {
      sha256: 'S'.repeat(43),
      at: 1_767_225_600_000,
      reason: { de: 'Verstöße.', en: 'Violations.' },
    },
    staff: [
      { id: 'p1', name: 'Sam', role: 'staff', companyId, kid: null, signer: null },
      { id: 'p2', name: 'Kim', role: 'staff', companyId, kid: null, signer: null },
    ],
  };

  it.each(['de', 'en'] as const)(
    'says in %s at the request and invitation forms that they cannot be sent, and why',
    (locale) => {
      // Failed before: the whole form was offered; only sending it said the company was not active.
      const body = console_(locale, null, suspended);
      for (const action of ['request', 'invite'] as const) {
        const said = tag(body, new RegExp(`<p[^>]*id="${action}-suspended"[^>]*>`));
        expect(said).not.toBe('');
        const from = body.indexOf(said);
        const sentence = body.slice(from, body.indexOf('</p>', from));
        expect(sentence).toContain(escape(t(locale, `portal.console.suspended.${action}`)));
        expect(sentence).toContain('href="#suspension"');
      }
      const requestSubmit = tag(
        body.slice(body.indexOf('id="form-request"')),
        /<button type="submit"(?![^>]*hidden)[^>]*>/,
      );
      expect(requestSubmit).toContain('aria-disabled="true"');
      expect(requestSubmit).toContain('aria-describedby="request-suspended"');
      const inviteSubmit = tag(
        body.slice(body.indexOf('id="form-invite"')),
        /<button type="submit"[^>]*>/,
      );
      expect(inviteSubmit).toContain('aria-disabled="true"');
      expect(inviteSubmit).toContain('aria-describedby="invite-suspended"');
      expect(body).toContain('id="suspension"');
    },
  );

  it('offers the forms as before while the company is active', () => {
    const body = console_('en');
    expect(body).not.toContain('request-suspended');
    expect(body).not.toContain('invite-suspended');
    expect(
      tag(
        body.slice(body.indexOf('id="form-request"')),
        /<button type="submit"(?![^>]*hidden)[^>]*>/,
      ),
    ).toContain('aria-disabled="false"');
  });
});

describe('the console’s answered data requests', () => {
  const at = 1_767_225_600_000;
  const answered = {
    dataRequests: [],
    answeredRequests: [
      {
        sha256: 'A'.repeat(43),
        pseudonym: `ps_${'a'.repeat(43)}`,
        type: 'erasure',
        receivedAt: at,
        deadline: at + 30 * 86_400_000,
        answeredAt: at + 40 * 86_400_000,
        onTime: false,
        outcome: 'refused',
        erased: [],
        kept: [],
        reason: { de: 'Keine Daten gespeichert.', en: 'No data held.' },
      },
      {
        sha256: 'B'.repeat(43),
        pseudonym: `ps_${'b'.repeat(43)}`,
        type: 'erasure',
        receivedAt: at,
        deadline: at + 30 * 86_400_000,
        answeredAt: at + 86_400_000,
        onTime: true,
        outcome: 'erased',
        erased: ['address'],
        kept: ['health'],
        reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
      },
    ],
  };

  it.each(['de', 'en'] as const)(
    'lists in %s what each answer said, when, and whether on time, apart from the open ones',
    (locale) => {
      // Failed before: an answered request vanished; the section said only "Nothing here".
      const body = console_(locale, null, answered);
      expect(body).toContain(t(locale, 'portal.console.dataRequests.noneOpen'));
      const rows = body.match(/<li[^>]*data-testid="answered-request"[\s\S]*?<\/li>/g) ?? [];
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain('data-outcome="refused"');
      expect(rows[0]).toContain('data-on-time="false"');
      expect(rows[0]).toContain(answered.answeredRequests[0]!.reason[locale]);
      expect(rows[1]).toContain('data-outcome="erased"');
      expect(rows[1]).toContain(t(locale, 'vocabulary.dataCategory.address'));
      expect(rows[1]).toContain(t(locale, 'vocabulary.dataCategory.health'));
      expect(rows[1]).toContain('data-on-time="true"');
    },
  );
});

describe('the console’s recent requests and keys', () => {
  const at = 1_796_601_600_000; // 7 Dec 2026, 00:00 UTC
  const requests = [
    { sha256: 'V'.repeat(43), targeted: false, createdAt: at, link: null, voided: true },
    {
      sha256: 'O'.repeat(43),
      targeted: false,
      createdAt: at,
      link: `http://localhost:3000/api/v1/grant-requests/${'O'.repeat(43)}`,
      voided: false,
    },
    { sha256: 'T'.repeat(43), targeted: true, createdAt: at, link: null, voided: false },
  ];
  /** The cells of each row of the recent requests, as text. */
  const rowsOf = (body: string) =>
    (body.match(/<tr[^>]*data-testid="recent-request"[\s\S]*?<\/tr>/g) ?? []).map((row) =>
      (row.match(/<td[^>]*>[\s\S]*?<\/td>/g) ?? []).map((cell) =>
        cell
          .replace(/<[^>]+>/g, ' ')
          .replace(/<!--[\s\S]*?-->/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    );

  it.each(['de', 'en'] as const)(
    'say in %s to whom each request is open and whether it still counts, each in its own cell',
    (locale) => {
      const body = console_(locale, null, { requests });
      for (const heading of [
        'portal.console.request.reference',
        'portal.console.request.made',
        'portal.console.request.audience',
        'portal.console.revocations.state',
      ] as const) {
        expect(body).toMatch(new RegExp(`<th scope="col"[^>]*>${t(locale, heading)}</th>`));
      }
      // Failed before: "…, 7 Dec 2026, open void: signed with…" ran on in one line.
      const [voided, open, targeted] = rowsOf(body);
      expect(voided).toHaveLength(4);
      expect(voided![2]).toBe(t(locale, 'portal.console.request.open'));
      expect(voided![3]).toBe(t(locale, 'portal.console.request.voided'));
      expect(open![2]).toBe(t(locale, 'portal.console.request.open'));
      expect(open![3]).toBe(
        `${t(locale, 'portal.console.request.valid')} ${t(locale, 'portal.console.request.shareLink')}: ${requests[1]!.link}`,
      );
      expect(targeted![2]).toBe(t(locale, 'portal.console.request.targeted'));
      expect(targeted![3]).toBe(t(locale, 'portal.console.request.valid'));
    },
  );

  it('say "open to anyone", not "open", which reads as a state', () => {
    expect(t('en', 'portal.console.request.open')).toBe('open to anyone');
    expect(t('de', 'portal.console.request.open')).toBe('für alle offen');
  });

  it.each([
    ['de', '07.12.2026, 13:05:07 UTC'],
    ['en', '7 Dec 2026, 13:05:07 UTC'],
  ] as const)(
    'show in %s since when a key is compromised, to the second, in UTC',
    (locale, time) => {
      const keys = overview.company.keys!.map((key) => ({
        ...key,
        retiredAt: at / 1000 + 47_107,
        compromisedSince: at / 1000 + 47_107,
      }));
      const body = console_(locale, null, { company: { ...overview.company, keys } });
      // Failed before: "Compromised" only.
      const cell = body.match(/<td data-testid="key-state"[^>]*>[\s\S]*?<\/td>/)?.[0] ?? '';
      expect(cell).toContain(t(locale, 'portal.console.keys.compromised'));
      expect(cell).toContain(t(locale, 'portal.console.keys.compromisedSince', { time }));
    },
  );

  it.each(['de', 'en'] as const)(
    'say in %s that a key declared compromised signed the refused request, and since when',
    (locale) => {
      const time = locale === 'de' ? '07.12.2026, 13:05:07 UTC' : '7 Dec 2026, 13:05:07 UTC';
      // As +page.server.ts answers a refusal whose detail says so (consoleFailure).
      const body = console_(locale, {
        action: 'request',
        error: 'portal.console.key.compromised',
        params: { time },
        fieldErrors: [],
      });
      expect(body).toContain(escape(t(locale, 'portal.console.key.compromised', { time })));
      expect(body).not.toContain(t(locale, 'errors.ERR_JWS_KID_UNKNOWN'));
    },
  );
});

/**
 * The recipients field's sentences as the actions say them for a form sent without a signature
 * (+page.server.ts explains it with request-form.ts and disclosure-form.ts, as the page does in
 * the browser before it signs), posted by a logged-in staff member, and as the page then shows
 * them: the line at fault by its number and text, beside the field and above the form.
 */
describe.each(testDialects)(
  'the console’s actions on a faulty recipients line on %s',
  (dialect) => {
    let api: ApiHarness;
    let session: string;

    beforeAll(async () => {
      api = await openApiHarness(dialect);
      const { staffToken } = await registerCompany(api);
      ({ session } = await enrolPerson(api, staffToken, 'Sam Staff'));
    });
    afterAll(async () => {
      await api?.close();
    });

    /** What `action` answers `fields` posted with the staff member's session. */
    async function post(
      action: 'request' | 'disclose',
      fields: Record<string, string>,
    ): Promise<Record<string, unknown>> {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      const url = new URL(`${testOrigin}/company?/${action}`);
      const answer = await actions[action]!({
        request: new Request(url, { method: 'POST', body: form }),
        url,
        cookies: {
          get: (name: string) => (name === 'session' ? session : undefined),
          set() {},
          delete() {},
          getAll: () => [],
        },
        params: {},
        locals: {},
      } as never);
      expect(isActionFailure(answer)).toBe(true);
      return (answer as { data: Record<string, unknown> }).data;
    }

    /** The text of the `<p>` whose opening tag `pattern` finds. */
    const paragraph = (body: string, pattern: RegExp) => {
      const opening = tag(body, pattern);
      expect(opening).not.toBe('');
      const from = body.indexOf(opening) + opening.length;
      return body.slice(from, body.indexOf('</p>', from)).trim();
    };

    const country = 'portal.console.recipients.error.country' satisfies MessageKey;

    it.each(['en', 'de'] as const)(
      'the request action names the line in its answer, and the page says it in %s',
      async (locale) => {
        // Failed before: `recipientLines`, one sentence for the field, naming no line.
        const data = await post('request', {
          purposes: 'product_launch',
          channels: 'email',
          retentionDays: '365',
          reasonDe: 'Neuheiten',
          reasonEn: 'News',
          recipients: 'Logistik AG, us\n\nVersand GmbH, DEU\nDruckerei Nord',
        });
        const params = { line: 3, text: 'Versand GmbH, DEU' };
        expect(data).toMatchObject({
          action: 'request',
          error: country,
          params,
          fieldErrors: [{ field: 'recipients', key: country, params }],
        });
        const sentence = t(locale, country, params);
        expect(sentence).toContain(locale === 'en' ? 'Line 3 (“' : 'Zeile 3 („');

        const body = console_(locale, data);
        expect(tag(body, /<textarea[^>]*name="recipients"[^>]*>/)).toContain(
          'aria-describedby="recipients-hint form-request-recipients-error"',
        );
        expect(paragraph(body, /<p id="form-request-recipients-error"[^>]*>/)).toBe(sentence);
        expect(paragraph(body, /<p[^>]*data-testid="error-request"[^>]*>/)).toBe(sentence);
      },
    );

    it.each(['en', 'de'] as const)(
      'the disclose action names the line in its answer, and the request’s card says it in %s',
      async (locale) => {
        const requestSha256 = 'D'.repeat(43);
        const data = await post('disclose', {
          requestSha256,
          heldCategories: 'address',
          sources: 'direct',
          heldPurposes: 'product_launch',
          heldRetentionDays: '365',
          heldRecipients: ', DE\nVersand AG, DE',
        });
        const name = 'portal.console.recipients.error.name' satisfies MessageKey;
        const params: Params = { line: 1, text: ', DE' };
        expect(data).toMatchObject({ action: 'disclose', error: name, params, requestSha256 });
        const body = console_(locale, data);
        const card = body.slice(body.indexOf(`id="form-disclose-${requestSha256}"`));
        expect(paragraph(card, /<p[^>]*data-testid="error-disclose"[^>]*>/)).toBe(
          t(locale, name, params),
        );
        expect(t(locale, name, params)).toContain(
          locale === 'en' ? 'Line 1 (“, DE”)' : 'Zeile 1 („, DE“)',
        );
      },
    );

    it('says a sentence of any other field as before, without values', async () => {
      const data = await post('request', { channels: 'email', retentionDays: '365' });
      expect(data).toMatchObject({ error: 'portal.console.request.error.purposes' });
      expect(data).not.toHaveProperty('params');
    });
  },
);
