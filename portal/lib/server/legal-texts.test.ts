/**
 * The operator's legal texts: the placeholder without configuration, JSON and plain-text files,
 * and a configuration that is wrong failing closed with the file named.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'svelte/server';
import { isHttpError } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import LegalTextPage from '$lib/components/LegalTextPage.svelte';
import {
  checkLegalTexts,
  LegalTextError,
  legalPages,
  legalText,
  legalTextMaxBytes,
  readLegalText,
} from './legal-texts';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'legal-'));
  env = { LEGAL_TEXT_DIR: dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('legalText', () => {
  it.each(legalPages)(
    'shows the %s placeholder in both languages when nothing is configured',
    async (page) => {
      for (const locale of ['de', 'en'] as const) {
        const text = await legalText(page, locale, {});
        expect(text.source).toBe('default');
        expect(text.paragraphs.join('\n\n')).toBe(t(locale, `portal.legal.${page}.default`));
        // An empty directory is the same as none.
        expect((await legalText(page, locale, env)).source).toBe('default');
      }
    },
  );

  it('names what an imprint needs and describes truthfully what the software stores', async () => {
    const imprint = (await legalText('imprint', 'de', {})).paragraphs.join(' ');
    expect(imprint).toContain('§ 5');
    expect(imprint).toContain('ladungsfähige Anschrift');
    const privacy = (await legalText('privacy', 'en', {})).paragraphs.join(' ');
    expect(privacy).toContain('no names, no e-mail addresses');
    expect(privacy).toContain('pseudonyms');
    expect(privacy).toContain('passkeys');
    expect(privacy).toContain('logs');
  });

  it('reads a JSON file with both languages and splits it at empty lines', async () => {
    writeFileSync(
      join(dir, 'imprint.json'),
      JSON.stringify({
        de: 'Stadt Musterstadt\nRathausplatz 1\r\n\r\nVertreten durch die Bürgermeisterin',
        en: 'City of Musterstadt',
      }),
    );
    expect(await legalText('imprint', 'de', env)).toEqual({
      page: 'imprint',
      locale: 'de',
      paragraphs: ['Stadt Musterstadt\nRathausplatz 1', 'Vertreten durch die Bürgermeisterin'],
      source: 'configured',
    });
    expect((await legalText('imprint', 'en', env)).paragraphs).toEqual(['City of Musterstadt']);
    // Other pages keep their placeholder.
    expect((await legalText('privacy', 'en', env)).source).toBe('default');
  });

  it('reads one plain-text file per language', async () => {
    writeFileSync(join(dir, 'privacy.de.txt'), 'Verantwortlich ist …\n\n\nIhre Rechte …\n');
    writeFileSync(join(dir, 'privacy.en.txt'), 'The controller is …');
    expect((await legalText('privacy', 'de', env)).paragraphs).toEqual([
      'Verantwortlich ist …',
      'Ihre Rechte …',
    ]);
    expect((await legalText('privacy', 'en', env)).source).toBe('configured');
  });

  it.each([
    ['not JSON', 'imprint.json', '{de:'],
    ['a language missing', 'imprint.json', JSON.stringify({ de: 'Nur Deutsch' })],
    ['a language not a string', 'imprint.json', JSON.stringify({ de: 'x', en: ['y'] })],
    ['an array', 'imprint.json', JSON.stringify(['x'])],
    ['empty text', 'imprint.json', JSON.stringify({ de: ' \n\n ', en: 'x' })],
    ['a control character', 'imprint.json', JSON.stringify({ de: 'a\u0007b', en: 'x' })],
    ['a bidi override', 'imprint.json', JSON.stringify({ de: 'a\u202Eb', en: 'x' })],
    ['too large', 'imprint.de.txt', 'x'.repeat(legalTextMaxBytes + 1)],
  ])('fails closed on %s, naming the file', async (_, file, content) => {
    writeFileSync(join(dir, file), content);
    writeFileSync(join(dir, 'imprint.en.txt'), 'x');
    const failure = readLegalText('imprint', 'de', env);
    await expect(failure).rejects.toBeInstanceOf(LegalTextError);
    await expect(failure).rejects.toThrow(file);
    await expect(checkLegalTexts(env)).rejects.toThrow(file);
  });

  it('fails closed when a plain-text file exists in one language only', async () => {
    writeFileSync(join(dir, 'accessibility.de.txt'), 'Erklärung');
    await expect(readLegalText('accessibility', 'en', env)).rejects.toThrow('accessibility.en.txt');
  });

  it('refuses a file that is not UTF-8', async () => {
    writeFileSync(join(dir, 'imprint.de.txt'), Buffer.from([0x66, 0xff, 0xfe]));
    writeFileSync(join(dir, 'imprint.en.txt'), 'x');
    await expect(readLegalText('imprint', 'de', env)).rejects.toThrow('not UTF-8');
  });
});

describe('checkLegalTexts (at start)', () => {
  it('accepts no configuration, an empty folder and complete texts', async () => {
    await checkLegalTexts({});
    await checkLegalTexts(env);
    writeFileSync(join(dir, 'imprint.de.txt'), 'Stadt Musterstadt');
    writeFileSync(join(dir, 'imprint.en.txt'), 'City of Musterstadt');
    writeFileSync(join(dir, 'privacy.json'), JSON.stringify({ de: 'Datenschutz', en: 'Privacy' }));
    await checkLegalTexts(env);
  });

  it('refuses a text missing in English, naming the file and what to do', async () => {
    writeFileSync(join(dir, 'imprint.de.txt'), 'Stadt Musterstadt');
    const en = join(dir, 'imprint.en.txt');
    const de = join(dir, 'imprint.de.txt');
    await expect(checkLegalTexts(env)).rejects.toThrow(
      new LegalTextError(
        `The legal text ${en} is missing while ${de} exists: add it (a page needs both languages), or remove ${de} to show the placeholder.`,
      ),
    );
  });

  it('refuses a text missing in German too', async () => {
    writeFileSync(join(dir, 'privacy.en.txt'), 'Privacy');
    await expect(checkLegalTexts(env)).rejects.toThrow(
      `The legal text ${join(dir, 'privacy.de.txt')} is missing while`,
    );
  });

  it.runIf(process.getuid?.() !== 0)('refuses a file it cannot read', async () => {
    writeFileSync(join(dir, 'accessibility.de.txt'), 'Erklärung');
    writeFileSync(join(dir, 'accessibility.en.txt'), 'Statement');
    chmodSync(join(dir, 'accessibility.en.txt'), 0o000);
    await expect(checkLegalTexts(env)).rejects.toThrow(
      new RegExp(
        `^The legal text ${join(dir, 'accessibility.en.txt')} cannot be read \\(.*EACCES.*\\): let the server's user read it, or remove it to show the placeholder\\.$`,
      ),
    );
  });

  it('refuses a LEGAL_TEXT_DIR that is not a folder (a typo would show every placeholder)', async () => {
    const missing = join(dir, 'legl');
    await expect(checkLegalTexts({ LEGAL_TEXT_DIR: missing })).rejects.toThrow(
      `LEGAL_TEXT_DIR names ${missing}, which is not a folder (it does not exist): correct it, or unset LEGAL_TEXT_DIR to show the placeholders.`,
    );
  });
});

describe('legalText (per request)', () => {
  it('answers 503, never a 500, when a file broke after the start', async () => {
    // The operator removed the English text while the server ran: the start's check passed.
    writeFileSync(join(dir, 'imprint.de.txt'), 'Stadt Musterstadt');
    expect((await legalText('imprint', 'de', env)).source).toBe('configured');
    const failure = await legalText('imprint', 'en', env).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isHttpError(failure, 503), String(failure)).toBe(true);
    expect(failure).toMatchObject({ body: { code: 'legal-text-unavailable' } });
  });
});

describe('the legal text page', () => {
  it('renders the operator text as text, never as HTML, and marks the placeholder', async () => {
    writeFileSync(
      join(dir, 'imprint.json'),
      JSON.stringify({ de: 'Firma <script>alert(1)</script>\n\nZweiter Absatz', en: 'x' }),
    );
    const configured = render(LegalTextPage, {
      props: { text: await legalText('imprint', 'de', env), locale: 'de' },
    }).body;
    expect(configured).not.toContain('<script>alert(1)</script>');
    expect(configured).toContain('Firma &lt;script>');
    expect(configured).toMatch(/<p[^>]*>Zweiter Absatz<\/p>/);
    expect(configured).toContain(t('de', 'portal.legal.imprint.title'));
    expect(configured).not.toContain('legal-placeholder');

    const placeholder = render(LegalTextPage, {
      props: { text: await legalText('privacy', 'en', {}), locale: 'en' },
    }).body;
    expect(placeholder).toContain('data-testid="legal-placeholder"');
    expect(placeholder).toContain(t('en', 'portal.legal.privacy.title'));
  });
});
