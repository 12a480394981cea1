/**
 * The fields of a piece of evidence as the complaint review shows them (evidence-facts.ts): under
 * catalog names, vocabulary ids under their labels, flags as yes or no, times as times, and what
 * this version does not know as it came.
 */
import { describe, expect, it } from 'vitest';
import { hasMessage, t } from '$protocol/i18n';
import { evidenceFacts } from './evidence-facts';

describe('evidenceFacts', () => {
  it('labels every shown field, in a fixed order, leaving out absent ones', () => {
    const facts = evidenceFacts({
      iat: 1_767_225_600,
      advertisement: false,
      channel: 'newsletter',
      purpose: 'product_launch',
      validUntil: 1_767_830_400,
      brand: 'Beispiel Running',
      grantSha256: 'x'.repeat(43),
    });
    expect(facts).toEqual([
      {
        field: 'purpose',
        label: 'portal.regulator.evidence.field.purpose',
        value: { key: 'vocabulary.purpose.product_launch' },
      },
      {
        field: 'channel',
        label: 'portal.regulator.evidence.field.channel',
        value: { key: 'vocabulary.channel.newsletter' },
      },
      {
        field: 'brand',
        label: 'portal.regulator.evidence.field.brand',
        value: { text: 'Beispiel Running' },
      },
      {
        field: 'validUntil',
        label: 'portal.regulator.evidence.field.validUntil',
        value: { at: 1_767_830_400_000 },
      },
      {
        field: 'advertisement',
        label: 'portal.regulator.evidence.field.advertisement',
        value: { key: 'portal.regulator.evidence.no' },
      },
      {
        field: 'iat',
        label: 'portal.regulator.evidence.field.iat',
        value: { at: 1_767_225_600_000 },
      },
    ]);
  });

  it("shows a data-request answer's outcome, what it erased and when, what it kept and why", () => {
    const facts = evidenceFacts({
      iat: 1_767_225_600,
      requestSha256: 'x'.repeat(43),
      outcome: 'erased',
      dataCategories: ['address', 'soul'],
      erasedAt: 1_767_225_000,
      retained: {
        dataCategories: ['purchase_history'],
        reason: { de: 'Aufbewahrungspflicht (§ 147 AO).', en: 'Retention duty (tax law).' },
      },
    });
    expect(facts.map((f) => [f.field, f.value])).toEqual([
      ['outcome', { key: 'portal.regulator.evidence.outcome.erased' }],
      ['dataCategories', { list: [{ key: 'vocabulary.dataCategory.address' }, { text: 'soul' }] }],
      ['erasedAt', { at: 1_767_225_000_000 }],
      ['retained.dataCategories', { list: [{ key: 'vocabulary.dataCategory.purchase_history' }] }],
      ['retained.reason.de', { text: 'Aufbewahrungspflicht (§ 147 AO).' }],
      ['retained.reason.en', { text: 'Retention duty (tax law).' }],
      ['iat', { at: 1_767_225_600_000 }],
    ]);
    for (const fact of facts) expect(t('de', fact.label)).not.toBe(t('en', fact.label));
  });

  it("shows a refusal's reason in both languages, and nothing of a member it does not own", () => {
    const refusal = evidenceFacts({ outcome: 'refused', reason: { de: 'Nein.', en: 'No.' } });
    expect(refusal.map((f) => [f.field, f.label, f.value])).toEqual([
      ['outcome', 'portal.regulator.evidence.field.outcome', expect.anything()],
      ['reason.de', 'portal.regulator.evidence.field.reasonDe', { text: 'Nein.' }],
      ['reason.en', 'portal.regulator.evidence.field.reasonEn', { text: 'No.' }],
    ]);
    // An inherited `outcome` makes no answer: the reason is a grant request's, as it says.
    const claims = Object.create({ outcome: 'erased' }) as Record<string, unknown>;
    claims['reason'] = { de: 'Neuheiten.', en: 'News.' };
    claims['dataCategories'] = ['address'];
    expect(evidenceFacts(claims).map((f) => [f.field, f.label])).toEqual([
      ['reason.de', 'portal.regulator.evidence.field.askingReasonDe'],
      ['reason.en', 'portal.regulator.evidence.field.askingReasonEn'],
    ]);
    expect(evidenceFacts({ outcome: 'refused' })[0]!.value).toEqual({
      key: 'portal.regulator.evidence.outcome.refused',
    });
  });

  it("shows every field an offer's content signs, its text and unsubscribe link among them (failed before: body, category, link and unsubscribe were left out)", () => {
    const body = 'Neu: der Laufschuh.\n\n<script>alert(1)</script> ' + 'x'.repeat(7000);
    const facts = evidenceFacts({
      iss: 'co_x',
      iat: 1_767_225_600,
      grantSha256: 'x'.repeat(43),
      purpose: 'product_launch',
      channel: 'newsletter',
      brand: 'Beispiel Running',
      category: 'sports/running',
      title: 'Der neue Laufschuh',
      body,
      validUntil: 1_767_830_400,
      link: 'https://running.example/schuh',
      advertisement: true,
      unsubscribe: 'https://running.example/abmelden?x=1&y=2',
    });
    expect(facts.map((f) => [f.field, f.label, f.value])).toEqual([
      ['purpose', 'portal.regulator.evidence.field.purpose', expect.anything()],
      ['channel', 'portal.regulator.evidence.field.channel', expect.anything()],
      ['brand', 'portal.regulator.evidence.field.brand', { text: 'Beispiel Running' }],
      ['category', 'portal.regulator.evidence.field.category', { text: 'sports/running' }],
      ['title', 'portal.regulator.evidence.field.title', { text: 'Der neue Laufschuh' }],
      ['body', 'portal.regulator.evidence.field.body', { text: body }],
      ['link', 'portal.regulator.evidence.field.link', { text: 'https://running.example/schuh' }],
      [
        'unsubscribe',
        'portal.regulator.evidence.field.unsubscribe',
        { text: 'https://running.example/abmelden?x=1&y=2' },
      ],
      ['validUntil', 'portal.regulator.evidence.field.validUntil', { at: 1_767_830_400_000 }],
      [
        'advertisement',
        'portal.regulator.evidence.field.advertisement',
        { key: 'portal.regulator.evidence.yes' },
      ],
      ['iat', 'portal.regulator.evidence.field.iat', { at: 1_767_225_600_000 }],
    ]);
  });

  it("shows each of a disclosure's holdings: category, sources, purposes, retention, recipients, since when", () => {
    const facts = evidenceFacts({
      iat: 1_767_225_600,
      dataRequestSha256: 'x'.repeat(43),
      export: 's'.repeat(64),
      holdings: [
        {
          dataCategory: 'address',
          sources: ['direct', 'not_a_source'],
          purposes: ['product_launch'],
          retentionDays: 365,
          recipients: [
            { name: 'Paket GmbH', country: 'DE', company: 'co_p' },
            { name: 'Druckerei' },
          ],
          collectedSince: 1_767_000_000,
        },
        {
          dataCategory: 'soul',
          sources: ['broker'],
          purposes: [],
          retentionDays: 1,
          recipients: [],
        },
        'not a holding',
      ],
    });
    expect(facts.map((f) => [f.field, f.label, f.value])).toEqual([
      [
        'holdings.0.dataCategory',
        'portal.regulator.evidence.field.holding',
        { key: 'vocabulary.dataCategory.address' },
      ],
      [
        'holdings.0.sources',
        'portal.regulator.evidence.field.holdingSources',
        { list: [{ key: 'vocabulary.provenanceSource.direct' }, { text: 'not_a_source' }] },
      ],
      [
        'holdings.0.purposes',
        'portal.regulator.evidence.field.holdingPurposes',
        { list: [{ key: 'vocabulary.purpose.product_launch' }] },
      ],
      [
        'holdings.0.retentionDays',
        'portal.regulator.evidence.field.holdingRetentionDays',
        { text: '365' },
      ],
      [
        'holdings.0.recipients',
        'portal.regulator.evidence.field.holdingRecipients',
        { list: [{ text: 'Paket GmbH (DE, co_p)' }, { text: 'Druckerei' }] },
      ],
      [
        'holdings.0.collectedSince',
        'portal.regulator.evidence.field.holdingCollectedSince',
        { at: 1_767_000_000_000 },
      ],
      ['holdings.1.dataCategory', 'portal.regulator.evidence.field.holding', { text: 'soul' }],
      [
        'holdings.1.sources',
        'portal.regulator.evidence.field.holdingSources',
        { list: [{ key: 'vocabulary.provenanceSource.broker' }] },
      ],
      ['holdings.1.purposes', 'portal.regulator.evidence.field.holdingPurposes', { list: [] }],
      [
        'holdings.1.retentionDays',
        'portal.regulator.evidence.field.holdingRetentionDays',
        { text: '1' },
      ],
      ['holdings.1.recipients', 'portal.regulator.evidence.field.holdingRecipients', { list: [] }],
      ['holdings.2', 'portal.regulator.evidence.field.holding', { text: 'not a holding' }],
      ['iat', 'portal.regulator.evidence.field.iat', { at: 1_767_225_600_000 }],
    ]);
    expect(evidenceFacts({ holdings: { dataCategory: 'address' } })).toEqual([
      {
        field: 'holdings',
        label: 'portal.regulator.evidence.field.holding',
        value: { text: '{"dataCategory":"address"}' },
      },
    ]);
  });

  it("shows a grant request's incentive with its description in both languages", () => {
    const facts = evidenceFacts({
      reason: { de: 'Neuheiten.', en: 'News.' },
      incentive: { type: 'bonus_points', description: { de: '100 Punkte', en: '100 points' } },
    });
    expect(facts.map((f) => [f.field, f.label, f.value])).toEqual([
      [
        'incentive.type',
        'portal.regulator.evidence.field.incentive',
        { key: 'vocabulary.incentiveType.bonus_points' },
      ],
      [
        'incentive.description.de',
        'portal.regulator.evidence.field.incentiveDe',
        { text: '100 Punkte' },
      ],
      [
        'incentive.description.en',
        'portal.regulator.evidence.field.incentiveEn',
        { text: '100 points' },
      ],
      ['reason.de', 'portal.regulator.evidence.field.askingReasonDe', { text: 'Neuheiten.' }],
      ['reason.en', 'portal.regulator.evidence.field.askingReasonEn', { text: 'News.' }],
    ]);
  });

  it('names every field it can show in German and in English', () => {
    const labels = new Set(
      [
        evidenceFacts({
          category: 'a',
          body: 'b',
          link: 'c',
          unsubscribe: 'd',
          incentive: { type: 'bonus_points', description: { de: 'e', en: 'f' } },
          holdings: [
            {
              dataCategory: 'address',
              sources: [],
              purposes: [],
              retentionDays: 1,
              recipients: [],
              collectedSince: 1,
            },
          ],
        }),
      ]
        .flat()
        .map((f) => f.label),
    );
    expect(labels.size).toBe(13);
    for (const label of labels) {
      for (const locale of ['de', 'en'] as const) {
        expect(hasMessage(label)).toBe(true);
        expect(t(locale, label)).not.toBe(label);
      }
    }
  });

  it.each([
    [{ purpose: 'not_a_purpose' }, { text: 'not_a_purpose' }],
    [{ channel: 'carrier_pigeon' }, { text: 'carrier_pigeon' }],
    [{ advertisement: true }, { key: 'portal.regulator.evidence.yes' }],
    [{ iat: 'yesterday' }, { text: 'yesterday' }],
    [{ title: { html: '<b>x</b>' } }, { text: '{"html":"<b>x</b>"}' }],
    [{ validUntil: null }, { text: 'null' }],
  ])('shows %o as %o', (claims, value) => {
    expect(evidenceFacts(claims).map((f) => f.value)).toEqual([value]);
  });
});
