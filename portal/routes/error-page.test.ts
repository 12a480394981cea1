/**
 * The error page (+error.svelte) in German and English: a sentence of its own for a page that
 * does not exist and for one the person may not open (a regulator's page opened by anyone else,
 * dashboard-review.ts `requireRegulator`), where "try again" would mislead; the general one
 * otherwise. Its title names it, as every page's does ("Seite nicht gefunden · …").
 */
import { render } from 'svelte/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import ErrorPage from './+error.svelte';

const state = vi.hoisted(() => ({
  page: {
    status: 500,
    data: { locale: 'de' as string },
    error: null as { message: string; code?: string } | null,
  },
}));
// Hoisted above the imports: the page reads its status and locale from this stand-in.
vi.mock('$app/state', () => state);

function rendered(status: number, locale: Locale) {
  state.page.status = status;
  state.page.data.locale = locale;
  return render(ErrorPage);
}
const html = (status: number, locale: Locale): string => rendered(status, locale).body;

describe('the error page', () => {
  beforeEach(() => {
    state.page.status = 500;
    state.page.error = null;
  });

  it.each(['de', 'en'] as const)(
    'says that a legal text cannot be shown, and that the operator knows, in %s (failed before: "something went wrong")',
    (locale) => {
      state.page.error = {
        message: 'The imprint text cannot be shown',
        code: 'legal-text-unavailable',
      };
      const body = html(503, locale);
      expect(body).toContain(
        t(locale, 'portal.error.legalText').replace('’', '&#39;').slice(0, 30),
      );
      expect(body).not.toContain(t(locale, 'common.error.unexpected'));
    },
  );

  it.each(['de', 'en'] as const)(
    'tells a person without the right that the page is for regulators, in %s (failed before: "please try again")',
    (locale) => {
      const body = html(403, locale);
      expect(body).toContain(t(locale, 'portal.error.forbidden'));
      expect(body).not.toContain(t(locale, 'common.error.unexpected'));
    },
  );

  it.each([
    [400, 'malformed-address', 'portal.error.malformedAddress'],
    [400, 'bad-request', 'portal.error.badRequest'],
    [405, 'method-not-allowed', 'portal.error.methodNotAllowed'],
    [415, 'unsupported-media-type', 'portal.error.unsupportedMediaType'],
    [413, 'client-error', 'portal.error.clientError'],
    [410, undefined, 'portal.error.clientError'],
  ] as const)(
    'says what is wrong with a request that cannot succeed as sent (%i %s) with %s, never "try again" (failed before: "please try again")',
    (status, code, key) => {
      state.page.error = { message: 'as handleError names it', ...(code && { code }) };
      for (const locale of ['de', 'en'] as const) {
        const body = html(status, locale);
        expect(body).toContain(t(locale, key));
        expect(body).not.toContain(t(locale, 'common.error.unexpected'));
      }
    },
  );

  it.each(['de', 'en'] as const)(
    'says that the database cannot be reached, and names the 503 the page is answered with, in %s (failed before: "Error 500", "something went wrong")',
    (locale) => {
      // SvelteKit renders the page as its 500; hooks.server.ts answers it 503.
      state.page.error = { message: 'Service unavailable', code: 'database-unavailable' };
      const page = rendered(500, locale);
      expect(page.body).toContain(
        t(locale, 'portal.error.databaseUnavailable').replace('’', '&#39;').slice(0, 40),
      );
      expect(page.body).toContain(`<h1>${t(locale, 'portal.error.title', { status: 503 })}</h1>`);
      expect(page.head).toContain(t(locale, 'portal.error.title', { status: 503 }));
      expect(page.body).not.toContain(t(locale, 'common.error.unexpected'));
    },
  );

  it('names malformed percent-encoding in German with its umlauts', () => {
    state.page.error = { message: 'The address is not valid', code: 'malformed-address' };
    expect(html(400, 'de')).toContain('Die Adresse ist ungültig');
    expect(html(400, 'en')).toContain('The address is not valid');
  });

  it.each([
    [404, 'portal.error.notFound'],
    [500, 'common.error.unexpected'],
    [503, 'common.error.unexpected'],
  ] as const)('answers %i with %s', (status, key) => {
    for (const locale of ['de', 'en'] as const) {
      expect(html(status, locale)).toContain(t(locale, key));
    }
  });

  it.each([
    [404, 'Seite nicht gefunden · Consent Clearinghouse', 'Page not found · Consent Clearinghouse'],
    [403, 'Fehler 403 · Consent Clearinghouse', 'Error 403 · Consent Clearinghouse'],
    [500, 'Fehler 500 · Consent Clearinghouse', 'Error 500 · Consent Clearinghouse'],
  ] as const)(
    'names itself in the title for %i, in both languages (failed before: only the site name)',
    (status, de, en) => {
      expect(rendered(status, 'de').head).toContain(`<title>${de}</title>`);
      expect(rendered(status, 'en').head).toContain(`<title>${en}</title>`);
      for (const locale of ['de', 'en'] as const) {
        const title = status === 404 ? 'portal.error.notFound.title' : 'portal.error.title';
        expect(rendered(status, locale).head).toContain(
          `<title>${t(locale, title, { status })} · ${t(locale, 'common.appName')}</title>`,
        );
      }
    },
  );
});
