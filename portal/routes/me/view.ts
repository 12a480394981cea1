/**
 * "All my data at a glance" (issue 9), the page's own logic: the summary on top, filters and
 * sorting of the Assistant's answer (protocol/connect `CustomerViewItem`), and the JSON export.
 * Pure: the page renders what these return; nothing here reaches the server.
 */
import type { CustomerViewItem, DataRequestAnswer } from '$protocol/connect';
import { erasedSince, stillHolds, type ConfirmedErasure } from '$protocol/disclosed-holdings';
import type { ProtocolErrorCode } from '$protocol/errors';
import { isSensitiveDataCategory } from '$protocol/vocabulary';

/** Which rows the page shows. */
export const meFilters = ['all', 'active', 'sensitive', 'open'] as const;
export type MeFilter = (typeof meFilters)[number];
/** How the rows are ordered. */
export const meSorts = ['name', 'until', 'categories', 'open'] as const;
export type MeSort = (typeof meSorts)[number];

/** Location data, counted apart in the summary ("4 hold location data"). */
const locationCategories = new Set(['location', 'movement_profile']);

/**
 * Every data category a company holds or may process: what it disclosed, plus what active
 * grants allow (a company that has not disclosed yet still holds what it was allowed to collect).
 */
export function categoriesOf(item: CustomerViewItem): string[] {
  const out = new Set<string>();
  for (const h of item.disclosure?.holdings ?? []) out.add(h.dataCategory);
  for (const g of item.grants)
    if (g.status === 'active') g.dataCategories.forEach((c) => out.add(c));
  return [...out];
}

/**
 * The data categories some company holds under an active grant, in `order`: what a correction
 * can reach. One pass over the items (500 rows times every category was a visible cost).
 *
 * @example
 * ```ts
 * correctableCategories(items, dataCategoryIds); // ['address', 'location']
 * ```
 */
export function correctableCategories<C extends string>(
  items: readonly CustomerViewItem[],
  order: readonly C[],
): C[] {
  const held = new Set<string>();
  for (const item of items)
    for (const g of item.grants)
      if (g.status === 'active') for (const c of g.dataCategories) held.add(c);
  return order.filter((c) => held.has(c));
}

/**
 * `format` (a day in UTC, e.g. `formatDay`) remembered per UTC day: the same few days recur in
 * hundreds of rows, and each `Intl.DateTimeFormat` the formatter builds costs far more than the
 * lookup (issue 9: it was a third of the page's render time).
 *
 * @example
 * ```ts
 * const day = dayCache((ms) => formatDay('de', ms));
 * day(Date.UTC(2026, 0, 5, 13)); // '05.01.2026', formatted once for all of that day
 * ```
 */
export function dayCache(format: (ms: number) => string): (ms: number) => string {
  const dayMs = 86_400_000;
  const days = new Map<number, string>();
  return (ms) => {
    const day = Math.floor(ms / dayMs);
    let text = days.get(day);
    if (text === undefined) {
      text = format(day * dayMs);
      days.set(day, text);
    }
    return text;
  };
}

/**
 * `text` remembered per key: the same few vocabulary labels recur in every row.
 *
 * @example
 * ```ts
 * const label = textCache((key) => t(key));
 * ```
 */
export function textCache(text: (key: string) => string): (key: string) => string {
  const texts = new Map<string, string>();
  return (key) => {
    let value = texts.get(key);
    if (value === undefined) {
      value = text(key);
      texts.set(key, value);
    }
    return value;
  };
}

/** True when the company has at least one active grant. */
export function isActive(item: CustomerViewItem): boolean {
  return item.grants.some((g) => g.status === 'active');
}

/** True when the company holds a sensitive data category. */
export function holdsSensitive(item: CustomerViewItem): boolean {
  return categoriesOf(item).some(isSensitiveDataCategory);
}

/** Open matters: unacknowledged revocations and unanswered data requests. */
export function openMatters(item: CustomerViewItem): number {
  return (
    item.revocations.filter((r) => !r.acknowledged).length +
    item.dataRequests.filter((d) => !d.answered).length
  );
}

/**
 * A data request as the page reads it, with the answer as the Assistant opened and verified it
 * (protocol/connect `DataRequestAnswer`; null from an Assistant before December 2026, which
 * says only that it was answered).
 */
export type DataRequestView = CustomerViewItem['dataRequests'][number];

/**
 * What the line of a data request says: still open, overdue, or how the company answered;
 * `noData`: an access request refused by a company of which the Assistant knows no data held.
 */
