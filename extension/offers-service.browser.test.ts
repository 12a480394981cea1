/**
 * The offers service over a real vault in Chromium: what a sync could not keep and the rewards it
 * rejected reach the offers view's answer, and the rewards it kept the relationships view's, as
 * the background sends them. The customer's complaints, about an offer or a disclosure, go through
 * the one path of the complaint drafts and are listed where the views list them.
 */
import { afterEach, expect, it } from 'vitest';
import type { ClientFetch, InboxItem } from '../protocol/client';
import { base64urlDecode } from '../protocol/encoding';
import { explainDecision, type Decision } from '../protocol/filter';
import type { Locale } from '../protocol/i18n';
import { sha256Of } from '../protocol/jws';
import { testArgon2Params } from './build';
import { maxComplaintDrafts, writeDrafts } from './core/complaints';
import { companyIdentity } from './core/identity';
import {
  complaintDraftOf,
  signedOffer,
  signedReward,
  signedRewardOf,
  type InboxContext,
} from './core/offers.fixture';
import { Preferences, withChannelsAllowed } from './core/preferences';
import { maxListedRewards } from './core/ledger';
import { defaultSettings } from './core/settings';
import { FakeClearinghouse, fixtureWallet, grantAll } from './core/wallet.fixture';
import { parseRequest, parseResponse, type VaultRequest } from './messages';
import { OffersService } from './offers-service';
import { randomBytes, ready } from './vault/crypto';
import { Vault } from './vault/vault';

const nowMs = Date.UTC(2026, 10, 3, 12);
const seed = new Uint8Array(32).fill(3);
const settings = defaultSettings('http://localhost:3000');

const opened: Vault[] = [];
afterEach(async () => {
  for (const vault of opened.splice(0)) await vault.wipe().finally(() => vault.close());
});

/**
 * A vault holding a grant to the fake clearinghouse's company, the offers service over it, and
 * the company's relay inbox for the customer (served over `fetch` as the clearinghouse does).
 * `locale`: the Assistant's own language, as the service resolves it (English unless given); the
 * profile's language of offers is English.
 */
async function withGrant(locale: () => Promise<Locale> = async () => 'en') {
  await ready();
  const clock = { ms: nowMs, now: () => clock.ms };
  const vault = await Vault.open({
    name: `offers-service-${crypto.randomUUID()}`,
    params: testArgon2Params,
    now: clock.now,
  });
  opened.push(vault);
  await vault.create('correct horse battery staple', seed);
  const ch = await FakeClearinghouse.create(nowMs - 86_400_000);
  const wallet = fixtureWallet(ch, { store: vault, clock, seed });
  const checked = await wallet.check(await ch.addRequest(nowMs / 1000 - 60), { kind: 'link' });
  const granted = await wallet.answer(checked, grantAll(checked.request));
  const { pseudonym } = await companyIdentity(seed, ch.company.id);
  const context: InboxContext = {
    ch,
    seed,
    pseudonym,
    grantSha256: granted.sha256,
    iat: nowMs / 1000,
  };
  let inbox: InboxItem[] = [];
  let cursors = 0;
  const push = (kind: InboxItem['kind'], jws: string) => {
    const id = sha256Of(jws);
    const cursor = String(++cursors).padStart(8, '0');
    inbox.push({ id, cursor, kind, jws, receivedAt: clock.ms, expiresAt: clock.ms + 86_400_000 });
    return id;
  };
  const json = (status: number, body: unknown) => ({
    status,
    text: async () => JSON.stringify(body),
  });
  /** The complaints the clearinghouse received. */
  const complaints: string[] = [];
  /** The complaints endpoint is out of reach while set. */
  const net = { complaintsDown: false };
  const fetch: ClientFetch = async (url, init) => {
    const path = new URL(url).pathname;
    if (path === '/api/v1/complaints' && init.method === 'POST') {
      if (net.complaintsDown) throw new TypeError('fetch failed');
      complaints.push(init.body ?? '');
      return json(202, { sha256: sha256Of(init.body ?? ''), status: 'pending' });
    }
    if (path === `/api/v1/companies/${ch.company.id}`) return json(200, ch.company);
    if (path.startsWith(`/api/v1/pseudonyms/${pseudonym}/inbox`)) {
      if (init.method === 'GET') {
        // Paged as the relay pages (the Assistant asks for 20 at a time).
        const query = new URL(url).searchParams;
        const after = query.get('after') ?? '0';
        const page = inbox
          .filter((i) => i.cursor > after)
          .slice(0, Number(query.get('limit') ?? 100));
        return json(200, { items: page, next: null });
      }
      const deleted = inbox.length;
      inbox = [];
      return json(200, { deleted });
    }
    return json(404, { code: 'ERR_RESOURCE_NOT_FOUND' });
  };
  const service = new OffersService({
    clock,
    randomBytes,
    fetch,
    settings: async () => settings,
    locale,
    wallet: async () => wallet,
    preferences: (store) =>
      new Preferences({
        store,
        clock,
        randomBytes,
        defaults: () => ({ language: 'en', timeZone: 'Europe/Berlin' }),
      }),
  });
  const sync = async () =>
    parseResponse({ type: 'offers.sync' }, await service.answer(vault, { type: 'offers.sync' }));
  const rewards = async () =>
    parseResponse({ type: 'rewards.list' }, await service.answer(vault, { type: 'rewards.list' }));
  return { vault, ch, clock, context, push, sync, rewards, service, complaints, wallet, net };
}

