/**
 * The reference company site's side of the sealed relay (test/company-site/relay.ts) against an
 * in-process clearinghouse over real HTTP (company-site-test-kit.ts): the site learns a customer
 * from the grant in its feed, sends an offer and a reward that the customer's Assistant fetches,
 * opens and acknowledges, sends offers only as far as the grant covers them, and applies a
 * correction the Assistant sealed to the company's first current key.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, utf8Decode } from '$protocol/encoding';
import { importPublicJwk, publicJwk } from '$protocol/keys';
import { openSealed, openSealedSigned, sealTo } from '$protocol/seal';
import { openMessage, signMessage } from '$protocol/signed';
import type { CompanySite } from '../../../test/company-site/site';
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

  function stored(pseudonym: string, dir = dataDir): { data: Record<string, string> } | undefined {
    const customers = JSON.parse(readFileSync(join(dir, 'customers.json'), 'utf8')) as {
      pseudonym: string;
      data: Record<string, string>;
    }[];
    return customers.find((c) => c.pseudonym === pseudonym);
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
    const path = join(dataDir, 'customers.json');
    const customers = JSON.parse(readFileSync(path, 'utf8')) as { contacts?: number[] }[];
    for (const customer of customers) delete customer.contacts;
    writeFileSync(path, JSON.stringify(customers));
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    const capped = await demo('offer', assistant.id);
    expect(capped.status).toBe(403);
    expect(await capped.json()).toEqual({ error: 'ERR_CONTACT_CAP_EXCEEDED' });
    // A refused offer is no contact: the site's count stays as the relay's.
    expect(site.relay.customers.get(assistant.id)?.contacts ?? []).toEqual([]);
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
    // The first version kept these four fields per customer and nothing else.
    const path = join(dataDir, 'customers.json');
    const customers = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
    const old = customers.map(({ pseudonym, x, grantSha256, data }) => ({
      pseudonym,
      x,
      grantSha256,
      data,
    }));
    writeFileSync(path, JSON.stringify(old, null, 2));
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

  it("applies a correction sealed to the company's first current key and acknowledges it", async () => {
    const assistant = await grantedAssistant();
    const id = await correct(assistant, 'Heidestraße 18, 51147 Köln');
    await site.pollOnce();
    expect(site.relay.applied).toContain(id);
    expect(site.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 18, 51147 Köln');
    expect(stored(assistant.id)?.data.address).toBe('Heidestraße 18, 51147 Köln');
    expect(await waitingCorrections()).toEqual([]);
  });

  it('acknowledges a correction only once its store holds it', async () => {
    const assistant = await grantedAssistant();
    const blocker = join(dataDir, 'customers.json.tmp');
    mkdirSync(blocker); // the next write of the store fails, as on a full disk
    let id: string;
    try {
      id = await correct(assistant, 'Heidestraße 19, 51147 Köln');
      await expect(site.pollOnce()).rejects.toThrow();
      expect(await waitingCorrections()).toEqual([id]);
      expect(site.relay.applied).not.toContain(id);
      expect(site.relay.customers.get(assistant.id)?.data.address).toBeUndefined();
    } finally {
      rmdirSync(blocker);
    }
    await site.pollOnce(); // the feed did not move past the correction: read again
    expect(site.relay.applied).toContain(id);
    expect(stored(assistant.id)?.data.address).toBe('Heidestraße 19, 51147 Köln');
    expect(await waitingCorrections()).toEqual([]);
  });

  it('keeps a refusal’s key across a restart and applies a correction that waited for the grant', async () => {
    const assistant = world.assistant(site.companyId);
    await world.refuse(site, assistant);
    await site.pollOnce();
    const id = await correct(assistant, 'Heidestraße 21, 51147 Köln');
    await site.pollOnce();
    expect(site.relay.customers.has(assistant.id)).toBe(false);
    expect(await waitingCorrections()).toEqual([id]); // not acknowledged, not dropped
    await site.stop();
    site = await world.startSite({ dataDir, webhook: false });
    await site.ready();
    // The grant carries no key: the pseudonym's first message (the refusal) did.
    await world.grant(site, assistant, { withKey: false });
    await site.pollOnce();
    expect(site.relay.customers.get(assistant.id)?.x).toBe(publicJwk(assistant.keyPair).x);
    expect(site.relay.applied).toEqual([id]);
    expect(site.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 21, 51147 Köln');
    expect(await waitingCorrections()).toEqual([]);
  });
});
