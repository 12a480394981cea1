/**
 * A refused offer names the rule it broke in words (refusal-rule.ts), in the offers list and in
 * the `relay-refused` finding, for every rule the relay records: not only a missing grant, also
 * the contact cap and a company that is not active.
 */
import { describe, expect, it } from 'vitest';
import { coverageRules } from '$protocol/grants';
import { locales, t } from '$protocol/i18n';
import { ruleLabel } from './refusal-rule';

/** What the relay records (relay.ts `RefusalRule`): its own two, then coverage's. */
const refusalRules = ['company_not_active', 'grant_unknown', ...coverageRules];

describe('ruleLabel', () => {
  it.each(refusalRules)('names the rule %s as the regulator’s console does', (rule) => {
    expect(ruleLabel(rule)).toEqual({ key: `portal.regulator.rule.${rule}` });
  });

  it('shows a rule this version does not know as it came, never a missing key', () => {
    expect(ruleLabel('new_rule')).toEqual({ text: 'new_rule' });
    expect(ruleLabel('toString')).toEqual({ text: 'toString' });
  });
});

describe.each(locales)('the sentences around the rule in %s', (locale) => {
  it.each(refusalRules)('say which rule %s was broken', (rule) => {
    const label = ruleLabel(rule);
    if (!('key' in label)) throw new Error(`no label for ${rule}`);
    const words = t(locale, label.key);
    for (const key of [
      'portal.console.findings.relay-refused',
      'portal.console.offers.refused',
    ] as const) {
      expect(t(locale, key, { rule: words })).toContain(words);
    }
  });
});
