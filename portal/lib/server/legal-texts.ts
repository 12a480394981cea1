/**
 * The operator's legal texts (issue 9, "Public"): imprint (§ 5 DDG), privacy notice (Art. 13
 * GDPR) and accessibility statement (§ 12b BGG, BITV 2.0). They are the operator's words, not
 * the software's, so they come from configuration: `LEGAL_TEXT_DIR` names a directory holding, per
 * page, either `<page>.json` (`{"de": "…", "en": "…"}`) or `<page>.de.txt` and `<page>.en.txt`.
 * Plain text only: paragraphs are separated by an empty line and rendered as text, never as
 * HTML. A page without a file shows the catalog's default, an honest placeholder that says what
 * the operator must fill in (docs/operations.md).
 *
 * Every text is checked when the server starts ({@link checkLegalTexts}, instance.ts): a file that
 * is missing in one language, unreadable, too large or malformed (or a `LEGAL_TEXT_DIR` that is no
 * folder) refuses the start with a sentence naming the file and what to do. Should a file break
 * while the server runs, the page fails closed: it answers `503` and the log names the file,
 * rather than publishing a wrong or empty legal text (and never a 500).
 */
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { error as httpError } from '@sveltejs/kit';
import { t, type Locale, type MessageKey } from '$protocol/i18n';
import { logger } from './observe';

export const legalPages = ['imprint', 'privacy', 'accessibility'] as const;
export type LegalPage = (typeof legalPages)[number];

/** One legal text in one language, ready to render as text. */
export interface LegalText {
  page: LegalPage;
  locale: Locale;
  /** Paragraphs; single line breaks inside a paragraph are kept (rendered with `pre-line`). */
  paragraphs: string[];
  /** `configured`: from LEGAL_TEXT_DIR; `default`: the placeholder of the catalog. */
  source: 'configured' | 'default';
}

/** The largest legal text file read, in bytes: far above any real imprint or notice. */
export const legalTextMaxBytes = 64 * 1024;

const defaults: Record<LegalPage, MessageKey> = {
  imprint: 'portal.legal.imprint.default',
  privacy: 'portal.legal.privacy.default',
  accessibility: 'portal.legal.accessibility.default',
};

/**
 * A configuration error of a legal text file: the message is one sentence naming the file, what
 * is wrong with it and what to do.
 */
export class LegalTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegalTextError';
  }
}

/** Splits plain text into paragraphs at empty lines; refuses control characters and emptiness. */
function paragraphsOf(text: string, file: string): string[] {
  // Tabs and line breaks are layout; any other control character (or a bidi override) is refused.
  if (/[^\P{Cc}\t\n\r]|[\u202A-\u202E\u2066-\u2069]/u.test(text)) {
    throw new LegalTextError(
      `The legal text ${file} contains control characters or bidirectional overrides: remove them (tabs and line breaks are the only ones allowed).`,
    );
  }
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (paragraphs.length === 0) {
    throw new LegalTextError(
      `The legal text ${file} is empty: write the text, or remove the file to show the placeholder.`,
    );
  }
  return paragraphs;
}

/** Reads a file, or undefined when it does not exist; bounded in size. */
async function readBounded(path: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LegalTextError(
      `The legal text ${path} cannot be read (${(error as Error).message}): let the server's user read it, or remove it to show the placeholder.`,
    );
  }
  if (bytes.byteLength > legalTextMaxBytes) {
    throw new LegalTextError(
      `The legal text ${path} is larger than ${legalTextMaxBytes} bytes: shorten it.`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LegalTextError(`The legal text ${path} is not UTF-8: save it as UTF-8.`);
  }
}

