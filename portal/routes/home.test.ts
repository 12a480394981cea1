/**
 * `/`'s install section (+page.svelte, +page.server.ts, assistant-downloads.ts): the Assistant
 * offered for download with the steps of each browser, or, where this clearinghouse offers none,
 * a sentence that sends the customer to the operator. Before, it told customers to run
 * `npm run build` and load a folder of the repository.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import {
  assistantDownloadsDir,
  availableDownloads,
  readDownload,
} from '$lib/server/assistant-downloads';
import Home from './+page.svelte';
import { GET } from './assistant/[name]/+server';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env.ASSISTANT_DOWNLOADS_DIR;
});

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'assistant-downloads-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function home(locale: 'de' | 'en', downloads: { chromium: boolean; firefox: boolean }): string {
  return render(Home, {
    props: { data: { locale, version: '1', path: '/', downloads } } as never,
  }).body;
}

describe("/'s install section", () => {
  it.each(['de', 'en'] as const)(
    'offers both downloads in %s, each with its steps, and no developer commands',
    (locale) => {
      const body = home(locale, { chromium: true, firefox: true });
      expect(body).toContain('href="/assistant/assistant-chromium.zip"');
      expect(body).toContain('href="/assistant/assistant-firefox.zip"');
      expect(body).toContain(t(locale, 'portal.home.install.chromium.step2'));
      expect(body).toContain(
        t(locale, 'portal.home.install.firefox.step2', {
          backup: t(locale, 'extension.dashboard.nav.backup'),
        }),
      );
      expect(body).not.toContain(t(locale, 'portal.home.install.none'));
      expect(body).not.toMatch(/npm (run|start)|dist\/extension/);
    },
  );

  it('offers only what is there', () => {
    const body = home('en', { chromium: true, firefox: false });
    expect(body).toContain('assistant-chromium.zip');
    expect(body).not.toContain('assistant-firefox.zip');
  });

  it.each(['de', 'en'] as const)(
    'sends the customer to the operator in %s when nothing is offered',
    (locale) => {
      const body = home(locale, { chromium: false, firefox: false });
      expect(body).toContain(t(locale, 'portal.home.install.none'));
      expect(body).toContain('href="/imprint"');
      expect(body).not.toContain('.zip');
    },
  );
});

describe('the downloads', () => {
  it('are what the folder holds, by their two names only', async () => {
    const dir = folder({ 'assistant-chromium.zip': 'PK-chromium', 'notes.txt': 'secret' });
    expect(availableDownloads(dir)).toEqual({ chromium: true, firefox: false });
    expect(Buffer.from((await readDownload('assistant-chromium.zip', dir))!).toString()).toBe(
      'PK-chromium',
    );
    for (const name of [
      'assistant-firefox.zip', // not built
      'notes.txt',
      '../assistant-chromium.zip',
      'assistant-chromium.zip/',
      'ASSISTANT-CHROMIUM.ZIP',
    ]) {
      expect(await readDownload(name, dir), name).toBeUndefined();
    }
  });

  it('come from ASSISTANT_DOWNLOADS_DIR when set, else dist/extension/', () => {
    expect(assistantDownloadsDir({})).toBe(join(process.cwd(), 'dist', 'extension'));
    expect(assistantDownloadsDir({ ASSISTANT_DOWNLOADS_DIR: ' /srv/assistant ' })).toBe(
      '/srv/assistant',
    );
  });

  it('are served as attachments, and any other name is 404', async () => {
    process.env.ASSISTANT_DOWNLOADS_DIR = folder({ 'assistant-firefox.zip': 'PK-firefox' });
    const call = (name: string) => GET({ params: { name } } as never);
    const response = await call('assistant-firefox.zip');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="assistant-firefox.zip"',
    );
    expect(await response.text()).toBe('PK-firefox');
    for (const name of ['assistant-chromium.zip', 'x.zip']) {
      await expect(call(name)).rejects.toMatchObject({ status: 404 });
    }
  });
});
