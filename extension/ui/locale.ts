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
