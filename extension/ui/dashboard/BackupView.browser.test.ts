/**
 * Restoring a backup in a real Chromium: without a file the form says so in the customer's
 * language and points to the field, sending nothing; with a vault there and the "replace" box not
 * ticked, the vault is asked first whether the file is a backup at all, and only a backup leads to
 * "tick 'replace'" (pointing to the box); each outcome replaces the one before ("The backup was
 * created." beside a later failure).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { testArgon2Params } from '../../build';
import { Vault } from '../../vault/vault';
import { hostComponents } from '../component-host.fixture';
import BackupView from './BackupView.svelte';

const host = hostComponents();
const { byTestId } = host;
let sent: { type: string; replace?: boolean }[];
/** The answer to a restore (the service's `vault.status`); none: a wrong passphrase. */
let restoredAnswer: object | null;
let restoredCalls: number;
/** While set, a restore's answer waits for it (the service checking, then replacing). */
let held: Promise<void> | null;
/** While set, an export's answer waits for it (the service reading and sealing the records). */
let exportHeld: Promise<void> | null;
/** The files the view handed to the browser to download. */
let downloads: number;

beforeEach(() => {
  sent = [];
  restoredAnswer = null;
  restoredCalls = 0;
  held = null;
  exportHeld = null;
  downloads = 0;
});

/** Counts the downloads the view starts (the link it clicks, never in the page), and starts none. */
beforeEach(() => {
  const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
    this: HTMLAnchorElement,
  ) {
    if (this.download !== '') downloads++;
  });
  return () => click.mockRestore();
});

const send = (async (request: { type: string; replace?: boolean }) => {
  sent.push(request);
  if (request.type === 'backup.restore' && held !== null) await held;
  if (request.type === 'backup.export' && exportHeld !== null) await exportHeld;
  if (request.type === 'backup.export') return { type: 'backup', file: '{}' };
  if (request.type === 'backup.restore' && restoredAnswer !== null) return restoredAnswer;
  throw new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', 'wrong');
}) as never;

function show(locale: 'de' | 'en', restoreOnly = false) {
  host.mount(BackupView, {
    locale,
    send,
    onRestored: () => {
      restoredCalls++;
    },
    restoreOnly,
  });
}

/** The service's answer to a restore whose settings came to `outcome`. */
function restoredWith(outcome: 'restored' | 'not-in-backup' | 'not-restored' | null) {
  return {
    type: 'vault.status',
    state: 'unlocked',
    counts: { blacklist: 1, relationships: 0 },
    language: null,
    ...(outcome === null
      ? {}
      : { restoredSettings: { outcome, clearinghouseUrl: 'http://localhost:3000' } }),
  };
}

/** Chooses a file, types the passphrase, ticks "replace" where it is shown, and restores. */
async function restoreFile(restoreOnly: boolean) {
  await userEvent.upload(byTestId('backup-file')!, new File(['{}'], 'backup.json'));
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'the passphrase');
  if (!restoreOnly) await userEvent.click(byTestId('backup-replace')!);
  await userEvent.click(byTestId('restore-backup')!);
}

const settingsNote = () => byTestId('backup-settings');

const fieldError = () => byTestId('backup-field-error')?.textContent?.trim();

it.each([
  ['de', false],
  ['en', true],
] as const)(
  'in %s (at onboarding: %s) says to choose a file first, and sends nothing',
  async (locale, restoreOnly) => {
    show(locale, restoreOnly);
    await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'a passphrase');
    await userEvent.click(byTestId('restore-backup')!);
    await expect.poll(fieldError).toBe(t(locale, 'extension.backup.noFile'));
    expect(sent).toEqual([]);
    expect(document.activeElement).toBe(byTestId('backup-file'));
  },
);

