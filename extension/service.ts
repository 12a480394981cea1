/**
 * The Assistant's request handler: joins the vault (extension/vault), the core's services
 * (extension/core) and the platform through small injected ports, so it runs both in the
 * background and in a Vitest browser test without any extension API.
 *
 * The data key while unlocked: held by the Vault object and, so that it survives a service-worker
 * restart (MV3 stops idle workers after ~30 s), in `storage.session` only (issue 6). Every request
 * first restores it from there if the worker was restarted, and first locks if the idle time has
 * passed, so an alarm that fired late cannot leave the vault open.
 */
import { createClient, type ClientFetch } from '../protocol/client';
import { isProtocolError, ProtocolError, type ProtocolErrorCode } from '../protocol/errors';
import type { Locale } from '../protocol/i18n';
import type { Clock } from './build';
import { AutoLock } from './core/auto-lock';
import { identityFromPhrase, phraseOf, readMasterSeed } from './core/identity';
import {
  applySettings,
  checkLogKey,
  sameClearinghouse,
  trustServedKey,
  type LogKeyOutcome,
  type SettingsPort,
} from './core/log-key';
import type { RecordStore, SessionCell } from './core/ports';
import { Preferences } from './core/preferences';
import { BlacklistSignals } from './core/blacklist-signals';
import { progressOf, recoverRelationships } from './core/recovery';
import {
  backupSettingsOf,
  settingsFromBackup,
  settingsOrDefault,
  type Settings,
} from './core/settings';
import type { ActiveGrant, GrantLeft, Request, Response, VaultRequest } from './messages';
import { newIdentity } from './core/identity';
import { phraseRecordId, type Vault } from './vault/vault';
import { settingsRecord } from './vault/backup';
import { equalBytes } from './vault/crypto';
import { requestHashOf } from '../protocol/connect';
import {
  ActionTickets,
  customerView,
  forgetDecodedPayloads,
  holdsCategory,
  readViewExtras,
  unexpectedActionError,
  type ActionOutcome,
} from './core/customer-view';
import { dueNotices, inQuietHours } from './core/notices';
import { localeTags, t } from '../protocol/i18n';
import { ConsentTickets, type TicketOutcome } from './core/consent-tickets';
import { DeclinedWindows, quietCancelDelayMs } from './core/declined-windows';
import { RequestLimit } from './core/request-limit';
import {
  initialChoice,
  sentBefore,
  Wallet,
  type CheckedRequest,
  type VerifiedRequest,
  type WalletRelationship,
} from './core/wallet';
import { OpenWeb, type OpenWebPlatform } from './core/open-web';
import { Sites } from './core/sites';
import { OffersService } from './offers-service';
import { ProblemLog } from './core/problem-log';
import { inAllVaultTurns } from './core/store-turns';
import { assistantLocale } from './ui/locale';
import { parseMessage, type Payload } from '../protocol/messages';
import { storedPayload } from './core/stored-jws';

/** What the service is handed. */
export interface ServicePorts {
  /** The vault (opened once, lazily: opening loads libsodium and IndexedDB). */
  readonly vault: () => Promise<Vault>;
  /** `storage.session`: the data key while unlocked. */
  readonly sessionKey: SessionCell<Uint8Array | null>;
  /** `storage.session`: the last customer activity, for auto-lock. */
  readonly lastActivity: SessionCell<number>;
  /** `storage.local`: the plain settings (unparsed; parsed here). */
  readonly settings: SessionCell<unknown>;
  readonly clock: Clock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The network, for recovery and the clearinghouse's description. */
  readonly fetch: ClientFetch;
  /** The build's clearinghouse URL, the default of the setting. */
  readonly defaultClearinghouseUrl: string;
  /**
   * The browser's language and time zone: for the first profile, and the language of the
   * Assistant's own words while the setting says "like the browser" (ui/locale.ts).
   */
  readonly environment: () => { language: Locale; timeZone: string };
  /** Opens the consent window for `ticket` (a small extension window). */
  readonly openConsentWindow?: (ticket: string) => Promise<void>;
  /** Opens the window where the customer confirms an action from the "my data" page (issue 9). */
  readonly openActionWindow?: (ticket: string) => Promise<void>;
  /**
   * Opens the dashboard (where the Unlock form shows while locked), or focuses the tab that has
   * it: the "my data" page's `unlock` (extension/platform/runtime `openDashboard`).
   */
  readonly openDashboard?: () => Promise<void>;
  /** Shows a browser notification (issue 7); absent: notices are not shown. */
  readonly notify?: (id: string, title: string, message: string) => Promise<void>;
  /** Issue 11: GPC and cookie banners (absent: the Assistant leaves the open web alone). */
  readonly openWeb?: {
    readonly platform: OpenWebPlatform;
    /** `storage.session`: site events waiting for the vault. */
    readonly pending: SessionCell<unknown>;
    /** `storage.session`: the customer's site decisions, for use while locked. */
    readonly decisions: SessionCell<unknown>;
  };
  /** `storage.session`: ids of notices already shown. */
  readonly shownNotices?: SessionCell<string[]>;
  /**
   * `storage.session`: the companies whose declined consent window was shown lately
   * (extension/core/declined-windows); absent, the worker's memory.
   */
  readonly declinedWindows?: SessionCell<unknown>;
  /**
   * `storage.session`: when each company's pages asked for consent in the last minute
   * (extension/core/request-limit); absent, the worker's memory.
   */
  readonly consentRequests?: SessionCell<unknown>;
  /**
   * `storage.local`: the technical problems met on this device (extension/core/problem-log), for
   * the settings page; absent, the worker's memory.
   */
  readonly problems?: SessionCell<unknown>;
  /** The toolbar badge: delivered offers not yet looked at (issue 8). */
  readonly setBadge?: (text: string) => Promise<void>;
  /** Schedules the release of held offers at `whenMs` on the Assistant's clock (issue 8). */
  readonly scheduleOfferRelease?: (whenMs: number) => Promise<void>;
}

/**
 * Who sent a request, as the platform saw it (never as the message claims): one of the
 * extension's own pages, or the bridge content script in a web page (its origin from the
 * browser's sender record, its tab).
 */
export type Sender =
  | { readonly kind: 'extension' }
  | { readonly kind: 'page'; readonly origin: string; readonly tabId: number };

/** A grant in force, as the consent window is told of it, before either mark. */
type GrantInForce = Omit<ActiveGrant, 'withdrawnByRefusal'>;

/** The requests a content script may send; every other request needs an extension page. */
const pageRequests = new Set<string>([
  'bridge.request',
  'bridge.poll',
  'bridge.customer-view',
  'bridge.action',
  'bridge.action-poll',
  'bridge.unlock',
  'banners.detected',
  'banners.init',
  'banners.eval',
  'banners.result',
]);

/**
 * How long after opening the dashboard for a tab's `bridge.unlock` another from that tab opens
 * nothing (ms): a page pressing on (or a script) cannot keep pulling the customer to the
 * Assistant. Answered `ERR_RATE_LIMITED`; the dashboard opened moments ago is still there.
 */
export const unlockPromptIntervalMs = 5000;

/**
 * The customer's own reasons to decline a request without asking (extension/core/wallet
 * `complete`): they are the customer's to know, not the page's. The consent window shows them;
 * the page learns only that the window closed (`cancelled`), as if the customer had closed it
 * unanswered (docs/company-integration.md "Connect from your page"). Once a day per company:
 * further declined requests within the day open no window and hear `cancelled` after a human
 * delay (extension/core/declined-windows), so the owner's decision keeps the company away.
 */
const declinedQuietly = new Set<string>(['ERR_COMPANY_BLACKLISTED', 'ERR_ASK_AGAIN_LATER']);

/**
 * How a consent ticket ends on `e` when no answer went: with its error code, but `cancelled` for
 * a backup restore that overtook it (`ERR_VAULT_REPLACED`), as for a window closed unanswered:
 * what the customer does with their vault is not the company's to learn.
 */
