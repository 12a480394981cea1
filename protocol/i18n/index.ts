/**
 * The one catalog of user-visible text for all three parts (SPECS "Shared pieces"):
 * German and English side by side, plain data and pure functions. `browser.i18n`
 * serves only the manifest's own strings, because it cannot switch language at run time.
 *
 * @example
 * ```ts
 * t('de', 'portal.home.title') // 'Die Clearingstelle für Einwilligungen'
 * t('en', 'extension.popup.version', { version: '0.1.0' })
 * ```
 */
import { common } from './catalog/common';
import { companyConsole } from './catalog/company-console';
import { consoles } from './catalog/consoles';
import { errors } from './catalog/errors';
import { extension } from './catalog/extension';
import { filter } from './catalog/filter';
import { me } from './catalog/me';
import { offers } from './catalog/offers';
import { portal } from './catalog/portal';
import { sites } from './catalog/sites';
import { vocabulary } from './catalog/vocabulary';

export const locales = ['de', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'de';

/** One entry: the same text in every locale. Placeholders are written `{name}`. */
export type Entry = Readonly<Record<Locale, string>>;

export const catalog = {
  ...common,
  ...companyConsole,
  ...consoles,
  ...errors,
  ...extension,
  ...filter,
  ...me,
  ...offers,
  ...portal,
  ...sites,
  ...vocabulary,
} as const satisfies Record<string, Entry>;

export type MessageKey = keyof typeof catalog;
export type Params = Readonly<Record<string, string | number>>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(catalog, key);
}

/**
 * The text for `key` in `locale`, with `{name}` placeholders filled from `params`.
 * A placeholder without a value stays visible as `{name}` rather than vanishing.
 */
export function t(locale: Locale, key: MessageKey, params?: Params): string {
  const text = catalog[key][locale];
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** A translator bound to one locale, for components. */
export function translator(locale: Locale): (key: MessageKey, params?: Params) => string {
  return (key, params) => t(locale, key, params);
}

/**
 * Picks a supported locale from an `Accept-Language` header (RFC 9110 section 12.5.4),
 * honouring q-values; `fallback` when nothing matches or the header is malformed.
 */
export function negotiateLocale(
  header: string | null | undefined,
  fallback: Locale = defaultLocale,
): Locale {
  if (typeof header !== 'string' || header.length === 0 || header.length > 1024) return fallback;
  let best: { locale: Locale; q: number } | undefined;
  for (const part of header.split(',').slice(0, 32)) {
    const [rawTag, ...rawParams] = part.trim().split(';');
    const tag = rawTag?.trim().toLowerCase() ?? '';
    let q = 1;
    for (const p of rawParams) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q <= 0) continue;
    const primary = tag.split('-')[0] ?? '';
    if (!isLocale(primary)) continue;
    if (best === undefined || q > best.q) best = { locale: primary, q };
  }
  return best?.locale ?? fallback;
}
