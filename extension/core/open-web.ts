/**
 * The Assistant on the open web (issue 11): GPC and cookie banners, joined to the wallet's grants
 * and the vault's site records. The service hands page requests (`banners.*`) and the dashboard's
 * (`sites.*`) to {@link OpenWeb}; the browser work goes through the {@link OpenWebPlatform} port
 * (extension/platform/gpc and banners implement it).
 *
 * While the vault is locked the Assistant still answers banners: the exempt sites come from the
 * applied GPC rule (kept by the browser), the customer's own site decisions from a memory-only
 * cache filled at unlock, and what happened waits in memory until the next unlock
 * ({@link PendingSiteEvents}).
 */
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import {
  codePlatformNames,
  detectorTable,
  platformsOf,
  rulesForDetection,
  type AutoconsentRule,
  type DetectorTable,
} from './banner-rules';
import {
  exemptSites,
  GpcCheckLimiter,
  gpcPlan,
  maxGpcJsonBytes,
  parseGpcJson,
  siteOf,
  type GpcPlan,
} from './gpc';
import type { ClockPort, SessionCell } from './ports';
import type { StoredRelationship } from './recovery';
import {
  bannerActionFor,
  PendingSiteEvents,
  siteDecisions,
  type BannerAction,
  type BannerOutcome,
  type BannerReason,
  type SiteDecision,
  type SiteEvent,
  type SiteRecord,
  type Sites,
} from './sites';
import { decodeTcString } from './tcf';

/** The browser work, implemented by extension/platform. */
export interface OpenWebPlatform {
  /** True when the browser sends GPC itself (Firefox's setting). */
  nativeGpc(): boolean;
  applyGpcPlan(plan: GpcPlan): Promise<void>;
  /** The exempt sites of the header rule the browser applies now. */
  appliedExemptSites(): Promise<string[]>;
  injectAutoconsent(tabId: number): Promise<void>;
  /** Runs autoconsent's bundled snippet `id` in the page (false for an unknown id). */
  evalSnippet(tabId: number, id: string): Promise<boolean>;
  /** The page's TC string through `__tcfapi`, or null when it has no TCF API. */
  readTcString(tabId: number): Promise<string | null>;
  /** `GET url` without cookies: status and a bounded body, or null without an answer. */
  fetchSmall(url: string, maxBytes: number): Promise<{ status: number; body: string } | null>;
  /** autoconsent's JSON rules (`rules.json`'s `autoconsent` list), loaded once. */
  loadRules(): Promise<readonly AutoconsentRule[]>;
}

/** What {@link OpenWeb} is handed. */
export interface OpenWebPorts {
  readonly platform: OpenWebPlatform;
  readonly clock: ClockPort;
  /** The site records, or null while the vault is locked. */
  readonly sites: () => Promise<Sites | null>;
  /** The wallet's relationships, or null while the vault is locked. */
  readonly relationships: () => Promise<readonly StoredRelationship[] | null>;
  /** `storage.session`: events waiting for the vault. */
  readonly pending: SessionCell<unknown>;
  /** `storage.session`: the customer's site decisions other than `auto`, for use while locked. */
  readonly decisions: SessionCell<unknown>;
}

/** A page the Assistant is answering a banner on (memory only, one per tab). */
interface TabState {
  readonly site: string;
  readonly url: string;
  readonly action: Exclude<BannerAction, 'leave'>;
  readonly reason: BannerReason;
  readonly hits: readonly number[];
  readonly platforms: readonly string[];
  initialised: boolean;
  finished: boolean;
}

/** A page sender as the platform saw it. */
export interface PageSender {
  readonly origin: string;
  readonly tabId: number;
}

/** How long after an answer the TC string is read (the CMP writes it asynchronously). */
export const tcfReadDelayMs = 500;

/** What the dashboard's sites view shows. */
export interface SitesView {
  readonly items: SiteRecord[];
  readonly damaged: string[];
  readonly exempt: string[];
  readonly nativeGpc: boolean;
}

/**
 * GPC and banner handling for the service.
 *
 * @example
 * ```ts
 * const openWeb = new OpenWeb(ports);
 * await openWeb.refreshGpc();              // after any change of grants
 * await openWeb.detected(sender, hits, url); // a page found a known platform
 * ```
 */
export class OpenWeb {
  private readonly tabs = new Map<number, TabState>();
  private readonly limiter = new GpcCheckLimiter();
  private readonly pending: PendingSiteEvents;
  private table: Promise<{ rules: readonly AutoconsentRule[]; table: DetectorTable }> | undefined;
  private gpcQueue: Promise<unknown> = Promise.resolve();
  /** The last TC-string read and gpc.json check started (tests await them). */
  lastWork: Promise<unknown> = Promise.resolve();

