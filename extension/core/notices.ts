/**
 * What the Assistant tells the customer unasked (issue 7 "Notifications"): a grant about to
 * expire, a company suspended, a disclosure changed, an acknowledgement of a revocation overdue,
 * an answer to a data request overdue. Pure: it reads the stored relationships and the clock, and says which notices
 * are due; the platform shows them as browser notifications, outside the profile's quiet hours.
 * Each notice has a stable id, so one is shown once however often the check runs.
 */
import { inWindow, localTime } from '../../protocol/grants';
import type { Profile } from '../../protocol/profile';
import { disclosureChange, disclosureLimits, verifiedAnswer } from './disclosures';
import { storedPayload } from './stored-jws';
import type { WalletRelationship } from './wallet';

/** When a notice is due (project decisions, docs/architecture.md). */
export const noticeRules = {
  /** A grant expiring within this many days is announced. */
  expiringWithinDays: 7,
  /** The clearinghouse's default `REVOCATION_ACK_DEADLINE_HOURS`. */
  ackDeadlineHours: 72,
} as const;

export type Notice =
  | {
      readonly id: string;
      readonly kind: 'grant-expiring';
      readonly company: string;
      readonly until: number;
    }
  | { readonly id: string; readonly kind: 'company-suspended'; readonly company: string }
  /** The newest disclosure says something else than the one before (extension/core/disclosures). */
  | { readonly id: string; readonly kind: 'disclosure-changed'; readonly company: string }
  | { readonly id: string; readonly kind: 'ack-overdue'; readonly company: string }
  | { readonly id: string; readonly kind: 'answer-overdue'; readonly company: string };

function claim(jws: string, name: string): unknown {
  return storedPayload(jws)[name];
}

/**
 * The notices due at `nowMs` that are not in `shown` (ids already shown).
 *
 * @example
 * ```ts
 * for (const notice of dueNotices((await wallet.list()).items, clock.now(), shown)) notify(notice);
 * ```
 */
export function dueNotices(
  relationships: readonly WalletRelationship[],
  nowMs: number,
  shown: ReadonlySet<string>,
): Notice[] {
  const now = Math.floor(nowMs / 1000);
  const notices: Notice[] = [];
  for (const r of relationships) {
    const company = r.company.legalName;
    if (r.company.status === 'suspended' && r.grants.some((g) => g.status === 'active'))
      notices.push({ id: `suspended/${r.company.id}`, kind: 'company-suspended', company });
    // Announced while the change is new to this Assistant: a week, not every session forever.
    const change = disclosureChange(r.disclosures, r.openedDisclosures);
    if (change !== null && nowMs - change.since <= disclosureLimits.changeNoticeDays * 86_400_000)
      notices.push({ id: `disclosure/${change.newer}`, kind: 'disclosure-changed', company });
    for (const g of r.grants) {
      const until = claim(g.jws, 'until');
      if (g.status !== 'active' || typeof until !== 'number') continue;
      if (until > now && until - now <= noticeRules.expiringWithinDays * 86_400)
        notices.push({ id: `expiring/${g.sha256}`, kind: 'grant-expiring', company, until });
    }
    for (const rev of r.revocations) {
      const iat = claim(rev.jws, 'iat');
      if (
        !rev.acknowledged &&
        typeof iat === 'number' &&
        now > iat + noticeRules.ackDeadlineHours * 3600
      )
        notices.push({ id: `ack/${rev.sha256}`, kind: 'ack-overdue', company });
    }
    for (const d of r.dataRequests) {
      // Only an answer the Assistant verified answers it (one that did not verify is no answer).
      if (verifiedAnswer(d, r.openedAnswers) === undefined && nowMs > d.deadline)
        notices.push({ id: `answer/${d.sha256}`, kind: 'answer-overdue', company });
    }
  }
  return notices.filter((n) => !shown.has(n.id));
}

/**
 * True while the profile's quiet hours hold (then notices wait for the next check).
 *
 * @example
 * ```ts
 * if (!inQuietHours(profile, clock.now())) show(notices);
 * ```
 */
export function inQuietHours(profile: Profile | null, nowMs: number): boolean {
  if (profile === null || profile.quiet.windows.length === 0) return false;
  const local = localTime(Math.floor(nowMs / 1000), profile.quiet.timeZone);
  return profile.quiet.windows.some((w) => inWindow(w, local));
}
