/**
 * Dates as the public pages show them: in the page's language, in UTC (the figures are counted
 * in UTC weeks, and a server-rendered page cannot know the reader's time zone).
 */
import { localeTags as tags, type Locale } from '$protocol/i18n';

/**
 * A day, e.g. `05.01.2026` or `5 Jan 2026`.
 *
 * @example
 * ```ts
 * formatDay('de', Date.UTC(2026, 0, 5)); // '05.01.2026'
 * ```
 */
export function formatDay(locale: Locale, ms: number): string {
  return new Intl.DateTimeFormat(tags[locale], { dateStyle: 'medium', timeZone: 'UTC' }).format(ms);
}

/**
 * A day and time to the second, marked UTC, e.g. `05.01.2026, 13:05:07 UTC`: for the times a
 * signed message carries (`iat`), where the hour can decide a rule such as a time window.
 *
 * @example
 * ```ts
 * formatDayTime('en', Date.UTC(2026, 0, 5, 13, 5, 7)); // '5 Jan 2026, 13:05:07 UTC'
 * ```
 */
export function formatDayTime(locale: Locale, ms: number): string {
  return new Intl.DateTimeFormat(tags[locale], {
    dateStyle: 'medium',
    timeStyle: 'long',
    timeZone: 'UTC',
  }).format(ms);
}

/**
 * A short day for chart axes, e.g. `05.01.` or `5 Jan`.
 *
 * @example
 * ```ts
 * formatShortDay('en', Date.UTC(2026, 0, 5)); // '5 Jan'
 * ```
 */
export function formatShortDay(locale: Locale, ms: number): string {
  return new Intl.DateTimeFormat(tags[locale], {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(ms);
}

/**
 * A whole number with the language's digit grouping.
 *
 * @example
 * ```ts
 * formatNumber('de', 12345); // '12.345'
 * ```
 */
export function formatNumber(locale: Locale, value: number): string {
  return new Intl.NumberFormat(tags[locale]).format(value);
}
