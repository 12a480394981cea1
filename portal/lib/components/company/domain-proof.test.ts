/**
 * A failed domain proof tells the company what to fix (domain-proof.ts): each reason the proof
 * gives has its own sentence in both languages, and without a reason the code's sentence speaks,
 * never the raw code.
 */
import { describe, expect, it } from 'vitest';
import { locales, t } from '$protocol/i18n';
import { proofFailure, type ProofReason } from './domain-proof';

const failed = 'ERR_DOMAIN_PROOF_FAILED';

/** Every reason portal/lib/server/domain-proof.ts gives a failed proof. */
const reasons: ProofReason[] = [
  'status',
  'redirect',
  'not-json',
  'key-not-listed',
  'company-mismatch',
  'dns',
  'timeout',
  'network',
  'too-large',
  'address-not-public',
];

describe('proofFailure', () => {
  it.each(reasons)('says in both languages what the reason %s means', (reason) => {
    const key = proofFailure({ code: failed, reason });
    expect(key).toBe(`portal.console.proof.reason.${reason}`);
    for (const locale of locales) expect(t(locale, key)).not.toContain(failed);
    expect(t('de', key)).not.toBe(t('en', key));
  });

  it.each([
    [{ code: failed }, 'errors.ERR_DOMAIN_PROOF_FAILED'],
    [{ code: failed, reason: undefined }, 'errors.ERR_DOMAIN_PROOF_FAILED'],
    [
      { code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'https is required' },
      'errors.ERR_ORIGIN_NOT_ALLOWED',
    ],
    [{ code: failed, reason: 'toString' }, 'errors.ERR_DOMAIN_PROOF_FAILED'],
    [{ code: 'ERR_NOT_A_CODE', reason: 'new-reason' }, 'errors.ERR_DOMAIN_PROOF_FAILED'],
    [{}, 'errors.ERR_DOMAIN_PROOF_FAILED'],
  ])('falls back to the code’s sentence for %j', (proof, key) => {
    expect(proofFailure(proof)).toBe(key);
  });
});
