/**
 * What a complaint's review shows of the consent a piece of evidence was sent under: the scopes
 * of the grant the evidence names (what the customer signed: purposes, channels, data
 * categories, contact cap, time windows, retention, onward recipients) and of the grant request
 * that grant answers (what the company asked for), both decoded from the stored signed messages
 * of the review material (dashboard-review.ts), never from the unsigned columns beside them. The
 * browser verifies the grant's signature apart (evidence.ts); this only reads what was signed, so
 * a regulator can judge "wrong channel" or "outside purpose" against it.
 *
 * What rests on a signature is shown as the browser's check of it found (evidence.ts, handed in
 * as {@link ConsentChecks}): the request's scopes are shown as what the company asked only while
 * the check runs (said so) or once it passed; when it failed, one sentence says why instead. A
 * piece of evidence that is itself a grant request shows its own scopes the same way. A given
 * purpose the customer has since revoked is marked with the time of the signed revocation, from
 * the revocations that verified only.
 *
 * Pure: the page's translator and locale come in, sentences in that language come out. A scope
 * that is not the shape the protocol defines is shown as it was signed, never dropped.
 */
import * as v from 'valibot';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import type { GrantRevocation } from '$protocol/grants';
import { hasMessage, type Locale, type MessageKey, type Translate } from '$protocol/i18n';
import { scope as scopeSchema, type Scope } from '$protocol/messages';
import { formatDayTime } from '../format';
import type { EvidenceReport } from './evidence';
import { evidenceFacts } from './evidence-facts';

/** One row of a definition list: its name and its value, both in the page's language. */
export interface ConsentFact {
  name: string;
  value: string;
  /** The language of a value written in one (a request's reason in German or English). */
  lang?: 'de' | 'en';
}

/** One scope: its heading (number and purpose) and its conditions; `raw` when not readable. */
export interface ScopeView {
  heading: string;
  facts: ConsentFact[];
  /** The scope as signed, when it is not the shape the protocol defines. */
  raw?: string;
  /** "Revoked on …": when the customer's signed revocation ended this scope's purpose. */
  revoked?: string;
}

/** The stored signed grant (and the request it answers) of one piece of evidence. */
export interface GrantSource {
  sha256: string;
  jws: string;
  request?: { sha256: string; jws: string } | null;
}

/**
 * How the browser's check of a signature came out: still running (or not run: no script), passed,
 * or failed with the error's code or the rule it broke.
 */
export type SignatureCheck =
  { state: 'pending' } | { state: 'verified' } | { state: 'failed'; code: string };

/** What the browser's check (evidence.ts) found about the consent of one piece of evidence. */
export interface ConsentChecks {
  /** The company's signature on the request shown: the one the grant answers, or the evidence. */
  request: SignatureCheck;
  /** How the complainant's verified revocations apply to the grant; empty while unchecked. */
  revocations: readonly GrantRevocation[];
}

/** The checks while the browser's verification has not answered (on the server, or running). */
export const pendingChecks: ConsentChecks = { request: { state: 'pending' }, revocations: [] };

/**
 * The request a grant answers, or a piece of evidence that is a request: not stored
 * (`missing`), stored but its signature did not verify (`unverified`, with why, in the page's
 * language: nothing of it is shown as what the company asked), or stored with its own facts (why
 * the company asks, its incentive) and its scopes, null when the grant gives exactly the scopes
 * asked; `verified` once the browser's check passed, false while it runs.
 */
export type RequestView =
  | { state: 'missing' }
  | { state: 'unverified'; cause: string }
  | { state: 'stored'; verified: boolean; facts: ConsentFact[]; scopes: ScopeView[] | null };

/**
 * The consent of one piece of evidence: it names no grant, names one the clearinghouse does not
 * hold for this company, or names a held one, with the grant's facts and scopes and the request
 * it answers; or it is a grant request itself (`asked`), with its scopes (its own facts are the
 * evidence's, shown above it).
 */
export type ConsentView =
  | { state: 'none' }
  | { state: 'unknown'; grantSha256: string }
  | { state: 'asked'; request: RequestView }
  | {
      state: 'known';
      grant: { facts: ConsentFact[]; scopes: ScopeView[] };
      request: RequestView;
    };

/**
 * What the browser's `report` (undefined while it runs; `'failed'` when the check could not run
 * at all) found about the evidence at `index` of `kind`: the check of the request shown (the
 * evidence's own signature when it is a grant request, else the `request-signature` step of the
 * grant it names) and the grant's verified revocations. A step the report lacks was not run
 * because an earlier one failed.
 *
 * @example
 * ```ts
 * consentChecks(report, 0, 'offer-content'); // {request: {state: 'verified'}, revocations: []}
 * ```
 */
export function consentChecks(
  report: Pick<EvidenceReport, 'steps' | 'revocations'> | 'failed' | undefined,
  index: number,
  kind: unknown,
): ConsentChecks {
  if (report === undefined) return pendingChecks;
  if (report === 'failed') {
    return { request: { state: 'failed', code: 'check_failed' }, revocations: [] };
  }
  const name = kind === 'grant-request' ? 'evidence-signature' : 'request-signature';
  const step = report.steps.find((s) => s.step === name && s.index === index);
  return {
    request:
      step === undefined
        ? { state: 'failed', code: 'unchecked' }
        : step.ok
          ? { state: 'verified' }
          : { state: 'failed', code: step.code ?? 'unchecked' },
    revocations: report.revocations[index] ?? [],
  };
}

