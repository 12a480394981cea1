/**
 * The offers part of the Assistant's service (issue 8): sync on an alarm and on demand, browser
 * notifications for delivered offers (never in quiet hours), the badge, the offers view's
 * requests, feedback (with "not this brand" blacklisting), unsubscribe (the wallet's partial
 * revocation), suggestions to pause or refuse a company and the pauses themselves, complaint
 * drafts and the customer's own complaints (about an offer, or about a disclosure from the
 * relationships view: every complaint goes through the inbox's one outbox, in this service's
 * queue, as the sync writes the drafts too), the rewards ledger and the rewards rejected. The
 * logic is extension/core/offers; this file only joins it to the vault, the wallet and the
 * platform ports the service hands it.
 */
import * as v from 'valibot';
import { createClient, type ClientFetch } from '../protocol/client';
import { isProtocolError, ProtocolError } from '../protocol/errors';
import { t, type Locale } from '../protocol/i18n';
import { offerCategory } from '../protocol/messages';
import type { Clock } from './build';
import { readDrafts, type ComplaintDraft } from './core/complaints';
import { readMasterSeed } from './core/identity';
import { earnedByCompany, maxListedRewards, readLedger } from './core/ledger';
import { inQuietHours } from './core/notices';
import { OfferInbox, type SyncResult } from './core/offers';
import type { RecordStore } from './core/ports';
import type { Preferences } from './core/preferences';
import type { Settings } from './core/settings';
import type { Wallet } from './core/wallet';
import type { VaultRequest, VaultResponse } from './messages';
import type { Vault } from './vault/vault';

/** The alarm that syncs every inbox periodically. */
export const offersSyncAlarm = 'offers-sync';
/** The one-shot alarm at the next held offer's release. */
export const offersReleaseAlarm = 'offers-release';

/** What the offers service is handed by the Assistant's service. */
export interface OffersPorts {
  readonly clock: Clock;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly fetch: ClientFetch;
  readonly settings: () => Promise<Settings>;
  /**
   * The language of the Assistant's own words: the notifications it writes and the offers'
   * explanations ("why you are seeing this"). The `language` setting, else the browser's
   * (ui/locale.ts `assistantLocale`); never the profile's language of offers, which is what the
   * customer asks companies to write in.
   */
  readonly locale: () => Promise<Locale>;
  /** The wallet over `store`, a handle of the vault (`Vault.handle`). */
  readonly wallet: (store: RecordStore) => Promise<Wallet>;
  /** The profile and the blacklist over `store`, a handle of the vault. */
  readonly preferences: (store: RecordStore) => Preferences;
  readonly notify?: ((id: string, title: string, message: string) => Promise<void>) | undefined;
  /** The toolbar badge ('' clears it). */
  readonly setBadge?: ((text: string) => Promise<void>) | undefined;
  /** Schedules the release alarm at `whenMs` on the Assistant's clock. */
  readonly scheduleRelease?: ((whenMs: number) => Promise<void>) | undefined;
}

type OffersRequest = Extract<VaultRequest, { type: `offers.${string}` | 'rewards.list' }>;

/**
 * The offers service. Each of its operations works on one handle of the vault (`Vault.handle`),
 * taken when it starts: a sync reads the offers, drafts and ledger, fetches every inbox, then
 * writes; a backup restored meanwhile ends it with `ERR_VAULT_REPLACED`, and nothing it derived
 * from the old records (offers and drafts under pseudonyms the restored seed may not sign for)
 * lands in the restored vault.
 *
 * @example
 * ```ts
 * const offers = new OffersService(ports);
 * await offers.sync(vault); // the alarm handler
 * await offers.answer(vault, { type: 'offers.list', markSeen: true });
 * ```
 */
export class OffersService {
  /** One inbox operation at a time: each reads, changes and writes the offers record. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Pseudonyms the last sync could not reach (the view says "offline"). */
  private lastFailed = 0;
  /** Violations the last sync could not keep as complaint drafts (the view says so). */
  private lastDraftsNotKept = 0;

