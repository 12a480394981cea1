/**
 * The dashboard when the vault locks behind its back (auto-lock, the popup, another tab), in a
 * real Chromium: its passive status poll, or a view's `ERR_VAULT_LOCKED`, takes it to the Unlock
 * screen and every decrypted thing it showed leaves the page. The poll asks `vault.status` only,
 * which extension/service.ts does not count as activity (service.browser.test.ts checks that).
 * And the poll never cuts onboarding short: the new vault is unlocked while its recovery phrase
 * is still to be written down, or while a recovery from the phrase runs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { masterSeedToPhrase } from '../../../protocol/keys';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import App from './App.svelte';

/** A brand only the decrypted blacklist names. */
const secret = 'Geheimmarke Nord';

/** The background's vault, as the fake `send` answers for it. */
let state: 'absent' | 'locked' | 'unlocked';
/** A vault created here whose phrase was not typed back yet (as the service notes it). */
let unconfirmed: boolean;
/** The identity record does not decrypt: the phrase cannot be shown. */
let phraseDamaged: boolean;
let sent: string[];
/** A recovery's long run: it ends when the test calls this. */
let endRecovery: () => void;
let recoveryRun: Promise<void>;
/** What the next recoveries answer, in turn (none left: 3 checked, 1 restored, 2 failed). */
let recoverAnswers: Record<string, unknown>[];

/** A valid phrase (the form checks it before it sends it). */
const phrase = masterSeedToPhrase(new Uint8Array(32).fill(7)).split(' ');

const status = () => ({
  type: 'vault.status',
  state,
  counts: state === 'unlocked' ? { blacklist: 1, relationships: 0 } : null,
  language: null,
  ...(state === 'unlocked' && unconfirmed ? { phraseUnconfirmed: true } : {}),
});

const send = (async (request: { type: string }) => {
  sent.push(request.type);
  switch (request.type) {
    case 'settings.get':
      return { type: 'settings', settings: defaultSettings('http://localhost:3000') };
    case 'vault.status':
      return status();
    case 'vault.unlock':
      state = 'unlocked';
      return status();
    // Creating or recovering unlocks the vault at once, as extension/service.ts does.
    case 'vault.create':
      state = 'unlocked';
      unconfirmed = true;
      return { type: 'vault.created', phrase: phrase.join(' ') };
    case 'vault.phrase':
      if (phraseDamaged) throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'identity/master');
      if (!unconfirmed) throw new ProtocolError('ERR_NOT_AUTHORISED', 'confirmed');
      return { type: 'vault.created', phrase: phrase.join(' ') };
    case 'vault.phrase-confirmed':
      unconfirmed = false;
      return { type: 'ok' };
    case 'vault.recover':
      state = 'unlocked';
      await recoveryRun;
      return (
        recoverAnswers.shift() ?? {
          type: 'vault.recovered',
          companiesChecked: 3,
          relationships: 1,
          failed: 2,
        }
      );
    case 'vault.wipe':
      state = 'absent';
      return status();
  }
  if (state === 'locked') throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
  switch (request.type) {
    case 'vault.damaged':
      return { type: 'vault.damaged', records: [{ table: 'blacklist', id: 'damaged-record' }] };
    case 'blacklist.list':
      return {
        type: 'blacklist',
        entries: [
          {
            id: 'a'.repeat(32),
            target: { kind: 'brand', brand: secret },
            reason: 'other',
            at: 1_750_000_000,
          },
        ],
        damaged: [],
        signalChoice: 'never',
        signals: [],
      };
  }
  // The other views' data: none of it is needed here.
  throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'not in this test');
}) as never;

const host = hostComponents();
const { byTestId } = host;

beforeEach(() => {
  state = 'unlocked';
  unconfirmed = false;
  phraseDamaged = false;
  sent = [];
  recoveryRun = new Promise((resolve) => (endRecovery = resolve));
  recoverAnswers = [];
});

