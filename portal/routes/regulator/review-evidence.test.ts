/**
 * A complaint's review shows every signed field of its evidence a reason is judged by, rendered
 * on the server in German and English (evidence-facts.ts): for `missing_unsubscribe`, the
 * offer's unsubscribe link and its text (failed before: only purpose, channel, brand, title,
 * valid until, the advertisement label and the signing time were shown); for a disclosure, its
 * holdings. The company's text stays text: escaped, never markup.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { t, type Locale, type MessageKey } from '$protocol/i18n';
import ReviewPage from './complaints/[sha256]/+page.svelte';

const day = Date.UTC(2026, 0, 5);
const companyId = 'co_' + 'C'.repeat(43);
const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));
const jws = (payload: unknown) => `${part({ alg: 'EdDSA' })}.${part(payload)}.c2ln`;
const iat = day / 1000 + 13 * 3600;

const body = 'Neu: <img src=x onerror=alert(1)> der Laufschuh & mehr. ' + 'Lauf'.repeat(500);
const offerContent = {
  iss: companyId,
  iat,
  grantSha256: 'g'.repeat(43),
  purpose: 'product_launch',
  channel: 'newsletter',
  brand: 'Beispiel Running',
  category: 'sports/running',
  title: 'Der neue Laufschuh',
  body,
  validUntil: iat + 7 * 86_400,
  advertisement: true,
  unsubscribe: 'https://running.example/abmelden?p=1&q=2',
};
const disclosure = {
  iss: companyId,
  iat,
  dataRequestSha256: 'r'.repeat(43),
  holdings: [
    {
      dataCategory: 'address',
      sources: ['broker'],
      purposes: ['product_launch'],
      retentionDays: 365,
      recipients: [{ name: 'Paket <GmbH>', country: 'DE' }],
    },
  ],
};

function html(locale: Locale, evidence: { kind: string; jws: string }[], reasons: string[]) {
  return render(ReviewPage, {
    props: {
      data: {
        locale,
        version: '1',
        path: '/regulator/complaints/x',
        person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
        material: {
          origin: 'http://localhost:3000',
          complaint: {
            sha256: 's'.repeat(43),
            jws: jws({ evidence, reasons }),
            company: companyId,
            pseudonym: 'ps_' + 'p'.repeat(43),
            reasons,
            receivedAt: day,
            decision: null,
          },
          company: {
            id: companyId,
            legalName: 'Schlamperei AG',
            status: 'active',
            keys: [],
            staffKeys: [],
          },
          pseudonymKey: null,
          grants: evidence.map(() => null),
        },
      },
    } as never,
  }).body;
}

/** The evidence section, its `dt`/`dd` pairs as `[name, value]`. */
function facts(page: string): [string, string][] {
  const section = page.match(/aria-labelledby="evidence".*?<\/section>/s)![0];
  return [...section.matchAll(/<dt[^>]*>(.*?)<\/dt>\s*<dd[^>]*>(.*?)<\/dd>/gs)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

describe("a complaint's review of its evidence", () => {
  it.each(['de', 'en'] as const)(
    'shows in %s the offer’s unsubscribe link, text and category for a missing unsubscribe link',
    (locale) => {
      const shown = facts(
        html(locale, [{ kind: 'offer-content', jws: jws(offerContent) }], ['missing_unsubscribe']),
      );
      const name = (field: string) =>
        t(locale, `portal.regulator.evidence.field.${field}` as MessageKey);
      const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      expect(shown).toContainEqual([
        name('unsubscribe'),
        'https://running.example/abmelden?p=1&amp;q=2',
      ]);
      expect(shown).toContainEqual([name('body'), escaped(body)]);
      expect(shown).toContainEqual([name('category'), 'sports/running']);
      expect(shown.map(([field]) => field)).toEqual(
        [
          'purpose',
          'channel',
          'brand',
          'category',
          'title',
          'body',
          'unsubscribe',
          'validUntil',
          'advertisement',
          'iat',
        ].map(name),
      );
      // The company's text is text: no element of its own in the page.
      expect(JSON.stringify(shown)).not.toContain('<img');
    },
  );

  it.each(['de', 'en'] as const)(
    'shows in %s what a disclosure says the company holds',
    (locale) => {
      const shown = facts(
        html(locale, [{ kind: 'disclosure', jws: jws(disclosure) }], ['undisclosed_data']),
      );
      const name = (field: string) =>
        t(locale, `portal.regulator.evidence.field.${field}` as MessageKey);
      expect(shown).toEqual(
        expect.arrayContaining([
          [name('holding'), t(locale, 'vocabulary.dataCategory.address')],
          [name('holdingSources'), t(locale, 'vocabulary.provenanceSource.broker')],
          [name('holdingPurposes'), t(locale, 'vocabulary.purpose.product_launch')],
          [name('holdingRetentionDays'), '365'],
          [name('holdingRecipients'), 'Paket &lt;GmbH> (DE)'],
        ]),
      );
    },
  );
});