describe('with a vault on this device (the real vault answers the restore)', () => {
  const PASS = 'correct horse battery staple';
  let vault: Vault;
  let opened = 0;

  beforeEach(async () => {
    vault = await Vault.open({
      name: `backup-view-test-${Date.now()}-${opened++}`,
      params: testArgon2Params,
      now: () => 1_750_000_000_000,
    });
    await vault.create(PASS, new Uint8Array(32).fill(3));
    await vault.put('profile', 'current', { kept: 'this device' });
  });
  afterEach(() => vault.wipe().finally(() => vault.close()));

  /** The service's `backup.restore`, on the vault (its checks, in their order). */
  const vaultSend = (async (request: {
    type: string;
    file?: string;
    passphrase?: string;
    replace?: boolean;
  }) => {
    sent.push(request);
    if (request.type !== 'backup.restore') throw new Error(`not in this test: ${request.type}`);
    await vault.restoreBackup(request.file!, request.passphrase!, { replace: request.replace });
    return restoredWith('restored');
  }) as never;

  function showWithVault(locale: 'de' | 'en') {
    host.mount(BackupView, {
      locale,
      send: vaultSend,
      onRestored: () => {
        restoredCalls++;
      },
    });
  }

  async function restore(file: File, passphrase: string) {
    await userEvent.upload(byTestId('backup-file')!, file);
    await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, passphrase);
    await userEvent.click(byTestId('restore-backup')!);
  }

  it.each(['de', 'en'] as const)(
    'in %s says a file that is no backup is none, beside the file, before asking to replace',
    async (locale) => {
      showWithVault(locale);
      await restore(new File(['{"not": "a backup"'], 'notes.json'), PASS);
      // Failed before: "There is a vault on this device already … tick 'replace'", and this
      // sentence only after the tick.
      await expect.poll(fieldError).toBe(t(locale, 'errors.ERR_VAULT_BACKUP_INVALID'));
      const file = byTestId('backup-file')!;
      expect(document.activeElement).toBe(file);
      expect(file.getAttribute('aria-invalid')).toBe('true');
      expect(file.getAttribute('aria-describedby')).toBe('backup-file-false-error');
      expect(byTestId('backup-replace')!.getAttribute('aria-invalid')).toBeNull();
      expect(sent.map((r) => [r.type, r.replace])).toEqual([['backup.restore', false]]);
      expect(await vault.get('profile', 'current')).toEqual({ kept: 'this device' });
    },
  );

  it.each(['de', 'en'] as const)(
    'in %s points to the "replace" box for a backup, even with a wrong passphrase, and replaces nothing until it is ticked',
    async (locale) => {
      const backup = await vault.exportBackup();
      await vault.put('profile', 'current', { kept: 'after the backup' });
      showWithVault(locale);
      await restore(new File([backup], 'backup.json'), 'wrong passphrase');
      await expect.poll(fieldError).toBe(
        t(locale, 'extension.backup.replaceNeeded', {
          replace: t(locale, 'extension.backup.replace'),
        }),
      );
      expect(document.activeElement).toBe(byTestId('backup-replace'));
      expect(byTestId('backup-replace')!.getAttribute('aria-invalid')).toBe('true');
      expect(byTestId('backup-error')).toBeNull();
      expect(await vault.get('profile', 'current')).toEqual({ kept: 'after the backup' });

      await userEvent.click(byTestId('backup-replace')!);
      await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, PASS);
      await userEvent.click(byTestId('restore-backup')!);
      await expect.poll(() => restoredCalls).toBe(1);
      expect(fieldError()).toBeUndefined();
      expect(await vault.get('profile', 'current')).toEqual({ kept: 'this device' });
      expect(sent.map((r) => [r.type, r.replace])).toEqual([
        ['backup.restore', false],
        ['backup.restore', true],
      ]);
    },
  );
});

it.each(['de', 'en'] as const)(
  'in %s says a restore is under way while it takes, and takes no second click meanwhile',
  async (locale) => {
    let release = () => {};
    held = new Promise((resolve) => (release = resolve));
    restoredAnswer = restoredWith('restored');
    show(locale);
    await restoreFile(false);
    const status = () => host.target.querySelector('[role="status"]')?.textContent;
    // Before: nothing said, and the button took more clicks, for seconds of key derivation.
    await expect.poll(status).toBe(t(locale, 'extension.backup.restoring'));
    const button = byTestId('restore-backup') as HTMLButtonElement;
    // It waits with aria-disabled and keeps the focus (disabled, it dropped it to the page's body).
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(button);
    expect(button.closest('form')!.getAttribute('aria-busy')).toBe('true');
    button.click();
    release();
    await expect.poll(status).toBe(t(locale, 'extension.backup.restored'));
    expect(sent.filter((r) => r.type === 'backup.restore')).toHaveLength(1);
    expect(restoredCalls).toBe(1);
  },
);

it('says a wrong passphrase, or a damaged file, once the box is ticked, in place of "created"', async () => {
  show('en');
  await userEvent.click(byTestId('export-backup')!);
  await expect
    .poll(() => host.target.querySelector('[role="status"]')?.textContent)
    .toBe(t('en', 'extension.backup.exported'));
  await userEvent.upload(byTestId('backup-file')!, new File(['{}'], 'backup.json'));
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'wrong passphrase');
  await userEvent.click(byTestId('backup-replace')!);
  await userEvent.click(byTestId('restore-backup')!);
  // The file's wrapped key fails alike for both (before: "The passphrase is wrong." alone).
  await expect
    .poll(() => byTestId('backup-error')?.textContent)
    .toBe(t('en', 'extension.backup.passphraseWrong'));
  expect(host.target.querySelector('[role="status"]')!.textContent).toBe('');
  expect(sent.map((r) => [r.type, r.replace])).toEqual([
    ['backup.export', undefined],
    ['backup.restore', true],
  ]);
});

