/**
 * A correction as the console shows it (issue 5 "Corrections"; docs/api.md "Relay"): the data
 * category travels outside the seal and is always shown; the corrected value is sealed to one of
 * the company's keys (the Assistant takes the first current one), so the page opens it only when
 * that key's file is loaded. A staff member's person key cannot open it: nothing is sealed to it,
 * and its WebCrypto key has no X25519 form. Every problem is a catalog sentence.
 */
import * as v from 'valibot';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { isProtocolError } from '$protocol/errors';
import type { MessageKey } from '$protocol/i18n';
import { correctionContent } from '$protocol/messages';

/** What the page reads from a correction with a loaded company key. */
export type ReadCorrection =
  { ok: true; dataCategory: string; value: string } | { ok: false; problem: MessageKey };

/** Opens a box sealed to the loaded company key (`CompanyKey.openSealed`). */
export type SealOpener = (sealed: Uint8Array) => Promise<Uint8Array>;

/** The `sealed` and `dataCategory` of a correction's compact JWS; undefined when it has none. */
function outerOf(jws: string): { sealed: string; dataCategory: string } | undefined {
  try {
    const payload = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as unknown;
    if (typeof payload !== 'object' || payload === null) return undefined;
    const { sealed, dataCategory } = payload as Record<string, unknown>;
    return typeof sealed === 'string' && typeof dataCategory === 'string'
      ? { sealed, dataCategory }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the sealed value of a correction (its compact JWS, as the clearinghouse relays it after
 * verifying the pseudonym's signature) with the loaded company key. A box sealed to another of
 * the company's keys says so; content that is no `correction` content, or names another category
 * than the outer message, is unreadable.
 *
 * @example
 * ```ts
 * const read = await readCorrection(item.jws, companyKey.openSealed);
 * if (read.ok) show(read.dataCategory, read.value);
 * ```
 */
export async function readCorrection(jws: string, open: SealOpener): Promise<ReadCorrection> {
  const outer = outerOf(jws);
  if (outer === undefined) return { ok: false, problem: 'portal.console.corrections.unreadable' };
  let plaintext: Uint8Array;
  try {
    plaintext = await open(base64urlDecode(outer.sealed));
  } catch (error) {
    return {
      ok: false,
      problem: isProtocolError(error, 'ERR_SEAL_OPEN_FAILED')
        ? 'portal.console.corrections.otherKey'
        : 'portal.console.corrections.unreadable',
    };
  }
  try {
    const content = v.parse(correctionContent, JSON.parse(utf8Decode(plaintext)));
    if (content.dataCategory !== outer.dataCategory) {
      return { ok: false, problem: 'portal.console.corrections.unreadable' };
    }
    return { ok: true, dataCategory: content.dataCategory, value: content.value };
  } catch {
    return { ok: false, problem: 'portal.console.corrections.unreadable' };
  }
}