it('submits the customer’s own complaint about an offer and lists it as submitted, without its token', async () => {
  const { vault, context, push, sync, service, complaints } = await withGrant();
  const id = push('offer', await signedOffer(context));
  expect((await sync()).items.map((i) => i.offer.id)).toEqual([id]);
  const request = {
    type: 'offers.complain',
    id,
    reason: 'misleading',
    comment: 'Der Preis stimmt nicht.',
  } as const;
  const listed = parseResponse(request, await service.answer(vault, request));
  expect(complaints).toHaveLength(1);
  expect(listed.drafts).toEqual([
    expect.objectContaining({
      id,
      state: 'submitted',
      reasons: ['misleading'],
      sha256: sha256Of(complaints[0]!),
    }),
  ]);
  expect(listed.drafts[0]!.jws).toBeUndefined();
});

/** A disclosure of the company to the customer, opened by the wallet; its hash and token. */
async function disclosure({ ch, context, wallet }: Awaited<ReturnType<typeof withGrant>>) {
  const sha256 = await ch.addDisclosure(context.pseudonym, nowMs / 1000 - 60, {
    holdings: [
      {
        dataCategory: 'address',
        sources: ['broker'],
        purposes: ['product_launch'],
        retentionDays: 3650,
        recipients: [],
      },
    ],
  });
  await wallet.refreshCompany(ch.company.id);
  const jws = ch.disclosures.get(context.pseudonym)!.find((d) => d.sha256 === sha256)!.jws;
  return { sha256, jws };
}

/** The complaint's payload as the clearinghouse received it. */
function complaintPayload(jws: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(jws.split('.')[1]!))) as Record<
    string,
    unknown
  >;
}

it('submits the customer’s complaint about a disclosure with it as evidence, lists it for the relationships and the offers view, and refuses a second', async () => {
  const world = await withGrant();
  const { vault, ch, service, complaints, wallet } = world;
  const d = await disclosure(world);
  const request = parseRequest({
    type: 'relationships.complain',
    company: ch.company.id,
    disclosure: d.sha256,
    reasons: ['not_covered', 'other'],
    comment: 'Nie angegeben, und zehn Jahre sind zu lang.',
  }) as Extract<VaultRequest, { type: 'relationships.complain' }>;
  const done = await service.complainAboutDisclosure(vault, request);
  expect(complaints).toHaveLength(1);
  expect(complaintPayload(complaints[0]!)).toMatchObject({
    company: ch.company.id,
    reasons: ['not_covered', 'other'],
    comment: 'Nie angegeben, und zehn Jahre sind zu lang.',
    evidence: [{ kind: 'disclosure', jws: d.jws }],
  });
  expect(done).toMatchObject({
    id: d.sha256,
    state: 'submitted',
    sha256: sha256Of(complaints[0]!),
  });

  // The relationships view's answer carries it, without evidence or token, as the view parses it.
  const listed = await service.disclosureComplaints(vault);
  expect(listed).toEqual([
    expect.objectContaining({ id: d.sha256, about: 'disclosure', state: 'submitted' }),
  ]);
  expect(listed![0]).not.toHaveProperty('evidence');
  expect(listed![0]).not.toHaveProperty('jws');
  const answer = parseResponse(
    { type: 'relationships.list', refresh: false },
    {
      type: 'relationships',
      items: (await wallet.list()).items,
      damaged: [],
      now: nowMs,
      disclosureComplaints: listed,
    },
  );
  expect(answer.disclosureComplaints).toEqual(listed);
  // The offers view lists it with the customer's other complaints.
  const offers = parseResponse(
    { type: 'offers.list', markSeen: false },
    await service.answer(vault, { type: 'offers.list', markSeen: false }),
  );
  expect(offers.drafts).toEqual([
    expect.objectContaining({ id: d.sha256, about: 'disclosure', state: 'submitted' }),
  ]);

  // One complaint per disclosure: a second is refused before anything is signed.
  await expect(service.complainAboutDisclosure(vault, request)).rejects.toMatchObject({
    code: 'ERR_COMPLAINT_DUPLICATE',
  });
  expect(complaints).toHaveLength(1);
});

