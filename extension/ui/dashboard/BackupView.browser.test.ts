/**
 * Restoring a backup in a real Chromium: without a file, or with a vault there and its
 * "replace" box not ticked, the form says so in the customer's language and points to the
 * field, sending nothing (the vault would answer "wipe it first", even to a wrong passphrase);
 * each outcome replaces the one before ("The backup was created." beside a later failure).
 */
import { beforeEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { hostComponents } from '../component-host.fixture';
import BackupView from './BackupView.svelte';

const host = hostComponents();
const { byTestId } = host;
let sent: { type: string; replace?: boolean }[];

beforeEach(() => {
  sent = [];
});

const send = (async (request: { type: string; replace?: boolean }) => {
  sent.push(request);
  if (request.type === 'backup.export') return { type: 'backup', file: '{}' };
  throw new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', 'wrong');
}) as never;

function show(locale: 'de' | 'en', restoreOnly = false) {
  host.mount(BackupView, { locale, send, onRestored: () => {}, restoreOnly });
}

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

it.each(['de', 'en'] as const)(
  'in %s points to the "replace" box while a vault is there, and sends nothing',
  async (locale) => {
    show(locale);
    await userEvent.upload(byTestId('backup-file')!, new File(['{}'], 'backup.json'));
    await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'wrong passphrase');
    await userEvent.click(byTestId('restore-backup')!);
    await expect.poll(fieldError).toBe(
      t(locale, 'extension.backup.replaceNeeded', {
        replace: t(locale, 'extension.backup.replace'),
      }),
    );
    expect(sent).toEqual([]);
    expect(document.activeElement).toBe(byTestId('backup-replace'));
  },
);

it('says a wrong passphrase as such once the box is ticked, in place of "created"', async () => {
  show('en');
  await userEvent.click(byTestId('export-backup')!);
  await expect
    .poll(() => host.target.querySelector('[role="status"]')?.textContent)
    .toBe(t('en', 'extension.backup.exported'));
  await userEvent.upload(byTestId('backup-file')!, new File(['{}'], 'backup.json'));
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'wrong passphrase');
  await userEvent.click(byTestId('backup-replace')!);
  await userEvent.click(byTestId('restore-backup')!);
  await expect
    .poll(() => byTestId('backup-error')?.textContent)
    .toBe(t('en', 'errors.ERR_VAULT_PASSPHRASE_WRONG'));
  expect(host.target.querySelector('[role="status"]')!.textContent).toBe('');
  expect(sent.map((r) => [r.type, r.replace])).toEqual([
    ['backup.export', undefined],
    ['backup.restore', true],
  ]);
});