function endedWithout(e: ProtocolError): TicketOutcome {
  return e.code === 'ERR_VAULT_REPLACED'
    ? { outcome: 'cancelled' }
    : { outcome: 'error', code: e.code };
}

/** Requests after which the grants may differ: the GPC exemptions are recomputed (issue 11). */
const grantChanges = new Set<string>([
  'wallet.answer',
  'relationships.revoke',
  'relationships.list',
  'wallet.action-answer',
  // "Refuse" on a suggestion revokes every grant to the company (issue 8).
  'offers.company',
]);

/**
 * Requests from the extension's own pages that do not count as the customer's activity: the
 * popup and the dashboard poll the status (a poll must not keep the vault open), and a consent or
 * action window asks for its request as it loads and says "cancelled" as it closes unanswered. A
 * web page opens those windows: if loading one counted, a page asking again whenever its request
 * was cancelled or expired would keep the vault open for ever. The owner's answers in the window
 * (`wallet.answer`, `wallet.action-answer`) and an unlock there do count.
 */
const passive = new Set<string>([
  'vault.status',
  'settings.get',
  'wallet.pending',
  'wallet.cancel',
  'wallet.action-pending',
]);

/** The pinned log key and origin of `settings`, or null while nothing is pinned. */
function pinOf(settings: Settings): { key: string; origin: string } | null {
  return settings.pinnedLogKey === null || settings.pinnedLogOrigin === null
    ? null
    : { key: settings.pinnedLogKey, origin: settings.pinnedLogOrigin };
}

/**
 * Whether a request is the owner's activity, which postpones the auto-lock. Only the extension's
 * own pages speak for the owner: nothing a web page sends (through the bridge or the banner
 * script) may touch the idle timer, or any page posting a request once a minute would keep the
 * vault open for ever.
 */
function isOwnerActivity(type: string, sender: Sender): boolean {
  return sender.kind === 'extension' && !passive.has(type);
}

/**
 * The Assistant service.
 *
 * @example
 * ```ts
 * const service = new AssistantService(ports);
 * serveRequests((request) => service.handle(request));
 * onAlarm('auto-lock', () => service.checkAutoLock());
 * ```
 */
export class AssistantService {
  private readonly autoLock: AutoLock;
  /** Settings writes, one after the other (a background log-key check races the customer's). */
  private settingsQueue: Promise<unknown> = Promise.resolve();
  /**
   * The log-key check started by the last unlock or creation (not awaited there: the network must
   * not delay the unlock); tests await it.
   */
  lastLogKeyCheck: Promise<LogKeyOutcome> | undefined;

  constructor(private readonly ports: ServicePorts) {
    this.declined = new DeclinedWindows({ cell: ports.declinedWindows, clock: ports.clock });
    this.requestLimit = new RequestLimit({ cell: ports.consentRequests, clock: ports.clock });
    this.problems = new ProblemLog(ports.problems, ports.clock);
    this.autoLock = new AutoLock({
      clock: ports.clock,
      lastActivity: ports.lastActivity,
      minutes: async () => (await this.settings()).autoLockMinutes,
    });
  }

  /** The current settings (defaults where nothing valid is stored). */
  async settings(): Promise<Settings> {
    return settingsOrDefault(await this.ports.settings.read(), this.ports.defaultClearinghouseUrl);
  }

  /** The settings with an atomic read-modify-write, for extension/core/log-key. */
  private readonly settingsPort: SettingsPort = {
    read: () => this.settings(),
    update: (change) => {
      const run = this.settingsQueue.then(async () => {
        const next = change(await this.settings());
        if (next !== null) await this.ports.settings.write(next);
        return this.settings();
      });
      this.settingsQueue = run.catch(() => undefined);
      return run;
    },
  };

  private checkLogKey(): Promise<{ outcome: LogKeyOutcome; settings: Settings }> {
    return checkLogKey({
      fetch: this.ports.fetch,
      clock: this.ports.clock,
      settings: this.settingsPort,
    });
  }

  /**
   * Contact with the clearinghouse after an unlock: pins its log key the first time, warns
   * (through the settings) when it changed. In the background; a failure changes nothing.
   */
  private contactClearinghouse(): void {
    this.lastLogKeyCheck = this.checkLogKey().then(
      (r) => r.outcome,
      (): LogKeyOutcome => 'unreachable',
    );
  }

  /**
   * Restores the data key after a worker restart, and locks when the idle time has passed.
   * Returns the vault in its current state.
   */
  private async current(): Promise<Vault> {
    const vault = await this.ports.vault();
    if (!vault.isUnlocked) {
      const key = await this.ports.sessionKey.read();
      if (key instanceof Uint8Array) {
        try {
          await vault.unlockWithKey(key);
        } catch (e) {
          if (!isProtocolError(e)) throw e;
          await this.ports.sessionKey.write(null);
        }
      }
    }
    if (vault.isUnlocked && (await this.autoLock.due())) await this.lock(vault);
    return vault;
  }

  private async lock(vault: Vault): Promise<void> {
    vault.lock();
    forgetDecodedPayloads();
    await this.ports.sessionKey.write(null);
  }

  private async unlocked(vault: Vault): Promise<void> {
    await this.ports.sessionKey.write(vault.sessionKey());
    await this.autoLock.touch();
    this.contactClearinghouse();
    this.lastOpenWebWork = this.openWeb()
      ?.unlocked()
      .catch(() => undefined);
  }

  private openWebCache: OpenWeb | null | undefined;
  /** Issue 11's work after an unlock or a change of grants (not awaited there; tests await it). */
  lastOpenWebWork: Promise<unknown> | undefined;

  /** GPC and banners (issue 11), or undefined when the platform gave no port for them. */
  openWeb(): OpenWeb | undefined {
    if (this.openWebCache === undefined) {
      const ports = this.ports.openWeb;
      this.openWebCache =
        ports === undefined
          ? null
          : new OpenWeb({
              platform: ports.platform,
              clock: this.ports.clock,
              pending: ports.pending,
              decisions: ports.decisions,
              sites: async () => {
                const vault = await this.ports.vault();
                if (!vault.isUnlocked) return null;
                const store = vault.handle();
                return new Sites({
                  store,
                  clock: this.ports.clock,
                  masterSeed: () => readMasterSeed(store),
                });
              },
              relationships: async () => {
                const vault = await this.ports.vault();
                if (!vault.isUnlocked) return null;
                return (await (await this.wallet(vault.handle())).list()).items;
              },
            });
    }
    return this.openWebCache ?? undefined;
  }

  private openWebOf(): OpenWeb {
    const web = this.openWeb();
    if (web === undefined) throw new ProtocolError('ERR_NOT_AUTHORISED', 'no open-web support');
    return web;
  }

  /**
   * Locks the vault if it has been idle for the configured minutes (the `alarms` handler).
   *
   * @example
   * ```ts
   * onAlarm(autoLockAlarm, () => service.checkAutoLock());
   * ```
   */
  async checkAutoLock(): Promise<void> {
    await this.current();
  }

  /**
   * The profile and the blacklist over `store`. Work that reads, waits on the network and writes
   * (the wallet, the offers) gives its handle of the vault (`Vault.handle`), so that nothing it
   * began before a backup restore is written after it. The customer's own profile and blacklist
   * requests give the vault itself: they read and write in the preference turn only, never
   * across a network wait, so one asked for while a restore runs waits for it and works on the
   * restored records (extension/core/store-turns `inAllVaultTurns`), where a handle taken as the
   * request came in would refuse it.
   */
  private preferences(store: RecordStore): Preferences {
    return new Preferences({
      store,
      clock: this.ports.clock,
      randomBytes: this.ports.randomBytes,
      defaults: this.ports.environment,
    });
  }

