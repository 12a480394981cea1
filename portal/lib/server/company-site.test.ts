/**
 * The reference company site (test/company-site) against an in-process clearinghouse served over
 * real HTTP (company-site-test-kit.ts): registration and domain proof succeed, a grant request is
 * created and linked from the shop page, and a revocation posted by a test Assistant is
 * acknowledged by the site within a bounded number of feed polls, or at once when the signed
 * webhook arrives; a suspended company keeps reading its feed. Its files are flushed to the disk
 * (the file system calls are traced), a new customer as one journal line of its store, and what
 * it could not store it does not keep in memory; a `state.json` it cannot read stops its start.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CompanySite } from '../../../test/company-site/site';
import { openSiteWorld, type SiteWorld } from './company-site-test-kit';

/** The file system calls that make a write durable, recorded while `recording` is set. */
const durability = vi.hoisted(() => ({
  recording: false,
  calls: [] as string[],
  paths: new Map<number, string>(),
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const traced = {
    openSync: (...args: Parameters<typeof fs.openSync>) => {
      const fd = fs.openSync(...args);
      durability.paths.set(fd, String(args[0]));
      return fd;
    },
    fsyncSync: (fd: number) => {
      if (durability.recording) durability.calls.push(`fsync ${durability.paths.get(fd)}`);
      fs.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      if (durability.recording) durability.calls.push(`rename ${from} ${to}`);
      fs.renameSync(from, to);
    },
  };
  return { ...fs, ...traced, default: { ...fs, ...traced } };
});

/**
 * The shop page's own script (the one that is not connect.js), run against a stand-in document:
 * returns what the page shows for the `clearinghouse-connect` event with `detail`.
 */
function outcomeShown(page: string): (detail: object) => string | undefined {
  const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1];
  if (script === undefined) throw new Error('the shop page has no script of its own');
  let listener: ((event: { detail: object }) => void) | undefined;
  const elements = new Map<string, { textContent?: string; hidden?: boolean; dataset: object }>();
  const document = {
    addEventListener(type: string, handler: typeof listener) {
      if (type === 'clearinghouse-connect') listener = handler;
    },
    getElementById(id: string) {
      if (!elements.has(id)) elements.set(id, { dataset: {} });
      return elements.get(id);
    },
  };
  runInNewContext(script, { document });
  return (detail) => {
    listener?.({ detail });
    return elements.get('connect-outcome')?.textContent;
  };
}

