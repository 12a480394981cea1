/**
 * The reference company site's store: what it must still know after a restart, as JSON beside its
 * key. It is a snapshot in four files and a journal of the changes since, `journal.jsonl` (one
 * JSON object per line); a start reads the snapshot and replays the journal over it.
 *
 * - **A change** is one line appended to the journal and flushed to the disk
 *   (durable-file.ts `appendToFile`) before memory changes: a failed write throws and leaves the
 *   store as it was, so the caller retries rather than acknowledging something it never kept. It
 *   writes the records it changes (a customer's record with its grant, a few KiB), not the store.
 * - **A crash** in the middle of an append leaves a torn last line: a start reads it as absent
 *   (nobody was told it was stored) and the next append cuts it off. Every append is flushed
 *   before the next one starts, so a line before the last that does not parse is no crash's
 *   work: the start stops with {@link StoreCorrupt} rather than guess what it held.
 * - **Compaction**: once the journal is larger than the snapshot (and than 1 MiB), the next change
 *   first writes the whole state as the snapshot (each file replaced as one step, durable-file.ts)
 *   and empties the journal. A start so reads the snapshot and at most as many bytes again (or
 *   1 MiB), and the snapshot is rewritten only after as many bytes of changes as it holds:
 *   amortised, the bytes written stay proportional to the changes. A line holds the new value of
 *   what it changes, never a difference, so replaying it over a snapshot that holds it already
 *   changes nothing: a crash after some snapshot files were replaced, before the journal was
 *   emptied, reads the same state again. The exception is an erasure (obligations.ts): the
 *   erased values must not stay in an earlier journal line or the snapshot, so each erasure that
 *   changes a record compacts at once; erasures are rare next to grants and contacts.
 *
 * The snapshot files, and how each grows:
 *
 * - `customers.json`: one record per pseudonym that granted (a JSON array, the format of the
 *   first version; the fields added since are optional, so an older file still loads). A record
 *   stays after a revocation (the evidence of what was given); its revocations start over with a
 *   new grant, and its data holds one value per category; which key signed its newest
 *   disclosure, and when (plus the token while one is sent again after a key compromise). So it
 *   grows with the customers; a real site keeps this in a database.
 * - `contacts.json`: per pseudonym, when the relay accepted the site's offers, in seconds. Only
 *   the last 7 × 24 hours are kept (what the cap counts), so it is bounded by the customers
 *   offered to that week times their weekly cap.
 * - `pseudonym-keys.json`: public keys learnt from refusals, of pseudonyms that are no customers
 *   (yet): a key comes only with a pseudonym's first message (SPECS "Identifiers"), so one learnt
 *   from a refusal must outlive a restart for a later grant without `pseudonymKey`. A key leaves
 *   when its pseudonym grants (it is then in `customers.json`), or at the first start or
 *   compaction after its `keepUntil` ({@link pseudonymKeyExpiry} says why then): about 100 bytes
 *   for each refusal of the last 430 days at most.
 * - `data-requests.json`: per data request (by sha256), the answer decided before acting on it,
 *   so a retry sends the same answer: the categories an erasure erased, the disclosure token an
 *   access answer names. Once answered only the fact is kept (a re-read event must not be
 *   answered twice), and once the feed cursor is past the request's event nothing is: bounded by
 *   the requests not yet answered.
 * - `access-reports.json`: per access report the site signed (by its sha256), which key signed
 *   it, when, for whom and what it reported, kept before it is sent: a key declared compromised
 *   since a time voids the reports it signed since then, and obligations.ts (`rereport`) reports
 *   those uses again with the current key. Kept {@link accessReportRetentionDays} days after its
 *   `iat`, dropped at the first start or compaction after that (a compromise reaching further back
 *   finds them gone, and says so): bounded by the reports of that many days.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrantRevocation } from '../../protocol/grants';
import { appendToFile, replaceFile } from './durable-file';

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
  /**
   * Categories of the grant erased since it was given: no longer held (nor disclosed) until a
   * correction brings a value of one back or a new grant starts afresh.
   */
  erased?: string[];
  /**
   * The newest disclosure the site signed for this customer, kept before it is sent: which key
   * signed it, and when. A key declared compromised since a time voids what it signed since then,
   * so obligations.ts (`redisclose`) tells from this whom to disclose to again. Absent in records of
   * the versions before.
   */
  disclosed?: Disclosed;
}

