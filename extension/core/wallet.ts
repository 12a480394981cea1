/**
 * The grant wallet (issue 7): the Assistant answers companies' requests for consent and keeps the
 * customer's signed copy of every answer with its verified log receipt.
 *
 * 1. {@link Wallet.check} fetches an open (or targeted) grant request from the clearinghouse and
 *    checks it: the clearinghouse's copy has the hash asked for, the signature is the company's
 *    (a key of its registry entry valid at the request's `iat`), the company is active and
 *    domain-verified, a page asking through the bridge is on the company's registered origin,
 *    every purpose is one the company declared, the company is not blacklisted, and no refusal's
 *    "ask me again after" is still running. While the vault is locked the bridge runs only the
 *    checks that need no vault ({@link Wallet.verifyRequest}) and completes the rest after the
 *    unlock ({@link Wallet.complete}).
 * 2. The consent window shows the checked request; {@link initialChoice} pre-fills it and
 *    {@link narrowScopes} turns the customer's choice into scopes no wider than asked.
 * 3. {@link Wallet.answer} signs a grant or refusal with the pairwise key (carrying
 *    `pseudonymKey`, SPECS "Identifiers"), submits it, long-polls its receipt, verifies the
 *    receipt against the pinned log key and stores it with the relationship in the vault.
 * 4. Every refresh keeps only the grants, refusals and revocations the customer's own key signed
 *    (extension/core/own-messages: checked once each, the others reported in `rejectedMessages`),
 *    with the statuses those revocations and the wallet's own receipted ones give. It opens what
 *    the company sent since: disclosures and answers to data requests
 *    (extension/core/disclosures), each verified once and kept beside the signed copy; one that
 *    could not be checked for a passing reason (a clock behind, a lookup out of reach) is checked
 *    again on the next refresh. What falls out of the clearinghouse's bounded view stays in the
 *    vault with what was opened of it (extension/core/view-history), checked again as the rest.
 * 5. What the customer sends besides answers is in the vault before it goes (issue 5): a
 *    revocation or data request in the outbox, sent again as the same token when its answer was
 *    lost ({@link Wallet.revoke}, {@link Wallet.requestData}); a correction per holder in its own
 *    record until that holder was told ({@link Wallet.correct}). Receipts are recorded as pending
 *    before they are fetched, and fetched by a later refresh when the log cannot give them now.
 * 6. Relationship records are written one at a time (`inRelationshipTurn`), each merged with what
 *    the vault holds by then: a refresh that ran beside a revocation or data request never
 *    writes its receipt away, nor a view of the clearinghouse older than the one stored.
 *
 * Pure apart from the ports: no browser API, no fetch of its own (STYLE habit 2).
 */
import * as v from 'valibot';
import { ApiProblem, type ClearinghouseClient, uuidV4 } from '../../protocol/client';
import {
  isProtocolError,
  ProtocolError,
  protocolErrorCodes,
  type ProtocolErrorCode,
} from '../../protocol/errors';
import { CLOCK_SKEW_SECONDS, sha256Of } from '../../protocol/jws';
import { publicJwk } from '../../protocol/keys';
import type { Channel, DataCategory } from '../../protocol/vocabulary';
import { correctionContent, type Payload, type Scope } from '../../protocol/messages';
import {
  channel as channelSchema,
  companyId,
  compactJws,
  dataCategory as dataCategorySchema,
  distinct,
  epochSeconds,
  sealed as sealedSchema,
  sha256 as sha256Schema,
  text,
} from '../../protocol/messages/primitives';
import { blacklistMatch, type BlacklistEntry, type Profile } from '../../protocol/profile';
import { openMessage, signMessage } from '../../protocol/signed';
import { sealTo } from '../../protocol/seal';
import { ready, sha256 } from '../../protocol/sodium';
import { base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from '../../protocol/encoding';
import { parseReceipt, parseVerifierKey, verifyReceipt } from '../../protocol/tlog';
import { channelIds, dataCategoryIds, isSensitiveDataCategory } from '../../protocol/vocabulary';
import { companyIdentity, type CompanyIdentity } from './identity';
import {
  toOpenAgain,
  openAnswer,
  openDisclosure,
  openedAnswer,
  openedDisclosure,
  recheckAnswer,
  recheckDisclosure,
  type OpenedAnswer,
  type OpenedDisclosure,
  type OpeningContext,
} from './disclosures';
import { openDecision, openedDecision, type OpenedDecision } from './complaint-decisions';
import { checkedOwnMessages, ownMessagesFields, type CheckedOwnMessages } from './own-messages';
import type { ClockPort, RandomBytesPort, RecordStore } from './ports';
import { storedRelationship, type StoredRelationship } from './recovery';
import { RegistryReads } from './registry-reads';
import { storedPayload } from './stored-jws';
import { readStoredRecord } from './stored-record';
import { canonicalJson, sameJson } from './canonical-json';
import { inRelationshipTurn, inVaultTurn, turnKeyOf } from './store-turns';
import { keptPastView, maxListedObligations, mergedHistory, type Viewed } from './view-history';

/** The clearinghouse calls the wallet makes. */
export type WalletClearinghouse = Pick<
  ClearinghouseClient,
  | 'getGrantRequest'
  | 'getCompany'
  | 'personKey'
  | 'submitGrant'
  | 'submitRefusal'
  | 'submitRevocation'
  | 'relationships'
  | 'relationshipsBatch'
  | 'logReceipt'
  | 'submitDataRequest'
  | 'sendCorrection'
>;

/** What the wallet is handed. */
export interface WalletPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  readonly clearinghouse: WalletClearinghouse;
  /** The clearinghouse origin: the `aud` of open grant requests. */
  readonly clearinghouseOrigin: string;
  /** The pinned log key and origin (extension/core/log-key), or null before first contact. */
  readonly pinnedLog: () => Promise<{ key: string; origin: string } | null>;
  /**
   * Tries to pin the log key now, as an unlock does (extension/core/log-key `checkLogKey`), and
   * returns the pin, or null when the clearinghouse could not be asked or served no usable key.
   * Asked only while nothing is pinned, before a logged message would be signed; absent: the
   * wallet waits for the unlock's check (or the settings page's) to pin it.
   */
  readonly pinLog?: () => Promise<{ key: string; origin: string } | null>;
  readonly masterSeed: () => Promise<Uint8Array>;
  readonly blacklist: () => Promise<readonly BlacklistEntry[]>;
  /**
   * Adds `channels` to the profile's allowed channels and, when the profile prefers none, makes
   * `preferred` its preferred channel if it is allowed then (extension/core/preferences
   * `allowChannels`). Called by {@link Wallet.answer} once a grant given with "allow in my
   * profile" is stored; absent: such an answer is refused before anything is signed.
   */
  readonly allowChannels?: (channels: readonly Channel[], preferred: string) => Promise<void>;
  /** How often and how long to wait for a receipt: default 3 long-polls of 10 s. */
  readonly receiptAttempts?: number;
}

/** Where a request came from (the checks differ: only the bridge has a page origin). */
export type RequestSource =
  | { readonly kind: 'bridge'; readonly pageOrigin: string }
  | { readonly kind: 'link' }
  /** A targeted request from the relationships view: read as that company's pseudonym. */
  | { readonly kind: 'inbox'; readonly company: string };

/**
 * A request that passed the checks that need no vault (signature, company, page origin,
 * purposes): what the bridge can learn while the vault is locked. {@link Wallet.complete} adds
 * the customer's own checks once it is unlocked.
 */
export interface VerifiedRequest {
  readonly sha256: string;
  readonly jws: string;
  readonly request: Payload<'grant-request'>;
  readonly company: CheckedRequest['company'];
  readonly source: RequestSource;
}

/** A request that passed every check, as the consent window shows it. */
export interface CheckedRequest {
  readonly sha256: string;
  readonly jws: string;
  readonly request: Payload<'grant-request'>;
  readonly company: {
    readonly id: string;
    readonly legalName: string;
    readonly domain: string;
    readonly brands: readonly string[];
  };
  readonly pseudonym: string;
  readonly source: RequestSource['kind'];
}

/** The customer's choice for one requested scope. */
export const scopeChoice = v.strictObject({
  include: v.boolean(),
  channels: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(32)),
  dataCategories: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64)),
  /** Not higher than asked; null keeps what was asked. */
  maxContactsPerWeek: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  retentionDays: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(36_500)),
  /** Indexes into the requested scope's onward recipients. */
  onwardRecipients: v.pipe(
    v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63))),
    v.maxLength(64),
  ),
});

/** The customer's answer in the consent window. */
export const consentChoice = v.variant('decision', [
  v.strictObject({
    decision: v.literal('grant'),
    scopes: v.pipe(v.array(scopeChoice), v.minLength(1), v.maxLength(32)),
    preferredChannel: v.pipe(v.string(), v.maxLength(64)),
    /** How long the grant lasts, in days from now. */
    days: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)),
  }),
  v.strictObject({
    decision: v.literal('refuse'),
    /** "Ask me again after" this many days; null: no cool-down. */
    askAgainAfterDays: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))),
  }),
]);

export type ScopeChoice = v.InferOutput<typeof scopeChoice>;
export type ConsentChoice = v.InferOutput<typeof consentChoice>;

/**
 * The channels the customer allows in the profile together with a grant (the consent window's
 * "allow … in my profile", docs/architecture.md "Channels the profile does not allow"): known
 * channels, each once, at most every channel of the vocabulary.
 */
export const channelsToAllow = distinct(channelSchema, 1, channelIds.length);

/**
 * `allow` checked against the answer it comes with, before anything is signed: channels of the
 * vocabulary, each once, only with a grant, and each one that grant gives (a channel granted to
 * no company is the profile view's to allow, not the consent window's). Empty or absent: none.
 *
 * @throws ProtocolError `ERR_WALLET_CHOICE_INVALID` otherwise.
 * @example
 * ```ts
 * channelsToAllowWith(choice, ['newsletter']) // ['newsletter'], when `choice` grants newsletters
 * ```
 */
export function channelsToAllowWith(
  choice: ConsentChoice,
  allow: readonly unknown[] | undefined,
): Channel[] {
  if (allow === undefined || allow.length === 0) return [];
  const parsed = v.safeParse(channelsToAllow, allow);
  if (!parsed.success) fail('ERR_WALLET_CHOICE_INVALID', 'not channels to allow');
  if (choice.decision !== 'grant')
    fail('ERR_WALLET_CHOICE_INVALID', 'channels are allowed only with a grant');
  const granted = new Set(choice.scopes.filter((s) => s.include).flatMap((s) => s.channels));
  if (parsed.output.some((c) => !granted.has(c)))
    fail('ERR_WALLET_CHOICE_INVALID', 'a channel to allow that the grant does not give');
  return parsed.output;
}

/** The logged kinds the wallet signs (SPECS "What the log holds"). */
export const loggedWalletKinds = ['grant', 'refusal', 'revocation', 'data-request'] as const;
export type LoggedWalletKind = (typeof loggedWalletKinds)[number];

/** A verified receipt as stored with the relationship. */
export const storedReceipt = v.object({
  sha256: sha256Schema,
  kind: v.picklist(loggedWalletKinds),
  jws: compactJws,
  index: v.pipe(v.number(), v.integer(), v.minValue(0)),
  treeSize: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The receipt as served (SPECS "Receipts"), kept so it can be verified again offline. */
  receipt: v.unknown(),
  verifiedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type StoredReceipt = v.InferOutput<typeof storedReceipt>;

/**
 * The signed logged messages on their way to the clearinghouse, by sha256 (one vault record,
 * `profile` table, id `wallet-outbox`, so a refresh reads one record), each written before it is
 * sent and removed once the vault holds its outcome: a service worker stopped between the
 * clearinghouse's 201 and the vault's write must not leave the company with a grant the
 * customer's wallet does not know (issue 12), and an answer lost on the network (or cut off by
 * extension/core/timed-fetch's 60 s) must not turn a retried revocation or data request into a
 * second logged one.
 */
const outboxEntry = v.object({
  company: companyId,
  kind: v.picklist(loggedWalletKinds),
  jws: compactJws,
  /** The token's `exp`: after it the clearinghouse can no longer take it for the first time. */
  exp: epochSeconds,
  /** The request it answers (absent in entries written before session 13). */
  request: v.optional(sha256Schema),
  /**
   * A revocation or data request: what the customer asked for (`askOf`), so asking again while
   * its outcome is unknown sends this token again instead of signing a second logged message.
   */
  ask: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /**
   * Settled by a refresh (`resumeOutbox`): the vault holds its outcome, which the customer never
   * saw. Kept until its window has closed, so answering the same request again meanwhile gets
   * this answer back instead of making a second one (`answerSentBefore`).
   */
  settled: v.optional(v.literal(true)),
});
type OutboxEntry = v.InferOutput<typeof outboxEntry>;
const outboxRecord = { table: 'profile', id: 'wallet-outbox' } as const;
/**
 * Read-modify-write of the outbox record, one at a time per store (answers may overlap): the
 * `outbox` turn of ./store-turns, which a backup restore takes too.
 */
function inOutboxTurn<T>(store: RecordStore, work: () => Promise<T>): Promise<T> {
  return inVaultTurn('outbox', store, work);
}

/**
 * The outbox, entry by entry: `entries` those that parse, `unreadable` the others as stored. An
 * unreadable entry (damaged, or written by a later version) is never sent, settled or dropped
 * here, and every write keeps it as it was: it may be a revocation or data request still unsent,
 * so one bad entry must not take the others with it, nor be overwritten unseen.
 */
async function outboxContents(
  store: RecordStore,
): Promise<{ entries: Record<string, OutboxEntry>; unreadable: Record<string, unknown> }> {
  const raw = await store.get(outboxRecord.table, outboxRecord.id);
  const entries: Record<string, OutboxEntry> = {};
  const unreadable: Record<string, unknown> = {};
  // Not an object at all: it holds no entry to keep, and the next write replaces it.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { entries, unreadable };
  for (const [sha256, value] of Object.entries(raw)) {
    const parsed = v.safeParse(outboxEntry, value);
    if (parsed.success && v.is(sha256Schema, sha256)) entries[sha256] = parsed.output;
    else unreadable[sha256] = value;
  }
  return { entries, unreadable };
}

async function outboxRead(store: RecordStore): Promise<Record<string, OutboxEntry>> {
  return (await outboxContents(store)).entries;
}

function outboxUpdate(
  store: RecordStore,
  change: (entries: Record<string, OutboxEntry>) => void,
): Promise<void> {
  return inOutboxTurn(store, async () => {
    const { entries, unreadable } = await outboxContents(store);
    change(entries);
    await store.put(outboxRecord.table, outboxRecord.id, { ...unreadable, ...entries });
  });
}
const outboxSkewSeconds = 300;
/**
 * The answer under way per request (`company request`), per store (its turn key: one for the
 * vault and all its handles): see `Wallet.answer`. Not one of the vault turns of ./store-turns (a
 * backup restore does not wait for it): an answer takes the outbox and relationship turns inside
 * it, each of which waits for a restore on its own.
 */
const answerTurns = new WeakMap<object, Map<string, Promise<unknown>>>();

/** Runs `work` after whatever runs under `key` on `store` has ended (one at a time per key). */
async function inTurn<T>(store: RecordStore, key: string, work: () => Promise<T>): Promise<T> {
  const turns = answerTurns.get(turnKeyOf(store)) ?? new Map<string, Promise<unknown>>();
  answerTurns.set(turnKeyOf(store), turns);
  const turn = (turns.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
  turns.set(key, turn);
  try {
    return await turn;
  } finally {
    if (turns.get(key) === turn) turns.delete(key);
  }
}

/**
 * The corrections on their way (issue 5 "Corrections"), one vault record like the outbox and the
 * blacklist signals (extension/core/blacklist-signals): per data category the newest correction,
 * the holders told already and, per holder still to be told, its signed sealed `correction`,
 * written before it is sent and sent again, the very token, until the clearinghouse takes it. A
 * holder whose key could not be fetched yet keeps the value itself (the vault is encrypted) until
 * it is sealed; a correction told to every holder is removed.
 */
export const correctionsRecord = { table: 'profile', id: 'wallet-corrections' } as const;

const correctionHolder = v.object({
  /** The value, in holders an earlier version wrote before sealing (now on the entry). */
  value: v.optional(text(4000)),
  /** Sealed to the company's key; signed again in a new token if the first expired untaken. */
  sealed: v.optional(sealedSchema),
  /** The company key (`kid`) `sealed` opens with; absent in records of earlier versions. */
  sealedTo: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/))),
  /** The signed `correction`, in the vault before it is sent. */
  jws: v.optional(compactJws),
  /** The clearinghouse refused it: not sent again until the customer corrects again. */
  error: v.optional(v.picklist(protocolErrorCodes)),
});
type CorrectionHolder = v.InferOutput<typeof correctionHolder>;

