/**
 * Why a domain proof failed, as the console says it (`/company`, `/company/register`): the
 * service answers a failed proof with the error's code and its `detail.reason`
 * (portal/lib/server/companies.ts `attemptProof`, portal/lib/server/domain-proof.ts), and the
 * company needs to know what to fix, not the code. Every reason the proof gives has a sentence
 * that says what was wrong and what to do; without a reason (or with one this version does not
 * know) the code's own sentence (`errors.<code>`) speaks.
 */
import { hasMessage, type MessageKey, type Translate } from '$protocol/i18n';

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

/**
 * Why a proof of `domain` (as the company entered it, when the page knows it) by the company
 * `companyId` failed, as the console and /company/register say it: {@link proofFailure}'s
 * sentence, except for two cases that need what only the page knows. `network` for an `http://`
 * domain (allowed while the clearinghouse runs on loopback, e.g. in development): the general
 * sentence asks for HTTPS with a valid certificate, which such a domain neither has nor needs.
 * `company-mismatch`: the file names another company, and the sentence says which id it must
 * name.
 *
 * @example
 * ```ts
 * proofSentence(t, { code: 'ERR_DOMAIN_PROOF_FAILED', reason: 'network' }, 'http://localhost:4399', 'co_…');
 * // 'The connection to your domain failed. Check that the server at this address is running …'
 * ```
 */
export function proofSentence(
  t: Translate,
  proof: FailedProof,
  domain: string | undefined,
  companyId: string,
): string {
  if (proof.code === 'ERR_DOMAIN_PROOF_FAILED') {
    if (proof.reason === 'network' && domain !== undefined && /^http:\/\//i.test(domain.trim())) {
      return t('portal.register.proof.networkHttp');
    }
    if (proof.reason === 'company-mismatch') {
      return t('portal.register.proof.companyMismatch', { id: companyId });
    }
  }
  return t(proofFailure(proof));
}
