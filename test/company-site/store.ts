/**
 * The reference company site's store: what it must still know after a restart, in JSON files
 * beside its key. Each write replaces one whole file, flushed to the disk before and after the
 * rename (durable-file.ts), so a crash or a power loss leaves the old file or the new one.
 *
 * What each file holds, and how it grows:
 *
 * - `customers.json`: one record per pseudonym that granted (a JSON array, the format of the
 *   first version; the fields added since are optional, so an older file still loads). A record
 *   stays after a revocation (the evidence of what was given); its revocations start over with a
 *   new grant, and its data holds one value per category. So the file grows with the customers,
 *   and it is rewritten whole on each grant, revocation, correction and erasure: O(customers)
 *   bytes per such feed event. Fine for a reference site; a real one keeps this in a database.
 * - `contacts.json`: per pseudonym, when the relay accepted the site's offers, in seconds. Only
 *   the last 7 × 24 hours are kept (what the cap counts), so it is bounded by the customers
 *   offered to that week times their weekly cap; each offer rewrites only this file.
 * - `pseudonym-keys.json`: public keys learnt from refusals, of pseudonyms that are no customers
 *   (yet): a key comes only with a pseudonym's first message (SPECS "Identifiers"), so one learnt
 *   from a refusal must outlive a restart for a later grant without `pseudonymKey`. A key leaves
 *   when its pseudonym grants (it is then in `customers.json`); one per pseudonym that refused
 *   and never granted stays (about 100 bytes each): a grant may still come.
 * - `data-requests.json`: per data request (by sha256), the answer decided before acting on it,
 *   so a retry sends the same answer: the categories an erasure erased, the disclosure token an
 *   access answer names. Once answered only the fact is kept (a re-read event must not be
 *   answered twice), and once the feed cursor is past the request's event nothing is: bounded by
 *   the requests not yet answered.
 *
 * Every write goes to disk before memory changes: a failed write leaves the store as it was and
 * throws, so the caller retries rather than acknowledging something it never kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrantRevocation } from '../../protocol/grants';
import { replaceFile } from './durable-file';

/** What the site holds about one customer (a pseudonym). */
export interface Customer {
  pseudonym: string;
  /** The pseudonym's public key (JWK `x`), to seal to it and to verify its corrections. */
  x: string;
  /** The newest grant of this pseudonym the site saw. */
  grantSha256: string;
  /**
   * That grant as the customer signed it (the feed event's JWS): the site's evidence, and where
   * its scopes, preferred channel and end come from. Absent in records of the first version until
   * the feed is read again (site.ts).
   */
  grant?: string;
  /** Revocations of that grant seen in the feed; a new grant starts without any. */
  revocations?: GrantRevocation[];
  /** Data the site holds, by data category (corrections overwrite it, erasures remove it). */
  data: Record<string, string>;
}

/** An answer to a data request, decided (and kept) before the site acts on it. */
export type DecidedAnswer =
  | { outcome: 'disclosure'; disclosureToken: string }
  | { outcome: 'erased'; dataCategories: string[] }
  | { outcome: 'refused' };

/**
 * A data request's answer as kept, with the feed cursor of the request's event: decided, or
 * `answered` (the clearinghouse holds it; the token and categories are needed no more).
 */
export type KeptAnswer = (DecidedAnswer | { outcome: 'answered' }) & { cursor: string };

