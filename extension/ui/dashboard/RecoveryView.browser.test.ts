/**
 * The recovery form's new passphrase in a real Chromium. At onboarding a recovery creates the
 * vault with the passphrase typed here, and nothing else the owner holds opens it: the form asks
 * for it twice, as onboarding's "create" does, and a repeat that differs is named at its field
 * before anything is sent. Recovering into the unlocked vault asks for no passphrase at all.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { t } from '../../../protocol/i18n';
import { masterSeedToPhrase } from '../../../protocol/keys';
import { hostComponents } from '../component-host.fixture';
import { idleRecoveryRun } from './recovery-outcome';
import RecoveryView from './RecoveryView.svelte';

const host = hostComponents();
const { byTestId } = host;

const words = masterSeedToPhrase(new Uint8Array(32).fill(7)).split(' ');

/** What the form sent, in order, and the outcomes it handed on. */
let sent: { type: string; passphrase?: string }[];
let done: unknown[];

beforeEach(() => {
  sent = [];
  done = [];
});

const outcome = { companiesChecked: 1, relationships: 0, failed: 0 };
const send = (async (request: { type: string; passphrase?: string }) => {
  sent.push(request);
  return { type: 'vault.recovered', ...outcome };
}) as never;

function show(locale: 'de' | 'en', needsPassphrase = true) {
  host.mount(RecoveryView, {
    locale,
    send,
    needsPassphrase,
    onDone: (o: unknown) => done.push(o),
    run: idleRecoveryRun(),
  });
}

const field = (id: string) => byTestId(id) as HTMLInputElement | HTMLTextAreaElement;
const errorAt = (id: string) => byTestId(`${id}-error`)?.textContent?.trim();

async function recover(phrase: string, passphrase: string, repeat: string) {
  await userEvent.fill(field('recovery-phrase'), phrase);
  await userEvent.fill(field('recovery-passphrase'), passphrase);
  if (repeat !== '') await userEvent.fill(field('recovery-passphrase-repeat'), repeat);
  await userEvent.click(byTestId('recover')!);
}

describe('at onboarding, the new passphrase typed twice', () => {
  it.each([
    ['de', 'Die beiden Passphrasen stimmen nicht überein.'],
    ['en', 'The two passphrases do not match.'],
  ] as const)(
    'in %s names a repeat that differs at its field, focuses it, and sends nothing',
    async (locale, text) => {
      show(locale);
      await recover(words.join(' '), 'a long passphrase', 'a long passphrsae');
      // Failed before: there was no repeat field, and the typo became the vault's passphrase.
      await expect.poll(() => errorAt('recovery-pass-repeat')).toBe(text);
      expect(sent).toEqual([]);
      const repeat = field('recovery-passphrase-repeat');
      expect(document.activeElement).toBe(repeat);
      expect(repeat.getAttribute('aria-invalid')).toBe('true');
      expect(repeat.getAttribute('aria-describedby')).toBe('recovery-pass-repeat-error');
      // Labelled as onboarding's own repeat field is.
      expect(host.target.querySelector('label[for="recovery-pass-repeat"]')!.textContent).toBe(
        t(locale, 'extension.onboarding.confirmPassphrase'),
      );
      // One error at a time: the passphrase field itself is not marked.
      expect(errorAt('recovery-pass')).toBeUndefined();
      expect(field('recovery-passphrase').hasAttribute('aria-invalid')).toBe(false);
    },
  );

  it.each([
    ['de', 'spaces only', ' '.repeat(12)],
    ['en', 'spaces only', ' '.repeat(12)],
    ['en', 'too short', 'hunter2'],
  ] as const)(
    'in %s names a passphrase of %s at its field as the vault would refuse it, focuses it, and sends nothing',
    async (locale, _case, passphrase) => {
      show(locale);
      await recover(words.join(' '), passphrase, passphrase);
      // Failed before: the background refused it, said in the form's general error area.
      await expect
        .poll(() => errorAt('recovery-pass'))
        .toBe(t(locale, 'errors.ERR_VAULT_PASSPHRASE_WEAK'));
      expect(sent).toEqual([]);
      expect(byTestId('recovery-error')).toBeNull();
      const input = field('recovery-passphrase');
      expect(document.activeElement).toBe(input);
      expect(input.getAttribute('aria-invalid')).toBe('true');
      expect(input.getAttribute('aria-describedby')).toBe('recovery-pass-error');
      expect(errorAt('recovery-pass-repeat')).toBeUndefined();
    },
  );

  it('says an empty repeat is empty, and sends nothing', async () => {
    show('en');
    await recover(words.join(' '), 'a long passphrase', '');
    await expect
      .poll(() => errorAt('recovery-pass-repeat'))
      .toBe('“Repeat the passphrase” is empty. Please fill it in.');
    expect(sent).toEqual([]);
    expect(document.activeElement).toBe(field('recovery-passphrase-repeat'));
  });

  it('names the phrase first, then the repeat once the phrase is right', async () => {
    show('en');
    await recover('abandon', 'a long passphrase', 'another passphrase');
    await expect.poll(() => errorAt('phrase-true')).not.toBeUndefined();
    expect(errorAt('recovery-pass-repeat')).toBeUndefined();
    await userEvent.fill(field('recovery-phrase'), words.join(' '));
    await userEvent.click(byTestId('recover')!);
    await expect
      .poll(() => errorAt('recovery-pass-repeat'))
      .toBe(t('en', 'extension.onboarding.mismatch'));
    expect(errorAt('phrase-true')).toBeUndefined();
    expect(field('recovery-phrase').hasAttribute('aria-invalid')).toBe(false);
    expect(sent).toEqual([]);
  });

  it('recovers with the passphrase once both fields hold it, and empties them', async () => {
    show('en');
    await recover(words.join(' '), 'a long passphrase', 'a long passphrsae');
    await expect.poll(() => errorAt('recovery-pass-repeat')).not.toBeUndefined();
    await userEvent.fill(field('recovery-passphrase-repeat'), 'a long passphrase');
    await userEvent.click(byTestId('recover')!);
    await expect.poll(() => done).toEqual([{ type: 'vault.recovered', ...outcome }]);
    expect(sent).toEqual([
      { type: 'vault.recover', phrase: words.join(' '), passphrase: 'a long passphrase' },
    ]);
    expect(errorAt('recovery-pass-repeat')).toBeUndefined();
    expect(field('recovery-passphrase').value).toBe('');
    expect(field('recovery-passphrase-repeat').value).toBe('');
  });
});

it('asks for no passphrase when recovering into the unlocked vault', async () => {
  show('en', false);
  expect(byTestId('recovery-passphrase')).toBeNull();
  expect(byTestId('recovery-passphrase-repeat')).toBeNull();
  await userEvent.fill(field('recovery-phrase'), words.join(' '));
  await userEvent.click(byTestId('recover')!);
  await expect
    .poll(() => sent)
    .toEqual([{ type: 'vault.recover', phrase: words.join(' '), passphrase: '' }]);
  // The dashboard hears the outcome too, so what it said of an earlier one gives way (failed
  // before: only onboarding heard it, and the dashboard's warning stayed until a reload).
  await expect.poll(() => done).toEqual([{ type: 'vault.recovered', ...outcome }]);
});
