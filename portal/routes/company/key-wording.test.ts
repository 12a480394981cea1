/**
 * One verb per act on a company key, in each language: the console's button says "Stilllegen" /
 * "Retire" and "Als kompromittiert melden" / "Declare compromised", so every German and English
 * text about the company's keys says the same (the refusal said "Ein Schlüssel kann sich nicht
 * selbst zurückziehen oder für kompromittiert erklären", the registry "zurückgezogen am …").
 */
import { describe, expect, it } from 'vitest';
import { catalog, type MessageKey } from '$protocol/i18n';

/** The texts about a company's keys: the console's, its refusals, the registry's, the API docs'. */
const keyTexts = (Object.keys(catalog) as MessageKey[]).filter(
  (key) =>
    key.startsWith('portal.console.keys.') ||
    key.startsWith('portal.console.keyConflict.') ||
    key.startsWith('portal.company.keys.') ||
    key === 'portal.apiDocs.op.changeCompanyKey',
);
const text = (key: MessageKey, locale: 'de' | 'en'): string => {
  const entry = catalog[key][locale] as string | { one: string; other: string };
  return typeof entry === 'string' ? entry : `${entry.one} ${entry.other}`;
};

describe('the words for what happens to a company key', () => {
  it('are found (the list below is not empty)', () => {
    expect(keyTexts).toContain('portal.console.keys.retire');
    expect(keyTexts).toContain('portal.console.keyConflict.ownKey');
    expect(keyTexts).toContain('portal.company.keys.retired');
  });

  it.each(keyTexts)('%s says "stilllegen" and "als kompromittiert melden" in German', (key) => {
    const de = text(key, 'de');
    // Failed before for keyConflict.ownKey, keyConflict.limit and company.keys.retired.
    expect(de).not.toMatch(/zurück(zu)?zieh|zurückgezogen|[Zz]iehen Sie .* zurück/);
    expect(de).not.toMatch(/kompromittiert erklär|für kompromittiert/);
  });

  it.each(keyTexts)('%s says "retire" and "declare compromised" in English', (key) => {
    const en = text(key, 'en');
    expect(en).not.toMatch(/withdr[ae]w|revok/i);
  });

  it('uses the button’s verbs where a key retires or is declared compromised', () => {
    expect(text('portal.console.keys.retire', 'de')).toBe('Stilllegen');
    expect(text('portal.console.keyConflict.ownKey', 'de')).toMatch(
      /selbst stilllegen oder als kompromittiert melden/,
    );
    expect(text('portal.console.keyConflict.limit', 'de')).toMatch(/Legen Sie zuerst einen still/);
    expect(text('portal.company.keys.retired', 'de')).toMatch(/^stillgelegt am/);
    expect(text('portal.console.keyConflict.ownKey', 'en')).toMatch(
      /cannot retire itself or declare itself compromised/,
    );
  });
});