it.each([
  ['de', 'restored', 'extension.backup.settingsRestored', 'status'],
  ['en', 'restored', 'extension.backup.settingsRestored', 'status'],
  ['de', 'not-in-backup', 'extension.backup.settingsMissing', 'alert'],
  ['en', 'not-in-backup', 'extension.backup.settingsMissing', 'alert'],
  ['de', 'not-restored', 'extension.backup.settingsNotRestored', 'alert'],
  ['en', 'not-restored', 'extension.backup.settingsNotRestored', 'alert'],
] as const)(
  'in %s says what became of the backup’s settings (%s), naming the address in use',
  async (locale, outcome, key, role) => {
    restoredAnswer = restoredWith(outcome);
    show(locale);
    await restoreFile(false);
    await expect
      .poll(() => settingsNote()?.textContent?.trim())
      .toBe(t(locale, key, { url: 'http://localhost:3000' }));
    expect(settingsNote()!.getAttribute('role')).toBe(role);
    expect(settingsNote()!.textContent).toContain('http://localhost:3000');
    expect(host.target.querySelector('[role="status"]')!.textContent).toBe(
      t(locale, 'extension.backup.restored'),
    );
    expect(restoredCalls).toBe(1);
  },
);

it('says nothing of settings for an answer without them, and drops the sentence on a failure', async () => {
  restoredAnswer = restoredWith(null);
  show('en');
  await restoreFile(false);
  await expect
    .poll(() => host.target.querySelector('[role="status"]')?.textContent)
    .toBe(t('en', 'extension.backup.restored'));
  expect(settingsNote()).toBeNull();
  restoredAnswer = restoredWith('not-in-backup');
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'the passphrase');
  await userEvent.click(byTestId('restore-backup')!);
  await expect.poll(() => settingsNote()?.textContent).toBeTruthy();
  restoredAnswer = null;
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'wrong passphrase');
  await userEvent.click(byTestId('restore-backup')!);
  await expect.poll(() => byTestId('backup-error')?.textContent).toBeTruthy();
  expect(settingsNote()).toBeNull();
});

it.each(['not-in-backup', 'not-restored'] as const)(
  'at onboarding, after a backup whose settings did not come back (%s), waits for “Continue”',
  async (outcome) => {
    restoredAnswer = restoredWith(outcome);
    show('de', true);
    await restoreFile(true);
    await expect.poll(() => byTestId('backup-continue')).not.toBeNull();
    // The onboarding would go with the view, and the sentence with it: the owner reads it first.
    expect(restoredCalls).toBe(0);
    expect(settingsNote()!.getAttribute('role')).toBe('alert');
    expect(document.activeElement).toBe(byTestId('backup-continue'));
    expect(byTestId('restore-backup')).toBeNull();
    await userEvent.click(byTestId('backup-continue')!);
    expect(restoredCalls).toBe(1);
  },
);

it('at onboarding goes on at once when the backup’s settings came back', async () => {
  restoredAnswer = restoredWith('restored');
  show('en', true);
  await restoreFile(true);
  await expect.poll(() => restoredCalls).toBe(1);
  expect(byTestId('backup-continue')).toBeNull();
});

it.each(['de', 'en'] as const)(
  'in %s makes one backup for a double click, saying it is being made meanwhile',
  async (locale) => {
    let release = () => {};
    exportHeld = new Promise((resolve) => (release = resolve));
    show(locale);
    const button = byTestId('export-backup') as HTMLButtonElement;
    await userEvent.dblClick(button);
    const status = () => host.target.querySelector('[role="status"]')?.textContent;
    await expect.poll(status).toBe(t(locale, 'extension.backup.exporting'));
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(button);
    release();
    await expect.poll(status).toBe(t(locale, 'extension.backup.exported'));
    // Before: two requests, two files.
    expect(sent.filter((r) => r.type === 'backup.export')).toHaveLength(1);
    expect(downloads).toBe(1);
    expect(button.getAttribute('aria-disabled')).toBe('false');
  },
);

it('in German says the passphrase is wrong or the file damaged, and that nothing changed', async () => {
  show('de', true);
  await restoreFile(true);
  await expect
    .poll(() => byTestId('backup-error')?.textContent)
    .toBe('Die Passphrase ist falsch, oder die Datei ist beschädigt. Es wurde nichts verändert.');
});

it('forgets its error when told to (another form of the page was used)', async () => {
  const view = host.mount(BackupView, {
    locale: 'en' as const,
    send,
    onRestored: () => {},
    restoreOnly: true,
  }) as { clearError: () => void };
  await userEvent.click(byTestId('restore-backup')!);
  await expect.poll(fieldError).toBe(t('en', 'extension.backup.noFile'));
  view.clearError();
  await expect.poll(fieldError).toBeUndefined();
  await restoreFile(true);
  await expect.poll(() => byTestId('backup-error')).not.toBeNull();
  view.clearError();
  await expect.poll(() => byTestId('backup-error')).toBeNull();
});
