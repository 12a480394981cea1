/**
 * Every message between the extension's parts (popup, background, later content scripts and the
 * dashboard): one tagged union on `type`, parsed with valibot where it crosses a boundary. A message
 * is attacker-controlled until parsed: objects are strict (unknown fields rejected), every string
 * and number bounded, and a failure is a `ProtocolError`, never another exception.
 *
 * The test-build messages (`test.*`) join the union only when `isTestBuild` is true; their schemas
 * are built inside functions that only that branch calls, so shipped bundles do not contain them.
 */
import * as v from 'valibot';
import { ProtocolError, protocolErrorCodes, type ProtocolErrorCode } from '../protocol/errors';
import { locales } from '../protocol/i18n';
import { blacklistReasons } from '../protocol/messages/rights';
import { channel, distinct, epochSeconds, purpose, text } from '../protocol/messages/primitives';
import {
  blacklistEntry,
  blacklistEntryId,
  blacklistSignalChoices,
  blacklistTarget,
  contactFeedbacks,
  profile,
  profileLimits,
} from '../protocol/profile';
import { isTestBuild } from './build';
import { logKeyOutcomes, logKeyText, settingsSchema } from './core/settings';
import { offerCategory, rewardContent, schemas as messageSchemas } from '../protocol/messages';
import { companyId, sha256 as sha256Text } from '../protocol/messages/primitives';
import { revokedGrant } from '../protocol/messages/consent';
import { channelsToAllow, consentChoice, walletRelationship } from './core/wallet';
import { signalStates } from './core/blacklist-signals';
import {
  complaintDraft,
  disclosureComplaintReasons,
  manualComplaintReasons,
  maxCommentChars,
  maxComplaintDrafts,
} from './core/complaints';
import { ledgerEntry, maxLedgerEntries, maxListedRewards } from './core/ledger';
import { maxRejectedRewards, maxStoredOffers, rejectedReward, storedOffer } from './core/offers';
import { companyPause, pauseLimits } from '../protocol/filter/pause';
import { siteDecisions, siteRecord } from './core/sites';
import { channelIds, dataCategoryIds, purposeIds } from '../protocol/vocabulary';
import { unexpectedActionError } from './core/customer-view';
import { maxProblems, problemEntry } from './core/problem-log';

/** Latest instant a clock may be set to: the ECMAScript Date range, in milliseconds. */
const maxTimeMs = 8.64e15;
const timeMs = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(maxTimeMs));
/** A manifest version: one to four dot-separated integers (Chrome's rule, which Firefox accepts). */
const manifestVersion = v.pipe(v.string(), v.maxLength(23), v.regex(/^\d{1,5}(?:\.\d{1,5}){0,3}$/));

/** A stored profile's revision: base64url SHA-256 (extension/core/preferences `ProfileRevision`). */
const profileRevision = sha256Text;

const pingRequest = v.strictObject({ type: v.literal('ping') });
const pongResponse = v.strictObject({
  type: v.literal('pong'),
  version: manifestVersion,
  now: timeMs,
});
const errorResponse = v.strictObject({
  type: v.literal('error'),
  code: v.picklist(protocolErrorCodes),
});

/** A passphrase as typed: bounded, otherwise opaque (the vault checks it). */
const passphrase = v.pipe(v.string(), v.maxLength(1024));
/** A typed recovery phrase: 24 words, generous for stray whitespace. */
const phrase = v.pipe(v.string(), v.maxLength(1024));
/** A backup file's text (extension/vault/backup bounds it again). */
const backupFile = v.pipe(v.string(), v.maxLength(64 * 1024 * 1024));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000));
const damagedRecord = v.strictObject({
  table: v.pipe(v.string(), v.maxLength(32)),
  id: v.pipe(v.string(), v.maxLength(64)),
});
const damagedList = v.pipe(v.array(damagedRecord), v.maxLength(1_000_000));