it('refuses a complaint about a disclosure while the vault is locked, and keeps one the clearinghouse did not answer under way until a sync sends it', async () => {
  const world = await withGrant();
  const { vault, ch, service, complaints, net, sync } = world;
  const d = await disclosure(world);
  const request: Extract<VaultRequest, { type: 'relationships.complain' }> = {
    type: 'relationships.complain',
    company: ch.company.id,
    disclosure: d.sha256,
    reasons: ['misleading'],
  };
  vault.lock();
  await expect(service.complainAboutDisclosure(vault, request)).rejects.toMatchObject({
    code: 'ERR_VAULT_LOCKED',
  });
  await vault.unlock('correct horse battery staple');
  expect(await service.disclosureComplaints(vault)).toEqual([]);

  net.complaintsDown = true;
  await expect(service.complainAboutDisclosure(vault, request)).rejects.toMatchObject({
    code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
  });
  const [underWay] = (await service.disclosureComplaints(vault))!;
  expect(underWay).toMatchObject({
    id: d.sha256,
    state: 'draft',
    error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
  });
  expect(underWay!.exp).toBeDefined();
  expect(complaints).toEqual([]);

  net.complaintsDown = false;
  await sync();
  expect(complaints).toHaveLength(1);
  expect((await service.disclosureComplaints(vault))![0]).toMatchObject({
    id: d.sha256,
    state: 'submitted',
    sha256: sha256Of(complaints[0]!),
  });
});

it('says how many breaches the last sync could not keep as drafts, until a sync keeps them all', async () => {
  const { vault, context, push, sync } = await withGrant();
  // Every place for a draft is taken by one the customer has not sent yet.
  const unsent = Array.from({ length: maxComplaintDrafts }, (_, n) =>
    complaintDraftOf(context, n, 'draft'),
  );
  await writeDrafts(vault, unsent);
  push('offer', await signedOffer(context, { advertisement: false }));
  expect(await sync()).toMatchObject({ draftsNotKept: 1 });
  push('offer', await signedOffer(context, { title: 'Ein zweites Angebot' }));
  expect(await sync()).toMatchObject({ draftsNotKept: 0 });
});

it('lists the rejected rewards, newest first, with company, time and reason and without their tokens', async () => {
  const { ch, clock, context, push, sync } = await withGrant();
  const kept = push('reward', await signedReward(context, 10));
  const first = push('reward', await signedReward(context, 999, { iss: `co_${'A'.repeat(43)}` }));
  await sync();
  clock.ms += 60_000;
  const second = push(
    'reward',
    await signedReward({ ...context, iat: clock.ms / 1000 }, 5, { iss: `co_${'B'.repeat(42)}A` }),
  );
  const listed = await sync();
  expect(listed.rejectedRewards).toEqual([
    {
      id: second,
      company: ch.company.id,
      error: 'ERR_MESSAGE_ISSUER_MISMATCH',
      at: nowMs / 1000 + 60,
    },
    { id: first, company: ch.company.id, error: 'ERR_MESSAGE_ISSUER_MISMATCH', at: nowMs / 1000 },
  ]);
  expect(listed.rejectedRewards!.map((r) => r.id)).not.toContain(kept);
});

