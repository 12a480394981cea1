/**
 * protocol/test-vectors/tlog.json must be exactly what the implementation builds today. Node only:
 * it reads (and, with UPDATE_TEST_VECTORS=1, rewrites) the file with node:fs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../sodium';
import { buildTlogVectors, tlogVectorText } from './vectors.fixture';

const file = new URL('../test-vectors/tlog.json', import.meta.url);

beforeAll(async () => {
  await ready();
});

describe('protocol/test-vectors/tlog.json', () => {
  it('matches the builder byte for byte (regenerate with UPDATE_TEST_VECTORS=1)', async () => {
    const text = tlogVectorText(await buildTlogVectors());
    if (process.env.UPDATE_TEST_VECTORS === '1') await writeFile(file, text);
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
