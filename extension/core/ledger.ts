/**
 * The rewards ledger (issue 8 "In the extension"): rewards a company sent through the relay under
 * a grant's incentive, opened and kept in the vault per relationship. The Assistant keeps the
 * ledger (DESIGN section 5); the company only sends. One vault record (`profile/ledger`) holds
 * every entry; entries are keyed by the inbox item id, so a reward fetched twice is kept once.
 */
import * as v from 'valibot';
import { rewardContent } from '../../protocol/messages';
import { companyId, compactJws, sha256 } from '../../protocol/messages/primitives';
import { readStoredRecord } from './stored-record';
import type { RecordStore } from './ports';
import { keptWithinBounds } from './record-bounds';

/** Where the ledger lives in the vault (the `profile` table holds the Assistant's own records). */
export const ledgerRecord = { table: 'profile', id: 'ledger' } as const;

/** Most entries kept; the oldest go first (a reward's value is in the company's books too). */
export const maxLedgerEntries = 5000;
/**
 * The ledger's bound in characters of its JSON: 16 Mi, as the offers record's
 * (`maxOffersRecordChars` in ./offers). An entry keeps the company's JWS, up to 60 KiB, so the
 * count alone would allow a record of about 300 MiB; 16 Mi holds the whole count at the size a
 * reward usually has (a few KiB) and still some hundreds at the largest. The oldest go first.
 */
export const maxLedgerChars = 16 * 1024 * 1024;
/**
 * The newest rewards the relationships view lists per company; it says how many more the ledger
 * holds. The view shows what the customer earned lately, not the whole ledger (up to
 * {@link maxLedgerEntries}, each description up to 500 characters in two languages).
 */
export const maxListedRewards = 20;

/** One reward as the ledger keeps it. */
export const ledgerEntry = v.object({
  /** The inbox item id (SHA-256 of the reward JWS). */
  id: sha256,
  company: companyId,
  pseudonym: v.pipe(v.string(), v.maxLength(64)),
  grantSha256: sha256,
  content: rewardContent,
  /** Epoch seconds when the Assistant stored it. */
  at: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** The company's signed reward, kept as evidence (a complaint may cite it). */
  jws: compactJws,
});
export type LedgerEntry = v.InferOutput<typeof ledgerEntry>;

const ledger = v.object({
  v: v.literal(1),
  entries: v.pipe(v.array(ledgerEntry), v.maxLength(maxLedgerEntries)),
});

/** What a customer earned from one company, as the relationships view shows it. */
export interface EarnedRewards {
  readonly company: string;
  /** Sum of `bonus_points` rewards. */
  readonly points: number;
  /** Discounts in per cent, best first, still valid at `at`. */
  readonly discounts: readonly number[];
  /** Every reward, newest first (by `at`, then by the order they came in). */
  readonly entries: readonly LedgerEntry[];
}

/**
 * Whether a reward still holds at `at` (epoch seconds): one without `validUntil` always does, one
 * with it until that second.
 *
 * @example
 * ```ts
 * rewardValidAt({ type: 'discount', amount: 10, description, validUntil: 100 }, 100); // false
 * ```
 */
export function rewardValidAt(content: LedgerEntry['content'], at: number): boolean {
  return content.validUntil === undefined || content.validUntil > at;
}

/**
 * Reads the ledger (empty when none is stored).
 *
 * @throws ProtocolError `ERR_VAULT_RECORD_DAMAGED` when the record does not authenticate or parse.
 * @example
 * ```ts
 * const entries = await readLedger(vault);
 * ```
 */
export async function readLedger(store: RecordStore): Promise<LedgerEntry[]> {
  const stored = await readStoredRecord(
    store,
    ledgerRecord,
    ledger,
    'the rewards ledger is malformed',
  );
  return stored?.entries ?? [];
}

/**
 * Adds rewards not yet in the ledger (by id) and stores it, within {@link maxLedgerEntries} and
 * {@link maxLedgerChars}, the oldest entries going first; returns how many were new.
 *
 * @example
 * ```ts
 * await addRewards(vault, [entry]); // 1, then 0 for the same entry
 * ```
 */
export async function addRewards(
  store: RecordStore,
  added: readonly LedgerEntry[],
): Promise<number> {
  if (added.length === 0) return 0;
  const merged = mergeRewards(await readLedger(store), added);
  if (merged.added === 0) return 0;
  await store.put(ledgerRecord.table, ledgerRecord.id, merged.record);
  return merged.added;
}

/**
 * {@link addRewards} without the write, for a caller that stores the ledger together with other
 * records in one transaction: the record to store and how many entries were new.
 *
 * @example
 * ```ts
 * const { record, added } = mergeRewards(await readLedger(vault), [entry]);
 * if (added > 0) await vault.putMany('profile', [{ id: ledgerRecord.id, value: record }]);
 * ```
 */
export function mergeRewards(
  entries: readonly LedgerEntry[],
  added: readonly LedgerEntry[],
): { record: { v: 1; entries: LedgerEntry[] }; added: number } {
  const known = new Set(entries.map((e) => e.id));
  const fresh = added.filter((e) => !known.has(e.id) && (known.add(e.id), true));
  return {
    record: {
      v: 1,
      entries: keptWithinBounds(
        [...entries, ...fresh],
        { v: 1, entries: [] },
        { items: maxLedgerEntries, chars: maxLedgerChars },
      ),
    },
    added: fresh.length,
  };
}

/**
 * The rewards earned per company: points added up, discounts still valid at `at` (epoch
 * seconds), every entry newest first. Sorted by company id.
 *
 * @example
 * ```ts
 * earnedByCompany(entries, now); // [{ company: 'co_…', points: 150, discounts: [10], entries }]
 * ```
 */
export function earnedByCompany(entries: readonly LedgerEntry[], at: number): EarnedRewards[] {
  const by = new Map<string, LedgerEntry[]>();
  for (const e of entries) by.set(e.company, [...(by.get(e.company) ?? []), e]);
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([company, list]) => ({
      company,
      points: list
        .filter((e) => e.content.type === 'bonus_points')
        .reduce((sum, e) => sum + (e.content.amount ?? 0), 0),
      discounts: list
        .filter((e) => e.content.type === 'discount' && rewardValidAt(e.content, at))
        .map((e) => e.content.amount ?? 0)
        .sort((a, b) => b - a),
      // Rewards kept by one sync share their `at`; the ledger holds them in the order they came
      // (mergeRewards appends), so reversed first, the stable sort puts the later one first.
      entries: [...list].reverse().sort((a, b) => b.at - a.at),
    }));
}