/** A pending consent window's ticket: 16 random bytes as hex. */
const ticket = v.pipe(v.string(), v.length(32), v.regex(/^[0-9a-f]{32}$/));
/** The id the page chose for its request (protocol/connect). */
const pageRequestId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
/** How a request ended, as the bridge tells the page (protocol/connect `ConnectOutcome`). */
const bridgeOutcome = v.variant('outcome', [
  v.strictObject({ outcome: v.literal('granted'), receipt: sha256Text }),
  v.strictObject({ outcome: v.literal('refused') }),
  v.strictObject({ outcome: v.literal('cancelled') }),
  v.strictObject({ outcome: v.literal('error'), code: v.picklist(protocolErrorCodes) }),
]);
/** A checked request as the consent window shows it (extension/core/wallet `CheckedRequest`). */
const checkedRequest = v.strictObject({
  sha256: sha256Text,
  jws: v.pipe(v.string(), v.maxLength(64 * 1024)),
  request: messageSchemas['grant-request'],
  company: v.strictObject({
    id: companyId,
    legalName: text(300),
    domain: v.pipe(v.string(), v.maxLength(255)),
    brands: v.pipe(v.array(text(100)), v.maxLength(32)),
  }),
  pseudonym: v.pipe(v.string(), v.maxLength(46)),
  source: v.picklist(['bridge', 'link', 'inbox']),
});
const relationshipList = v.pipe(v.array(walletRelationship), v.maxLength(100_000));
/** A customer action from the clearinghouse's "my data" page (protocol/connect `CustomerAction`). */
const customerAction = v.variant('kind', [
  v.strictObject({ kind: v.picklist(['revoke', 'access', 'erasure']), company: companyId }),
  v.strictObject({ kind: v.literal('correct'), dataCategory: v.picklist(dataCategoryIds) }),
]);
/** How a customer action ended (extension/core/customer-view `ActionOutcome`). */
const actionOutcome = v.variant('outcome', [
  v.strictObject({ outcome: v.literal('done') }),
  v.strictObject({ outcome: v.literal('cancelled') }),
  v.strictObject({
    outcome: v.literal('error'),
    code: v.picklist([...protocolErrorCodes, unexpectedActionError]),
  }),
]);
/** A grant request link or its hash, as pasted (extension/core/wallet checks it). */
const requestLink = v.pipe(v.string(), v.maxLength(2048));

/** One grant in force: since and until when (epoch seconds), its purposes not revoked. */
const grantInForce = {
  since: epochSeconds,
  until: epochSeconds,
  purposes: distinct(purpose, 1, purposeIds.length),
};
/**
 * A grant in force as the consent window is told of it before the answer (`wallet.pending`):
 * `withdrawnByRefusal` when it was given earlier to this same request and is still in the
 * outbox, so that a refusal revokes it first (extension/core/wallet `grantsRevokedByRefusal`).
 */
const activeGrant = v.strictObject({
  ...grantInForce,
  withdrawnByRefusal: v.optional(v.literal(true)),
});
/**
 * A grant still in force once a refusal went (`bridge.outcome`): `notWithdrawn` when the window
 * had been told that the refusal withdraws it (`withdrawnByRefusal`), and it did not: the wallet
 * no longer held it as an answer to this request in the outbox when the refusal went (it had
 * reached the company, and its outbox entry was settled and gone, or another window's answer
 * to the same request had taken it). The window says so rather than contradict itself silently.
 */
const grantLeft = v.strictObject({
  ...grantInForce,
  notWithdrawn: v.optional(v.literal(true)),
});
/** A grant in force as the consent window is told of it before the answer ({@link activeGrant}). */
export type ActiveGrant = v.InferOutput<typeof activeGrant>;
/** A grant still in force after a refusal, as the consent window is told of it ({@link grantLeft}). */
export type GrantLeft = v.InferOutput<typeof grantLeft>;
/**
 * The grants the customer gave a company that are in force, as the wallet stores the relationship
 * (active, not past their end; the purposes not revoked), oldest first (extension/service.ts
 * `activeGrantsOf`), each an `entry`. Never empty: none is said by leaving it out.
 */
function activeGrantList<S extends v.GenericSchema>(entry: S) {
  return v.pipe(v.array(entry), v.minLength(1), v.maxLength(1000));
}

/**
 * The Assistant's requests (issue 6): onboarding, unlock, lock, status, profile, blacklist,
 * backup, restore, recovery, wipe and settings. Each names the `type` of its success answer.
 */
