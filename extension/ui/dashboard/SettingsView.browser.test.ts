/**
 * The clearinghouse address in the settings, in a real Chromium: plain http off loopback is
 * refused beside the field with a sentence in the customer's language, and nothing is sent;
 * https, and http on loopback (the demo and the tests), are saved.
 */
import { beforeEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import SettingsView from './SettingsView.svelte';

const host = hostComponents();
const { byTestId } = host;
let sent: { type: string; settings?: { clearinghouseUrl: string } }[];

const send = (async (request: { type: string; settings?: { clearinghouseUrl: string } }) => {
  sent.push(request);
  return { type: 'settings', settings: request.settings };
}) as never;

beforeEach(() => {
  sent = [];
});

async function saveUrl(locale: 'de' | 'en', url: string) {
  host.mount(SettingsView, {
    locale,
    send,
    settings: defaultSettings('http://localhost:3000'),
    onChange: () => {},
    onWiped: () => {},
  });
  await userEvent.fill(byTestId('clearinghouse-url') as HTMLInputElement, url);
  await userEvent.click(byTestId('save-settings')!);
}

it.each(['de', 'en'] as const)(
  'refuses plain http off loopback in %s, beside the field, and sends nothing',
  async (locale) => {
    await saveUrl(locale, 'http://clearinghouse.example');
    await expect
      .poll(() => byTestId('clearinghouse-url-error')?.textContent?.trim())
      .toBe(t(locale, 'extension.settings.url.insecure'));
    expect(byTestId('clearinghouse-url')!.getAttribute('aria-invalid')).toBe('true');
    expect(sent).toEqual([]);
  },
);

it.each(['https://clearinghouse.example', 'http://localhost:3100', 'http://127.0.0.1:3000'])(
  'saves %s',
  async (url) => {
    await saveUrl('en', url);
    await expect.poll(() => sent.map((r) => r.settings?.clearinghouseUrl)).toEqual([url]);
    expect(byTestId('clearinghouse-url-error')).toBeNull();
  },
);
