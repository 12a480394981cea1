/**
 * The rule the relay refused an offer on, as the console words it (docs/api.md "Relay"): the
 * words the regulator's console uses for the same ids (`portal.regulator.rule.*`), so a company
 * and its regulator read the same refusal alike. Not every refusal is a missing grant: the relay
 * also refuses on the contact cap, the time window, or a company that is not active
 * (portal/lib/server/relay.ts), so the sentences around the label name the rule, never assume it.
 */
import type { MessageKey } from '$protocol/i18n';
import type { RefusalRule } from '$lib/server/relay';
import type { Label } from './complaint';

/** Every rule the relay records, with its label (a new rule fails the type check). */
const ruleLabels: Record<RefusalRule, MessageKey> = {
  company_not_active: 'portal.regulator.rule.company_not_active',
  grant_unknown: 'portal.regulator.rule.grant_unknown',
  revoked: 'portal.regulator.rule.revoked',
  not_yet_valid: 'portal.regulator.rule.not_yet_valid',
  expired: 'portal.regulator.rule.expired',
  purpose: 'portal.regulator.rule.purpose',
  channel: 'portal.regulator.rule.channel',
  time_window: 'portal.regulator.rule.time_window',
  contact_cap: 'portal.regulator.rule.contact_cap',
};

/**
 * The label of a refusal rule id; an id this version does not know is shown as it came.
 *
 * @example
 * ```ts
 * ruleLabel('time_window'); // {key: 'portal.regulator.rule.time_window'}
 * ```
 */
export function ruleLabel(rule: string): Label {
  return Object.prototype.hasOwnProperty.call(ruleLabels, rule)
    ? { key: ruleLabels[rule as RefusalRule] }
    : { text: rule };
}