const vaultRequests = {
  'vault.status': [v.strictObject({ type: v.literal('vault.status') }), 'vault.status'],
  'vault.create': [
    v.strictObject({ type: v.literal('vault.create'), passphrase }),
    'vault.created',
  ],
  'vault.unlock': [v.strictObject({ type: v.literal('vault.unlock'), passphrase }), 'vault.status'],
  'vault.lock': [v.strictObject({ type: v.literal('vault.lock') }), 'vault.status'],
  'vault.change-passphrase': [
    v.strictObject({
      type: v.literal('vault.change-passphrase'),
      current: passphrase,
      next: passphrase,
    }),
    'ok',
  ],
  'vault.recover': [
    v.strictObject({ type: v.literal('vault.recover'), phrase, passphrase }),
    'vault.recovered',
  ],
  'vault.wipe': [
    v.strictObject({ type: v.literal('vault.wipe'), confirm: v.literal(true) }),
    'vault.status',
  ],
  'vault.damaged': [v.strictObject({ type: v.literal('vault.damaged') }), 'vault.damaged'],
  /** The recovery phrase again, only while it is not confirmed (onboarding left before). */
  'vault.phrase': [v.strictObject({ type: v.literal('vault.phrase') }), 'vault.created'],
  /** The customer typed the phrase's words back: it is no longer shown. */
  'vault.phrase-confirmed': [v.strictObject({ type: v.literal('vault.phrase-confirmed') }), 'ok'],
  'profile.get': [v.strictObject({ type: v.literal('profile.get') }), 'profile'],
  /**
   * The whole profile the dashboard edited, with the `revision` of the copy it was edited from
   * (the `profile` answer's): refused with `ERR_PROFILE_CHANGED`, nothing written, when the stored
   * profile changed meanwhile (extension/core/preferences `saveProfile`).
   */
  'profile.set': [
    v.strictObject({ type: v.literal('profile.set'), profile, revision: profileRevision }),
    'profile',
  ],
  'blacklist.list': [v.strictObject({ type: v.literal('blacklist.list') }), 'blacklist'],
  'blacklist.add': [
    v.strictObject({
      type: v.literal('blacklist.add'),
      target: blacklistTarget,
      reason: v.picklist(blacklistReasons),
      note: v.optional(text(profileLimits.noteChars)),
    }),
    'blacklist.added',
  ],
  'blacklist.remove': [
    v.strictObject({ type: v.literal('blacklist.remove'), id: blacklistEntryId }),
    'ok',
  ],
  'blacklist.signal': [
    v.strictObject({
      type: v.literal('blacklist.signal'),
      choice: v.picklist(blacklistSignalChoices),
    }),
    'profile',
  ],
  'backup.export': [v.strictObject({ type: v.literal('backup.export') }), 'backup'],
  'backup.restore': [
    v.strictObject({
      type: v.literal('backup.restore'),
      file: backupFile,
      passphrase,
      replace: v.boolean(),
    }),
    'vault.status',
  ],
  'problems.list': [v.strictObject({ type: v.literal('problems.list') }), 'problems'],
  'problems.clear': [v.strictObject({ type: v.literal('problems.clear') }), 'ok'],
  'settings.get': [v.strictObject({ type: v.literal('settings.get') }), 'settings'],
  'settings.set': [
    v.strictObject({ type: v.literal('settings.set'), settings: settingsSchema }),
    'settings',
  ],
  /** Reads the clearinghouse's description now and pins or compares its log key. */
  'settings.check-log-key': [
    v.strictObject({ type: v.literal('settings.check-log-key') }),
    'log-key',
  ],
  /** The customer checked the served key out of band: re-pin it (only the recorded one). */
  'settings.trust-log-key': [
    v.strictObject({ type: v.literal('settings.trust-log-key'), served: logKeyText }),
    'settings',
  ],
  // Issue 7: the page bridge (content script only) and the wallet (extension pages only).
  /** The bridge hands over a page's request; the background checks it and opens the window. */
  'bridge.request': [
    v.strictObject({ type: v.literal('bridge.request'), id: pageRequestId, request: sha256Text }),
    'bridge.accepted',
  ],
  /** The bridge asks whether the window was answered (null: not yet). */
  'bridge.poll': [v.strictObject({ type: v.literal('bridge.poll'), ticket }), 'bridge.outcome'],
  /** On the clearinghouse's own origin: the customer's view, as plain data. */
  'bridge.customer-view': [
    v.strictObject({
      type: v.literal('bridge.customer-view'),
      // Issue 9: the stored copy at once, then the refreshed one (protocol/connect).
      mode: v.picklist(['stored', 'refresh']),
    }),
    'bridge.customer-view',
  ],
  // Issue 9: actions from the clearinghouse's "my data" page, confirmed in the Assistant's window.
  /** The bridge hands over the page's action; the background opens the confirmation window. */
  'bridge.action': [
    v.strictObject({ type: v.literal('bridge.action'), action: customerAction }),
    'bridge.accepted',
  ],
  /** The bridge asks whether the action was confirmed and carried out (null: not yet). */
  'bridge.action-poll': [
    v.strictObject({ type: v.literal('bridge.action-poll'), ticket }),
    'bridge.action-outcome',
  ],
  /**
   * On the clearinghouse's own origin, while the vault is locked: open the dashboard (where the
   * Unlock form shows), or focus the one open (protocol/connect `unlock`).
   */
  'bridge.unlock': [v.strictObject({ type: v.literal('bridge.unlock') }), 'ok'],
  /** The confirmation window reads the action it shows. */
  'wallet.action-pending': [
    v.strictObject({ type: v.literal('wallet.action-pending'), ticket }),
    'wallet.action-pending',
  ],
  /** The customer's answer in the confirmation window (`value`: a correction's new value). */
  'wallet.action-answer': [
    v.strictObject({
      type: v.literal('wallet.action-answer'),
      ticket,
      confirm: v.boolean(),
      value: v.optional(text(4000)),
    }),
    'bridge.action-outcome',
  ],
  /** A request link or QR id typed or pasted in the dashboard. */
  'wallet.open-link': [
    v.strictObject({ type: v.literal('wallet.open-link'), link: requestLink }),
    'bridge.accepted',
  ],
  /** A targeted request (listed in the relationships view) to answer as that company's pseudonym. */
  'wallet.open-targeted': [
    v.strictObject({
      type: v.literal('wallet.open-targeted'),
      company: companyId,
      sha256: sha256Text,
    }),
    'bridge.accepted',
  ],
  'wallet.pending': [
    v.strictObject({ type: v.literal('wallet.pending'), ticket }),
    'wallet.pending',
  ],
  /**
   * The customer's answer in the consent window. `allowChannels`: channels of the grant the
   * customer also allows in the profile ("allow … in my profile"), added once the grant is
   * stored (extension/core/wallet `answer`); only with a grant, only channels it gives.
   */
  'wallet.answer': [
    v.strictObject({
      type: v.literal('wallet.answer'),
      ticket,
      choice: consentChoice,
      allowChannels: v.optional(channelsToAllow),
    }),
    'bridge.outcome',
  ],
  'wallet.cancel': [v.strictObject({ type: v.literal('wallet.cancel'), ticket }), 'ok'],
  'relationships.list': [
    v.strictObject({ type: v.literal('relationships.list'), refresh: v.boolean() }),
    'relationships',
  ],
  'relationships.revoke': [
    v.strictObject({
      type: v.literal('relationships.revoke'),
      company: companyId,
      grants: v.union([
        v.literal('all'),
        v.pipe(v.array(revokedGrant), v.minLength(1), v.maxLength(64)),
      ]),
    }),
    'relationships',
  ],
  'relationships.data-request': [
    v.strictObject({
      type: v.literal('relationships.data-request'),
      company: companyId,
      kind: v.picklist(['access', 'erasure']),
    }),
    'relationships',
  ],
  /**
   * The customer's own complaint about a disclosure the company sent: signed and submitted at
   * once with the disclosure as evidence, through the path of the offers' complaints
   * (extension/core/complaint-outbox). `other` requires a comment (refused without it,
   * `ERR_MESSAGE_INVALID`); one complaint per disclosure (a second: `ERR_COMPLAINT_DUPLICATE`).
   */
  'relationships.complain': [
    v.strictObject({
      type: v.literal('relationships.complain'),
      company: companyId,
      disclosure: sha256Text,
      reasons: distinct(
        v.picklist(disclosureComplaintReasons),
        1,
        disclosureComplaintReasons.length,
      ),
      comment: v.optional(text(maxCommentChars)),
    }),
    'relationships',
  ],
  /** Correct one data category once; every company holding it is told. */
  'relationships.correct': [
    v.strictObject({
      type: v.literal('relationships.correct'),
      dataCategory: v.picklist(dataCategoryIds),
      value: text(4000),
    }),
    'corrections.sent',
  ],
  // Issue 11: cookie banners (the detector and the injected autoconsent, pages only) and the
  // dashboard's sites view.
  /** The detector found a known platform: indexes into the detector table, and the page's URL. */
  'banners.detected': [
    v.strictObject({
      type: v.literal('banners.detected'),
      detectors: v.pipe(
        v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000))),
        v.minLength(1),
        v.maxLength(32),
      ),
      url: v.pipe(v.string(), v.maxLength(4096)),
    }),
    'ok',
  ],
  /** The injected autoconsent asks for its action and rules. */
  'banners.init': [v.strictObject({ type: v.literal('banners.init') }), 'banners.config'],
  /** autoconsent asks for one of its bundled page-world snippets by name. */
  'banners.eval': [
    v.strictObject({
      type: v.literal('banners.eval'),
      snippet: v.pipe(v.string(), v.maxLength(64)),
    }),
    'banners.eval-result',
  ],
  /** How the answer ended. */
  'banners.result': [
    v.strictObject({
      type: v.literal('banners.result'),
      platform: v.pipe(v.string(), v.maxLength(100)),
      outcome: v.picklist(['success', 'failure', 'no-popup']),
    }),
    'ok',
  ],
  'sites.list': [v.strictObject({ type: v.literal('sites.list') }), 'sites'],
  'sites.decide': [
    v.strictObject({
      type: v.literal('sites.decide'),
      site: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
      decision: v.picklist(siteDecisions),
    }),
    'sites',
  ],
  // Issue 8: the offers view, feedback, complaint drafts and the rewards ledger.
  'offers.list': [
    v.strictObject({ type: v.literal('offers.list'), markSeen: v.boolean() }),
    'offers',
  ],
  /**
   * The distinct category codes of the offers the Assistant holds, for the profile's category
   * suggestions: one read of the stored offers, without what `offers.list` builds and carries for
   * the offers view (every offer, its explanation, the drafts, the suggestions).
   */
  'offers.categories': [
    v.strictObject({ type: v.literal('offers.categories') }),
    'offers.categories',
  ],
  /** "Check now": syncs every inbox, then lists. */
  'offers.sync': [v.strictObject({ type: v.literal('offers.sync') }), 'offers'],
  /** "Show anyway" for a hidden or held offer. */
  'offers.show': [v.strictObject({ type: v.literal('offers.show'), id: sha256Text }), 'offers'],
  'offers.feedback': [
    v.strictObject({
      type: v.literal('offers.feedback'),
      id: sha256Text,
      feedback: v.picklist(contactFeedbacks),
    }),
    'offers',
  ],
  /** Revokes the offer's purpose under its grant (the wallet's partial revocation). */
  'offers.unsubscribe': [
    v.strictObject({ type: v.literal('offers.unsubscribe'), id: sha256Text }),
    'offers',
  ],
  'offers.complaint': [
    v.strictObject({
      type: v.literal('offers.complaint'),
      id: sha256Text,
      action: v.picklist(['submit', 'discard']),
      comment: v.optional(text(2000)),
    }),
    'offers',
  ],
  /**
   * The customer's own complaint about an offer, for a reason no filter can detect: signed and
   * submitted at once with the offer as evidence. `other` requires a comment (the inbox refuses
   * it without, `ERR_MESSAGE_INVALID`).
   */
  'offers.complain': [
    v.strictObject({
      type: v.literal('offers.complain'),
      id: sha256Text,
      reason: v.picklist(manualComplaintReasons),
      comment: v.optional(text(maxCommentChars)),
    }),
    'offers',
  ],
  'offers.auto-submit': [
    v.strictObject({ type: v.literal('offers.auto-submit'), on: v.boolean() }),
    'offers',
  ],
  /** A company the customer keeps turning away: pause it, resume it, refuse it, or dismiss. */
  'offers.company': [
    v.strictObject({
      type: v.literal('offers.company'),
      action: v.picklist(['pause', 'resume', 'dismiss', 'refuse']),
      company: companyId,
      /** For `pause` (required there: the inbox refuses a pause without it). */
      days: v.optional(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(pauseLimits.maxDays)),
      ),
    }),
    'offers',
  ],
  /** Forget what the filter learned (back to the profile's interests). */
  'offers.reset-model': [v.strictObject({ type: v.literal('offers.reset-model') }), 'ok'],
  'rewards.list': [v.strictObject({ type: v.literal('rewards.list') }), 'rewards'],
} as const;

