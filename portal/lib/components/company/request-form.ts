/**
 * The consent-request builder's form (issue 10, company console): the fields a person fills in
 * become the body of a `grant-request` (DESIGN section 5; one scope per chosen purpose, all with
 * the same channels, data categories, conditions, retention and recipients). Pure: the page runs
 * it in the browser before signing, and the server runs it to explain a form sent without
 * JavaScript. Every problem is a catalog key, so the page shows a sentence in either language.
 */
import type { MessageKey } from '$protocol/i18n';
import type { Payload, Scope } from '$protocol/messages';
import { limits } from '$protocol/messages';
import { channelIds, dataCategoryIds, incentiveTypeIds, purposeIds } from '$protocol/vocabulary';

/** What the builder reads: `FormData` or anything with the same two getters. */
export interface FormLike {
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
}

/** The grant request's own fields (without `v`, `iss`, `aud`, `iat`, `exp`, `jti`). */
export type RequestFields = Pick<Payload<'grant-request'>, 'scopes' | 'incentive' | 'reason'>;

export type RequestFormResult =
  { ok: true; fields: RequestFields } | { ok: false; errors: { field: string; key: MessageKey }[] };

const text = (form: FormLike, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

const list = <T extends string>(
  form: FormLike,
  name: string,
  allowed: readonly T[],
): T[] | undefined => {
  const values = form.getAll(name).filter((v): v is string => typeof v === 'string');
  if (values.some((v) => !(allowed as readonly string[]).includes(v))) return undefined;
  return [...new Set(values)] as T[];
};

const clock = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;
const clockEnd = /^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Lines of `Name` or `Name, CC`; undefined when one is not. `CC` is an ISO 3166-1 alpha-2 code,
 * taken in either case and kept upper case. What follows a line's last comma is always the
 * country: a mistyped one (`, DEU`, `, Deutschland`) is refused, never folded into the name and
 * signed. So a name that itself contains a comma ends with its country (`Müller, Schmidt & Co,
 * DE`); the console says this rule under the field (`portal.console.request.recipientsHint`).
 *
 * @example
 * ```ts
 * recipients('Versand GmbH, de\nDruckerei Nord');
 * // [{ name: 'Versand GmbH', country: 'DE' }, { name: 'Druckerei Nord' }]
 * recipients('Versand GmbH, DEU'); // undefined
 * ```
 */
export function recipients(raw: string): Scope['onwardRecipients'] | undefined {
  const lines = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines.length > limits.onwardRecipients) return undefined;
  const out: Scope['onwardRecipients'] = [];
  for (const line of lines) {
    const comma = line.lastIndexOf(',');
    const name = (comma < 0 ? line : line.slice(0, comma)).trim();
    if (name.length === 0 || name.length > 200) return undefined;
    if (comma < 0) {
      out.push({ name });
      continue;
    }
    const country = line.slice(comma + 1).trim();
    if (!/^[A-Za-z]{2}$/.test(country)) return undefined;
    out.push({ name, country: country.toUpperCase() });
  }
  return out;
}

/**
 * Reads the builder's form into the fields of a `grant-request`.
 *
 * @example
 * ```ts
 * const result = requestFields(new FormData(form), Math.floor(Date.now() / 1000));
 * if (result.ok) payload = { v: 1, iss, aud, iat, exp, jti, ...result.fields };
 * ```
 */