it('lists a company’s newest rewards, newest first, with what each is and until when, capped, and without their tokens', async () => {
  const { ch, clock, context, push, sync, rewards } = await withGrant();
  // One more than the view lists, in one sync (so all kept at the same second) ...
  const points = [];
  for (let n = 1; n <= maxListedRewards + 1; n += 1)
    points.push(
      push(
        'reward',
        await signedRewardOf(context, {
          type: 'bonus_points',
          amount: n,
          description: { de: `Einkauf ${n}`, en: `Purchase ${n}` },
        }),
      ),
    );
  await sync();
  // ... then a status reward a minute later.
  clock.ms += 60_000;
  const statusJws = await signedRewardOf(
    { ...context, iat: clock.ms / 1000 },
    {
      type: 'status',
      description: { de: 'Goldmitglied', en: 'Gold member' },
      validUntil: nowMs / 1000 + 86_400,
    },
  );
  const status = push('reward', statusJws);
  await sync();

  const listed = await rewards();
  expect(listed.now).toBe(clock.ms);
  expect(listed.items).toHaveLength(1);
  const [earned] = listed.items;
  expect(earned).toMatchObject({
    company: ch.company.id,
    points: ((maxListedRewards + 1) * (maxListedRewards + 2)) / 2,
    count: maxListedRewards + 2,
    more: 2,
  });
  expect(earned!.latest).toHaveLength(maxListedRewards);
  expect(earned!.latest[0]).toEqual({
    id: status,
    type: 'status',
    description: { de: 'Goldmitglied', en: 'Gold member' },
    validUntil: nowMs / 1000 + 86_400,
    at: nowMs / 1000 + 60,
  });
  expect(earned!.latest[1]).toEqual({
    id: points.at(-1),
    type: 'bonus_points',
    amount: maxListedRewards + 1,
    description: { de: `Einkauf ${maxListedRewards + 1}`, en: `Purchase ${maxListedRewards + 1}` },
    at: nowMs / 1000,
  });
  // Newest first within the sync too; the two oldest are left for "and 2 more".
  expect(earned!.latest.slice(1).map((r) => r.id)).toEqual(points.slice(2).reverse());
  expect(JSON.stringify(listed)).not.toContain(statusJws.split('.')[2]);
});

it('adds up more points than ten million without the answer failing its schema', async () => {
  const { context, push, sync, rewards } = await withGrant();
  for (let n = 0; n < 11; n += 1) push('reward', await signedReward(context, 1_000_000));
  await sync();
  expect((await rewards()).items[0]).toMatchObject({ points: 11_000_000, count: 11, more: 0 });
});

it('explains offers in the Assistant’s own language, not in the profile’s language of offers', async () => {
  // The dashboard speaks German (the setting, or the browser's), the profile asks for English offers.
  const { vault, push, sync, context, clock } = await withGrant(async () => 'de');
  const preferences = new Preferences({
    store: vault,
    clock,
    randomBytes,
    defaults: () => ({ language: 'de', timeZone: 'Europe/Berlin' }),
  });
  const { profile: first, revision } = await preferences.profileWithRevision();
  const { profile } = await preferences.saveProfile({ ...first, language: 'en' }, revision);
  push('offer', await signedOffer(context));
  const [item] = (await sync()).items;
  const decision = item!.offer.decision as Decision;
  const timeZone = { timeZone: profile.quiet.timeZone };
  expect(item!.title).toBe(explainDecision(decision, 'de', timeZone).title);
  expect(item!.sentences).toEqual(explainDecision(decision, 'de', timeZone).sentences);
  expect(item!.title).not.toBe(explainDecision(decision, 'en', timeZone).title);
});

it('answers the category codes of the offers held, each once, without marking any offer seen', async () => {
  const { vault, context, push, sync, service, clock } = await withGrant();
  // The profile wants what the offers are about, by their channel: they are delivered, not seen.
  const preferences = new Preferences({
    store: vault,
    clock,
    randomBytes,
    defaults: () => ({ language: 'en', timeZone: 'Europe/Berlin' }),
  });
  const { profile, revision } = await preferences.profileWithRevision();
  await preferences.saveProfile(
    {
      ...withChannelsAllowed(profile, ['email'], 'email'),
      interests: [
        { category: 'travel/rail', weight: 1 },
        { category: 'sports/running', weight: 1 },
      ],
    },
    revision,
  );
  const categories = async () =>
    parseResponse(
      { type: 'offers.categories' },
      await service.answer(vault, { type: 'offers.categories' }),
    ).categories;
  // None held yet: no codes.
  expect(await categories()).toEqual([]);
  push('offer', await signedOffer(context, { category: 'travel/rail' }));
  push('offer', await signedOffer(context, { category: 'sports/running' }));
  push('offer', await signedOffer(context, { category: 'travel/rail', title: 'Noch eine Fahrt' }));
  const synced = await sync();
  expect(synced.items).toHaveLength(3);
  expect((await categories()).sort()).toEqual(['sports/running', 'travel/rail']);
  // Only a read: what the customer has not looked at stays unseen.
  expect(synced.items.some((i) => i.offer.state === 'delivered' && !i.offer.seen)).toBe(true);
  const listed = parseResponse(
    { type: 'offers.list', markSeen: false },
    await service.answer(vault, { type: 'offers.list', markSeen: false }),
  );
  expect(listed.items.map((i) => i.offer.seen)).toEqual(synced.items.map((i) => i.offer.seen));

  vault.lock();
  await expect(service.answer(vault, { type: 'offers.categories' })).rejects.toMatchObject({
    code: 'ERR_VAULT_LOCKED',
  });
});