const vaultResponses = [
  v.strictObject({ type: v.literal('ok') }),
  v.strictObject({
    type: v.literal('vault.status'),
    state: v.picklist(['absent', 'locked', 'unlocked']),
    /** Only while unlocked: how many entries the popup shows. */
    counts: v.nullable(v.strictObject({ blacklist: count, relationships: count })),
    language: v.nullable(v.picklist(locales)),
    /**
     * Only while unlocked, and only when so: the recovery phrase of a vault made here was never
     * typed back (its page was left before), so the dashboard asks for that first.
     */
    phraseUnconfirmed: v.optional(v.literal(true)),
    /**
     * Only in the answer to `backup.restore`: what became of the settings the backup carries
     * (extension/vault/backup `settingsRecord`): put back (`restored`), none in it (an older
     * Assistant's backup: `not-in-backup`), or not valid (`not-restored`: the vault is restored,
     * this device's settings kept whole); and the clearinghouse address in use now.
     */
    restoredSettings: v.optional(
      v.strictObject({
        outcome: v.picklist(['restored', 'not-in-backup', 'not-restored']),
        clearinghouseUrl: v.pipe(v.string(), v.maxLength(2048)),
      }),
    ),
  }),
  v.strictObject({
    type: v.literal('vault.created'),
    phrase: v.pipe(v.string(), v.maxLength(300), v.regex(/^[a-z]+(?: [a-z]+){23}$/)),
  }),
  v.strictObject({
    type: v.literal('vault.recovered'),
    companiesChecked: count,
    relationships: count,
    failed: count,
    /** Complaints the relationships listed that the vault now holds (extension/core/recovery). */
    complaints: v.optional(count),
    /** Complaints listed that could not be restored (no copy left, not answered, not checked). */
    complaintsNotRestored: v.optional(count),
    /**
     * The identity is restored and the vault open, but the clearinghouse could not be reached
     * (or failed) for its registry: the relationships are to be recovered again later.
     */
    unreachable: v.optional(v.literal(true)),
  }),
  v.strictObject({ type: v.literal('vault.damaged'), records: damagedList }),
  /** `revision`: of the stored profile this one is (extension/core/preferences `ProfileRevision`). */
  v.strictObject({ type: v.literal('profile'), profile, revision: profileRevision }),
  v.strictObject({
    type: v.literal('blacklist'),
    entries: v.pipe(v.array(blacklistEntry), v.maxLength(profileLimits.blacklistEntries)),
    damaged: damagedList,
    /** The answer about the anonymous signal; null when the profile is damaged. */
    signalChoice: v.nullable(v.picklist(blacklistSignalChoices)),
    /** Each signal's state (extension/core/blacklist-signals), by its entry's id. */
    signals: v.pipe(
      v.array(
        v.strictObject({
          entry: blacklistEntryId,
          action: v.picklist(['add', 'withdraw']),
          state: v.picklist(signalStates),
          error: v.optional(v.pipe(v.string(), v.maxLength(64))),
        }),
      ),
      // A withdrawal outlives its entry: room for one of each per entry.
      v.maxLength(2 * profileLimits.blacklistEntries),
    ),
  }),
  v.strictObject({
    type: v.literal('blacklist.added'),
    entry: blacklistEntry,
    added: v.boolean(),
    activeGrants: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(10_000)),
    askSignal: v.boolean(),
  }),
  v.strictObject({ type: v.literal('backup'), file: backupFile }),
  v.strictObject({ type: v.literal('settings'), settings: settingsSchema }),
  v.strictObject({
    type: v.literal('problems'),
    problems: v.pipe(v.array(problemEntry), v.maxLength(maxProblems)),
  }),
  v.strictObject({
    type: v.literal('log-key'),
    outcome: v.picklist(logKeyOutcomes),
    settings: settingsSchema,
  }),
  v.strictObject({ type: v.literal('bridge.accepted'), ticket }),
  v.strictObject({ type: v.literal('corrections.sent'), sent: count, failed: count }),
  v.strictObject({
    type: v.literal('bridge.outcome'),
    outcome: v.nullable(bridgeOutcome),
    /**
     * Only in the answer to a `wallet.answer` that asked to allow channels in the profile, and
     * only to the consent window (the page's poll never carries it): whether the profile now
     * allows them, or could not be changed once the grant was stored (the grant stands).
     */
    profileChannels: v.optional(v.picklist(['allowed', 'failed'])),
    /**
     * Only in the answer to a `wallet.answer` that refused, and only to the consent window: the
     * stored refusal's "ask me again after" (epoch seconds, the background's clock), null for
     * none. The window shows this date.
     */
    askAgainAfter: v.optional(v.nullable(epochSeconds)),
    /**
     * Only to the consent window: the answer that went is one given earlier to the same request,
     * whose fate was not known, sent again in place of the one just chosen (extension/core/wallet
     * `earlierAnswer`): it stands with what was chosen then, and the window says so.
     */
    earlierAnswer: v.optional(v.literal(true)),
    /**
     * Only to the consent window: the answer reached the company, but a backup restored
     * meanwhile replaced the vault, which does not hold it (extension/core/wallet `sentBefore`).
     * The outcome is the answer that went; the window says how to get it back.
     */
    answerNotKept: v.optional(v.literal(true)),
    /**
     * Only in the answer to a `wallet.answer` that refused, and only to the consent window: the
     * grants to the company still in force once the refusal went ({@link activeGrantList}). The
     * window says these remain, not the ones it was told before the answer: a refusal withdraws
     * an earlier grant to the same request still in the outbox (extension/core/wallet
     * `answerSentBefore`). Those marked `notWithdrawn` the window had been told the refusal
     * withdraws, and it did not ({@link grantLeft}): the window says that in so many words.
     * Absent: none in force, or none known.
     */
    activeGrants: v.optional(activeGrantList(grantLeft)),
  }),
  v.strictObject({
    type: v.literal('bridge.customer-view'),
    // Checked again, strictly, by protocol/connect in the page; bounded here.
    items: v.pipe(v.array(v.unknown()), v.maxLength(10_000)),
    asOf: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))),
    fresh: v.boolean(),
  }),
  v.strictObject({
    type: v.literal('wallet.pending'),
    checked: checkedRequest,
    choice: consentChoice,
    /** The profile's allowed channels (the window warns of others granted); null: unreadable. */
    allowedChannels: v.nullable(distinct(channel, 0, channelIds.length)),
    /**
     * The grants the customer already gave this company that are in force (see
     * {@link activeGrantList}): the window says that refusing this request does not withdraw
     * them, except those marked `withdrawnByRefusal`: given earlier to this same request and
     * still in the outbox, a refusal revokes them first (extension/core/wallet
     * `grantsRevokedByRefusal`), and the window says so. Absent: none known.
     */
    activeGrants: v.optional(activeGrantList(activeGrant)),
  }),
  v.strictObject({
    type: v.literal('bridge.action-outcome'),
    outcome: v.nullable(actionOutcome),
  }),
  v.strictObject({
    type: v.literal('wallet.action-pending'),
    action: customerAction,
    /** The company's name for revocations and data requests; for a correction, the holders'. */
    companies: v.pipe(v.array(text(300)), v.maxLength(10_000)),
  }),
  v.strictObject({
    type: v.literal('relationships'),
    items: relationshipList,
    damaged: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(100_000)),
    /** The Assistant's clock, so the view flags overdue acknowledgements and answers. */
    now: timeMs,
    /** Why the refresh asked for failed: `items` are then the vault's copy (absent: refreshed). */
    refreshFailed: v.optional(v.picklist([...protocolErrorCodes, unexpectedActionError])),
    /**
     * The customer's complaints about disclosures (`id`: the disclosure's hash), without the
     * evidence and the token under way, which stay in the vault; absent when the complaint drafts
     * cannot be read (the relationships are listed all the same).
     */
    disclosureComplaints: v.optional(
      v.pipe(v.array(v.omit(complaintDraft, ['evidence', 'jws'])), v.maxLength(maxComplaintDrafts)),
    ),
  }),
  v.strictObject({
    type: v.literal('banners.config'),
    action: v.picklist(['opt-out', 'opt-in']),
    // autoconsent's own rule objects: checked by autoconsent, bounded here.
    rules: v.pipe(v.array(v.unknown()), v.maxLength(200)),
    platforms: v.pipe(v.array(v.pipe(v.string(), v.maxLength(100))), v.maxLength(64)),
  }),
  v.strictObject({ type: v.literal('banners.eval-result'), result: v.boolean() }),
  v.strictObject({
    type: v.literal('sites'),
    items: v.pipe(v.array(siteRecord), v.maxLength(100_000)),
    damaged: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(100_000)),
    /** The sites exempt from GPC by a grant. */
    exempt: v.pipe(v.array(v.pipe(v.string(), v.maxLength(253))), v.maxLength(1000)),
    /** True when the browser sends GPC itself (Firefox's setting). */
    nativeGpc: v.boolean(),
  }),
  v.strictObject({
    type: v.literal('offers'),
    items: v.pipe(
      v.array(
        v.strictObject({
          offer: storedOffer,
          /** "Why you are seeing this" / "why this was hidden", in the customer's language. */
          title: text(200),
          sentences: v.pipe(v.array(text(1000)), v.maxLength(40)),
          badge: v.nullable(text(100)),
        }),
      ),
      v.maxLength(maxStoredOffers),
    ),
    drafts: v.pipe(v.array(complaintDraft), v.maxLength(maxComplaintDrafts)),
    autoSubmit: v.boolean(),
    /** Companies the customer keeps turning away: a cool-down or a refusal is suggested. */
    suggestions: v.pipe(
      v.array(
        v.strictObject({
          company: companyId,
          action: v.picklist(['cool_down', 'refuse']),
          negatives: count,
          of: count,
          days: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(pauseLimits.maxDays)),
        }),
      ),
      v.maxLength(pauseLimits.companies),
    ),
    /** The customer's pauses in force. */
    pauses: v.pipe(v.array(companyPause), v.maxLength(pauseLimits.companies)),
    /** The last sync could not reach some inbox: what is shown is the vault's copy. */
    offline: v.boolean(),
    /** Violations the last sync found but could not keep as complaint drafts (none: 0). */
    draftsNotKept: count,
    /**
     * Rewards that did not check out, newest first, without the company's token (it stays in the
     * vault, up to 256 KiB each); null when their record does not authenticate.
     */
    rejectedRewards: v.nullable(
      v.pipe(
        v.array(
          v.strictObject({
            id: rejectedReward.entries.id,
            company: rejectedReward.entries.company,
            error: rejectedReward.entries.error,
            at: rejectedReward.entries.at,
          }),
        ),
        v.maxLength(maxRejectedRewards),
      ),
    ),
    now: timeMs,
  }),
  v.strictObject({
    type: v.literal('offers.categories'),
    /** Each code once, in no particular order (at most one per stored offer). */
    categories: distinct(offerCategory, 0, maxStoredOffers),
  }),
  v.strictObject({
    type: v.literal('rewards'),
    /** One per company with a reward in the ledger (so at most one per entry). */
    items: v.pipe(
      v.array(
        v.strictObject({
          company: companyId,
          /**
           * A sum: each of the ledger's entries may carry a million points (`rewardContent`), more
           * than `count` allows in all.
           */
          points: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
          discounts: v.pipe(
            v.array(v.pipe(v.number(), v.minValue(0))),
            v.maxLength(maxLedgerEntries),
          ),
          count,
          /**
           * The newest rewards, newest first, as the company sealed them, with when the Assistant
           * received them; without the company's token (it stays in the vault, up to 60 KiB).
           */
          latest: v.pipe(
            v.array(
              v.strictObject({
                id: ledgerEntry.entries.id,
                ...rewardContent.entries,
                at: ledgerEntry.entries.at,
              }),
            ),
            v.maxLength(maxListedRewards),
          ),
          /** How many older rewards the ledger holds besides `latest`. */
          more: count,
        }),
      ),
      v.maxLength(maxLedgerEntries),
    ),
    /** The Assistant's clock when it answered (a reward's `validUntil` is judged against it). */
    now: timeMs,
  }),
] as const;

