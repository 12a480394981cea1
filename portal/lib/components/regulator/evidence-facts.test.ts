/**
 * The fields of a piece of evidence as the complaint review shows them (evidence-facts.ts): under
 * catalog names, vocabulary ids under their labels, flags as yes or no, times as times, and what
 * this version does not know as it came.
 */
import { describe, expect, it } from 'vitest';
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