/** Holders one correction can name (every relationship of a large vault). */
const maxCorrectionHolders = 10_000;

const correctionEntry = v.object({
  dataCategory: dataCategorySchema,
  /** SHA-256 of the value: the same correction again goes only to the holders not told yet. */
  valueSha256: sha256Schema,
  /**
   * The value, kept (in the encrypted vault) while a holder that was not refused is still to be
   * told: sealed to each holder's current key, and sealed again should that key be retired or
   * declared compromised before the clearinghouse takes the correction. Once per entry, not per
   * holder: the record is written whole at every step.
   */
  value: v.optional(text(4000)),
  at: epochSeconds,
  told: v.pipe(v.array(companyId), v.maxLength(maxCorrectionHolders)),
  /** The holders still to be told, by company id. */
  pending: v.pipe(
    v.record(companyId, correctionHolder),
    v.check((r) => Object.keys(r).length <= maxCorrectionHolders, 'too many holders'),
  ),
});
type CorrectionEntry = v.InferOutput<typeof correctionEntry>;

/**
 * The corrections under way, by data category. An entry that no longer parses is left out (the
 * customer can correct again); a record that does not authenticate: `ERR_VAULT_RECORD_DAMAGED`.
 */
async function readCorrections(store: RecordStore): Promise<Record<string, CorrectionEntry>> {
  const raw = await store.get(correctionsRecord.table, correctionsRecord.id);
  const corrections = (raw as { corrections?: unknown } | undefined)?.corrections;
  const out: Record<string, CorrectionEntry> = {};
  if (typeof corrections !== 'object' || corrections === null) return out;
  for (const [category, value] of Object.entries(corrections)) {
    const parsed = v.safeParse(correctionEntry, value);
    if (parsed.success && parsed.output.dataCategory === category) out[category] = parsed.output;
  }
  return out;
}

function writeCorrections(
  store: RecordStore,
  corrections: Record<string, CorrectionEntry>,
): Promise<void> {
  return store.put(correctionsRecord.table, correctionsRecord.id, { v: 1, corrections });
}

/**
 * Corrections, one at a time per store: two at once would sign and send one twice. The
 * `corrections` turn of ./store-turns, which a backup restore takes too.
 */
function inCorrectionTurn<T>(store: RecordStore, work: () => Promise<T>): Promise<T> {
  return inVaultTurn('corrections', store, work);
}

/**
 * What the relationship turn knows of the records it wrote, per store (its turn key, as the turn
 * itself), in memory (after a restart nothing is under way any more):
 * - `nextView` numbers each request for the clearinghouse's view before it goes, and `viewOf`
 *   holds, per pseudonym, the view its record holds: its number and how many of the record's
 *   entries are that view's (`ViewRead`). A view asked for before another never replaces it: a
 *   refresh that read the clearinghouse before a revocation was stored does not show the grant
 *   active again over the view read after it.
 * - `revision` counts each pseudonym's writes, so a refresh can tell which records changed under
 *   it without reading them all again.
 */
interface RelationshipWrites {
  nextView: number;
  readonly viewOf: Map<string, ViewRead>;
  readonly revision: Map<string, number>;
}
const relationshipWrites = new WeakMap<object, RelationshipWrites>();

function writesOf(store: RecordStore): RelationshipWrites {
  let writes = relationshipWrites.get(turnKeyOf(store));
  if (writes === undefined)
    relationshipWrites.set(
      turnKeyOf(store),
      (writes = { nextView: 0, viewOf: new Map(), revision: new Map() }),
    );
  return writes;
}

/**
 * A view of the clearinghouse a refresh read: `number`, which `nextView` gave its request, and
 * `viewed`, how many of the record's disclosures and data requests are that view's (the last ones
 * of each list; those kept past the view come before them, extension/core/view-history).
 */
interface ViewRead {
  readonly number: number;
  readonly viewed: Viewed;
}

/** The {@link ViewRead} of a refresh whose request `nextView` numbered `number`. */
function viewRead(number: number, fresh: ClearinghouseRelationship): ViewRead {
  return {
    number,
    viewed: { disclosures: fresh.disclosures.length, dataRequests: fresh.dataRequests.length },
  };
}

/** Marks `pseudonym`'s record as written once more (in the relationship turn). */
function wrote(store: RecordStore, pseudonym: string): void {
  const { revision } = writesOf(store);
  revision.set(pseudonym, (revision.get(pseudonym) ?? 0) + 1);
}

/**
 * A correction the clearinghouse did not take: refused for a reason (a 4xx that waiting cannot
 * change; 408 and 429 ask to come back later), `later` (any other answer: a 5xx may be this
 * message's alone), or `unreachable` (no answer: the network, the timeout of
 * extension/core/timed-fetch; the rest would wait as long).
 */
function correctionProblem(e: unknown): 'unreachable' | 'later' | { refused: ProtocolErrorCode } {
  if (!(e instanceof ApiProblem)) return 'unreachable';
  if (e.status >= 400 && e.status < 500 && ![408, 429].includes(e.status))
    return {
      refused: (protocolErrorCodes as readonly string[]).includes(e.code)
        ? (e.code as ProtocolErrorCode)
        : 'ERR_MESSAGE_INVALID',
    };
  return 'later';
}

/**
 * What a revocation or data request asks for, as its outbox entry's `ask`: the same ask made
 * again while the first one's outcome is unknown is the same message (see `Wallet.sendAsked`).
 * "Revoke all" names the grants active when it is asked (`Wallet.revoke`): after a new grant it
 * is another ask, so the earlier message, signed before that grant existed, is not sent for it.
 */
function askOf(kind: 'revocation' | 'data-request', what: unknown): string {
  return `${kind} ${base64urlEncode(sha256(utf8Encode(canonicalJson(what))))}`;
}

/** The messages of `kind` the clearinghouse lists for a pseudonym. */
function listedOf(
  fresh: ClearinghouseRelationship,
  kind: LoggedWalletKind,
): readonly { sha256: string }[] {
  return kind === 'grant'
    ? fresh.grants
    : kind === 'refusal'
      ? fresh.refusals
      : kind === 'revocation'
        ? fresh.revocations
        : fresh.dataRequests;
}

/**
 * A relationship as the clearinghouse answers it (docs/api.md "Relationships"). Parsed with this
 * schema only, so fields that are the wallet's own (receipts, what it opened) never come from it.
 * Its disclosures and data requests are bounded as the vault's record lists them, the view's and
 * those kept past it together (extension/core/view-history).
 */
export const clearinghouseRelationship = v.object({
  ...storedRelationship.entries,
  /** Issue 5's view: access and erasure requests with their deadline (ms) and the answer. */
  dataRequests: v.optional(
    v.pipe(
      v.array(
        v.object({
          sha256: sha256Schema,
          jws: compactJws,
          deadline: v.pipe(v.number(), v.integer(), v.minValue(0)),
          answer: v.nullable(v.object({ sha256: sha256Schema, jws: compactJws })),
        }),
      ),
      v.maxLength(maxListedObligations),
    ),
    [],
  ),
  /** What the company disclosed (issue 5 obligations.ts): oldest first, the newest `current`. */
  disclosures: v.optional(
    v.pipe(
      v.array(v.object({ sha256: sha256Schema, jws: compactJws, current: v.boolean() })),
      v.maxLength(maxListedObligations),
    ),
    [],
  ),
  /**
   * Issue 9: the uses of the data the company reported, newest first (portal
   * pseudonym-activity.ts); `outOfScope` is the finding's reason when the grant did not cover it.
   */
  accessEvents: v.optional(
    v.pipe(
      v.array(
        v.object({
          at: v.pipe(v.number(), v.integer(), v.minValue(0)),
          purpose: v.pipe(v.string(), v.maxLength(64)),
          dataCategories: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64)),
          grantSha256: sha256Schema,
          count: v.pipe(v.number(), v.integer(), v.minValue(1)),
          outOfScope: v.nullable(v.pipe(v.string(), v.maxLength(64))),
        }),
      ),
      v.maxLength(100),
    ),
    [],
  ),
  /** Issue 9: the pseudonym's complaints, newest first, with the regulator's signed decision. */
  complaints: v.optional(
    v.pipe(
      v.array(
        v.object({
          sha256: sha256Schema,
          reasons: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(32)),
          receivedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
          decision: v.nullable(
            v.object({
              sha256: sha256Schema,
              jws: compactJws,
              decision: v.picklist(['upheld', 'dismissed']),
              decidedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
            }),
          ),
        }),
      ),
      v.maxLength(1000),
    ),
    [],
  ),
});
export type ClearinghouseRelationship = v.InferOutput<typeof clearinghouseRelationship>;

/**
 * The bounds on a relationship's verified receipts and on those still to fetch: every write keeps
 * within them (`withinBounds`), so a record never grows past what its schema reads.
 */
const maxReceipts = 1000;
const maxPendingReceipts = 100;

/**
 * The vault's relationship record: the clearinghouse's view plus the wallet's own findings, and
 * the disclosures and answered data requests the view no longer carries, before the view's
 * (extension/core/view-history).
 */