/** The newest disclosure signed for a customer ({@link Customer.disclosed}). */
export interface Disclosed {
  /** The thumbprint of the key that signed it. */
  kid: string;
  /** Its `iat`, in seconds. */
  iat: number;
  /**
   * The token itself while a disclosure sent again after a compromise is on its way: a retry
   * (after a failure or a restart) sends the very token, which the clearinghouse does not store
   * twice. Dropped once it is stored.
   */
  token?: string;
}

/** One use of data under a grant, as an access report names it (protocol `accessEntry`). */
export interface ReportedUse {
  grantSha256: string;
  purpose: string;
  dataCategories: string[];
  /** When the data was used, in seconds. */
  at: number;
  count?: number;
}

/** An access report the site signed, kept by its sha256 (`access-reports.json`). */
export interface KeptReport {
  /** The thumbprint of the key that signed it. */
  kid: string;
  /** Its `iat`, in seconds. */
  iat: number;
  /** The customer whose data it reports the use of. */
  pseudonym: string;
  entries: ReportedUse[];
  /**
   * The report of the same uses signed by the current key, while it is on its way after a
   * compromise voided this one: a retry (after a failure or a restart) sends the very token,
   * which the clearinghouse does not count twice. Replaced by that report's own record once it
   * is stored.
   */
  resend?: string;
  /** The sha256 of the voided report this one was sent in place of, if it was. */
  replaces?: string;
  /** Voided, and its uses refused for good when sent again: not tried again. */
  refused?: true;
}

/** How many days the site keeps an access report it sent ({@link KeptReport}). */
export const accessReportRetentionDays = 90;