/** Waits until `done()` holds, at most five seconds. */
async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('the reference company site', () => {
  let world: SiteWorld;
  let site: CompanySite;
  let dataDir: string;

  beforeAll(async () => {
    world = await openSiteWorld();
    dataDir = world.dataDir();
    site = await world.startSite({ dataDir });
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Grants the site's open request as a new test Assistant and revokes it again. */
  async function grantAndRevoke(on = site) {
    const pseudonym = world.assistant(on.companyId);
    await world.grant(on, pseudonym);
    const revocation = await world.revoke(on, pseudonym);
    return { revocation, pseudonym };
  }

  it('registers, proves its domain over HTTP and creates a grant request', async () => {
    await site.ready();
    expect(site.status()).toBe('active');
    expect(site.requestLink()).toMatch(
      new RegExp(`^${world.origin}/api/v1/grant-requests/[A-Za-z0-9_-]{43}$`),
    );
    expect(world.lines.some((line) => line.includes('domain proven'))).toBe(true);
    const proof = (await (
      await fetch(`${site.origin}/.well-known/consent-clearinghouse.json`)
    ).json()) as {
      keys: string[];
    };
    expect(proof.keys).toEqual([site.companyId.slice(3)]);
  });

  it('links the grant request from its shop page, in German and English', async () => {
    const de = await (
      await fetch(`${site.origin}/`, { headers: { 'accept-language': 'de-DE' } })
    ).text();
    const en = await (await fetch(`${site.origin}/?lang=en`)).text();
    expect(de).toContain('Mit Ihrem Assistenten verbinden');
    expect(de).toContain(`href="${site.requestLink()!}"`);
    expect(en).toContain('Connect with your Assistant');
    expect(en).toContain('<html lang="en">');
  });

  it("shows another company's own shop texts and asks with its own reason", async () => {
    // Failed before: the demo's second company (radios) showed Laufhaus' running shoes and asked
    // for consent with Laufhaus' reason.
    const radios = await world.startSite({
      legalName: 'Funkhaus Beispiel AG',
      brands: ['Funkhaus'],
      shop: {
        de: {
          title: 'Funkhaus – Radios',
          lead: 'Neu: Welle 7.',
          product: 'Welle 7, 89 €',
          connectHelp: 'Sie entscheiden.',
        },
        en: {
          title: 'Funkhaus – radios',
          lead: 'New: Welle 7.',
          product: 'Welle 7, €89',
          connectHelp: 'You decide.',
        },
      },
      requestReason: { de: 'Neuigkeiten zu Radios.', en: 'News about radios.' },
    });
    await radios.ready();
    const de = await (
      await fetch(`${radios.origin}/`, { headers: { 'accept-language': 'de' } })
    ).text();
    const en = await (await fetch(`${radios.origin}/?lang=en`)).text();
    expect(de).toContain('<h1>Funkhaus – Radios</h1>');
    expect(de).toContain('Welle 7, 89 €');
    expect(de).not.toContain('Laufschuh');
    expect(de).toContain('Mit Ihrem Assistenten verbinden');
    expect(en).toContain('<title>Funkhaus – radios</title>');
    expect(en).not.toContain('running shoes');
    const request = await world
      .assistant(radios.companyId)
      .client.getGrantRequest(radios.requestLink()!.split('/').pop()!);
    const payload = JSON.parse(
      Buffer.from(request.jws.split('.')[1]!, 'base64url').toString('utf8'),
    ) as { reason: { de: string; en: string } };
    expect(payload.reason).toEqual({ de: 'Neuigkeiten zu Radios.', en: 'News about radios.' });
    await radios.stop();
  });

  it('links where to get an Assistant when none answers, as its sentence says, in German and English', async () => {
    // Failed before: "The link lets you install one." with no such link (the button still
    // pointed to the grant request).
    const install = `<a href="${world.origin}/#install">`;
    for (const [query, sentence, link] of [
      [
        '',
        'Kein Assistent gefunden. Wie Sie ihn installieren, erklärt die Clearingstelle:',
        'So installieren Sie den Assistenten',
      ],
      [
        '?lang=en',
        'No Assistant found. The clearinghouse explains how to install one:',
        'How to install the Assistant',
      ],
    ]) {
      const page = await (
        await fetch(`${site.origin}/${query}`, { headers: { 'accept-language': 'de-DE' } })
      ).text();
      expect(page).toContain(`<p id="connect-install" hidden>${install}${link}</a></p>`);
      expect(page).toContain(JSON.stringify(sentence));
      expect(page).toContain("getElementById('connect-install').hidden");
    }
  });

  it('names why the Assistant did not take the request, for each code a page can get, in German and English', async () => {
    // Failed before: every code but ERR_ASSISTANT_SILENT said "did not accept", also
    // ERR_BRIDGE_BUSY for a request merely open in another tab of the shop.
    await site.ready();
    const general = {
      de: 'Ihr Assistent hat die Anfrage nicht angenommen.',
      en: 'Your Assistant did not accept the request.',
    };
    const busy = {
      de: 'Eine Anfrage von uns ist in Ihrem Assistenten schon offen, vielleicht aus einem anderen Tab. Bitte schließen Sie zuerst diese ab und versuchen Sie es dann erneut.',
      en: 'A request from us is already open in your Assistant, perhaps from another tab. Please finish that one first, then try again.',
    };
    const silent = {
      de: 'Ihr Assistent antwortet nicht mehr, daher wissen wir nicht, ob Ihre Antwort angekommen ist. Bitte laden Sie diese Seite neu und versuchen Sie es erneut.',
      en: 'Your Assistant stopped answering, so we do not know whether your answer reached us. Please reload this page and try again.',
    };
    // The codes of docs/company-integration.md "Connect from your page", and the Assistant's own.
    const named = [
      'ERR_BRIDGE_ORIGIN_MISMATCH',
      'ERR_COMPANY_NOT_ACTIVE',
      'ERR_COMPANY_DOMAIN_UNVERIFIED',
      'ERR_PURPOSE_NOT_DECLARED',
      'ERR_RATE_LIMITED',
      'ERR_GRANT_REQUEST_UNKNOWN',
      'ERR_GRANT_REQUEST_VOIDED',
      'ERR_VAULT_ABSENT',
      'ERR_CLEARINGHOUSE_UNREACHABLE',
    ];
    for (const locale of ['de', 'en'] as const) {
      const page = await (await fetch(`${site.origin}/?lang=${locale}`)).text();
      const shown = outcomeShown(page);
      expect(shown({ outcome: 'error', code: 'ERR_BRIDGE_BUSY' })).toBe(busy[locale]);
      expect(shown({ outcome: 'error', code: 'ERR_ASSISTANT_SILENT' })).toBe(silent[locale]);
      const sentences = named.map((code) => shown({ outcome: 'error', code }));
      for (const sentence of sentences) {
        expect(sentence).toMatch(/\S/);
        expect([general[locale], busy[locale], silent[locale]]).not.toContain(sentence);
      }
      // The company's own faults share one sentence, and so do an unknown and a voided request.
      expect(new Set(sentences).size).toBe(named.length - 3);
      // A code the page does not know (a newer Assistant's), or a member every object has.
      for (const code of ['ERR_SOMETHING_NEW', 'constructor', undefined])
        expect(shown({ outcome: 'error', code })).toBe(general[locale]);
      // The other outcomes keep their sentences.
      expect(shown({ outcome: 'refused' })).toBe(
        locale === 'de'
          ? 'Verstanden – danke für Ihre Antwort. Wir fragen erst wieder, wenn Ihr Assistent es zulässt.'
          : 'Understood – thank you for your answer. We ask again only when your Assistant lets us.',
      );
    }
  });

  it("acknowledges a test Assistant's revocation within three feed polls", async () => {
    const { revocation, pseudonym } = await grantAndRevoke();
    for (let poll = 0; poll < 3 && !site.acknowledged.includes(revocation); poll++)
      await site.pollOnce();
    expect(site.acknowledged).toContain(revocation);
    expect(site.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['grant', 'revocation']));
    // The clearinghouse agrees: the Assistant sees its revocation acknowledged.
    const relationships = await pseudonym.client.relationships(pseudonym);
    expect(relationships.revocations).toEqual([
      expect.objectContaining({ sha256: revocation, acknowledged: true }),
    ]);
  });

  it('acknowledges at once when the signed webhook arrives, without a poll of its own', async () => {
    const { revocation } = await grantAndRevoke();
    await world.worker.tick(); // queues and sends the feed events to the site's /webhook
    await eventually(() => site.acknowledged.includes(revocation));
    expect(site.acknowledged).toContain(revocation);
  });

  it('reads its feed once more when asked during a read that already fetched its page', async () => {
    // What a webhook does (it calls pollOnce) while the timer's read is under way.
    let during: (() => Promise<void>) | undefined;
    const racing = await world.startSite({
      webhook: false,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        const hook = during;
        if (hook !== undefined && String(url).includes('/companies/me/events')) {
          during = undefined;
          await hook();
        }
        return response;
      },
    });
    await racing.ready();
    const pseudonym = world.assistant(racing.companyId);
    await world.grant(racing, pseudonym);
    await racing.pollOnce();
    let revocation = '';
    let asked: Promise<number> | undefined;
    during = async () => {
      revocation = await world.revoke(racing, pseudonym);
      asked = racing.pollOnce();
    };
    await racing.pollOnce(); // its page was fetched before the revocation was stored
    expect(asked).toBeDefined();
    expect(await asked).toBe(1);
    expect(racing.acknowledged).toEqual([revocation]);
  });

  it('keeps its key, grant request and feed cursor across a restart', async () => {
    const before = {
      companyId: site.companyId,
      link: site.requestLink(),
      seen: site.events.length,
    };
    await site.stop();
    world.lines.length = 0;
    site = await world.startSite({ dataDir });
    await site.ready();
    expect(site.companyId).toBe(before.companyId);
    expect(site.requestLink()).toBe(before.link);
    // already active: no new registration
    expect(world.lines.some((line) => line.startsWith('registered'))).toBe(false);
    expect(await site.pollOnce()).toBe(0); // everything before the restart was handled
    expect(before.seen).toBeGreaterThan(0);
  });

  it('flushes its key and each file it replaces to the disk, before and after the rename', async () => {
    const dir = world.dataDir();
    durability.calls.length = 0;
    durability.recording = true;
    try {
      await (await world.startSite({ dataDir: dir })).ready();
    } finally {
      durability.recording = false;
    }
    const key = join(dir, 'company-key.json');
    const state = join(dir, 'state.json');
    const calls = durability.calls;
    expect(calls.slice(calls.indexOf(`fsync ${key}`), calls.indexOf(`fsync ${key}`) + 2)).toEqual([
      `fsync ${key}`,
      `fsync ${dir}`,
    ]);
    const rename = calls.indexOf(`rename ${state}.tmp ${state}`);
    expect(calls.slice(rename - 1, rename + 2)).toEqual([
      `fsync ${state}.tmp`,
      `rename ${state}.tmp ${state}`,
      `fsync ${dir}`,
    ]);
  });

  it('flushes a customer to its journal, without rewriting the customers it holds', async () => {
    const dir = world.dataDir();
    const own = await world.startSite({ dataDir: dir });
    await own.ready();
    const pseudonym = world.assistant(own.companyId);
    await world.grant(own, pseudonym);
    durability.calls.length = 0;
    durability.recording = true;
    try {
      await own.pollOnce();
    } finally {
      durability.recording = false;
    }
    expect(own.relay.customers.has(pseudonym.id)).toBe(true);
    expect(durability.calls).toContain(`fsync ${join(dir, 'journal.jsonl')}`);
    expect(durability.calls.filter((call) => call.includes('customers.json'))).toEqual([]);
  });

  it('keeps no grant request in memory that it could not store', async () => {
    const dir = world.dataDir();
    const blocker = join(dir, 'state.json.tmp');
    mkdirSync(blocker); // the state cannot be written, as on a full disk
    const own = await world.startSite({ dataDir: dir });
    try {
      await expect(own.ready()).rejects.toThrow();
      expect(own.requestLink()).toBeUndefined();
    } finally {
      rmdirSync(blocker);
    }
    await own.ready();
    const stored = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      requestLink: string;
    };
    expect(own.requestLink()).toBe(stored.requestLink);
  });

  it('refuses to start on a state.json it cannot read, and starts on a missing one', async () => {
    const dir = world.dataDir();
    const first = await world.startSite({ dataDir: dir, webhook: false });
    await first.ready();
    const pseudonym = world.assistant(first.companyId);
    await world.grant(first, pseudonym);
    await first.pollOnce();
    const link = first.requestLink();
    const port = Number(new URL(first.origin).port);
    await first.stop();
    const path = join(dir, 'state.json');
    const kept = readFileSync(path, 'utf8');
    const start = () => world.startSite({ dataDir: dir, port, webhook: false });
    // Failed before: each started with an empty state, read its feed again from the start and
    // made a new grant request, without a word.
    writeFileSync(path, kept.slice(0, kept.length >> 1));
    await expect(start()).rejects.toMatchObject({
      code: 'ERR_STATE_FILE_INVALID',
      message: `${path} is not JSON.`,
    });
    writeFileSync(path, JSON.stringify({ cursor: 7 }));
    await expect(start()).rejects.toMatchObject({
      code: 'ERR_STATE_FILE_INVALID',
      message: `${path} is not a state file of this site: its cursor is no decimal string.`,
    });
    writeFileSync(path, JSON.stringify({ cursor: '7', redisclose: [{ kid: 1 }] }));
    await expect(start()).rejects.toThrow(/its redisclose is no list of \{kid, since\}/);
    rmSync(path);
    mkdirSync(path); // a file that cannot be read (EISDIR), as one without permission
    try {
      await expect(start()).rejects.toMatchObject({
        code: 'ERR_STATE_FILE_INVALID',
        message: expect.stringMatching(new RegExp(`^${path} cannot be read: .*EISDIR`)),
      });
    } finally {
      rmdirSync(path);
    }
    writeFileSync(path, kept);
    const again = await start();
    await again.ready();
    expect(again.requestLink()).toBe(link);
    expect(await again.pollOnce()).toBe(0); // its cursor kept: nothing read again
    await again.stop();
    // A missing file: a site that has read nothing yet (its feed read from the start).
    rmSync(path);
    const fresh = await start();
    await fresh.ready();
    expect(await fresh.pollOnce()).toBeGreaterThan(0);
  });

  it('keeps reading its feed on its timer when restarted while its company is suspended', async () => {
    const companyDir = world.dataDir();
    const first = await world.startSite({ dataDir: companyDir, webhook: false });
    await first.ready();
    const pseudonym = world.assistant(first.companyId);
    await world.grant(first, pseudonym);
    await first.pollOnce();
    await first.stop();
    await world.setStatus(first.companyId, 'suspended');
    world.lines.length = 0;
    const suspended = await world.startSite({
      dataDir: companyDir,
      webhook: false,
      pollIntervalMs: 20,
    });
    // The revocation, the one duty here, arrives only through the timer's reads.
    const revocation = await world.revoke(suspended, pseudonym);
    await eventually(() => suspended.acknowledged.includes(revocation));
    expect(suspended.acknowledged).toContain(revocation);
    expect(suspended.status()).toBe('suspended');
    await expect(suspended.ready()).resolves.toBeUndefined();
    // Not registered again (the clearinghouse would refuse: ERR_COMPANY_NOT_ACTIVE).
    expect(world.lines.filter((line) => /^registered|not ready|round failed/.test(line))).toEqual(
      [],
    );
  });

  it.each(['/demo/offer', '/demo/reward', '/demo/access'])(
    'answers a body of %s that is no JSON or names no pseudonym with 400, an unknown customer with 404',
    async (path) => {
      const post = async (body: string) => {
        const response = await fetch(`${site.origin}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        return { status: response.status, ...((await response.json()) as { error: string }) };
      };
      // Failed before: each was 404 "no such customer".
      for (const body of ['{bad', '']) {
        expect(await post(body)).toEqual({
          status: 400,
          error: expect.stringMatching(/not valid JSON/),
        });
      }
      for (const body of ['[]', 'null', '{}', '{"pseudonym": 7}']) {
        expect(await post(body)).toEqual({
          status: 400,
          error: expect.stringMatching(/lacks "pseudonym"/),
        });
      }
      expect(await post(JSON.stringify({ pseudonym: 'x'.repeat(5000) }))).toEqual({
        status: 413,
        error: expect.stringMatching(/larger than 4096 bytes/),
      });
      expect(await post('{"pseudonym": "ps_nobody"}')).toEqual({
        status: 404,
        error: 'no such customer',
      });
    },
  );

  it('refuses a webhook that is not signed by the clearinghouse', async () => {
    const response = await fetch(`${site.origin}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'clearinghouse-signature': 'eyJhbGciOiJFZERTQSJ9..' + 'A'.repeat(86),
      },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });
});
