/**
 * What a finding in the company console refers to (issue 5 "Findings"): a sentence such as "A
 * complaint was upheld." says nothing about *which* complaint, so each finding line also names
 * the message it is about (kind, a short SHA-256, when the clearinghouse received it) and the
 * pseudonym, where there is one, so staff can find it in their own records.
 */
import type { Finding } from '$lib/server/findings';

/** The message a finding is about. */
export interface FindingReference {
  /** Which kind of message (a key under `portal.console.findings.kind.`). */
  kind: 'revocation' | 'webhook' | 'offer' | 'dataRequest' | 'access' | 'complaint';
  /** The message's SHA-256 (base64url): its id in the API and the log. */
  id: string;
  /** The pseudonym concerned, or null (a webhook event; an access entry naming none). */
  pseudonym: string | null;
  /** Milliseconds: when the clearinghouse received it (or, for a webhook, when delivery failed). */
  at: number;
}

/**
 * The reference of one finding.
 *
 * @example
 * ```ts
 * const ref = findingReference(finding); // {kind: 'complaint', id: 'q3…', pseudonym: 'ps_…', at}
 * ```
 */
export function findingReference(finding: Finding): FindingReference {
  switch (finding.type) {
    case 'revocation-ack-overdue':
      return {
        kind: 'revocation',
        id: finding.revocationSha256,
        pseudonym: finding.pseudonym,
        at: finding.receivedAt,
      };
    case 'webhook-delivery-failed':
      return { kind: 'webhook', id: finding.eventSha256, pseudonym: null, at: finding.failedAt };
    case 'relay-refused':
      return {
        kind: 'offer',
        id: finding.offerSha256,
        pseudonym: finding.pseudonym,
        at: finding.refusedAt,
      };
    case 'data-request-overdue':
      return {
        kind: 'dataRequest',
        id: finding.dataRequestSha256,
        pseudonym: finding.pseudonym,
        at: finding.receivedAt,
      };
    case 'access-out-of-scope':
      return {
        kind: 'access',
        id: finding.accessSha256,
        pseudonym: finding.pseudonym,
        at: finding.receivedAt,
      };
    case 'complaint-upheld':
      return {
        kind: 'complaint',
        id: finding.complaintSha256,
        pseudonym: finding.pseudonym,
        at: finding.receivedAt,
      };
  }
}