  constructor(private readonly ports: OpenWebPorts) {
    this.pending = new PendingSiteEvents(ports.pending);
  }

  private rules(): Promise<{ rules: readonly AutoconsentRule[]; table: DetectorTable }> {
    this.table ??= this.ports.platform.loadRules().then((rules) => ({
      rules,
      table: detectorTable(rules),
    }));
    this.table.catch(() => (this.table = undefined));
    return this.table;
  }

  /**
   * Recomputes the exempt sites from the wallet (when unlocked; `forget` applies none, as after a
   * wipe) and applies the plan. While locked the applied plan stays, re-applied as it is (so a
   * browser restart or an update never leaves the header rule or the page script missing).
   * Serialised: two changes of grants in a row apply in order.
   */
  refreshGpc(options: { forget?: boolean } = {}): Promise<GpcPlan> {
    const run = this.gpcQueue.then(async () => {
      let sites: string[];
      if (options.forget) sites = [];
      else {
        const relationships = await this.ports.relationships();
        sites =
          relationships === null
            ? await this.ports.platform.appliedExemptSites()
            : exemptSites(relationships, Math.floor(this.ports.clock.now() / 1000));
      }
      const plan = gpcPlan(sites, { nativeGpc: this.ports.platform.nativeGpc() });
      await this.ports.platform.applyGpcPlan(plan);
      return plan;
    });
    this.gpcQueue = run.catch(() => undefined);
    return run;
  }

  /** After an unlock: writes the events that waited, and refreshes the decision cache and GPC. */
  async unlocked(): Promise<void> {
    const sites = await this.ports.sites();
    if (sites === null) return;
    await this.pending.flush((event) => sites.apply(event));
    await this.ports.decisions.write(await sites.decisions());
    await this.refreshGpc();
  }

  /** After a wipe: nothing waits, no decision stays, no site is exempt. */
  async wiped(): Promise<void> {
    await this.ports.pending.write([]);
    await this.ports.decisions.write({});
    await this.refreshGpc({ forget: true });
  }

  private async decisionFor(site: string): Promise<SiteDecision | undefined> {
    const sites = await this.ports.sites();
    if (sites !== null) {
      try {
        return (await sites.get(site))?.decision;
      } catch (e) {
        if (!isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) throw e;
        return undefined;
      }
    }
    const cached = await this.ports.decisions.read();
    if (typeof cached !== 'object' || cached === null) return undefined;
    const value: unknown = (cached as Record<string, unknown>)[site];
    return (siteDecisions as readonly unknown[]).includes(value)
      ? (value as SiteDecision)
      : undefined;
  }

  private async exempt(): Promise<string[]> {
    const relationships = await this.ports.relationships();
    return relationships === null
      ? this.ports.platform.appliedExemptSites()
      : exemptSites(relationships, Math.floor(this.ports.clock.now() / 1000));
  }

  /** Writes `event` to the vault, or keeps it for the next unlock. */
  private async record(event: SiteEvent): Promise<void> {
    const sites = await this.ports.sites();
    if (sites !== null) {
      try {
        await sites.apply(event);
        return;
      } catch (e) {
        if (!isProtocolError(e, 'ERR_VAULT_LOCKED')) throw e;
      }
    }
    await this.pending.add(event);
  }

