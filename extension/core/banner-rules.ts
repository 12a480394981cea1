/**
 * Cookie banners (issue 11): what reaches a page, and when. `@duckduckgo/autoconsent` knows the
 * consent-management platforms; its rule data (hundreds of kilobytes) stays in the background.
 * Every page gets only {@link detectorTable}'s selectors, compiled at build time from the same
 * rules (on the model of uBO Lite: the expensive work happens at build time); when one matches,
 * the page names the matching detector indexes, and the background injects autoconsent with only
 * the rules those detectors stand for ({@link rulesForDetection}).
 *
 * Which rules get a detector: the first step of each rule's `detectCmp` that is a CSS selector
 * (`exists` or `visible`, also inside `any`; a selector chain contributes its first element).
 * Rules detected only by an `eval` or an XPath get none, and neither do autoconsent's generated
 * site-specific rules (`auto_*`, made by a crawler for single sites): both are counted by
 * {@link detectorTable} so the figure is visible. The code-based platforms (autoconsent's
 * `lib/cmps/*.ts`) get the selectors their `detectCmp` checks, listed in {@link codeDetectors}.
 *
 * Pure data in, data out: runs in Node (the build, the tests) and in the background.
 */

/** The subset of an autoconsent JSON rule this module reads. */
export interface AutoconsentRule {
  readonly name: string;
  readonly runContext?: { readonly urlPattern?: string; readonly main?: boolean };
  readonly detectCmp?: readonly Record<string, unknown>[];
}

/** The detectors of the platforms autoconsent implements in code (each checks these first). */
export const codeDetectors: readonly (readonly [selector: string, name: string])[] = [
  ['#cmpbox', 'consentmanager.net'],
  ['.cmp-root .cmp-receptacle', 'Conversant'],
  ['#CybotCookiebotDialog,#dtcookie-container,#cookiebanner,#cb-cookieoverlay', 'Cybotcookiebot'],
  ['#_evidon_banner', 'Evidon'],
  ['.klaro > .cookie-modal,.klaro > .cookie-notice', 'Klaro'],
  ['#onetrust-banner-sdk,#onetrust-pc-sdk', 'Onetrust'],
  ['.tiktok-cookie-banner,tiktok-cookie-banner', 'tiktok.com'],
  ['#truste-show-consent,#truste-consent-track', 'TrustArc-top'],
  ['#cmp-app-container', 'tumblr-com'],
  ['.unic .unic-box,.unic .unic-bar,.unic .unic-modal', 'Uniconsent'],
];

/** The detectors: `selectors[i]` stands for the rules `names[i]`. */
export interface DetectorTable {
  readonly selectors: readonly string[];
  readonly names: readonly (readonly string[])[];
  /** Rules without a detector (generated, eval-only or XPath-only). */
  readonly skipped: number;
}

function selectorOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'string' || first.length === 0 || first.length > 2000) return undefined;
  if (first.startsWith('xpath/')) return undefined;
  return first;
}

function stepSelectors(step: Record<string, unknown>): string[] {
  if (Array.isArray(step.any)) {
    const all = (step.any as unknown[]).flatMap((s) =>
      typeof s === 'object' && s !== null ? stepSelectors(s as Record<string, unknown>) : [],
    );
    return all;
  }
  const selector = selectorOf(step.exists) ?? selectorOf(step.visible);
  return selector === undefined ? [] : [selector];
}

/**
 * Compiles the detectors of `rules` (autoconsent's `rules.json` `autoconsent` list) plus
 * {@link codeDetectors}. A selector shared by several rules appears once, naming all of them.
 *
 * @example
 * ```ts
 * const table = detectorTable(rulesJson.autoconsent);
 * table.selectors.includes('#qc-cmp2-container') // true (Quantcast Choice)
 * ```
 */
export function detectorTable(rules: readonly AutoconsentRule[]): DetectorTable {
  const bySelector = new Map<string, string[]>();
  let skipped = 0;
  const add = (selector: string, name: string) => {
    const names = bySelector.get(selector);
    if (names === undefined) bySelector.set(selector, [name]);
    else if (!names.includes(name)) names.push(name);
  };
  for (const rule of rules) {
    if (rule.name.startsWith('auto_')) {
      skipped++;
      continue;
    }
    const first = rule.detectCmp?.[0];
    const selectors =
      typeof first === 'object' && first !== null
        ? stepSelectors(first as Record<string, unknown>)
        : [];
    if (selectors.length === 0) skipped++;
    for (const selector of selectors) add(selector, rule.name);
  }
  for (const [selector, name] of codeDetectors) add(selector, name);
  return {
    selectors: [...bySelector.keys()],
    names: [...bySelector.values()],
    skipped,
  };
}

/** The names of the code-based platforms (always part of the injected library). */
export const codePlatformNames: readonly string[] = codeDetectors.map(([, name]) => name);

/** At most this many detector indexes are accepted from a page. */
export const maxDetectorHits = 32;

function urlMatches(rule: AutoconsentRule, url: string): boolean {
  const pattern = rule.runContext?.urlPattern;
  if (pattern === undefined || pattern === '') return true;
  try {
    return new RegExp(pattern).test(url);
  } catch (_e) {
    return false;
  }
}

/**
 * The JSON rules to send to a page whose detectors `hits` matched: the rules those detectors stand
 * for that run in the top frame and whose URL pattern (if any) fits `url`. Indexes outside the
 * table are ignored (the page is not trusted to name them correctly), and so are code platforms
 * (the injected library carries those itself).
 *
 * @example
 * ```ts
 * rulesForDetection(rules, table, [table.selectors.indexOf('#qc-cmp2-container')], 'https://news.example/') // [quantcast rule]
 * ```
 */
export function rulesForDetection<R extends AutoconsentRule>(
  rules: readonly R[],
  table: DetectorTable,
  hits: readonly number[],
  url: string,
): R[] {
  const wanted = new Set<string>();
  for (const hit of hits.slice(0, maxDetectorHits)) {
    if (!Number.isInteger(hit) || hit < 0 || hit >= table.names.length) continue;
    for (const name of table.names[hit] ?? []) wanted.add(name);
  }
  return rules.filter(
    (rule) => wanted.has(rule.name) && rule.runContext?.main !== false && urlMatches(rule, url),
  );
}

/** The platform names the detectors `hits` stand for (for the record when nothing else says). */
export function platformsOf(table: DetectorTable, hits: readonly number[]): string[] {
  const out = new Set<string>();
  for (const hit of hits.slice(0, maxDetectorHits))
    if (Number.isInteger(hit) && hit >= 0 && hit < table.names.length)
      for (const name of table.names[hit] ?? []) out.add(name);
  return [...out];
}
