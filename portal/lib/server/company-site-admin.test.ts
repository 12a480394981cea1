/**
 * The reference company site's operator trigger (test/company-site/admin-endpoint.ts and the CLI
 * test/company-site/admin.ts) against an in-process clearinghouse over real HTTP
 * (company-site-test-kit.ts): the running site writes `admin.json` (mode 0600, a fresh token at
 * each start, removed when it stops); the CLI reads it and has the site replace its key, retiring
 * the old one or declaring it compromised since the time given, and prints one sentence. The
 * endpoint refuses a missing or wrong token, a caller not on this machine or forwarded by a
 * proxy, and a compromise time that is malformed or in the future, changing nothing then; it
 * tells a refusal of the clearinghouse, which the site does not finish later, from a failure,
 * which it does.
 */
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminFile } from '../../../test/company-site/admin-endpoint';
import { runAdmin } from '../../../test/company-site/admin';
import { openSiteWorld, type SiteWorld } from './company-site-test-kit';

/** An address of this machine that is not loopback, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

describe("the reference company site's admin endpoint", () => {
  let world: SiteWorld;

  beforeAll(async () => {
    world = await openSiteWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** A site of its own, ready, with its data directory. */
  async function started(options: Parameters<SiteWorld['startSite']>[0] = {}) {
    const dataDir = world.dataDir();
    const site = await world.startSite({ dataDir, webhook: false, ...options });
    await site.ready();
    return { site, dataDir };
  }

  function adminFile(dataDir: string): AdminFile {
    return JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')) as AdminFile;
  }

  /** Runs the CLI against the site of `dataDir`; its exit code and what it printed. */
  async function cli(dataDir: string, ...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAdmin(argv, {
      dataDir,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** Posts to the admin endpoint as the CLI would, with `token` (default: the right one). */
  async function post(
    dataDir: string,
    body: unknown,
    options: { token?: string; base?: string; headers?: Record<string, string> } = {},
  ) {
    const { url, token } = adminFile(dataDir);
    const response = await fetch(`${options.base ?? url}/admin/replace-key`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token === '' ? {} : { authorization: `Bearer ${options.token ?? token}` }),
        ...options.headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('writes admin.json readable by its owner alone, with a fresh token at each start, and removes it when it stops', async () => {
    const { site, dataDir } = await started();
    const path = join(dataDir, 'admin.json');
    const first = adminFile(dataDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first).toMatchObject({ v: 1, url: `http://127.0.0.1:${new URL(site.origin).port}` });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const port = Number(new URL(site.origin).port);
    await site.stop();
    expect(() => statSync(path)).toThrow(/ENOENT/);
    const again = await world.startSite({ dataDir, port, webhook: false });
    expect(adminFile(dataDir).token).not.toBe(first.token);
    await again.stop();
  });

  it('replaces the key and declares the old one compromised when the operator asks through the CLI', async () => {
    const { site, dataDir } = await started();
    const old = site.kid();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const iso = since.toISOString().replace('.000Z', 'Z');
    const result = await cli(dataDir, 'replace-key', '--compromised-since', iso);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(site.kid()).not.toBe(old);
    expect(result.out).toContain(
      `The site now signs with key ${site.kid()}; key ${old} is declared compromised since ${iso}`,
    );
    expect(result.out).toContain(
      'acknowledged again the revocations whose acknowledgements it voided',
    );
    const entry = await world.assistant(site.companyId).client.getCompany(site.companyId);
    expect(entry.keys).toEqual([
      expect.objectContaining({ kid: old, compromisedSince: since.getTime() / 1000 }),
      expect.objectContaining({ kid: site.kid(), retiredAt: null }),
    ]);
  });

  it('refuses the same compromise again once its replacement is done, and replaces nothing', async () => {
    const { site, dataDir } = await started();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const iso = since.toISOString().replace('.000Z', 'Z');
    expect(await cli(dataDir, 'replace-key', '--compromised-since', iso)).toMatchObject({
      code: 0,
    });
    const replaced = site.kid();
    // The operator, whose first answer was lost, asks again: the new key was added after `since`.
    const again = await cli(dataDir, 'replace-key', '--compromised-since', iso);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`The key signing now (${replaced}) was added at`);
    expect(site.kid()).toBe(replaced);
    const entry = await world.assistant(site.companyId).client.getCompany(site.companyId);
    expect(entry.keys?.find((k) => k.kid === replaced)).toMatchObject({
      retiredAt: null,
      compromisedSince: null,
    });
  });

  it('declares a key retired before compromised, and leaves the key signing now', async () => {
    const { site, dataDir } = await started();
    const first = site.kid();
    expect(await cli(dataDir, 'replace-key')).toMatchObject({ code: 0 });
    const now = site.kid();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const iso = since.toISOString().replace('.000Z', 'Z');
    // Naming a key without a time is no command (nothing sent).
    expect(await cli(dataDir, 'replace-key', '--key', first)).toMatchObject({ code: 2 });
    const result = await cli(dataDir, 'replace-key', '--key', first, '--compromised-since', iso);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`key ${first} is declared compromised since ${iso}`);
    expect(site.kid()).toBe(now);
    const entry = await world.assistant(site.companyId).client.getCompany(site.companyId);
    expect(entry.keys).toEqual([
      expect.objectContaining({ kid: first, compromisedSince: since.getTime() / 1000 }),
      expect.objectContaining({ kid: now, retiredAt: null, compromisedSince: null }),
    ]);
    // A key id the site never held: refused, nothing changed.
    const unknown = await cli(
      dataDir,
      'replace-key',
      '--key',
      'A'.repeat(43),
      '--compromised-since',
      iso,
    );
    expect(unknown.code).toBe(1);
    expect(site.kid()).toBe(now);
  });

  it('refuses a request addressed to the site by another name (DNS rebinding), even with the token', async () => {
    const { site, dataDir } = await started();
    const old = site.kid();
    const { url, token } = adminFile(dataDir);
    const target = new URL(`${url}/admin/replace-key`);
    const answer = await new Promise<{ status: number; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = request(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: {
              host: `attacker.example:${target.port}`,
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(text) as Record<string, unknown>,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end('{}');
      },
    );
    expect(answer).toMatchObject({ status: 403, body: { error: 'ERR_ADMIN_NOT_LOOPBACK' } });
    expect(site.kid()).toBe(old);
  });

  it('retires the old key when the operator names no compromise', async () => {
    const { site, dataDir } = await started();
    const old = site.kid();
    const result = await cli(dataDir, 'replace-key');
    expect(result).toEqual({
      code: 0,
      out: `The site now signs with key ${site.kid()}; key ${old} is retired.`,
      err: '',
    });
    const entry = await world.assistant(site.companyId).client.getCompany(site.companyId);
    expect(entry.keys).toEqual([
      expect.objectContaining({ kid: old, retiredAt: expect.any(Number), compromisedSince: null }),
      expect.objectContaining({ kid: site.kid(), retiredAt: null }),
    ]);
  });

  it.each([
    ['no token', ''],
    ['a wrong token', 'A'.repeat(43)],
  ])('refuses a caller with %s, and changes nothing', async (_, token) => {
    const { site, dataDir } = await started();
    const old = site.kid();
    const answer = await post(dataDir, {}, { token });
    expect(answer).toMatchObject({ status: 401, body: { error: 'ERR_ADMIN_TOKEN_INVALID' } });
    // Named, not shown: a page that reaches loopback (DNS rebinding) reads no path of the disk.
    expect(answer.body.detail).toContain('admin.json');
    expect(answer.body.detail).not.toContain(dataDir);
    expect(site.kid()).toBe(old);
  });

  it.skipIf(outside === undefined)(
    'refuses a caller that is not on this machine, even with the token',
    async () => {
      const { site, dataDir } = await started({ host: '0.0.0.0' });
      const old = site.kid();
      const base = `http://${outside}:${new URL(site.origin).port}`;
      const answer = await post(dataDir, {}, { base });
      expect(answer).toMatchObject({
        status: 403,
        body: {
          error: 'ERR_ADMIN_NOT_LOOPBACK',
          detail: expect.stringContaining(`not ${outside}`),
        },
      });
      expect(site.kid()).toBe(old);
      // The site itself still answers there: only the endpoint is refused.
      expect((await fetch(`${base}/`)).status).toBe(200);
    },
  );

  it('refuses a request a proxy on this machine forwarded, even with the token', async () => {
    const { site, dataDir } = await started();
    const old = site.kid();
    const answer = await post(dataDir, {}, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(answer).toMatchObject({ status: 403, body: { error: 'ERR_ADMIN_NOT_LOOPBACK' } });
    expect(site.kid()).toBe(old);
  });

  it.each([
    ['a day that does not exist', '2026-02-30T10:00:00Z', 'ERR_ADMIN_TIME_INVALID'],
    ['a time without its zone', '2026-12-01T10:00:00', 'ERR_ADMIN_TIME_INVALID'],
    ['no time at all', 'yesterday', 'ERR_ADMIN_TIME_INVALID'],
    ['a number', 1_796_119_200, 'ERR_ADMIN_TIME_INVALID'],
    [
      'a time in the future',
      new Date(Date.now() + 3_600_000).toISOString(),
      'ERR_ADMIN_TIME_IN_FUTURE',
    ],
  ])(
    'refuses %s as the compromise time, and changes nothing',
    async (_, compromisedSince, code) => {
      const { site, dataDir } = await started();
      const old = site.kid();
      const answer = await post(dataDir, { compromisedSince });
      expect(answer).toMatchObject({ status: 400, body: { error: code } });
      expect(site.kid()).toBe(old);
      const entry = await world.assistant(site.companyId).client.getCompany(site.companyId);
      expect(entry.keys).toEqual([expect.objectContaining({ kid: old, retiredAt: null })]);
    },
  );

  it.each([
    [
      400,
      'ERR_JWS_INVALID',
      /^The clearinghouse refused \(400\): .*a refusal that lasts is not finished later/,
    ],
    [
      503,
      'ERR_STORAGE_UNAVAILABLE',
      /^The clearinghouse failed \(503\): .*the site finishes it on its next round/,
    ],
  ])(
    'tells the operator whether the site finishes later what the clearinghouse answered %i',
    async (status, code, detail) => {
      // The clearinghouse answers the key change (the new key's `add`) with this problem.
      const { site, dataDir } = await started({
        fetch: (url, init) =>
          new URL(String(url)).pathname === '/api/v1/companies/me/keys'
            ? Promise.resolve(
                new Response(JSON.stringify({ code, title: 'Not now.' }), {
                  status,
                  headers: { 'content-type': 'application/problem+json' },
                }),
              )
            : fetch(url, init),
      });
      const old = site.kid();
      const answer = await post(dataDir, {});
      // Failed before: a lasting refusal (4xx) was also said to be finished on the next round.
      expect(answer).toMatchObject({
        status: 502,
        body: { error: code, detail: expect.stringMatching(detail) },
      });
      expect(site.kid()).toBe(old);
    },
  );

  it('tells the operator in one sentence when the time is in the future or the site is not running', async () => {
    const { site, dataDir } = await started();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const refused = await cli(dataDir, 'replace-key', '--compromised-since', future);
    expect(refused).toMatchObject({ code: 1, out: '' });
    expect(refused.err).toMatch(
      /^The site did not replace its key: compromisedSince .* lies in the future .*\(ERR_ADMIN_TIME_IN_FUTURE\)$/,
    );
    const malformed = await cli(dataDir, 'replace-key', '--compromised-since', '1.12.2026');
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('"1.12.2026" is no ISO 8601 time with its zone');
    await site.stop();
    const stopped = await cli(dataDir, 'replace-key');
    expect(stopped.code).toBe(1);
    expect(stopped.err).toContain(`There is no ${join(dataDir, 'admin.json')}`);
  });
});
