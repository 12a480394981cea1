/**
 * Why the domain proof failed, as /company/register says it. The general sentences
 * (`proofFailure`, portal/lib/components/company/domain-proof.ts) fit most cases; two need what
 * only this page knows:
 *
 * - `network` for an `http://` domain (allowed while the clearinghouse runs on loopback, e.g. in
 *   development): the general sentence asks for HTTPS with a valid certificate, which such a
 *   domain neither has nor needs;
 * - `company-mismatch`: the file names another company, and the page says which id it must name.
 */
import type { Translate } from '$protocol/i18n';
import { proofFailure, type FailedProof } from '$lib/components/company/domain-proof';

/**
 * The sentence for a failed proof of `domain` (as the company entered it, when the page still
 * knows it) by the company `companyId`.
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
