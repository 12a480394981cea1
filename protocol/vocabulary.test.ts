import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  DPV,
  DPV_PD,
  dataCategories,
  dataCategoryIds,
  gpcExemptingDataCategories,
  gpcExemptingPurposes,
  isSensitiveDataCategory,
  isVocabularyId,
  purposeIds,
  purposes,
  sensitiveDataCategoryIds,
  vocabularyEntries,
  vocabularyLabel,
  vocabularyLists,
  type VocabularyList,
} from './vocabulary';

const lists = Object.keys(vocabularyLists) as VocabularyList[];

describe('vocabulary lists', () => {
  it.each(lists)('%s: ids are distinct, snake_case and bounded', (list) => {
    const ids = vocabularyLists[list] as readonly string[];
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(40);
  });

  it.each(lists)('%s: every id has exactly one entry', (list) => {
    const entries = vocabularyEntries[list] as Record<string, unknown>;
    expect(Object.keys(entries).sort()).toEqual([...vocabularyLists[list]].sort());
  });

  it.each(lists)('%s: every DPV IRI is in the DPV or DPV-PD namespace, or null', (list) => {
    for (const entry of Object.values(vocabularyEntries[list]) as { dpv: string | null }[]) {
      if (entry.dpv === null) continue;
      expect(entry.dpv.startsWith(DPV) || entry.dpv.startsWith(DPV_PD)).toBe(true);
      expect(entry.dpv).toMatch(/#[A-Z][A-Za-z]+$/);
    }
  });

  it.each(lists)('%s: every id has a German and an English label', (list) => {
    for (const id of vocabularyLists[list]) {
      const de = vocabularyLabel('de', list, id as never);
      const en = vocabularyLabel('en', list, id as never);
      expect(de.trim()).not.toBe('');
      expect(en.trim()).not.toBe('');
      // An unlabelled id would come back as its own key.
      expect(de).not.toContain('vocabulary.');
    }
  });

  it('is frozen, so no caller can rewrite what a purpose means', () => {
    expect(Object.isFrozen(purposes)).toBe(true);
    expect(Object.isFrozen(purposes.win_back)).toBe(true);
    expect(Object.isFrozen(dataCategories.health)).toBe(true);
  });
});

describe('data categories', () => {
  it.each([
    'health',
    'biometrics',
    'location',
    'movement_profile',
    'emotion',
    'psychographic',
    'device_usage_iot',
  ] as const)('flags %s as sensitive', (id) => {
    expect(dataCategories[id].sensitive).toBe(true);
    expect(isSensitiveDataCategory(id)).toBe(true);
    expect(sensitiveDataCategoryIds).toContain(id);
  });

  it.each(['address', 'behavioral_web', 'purchase_history'] as const)(
    'does not flag %s as sensitive',
    (id) => {
      expect(isSensitiveDataCategory(id)).toBe(false);
    },
  );

  it('treats unknown and prototype names as neither known nor sensitive', () => {
    for (const id of ['__proto__', 'constructor', 'toString', 'HEALTH', '']) {
      expect(isVocabularyId('dataCategory', id)).toBe(false);
      expect(isSensitiveDataCategory(id)).toBe(false);
    }
  });

  it('maps the categories GPC and the sources single out to their DPV concepts', () => {
    expect(dataCategories.health.dpv).toBe('https://w3id.org/dpv/pd#Health');
    expect(dataCategories.location.dpv).toBe('https://w3id.org/dpv/pd#Location');
    expect(dataCategories.behavioral_web.dpv).toBe('https://w3id.org/dpv/pd#BrowsingBehavior');
  });
});

describe('GPC', () => {
  it('names personalised advertising and behavioural web data, which exist in the lists', () => {
    expect(gpcExemptingPurposes).toEqual(['personalised_advertising']);
    expect(gpcExemptingDataCategories).toEqual(['behavioral_web']);
    for (const p of gpcExemptingPurposes) expect(purposeIds).toContain(p);
    for (const c of gpcExemptingDataCategories) expect(dataCategoryIds).toContain(c);
    expect(purposes.personalised_advertising.dpv).toBe(
      'https://w3id.org/dpv#PersonalisedAdvertising',
    );
  });
});

describe('picklists from the id tuples', () => {
  it('accept every id and refuse anything else', () => {
    const purpose = v.picklist(purposeIds);
    for (const id of purposeIds) expect(v.is(purpose, id)).toBe(true);
    for (const bad of ['Marketing', 'win-back', ' win_back', 1, null]) {
      expect(v.is(purpose, bad)).toBe(false);
    }
  });
});