type VaultRequestTable = typeof vaultRequests;
type VaultRequestSchema = VaultRequestTable[keyof VaultRequestTable][0];
/** Every Assistant request of {@link vaultRequests}. */
export type VaultRequest = v.InferOutput<VaultRequestSchema>;
/** Every success answer to a {@link VaultRequest}. */
export type VaultResponse = v.InferOutput<(typeof vaultResponses)[number]>;
type VaultAnswerFor<T extends keyof VaultRequestTable> = Extract<
  VaultResponse,
  { type: VaultRequestTable[T][1] }
>;

const vaultRequestSchemas = Object.values(vaultRequests).map(([schema]) => schema);
const vaultAnswerTypes = Object.entries(vaultRequests).map(
  ([type, [, answer]]) => [type, answer] as [string, string],
);

function testRequestSchemas() {
  return [
    v.strictObject({ type: v.literal('test.clock.set'), now: timeMs }),
    v.strictObject({ type: v.literal('test.clock.reset') }),
  ] as const;
}

function testResponseSchemas() {
  return [v.strictObject({ type: v.literal('test.clock'), now: timeMs })] as const;
}

export type PingRequest = v.InferOutput<typeof pingRequest>;
export type PongResponse = v.InferOutput<typeof pongResponse>;
export type ErrorResponse = v.InferOutput<typeof errorResponse>;
/** Test build only: set or reset the background's clock. */
export type TestRequest = v.InferOutput<ReturnType<typeof testRequestSchemas>[number]>;
/** Test build only: the background's clock after a `test.*` request. */
export type TestResponse = v.InferOutput<ReturnType<typeof testResponseSchemas>[number]>;

