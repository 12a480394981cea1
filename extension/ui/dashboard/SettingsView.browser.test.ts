/**
 * The clearinghouse address in the settings, in a real Chromium: plain http off loopback is
 * refused beside the field with a sentence in the customer's language, and nothing is sent;
 * https, and http on loopback (the demo and the tests), are saved. What Save did is said beside
 * it, and takes back what a key check said before. An address or auto-lock time typed but not
 * saved outlives the view (in memory, until the vault locks), and "Discard changes" drops it.
 * Changing the passphrase asks for the new one twice and refuses, beside the field, one of white
 * space only; what each action did is said beside it, never at the page's end under "Wipe".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import SettingsView from './SettingsView.svelte';
import { settingsDraft } from './drafts';

const host = hostComponents();
const { byTestId } = host;
let sent: { type: string; settings?: { clearinghouseUrl: string } }[];

const send = (async (request: { type: string; settings?: { clearinghouseUrl: string } }) => {
  // The page's list of technical problems (ProblemsView) is not what these tests look at.
  if (request.type === 'problems.list') return { type: 'problems', problems: [] };
  sent.push(request);
  return { type: 'settings', settings: request.settings };
}) as never;

beforeEach(() => {
  sent = [];
});

// Unsaved fields are kept between mounts (as between views): no test leaves any for the next.
afterEach(() => settingsDraft.forget());

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

it.each(['de', 'en'] as const)(
  'says in %s that a stored plain-http address was replaced, until the owner dismisses it',
  async (locale) => {
    const settings = {
      ...defaultSettings('https://clearinghouse.example'),
      replacedClearinghouseUrl: 'http://old.example',
    };
    host.mount(SettingsView, { locale, send, settings, onChange: () => {}, onWiped: () => {} });
    expect(byTestId('clearinghouse-url-replaced')!.textContent).toContain(
      t(locale, 'extension.settings.urlReplaced', {
        replaced: 'http://old.example',
        current: 'https://clearinghouse.example',
      }),
    );
    await userEvent.click(byTestId('clearinghouse-url-replaced-dismiss')!);
    await expect
      .poll(() => sent)
      .toEqual([
        { type: 'settings.set', settings: { ...settings, replacedClearinghouseUrl: null } },
      ]);
  },
);

it('clears the note of a replaced address when the owner saves an address', async () => {
  host.mount(SettingsView, {
    locale: 'en' as const,
    send,
    settings: {
      ...defaultSettings('http://localhost:3000'),
      replacedClearinghouseUrl: 'http://a.example',
    },
    onChange: () => {},
    onWiped: () => {},
  });
  await userEvent.click(byTestId('save-settings')!);
  await expect
    .poll(() =>
      sent.map(
        (r) => (r.settings as { replacedClearinghouseUrl?: unknown })?.replacedClearinghouseUrl,
      ),
    )
    .toEqual([null]);
});

it.each([
  ['en', ''],
  ['de', '0'],
  ['en', '-5'],
  ['de', '99999'],
  ['en', '2.5'],
] as const)(
  'in %s refuses "%s" auto-lock minutes beside the field with the range, and sends nothing',
  async (locale, typed) => {
    host.mount(SettingsView, {
      locale,
      send,
      settings: defaultSettings('http://localhost:3000'),
      onChange: () => {},
      onWiped: () => {},
    });
    await userEvent.fill(byTestId('auto-lock') as HTMLInputElement, typed);
    await userEvent.click(byTestId('save-settings')!);
    await expect
      .poll(() => byTestId('auto-lock-error')?.textContent?.trim())
      .toBe(
        t(locale, 'extension.input.wholeNumber', {
          field: t(locale, 'extension.settings.autoLock'),
          min: '1',
          max: locale === 'de' ? '1.440' : '1,440',
        }),
      );
    expect(sent).toEqual([]);
    expect(document.activeElement).toBe(byTestId('auto-lock'));
    expect((byTestId('auto-lock') as HTMLInputElement).value).toBe(typed);
  },
);

describe('changing the passphrase', () => {
  /** Settings are saved; the passphrase change answers `changeAnswer` (an error is thrown). */
  let changeAnswer: unknown;
  /** The passphrase changes asked for. */
  let changes: unknown[];
  beforeEach(() => {
    changes = [];
  });
  const changing = (async (request: { type: string; settings?: unknown }) => {
    if (request.type === 'problems.list') return { type: 'problems', problems: [] };
    if (request.type === 'settings.set') return { type: 'settings', settings: request.settings };
    if (request.type === 'offers.reset-model') return { type: 'ok' };
    changes.push(request);
    if (changeAnswer instanceof Error) throw changeAnswer;
    return changeAnswer;
  }) as never;

  function showSettings(locale: 'de' | 'en') {
    host.mount(SettingsView, {
      locale,
      send: changing,
      settings: defaultSettings('http://localhost:3000'),
      onChange: () => {},
      onWiped: () => {},
    });
  }

  async function changeTo(next: string, repeat = next, current = 'the old passphrase') {
    await userEvent.fill(byTestId('current-passphrase') as HTMLInputElement, current);
    await userEvent.fill(byTestId('next-passphrase') as HTMLInputElement, next);
    await userEvent.fill(byTestId('repeat-next-passphrase') as HTMLInputElement, repeat);
    await userEvent.click(byTestId('change-passphrase')!);
  }

  const said = (id: string) => byTestId(id)?.textContent?.trim();
  const form = () => byTestId('change-passphrase')!.closest('form')!;

  it.each(['de', 'en'] as const)(
    'in %s a failure replaces the earlier "Saved." and takes the focus, in the form; a success then does',
    async (locale) => {
      showSettings(locale);
      await userEvent.click(byTestId('save-settings')!);
      await expect
        .poll(() => said('settings-save-status'))
        .toBe(t(locale, 'extension.dashboard.saved'));

      changeAnswer = new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', 'wrong');
      await changeTo('a much longer passphrase now');
      await expect
        .poll(() => said('settings-passphrase-error'))
        .toBe(t(locale, 'errors.ERR_VAULT_PASSPHRASE_WRONG'));
      expect(said('settings-save-status')).toBe('');
      expect(document.activeElement).toBe(byTestId('settings-passphrase-error'));
      // Failed before: said at the page's end, after the button "Wipe the vault".
      expect(form().contains(byTestId('settings-passphrase-error'))).toBe(true);
      expect(byTestId('settings-wipe-error')).toBeNull();

      changeAnswer = { type: 'ok' };
      await changeTo('a much longer passphrase now');
      await expect
        .poll(() => said('settings-passphrase-status'))
        .toBe(t(locale, 'extension.settings.passphraseChanged'));
      expect(byTestId('settings-passphrase-error')).toBeNull();
      expect(document.activeElement).toBe(byTestId('settings-passphrase-status'));
      expect(form().contains(byTestId('settings-passphrase-status'))).toBe(true);
      expect(byTestId('settings-passphrase-status')!.getAttribute('role')).toBe('status');
      expect(changes).toEqual([
        {
          type: 'vault.change-passphrase',
          current: 'the old passphrase',
          next: 'a much longer passphrase now',
        },
        {
          type: 'vault.change-passphrase',
          current: 'the old passphrase',
          next: 'a much longer passphrase now',
        },
      ]);
    },
  );

  it.each(['de', 'en'] as const)(
    'in %s refuses a repeat that does not match beside it, with the focus there, and changes nothing',
    async (locale) => {
      changeAnswer = { type: 'ok' };
      showSettings(locale);
      // Failed before: there was no field to repeat the new passphrase in, and one typo locked
      // the owner out.
      await changeTo('a much longer passphrase now', 'a much longer passprase now');
      const repeat = byTestId('repeat-next-passphrase')!;
      await expect
        .poll(() => said('new-pass-repeat-error'))
        .toBe(t(locale, 'extension.onboarding.mismatch'));
      expect(document.activeElement).toBe(repeat);
      expect(repeat.getAttribute('aria-invalid')).toBe('true');
      expect(repeat.getAttribute('aria-describedby')).toBe('new-pass-repeat-error');
      expect(changes).toEqual([]);
      expect(said('settings-passphrase-status')).toBe('');
    },
  );

  it.each([
    ['de', 'ten spaces', ' '.repeat(10), 'new-pass', 'errors.ERR_VAULT_PASSPHRASE_WEAK'],
    ['en', 'spaces and a tab', '   \t        ', 'new-pass', 'errors.ERR_VAULT_PASSPHRASE_WEAK'],
    ['en', 'nine characters', 'abcdefghi', 'new-pass', 'errors.ERR_VAULT_PASSPHRASE_WEAK'],
    ['de', 'nothing', '', 'new-pass', 'extension.input.missing'],
  ] as const)(
    'in %s refuses a new passphrase of %s beside it, and changes nothing',
    async (locale, _, next, field, key) => {
      changeAnswer = { type: 'ok' };
      showSettings(locale);
      await changeTo(next);
      await expect
        .poll(() => said(`${field}-error`))
        .toBe(t(locale, key, { field: t(locale, 'extension.settings.newPassphrase') }));
      expect(document.activeElement).toBe(byTestId('next-passphrase'));
      expect(byTestId('next-passphrase')!.getAttribute('aria-invalid')).toBe('true');
      expect(changes).toEqual([]);
    },
  );

  it('sends the passphrase with the spaces around it as typed', async () => {
    changeAnswer = { type: 'ok' };
    showSettings('en');
    await changeTo('  a much longer passphrase now  ');
    await expect.poll(() => changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ next: '  a much longer passphrase now  ' });
  });

  it('says an empty repeat or current passphrase is empty, beside it', async () => {
    changeAnswer = { type: 'ok' };
    showSettings('en');
    await changeTo('a much longer passphrase now', '');
    await expect
      .poll(() => said('new-pass-repeat-error'))
      .toBe(
        t('en', 'extension.input.missing', {
          field: t('en', 'extension.settings.repeatPassphrase'),
        }),
      );
    await changeTo('a much longer passphrase now', 'a much longer passphrase now', '');
    await expect
      .poll(() => said('cur-pass-error'))
      .toBe(
        t('en', 'extension.input.missing', {
          field: t('en', 'extension.settings.currentPassphrase'),
        }),
      );
    expect(byTestId('new-pass-repeat-error')).toBeNull();
    expect(changes).toEqual([]);
  });

  it.each(['de', 'en'] as const)(
    'in %s says what the filter reset did beside its button, and takes back the passphrase form’s sentence',
    async (locale) => {
      changeAnswer = new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', 'wrong');
      showSettings(locale);
      await changeTo('a much longer passphrase now');
      await expect.poll(() => said('settings-passphrase-error')).toBeTruthy();
      await userEvent.click(byTestId('filter-reset')!);
      await expect
        .poll(() => said('settings-filter-status'))
        .toBe(t(locale, 'extension.settings.filter.resetDone'));
      expect(byTestId('filter-reset')!.closest('p')!.nextElementSibling).toBe(
        byTestId('settings-filter-status'),
      );
      expect(byTestId('settings-passphrase-error')).toBeNull();
    },
  );
});

