/**
 * The error page (+error.svelte) in German and English: a sentence of its own for a page that
 * does not exist and for one the person may not open (a regulator's page opened by anyone else,
 * dashboard-review.ts `requireRegulator`), where "try again" would mislead; the general one
 * otherwise.
 */
import { render } from 'svelte/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import ErrorPage from './+error.svelte';

const state = vi.hoisted(() => ({ page: { status: 500, data: { locale: 'de' as string } } }));
// Hoisted above the imports: the page reads its status and locale from this stand-in.
vi.mock('$app/state', () => state);

function html(status: number, locale: Locale): string {
  state.page.status = status;
  state.page.data.locale = locale;
  return render(ErrorPage).body;
}

describe('the error page', () => {
  beforeEach(() => {
    state.page.status = 500;
  });

  it.each(['de', 'en'] as const)(
    'tells a person without the right that the page is for regulators, in %s (failed before: "please try again")',
    (locale) => {
      const body = html(403, locale);
      expect(body).toContain(t(locale, 'portal.error.forbidden'));
      expect(body).not.toContain(t(locale, 'common.error.unexpected'));
    },
  );

  it.each([
    [404, 'portal.error.notFound'],
    [500, 'common.error.unexpected'],
  ] as const)('answers %i with %s', (status, key) => {
    for (const locale of ['de', 'en'] as const) {
      expect(html(status, locale)).toContain(t(locale, key));
    }
  });
});