export interface SiteStore {
  readonly customers: ReadonlyMap<string, Customer>;
  /** Keys of pseudonyms that are no customers, by pseudonym. */
  readonly pseudonymKeys: ReadonlyMap<string, string>;
  /** When the relay accepted offers, by pseudonym, in seconds (the last 7 days at least). */
  readonly contacts: ReadonlyMap<string, readonly number[]>;
  readonly answers: ReadonlyMap<string, KeptAnswer>;
  /** Adds or replaces customers in one write; throws (and changes nothing) on a write error. */
  putCustomers(customers: readonly Customer[]): void;
  /** Adds or replaces one customer; throws (and changes nothing) on a write error. */
  putCustomer(customer: Customer): void;
  /** Remembers a key learnt from the feed; throws (and changes nothing) on a write error. */
  putPseudonymKey(pseudonym: string, x: string): void;
  /** Forgets a learnt key (its pseudonym is a customer now); throws on a write error. */
  deletePseudonymKey(pseudonym: string): void;
  /**
   * Sets a pseudonym's contacts, dropping every contact (of any pseudonym) at or before `since`;
   * throws (and changes nothing) on a write error.
   */
  putContacts(pseudonym: string, contacts: readonly number[], since: number): void;
  /** Keeps the answer decided for a data request; throws (and changes nothing) on a write error. */
  putAnswer(requestSha256: string, answer: KeptAnswer): void;
  /** Drops the answered requests whose event is at or before `cursor`; throws on a write error. */
  pruneAnswers(cursor: string): void;
}

const keyPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * Opens the store in `dataDir`, reading what an earlier run left (a missing file starts empty;
 * records that do not parse are skipped).
 *
 * @throws SyntaxError when a file is not JSON: the site stops rather than overwrite it.
 *
 * @example
 * ```ts
 * const store = openSiteStore('test/company-site/data');
 * store.putCustomer({ ...store.customers.get(pseudonym)!, data: { address: 'Heidestraße 18' } });
 * ```
 */
export function openSiteStore(dataDir: string): SiteStore {
  const customersPath = join(dataDir, 'customers.json');
  const contactsPath = join(dataDir, 'contacts.json');
  const keysPath = join(dataDir, 'pseudonym-keys.json');
  const answersPath = join(dataDir, 'data-requests.json');
  const customers = new Map<string, Customer>();
  /** Contacts kept in `customers.json` by the version before `contacts.json`. */
  const legacyContacts = new Map<string, number[]>();
  for (const value of asArray(readJson(customersPath))) {
    const customer = parseCustomer(value);
    if (customer === undefined) continue;
    customers.set(customer.pseudonym, customer);
    const contacts = numbers(asRecord(value).contacts);
    if (contacts.length > 0) legacyContacts.set(customer.pseudonym, contacts);
  }
  const contacts = new Map<string, readonly number[]>();
  for (const [pseudonym, times] of Object.entries(asRecord(readJson(contactsPath)))) {
    const kept = numbers(times);
    if (kept.length > 0) contacts.set(pseudonym, kept);
  }
  const pseudonymKeys = new Map<string, string>();
  for (const [pseudonym, x] of Object.entries(asRecord(readJson(keysPath)))) {
    if (typeof x === 'string' && keyPattern.test(x)) pseudonymKeys.set(pseudonym, x);
  }
  const answers = new Map<string, KeptAnswer>();
  for (const [sha256, value] of Object.entries(asRecord(readJson(answersPath)))) {
    const answer = parseAnswer(value);
    if (answer !== undefined) answers.set(sha256, answer);
  }

  // Carried over once: into `contacts.json` first, then out of `customers.json`.
  if (legacyContacts.size > 0) {
    const missing = [...legacyContacts].filter(([pseudonym]) => !contacts.has(pseudonym));
    if (missing.length > 0) {
      writeJson(contactsPath, Object.fromEntries([...contacts, ...missing]));
      for (const [pseudonym, times] of missing) contacts.set(pseudonym, times);
    }
    writeJson(customersPath, [...customers.values()]);
  }
  // A key left by a run that stopped between the grant and forgetting the key.
  if ([...pseudonymKeys.keys()].some((pseudonym) => customers.has(pseudonym))) {
    const kept = [...pseudonymKeys].filter(([pseudonym]) => !customers.has(pseudonym));
    writeJson(keysPath, Object.fromEntries(kept));
    for (const pseudonym of customers.keys()) pseudonymKeys.delete(pseudonym);
  }

  function putCustomers(changed: readonly Customer[]): void {
    const next = new Map(customers);
    for (const customer of changed) next.set(customer.pseudonym, customer);
    writeJson(customersPath, [...next.values()]);
    for (const customer of changed) customers.set(customer.pseudonym, customer);
  }

  return {
    customers,
    pseudonymKeys,
    contacts,
    answers,
    putCustomers,
    putCustomer: (customer) => putCustomers([customer]),
    putPseudonymKey(pseudonym, x) {
      if (pseudonymKeys.get(pseudonym) === x) return;
      writeJson(keysPath, Object.fromEntries(new Map(pseudonymKeys).set(pseudonym, x)));
      pseudonymKeys.set(pseudonym, x);
    },
    deletePseudonymKey(pseudonym) {
      if (!pseudonymKeys.has(pseudonym)) return;
      const next = new Map(pseudonymKeys);
      next.delete(pseudonym);
      writeJson(keysPath, Object.fromEntries(next));
      pseudonymKeys.delete(pseudonym);
    },
    putContacts(pseudonym, times, since) {
      const next = new Map<string, readonly number[]>();
      for (const [other, kept] of new Map(contacts).set(pseudonym, times)) {
        const recent = kept.filter((t) => t > since);
        if (recent.length > 0) next.set(other, recent);
      }
      writeJson(contactsPath, Object.fromEntries(next));
      contacts.clear();
      for (const [other, kept] of next) contacts.set(other, kept);
    },
    putAnswer(requestSha256, answer) {
      writeJson(answersPath, Object.fromEntries(new Map(answers).set(requestSha256, answer)));
      answers.set(requestSha256, answer);
    },
    pruneAnswers(cursor) {
      const settled = [...answers]
        .filter(([, a]) => a.outcome === 'answered' && Number(a.cursor) <= Number(cursor))
        .map(([sha256]) => sha256);
      if (settled.length === 0) return;
      const next = new Map(answers);
      for (const sha256 of settled) next.delete(sha256);
      writeJson(answersPath, Object.fromEntries(next));
      for (const sha256 of settled) answers.delete(sha256);
    },
  };
}