/** The claims of a compact JWS, decoded for display only (the browser verifies apart). */
function claimsOf(jws: string): Record<string, unknown> {
  try {
    const value = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** JSON with the members of every object sorted, so two signers' key orders compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Reads the page's words for scopes, dates and vocabulary ids in one locale. */
function reader(t: Translate, locale: Locale) {
  const label = (list: string, id: string) => {
    const key = `${list}.${id}`;
    return hasMessage(key) ? t(key as MessageKey) : id;
  };
  const list = (list: string, ids: readonly string[]) =>
    ids.length === 0
      ? t('portal.regulator.scope.none')
      : ids.map((id) => label(list, id)).join(', ');
  const at = (seconds: number) => formatDayTime(locale, seconds * 1000);
  /** A failed check's code as the verification steps word it: an error, else a rule. */
  const cause = (code: string) =>
    hasMessage(`errors.${code}`)
      ? t(`errors.${code}` as MessageKey)
      : label('portal.regulator.rule', code);
  return { label, list, at, cause };
}

/** The rows of one readable scope, in a fixed order; absent conditions say what their absence means. */
function scopeFacts(scope: Scope, t: Translate, locale: Locale): ConsentFact[] {
  const { list, at } = reader(t, locale);
  const c = scope.conditions;
  const windows =
    c.timeWindows === undefined
      ? t('portal.regulator.scope.anyTime')
      : c.timeWindows
          .map((w) =>
            t('portal.regulator.scope.window', {
              days: w.days
                .map((d) => t(`portal.console.request.day.${d}` as MessageKey))
                .join(', '),
              from: w.from,
              to: w.to,
            }),
          )
          .join('; ');
  return [
    {
      name: t('portal.console.request.channels'),
      value: list('vocabulary.channel', scope.channels),
    },
    {
      name: t('portal.console.request.dataCategories'),
      value: list('vocabulary.dataCategory', scope.dataCategories),
    },
    {
      name: t('portal.regulator.scope.contactCap'),
      value:
        c.maxContactsPerWeek === undefined
          ? t('portal.regulator.scope.noCap')
          : t('portal.regulator.scope.perWeek', { count: c.maxContactsPerWeek }),
    },
    { name: t('portal.regulator.scope.timeWindows'), value: windows },
    { name: t('portal.console.request.timeZone'), value: c.timeZone },
    {
      name: t('portal.console.request.validUntil'),
      value: c.validUntil === undefined ? t('portal.regulator.scope.noEnd') : at(c.validUntil),
    },
    {
      name: t('portal.regulator.scope.retention'),
      value: t('portal.regulator.scope.days', { count: scope.retentionDays }),
    },
    {
      name: t('portal.regulator.scope.recipients'),
      value:
        scope.onwardRecipients.length === 0
          ? t('portal.regulator.scope.none')
          : scope.onwardRecipients
              .map((r) => {
                const more = [r.country, r.company].filter((p): p is string => p !== undefined);
                return more.length === 0 ? r.name : `${r.name} (${more.join(', ')})`;
              })
              .join('; '),
    },
  ];
}

/**
 * The scopes of a grant's or request's claims, each readable one under its number and purpose;
 * for a grant, each whose purpose a verified revocation (`revocations`) ended marked with the
 * earliest such revocation's time.
 */
function scopeViews(
  claims: Record<string, unknown>,
  t: Translate,
  locale: Locale,
  revocations: readonly GrantRevocation[] = [],
): ScopeView[] {
  const { label, at } = reader(t, locale);
  const revoked = (purpose: unknown): { revoked?: string } => {
    // A revocation naming no purposes ends the whole grant, so every scope of it.
    const times = revocations
      .filter(
        (r) =>
          r.purposes === undefined || (typeof purpose === 'string' && r.purposes.includes(purpose)),
      )
      .map((r) => r.at);
    const first = times.length === 0 ? undefined : Math.min(...times);
    return first === undefined
      ? {}
      : { revoked: t('portal.regulator.scope.revokedOn', { at: at(first) }) };
  };
  const signed = claims.scopes;
  const scopes = Array.isArray(signed)
    ? (signed as unknown[])
    : signed === undefined
      ? []
      : [signed];
  return scopes.map((item, i) => {
    const parsed = v.safeParse(scopeSchema, item);
    if (parsed.success) {
      return {
        heading: t('portal.regulator.scope.item', {
          index: i + 1,
          purpose: label('vocabulary.purpose', parsed.output.purpose),
        }),
        facts: scopeFacts(parsed.output, t, locale),
        ...revoked(parsed.output.purpose),
      };
    }
    const purpose = (item as { purpose?: unknown } | null)?.purpose;
    return {
      heading: t('portal.regulator.scope.item', {
        index: i + 1,
        purpose: typeof purpose === 'string' ? label('vocabulary.purpose', purpose) : '–',
      }),
      facts: [],
      raw: JSON.stringify(item) ?? String(item),
      ...revoked(purpose),
    };
  });
}

/** The grant's own rows: its hash, preferred channel, how long it lasts, relationship, signing time. */
function grantFacts(
  sha256: string,
  claims: Record<string, unknown>,
  t: Translate,
  locale: Locale,
): ConsentFact[] {
  const { label, at } = reader(t, locale);
  const facts: ConsentFact[] = [{ name: t('portal.regulator.scope.sha256'), value: sha256 }];
  if (typeof claims.preferredChannel === 'string') {
    facts.push({
      name: t('portal.regulator.scope.preferredChannel'),
      value: label('vocabulary.channel', claims.preferredChannel),
    });
  }
  if (typeof claims.until === 'number' && Number.isFinite(claims.until)) {
    facts.push({ name: t('portal.regulator.scope.until'), value: at(claims.until) });
  }
  if (typeof claims.relationshipType === 'string') {
    facts.push({
      name: t('portal.regulator.scope.relationship'),
      value: label('vocabulary.relationshipType', claims.relationshipType),
    });
  }
  if (typeof claims.iat === 'number' && Number.isFinite(claims.iat)) {
    facts.push({ name: t('portal.regulator.evidence.field.iat'), value: at(claims.iat) });
  }
  return facts;
}

/**
 * The request's own rows: its hash, then what the review shows of any grant request (why the
 * company asks, in both languages as signed, its incentive, when it was signed: evidence-facts.ts).
 */
function requestFacts(
  sha256: string,
  claims: Record<string, unknown>,
  t: Translate,
  locale: Locale,
): ConsentFact[] {
  return [
    { name: t('portal.regulator.scope.sha256'), value: sha256 },
    ...evidenceFacts(claims).map((fact): ConsentFact => {
      const value = fact.value;
      const shown =
        'at' in value
          ? formatDayTime(locale, value.at)
          : 'list' in value
            ? value.list.map((l) => ('key' in l ? t(l.key) : l.text)).join(', ')
            : 'key' in value
              ? t(value.key)
              : value.text;
      const lang = /\.(de|en)$/.exec(fact.field)?.[1] as 'de' | 'en' | undefined;
      return {
        name: t(fact.label),
        value: shown,
        ...(lang === undefined ? {} : { lang }),
      };
    }),
  ];
}

/** The request's view as the browser's `check` of its signature allows it to be shown. */
function requestView(
  check: SignatureCheck,
  shown: () => { facts: ConsentFact[]; scopes: ScopeView[] | null },
  t: Translate,
  locale: Locale,
): RequestView {
  if (check.state === 'failed') {
    return { state: 'unverified', cause: reader(t, locale).cause(check.code) };
  }
  return { state: 'stored', verified: check.state === 'verified', ...shown() };
}

/**
 * The consent the evidence of `kind` with `claims` was sent under, from the review's `grant` for
 * it (null: none of this company is stored under the hash it names), as far as the browser's
 * `checks` (evidence.ts, by {@link consentChecks}) let it be shown.
 *
 * @example
 * ```ts
 * consentView(offerClaims, material.grants[0], t, 'en', {
 *   kind: 'offer-content',
 *   checks: consentChecks(report, 0, 'offer-content'),
 * });
 * // {state: 'known', grant: {facts: [...], scopes: [{heading: 'Scope 1: Product launches', …}]},
 * //  request: {state: 'stored', verified: true, facts: [...], scopes: null}} (null: as given)
 * ```
 */
export function consentView(
  claims: Readonly<Record<string, unknown>>,
  grant: GrantSource | null | undefined,
  t: Translate,
  locale: Locale,
  { kind, checks = pendingChecks }: { kind?: unknown; checks?: ConsentChecks } = {},
): ConsentView {
  if (kind === 'grant-request') {
    return {
      state: 'asked',
      request: requestView(
        checks.request,
        () => ({ facts: [], scopes: scopeViews(claims, t, locale) }),
        t,
        locale,
      ),
    };
  }
  const named = claims.grantSha256;
  if (typeof named !== 'string') return { state: 'none' };
  if (grant === null || grant === undefined || grant.sha256 !== named) {
    return { state: 'unknown', grantSha256: named };
  }
  const granted = claimsOf(grant.jws);
  const view = {
    facts: grantFacts(grant.sha256, granted, t, locale),
    scopes: scopeViews(granted, t, locale, checks.revocations),
  };
  const request = grant.request;
  if (request === null || request === undefined) {
    return { state: 'known', grant: view, request: { state: 'missing' } };
  }
  const asked = claimsOf(request.jws);
  const same = canonical(asked.scopes) === canonical(granted.scopes);
  return {
    state: 'known',
    grant: view,
    request: requestView(
      checks.request,
      () => ({
        facts: requestFacts(request.sha256, asked, t, locale),
        scopes: same ? null : scopeViews(asked, t, locale),
      }),
      t,
      locale,
    ),
  };
}
