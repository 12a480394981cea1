import { localeTags, type Locale } from '../../protocol/i18n';

/** Formats built so far, by locale and options: a view formats every row with one. */
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * The date format of the Assistant's pages for `locale`: `Intl.DateTimeFormat` with the
 * project's language tag for it (protocol/i18n `localeTags`: `en` is British English, day first
 * and a 24-hour clock, as the clearinghouse's pages show dates), never the bare locale, which
 * `Intl` reads as US English. Built once per locale and options.
 *
 * @example
 * ```ts
 * dateFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(Date.UTC(2026, 11, 6, 7, 9))
 * // '6 Dec 2026, 07:09' (in UTC)
 * dateFormat('de', { dateStyle: 'medium' }).format(0) // '01.01.1970'
 * ```
 */
export function dateFormat(
  locale: Locale,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (format === undefined)
    formats.set(key, (format = new Intl.DateTimeFormat(localeTags[locale], options)));
  return format;
}
