/**
 * The Assistant's inbox (issue 8 "In the extension"): for every pseudonym with a grant, fetch the
 * relay inbox (signed GET), open the seal, verify, decide with the filter engine
 * (`protocol/filter`), store encrypted in the vault, and only then acknowledge. Rewards go to the
 * ledger (./ledger); violations become complaint drafts (./complaints).
 *
 * Idempotent by construction: every item is keyed by its inbox id (the SHA-256 of the relayed
 * JWS, checked before the item is used); the vault is written before the acknowledgement, in one
 * transaction for offers, drafts and rewards, and an item already stored is only acknowledged
 * again. A sync interrupted between the two (offline, worker stopped, vault locked) re-fetches the
 * same items next time and stores none of them twice.
 *
 * An item is left in the inbox, unacknowledged, when it may read differently later: its `iat`
 * lies ahead of both this device's clock and the relay's acceptance, or its key is not (yet) in
 * the registry entry fetched for this sync, or it names a grant the vault's copy of the
 * relationship does not hold and that copy is older than the item (see
 * {@link InboxPorts.relationshipReadAt}), or the item itself is malformed (its id is not the
 * hash of its JWS, its times are not times: possibly damaged in transfer), or it is a reward to
 * reject and the record of rejected rewards cannot be written. The next sync fetches it again;
 * the relay's own retention (30 days) bounds how long it waits.
 *
 * Held offers are decided again when their `holdUntil` has come ({@link OfferInbox.sync} does it
 * first, before fetching); the caller schedules an alarm at {@link SyncResult.nextRelease}.
 *
 * Everything the offers view shows is read from the vault, so it works while the clearinghouse is
 * unreachable. Pure apart from the ports (STYLE habit 2).
 *
 * @example
 * ```ts
 * const inbox = new OfferInbox(ports);
 * const result = await inbox.sync(); // { delivered: [...], held: 1, hidden: 0, rewards: 0, ... }
 * for (const o of result.delivered) notify(o.id, o.content.brand, o.content.title);
 * ```
 */
import * as v from 'valibot';
import type { ClearinghouseClient, CompanyEntry } from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import {
  activePauses,
  answerSuggestion,
  applyFeedback,
  compileFilter,
  createLearner,
  decide,
  deserializeLearner,
  explainDecision,
  openOffer,
  parseCompanyPauses,
  pauseCompany,
  reasonIds,
  resumeCompany,
  serializeLearner,
  suggestImplicitNegatives,
  violations,
  lowerBound,
  type CompanyPause,
  type CompanyPauses,
  type CompiledFilter,
  type Decision,
  type FilterGrant,
  type FilterOffer,
  type ImplicitNegative,
  type Learner,
  type OfferFeatures,
} from '../../protocol/filter';
import { activeGrant, localTime } from '../../protocol/grants';
import type { Locale } from '../../protocol/i18n';
import { CLOCK_SKEW_SECONDS, sha256Of, verifyCompact, type ResolvedKey } from '../../protocol/jws';
import { parseMessage, rewardContent, type Payload } from '../../protocol/messages';
import { compactJws, limits, sha256 } from '../../protocol/messages/primitives';
import {
  contactFeedbacks,
  type BlacklistEntry,
  type BlacklistTarget,
  type ContactFeedback,
  type ContactRecord,
  type Profile,
} from '../../protocol/profile';
import { openSealed } from '../../protocol/seal';
import { openMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { companyKeyValidAt } from './company-keys';
import { isNetworkFailure } from './clearinghouse-failures';
import { ComplaintOutbox } from './complaint-outbox';
import {
  complaintReasonsFor,
  complaintsRecord,
  draftsRecord,
  keptDrafts,
  readDrafts,
  type ComplaintDraft,
  type ComplaintReason,
  type DisclosureComplaintReason,
  type ManualComplaintReason,
} from './complaints';
import { disclosureEvidence } from './disclosures';
import { companyIdentity } from './identity';
import { ledgerEntry, ledgerRecord, mergeRewards, readLedger, type LedgerEntry } from './ledger';
import type { ClockPort, RandomBytesPort, RecordStore } from './ports';
import { keptWithinBounds } from './record-bounds';
import { readStoredRecord } from './stored-record';
import type { WalletRelationship } from './wallet';

/** The clearinghouse calls the inbox makes. */
export type InboxClearinghouse = Pick<
  ClearinghouseClient,
  'fetchInbox' | 'ackInbox' | 'getCompany' | 'submitComplaint'
>;

/** What the inbox is handed. */
export interface InboxPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  readonly clearinghouse: InboxClearinghouse;
  /** The clearinghouse origin: the `aud` of complaints. */
  readonly clearinghouseOrigin: string;
  readonly masterSeed: () => Promise<Uint8Array>;
  /** The wallet's stored relationships (grants and revocations as the vault holds them). */
  readonly relationships: () => Promise<readonly WalletRelationship[]>;
  readonly profile: () => Promise<Profile>;
  readonly blacklist: () => Promise<readonly BlacklistEntry[]>;
  /**
   * When the vault's copy of the relationship of `pseudonym` was read from the clearinghouse in
   * this sync (ms on the Assistant's clock, taken before the read began), or null when it was not
   * (the refresh before the sync failed, or none was made). Absent: never.
   *
   * The relay takes an offer or a reward only under a grant of the pseudonym (portal/lib/server/
   * relay.ts), so an item naming a grant the vault's copy lacks is the company's fault only when
   * that copy was read after the relay accepted the item; before, the copy may simply be out of
   * date (a grant whose answer was lost waits in the wallet's outbox), and the item waits.
   */
  readonly relationshipReadAt?: (pseudonym: string) => number | null;
}

/** Where the offers and the model live in the vault. */
export const offersRecord = { table: 'profile', id: 'offers' } as const;
export const modelRecord = { table: 'profile', id: 'filter-model' } as const;
/** The inbox's own setting: submit complaint drafts at once (default: the customer reviews). */
export const offerSettingsRecord = { table: 'profile', id: 'offer-settings' } as const;
/**
 * The customer's pauses of companies and answers to suggestions (`protocol/filter/pause.ts`).
 * A fixed record in the `profile` table like the others here: no new vault table, so no Dexie
 * version; it travels with the backup.
 */
export const pausesRecord = { table: 'profile', id: 'company-pauses' } as const;
/**
 * Most offers kept. Beyond it the oldest of what the customer has dealt with go first (hidden,
 * unreadable and seen offers), then the oldest unseen delivered ones; held offers only when
 * nothing else is left ({@link keptOffers}).
 */
export const maxStoredOffers = 2000;
/**
 * Rewards the Assistant could not take (a signature, key, issuer or grant that does not check
 * out), kept with the reason as evidence; never in the ledger. The newest are kept, at most
 * {@link maxRejectedRewards} and {@link maxRejectedRewardsChars}.
 */
export const rejectedRewardsRecord = { table: 'profile', id: 'rejected-rewards' } as const;
export const maxRejectedRewards = 200;
/**
 * The rejected rewards' bound in characters of the record's JSON: 4 Mi. Each keeps the reward as
 * relayed, up to 256 KiB, so the count alone would allow a record of 50 MiB, filled by whoever
 * sends rewards that do not check out; 4 Mi still holds 16 at the relay's largest and the whole
 * count at the size a reward usually has (a few KiB).
 */
export const maxRejectedRewardsChars = 4 * 1024 * 1024;
/**
 * Items asked for per inbox page: 20, not the relay's 100 (`maxRelayPage`), so a page of offers at
 * the relay's largest (256 KiB each, about 5 MiB) is not what a slow link must carry within one
 * request's timeout (extension/core/timed-fetch). A page that times out all the same is asked for
 * again one item at a time.
 */
export const inboxPage = 20;
/** Items of one inbox read per sync. */
const maxInboxItems = 2000;
/**
 * Characters of relayed items one sync reads, over all inboxes: what is left waits for the next
 * sync. Each sync holds what it fetched in memory until its one vault write, so this bounds both.
 */
const maxSyncChars = 16 * 1024 * 1024;
/**
 * Inboxes whose read failed in a row before the sync takes the clearinghouse for out of reach and
 * asks it nothing more: two, so one inbox that never answers in time (too large for the link,
 * or the relay failing on it) costs only itself.
 */
