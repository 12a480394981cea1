/**
 * The toolbar popup in a real Chromium: it speaks the Assistant's language as the dashboard and
 * the consent window do, the language setting (which the vault's status carries) or the
 * browser's while the setting says "like the browser" or the background does not answer.
 */
import { expect, it } from 'vitest';
import { t, type Locale } from '../../../protocol/i18n';
import { hostComponents } from '../component-host.fixture';
import App from './App.svelte';

const host = hostComponents();
const { byTestId } = host;

/**
 * Mounts the popup for a browser speaking `browser`, over a background whose language setting is
 * `language` (null: like the browser), or that does not answer at all (`language` undefined).
 */
function mountPopup(browser: Locale, language: Locale | null | undefined): void {
  const status = async () => {
    if (language === undefined) throw new Error('no background');
    return {
      state: 'unlocked' as const,
      counts: { blacklist: 1234, relationships: 1 },
      language,
    };
  };
  host.mount(App, {
    browserLocale: browser,
    version: '1.2.3',
    checkBackground: async () => {
      if (language === undefined) throw new Error('no background');
    },
    vaultStatus: status,
    lock: status,
    openDashboard: async () => {},
    logKeyChanged: async () => false,
  });
}

it.each([
  ['the setting', 'en', 'de', 'de'],
  ['the setting', 'de', 'en', 'en'],
  ['the browser’s, while the setting says “like the browser”', 'de', null, 'de'],
  ['the browser’s, while the setting says “like the browser”', 'en', null, 'en'],
] as const)('speaks %s (browser %s, setting %s)', async (_case, browser, language, expected) => {
  mountPopup(browser, language);
  await expect
    .poll(() => byTestId('vault-state')?.textContent?.trim())
    .toBe(t(expected, 'extension.popup.vault.unlocked'));
  expect(byTestId('open-dashboard')!.textContent!.trim()).toBe(
    t(expected, 'extension.popup.openDashboard'),
  );
  expect(byTestId('counts')!.textContent!.trim()).toBe(
    t(expected, 'extension.popup.counts', {
      count: 1,
      blacklist: expected === 'de' ? '1.234' : '1,234',
    }),
  );
  expect(document.documentElement.lang).toBe(expected);
  expect(document.title).toBe(t(expected, 'extension.popup.title'));
});

it('speaks the browser’s language while the background does not answer', async () => {
  mountPopup('en', undefined);
  await expect
    .poll(() => byTestId('status')?.textContent?.trim())
    .toBe(t('en', 'extension.popup.status.unavailable'));
  expect(document.documentElement.lang).toBe('en');
});