function parseCustomer(value: unknown): Customer | undefined {
  const c = asRecord(value);
  if (
    typeof c.pseudonym !== 'string' ||
    typeof c.x !== 'string' ||
    !keyPattern.test(c.x) ||
    typeof c.grantSha256 !== 'string'
  )
    return undefined;
  const data: Record<string, string> = {};
  for (const [category, held] of Object.entries(asRecord(c.data)))
    if (typeof held === 'string') data[category] = held;
  const revocations = asArray(c.revocations).flatMap((r): GrantRevocation[] => {
    const { at, purposes } = asRecord(r);
    if (typeof at !== 'number') return [];
    return Array.isArray(purposes) && purposes.every((p) => typeof p === 'string')
      ? [{ at, purposes: purposes as string[] }]
      : [{ at }];
  });
  return {
    pseudonym: c.pseudonym,
    x: c.x,
    grantSha256: c.grantSha256,
    ...(typeof c.grant === 'string' ? { grant: c.grant } : {}),
    ...(revocations.length > 0 ? { revocations } : {}),
    data,
  };
}

function parseAnswer(value: unknown): KeptAnswer | undefined {
  const a = asRecord(value);
  // The version before cursors kept none: its answered requests count as behind any cursor (a
  // request re-read after all would get a second disclosure, which the clearinghouse accepts,
  // and an answer it refuses as given already).
  const cursor = typeof a.cursor === 'string' && /^\d{1,15}$/.test(a.cursor) ? a.cursor : '0';
  if (a.outcome === 'answered' || a.answered === true) return { outcome: 'answered', cursor };
  if (a.outcome === 'disclosure' && typeof a.disclosureToken === 'string')
    return { outcome: 'disclosure', disclosureToken: a.disclosureToken, cursor };
  if (
    a.outcome === 'erased' &&
    Array.isArray(a.dataCategories) &&
    a.dataCategories.every((c) => typeof c === 'string')
  )
    return { outcome: 'erased', dataCategories: a.dataCategories as string[], cursor };
  if (a.outcome === 'refused') return { outcome: 'refused', cursor };
  return undefined;
}

/** A missing file is an empty store; one that does not parse stops the start (never overwritten). */
function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function numbers(value: unknown): number[] {
  return asArray(value).filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
}

function writeJson(path: string, value: unknown): void {
  replaceFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
