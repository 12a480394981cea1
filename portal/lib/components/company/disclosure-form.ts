/**
 * The console's answer to an access request (issue 10): the form's fields become the holdings of
 * a `disclosure` (DESIGN section 5: categories, sources, purposes, retention, recipients; one
 * holding per chosen category, all sharing the rest) and the text of its export, which the page
 * seals to the requesting pseudonym. Pure, like request-form.ts: every problem is a catalog key.
 */
import type { MessageKey } from '$protocol/i18n';
import { limits, type Payload } from '$protocol/messages';
import { dataCategoryIds, provenanceSourceIds, purposeIds } from '$protocol/vocabulary';
import { recipients, type FormLike } from './request-form';

/** The holdings of a disclosure and the text to seal as its export ('' for none). */
export type DisclosureFormResult =
  | { ok: true; holdings: Payload<'disclosure'>['holdings']; exportText: string }
  | { ok: false; errors: MessageKey[] };

/** Longest export text the form accepts (a sealed box stays well under the 32 KiB field). */
export const maxExportChars = 16_000;

function chosen<T extends string>(form: FormLike, name: string, allowed: readonly T[]): T[] {
  const values = form.getAll(name).filter((v): v is string => typeof v === 'string');
  return [...new Set(values.filter((v): v is T => (allowed as readonly string[]).includes(v)))];
}

/**
 * Reads the access-answer form.
 *
 * @example
 * ```ts
 * const result = disclosureFields(new FormData(form));
 * if (result.ok) payload = { ...claims, dataRequestSha256, holdings: result.holdings };
 * ```
 */
export function disclosureFields(form: FormLike): DisclosureFormResult {
  const errors: MessageKey[] = [];
  const categories = chosen(form, 'heldCategories', dataCategoryIds);
  if (categories.length === 0) errors.push('portal.console.disclose.error.categories');
  const sources = chosen(form, 'sources', provenanceSourceIds);
  if (sources.length === 0) errors.push('portal.console.disclose.error.sources');
  const purposes = chosen(form, 'heldPurposes', purposeIds);
  if (purposes.length === 0) errors.push('portal.console.disclose.error.purposes');
  const rawRetention = form.get('heldRetentionDays');
  const retentionDays = Number(typeof rawRetention === 'string' ? rawRetention.trim() : '');
  if (
    !Number.isInteger(retentionDays) ||
    retentionDays < 1 ||
    retentionDays > limits.maxRetentionDays
  ) {
    errors.push('portal.console.disclose.error.retention');
  }
  const rawRecipients = form.get('heldRecipients');
  const onward = recipients(typeof rawRecipients === 'string' ? rawRecipients : '');
  if (onward === undefined) errors.push('portal.console.disclose.error.recipients');
  const rawExport = form.get('export');
  const exportText = typeof rawExport === 'string' ? rawExport.trim() : '';
  if (exportText.length > maxExportChars) errors.push('portal.console.failed');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    holdings: categories.map((dataCategory) => ({
      dataCategory,
      sources,
      purposes,
      retentionDays,
      recipients: onward!,
    })),
    exportText,
  };
}
