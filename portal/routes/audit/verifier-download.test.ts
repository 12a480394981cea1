/**
 * `GET /audit/clearinghouse-verify.mjs` (./clearinghouse-verify.mjs/+server.ts,
 * lib/server/verifier-download.ts): the verifier's one file as built by scripts/build-verifier.mjs,
 * with its SHA-256 as ETag; before it is built, a 404 that says how to build it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import { readVerifierFile, verifierFilePath } from '$lib/server/verifier-download';
import { GET } from './clearinghouse-verify.mjs/+server';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verifier-download-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.VERIFIER_DOWNLOAD_PATH;
});

function get(headers: Record<string, string> = {}, locale: Locale = 'en'): Promise<Response> {
  const request = new Request('http://localhost:3000/audit/clearinghouse-verify.mjs', { headers });
  return GET({ request, locals: { locale } } as never) as Promise<Response>;
}

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the verifier download', () => {
  it('serves the built file as a JavaScript attachment whose ETag is its SHA-256', async () => {
    const file = join(dir, 'built.mjs');
    const text = '#!/usr/bin/env node\nconsole.log("verify");\n';
    writeFileSync(file, text);
    process.env.VERIFIER_DOWNLOAD_PATH = file;

    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="clearinghouse-verify.mjs"',
    );
    expect(response.headers.get('etag')).toBe(`"sha256-${hex(text)}"`);
    expect(response.headers.get('repr-digest')).toBe(
      `sha-256=:${createHash('sha256').update(text).digest('base64')}:`,
    );
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(await response.text()).toBe(text);

    const again = await get({ 'if-none-match': `"sha256-${hex(text)}"` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get({ 'if-none-match': '"sha256-00"' })).status).toBe(200);
  });

  it('serves a rebuilt file, never the one it read before', async () => {
    const file = join(dir, 'rebuilt.mjs');
    writeFileSync(file, 'console.log(1);\n');
    process.env.VERIFIER_DOWNLOAD_PATH = file;
    expect((await readVerifierFile())?.sha256).toBe(hex('console.log(1);\n'));
    // As the build replaces it: a new file renamed over the old one, of the same size.
    writeFileSync(`${file}.partial`, 'console.log(2);\n');
    renameSync(`${file}.partial`, file);
    const response = await get();
    expect(await response.text()).toBe('console.log(2);\n');
    expect(response.headers.get('etag')).toBe(`"sha256-${hex('console.log(2);\n')}"`);
  });

  it.each<Locale>(['en', 'de'])(
    'answers 404 in %s saying how to build it when it is not built, never a crash',
    async (locale) => {
      process.env.VERIFIER_DOWNLOAD_PATH = join(dir, 'never-built.mjs');
      expect(await readVerifierFile()).toBeUndefined();

      const problem = await get({ accept: '*/*' }, locale);
      expect(problem.status).toBe(404);
      expect(problem.headers.get('content-type')).toBe('application/problem+json');
      const body = (await problem.json()) as { code: string; status: number; detail: string };
      expect(body).toMatchObject({ code: 'verifier-not-built', status: 404 });
      expect(body.detail).toBe(t(locale, 'portal.audit.cli.notBuilt'));
      expect(body.detail).toContain('npm run build:portal');

      const page = await get({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, locale);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(page.headers.get('content-language')).toBe(locale);
      expect(await page.text()).toBe(`${t(locale, 'portal.audit.cli.notBuilt')}\n`);
    },
  );

  it('is not a folder of that name either', async () => {
    process.env.VERIFIER_DOWNLOAD_PATH = dir;
    expect((await get()).status).toBe(404);
  });

  it('comes from VERIFIER_DOWNLOAD_PATH when set, else dist/verifier/ under the working directory', () => {
    expect(verifierFilePath({})).toBe(
      join(process.cwd(), 'dist', 'verifier', 'clearinghouse-verify.mjs'),
    );
    expect(verifierFilePath({ VERIFIER_DOWNLOAD_PATH: ' /srv/verify.mjs ' })).toBe(
      '/srv/verify.mjs',
    );
  });
});
