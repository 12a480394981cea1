/**
 * The dashboard when the vault locks behind its back (auto-lock, the popup, another tab), in a
 * real Chromium: its passive status poll, or a view's `ERR_VAULT_LOCKED`, takes it to the Unlock
 * screen and every decrypted thing it showed leaves the page. The poll asks `vault.status` only,
 * which extension/service.ts does not count as activity (service.browser.test.ts checks that).
 */
import { beforeEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import App from './App.svelte';

/** A brand only the decrypted blacklist names. */
const secret = 'Geheimmarke Nord';

/** The background's vault, as the fake `send` answers for it. */
let state: 'locked' | 'unlocked';
let sent: string[];

const status = () => ({
  type: 'vault.status',
  state,
  counts: state === 'unlocked' ? { blacklist: 1, relationships: 0 } : null,
  language: null,
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
  sent = [];
});

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
});