export type DataRequestState =
  'open' | 'overdue' | 'answered' | 'noData' | DataRequestAnswer['outcome'];

/**
 * The state of a data request for its line on the page, with the company's reason where the
 * answer has one: a refused access request reads "refused", as in the Assistant, not "answered".
 *
 * With the request's `item`: an access request refused while the Assistant knows of nothing the
 * company still holds (no disclosure, or every category in it erased since) is `noData`. That is
 * how a company says "we hold no data about you": the protocol has no such answer (a disclosure
 * lists at least one holding; protocol/messages `data-request-answer`), only a refusal with the
 * company's words, so the page says it was answered without naming data, and shows those words.
 * A refusal from a company whose disclosure still lists data stays "refused".
 *
 * @example
 * ```ts
 * dataRequestState({ ...request, answered: true, answer: { outcome: 'refused', reason } });
 * // { state: 'refused', reason }
 * dataRequestState(refusedAccess, itemWithoutDisclosure); // { state: 'noData', reason }
 * ```
 */
export function dataRequestState(
  request: DataRequestView,
  item?: CustomerViewItem,
): {
  state: DataRequestState;
  reason: DataRequestAnswer['reason'];
} {
  if (!request.answered) return { state: request.overdue ? 'overdue' : 'open', reason: null };
  const answer = request.answer ?? null;
  if (answer === null) return { state: 'answered', reason: null };
  if (
    answer.outcome === 'refused' &&
    request.type === 'access' &&
    item !== undefined &&
    !holdsDisclosed(item)
  )
    return { state: 'noData', reason: answer.reason };
  return { state: answer.outcome, reason: answer.outcome === 'disclosure' ? null : answer.reason };
}

/**
 * True when the company's newest disclosure lists a data category it has not confirmed erasing
 * since: what the Assistant knows the company holds (protocol/disclosed-holdings `stillHolds`).
 */
export function holdsDisclosed(item: CustomerViewItem): boolean {
  const disclosure = item.disclosure;
  return stillHolds(
    disclosure === null
      ? null
      : { at: disclosure.at, dataCategories: disclosure.holdings.map((h) => h.dataCategory) },
    confirmedErasures(item),
  );
}

/**
 * The data categories the company confirmed erasing since its newest disclosure, with when
 * (seconds): that disclosure still lists them as held, but they no longer are. An erasure
 * confirmed before the disclosure does not count (the disclosure is the newer statement;
 * protocol/disclosed-holdings `erasedSince`).
 *
 * @example
 * ```ts
 * erasedSinceDisclosure(item).get('preferences_habits'); // 1_765_000_000
 * ```
 */
export function erasedSinceDisclosure(item: CustomerViewItem): Map<string, number> {
  return erasedSince(item.disclosure?.at ?? null, confirmedErasures(item));
}

/** The erasures the company confirmed, from the answers the Assistant verified. */
function confirmedErasures(item: CustomerViewItem): ConfirmedErasure[] {
  const erasures: ConfirmedErasure[] = [];
  for (const { answer } of item.dataRequests)
    if (answer?.outcome === 'erased')
      erasures.push({ dataCategories: answer.erased, erasedAt: answer.erasedAt });
  return erasures;
}

/** The latest `until` of the active grants (seconds), or null. */
export function latestUntil(item: CustomerViewItem): number | null {
  let best: number | null = null;
  for (const g of item.grants)
    if (g.status === 'active' && g.until !== null && (best === null || g.until > best))
      best = g.until;
  return best;
}

/** The figures on top of the page. */
export interface MeSummary {
  readonly companies: number;
  readonly active: number;
  readonly sensitive: number;
  readonly location: number;
  readonly overdueRevocations: number;
  readonly openRequests: number;
  readonly overdueRequests: number;
}

/**
 * The summary over every company.
 *
 * @example
 * ```ts
 * summarise(items); // { companies: 23, location: 4, overdueRevocations: 1, … }
 * ```
 */
export function summarise(items: readonly CustomerViewItem[]): MeSummary {
  let active = 0;
  let sensitive = 0;
  let location = 0;
  let overdueRevocations = 0;
  let openRequests = 0;
  let overdueRequests = 0;
  for (const item of items) {
    const categories = categoriesOf(item);
    if (isActive(item)) active++;
    if (categories.some(isSensitiveDataCategory)) sensitive++;
    if (categories.some((c) => locationCategories.has(c))) location++;
    overdueRevocations += item.revocations.filter((r) => r.overdue).length;
    openRequests += item.dataRequests.filter((d) => !d.answered).length;
    overdueRequests += item.dataRequests.filter((d) => d.overdue).length;
  }
  return {
    companies: items.length,
    active,
    sensitive,
    location,
    overdueRevocations,
    openRequests,
    overdueRequests,
  };
}

