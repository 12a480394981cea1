/**
 * The background (a service worker in Chromium, an event page in Firefox): wires the platform
 * adapters to the Assistant's logic. Listeners are registered synchronously at the top level, as
 * MV3 requires, because the worker is restarted on demand for each event.
 */
import { isProtocolError, ProtocolError } from '../protocol/errors';
import { argon2Params, clock, defaultClearinghouseUrl, isTestBuild } from './build';
import type { Request, Response } from './messages';
import { ensureEveryMinutes, onAlarm, scheduleOnce } from './platform/alarms';
import { platformFetch } from './platform/network';
import {
  extensionVersion,
  onInstalled,
  openActionWindow,
  openConsentWindow,
  openDashboard,
  serveRequests,
} from './platform/runtime';
import { setBadgeText, showNotification } from './platform/notifications';
import { injectBridgeIntoOpenTabs } from './platform/bridge-tabs';
import { offersReleaseAlarm, offersSyncAlarm } from './offers-service';
import { applyGpcPlan, appliedExemptSites, browserSendsGpc } from './platform/gpc';
import {
  evalInPage,
  fetchSmall,
  injectAutoconsent,
  isEvalSnippet,
  loadAutoconsentRules,
  onPageLoaded,
  readTcString,
  sessionValue,
} from './platform/banners';
import { sessionBytes, sessionNumber, sessionStrings } from './platform/session';
import { localCell, writeLocal } from './platform/storage';
import { AssistantService } from './service';
import { answerTestRequest } from './test-hook';
import { browserLocale } from './ui/locale';
import { Vault } from './vault/vault';
import { randomBytes } from './vault/crypto';

/** The alarm that asks, once a minute, whether the vault has been idle long enough to lock. */
const autoLockAlarm = 'auto-lock';

let vault: Promise<Vault> | undefined;

const service = new AssistantService({
  vault: () => (vault ??= Vault.open({ params: argon2Params, now: () => clock.now() })),
  sessionKey: sessionBytes('vault.key'),
  lastActivity: sessionNumber('vault.activity'),
  settings: localCell('settings'),
  clock,
  // Called only after Vault.open resolved, which loaded libsodium.
  randomBytes: (n) => randomBytes(n),
  fetch: platformFetch,
  defaultClearinghouseUrl,
  environment: () => ({
    language: browserLocale(navigator),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  }),
  openConsentWindow,
  openActionWindow,
  // The "my data" page's `unlock`: the dashboard shows the Unlock form while locked.
  openDashboard,
  notify: showNotification,
  shownNotices: sessionStrings('wallet.notices'),
  declinedWindows: sessionValue('consent.declined'),
  consentRequests: sessionValue('consent.requests'),
  problems: localCell('problems'),
  setBadge: setBadgeText,
  scheduleOfferRelease: (whenMs) => scheduleOnce(offersReleaseAlarm, whenMs - clock.now()),
  // Issue 11: GPC and cookie banners.
  openWeb: {
    platform: {
      nativeGpc: browserSendsGpc,
      applyGpcPlan,
      appliedExemptSites,
      injectAutoconsent,
      evalSnippet: async (tabId, id) => isEvalSnippet(id) && evalInPage(tabId, id),
      readTcString,
      fetchSmall,
      loadRules: loadAutoconsentRules,
    },
    pending: sessionValue('sites.pending'),
    decisions: sessionValue('sites.decisions'),
  },
});

/** The alarm that checks, twice an hour, for grants about to expire and overdue answers (issue 7). */
const noticesAlarm = 'wallet-notices';

onInstalled(({ reason, previousVersion }) => {
  // Kept so a later migration can tell a fresh install from an update of an older vault.
  void writeLocal('install', {
    reason,
    version: extensionVersion(),
    previousVersion: previousVersion ?? null,
    at: clock.now(),
  });
  void ensureEveryMinutes(autoLockAlarm, 1);
  void ensureEveryMinutes(noticesAlarm, 30);
  void ensureEveryMinutes(offersSyncAlarm, 15);
  // A new Assistant starts with onboarding: the customer should not have to find the dashboard.
  if (reason === 'install') void openDashboard();
  // The header rule and the page script exist from the first page on (issue 11).
  void service.openWeb()?.refreshGpc();
  // Tabs open before this install or update have no live page bridge in Chromium: a company's
  // connect button and the "my data" page would fail there until reloaded (the cookie-banner
  // detector waits for the next load instead). Tabs that refuse are skipped inside.
  if (reason === 'install' || reason === 'update')
    void injectBridgeIntoOpenTabs().catch((e) => service.recordProblem('bridge tabs', e));
});

/**
 * `work` for the alarm `name`, its failure kept as a technical problem (core/problem-log). Work a
 * backup restore overtook (`ERR_VAULT_REPLACED`: it wrote nothing since) is no failure: the next
 * alarm does it on the restored records.
 */
const kept =
  (name: string, work: () => Promise<unknown> | undefined) => async (): Promise<void> => {
    try {
      await work();
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_REPLACED')) return;
      await service.recordProblem(`alarm ${name}`, e);
      // A refusal is no problem to keep; it still reaches the worker's console, as before.
      if (isProtocolError(e)) throw e;
    }
  };

onAlarm(
  autoLockAlarm,
  kept(autoLockAlarm, () => service.checkAutoLock()),
);
onAlarm(
  noticesAlarm,
  kept(noticesAlarm, () => service.checkNotices()),
);
onAlarm(
  offersSyncAlarm,
  kept(offersSyncAlarm, () => service.syncOffers()),
);
onAlarm(
  offersReleaseAlarm,
  kept(offersReleaseAlarm, () => service.syncOffers()),
);
// Grants expire while the customer browses: the GPC exemptions follow (issue 11).
onAlarm(
  noticesAlarm,
  kept('gpc', () => service.openWeb()?.refreshGpc()),
);
// The sites the customer visits: their /.well-known/gpc.json, cached and rate-limited (issue 11).
onPageLoaded(
  (url) =>
    void service
      .openWeb()
      ?.checkGpcSupport(url)
      .catch(() => undefined),
);

serveRequests(async (request: Request, sender): Promise<Response> => {
  if (request.type === 'ping')
    return { type: 'pong', version: extensionVersion(), now: clock.now() };
  if (request.type.startsWith('test.')) {
    if (isTestBuild) return answerTestRequest(request as Parameters<typeof answerTestRequest>[0]);
    // Unreachable: parseRequest admits `test.*` messages only in the test build.
    throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown extension message type.');
  }
  // The alarm is re-created on every request too: a browser restart keeps alarms in Chromium but
  // not always in Firefox, and an unlocked vault must never lack its auto-lock.
  void ensureEveryMinutes(autoLockAlarm, 1);
  void ensureEveryMinutes(offersSyncAlarm, 15);
  return service.handle(request as Parameters<AssistantService['handle']>[0], sender);
});
