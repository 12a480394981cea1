/**
 * The reference company site's store: what it must still know after a restart, in JSON files
 * beside its key (each written to a temporary file and renamed, so a crash never leaves half a
 * file):
 *
 * - `customers.json`: one record per pseudonym that granted (a JSON array, the format of the
 *   first version; the fields added since are optional, so an older file still loads);
 * - `pseudonym-keys.json`: public keys learnt from the feed of pseudonyms that are no customers
 *   (yet): a key comes only with a pseudonym's first message (SPECS "Identifiers"), so one learnt
 *   from a refusal must outlive a restart for a later grant without `pseudonymKey`;
 * - `data-requests.json`: per data request (by sha256), the answer decided before acting on it,
 *   so a retry sends the same answer: the categories an erasure erased, the disclosure token an
 *   access answer names.
 *
 * Every write goes to disk before memory changes: a failed write leaves the store as it was and
 * throws, so the caller retries rather than acknowledging something it never kept.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrantRevocation } from '../../protocol/grants';

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
  /** When the relay accepted the site's offers to this customer, in seconds (last 7 days). */
  contacts?: number[];
  /** Data the site holds, by data category (corrections overwrite it, erasures remove it). */
  data: Record<string, string>;
}

/** An answer to a data request, decided (and kept) before the site acts on it. */
export type DecidedAnswer =
  | { outcome: 'disclosure'; disclosureToken: string; answered?: true }
  | { outcome: 'erased'; dataCategories: string[]; answered?: true }
  | { outcome: 'refused'; answered?: true };

export interface SiteStore {
  readonly customers: ReadonlyMap<string, Customer>;
  /** Keys of pseudonyms that are no customers, by pseudonym. */
  readonly pseudonymKeys: ReadonlyMap<string, string>;
  readonly answers: ReadonlyMap<string, DecidedAnswer>;
  /** Adds or replaces a customer; throws (and changes nothing) when the file cannot be written. */
  putCustomer(customer: Customer): void;
  /** Remembers a key learnt from the feed; throws (and changes nothing) on a write error. */
  putPseudonymKey(pseudonym: string, x: string): void;
  /** Keeps the answer decided for a data request; throws (and changes nothing) on a write error. */
  putAnswer(requestSha256: string, answer: DecidedAnswer): void;
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
  const keysPath = join(dataDir, 'pseudonym-keys.json');
  const answersPath = join(dataDir, 'data-requests.json');
  const customers = new Map<string, Customer>();
  for (const value of asArray(readJson(customersPath))) {
    const customer = parseCustomer(value);
    if (customer !== undefined) customers.set(customer.pseudonym, customer);
  }
  const pseudonymKeys = new Map<string, string>();
  for (const [pseudonym, x] of Object.entries(asRecord(readJson(keysPath)))) {
    if (typeof x === 'string' && keyPattern.test(x)) pseudonymKeys.set(pseudonym, x);
  }
  const answers = new Map<string, DecidedAnswer>();
  for (const [sha256, value] of Object.entries(asRecord(readJson(answersPath)))) {
    const answer = parseAnswer(value);
    if (answer !== undefined) answers.set(sha256, answer);
  }

  return {
    customers,
    pseudonymKeys,
    answers,
    putCustomer(customer) {
      const next = new Map(customers).set(customer.pseudonym, customer);
      writeJson(customersPath, [...next.values()]);
      customers.set(customer.pseudonym, customer);
    },
    putPseudonymKey(pseudonym, x) {
      if (pseudonymKeys.get(pseudonym) === x) return;
      writeJson(keysPath, Object.fromEntries(new Map(pseudonymKeys).set(pseudonym, x)));
      pseudonymKeys.set(pseudonym, x);
    },
    putAnswer(requestSha256, answer) {
      writeJson(answersPath, Object.fromEntries(new Map(answers).set(requestSha256, answer)));
      answers.set(requestSha256, answer);
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
  const contacts = asArray(c.contacts).filter((t): t is number => typeof t === 'number');
  return {
    pseudonym: c.pseudonym,
    x: c.x,
    grantSha256: c.grantSha256,
    ...(typeof c.grant === 'string' ? { grant: c.grant } : {}),
    ...(revocations.length > 0 ? { revocations } : {}),
    ...(contacts.length > 0 ? { contacts } : {}),
    data,
  };
}

function parseAnswer(value: unknown): DecidedAnswer | undefined {
  const a = asRecord(value);
  const answered = a.answered === true ? { answered: true as const } : {};
  if (a.outcome === 'disclosure' && typeof a.disclosureToken === 'string')
    return { outcome: 'disclosure', disclosureToken: a.disclosureToken, ...answered };
  if (
    a.outcome === 'erased' &&
    Array.isArray(a.dataCategories) &&
    a.dataCategories.every((c) => typeof c === 'string')
  )
    return { outcome: 'erased', dataCategories: a.dataCategories as string[], ...answered };
  if (a.outcome === 'refused') return { outcome: 'refused', ...answered };
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

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