  /** The blacklist with the state of each entry's signal and the customer's answer. */
  private async blacklist(vault: Vault): Promise<Response> {
    const preferences = this.preferences(vault);
    const listed = await preferences.blacklist();
    let signalChoice = null;
    let signals: Awaited<ReturnType<BlacklistSignals['list']>> = [];
    try {
      signalChoice = (await preferences.profile()).blacklistSignal;
      signals = await (await this.blacklistSignals(vault)).list();
    } catch (e) {
      // A damaged profile or signals record must not hide the blacklist itself.
      if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
    }
    return { type: 'blacklist', ...listed, signalChoice, signals };
  }

  private async status(vault: Vault): Promise<Extract<Response, { type: 'vault.status' }>> {
    const state = await vault.state();
    const counts =
      state === 'unlocked'
        ? {
            blacklist: await vault.count('blacklist'),
            relationships: await vault.count('relationships'),
          }
        : null;
    const language = (await this.settings()).language;
    const unconfirmed = state === 'unlocked' && (await this.phraseUnconfirmed(vault));
    return {
      type: 'vault.status',
      state,
      counts,
      language,
      ...(unconfirmed ? { phraseUnconfirmed: true as const } : {}),
    };
  }

  /**
   * Whether the vault notes a recovery phrase never typed back (vault.ts `phraseRecordId`). A
   * note that does not decrypt counts as none: it is listed with the damaged records, and must
   * not keep the status (and so the whole dashboard) from answering.
   */
  private async phraseUnconfirmed(vault: Vault): Promise<boolean> {
    let note: unknown;
    try {
      note = await vault.get('identity', phraseRecordId);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return false;
      throw e;
    }
    return (
      typeof note === 'object' &&
      note !== null &&
      (note as { confirmed?: unknown }).confirmed === false
    );
  }

  /**
   * Answers one parsed request; refusals are thrown `ProtocolError`s (the platform adapter turns
   * them into `{type: 'error', code}`).
   *
   * @example
   * ```ts
   * await service.handle({ type: 'vault.unlock', passphrase }) // { type: 'vault.status', state: 'unlocked', … }
   * ```
   */
  async handle(
    request: Exclude<Request, { type: `test.${string}` }>,
    sender: Sender = { kind: 'extension' },
  ): Promise<Response> {
    try {
      return await this.answerRequest(request, sender);
    } catch (e) {
      // A refusal is an answer; anything else is a problem worth keeping (problem-log.ts).
      await this.recordProblem(request.type, e);
      throw e;
    }
  }

  /**
   * Keeps `error`, met while doing `where` outside a request (a timer's work, a page event), as
   * a technical problem; a refusal (`ProtocolError`) is none and is not kept.
   */
  async recordProblem(where: string, error: unknown): Promise<void> {
    if (!isProtocolError(error)) await this.problems.record(where, error);
  }