export const walletRelationship = v.object({
  ...clearinghouseRelationship.entries,
  /**
   * Grants, refusals and revocations are only those the customer's key signed, as the wallet
   * checked them (extension/core/own-messages): what failed is in `rejectedMessages`.
   */
  ...ownMessagesFields,
  receipts: v.optional(v.pipe(v.array(storedReceipt), v.maxLength(maxReceipts)), []),
  /** Each disclosure as the wallet opened it (extension/core/disclosures), by sha256. */
  openedDisclosures: v.optional(
    v.pipe(v.array(openedDisclosure), v.maxLength(maxListedObligations)),
    [],
  ),
  /** Each answer to a data request as the wallet opened it, by the answer's sha256. */
  openedAnswers: v.optional(v.pipe(v.array(openedAnswer), v.maxLength(maxListedObligations)), []),
  /** Issue 9: each regulator's decision on a complaint as the wallet checked it, by its sha256. */
  openedDecisions: v.optional(v.pipe(v.array(openedDecision), v.maxLength(1000)), []),
  /**
   * Corrections still to reach this company (`error`: the clearinghouse refused it, with its
   * code). Never stored in the record: `Wallet.withPendingCorrections` fills it in for the
   * dashboard from the corrections record.
   */
  pendingCorrections: v.optional(
    v.pipe(
      v.array(
        v.object({
          dataCategory: dataCategorySchema,
          error: v.nullable(v.picklist(protocolErrorCodes)),
        }),
      ),
      v.maxLength(dataCategoryIds.length),
    ),
  ),
  /** Receipts still to fetch (the log slow or out of reach): retried on the next refresh. */
  pendingReceipts: v.optional(
    v.pipe(
      v.array(
        v.object({
          sha256: sha256Schema,
          kind: v.picklist(loggedWalletKinds),
          jws: compactJws,
        }),
      ),
      v.maxLength(maxPendingReceipts),
    ),
    [],
  ),
  /**
   * Receipts, verified or still to fetch, the record gave up to stay within its bounds
   * (`withinBounds`), so the dashboard can say so; absent while none was.
   */
  receiptsGivenUp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
export type WalletRelationship = v.InferOutput<typeof walletRelationship>;

/**
 * The kinds whose receipt is the customer's proof of a date: when they revoked, when they asked
 * for access or erasure (an answer overdue is a finding). Kept longest.
 */
const proofKinds: ReadonlySet<LoggedWalletKind> = new Set(['revocation', 'data-request']);

/**
 * `list` cut to `max`, oldest first: receipts of grants and refusals go before any of a
 * revocation or data request (the clearinghouse goes on listing those messages with their
 * signed copy, and the log gives their receipt again by hash); those go only when they alone
 * exceed `max`, which takes more revocations and data requests to one company than a person
 * makes. `dropped`: how many went.
 */
function withinBound<T extends { kind: LoggedWalletKind }>(
  list: readonly T[],
  max: number,
): { kept: T[]; dropped: number } {
  const excess = list.length - max;
  if (excess <= 0) return { kept: [...list], dropped: 0 };
  const drop = new Set<number>();
  for (const proof of [false, true])
    for (let i = 0; i < list.length && drop.size < excess; i++)
      if (proofKinds.has(list[i]!.kind) === proof) drop.add(i);
  return { kept: list.filter((_x, i) => !drop.has(i)), dropped: excess };
}

/**
 * `record` within its schema's bounds on receipts and pending receipts (`withinBound`), what
 * had to go counted in `receiptsGivenUp`: a record past a bound would no longer read at all
 * (listed as damaged), and a receipt given up silently would look as if it had never been due.
 */
function withinBounds(record: WalletRelationship): WalletRelationship {
  const receipts = withinBound(record.receipts, maxReceipts);
  const pending = withinBound(record.pendingReceipts, maxPendingReceipts);
  const givenUp = (record.receiptsGivenUp ?? 0) + receipts.dropped + pending.dropped;
  return {
    ...record,
    receipts: receipts.kept,
    pendingReceipts: pending.kept,
    ...(givenUp === 0 ? {} : { receiptsGivenUp: givenUp }),
  };
}

/**
 * What is written for a relationship: `mine` (a refresh's record) merged with what the vault
 * holds now (`stored`, read in the relationship turn). Receipts and pending receipts are those of
 * both, by sha256 (a writer only ever adds to them; a receipt fetched leaves the pending ones),
 * the stored first; the clearinghouse's view, with what was opened from it, is `mine` when
 * `mineIsNewer` (asked for after the stored one, see `RelationshipWrites`), else the stored one.
 *
 * What the other record opened is kept as well (extension/core/view-history `mergedHistory`):
 * two refreshes in flight read the same stored record before their network calls, so a
 * disclosure or answer one of them opened may have fallen out of the other's later view unseen,
 * and an opened copy may be missing from the other record. `viewed`: how many entries of each
 * record are its view's, `mine`'s from its refresh, the stored one's as `RelationshipWrites`
 * holds it. That is unknown only while no refresh has written the record since the extension
 * started; `mine` then brings no view of its own (any view is newer than none) and lists what the
 * stored record held when it was read, unchanged since: there is nothing to add.
 */
function merged(
  stored: WalletRelationship | undefined,
  mine: WalletRelationship,
  mineIsNewer: boolean,
  viewed: { readonly mine: Viewed | undefined; readonly stored: Viewed | undefined },
): WalletRelationship {
  const winner = mineIsNewer || stored === undefined ? mine : stored;
  const other = winner === mine ? stored : mine;
  const split = winner === mine ? viewed.mine : viewed.stored;
  const { receiptsGivenUp: _mine, ...view } = {
    ...winner,
    ...(other === undefined || split === undefined ? {} : mergedHistory(winner, split, other)),
  };
  const receipts = [...(stored?.receipts ?? [])];
  const have = new Set(receipts.map((r) => r.sha256));
  for (const r of mine.receipts) {
    if (have.has(r.sha256)) continue;
    have.add(r.sha256);
    receipts.push(r);
  }
  const pendingReceipts: WalletRelationship['pendingReceipts'] = [];
  for (const p of [...(stored?.pendingReceipts ?? []), ...mine.pendingReceipts]) {
    if (have.has(p.sha256)) continue;
    have.add(p.sha256);
    pendingReceipts.push(p);
  }
  // Every write is in the relationship turn, so the stored count is the current one.
  const givenUp = stored === undefined ? mine.receiptsGivenUp : stored.receiptsGivenUp;
  return withinBounds({
    ...view,
    receipts,
    pendingReceipts,
    ...(givenUp === undefined ? {} : { receiptsGivenUp: givenUp }),
  });
}

/** What an answer produced. */
export type AnswerOutcome =
  | {
      readonly outcome: 'granted';
      readonly sha256: string;
      readonly receipt: StoredReceipt | null;
      /**
       * Only when the answer asked to allow channels in the profile: whether the profile now
       * allows them (`allowed`), or could not be changed after the grant was stored (`failed`).
       */
      readonly profileChannels?: 'allowed' | 'failed';
      /** Set when it is an earlier answer sent again in place of this one ({@link earlierAnswer}). */
      readonly earlier?: true;
      /**
       * Of an earlier grant sent again: the channels its scopes give and its preferred channel,
       * as signed then (the channels ticked now are allowed in the profile only where it gives
       * them).
       */
      readonly earlierChannels?: {
        readonly channels: readonly string[];
        readonly preferred: string;
      };
    }
  | {
      readonly outcome: 'refused';
      readonly sha256: string;
      readonly receipt: StoredReceipt | null;
      /** Set when it is an earlier answer sent again in place of this one ({@link earlierAnswer}). */
      readonly earlier?: true;
      /**
       * The refusal's "ask me again after" (epoch seconds) as signed and stored, from this
       * Assistant's clock (`iat` plus the days chosen); null: none. The consent window shows
       * this date, not one of its own clock's (extension/service.ts `answerConsent`).
       */
      readonly askAgainAfter: number | null;
    };

/** The common claims of a message the wallet signs. */
interface Claims {
  readonly v: 1;
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/** Seconds in a day. */
const day = 86_400;
/** A transport window of five minutes for the wallet's own messages (SPECS "JWS": at most 10). */
const windowSeconds = 300;

/**
 * How many seconds past `exp` plus the skew a receipt's entry `time` may lie. The clearinghouse
 * checks `exp` against its clock when the message arrives, but the entry's time is when it took
 * the message (`received_at`, written after the checks, with the database's write between),
 * rounded down to the second: one accepted in its last allowed second can be timed a second or
 * two later. A few seconds, so that lawful receipt verifies; far too few to pass off a message
 * taken after its window as one taken within it.
 */
export const receiptTimeMarginSeconds = 5;

function fail(
  code: ConstructorParameters<typeof ProtocolError>[0],
  message: string,
  detail?: Record<string, unknown>,
): never {
  throw new ProtocolError(code, message, detail);
}

/** A problem from the clearinghouse keeps its code when it is one of ours; anything else is "unreachable". */
function fromClearinghouse(e: unknown): ProtocolError {
  if (isProtocolError(e)) return e;
  if (e instanceof ApiProblem) {
    const error = new ProtocolError(
      e.status === 404
        ? 'ERR_GRANT_REQUEST_UNKNOWN'
        : (knownCode(e.code) ?? 'ERR_CLEARINGHOUSE_UNREACHABLE'),
      e.message,
    );
    error.cause = e;
    return error;
  }
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    'the clearinghouse did not answer',
  );
  error.cause = e;
  return error;
}

/**
 * The clearinghouse gave no answer at all (the network, the timeout of
 * extension/core/timed-fetch), as opposed to a problem answer or a malformed one: the next request
 * of the same round would wait as long, so the round stops there (as `sendCorrections` does).
 */
function unanswered(e: unknown): boolean {
  if (isProtocolError(e))
    return (
      e.code === 'ERR_CLEARINGHOUSE_UNREACHABLE' &&
      e.cause !== undefined &&
      !(e.cause instanceof ApiProblem)
    );
  return !(e instanceof ApiProblem) && !v.isValiError(e);
}

const knownCodes = new Set<string>([
  'ERR_GRANT_REQUEST_UNKNOWN',
  // Signed with a key its company declared compromised: void, so said, and no window shows it.
  'ERR_GRANT_REQUEST_VOIDED',
  'ERR_COMPANY_UNKNOWN',
  'ERR_COMPANY_NOT_ACTIVE',
  'ERR_ASK_AGAIN_LATER',
  'ERR_SCOPE_WIDER_THAN_REQUESTED',
  'ERR_PSEUDONYM_KEY_MISMATCH',
  'ERR_GRANT_UNKNOWN',
  'ERR_NOT_AUTHORISED',
  'ERR_PURPOSE_NOT_DECLARED',
  // Ten data requests wait for an answer: this one is not kept; asked again once one is answered.
  'ERR_TOO_MANY_OPEN_REQUESTS',
  // A message the clearinghouse can never take (its window closed, its jti used): a refusal for
  // a reason, not "out of reach", so an outbox entry refused so is dropped.
  'ERR_JWS_EXPIRED',
  'ERR_JWS_REPLAYED',
]);
/** The clearinghouse refused the message for a reason: it was not stored and never will be. */
function refusedForAReason(e: unknown): boolean {
  return isProtocolError(e) && knownCodes.has(e.code);
}

/**
 * The receipt cannot be had or checked now (the log slow or out of reach, or no log key pinned
 * since the message went: the clearinghouse URL changed meanwhile): it stays pending, no failure.
 */
function receiptNotYet(e: unknown): boolean {
  return (
    isProtocolError(e, 'ERR_RECEIPT_TIMEOUT') ||
    isProtocolError(e, 'ERR_CLEARINGHOUSE_UNREACHABLE') ||
    isProtocolError(e, 'ERR_LOG_KEY_NOT_PINNED')
  );
}

/**
 * What the answer `jws` of `kind` came to: the customer's own token, sent and stored as
 * `sha256`. `earlier`: an answer given before to the same request, whose fate was not known,
 * sent again in place of the one just chosen (`Wallet.answerSentBefore`): it stands, with the
 * scopes or the date chosen then, and the window says so ({@link earlierAnswer}).
 */
function outcomeOf(
  kind: 'grant' | 'refusal',
  sha256: string,
  receipt: StoredReceipt | null,
  jws: string,
  earlier = false,
): AnswerOutcome {
  const resent = earlier ? ({ earlier: true } as const) : {};
  return kind === 'grant'
    ? {
        outcome: 'granted',
        sha256,
        receipt,
        ...resent,
        ...(earlier ? { earlierChannels: grantChannelsOf(jws) } : {}),
      }
    : { outcome: 'refused', sha256, receipt, askAgainAfter: askAgainAfterOf(jws), ...resent };
}

/**
 * What a restore that overtook a message after the clearinghouse took it leaves: the message
 * went (the company holds it), but the restored vault does not (docs/architecture.md "A restore
 * beside other work"). `ERR_VAULT_REPLACED` from the vault becomes one whose detail names what
 * went, {@link SentBeforeRestore}, so that the caller tells what happened instead of "try again",
 * which would sign a second answer to a request already answered. Anything else is as it was.
 */
function sentBeforeRestore(
  e: unknown,
  sha256: string,
  kind: LoggedWalletKind,
  jws: string,
): unknown {
  if (!isProtocolError(e, 'ERR_VAULT_REPLACED')) return e;
  const detail: SentBeforeRestore = {
    sent: sha256,
    kind,
    ...(kind === 'refusal' ? { askAgainAfter: askAgainAfterOf(jws) } : {}),
  };
  const error = new ProtocolError(
    'ERR_VAULT_REPLACED',
    'a backup was restored after the message went: the restored vault does not hold it',
    { ...detail },
  );
  error.cause = e;
  return error;
}

/**
 * The detail of an `ERR_VAULT_REPLACED` thrown once the message went ({@link sentBeforeRestore}):
 * its hash and kind, a refusal's "ask me again after" as signed (null: none), and `earlier` when
 * it is an earlier answer sent again in place of the one just chosen ({@link outcomeOf}). An
 * `ERR_VAULT_REPLACED` without it: nothing went.
 */
export interface SentBeforeRestore {
  readonly sent: string;
  readonly kind: LoggedWalletKind;
  readonly askAgainAfter?: number | null;
  readonly earlier?: true;
}

/**
 * What went before a restore overtook it, when `e` says so ({@link SentBeforeRestore}); else
 * undefined (nothing went, or `e` is another error).
 *
 * @example
 * ```ts
 * sentBefore(e)?.kind // 'grant': the company holds it, the restored vault does not
 * ```
 */
export function sentBefore(e: unknown): SentBeforeRestore | undefined {
  if (!isProtocolError(e, 'ERR_VAULT_REPLACED') || e.detail === undefined) return undefined;
  const { sent, kind, askAgainAfter, earlier } = e.detail;
  if (typeof sent !== 'string' || !v.is(v.picklist(loggedWalletKinds), kind)) return undefined;
  return {
    sent,
    kind,
    ...(v.is(v.nullable(epochSeconds), askAgainAfter) ? { askAgainAfter } : {}),
    ...(earlier === true ? { earlier } : {}),
  };
}

/** The channels the scopes of the grant `jws` give, and its preferred channel (as stored). */
function grantChannelsOf(jws: string): { channels: string[]; preferred: string } {
  const { scopes, preferredChannel } = storedPayload(jws);
  const channels = new Set<string>();
  if (Array.isArray(scopes))
    for (const scope of scopes as { channels?: unknown }[])
      if (Array.isArray(scope?.channels))
        for (const c of scope.channels) if (typeof c === 'string') channels.add(c);
  return {
    channels: [...channels],
    preferred: typeof preferredChannel === 'string' ? preferredChannel : '',
  };
}

/**
 * Whether `outcome` is an earlier answer sent again in place of the one just chosen (see
 * {@link outcomeOf}).
 */
export function earlierAnswer(outcome: AnswerOutcome): boolean {
  return outcome.earlier === true;
}

/**
 * The `askAgainAfter` of the refusal `jws` (the wallet's own, read back from the outbox: an
 * earlier answer sent again carries the date it was signed with), or null when it has none or
 * its payload does not read.
 */
function askAgainAfterOf(jws: string): number | null {
  const after = storedPayload(jws).askAgainAfter;
  return v.is(epochSeconds, after) ? after : null;
}

function knownCode(code: string): ConstructorParameters<typeof ProtocolError>[0] | undefined {
  return knownCodes.has(code)
    ? (code as ConstructorParameters<typeof ProtocolError>[0])
    : undefined;
}

/**
 * The first choice the consent window shows: private by default (DESIGN section 3; a tester's
 * report, "the window starts with everything ticked"). Each scope is offered as asked, except
 * that sensitive data categories are never pre-selected (they need an explicit click) and, when
 * the profile is known (in manual and automatic mode alike, as the offer filter applies the
 * channel settings in both: DESIGN section 6, step 3), only the channels it already allows are
 * ticked, with the profile's per-company weekly cap when it is lower than asked. A scope left
 * with no channel starts unticked: the window then says that a grant needs a channel ticked.
 * Changes to the profile are never part of it (the window's "allow in my profile" boxes start
 * unticked). Without a profile (it could not be read; scripts/demo.ts) it is the request as asked.
 *
 * @example
 * ```ts
 * const choice = initialChoice(checked.request, profile);
 * ```
 */
export function initialChoice(
  request: Payload<'grant-request'>,
  profile: Profile | null,
): ConsentChoice {
  const allowed = new Set<string>(profile?.channels.allowed ?? []);
  const cap = profile?.caps.perCompanyPerWeek ?? null;
  const scopes = request.scopes.map((scope): ScopeChoice => {
    const channels =
      profile === null ? [...scope.channels] : scope.channels.filter((c) => allowed.has(c));
    const asked = scope.conditions.maxContactsPerWeek;
    return {
      include: channels.length > 0,
      channels,
      dataCategories: scope.dataCategories.filter((c) => !isSensitiveDataCategory(c)),
      maxContactsPerWeek:
        cap !== null && cap > 0 && (asked === undefined || cap < asked) ? cap : null,
      retentionDays: scope.retentionDays,
      onwardRecipients: scope.onwardRecipients.map((_r, i) => i),
    };
  });
  const firstChannels = scopes.find((s) => s.include)?.channels ?? [];
  const preferred =
    profile?.channels.preferred !== null &&
    profile?.channels.preferred !== undefined &&
    firstChannels.includes(profile.channels.preferred)
      ? profile.channels.preferred
      : (firstChannels[0] ?? request.scopes[0]!.channels[0]!);
  const validUntil = Math.min(
    ...request.scopes.map((s) => s.conditions.validUntil ?? Number.POSITIVE_INFINITY),
  );
  const days = Number.isFinite(validUntil)
    ? Math.max(1, Math.min(365, Math.floor((validUntil - request.iat) / day)))
    : 365;
  return { decision: 'grant', scopes, preferredChannel: preferred, days };
}

function subsetOf(items: readonly string[], of: readonly string[]): boolean {
  return items.every((i) => of.includes(i)) && new Set(items).size === items.length;
}

/**
 * The scopes a grant gives for `choice`: each included requested scope narrowed to the chosen
 * channels, categories, recipients, cap and retention. Never wider than asked.
 *
 * @throws ProtocolError `ERR_WALLET_CHOICE_INVALID` when the choice does not fit the request (a
 *   channel or category not asked, a higher cap or retention, no scope or channel left, a
 *   preferred channel outside the granted ones).
 * @example
 * ```ts
 * const scopes = narrowScopes(request.scopes, choice);
 * ```
 */
export function narrowScopes(
  requested: readonly Scope[],
  choice: Extract<ConsentChoice, { decision: 'grant' }>,
): Scope[] {
  const invalid = (why: string): never => fail('ERR_WALLET_CHOICE_INVALID', why);
  if (choice.scopes.length !== requested.length) invalid('one choice per requested scope');
  const scopes: Scope[] = [];
  choice.scopes.forEach((c, index) => {
    if (!c.include) return;
    const asked = requested[index]!;
    if (c.channels.length === 0 || !subsetOf(c.channels, asked.channels)) invalid('channels');
    if (!subsetOf(c.dataCategories, asked.dataCategories)) invalid('data categories');
    if (new Set(c.onwardRecipients).size !== c.onwardRecipients.length) invalid('recipients');
    if (c.onwardRecipients.some((i) => i >= asked.onwardRecipients.length)) invalid('recipients');
    if (c.retentionDays > asked.retentionDays) invalid('retention');
    const askedCap = asked.conditions.maxContactsPerWeek;
    if (c.maxContactsPerWeek !== null && askedCap !== undefined && c.maxContactsPerWeek > askedCap)
      invalid('cap');
    const cap = c.maxContactsPerWeek ?? askedCap;
    scopes.push({
      ...asked,
      channels: asked.channels.filter((ch) => (c.channels as string[]).includes(ch)),
      dataCategories: asked.dataCategories.filter((dc) =>
        (c.dataCategories as string[]).includes(dc),
      ),
      onwardRecipients: asked.onwardRecipients.filter((_r, i) => c.onwardRecipients.includes(i)),
      retentionDays: c.retentionDays,
      conditions: {
        ...asked.conditions,
        ...(cap === undefined ? {} : { maxContactsPerWeek: cap }),
      },
    });
  });
  if (scopes.length === 0) invalid('no scope chosen');
  if (!scopes.some((s) => (s.channels as string[]).includes(choice.preferredChannel)))
    invalid('preferred channel');
  return scopes;
}

/** The ask-again-after time of the newest refusal still running, or null. */
export function coolDownUntil(
  relationship: StoredRelationship | undefined,
  nowSeconds: number,
): number | null {
  if (relationship === undefined) return null;
  const running = relationship.refusals
    .map((r) => r.askAgainAfter)
    .filter((t): t is number => t !== null && t > nowSeconds);
  return running.length === 0 ? null : Math.max(...running);
}

/**
 * True when the blacklist names `company`, or one of its brands tied to it. Brands compare as the
 * offer filter compares them (protocol/profile `blacklistMatch`, through `brandKey`): a brand
 * hidden from the offers is never asked for consent under another spelling.
 *
 * @example
 * ```ts
 * isBlacklisted(entries, 'co_…', ['Laufhaus']) // true when either is listed, "laufhaus" too
 * ```
 */
export function isBlacklisted(
  entries: readonly BlacklistEntry[],
  company: string,
  brands: readonly string[],
): boolean {
  return (
    blacklistMatch(entries, company) !== undefined ||
    brands.some((brand) => blacklistMatch(entries, company, brand) !== undefined)
  );
}

/**
 * The wallet: checks, answers, revokes and keeps relationships with their receipts.
 *
 * @example
 * ```ts
 * const wallet = new Wallet(ports);
 * const checked = await wallet.check(sha256, { kind: 'bridge', pageOrigin });
 * const outcome = await wallet.answer(checked, choice);
 * ```
 */
export class Wallet {
  constructor(private readonly ports: WalletPorts) {}

  private nowSeconds(): number {
    return Math.floor(this.ports.clock.now() / 1000);
  }

  private async identity(company: string): Promise<CompanyIdentity> {
    return companyIdentity(await this.ports.masterSeed(), company);
  }

  /** The pinned log key, pinned now if nothing was (the `pinLog` port), or null. */
  private async pin(): Promise<{ key: string; origin: string } | null> {
    return (await this.ports.pinnedLog()) ?? (await this.ports.pinLog?.()) ?? null;
  }

  /**
   * Fails unless a log key is pinned (or can be pinned now): called before a logged message is
   * signed or sent again. Without a pin its receipt could not be checked, and a message the
   * clearinghouse stored (a grant in force) must never be one the customer was told had failed
   * (docs/architecture.md "Receipts": without a pinned key nothing is submitted).
   *
   * @throws ProtocolError `ERR_LOG_KEY_NOT_PINNED`: nothing was signed or sent.
   */
  private async requirePin(): Promise<void> {
    if ((await this.pin()) === null)
      fail('ERR_LOG_KEY_NOT_PINNED', 'no log key is pinned: nothing was sent');
  }

  /** The stored relationship with `pseudonym`, or undefined (a damaged record throws). */
  relationship(pseudonym: string): Promise<WalletRelationship | undefined> {
    return readStoredRecord(
      this.ports.store,
      { table: 'relationships', id: pseudonym },
      walletRelationship,
      'the relationship record is malformed',
    );
  }

  /**
   * Fetches and checks the grant request `sha256` (see the module comment for the checks).
   *
   * @throws ProtocolError `ERR_GRANT_REQUEST_UNKNOWN` (not at the clearinghouse, another hash, a
   *   targeted request outside the inbox), `ERR_JWS_*` (signature), `ERR_COMPANY_NOT_ACTIVE`,
   *   `ERR_COMPANY_DOMAIN_UNVERIFIED`, `ERR_BRIDGE_ORIGIN_MISMATCH`, `ERR_PURPOSE_NOT_DECLARED`,
   *   `ERR_COMPANY_BLACKLISTED`, `ERR_ASK_AGAIN_LATER`, `ERR_CLEARINGHOUSE_UNREACHABLE`.
   */
  async check(sha256: string, source: RequestSource): Promise<CheckedRequest> {
    return this.complete(await this.verifyRequest(sha256, source));
  }

  /**
   * The checks of {@link check} that need no vault (for a request from the inbox, the pseudonym's
   * key reads it, so that one does): fetched, hashed, signed by the company, company active and
   * domain-verified, the page on its origin, purposes declared. Lets the bridge refuse a wrong
   * page before a locked vault asks for the passphrase.
   *
   * @throws ProtocolError as {@link check}, except `ERR_COMPANY_BLACKLISTED` and `ERR_ASK_AGAIN_LATER`.
   */
  async verifyRequest(sha256: string, source: RequestSource): Promise<VerifiedRequest> {
    if (!v.is(sha256Schema, sha256)) fail('ERR_GRANT_REQUEST_UNKNOWN', 'not a request hash');
    await ready();
    const signerIdentity =
      source.kind === 'inbox' ? await this.identity(source.company) : undefined;
    let fetched: Awaited<ReturnType<WalletClearinghouse['getGrantRequest']>>;
    try {
      fetched = await this.ports.clearinghouse.getGrantRequest(
        sha256,
        signerIdentity === undefined
          ? undefined
          : { id: signerIdentity.pseudonym, keyPair: signerIdentity.keyPair },
      );
    } catch (e) {
      throw fromClearinghouse(e);
    }
    if (typeof fetched?.jws !== 'string' || sha256Of(fetched.jws) !== sha256)
      fail('ERR_GRANT_REQUEST_UNKNOWN', 'the clearinghouse answered another request');
    if (fetched.targeted !== (source.kind === 'inbox'))
      fail(
        'ERR_GRANT_REQUEST_UNKNOWN',
        'an open request via the inbox, or a targeted one elsewhere',
      );
    const companyId = fetched.company?.id;
    if (source.kind === 'inbox' && companyId !== source.company)
      fail('ERR_GRANT_REQUEST_UNKNOWN', 'the request is from another company');
    let company: Awaited<ReturnType<WalletClearinghouse['getCompany']>>;
    try {
      company = await this.ports.clearinghouse.getCompany(companyId);
    } catch (e) {
      throw fromClearinghouse(e);
    }
    if (company.id !== companyId)
      fail('ERR_COMPANY_UNKNOWN', 'the registry answered another company');
    // The clearinghouse checked the request when it stored it; we check again ourselves, as of
    // its `iat` (its transport window has usually passed by the time a person answers).
    const opened = await openMessage('grant-request', fetched.jws, {
      audience: signerIdentity?.pseudonym ?? this.ports.clearinghouseOrigin,
      now: this.nowSeconds(),
      asOf: 'iat',
      resolveKey: (kid) => {
        const key = company.keys?.find((k) => k.kid === kid);
        return key === undefined ? undefined : key.jwk;
      },
    });
    const request = opened.payload;
    const key = company.keys?.find((k) => k.kid === opened.kid);
    if (
      request.iss !== company.id ||
      key === undefined ||
      // Seconds, as the registry gives a company key's retirement and compromise.
      (key.retiredAt !== null && key.retiredAt <= request.iat) ||
      (key.compromisedSince !== null && key.compromisedSince <= request.iat)
    )
      fail('ERR_JWS_KID_UNKNOWN', 'the request is not signed by a key of the company valid then');
    if (company.status !== 'active') fail('ERR_COMPANY_NOT_ACTIVE', 'the company is not active');
    if (company.domainVerifiedAt === null)
      fail('ERR_COMPANY_DOMAIN_UNVERIFIED', 'the domain is not verified');
    if (source.kind === 'bridge' && source.pageOrigin !== company.domain)
      fail('ERR_BRIDGE_ORIGIN_MISMATCH', 'the page is not on the company’s registered origin', {
        pageOrigin: source.pageOrigin,
      });
    const declared = new Set(company.purposes);
    const undeclared = request.scopes.find((s) => !declared.has(s.purpose));
    if (undeclared !== undefined)
      fail('ERR_PURPOSE_NOT_DECLARED', 'the company did not declare this purpose', {
        purpose: undeclared.purpose,
      });
    return {
      sha256,
      jws: fetched.jws,
      request,
      company: {
        id: company.id,
        legalName: company.legalName,
        domain: company.domain,
        brands: company.brands,
      },
      source,
    };
  }

  /**
   * The customer's own checks of a verified request (they read the vault): the company not
   * blacklisted, no refusal's "ask me again after" running.
   *
   * @throws ProtocolError `ERR_COMPANY_BLACKLISTED`, `ERR_ASK_AGAIN_LATER`, `ERR_VAULT_LOCKED`.
   */
  async complete(verified: VerifiedRequest): Promise<CheckedRequest> {
    const { company } = verified;
    const identity = await this.identity(company.id);
    if (isBlacklisted(await this.ports.blacklist(), company.id, company.brands))
      fail('ERR_COMPANY_BLACKLISTED', 'the company is on the blacklist');
    const until = coolDownUntil(await this.relationship(identity.pseudonym), this.nowSeconds());
    if (until !== null)
      fail('ERR_ASK_AGAIN_LATER', 'a refusal’s cool-down is running', { askAgainAfter: until });
    return {
      sha256: verified.sha256,
      jws: verified.jws,
      request: verified.request,
      company: verified.company,
      pseudonym: identity.pseudonym,
      source: verified.source.kind,
    };
  }

  private claims(identity: CompanyIdentity): Claims {
    const iat = this.nowSeconds();
    return {
      v: 1 as const,
      iss: identity.pseudonym,
      aud: identity.company,
      iat,
      exp: iat + windowSeconds,
      jti: uuidV4(this.ports.randomBytes),
    };
  }

  /**
   * Signs and submits the customer's answer to a checked request, then fetches, verifies and
   * stores the receipt with the relationship. A receipt that is slow to come is stored as
   * pending (fetched on the next refresh); one that does not verify is refused loudly, the answer
   * kept in the vault all the same (the clearinghouse holds it), its receipt pending. Nothing is
   * signed or sent without a pinned log key ({@link requirePin}).
   *
   * `allowChannels` (checked first, {@link channelsToAllowWith}): channels of the grant the
   * customer also allows in the profile. The grant comes first and the profile after it, only
   * once the grant is stored and its outcome known: a grant that fails leaves the profile as it
   * was, and a profile that cannot be changed then leaves the grant standing, said in the
   * outcome (`profileChannels: 'failed'`), never thrown. The other order would widen the profile
   * for a grant that never came, and a profile cannot be un-widened as surely as it is widened.
   *
   * @throws ProtocolError `ERR_WALLET_CHOICE_INVALID`, `ERR_LOG_KEY_NOT_PINNED` (nothing was
   *   sent), the clearinghouse's codes, or the receipt's verification codes
   *   (`ERR_RECEIPT_INVALID`, `ERR_TLOG_INCLUSION_INVALID`, `ERR_NOTE_*`: the answer was stored
   *   by the clearinghouse and is in the vault, its receipt kept as pending; the profile is left
   *   as it was), or `ERR_VAULT_REPLACED` (a backup restore overtook it: with a detail naming
   *   what went when the clearinghouse took the answer before, {@link sentBefore}; without one,
   *   nothing went). An earlier grant sent again in place of this one allows in the profile only
   *   the channels ticked now that it gives (it stands with what was chosen then).
   */
  async answer(
    checked: CheckedRequest,
    choice: ConsentChoice,
    allowChannels?: readonly unknown[],
  ): Promise<AnswerOutcome> {
    const parsed = v.safeParse(consentChoice, choice);
    if (!parsed.success) fail('ERR_WALLET_CHOICE_INVALID', 'malformed choice');
    const allow = channelsToAllowWith(parsed.output, allowChannels);
    const allowInProfile = this.ports.allowChannels;
    if (allow.length > 0 && allowInProfile === undefined)
      fail('ERR_WALLET_CHOICE_INVALID', 'this wallet cannot change the profile');
    // Before anything goes, an earlier answer sent again included (answerSentBefore).
    await this.requirePin();
    await ready();
    const identity = await this.identity(checked.company.id);
    if (identity.pseudonym !== checked.pseudonym)
      fail('ERR_WALLET_REQUEST_UNKNOWN', 'another identity');
    // One answer at a time per request (two consent windows for one link): each sees what the
    // one before it left in the outbox.
    const outcome = await inTurn(this.ports.store, `${identity.company} ${checked.sha256}`, () =>
      this.answerNow(identity, checked, parsed.output, new RegistryReads()),
    );
    if (allow.length === 0 || outcome.outcome !== 'granted' || allowInProfile === undefined)
      return outcome;
    // An earlier grant sent again in its place stands with the scopes chosen then: of the
    // channels ticked now, the profile allows those it gives (a retry after "out of reach"
    // ticks the same ones), with its preferred channel.
    const earlier = outcome.earlierChannels;
    const allowed =
      earlier === undefined ? allow : allow.filter((c) => earlier.channels.includes(c));
    if (allowed.length === 0) return outcome;
    const preferred =
      earlier !== undefined
        ? earlier.preferred
        : parsed.output.decision === 'grant'
          ? parsed.output.preferredChannel
          : '';
    try {
      await allowInProfile(allowed, preferred);
      return { ...outcome, profileChannels: 'allowed' };
    } catch (_e) {
      // The grant stands (it is logged and in the vault): the window says the profile did not
      // change. The port keeps what failed unexpectedly (extension/service.ts).
      return { ...outcome, profileChannels: 'failed' };
    }
  }

  private async answerNow(
    identity: CompanyIdentity,
    checked: CheckedRequest,
    choice: v.InferOutput<typeof consentChoice>,
    reads: RegistryReads,
  ): Promise<AnswerOutcome> {
    const earlier = await this.answerSentBefore(
      identity,
      checked.sha256,
      choice.decision === 'grant' ? 'grant' : 'refusal',
      reads,
    );
    if (earlier !== undefined) return earlier;
    const base = {
      ...this.claims(identity),
      requestSha256: checked.sha256,
      pseudonymKey: publicJwk(identity.keyPair),
    };
    let token: string;
    let kind: 'grant' | 'refusal';
    if (choice.decision === 'grant') {
      const scopes = narrowScopes(checked.request.scopes, choice);
      const grant: Payload<'grant'> = {
        ...base,
        scopes,
        preferredChannel: choice.preferredChannel as Payload<'grant'>['preferredChannel'],
        until: base.iat + choice.days * day,
      };
      token = await signMessage('grant', grant, identity.keyPair);
      kind = 'grant';
    } else {
      const days = choice.askAgainAfterDays;
      const refusal: Payload<'refusal'> = {
        ...base,
        ...(days === null ? {} : { askAgainAfter: base.iat + days * day }),
      };
      token = await signMessage('refusal', refusal, identity.keyPair);
      kind = 'refusal';
    }
    const own = sha256Of(token);
    const store = this.ports.store;
    await outboxUpdate(store, (entries) => {
      entries[own] = {
        company: identity.company,
        kind,
        jws: token,
        exp: base.exp,
        request: checked.sha256,
      };
    });
    // The next answer to this request sends it again if its fate is unknown (answerSentBefore).
    const { sha256: sha, receipt } = await this.submitFromOutbox(identity, kind, own, token, reads);
    return outcomeOf(kind, sha, receipt, token);
  }

  /**
   * Sends `token`, whose outbox entry `own` is written, and settles it: the entry goes once the
   * vault holds the outcome, or when the clearinghouse refused the message for a reason (it was
   * not stored). Out of reach, or an answer that makes no sense: it may have been stored; the
   * entry stays, and the next refresh asks the clearinghouse (resumeOutbox) instead of guessing.
   * A restore that overtakes it once the clearinghouse took it ends it with an
   * `ERR_VAULT_REPLACED` naming what went ({@link sentBefore}).
   * `reads`: the operation's registry reads (./registry-reads).
   */
  private async submitFromOutbox(
    identity: CompanyIdentity,
    kind: LoggedWalletKind,
    own: string,
    token: string,
    reads: RegistryReads,
  ): Promise<{ sha256: string; receipt: StoredReceipt | null }> {
    const done = () => outboxUpdate(this.ports.store, (entries) => void delete entries[own]);
    let sha: string;
    try {
      sha = await this.submit(kind, token);
    } catch (e) {
      if (refusedForAReason(e)) await done();
      throw e;
    }
    let settled: { receipt: StoredReceipt | null; refused?: unknown };
    try {
      settled = await this.settle(identity, { sha256: sha, kind, jws: token }, reads);
      // The vault holds it now, its receipt pending if it did not verify: the entry's work is done.
      await done();
    } catch (e) {
      throw sentBeforeRestore(e, sha, kind, token);
    }
    if (settled.refused !== undefined) throw settled.refused;
    return { sha256: sha, receipt: settled.receipt };
  }

  /**
   * The grants a refusal of `checked` revokes before it is signed, by sha256: those given earlier
   * to this same request and still in the outbox, their outcome unknown or settled by a refresh
   * the customer never saw ({@link answerSentBefore}). The consent window says, before the
   * answer, that refusing withdraws them, and of the other grants to the company that it does
   * not. Read only: nothing is sent.
   *
   * @example
   * ```ts
   * const withdrawn = await wallet.grantsRevokedByRefusal(checked); // ['<sha256>'] or []
   * ```
   */
  async grantsRevokedByRefusal(checked: CheckedRequest): Promise<string[]> {
    const entries = await outboxRead(this.ports.store);
    return Object.entries(entries)
      .filter(
        ([, entry]) =>
          entry.kind === 'grant' &&
          entry.company === checked.company.id &&
          entry.request === checked.sha256,
      )
      .map(([sha256]) => sha256);
  }

  /**
   * An answer to this request signed before whose outcome the wallet never learnt (the service
   * worker stopped while it was sent, issue 12) is sent again before anything new is signed: the
   * clearinghouse answers a resend like the first time, so after it the earlier answer is either
   * stored or refused for good, never still on its way. That is what keeps one click from becoming
   * two answers.
   * - Taken, and of the kind the customer chose now: it is the answer (its outcome is returned;
   *   narrower scopes or fewer days chosen now are changed from the relationships view).
   * - Taken, a grant, and the customer now refuses: the grant is revoked, then the refusal signed.
   * - Taken, a refusal, and the customer now grants: the grant is signed beside it (a running
   *   "ask me again after" of that refusal makes the clearinghouse refuse the grant, as it says).
   * - Refused for a reason (its window closed): dropped, and the new choice is signed.
   *
   * @throws ProtocolError `ERR_CLEARINGHOUSE_UNREACHABLE`, or any answer that is not a refusal
   *   for a reason: the earlier answer stays in the outbox and nothing new is signed.
   */
  private async answerSentBefore(
    identity: CompanyIdentity,
    request: string,
    kind: 'grant' | 'refusal',
    reads: RegistryReads,
  ): Promise<AnswerOutcome | undefined> {
    const store = this.ports.store;
    const entries = await outboxRead(store);
    for (const [sha256, entry] of Object.entries(entries)) {
      if (entry.company !== identity.company || entry.request !== request) continue;
      let receipt: StoredReceipt | null;
      if (entry.settled === true) {
        // Settled by a refresh already: the vault holds it and its receipt (or its pending one).
        receipt = await this.storedReceipt(identity, sha256);
        await outboxUpdate(store, (current) => void delete current[sha256]);
      } else {
        try {
          ({ receipt } = await this.submitFromOutbox(
            identity,
            entry.kind,
            sha256,
            entry.jws,
            reads,
          ));
        } catch (e) {
          if (refusedForAReason(e)) continue; // dropped from the outbox
          const went = sentBefore(e);
          // What went is the earlier answer, not the one just chosen: said as an outcome would.
          if (went === undefined) throw e;
          const error = new ProtocolError('ERR_VAULT_REPLACED', (e as Error).message, {
            ...went,
            earlier: true,
          });
          error.cause = e;
          throw error;
        }
      }
      if (entry.kind === kind) return outcomeOf(kind, sha256, receipt, entry.jws, true);
      if (entry.kind === 'grant')
        await this.revokeGrants(identity.company, [{ grantSha256: sha256 }], reads);
    }
    return undefined;
  }

  /**
   * Revokes grants given to `company`: all of them, or the listed ones (optionally only some
   * purposes of each). Effective at once; the receipt is fetched and stored like an answer's.
   * Revoking the same again while the first one's outcome is unknown sends the first one again
   * (`sendAsked`), never a second logged revocation; "all" is the same only while the same grants
   * are active.
   *
   * @throws ProtocolError `ERR_LOG_KEY_NOT_PINNED` (nothing was sent),
   *   `ERR_CLEARINGHOUSE_UNREACHABLE` (kept in the outbox: sent again by the next refresh or the
   *   next click), the clearinghouse's refusals, the receipt's codes (as {@link answer}).
   *
   * @example
   * ```ts
   * await wallet.revoke('co_…', 'all');
   * ```
   */
  revoke(
    company: string,
    grants: Payload<'revocation'>['grants'],
  ): Promise<{ sha256: string; receipt: StoredReceipt | null }> {
    return this.revokeGrants(company, grants, new RegistryReads());
  }

  /** {@link revoke} within an operation that reads the registry through `reads`. */
  private async revokeGrants(
    company: string,
    grants: Payload<'revocation'>['grants'],
    reads: RegistryReads,
  ): Promise<{ sha256: string; receipt: StoredReceipt | null }> {
    await ready();
    const identity = await this.identity(company);
    // "All" is all the grants active now: a grant given since an earlier "all" makes it another
    // ask (askOf), so that earlier revocation is never what answers this one.
    const active =
      grants === 'all'
        ? ((await this.relationship(identity.pseudonym))?.grants ?? [])
            .filter((g) => g.status === 'active')
            .map((g) => g.sha256)
            .sort()
        : undefined;
    return this.sendAsked(
      identity,
      'revocation',
      askOf('revocation', { grants, active }),
      (claims) => signMessage('revocation', { ...claims, grants }, identity.keyPair),
      reads,
    );
  }

  /**
   * Sends a revocation or data request through the outbox (issue 5): the signed message is in the
   * vault before it is sent and stays there until the vault holds its outcome. Asked again while
   * that outcome is unknown (the answer lost on the network, or the 60 s of timed-fetch over), the
   * same token goes again, which the clearinghouse answers like the first time: one click, one
   * logged message, however often the customer retries. A refresh sends it again too while its
   * window is open (`resumeOutbox`).
   */
  private sendAsked(
    identity: CompanyIdentity,
    kind: 'revocation' | 'data-request',
    ask: string,
    sign: (claims: Claims) => Promise<string>,
    reads: RegistryReads,
  ): Promise<{ sha256: string; receipt: StoredReceipt | null }> {
    const store = this.ports.store;
    return inTurn(store, `${identity.company} ${ask}`, async () => {
      // Before anything goes, the earlier message of the same ask included (askedBefore).
      await this.requirePin();
      const earlier = await this.askedBefore(identity, ask, reads);
      if (earlier !== undefined) return earlier;
      const claims = this.claims(identity);
      const token = await sign(claims);
      const own = sha256Of(token);
      await outboxUpdate(store, (entries) => {
        entries[own] = { company: identity.company, kind, jws: token, exp: claims.exp, ask };
      });
      return this.submitFromOutbox(identity, kind, own, token, reads);
    });
  }

  /**
   * The outbox's revocation or data request of the same `ask` whose outcome is still unknown:
   * sent again (the same token) and settled, or dropped when the clearinghouse refuses it for a
   * reason (its window closed before it ever arrived), so a new one can be signed. One a refresh
   * settled is never the answer: its outcome is in the vault, so asking again is asking anew.
   *
   * @throws ProtocolError `ERR_CLEARINGHOUSE_UNREACHABLE` and anything but a refusal for a
   *   reason: the earlier message stays in the outbox and nothing new is signed.
   */
  private async askedBefore(
    identity: CompanyIdentity,
    ask: string,
    reads: RegistryReads,
  ): Promise<{ sha256: string; receipt: StoredReceipt | null } | undefined> {
    const store = this.ports.store;
    for (const [sha256, entry] of Object.entries(await outboxRead(store))) {
      if (entry.company !== identity.company || entry.ask !== ask || entry.settled === true)
        continue;
      try {
        return await this.submitFromOutbox(identity, entry.kind, sha256, entry.jws, reads);
      } catch (e) {
        if (refusedForAReason(e)) continue; // dropped from the outbox
        throw e;
      }
    }
    return undefined;
  }

  private async submit(kind: LoggedWalletKind, token: string): Promise<string> {
    const ch = this.ports.clearinghouse;
    let answer: { sha256: string };
    try {
      answer =
        kind === 'grant'
          ? await ch.submitGrant(token)
          : kind === 'refusal'
            ? await ch.submitRefusal(token)
            : kind === 'revocation'
              ? await ch.submitRevocation(token)
              : await ch.submitDataRequest(token);
    } catch (e) {
      throw fromClearinghouse(e);
    }
    const own = sha256Of(token);
    // The clearinghouse names the hash of what it stored; it must be what we signed.
    if (answer?.sha256 !== own)
      fail('ERR_RECEIPT_INVALID', 'the clearinghouse acknowledged another message');
    return own;
  }

  /**
   * Fetches the receipt, refreshes the relationship from the clearinghouse, stores both. The
   * receipt is recorded as pending first (when the vault already holds the relationship; a first
   * answer is kept by the outbox instead), so a fetch that fails in any way leaves it for the next
   * refresh to fetch; a log that is slow or out of reach, or no log key pinned, leaves it pending
   * without failing. A receipt that does not verify leaves it pending too (the message is stored
   * at the clearinghouse: the relationship shows it, and it can be revoked), and comes back as
   * `refused` for the caller to report: an answer fails loudly, a refresh goes on.
   */
  private async settle(
    identity: CompanyIdentity,
    message: { sha256: string; kind: LoggedWalletKind; jws: string },
    reads: RegistryReads,
  ): Promise<{ receipt: StoredReceipt | null; refused?: unknown }> {
    await this.notePending(identity, message);
    let receipt: StoredReceipt | null = null;
    let refused: unknown;
    try {
      receipt = await this.fetchReceipt(message);
    } catch (e) {
      if (!receiptNotYet(e)) refused = e;
    }
    await this.refresh(
      identity,
      receipt === null ? [message] : [],
      receipt === null ? [] : [receipt],
      reads,
    );
    return refused === undefined ? { receipt } : { receipt, refused };
  }

  /** Adds `message` to the stored relationship's pending receipts (nothing stored: nothing). */
  private notePending(
    identity: CompanyIdentity,
    message: { sha256: string; kind: LoggedWalletKind; jws: string },
  ): Promise<void> {
    const store = this.ports.store;
    return inRelationshipTurn(store, async () => {
      const stored = await this.relationship(identity.pseudonym);
      if (
        stored === undefined ||
        stored.receipts.some((r) => r.sha256 === message.sha256) ||
        stored.pendingReceipts.some((p) => p.sha256 === message.sha256)
      )
        return;
      await store.put(
        'relationships',
        identity.pseudonym,
        withinBounds({ ...stored, pendingReceipts: [...stored.pendingReceipts, message] }),
      );
      wrote(store, identity.pseudonym);
    });
  }

  /**
   * Writes refreshed records, each merged in the relationship turn with what the vault holds by
   * then (`merged`): the receipts recorded meanwhile stay, and the clearinghouse's view asked for
   * last wins (`view`: the view the refresh read, see `ViewRead`; null: this record brings no
   * view of its own), keeping what the other record opened (`merged`). `many`: all in one vault
   * transaction (`putMany`).
   */
  private writeRelationships(
    mine: readonly { record: WalletRelationship; view: ViewRead | null }[],
    many: boolean,
  ): Promise<WalletRelationship[]> {
    const store = this.ports.store;
    const writes = writesOf(store);
    return inRelationshipTurn(store, async () => {
      // Side by side: the vault answers the reads of a large refresh in one go.
      const stored = await Promise.all(
        mine.map(({ record }) => this.relationship(record.pseudonym)),
      );
      const out: WalletRelationship[] = [];
      const views = new Map<string, ViewRead>();
      for (const [i, { record, view }] of mine.entries()) {
        const held = writes.viewOf.get(record.pseudonym);
        const newer = view !== null && view.number > (held?.number ?? Number.NEGATIVE_INFINITY);
        if (newer) views.set(record.pseudonym, view);
        out.push(merged(stored[i], record, newer, { mine: view?.viewed, stored: held?.viewed }));
      }
      if (many)
        await store.putMany(
          'relationships',
          out.map((r) => ({ id: r.pseudonym, value: r })),
        );
      else for (const r of out) await store.put('relationships', r.pseudonym, r);
      for (const [pseudonym, view] of views) writes.viewOf.set(pseudonym, view);
      for (const r of out) wrote(store, r.pseudonym);
      return out;
    });
  }

  /**
   * Tries each pending receipt once more: those fetched and verified come back; those the log
   * cannot give yet stay pending (the first sign that it is out of reach, or that no log key is
   * pinned, ends the round).
   * `strict`: a receipt that does not verify throws (else it stays pending, unseen as verified).
   */
  private async fetchPending(
    pending: WalletRelationship['pendingReceipts'],
    options: { strict: boolean; attempts?: number; waitSeconds?: number },
  ): Promise<StoredReceipt[]> {
    const fetched: StoredReceipt[] = [];
    for (const p of pending) {
      try {
        fetched.push(await this.fetchReceipt(p, options));
      } catch (e) {
        // The rest would fail alike: out of reach, or no log key to check them with yet.
        if (
          isProtocolError(e, 'ERR_CLEARINGHOUSE_UNREACHABLE') ||
          isProtocolError(e, 'ERR_LOG_KEY_NOT_PINNED')
        )
          break;
        if (options.strict && !isProtocolError(e, 'ERR_RECEIPT_TIMEOUT')) throw e;
      }
    }
    return fetched;
  }

  /**
   * Long-polls the receipt of `message` and verifies it against the pinned log key: `attempts`
   * polls (default the port's `receiptAttempts`, else 3) of `waitSeconds` (default 10) each.
   *
   * @throws ProtocolError `ERR_RECEIPT_TIMEOUT` when the log did not answer in time,
   *   `ERR_CLEARINGHOUSE_UNREACHABLE` when it could not be reached, `ERR_LOG_KEY_NOT_PINNED`, or
   *   the verification's codes.
   */
  async fetchReceipt(
    message: {
      sha256: string;
      kind: LoggedWalletKind;
      jws: string;
    },
    options: { attempts?: number; waitSeconds?: number } = {},
  ): Promise<StoredReceipt> {
    const pinned = await this.ports.pinnedLog();
    if (pinned === null) fail('ERR_LOG_KEY_NOT_PINNED', 'no log key is pinned');
    const attempts = options.attempts ?? this.ports.receiptAttempts ?? 3;
    for (let attempt = 0; attempt < attempts; attempt++) {
      let raw: unknown;
      try {
        raw = await this.ports.clearinghouse.logReceipt(message.sha256, options.waitSeconds ?? 10);
      } catch (e) {
        if (
          e instanceof ApiProblem &&
          (e.code === 'log-entry-pending' || e.status === 503 || e.status === 404)
        )
          continue;
        throw fromClearinghouse(e);
      }
      return this.verify(message, raw, pinned);
    }
    fail('ERR_RECEIPT_TIMEOUT', 'the receipt did not arrive in time');
  }

  /**
   * Verifies a served receipt for `message` (exported for re-verification of stored ones). The
   * log entry must be the one for the message the wallet signed: its hash and kind, the company
   * (`aud`) and pseudonym (`iss`) it names, and a `time` the clearinghouse could have received
   * it at (within `iat`..`exp` and the clock skew the API allows, protocol/jws, and
   * {@link receiptTimeMarginSeconds} for the time taken to store it): the entry's time
   * is the customer's proof of when they revoked or asked, so a receipt whose entry says anything
   * else does not verify (the message stays pending and is shown, as for a tampered receipt).
   *
   * @throws ProtocolError `ERR_RECEIPT_INVALID` for an entry that says otherwise, or a message
   *   whose payload cannot be read; the receipt's verification codes.
   */
  verify(
    message: { sha256: string; kind: LoggedWalletKind; jws: string },
    raw: unknown,
    pinned: { key: string; origin: string },
  ): StoredReceipt {
    const receipt = parseReceipt(raw);
    const verifier = parseVerifierKey(pinned.key, sha256);
    // The wallet's own message (from the outbox or the vault): read, it was checked when signed.
    const { iss, aud, iat, exp } = storedPayload(message.jws);
    if (
      typeof iss !== 'string' ||
      typeof aud !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    )
      fail('ERR_RECEIPT_INVALID', 'the message the receipt is for cannot be read');
    const { index, checkpoint } = verifyReceipt(sha256, receipt, verifier, pinned.origin, {
      sha256: message.sha256,
      kind: message.kind,
      company: aud,
      pseudonym: iss,
      time: {
        notBefore: iat - CLOCK_SKEW_SECONDS,
        notAfter: exp + CLOCK_SKEW_SECONDS + receiptTimeMarginSeconds,
      },
    });
    return {
      sha256: message.sha256,
      kind: message.kind,
      jws: message.jws,
      index,
      treeSize: checkpoint.size,
      receipt,
      verifiedAt: this.ports.clock.now(),
    };
  }

  /**
   * Reads the clearinghouse's relationship record for `identity` and stores it with the receipts
   * the vault holds plus `added`, and `pending` among those still to fetch.
   */
  private async refresh(
    identity: CompanyIdentity,
    pending: WalletRelationship['pendingReceipts'],
    added: readonly StoredReceipt[],
    reads: RegistryReads,
  ): Promise<WalletRelationship> {
    const previous = await this.relationship(identity.pseudonym);
    const view = writesOf(this.ports.store).nextView++;
    let fresh: unknown;
    try {
      fresh = await this.ports.clearinghouse.relationships({
        id: identity.pseudonym,
        keyPair: identity.keyPair,
      });
    } catch (e) {
      throw fromClearinghouse(e);
    }
    const parsed = v.safeParse(clearinghouseRelationship, fresh);
    if (
      !parsed.success ||
      parsed.output.pseudonym !== identity.pseudonym ||
      parsed.output.company.id !== identity.company
    )
      fail('ERR_CLEARINGHOUSE_UNREACHABLE', 'the clearinghouse answered a malformed relationship');
    const mine: WalletRelationship = {
      ...parsed.output,
      ...(await this.checkOwn(identity, parsed.output, previous, [...added, ...pending])),
      receipts: [...added],
      pendingReceipts: [...pending],
      ...(await this.openObligations(identity, parsed.output, previous, reads)),
    };
    const [record] = await this.writeRelationships(
      [{ record: mine, view: viewRead(view, parsed.output) }],
      false,
    );
    return record!;
  }

  /**
   * The grants, refusals and revocations of `fresh` the customer's key signed (and the statuses
   * they give), what failed reported (extension/core/own-messages); `previous` (the vault's
   * record) spares checking again what it holds already, and its receipts and pending ones, with
   * `sent`, are the wallet's own revocations, which count whether the listing has them or not.
   */
  private checkOwn(
    identity: CompanyIdentity,
    fresh: ClearinghouseRelationship,
    previous: WalletRelationship | undefined,
    sent: readonly { sha256: string; kind: string; jws: string }[],
  ): Promise<CheckedOwnMessages> {
    return checkedOwnMessages(identity, fresh, {
      ...(previous === undefined ? {} : { before: previous }),
      sent: [...(previous?.receipts ?? []), ...(previous?.pendingReceipts ?? []), ...sent],
    });
  }

  /**
   * The disclosures and data requests to store for `fresh`: the view's, after those `previous`
   * held that the view no longer carries (extension/core/view-history `keptPastView`), with what
   * the wallet opened of them. Opens those `previous` has not opened yet
   * (extension/core/disclosures), and checks those it opened before, kept ones included, again
   * against the company's registry entry as it is now: a key declared compromised since a time
   * at or before one's `iat` makes it invalid (docs/api.md "Company keys": only `compromised`
   * reaches back). The entry is read when something is new or was opened before, once per
   * operation (`reads`); out of reach, both wait for the next refresh. Never what the
   * clearinghouse claims was opened: only the vault's own copies count.
   */
  private async openObligations(
    identity: CompanyIdentity,
    fresh: ClearinghouseRelationship,
    previous: WalletRelationship | undefined,
    reads: RegistryReads,
  ): Promise<
    Pick<
      WalletRelationship,
      'disclosures' | 'dataRequests' | 'openedDisclosures' | 'openedAnswers' | 'openedDecisions'
    >
  > {
    const past = keptPastView(previous, fresh);
    const listed = [...past.disclosures, ...fresh.disclosures];
    const dataRequests = [...past.dataRequests, ...fresh.dataRequests];
    // What an earlier version kept as invalid for a passing reason is checked again.
    const disclosures = new Map<string, OpenedDisclosure>(
      (previous?.openedDisclosures ?? []).filter(settled).map((d) => [d.sha256, d]),
    );
    const answers = new Map<string, OpenedAnswer>(
      (previous?.openedAnswers ?? []).filter(settled).map((a) => [a.sha256, a]),
    );
    const answered = dataRequests.flatMap((r) =>
      r.answer === null ? [] : [{ request: r.sha256, answer: r.answer }],
    );
    const newDisclosures = listed.filter((d) => !disclosures.has(d.sha256));
    const newAnswers = answered.filter((a) => !answers.has(a.answer.sha256));
    const personKey = (kid: string) =>
      this.ports.clearinghouse.personKey(kid).catch((error: unknown) => {
        if (error instanceof ApiProblem && error.status === 404) return undefined;
        throw error;
      });
    const isOpened = (o: { state: string } | undefined) => o?.state === 'opened';
    const keptOpened =
      listed.some((d) => isOpened(disclosures.get(d.sha256))) ||
      answered.some((a) => isOpened(answers.get(a.answer.sha256)));
    if (newDisclosures.length + newAnswers.length > 0 || keptOpened) {
      let company: Awaited<ReturnType<WalletClearinghouse['getCompany']>> | undefined;
      try {
        company = await reads.companyEntry(this.ports.clearinghouse, identity.company);
      } catch {
        // The registry is out of reach now: these stay unopened, and those opened before
        // unchecked, until the next refresh.
        company = undefined;
      }
      if (company?.id === identity.company) {
        // What was opened before, against the keys as the registry gives them now: a key
        // declared compromised after it was opened reaches back to its `since`. Staff members'
        // person keys are not looked up again: their retirement never reaches back.
        for (const d of listed) {
          const kept = disclosures.get(d.sha256);
          if (kept !== undefined) disclosures.set(d.sha256, recheckDisclosure(kept, d, company));
        }
        for (const a of answered) {
          const kept = answers.get(a.answer.sha256);
          if (kept !== undefined)
            answers.set(a.answer.sha256, recheckAnswer(kept, a.answer, company));
        }
        const context: OpeningContext = {
          company,
          identity,
          nowMs: this.ports.clock.now(),
          // Console answers are signed with a staff member's key; an unknown key is no key.
          personKey,
        };
        // A lookup that fails for another reason (the clearinghouse out of reach), or a message
        // ahead of this device's clock, stays unopened until the next refresh rather than
        // being marked invalid for good (extension/core/disclosures `temporaryOpeningCodes`).
        for (const d of newDisclosures) {
          const opened = await openDisclosure(d.sha256, d.jws, context).catch(() => undefined);
          if (opened !== undefined) disclosures.set(d.sha256, opened);
        }
        for (const a of newAnswers) {
          const opened = await openAnswer(a.request, a.answer, context).catch(() => undefined);
          if (opened !== undefined) answers.set(a.answer.sha256, opened);
        }
      }
    }
    // Issue 9: the regulator's decisions, each checked once against its published key; a
    // lookup that fails (out of reach) leaves it unchecked until the next refresh.
    const decisions = new Map<string, OpenedDecision>(
      (previous?.openedDecisions ?? []).filter(settled).map((d) => [d.sha256, d]),
    );
    const decided = fresh.complaints.flatMap((c) =>
      c.decision === null ? [] : [{ complaint: c.sha256, decision: c.decision }],
    );
    for (const d of decided) {
      if (decisions.has(d.decision.sha256)) continue;
      const opened = await openDecision(d.complaint, d.decision, {
        clearinghouseOrigin: this.ports.clearinghouseOrigin,
        nowMs: this.ports.clock.now(),
        personKey,
      }).catch(() => undefined);
      // A decision ahead of this device's clock is checked again too.
      if (opened !== undefined && settled(opened)) decisions.set(d.decision.sha256, opened);
    }
    // A kept disclosure keeps its copy while it cannot be opened again (one an earlier version
    // kept as invalid for a passing reason): without it, the next refresh would not keep it.
    const earlier = new Map((previous?.openedDisclosures ?? []).map((d) => [d.sha256, d]));
    const copyOf = (sha: string, kept: boolean) =>
      disclosures.get(sha) ?? (kept ? earlier.get(sha) : undefined) ?? [];
    return {
      disclosures: listed,
      dataRequests,
      openedDisclosures: [
        ...past.disclosures.flatMap((d) => copyOf(d.sha256, true)),
        ...fresh.disclosures.flatMap((d) => copyOf(d.sha256, false)),
      ],
      openedAnswers: answered.flatMap((a) => answers.get(a.answer.sha256) ?? []),
      openedDecisions: decided.flatMap((d) => decisions.get(d.decision.sha256) ?? []),
    };
  }

  /**
   * Settles the messages the wallet signed but never saw stored (the service worker stopped in
   * between, or the answer was lost): each is looked up in the clearinghouse's view of its
   * pseudonym. Stored: the relationship and receipt are fetched into the vault as `answer` would
   * have. Not stored and past its `exp`: it can never be taken any more and is dropped. Not
   * stored yet: an answer stays for the next refresh (never sent from here: the customer's next
   * answer sends it); a revocation or data request is sent again, the same token. The
   * clearinghouse out of reach: it stays, and so do the entries after it, untried: each would
   * wait as long (up to timed-fetch's 60 s), holding the refresh and the offers queue behind it.
   *
   * `reads`: the registry reads of the operation it is part of (by default its own).
   *
   * @returns the number of answers settled into the vault.
   */
  async resumeOutbox(reads: RegistryReads): Promise<number> {
    const entries = await outboxRead(this.ports.store);
    if (Object.keys(entries).length === 0) return 0;
    // Nothing is sent again without a pinned log key (`requirePin`); what the clearinghouse
    // stored already is settled all the same, its receipt pending until a key is pinned.
    const pinned = (await this.pin()) !== null;
    let settled = 0;
    for (const [sha256, entry] of Object.entries(entries)) {
      // In the request's (or the ask's) turn, so an answer to it under way (answerSentBefore,
      // askedBefore) and this never settle the same entry twice; entries written before session
      // 13 name neither.
      const resume = () => this.resumeOne(sha256, entry, pinned, reads);
      const turn = entry.request ?? entry.ask;
      const outcome =
        turn === undefined
          ? await resume()
          : await inTurn(this.ports.store, `${entry.company} ${turn}`, resume);
      if (outcome === 'settled') settled++;
      if (outcome === 'unanswered') break;
    }
    return settled;
  }

  /** The verified receipt of `sha256` the vault holds for `identity`, or null (still pending). */
  private async storedReceipt(
    identity: CompanyIdentity,
    sha256: string,
  ): Promise<StoredReceipt | null> {
    const stored = await this.relationship(identity.pseudonym);
    return stored?.receipts.find((r) => r.sha256 === sha256) ?? null;
  }

  /**
   * One outbox entry of {@link resumeOutbox}: settled, kept for the next refresh, dropped, or
   * kept because the clearinghouse gave no answer at all (`unanswered`: the round stops).
   * `pinned`: a log key is pinned; without one a message not stored yet is kept, not sent.
   */
  private async resumeOne(
    sha256: string,
    { company, kind, jws, exp }: OutboxEntry,
    pinned: boolean,
    reads: RegistryReads,
  ): Promise<'settled' | 'kept' | 'dropped' | 'unanswered'> {
    // Settled meanwhile by an answer to the same request.
    const current = (await outboxRead(this.ports.store))[sha256];
    if (current === undefined) return 'dropped';
    const open = exp + outboxSkewSeconds >= this.nowSeconds();
    const drop = () => outboxUpdate(this.ports.store, (entries) => void delete entries[sha256]);
    if (current.settled === true) {
      // Settled by an earlier refresh: an answer is kept while the customer may still answer the
      // same request again (answerSentBefore); a revocation or data request settled is never
      // sent for a later ask (askedBefore), so it goes.
      if (open && current.request !== undefined) return 'kept';
      await drop();
      return 'dropped';
    }
    await ready();
    const identity = await this.identity(company);
    let stored = false;
    let fresh: ClearinghouseRelationship | undefined;
    try {
      fresh = v.parse(
        clearinghouseRelationship,
        await this.ports.clearinghouse.relationships({
          id: identity.pseudonym,
          keyPair: identity.keyPair,
        }),
      );
      stored = listedOf(fresh, kind).some((m) => m.sha256 === sha256);
    } catch (e) {
      if (!(e instanceof ApiProblem && e.status === 404))
        return unanswered(e) ? 'unanswered' : 'kept';
    }
    if (!stored) {
      if (!open) {
        await drop();
        return 'dropped';
      }
      // It could still arrive within its window. An answer goes again only when the customer
      // answers again (answerSentBefore); a revocation or data request the customer asked for
      // goes again now, the same token, so what they asked for is done once it can be: once a
      // log key is pinned to check its receipt with.
      if (current.ask === undefined || !pinned) return 'kept';
      // "All" means every grant when it is stored: sent now, after the customer granted again,
      // it would take back the new grant too. It goes as a revocation of the grants it was asked
      // for (given before it was signed), signed anew; this one, never stored, goes.
      const narrowed = kind === 'revocation' ? grantsAskedFor(jws, fresh) : undefined;
      if (narrowed !== undefined) {
        try {
          if (narrowed.length > 0) {
            await this.revokeGrants(
              company,
              narrowed.map((grantSha256) => ({ grantSha256 })),
              reads,
            );
          }
        } catch (e) {
          if (!refusedForAReason(e)) return unanswered(e) ? 'unanswered' : 'kept';
        }
        await drop();
        return 'dropped';
      }
      try {
        await this.submit(kind, jws);
      } catch (e) {
        if (!refusedForAReason(e)) return unanswered(e) ? 'unanswered' : 'kept';
        await drop();
        return 'dropped';
      }
    }
    try {
      // A receipt that does not verify stays pending in the vault with the message (settle): the
      // refresh goes on, and the relationship shows what the clearinghouse holds.
      await this.settle(identity, { sha256, kind, jws }, reads);
    } catch (e) {
      // Its receipt is pending in the vault (settle records it first); the entry stays.
      if (unanswered(e)) return 'unanswered';
      throw e;
    }
    // An answer stays, marked, while the customer may still answer the same request again
    // (answerSentBefore); a revocation or data request, and an entry that names no request
    // (written before session 13), goes.
    if (open && current.request !== undefined) {
      await outboxUpdate(this.ports.store, (entries) => {
        if (entries[sha256] !== undefined) entries[sha256] = { ...entries[sha256], settled: true };
      });
    } else await drop();
    return 'settled';
  }

  /**
   * Refreshes the relationship with `company` from the clearinghouse and fetches receipts that
   * were still pending.
   *
   * @example
   * ```ts
   * const record = await wallet.refreshCompany('co_…');
   * ```
   */
  async refreshCompany(company: string): Promise<WalletRelationship> {
    await ready();
    const identity = await this.identity(company);
    const previous = await this.relationship(identity.pseudonym);
    const fetched = await this.fetchPending(previous?.pendingReceipts ?? [], { strict: true });
    return this.refresh(identity, [], fetched, new RegistryReads());
  }

  /**
   * Asks `company` for access to, or erasure of, what it holds (GDPR Art. 15 and 17): a signed,
   * logged `data-request`; the answer shows in the relationship once the company gives it. Its
   * receipt is the customer's proof of the day it was asked (an overdue answer is a finding): it
   * is recorded as pending before it is fetched, and fetched by a later refresh when the log
   * cannot give it now. Asking the same again while the first one's outcome is unknown sends the
   * first one again (`sendAsked`), never a second logged request.
   *
   * @throws ProtocolError as {@link revoke}.
   *
   * @example
   * ```ts
   * await wallet.requestData('co_…', 'erasure');
   * ```
   */
  async requestData(
    company: string,
    type: 'access' | 'erasure',
  ): Promise<{ sha256: string; receipt: StoredReceipt | null }> {
    await ready();
    const identity = await this.identity(company);
    return this.sendAsked(
      identity,
      'data-request',
      askOf('data-request', type),
      (claims) => signMessage('data-request', { ...claims, type }, identity.keyPair),
      new RegistryReads(),
    );
  }

  /**
   * Corrects one data category once: every company holding it under an active grant gets a
   * `correction` sealed to its first current key (not logged: relayed). Each holder's signed
   * message is in the vault (`correctionsRecord`) before it is sent and stays there until the
   * clearinghouse took it, so a holder out of reach now is told by a later refresh
   * (`resumeCorrections`) or by correcting the same again, which goes only to the holders not
   * told yet, each with the very token it was sent before. A different value replaces the
   * correction still under way for that category and goes to every holder.
   *
   * @returns `sent`: the holders told this correction (now or by an earlier try); `failed`: those
   *   still to be told (out of reach, or refused: see {@link withPendingCorrections}).
   * @throws ProtocolError `ERR_WALLET_CHOICE_INVALID` for a value no correction can carry, the
   *   vault's codes; never for the network.
   * @example
   * ```ts
   * const { sent, failed } = await wallet.correct('address', 'Hauptstraße 1, 12345 Beispielstadt');
   * ```
   */
  async correct(
    dataCategory: DataCategory,
    value: string,
  ): Promise<{ sent: string[]; failed: string[] }> {
    if (!v.is(correctionContent, { dataCategory, value }))
      fail('ERR_WALLET_CHOICE_INVALID', 'not a value a correction can carry');
    await ready();
    const store = this.ports.store;
    return inCorrectionTurn(store, async () => {
      const { items } = await this.list();
      const holders = items
        .filter((r) =>
          r.grants.some(
            (g) =>
              g.status === 'active' &&
              grantScopes(g.jws).some((s) => s.dataCategories.includes(dataCategory)),
          ),
        )
        .map((r) => r.company.id);
      const corrections = await readCorrections(store);
      const valueSha256 = base64urlEncode(sha256(utf8Encode(value)));
      const earlier = corrections[dataCategory];
      const entry: CorrectionEntry =
        earlier !== undefined && earlier.valueSha256 === valueSha256
          ? { ...earlier, value }
          : { dataCategory, valueSha256, value, at: this.nowSeconds(), told: [], pending: {} };
      for (const company of holders) {
        const holder = entry.pending[company];
        if (entry.told.includes(company) || (holder !== undefined && holder.error === undefined))
          continue;
        // New, or refused before: the customer asks again, so it is sealed afresh (to the key
        // current now) in a new token.
        entry.pending[company] = {};
      }
      for (const [company, holder] of Object.entries(entry.pending))
        if (holder.error !== undefined && !holders.includes(company)) delete entry.pending[company];
      if (Object.keys(entry.pending).length === 0) delete corrections[dataCategory];
      else corrections[dataCategory] = entry;
      await writeCorrections(store, corrections); // before anything is sent
      await this.sendCorrections(corrections, [dataCategory], new RegistryReads());
      return { sent: [...entry.told], failed: Object.keys(entry.pending).sort() };
    });
  }

  /**
   * Sends the corrections still under way that the clearinghouse has not refused (a refresh's
   * part of {@link correct}); `reads`: the registry reads of the operation it is part of (by
   * default its own).
   *
   * @returns how many holders are still to be told.
   */
  async resumeCorrections(reads: RegistryReads): Promise<number> {
    const store = this.ports.store;
    return inCorrectionTurn(store, async () => {
      const corrections = await readCorrections(store);
      const categories = Object.keys(corrections) as DataCategory[];
      if (categories.length === 0) return 0;
      await ready();
      await this.sendCorrections(corrections, categories, reads);
      return Object.values(corrections).reduce((n, e) => n + Object.keys(e.pending).length, 0);
    });
  }

  /**
   * `items` with the corrections still to reach each company (`pendingCorrections`), for the
   * dashboard: the vault's relationship records never hold them.
   *
   * @example
   * ```ts
   * const shown = await wallet.withPendingCorrections((await wallet.list()).items);
   * ```
   */
  async withPendingCorrections(items: WalletRelationship[]): Promise<WalletRelationship[]> {
    let corrections: Record<string, CorrectionEntry>;
    try {
      corrections = await readCorrections(this.ports.store);
    } catch (e) {
      // A damaged record is listed by the vault itself; the relationships still show.
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return items;
      throw e;
    }
    const byCompany = new Map<string, NonNullable<WalletRelationship['pendingCorrections']>>();
    for (const entry of Object.values(corrections))
      for (const [company, holder] of Object.entries(entry.pending))
        byCompany.set(company, [
          ...(byCompany.get(company) ?? []),
          { dataCategory: entry.dataCategory, error: holder.error ?? null },
        ]);
    return items.map((r) => {
      const pending = byCompany.get(r.company.id);
      return pending === undefined ? r : { ...r, pendingCorrections: pending };
    });
  }

  /**
   * Sends every pending correction of `categories` not refused before, writing the record as it
   * goes; stops when the clearinghouse does not answer at all (the rest would wait as long, up to
   * 60 s each), not when it answers with a server error (that may be one message's alone).
   */
  private async sendCorrections(
    corrections: Record<string, CorrectionEntry>,
    categories: readonly DataCategory[],
    reads: RegistryReads,
  ): Promise<void> {
    const save = () => writeCorrections(this.ports.store, corrections);
    for (const category of categories) {
      const entry = corrections[category];
      if (entry === undefined) continue;
      for (const company of Object.keys(entry.pending).sort()) {
        if (entry.pending[company]?.error !== undefined) continue;
        const outcome = await this.sendCorrection(entry, company, save, reads);
        if (outcome === 'told') {
          delete entry.pending[company];
          entry.told.push(company);
        } else if (typeof outcome === 'object') {
          const { jws: _jws, value: _value, ...rest } = entry.pending[company]!;
          entry.pending[company] = { ...rest, error: outcome.refused };
        }
        // A refused holder is not sent again until the customer corrects again (which gives the
        // value anew): with no other holder to tell, the value is needed no more.
        if (Object.values(entry.pending).every((h) => h.error !== undefined)) delete entry.value;
        if (Object.keys(entry.pending).length === 0) delete corrections[category];
        await save();
        if (outcome === 'unreachable') return;
      }
    }
  }

  /**
   * Tells one holder: seals the value to the company's first current key (again when the key it
   * was sealed to has been replaced since), signs, writes the token (`save`) before it is sent,
   * and sends it; a token sent before goes again as it is.
   */
  private async sendCorrection(
    entry: CorrectionEntry,
    company: string,
    save: () => Promise<void>,
    reads: RegistryReads,
  ): Promise<'told' | 'unreachable' | 'later' | { refused: ProtocolErrorCode }> {
    const ch = this.ports.clearinghouse;
    let holder = entry.pending[company]!;
    const update = (next: CorrectionHolder) => {
      holder = next;
      entry.pending[company] = next;
    };
    const value = holder.value ?? entry.value;
    /** A key the company signs and is sealed to now: neither retired nor declared compromised. */
    const usable = (k: { retiredAt: number | null; compromisedSince: number | null }) =>
      k.retiredAt === null && k.compromisedSince === null;
    if (holder.sealed !== undefined && holder.sealedTo !== undefined && value !== undefined) {
      // The key it was sealed to was replaced before the clearinghouse took it: a retired key's
      // private part may be gone by the time the company fetches it (the reference site prunes
      // them), and a compromised one's may be someone else's. Sealed again to the current key,
      // in a new token; should the first have arrived after all (its answer lost), the company
      // gets it twice, and applying a correction twice changes nothing.
      let registry: Awaited<ReturnType<WalletClearinghouse['getCompany']>> | undefined;
      try {
        registry = await reads.companyEntry(ch, company);
      } catch {
        registry = undefined; // out of reach: sent as it is, as before
      }
      const was = registry?.keys?.find((k) => k.kid === holder.sealedTo);
      // Only with a key to seal to now: else the token goes as it is.
      if (
        registry?.id === company &&
        (registry.keys ?? []).some(usable) &&
        (was === undefined || !usable(was))
      )
        update({});
    }
    if (holder.sealed === undefined) {
      if (value === undefined) return { refused: 'ERR_MESSAGE_INVALID' };
      let registry: Awaited<ReturnType<WalletClearinghouse['getCompany']>>;
      try {
        registry = await reads.companyEntry(ch, company);
      } catch (e) {
        return correctionProblem(e);
      }
      const key = registry.keys?.find(usable);
      if (registry.id !== company || key === undefined)
        return { refused: 'ERR_COMPANY_KEY_UNKNOWN' };
      const sealed = base64urlEncode(
        sealTo(publicKeyOf(key.jwk.x), JSON.stringify({ dataCategory: entry.dataCategory, value })),
      );
      update({ sealed, sealedTo: key.kid });
    }
    for (let round = 0; round < 2; round++) {
      let jws = holder.jws;
      if (jws === undefined) {
        const identity = await this.identity(company);
        jws = await signMessage(
          'correction',
          { ...this.claims(identity), dataCategory: entry.dataCategory, sealed: holder.sealed! },
          identity.keyPair,
        );
        update({ ...holder, jws });
        await save(); // from here on the clearinghouse may hold it
      }
      try {
        await ch.sendCorrection(jws);
        return 'told';
      } catch (e) {
        // Its jti is taken: it arrived before (and the company has fetched it since).
        if (e instanceof ApiProblem && e.code === 'ERR_JWS_REPLAYED') return 'told';
        // Its window closed before the clearinghouse ever took it: the same sealed value in a
        // new token. (Taken, fetched and expired meanwhile, the company gets it twice; applying
        // a correction twice changes nothing.)
        if (round === 0 && e instanceof ApiProblem && e.code === 'ERR_JWS_EXPIRED') {
          const { jws: _expired, ...rest } = holder;
          update(rest);
          continue;
        }
        return correctionProblem(e);
      }
    }
    return 'unreachable';
  }

  /**
   * Refreshes every stored relationship from the clearinghouse in signed batches of at most 100
   * (docs/api.md `POST /api/v1/relationships/batch`); an item the clearinghouse cannot answer
   * keeps its stored copy. Receipts still pending are looked for once more; the outbox's
   * messages and the corrections under way are settled or sent first (`resumeOutbox`,
   * `resumeCorrections`). Returns the relationships as now stored.
   *
   * Built for hundreds of companies (issue 9, bench/portal/me.ts): `items` may be the list the
   * caller has just read (no second read); two batches are in flight at once, so the
   * clearinghouse answers one while the next is signed and sent; only records that changed are
   * written, all in one vault transaction. Each company's registry entry is read once in all of
   * it (./registry-reads).
   *
   * @example
   * ```ts
   * const items = await wallet.refreshAll();
   * ```
   */
  async refreshAll(items?: readonly WalletRelationship[]): Promise<WalletRelationship[]> {
    await ready();
    const reads = new RegistryReads();
    const store = this.ports.store;
    const revisions = new Map(writesOf(store).revision);
    const resumed = await this.resumeOutbox(reads);
    try {
      await this.resumeCorrections(reads);
    } catch (e) {
      // A damaged corrections record is the vault's to list; the relationships still refresh.
      if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
    }
    const current = items !== undefined && resumed === 0 ? items : (await this.list()).items;
    const seed = await this.ports.masterSeed();
    const batches: WalletRelationship[][] = [];
    for (let start = 0; start < current.length; start += refreshBatch)
      batches.push(current.slice(start, start + refreshBatch));
    const views = new Map<string, ViewRead>();
    const refreshed = await inParallel(batches, refreshInFlight, (batch) =>
      this.refreshBatch(seed, batch, views, reads),
    );
    const out = refreshed.flat();
    const changed = out.flatMap((r, i) => (r === current[i] ? [] : [i]));
    // `current` was read before the network calls: what a revocation or data request recorded
    // since is merged in, not written over (writeRelationships).
    if (changed.length > 0) {
      const written = await this.writeRelationships(
        changed.map((i) => ({ record: out[i]!, view: views.get(out[i]!.pseudonym) ?? null })),
        true,
      );
      for (const [n, i] of changed.entries()) out[i] = written[n]!;
    }
    // Records it left alone that a revocation or data request wrote meanwhile: as now stored.
    const { revision } = writesOf(store);
    for (const [i, r] of out.entries())
      if (r === current[i] && revision.get(r.pseudonym) !== revisions.get(r.pseudonym))
        out[i] = (await this.relationship(r.pseudonym)) ?? r;
    await this.ports.store.put(refreshedRecord.table, refreshedRecord.id, {
      v: 1,
      at: this.ports.clock.now(),
    });
    return out;
  }

  /**
   * When {@link refreshAll} last completed (ms), or null: the "as of" of the stored copy.
   *
   * @example
   * ```ts
   * const asOf = await wallet.refreshedAt();
   * ```
   */
  async refreshedAt(): Promise<number | null> {
    try {
      const raw = (await this.ports.store.get(refreshedRecord.table, refreshedRecord.id)) as
        { at?: unknown } | undefined;
      const at = raw?.at;
      return typeof at === 'number' && Number.isSafeInteger(at) && at >= 0 ? at : null;
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
      throw e;
    }
  }

  /**
   * One signed batch: each item as refreshed, or the very same object when nothing changed;
   * `views` gets the view read (`ViewRead`) for each item it brings a view of.
   */
  private async refreshBatch(
    seed: Uint8Array,
    batch: readonly WalletRelationship[],
    views: Map<string, ViewRead>,
    reads: RegistryReads,
  ): Promise<WalletRelationship[]> {
    const identities = await Promise.all(batch.map((r) => companyIdentity(seed, r.company.id)));
    const view = writesOf(this.ports.store).nextView++;
    let answer: Awaited<ReturnType<WalletClearinghouse['relationshipsBatch']>>;
    try {
      answer = await this.ports.clearinghouse.relationshipsBatch(
        identities.map((i) => ({ id: i.pseudonym, keyPair: i.keyPair })),
      );
    } catch (e) {
      throw fromClearinghouse(e);
    }
    const results = Array.isArray(answer?.results) ? answer.results : [];
    const out: WalletRelationship[] = [];
    for (const [index, identity] of identities.entries()) {
      const previous = batch[index]!;
      out.push(previous);
      const result = results[index];
      if (result === undefined || result.status !== 200 || !('relationships' in result)) continue;
      const parsed = v.safeParse(clearinghouseRelationship, result.relationships);
      if (!parsed.success || parsed.output.pseudonym !== identity.pseudonym) continue;
      const record: WalletRelationship = {
        ...parsed.output,
        ...(await this.checkOwn(identity, parsed.output, previous, [])),
        receipts: previous.receipts,
        pendingReceipts: previous.pendingReceipts,
        ...(previous.receiptsGivenUp === undefined
          ? {}
          : { receiptsGivenUp: previous.receiptsGivenUp }),
        ...(await this.openObligations(identity, parsed.output, previous, reads)),
      };
      // Unchanged (the usual case): keep the stored object, so it is not written again.
      if (!sameRecord(record, previous)) {
        out[index] = record;
        views.set(identity.pseudonym, viewRead(view, parsed.output));
      }
    }
    // Receipts still to come (the log was slow or out of reach when the message went): one quick
    // look each, no long poll, so a refresh of hundreds stays quick; what is not there yet waits
    // for the next refresh, and so does one that does not verify (shown as still to come).
    for (const [index, record] of out.entries()) {
      if (record.pendingReceipts.length === 0) continue;
      const fetched = await this.fetchPending(record.pendingReceipts, {
        strict: false,
        attempts: 1,
        waitSeconds: 0,
      });
      if (fetched.length === 0) continue;
      out[index] = {
        ...record,
        receipts: [...record.receipts, ...fetched],
        pendingReceipts: record.pendingReceipts.filter(
          (p) => !fetched.some((r) => r.sha256 === p.sha256),
        ),
      };
    }
    return out;
  }

  /**
   * Every stored relationship (damaged records are listed apart, never dropped).
   *
   * @example
   * ```ts
   * const { items } = await wallet.list();
   * ```
   */
  async list(): Promise<{ items: WalletRelationship[]; damaged: string[] }> {
    const { items, damaged } = await this.ports.store.list('relationships');
    const out: WalletRelationship[] = [];
    const bad = damaged.map((d) => d.id);
    for (const item of items) {
      const parsed = v.safeParse(walletRelationship, item.value);
      if (parsed.success) out.push(parsed.output);
      else bad.push(item.id);
    }
    return { items: out, damaged: bad };
  }
}

/** Where the time of the last complete refresh is kept (issue 9: the page's "as of"). */
export const refreshedRecord = { table: 'profile', id: 'relationships-refreshed' } as const;

/** Pseudonyms per signed batch call (the endpoint's maximum). */
const refreshBatch = 100;
/** Batch calls in flight at once during {@link Wallet.refreshAll}. */
const refreshInFlight = 2;

/** Runs `work` over `items` with at most `limit` at once; results in the order of `items`. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Opened, or invalid for good: nothing to open again (`toOpenAgain`: a passing reason, or an older schema). */
function settled(opened: { state: string; code?: string; revision?: number }): boolean {
  return !toOpenAgain(opened);
}

/** True when two relationship records hold the same data. */
function sameRecord(a: WalletRelationship, b: WalletRelationship): boolean {
  return sameJson(a, b);
}

/**
 * For a revocation of `all` that was never stored: the grants active at the clearinghouse that
 * were given at or before its `iat` (the ones it was asked for), when some active grant was given
 * after it; `undefined` when none was (it can go as it is) or it names its grants itself.
 */
function grantsAskedFor(
  revocationJws: string,
  fresh: ClearinghouseRelationship | undefined,
): string[] | undefined {
  const iatOf = (jws: string) => {
    const { iat } = storedPayload(jws);
    return typeof iat === 'number' ? iat : undefined;
  };
  const asked = iatOf(revocationJws);
  if (storedPayload(revocationJws).grants !== 'all' || asked === undefined || fresh === undefined) {
    return undefined;
  }
  const active = fresh.grants.filter((g) => g.status === 'active');
  const later = active.filter((g) => (iatOf(g.jws) ?? 0) > asked);
  if (later.length === 0) return undefined;
  return active.filter((g) => !later.includes(g)).map((g) => g.sha256);
}

/**
 * The scopes of a grant the vault holds (signed by the customer's key, checked when it was
 * stored: ./own-messages); [] when unreadable.
 */
function grantScopes(jws: string): { dataCategories: string[] }[] {
  try {
    const payload = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as {
      scopes?: unknown;
    };
    if (!Array.isArray(payload.scopes)) return [];
    return payload.scopes.map((s: { dataCategories?: unknown }) => ({
      dataCategories: Array.isArray(s?.dataCategories)
        ? s.dataCategories.filter((c): c is string => typeof c === 'string')
        : [],
    }));
  } catch {
    return [];
  }
}

/** The 32 key bytes of an Ed25519 JWK's `x`. */
function publicKeyOf(x: string): Uint8Array {
  return base64urlDecode(x);
}