/** Every request a part of the extension may send to the background. */
export type Request = PingRequest | VaultRequest | TestRequest;
export type RequestType = Request['type'];
/** Every answer the background may give, including the error answer. */
export type Response = PongResponse | VaultResponse | TestResponse | ErrorResponse;

/** Which answer each request gets when it succeeds. */
export type ResponseByRequestType = {
  ping: PongResponse;
  'test.clock.set': TestResponse;
  'test.clock.reset': TestResponse;
} & { [T in keyof VaultRequestTable]: VaultAnswerFor<T> };
export type ResponseFor<R extends Request> = ResponseByRequestType[R['type']];

const requestSchema = v.variant(
  'type',
  isTestBuild
    ? [pingRequest, ...vaultRequestSchemas, ...testRequestSchemas()]
    : [pingRequest, ...vaultRequestSchemas],
);
const responseSchema = v.variant(
  'type',
  isTestBuild
    ? [pongResponse, errorResponse, ...vaultResponses, ...testResponseSchemas()]
    : [pongResponse, errorResponse, ...vaultResponses],
);

/** The success answer's `type` for each request `type` this build knows. */
const answerTypes: ReadonlyMap<string, string> = new Map(
  isTestBuild
    ? [
        ['ping', 'pong'],
        ...vaultAnswerTypes,
        ['test.clock.set', 'test.clock'],
        ['test.clock.reset', 'test.clock'],
      ]
    : [['ping', 'pong'], ...vaultAnswerTypes],
);

