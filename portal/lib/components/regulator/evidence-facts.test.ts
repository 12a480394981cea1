/**
 * The fields of a piece of evidence as the complaint review shows them (evidence-facts.ts): under
 * catalog names, vocabulary ids under their labels, flags as yes or no, times as times, and what
 * this version does not know as it came.
 */
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
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
