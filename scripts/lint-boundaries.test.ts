import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The architectural lines of STYLE.md (habits 1 and 2) are enforced by eslint.config.js.
 * These cases prove the rules fire, so weakening the config fails the build.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('lint boundaries', () => {
  it.each([
    [
      'imports a database driver',
      "import Database from 'better-sqlite3';\nexport const d = Database;\n",
    ],
    ['imports kysely', "import { Kysely } from 'kysely';\nexport const k = Kysely;\n"],
    [
      'imports a node built-in',
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    ],
    [
      'imports the extension polyfill',
      "import browser from 'webextension-polyfill';\nexport const b = browser;\n",
    ],
    [
      'imports from the portal',
      "import { x } from '../portal/lib/server/instance';\nexport const y = x;\n",
    ],
  ])('refuses protocol/ code that %s', async (_what, code) => {
    expect(await ruleIds('protocol/example.ts', code)).toContain('no-restricted-imports');
  });

  it.each([
    ['calls fetch', "export const get = () => fetch('https://example.org');\n"],
    ['touches the DOM', 'export const title = () => document.title;\n'],
    ['reads window', 'export const w = () => window.location.href;\n'],
    ['reads process.env', 'export const e = () => process.env.X;\n'],
  ])('refuses protocol/ code that %s', async (_what, code) => {
    expect(await ruleIds('protocol/example.ts', code)).toContain('no-restricted-globals');
  });

  it('accepts pure protocol/ code', async () => {
    expect(
      await ruleIds(
        'protocol/example.ts',
        "import * as v from 'valibot';\nexport const s = v.string();\n",
      ),
    ).toEqual([]);
  });

  it('refuses extension/core/ code that touches browser.* or chrome.*', async () => {
    expect(
      await ruleIds('extension/core/example.ts', 'export const id = () => browser.runtime.id;\n'),
    ).toContain('no-restricted-globals');
    expect(
      await ruleIds('extension/core/example.ts', 'export const id = () => chrome.runtime.id;\n'),
    ).toContain('no-restricted-globals');
    expect(
      await ruleIds(
        'extension/core/example.ts',
        "import browser from 'webextension-polyfill';\nexport const b = browser;\n",
      ),
    ).toContain('no-restricted-imports');
  });

  it('lets only extension/platform/ import the polyfill', async () => {
    const code = "import browser from 'webextension-polyfill';\nexport const b = browser;\n";
    expect(await ruleIds('extension/platform/example.ts', code)).toEqual([]);
    expect(await ruleIds('extension/ui/example.ts', code)).toContain('no-restricted-imports');
    expect(await ruleIds('portal/lib/example.ts', code)).toContain('no-restricted-imports');
  });
});
