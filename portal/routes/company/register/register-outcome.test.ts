/**
 * What /company/register says after a registration or a check of the domain proof, rendered on
 * the server in German and English: the outcome is a `tabindex="-1"` target the page focuses
 * (the form or the check's button that had the focus is gone once it is answered, and the focus
 * fell to the body), and a failed proof says what is wrong for this company and this domain (an
 * `http://` domain was told to fix its HTTPS certificate; a file naming another company did not
 * say which id it must name). That the focus lands there is for a browser to confirm
 * (test/e2e); here: the targets, their attributes and the sentences.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { locales, t, translator, type Locale } from '$protocol/i18n';
import RegisterPage from './+page.svelte';
import { proofSentence } from '$lib/components/company/domain-proof';

const companyId = `co_${'C'.repeat(43)}`;
const failed = 'ERR_DOMAIN_PROOF_FAILED';

/** The page after a full form POST of `action` answered with the company in `status`. */
function rendered(
  locale: Locale,
  action: 'register' | 'check',
  status: 'pending' | 'active',
  domainProof: unknown,
): string {
  const form = {
    action,
    company: { id: companyId, status, domainProof },
    staffEnrolment: null,
  };
  return render(RegisterPage, {
    props: { data: { locale, origin: 'http://localhost:3000' }, form } as never,
  }).body;
}

/** The attributes of the element with `id`, as rendered. */
function tagOf(body: string, id: string): string {
  const match = new RegExp(`<[a-z0-9]+[^>]*\\bid="${id}"[^>]*>`).exec(body);
  expect(match, `an element with id ${id}`).not.toBeNull();
  return match![0];
}

describe('/company/register after a registration', () => {
  it.each(locales)('shows it under a heading the page can focus (%s)', (locale) => {
    const body = rendered(locale, 'register', 'pending', null);
    const heading = tagOf(body, 'registered-title');
    expect(heading).toMatch(/^<h2/);
    expect(heading).toContain('tabindex="-1"');
    expect(body).toContain(companyId);
    // The form that had the focus is gone.
    expect(body).not.toContain('action="?/register"');
  });

  it.each(locales)('makes the proof’s result a focus target after a check (%s)', (locale) => {
    const ok = tagOf(rendered(locale, 'check', 'active', { verified: true }), 'proof-outcome');
    expect(ok).toContain('data-testid="proof-ok"');
    expect(ok).toContain('tabindex="-1"');
    const failedAgain = tagOf(
      rendered(locale, 'check', 'pending', { verified: false, code: failed, reason: 'status' }),
      'proof-outcome',
    );
    expect(failedAgain).toContain('data-testid="proof-failed"');
    expect(failedAgain).toContain('tabindex="-1"');
  });

  it.each(locales)('says which company id the proof file must name (%s)', (locale) => {
    const body = rendered(locale, 'register', 'pending', {
      verified: false,
      code: failed,
      reason: 'company-mismatch',
    });
    expect(body).toContain(t(locale, 'portal.register.proof.companyMismatch', { id: companyId }));
  });
});

describe('proofSentence', () => {
  it.each(locales)(
    'asks an http:// domain for a running server, not for HTTPS and a certificate (%s)',
    (locale) => {
      const tr = translator(locale);
      const network = { code: failed, reason: 'network' };
      const http = proofSentence(tr, network, 'http://localhost:4399', companyId);
      expect(http).toBe(t(locale, 'portal.register.proof.networkHttp'));
      expect(http).not.toMatch(/HTTPS|certificate|Zertifikat/);
      // An https domain keeps the general sentence, certificate and all.
      expect(proofSentence(tr, network, 'https://shop.example', companyId)).toBe(
        t(locale, 'portal.console.proof.reason.network'),
      );
    },
  );

  it.each(locales)('names the id a file of another company should name (%s)', (locale) => {
    const sentence = proofSentence(
      translator(locale),
      { code: failed, reason: 'company-mismatch' },
      'https://shop.example',
      companyId,
    );
    expect(sentence).toContain(companyId);
    expect(sentence).not.toBe(t(locale, 'portal.console.proof.reason.not-json'));
  });

  it('leaves every other reason to the general sentences', () => {
    expect(
      proofSentence(translator('en'), { code: failed, reason: 'dns' }, 'http://x', companyId),
    ).toBe(t('en', 'portal.console.proof.reason.dns'));
    expect(proofSentence(translator('en'), { code: 'ERR_ORIGIN_NOT_ALLOWED' }, undefined, '')).toBe(
      t('en', 'errors.ERR_ORIGIN_NOT_ALLOWED'),
    );
  });
});