const unansweredInboxesToStop = 2;
/**
 * The inbox reads that failed, the longest-failing first (a list of pseudonyms): the next sync
 * reads them after every other inbox, so the same failing inboxes cannot starve the same others
 * sync after sync. Scheduling state only, never evidence: a record that does not parse is
 * replaced.
 */
export const inboxOrderRecord = { table: 'profile', id: 'offers-inbox-order' } as const;
const maxRememberedFailures = 1000;
const inboxOrderSchema = v.object({
  v: v.literal(1),
  failing: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(maxRememberedFailures)),
});
/**
 * The offers record's bound, in characters of its JSON: 16 Mi. An outer offer may be 256 KiB, so
 * the count bound alone ({@link maxStoredOffers}) would allow a record of about 0.5 GiB, encrypted
 * and written again at every sync. {@link keptOffers} keeps both bounds.
 */
export const maxOffersRecordChars = 16 * 1024 * 1024;

export const offerStates = ['delivered', 'held', 'hidden', 'invalid'] as const;
export type OfferState = (typeof offerStates)[number];

const reasonSchema = v.object({
  id: v.picklist(reasonIds),
  params: v.optional(v.record(v.string(), v.union([v.string(), v.number()]))),
});
const decisionSchema = v.object({
  action: v.picklist(['deliver', 'hold', 'drop']),
  holdUntil: v.optional(v.number()),
  reasons: v.array(reasonSchema),
  score: v.optional(v.number()),
  novel: v.optional(v.boolean()),
});
const text = (n: number) => v.pipe(v.string(), v.maxLength(n));
const seconds = v.pipe(v.number(), v.integer(), v.minValue(0));
/** The relay's bound on a sealed payload (256 KiB, as for offers and rewards it accepts). */
const maxRelayedChars = 256 * 1024;
/** A JWS as the relay passed it on: up to the relay's bound, compact form. */
const relayedJws = v.pipe(
  v.string(),
  v.maxLength(maxRelayedChars),
  v.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
);
const WEEK_MS = 7 * 86_400_000;

/**
 * An inbox item as the relay listed it, checked before anything is taken from it: the client
 * hands the answer on unparsed, and one item that broke the offers record would make every
 * stored offer unreadable.
 */
const inboxItem = v.object({
  id: sha256,
  cursor: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  kind: v.picklist(['offer', 'reward']),
  jws: relayedJws,
  receivedAt: v.pipe(
    v.number(),
    v.finite(),
    v.minValue(0),
    v.maxValue(limits.maxEpochSeconds * 1000),
  ),
});
type CheckedItem = v.InferOutput<typeof inboxItem>;

/** The item, when it is well formed and its id is the SHA-256 of its JWS; else null. */
function checkedItem(raw: unknown): CheckedItem | null {
  const parsed = v.safeParse(inboxItem, raw);
  if (!parsed.success) return null;
  return parsed.output.id === sha256Of(parsed.output.jws) ? parsed.output : null;
}

/** What the customer reads (from the verified inner `offer-content`). */
const offerContentView = v.object({
  brand: text(100),
  category: text(100),
  title: text(200),
  body: text(8000),
  link: v.optional(text(2048)),
  validUntil: seconds,
  advertisement: v.boolean(),
  unsubscribe: text(2048),
  /**
   * Whether the brand is one the signing company registered (or its legal name): any company can
   * write any brand into its offer, so one it did not register is said so beside it. Absent in
   * offers kept before this was checked.
   */
  brandRegistered: v.optional(v.boolean()),
});

/**
 * Whether `brand` is one of `company`'s registered brands or its legal name (letter case and
 * spaces at the ends aside).
 */
export function brandOfCompany(
  brand: string,
  company: Pick<CompanyEntry, 'legalName' | 'brands'>,
): boolean {
  const norm = (s: string) => s.trim().toLocaleLowerCase('de');
  return [company.legalName, ...(company.brands ?? [])].some((b) => norm(b) === norm(brand));
}

/** One offer as the vault keeps it. */
export const storedOffer = v.object({
  /** The inbox id: SHA-256 of the outer JWS. */
  id: sha256,
  pseudonym: text(64),
  company: text(64),
  /** The outer JWS as relayed (evidence). */
  outer: relayedJws,
  /** The verified inner JWS (evidence); null when it did not open or verify. */
  inner: v.nullable(compactJws),
  /** The engine's input, kept so a held offer is decided again without opening it again. */
  offer: v.nullable(
    v.object({
      id: text(200),
      outer: v.object({
        iss: text(64),
        aud: text(64),
        iat: seconds,
        grantSha256: text(64),
        purpose: text(64),
        channel: text(64),
        validUntil: seconds,
      }),
      inner: v.object({
        iss: text(64),
        aud: text(64),
        grantSha256: text(64),
        purpose: text(64),
        channel: text(64),
        brand: text(100),
        category: text(100),
        validUntil: seconds,
        advertisement: v.boolean(),
        unsubscribe: text(2048),
      }),
    }),
  ),
  content: v.nullable(offerContentView),
  /** When the relay received it (ms) and when the Assistant stored it (s). */
  receivedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
  arrivedAt: seconds,
  /** When it was last decided (s): delivery time for delivered offers. */
  decidedAt: seconds,
  state: v.picklist(offerStates),
  decision: v.nullable(decisionSchema),
  /** For `invalid`: the error code that kept it from being read. */
  error: v.optional(text(64)),
  shownAnyway: v.boolean(),
  seen: v.boolean(),
  feedback: v.optional(v.picklist(contactFeedbacks)),
});
export type StoredOffer = v.InferOutput<typeof storedOffer>;

const offersSchema = v.object({
  v: v.literal(1),
  items: v.pipe(v.array(storedOffer), v.maxLength(maxStoredOffers)),
});

/** A reward that did not check out, and why. */
export const rejectedReward = v.object({
  /** The inbox id: SHA-256 of the reward JWS. */
  id: sha256,
  company: text(64),
  pseudonym: text(64),
  jws: relayedJws,
  /** The error code that kept it out of the ledger. */
  error: text(64),
  /** When the Assistant rejected it (s). */
  at: seconds,
});
export type RejectedReward = v.InferOutput<typeof rejectedReward>;

const rejectedRewardsBounds = { items: maxRejectedRewards, chars: maxRejectedRewardsChars };
const rejectedRewardsSchema = v.object({
  v: v.literal(1),
  items: v.pipe(v.array(rejectedReward), v.maxLength(maxRejectedRewards)),
});

/** What one sync did. */
export interface SyncResult {
  /** Offers delivered in this sync (new or released): the caller notifies these. */
  readonly delivered: StoredOffer[];
  readonly held: number;
  readonly hidden: number;
  readonly invalid: number;
  readonly rewards: number;
  /** Items already stored, acknowledged again (an interrupted sync). */
  readonly duplicates: number;
  /**
   * Items left in the inbox to be read again next sync: not yet valid by either clock, signed
   * with a key the registry entry does not list yet, or malformed as relayed.
   */
  readonly deferred: number;
  /** Complaint drafts created (and submitted, when the setting says so). */
  readonly drafts: number;
  /**
   * Violations not drafted because the drafts' bound (1000) is taken by unsent drafts already, or
   * because the drafts record cannot be read (it is left as it is); their offers stay stored with
   * the decision naming the violation.
   */
  readonly draftsNotKept: number;
  /**
   * Pseudonyms whose inbox could not be read, or not wholly (the clearinghouse refused, did not
   * answer in time, or was taken for out of reach before it was asked).
   */
  readonly failed: readonly string[];
  /** The earliest `holdUntil` of a held offer (epoch seconds), or null. */
  readonly nextRelease: number | null;
}

/** What the offers view shows about companies: suggestions (implicit negatives) and pauses. */
export interface CompanyAdvice {
  /** Companies the customer keeps turning away, with a grant still in force, not paused. */
  readonly suggestions: readonly ImplicitNegative[];
  /** Pauses in force now, the soonest to end first. */
  readonly pauses: readonly CompanyPause[];
}

/** One offer for the offers view: the stored offer and its explanation in the customer's language. */
export interface OfferView {
  readonly offer: StoredOffer;
  readonly title: string;
  readonly sentences: readonly string[];
  readonly badge: string | null;
}

