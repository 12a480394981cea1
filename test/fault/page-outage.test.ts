/**
 * Pages while PostgreSQL is away (docs/operations.md "When PostgreSQL is away"): the built server
 * on a database reached through a relay the test cuts, as db/unreachable.test.ts does for the API.
 * A page that needs the database answers 503 with `Retry-After` and the error page's sentence in
 * the visitor's language, as the API answers 503 problem+json; before December 2026 it answered
 * 500 "Internal error". Once the database is back, the page is served again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '../../protocol/i18n';
import { createPostgresDatabase } from '../../portal/lib/server/db/test-databases';
import { startCuttableRelay } from '../../portal/lib/server/db/test-outage';
import { builtServer } from './built-server';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The sentence as the page's HTML escapes it (an apostrophe), its first words enough. */
const inHtml = (text: string) => text.replace('’', '&#39;').slice(0, 40);

describe('a page while PostgreSQL cannot be reached', () => {
  it('answers 503 with Retry-After and says so in German and English, and serves it again afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'page-outage-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const relay = await startCuttableRelay(await createPostgresDatabase());
    cleanups.push(() => relay.close());
    const server = await builtServer({ dir, postgresUrl: relay.url });
    cleanups.push(() => server.kill());
    await server.start();
    const page = (path: string, lang: 'de' | 'en') =>
      fetch(`${server.url}${path}`, {
        headers: { accept: 'text/html', cookie: `lang=${lang}` },
        signal: AbortSignal.timeout(20_000),
      });

    expect((await page('/companies', 'de')).status).toBe(200);
    await relay.cut();
    // The registry and the auditor's page (the log's checkpoint) read the database.
    for (const [path, lang] of [
      ['/companies', 'de'],
      ['/companies', 'en'],
      ['/audit', 'de'],
      ['/audit', 'en'],
    ] as const) {
      const answer = await page(path, lang);
      const html = await answer.text();
      expect({ path, status: answer.status }).toEqual({ path, status: 503 });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html).toContain(inHtml(t(lang, 'portal.error.databaseUnavailable')));
      expect(html).toContain(t(lang, 'portal.error.title', { status: 503 }));
      expect(html).not.toContain(t(lang, 'common.error.unexpected'));
      // Nothing of the driver's error reaches the page.
      expect(html).not.toMatch(/ECONNREFUSED|Connection terminated|127\.0\.0\.1:\d/);
    }
    // The API says the same in its own way (unchanged).
    const api = await fetch(`${server.url}/api/v1/companies`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(api.status).toBe(503);

    await relay.restore();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await page('/companies', 'en')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
