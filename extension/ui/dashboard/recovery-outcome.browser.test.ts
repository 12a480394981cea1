import { describe, expect, it } from 'vitest';
import { t } from '../../../protocol/i18n';
import { recoveryOutcomeText } from './recovery-outcome';

describe('recoveryOutcomeText', () => {
  it('gives the counts of a finished recovery, and the failed only where some failed', () => {
    expect(recoveryOutcomeText('en', { companiesChecked: 3, relationships: 1, failed: 0 })).toBe(
      '3 companies checked. 1 relationship restored.',
    );
    expect(recoveryOutcomeText('de', { companiesChecked: 3, relationships: 1, failed: 1 })).toBe(
      `3 Unternehmen geprüft. 1 Beziehung wiederhergestellt. ${t('de', 'extension.recovery.failed', { count: 1 })}`,
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
