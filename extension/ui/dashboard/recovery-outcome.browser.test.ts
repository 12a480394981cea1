import { describe, expect, it } from 'vitest';
import { t } from '../../../protocol/i18n';
import { phraseProblemText, recoveryIncomplete, recoveryOutcomeText } from './recovery-outcome';

describe('recoveryOutcomeText', () => {
  it('gives the counts of a finished recovery, and the failed only where some failed', () => {
    expect(recoveryOutcomeText('en', { companiesChecked: 3, relationships: 1, failed: 0 })).toBe(
      '3 companies checked. 1 relationship restored.',
    );
    expect(recoveryOutcomeText('de', { companiesChecked: 3, relationships: 1, failed: 1 })).toBe(
      `3 Unternehmen geprüft. 1 Beziehung wiederhergestellt. ${t('de', 'extension.recovery.failed', { count: 1 })}`,
    );
  });

  it('says how many complaints were restored, and how many could not be, where there are some', () => {
    const counts = { companiesChecked: 3, relationships: 2, failed: 0 };
    expect(recoveryOutcomeText('en', { ...counts, complaints: 4, complaintsNotRestored: 0 })).toBe(
      '3 companies checked. 2 relationships restored. 4 complaints restored.',
    );
    expect(recoveryOutcomeText('en', { ...counts, complaints: 1, complaintsNotRestored: 2 })).toBe(
      '3 companies checked. 2 relationships restored. 1 complaint restored. 2 complaints could not be restored: the clearinghouse no longer has a copy, or they could not be checked as yours.',
    );
    // A customer with no complaints listed reads nothing of them.
    expect(recoveryOutcomeText('en', { ...counts, complaints: 0, complaintsNotRestored: 0 })).toBe(
      '3 companies checked. 2 relationships restored.',
    );
    expect(recoveryOutcomeText('en', { ...counts, complaints: 0, complaintsNotRestored: 1 })).toBe(
      '3 companies checked. 2 relationships restored. 0 complaints restored. 1 complaint could not be restored: the clearinghouse no longer has a copy, or it could not be checked as yours.',
    );
    expect(recoveryOutcomeText('de', { ...counts, complaints: 2, complaintsNotRestored: 1 })).toBe(
      '3 Unternehmen geprüft. 2 Beziehungen wiederhergestellt. 2 Beschwerden wiederhergestellt. 1 Beschwerde konnte nicht wiederhergestellt werden: Die Clearingstelle hat keine Kopie mehr oder sie ließ sich nicht als Ihre prüfen.',
    );
  });

  it('counts the complaints restored before the clearinghouse stopped answering', () => {
    const outcome = {
      companiesChecked: 100,
      relationships: 1,
      failed: 0,
      complaints: 3,
      complaintsNotRestored: 0,
      unreachable: true as const,
    };
    expect(recoveryOutcomeText('en', outcome)).toBe(
      `${t('en', 'extension.recovery.unreachable')} Up to then: 100 companies checked. 1 relationship restored. 3 complaints restored.`,
    );
  });

  it('says only that the clearinghouse was out of reach when it answered for no company', () => {
    for (const locale of ['de', 'en'] as const) {
      expect(
        recoveryOutcomeText(locale, {
          companiesChecked: 0,
          relationships: 0,
          failed: 0,
          unreachable: true,
        }),
      ).toBe(t(locale, 'extension.recovery.unreachable'));
    }
  });

  it('says how far a recovery came before the clearinghouse stopped answering (failed before: no counts)', () => {
    const outcome = {
      companiesChecked: 200,
      relationships: 2,
      failed: 0,
      unreachable: true as const,
    };
    expect(recoveryOutcomeText('en', outcome)).toBe(
      `${t('en', 'extension.recovery.unreachable')} Up to then: 200 companies checked. 2 relationships restored.`,
    );
    expect(recoveryOutcomeText('de', outcome)).toBe(
      `${t('de', 'extension.recovery.unreachable')} Bis dahin: 200 Unternehmen geprüft. 2 Beziehungen wiederhergestellt.`,
    );
  });
});

describe('phraseProblemText', () => {
  it.each([
    ['en', { problem: 'empty' }, '“The 24 words” is empty. Please fill it in.'],
    ['de', { problem: 'empty' }, '„Die 24 Wörter“ ist leer. Bitte füllen Sie das Feld aus.'],
    [
      'de',
      { problem: 'count', words: 1 },
      'Sie haben 1 Wort eingegeben; eine Wiederherstellungsphrase hat genau 24. Es wurde nichts verändert.',
    ],
    [
      'en',
      { problem: 'count', words: 23 },
      'You typed 23 words; a recovery phrase has exactly 24. Nothing was changed.',
    ],
    [
      'en',
      { problem: 'word', position: 12, word: 'xyzzy' },
      'Word 12, “xyzzy”, is not one of the words a recovery phrase can contain. Check its spelling against your note. Nothing was changed.',
    ],
    [
      'de',
      { problem: 'checksum' },
      'Alle 24 Wörter sind gültig, passen aber nicht zusammen: Wahrscheinlich ist eines falsch, aber zufällig ebenfalls ein gültiges Wort, oder zwei Wörter stehen in der falschen Reihenfolge. Vergleichen Sie sie mit Ihrer Notiz. Es wurde nichts verändert.',
    ],
  ] as const)('in %s says what is wrong with the phrase: %o', (locale, problem, text) => {
    const label = t(locale, 'extension.recovery.phrase');
    expect(phraseProblemText(locale, problem, label)).toBe(text);
  });

  it('cuts a long word typed in place of one of the list', () => {
    const text = phraseProblemText(
      'en',
      { problem: 'word', position: 1, word: 'x'.repeat(500) },
      'The 24 words',
    );
    expect(text).toContain(`“${'x'.repeat(24)}…”`);
    expect(text.length).toBeLessThan(200);
  });
});

describe('recoveryIncomplete', () => {
  it.each([
    [{ companiesChecked: 2, relationships: 2, failed: 0 }, false],
    [{ companiesChecked: 3, relationships: 1, failed: 2 }, true],
    [{ companiesChecked: 0, relationships: 0, failed: 0, unreachable: true }, true],
    [{ companiesChecked: 5, relationships: 5, failed: 0, unreachable: true }, true],
  ] as const)('tells whether %o left something to recover later (%s)', (outcome, incomplete) => {
    expect(recoveryIncomplete(outcome)).toBe(incomplete);
  });
});