/** Lets at least `n` status polls of `pollMs` pass. */
async function polls(n: number, pollMs: number) {
  const before = sent.filter((type) => type === 'vault.status').length;
  await expect
    .poll(() => sent.filter((type) => type === 'vault.status').length, { timeout: 5_000 })
    .toBeGreaterThanOrEqual(before + n);
  await new Promise((resolve) => setTimeout(resolve, pollMs));
}

/** Mounts the dashboard and opens the blacklist, which shows the secret brand. */
async function showBlacklist(pollMs: number) {
  host.mount(App, { browserLocale: 'en' as const, send, pollMs });
  await expect.poll(() => byTestId('nav-blacklist')).not.toBeNull();
  await userEvent.click(byTestId('nav-blacklist')!);
  await expect.poll(() => host.target.textContent).toContain(secret);
  expect(byTestId('damaged')).not.toBeNull();
}

/** The Unlock screen, and nothing of the vault's content left on the page. */
async function expectLockedScreen() {
  await expect.poll(() => byTestId('unlock-passphrase')).not.toBeNull();
  expect(host.target.textContent).not.toContain(secret);
  expect(host.target.textContent).not.toContain('damaged-record');
  expect(byTestId('nav-blacklist')).toBeNull();
  expect(byTestId('dashboard-lock')).toBeNull();
  expect(byTestId('locked-notice')!.textContent!.trim()).toBe(
    t('en', 'extension.dashboard.lockedNotice'),
  );
}

it('notices a lock elsewhere through its passive status poll and drops what it showed', async () => {
  await showBlacklist(50);
  sent = [];
  state = 'locked';
  await expectLockedScreen();
  // The poll asks only the status, which never counts as the owner's activity.
  expect(new Set(sent)).toEqual(new Set(['vault.status']));
});

it('goes to the Unlock screen when any view is told the vault is locked', async () => {
  // No poll during the test: the view's answer alone must do it.
  await showBlacklist(3_600_000);
  state = 'locked';
  // The profile view asks for the profile and is refused.
  await userEvent.click(byTestId('nav-profile')!);
  await expectLockedScreen();
});

it('shows the views again after the customer unlocks', async () => {
  await showBlacklist(50);
  state = 'locked';
  await expectLockedScreen();
  await userEvent.fill(byTestId('unlock-passphrase') as HTMLInputElement, 'passphrase');
  await userEvent.click(byTestId('unlock')!);
  await expect.poll(() => byTestId('nav-blacklist')).not.toBeNull();
  expect(byTestId('locked-notice')).toBeNull();
  // The Unlock form is gone: the focus is on the dashboard's heading (before: the page's body).
  await expect.poll(() => document.activeElement).toBe(byTestId('dashboard-title'));
});

it('puts the focus on the dashboard’s heading once the vault is wiped', async () => {
  host.mount(App, { browserLocale: 'en' as const, send, pollMs: 3_600_000 });
  await expect.poll(() => byTestId('nav-settings')).not.toBeNull();
  await userEvent.click(byTestId('nav-settings')!);
  const wipeLabel = t('en', 'extension.settings.wipe');
  const wipeButton = () =>
    [...host.target.querySelectorAll('button')].find((b) => b.textContent?.trim() === wipeLabel);
  await expect.poll(wipeButton).toBeTruthy();
  const confirmLabel = t('en', 'extension.settings.wipeConfirm');
  const confirm = [...host.target.querySelectorAll('label')].find((l) =>
    l.textContent?.includes(confirmLabel),
  );
  await userEvent.click(confirm!.querySelector('input')!);
  await userEvent.click(wipeButton()!);
  await expect.poll(() => byTestId('new-passphrase')).not.toBeNull();
  // The Wipe button is gone with the views: the focus is on the heading (before: the body).
  await expect.poll(() => document.activeElement).toBe(byTestId('dashboard-title'));
});

