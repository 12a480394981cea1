/**
 * The vector files must be exactly what the implementation produces today: if a derivation
 * changes, this fails until the files are regenerated (and the change is then visible in review).
 * Node only: the generator writes files with node:fs.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildTestVectors, vectorFileText } from '../scripts/generate-test-vectors';

describe('protocol/test-vectors/*.json', () => {
  it.each(['keys', 'pairwise', 'seal', 'jws'] as const)(
    '%s.json matches the generator byte for byte (regenerate: npx tsx scripts/generate-test-vectors.ts)',
    async (name) => {
      const built = await buildTestVectors();
      const file = await readFile(new URL(`./test-vectors/${name}.json`, import.meta.url), 'utf8');
      expect(file).toBe(vectorFileText(built[name]));
    },
  );
});
