/**
 * Global Privacy Control in the browser (issue 11): applies extension/core/gpc's plan with
 * `declarativeNetRequest` (the `Sec-GPC: 1` header rule, a dynamic rule the browser keeps across
 * restarts) and `scripting` (the MAIN-world page script, registered with the exempt sites
 * excluded, kept across restarts too). So GPC works while the vault is locked: the exemptions live
 * in the rule itself, recomputed whenever the grants change.
 */
import browser from 'webextension-polyfill';
import { exemptSitesOfRules, gpcRuleId, gpcScriptId, type GpcPlan } from '../core/gpc';

/** The page script, relative to the extension root (built by scripts/build-extension.mjs). */
export const gpcScriptPath = 'content/gpc.js';

/**
 * True when the browser itself sends GPC: Firefox exposes its own setting as
 * `navigator.globalPrivacyControl` in every document, the background page included; Chromium has
 * no such member. (Then the Assistant adds nothing, so the header is never sent twice.)
 *
 * @example
 * ```ts
 * gpcPlan(sites, { nativeGpc: browserSendsGpc() })
 * ```
 */
export function browserSendsGpc(): boolean {
  const nav = (globalThis as { navigator?: { globalPrivacyControl?: unknown } }).navigator;
  return nav?.globalPrivacyControl === true;
}

/**
 * The exempt sites the browser currently applies (read back from the header rule).
 *
 * @example
 * ```ts
 * const sites = await appliedExemptSites();
 * ```
 */
export async function appliedExemptSites(): Promise<string[]> {
  return exemptSitesOfRules(await browser.declarativeNetRequest.getDynamicRules());
}

/**
 * Replaces the header rule and the page script's registration with `plan`.
 *
 * @example
 * ```ts
 * await applyGpcPlan(gpcPlan(['shop.example'], { nativeGpc: browserSendsGpc() }));
 * ```
 */
export async function applyGpcPlan(plan: GpcPlan): Promise<void> {
  await browser.declarativeNetRequest.updateDynamicRules({
    removeRuleIds: [gpcRuleId],
    addRules: plan.headerRules.map((rule) => ({
      id: rule.id,
      priority: rule.priority,
      action: {
        type: rule.action.type,
        requestHeaders: rule.action.requestHeaders.map((h) => ({ ...h })),
      },
      condition: {
        resourceTypes: [...rule.condition.resourceTypes],
        ...(rule.condition.excludedRequestDomains
          ? { excludedRequestDomains: [...rule.condition.excludedRequestDomains] }
          : {}),
        ...(rule.condition.excludedInitiatorDomains
          ? { excludedInitiatorDomains: [...rule.condition.excludedInitiatorDomains] }
          : {}),
      },
    })),
  });
  const registered = await browser.scripting.getRegisteredContentScripts({ ids: [gpcScriptId] });
  if (registered.length > 0)
    await browser.scripting.unregisterContentScripts({ ids: [gpcScriptId] });
  if (!plan.active) return;
  await browser.scripting.registerContentScripts([
    {
      id: gpcScriptId,
      js: [gpcScriptPath],
      matches: ['http://*/*', 'https://*/*'],
      ...(plan.scriptExcludes.length > 0 ? { excludeMatches: [...plan.scriptExcludes] } : {}),
      runAt: 'document_start',
      allFrames: true,
      world: 'MAIN',
      persistAcrossSessions: true,
    },
  ]);
}