export function requestFields(form: FormLike, nowSeconds: number): RequestFormResult {
  const errors: { field: string; key: MessageKey }[] = [];
  const fail = (field: string, key: MessageKey) => errors.push({ field, key });

  const purposes = list(form, 'purposes', purposeIds);
  if (purposes === undefined || purposes.length === 0)
    fail('purposes', 'portal.console.request.error.purposes');
  const channels = list(form, 'channels', channelIds);
  if (channels === undefined || channels.length === 0)
    fail('channels', 'portal.console.request.error.channels');
  const categories = list(form, 'dataCategories', dataCategoryIds);
  if (categories === undefined) fail('dataCategories', 'portal.console.request.error.invalid');

  const timeZone = text(form, 'timeZone') || 'Europe/Berlin';
  if (!isTimeZone(timeZone)) fail('timeZone', 'portal.console.request.error.timeZone');

  const conditions: Scope['conditions'] = { timeZone };
  const from = text(form, 'windowFrom');
  const to = text(form, 'windowTo');
  const days = form.getAll('windowDays').map((d) => Number(d));
  if (from !== '' || to !== '' || days.length > 0) {
    const validDays =
      days.length > 0 &&
      days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7) &&
      new Set(days).size === days.length;
    if (!validDays || !clock.test(from) || !clockEnd.test(to) || from === to) {
      fail('window', 'portal.console.request.error.window');
    } else {
      conditions.timeWindows = [{ days: [...days].sort((a, b) => a - b), from, to }];
    }
  }
  const cap = text(form, 'maxContactsPerWeek');
  if (cap !== '') {
    const n = Number(cap);
    if (!Number.isInteger(n) || n < 1 || n > limits.maxContactsPerWeek) {
      fail('maxContactsPerWeek', 'portal.console.request.error.cap');
    } else conditions.maxContactsPerWeek = n;
  }
  const until = text(form, 'validUntil');
  if (until !== '') {
    const at = /^\d{4}-\d{2}-\d{2}$/.test(until) ? Date.parse(`${until}T23:59:59Z`) : Number.NaN;
    if (!Number.isFinite(at) || Math.floor(at / 1000) <= nowSeconds) {
      fail('validUntil', 'portal.console.request.error.validUntil');
    } else conditions.validUntil = Math.floor(at / 1000);
  }

  const retention = Number(text(form, 'retentionDays'));
  if (!Number.isInteger(retention) || retention < 1 || retention > limits.maxRetentionDays) {
    fail('retentionDays', 'portal.console.request.error.retention');
  }
  const onward = recipients(text(form, 'recipients'));
  if (onward === undefined) fail('recipients', 'portal.console.request.error.recipientLines');

  const reason = { de: text(form, 'reasonDe'), en: text(form, 'reasonEn') };
  if (reason.de === '' || reason.en === '' || reason.de.length > 2000 || reason.en.length > 2000) {
    fail('reason', 'portal.console.request.error.reason');
  }

  let incentive: RequestFields['incentive'];
  const incentiveType = text(form, 'incentiveType');
  if (incentiveType !== '') {
    const description = { de: text(form, 'incentiveDe'), en: text(form, 'incentiveEn') };
    if (
      !(incentiveTypeIds as readonly string[]).includes(incentiveType) ||
      description.de === '' ||
      description.en === '' ||
      description.de.length > 500 ||
      description.en.length > 500
    ) {
      fail('incentive', 'portal.console.request.error.incentive');
    } else {
      incentive = { type: incentiveType as (typeof incentiveTypeIds)[number], description };
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  const scopes: Scope[] = purposes!.map((purpose) => ({
    purpose,
    channels: channels!,
    dataCategories: categories!,
    conditions: structuredClone(conditions),
    retentionDays: retention,
    onwardRecipients: onward!,
  }));
  return {
    ok: true,
    fields: { scopes, reason, ...(incentive === undefined ? {} : { incentive }) },
  };
}

/**
 * The snippet a company puts on its page for an open request (docs/company-integration.md
 * "Connect from your page"). Plain text, shown in a `<pre>`: nothing here is ever rendered as HTML.
 *
 * @example
 * ```ts
 * connectSnippet('http://localhost:3000', link, 'Connect with your Assistant');
 * ```
 */
export function connectSnippet(origin: string, link: string, label: string): string {
  return [
    `<a id="connect" href="${link}" data-grant-request="${link}">${label}</a>`,
    '<p id="connect-outcome" role="status" aria-live="polite"></p>',
    `<script src="${origin}/connect.js" defer></script>`,
    '<script>',
    "  document.addEventListener('clearinghouse-connect', (event) => {",
    "    document.getElementById('connect-outcome').textContent = event.detail.outcome;",
    '  });',
    '</script>',
  ].join('\n');
}
