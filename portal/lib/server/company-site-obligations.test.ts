/**
 * The reference company site's obligations (test/company-site/obligations.ts) against an
 * in-process clearinghouse over real HTTP (company-site-test-kit.ts): it discloses what it holds
 * when a customer grants, answers an access request with a disclosure whose sealed export only the
 * customer can open, answers an erasure request by erasing the customer's data in its store, and
 * reports access; answers survive a failed attempt and a restart unchanged, a retried answer's
 * disclosure is logged once, and a request's kept answer goes once the feed is read past it.
 * When the site replaces its key and declares the old one compromised, it answers again, with
 * the new key, the requests whose answers the compromise reopened: also when the clearinghouse
 * was out of reach half-way and the site restarted, and never twice. It then sends a fresh
 * disclosure to each customer whose newest one the compromise voided (none to those disclosed
 * before the time declared or with the new key), finishing after a failure and a restart without
 * sending one twice. It acknowledges again, with the new key, each revocation whose
 * acknowledgement the compromise voided (on SQLite and PostgreSQL), also after a failure and a
 * restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relationships } from '$protocol/client';
import { base64urlDecode } from '$protocol/encoding';
import type { Payload } from '$protocol/messages';
import { openSealed } from '$protocol/seal';
import type { CompanySite } from '../../../test/company-site/site';
import { readSiteStore } from '../../../test/company-site/store';
import {
  openSiteWorld,
  payloadOf,
  type GrantChoice,
  type SiteWorld,
  type TestAssistant,
} from './company-site-test-kit';
import { testDialects } from './db/test-databases';

/**
 * A `fetch` whose requests to `path` arrive, but after `loseAfter(n)` the answer of the request
 * after the next `n` is lost (503, as if the connection dropped after the clearinghouse stored it).
 */
function answerLost(path: string): {
  fetch: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
  loseAfter: (n: number) => void;
} {
  let left: number | undefined;
  return {
    loseAfter: (n) => (left = n),
    async fetch(url, init) {
      const response = await fetch(url, init);
      if (new URL(String(url)).pathname === path && left !== undefined && left-- === 0) {
        left = undefined;
        return new Response('{"code":"ERR_STORAGE_UNAVAILABLE","title":"Try again."}', {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        });
      }
      return response;
    },
  };
}

/** What the site's `state.json` in `dataDir` holds now. */
function stateOf(dataDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as Record<string, unknown>;
}