  private async answerRequest(
    request: Exclude<Request, { type: `test.${string}` }>,
    sender: Sender,
  ): Promise<Response> {
    if (request.type === 'ping')
      throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'ping is answered elsewhere');
    // A web page's content script may only use the bridge; the bridge only from a web page.
    if ((sender.kind === 'page') !== pageRequests.has(request.type))
      throw new ProtocolError('ERR_NOT_AUTHORISED', 'this request is not for this sender');
    const vault = await this.current();
    if (vault.isUnlocked && isOwnerActivity(request.type, sender)) await this.autoLock.touch();
    if (sender.kind === 'page') return this.answerPage(vault, request, sender);
    const response = await this.answer(vault, request);
    if (grantChanges.has(request.type))
      this.lastOpenWebWork = this.openWeb()
        ?.refreshGpc()
        .catch(() => undefined);
    return response;
  }

  /** The customer actions from the "my data" page awaiting confirmation (issue 9). */
  private readonly actions = new ActionTickets({ now: () => this.ports.clock.now() }, (n) =>
    this.ports.randomBytes(n),
  );

  /** The customer view's refresh under way, shared by every tab asking meanwhile (issue 9). */
  private viewRefresh: Promise<WalletRelationship[]> | null = null;

  /** Only the clearinghouse's own pages (the portal's /me page) see the view and ask for actions. */
  private async requireClearinghouse(origin: string): Promise<void> {
    const settings = await this.settings();
    if (origin !== new URL(settings.clearinghouseUrl).origin)
      throw new ProtocolError('ERR_BRIDGE_ORIGIN_MISMATCH', 'not the clearinghouse origin');
  }

  /** The open consent windows (issue 7). */
  private readonly tickets = new ConsentTickets({ now: () => this.ports.clock.now() }, (n) =>
    this.ports.randomBytes(n),
  );

  /**
   * By ticket, the grants (sha256) an open consent window was told a refusal withdraws
   * (`withdrawnByRefusal`), until it is answered or cancelled: the answer then says which of them
   * remain all the same ({@link answerConsent}). In memory, as the tickets are: a restarted
   * worker forgets both.
   */
  private readonly announcedWithdrawn = new Map<string, readonly string[]>();

  /**
   * Notes what the window of `ticket` was told last (none: nothing to note), and forgets what
   * windows no longer open were told (closed without a word, or past their lifetime).
   */
  private announce(ticket: string, withdrawn: readonly string[]): void {
    for (const other of this.announcedWithdrawn.keys()) {
      try {
        this.tickets.pending(other);
      } catch {
        this.announcedWithdrawn.delete(other);
      }
    }
    if (withdrawn.length > 0) this.announcedWithdrawn.set(ticket, withdrawn);
    else this.announcedWithdrawn.delete(ticket);
  }

  /** The companies whose declined window the customer saw lately ({@link declinedQuietly}). */
  private readonly declined: DeclinedWindows;

  /** How often each company's pages asked for consent in the last minute. */
  private readonly requestLimit: RequestLimit;

  /** The technical problems met on this device (extension/core/problem-log). */
  private readonly problems: ProblemLog;

  /**
   * Whether the customer's own reasons decline `verified` again, less than a day after its
   * company's declined window was shown: then no window opens. Unlocked, the reasons are checked
   * now (a company that passes them is forgotten); locked, the day's record decides. The first
   * declined request of the day gets its window, which notes the company ({@link checkedTicket}).
   */
  private async declinedAgain(
    vault: Vault,
    wallet: Wallet,
    verified: VerifiedRequest,
  ): Promise<boolean> {
    const company = verified.company.id;
    if (!vault.isUnlocked) return this.declined.shownRecently(company);
    try {
      await wallet.complete(verified);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      // Another failure (a damaged record): the window says it.
      return declinedQuietly.has(e.code) && (await this.declined.shownRecently(company));
    }
    // Its reasons lifted (the blacklist entry removed, the cool-down over): windows again.
    if (await this.declined.shownRecently(company)) await this.declined.forget(company);
    return false;
  }

  /**
   * The wallet over `store`, a handle of the vault (`Vault.handle`): a refresh or an answer that
   * waits on the clearinghouse while a backup is restored fails `ERR_VAULT_REPLACED` instead of
   * writing what it derived from the old records (or signed with the old identity) into the
   * restored vault. Its seed, blacklist and profile are read through the same handle.
   */
  private async wallet(store: RecordStore): Promise<Wallet> {
    const settings = await this.settings();
    const client = createClient({
      baseUrl: settings.clearinghouseUrl,
      fetch: this.ports.fetch,
      now: () => this.ports.clock.now(),
      randomBytes: this.ports.randomBytes,
    });
    return new Wallet({
      store,
      clock: this.ports.clock,
      randomBytes: this.ports.randomBytes,
      clearinghouse: client,
      clearinghouseOrigin: new URL(settings.clearinghouseUrl).origin,
      pinnedLog: async () => pinOf(await this.settings()),
      // As an unlock pins it: after a new clearinghouse URL, or one out of reach at the unlock,
      // the customer's grant or revocation pins first instead of failing. A pin for another URL
      // (changed meanwhile) is not this client's: nothing goes.
      pinLog: async () => {
        const { settings: now } = await this.checkLogKey();
        return sameClearinghouse(now.clearinghouseUrl, settings.clearinghouseUrl)
          ? pinOf(now)
          : null;
      },
      masterSeed: () => readMasterSeed(store),
      blacklist: async () => (await this.preferences(store).blacklist()).entries,
      // The wallet tells the window when this fails (the grant stands); what failed unexpectedly
      // is kept as a problem all the same.
      allowChannels: async (channels, preferred) => {
        try {
          await this.preferences(store).allowChannels(channels, preferred);
        } catch (e) {
          await this.recordProblem('wallet.answer', e);
          throw e;
        }
      },
    });
  }

  /**
   * The anonymous `blacklist` signals of the unlocked vault (extension/core/blacklist-signals),
   * over `store`: a handle of the vault for the sync, which sends between its read and its write;
   * the vault itself for the listing, which only reads.
   */
  private async blacklistSignals(store: RecordStore): Promise<BlacklistSignals> {
    const settings = await this.settings();
    const preferences = this.preferences(store);
    return new BlacklistSignals({
      store,
      clock: this.ports.clock,
      randomBytes: this.ports.randomBytes,
      clearinghouse: createClient({
        baseUrl: settings.clearinghouseUrl,
        fetch: this.ports.fetch,
        now: () => this.ports.clock.now(),
        randomBytes: this.ports.randomBytes,
      }),
      clearinghouseOrigin: new URL(settings.clearinghouseUrl).origin,
      masterSeed: () => readMasterSeed(store),
      choice: async () => (await preferences.profile()).blacklistSignal,
      blacklist: () => preferences.blacklist(),
    });
  }

  /**
   * Brings the clearinghouse's boycott signals in line with the blacklist. A failure never fails
   * the customer's own change (the entry is stored either way): what could not be sent stays in
   * the vault, the dashboard shows it as waiting, and the next sync sends it.
   */
  private async syncSignals(vault: Vault): Promise<void> {
    if (!vault.isUnlocked) return;
    try {
      await (await this.blacklistSignals(vault.handle())).sync();
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
  }

  private async answerPage(
    vault: Vault,
    request: VaultRequest,
    sender: Extract<Sender, { kind: 'page' }>,
  ): Promise<Response> {
    switch (request.type) {
      case 'bridge.request': {
        const wallet = await this.wallet(vault.handle());
        const source = { kind: 'bridge', pageOrigin: sender.origin } as const;
        if ((await vault.state()) === 'absent')
          throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
        // Only the checks that need no vault here (a wrong page never gets a window). The
        // customer's own checks (blacklist, "ask me again after") run when the window asks for
        // the request, after the passphrase if locked (issue 7): locked or not, the page sees a
        // window open and learns no more than a window closed without an answer (checkedTicket);
        // within a day of the company's declined window, not even a window (declinedAgain).
        const verified = await wallet.verifyRequest(request.request, source);
        // A busy page is refused before it is counted; every request taken counts, with a
        // window or without, so the page cannot tell the two apart by the limit either.
        const company = verified.company.id;
        this.tickets.checkFree(company, sender.tabId);
        const takenAt = await this.requestLimit.take(company);
        let ticket: string;
        try {
          if (await this.declinedAgain(vault, wallet, verified)) {
            // No window: `cancelled` after about the time a person takes to close one.
            const until = this.ports.clock.now() + quietCancelDelayMs(this.ports.randomBytes);
            ticket = this.tickets.openQuiet(verified, sender.tabId, until);
            return { type: 'bridge.accepted', ticket };
          }
          ticket = this.tickets.openUnchecked(verified, sender.tabId);
        } catch (e) {
          // Two tabs of the company asked at once: both passed checkFree before either opened,
          // and the second learns that it is busy only now. Busy is not counted.
          if (isProtocolError(e, 'ERR_BRIDGE_BUSY'))
            await this.requestLimit.refund(company, takenAt).catch(() => undefined);
          throw e;
        }
        // Answered before the window is open, as the quiet path is: how long opening a window
        // takes must not tell the page which of the two it got. A window that cannot be opened
        // ends the ticket as one closed unanswered would.
        this.ports.openConsentWindow?.(ticket)?.catch(() => {
          try {
            this.tickets.settle(ticket, { outcome: 'cancelled' });
          } catch {
            // Ended already (answered, cancelled or expired): nothing to end.
          }
        });
        return { type: 'bridge.accepted', ticket };
      }
      case 'bridge.poll':
        return { type: 'bridge.outcome', outcome: this.tickets.poll(request.ticket, sender.tabId) };
      case 'bridge.customer-view': {
        await this.requireClearinghouse(sender.origin);
        const wallet = await this.wallet(vault.handle());
        // Issue 9: `stored` answers from the vault at once; `refresh` asks the clearinghouse
        // (one refresh at a time, shared by every tab that asks meanwhile).
        // The vault's reads side by side: IndexedDB answers them in one go.
        const [listed, extras, storedAt] = await Promise.all([
          wallet.list(),
          readViewExtras(vault),
          wallet.refreshedAt(),
        ]);
        let { items } = listed;
        let [asOf, current] = [storedAt, extras];
        if (request.mode === 'refresh') {
          this.viewRefresh ??= wallet.refreshAll(items).finally(() => {
            this.viewRefresh = null;
          });
          items = await this.viewRefresh;
          // The refresh takes seconds: what changed meanwhile is read again.
          [asOf, current] = await Promise.all([wallet.refreshedAt(), readViewExtras(vault)]);
        }
        return {
          type: 'bridge.customer-view',
          items: customerView(items, this.ports.clock.now(), current),
          asOf,
          fresh: request.mode === 'refresh',
        };
      }
      case 'bridge.action': {
        await this.requireClearinghouse(sender.origin);
        if (!vault.isUnlocked) throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the Assistant');
        const ticket = this.actions.open(request.action, sender.tabId);
        await this.ports.openActionWindow?.(ticket);
        return { type: 'bridge.accepted', ticket };
      }
      case 'bridge.action-poll':
        return {
          type: 'bridge.action-outcome',
          outcome: this.actions.poll(request.ticket, sender.tabId),
        };
      case 'bridge.unlock':
        return this.openUnlockPrompt(vault, sender);
      // Issue 11: cookie banners (extension/core/open-web decides and records).
      case 'banners.detected':
        await this.openWebOf().detected(sender, request.detectors, request.url);
        return { type: 'ok' };
      case 'banners.init': {
        const config = await this.openWebOf().init(sender);
        return { type: 'banners.config', ...config, rules: [...config.rules] };
      }
      case 'banners.eval':
        return {
          type: 'banners.eval-result',
          result: await this.openWebOf().evalSnippet(sender, request.snippet),
        };
      case 'banners.result':
        await this.openWebOf().result(sender, request.platform, request.outcome);
        return { type: 'ok' };
      default:
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'not a bridge request');
    }
  }

  /** When the dashboard was last opened for each tab's `bridge.unlock` (ms), in memory. */
  private readonly unlockPrompts = new Map<number, number>();

  /**
   * The "my data" page's `unlock` (protocol/connect): opens the dashboard, which shows the Unlock
   * form while the vault is locked, or focuses the tab that has it (`openOptionsPage` does,
   * extension/platform/runtime). Unlocked already: answered `ok`, nothing opened (the page asks
   * for the view again); absent: `ERR_VAULT_ABSENT`, nothing to unlock. At most once per
   * {@link unlockPromptIntervalMs} per tab. Opening that fails (or no platform call) is said as
   * `ERR_VAULT_LOCKED`: the vault stays locked, and the page keeps its steps to unlock it by hand.
   */
  private async openUnlockPrompt(
    vault: Vault,
    sender: Extract<Sender, { kind: 'page' }>,
  ): Promise<Response> {
    await this.requireClearinghouse(sender.origin);
    const state = await vault.state();
    if (state === 'absent') throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
    if (state === 'unlocked') return { type: 'ok' };
    const now = this.ports.clock.now();
    for (const [tab, at] of this.unlockPrompts)
      if (now - at >= unlockPromptIntervalMs || now < at) this.unlockPrompts.delete(tab);
    if (this.unlockPrompts.has(sender.tabId))
      throw new ProtocolError('ERR_RATE_LIMITED', 'the dashboard was opened moments ago');
    this.unlockPrompts.set(sender.tabId, now);
    const open = this.ports.openDashboard;
    try {
      if (open === undefined) throw new Error('no platform call to open the dashboard');
      await open();
    } catch (e) {
      await this.recordProblem('bridge.unlock', e);
      throw new ProtocolError('ERR_VAULT_LOCKED', 'the dashboard could not be opened');
    }
    return { type: 'ok' };
  }

  private offersService: OffersService | undefined;

  /** The offers part (issue 8), made on first use. */
  private offers(): OffersService {
    return (this.offersService ??= new OffersService({
      clock: this.ports.clock,
      randomBytes: (n) => this.ports.randomBytes(n),
      fetch: this.ports.fetch,
      settings: () => this.settings(),
      locale: () => this.uiLocale(),
      wallet: (store) => this.wallet(store),
      preferences: (store) => this.preferences(store),
      notify: this.ports.notify,
      setBadge: this.ports.setBadge,
      scheduleRelease: this.ports.scheduleOfferRelease,
    }));
  }

  /**
   * Syncs every inbox: the `offers-sync` and `offers-release` alarm handlers (issue 8). Locked:
   * nothing happens; offline: the vault's copy stays, the next sync catches up.
   *
   * @example
   * ```ts
   * onAlarm('offers-sync', () => service.syncOffers());
   * ```
   */
  async syncOffers(): Promise<void> {
    const vault = await this.current();
    try {
      await this.offers().sync(vault);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
    // The boycott signals the clearinghouse could not take last time (every 15 minutes).
    await this.syncSignals(vault);
  }

  /**
   * The language of the Assistant's own words in the background (notifications, the offers'
   * explanations): the setting, else the browser's, as the pages resolve it (ui/locale.ts
   * `assistantLocale`).
   */
  private async uiLocale(): Promise<Locale> {
    return assistantLocale((await this.settings()).language, this.ports.environment().language);
  }

  /**
   * Shows the notices that are due (extension/core/notices), outside the profile's quiet hours,
   * each once per browser session (the `wallet-notices` alarm handler).
   *
   * @example
   * ```ts
   * onAlarm('wallet-notices', () => service.checkNotices());
   * ```
   */
  async checkNotices(): Promise<void> {
    const notify = this.ports.notify;
    if (notify === undefined) return;
    const vault = await this.current();
    if (!vault.isUnlocked) return;
    const store = vault.handle();
    const wallet = await this.wallet(store);
    try {
      await wallet.refreshAll();
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      // A backup restored meanwhile: the old records' notices are none of the new ones' (the next
      // alarm reads those); a restore later in this run ends it too (background.ts `kept`).
      if (e.code === 'ERR_VAULT_REPLACED') return;
    }
    const profile = await this.preferences(store)
      .profile()
      .catch(() => null);
    const now = this.ports.clock.now();
    if (inQuietHours(profile, now)) return;
    const shown = new Set((await this.ports.shownNotices?.read()) ?? []);
    // The Assistant's own words: in its UI language, never the profile's language of offers.
    const locale = await this.uiLocale();
    const date = new Intl.DateTimeFormat(localeTags[locale], { dateStyle: 'medium' });
    for (const notice of dueNotices((await wallet.list()).items, now, shown)) {
      const message = t(locale, `extension.notice.${notice.kind}`, {
        company: notice.company,
        date: notice.kind === 'grant-expiring' ? date.format(new Date(notice.until * 1000)) : '',
      });
      await notify(notice.id, t(locale, 'common.assistantName'), message);
      shown.add(notice.id);
    }
    await this.ports.shownNotices?.write([...shown].slice(-1000));
  }

  /**
   * The relationships as the vault holds them, refreshed from the clearinghouse first when asked.
   * A refresh that fails for any reason (offline, a refused batch, a receipt that does not
   * verify) never hides the list: the vault's copy is listed all the same, with why the refresh
   * failed (`refreshFailed`), for the view to say that it is not fresh.
   */
  private async relationships(vault: Vault, refresh: boolean): Promise<Response> {
    const wallet = await this.wallet(vault.handle());
    let refreshFailed: ProtocolErrorCode | typeof unexpectedActionError | undefined;
    if (refresh) {
      try {
        await wallet.refreshAll();
      } catch (e) {
        // A backup restored meanwhile: nothing of the refresh was kept, and the list it would
        // show is the old vault's. The view says so (the catalog's sentence) and lists again.
        if (isProtocolError(e, 'ERR_VAULT_REPLACED')) throw e;
        refreshFailed = isProtocolError(e) ? e.code : unexpectedActionError;
        // Said as "could not refresh" in the view; the cause is kept for a bug report.
        await this.recordProblem('relationships refresh', e);
      }
      await this.syncSignals(vault);
    }
    const { items, damaged } = await wallet.list();
    // The customer's complaints about disclosures, so the view says which were sent.
    const disclosureComplaints = await this.offers().disclosureComplaints(vault);
    return {
      type: 'relationships',
      // With the corrections still to reach each company, so the view can name them.
      items: await wallet.withPendingCorrections(items),
      damaged,
      now: this.ports.clock.now(),
      ...(refreshFailed === undefined ? {} : { refreshFailed }),
      ...(disclosureComplaints === undefined ? {} : { disclosureComplaints }),
    };
  }

  /** The action the confirmation window shows, with the company (or the holders) it concerns. */
  private async actionPending(vault: Vault, ticket: string): Promise<Response> {
    const action = this.actions.pending(ticket);
    const { items } = await (await this.wallet(vault.handle())).list();
    const companies =
      action.kind === 'correct'
        ? ((category) =>
            items.filter((r) => holdsCategory(r, category)).map((r) => r.company.legalName))(
            action.dataCategory,
          )
        : ((company) =>
            items.filter((r) => r.company.id === company).map((r) => r.company.legalName))(
            action.company,
          );
    if (action.kind !== 'correct' && companies.length === 0)
      throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'no relationship with this company');
    return {
      type: 'wallet.action-pending',
      action: action as Extract<Response, { type: 'wallet.action-pending' }>['action'],
      companies: companies.slice(0, 10_000),
    };
  }

  /** Carries out (or cancels) the action the customer answered in the confirmation window. */
  private async answerAction(
    vault: Vault,
    ticket: string,
    confirm: boolean,
    value: string | undefined,
  ): Promise<Response> {
    const action = this.actions.pending(ticket);
    // Locked (the auto-lock came due while the customer typed): the window asks for the
    // passphrase and the action stays open, as a consent window's request does. Cancelling
    // signs nothing, so it needs no passphrase: a window left locked (closed, Escape) ends the
    // action at once, as `wallet.cancel` ends a consent request, instead of keeping the page
    // waiting and its tab busy until the action expires.
    if (confirm && !vault.isUnlocked)
      throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
    let outcome: ActionOutcome = { outcome: 'cancelled' };
    if (confirm) {
      const wallet = await this.wallet(vault.handle());
      try {
        if (action.kind === 'revoke') await wallet.revoke(action.company, 'all');
        else if (action.kind !== 'correct') await wallet.requestData(action.company, action.kind);
        else {
          if (value === undefined || value.trim() === '')
            throw new ProtocolError('ERR_WALLET_CHOICE_INVALID', 'type the corrected value');
          const { failed } = await wallet.correct(
            action.dataCategory as Parameters<Wallet['correct']>[0],
            value,
          );
          // The vault keeps the rest and a later refresh tells them (Wallet.correct).
          if (failed.length > 0)
            throw new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'some holders were not told');
        }
        outcome = { outcome: 'done' };
      } catch (e) {
        // A value the window can correct keeps the action open; anything else ends it, whatever
        // it was, so the company page waiting on the ticket learns the outcome.
        if (
          isProtocolError(e, 'ERR_WALLET_CHOICE_INVALID') ||
          isProtocolError(e, 'ERR_VAULT_LOCKED')
        )
          throw e;
        this.actions.settle(ticket, {
          outcome: 'error',
          // An error that is not ours may come after the action took effect (customer-view.ts).
          code: isProtocolError(e) ? e.code : unexpectedActionError,
        });
        throw e;
      }
    }
    this.actions.settle(ticket, outcome);
    return { type: 'bridge.action-outcome', outcome };
  }

  /**
   * The grants to the company of `checked` in force now, as `wallet` stores the relationship
   * (the dashboard's "active" grants, whose end has not passed since), with the purposes not
   * revoked, oldest first, each with its sha256: refusing another request does not withdraw
   * them, and the consent window says so. Before the answer, those a refusal of `checked`
   * withdraws are marked `withdrawnByRefusal` (extension/core/wallet `grantsRevokedByRefusal`);
   * after a refusal, those so marked that remain are marked `notWithdrawn` ({@link
   * answerConsent}). None when the record is damaged (the dashboard lists it as such).
   */
  private async activeGrantsOf(
    wallet: Wallet,
    checked: CheckedRequest,
  ): Promise<{ sha256: string; grant: GrantInForce }[]> {
    let stored: WalletRelationship | undefined;
    try {
      stored = await wallet.relationship(checked.pseudonym);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return [];
      throw e;
    }
    const now = Math.floor(this.ports.clock.now() / 1000);
    const active: { sha256: string; grant: GrantInForce }[] = [];
    for (const g of stored?.grants ?? []) {
      if (g.status !== 'active') continue;
      let grant: Payload<'grant'>;
      try {
        // The customer's own grant, checked when the wallet stored it (core/own-messages).
        grant = parseMessage('grant', storedPayload(g.jws));
      } catch {
        continue;
      }
      if (grant.until <= now) continue;
      const purposes = [...new Set(grant.scopes.map((scope) => scope.purpose))].filter(
        (p) => !g.revokedPurposes.includes(p),
      );
      if (purposes.length === 0) continue;
      active.push({ sha256: g.sha256, grant: { since: grant.iat, until: grant.until, purposes } });
    }
    return active.sort((a, b) => a.grant.since - b.grant.since);
  }

  /**
   * The checked request of an open consent window. The window shows it only while the vault is
   * unlocked (`ERR_VAULT_LOCKED`: the window asks for the passphrase); a ticket of the page
   * bridge is completed now. One the customer's own checks decline stays open: the window says
   * why, and closing it tells the page `cancelled`, like any window closed without an answer
   * (a company must not learn that it is blacklisted or asked too early: {@link declinedQuietly});
   * one that fails otherwise ends with the error. `store`: the handle of the vault the caller
   * goes on with (an answer checks and signs on the same records).
   */
  private async checkedTicket(
    vault: Vault,
    ticket: string,
    store: RecordStore = vault.handle(),
  ): Promise<CheckedRequest> {
    const pending = this.tickets.pending(ticket);
    if (!vault.isUnlocked) throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
    if (pending.state === 'checked') return pending.checked;
    try {
      const checked = await (await this.wallet(store)).complete(pending.verified);
      this.tickets.complete(ticket, checked);
      return checked;
    } catch (e) {
      if (isProtocolError(e) && declinedQuietly.has(e.code)) {
        // A cool-down ends at its "ask me again after" (seconds): no longer quiet from then on.
        const askAgainAfter = e.detail?.askAgainAfter;
        await this.declined.note(
          pending.verified.company.id,
          typeof askAgainAfter === 'number' ? askAgainAfter * 1000 : undefined,
        );
      } else if (isProtocolError(e) && e.code !== 'ERR_VAULT_LOCKED')
        this.tickets.settle(ticket, endedWithout(e));
      throw e;
    }
  }

  /**
   * The customer's answer in the consent window; `allowChannels`: channels of the grant to allow
   * in the profile as well (the wallet grants first, then changes the profile). Whether the
   * profile changed is the window's to know (`profileChannels`), never the page's: the ticket's
   * outcome stays granted or refused. So is a refusal's "ask me again after" (`askAgainAfter`),
   * as the wallet signed and stored it: the window's clock may differ from `ports.clock`; and
   * whether the answer is an earlier one sent again in place of this one (`earlierAnswer`).
   *
   * A backup restore that overtook the answer (`ERR_VAULT_REPLACED`, docs/architecture.md "A
   * restore beside other work"): once the clearinghouse took it, the company holds it, so the
   * ticket ends with that outcome and the window hears it with `answerNotKept` (the restored
   * vault does not hold it; "try again" would sign a second answer to the same request). Before
   * anything went, the page hears `cancelled`, as for a window closed unanswered: it must not
   * learn that a restore happened; the window gets the error (try again, which is right then).
   */
  private async answerConsent(
    vault: Vault,
    ticket: string,
    choice: Extract<VaultRequest, { type: 'wallet.answer' }>['choice'],
    allowChannels: readonly string[] | undefined,
  ): Promise<Response> {
    const store = vault.handle();
    const checked = await this.checkedTicket(vault, ticket, store);
    const wallet = await this.wallet(store);
    let outcome: TicketOutcome;
    let profileChannels: 'allowed' | 'failed' | undefined;
    let askAgainAfter: number | null | undefined;
    let earlier = false;
    let answerNotKept = false;
    try {
      const answered = await wallet.answer(checked, choice, allowChannels);
      earlier = answered.earlier === true;
      outcome =
        answered.outcome === 'granted'
          ? { outcome: 'granted', receipt: answered.sha256 }
          : { outcome: 'refused' };
      if (answered.outcome === 'granted') profileChannels = answered.profileChannels;
      else askAgainAfter = answered.askAgainAfter;
    } catch (e) {
      // A choice the window can correct keeps the ticket open, and so does a vault that locked
      // while the window was open (it asks for the passphrase); anything else ends it.
      if (isProtocolError(e, 'ERR_WALLET_CHOICE_INVALID') || isProtocolError(e, 'ERR_VAULT_LOCKED'))
        throw e;
      const went = sentBefore(e);
      // Only an answer is an outcome: a revocation that went first (an earlier grant revoked
      // before a refusal) leaves the request unanswered.
      if (went === undefined || (went.kind !== 'grant' && went.kind !== 'refusal')) {
        if (isProtocolError(e)) this.tickets.settle(ticket, endedWithout(e));
        throw e;
      }
      answerNotKept = true;
      earlier = went.earlier === true;
      if (went.kind === 'grant') {
        outcome = { outcome: 'granted', receipt: went.sent };
        // The profile was not changed: the window names the channels it still does not allow.
        if ((allowChannels?.length ?? 0) > 0 && !earlier) profileChannels = 'failed';
      } else {
        outcome = { outcome: 'refused' };
        askAgainAfter = went.askAgainAfter ?? null;
      }
    }
    this.tickets.settle(ticket, outcome);
    // What the window was told a refusal withdraws: after any answer, nothing more to tell.
    const announced = this.announcedWithdrawn.get(ticket) ?? [];
    this.announcedWithdrawn.delete(ticket);
    // The grants still in force once a refusal went, read again rather than taken from what the
    // window was told before: the refusal revokes an earlier grant to the same request left in
    // the outbox (extension/core/wallet `answerSentBefore`), which then no longer remains. One
    // the window was told it withdraws that remains all the same is marked `notWithdrawn`: its
    // outbox entry went while the window was open (it had reached the company, and its time in
    // the outbox ran out, or another window's answer to this request took it), and the window
    // says so instead of listing it silently among those that remain.
    let remaining: GrantLeft[] = [];
    if (outcome.outcome === 'refused' && !answerNotKept) {
      try {
        remaining = (await this.activeGrantsOf(wallet, checked)).map(({ sha256, grant }) =>
          announced.includes(sha256) ? { ...grant, notWithdrawn: true as const } : grant,
        );
      } catch {
        // Unreadable now: the refusal stands, and the window says nothing of what remains.
      }
    }
    return {
      type: 'bridge.outcome',
      outcome,
      ...(profileChannels === undefined ? {} : { profileChannels }),
      ...(askAgainAfter === undefined ? {} : { askAgainAfter }),
      ...(earlier ? { earlierAnswer: true as const } : {}),
      ...(answerNotKept ? { answerNotKept: true as const } : {}),
      ...(remaining.length > 0 ? { activeGrants: remaining } : {}),
    };
  }

  private async answer(vault: Vault, request: VaultRequest): Promise<Response> {
    switch (request.type) {
      case 'vault.status':
        return this.status(vault);
      case 'vault.create': {
        const { masterSeed, phrase } = newIdentity(this.ports.randomBytes);
        // Touch first: the vault is open in memory before unlocked() runs, and a concurrent
        // request (the dashboard's status poll) would otherwise find no activity and lock it.
        await this.autoLock.touch();
        // Noted as not typed back until the customer has: a page left before that (a reload,
        // a closed tab) shows the phrase again at the next visit instead of losing it.
        await vault.create(request.passphrase, masterSeed, { phraseUnconfirmed: true });
        await this.unlocked(vault);
        return { type: 'vault.created', phrase };
      }
      case 'vault.phrase':
        // Only while it was never typed back: afterwards the phrase stays on paper, not on screen.
        if (!(await this.phraseUnconfirmed(vault)))
          throw new ProtocolError('ERR_NOT_AUTHORISED', 'the recovery phrase was confirmed');
        return { type: 'vault.created', phrase: phraseOf(await readMasterSeed(vault)) };
      case 'vault.phrase-confirmed':
        if (await this.phraseUnconfirmed(vault)) await vault.delete('identity', phraseRecordId);
        return { type: 'ok' };
      case 'vault.unlock':
        await this.autoLock.touch();
        await vault.unlock(request.passphrase);
        await this.unlocked(vault);
        return this.status(vault);
      case 'vault.lock':
        await this.lock(vault);
        return this.status(vault);
      case 'vault.change-passphrase':
        await vault.changePassphrase(request.current, request.next);
        return { type: 'ok' };
      case 'vault.recover':
        return this.recover(vault, request.phrase, request.passphrase);
      case 'vault.wipe':
        await vault.wipe();
        // "Everything on this device": the problems met go too (a failure to clear them is no
        // reason to say the wipe failed).
        await this.problems.clear().catch(() => undefined);
        forgetDecodedPayloads();
        await this.ports.sessionKey.write(null);
        await this.declined.forget(null);
        this.lastOpenWebWork = this.openWeb()
          ?.wiped()
          .catch(() => undefined);
        return this.status(vault);
      case 'vault.damaged':
        return { type: 'vault.damaged', records: await vault.listDamaged() };
      case 'profile.get':
        return { type: 'profile', ...(await this.preferences(vault).profileWithRevision()) };
      case 'profile.set': {
        // Refused (ERR_PROFILE_CHANGED) when the copy the dashboard edited is no longer the
        // stored one: channels a consent window allowed meanwhile are not written over.
        const saved = await this.preferences(vault).saveProfile(request.profile, request.revision);
        // The profile carries the signal answer too: turning it off withdraws what was sent.
        await this.syncSignals(vault);
        return { type: 'profile', ...saved };
      }
      case 'blacklist.list':
        return this.blacklist(vault);
      case 'blacklist.add': {
        const { type: _type, ...addition } = request;
        const outcome = await this.preferences(vault).addToBlacklist(addition);
        await this.syncSignals(vault);
        return { type: 'blacklist.added', ...outcome, activeGrants: [...outcome.activeGrants] };
      }
      case 'blacklist.remove':
        await this.preferences(vault).removeFromBlacklist(request.id);
        // Locked later, the day's record would still keep the company's windows away.
        await this.declined.forget(null);
        await this.syncSignals(vault);
        return { type: 'ok' };
      case 'blacklist.signal': {
        const saved = await this.preferences(vault).setSignalChoice(request.choice);
        await this.syncSignals(vault);
        return { type: 'profile', ...saved };
      }
      case 'backup.export':
        return { type: 'backup', file: await this.exportBackup(vault) };
      case 'backup.restore':
        return this.restoreBackup(vault, request);
      case 'problems.list':
        return { type: 'problems', problems: await this.problems.list() };
      case 'problems.clear':
        await this.problems.clear();
        return { type: 'ok' };
      case 'settings.get':
        return { type: 'settings', settings: await this.settings() };
      case 'settings.set':
        // The pin is not the UI's to set; a new clearinghouse URL clears it (a new first contact).
        return {
          type: 'settings',
          settings: await this.settingsPort.update((stored) =>
            applySettings(stored, request.settings),
          ),
        };
      case 'settings.check-log-key': {
        const { outcome, settings } = await this.checkLogKey();
        return { type: 'log-key', outcome, settings };
      }
      case 'settings.trust-log-key':
        return {
          type: 'settings',
          settings: await this.settingsPort.update((stored) =>
            trustServedKey(stored, request.served),
          ),
        };
      case 'wallet.open-link': {
        const sha256 = requestHashOf(request.link);
        if (sha256 === undefined)
          // Not "the request is unknown": nothing was asked of the clearinghouse.
          throw new ProtocolError('ERR_REQUEST_LINK_INVALID', 'not a grant request link');
        const checked = await (await this.wallet(vault.handle())).check(sha256, { kind: 'link' });
        return { type: 'bridge.accepted', ticket: this.tickets.open(checked, null) };
      }
      case 'wallet.open-targeted': {
        const wallet = await this.wallet(vault.handle());
        const checked = await wallet.check(request.sha256, {
          kind: 'inbox',
          company: request.company,
        });
        return { type: 'bridge.accepted', ticket: this.tickets.open(checked, null) };
      }
      case 'wallet.pending': {
        const store = vault.handle();
        const checked = await this.checkedTicket(vault, request.ticket, store);
        let profile = null;
        try {
          profile = await this.preferences(vault).profile();
        } catch (e) {
          if (!isProtocolError(e)) throw e;
        }
        // Which of them a refusal withdraws: said before the answer, so what the window says
        // of them is true then (a refusal revokes an outbox grant to this request first).
        const wallet = await this.wallet(store);
        const withdrawn = await wallet.grantsRevokedByRefusal(checked);
        const activeGrants: ActiveGrant[] = [];
        const announced: string[] = [];
        for (const { sha256, grant } of await this.activeGrantsOf(wallet, checked)) {
          if (!withdrawn.includes(sha256)) activeGrants.push(grant);
          else {
            activeGrants.push({ ...grant, withdrawnByRefusal: true });
            announced.push(sha256);
          }
        }
        // Kept until the answer, which says of them that remain that they were not withdrawn.
        this.announce(request.ticket, announced);
        return {
          type: 'wallet.pending',
          checked: {
            ...checked,
            company: { ...checked.company, brands: [...checked.company.brands] },
          },
          choice: initialChoice(checked.request, profile),
          // What the window warns about (a channel granted that the profile does not allow);
          // null when the profile cannot be read.
          allowedChannels: profile === null ? null : [...profile.channels.allowed],
          ...(activeGrants.length > 0 ? { activeGrants } : {}),
        };
      }
      case 'wallet.answer':
        return this.answerConsent(vault, request.ticket, request.choice, request.allowChannels);
      case 'wallet.cancel':
        this.tickets.pending(request.ticket);
        this.tickets.settle(request.ticket, { outcome: 'cancelled' });
        this.announcedWithdrawn.delete(request.ticket);
        return { type: 'ok' };
      case 'relationships.list':
        return this.relationships(vault, request.refresh);
      case 'relationships.revoke': {
        const wallet = await this.wallet(vault.handle());
        await wallet.revoke(request.company, request.grants);
        return this.relationships(vault, false);
      }
      case 'relationships.data-request': {
        const wallet = await this.wallet(vault.handle());
        await wallet.requestData(request.company, request.kind);
        return this.relationships(vault, false);
      }
      case 'relationships.complain':
        // Through the offers service: every complaint takes the one path of its drafts.
        await this.offers().complainAboutDisclosure(vault, request);
        return this.relationships(vault, false);
      case 'relationships.correct': {
        const { sent, failed } = await (
          await this.wallet(vault.handle())
        ).correct(request.dataCategory, request.value);
        return { type: 'corrections.sent', sent: sent.length, failed: failed.length };
      }
      case 'wallet.action-pending':
        return this.actionPending(vault, request.ticket);
      case 'wallet.action-answer':
        return this.answerAction(vault, request.ticket, request.confirm, request.value);
      case 'sites.list':
        return { type: 'sites', ...(await this.openWebOf().list()) };
      case 'sites.decide':
        return {
          type: 'sites',
          ...(await this.openWebOf().decide(request.site, request.decision)),
        };
      case 'offers.feedback': {
        // "Not this brand" blacklists the brand of the offer's company: its signal goes too.
        const response = await this.offers().answer(vault, request);
        await this.syncSignals(vault);
        return response;
      }
      case 'offers.list':
      case 'offers.categories':
      case 'offers.sync':
      case 'offers.show':
      case 'offers.unsubscribe':
      case 'offers.complaint':
      case 'offers.complain':
      case 'offers.auto-submit':
      case 'offers.company':
      case 'offers.reset-model':
      case 'rewards.list':
        return this.offers().answer(vault, request);
      case 'banners.detected':
      case 'banners.init':
      case 'banners.eval':
      case 'banners.result':
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'banner requests come from pages');
      case 'bridge.request':
      case 'bridge.poll':
      case 'bridge.customer-view':
      case 'bridge.action':
      case 'bridge.action-poll':
      case 'bridge.unlock':
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'bridge requests come from pages');
    }
  }

  /**
   * The backup file, with the settings of the customer's setup in it (extension/vault/backup
   * `settingsRecord`): their copy is written into the vault just before the export, so it
   * travels encrypted and under the backup's digest like every record. A copy the vault cannot
   * read (damaged) is replaced: it holds nothing the settings themselves do not.
   */
  private async exportBackup(vault: Vault): Promise<string> {
    const carried = backupSettingsOf(await this.settings());
    const { table, id } = settingsRecord;
    try {
      await vault.put(table, id, carried);
    } catch (e) {
      if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
      await vault.delete(table, id);
      await vault.put(table, id, carried);
    }
    return vault.exportBackup();
  }

  /**
   * Restores a backup, then the settings it carries, before the first contact with the
   * clearinghouse ({@link unlocked}): that contact must ask the restored address and hold what
   * it serves against the restored pin, never pin what the address in use until then serves.
   *
   * The vault comes first: it is the customer's data, and the settings can only be read from
   * it. They are then put back all or none (core/settings `settingsFromBackup`): when they do
   * not validate (a damaged record, a later version's values) or cannot be written, this
   * device's settings stay whole and the answer says so (`not-restored`), rather than refusing
   * the customer's data for their sake; their record stays in the vault, so nothing is lost. A
   * backup of an older Assistant carries none: restored as before, answered `not-in-backup`, so
   * the restore view asks the customer to check the address. Either answer names the address in
   * use now.
   */
  private async restoreBackup(
    vault: Vault,
    request: Extract<VaultRequest, { type: 'backup.restore' }>,
  ): Promise<Response> {
    await this.autoLock.touch();
    // Once the file is checked, the records are replaced in every read-modify-write turn of the
    // vault: a profile write under way (a consent window's channels) ends before, and one asked
    // for meanwhile starts after and reads the restored profile.
    await vault.restoreBackup(request.file, request.passphrase, {
      replace: request.replace,
      replacing: (replace) => inAllVaultTurns(vault, replace),
    });
    const outcome = await this.restoreSettings(vault);
    // Another blacklist: what was declined today is judged again.
    await this.declined.forget(null);
    await this.unlocked(vault);
    const { clearinghouseUrl } = await this.settings();
    return { ...(await this.status(vault)), restoredSettings: { outcome, clearinghouseUrl } };
  }

  /** Puts back the settings the restored vault carries ({@link restoreBackup}). */
  private async restoreSettings(
    vault: Vault,
  ): Promise<'restored' | 'not-in-backup' | 'not-restored'> {
    let carried: unknown;
    try {
      carried = await vault.get(settingsRecord.table, settingsRecord.id);
    } catch (e) {
      // Listed with the damaged records, as any record that does not authenticate.
      if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
      return 'not-restored';
    }
    if (carried === undefined) return 'not-in-backup';
    let restored = false;
    try {
      await this.settingsPort.update((current) => {
        const next = settingsFromBackup(current, carried);
        restored = next !== null;
        return next;
      });
    } catch (e) {
      // The settings could not be stored: the vault is restored all the same, and the owner told.
      await this.recordProblem('backup.restore settings', e);
      return 'not-restored';
    }
    return restored ? 'restored' : 'not-restored';
  }

  /**
   * Recovery from the phrase: on an absent vault, creates it with the phrase's seed; on an
   * unlocked vault of the same identity, asks again (a recovery the network interrupted). A
   * clearinghouse out of reach leaves the vault created and unlocked, and answers `unreachable`.
   */
  private async recover(vault: Vault, phrase: string, passphrase: string): Promise<Response> {
    const masterSeed = identityFromPhrase(phrase);
    const state = await vault.state();
    // The records the relationships are recovered into: those of this identity, never a backup's
    // restored while the clearinghouse is asked (a handle, `Vault.handle`).
    let store: RecordStore;
    if (state === 'absent') {
      await this.autoLock.touch();
      await vault.create(passphrase, masterSeed);
      store = vault.handle();
      await this.unlocked(vault);
    } else if (state === 'locked') {
      throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the vault before recovering into it');
    } else {
      store = vault.handle();
      if (!equalBytes(await readMasterSeed(store), masterSeed))
        throw new ProtocolError('ERR_VAULT_EXISTS', 'this vault belongs to another identity');
    }
    const settings = await this.settings();
    const client = createClient({
      baseUrl: settings.clearinghouseUrl,
      fetch: this.ports.fetch,
      now: () => this.ports.clock.now(),
      randomBytes: this.ports.randomBytes,
    });
    let result: Awaited<ReturnType<typeof recoverRelationships>>;
    try {
      result = await recoverRelationships(masterSeed, client, store, {
        clearinghouseOrigin: new URL(settings.clearinghouseUrl).origin,
        // The complaints it restores are written in the offers' queue, as a sync writes them.
        complaintsTurn: (work) => this.offers().inQueue(work),
      });
    } catch (e) {
      // The vault holds the identity by now, unlocked: that part is done, and said so; the
      // relationships are asked for again once the clearinghouse answers (its address may be
      // the one to change first, in the settings the vault now has).
      if (!isProtocolError(e, 'ERR_CLEARINGHOUSE_UNREACHABLE')) throw e;
      // What it stored before the clearinghouse stopped answering is kept, and counted.
      return { type: 'vault.recovered', ...progressOf(e), unreachable: true };
    }
    return {
      type: 'vault.recovered',
      companiesChecked: result.companiesChecked,
      relationships: result.relationships,
      failed: result.failed.length,
      complaints: result.complaints,
      complaintsNotRestored: result.complaintsNotRestored,
    };
  }
}
