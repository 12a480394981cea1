import { defaultLocale, isLocale, type Locale } from '../../protocol/i18n';

/** More preferences than any browser reports; a longer list is cut, not trusted. */
const maxPreferences = 32;

/**
 * The UI locale for the browser's language preferences (`navigator.languages`, most preferred
 * first): the first whose primary subtag the catalog has, else the catalog's default.
 * The UI cannot use `browser.i18n` for this: it serves only the manifest's strings (SPECS
 * "Shared pieces").
 *
 * @example
 * ```ts
 * pickLocale(['fr-FR', 'en-GB', 'de']) // 'en'
 * pickLocale([]) // 'de'
 * ```
 */
export function pickLocale(preferences: readonly string[]): Locale {
  for (const tag of preferences.slice(0, maxPreferences)) {
    if (typeof tag !== 'string' || tag.length > 64) continue;
    const primary = tag.split('-')[0]?.toLowerCase();
    if (isLocale(primary)) return primary;
  }
  return defaultLocale;
}

/**
 * The browser's UI locale as {@link pickLocale} reads it from `nav` (`navigator` in a page or
 * the background's worker): its language list, or its one language where the list is empty.
 */
export function browserLocale(nav: Pick<Navigator, 'language' | 'languages'>): Locale {
  return pickLocale(nav.languages.length > 0 ? nav.languages : [nav.language]);
}

/**
 * The language of the Assistant's own words (its pages, its notifications, its "why you are
 * seeing this"): the `language` setting (extension/core/settings), or the browser's while the
 * setting says "like the browser" (null). The dashboard, the consent window, the popup and the
 * background all resolve it by this rule. The profile's "Language of offers" is not it: that
 * tells companies which language the customer wants their offers in, and never changes what the
 * Assistant says itself.
 *
 * @example
 * ```ts
 * assistantLocale(null, 'de') // 'de': like the browser
 * assistantLocale('en', 'de') // 'en'
 * ```
 */
export function assistantLocale(setting: Locale | null, browser: Locale): Locale {
  return setting ?? browser;
}
