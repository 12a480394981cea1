/**
 * The one catalog of user-visible text for all three parts (SPECS "Shared pieces"):
 * German and English side by side, plain data and pure functions. `browser.i18n`
 * serves only the manifest's own strings, because it cannot switch language at run time.
 *
 * @example
 * ```ts
 * t('de', 'portal.home.title') // 'Die Clearingstelle für Einwilligungen'
 * t('en', 'extension.popup.version', { version: '0.1.0' })
 * t('en', 'portal.me.refusals', { count: 1 }) // '1 refusal' (a text naming a count, see `Entry`)
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

/** The language tag each locale formats numbers and dates with (en-GB: 24-hour clock, day first). */
export const localeTags: Readonly<Record<Locale, string>> = { de: 'de-DE', en: 'en-GB' };

/**
 * A text that names a count, in the forms `Intl.PluralRules` chooses between (CLDR cardinal
 * categories): German and English know only `one` (exactly 1) and `other` (0, 2, 1.5, …). A
 * locale with more categories (few, many) would add them here, and the type check would then
 * ask every counted entry for them.
 */
export type PluralForms = Readonly<{ one: string; other: string }>;

/**
 * One entry: the same text in every locale. Placeholders are written `{name}`. A text that names
 * a count is given in both plural forms in every locale; `t` picks the form by the `count`
 * parameter, which such an entry then requires.
 */
export type Entry = Readonly<Record<Locale, string>> | Readonly<Record<Locale, PluralForms>>;

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

/** The keys whose text names a count (their entry holds `PluralForms`). */
type PluralKey = {
  [K in MessageKey]: (typeof catalog)[K] extends Readonly<Record<Locale, PluralForms>> ? K : never;
}[MessageKey];

/**
 * What `t` takes after the key: a text naming a count needs its `count` as a number (it picks
 * the form and is shown with the locale's digit grouping); any other text takes optional params.
 * For a key only known as `MessageKey` both are accepted, and a missing count stays visible.
 */
export type ParamsFor<K extends MessageKey> = K extends PluralKey
  ? [params: Params & { readonly count: number }]
  : [params?: Params];

/** A translator bound to one locale (see `translator`). */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsFor<K>) => string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(catalog, key);
}

/** Intl's plural rules and number format per locale, built once: `t` runs for every table cell. */
const pluralRules = new Map<Locale, Intl.PluralRules>();
const numberFormats = new Map<Locale, Intl.NumberFormat>();

function pluralForm(locale: Locale, forms: PluralForms, count: number): string {
  let rules = pluralRules.get(locale);
  if (rules === undefined) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules.select(count) === 'one' ? forms.one : forms.other;
}

function formatCount(locale: Locale, count: number): string {
  let format = numberFormats.get(locale);
  if (format === undefined)
    numberFormats.set(locale, (format = new Intl.NumberFormat(localeTags[locale])));
  return format.format(count);
}

function fill(text: string, params: Params | undefined): string {
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/**
 * The text for `key` in `locale`, with `{name}` placeholders filled from `params`.
 * A placeholder without a value stays visible as `{name}` rather than vanishing.
 *
 * A text naming a count (`PluralForms`) takes the form `Intl.PluralRules` picks for
 * `params.count` and shows that count with the locale's digit grouping (`1.234` in German);
 * other numbers are shown as given, so the caller formats them. Without a finite count it
 * takes the `other` form and leaves `{count}` visible.
 *
 * @example
 * ```ts
 * t('en', 'portal.me.refusals', { count: 1 }) // '1 refusal'
 * t('de', 'portal.me.refusals', { count: 1234 }) // '1.234 Ablehnungen'
 * ```
 */
export function t<K extends MessageKey>(locale: Locale, key: K, ...[params]: ParamsFor<K>): string {
  const text: Entry[Locale] = (catalog as Record<MessageKey, Entry>)[key][locale];
  if (typeof text === 'string') return fill(text, params);
  const { count, ...rest } = params ?? {};
  // A count given as text ("1") cannot pick the form: shown, it would read "1 refusals" again.
  if (typeof count !== 'number' || !Number.isFinite(count)) return fill(text.other, rest);
  return fill(pluralForm(locale, text, count), { ...rest, count: formatCount(locale, count) });
}

/** A translator bound to one locale, for components. */
export function translator(locale: Locale): Translate {
  return (key, ...params) => t(locale, key, ...params);
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
