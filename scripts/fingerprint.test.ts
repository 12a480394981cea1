/**
 * scripts/fingerprint.mjs: what makes `npm start` rebuild. The build writes CLEARINGHOUSE_URL
 * into the Assistant (scripts/build-extension.mjs), so a build for another address is another
 * build; before it counted, `CLEARINGHOUSE_URL=https://ch.example npm start` said "the build is
 * up to date" and kept offering an Assistant for http://localhost:3000.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFingerprint } from './fingerprint.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('sourceFingerprint', () => {
  it('differs for another CLEARINGHOUSE_URL, and takes an unset one as the build does', () => {
    const local = sourceFingerprint(root, {});
    expect(sourceFingerprint(root, {})).toBe(local);
    expect(sourceFingerprint(root, { CLEARINGHOUSE_URL: 'https://ch.example' })).not.toBe(local);
    // Unset, the build uses http://localhost:3000 (scripts/build-extension.mjs): the same build.
    const source = readFileSync(new URL('./build-extension.mjs', import.meta.url), 'utf8');
    expect(source).toContain("process.env.CLEARINGHOUSE_URL ?? 'http://localhost:3000'");
    expect(sourceFingerprint(root, { CLEARINGHOUSE_URL: 'http://localhost:3000' })).toBe(local);
  });

  it('reads the environment of the process by default', () => {
    const saved = process.env.CLEARINGHOUSE_URL;
    try {
      process.env.CLEARINGHOUSE_URL = 'https://ch.example';
      expect(sourceFingerprint(root)).toBe(
        sourceFingerprint(root, { CLEARINGHOUSE_URL: 'https://ch.example' }),
      );
      expect(sourceFingerprint(root)).not.toBe(sourceFingerprint(root, {}));
    } finally {
      if (saved === undefined) delete process.env.CLEARINGHOUSE_URL;
      else process.env.CLEARINGHOUSE_URL = saved;
    }
  });
});