/** A number in [0, 2^32) from the master seed: the filter's seed (serendipity draw, hashing). */
function filterSeed(masterSeed: Uint8Array): number {
  return (
    ((masterSeed[0]! << 24) | (masterSeed[1]! << 16) | (masterSeed[2]! << 8) | masterSeed[3]!) >>> 0
  );
}

function payloadOf(jws: string): unknown {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? '')));
}

/**
 * The grants of the stored relationships as the engine reads them (each with the revocations
 * the wallet holds). A record that no longer parses is left out: it cannot cover anything.
 */
export function filterGrants(relationships: readonly WalletRelationship[]): FilterGrant[] {
  const out: FilterGrant[] = [];
  for (const r of relationships) {
    const revocations: Payload<'revocation'>[] = [];
    for (const rev of r.revocations) {
      try {
        revocations.push(parseMessage('revocation', payloadOf(rev.jws)));
      } catch {
        // A revocation the vault cannot read again is ignored; the clearinghouse status stays.
      }
    }
    for (const g of r.grants) {
      try {
        const grant = parseMessage('grant', payloadOf(g.jws));
        const request = r.requests.find((q) => q.sha256 === grant.requestSha256);
        let incentive: string | undefined;
        if (request !== undefined) {
          const p = payloadOf(request.jws) as { incentive?: { type?: unknown } };
          if (typeof p.incentive?.type === 'string') incentive = p.incentive.type;
        }
        out.push({
          sha256: g.sha256,
          active: activeGrant(grant, g.sha256, revocations),
          ...(incentive === undefined ? {} : { incentive }),
        });
      } catch {
        // Unreadable grant: covers nothing.
      }
    }
  }
  return out;
}

/** Companies holding a grant of the customer that is in force at `at` (not wholly revoked). */
function grantedCompanies(grants: readonly FilterGrant[], at: number): Set<string> {
  const out = new Set<string>();
  for (const g of grants) {
    const { grant, revocations } = g.active;
    if (grant.until <= at || revocations.some((r) => r.purposes === undefined && r.at <= at))
      continue;
    out.add(grant.aud);
  }
  return out;
}

/**
 * The contact history the engine reads: the delivered offers at their delivery, oldest first.
 * It serves the customer's own weekly caps, novelty and the suggestions; a grant's cap counts
 * the relay's acceptances instead ({@link acceptanceTimes}).
 */
export function contactHistoryOf(items: readonly StoredOffer[]): ContactRecord[] {
  const out: ContactRecord[] = [];
  for (const o of items) {
    if (o.state !== 'delivered' || o.offer === null) continue;
    out.push({
      company: o.company,
      brand: o.offer.inner.brand,
      channel: o.offer.inner.channel as ContactRecord['channel'],
      category: o.offer.inner.category,
      at: o.decidedAt,
      outcome: 'delivered',
      ...(o.feedback === undefined ? {} : { feedback: o.feedback }),
    });
  }
  return out.sort((a, b) => a.at - b.at).slice(-20_000);
}

/** The learner's view of a stored offer, with its arrival time in the customer's zone. */
function featuresOf(
  o: StoredOffer & { offer: NonNullable<StoredOffer['offer']> },
  timeZone: string,
  grants: readonly FilterGrant[],
): OfferFeatures {
  const local = localTime(o.arrivedAt, timeZone);
  return {
    category: o.offer.inner.category,
    brand: o.offer.inner.brand,
    company: o.company,
    channel: o.offer.inner.channel,
    purpose: o.offer.inner.purpose,
    incentive: grants.find((g) => g.sha256 === o.offer.inner.grantSha256)?.incentive,
    hour: Math.floor(local.minute / 60),
    weekday: local.day,
  };
}

/**
 * When the relay accepted each offer of a company (ms), ascending: every stored offer whose
 * company signature checked out, whatever the customer's filter made of it (held, hidden,
 * delivered), and the offers of this sync. The relay counts a pseudonym's contacts under every
 * grant of its company at the moment it accepts an offer (SPECS "Consent conditions"), and a
 * pseudonym belongs to one company, so this is the relay's count as far as the Assistant saw it:
 * offers that expired unread at the relay are missing, so it can only count fewer, never blame
 * the company for an offer the relay rightly accepted. What it still catches is a relay that
 * accepted more than a grant's cap within a week (a fault or a relay working with the company).
 */
