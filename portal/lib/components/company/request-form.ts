/**
 * The consent-request builder's form (issue 10, company console): the fields a person fills in
 * become the body of a `grant-request` (DESIGN section 5; one scope per chosen purpose, all with
 * the same channels, data categories, conditions, retention and recipients). Pure: the page runs
 * it in the browser before signing, and the server runs it to explain a form sent without
 * JavaScript. Every problem is a catalog key, so the page shows a sentence in either language; the
 * recipients field's also carry the line they are about (`explainRecipients`).
 */
import type { MessageKey } from '$protocol/i18n';
import type { FieldProblem } from '../field-problems';
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
  { ok: true; fields: RequestFields } | { ok: false; errors: FieldProblem[] };

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

/** The longest name of an onward recipient (the messages' `recipient.name`). */
const maxNameLength = 200;

/** Why a line of the recipients field is refused: no name, a name too long, no country code. */
export type RecipientReason = 'name' | 'nameLength' | 'country';

/**
 * A problem of the recipients field: a line at fault, or more recipients than a scope (or a
 * holding) may name (`tooMany`, with how many lines were given). `line` counts from 1 as the
 * field shows its lines, empty ones included (they are skipped, not refused); `text` is the line
 * as typed, trimmed.
 */
export type RecipientProblem =
  { reason: RecipientReason; line: number; text: string } | { reason: 'tooMany'; given: number };

/** The recipients of `raw` as far as its lines are right, and the problems of the others. */
function readRecipients(raw: string): {
  read: Scope['onwardRecipients'];
  problems: RecipientProblem[];
} {
  const read: Scope['onwardRecipients'] = [];
  const problems: RecipientProblem[] = [];
  let given = 0;
  raw.split(/\r?\n/).forEach((typed, index) => {
    const text = typed.trim();
    if (text.length === 0) return;
    given += 1;
    const at = { line: index + 1, text };
    const comma = text.lastIndexOf(',');
    const name = (comma < 0 ? text : text.slice(0, comma)).trim();
    if (name.length === 0) return problems.push({ reason: 'name', ...at });
    if (name.length > maxNameLength) return problems.push({ reason: 'nameLength', ...at });
    if (comma < 0) return read.push({ name });
    const country = text.slice(comma + 1).trim();
    if (!/^[A-Za-z]{2}$/.test(country)) return problems.push({ reason: 'country', ...at });
    read.push({ name, country: country.toUpperCase() });
  });
  if (given > limits.onwardRecipients) problems.unshift({ reason: 'tooMany', given });
  return { read, problems };
}

/**
 * Lines of `Name` or `Name, CC`; undefined when one is not (`recipientProblems` says which and
 * why). `CC` is an ISO 3166-1 alpha-2 code, taken in either case and kept upper case. What
 * follows a line's last comma is always the country: a mistyped one (`, DEU`, `, Deutschland`)
 * is refused, never folded into the name and signed. So a name that itself contains a comma ends
 * with its country (`Müller, Schmidt & Co, DE`); the console says this rule under the field
 * (`portal.console.request.recipientsHint`).
 *
 * @example
 * ```ts
 * recipients('Versand GmbH, de\nDruckerei Nord');
 * // [{ name: 'Versand GmbH', country: 'DE' }, { name: 'Druckerei Nord' }]
 * recipients('Versand GmbH, DEU'); // undefined
 * ```
 */
export function recipients(raw: string): Scope['onwardRecipients'] | undefined {
  const { read, problems } = readRecipients(raw);
  return problems.length === 0 ? read : undefined;
}

/**
 * What `recipients` refuses in `raw`, line by line in the field's order (more lines than
 * `limits.onwardRecipients` first); empty when it takes `raw`. Empty lines are no problem.
 *
 * @example
 * ```ts
 * recipientProblems('Versand GmbH, DE\n\n, DE\nDruckerei, DEU');
 * // [{ reason: 'name', line: 3, text: ', DE' },
 * //  { reason: 'country', line: 4, text: 'Druckerei, DEU' }]
 * ```
 */
export function recipientProblems(raw: string): RecipientProblem[] {
  return readRecipients(raw).problems;
}

/**
 * Lines the recipients field's sentences quote one by one: with more at fault, the last sentence
 * lists the rest by number (`portal.console.recipients.error.more`), so twelve bad lines are not
 * twelve sentences.
 */
export const quotedRecipientLines = 5;
/** Characters of a line a sentence quotes: a longer one is cut, with an ellipsis. */
export const quotedLineChars = 40;
/** Line numbers the last sentence lists at most (a pasted list of thousands ends with "…"). */
const listedLines = 20;

/** `text` as a sentence quotes it: at most `quotedLineChars` characters, never half of one. */
function quoteLine(text: string): string {
  const chars = Array.from(text);
  if (chars.length <= quotedLineChars) return text;
  return `${chars
    .slice(0, quotedLineChars - 1)
    .join('')
    .trimEnd()}…`;
}

/**
 * The sentences of the recipients field's problems, as problems of `field` (`recipients` in the
 * request form, `heldRecipients` in the disclosure form): each line at fault is named by its
 * number, quoted (cut when long) and told what is wrong with it, in
 * `portal.console.recipients.error.*`. The page and the action say the same (both call this).
 *
 * @example
 * ```ts
 * explainRecipients(recipientProblems('Versand GmbH, DEU'), 'recipients');
 * // [{ field: 'recipients', key: 'portal.console.recipients.error.country',
 * //    params: { line: 1, text: 'Versand GmbH, DEU' } }]
 * ```
 */
export function explainRecipients(
  problems: readonly RecipientProblem[],
  field: string,
): FieldProblem[] {
  const sentences: FieldProblem[] = [];
  const lines: Extract<RecipientProblem, { line: number }>[] = [];
  for (const problem of problems) {
    if (problem.reason === 'tooMany') {
      sentences.push({
        field,
        key: 'portal.console.recipients.error.tooMany',
        params: { given: problem.given, max: limits.onwardRecipients },
      });
    } else lines.push(problem);
  }
  const quoted =
    lines.length <= quotedRecipientLines ? lines : lines.slice(0, quotedRecipientLines - 1);
  for (const { reason, line, text } of quoted) {
    sentences.push({
      field,
      key: `portal.console.recipients.error.${reason}`,
      params: {
        line,
        text: quoteLine(text),
        ...(reason === 'nameLength' ? { max: maxNameLength } : {}),
      },
    });
  }
  const rest = lines.slice(quoted.length).map((p) => p.line);
  if (rest.length > 0) {
    const listed = rest.slice(0, listedLines).join(', ');
    sentences.push({
      field,
      key: 'portal.console.recipients.error.more',
      params: { lines: rest.length > listedLines ? `${listed}, …` : listed },
    });
  }
  return sentences;
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
  const errors: FieldProblem[] = [];
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
  // Not trimmed as a whole: the sentences count lines as the field shows them, empty ones too.
  const rawRecipients = form.get('recipients');
  const { read: onward, problems: recipientsWrong } = readRecipients(
    typeof rawRecipients === 'string' ? rawRecipients : '',
  );
  errors.push(...explainRecipients(recipientsWrong, 'recipients'));

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
    onwardRecipients: onward,
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
