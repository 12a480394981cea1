/**
 * An enrolment link that cannot be used answers 404 (unknown) or 410 (used, expired, withdrawn),
 * not 200, with the sentence the page said before (./+error.svelte), never cached; a usable link
 * is served as before.
 */
import { isHttpError } from '@sveltejs/kit';
import { render } from 'svelte/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError, type ProtocolErrorCode } from '$protocol/errors';
import { t, type Locale } from '$protocol/i18n';

const state = vi.hoisted(() => ({
  inspect: (() => Promise.resolve({})) as (token: unknown) => Promise<unknown>,
  page: {
    status: 200,
    error: null as { message: string; code?: string } | null,
    data: { locale: 'de' as string },
  },
}));
vi.mock('$lib/server/services', () => ({
  getServices: () => Promise.resolve({ people: { inspectEnrolment: state.inspect } }),
}));
// Hoisted above the imports: the error page reads its status, error and locale from this stand-in.
vi.mock('$app/state', () => ({ page: state.page }));

const { load } = await import('./+page.server');
const { default: ErrorPage } = await import('./+error.svelte');
const { default: EnrolPage } = await import('./+page.svelte');

/** The load's answer for a link, and the headers it set. */
async function open(token: string) {
  const headers: Record<string, string> = {};
  const setHeaders = (h: Record<string, string>) => Object.assign(headers, h);
  try {
    return { data: await load({ params: { token }, setHeaders } as never), headers };
  } catch (thrown) {
    if (!isHttpError(thrown)) throw thrown;
    return { status: thrown.status, body: thrown.body, headers };
  }
}

describe('/enroll/<token>', () => {
  beforeEach(() => {
    state.inspect = () => Promise.resolve({});
  });

  it.each([
    ['ERR_ENROLMENT_UNKNOWN', 404],
    ['ERR_ENROLMENT_USED', 410],
    ['ERR_ENROLMENT_EXPIRED', 410], // withdrawn links answer this code too (people.ts)
    ['ERR_COMPANY_NOT_ACTIVE', 403], // the company is suspended
  ] as const)(
    'answers a link refused with %s with %i, not 200, and no cache',
    async (code: ProtocolErrorCode, status) => {
      state.inspect = () => Promise.reject(new ProtocolError(code, 'refused'));
      const answer = await open('a'.repeat(43));
      expect(answer).toMatchObject({ status, body: { code } });
      expect(answer.headers).toMatchObject({
        'cache-control': 'no-store',
        'referrer-policy': 'same-origin',
      });
    },
  );

  it('serves a usable link as before', async () => {
    const enrolment = { role: 'regulator', name: 'Erika', recovery: false, expiresAt: 1 };
    state.inspect = () => Promise.resolve(enrolment);
    expect((await open('b'.repeat(43))).data).toEqual({ token: 'b'.repeat(43), enrolment });
  });

  it('lets other failures through as they are', async () => {
    state.inspect = () => Promise.reject(new Error('database down'));
    await expect(open('c'.repeat(43))).rejects.toThrow('database down');
  });
});

describe('the page of a link that cannot be used (+error.svelte)', () => {
  function html(status: number, code: string | undefined, locale: Locale) {
    state.page.status = status;
    state.page.error = { message: 'x', ...(code === undefined ? {} : { code }) };
    state.page.data.locale = locale;
    return render(ErrorPage);
  }

  it.each(['de', 'en'] as const)('says in %s why the link does not work', (locale) => {
    for (const [status, code] of [
      [404, 'ERR_ENROLMENT_UNKNOWN'],
      [410, 'ERR_ENROLMENT_USED'],
      [410, 'ERR_ENROLMENT_EXPIRED'],
    ] as const) {
      const { body, head } = html(status, code, locale);
      expect(body).toContain(`<h1>${t(locale, 'portal.people.enrol.invalidTitle')}</h1>`);
      expect(body).toContain(`<p role="alert">${t(locale, `errors.${code}`)}</p>`);
      expect(head).toContain(
        `<title>${t(locale, 'portal.people.enrol.invalidTitle')} · ${t(locale, 'common.appName')}</title>`,
      );
    }
  });

  it.each(['de', 'en'] as const)(
    "says in %s that a suspended company's link works again once it is reinstated",
    (locale) => {
      const { body } = html(403, 'ERR_COMPANY_NOT_ACTIVE', locale);
      expect(body).toContain(`<h1>${t(locale, 'portal.people.enrol.invalidTitle')}</h1>`);
      expect(body).toContain(
        `<p role="alert">${t(locale, 'portal.people.enrol.companySuspended')}</p>`,
      );
      // Another 403 is no statement about the link.
      expect(html(403, 'ERR_NOT_AUTHORISED', locale).body).not.toContain(
        t(locale, 'portal.people.enrol.invalidTitle'),
      );
    },
  );

  it('reads a server failure as on every other page, not as a broken link', () => {
    const { body } = html(500, 'internal', 'en');
    expect(body).toContain(t('en', 'common.error.unexpected'));
    expect(body).not.toContain(t('en', 'portal.people.enrol.invalidTitle'));
  });
});

describe('the page of a link that asks for the name', () => {
  it.each(['de', 'en'] as const)(
    'answers an empty name itself in %s, not with the browser’s bubble (novalidate)',
    (locale) => {
      const enrolment = { role: 'regulator', name: null, recovery: false, expiresAt: 1 };
      const { body } = render(EnrolPage, {
        props: { data: { locale, token: 'd'.repeat(43), enrolment } } as never,
      });
      // Failed before: the browser's own "Please fill out this field." in its language, and
      // nothing at all for a name of spaces (people-ceremony.ts `enrolmentNameProblem` now).
      expect(body).toMatch(/<form[^>]*novalidate/);
      expect(body).toMatch(/<input[^>]*name="name"[^>]*required/);
      // Nothing is wrong yet: the field is not marked.
      expect(body).not.toContain('aria-invalid');
    },
  );
});