it('keeps a recovery running while the owner visits another view, and shows how it ended', async () => {
  host.mount(App, { browserLocale: 'de' as const, send, pollMs: 3_600_000 });
  await expect.poll(() => byTestId('nav-recovery')).not.toBeNull();
  await userEvent.click(byTestId('nav-recovery')!);
  await userEvent.fill(byTestId('recovery-phrase') as HTMLTextAreaElement, phrase.join(' '));
  await userEvent.click(byTestId('recover')!);
  const working = () => byTestId('recovery-working')?.textContent;
  const status = () => byTestId('recovery-status')?.textContent;
  await expect.poll(working).toBe(t('de', 'extension.recovery.working'));
  await userEvent.click(byTestId('nav-profile')!);
  await expect.poll(() => byTestId('recovery-working')).toBeNull();
  await userEvent.click(byTestId('nav-recovery')!);
  // Before: a fresh form, and the running recovery's outcome never shown.
  await expect.poll(working).toBe(t('de', 'extension.recovery.working'));
  expect(byTestId('recover')!.getAttribute('aria-disabled')).toBe('true');
  byTestId('recover')!.click();
  endRecovery();
  await expect
    .poll(status)
    .toBe(
      [
        t('de', 'extension.recovery.checked', { count: 3 }),
        t('de', 'extension.recovery.restored', { count: 1 }),
        t('de', 'extension.recovery.failed', { count: 2 }),
      ].join(' '),
    );
  expect(working()).toBe('');
  expect(sent.filter((type) => type === 'vault.recover')).toHaveLength(1);
  expect(byTestId('recover')!.getAttribute('aria-disabled')).toBe('false');
});

it('shows the outcome of a recovery that ended while another view showed', async () => {
  host.mount(App, { browserLocale: 'en' as const, send, pollMs: 3_600_000 });
  await expect.poll(() => byTestId('nav-recovery')).not.toBeNull();
  await userEvent.click(byTestId('nav-recovery')!);
  await userEvent.fill(byTestId('recovery-phrase') as HTMLTextAreaElement, phrase.join(' '));
  await userEvent.click(byTestId('recover')!);
  await expect.poll(() => sent).toContain('vault.recover');
  await userEvent.click(byTestId('nav-profile')!);
  endRecovery();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await userEvent.click(byTestId('nav-recovery')!);
  await expect
    .poll(() => byTestId('recovery-status')?.textContent)
    .toBe(
      [
        t('en', 'extension.recovery.checked', { count: 3 }),
        t('en', 'extension.recovery.restored', { count: 1 }),
        t('en', 'extension.recovery.failed', { count: 2 }),
      ].join(' '),
    );
});