export function acceptanceTimes(offers: Iterable<StoredOffer>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const o of offers) {
    if (o.offer === null && o.decision === null) continue;
    let list = out.get(o.company);
    if (list === undefined) out.set(o.company, (list = []));
    list.push(o.receivedAt);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/**
 * Offers accepted in the rolling week before `receivedAt` (ms), as the relay counts: after
 * `receivedAt - 7 days`, before `receivedAt` (one accepted in the same millisecond is not counted:
 * the Assistant cannot tell which came first, and counting fewer blames nobody wrongly).
 */
function acceptedBefore(list: readonly number[] | undefined, receivedAt: number): number {
  if (list === undefined) return 0;
  return lowerBound(list, receivedAt) - lowerBound(list, receivedAt - WEEK_MS + 1);
}

/**
 * The company's keys from the registry entry, by `kid`; remembers whether a `kid` was asked for
 * that the entry does not list (the key may be newer than the entry: worth another try later).
 * Whether the key was in force when the message was signed is checked after verification, as of
 * its `iat` ({@link requireKeyValidAt}).
 */
function registryKeys(company: CompanyEntry): {
  resolveKey: (kid: string) => ResolvedKey | undefined;
  unlisted: () => boolean;
} {
  let unlisted = false;
  return {
    resolveKey: (kid) => {
      const key = company.keys?.find((k) => k.kid === kid);
      if (key === undefined) unlisted = true;
      return key?.jwk;
    },
    unlisted: () => unlisted,
  };
}

/** The `kid` of a compact JWS that verified (its header is known to be sound JSON). */
function kidOf(token: string): string {
  const header = JSON.parse(utf8Decode(base64urlDecode(token.slice(0, token.indexOf('.'))))) as {
    kid?: unknown;
  };
  return typeof header.kid === 'string' ? header.kid : '';
}

/**
 * Requires that `kid` was a key of the company neither retired nor compromised at `iat` (a key
 * compromised later still speaks for what it signed before; one retired earlier no longer does).
 *
 * @throws ProtocolError `ERR_JWS_KID_UNKNOWN`.
 */
function requireKeyValidAt(company: CompanyEntry, kid: string, iat: number): void {
  const key = company.keys?.find((k) => k.kid === kid);
  if (key === undefined || !companyKeyValidAt(key, iat))
    throw new ProtocolError('ERR_JWS_KID_UNKNOWN', 'not signed by a key of the company valid then');
}

/** A verification that may come out differently later: not yet valid, or a key not yet listed. */
function mayPassLater(e: ProtocolError, unlistedKey: boolean): boolean {
  return e.code === 'ERR_JWS_NOT_YET_VALID' || (e.code === 'ERR_JWS_KID_UNKNOWN' && unlistedKey);
}

/** A request cut off by its timeout (extension/core/timed-fetch: `AbortSignal.timeout`). */
function isTimeout(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'TimeoutError';
}

/**
 * The evidence a complaint about stored offer `o` cites (see ./complaints): the inner
 * `offer-content` the customer read, with the outer `offer` when its decision names a mismatch of
 * the two; the outer alone when the inner did not parse but the decision names a violation (the
 * outer's company signature was checked then: {@link OfferInbox} `missingRequiredFields`). Null
 * when no message of the company whose signature checked out is kept: an offer that did not open
 * or verify, or one larger than the vault keeps.
 */
function evidenceOf(o: StoredOffer): ComplaintDraft['evidence'] | null {
  const found = o.decision === null ? [] : violations(o.decision.reasons as Decision['reasons']);
  if (o.inner === null) return found.length === 0 ? null : [{ kind: 'offer', jws: o.outer }];
  return found.some((r) => r.id === 'outer_inner_mismatch')
    ? [
        { kind: 'offer', jws: o.outer },
        { kind: 'offer-content', jws: o.inner },
      ]
    : [{ kind: 'offer-content', jws: o.inner }];
}

/**
 * The offers to store, at most {@link maxStoredOffers} and {@link maxOffersRecordChars}: beyond
 * either, the oldest of what the customer has dealt with go first (hidden, unreadable, and
 * delivered ones already seen), then the oldest delivered ones not seen yet; offers held for later
 * go only when nothing else is left (the record must stay within its bounds, or no offer could be
 * read again).
 */
export function keptOffers(items: readonly StoredOffer[]): StoredOffer[] {
  const tier = (o: StoredOffer) =>
    o.state === 'held' ? 2 : o.state === 'delivered' && !o.seen ? 1 : 0;
  // Sorted only when something must go (nearly every write keeps everything).
  const order = () =>
    items
      .map((_, index) => index)
      .sort(
        (a, b) => tier(items[a]!) - tier(items[b]!) || items[a]!.arrivedAt - items[b]!.arrivedAt,
      );
  return keptWithinBounds(
    items,
    { v: 1, items: [] },
    { items: maxStoredOffers, chars: maxOffersRecordChars },
    order,
  );
}

/**
 * The inbox: sync, the offers view's reads, feedback, "show anyway", unsubscribe, complaint
 * drafts, the model. Calls are expected one at a time (the service queues them): each reads the
 * offers record, changes it and writes it back.
 */
export class OfferInbox {
  /**
   * The complaint drafts and their sending, the one path of every complaint: the filter's drafts,
   * the customer's own about an offer, and those about a disclosure (the offers service asks it
   * directly, in the same queue as the sync that writes the drafts too).
   */
  readonly complaints: ComplaintOutbox;

  constructor(private readonly ports: InboxPorts) {
    this.complaints = new ComplaintOutbox(ports);
  }

  private nowSeconds(): number {
    return Math.floor(this.ports.clock.now() / 1000);
  }

  /** Every stored offer (none: empty). */
  async offers(): Promise<StoredOffer[]> {
    const stored = await readStoredRecord(
      this.ports.store,
      offersRecord,
      offersSchema,
      'the stored offers are malformed',
    );
    return stored?.items ?? [];
  }

  private async writeOffers(items: readonly StoredOffer[]): Promise<void> {
    await this.ports.store.put(offersRecord.table, offersRecord.id, {
      v: 1,
      items: keptOffers(items),
    });
  }

  /**
   * The rewards that did not check out, newest last (none: empty). A record that no longer parses
   * reads as empty (it is evidence kept for the customer, not state the inbox depends on).
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_VAULT_RECORD_DAMAGED` (it does not authenticate).
   */
  async rejectedRewards(): Promise<RejectedReward[]> {
    const raw = await this.ports.store.get(rejectedRewardsRecord.table, rejectedRewardsRecord.id);
    const parsed = v.safeParse(rejectedRewardsSchema, raw);
    return parsed.success ? parsed.output.items : [];
  }

  /**
   * The rejected rewards as stored (none: empty), or null when the record cannot take more: it
   * does not authenticate (the vault will not write over it) or does not parse (written over, it
   * would lose the entries it holds). Either way it is left as it is, for the customer to inspect.
   */
  private async storedRejected(): Promise<RejectedReward[] | null> {
    let raw: unknown;
    try {
      raw = await this.ports.store.get(rejectedRewardsRecord.table, rejectedRewardsRecord.id);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
      throw e;
    }
    if (raw === undefined) return [];
    const parsed = v.safeParse(rejectedRewardsSchema, raw);
    return parsed.success ? parsed.output.items : null;
  }

  /**
   * The order of the last inbox reads that failed (see {@link inboxOrderRecord}); null when the
   * record does not authenticate (the vault will not write over it: the order is not kept).
   */
  private async failingInboxes(): Promise<string[] | null> {
    try {
      const parsed = v.safeParse(
        inboxOrderSchema,
        await this.ports.store.get(inboxOrderRecord.table, inboxOrderRecord.id),
      );
      return parsed.success ? parsed.output.failing : [];
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
      throw e;
    }
  }

  /**
   * Reads one inbox, page after page, up to {@link maxInboxItems} items or until `budget` (the
   * characters this sync may still read) is spent: pages of {@link inboxPage} items, and after a
   * page that timed out, one item at a time (one item at the relay's largest fits the timeout,
   * extension/core/timed-fetch). Returns the items read, and the failure that ended the read
   * early, if any (what was read before it is kept).
   */
  private async readInbox(
    signer: { id: string; keyPair: Parameters<typeof openOffer>[1] },
    budget: number,
  ): Promise<{ items: unknown[]; chars: number; failure?: unknown }> {
    const items: unknown[] = [];
    let chars = 0;
    let after: string | undefined;
    let limit = inboxPage;
    while (items.length < maxInboxItems && chars < budget) {
      let got: unknown;
      try {
        got = (await this.ports.clearinghouse.fetchInbox(signer, after, limit))?.items;
      } catch (e) {
        if (isTimeout(e) && limit > 1) {
          limit = 1;
          continue;
        }
        return { items, chars, failure: e };
      }
      if (!Array.isArray(got) || got.length === 0) break;
      const page = (got as unknown[]).slice(0, limit);
      for (const raw of page) {
        items.push(raw);
        const jws = (raw as { jws?: unknown } | null)?.jws;
        chars += typeof jws === 'string' ? jws.length : 0;
      }
      const last = (page[page.length - 1] as { cursor?: unknown } | null)?.cursor;
      if (page.length < limit || typeof last !== 'string' || last === '' || last.length > 200)
        break;
      after = last;
    }
    return { items, chars };
  }

  /** The learner from the vault, or a cold start from the profile's interests. */
  async learner(profile?: Profile): Promise<Learner> {
    const raw = await this.ports.store.get(modelRecord.table, modelRecord.id);
    if (raw !== undefined) return deserializeLearner(raw);
    const p = profile ?? (await this.ports.profile());
    return createLearner({
      seed: filterSeed(await this.ports.masterSeed()),
      interests: p.interests,
    });
  }

  /** Whether complaint drafts are submitted at once (the customer's setting; default no). */
  async autoSubmit(): Promise<boolean> {
    const raw = (await this.ports.store.get(offerSettingsRecord.table, offerSettingsRecord.id)) as
      { autoSubmitComplaints?: unknown } | undefined;
    return raw?.autoSubmitComplaints === true;
  }

  /** Sets {@link OfferInbox.autoSubmit}. */
  async setAutoSubmit(on: boolean): Promise<void> {
    await this.ports.store.put(offerSettingsRecord.table, offerSettingsRecord.id, {
      autoSubmitComplaints: on,
    });
  }

  /** Forgets what the model learned: back to the cold start of the profile's interests. */
  async resetModel(): Promise<void> {
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    learner.reset(profile.interests);
    await this.ports.store.put(modelRecord.table, modelRecord.id, serializeLearner(learner));
  }

  /**
   * The customer's pauses and answers (none stored: none).
   *
   * @throws ProtocolError `ERR_VAULT_RECORD_DAMAGED` when the record does not parse.
   */
  async pauses(): Promise<CompanyPauses> {
    const raw = await this.ports.store.get(pausesRecord.table, pausesRecord.id);
    try {
      return parseCompanyPauses(raw);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the stored pauses are malformed', {
        table: pausesRecord.table,
        id: pausesRecord.id,
      });
    }
  }

  private async writePauses(state: CompanyPauses): Promise<void> {
    await this.ports.store.put(pausesRecord.table, pausesRecord.id, state);
  }

  /**
   * Checks that the vault holds a relationship with `company`.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` when it does not.
   */
  async requireRelationship(company: string): Promise<void> {
    const known = (await this.ports.relationships()).some((r) => r.company.id === company);
    if (!known)
      throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no relationship with this company');
  }

  /**
   * What the view shows about companies now: the implicit negatives (requirements.md point 2)
   * for companies that still hold a grant in force and are not paused, counting only offers
   * delivered after the customer's last answer about the company; and the pauses in force.
   */
  async companyAdvice(): Promise<CompanyAdvice> {
    const now = this.nowSeconds();
    const state = await this.pauses();
    const pauses = activePauses(state, now);
    const paused = new Set(pauses.map((p) => p.company));
    const granted = grantedCompanies(filterGrants(await this.ports.relationships()), now);
    const suggestions = suggestImplicitNegatives(contactHistoryOf(await this.offers()), now, {
      answered: state.answers,
    }).filter((s) => granted.has(s.company) && !paused.has(s.company));
    return { suggestions, pauses };
  }

  /**
   * Pauses `company` for `days` days from now (a cool-down): its offers are hidden with the
   * reason `paused` until then, and flow again by themselves afterwards.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no relationship with the company),
   *   `ERR_PROFILE_INVALID` (days outside 1 to 365), `ERR_VAULT_RECORD_DAMAGED`.
   */
  async pause(company: string, days: number): Promise<CompanyPause> {
    await this.requireRelationship(company);
    const now = this.nowSeconds();
    const state = pauseCompany(await this.pauses(), company, days, now);
    await this.writePauses(state);
    return state.pauses.find((p) => p.company === company)!;
  }

  /** Ends a company's pause now ("resume"); offers sent from now on are decided as usual. */
  async resume(company: string): Promise<void> {
    await this.writePauses(resumeCompany(await this.pauses(), company, this.nowSeconds()));
  }

  /**
   * Records the customer's answer to a suggestion without a pause: `refused` (the grant was
   * revoked) or `dismissed` ("keep receiving"). The suggestion returns only on new evidence.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no relationship with the company).
   */
  async answerSuggestion(company: string, answer: 'refused' | 'dismissed'): Promise<void> {
    await this.requireRelationship(company);
    const now = this.nowSeconds();
    await this.writePauses(answerSuggestion(await this.pauses(), company, answer, now));
  }

  private async compile(
    items: readonly StoredOffer[],
    suspended: readonly string[],
    now: number,
  ): Promise<{ filter: CompiledFilter; learner: Learner; profile: Profile }> {
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    const filter = compileFilter({
      profile,
      blacklist: await this.ports.blacklist(),
      grants: filterGrants(await this.ports.relationships()),
      history: contactHistoryOf(items),
      learner,
      seed: filterSeed(await this.ports.masterSeed()),
      suspended,
      pauses: activePauses(await this.pauses(), now),
    });
    return { filter, learner, profile };
  }

  /**
   * Releases held offers whose time has come, then fetches, opens, decides, stores and
   * acknowledges every pseudonym's inbox, and sends the complaints under way. A pseudonym whose
   * inbox cannot be read (wholly) is listed in `failed`; the others go on. Only when the reads of
   * {@link unansweredInboxesToStop} inboxes in a row get no answer at all is the clearinghouse
   * taken for out of reach and asked for no further inbox in this sync (each request could wait
   * its full timeout); one inbox that never answers in time costs only itself, and the next sync
   * reads it after the others ({@link inboxOrderRecord}). Whatever was fetched and stored is
   * acknowledged all the same; what was not synced is synced next time. Each company's registry
   * entry is read here, not taken from the refresh before the sync: a refresh of many
   * relationships takes a while, and a key declared compromised meanwhile must count.
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_VAULT_RECORD_DAMAGED` of the offers record
   *   (nothing is written); `ERR_VAULT_REPLACED` from a store bound to records replaced meanwhile
   *   (`RecordStore.check`): nothing is written, or acknowledged, after that. A complaint drafts
   *   or rejected-rewards record that cannot be read is left as it is: the drafts it would take
   *   are counted in `draftsNotKept`, the rewards it would take stay in the inbox.
   */
  async sync(): Promise<SyncResult> {
    await ready();
    const now = this.nowSeconds();
    const seed = await this.ports.masterSeed();
    const items = await this.offers();
    const byId = new Map(items.map((o) => [o.id, o]));
    const ledger = await readLedger(this.ports.store);
    const rejectedStored = await this.storedRejected();
    let storedDrafts: ComplaintDraft[] | null;
    try {
      storedDrafts = await readDrafts(this.ports.store);
    } catch (e) {
      if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
      storedDrafts = null;
    }
    const knownRewards = new Set([
      ...ledger.map((e) => e.id),
      ...(rejectedStored ?? []).map((e) => e.id),
    ]);
    // Inboxes whose last read failed come last, the longest-failing last of all.
    const failing = await this.failingInboxes();
    const rank = new Map((failing ?? []).map((p, i) => [p, i + 1]));
    const relationships = (await this.ports.relationships())
      .filter((r) => r.grants.length > 0)
      .map((r, index) => ({ r, index, rank: rank.get(r.pseudonym) ?? 0 }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .map(({ r }) => r);

    // The registry entries: keys to verify with, and who is suspended.
    const companies = new Map<string, CompanyEntry>();
    const failed: string[] = [];
    let offline = false;
    for (const r of relationships) {
      if (companies.has(r.company.id)) continue;
      if (offline) {
        failed.push(r.pseudonym);
        continue;
      }
      try {
        companies.set(r.company.id, await this.ports.clearinghouse.getCompany(r.company.id));
      } catch (e) {
        failed.push(r.pseudonym);
        // No answer at all to a small request: the next would wait as long (timed-fetch).
        if (isNetworkFailure(e)) offline = true;
      }
    }
    const suspended = [...companies.values()]
      .filter((c) => c.status === 'suspended')
      .map((c) => c.id);
    const { filter, learner, profile } = await this.compile(items, suspended, now);

    // Delivered offers left alone until they expired teach the model a weak "no" (`ignored`).
    const grants = filterGrants(relationships);
    let learned = false;
    for (const o of items) {
      if (o.state !== 'delivered' || o.feedback !== undefined || o.offer === null) continue;
      if (o.offer.inner.validUntil > now) continue;
      applyFeedback(
        learner,
        featuresOf({ ...o, offer: o.offer }, profile.quiet.timeZone, grants),
        'ignored',
      );
      byId.set(o.id, { ...o, feedback: 'ignored' });
      learned = true;
    }

    // 1. Every inbox: fetched and opened, nothing decided yet (the relay's count of a company's
    // contacts needs all of its offers known first).
    const opened: StoredOffer[] = [];
    const rewards: LedgerEntry[] = [];
    const rejected: RejectedReward[] = [];
    const acks: {
      pseudonym: string;
      keyPair: Parameters<typeof openOffer>[1];
      listed: { id: string; cursor: string; take: boolean }[];
    }[] = [];
    let invalid = 0;
    let duplicates = 0;
    let deferred = 0;
    let unanswered = 0;
    let budget = maxSyncChars;
    const readFailed: string[] = [];
    const readDone = new Set<string>();
    for (const r of relationships) {
      const company = companies.get(r.company.id);
      if (company === undefined) continue;
      if (offline) {
        failed.push(r.pseudonym);
        continue;
      }
      if (budget <= 0) break;
      const identity = await companyIdentity(seed, r.company.id);
      const signer = { id: identity.pseudonym, keyPair: identity.keyPair };
      const read = await this.readInbox(signer, budget);
      budget -= read.chars;
      if (read.failure === undefined) {
        unanswered = 0;
        readDone.add(r.pseudonym);
      } else {
        // This inbox waits for the next sync (what was read of it is taken below).
        failed.push(r.pseudonym);
        readFailed.push(r.pseudonym);
        if (!isNetworkFailure(read.failure)) unanswered = 0;
        else if (++unanswered >= unansweredInboxesToStop) offline = true;
      }
      const listed: { id: string; cursor: string; take: boolean }[] = [];
      for (const raw of read.items) {
        const item = checkedItem(raw);
        if (item === null) {
          // Malformed as relayed: left in the inbox (not acknowledged), since a transfer that
          // damaged it may bring it whole next time; never stored, so it cannot break the record.
          listed.push({ id: '', cursor: '', take: false });
          deferred++;
          continue;
        }
        const entry = { id: item.id, cursor: item.cursor, take: true };
        listed.push(entry);
        if (byId.has(item.id) || knownRewards.has(item.id)) {
          duplicates++;
          continue;
        }
        if (item.kind === 'reward') {
          const taken = await this.openReward(item, identity, r, company, now);
          if (taken === null) {
            entry.take = false;
            deferred++;
          } else if ('kept' in taken) {
            rewards.push(taken.kept);
            knownRewards.add(item.id);
          } else if (rejectedStored === null) {
            // Nowhere to keep it with its reason: it waits in the inbox until the record can.
            entry.take = false;
            deferred++;
          } else {
            rejected.push({
              id: item.id,
              company: r.company.id,
              pseudonym: identity.pseudonym,
              jws: item.jws,
              error: taken.rejected.code,
              at: now,
            });
            knownRewards.add(item.id);
            invalid++;
          }
          continue;
        }
        const offer = await this.openOne(item, identity, r, company, now);
        if (offer === null) {
          entry.take = false;
          deferred++;
          continue;
        }
        byId.set(item.id, offer);
        opened.push(offer);
      }
      if (listed.length > 0)
        acks.push({ pseudonym: identity.pseudonym, keyPair: identity.keyPair, listed });
    }

    // 2. Decisions: held offers whose time has come, then this sync's offers in the order the
    // relay accepted them. A grant's cap is judged with the relay's count at acceptance.
    const accepted = acceptanceTimes(byId.values());
    const decideOne = (o: StoredOffer & { offer: NonNullable<StoredOffer['offer']> }) =>
      decide(
        filter,
        {
          ...(o.offer as FilterOffer),
          acceptedBefore: acceptedBefore(accepted.get(o.company), o.receivedAt),
        },
        now,
      );
    const delivered: StoredOffer[] = [];
    let hidden = 0;
    const place = (o: StoredOffer, decision: Decision): StoredOffer => {
      const state: OfferState =
        decision.action === 'deliver'
          ? 'delivered'
          : decision.action === 'hold'
            ? 'held'
            : 'hidden';
      const next: StoredOffer = {
        ...o,
        state,
        decision: decision as StoredOffer['decision'],
        decidedAt: now,
      };
      if (state === 'delivered') {
        // The customer's own caps count deliveries (SPECS counts the grant's at the relay).
        filter.record({
          company: o.company,
          brand: o.offer!.inner.brand,
          channel: o.offer!.inner.channel as ContactRecord['channel'],
          category: o.offer!.inner.category,
          at: now,
          outcome: 'delivered',
        });
        delivered.push(next);
      } else if (state === 'hidden') hidden++;
      return next;
    };
    for (const o of items) {
      const current = byId.get(o.id)!;
      if (current.state !== 'held' || current.offer === null) continue;
      if ((current.decision?.holdUntil ?? 0) > now) continue;
      byId.set(o.id, place(current, decideOne({ ...current, offer: current.offer })));
    }
    const draftsAdded: ComplaintDraft[] = [];
    for (const o of [...opened].sort((a, b) => a.receivedAt - b.receivedAt)) {
      let next = o;
      if (o.state === 'invalid' || o.offer === null) invalid++;
      else next = place(o, decideOne({ ...o, offer: o.offer }));
      byId.set(o.id, next);
      const draft = this.draftFor(next, now);
      if (draft !== null) draftsAdded.push(draft);
    }

    // 3. Stored before acknowledged, in one transaction: a sync cut off here (the vault locked,
    // the worker stopped) re-fetches the items and finds either all of this or none of it.
    const records: { id: string; value: unknown }[] = [
      { id: offersRecord.id, value: { v: 1, items: keptOffers([...byId.values()]) } },
    ];
    const merged = mergeRewards(ledger, rewards);
    if (merged.added > 0) records.push({ id: ledgerRecord.id, value: merged.record });
    if (rejected.length > 0 && rejectedStored !== null) {
      const known = new Set(rejectedStored.map((e) => e.id));
      const next = [...rejectedStored, ...rejected.filter((e) => !known.has(e.id))];
      const items = keptWithinBounds(next, { v: 1, items: [] }, rejectedRewardsBounds);
      records.push({ id: rejectedRewardsRecord.id, value: { v: 1, items } });
    }
    let draftsKept = 0;
    let draftsNotKept = 0;
    let drafts = storedDrafts ?? [];
    if (draftsAdded.length > 0 && storedDrafts === null) {
      // A drafts record that cannot be read is left as it is (the vault will not write over one
      // that does not authenticate; one that does not parse is kept for inspection, not lost).
      // Everything else is stored and acknowledged; the offers keep the decision naming the
      // violation, and the drafts are reported as not kept.
      draftsNotKept = draftsAdded.length;
    } else if (draftsAdded.length > 0 && storedDrafts !== null) {
      const known = new Set(storedDrafts.map((d) => d.id));
      let fresh = draftsAdded.filter((d) => !known.has(d.id));
      // Submitted at once when the customer says so: signed now and stored with the rest, so a
      // sync cut off before sending sends it next time (see `sendPending`).
      if (fresh.length > 0 && (await this.autoSubmit()))
        fresh = await Promise.all(fresh.map((d) => this.complaints.sign(d, undefined, seed)));
      const { kept, refused } = keptDrafts([...storedDrafts, ...fresh]);
      draftsNotKept = refused.length;
      draftsKept = fresh.length - refused.length;
      drafts = kept;
      records.push({ id: complaintsRecord.id, value: draftsRecord(kept) });
    }
    if (learned) records.push({ id: modelRecord.id, value: serializeLearner(learner) });
    if (failing !== null) {
      // Read now: off the list; failed now: to its end (after those failing longer).
      const tried = new Set([...readDone, ...readFailed]);
      const present = new Set(relationships.map((r) => r.pseudonym));
      const next = [...failing.filter((p) => !tried.has(p) && present.has(p)), ...readFailed].slice(
        -maxRememberedFailures,
      );
      if (next.join() !== failing.join())
        records.push({ id: inboxOrderRecord.id, value: { v: 1, failing: next } });
    }
    await this.ports.store.putMany(offersRecord.table, records);

    // 4. Acknowledged: every item taken, none left for another try (by cursor up to the first
    // such item, one by one after it), whatever the reads above met: each acknowledgement is a
    // small request, and what was stored must not be fetched again sync after sync. Only the
    // acknowledgements of `unansweredInboxesToStop` inboxes in a row that get no answer stop them.
    // None once the records were replaced (a backup restored meanwhile): the relay keeps the
    // items for the restored vault, which never received them, and its next sync fetches them.
    let ackUnanswered = 0;
    for (const a of acks) {
      if (ackUnanswered >= unansweredInboxesToStop) break;
      const signer = { id: a.pseudonym, keyPair: a.keyPair };
      const firstLeft = a.listed.findIndex((e) => !e.take);
      const calls: ({ through: string } | { id: string })[] =
        firstLeft < 0
          ? [{ through: a.listed[a.listed.length - 1]!.cursor }]
          : [
              ...(firstLeft > 0 ? [{ through: a.listed[firstLeft - 1]!.cursor }] : []),
              ...a.listed
                .slice(firstLeft + 1)
                .filter((e) => e.take)
                .map((e) => ({ id: e.id })),
            ];
      for (const what of calls) {
        this.ports.store.check?.();
        try {
          await this.ports.clearinghouse.ackInbox(signer, what);
          ackUnanswered = 0;
        } catch (e) {
          // Not acknowledged: fetched again next time, and recognised as stored.
          ackUnanswered = isNetworkFailure(e) ? ackUnanswered + 1 : 0;
          break;
        }
      }
    }
    if (ackUnanswered >= unansweredInboxesToStop) offline = true;

    // 5. Complaints under way (signed, not answered): sent again as they are. What is stored
    // above stands even if this fails (the vault locked meanwhile): they go with the next sync.
    if (!offline && storedDrafts !== null && drafts.some((d) => d.jws !== undefined)) {
      try {
        await this.complaints.sendPending();
      } catch (e) {
        // Replaced records end the sync: its result speaks of offers the vault no longer holds.
        if (!isProtocolError(e) || e.code === 'ERR_VAULT_REPLACED') throw e;
      }
    }

    const stillHeld = [...byId.values()].filter((o) => o.state === 'held');
    const releases = stillHeld.map((o) => o.decision?.holdUntil ?? now);
    return {
      delivered,
      held: stillHeld.length,
      hidden,
      invalid,
      rewards: merged.added,
      duplicates,
      deferred,
      drafts: draftsKept,
      draftsNotKept,
      failed,
      nextRelease: releases.length === 0 ? null : Math.min(...releases),
    };
  }

  /**
   * Opens and verifies one offer as of its `iat`; one that cannot be read is kept as `invalid`.
   * Null when it may read differently later ({@link mayPassLater}): not stored, not acknowledged.
   * "Not yet valid" is judged against the later of this device's clock and the relay's
   * acceptance (the relay checked the `iat` against its own clock when it accepted the offer).
   * An offer past its validity is still opened: the engine drops it (`offer_expired`), and a
   * violation it shows stays evidence, verifiable as of its `iat` (SPECS "JWS"). An offer naming
   * a grant the vault's copy of the relationship does not hold waits too, unless that copy was
   * read after the relay accepted it: the engine would blame the company for a grant the vault
   * has not seen yet (`grant_missing`, a complaint).
   */
  private async openOne(
    item: CheckedItem,
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    relationship: WalletRelationship,
    company: CompanyEntry,
    now: number,
  ): Promise<StoredOffer | null> {
    const base = {
      id: item.id,
      pseudonym: identity.pseudonym,
      company: company.id,
      outer: item.jws,
      receivedAt: Math.floor(item.receivedAt),
      arrivedAt: now,
      decidedAt: now,
      shownAnyway: false,
      seen: false,
    };
    const verifyNow = Math.max(now, Math.floor(item.receivedAt / 1000));
    const keys = registryKeys(company);
    let result: StoredOffer;
    try {
      const opened = await openOffer(item.jws, identity.keyPair, {
        resolveKey: keys.resolveKey,
        now: verifyNow,
        asOf: 'iat',
        audience: identity.pseudonym,
      });
      const c = opened.inner;
      if (c.iss !== company.id) throw new ProtocolError('ERR_MESSAGE_ISSUER_MISMATCH', 'not ours');
      requireKeyValidAt(company, kidOf(opened.innerToken), c.iat);
      if (opened.outerVerified) requireKeyValidAt(company, kidOf(item.jws), opened.outer.iat);
      const held = (sha: string) => relationship.grants.some((g) => g.sha256 === sha);
      if (
        !(held(opened.outer.grantSha256) && held(c.grantSha256)) &&
        !this.readSince(relationship.pseudonym, item.receivedAt)
      )
        return null;
      result = {
        ...base,
        inner: opened.innerToken,
        offer: opened.offer as StoredOffer['offer'],
        content: {
          brand: c.brand,
          category: c.category,
          title: c.title,
          body: c.body,
          ...(c.link === undefined ? {} : { link: c.link }),
          validUntil: c.validUntil,
          advertisement: c.advertisement,
          unsubscribe: c.unsubscribe,
          brandRegistered: brandOfCompany(c.brand, company),
        },
        state: 'hidden',
        decision: null,
      };
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      if (mayPassLater(e, keys.unlisted())) return null;
      const missing = await this.missingRequiredFields(item.jws, identity, company, verifyNow, e);
      result = {
        ...base,
        inner: null,
        offer: null,
        content: null,
        state: 'invalid',
        decision:
          missing.length === 0
            ? null
            : {
                action: 'drop',
                reasons: missing.map((id) => ({ id })),
              },
        error: e.code,
      };
    }
    // Whatever the company signed must fit the record, or it would make every offer unreadable:
    // an offer that does not (an inner beyond what the vault keeps) is kept as unreadable.
    if (v.is(storedOffer, result)) return result;
    const unreadable: StoredOffer = {
      ...base,
      inner: null,
      offer: null,
      content: null,
      state: 'invalid',
      decision: null,
      error: 'ERR_MESSAGE_TOO_LARGE',
    };
    return v.is(storedOffer, unreadable) ? unreadable : null;
  }

  /**
   * For an offer whose inner content fails its schema: when both signatures are the company's,
   * made with keys in force then, the missing unsubscribe route or advertisement label is the
   * company's doing (a violation the outer `offer` proves to the clearinghouse). Anything else is
   * blamed on nobody.
   */
  private async missingRequiredFields(
    outer: string,
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    company: CompanyEntry,
    now: number,
    error: ProtocolError,
  ): Promise<('unsubscribe_missing' | 'advertisement_label_missing')[]> {
    if (error.code !== 'ERR_MESSAGE_INVALID') return [];
    const { resolveKey } = registryKeys(company);
    try {
      const opened = await openMessage('offer', outer, {
        audience: identity.pseudonym,
        resolveKey,
        now,
        asOf: 'iat',
      });
      requireKeyValidAt(company, opened.kid, opened.payload.iat);
      const plaintext = utf8Decode(
        openSealed(base64urlDecode(opened.payload.sealed), identity.keyPair),
      );
      const inner = await verifyCompact(plaintext, {
        kind: 'offer-content',
        audience: identity.pseudonym,
        resolveKey,
        now,
        asOf: 'iat',
        maxWindowSeconds: 90 * 86_400,
      });
      requireKeyValidAt(company, inner.kid, inner.claims.iat);
      const p = inner.payload as Record<string, unknown>;
      if (p.iss !== opened.payload.iss || p.iss !== company.id) return [];
      const out: ('unsubscribe_missing' | 'advertisement_label_missing')[] = [];
      if (typeof p.unsubscribe !== 'string' || p.unsubscribe === '')
        out.push('unsubscribe_missing');
      if (p.advertisement === undefined) out.push('advertisement_label_missing');
      return out;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return [];
    }
  }

  /**
   * Opens a reward into a ledger entry, as of its `iat`: signed by a key of this relationship's
   * company in force then, issued by that company (`iss`), under one of this relationship's
   * grants. `rejected` with the reason otherwise; null when it may read differently later
   * ({@link mayPassLater}, or a grant the vault's copy of the relationship, read before the relay
   * accepted the reward, does not hold yet).
   */
  private async openReward(
    item: CheckedItem,
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    relationship: WalletRelationship,
    company: CompanyEntry,
    now: number,
  ): Promise<{ kept: LedgerEntry } | { rejected: ProtocolError } | null> {
    const keys = registryKeys(company);
    try {
      const opened = await openMessage('reward', item.jws, {
        audience: identity.pseudonym,
        resolveKey: keys.resolveKey,
        now: Math.max(now, Math.floor(item.receivedAt / 1000)),
        asOf: 'iat',
      });
      if (opened.payload.iss !== relationship.company.id)
        throw new ProtocolError('ERR_MESSAGE_ISSUER_MISMATCH', 'issued by another company');
      requireKeyValidAt(company, opened.kid, opened.payload.iat);
      const grantSha256 = opened.payload.grantSha256;
      if (!relationship.grants.some((g) => g.sha256 === grantSha256)) {
        // The vault's copy may only be out of date (see InboxPorts.relationshipReadAt).
        if (!this.readSince(relationship.pseudonym, item.receivedAt)) return null;
        throw new ProtocolError('ERR_GRANT_UNKNOWN', 'not a grant of this relationship');
      }
      let content: LedgerEntry['content'];
      try {
        const plaintext = utf8Decode(
          openSealed(base64urlDecode(opened.payload.sealed), identity.keyPair),
        );
        content = v.parse(rewardContent, JSON.parse(plaintext));
      } catch (e) {
        if (e instanceof SyntaxError || e instanceof v.ValiError)
          throw new ProtocolError('ERR_SEAL_CONTENT_INVALID', 'the sealed reward is not valid');
        throw e;
      }
      const kept: LedgerEntry = {
        id: item.id,
        company: relationship.company.id,
        pseudonym: identity.pseudonym,
        grantSha256,
        content,
        at: now,
        jws: item.jws,
      };
      // The ledger keeps JWS up to the evidence bound; a longer one would break the record.
      if (!v.is(ledgerEntry, kept))
        throw new ProtocolError(
          'ERR_MESSAGE_TOO_LARGE',
          'the reward is larger than the ledger keeps',
        );
      return { kept };
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      if (mayPassLater(e, keys.unlisted())) return null;
      return { rejected: e };
    }
  }

  /**
   * Whether the vault's copy of the relationship of `pseudonym` was read from the clearinghouse
   * after the relay accepted an item at `receivedAt` (ms on the relay's clock), allowing for the
   * clocks' skew (a signed inbox read is refused beyond it, so the two clocks are that close).
   */
  private readSince(pseudonym: string, receivedAt: number): boolean {
    const at = this.ports.relationshipReadAt?.(pseudonym) ?? null;
    return at !== null && at >= receivedAt + CLOCK_SKEW_SECONDS * 1000;
  }

  /** The draft for a stored offer whose decision names a violation; null when it names none. */
  private draftFor(o: StoredOffer, now: number): ComplaintDraft | null {
    if (o.decision === null) return null;
    const found = violations(o.decision.reasons as Decision['reasons']);
    if (found.length === 0) return null;
    const reasons: ComplaintReason[] = complaintReasonsFor(found);
    if (reasons.length === 0) return null;
    const evidence = evidenceOf(o);
    if (evidence === null) return null;
    return {
      id: o.id,
      company: o.company,
      pseudonym: o.pseudonym,
      reasons,
      evidence,
      createdAt: now,
      state: 'draft',
    };
  }

  /**
   * The offers for the view, newest first, each with "why am I seeing this" / "why was this
   * hidden" in `locale`; `markSeen` clears the badge.
   */
  async view(locale: Locale, markSeen: boolean): Promise<OfferView[]> {
    const items = await this.offers();
    let timeZone: string | undefined;
    try {
      timeZone = (await this.ports.profile()).quiet.timeZone;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
    if (markSeen && items.some((o) => o.state === 'delivered' && !o.seen))
      await this.writeOffers(
        items.map((o) => (o.state === 'delivered' ? { ...o, seen: true } : o)),
      );
    return [...items]
      .sort((a, b) => b.arrivedAt - a.arrivedAt || (a.id < b.id ? -1 : 1))
      .map((offer) => {
        if (offer.decision === null)
          return { offer, title: '', sentences: [], badge: null } satisfies OfferView;
        const e = explainDecision(
          offer.decision as Decision,
          locale,
          timeZone === undefined ? {} : { timeZone },
        );
        return { offer, title: e.title, sentences: e.sentences, badge: e.badge ?? null };
      });
  }

  /** Delivered offers the customer has not looked at yet (the badge). */
  async unseen(): Promise<number> {
    return (await this.offers()).filter((o) => o.state === 'delivered' && !o.seen).length;
  }

  private async change(
    id: string,
    edit: (o: StoredOffer) => StoredOffer,
  ): Promise<{ before: StoredOffer; after: StoredOffer }> {
    const items = await this.offers();
    const index = items.findIndex((o) => o.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer in the vault');
    const before = items[index]!;
    const after = edit(before);
    items[index] = after;
    await this.writeOffers(items);
    return { before, after };
  }

  /** "Show anyway" for a hidden or held offer (the decision and its reasons stay). */
  async showAnyway(id: string): Promise<StoredOffer> {
    return (await this.change(id, (o) => ({ ...o, shownAnyway: true, seen: true }))).after;
  }

  /**
   * The customer's answer to an offer: stored with it, learned by the model (stored in the
   * vault), and for "not this brand" (`blocked`) the blacklist target to add.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND`, or `ERR_MESSAGE_INVALID` for an offer that could
   *   not be read (nothing to learn from).
   */
  async feedback(
    id: string,
    feedback: ContactFeedback,
  ): Promise<{ offer: StoredOffer; blacklist: BlacklistTarget | null }> {
    const items = await this.offers();
    const found = items.find((o) => o.id === id);
    if (found === undefined) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer');
    if (found.offer === null)
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'an unreadable offer takes no feedback');
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    const grants = filterGrants(await this.ports.relationships());
    const effect = applyFeedback(
      learner,
      featuresOf({ ...found, offer: found.offer }, profile.quiet.timeZone, grants),
      feedback,
    );
    await this.ports.store.put(modelRecord.table, modelRecord.id, serializeLearner(learner));
    const { after } = await this.change(id, (o) => ({ ...o, feedback, seen: true }));
    return { offer: after, blacklist: effect.blacklist ?? null };
  }

  /**
   * What unsubscribing from an offer revokes: the offer's purpose under its grant. A revocation
   * names purposes, not channels (`unsubscribeChange` would need a new, narrower grant, which only
   * a new grant request from the company can start), so the purpose stops on every channel; the
   * grant's other purposes stay.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND`, `ERR_GRANT_UNKNOWN` (the grant is not in the vault).
   */
  async unsubscribeTarget(
    id: string,
  ): Promise<{ company: string; grantSha256: string; purposes: string[] }> {
    const found = (await this.offers()).find((o) => o.id === id);
    if (found === undefined || found.offer === null)
      throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer');
    const grantSha256 = found.offer.inner.grantSha256;
    const held = (await this.ports.relationships()).some((r) =>
      r.grants.some((g) => g.sha256 === grantSha256 && r.company.id === found.company),
    );
    if (!held) throw new ProtocolError('ERR_GRANT_UNKNOWN', 'the grant is not in the vault');
    return { company: found.company, grantSha256, purposes: [found.offer.inner.purpose] };
  }

  /** Every complaint draft, newest first (whatever it is about: ./complaint-outbox). */
  async drafts(): Promise<ComplaintDraft[]> {
    return this.complaints.drafts();
  }

  /**
   * Submits the complaint of the draft for offer `id` ({@link ComplaintOutbox.submit}): signed
   * with `comment` and written to the vault before it is sent, so the clearinghouse may be asked
   * again with the identical token; a failure to reach it leaves it under way, and every sync
   * sends it again ({@link OfferInbox.sync}).
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no such draft), the clearinghouse's code.
   */
  async submitComplaint(id: string, comment?: string): Promise<ComplaintDraft> {
    return this.complaints.submit(id, comment);
  }

  /**
   * The customer's own complaint about stored offer `id`, for a reason no filter can detect
   * ({@link manualComplaintReasons}; `other` requires `comment`): signed and submitted at once
   * through {@link ComplaintOutbox.complain}, which names what it refuses before anything is
   * signed or stored. An unsent draft of the offer (one the filter made) takes the reason beside
   * its own and keeps its evidence; otherwise a new draft cites the offer as the filter's drafts
   * do ({@link evidenceOf}).
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no such offer), and those of
   *   {@link ComplaintOutbox.complain}.
   */
  async complain(
    id: string,
    reason: ManualComplaintReason,
    comment?: string,
  ): Promise<ComplaintDraft> {
    return this.complaints.complain('offer', [reason], comment, async () => {
      const found = (await this.offers()).find((o) => o.id === id);
      if (found === undefined) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer');
      return {
        about: 'offer',
        id: found.id,
        company: found.company,
        pseudonym: found.pseudonym,
        evidence: evidenceOf(found),
      };
    });
  }

  /**
   * The customer's own complaint about disclosure `disclosure` of `company` (what the company
   * says it holds about them), for `reasons` fitting a disclosure
   * ({@link disclosureComplaintReasons}; `other` requires `comment`): signed and submitted at
   * once through {@link ComplaintOutbox.complain}, the path of every complaint, with the
   * disclosure as the wallet keeps and verified it as evidence ({@link disclosureEvidence}). One
   * complaint per disclosure: while one is under way or submitted, another is refused.
   *
   * @throws ProtocolError `ERR_PSEUDONYM_UNKNOWN` (no relationship with the company),
   *   `ERR_DISCLOSURE_UNKNOWN`, `ERR_EVIDENCE_INVALID` (not verified here, or refused by the
   *   clearinghouse), and those of {@link ComplaintOutbox.complain}.
   * @example
   * ```ts
   * await inbox.complainAboutDisclosure(company, sha256, ['not_covered'], 'Nie angegeben.');
   * ```
   */
  async complainAboutDisclosure(
    company: string,
    disclosure: string,
    reasons: readonly DisclosureComplaintReason[],
    comment?: string,
  ): Promise<ComplaintDraft> {
    return this.complaints.complain('disclosure', reasons, comment, async () => {
      const relationship = (await this.ports.relationships()).find((r) => r.company.id === company);
      if (relationship === undefined)
        throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'no relationship with this company');
      return {
        about: 'disclosure',
        id: disclosure,
        company: relationship.company.id,
        pseudonym: relationship.pseudonym,
        evidence: [disclosureEvidence(relationship, disclosure)],
      };
    });
  }

  /** Discards a draft the customer does not want to send. */
  async discardComplaint(id: string): Promise<void> {
    await this.complaints.discard(id);
  }
}
