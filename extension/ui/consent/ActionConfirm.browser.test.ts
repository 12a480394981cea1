/**
 * The Assistant's window for an action the clearinghouse's "my data" page asked for, in a real
 * Chromium: Escape leaves it as closing it does (nothing signed, the page hears `cancelled`).
 */
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import ActionConfirm from './ActionConfirm.svelte';

const host = hostComponents();
const { byTestId } = host;
const ticket = 'c'.repeat(32);

/**
 * Mounts the window for a correction of the address (or, `revoke`, a revocation), in `locale` by
 * the customer's settings, and returns what happened, in order: each action answer sent
 * (`sent confirm=<bool>`), its answer received after the background's moment, and the window
 * closing (`closed`). `locked`: the background answers the confirmation `ERR_VAULT_LOCKED`.
 */
async function mountAction(
  locale: 'de' | 'en',
  options: { kind?: 'correct' | 'revoke'; locked?: boolean; loadFails?: boolean } = {},
): Promise<string[]> {
  const events: string[] = [];
  const kind = options.kind ?? 'correct';
  const send = (async (request: { type: string; confirm?: boolean }) => {
    if (request.type === 'settings.get')
      return {
        type: 'settings',
        settings: { ...defaultSettings('http://localhost:3000'), language: locale },
      };
    if (request.type === 'wallet.action-pending') {
      if (options.loadFails) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked');
      return {
        type: 'wallet.action-pending',
        action:
          kind === 'correct'
            ? { kind, dataCategory: 'address' }
            : { kind, company: `co_${'A'.repeat(43)}` },
        companies: ['Laufhaus GmbH'],
      };
    }
    events.push(`sent confirm=${request.confirm}`);
    if (options.locked && request.confirm) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked');
    await new Promise((resolve) => setTimeout(resolve, 50));
    events.push('answered');
    return {
      type: 'bridge.action-outcome',
      outcome: { outcome: request.confirm ? 'done' : 'cancelled' },
    };
  }) as never;
  host.mount(ActionConfirm, {
    browserLocale: 'en' as const,
    ticket,
    send,
    close: () => events.push('closed'),
  });
  await expect
    .poll(() => byTestId(options.loadFails ? 'action-error' : 'action-confirm'))
    .not.toBeNull();
  return events;
}

const leftUnanswered = ['sent confirm=false', 'answered', 'closed'];
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('leaving the action unanswered with Escape', () => {
  it.each(['de', 'en'] as const)('says in %s what Escape does', async (locale) => {
    await mountAction(locale);
    expect(byTestId('action-escape-hint')!.textContent!.trim()).toBe(
      t(locale, 'extension.action.escapeHint'),
    );
  });

  it.each([
    ['the page itself', null],
    ['the value being typed', 'action-value'],
    ['the Cancel button', 'action-cancel'],
  ] as const)(
    'Escape from %s cancels at once and closes, as closing the window does',
    async (_where, focused) => {
      const events = await mountAction('en');
      if (focused === 'action-value') await userEvent.fill(byTestId(focused)!, 'Kammweg 1');
      if (focused !== null) byTestId(focused)!.focus();
      await userEvent.keyboard('{Escape}');
      await expect.poll(() => events).toEqual(leftUnanswered);
      await settle();
      expect(events).toEqual(leftUnanswered);
    },
  );

  it('Escape at the passphrase prompt cancels without it', async () => {
    const events = await mountAction('en', { kind: 'revoke', locked: true });
    await userEvent.click(byTestId('action-confirm')!);
    await expect.poll(() => byTestId('action-locked')).not.toBeNull();
    byTestId('unlock-passphrase')!.focus();
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => events).toEqual(['sent confirm=true', ...leftUnanswered]);
  });

  it('a Confirm pressed while the cancel of Escape is on its way sends nothing more', async () => {
    const events = await mountAction('en', { kind: 'revoke' });
    await userEvent.keyboard('{Escape}');
    byTestId('action-confirm')!.click();
    await expect.poll(() => events).toEqual(leftUnanswered);
    await settle();
    expect(events).toEqual(leftUnanswered);
  });

  it('Escape cancels an action the window could not load (the vault locked first)', async () => {
    const events = await mountAction('en', { loadFails: true });
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => events).toEqual(leftUnanswered);
  });

  it('Escape after Cancel closes the window and answers nothing more', async () => {
    const events = await mountAction('de', { kind: 'revoke' });
    await userEvent.click(byTestId('action-cancel')!);
    await expect.poll(() => byTestId('action-result')?.dataset.result).toBe('cancelled');
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => events).toEqual(['sent confirm=false', 'answered', 'closed']);
    await settle();
    expect(events).toEqual(['sent confirm=false', 'answered', 'closed']);
  });
});