function hasKnownType(
  value: unknown,
  known: readonly { entries: { type: { literal: string } } }[],
): boolean {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false;
  const type: unknown = value.type;
  return known.some((schema) => schema.entries.type.literal === type);
}

/**
 * Parses a message received by the background into a {@link Request}.
 * Throws `ProtocolError` `ERR_MESSAGE_KIND_UNKNOWN` when `type` names no request of this build,
 * `ERR_MESSAGE_INVALID` when the shape is wrong.
 *
 * @example
 * ```ts
 * parseRequest({ type: 'ping' }) // { type: 'ping' }
 * parseRequest({ type: 'ping', extra: 1 }) // throws ERR_MESSAGE_INVALID
 * ```
 */
export function parseRequest(value: unknown): Request {
  const result = v.safeParse(requestSchema, value);
  if (result.success) return result.output;
  if (!hasKnownType(value, requestSchema.options)) {
    throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown extension message type.');
  }
  throw new ProtocolError('ERR_MESSAGE_INVALID', 'Malformed extension message.');
}

/**
 * Parses the background's answer to `request`. An error answer becomes a
 * thrown `ProtocolError` with the background's code; an answer of the wrong kind or shape throws
 * `ERR_MESSAGE_INVALID`.
 *
 * @example
 * ```ts
 * const pong = parseResponse({ type: 'ping' }, await browser.runtime.sendMessage({ type: 'ping' }));
 * pong.version // '0.1.0'
 * ```
 */
export function parseResponse<R extends Request>(request: R, value: unknown): ResponseFor<R> {
  const result = v.safeParse(responseSchema, value);
  if (!result.success)
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'Malformed answer from the background.');
  const response = result.output;
  if (response.type === 'error')
    throw new ProtocolError(response.code, 'The background refused the request.');
  if (answerTypes.get(request.type) !== response.type) {
    throw new ProtocolError(
      'ERR_MESSAGE_INVALID',
      'The background answered with the wrong message type.',
    );
  }
  return response as ResponseFor<R>;
}

/**
 * The wire form of a failure, so the sender can rethrow it with the same code.
 *
 * @example
 * ```ts
 * errorResponseFor('ERR_MESSAGE_INVALID') // { type: 'error', code: 'ERR_MESSAGE_INVALID' }
 * ```
 */
export function errorResponseFor(code: ProtocolErrorCode): ErrorResponse {
  return { type: 'error', code };
}