/** The configured text of `page` in `locale` from `dir`, or undefined when none is configured. */
async function configuredText(
  dir: string,
  page: LegalPage,
  locale: Locale,
): Promise<{ text: string; file: string } | undefined> {
  const jsonFile = join(dir, `${page}.json`);
  const json = await readBounded(jsonFile);
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new LegalTextError(
        `The legal text ${jsonFile} is not JSON: correct it, or write the page as ${page}.de.txt and ${page}.en.txt instead.`,
      );
    }
    const value =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    // Both languages are required: a page must not silently switch language.
    if (typeof value?.de !== 'string' || typeof value.en !== 'string') {
      throw new LegalTextError(
        `The legal text ${jsonFile} must be an object with the strings "de" and "en": add the missing language (a page needs both).`,
      );
    }
    return { text: value[locale] as string, file: `${jsonFile} ("${locale}")` };
  }
  const textFile = join(dir, `${page}.${locale}.txt`);
  const text = await readBounded(textFile);
  if (text !== undefined) return { text, file: textFile };
  const otherFile = join(dir, `${page}.${locale === 'de' ? 'en' : 'de'}.txt`);
  if ((await readBounded(otherFile)) !== undefined) {
    throw new LegalTextError(
      `The legal text ${textFile} is missing while ${otherFile} exists: add it (a page needs both languages), or remove ${otherFile} to show the placeholder.`,
    );
  }
  return undefined;
}

/** `LEGAL_TEXT_DIR` must name a folder: a mistyped one would silently show every placeholder. */
async function checkFolder(dir: string): Promise<void> {
  let reason: string | undefined;
  try {
    if (!(await stat(dir)).isDirectory()) reason = 'it is a file';
  } catch (error) {
    reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : String(error);
  }
  if (reason !== undefined) {
    throw new LegalTextError(
      `LEGAL_TEXT_DIR names ${dir}, which is not a folder (${reason}): correct it, or unset LEGAL_TEXT_DIR to show the placeholders.`,
    );
  }
}

/**
 * The legal text of `page` in `locale`, as {@link legalText} shows it, but failing with the
 * configuration's error: the start's check ({@link checkLegalTexts}) and the tests.
 *
 * @throws {LegalTextError} when `LEGAL_TEXT_DIR` is no folder, or a configured file is missing in
 *   this language, unreadable, too large or malformed.
 */
export async function readLegalText(
  page: LegalPage,
  locale: Locale,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LegalText> {
  const dir = env.LEGAL_TEXT_DIR?.trim();
  if (dir !== undefined && dir !== '') {
    await checkFolder(dir);
    const configured = await configuredText(dir, page, locale);
    if (configured !== undefined) {
      return {
        page,
        locale,
        paragraphs: paragraphsOf(configured.text, configured.file),
        source: 'configured',
      };
    }
  }
  return {
    page,
    locale,
    paragraphs: paragraphsOf(t(locale, defaults[page]), defaults[page]),
    source: 'default',
  };
}

/**
 * Reads every legal text in both languages, as the pages will: the server's start calls it
 * (instance.ts), so that a text missing in one language or a file it cannot read refuses the start
 * instead of answering an error on the page.
 *
 * @throws {LegalTextError} with the first problem found: one sentence naming the file and what to do.
 * @example
 * ```ts
 * await checkLegalTexts({ LEGAL_TEXT_DIR: '/etc/clearinghouse/legal' });
 * ```
 */
export async function checkLegalTexts(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  for (const page of legalPages) {
    for (const locale of ['de', 'en'] as const) await readLegalText(page, locale, env);
  }
}

/**
 * The legal text of `page` in `locale` for its page: the operator's file from `LEGAL_TEXT_DIR`
 * when there is one, otherwise the placeholder of the catalog. Read per request, so an operator's
 * edit shows without a restart. The start has checked every file ({@link checkLegalTexts}); one
 * that broke since fails closed: the log names the file and what to do, and the page answers 503
 * (SvelteKit's error page), never a 500 or a wrong text.
 *
 * @throws {HttpError} 503 when a configured file is missing, unreadable, too large or malformed.
 * @example
 * ```ts
 * const imprint = await legalText('imprint', 'de', { LEGAL_TEXT_DIR: '/etc/clearinghouse/legal' });
 * imprint.paragraphs; // ['Betreiberin: …', …]
 * ```
 */
export async function legalText(
  page: LegalPage,
  locale: Locale,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LegalText> {
  try {
    return await readLegalText(page, locale, env);
  } catch (error) {
    if (!(error instanceof LegalTextError)) throw error;
    logger.error({ event: 'legal-text', page, locale }, error.message);
    httpError(503, {
      message: `The ${page} text cannot be shown: the operator's file is unusable (the server log says why).`,
      code: 'legal-text-unavailable',
    });
  }
}