describe('saving after a key check', () => {
  /** Settings are saved unless `saveFails`; the key check finds the clearinghouse unreachable. */
  let saveFails: unknown;
  const checking = (async (request: { type: string; settings?: unknown }) => {
    if (request.type === 'problems.list') return { type: 'problems', problems: [] };
    if (request.type === 'settings.check-log-key')
      return {
        type: 'log-key',
        outcome: 'unreachable',
        settings: defaultSettings('http://localhost:3000'),
      };
    if (saveFails !== undefined) throw saveFails;
    return { type: 'settings', settings: request.settings };
  }) as never;
  const said = (id: string) => byTestId(id)?.textContent?.trim();

  async function checkThenSave(locale: 'de' | 'en') {
    host.mount(SettingsView, {
      locale,
      send: checking,
      settings: defaultSettings('http://localhost:3000'),
      onChange: () => {},
      onWiped: () => {},
    });
    await userEvent.click(byTestId('check-log-key')!);
    await expect
      .poll(() => said('log-key-status'))
      .toBe(t(locale, 'extension.settings.logKey.unreachable'));
    await userEvent.fill(
      byTestId('clearinghouse-url') as HTMLInputElement,
      'http://localhost:3100',
    );
    await userEvent.click(byTestId('save-settings')!);
  }

  it.each(['de', 'en'] as const)(
    'in %s a save takes back the check’s "nothing was changed" and says "Saved." beside Save',
    async (locale) => {
      saveFails = undefined;
      await checkThenSave(locale);
      await expect
        .poll(() => said('settings-save-status'))
        .toBe(t(locale, 'extension.dashboard.saved'));
      // Failed before: the check's sentence stayed above Save, "Saved." came at the page's end.
      expect(said('log-key-status')).toBe('');
      for (const place of ['language', 'key', 'passphrase', 'filter', 'wipe'])
        expect(said(`settings-${place}-status`)).toBe('');
      const status = byTestId('settings-save-status')!;
      expect(status.getAttribute('role')).toBe('status');
      expect(byTestId('save-settings')!.closest('p')!.nextElementSibling).toBe(status);
    },
  );

  it('says beside Save why a save failed, and the check’s sentence goes', async () => {
    saveFails = new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'disk full');
    await checkThenSave('de');
    await expect
      .poll(() => said('settings-save-error'))
      .toBe(t('de', 'errors.ERR_VAULT_STORAGE_FAILED'));
    expect(byTestId('settings-save-error')!.getAttribute('role')).toBe('alert');
    expect(said('log-key-status')).toBe('');
    expect(said('settings-save-status')).toBe('');
    expect(byTestId('settings-key-error')).toBeNull();
  });
});