  /**
   * A page's detector matched (`hits`, indexes into the detector table): decides the action for
   * the site and, unless the customer chose to leave it alone, injects autoconsent into the tab.
   * `url` is the page's, checked against the sender's origin.
   */
  async detected(sender: PageSender, hits: readonly number[], url: string): Promise<void> {
    let pageOrigin: string;
    try {
      pageOrigin = new URL(url).origin;
    } catch (_e) {
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'not a page URL');
    }
    const site = siteOf(url);
    if (pageOrigin !== sender.origin || site === undefined)
      throw new ProtocolError('ERR_NOT_AUTHORISED', 'the URL is not the sender page');
    const { rules, table } = await this.rules();
    // Only platforms that can act here: a detector stands for rules that may be bound to other
    // sites (bahn.de's matches any page whose body starts with a div), and a page with none of
    // them gets no script and no record (it used to be recorded as that platform's "no banner").
    const here = new Set(rulesForDetection(rules, table, hits, url).map((rule) => rule.name));
    const platforms = platformsOf(table, hits).filter(
      (name) => here.has(name) || codePlatformNames.includes(name),
    );
    if (platforms.length === 0) return;
    const { action, reason } = bannerActionFor(
      site,
      await this.exempt(),
      await this.decisionFor(site),
    );
    if (action === 'leave') {
      this.tabs.delete(sender.tabId);
      await this.record({
        kind: 'banner',
        site,
        banner: {
          platform: platforms[0]!,
          action,
          reason,
          outcome: 'left-alone',
          at: this.ports.clock.now(),
          tcf: null,
          tcfError: null,
        },
      });
      return;
    }
    this.tabs.set(sender.tabId, {
      site,
      url,
      action,
      reason,
      hits: [...hits],
      platforms,
      initialised: false,
      finished: false,
    });
    await this.ports.platform.injectAutoconsent(sender.tabId);
  }

  private tab(sender: PageSender): TabState {
    const state = this.tabs.get(sender.tabId);
    if (state === undefined || new URL(state.url).origin !== sender.origin)
      throw new ProtocolError('ERR_NOT_AUTHORISED', 'no banner is being answered on this page');
    return state;
  }

  /** The injected autoconsent asks for its action and rules (once per detection). */
  async init(
    sender: PageSender,
  ): Promise<{ action: 'opt-out' | 'opt-in'; rules: AutoconsentRule[]; platforms: string[] }> {
    const state = this.tab(sender);
    if (state.initialised) throw new ProtocolError('ERR_NOT_AUTHORISED', 'already initialised');
    state.initialised = true;
    const { rules, table } = await this.rules();
    return {
      action: state.action,
      rules: rulesForDetection(rules, table, state.hits, state.url),
      platforms: [...state.platforms],
    };
  }

  /** autoconsent asks for one of its bundled page-world snippets. */
  async evalSnippet(sender: PageSender, snippet: string): Promise<boolean> {
    this.tab(sender);
    return this.ports.platform.evalSnippet(sender.tabId, snippet);
  }

  /**
   * autoconsent's result: recorded with the TC string the page holds afterwards (read after
   * {@link tcfReadDelayMs}, decoded, consents the customer did not give flagged).
   */
  async result(
    sender: PageSender,
    platform: string,
    outcome: Exclude<BannerOutcome, 'left-alone'>,
  ): Promise<void> {
    const state = this.tab(sender);
    if (state.finished) return;
    state.finished = true;
    this.tabs.delete(sender.tabId);
    const work = (async () => {
      let tcf = null;
      let tcfError: 'no-tcf-api' | 'empty' | 'too-long' | 'malformed' | null = null;
      if (outcome === 'success') {
        await new Promise((resolve) => setTimeout(resolve, tcfReadDelayMs));
        const raw = await this.ports.platform.readTcString(sender.tabId).catch(() => null);
        if (raw === null) tcfError = 'no-tcf-api';
        else {
          const decoded = decodeTcString(raw, state.action);
          if (decoded.ok) tcf = decoded.summary;
          else tcfError = decoded.reason;
        }
      }
      await this.record({
        kind: 'banner',
        site: state.site,
        banner: {
          platform: platform.length > 0 ? platform : (state.platforms[0] ?? 'unknown'),
          action: state.action,
          reason: state.reason,
          outcome,
          at: this.ports.clock.now(),
          tcf,
          tcfError,
        },
      });
    })();
    this.lastWork = work.catch(() => undefined);
    await work;
  }

  /**
   * A top-frame page finished loading: reads its site's `/.well-known/gpc.json` unless the cache
   * or the rate limit says not now (extension/core/gpc {@link GpcCheckLimiter}).
   */
  checkGpcSupport(url: string): Promise<void> {
    const site = siteOf(url);
    if (site === undefined) return Promise.resolve();
    const origin = new URL(url).origin;
    const work = (async () => {
      const sites = await this.ports.sites();
      const last = sites === null ? null : await sites.gpcOf(site);
      const now = this.ports.clock.now();
      if (!this.limiter.take(site, last, now)) return;
      try {
        const answer = await this.ports.platform.fetchSmall(
          `${origin}/.well-known/gpc.json`,
          maxGpcJsonBytes,
        );
        const gpc = parseGpcJson(
          answer?.status ?? null,
          answer?.body ?? '',
          this.ports.clock.now(),
        );
        await this.record({ kind: 'gpc', site, gpc });
      } finally {
        this.limiter.done(site, this.ports.clock.now());
      }
    })();
    this.lastWork = work.catch(() => undefined);
    return work;
  }

  /** The dashboard's view (needs the vault unlocked). */
  async list(): Promise<SitesView> {
    const sites = await this.ports.sites();
    if (sites === null) throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
    await this.pending.flush((event) => sites.apply(event));
    const { items, damaged } = await sites.list();
    return {
      items,
      damaged,
      exempt: await this.exempt(),
      nativeGpc: this.ports.platform.nativeGpc(),
    };
  }

  /** The customer decides for a site; the memory cache used while locked follows. */
  async decide(site: string, decision: SiteDecision): Promise<SitesView> {
    const sites = await this.ports.sites();
    if (sites === null) throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
    await sites.decide(site, decision);
    await this.ports.decisions.write(await sites.decisions());
    return this.list();
  }
}