/**
 * The rows to show: filtered by `filter` and a case-insensitive `search` in the company's name
 * or domain, ordered by `sort` (ties by name, so the order is stable).
 *
 * @example
 * ```ts
 * arrange(items, { filter: 'sensitive', search: 'lauf', sort: 'name' });
 * ```
 */
export function arrange(
  items: readonly CustomerViewItem[],
  options: { filter: MeFilter; search: string; sort: MeSort },
): CustomerViewItem[] {
  const needle = options.search.trim().toLowerCase();
  const keep = (item: CustomerViewItem): boolean => {
    if (
      needle !== '' &&
      !item.company.legalName.toLowerCase().includes(needle) &&
      !item.company.domain.toLowerCase().includes(needle)
    )
      return false;
    switch (options.filter) {
      case 'active':
        return isActive(item);
      case 'sensitive':
        return holdsSensitive(item);
      case 'open':
        return openMatters(item) > 0;
      default:
        return true;
    }
  };
  const byName = (a: CustomerViewItem, b: CustomerViewItem) =>
    a.company.legalName.localeCompare(b.company.legalName) ||
    a.company.id.localeCompare(b.company.id);
  const rows = items.filter(keep);
  // Keys computed once per row, not once per comparison.
  const key = new Map<CustomerViewItem, number>();
  if (options.sort !== 'name')
    for (const item of rows)
      key.set(
        item,
        options.sort === 'until'
          ? -(latestUntil(item) ?? -1)
          : options.sort === 'categories'
            ? -categoriesOf(item).length
            : -openMatters(item),
      );
  return rows.sort((a, b) =>
    options.sort === 'name' ? byName(a, b) : key.get(a)! - key.get(b)! || byName(a, b),
  );
}

/**
 * The whole view as a JSON document for the customer to keep (the Assistant's answer as it came,
 * with the time it was taken and the summary).
 *
 * @example
 * ```ts
 * const text = exportJson(items, Date.now());
 * ```
 */
export function exportJson(items: readonly CustomerViewItem[], at: number): string {
  return JSON.stringify(
    {
      kind: 'consent-clearinghouse/my-data',
      v: 1,
      exportedAt: new Date(at).toISOString(),
      summary: summarise(items),
      companies: items,
    },
    null,
    2,
  );
}

/** What the page shows: nothing asked yet, the first answer on its way, the view, or why not. */
export type MeView =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | {
      kind: 'ready';
      items: readonly CustomerViewItem[];
      /** When the page received this copy (the JSON export's time). */
      at: number;
      /** When the Assistant last refreshed its copy from the clearinghouse; null: never. */
      asOf: number | null;
      /** `updating`: a newer copy is on its way; `failed`: the refresh failed. */
      refresh: 'updating' | 'fresh' | { failed: string };
    }
  | { kind: 'no-assistant' }
  | { kind: 'error'; code: string };

/**
 * The view while the page asks for a new copy (after an action, or "Show my data" again): a
 * shown view stays, marked as updating, so its rows, and the button in one that has the keyboard
 * focus, are not taken down and drawn again; anything else waits as "loading".
 *
 * @example
 * ```ts
 * view = refreshing(view); // {kind: 'ready', ..., refresh: 'updating'} or {kind: 'loading'}
 * ```
 */
export function refreshing(view: MeView): MeView {
  return view.kind === 'ready' ? { ...view, refresh: 'updating' } : { kind: 'loading' };
}

/** What the Assistant answers while its vault is locked. */
export const vaultLockedCode = 'ERR_VAULT_LOCKED' satisfies ProtocolErrorCode;

/**
 * True when the Assistant refused for its locked vault: the overview, its refresh, or the last
 * action (`actionCode`: the code it ended with, else null). The page then says how to unlock it
 * (VaultLocked.svelte): a button that asks the Assistant to open its unlock prompt (protocol/connect
 * `unlock`), and the steps by hand beneath it.
 *
 * @example
 * ```ts
 * isVaultLocked({ kind: 'error', code: 'ERR_VAULT_LOCKED' }, null); // true
 * ```
 */
export function isVaultLocked(view: MeView, actionCode: string | null): boolean {
  return (
    (view.kind === 'error' && view.code === vaultLockedCode) ||
    (view.kind === 'ready' &&
      typeof view.refresh === 'object' &&
      view.refresh.failed === vaultLockedCode) ||
    actionCode === vaultLockedCode
  );
}