describe('an address typed but not saved', () => {
  const stored = defaultSettings('http://localhost:3000');

  function showSettings(locale: 'de' | 'en') {
    host.mount(SettingsView, {
      locale,
      send,
      settings: stored,
      onChange: () => {},
      onWiped: () => {},
    });
  }

  const field = () => byTestId('clearinghouse-url') as HTMLInputElement;

  it.each(['de', 'en'] as const)(
    'in %s is still there after going to another view and back, said to be unsaved, and asked about before the page closes',
    async (locale) => {
      showSettings(locale);
      expect(byTestId('settings-unsaved')).toBeNull();
      await userEvent.fill(field(), 'https://clearinghouse.example');
      await expect
        .poll(() => byTestId('settings-unsaved')?.textContent)
        .toBe(t(locale, 'extension.dashboard.unsaved'));
      await host.unmount();
      expect(settingsDraft.unsaved()).toBe(true);
      const closing = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(closing);
      expect(closing.defaultPrevented).toBe(true);
      showSettings(locale);
      // Failed before: the stored address again, what was typed gone.
      await expect.poll(() => field().value).toBe('https://clearinghouse.example');
      expect(byTestId('settings-unsaved')!.textContent).toBe(
        t(locale, 'extension.dashboard.unsaved'),
      );
      await userEvent.click(byTestId('save-settings')!);
      await expect
        .poll(() => sent.map((r) => r.settings?.clearinghouseUrl))
        .toEqual(['https://clearinghouse.example']);
    },
  );

  it('is dropped by "Discard changes", the focus going to Save', async () => {
    showSettings('en');
    await userEvent.fill(field(), 'https://clearinghouse.example');
    byTestId('discard-settings')!.focus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => field().value).toBe('http://localhost:3000');
    expect(byTestId('settings-save-status')!.textContent!.trim()).toBe(
      t('en', 'extension.dashboard.discarded'),
    );
    expect(byTestId('discard-settings')).toBeNull();
    expect(document.activeElement).toBe(byTestId('save-settings'));
    expect(settingsDraft.unsaved()).toBe(false);
    await host.unmount();
    showSettings('en');
    expect(field().value).toBe('http://localhost:3000');
    expect(sent).toEqual([]);
  });

  it('is forgotten when the vault locks, the form shown then included', async () => {
    showSettings('en');
    await userEvent.fill(field(), 'https://clearinghouse.example');
    settingsDraft.forget();
    await host.unmount();
    expect(settingsDraft.unsaved()).toBe(false);
    showSettings('en');
    expect(field().value).toBe('http://localhost:3000');
  });
});