/** A key learnt from a refusal of a pseudonym that is no customer (yet). */
export interface PseudonymKey {
  /** The public key (JWK `x`). */
  x: string;
  /** From when the store may drop it, in seconds ({@link pseudonymKeyExpiry}). */
  keepUntil: number;
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

/** What the store holds; a restart reads the same. */
export interface SiteStoreState {
  readonly customers: ReadonlyMap<string, Customer>;
  /** Keys of pseudonyms that are no customers, by pseudonym. */
  readonly pseudonymKeys: ReadonlyMap<string, PseudonymKey>;
  /** When the relay accepted offers, by pseudonym, in seconds (the last 7 days at least). */
  readonly contacts: ReadonlyMap<string, readonly number[]>;
  readonly answers: ReadonlyMap<string, KeptAnswer>;
  /** The access reports the site signed in the last {@link accessReportRetentionDays} days. */
  readonly reports: ReadonlyMap<string, KeptReport>;
}

export interface SiteStore extends SiteStoreState {
  /** Adds or replaces customers in one write; throws (and changes nothing) on a write error. */
  putCustomers(customers: readonly Customer[]): void;
  /** Adds or replaces one customer; throws (and changes nothing) on a write error. */
  putCustomer(customer: Customer): void;
  /**
   * Remembers a key learnt from the feed until `keepUntil` (seconds), or later if it is held
   * until later already; throws (and changes nothing) on a write error.
   */
  putPseudonymKey(pseudonym: string, x: string, keepUntil: number): void;
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
  /**
   * Keeps an access report under its sha256, replacing the one kept as `replaces` (a report a
   * compromise voided, now sent again) in the same write; throws (and changes nothing) on a
   * write error.
   */
  putReport(sha256: string, report: KeptReport, replaces?: string): void;
  /**
   * Writes the state as the snapshot, without the keys past their `keepUntil`, and empties the
   * journal. A change does this first once the journal outgrew the snapshot; throws (and
   * changes nothing the store holds) on a write error.
   */
  compact(): void;
}

export interface SiteStoreOptions {
  /** Decides which learnt keys are past their `keepUntil`. Default: Date.now. */
  now?: () => number;
  /** The journal is compacted only once it is larger than this too. Default 1 MiB. */
  minCompactionBytes?: number;
}

/** A store file that does not read as the store wrote it: the site stops rather than guess. */
export class StoreCorrupt extends Error {
  override readonly name = 'StoreCorrupt';
  readonly code = 'ERR_STORE_CORRUPT';
  constructor(
    /** The file's path. */
    readonly file: string,
    /** The journal line (from 1) that does not read, if it is one. */
    readonly line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const day = 86_400;
/**
 * How long a key learnt from a refusal is kept past the refusal's "ask me again after" (or past
 * the refusal, if it named no such time).
 */
const keyGraceSeconds = 30 * day;
/** The latest "ask me again after" the clearinghouse accepts, after the refusal (docs/api.md). */
const maxAskAgainAfterSeconds = 400 * day;

/**
 * Until when a key learnt at `learntAt` from a refusal is kept (all in seconds): 30 days past the
 * refusal's `askAgainAfter`, or past `learntAt` if it names none (or an earlier one).
 *
 * The key serves only a later grant that comes without it. This project's Assistant puts it in
 * every grant and refusal (docs/architecture.md), so only an Assistant that sends it with the
 * first message alone depends on it. The company may ask that pseudonym again only once
 * `askAgainAfter` has passed (docs/api.md "Targeted requests"), so the key must outlive that
 * time; the 30 days after it leave the answer as long as the clearinghouse keeps an item for an
 * Assistant that does not fetch it (`inboxRetentionMs`, portal/lib/server/relay.ts). A grant
 * without its key after that makes no customer: the site logs that the key is unknown and holds
 * nothing about the pseudonym. Bounded by the 400 days the clearinghouse accepts, so the file
 * holds the refusals of at most the last 430 days.
 *
 * @example
 * ```ts
 * store.putPseudonymKey(pseudonym, x, pseudonymKeyExpiry(nowSeconds, refusal.askAgainAfter));
 * ```
 */
export function pseudonymKeyExpiry(learntAt: number, askAgainAfter?: number): number {
  const askAgain = Math.min(
    Math.max(askAgainAfter ?? learntAt, learntAt),
    learntAt + maxAskAgainAfterSeconds,
  );
  return askAgain + keyGraceSeconds;
}

/**
 * One line of the journal: the new value of what it changes, never a difference, so that a line
 * replayed twice changes nothing more (a `contacts` line drops the same contacts again).
 */
type Change =
  | { op: 'customers'; customers: Customer[] }
  | { op: 'pseudonym-key'; pseudonym: string; key: PseudonymKey }
  | { op: 'forget-pseudonym-key'; pseudonym: string }
  | { op: 'contacts'; pseudonym: string; times: number[]; since: number }
  | { op: 'answer'; requestSha256: string; answer: KeptAnswer }
  | { op: 'forget-answers'; requestSha256s: string[] }
  | { op: 'report'; sha256: string; report: KeptReport; replaces?: string };

interface Held {
  customers: Map<string, Customer>;
  pseudonymKeys: Map<string, PseudonymKey>;
  contacts: Map<string, readonly number[]>;
  answers: Map<string, KeptAnswer>;
  reports: Map<string, KeptReport>;
}

interface StorePaths {
  customers: string;
  contacts: string;
  pseudonymKeys: string;
  answers: string;
  reports: string;
  journal: string;
}

/** What a start read from the disk. */
interface Loaded {
  held: Held;
  snapshotBytes: number;
  /** The journal's bytes up to its last whole line; undefined when there is no journal. */
  journalBytes: number | undefined;
  /** The snapshot holds what an older version wrote (contacts in `customers.json`, bare keys). */
  olderFormat: boolean;
}

const keyPattern = /^[A-Za-z0-9_-]{43}$/;
const defaultMinCompactionBytes = 1 << 20;

/**
 * Opens the store in `dataDir`, reading what an earlier run left (missing files start empty;
 * snapshot records that do not parse are skipped). It compacts at once when the snapshot is of
 * an older format, holds keys to drop, or the journal outgrew it.
 *
 * @throws StoreCorrupt when a file is not JSON or a journal line (but a torn last one) does not
 *   read: the site stops rather than overwrite what it cannot read.
 *
 * @example
 * ```ts
 * const store = openSiteStore('test/company-site/data');
 * store.putCustomer({ ...store.customers.get(pseudonym)!, data: { address: 'Heidestraße 18' } });
 * ```
 */
export function openSiteStore(dataDir: string, options: SiteStoreOptions = {}): SiteStore {
  const now = options.now ?? Date.now;
  const minCompactionBytes = options.minCompactionBytes ?? defaultMinCompactionBytes;
  const paths = storePaths(dataDir);
  const loaded = load(paths, seconds(now()));
  const held = loaded.held;
  let snapshotBytes = loaded.snapshotBytes;
  /** Undefined while the journal's length is not known (no journal, or emptying it failed). */
  let journalBytes = loaded.journalBytes;
  const outgrown = (bytes: number) => bytes > Math.max(snapshotBytes, minCompactionBytes);

  function compact(): void {
    const at = seconds(now());
    const dropped = droppedKeys(held, at);
    const keys = new Map(held.pseudonymKeys);
    for (const pseudonym of dropped) keys.delete(pseudonym);
    const oldReports = droppedReports(held, at);
    const reports = new Map(held.reports);
    for (const sha256 of oldReports) reports.delete(sha256);
    const files: [string, unknown][] = [
      [paths.contacts, Object.fromEntries(held.contacts)],
      [paths.pseudonymKeys, Object.fromEntries(keys)],
      [paths.answers, Object.fromEntries(held.answers)],
      [paths.reports, Object.fromEntries(reports)],
      // Last: the first version's contacts leave this file only once contacts.json holds them.
      [paths.customers, [...held.customers.values()]],
    ];
    let bytes = 0;
    for (const [path, value] of files) {
      const text = jsonText(value);
      replaceFile(path, text);
      bytes += Buffer.byteLength(text);
    }
    journalBytes = undefined;
    replaceFile(paths.journal, '');
    journalBytes = 0;
    snapshotBytes = bytes;
    for (const pseudonym of dropped) held.pseudonymKeys.delete(pseudonym);
    for (const sha256 of oldReports) held.reports.delete(sha256);
  }

  function commit(change: Change): void {
    let length = journalBytes;
    if (length === undefined || outgrown(length)) {
      compact();
      length = 0;
    }
    journalBytes = appendToFile(paths.journal, `${JSON.stringify(change)}\n`, length);
    apply(held, change);
  }

  if (
    loaded.olderFormat ||
    droppedKeys(held, seconds(now())).length > 0 ||
    droppedReports(held, seconds(now())).length > 0 ||
    (journalBytes !== undefined && outgrown(journalBytes))
  )
    compact();
  else if (journalBytes === undefined) {
    replaceFile(paths.journal, '');
    journalBytes = 0;
  }

  function putCustomers(changed: readonly Customer[]): void {
    if (changed.length > 0) commit({ op: 'customers', customers: [...changed] });
  }

  return {
    customers: held.customers,
    pseudonymKeys: held.pseudonymKeys,
    contacts: held.contacts,
    answers: held.answers,
    reports: held.reports,
    putCustomers,
    putCustomer: (customer) => putCustomers([customer]),
    putPseudonymKey(pseudonym, x, keepUntil) {
      const kept = held.pseudonymKeys.get(pseudonym);
      if (kept?.x === x && kept.keepUntil >= keepUntil) return;
      commit({ op: 'pseudonym-key', pseudonym, key: { x, keepUntil } });
    },
    deletePseudonymKey(pseudonym) {
      if (held.pseudonymKeys.has(pseudonym)) commit({ op: 'forget-pseudonym-key', pseudonym });
    },
    putContacts(pseudonym, times, since) {
      commit({ op: 'contacts', pseudonym, times: times.filter((t) => t > since), since });
    },
    putAnswer(requestSha256, answer) {
      commit({ op: 'answer', requestSha256, answer });
    },
    pruneAnswers(cursor) {
      const settled = [...held.answers]
        .filter(([, a]) => a.outcome === 'answered' && Number(a.cursor) <= Number(cursor))
        .map(([sha256]) => sha256);
      if (settled.length > 0) commit({ op: 'forget-answers', requestSha256s: settled });
    },
    putReport(sha256, report, replaces) {
      commit({ op: 'report', sha256, report, ...(replaces === undefined ? {} : { replaces }) });
    },
    compact,
  };
}

/**
 * What a start of the store in `dataDir` would find, read without writing anything (another
 * process may hold the store open): to inspect a store, or to check in a test what it kept.
 *
 * @throws StoreCorrupt as {@link openSiteStore} does.
 *
 * @example
 * ```ts
 * const { customers } = readSiteStore('test/company-site/data');
 * ```
 */
export function readSiteStore(dataDir: string, now: () => number = Date.now): SiteStoreState {
  const at = seconds(now());
  const { held } = load(storePaths(dataDir), at);
  for (const pseudonym of droppedKeys(held, at)) held.pseudonymKeys.delete(pseudonym);
  for (const sha256 of droppedReports(held, at)) held.reports.delete(sha256);
  return held;
}

function storePaths(dataDir: string): StorePaths {
  return {
    customers: join(dataDir, 'customers.json'),
    contacts: join(dataDir, 'contacts.json'),
    pseudonymKeys: join(dataDir, 'pseudonym-keys.json'),
    answers: join(dataDir, 'data-requests.json'),
    reports: join(dataDir, 'access-reports.json'),
    journal: join(dataDir, 'journal.jsonl'),
  };
}

/** Reads the snapshot, then replays the journal over it; `at` is now, in seconds. */
function load(paths: StorePaths, at: number): Loaded {
  let snapshotBytes = 0;
  let olderFormat = false;
  function snapshotFile(path: string): unknown {
    const bytes = readBytes(path);
    if (bytes === undefined) return undefined;
    snapshotBytes += bytes.length;
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (error) {
      throw new StoreCorrupt(path, undefined, `${path} is not JSON`, { cause: error });
    }
  }
  const held: Held = {
    customers: new Map(),
    pseudonymKeys: new Map(),
    contacts: new Map(),
    answers: new Map(),
    reports: new Map(),
  };
  /** Contacts kept in `customers.json` by the version before `contacts.json`. */
  const legacyContacts = new Map<string, number[]>();
  for (const value of asArray(snapshotFile(paths.customers))) {
    const customer = parseCustomer(value);
    if (customer === undefined) continue;
    held.customers.set(customer.pseudonym, customer);
    const contacts = numbers(asRecord(value).contacts);
    if (contacts.length > 0) legacyContacts.set(customer.pseudonym, contacts);
  }
  for (const [pseudonym, times] of Object.entries(asRecord(snapshotFile(paths.contacts)))) {
    const kept = numbers(times);
    if (kept.length > 0) held.contacts.set(pseudonym, kept);
  }
  for (const [pseudonym, value] of Object.entries(asRecord(snapshotFile(paths.pseudonymKeys)))) {
    // The version before `keepUntil` kept the bare key: it is kept as if learnt now.
    const bare = typeof value === 'string' && keyPattern.test(value);
    const key = bare ? { x: value, keepUntil: pseudonymKeyExpiry(at) } : parsePseudonymKey(value);
    if (key === undefined) continue;
    held.pseudonymKeys.set(pseudonym, key);
    olderFormat ||= bare;
  }
  for (const [sha256, value] of Object.entries(asRecord(snapshotFile(paths.answers)))) {
    const answer = parseAnswer(value);
    if (answer !== undefined) held.answers.set(sha256, answer);
  }
  for (const [sha256, value] of Object.entries(asRecord(snapshotFile(paths.reports)))) {
    const report = parseReport(value);
    if (report !== undefined) held.reports.set(sha256, report);
  }
  for (const [pseudonym, times] of legacyContacts) {
    olderFormat = true;
    if (!held.contacts.has(pseudonym)) held.contacts.set(pseudonym, times);
  }
  const journal = readBytes(paths.journal);
  const journalBytes = journal === undefined ? undefined : replay(paths.journal, journal, held);
  return { held, snapshotBytes, journalBytes, olderFormat };
}

/** Applies each whole line of `journal` to `held`; returns the bytes up to the last one. */
function replay(path: string, journal: Buffer, held: Held): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = journal.indexOf(0x0a, start);
    // No newline after it: an append that never finished.
    if (end < 0) return start;
    let value: unknown;
    try {
      value = JSON.parse(journal.toString('utf8', start, end)) as unknown;
    } catch (error) {
      // The last line's newline may reach the disk before its other bytes do (data=writeback).
      if (end + 1 === journal.length) return start;
      throw new StoreCorrupt(path, line, `${path}: line ${line} is not JSON`, { cause: error });
    }
    const change = parseChange(value);
    if (change === undefined)
      throw new StoreCorrupt(path, line, `${path}: line ${line} is no change this site knows`);
    apply(held, change);
    start = end + 1;
  }
}

function apply(held: Held, change: Change): void {
  switch (change.op) {
    case 'customers':
      for (const customer of change.customers) held.customers.set(customer.pseudonym, customer);
      return;
    case 'pseudonym-key':
      held.pseudonymKeys.set(change.pseudonym, change.key);
      return;
    case 'forget-pseudonym-key':
      held.pseudonymKeys.delete(change.pseudonym);
      return;
    case 'contacts':
      held.contacts.set(change.pseudonym, change.times);
      for (const [pseudonym, times] of held.contacts) {
        const recent = times.filter((t) => t > change.since);
        if (recent.length === 0) held.contacts.delete(pseudonym);
        else if (recent.length < times.length) held.contacts.set(pseudonym, recent);
      }
      return;
    case 'answer':
      held.answers.set(change.requestSha256, change.answer);
      return;
    case 'forget-answers':
      for (const sha256 of change.requestSha256s) held.answers.delete(sha256);
      return;
    case 'report':
      if (change.replaces !== undefined) held.reports.delete(change.replaces);
      held.reports.set(change.sha256, change.report);
      return;
  }
}

/**
 * The learnt keys a compaction drops: those of customers (a run stopped between the grant and
 * forgetting the key) and those past their `keepUntil`.
 */
function droppedKeys(held: Held, at: number): string[] {
  return [...held.pseudonymKeys]
    .filter(([pseudonym, key]) => held.customers.has(pseudonym) || key.keepUntil <= at)
    .map(([pseudonym]) => pseudonym);
}

/** The access reports a compaction drops: signed more than the retention's days ago. */
function droppedReports(held: Held, at: number): string[] {
  const oldest = at - accessReportRetentionDays * day;
  return [...held.reports].filter(([, r]) => r.iat < oldest).map(([sha256]) => sha256);
}

function parseChange(value: unknown): Change | undefined {
  const c = asRecord(value);
  switch (c.op) {
    case 'customers': {
      if (!Array.isArray(c.customers)) return undefined;
      const customers = c.customers.map(parseCustomer);
      return customers.every((customer) => customer !== undefined)
        ? { op: c.op, customers: customers as Customer[] }
        : undefined;
    }
    case 'pseudonym-key': {
      const key = parsePseudonymKey(c.key);
      return typeof c.pseudonym === 'string' && key !== undefined
        ? { op: c.op, pseudonym: c.pseudonym, key }
        : undefined;
    }
    case 'forget-pseudonym-key':
      return typeof c.pseudonym === 'string' ? { op: c.op, pseudonym: c.pseudonym } : undefined;
    case 'contacts': {
      const times = numbers(c.times);
      return typeof c.pseudonym === 'string' &&
        Array.isArray(c.times) &&
        times.length === c.times.length &&
        typeof c.since === 'number' &&
        Number.isFinite(c.since)
        ? { op: c.op, pseudonym: c.pseudonym, times, since: c.since }
        : undefined;
    }
    case 'answer': {
      const answer = parseAnswer(c.answer);
      return typeof c.requestSha256 === 'string' && answer !== undefined
        ? { op: c.op, requestSha256: c.requestSha256, answer }
        : undefined;
    }
    case 'forget-answers':
      return Array.isArray(c.requestSha256s) &&
        c.requestSha256s.every((sha256) => typeof sha256 === 'string')
        ? { op: c.op, requestSha256s: c.requestSha256s as string[] }
        : undefined;
    case 'report': {
      const report = parseReport(c.report);
      if (typeof c.sha256 !== 'string' || report === undefined) return undefined;
      if (c.replaces !== undefined && typeof c.replaces !== 'string') return undefined;
      return {
        op: c.op,
        sha256: c.sha256,
        report,
        ...(typeof c.replaces === 'string' ? { replaces: c.replaces } : {}),
      };
    }
    default:
      return undefined;
  }
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
  const erased = asArray(c.erased).filter((category) => typeof category === 'string');
  const disclosed = parseDisclosed(c.disclosed);
  return {
    pseudonym: c.pseudonym,
    x: c.x,
    grantSha256: c.grantSha256,
    ...(typeof c.grant === 'string' ? { grant: c.grant } : {}),
    ...(revocations.length > 0 ? { revocations } : {}),
    data,
    ...(erased.length > 0 ? { erased } : {}),
    ...(disclosed === undefined ? {} : { disclosed }),
  };
}

/** Unreadable: as if none was kept (the customer then gets a disclosure after a compromise). */
function parseDisclosed(value: unknown): Disclosed | undefined {
  const { kid, iat, token } = asRecord(value);
  if (typeof kid !== 'string' || !keyPattern.test(kid) || !Number.isSafeInteger(iat))
    return undefined;
  return { kid, iat: iat as number, ...(typeof token === 'string' ? { token } : {}) };
}

function parseReport(value: unknown): KeptReport | undefined {
  const { kid, iat, pseudonym, entries, resend, replaces, refused } = asRecord(value);
  if (
    typeof kid !== 'string' ||
    !keyPattern.test(kid) ||
    !Number.isSafeInteger(iat) ||
    typeof pseudonym !== 'string' ||
    !Array.isArray(entries)
  )
    return undefined;
  const uses = entries.map(parseUse);
  if (uses.length === 0 || uses.some((use) => use === undefined)) return undefined;
  return {
    kid,
    iat: iat as number,
    pseudonym,
    entries: uses as ReportedUse[],
    ...(typeof resend === 'string' ? { resend } : {}),
    ...(typeof replaces === 'string' ? { replaces } : {}),
    ...(refused === true ? { refused: true as const } : {}),
  };
}

function parseUse(value: unknown): ReportedUse | undefined {
  const { grantSha256, purpose, dataCategories, at, count } = asRecord(value);
  if (
    typeof grantSha256 !== 'string' ||
    typeof purpose !== 'string' ||
    !Array.isArray(dataCategories) ||
    !dataCategories.every((c) => typeof c === 'string') ||
    !Number.isSafeInteger(at) ||
    (count !== undefined && !Number.isSafeInteger(count))
  )
    return undefined;
  return {
    grantSha256,
    purpose,
    dataCategories: dataCategories as string[],
    at: at as number,
    ...(count === undefined ? {} : { count: count as number }),
  };
}

function parsePseudonymKey(value: unknown): PseudonymKey | undefined {
  const { x, keepUntil } = asRecord(value);
  return typeof x === 'string' &&
    keyPattern.test(x) &&
    typeof keepUntil === 'number' &&
    Number.isFinite(keepUntil)
    ? { x, keepUntil }
    : undefined;
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

/** A missing file reads as undefined (an empty store). */
function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
