/**
 * The console's answer to an access request (issue 10): the form's fields become the holdings of
 * a `disclosure` (DESIGN section 5: categories, sources, purposes, retention, recipients; one
 * holding per chosen category, all sharing the rest) and the text of its export, which the page
 * seals to the requesting pseudonym. Pure, like request-form.ts: every problem is a catalog key;
 * the recipients field's are field problems that name the line at fault (`explainRecipients`).
 */
import type { MessageKey } from '$protocol/i18n';
import { exceedsUtf8Bytes, limits, type Payload } from '$protocol/messages';
import { dataCategoryIds, provenanceSourceIds, purposeIds } from '$protocol/vocabulary';
import type { FieldProblem } from '../field-problems';
import { explainRecipients, recipientProblems, recipients, type FormLike } from './request-form';

/**
 * The holdings of a disclosure and the text to seal as its export ('' for none); or what is
 * wrong: a sentence (the page knows its field), or a problem of the `heldRecipients` field with
 * the line it is about.
 */
export type DisclosureFormResult =
  | { ok: true; holdings: Payload<'disclosure'>['holdings']; exportText: string }
  | { ok: false; errors: (MessageKey | FieldProblem)[] };

/**
 * Bytes a disclosure's `export` can carry: the `sealed` field holds at most `limits.sealedChars`
 * (32,768) characters of unpadded base64url, 3 bytes per 4 characters, so 24,576 bytes of sealed
 * box; `crypto_box_seal` adds 48 bytes to what it seals (an ephemeral X25519 public key and a
 * Poly1305 tag: `SEAL_OVERHEAD` of protocol/sodium, which the page does not import statically to
 * keep libsodium out of its first load). So 24,528 bytes of UTF-8: the server counts bytes, and
 * a letter such as ä takes two, € three.
 */
export const maxExportBytes = Math.floor((limits.sealedChars * 3) / 4) - 48;

/** UTF-8 bytes of `text`, as sealing encodes it (a lone surrogate counts 3, as U+FFFD). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Whether the payload of a disclosure with these holdings and an export of `exportBytes` bytes
 * stays within `limits.jsonBytes`, the most any message may be (many long recipients in many
 * categories can pass that even without an export). The claims are counted at their longest.
 */
function fitsOneMessage(holdings: Payload<'disclosure'>['holdings'], exportBytes: number): boolean {
  const hash = 'A'.repeat(43);
  const sealedChars = exportBytes === 0 ? 0 : Math.ceil(((exportBytes + 48) * 4) / 3);
  const payload = {
    v: 1,
    iss: `co_${hash}`,
    aud: `ps_${hash}`,
    iat: limits.maxEpochSeconds,
    exp: limits.maxEpochSeconds,
    jti: '00000000-0000-4000-8000-000000000000',
    dataRequestSha256: hash,
    holdings,
    ...(sealedChars === 0 ? {} : { export: 'A'.repeat(sealedChars) }),
  };
  return !exceedsUtf8Bytes(JSON.stringify(payload), limits.jsonBytes);
}

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
  const errors: (MessageKey | FieldProblem)[] = [];
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
  const recipientsText = typeof rawRecipients === 'string' ? rawRecipients : '';
  const onward = recipients(recipientsText);
  if (onward === undefined) {
    errors.push(...explainRecipients(recipientProblems(recipientsText), 'heldRecipients'));
  }
  const rawExport = form.get('export');
  const exportText = typeof rawExport === 'string' ? rawExport.trim() : '';
  const exportBytes = utf8Length(exportText);
  if (exportBytes > maxExportBytes) errors.push('portal.console.disclose.error.exportTooLarge');
  if (errors.length > 0) return { ok: false, errors };
  const holdings = categories.map((dataCategory) => ({
    dataCategory,
    sources,
    purposes,
    retentionDays,
    recipients: onward!,
  }));
  if (!fitsOneMessage(holdings, exportBytes)) {
    return { ok: false, errors: ['portal.console.disclose.error.tooLarge'] };
  }
  return { ok: true, holdings, exportText };
}