describe('onboarding, which the status poll never cuts short', () => {
  beforeEach(() => {
    state = 'absent';
  });

  it('keeps showing the new recovery phrase until the owner typed three words back', async () => {
    host.mount(App, { browserLocale: 'en' as const, send, pollMs: 20 });
    await expect.poll(() => byTestId('new-passphrase')).not.toBeNull();
    await userEvent.fill(byTestId('new-passphrase') as HTMLInputElement, 'a long passphrase');
    await userEvent.fill(byTestId('repeat-passphrase') as HTMLInputElement, 'a long passphrase');
    await userEvent.click(byTestId('create')!);
    await expect.poll(() => byTestId('phrase')).not.toBeNull();
    await expect.poll(() => document.activeElement).toBe(byTestId('phrase-title'));
    // The vault is unlocked now; the poll sees it, and must leave the phrase on the screen.
    await polls(3, 20);
    expect(byTestId('phrase')!.textContent).toContain(phrase[23]);
    expect(byTestId('nav-profile')).toBeNull();
    // Typed back: the dashboard opens.
    for (const input of host.target.querySelectorAll<HTMLInputElement>(
      '[data-testid^="confirm-word-"]',
    )) {
      const n = Number(input.dataset.testid!.slice('confirm-word-'.length));
      await userEvent.fill(input, phrase[n - 1]!);
    }
    await userEvent.click(byTestId('confirm-phrase')!);
    await expect.poll(() => byTestId('nav-profile')).not.toBeNull();
    expect(byTestId('phrase')).toBeNull();
    expect(sent).toContain('vault.phrase-confirmed');
    // The button pressed is gone: the focus is on the views, not on the page's body.
    await expect.poll(() => document.activeElement?.getAttribute('data-testid')).toMatch(/^nav-/);
    expect(unconfirmed).toBe(false);
  });

  it('shows a phrase never typed back again after the page was left, before anything else', async () => {
    // The vault was created, and the page reloaded while the phrase showed.
    state = 'unlocked';
    unconfirmed = true;
    host.mount(App, { browserLocale: 'de' as const, send, pollMs: 20 });
    await expect.poll(() => byTestId('phrase')?.textContent).toContain(phrase[23]);
    // Failed before: the dashboard opened, and the phrase was never shown again.
    expect(byTestId('phrase-resumed')!.textContent!.trim()).toBe(
      t('de', 'extension.onboarding.phraseResumed'),
    );
    expect(byTestId('nav-profile')).toBeNull();
    await polls(3, 20);
    expect(byTestId('phrase')).not.toBeNull();
    // A wrong word is refused; the right ones open the dashboard, and the phrase is not shown again.
    const inputs = [
      ...host.target.querySelectorAll<HTMLInputElement>('[data-testid^="confirm-word-"]'),
    ];
    for (const input of inputs) await userEvent.fill(input, 'falsch');
    await userEvent.click(byTestId('confirm-phrase')!);
    await expect
      .poll(() => host.target.querySelector('[role="alert"]')?.textContent?.trim())
      .toBe(t('de', 'extension.onboarding.confirmWrong'));
    expect(unconfirmed).toBe(true);
    for (const input of inputs) {
      const n = Number(input.dataset.testid!.slice('confirm-word-'.length));
      await userEvent.fill(input, phrase[n - 1]!);
    }
    await userEvent.click(byTestId('confirm-phrase')!);
    await expect.poll(() => byTestId('nav-profile')).not.toBeNull();
    expect(unconfirmed).toBe(false);
    expect(byTestId('phrase')).toBeNull();
  });

  it('lets the owner go on to the views when a phrase never typed back cannot be shown', async () => {
    state = 'unlocked';
    unconfirmed = true;
    phraseDamaged = true;
    host.mount(App, { browserLocale: 'en' as const, send, pollMs: 20 });
    await expect.poll(() => byTestId('phrase-skip')).not.toBeNull();
    expect(host.target.querySelector('[role="alert"]')!.textContent).toContain(
      t('en', 'errors.ERR_VAULT_RECORD_DAMAGED'),
    );
    expect(byTestId('nav-profile')).toBeNull();
    // Failed before: the error stayed, with no way on to the views (backup, wipe).
    await userEvent.click(byTestId('phrase-skip')!);
    await expect.poll(() => byTestId('nav-profile')).not.toBeNull();
  });

  it('moves a tab left on onboarding on once the vault was created elsewhere', async () => {
    host.mount(App, { browserLocale: 'en' as const, send, pollMs: 20 });
    await expect.poll(() => byTestId('new-passphrase')).not.toBeNull();
    // Another tab (or the popup) creates and unlocks the vault; this one was never touched.
    state = 'unlocked';
    // Failed before: onboarding stayed, and its Create answered that the vault exists.
    await expect.poll(() => byTestId('nav-profile')).not.toBeNull();
    expect(byTestId('new-passphrase')).toBeNull();
  });

  it('lets a recovery from the phrase run to its end and shows what it found', async () => {
    host.mount(App, { browserLocale: 'en' as const, send, pollMs: 20 });
    await expect.poll(() => byTestId('recovery-phrase')).not.toBeNull();
    await userEvent.fill(byTestId('recovery-phrase') as HTMLTextAreaElement, phrase.join(' '));
    await userEvent.fill(byTestId('recovery-passphrase') as HTMLInputElement, 'a long passphrase');
    await userEvent.fill(
      byTestId('recovery-passphrase-repeat') as HTMLInputElement,
      'a long passphrase',
    );
    await userEvent.click(byTestId('recover')!);
    await expect.poll(() => sent).toContain('vault.recover');
    // Running (the vault already unlocked): the form stays, busy, and the poll leaves it there.
    await polls(3, 20);
    expect(byTestId('recover')!.getAttribute('aria-disabled')).toBe('true');
    expect(byTestId('nav-profile')).toBeNull();
    endRecovery();
    // Done: the dashboard opens and says what the recovery found, failures included.
    await expect
      .poll(() => byTestId('recovered')?.textContent?.trim())
      .toBe(
        [
          t('en', 'extension.recovery.checked', { count: 3 }),
          t('en', 'extension.recovery.restored', { count: 1 }),
          t('en', 'extension.recovery.failed', { count: 2 }),
        ].join(' '),
      );
    expect(byTestId('nav-profile')).not.toBeNull();
  });
});