describe("the reference company site's obligations", () => {
  let world: SiteWorld;
  let site: CompanySite;
  let dataDir: string;
  /** How many of the next data-request answers the clearinghouse fails (503). */
  let failAnswers = 0;
  /** How many of the next disclosures are lost on the way (503, never arrived). */
  let loseDisclosures = 0;

  beforeAll(async () => {
    world = await openSiteWorld();
    dataDir = world.dataDir();
    site = await world.startSite({ dataDir, fetch: failingAnswers });
  });

  afterAll(async () => {
    await world?.close();
  });

  function failingAnswers(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const path = new URL(String(url)).pathname;
    const lost =
      (failAnswers > 0 && path === '/api/v1/data-request-answers') ||
      (loseDisclosures > 0 && path === '/api/v1/disclosures');
    if (lost) {
      if (path === '/api/v1/disclosures') loseDisclosures--;
      else failAnswers--;
      return Promise.resolve(
        new Response('{"code":"ERR_STORAGE_UNAVAILABLE","title":"Try again."}', {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        }),
      );
    }
    return fetch(url, init);
  }

  /** Stops the site and starts it again on the same port (its registered domain and webhook). */
  async function restart(now?: () => number): Promise<void> {
    const port = Number(new URL(site.origin).port);
    await site.stop();
    site = await world.startSite({
      dataDir,
      port,
      fetch: failingAnswers,
      ...(now === undefined ? {} : { now }),
    });
    await site.ready();
  }

  /** Grants the site's open request as a new test Assistant (the site has read its feed). */
  async function granted(choice?: GrantChoice): Promise<TestAssistant> {
    const pseudonym = world.assistant(site.companyId);
    await world.grant(site, pseudonym, choice);
    await site.pollOnce();
    return pseudonym;
  }

  async function ask(
    pseudonym: TestAssistant,
    type: 'access' | 'erasure',
    dataCategories?: string[],
  ): Promise<string> {
    const sha256 = await world.ask(site, pseudonym, type, dataCategories);
    await site.pollOnce();
    return sha256;
  }

  function answerTo(view: Relationships, request: string) {
    const answer = view.dataRequests!.find((r) => r.sha256 === request)!.answer;
    return answer === null
      ? null
      : payloadOf<{ outcome: string; disclosureSha256?: string; dataCategories?: string[] }>(
          answer.jws,
        );
  }

  /** The answers the site keeps for data requests (store.ts), by request (what a restart reads). */
  function keptAnswers(): Record<string, unknown> {
    return Object.fromEntries(readSiteStore(dataDir).answers);
  }

  function demoAccess(pseudonym: string): Promise<Response> {
    return fetch(`${site.origin}/demo/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pseudonym }),
    });
  }

  it('discloses what it holds when a customer grants', async () => {
    await site.ready();
    const pseudonym = await granted();
    const view = await pseudonym.client.relationships(pseudonym);
    expect(view.disclosures).toEqual([expect.objectContaining({ current: true })]);
    const disclosure = payloadOf<Payload<'disclosure'>>(view.disclosures![0]!.jws);
    expect(disclosure.holdings).toEqual([
      expect.objectContaining({ dataCategory: 'preferences_habits', retentionDays: 365 }),
    ]);
  });

  it('discloses the retention the grant gave, however short', async () => {
    const pseudonym = await granted({ retentionDays: 30 });
    const view = await pseudonym.client.relationships(pseudonym);
    const disclosure = payloadOf<Payload<'disclosure'>>(view.disclosures![0]!.jws);
    expect(disclosure.holdings).toEqual([
      expect.objectContaining({ dataCategory: 'preferences_habits', retentionDays: 30 }),
    ]);
  });

  it('answers an access request with a disclosure only the customer can open', async () => {
    const pseudonym = await granted();
    site.relay.customers.get(pseudonym.id)!.data.address = 'Heidestraße 17, 51147 Köln';
    const request = await ask(pseudonym, 'access');
    const view = await pseudonym.client.relationships(pseudonym);
    const answer = answerTo(view, request);
    expect(answer?.outcome).toBe('disclosure');
    const disclosure = view.disclosures!.find((d) => d.sha256 === answer!.disclosureSha256)!;
    expect(disclosure.current).toBe(true);
    const payload = payloadOf<Payload<'disclosure'>>(disclosure.jws);
    const exported = JSON.parse(
      new TextDecoder().decode(openSealed(base64urlDecode(payload.export!), pseudonym.keyPair)),
    ) as { data: Record<string, string> };
    expect(exported.data).toEqual({ address: 'Heidestraße 17, 51147 Köln' });
    // The clearinghouse holds only ciphertext: the address is nowhere in the stored message.
    expect(disclosure.jws).not.toContain('Heidestra');
  });

  it("answers an erasure request by erasing the customer's data in its store, and on its disk", async () => {
    const pseudonym = await granted();
    const customer = site.relay.customers.get(pseudonym.id)!;
    // Stored as a correction stores it: a line in the store's journal.
    site.store.putCustomer({ ...customer, data: { address: 'Löschweg 9, 50667 Köln' } });
    const request = await ask(pseudonym, 'erasure');
    expect(site.relay.customers.get(pseudonym.id)!.data).toEqual({});
    expect(readSiteStore(dataDir).customers.get(pseudonym.id)?.data).toEqual({});
    // Failed before: the erased address stayed in journal.jsonl until a compaction, months away.
    for (const file of readdirSync(dataDir))
      expect(`${file}: ${readFileSync(join(dataDir, file), 'utf8')}`).not.toContain('Löschweg');
    const view = await pseudonym.client.relationships(pseudonym);
    // Everything the site disclosed it held: the stored address and the grant's category.
    expect(answerTo(view, request)).toMatchObject({
      outcome: 'erased',
      dataCategories: ['address', 'preferences_habits'],
    });
    expect(site.obligations.done.filter((d) => d.kind === 'answer').at(-1)).toMatchObject({
      pseudonym: pseudonym.id,
      outcome: 'erased',
    });
  });

  it('decides again an erasure an earlier version kept for fewer categories than asked', async () => {
    const pseudonym = await granted();
    const request = await world.ask(site, pseudonym, 'erasure', ['address', 'preferences_habits']);
    // As an earlier version kept it before sending: the held category only.
    site.store.putAnswer(request, {
      outcome: 'erased',
      dataCategories: ['preferences_habits'],
      cursor: '0',
    });
    await site.pollOnce();
    const view = await pseudonym.client.relationships(pseudonym);
    // Failed before: sent as kept, refused by the clearinghouse, and the request stayed open.
    expect(answerTo(view, request)).toMatchObject({
      outcome: 'erased',
      dataCategories: ['address', 'preferences_habits'],
    });
  });

  it('answers an erasure limited to categories for each of them, held or not', async () => {
    const pseudonym = await granted();
    // It holds preferences_habits (the grant's category), no address.
    const request = await ask(pseudonym, 'erasure', ['address', 'preferences_habits']);
    const view = await pseudonym.client.relationships(pseudonym);
    // Failed before: answered for preferences_habits alone, which the clearinghouse refuses
    // (silent on address), so the request stayed open and became overdue.
    expect(answerTo(view, request)).toMatchObject({
      outcome: 'erased',
      dataCategories: ['address', 'preferences_habits'],
    });
  });

  it('erases what its disclosure listed though it stored no value, and no longer discloses it', async () => {
    const pseudonym = await granted();
    const erasure = await ask(pseudonym, 'erasure');
    let view = await pseudonym.client.relationships(pseudonym);
    // Failed before: refused with "We hold no data about you" beside a disclosure listing
    // preferences_habits, and the next access request disclosed it again.
    expect(answerTo(view, erasure)).toMatchObject({
      outcome: 'erased',
      dataCategories: ['preferences_habits'],
    });
    const access = await ask(pseudonym, 'access');
    view = await pseudonym.client.relationships(pseudonym);
    expect(answerTo(view, access)).toMatchObject({ outcome: 'refused' });
    // Also after a restart (failed before: the store did not read `erased` back).
    await restart();
    expect(site.store.customers.get(pseudonym.id)?.erased).toEqual(['preferences_habits']);
    const again = await ask(pseudonym, 'access');
    view = await pseudonym.client.relationships(pseudonym);
    expect(answerTo(view, again)).toMatchObject({ outcome: 'refused' });
  });

  it('confirms the same erasure after its answer failed and the site restarted', async () => {
    const pseudonym = await granted();
    site.relay.customers.get(pseudonym.id)!.data.address = 'Heidestraße 17, 51147 Köln';
    failAnswers = 1;
    const request = await world.ask(site, pseudonym, 'erasure');
    await expect(site.pollOnce()).rejects.toThrow();
    expect(site.relay.customers.get(pseudonym.id)!.data).toEqual({}); // erased already
    await restart();
    await site.pollOnce();
    const view = await pseudonym.client.relationships(pseudonym);
    expect(answerTo(view, request)).toMatchObject({
      outcome: 'erased',
      dataCategories: ['address', 'preferences_habits'],
    });
  });

  it('resends the same disclosure when an access answer failed and the site restarted', async () => {
    const pseudonym = await granted();
    const before = (await pseudonym.client.relationships(pseudonym)).disclosures!.length;
    failAnswers = 1;
    const request = await world.ask(site, pseudonym, 'access');
    await expect(site.pollOnce()).rejects.toThrow();
    await restart();
    await site.pollOnce();
    const view = await pseudonym.client.relationships(pseudonym);
    expect(view.disclosures!.length - before).toBe(1);
    const answer = answerTo(view, request);
    expect(answer?.outcome).toBe('disclosure');
    expect(view.disclosures!.at(-1)!.sha256).toBe(answer!.disclosureSha256);
  });

  it('logs the disclosure of an access answer once when the answer is sent again', async () => {
    const pseudonym = await granted();
    failAnswers = 1;
    const request = await world.ask(site, pseudonym, 'access');
    await expect(site.pollOnce()).rejects.toThrow();
    await site.pollOnce(); // the disclosure resent (the clearinghouse had it), then the answer
    const view = await pseudonym.client.relationships(pseudonym);
    const disclosureSha256 = answerTo(view, request)!.disclosureSha256!;
    expect(world.lines.filter((line) => line.includes(disclosureSha256))).toEqual([
      `disclosed to ${pseudonym.id}: ${disclosureSha256}`,
    ]);
    expect(site.obligations.done.filter((d) => d.sha256 === disclosureSha256)).toHaveLength(1);
  });

  it('keeps a data request’s answer only until it is answered and the feed read past it', async () => {
    const pseudonym = await granted();
    failAnswers = 1;
    const request = await world.ask(site, pseudonym, 'access');
    await expect(site.pollOnce()).rejects.toThrow();
    expect(keptAnswers()[request]).toMatchObject({
      outcome: 'disclosure',
      disclosureToken: expect.any(String),
    });
    await site.pollOnce();
    expect(keptAnswers()).not.toHaveProperty(request);
  });

  it('replaces a kept disclosure that expired before it ever arrived', async () => {
    const pseudonym = await granted();
    const before = (await pseudonym.client.relationships(pseudonym)).disclosures!.length;
    loseDisclosures = 1;
    const request = await world.ask(site, pseudonym, 'access');
    await expect(site.pollOnce()).rejects.toThrow();
    // Ten minutes on, for both clocks: the kept token is past its exp and was never stored.
    world.aheadMs = 600_000;
    try {
      await restart(() => Date.now() + 600_000);
      await site.pollOnce();
    } finally {
      world.aheadMs = 0;
      await restart();
    }
    const view = await pseudonym.client.relationships(pseudonym);
    expect(view.disclosures!.length - before).toBe(1);
    const answer = answerTo(view, request);
    expect(answer?.outcome).toBe('disclosure');
    expect(view.disclosures!.at(-1)!.sha256).toBe(answer!.disclosureSha256);
  });

  it('answers an access request after a restart with what the grant gave', async () => {
    const pseudonym = await granted();
    await restart();
    const request = await ask(pseudonym, 'access');
    const view = await pseudonym.client.relationships(pseudonym);
    const answer = answerTo(view, request);
    expect(answer?.outcome).toBe('disclosure');
    const disclosure = view.disclosures!.find((d) => d.sha256 === answer!.disclosureSha256)!;
    expect(payloadOf<Payload<'disclosure'>>(disclosure.jws).holdings).toEqual([
      expect.objectContaining({ dataCategory: 'preferences_habits', purposes: ['product_launch'] }),
    ]);
    const access = await demoAccess(pseudonym.id);
    expect(access.status).toBe(201);
    expect(await access.json()).toEqual({ accepted: 1, outOfScope: 0 });
  });

  it('answers a data request at once when the signed webhook announces it', async () => {
    const pseudonym = await granted();
    const sha256 = await world.ask(site, pseudonym, 'erasure', ['address']);
    await world.worker.tick(); // queues and sends the feed events, this data request among them
    const deadline = Date.now() + 5_000;
    const answered = () =>
      site.events.some((e) => e.kind === 'data-request' && e.sha256 === sha256) &&
      site.obligations.done.some((d) => d.kind === 'answer' && d.pseudonym === pseudonym.id);
    while (!answered() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered()).toBe(true);
  });

  it('reports an access under the grant through its demo endpoint', async () => {
    const pseudonym = await granted();
    const response = await demoAccess(pseudonym.id);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ accepted: 1, outOfScope: 0 });
    expect((await demoAccess('ps_nobody')).status).toBe(404);
  });

  describe('after it declared its key compromised', () => {
    /** The `kid` of a compact JWS's header. */
    function kidOf(jws: string): unknown {
      const header = new TextDecoder().decode(base64urlDecode(jws.split('.')[0]!));
      return (JSON.parse(header) as { kid?: unknown }).kid;
    }

    /** A site of its own with a customer who asked, and the answer it gave. */
    async function answered(
      type: 'access' | 'erasure',
      options: Parameters<SiteWorld['startSite']>[0] = {},
    ) {
      const own = await world.startSite({ webhook: false, ...options });
      await own.ready();
      const pseudonym = world.assistant(own.companyId);
      await world.grant(own, pseudonym);
      await own.pollOnce();
      const request = await world.ask(own, pseudonym, type);
      await own.pollOnce();
      const view = await pseudonym.client.relationships(pseudonym);
      const answer = view.dataRequests!.find((r) => r.sha256 === request)!.answer!;
      return { own, pseudonym, request, answer, kid: own.kid() };
    }

    /** The request's answer as the customer's Assistant sees it now, with the signing key. */
    async function answerNow(pseudonym: TestAssistant, request: string) {
      const view = await pseudonym.client.relationships(pseudonym);
      const answer = view.dataRequests!.find((r) => r.sha256 === request)!.answer;
      return answer === null ? null : { ...answer, kid: kidOf(answer.jws), view };
    }

    it('answers again, with its new key, an access request whose answer the compromise reopened', async () => {
      const { own, pseudonym, request, answer, kid } = await answered('access');
      const since = payloadOf<{ iat: number }>(answer.jws).iat;
      await expect(own.replaceKey({ compromisedSince: since + 3600 })).rejects.toMatchObject({
        code: 'ERR_KEY_REPLACEMENT_REFUSED', // a time in the future
      });
      expect(own.kid()).toBe(kid);
      const replaced = await own.replaceKey({ compromisedSince: since });
      expect(replaced).toMatchObject({ replacedKid: kid, compromisedSince: since });
      expect(own.kid()).not.toBe(kid);
      const again = await answerNow(pseudonym, request);
      // Failed before: the request stayed open (and turned overdue), the site never heard of it.
      expect(again).not.toBeNull();
      expect(again!.sha256).not.toBe(answer.sha256);
      expect(again!.kid).toBe(own.kid());
      const body = payloadOf<{ outcome: string; disclosureSha256: string }>(again!.jws);
      expect(body.outcome).toBe('disclosure');
      const disclosure = again!.view.disclosures!.find((d) => d.sha256 === body.disclosureSha256)!;
      expect(kidOf(disclosure.jws)).toBe(own.kid());
      expect(disclosure.current).toBe(true);
      const company = await pseudonym.client.getCompany(own.companyId);
      expect(company.trust.dataRequests).toMatchObject({ open: 0, overdue: 0 });
      expect(company.keys).toEqual([
        expect.objectContaining({ kid, compromisedSince: since }),
        expect.objectContaining({ kid: own.kid(), retiredAt: null, compromisedSince: null }),
      ]);
    });

    it('finishes the replacement and answers again after the clearinghouse was out of reach and it restarted', async () => {
      const dataDir = world.dataDir();
      let reachable = true;
      let keyChanges = 0;
      /** Reaches the clearinghouse until the new key was added, and nothing after. */
      const flaky = async (url: string | URL | Request, init?: RequestInit) => {
        if (!reachable) {
          const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          throw new TypeError('fetch failed', { cause });
        }
        const response = await fetch(url, init);
        if (new URL(String(url)).pathname === '/api/v1/companies/me/keys' && ++keyChanges === 1)
          reachable = false;
        return response;
      };
      const first = await answered('erasure', { dataDir, fetch: flaky });
      const since = payloadOf<{ iat: number }>(first.answer.jws).iat;
      await expect(first.own.replaceKey({ compromisedSince: since })).rejects.toMatchObject({
        code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
        message: expect.stringContaining('is out of reach (ECONNREFUSED)'),
      });
      const added = first.own.kid();
      expect(added).not.toBe(first.kid); // it signs from the add on
      await expect(first.own.pollOnce()).rejects.toThrow(/out of reach/);
      expect((await fetch(`${first.own.origin}/`)).status).toBe(200); // and serves on
      expect(await answerNow(first.pseudonym, first.request)).not.toBeNull(); // not declared yet

      const port = Number(new URL(first.own.origin).port);
      await first.own.stop();
      reachable = true;
      const own = await world.startSite({ dataDir, port, webhook: false, dataRequestSyncMs: 0 });
      await own.ready(); // declares the old key compromised
      expect(own.kid()).toBe(added);
      await own.pollOnce(); // the first read after a start lists the open requests
      const again = await answerNow(first.pseudonym, first.request);
      expect(again).toMatchObject({ kid: added });
      expect(payloadOf(again!.jws)).toMatchObject({
        outcome: 'erased',
        dataCategories: ['preferences_habits'],
      });
      // Listed again on each read now (dataRequestSyncMs: 0): answered once all the same.
      await own.pollOnce();
      await own.pollOnce();
      expect(own.obligations.done.filter((d) => d.kind === 'answer')).toEqual([
        expect.objectContaining({ pseudonym: first.pseudonym.id, outcome: 'erased' }),
      ]);
      expect(world.lines.filter((line) => line.includes('not answered again'))).toEqual([]);
      expect(readSiteStore(dataDir).answers.size).toBe(0);
    });

    /** A customer's disclosures as its Assistant sees them now: signing key and `current`. */
    async function disclosuresOf(pseudonym: TestAssistant) {
      const view = await pseudonym.client.relationships(pseudonym);
      return view.disclosures!.map((d) => ({ kid: kidOf(d.jws), current: d.current }));
    }

    /** A customer who granted `own`'s request, with the site's feed read. */
    async function customerOf(own: CompanySite): Promise<TestAssistant> {
      const pseudonym = world.assistant(own.companyId);
      await world.grant(own, pseudonym);
      await own.pollOnce();
      return pseudonym;
    }

    it('sends a fresh disclosure to each customer whose newest one the compromise voided, and to no other', async () => {
      let keyChanges = 0;
      let keysReachable = true;
      /** Reaches the clearinghouse's key route until the new key was added, then not while told. */
      const flaky = async (url: string | URL | Request, init?: RequestInit) => {
        if (new URL(String(url)).pathname === '/api/v1/companies/me/keys') {
          if (!keysReachable) {
            const cause = Object.assign(new Error('connect ECONNREFUSED'), {
              code: 'ECONNREFUSED',
            });
            throw new TypeError('fetch failed', { cause });
          }
          if (++keyChanges === 1) keysReachable = false;
        }
        return fetch(url, init);
      };
      const own = await world.startSite({ webhook: false, fetch: flaky });
      await own.ready();
      const old = own.kid();
      const before = await customerOf(own); // disclosed before the leak
      const since =
        payloadOf<{ iat: number }>((await before.client.relationships(before)).disclosures![0]!.jws)
          .iat + 1;
      while (Date.now() / 1000 < since) await new Promise((resolve) => setTimeout(resolve, 50));
      const after = await customerOf(own); // disclosed with the old key after the leak
      // The new key is added; declaring the old one compromised waits for the clearinghouse.
      await expect(own.replaceKey({ compromisedSince: since })).rejects.toMatchObject({
        code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      });
      const added = own.kid();
      expect(added).not.toBe(old);
      const meanwhile = await customerOf(own); // disclosed with the new key
      keysReachable = true;
      await own.replaceKey({ compromisedSince: since });
      // Failed before: the old key's disclosure stayed the newest, listed but never current.
      expect(await disclosuresOf(after)).toEqual([
        { kid: old, current: false },
        { kid: added, current: true },
      ]);
      expect(await disclosuresOf(before)).toEqual([{ kid: old, current: true }]);
      expect(await disclosuresOf(meanwhile)).toEqual([{ kid: added, current: true }]);
      // Not again on the reads that follow.
      await own.pollOnce();
      expect(await disclosuresOf(after)).toHaveLength(2);
      expect(own.obligations.done.filter((d) => d.pseudonym === after.id)).toHaveLength(2);
    });

    it('finishes sending the voided disclosures after a failure and a restart, sending none twice', async () => {
      const dataDir = world.dataDir();
      const lossy = answerLost('/api/v1/disclosures');
      const first = await world.startSite({ dataDir, webhook: false, fetch: lossy.fetch });
      await first.ready();
      const since = Math.floor(Date.now() / 1000);
      const old = first.kid();
      const customers = [await customerOf(first), await customerOf(first), await customerOf(first)];
      // The first goes; the second arrives but its answer is lost; the third waits.
      lossy.loseAfter(1);
      await expect(first.replaceKey({ compromisedSince: since })).rejects.toMatchObject({
        status: 503,
      });
      const added = first.kid();
      expect(stateOf(dataDir)).toMatchObject({
        redisclose: [{ kid: old, since }],
      });
      const port = Number(new URL(first.origin).port);
      await first.stop();
      const own = await world.startSite({ dataDir, port, webhook: false });
      await own.ready();
      await own.pollOnce(); // the first read after a start: answers, then disclosures again
      // Failed before: none was sent again, before the restart or after it.
      for (const customer of customers)
        expect(await disclosuresOf(customer)).toEqual([
          { kid: old, current: false },
          { kid: added, current: true },
        ]);
      expect(stateOf(dataDir)).not.toHaveProperty('redisclose');
      await own.pollOnce();
      for (const customer of customers) expect(await disclosuresOf(customer)).toHaveLength(2);
    });

    /** The uses of a customer's data as its Assistant sees them now, oldest first. */
    async function usesOf(pseudonym: TestAssistant) {
      const view = await pseudonym.client.relationships(pseudonym);
      return (view.accessEvents ?? [])
        .map(({ at, count }) => ({ at, count }))
        .sort((a, b) => a.at - b.at);
    }

    /** Waits until the clock's second is past `second`. */
    async function after(second: number): Promise<void> {
      while (Date.now() / 1000 < second + 1) await new Promise((r) => setTimeout(r, 50));
    }

    it('reports again, with its new key and their own times, the uses whose reports the compromise voided', async () => {
      const dataDir = world.dataDir();
      const own = await world.startSite({ dataDir, webhook: false });
      await own.ready();
      const old = own.kid();
      const pseudonym = await customerOf(own);
      await own.obligations.reportAccess(pseudonym.id); // before the leak: stands
      const first = Math.floor(Date.now() / 1000);
      await after(first);
      const since = Math.floor(Date.now() / 1000);
      await own.obligations.reportAccess(pseudonym.id); // after it: voided
      // Uses of one grant, purpose and categories are counted together, at the latest one.
      const uses = await usesOf(pseudonym);
      expect(uses).toEqual([{ at: expect.any(Number), count: 2 }]);
      const reported = own.obligations.done.filter((d) => d.kind === 'access');
      expect(reported).toHaveLength(2);

      await own.replaceKey({ compromisedSince: since });
      // Failed before: the voided report's use was gone from the customer's view.
      expect(await usesOf(pseudonym)).toEqual(uses);
      const again = own.obligations.done.filter((d) => d.kind === 'access').slice(2);
      expect(again).toEqual([expect.objectContaining({ pseudonym: pseudonym.id })]);
      expect(world.lines.filter((line) => line.includes('is not kept here'))).toEqual([]);
      // The report sent in its place is the one kept now, signed by the new key.
      const kept = readSiteStore(dataDir).reports;
      expect(kept.has(reported[1]!.sha256)).toBe(false);
      expect(kept.get(again[0]!.sha256)).toMatchObject({
        kid: own.kid(),
        pseudonym: pseudonym.id,
        replaces: reported[1]!.sha256,
      });
      expect(kept.get(reported[0]!.sha256)).toMatchObject({ kid: old });
      expect(stateOf(dataDir)).not.toHaveProperty('rereport');
      // Not again on the reads that follow, nor when asked again (a crash before it was noted done).
      await own.pollOnce();
      expect(await own.obligations.rereport([{ kid: old, since }])).toBe(0);
      expect(own.obligations.done.filter((d) => d.kind === 'access')).toHaveLength(3);
      expect(world.lines.filter((line) => line.includes('is not kept here'))).toEqual([]);
      expect(await usesOf(pseudonym)).toEqual(uses);
    });

    it('finishes reporting the voided uses after a lost answer and a restart, counting none twice', async () => {
      const dataDir = world.dataDir();
      const lossy = answerLost('/api/v1/access');
      const first = await world.startSite({ dataDir, webhook: false, fetch: lossy.fetch });
      await first.ready();
      const since = Math.floor(Date.now() / 1000);
      const old = first.kid();
      const pseudonym = await customerOf(first);
      await first.obligations.reportAccess(pseudonym.id);
      const uses = await usesOf(pseudonym);
      expect(uses).toEqual([{ at: expect.any(Number), count: 1 }]);
      lossy.loseAfter(0);
      await expect(first.replaceKey({ compromisedSince: since })).rejects.toMatchObject({
        status: 503,
      });
      expect(stateOf(dataDir)).toMatchObject({ rereport: [{ kid: old, since }] });
      // The report sent again is kept with the voided one, to be sent as it is.
      const [kept] = [...readSiteStore(dataDir).reports.values()];
      expect(kept).toMatchObject({ kid: old, resend: expect.any(String) });
      const port = Number(new URL(first.origin).port);
      await first.stop();
      const own = await world.startSite({ dataDir, port, webhook: false });
      await own.ready();
      await own.pollOnce();
      // Failed before: a fresh report of the same use would have counted it twice.
      expect(await usesOf(pseudonym)).toEqual(uses);
      expect(stateOf(dataDir)).not.toHaveProperty('rereport');
      expect([...readSiteStore(dataDir).reports.values()]).toEqual([
        expect.objectContaining({ kid: own.kid(), pseudonym: pseudonym.id }),
      ]);
      expect(own.kid()).not.toBe(old);
    });

    it('makes a new grant request when the compromise reaches back before its own', async () => {
      const { own, kid } = await answered('access');
      const link = own.requestLink();
      await own.replaceKey({ compromisedSince: Math.floor(Date.now() / 1000) - 3600 });
      expect(own.requestLink()).not.toBe(link);
      const request = await world
        .assistant(own.companyId)
        .client.getGrantRequest(own.requestLink()!.split('/').pop()!);
      expect(kidOf(request.jws)).toBe(own.kid());
      expect(own.kid()).not.toBe(kid);
      // The old one can no longer be granted; the new one can.
      const before = { ...own, requestLink: () => link };
      await expect(world.grant(before, world.assistant(own.companyId))).rejects.toMatchObject({
        code: 'ERR_GRANT_REQUEST_VOIDED',
      });
      await expect(world.grant(own, world.assistant(own.companyId))).resolves.toEqual(
        expect.any(String),
      );
    });
  });

  it('answers its demo endpoint with a clear error when the grant names no data category', async () => {
    const pseudonym = await granted({ dataCategories: [] });
    const response = await demoAccess(pseudonym.id);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'ERR_NOTHING_TO_REPORT' });
  });
});

describe.each(testDialects)(
  "the reference company site's revocation acknowledgements after a key compromise, on %s",
  (dialect) => {
    let world: SiteWorld;

    beforeAll(async () => {
      world = await openSiteWorld(dialect);
    });

    afterAll(async () => {
      await world?.close();
    });

    /** A customer of `own` who granted and revoked, the revocation acknowledged by the site. */
    async function revoked(own: CompanySite) {
      const pseudonym = world.assistant(own.companyId);
      await world.grant(own, pseudonym);
      await own.pollOnce();
      const revocation = await world.revoke(own, pseudonym);
      await own.pollOnce();
      expect(own.acknowledged).toContain(revocation);
      return { pseudonym, revocation };
    }

    /** Whether the customer's Assistant sees its revocation acknowledged now. */
    async function acknowledgedNow(customer: { pseudonym: TestAssistant; revocation: string }) {
      const view = await customer.pseudonym.client.relationships(customer.pseudonym);
      return view.revocations.find((r) => r.sha256 === customer.revocation)?.acknowledged;
    }

    it('acknowledges again, with its new key, a revocation whose acknowledgement the compromise voided', async () => {
      const dataDir = world.dataDir();
      const own = await world.startSite({ dataDir, webhook: false });
      await own.ready();
      const before = await revoked(own); // acknowledged before the leak
      const since = Math.floor(Date.now() / 1000) + 1;
      while (Date.now() / 1000 < since) await new Promise((resolve) => setTimeout(resolve, 50));
      const after = await revoked(own); // acknowledged with the old key after the leak
      expect(await acknowledgedNow(after)).toBe(true);
      await own.replaceKey({ compromisedSince: since });
      const added = own.kid();
      // Failed before: the compromise made it unacknowledged again, and the site never sent
      // another (its feed event was behind the cursor): open now, an overdue finding in 72 hours.
      expect(await acknowledgedNow(after)).toBe(true);
      expect(world.lines).toContain(
        `revocation ${after.revocation} acknowledged again with key ${added}`,
      );
      // The acknowledgement made before the time declared stands: not sent again.
      expect(await acknowledgedNow(before)).toBe(true);
      expect(own.acknowledged).toEqual([before.revocation, after.revocation, after.revocation]);
      const company = await after.pseudonym.client.getCompany(own.companyId);
      expect(company.trust.revocationAcks).toEqual({ onTime: 2, overdue: 0, open: 0 });
      expect(stateOf(dataDir)).not.toHaveProperty('reacknowledge');
      // Not again on the reads that follow.
      await own.pollOnce();
      await own.pollOnce();
      expect(own.acknowledged).toHaveLength(3);
    });

    it('finishes acknowledging again after a failure and a restart', async () => {
      const dataDir = world.dataDir();
      /** How many of the next revocation acknowledgements the clearinghouse fails (503). */
      let failAcks = 0;
      const flaky = (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
        if (failAcks > 0 && new URL(String(url)).pathname === '/api/v1/revocation-acks') {
          failAcks--;
          return Promise.resolve(
            new Response('{"code":"ERR_STORAGE_UNAVAILABLE","title":"Try again."}', {
              status: 503,
              headers: { 'content-type': 'application/problem+json' },
            }),
          );
        }
        return fetch(url, init);
      };
      const first = await world.startSite({ dataDir, webhook: false, fetch: flaky });
      await first.ready();
      const since = Math.floor(Date.now() / 1000);
      const old = first.kid();
      const customers = [await revoked(first), await revoked(first)];
      failAcks = 1; // the first acknowledgement sent again fails; the second is not reached
      await expect(first.replaceKey({ compromisedSince: since })).rejects.toMatchObject({
        status: 503,
      });
      // Kept due before anything was sent again (failed before: nothing was due, nothing sent).
      expect(stateOf(dataDir)).toMatchObject({ reacknowledge: [{ kid: old, since }] });
      for (const customer of customers) expect(await acknowledgedNow(customer)).toBe(false);
      const port = Number(new URL(first.origin).port);
      await first.stop();
      const own = await world.startSite({ dataDir, port, webhook: false });
      await own.ready();
      await own.pollOnce();
      for (const customer of customers) expect(await acknowledgedNow(customer)).toBe(true);
      expect(stateOf(dataDir)).not.toHaveProperty('reacknowledge');
      const company = await customers[0]!.pseudonym.client.getCompany(own.companyId);
      expect(company.trust.revocationAcks).toMatchObject({ overdue: 0, open: 0 });
      expect(own.acknowledged).toEqual(customers.map((c) => c.revocation));
    });
  },
);
