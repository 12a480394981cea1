/**
 * The operator's legal texts (issue 9, "Public"): imprint (§ 5 DDG), privacy notice (Art. 13
 * GDPR) and accessibility statement (§ 12b BGG, BITV 2.0). They are the operator's words, not
 * the software's, so they come from configuration: `LEGAL_TEXT_DIR` names a directory holding, per
 * page, either `<page>.json` (`{"de": "…", "en": "…"}`) or `<page>.de.txt` and `<page>.en.txt`.
 * Plain text only: paragraphs are separated by an empty line and rendered as text, never as
 * HTML. A page without a file shows the catalog's default, an honest placeholder that says what
 * the operator must fill in (docs/operations.md).
 *
 * A file that exists but is unreadable, too large or malformed fails closed: the page answers
 * with an error and the log names the file, rather than publishing a wrong or empty legal text.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { t, type Locale, type MessageKey } from '$protocol/i18n';

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

/** A configuration error of a legal text file (the message names the file and what is wrong). */
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
    throw new LegalTextError(`${file}: contains control characters.`);
  }
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (paragraphs.length === 0) throw new LegalTextError(`${file}: is empty.`);
  return paragraphs;
}

/** Reads a file, or undefined when it does not exist; bounded in size. */
async function readBounded(path: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LegalTextError(`${path}: cannot be read (${(error as Error).message}).`);
  }
  if (bytes.byteLength > legalTextMaxBytes) {
    throw new LegalTextError(`${path}: is larger than ${legalTextMaxBytes} bytes.`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LegalTextError(`${path}: is not UTF-8.`);
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
      throw new LegalTextError(`${jsonFile}: is not JSON.`);
    }
    const value =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    // Both languages are required: a page must not silently switch language.
    if (typeof value?.de !== 'string' || typeof value.en !== 'string') {
      throw new LegalTextError(`${jsonFile}: must be an object with the strings "de" and "en".`);
    }
    return { text: value[locale] as string, file: jsonFile };
  }
  const textFile = join(dir, `${page}.${locale}.txt`);
  const text = await readBounded(textFile);
  if (text !== undefined) return { text, file: textFile };
  const otherFile = join(dir, `${page}.${locale === 'de' ? 'en' : 'de'}.txt`);
  if ((await readBounded(otherFile)) !== undefined) {
    throw new LegalTextError(`${textFile}: is missing while ${otherFile} exists.`);
  }
  return undefined;
}

/**
 * The legal text of `page` in `locale`: the operator's file from `LEGAL_TEXT_DIR` when there is
 * one, otherwise the placeholder of the catalog. Read per request, so an operator's edit shows
 * without a restart.
 *
 * @throws {LegalTextError} when a configured file is unreadable, too large or malformed.
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
  const dir = env.LEGAL_TEXT_DIR?.trim();
  if (dir !== undefined && dir !== '') {
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
