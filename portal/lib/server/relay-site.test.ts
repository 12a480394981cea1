/**
 * The reference company site's side of the sealed relay (test/company-site/relay.ts) against an
 * in-process clearinghouse over real HTTP (company-site-test-kit.ts): the site learns a customer
 * from the grant in its feed, sends an offer and a reward that the customer's Assistant fetches,
 * opens and acknowledges, sends offers only as far as the grant covers them (also when asked
 * for two at once), and applies a correction the Assistant sealed to the company's first current
 * key (also one the site replaced since), or acknowledges one it holds nothing for. Faults (a
 * failed read, a page boundary) come from a fetch the test controls.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClearinghouseClient, FeedEvent } from '$protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '$protocol/encoding';
import { generateKeyPair, importPublicJwk, publicJwk, thumbprint } from '$protocol/keys';
import { openSealed, openSealedSigned, sealTo } from '$protocol/seal';
import { openMessage, signMessage } from '$protocol/signed';
import { createSiteRelay } from '../../../test/company-site/relay';
import type { CompanySite } from '../../../test/company-site/site';
import { openSiteStore, readSiteStore, type Customer } from '../../../test/company-site/store';
import {
  claims,
  openSiteWorld,
  payloadOf,
  type GrantChoice,
  type SiteWorld,
  type TestAssistant,
} from './company-site-test-kit';

describe('the reference company site and the sealed relay', () => {
  let world: SiteWorld;
  let site: CompanySite;
  let dataDir: string;

  beforeAll(async () => {
    world = await openSiteWorld();
    dataDir = world.dataDir();
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Faults met by the sites started with `fetch: faulty` (reset by each test that sets one). */
  let faults: {
    /** Ends each feed page at the first event this matches (a page boundary there). */
    pageEndsAt?: (event: FeedEvent) => boolean;
    /** Leaves out of each feed page the events this matches (an older run read them). */
    hidden?: (event: FeedEvent) => boolean;
    /** Fails the next feed read that does not start at the beginning. */
    failNextPageAfterFirst?: boolean;
    /** Fails the corrections read after this many more succeeded. */
    correctionReadsBeforeFailure?: number;
  } = {};

  async function faulty(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const { pathname, searchParams } = new URL(String(url));
    if (pathname === '/api/v1/companies/me/corrections' && init?.method === 'GET') {
      if (faults.correctionReadsBeforeFailure === 0) {
        delete faults.correctionReadsBeforeFailure;
        throw new Error('network down (corrections)');
      }
      if (faults.correctionReadsBeforeFailure !== undefined) faults.correctionReadsBeforeFailure--;
    }
    if (pathname !== '/api/v1/companies/me/events') return fetch(url, init);
    if (faults.failNextPageAfterFirst === true && searchParams.get('after') !== '0') {
      delete faults.failNextPageAfterFirst;
      throw new Error('network down (events)');
    }
    const response = await fetch(url, init);
    if (response.status !== 200) return response;
    const page = (await response.json()) as { events: FeedEvent[]; next: string };
    let events = page.events.filter((event) => faults.hidden?.(event) !== true);
    const end = faults.pageEndsAt === undefined ? -1 : events.findIndex(faults.pageEndsAt);
    if (end >= 0) events = events.slice(0, end + 1);
    const next = end >= 0 ? events[end]!.cursor : page.next;
    return Response.json({ events, next });
  }

  /** A test Assistant that granted the site's open request (the site has read its feed). */
  async function grantedAssistant(choice?: GrantChoice, on = site): Promise<TestAssistant> {
    const assistant = world.assistant(on.companyId);
    await world.grant(on, assistant, choice);
    await on.pollOnce();
    return assistant;
  }

  function demo(kind: 'offer' | 'reward', pseudonym: string, on = site): Promise<Response> {
    return fetch(`${on.origin}/demo/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pseudonym }),
    });
  }

  /** The relay's refusals of offers to `pseudonym` (each counts against the company). */
  async function refusals(pseudonym: string): Promise<string[]> {
    const rows = await world.tdb.cdb.db
      .selectFrom('relay_refusals')
      .select('rule')
      .where('pseudonym', '=', pseudonym)
      .execute();
    return rows.map((r) => r.rule);
  }

  /** A correction of the customer's address, sealed to the company's first current key. */
  async function correct(assistant: TestAssistant, value: string, on = site): Promise<string> {
    const entry = await assistant.client.getCompany(on.companyId);
    const companyPublicKey = base64urlDecode(entry.keys![0]!.jwk.x);
    const correction = await signMessage(
      'correction',
      {
        ...claims(assistant.id, on.companyId),
        dataCategory: 'address',
        sealed: base64urlEncode(
          sealTo(companyPublicKey, JSON.stringify({ dataCategory: 'address', value })),
        ),
      },
      assistant.keyPair,
    );
    return (await assistant.client.sendCorrection(correction)).id;
  }

  async function waitingCorrections(): Promise<string[]> {
    const rows = await world.tdb.cdb.db.selectFrom('relay_corrections').select('id').execute();
    return rows.map((r) => r.id);
  }

  /** A customer's record as a restart of the site in `dir` reads it. */
  function stored(pseudonym: string, dir = dataDir): Customer | undefined {
    return readSiteStore(dir).customers.get(pseudonym);
  }

  /**
   * Leaves the store of `dir` (its site stopped) as the first version kept it: customers with four
   * fields, nothing else, and no journal.
   */
  function downgrade(dir: string): void {
    openSiteStore(dir).compact();
    rmSync(join(dir, 'journal.jsonl'));
    const path = join(dir, 'customers.json');
    const customers = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    const old = customers.map(({ pseudonym, x, grantSha256, data }) => ({
      pseudonym,
      x,
      grantSha256,
      data,
    }));
    writeFileSync(path, JSON.stringify(old, null, 2));
  }

  /** The log lines about one correction. */
  function linesAbout(id: string): string[] {
    return world.lines.filter((line) => line.startsWith(`correction ${id} `));
  }

  it('sends an offer and a reward that the Assistant fetches, opens and acknowledges', async () => {
    const assistant = await grantedAssistant();
    expect(site.relay.customers.get(assistant.id)?.x).toBe(publicJwk(assistant.keyPair).x);

    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect((await demo('reward', assistant.id)).status).toBe(201);

    const page = await assistant.client.fetchInbox(assistant);
    expect(page.items.map((i) => i.kind)).toEqual(['offer', 'reward']);
    const entry = await assistant.client.getCompany(site.companyId);
    const companyKey = importPublicJwk(entry.keys![0]!.jwk);
    const resolveKey = (kid: string) => (kid === companyKey.kid ? companyKey : undefined);
    const now = Math.floor(Date.now() / 1000);
    const offer = await openMessage('offer', page.items[0]!.jws, {
      resolveKey,
      audience: assistant.id,
      now,
    });
    const inner = await openSealedSigned(base64urlDecode(offer.payload.sealed), assistant.keyPair, {
      kind: 'offer-content',
      resolveKey,
      audience: assistant.id,
      now,
      maxWindowSeconds: 90 * 86_400,
    });
    expect(inner.payload).toMatchObject({
      grantSha256: offer.payload.grantSha256,
      purpose: offer.payload.purpose,
      channel: offer.payload.channel,
      title: 'Neue Laufschuhe',
    });
    const reward = await openMessage('reward', page.items[1]!.jws, {
      resolveKey,
      audience: assistant.id,
      now,
    });
    const points = JSON.parse(
      utf8Decode(openSealed(base64urlDecode(reward.payload.sealed), assistant.keyPair)),
    ) as { amount: number };
    expect(points.amount).toBe(100);

    expect(await assistant.client.ackInbox(assistant, { id: page.items[1]!.id })).toEqual({
      deleted: 1,
    });
    expect(await assistant.client.ackInbox(assistant, { through: page.next })).toEqual({
      deleted: 1,
    });
    expect((await assistant.client.fetchInbox(assistant)).items).toEqual([]);
  });

  it('sends on the channel the customer granted, not a fixed one', async () => {
    const assistant = await grantedAssistant({ channels: ['email'] });
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const page = await assistant.client.fetchInbox(assistant);
    expect(payloadOf(page.items[0]!.jws)).toMatchObject({
      channel: 'email',
      purpose: 'product_launch',
    });
    expect(await refusals(assistant.id)).toEqual([]);
  });

  it('prefers the channel the customer prefers among those granted', async () => {
    const assistant = await grantedAssistant({
      channels: ['newsletter', 'email'],
      preferredChannel: 'email',
    });
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const page = await assistant.client.fetchInbox(assistant);
    expect(payloadOf(page.items[0]!.jws)).toMatchObject({ channel: 'email' });
  });

  it('stops offers to a customer who revoked, without the relay refusing one', async () => {
    const assistant = await grantedAssistant();
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const revocation = await world.revoke(site, assistant);
    await site.pollOnce();
    expect(site.acknowledged).toContain(revocation);
    const withheld = await demo('offer', assistant.id);
    expect(withheld.status).toBe(409);
    expect(await withheld.json()).toMatchObject({ error: 'ERR_OFFER_WITHHELD', rule: 'revoked' });
    expect(await refusals(assistant.id)).toEqual([]);
    // A reward may still follow a revocation (docs/company-integration.md).
    expect((await demo('reward', assistant.id)).status).toBe(201);
  });

  it('withholds an offer beyond the contact cap, counting its offers across a restart', async () => {
    const assistant = await grantedAssistant(); // at most two contacts a week
    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const capped = await demo('offer', assistant.id);
    expect(capped.status).toBe(409);
    expect(await capped.json()).toMatchObject({
      error: 'ERR_OFFER_WITHHELD',
      rule: 'contact_cap',
    });
    await site.stop();
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    expect((await demo('offer', assistant.id)).status).toBe(409);
    expect(await refusals(assistant.id)).toEqual([]);
    expect((await demo('offer', 'ps_nobody')).status).toBe(404);
  });

  it('passes the relay refusal on when its own count falls short of the relay’s', async () => {
    const assistant = await grantedAssistant();
    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect((await demo('offer', assistant.id)).status).toBe(201);
    // The site lost its count (a store restored from an old backup): the relay still counts.
    await site.stop();
    openSiteStore(dataDir).compact(); // all in the snapshot, none in the journal
    rmSync(join(dataDir, 'contacts.json'));
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    const capped = await demo('offer', assistant.id);
    expect(capped.status).toBe(403);
    expect(await capped.json()).toEqual({ error: 'ERR_CONTACT_CAP_EXCEEDED' });
    // A refused offer is no contact: the site's count stays as the relay's.
    expect(site.relay.contactsOf(assistant.id)).toEqual([]);
  });

  it('sends two offers asked for at once one after the other: the one past the cap is withheld', async () => {
    const assistant = await grantedAssistant(); // at most two contacts a week
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const both = await Promise.all([demo('offer', assistant.id), demo('offer', assistant.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(site.relay.contactsOf(assistant.id)).toHaveLength(2);
    expect((await demo('offer', assistant.id)).status).toBe(409);
    // The relay refused none: nothing counted against the company.
    expect(await refusals(assistant.id)).toEqual([]);
  });

  it('writes an offer’s contact as one small journal line, not the customers’ records', async () => {
    const assistant = await grantedAssistant();
    const customersBefore = readFileSync(join(dataDir, 'customers.json'), 'utf8');
    const journalBefore = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect(readFileSync(join(dataDir, 'customers.json'), 'utf8')).toBe(customersBefore);
    const journal = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
    expect(journal.startsWith(journalBefore)).toBe(true);
    const added = journal.slice(journalBefore.length);
    expect(added.split('\n')).toEqual([expect.stringContaining('"op":"contacts"'), '']);
    expect(added.length).toBeLessThan(200);
    expect(readSiteStore(dataDir).contacts.get(assistant.id)).toEqual(
      site.relay.contactsOf(assistant.id),
    );
    expect(site.relay.contactsOf(assistant.id)).toHaveLength(1);
  });

  it('withholds offers while its company is suspended, and reads its feed on', async () => {
    const companyDir = world.dataDir();
    let own = await world.startSite({ dataDir: companyDir, webhook: false });
    await own.ready();
    const assistant = await grantedAssistant({}, own);
    await own.stop();
    await world.setStatus(own.companyId, 'suspended');
    own = await world.startSite({ dataDir: companyDir, webhook: false });
    await own.ready();
    expect(own.status()).toBe('suspended');
    const withheld = await demo('offer', assistant.id, own);
    expect(withheld.status).toBe(409);
    expect(await withheld.json()).toMatchObject({ rule: 'company_not_active' });
    expect(await refusals(assistant.id)).toEqual([]);
    const id = await correct(assistant, 'Heidestraße 20, 51147 Köln', own);
    await own.pollOnce();
    expect(own.relay.applied).toEqual([id]);
  });

  it('starts on a store of the first version and takes its grants from the feed again', async () => {
    const revoked = await grantedAssistant();
    await world.revoke(site, revoked);
    const current = await grantedAssistant({ channels: ['email'] });
    await site.pollOnce();
    await site.stop();
    downgrade(dataDir);
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    expect(site.relay.customers.get(current.id)?.grant).toBeUndefined();
    await site.pollOnce();
    expect(site.relay.customers.get(current.id)?.grant).toBeDefined();
    expect((await demo('offer', current.id)).status).toBe(201);
    expect(payloadOf((await current.client.fetchInbox(current)).items[0]!.jws)).toMatchObject({
      channel: 'email',
    });
    const withheld = await demo('offer', revoked.id);
    expect(await withheld.json()).toMatchObject({ rule: 'revoked' });
    expect(await refusals(revoked.id)).toEqual([]);
  });

  it('reads the feed again from the start after a first-version catch-up stopped half-way', async () => {
    const dir = world.dataDir();
    let own = await world.startSite({ dataDir: dir, webhook: false, fetch: faulty });
    await own.ready();
    const revoked = await grantedAssistant({}, own);
    await grantedAssistant({}, own);
    await world.revoke(own, revoked);
    await own.pollOnce();
    await own.stop();
    downgrade(dir);
    // The first start after the upgrade: the catch-up's first page ends at the revoked grant,
    // its second page fails, and the site stops.
    faults = {
      pageEndsAt: (e) => e.kind === 'grant' && e.pseudonym === revoked.id,
      failNextPageAfterFirst: true,
    };
    own = await world.startSite({ dataDir: dir, webhook: false, fetch: faulty });
    await own.ready();
    await expect(own.pollOnce()).rejects.toThrow('network down (events)');
    await own.stop();
    faults = {};
    // Nothing stored half-way: a grant alone would hide the revocation after it.
    expect(stored(revoked.id, dir)?.grant).toBeUndefined();
    own = await world.startSite({ dataDir: dir, webhook: false, fetch: faulty });
    await own.ready();
    await own.pollOnce();
    expect(own.relay.customers.get(revoked.id)?.revocations).toHaveLength(1);
    const withheld = await demo('offer', revoked.id, own);
    expect(await withheld.json()).toMatchObject({ rule: 'revoked' });
    expect(await refusals(revoked.id)).toEqual([]);
  });

  it("keeps what changed in a customer's record while a correction was verified", async () => {
    const companyKey = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
    const companyId = `co_${thumbprint(publicJwk(companyKey))}`;
    const assistant = world.assistant(companyId);
    const store = openSiteStore(world.dataDir());
    store.putCustomer({
      pseudonym: assistant.id,
      x: publicJwk(assistant.keyPair).x,
      grantSha256: 'g'.repeat(43),
      data: {},
    });
    const sealed = sealTo(
      base64urlDecode(publicJwk(companyKey).x),
      JSON.stringify({ dataCategory: 'address', value: 'Heidestraße 22, 51147 Köln' }),
    );
    const jws = await signMessage(
      'correction',
      {
        ...claims(assistant.id, companyId),
        dataCategory: 'address',
        sealed: base64urlEncode(sealed),
      },
      assistant.keyPair,
    );
    const item = { id: 'c1', cursor: '1', pseudonym: assistant.id, jws, receivedAt: Date.now() };
    const client = {
      listCorrections: () => Promise.resolve({ corrections: [item], next: '1' }),
      ackCorrection: () => Promise.resolve({ deleted: 1 }),
    } as unknown as ClearinghouseClient;
    /** Another writer's change, made while the correction is verified (its clock is read then). */
    let meanwhile: (() => void) | undefined = () =>
      store.putCustomer({ ...store.customers.get(assistant.id)!, revocations: [{ at: 1 }] });
    const relay = createSiteRelay({
      client,
      companyId,
      keyring: {
        current: () => ({ keyPair: companyKey, kid: companyId.slice(3), companyId }),
        secrets: () => [companyKey],
      },
      store,
      status: () => 'active',
      now: () => {
        const change = meanwhile;
        meanwhile = undefined;
        change?.();
        return Date.now();
      },
      log: () => undefined,
    });
    expect(await relay.pollCorrections()).toBe(1);
    expect(store.customers.get(assistant.id)).toMatchObject({
      revocations: [{ at: 1 }],
      data: { address: 'Heidestraße 22, 51147 Köln' },
    });
  });

  it("applies a correction sealed to the company's first current key and acknowledges it", async () => {
    const assistant = await grantedAssistant();
    const id = await correct(assistant, 'Heidestraße 18, 51147 Köln');
    await site.pollOnce();
    expect(site.relay.applied).toContain(id);
    expect(site.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 18, 51147 Köln');
    expect(stored(assistant.id)?.data.address).toBe('Heidestraße 18, 51147 Köln');
    expect(await waitingCorrections()).toEqual([]);
  });

  it('opens a correction sealed to the key it replaced since', async () => {
    const own = await world.startSite({ webhook: false });
    await own.ready();
    const assistant = await grantedAssistant(undefined, own);
    // Sealed to the first key, as an Assistant that read the registry before the replacement.
    const id = await correct(assistant, 'Heidestraße 24, 51147 Köln', own);
    const first = own.kid();
    await own.replaceKey();
    expect(own.kid()).not.toBe(first);
    await own.pollOnce();
    expect(own.relay.applied).toContain(id);
    expect(own.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 24, 51147 Köln');
  });

  it('acknowledges a correction only once its store holds it', async () => {
    const assistant = await grantedAssistant();
    // The next write of the store fails, as on a full disk: its journal is a directory.
    const journal = join(dataDir, 'journal.jsonl');
    renameSync(journal, `${journal}.aside`);
    mkdirSync(journal);
    let id: string;
    try {
      id = await correct(assistant, 'Heidestraße 19, 51147 Köln');
      await expect(site.pollOnce()).rejects.toThrow();
      expect(await waitingCorrections()).toEqual([id]);
      expect(site.relay.applied).not.toContain(id);
      expect(site.relay.customers.get(assistant.id)?.data.address).toBeUndefined();
    } finally {
      rmdirSync(journal);
      renameSync(`${journal}.aside`, journal);
    }
    await site.pollOnce(); // the feed did not move past the correction: read again
    expect(site.relay.applied).toContain(id);
    expect(stored(assistant.id)?.data.address).toBe('Heidestraße 19, 51147 Köln');
    expect(await waitingCorrections()).toEqual([]);
  });

  it('keeps a refusal’s key across a restart for a later grant without one, then forgets it', async () => {
    const assistant = world.assistant(site.companyId);
    await world.refuse(site, assistant);
    await site.pollOnce();
    expect(site.relay.customers.has(assistant.id)).toBe(false);
    expect(readSiteStore(dataDir).pseudonymKeys.get(assistant.id)?.x).toBe(
      publicJwk(assistant.keyPair).x,
    );
    await site.stop();
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    // The grant carries no key: the pseudonym's first message (the refusal) did.
    await world.grant(site, assistant, { withKey: false });
    await site.pollOnce();
    expect(site.relay.customers.get(assistant.id)?.x).toBe(publicJwk(assistant.keyPair).x);
    // The key is in the customer's record now, and nowhere else.
    expect(readSiteStore(dataDir).pseudonymKeys.has(assistant.id)).toBe(false);
    const id = await correct(assistant, 'Heidestraße 21, 51147 Köln');
    await site.pollOnce();
    expect(site.relay.applied).toContain(id);
    expect(site.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 21, 51147 Köln');
  });

  it('keeps a refusal’s key until 30 days past its “ask me again after”', async () => {
    const day = 86_400;
    const askAgainAfter = Math.floor(Date.now() / 1000) + 90 * day;
    const [later, plain] = [world.assistant(site.companyId), world.assistant(site.companyId)];
    await world.refuse(site, later, askAgainAfter);
    await world.refuse(site, plain);
    const before = Math.floor(Date.now() / 1000);
    await site.pollOnce();
    const keys = readSiteStore(dataDir).pseudonymKeys;
    expect(keys.get(later.id)?.keepUntil).toBe(askAgainAfter + 30 * day);
    // Without one, 30 days from when the site read the refusal.
    expect(keys.get(plain.id)?.keepUntil).toBeGreaterThanOrEqual(before + 30 * day);
    expect(keys.get(plain.id)?.keepUntil).toBeLessThanOrEqual(
      Math.ceil(Date.now() / 1000) + 30 * day,
    );
  });

  it('acknowledges a correction from a pseudonym that only refused: it holds nothing to correct', async () => {
    const refuser = world.assistant(site.companyId);
    await world.refuse(site, refuser);
    await site.pollOnce();
    const id = await correct(refuser, 'Heidestraße 23, 51147 Köln');
    await site.pollOnce();
    expect(await waitingCorrections()).not.toContain(id);
    expect(site.relay.applied).not.toContain(id);
    // Read no more: another customer's correction lists the corrections again.
    const customer = await grantedAssistant();
    await correct(customer, 'Heidestraße 24, 51147 Köln');
    await site.pollOnce();
    expect(linesAbout(id)).toEqual([
      `correction ${id} from ${refuser.id} acknowledged: no customer when it was sent, nothing held to correct`,
    ]);
  });

  it('logs a correction that waits for its grant once, however often the corrections are read', async () => {
    const customer = await grantedAssistant();
    const late = world.assistant(site.companyId);
    for (const street of ['Weg 1', 'Weg 2', 'Weg 3']) await correct(customer, street);
    await world.grant(site, late);
    const id = await correct(late, 'Heidestraße 25, 51147 Köln');
    // One read: each of the three corrections lists the late one before its grant is read.
    await site.pollOnce();
    expect(linesAbout(id)).toEqual([
      `correction ${id} from ${late.id} waits: no customer yet`,
      `correction ${id} applied: address of ${late.id}`,
    ]);
  });

  it('reads the corrections again when the read right after a grant failed', async () => {
    const own = await world.startSite({ webhook: false, fetch: faulty });
    await own.ready();
    const customer = await grantedAssistant({}, own);
    const late = world.assistant(own.companyId);
    await correct(customer, 'Weg 4', own);
    await world.grant(own, late);
    const id = await correct(late, 'Heidestraße 26, 51147 Köln', own);
    // A page boundary right after the late grant; the read of corrections it starts fails.
    faults = {
      pageEndsAt: (e) => e.kind === 'grant' && e.pseudonym === late.id,
      correctionReadsBeforeFailure: 1,
    };
    try {
      await expect(own.pollOnce()).rejects.toThrow('network down (corrections)');
      expect(own.relay.applied).not.toContain(id);
      await own.pollOnce(); // the grant again (the page still ends there)
      expect(own.relay.applied).toContain(id);
    } finally {
      faults = {};
    }
  });

  it('acknowledges a correction that waited a week for a grant in vain', async () => {
    const dir = world.dataDir();
    let own = await world.startSite({ dataDir: dir, webhook: false, fetch: faulty });
    await own.ready();
    const refuser = world.assistant(own.companyId);
    await world.refuse(own, refuser);
    await own.pollOnce();
    const id = await correct(refuser, 'Heidestraße 27, 51147 Köln', own);
    // As an older version of the site left it: its event read past, the correction waiting.
    faults = { hidden: (e) => e.sha256 === id };
    try {
      await own.pollOnce();
      await own.stop();
      // Within the week, a start lists it (as it lists every waiting correction): it waits.
      own = await world.startSite({ dataDir: dir, webhook: false, fetch: faulty });
      await own.ready();
      await own.pollOnce();
      expect(await waitingCorrections()).toContain(id);
      await own.stop();
      const week = 7 * 86_400_000 + 60_000;
      world.aheadMs = week;
      own = await world.startSite({
        dataDir: dir,
        webhook: false,
        fetch: faulty,
        now: () => Date.now() + week,
      });
      await own.ready();
      await own.pollOnce();
    } finally {
      world.aheadMs = 0;
      faults = {};
      await own.stop();
    }
    expect(await waitingCorrections()).not.toContain(id);
    expect(linesAbout(id)).toEqual([
      `correction ${id} from ${refuser.id} waits: no customer yet`,
      `correction ${id} from ${refuser.id} acknowledged: no grant within 7 days, nothing held to correct`,
    ]);
  });
});