  constructor(private readonly ports: OffersPorts) {}

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` in this service's queue: a write of the complaint drafts from outside it (a
   * recovery from the phrase restoring the customer's complaints, extension/core/recovery), which
   * must not land between a sync's read of the drafts and its write of them.
   */
  inQueue<T>(work: () => Promise<T>): Promise<T> {
    return this.serial(work);
  }

  /**
   * The inbox over `store` (a handle of the vault); `relationshipsReadAt`: when the relationships
   * it reads were refreshed from the clearinghouse just before (ms, taken before the refresh), or
   * null.
   */
  private async inbox(
    store: RecordStore,
    relationshipsReadAt: number | null = null,
  ): Promise<OfferInbox> {
    const settings = await this.ports.settings();
    const client = createClient({
      baseUrl: settings.clearinghouseUrl,
      fetch: this.ports.fetch,
      now: () => this.ports.clock.now(),
      randomBytes: this.ports.randomBytes,
    });
    const wallet = await this.ports.wallet(store);
    const preferences = this.ports.preferences(store);
    return new OfferInbox({
      store,
      clock: this.ports.clock,
      randomBytes: this.ports.randomBytes,
      clearinghouse: client,
      clearinghouseOrigin: new URL(settings.clearinghouseUrl).origin,
      masterSeed: () => readMasterSeed(store),
      relationships: async () => (await wallet.list()).items,
      profile: () => preferences.profile(),
      blacklist: async () => (await preferences.blacklist()).entries,
      // Per pseudonym in the port's contract; refreshAll answers for all of them at once (an
      // item the batch could not answer keeps its stored copy without saying so).
      relationshipReadAt: () => relationshipsReadAt,
    });
  }

  /**
   * Syncs every inbox (the alarm handler and "check now"): refreshes the relationships first so
   * revocations and suspensions are known, notifies delivered offers outside quiet hours, sets
   * the badge and schedules the next release. Locked: nothing to do. A backup restored while it
   * runs ends it with `ERR_VAULT_REPLACED`, having written nothing since.
   */
  async sync(vault: Vault): Promise<SyncResult | null> {
    if (!vault.isUnlocked) return null;
    return this.serial(async () => {
      const store = vault.handle();
      const wallet = await this.ports.wallet(store);
      let readAt: number | null = this.ports.clock.now();
      try {
        await wallet.refreshAll();
      } catch (e) {
        if (!isProtocolError(e) || e.code === 'ERR_VAULT_REPLACED') throw e;
        // Offline: decide with what the vault holds; an item under a grant it does not hold
        // waits for a sync after a refresh (it may be a grant whose answer was lost).
        readAt = null;
      }
      const inbox = await this.inbox(store, readAt);
      // The sync reads the registry itself, not the refresh's reads: a refresh of many
      // relationships takes a while, and a key declared compromised meanwhile must count.
      const result = await inbox.sync();
      this.lastFailed = result.failed.length;
      this.lastDraftsNotKept = result.draftsNotKept;
      await this.announce(store, inbox, result);
      return result;
    });
  }

  private async announce(store: RecordStore, inbox: OfferInbox, result: SyncResult): Promise<void> {
    const profile = await this.ports
      .preferences(store)
      .profile()
      .catch(() => null);
    const now = this.ports.clock.now();
    const notify = this.ports.notify;
    if (notify !== undefined && result.delivered.length > 0 && !inQuietHours(profile, now)) {
      const locale = await this.ports.locale();
      for (const o of result.delivered.slice(0, 5)) {
        await notify(
          `offer/${o.id}`,
          o.content?.brand ?? t(locale, 'common.assistantName'),
          o.content?.title ?? '',
        );
      }
      if (result.delivered.length > 5)
        await notify(
          'offer/more',
          t(locale, 'common.assistantName'),
          t(locale, 'extension.offers.notifyMore', { count: result.delivered.length - 5 }),
        );
    }
    await this.badge(inbox);
    if (result.nextRelease !== null)
      await this.ports.scheduleRelease?.(Math.max(now, result.nextRelease * 1000));
  }

  private async badge(inbox: OfferInbox): Promise<void> {
    const unseen = await inbox.unseen();
    await this.ports.setBadge?.(unseen === 0 ? '' : unseen > 99 ? '99+' : String(unseen));
  }

  private async view(inbox: OfferInbox, markSeen: boolean): Promise<VaultResponse> {
    const locale = await this.ports.locale();
    const items = await inbox.view(locale, markSeen);
    if (markSeen) await this.badge(inbox);
    const advice = await inbox.companyAdvice();
    return {
      type: 'offers',
      items: items.map((i) => ({
        offer: i.offer,
        title: i.title,
        sentences: [...i.sentences],
        badge: i.badge,
      })),
      // The token of a complaint under way stays in the vault (up to 256 KiB, and not the page's).
      drafts: (await inbox.drafts()).map(({ jws: _jws, ...d }) => d),
      autoSubmit: await inbox.autoSubmit(),
      suggestions: advice.suggestions.map((a) => ({ ...a })),
      pauses: advice.pauses.map((p) => ({ ...p })),
      offline: this.lastFailed > 0,
      draftsNotKept: this.lastDraftsNotKept,
      rejectedRewards: await this.rejectedRewards(inbox),
      now: this.ports.clock.now(),
    };
  }

  /**
   * The rejected rewards for the view, newest first, without their tokens; null when the record
   * does not authenticate (the rest of the view still shows).
   */
  private async rejectedRewards(
    inbox: OfferInbox,
  ): Promise<Extract<VaultResponse, { type: 'offers' }>['rejectedRewards']> {
    try {
      return (await inbox.rejectedRewards())
        .reverse()
        .map(({ id, company, error, at }) => ({ id, company, error, at }));
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
      throw e;
    }
  }

  /**
   * The customer's own complaint about disclosure `request.disclosure` of `request.company`
   * (the relationships view): signed with the pairwise key and submitted at once, with the
   * disclosure as the wallet keeps and verified it as evidence (`disclosureEvidence`), through
   * the one path of every complaint (`ComplaintOutbox.complain`): written under way before it is
   * sent, sent again by every sync until the clearinghouse answers. One complaint per
   * disclosure: a second one, while the first is under way or submitted, is refused. Nothing is
   * signed or stored when it is refused before sending.
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_PSEUDONYM_UNKNOWN` (no relationship with the
   *   company), `ERR_DISCLOSURE_UNKNOWN`, `ERR_EVIDENCE_INVALID` (not verified, or refused by the
   *   clearinghouse), `ERR_COMPLAINT_DUPLICATE`, `ERR_MESSAGE_INVALID` (`other` without a
   *   comment), `ERR_CLEARINGHOUSE_UNREACHABLE` (kept under way), the clearinghouse's codes.
   * @example
   * ```ts
   * await offers.complainAboutDisclosure(vault, {
   *   type: 'relationships.complain', company, disclosure: sha256, reasons: ['not_covered'],
   * });
   * ```
   */
  async complainAboutDisclosure(
    vault: Vault,
    request: Extract<VaultRequest, { type: 'relationships.complain' }>,
  ): Promise<ComplaintDraft> {
    if (!vault.isUnlocked) throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the Assistant');
    return this.serial(async () =>
      (await this.inbox(vault.handle())).complainAboutDisclosure(
        request.company,
        request.disclosure,
        request.reasons,
        request.comment,
      ),
    );
  }

