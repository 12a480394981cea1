/**
 * Onboarding's three forms (create, restore a backup, recover from the phrase) in a real
 * Chromium: a typed phrase is checked before anything is sent, and the sentence says what is
 * wrong with it; a recovery says what it does while it runs and keeps the focus on its button;
 * only the form used last shows its error. "Create" refuses a passphrase of white space only, and
 * two passphrases that do not match, beside the field, which takes the focus.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { masterSeedToPhrase } from '../../../protocol/keys';
import { hostComponents } from '../component-host.fixture';
import Onboarding from './Onboarding.svelte';

const host = hostComponents();
const { byTestId } = host;

const words = masterSeedToPhrase(new Uint8Array(32).fill(7)).split(' ');
/** The phrase with its word at (0-based) `i` replaced by `word`. */
const withWord = (i: number, word: string) => words.map((w, j) => (j === i ? word : w)).join(' ');

let sent: string[];
/** The passphrases `vault.create` was sent. */
let created: string[];
/** A recovery's long run (the clearinghouse slow to answer): it ends when the test calls this. */
let endRecovery: () => void;
let recoveryRun: Promise<void>;
let done: unknown[];

beforeEach(() => {
  sent = [];
  created = [];
  done = [];
  recoveryRun = new Promise((resolve) => (endRecovery = resolve));
});

const send = (async (request: { type: string; passphrase?: string }) => {
  sent.push(request.type);
  if (request.type === 'vault.create') created.push(request.passphrase!);
  if (request.type === 'vault.recover') {
    await recoveryRun;
    throw new ProtocolError('ERR_VAULT_PASSPHRASE_WEAK', 'too short');
  }
  if (request.type === 'backup.restore')
    throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'not a backup');
  throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'not in this test');
}) as never;

function show(locale: 'de' | 'en') {
  host.mount(Onboarding, { locale, send, onDone: (outcome?: unknown) => done.push(outcome) });
}

const phraseField = () => byTestId('recovery-phrase') as HTMLTextAreaElement;
const phraseError = () => byTestId('phrase-true-error')?.textContent?.trim();

async function recover(phrase: string, passphrase = 'a long passphrase') {
  await userEvent.fill(phraseField(), phrase);
  await userEvent.fill(byTestId('recovery-passphrase') as HTMLInputElement, passphrase);
  await userEvent.fill(byTestId('recovery-passphrase-repeat') as HTMLInputElement, passphrase);
  await userEvent.click(byTestId('recover')!);
}

describe('a phrase that gives no seed', () => {
  it.each([
    ['de', 'empty', '', '„Die 24 Wörter“ ist leer. Bitte füllen Sie das Feld aus.'],
    ['en', 'empty', '  ', '“The 24 words” is empty. Please fill it in.'],
    [
      'de',
      'three words',
      'abandon ability able',
      'Sie haben 3 Wörter eingegeben; eine Wiederherstellungsphrase hat genau 24. Es wurde nichts verändert.',
    ],
    [
      'en',
      'one word',
      'abandon',
      'You typed 1 word; a recovery phrase has exactly 24. Nothing was changed.',
    ],
    [
      'en',
      '25 words',
      `${words.join(' ')} abandon`,
      'You typed 25 words; a recovery phrase has exactly 24. Nothing was changed.',
    ],
    [
      'de',
      'a word not in the list',
      withWord(6, 'xyzzy'),
      'Wort 7, „xyzzy“, gehört nicht zu den Wörtern, die in einer Wiederherstellungsphrase vorkommen können. Prüfen Sie die Schreibweise anhand Ihrer Notiz. Es wurde nichts verändert.',
    ],
    [
      'en',
      'a word not in the list',
      withWord(0, 'Abandn'),
      'Word 1, “abandn”, is not one of the words a recovery phrase can contain. Check its spelling against your note. Nothing was changed.',
    ],
    ['de', 'a checksum that does not match', withWord(23, words[22]!), null],
    ['en', 'two words swapped', [words[1], words[0], ...words.slice(2)].join(' '), null],
  ] as const)(
    'in %s, says what is wrong (%s) and sends nothing',
    async (locale, _, phrase, text) => {
      show(locale);
      await recover(phrase);
      await expect.poll(phraseError).toBe(text ?? t(locale, 'extension.recovery.phraseChecksum'));
      // Before: everything went to the background, and came back as "The key is invalid.".
      expect(sent).toEqual([]);
      expect(document.activeElement).toBe(phraseField());
      expect(phraseField().getAttribute('aria-invalid')).toBe('true');
      expect(phraseField().getAttribute('aria-describedby')).toBe('phrase-true-error');
    },
  );

  it('says an empty new passphrase is empty, and sends nothing', async () => {
    show('en');
    await recover(words.join(' '), '');
    await expect
      .poll(() => byTestId('recovery-pass-error')?.textContent?.trim())
      .toBe(
        t('en', 'extension.input.missing', {
          field: t('en', 'extension.recovery.newPassphrase'),
        }),
      );
    expect(sent).toEqual([]);
  });
});

