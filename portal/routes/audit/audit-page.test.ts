/**
 * What /audit tells an outsider, rendered on the server in both languages: what the command-line
 * verifier needs (from this project's source; the page said only `npm run verify`), the verifier
 * as one file when it is built (scripts/build-verifier.mjs; before, it was not offered),
 * and one word for one thing across the messages the page shows (the errors said "state" where
 * the page says "checkpoint"; German said "Inklusionsbeweis" here and "Einschlussbeweis" on
 * /docs/api).
 */
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { catalog, locales, t, type MessageKey } from '$protocol/i18n';
import { loggedKinds, type LoggedKind } from '$protocol/tlog';
import Page from './+page.svelte';

type Rendered = Component<{ data: Record<string, unknown> }>;

const data = {
  version: '1',
  path: '/audit',
  checkpointNote: '',
  size: 0,
  rootHash: '',
  logOrigin: 'ch.example/log',
  logVerifierKey: 'ch.example/log+00000000+AAAA',
  origin: 'https://ch.example',
  entries: [],
  from: 0,
  pageSize: 20,
  invalidFrom: false,
  verifier: null,
};

/** The verifier as one file, as +page.server.ts reads it when scripts/build-verifier.mjs built it. */
const built = { sha256: 'ab'.repeat(32), size: 634_645 };

/** The section of the command-line verifier, as rendered. */
function cliSection(
  locale: (typeof locales)[number],
  verifier: typeof built | null = null,
): string {
  const { body } = render(Page as unknown as Rendered, {
    props: { data: { ...data, verifier, locale } },
  });
  const start = body.indexOf('id="cli"');
  expect(start).toBeGreaterThan(-1);
  return body.slice(start, body.indexOf('</section>', start));
}

describe('/audit, the command-line verifier', () => {
  it.each(locales)('says in %s what it needs before the commands, and where to ask', (locale) => {
    const section = cliSection(locale);
    expect(section).toContain(t(locale, 'portal.audit.cli.needs'));
    expect(section).toContain('Node.js 20.19');
    expect(section).toMatch(/<a href="\/imprint"/);
    expect(section.indexOf('Node.js 20.19')).toBeLessThan(section.indexOf('npm run verify'));
    expect(section).toContain('npm run verify -- --url https://ch.example');
  });

  it.each(locales)(
    'offers in %s the one file with its SHA-256 and size, how to run it and how to rebuild it',
    (locale) => {
      const section = cliSection(locale, built);
      expect(section).toMatch(
        /<a href="\/audit\/clearinghouse-verify\.mjs" download="clearinghouse-verify\.mjs"[^>]*>/,
      );
      expect(section).toContain(t(locale, 'portal.audit.cli.downloadLink'));
      expect(section).toContain(t(locale, 'portal.audit.cli.download'));
      expect(section).toMatch(
        new RegExp(`<code data-testid="verifier-sha256"[^>]*>${built.sha256}</code>`),
      );
      const size = locale === 'de' ? '634.645 Bytes (620 KiB)' : '634,645 bytes (620 KiB)';
      expect(section).toContain(size);
      expect(section).toContain('node clearinghouse-verify.mjs --url https://ch.example');
      expect(section).toContain('Node.js 20.19');
      const rebuild = t(locale, 'portal.audit.cli.rebuild');
      expect(rebuild).toContain('scripts/verify.ts');
      expect(rebuild).toContain('scripts/build-verifier.mjs');
      expect(section).toContain(rebuild);
      expect(section).not.toContain(t(locale, 'portal.audit.cli.notBuilt'));
      // The way from the source stays, after the file.
      expect(section.indexOf('clearinghouse-verify.mjs --url')).toBeLessThan(
        section.indexOf('npm run verify -- --url'),
      );
    },
  );

  it.each(locales)('says in %s that the file is not built, and offers no download', (locale) => {
    const section = cliSection(locale);
    expect(section).toContain(t(locale, 'portal.audit.cli.notBuilt'));
    expect(section).not.toContain('href="/audit/clearinghouse-verify.mjs"');
    expect(section).not.toContain('node clearinghouse-verify.mjs');
  });
});

describe('/audit, what the log holds', () => {
  /**
   * How the lead names each kind the log holds, per language. It named only grants, refusals,
   * revocations and regulator decisions, while the entry table below it shows every kind.
   */
  const named: Record<LoggedKind, Record<(typeof locales)[number], string>> = {
    company: { de: 'Registrierung eines Unternehmens', en: 'company registration' },
    'company-key': { de: 'Schlüsseländerung', en: 'key change' },
    'grant-request': { de: 'Bitte um Einwilligung', en: 'request for consent' },
    grant: { de: 'jede Einwilligung', en: 'grant' },
    refusal: { de: 'Ablehnung', en: 'refusal' },
    revocation: { de: 'Widerruf', en: 'revocation' },
    'revocation-ack': { de: 'Bestätigung', en: 'acknowledgement' },
    disclosure: { de: 'Auskunft über gespeicherte Daten', en: 'disclosure' },
    'data-request': { de: 'Auskunfts- oder Löschantrag', en: 'data request' },
    'data-request-answer': { de: 'die Antwort darauf', en: 'its answer' },
    complaint: { de: 'Beschwerde', en: 'complaint' },
    'complaint-decision': { de: 'die Entscheidung über sie', en: 'the decision on it' },
    suspension: { de: 'Aussetzung oder Wiederzulassung', en: 'suspension or reinstatement' },
  };

  it('knows a phrase for every kind the log holds', () => {
    expect(Object.keys(named).sort()).toEqual([...loggedKinds].sort());
  });

  it.each(locales)('names in %s every kind the log holds, on the page', (locale) => {
    const lead = t(locale, 'portal.audit.lead');
    const { body } = render(Page as unknown as Rendered, { props: { data: { ...data, locale } } });
    expect(body).toContain(lead);
    for (const kind of loggedKinds) expect(lead, kind).toContain(named[kind][locale]);
  });
});

describe('the words the auditor reads', () => {
  /** The messages of the public log's failures, which /audit and the verifier show. */
  const logErrors = (Object.keys(catalog) as MessageKey[]).filter((key) =>
    /^errors\.ERR_(NOTE|CHECKPOINT|TLOG)_/.test(key),
  );

  it('has the public log’s errors to check', () => {
    expect(logErrors).toContain('errors.ERR_NOTE_NO_TRUSTED_SIGNATURE');
  });

  it.each(logErrors)('%s says checkpoint (Prüfpunkt), never state (Stand)', (key) => {
    expect(t('en', key)).not.toMatch(/\bstates?\b/i);
    expect(t('de', key)).not.toMatch(/\bSt(a|ä)nde?\b/);
  });

  it('calls an inclusion proof Inklusionsbeweis everywhere in German', () => {
    const german = Object.values(catalog).map((entry) => JSON.stringify(entry.de));
    expect(german.some((text) => text.includes('Inklusionsbeweis'))).toBe(true);
    expect(german.filter((text) => /Einschluss/.test(text))).toEqual([]);
    expect(t('de', 'portal.apiDocs.op.logInclusionProof')).toBe('Ein Inklusionsbeweis');
  });
});