  /**
   * The customer's complaints about disclosures for the relationships view, newest first, without
   * their evidence and the token under way (they stay in the vault); discarded ones left out.
   * Undefined when the drafts record does not authenticate or parse: the relationships are
   * listed all the same.
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`.
   */
  async disclosureComplaints(
    vault: Vault,
  ): Promise<Extract<VaultResponse, { type: 'relationships' }>['disclosureComplaints']> {
    let drafts: ComplaintDraft[];
    try {
      drafts = await readDrafts(vault);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return undefined;
      throw e;
    }
    return drafts
      .filter((d) => d.about === 'disclosure' && d.state !== 'discarded')
      .sort((a, b) => b.createdAt - a.createdAt)
      .map(({ evidence: _evidence, jws: _jws, ...d }) => d);
  }

  /**
   * Answers one offers request.
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_RESOURCE_NOT_FOUND`, the clearinghouse's codes.
   */
  async answer(vault: Vault, request: OffersRequest): Promise<VaultResponse> {
    if (!vault.isUnlocked) throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the Assistant');
    if (request.type === 'offers.categories') {
      // One read of the offers record, outside the queue: it changes nothing, so it need not
      // wait for a sync under way (a record written meanwhile is read whole, before or after).
      const offers = await (await this.inbox(vault.handle())).offers();
      const categories = new Set<string>();
      for (const o of offers) {
        const category = o.offer?.inner.category;
        // Stored as the verified offer named it; a code the profile could not take is no hint.
        if (category !== undefined && v.is(offerCategory, category)) categories.add(category);
      }
      return { type: 'offers.categories', categories: [...categories] };
    }
    if (request.type === 'offers.sync') {
      await this.sync(vault);
      return this.serial(async () => {
        const store = vault.handle();
        return this.view(await this.inbox(store), false);
      });
    }
    return this.serial(async () => {
      const store = vault.handle();
      const inbox = await this.inbox(store);
      switch (request.type) {
        case 'offers.list':
          return this.view(inbox, request.markSeen);
        case 'offers.show':
          await inbox.showAnyway(request.id);
          return this.view(inbox, false);
        case 'offers.feedback': {
          const { blacklist } = await inbox.feedback(request.id, request.feedback);
          if (blacklist !== null)
            await this.ports
              .preferences(store)
              .addToBlacklist({ target: blacklist, reason: 'irrelevant' });
          return this.view(inbox, false);
        }
        case 'offers.unsubscribe': {
          const target = await inbox.unsubscribeTarget(request.id);
          const wallet = await this.ports.wallet(store);
          await wallet.revoke(target.company, [
            {
              grantSha256: target.grantSha256,
              purposes: target.purposes as never,
            },
          ]);
          return this.view(inbox, false);
        }
        case 'offers.complaint':
          if (request.action === 'submit') await inbox.submitComplaint(request.id, request.comment);
          else await inbox.discardComplaint(request.id);
          return this.view(inbox, false);
        case 'offers.complain':
          // The customer's own complaint: signed and submitted at once, as a draft is.
          await inbox.complain(request.id, request.reason, request.comment);
          return this.view(inbox, false);
        case 'offers.company':
          // The answers to a suggestion (implicit negatives) and the pause's own controls.
          if (request.action === 'pause')
            await inbox.pause(request.company, request.days ?? Number.NaN);
          else if (request.action === 'resume') await inbox.resume(request.company);
          else if (request.action === 'dismiss')
            await inbox.answerSuggestion(request.company, 'dismissed');
          else {
            // "Refuse": every grant to the company is revoked through the wallet, as in the
            // relationships view; the answer is recorded only once the revocation went through.
            await inbox.requireRelationship(request.company);
            await (await this.ports.wallet(store)).revoke(request.company, 'all');
            await inbox.answerSuggestion(request.company, 'refused');
          }
          return this.view(inbox, false);
        case 'offers.auto-submit':
          await inbox.setAutoSubmit(request.on);
          return this.view(inbox, false);
        case 'offers.reset-model':
          await inbox.resetModel();
          return { type: 'ok' };
        case 'rewards.list': {
          const now = this.ports.clock.now();
          return {
            type: 'rewards',
            items: earnedByCompany(await readLedger(store), Math.floor(now / 1000)).map((e) => ({
              company: e.company,
              points: e.points,
              discounts: [...e.discounts],
              count: e.entries.length,
              // The company's token stays in the vault (evidence, up to 60 KiB each).
              latest: e.entries
                .slice(0, maxListedRewards)
                .map(({ id, content, at }) => ({ id, ...content, at })),
              more: Math.max(0, e.entries.length - maxListedRewards),
            })),
            now,
          };
        }
        default:
          throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'not an offers request');
      }
    });
  }
}