describe('what a recovery found, above the views', () => {
  beforeEach(() => {
    state = 'absent';
  });

  const unreachable = {
    type: 'vault.recovered',
    companiesChecked: 0,
    relationships: 0,
    failed: 0,
    unreachable: true,
  };
  const banner = () => byTestId('recovered')?.textContent?.trim() ?? null;

  /** Recovers at onboarding (the clearinghouse's address wrong: it does not answer). */
  async function recoverAtOnboarding() {
    host.mount(App, { browserLocale: 'en' as const, send, pollMs: 3_600_000 });
    await expect.poll(() => byTestId('recovery-phrase')).not.toBeNull();
    await userEvent.fill(byTestId('recovery-phrase') as HTMLTextAreaElement, phrase.join(' '));
    await userEvent.fill(byTestId('recovery-passphrase') as HTMLInputElement, 'a long passphrase');
    await userEvent.fill(
      byTestId('recovery-passphrase-repeat') as HTMLInputElement,
      'a long passphrase',
    );
    endRecovery();
    await userEvent.click(byTestId('recover')!);
    await expect.poll(banner).toBe(t('en', 'extension.recovery.unreachable'));
  }

  /** Recovers again from the dashboard's Recovery view, and waits for what it says. */
  async function recoverAgain(said: string) {
    await userEvent.click(byTestId('nav-recovery')!);
    await userEvent.fill(byTestId('recovery-phrase') as HTMLTextAreaElement, phrase.join(' '));
    await userEvent.click(byTestId('recover')!);
    await expect.poll(() => byTestId('recovery-status')?.textContent?.trim()).toBe(said);
  }

  it('drops the warning once a later recovery restored everything', async () => {
    recoverAnswers = [
      unreachable,
      { type: 'vault.recovered', companiesChecked: 2, relationships: 2, failed: 0 },
    ];
    await recoverAtOnboarding();
    await recoverAgain(
      [
        t('en', 'extension.recovery.checked', { count: 2 }),
        t('en', 'extension.recovery.restored', { count: 2 }),
      ].join(' '),
    );
    // Failed before: "… the clearinghouse was not reachable …" stayed on every view.
    await expect.poll(banner).toBeNull();
    await userEvent.click(byTestId('nav-profile')!);
    expect(banner()).toBeNull();
  });

  it('says the later recovery’s outcome when it too left something to recover', async () => {
    const partly = { type: 'vault.recovered', companiesChecked: 3, relationships: 1, failed: 2 };
    recoverAnswers = [unreachable, partly];
    await recoverAtOnboarding();
    const said = [
      t('en', 'extension.recovery.checked', { count: 3 }),
      t('en', 'extension.recovery.restored', { count: 1 }),
      t('en', 'extension.recovery.failed', { count: 2 }),
    ].join(' ');
    await recoverAgain(said);
    await expect.poll(banner).toBe(said);
    await userEvent.click(byTestId('nav-profile')!);
    expect(banner()).toBe(said);
  });
});
