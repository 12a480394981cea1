/**
 * The offers service over a real vault in Chromium: what a sync could not keep and the rewards it
 * rejected reach the offers view's answer, as the background sends it.
 */
import { afterEach, expect, it } from 'vitest';
import type { ClientFetch, InboxItem } from '../protocol/client';
import { sha256Of } from '../protocol/jws';
import { testArgon2Params } from './build';
import { maxComplaintDrafts, writeDrafts } from './core/complaints';
import { companyIdentity } from './core/identity';
import {
  complaintDraftOf,
  signedOffer,
  signedReward,
  type InboxContext,
} from './core/offers.fixture';
import { Preferences } from './core/preferences';
import { defaultSettings } from './core/settings';
import { FakeClearinghouse, fixtureWallet, grantAll } from './core/wallet.fixture';
import { parseResponse } from './messages';
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
 */
async function withGrant() {
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
  const push = (kind: InboxItem['kind'], jws: string) => {
    const id = sha256Of(jws);
    const cursor = String(inbox.length + 1).padStart(8, '0');
    inbox.push({ id, cursor, kind, jws, receivedAt: clock.ms, expiresAt: clock.ms + 86_400_000 });
    return id;
  };
  const json = (status: number, body: unknown) => ({
    status,
    text: async () => JSON.stringify(body),
  });
  const fetch: ClientFetch = async (url, init) => {
    const path = new URL(url).pathname;
    if (path === `/api/v1/companies/${ch.company.id}`) return json(200, ch.company);
    if (path.startsWith(`/api/v1/pseudonyms/${pseudonym}/inbox`)) {
      if (init.method === 'GET') return json(200, { items: inbox, next: null });
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
  return { vault, ch, clock, context, push, sync };
}

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
