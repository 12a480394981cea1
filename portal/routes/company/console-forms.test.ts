/**
 * The console's forms answer their fields themselves, in the portal's language: the request form
 * and each key's "Declare compromised" form are `novalidate` (the browser's bubble said "Value must
 * be greater than or equal to 1." or "Please fill out this field." in the browser's language,
 * tied to no sentence of the page), and a problem of a field is said beside it, the field marked
 * invalid and described by it, as on the registration form.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import { requestFields } from '$lib/components/company/request-form';
import { consoleLists, type ConsoleOverview } from '$lib/server/company-console';
import Page from './+page.svelte';

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

function console_(locale: Locale, form: Record<string, unknown> | null = null): string {
  const person = { id: 'p1', role: 'staff', name: 'Sam', companyId, kid: null, signer: null };
  return render(Page, {
    props: {
      data: { locale, person, overview, origin: 'http://localhost:3000' },
      form,
    } as never,
  }).body;
}

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
