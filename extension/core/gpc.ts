/**
 * Global Privacy Control (issue 11, SPECS "Global Privacy Control" and "Consent conditions"):
 * which sites are exempt, the header rules and page-script registration that follow from it, and
 * the `/.well-known/gpc.json` check with its cache and rate limit. Pure: extension/platform/gpc
 * applies the plan with `declarativeNetRequest` and `scripting`.
 *
 * A site is a host name and its subdomains, without scheme or port, as for cookies, match patterns
 * and declarativeNetRequest's `requestDomains`: the company whose registered domain is
 * `https://shop.example` is the company of `www.shop.example` and of `shop.example:8443` too.
 */
import * as v from 'valibot';
import { schemas } from '../../protocol/messages';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { gpcExemptingDataCategories, gpcExemptingPurposes } from '../../protocol/vocabulary';
import type { StoredRelationship } from './recovery';

/** The rule id of the one `Sec-GPC` header rule (declarativeNetRequest dynamic rules). */
export const gpcRuleId = 1;
/** The id of the registered MAIN-world page script. */
export const gpcScriptId = 'gpc';
/** At most this many exempt sites are applied (a rule's domain lists stay small). */
export const maxExemptSites = 1000;

/** Every resource type declarativeNetRequest knows in both browsers: the header goes on every request. */
export const gpcResourceTypes = [
  'main_frame',
  'sub_frame',
  'stylesheet',
  'script',
  'image',
  'font',
  'object',
  'xmlhttprequest',
  'ping',
  'csp_report',
  'media',
  'websocket',
  'other',
] as const;

/** The declarativeNetRequest rule shape this module writes (a subset of the browsers' type). */
export interface HeaderRule {
  readonly id: number;
  readonly priority: number;
  readonly action: {
    readonly type: 'modifyHeaders';
    readonly requestHeaders: readonly { header: string; operation: 'set'; value: string }[];
  };
  readonly condition: {
    readonly resourceTypes: readonly (typeof gpcResourceTypes)[number][];
    readonly excludedRequestDomains?: readonly string[];
    readonly excludedInitiatorDomains?: readonly string[];
  };
}

/** What extension/platform/gpc applies. */
export interface GpcPlan {
  /** False when the browser sends GPC itself (Firefox's own setting): nothing is added. */
  readonly active: boolean;
  readonly exemptSites: readonly string[];
  readonly headerRules: readonly HeaderRule[];
  /** Match patterns of the exempt sites, excluded from the page script. */
  readonly scriptExcludes: readonly string[];
}

const hostLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The site (lower-case host name, no port) of an http(s) URL or origin, or undefined.
 *
 * @example
 * ```ts
 * siteOf('https://WWW.Shop.example:8443/cart') // 'www.shop.example'
 * siteOf('chrome://settings') // undefined
 * ```
 */
export function siteOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (_e) {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const host = parsed.hostname.toLowerCase();
  if (host.length === 0 || host.length > 253) return undefined;
  if (host.startsWith('[')) return host; // IPv6 literal
  return host.split('.').every((label) => hostLabel.test(label)) ? host : undefined;
}

/**
 * True when `host` is one of `sites` or a subdomain of one.
 *
 * @example
 * ```ts
 * isExempt('www.shop.example', ['shop.example']) // true
 * isExempt('evilshop.example', ['shop.example']) // false
 * ```
 */
export function isExempt(host: string, sites: readonly string[]): boolean {
  return sites.some((site) => host === site || host.endsWith(`.${site}`));
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}

function grantPayload(jws: string): v.InferOutput<typeof schemas.grant> | undefined {
  try {
    const raw: unknown = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? '')));
    const parsed = v.safeParse(schemas.grant, raw);
    return parsed.success ? parsed.output : undefined;
  } catch (_e) {
    return undefined;
  }
}

/**
 * The sites exempt from GPC (SPECS "Consent conditions"): the registered domain of every company
 * the customer holds an active, unexpired grant for whose scopes, minus revoked purposes, include
 * personalised advertising or behavioural web data. Sorted, without duplicates, at most
 * {@link maxExemptSites}. The grants are those the wallet checked were signed by the customer's
 * own key when it stored them, their status and revoked purposes as its checked revocations make
 * them (extension/core/own-messages); here they are only parsed again (a record that does not
 * parse exempts nothing: fail closed, GPC stays on).
 *
 * @example
 * ```ts
 * exemptSites((await wallet.list()).items, Math.floor(clock.now() / 1000)) // ['shop.example']
 * ```
 */
