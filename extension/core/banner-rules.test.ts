import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  codeDetectors,
  detectorTable,
  platformsOf,
  rulesForDetection,
  type AutoconsentRule,
} from './banner-rules';

const rulesFile = createRequire(import.meta.url).resolve(
  '@duckduckgo/autoconsent/rules/rules.json',
);
const rules = (JSON.parse(readFileSync(rulesFile, 'utf8')) as { autoconsent: AutoconsentRule[] })
  .autoconsent;

describe('detectorTable', () => {
  const table = detectorTable(rules);

  it("compiles a detector for autoconsent's hand-written rules and the code-based platforms", () => {
    const quantcast = table.selectors.indexOf('#qc-cmp2-container');
    expect(quantcast).toBeGreaterThanOrEqual(0);
    expect(table.names[quantcast]).toContain('quantcast');
    for (const [selector, name] of codeDetectors)
      expect(table.names[table.selectors.indexOf(selector)]).toContain(name);
    // Generated site rules and eval-only rules get none, and are counted.
    expect(table.skipped).toBeGreaterThan(0);
    expect(table.names.flat().some((n) => n.startsWith('auto_'))).toBe(false);
    expect(table.selectors.some((s) => s.startsWith('xpath/'))).toBe(false);
  });

  it('keeps the per-page detector data small', () => {
    expect(JSON.stringify(table.selectors).length).toBeLessThan(20_000);
  });

  it('reads selectors inside `any` and the first element of a selector chain', () => {
    const t = detectorTable([
      { name: 'a', detectCmp: [{ any: [{ exists: '#a1' }, { visible: ['#host', '.inner'] }] }] },
      { name: 'b', detectCmp: [{ exists: '#a1' }] },
      { name: 'c', detectCmp: [{ eval: 'EVAL_X' }] },
      { name: 'auto_x', detectCmp: [{ exists: '#gen' }] },
    ]);
    expect(t.selectors.slice(0, 2)).toEqual(['#a1', '#host']);
    expect(t.names[0]).toEqual(['a', 'b']);
    expect(t.skipped).toBe(2);
  });
});

describe('rulesForDetection', () => {
  const table = detectorTable(rules);
  const hit = table.selectors.indexOf('#qc-cmp2-container');

  it('sends only the rules of the detectors that matched', () => {
    const sent = rulesForDetection(rules, table, [hit], 'https://news.example/');
    expect(sent.map((r) => r.name)).toEqual(['quantcast']);
    expect(platformsOf(table, [hit])).toEqual(['quantcast']);
  });

  it('ignores indexes the page made up, and rules whose URL pattern does not fit', () => {
    expect(rulesForDetection(rules, table, [-1, 1.5, 10_000_000], 'https://x.example/')).toEqual(
      [],
    );
    const own: AutoconsentRule[] = [
      {
        name: 'only-shop',
        runContext: { urlPattern: '^https://shop\\.example/' },
        detectCmp: [{ exists: '#b' }],
      },
    ];
    const t = detectorTable(own);
    expect(rulesForDetection(own, t, [0], 'https://news.example/')).toEqual([]);
    expect(rulesForDetection(own, t, [0], 'https://shop.example/a')).toHaveLength(1);
  });
});
