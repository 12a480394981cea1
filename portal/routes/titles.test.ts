/**
 * Every page names itself in the browser's title, "<page> · Consent Clearinghouse", in the page's
 * language: /login, /account, /logout and /company/register said only the site's name, so a tab or the history could
 * not tell them apart (and a screen reader announced no page on arrival).
 */
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { locales, t, type MessageKey } from '$protocol/i18n';
import AccountPage from './account/+page.svelte';
import RegisterPage from './company/register/+page.svelte';
import LoginPage from './login/+page.svelte';
import LogoutPage from './logout/+page.svelte';

/** A page as the test renders it: its `data` only (each page's own type is checked by svelte-check). */
type Page = Component<{ data: Record<string, unknown> }>;

const person = {
  id: 'pe_x',
  name: 'Erika',
  role: 'regulator',
  companyId: null,
  kid: null,
  signer: null,
};

const pages: [path: string, page: Page, title: MessageKey, data: Record<string, unknown>][] = [
  ['/login', LoginPage as unknown as Page, 'portal.people.login.title', { next: '/account' }],
  ['/account', AccountPage as unknown as Page, 'portal.people.account.title', { person }],
  ['/logout', LogoutPage as unknown as Page, 'portal.people.logout.title', { loggedIn: true }],
  [
    '/company/register',
    RegisterPage as unknown as Page,
    'portal.console.register.title',
    { origin: 'http://localhost:3000' },
  ],
];

describe('the page titles', () => {
  it.each(pages)('names %s in the title, in both languages', (path, page, title, data) => {
    for (const locale of locales) {
      const { head } = render(page, {
        props: { data: { locale, version: '1', path, ...data } },
      });
      const name = t(locale, 'common.appName');
      expect(head).toContain(`<title>${t(locale, title)} · ${name}</title>`);
    }
  });
});