export function exemptSites(
  relationships: readonly StoredRelationship[],
  nowSeconds: number,
): string[] {
  const sites = new Set<string>();
  for (const relationship of relationships) {
    if (relationship.company.status !== 'active') continue;
    const site = siteOf(relationship.company.domain);
    if (site === undefined) continue;
    for (const grant of relationship.grants) {
      if (grant.status !== 'active') continue;
      const payload = grantPayload(grant.jws);
      if (payload === undefined || payload.until <= nowSeconds) continue;
      const revoked = new Set(grant.revokedPurposes);
      const exempting = payload.scopes.some(
        (scope) =>
          !revoked.has(scope.purpose) &&
          (scope.conditions.validUntil === undefined || scope.conditions.validUntil > nowSeconds) &&
          ((gpcExemptingPurposes as readonly string[]).includes(scope.purpose) ||
            scope.dataCategories.some((c) =>
              (gpcExemptingDataCategories as readonly string[]).includes(c),
            )),
      );
      if (exempting) sites.add(site);
    }
  }
  return [...sites].sort().slice(0, maxExemptSites);
}

/**
 * The match patterns that cover `site` and its subdomains (an IP address has no subdomains).
 *
 * @example
 * ```ts
 * sitePatterns('shop.example') // ['*://shop.example/*', '*://*.shop.example/*']
 * ```
 */
export function sitePatterns(site: string): string[] {
  return isIpLiteral(site) ? [`*://${site}/*`] : [`*://${site}/*`, `*://*.${site}/*`];
}

/**
 * The plan for the browser: one rule that sets `Sec-GPC: 1` on every request except those to an
 * exempt site or started by one of its pages, and the page script everywhere but on exempt
 * sites. `set`, not `append`: a header already present (a browser that sends GPC itself) is
 * replaced, never doubled. When the browser sends GPC natively (Firefox's setting), the plan is
 * inactive: no rule and no script, and the browser's own signal applies everywhere.
 *
 * @example
 * ```ts
 * gpcPlan(['shop.example'], { nativeGpc: false }).headerRules[0].condition.excludedRequestDomains // ['shop.example']
 * ```
 */
export function gpcPlan(sites: readonly string[], options: { nativeGpc: boolean }): GpcPlan {
  const exempt = [...new Set(sites)].sort().slice(0, maxExemptSites);
  if (options.nativeGpc)
    return { active: false, exemptSites: exempt, headerRules: [], scriptExcludes: [] };
  const rule: HeaderRule = {
    id: gpcRuleId,
    priority: 1,
    action: {
      type: 'modifyHeaders',
      requestHeaders: [{ header: 'Sec-GPC', operation: 'set', value: '1' }],
    },
    condition: {
      resourceTypes: [...gpcResourceTypes],
      ...(exempt.length > 0
        ? { excludedRequestDomains: exempt, excludedInitiatorDomains: exempt }
        : {}),
    },
  };
  return {
    active: true,
    exemptSites: exempt,
    headerRules: [rule],
    scriptExcludes: exempt.flatMap(sitePatterns),
  };
}

/**
 * The exempt sites a plan's header rule carries (the browser keeps dynamic rules across restarts,
 * so the rule itself is where the exemptions live while the vault is locked).
 *
 * @example
 * ```ts
 * // `rules`: the dynamic rules extension/platform/gpc.ts read from the browser
 * exemptSitesOfRules(rules) // ['shop.example']
 * ```
 */