it.each(['de', 'en'] as const)(
  'in %s says what a recovery does while it runs, and keeps the focus on its button',
  async (locale) => {
    show(locale);
    await recover(words.join(' '));
    const working = byTestId('recovery-working')!;
    await expect.poll(() => working.textContent).toBe(t(locale, 'extension.recovery.working'));
    expect(working.getAttribute('role')).toBe('status');
    const button = byTestId('recover') as HTMLButtonElement;
    // Before: disabled, which dropped the focus to the page's body, and nothing said for a minute.
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(button);
    // A second press meanwhile sends nothing (Playwright will not click an aria-disabled button).
    button.click();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual(['vault.recover']);
    endRecovery();
    await expect
      .poll(() => byTestId('recovery-error')?.textContent)
      .toBe(t(locale, 'errors.ERR_VAULT_PASSPHRASE_WEAK'));
    expect(working.textContent).toBe('');
    expect(button.getAttribute('aria-disabled')).toBe('false');
    expect(document.activeElement).toBe(button);
  },
);

it('shows only the error of the form used last', async () => {
  show('en');
  const alerts = () =>
    [...host.target.querySelectorAll('[role="alert"]')].map((a) => a.textContent?.trim());
  await userEvent.fill(byTestId('new-passphrase') as HTMLInputElement, 'a long passphrase');
  await userEvent.fill(byTestId('repeat-passphrase') as HTMLInputElement, 'another one');
  await userEvent.click(byTestId('create')!);
  await expect.poll(alerts).toEqual([t('en', 'extension.onboarding.mismatch')]);
  // The recovery form, sent: its own sentence alone (before: beside "do not match").
  await recover('abandon');
  await expect.poll(alerts).toEqual([t('en', 'extension.recovery.phraseCount', { count: 1 })]);
  // The backup form, sent: its sentence alone.
  await userEvent.upload(byTestId('backup-file')!, new File(['{}'], 'backup.json'));
  await userEvent.fill(byTestId('backup-passphrase') as HTMLInputElement, 'the passphrase');
  await userEvent.click(byTestId('restore-backup')!);
  await expect.poll(alerts).toEqual([t('en', 'errors.ERR_VAULT_BACKUP_INVALID')]);
  // And back to the first form: its sentence alone again.
  await userEvent.click(byTestId('create')!);
  await expect.poll(alerts).toEqual([t('en', 'extension.onboarding.mismatch')]);
});

describe('creating the vault', () => {
  const passField = () => byTestId('new-passphrase') as HTMLInputElement;
  const repeatField = () => byTestId('repeat-passphrase') as HTMLInputElement;

  async function create(passphrase: string, repeat = passphrase) {
    await userEvent.fill(passField(), passphrase);
    await userEvent.fill(repeatField(), repeat);
    await userEvent.click(byTestId('create')!);
  }

  it.each(['de', 'en'] as const)(
    'in %s says the passphrases do not match beside the repeat field, which takes the focus',
    async (locale) => {
      show(locale);
      await create('a long passphrase', 'a long passphrse');
      await expect
        .poll(() => byTestId('repeat-passphrase-error')?.textContent?.trim())
        .toBe(t(locale, 'extension.onboarding.mismatch'));
      // Failed before: said under the form, tied to no field, and the focus stayed on "create".
      expect(document.activeElement).toBe(repeatField());
      expect(repeatField().getAttribute('aria-invalid')).toBe('true');
      expect(repeatField().getAttribute('aria-describedby')).toBe('repeat-passphrase-error');
      expect(sent).toEqual([]);
    },
  );

  it.each([
    ['de', 'ten spaces', ' '.repeat(10)],
    ['en', 'spaces, tabs and no-break spaces', ' \t\u00a0'.repeat(5)],
  ] as const)(
    'in %s refuses a passphrase of %s beside its field, and creates nothing',
    async (locale, _, passphrase) => {
      show(locale);
      await userEvent.fill(passField(), passphrase);
      // Before: "Weak: use several words.", as if it would do.
      await expect.poll(() => byTestId('strength')!.dataset.strength).toBe('blank');
      expect(byTestId('strength')!.textContent!.trim()).toBe(
        t(locale, 'extension.onboarding.strength.blank'),
      );
      await create(passphrase);
      await expect
        .poll(() => byTestId('new-passphrase-error')?.textContent?.trim())
        .toBe(t(locale, 'errors.ERR_VAULT_PASSPHRASE_WEAK'));
      expect(document.activeElement).toBe(passField());
      expect(passField().getAttribute('aria-invalid')).toBe('true');
      expect(passField().getAttribute('aria-describedby')).toBe('new-passphrase-error strength');
      // Failed before: the vault was made with ten spaces.
      expect(sent).toEqual([]);
    },
  );

  it('sends a passphrase as typed, the spaces around it included', async () => {
    show('en');
    await create('  a long passphrase  ');
    await expect.poll(() => created).toEqual(['  a long passphrase  ']);
    expect(byTestId('new-passphrase-error')).toBeNull();
    expect(passField().getAttribute('aria-describedby')).toBe('strength');
  });
});

it.each(['de', 'en'] as const)(
  'in %s names each of its buttons differently (a screen reader lists them by name)',
  async (locale) => {
    show(locale);
    const names = [...host.target.querySelectorAll('button')].map((b) => b.textContent!.trim());
    // Failed before in German: "Wiederherstellen" twice, for the backup and for the phrase.
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(t(locale, 'extension.backup.restore'));
    expect(names).toContain(t(locale, 'extension.recovery.submit'));
  },
);
