/**
 * Why a domain proof failed, as the console says it (`/company`, `/company/register`): the
 * service answers a failed proof with the error's code and its `detail.reason`
 * (portal/lib/server/companies.ts `attemptProof`, portal/lib/server/domain-proof.ts), and the
 * company needs to know what to fix, not the code. Every reason the proof gives has a sentence
 * that says what was wrong and what to do; without a reason (or with one this version does not
 * know) the code's own sentence (`errors.<code>`) speaks.
 */
import { hasMessage, type MessageKey } from '$protocol/i18n';

/** A failed proof as the page receives it (`DomainProofOutcome` without `verified`). */
export interface FailedProof {
  code?: string;
  reason?: string | undefined;
}

/** Every `detail.reason` of a failed proof, with its sentence. */
const reasonSentences = {
  status: 'portal.console.proof.reason.status',
  redirect: 'portal.console.proof.reason.redirect',
  'not-json': 'portal.console.proof.reason.not-json',
  'key-not-listed': 'portal.console.proof.reason.key-not-listed',
  'company-mismatch': 'portal.console.proof.reason.company-mismatch',
  dns: 'portal.console.proof.reason.dns',
  timeout: 'portal.console.proof.reason.timeout',
  network: 'portal.console.proof.reason.network',
  'too-large': 'portal.console.proof.reason.too-large',
  'address-not-public': 'portal.console.proof.reason.address-not-public',
} as const satisfies Record<string, MessageKey>;

/** The reasons a failed proof may give (domain-proof.ts `proveDomain`). */
export type ProofReason = keyof typeof reasonSentences;

/**
 * The sentence that says why a proof failed and what to do about it.
 *
 * @example
 * ```ts
 * proofFailure({ code: 'ERR_DOMAIN_PROOF_FAILED', reason: 'key-not-listed' });
 * // 'portal.console.proof.reason.key-not-listed'
 * proofFailure({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'https is required' });
 * // 'errors.ERR_ORIGIN_NOT_ALLOWED'
 * ```
 */
export function proofFailure(proof: FailedProof): MessageKey {
  const { code, reason } = proof;
  if (reason !== undefined && Object.prototype.hasOwnProperty.call(reasonSentences, reason)) {
    return reasonSentences[reason as ProofReason];
  }
  const generic = `errors.${code ?? ''}`;
  return hasMessage(generic) ? generic : 'errors.ERR_DOMAIN_PROOF_FAILED';
}