export function exemptSitesOfRules(rules: readonly unknown[]): string[] {
  for (const rule of rules) {
    if (typeof rule !== 'object' || rule === null) continue;
    const r = rule as { id?: unknown; condition?: { excludedRequestDomains?: unknown } };
    if (r.id !== gpcRuleId) continue;
    const list = r.condition?.excludedRequestDomains;
    return Array.isArray(list)
      ? list.filter((s): s is string => typeof s === 'string').slice(0, maxExemptSites)
      : [];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// /.well-known/gpc.json

/** What a site's `/.well-known/gpc.json` said. */
export const gpcSupportResults = [
  /** `{"gpc": true}`: the site says it honours GPC. */
  'honours',
  /** `{"gpc": false}`: the site says it does not. */
  'does-not-honour',
  /** 404 or another non-200 status: the site says nothing. */
  'absent',
  /** 200 with something that is not the resource SPECS describes. */
  'invalid',
  /** No answer (network error, timeout). */
  'unreachable',
] as const;
export type GpcSupportResult = (typeof gpcSupportResults)[number];

export const gpcSupport = v.object({
  result: v.picklist(gpcSupportResults),
  /** The resource's `lastUpdate` (YYYY-MM-DD) when it gave a valid one. */
  lastUpdate: v.nullable(v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/))),
  checkedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type GpcSupport = v.InferOutput<typeof gpcSupport>;

/** The largest gpc.json read (the resource is a few dozen bytes). */
export const maxGpcJsonBytes = 4096;

/**
 * Interprets the answer to `GET /.well-known/gpc.json` (SPECS: `{"gpc": true, "lastUpdate":
 * "YYYY-MM-DD"}`). `status` null means no answer. A missing or malformed `lastUpdate` does not
 * void a valid `gpc` member (the specification makes `lastUpdate` optional).
 *
 * @example
 * ```ts
 * parseGpcJson(200, '{"gpc": true, "lastUpdate": "2026-01-15"}', now) // { result: 'honours', lastUpdate: '2026-01-15', checkedAt: now }
 * ```
 */
export function parseGpcJson(status: number | null, body: string, checkedAt: number): GpcSupport {
  if (status === null) return { result: 'unreachable', lastUpdate: null, checkedAt };
  if (status !== 200) return { result: 'absent', lastUpdate: null, checkedAt };
  if (body.length > maxGpcJsonBytes) return { result: 'invalid', lastUpdate: null, checkedAt };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (_e) {
    return { result: 'invalid', lastUpdate: null, checkedAt };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { result: 'invalid', lastUpdate: null, checkedAt };
  const record = raw as Record<string, unknown>;
  if (typeof record.gpc !== 'boolean') return { result: 'invalid', lastUpdate: null, checkedAt };
  const lastUpdate =
    typeof record.lastUpdate === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(record.lastUpdate) &&
    !Number.isNaN(Date.parse(`${record.lastUpdate}T00:00:00Z`))
      ? record.lastUpdate
      : null;
  return { result: record.gpc ? 'honours' : 'does-not-honour', lastUpdate, checkedAt };
}

/** How long a gpc.json answer is kept before the site is asked again. */
export const gpcRecheckMs = 7 * 24 * 3600 * 1000;
/** After no answer, the site is asked again at the earliest after this long. */
export const gpcRetryMs = 6 * 3600 * 1000;
/** At most this many gpc.json fetches per minute, across all sites. */
export const gpcFetchesPerMinute = 6;

/**
 * The gpc.json cache and rate limit: a site is asked again only when its last answer is older than
 * {@link gpcRecheckMs} ({@link gpcRetryMs} after no answer), a site being checked is not asked
 * twice at once, and at most {@link gpcFetchesPerMinute} fetches start per minute. The record
 * of the last answer lives in the vault (extension/core/sites); `attempted` remembers in memory the
 * sites asked while it could not be written (vault locked).
 *
 * @example
 * ```ts
 * const limiter = new GpcCheckLimiter();
 * if (limiter.take(site, record?.gpc ?? null, now)) { … fetch, then limiter.done(site, now) … }
 * ```
 */
export class GpcCheckLimiter {
  private readonly inFlight = new Set<string>();
  private readonly attempted = new Map<string, number>();
  private starts: number[] = [];

  /** True when `site` may be asked now; then it counts against the rate limit and is in flight. */
  take(site: string, last: GpcSupport | null, now: number): boolean {
    if (this.inFlight.has(site)) return false;
    if (last !== null) {
      const wait = last.result === 'unreachable' ? gpcRetryMs : gpcRecheckMs;
      if (now - last.checkedAt < wait) return false;
    }
    const tried = this.attempted.get(site);
    if (tried !== undefined && now - tried < gpcRetryMs) return false;
    this.starts = this.starts.filter((t) => now - t < 60_000);
    if (this.starts.length >= gpcFetchesPerMinute) return false;
    this.starts.push(now);
    this.inFlight.add(site);
    return true;
  }

  /** The check of `site` ended (whatever its result). */
  done(site: string, now: number): void {
    this.inFlight.delete(site);
    this.attempted.set(site, now);
    if (this.attempted.size > 10_000) {
      const oldest = this.attempted.keys().next().value;
      if (oldest !== undefined) this.attempted.delete(oldest);
    }
  }
}
