/**
 * A company's findings, composed once (issue 5 "Findings"): the one list behind its trust
 * figures, shown to the company itself (`GET /api/v1/companies/me/findings`) and to the
 * regulator (`GET /api/v1/companies/{companyId}/findings`, the basis of the regulator's
 * dashboard). Each kind of finding is computed by the module that owns its facts; this module
 * only puts them together in a fixed order of types, each oldest first. A type with more findings
 * than its module lists (1,000, or 500) shows its newest: a long record must not hide new ones.
 */
import type { Kysely } from 'kysely';
import type { Database } from './db/schema';
import {
  accessFindings,
  dataRequestFindings,
  type AccessFinding,
  type DataRequestFinding,
} from './obligations';
import { complaintFindings, type ComplaintFinding } from './oversight';
import { relayFindings, type RelayFinding } from './relay';
import { overdueRevocations, type OverdueRevocation } from './trust';
import { webhookFindings, type WebhookFinding } from './webhooks';

/** Every kind of finding, discriminated by `type`. */
export type Finding =
  | OverdueRevocation
  | WebhookFinding
  | RelayFinding
  | DataRequestFinding
  | AccessFinding
  | ComplaintFinding;

export interface FindingsOptions {
  /** Milliseconds of the server's clock (overdue means past a deadline at this moment). */
  nowMs: number;
  /** The revocation acknowledgement deadline (ms). */
  ackDeadlineMs: number;
}

/**
 * All findings of `companyId`: overdue revocation acknowledgements, failed webhook deliveries,
 * refused relay attempts, overdue data-request answers, out-of-scope access, upheld complaints.
 *
 * @example
 * ```ts
 * const findings = await companyFindings(db, companyId, { nowMs: Date.now(), ackDeadlineMs });
 * findings.filter((f) => f.type === 'complaint-upheld').length;
 * ```
 */
export async function companyFindings(
  db: Kysely<Database>,
  companyId: string,
  options: FindingsOptions,
): Promise<Finding[]> {
  const parts = await Promise.all([
    overdueRevocations(db, companyId, options.nowMs, options.ackDeadlineMs),
    webhookFindings(db, companyId),
    relayFindings(db, companyId),
    dataRequestFindings(db, companyId, options.nowMs),
    accessFindings(db, companyId),
    complaintFindings(db, companyId),
  ]);
  return parts.flat();
}
