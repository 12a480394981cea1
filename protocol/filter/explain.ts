/**
 * Renders a decision as the customer reads it, in German or English: a title ("Why you are
 * seeing this:", "Why this is waiting:", "Why this was hidden:") and one sentence per reason,
 * from the catalog (`protocol/i18n/catalog/filter.ts`). Instants are shown in the customer's
 * zone; scores as whole per cent.
 *
 * @example
 * ```ts
 * explainDecision(decision, 'de', { timeZone: 'Europe/Berlin' }).text;
 * // 'Warum das noch wartet: … Es ist gerade Ihre Ruhezeit; Sie sehen es ab Mo., 5. Jan., 07:00.'
 * ```
 */
import { t, type Locale, type MessageKey, type Params } from '../i18n';
import { isVocabularyId, vocabularyLabel } from '../vocabulary';
import type { Decision } from './engine';
import type { Reason } from './reasons';

/** A rendered decision. */
export interface Explanation {
  readonly title: string;
  /** One sentence per reason, in the decision's order. */
  readonly sentences: readonly string[];
  /** "Something new" when the offer passed as serendipity, else undefined. */
  readonly badge?: string;
  /** Title and sentences in one paragraph. */
  readonly text: string;
}

export interface ExplainOptions {
  /** The zone to show instants in (the customer's); default UTC. */
  readonly timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatInstant(at: number, locale: Locale, timeZone: string): string {
  const key = `${locale} ${timeZone}`;
  let f = formatters.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      // An unknown zone must not hide the explanation: fall back to UTC, which always exists.
      return formatInstant(at, locale, 'UTC');
    }
    if (formatters.size < 256) formatters.set(key, f);
  }
  return f.format(new Date(at * 1000));
}

function percent(x: number | undefined): number {
  return x === undefined || !Number.isFinite(x) ? 0 : Math.round(x * 100);
}

/**
 * The sentence for one reason.
 *
 * @example
 * ```ts
 * explainReason({ id: 'blacklisted_brand', params: { brand: 'Acme' } }, 'en');
 * // 'The brand “Acme” is on your blacklist.'
 * ```
 */
export function explainReason(
  reason: Reason,
  locale: Locale,
  options: ExplainOptions = {},
): string {
  const p = reason.params ?? {};
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(p)) {
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  if (p.until !== undefined)
    params.until = formatInstant(p.until, locale, options.timeZone ?? 'UTC');
  if (p.score !== undefined) params.score = percent(p.score);
  if (p.threshold !== undefined) params.threshold = percent(p.threshold);
  if (p.rule !== undefined) params.rule = t(locale, `filter.rule.${p.rule}` as MessageKey);
  // By its label: the name the profile's channel list shows, where the customer would allow it.
  if (isVocabularyId('channel', p.channel))
    params.channel = vocabularyLabel(locale, 'channel', p.channel);
  return t(locale, `filter.reason.${reason.id}` as MessageKey, params as Params);
}

/**
 * The whole explanation of a decision.
 *
 * @example
 * ```ts
 * const { title, sentences } = explainDecision(decision, 'en', { timeZone: 'Europe/Berlin' });
 * ```
 */
export function explainDecision(
  decision: Decision,
  locale: Locale,
  options: ExplainOptions = {},
): Explanation {
  const title = t(locale, `filter.title.${decision.action}`);
  const sentences = decision.reasons.map((r) => explainReason(r, locale, options));
  const badge = decision.novel === true ? t(locale, 'filter.novel') : undefined;
  return {
    title,
    sentences,
    ...(badge === undefined ? {} : { badge }),
    text: [title, ...sentences].join(' '),
  };
}
