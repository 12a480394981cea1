/**
 * The server's purge of expired inbox items (issue 5 "Inbox": undelivered offers and rewards
 * expire after 30 days, or at an offer's `validUntil`), on SQLite and PostgreSQL with the injected
 * clock: `startRelayPurge` purges at once and then on its timer, exactly the expired items (with
 * their stored messages), never one that is still due, nor a delivered offer's contact count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { publicJwk } from '$protocol/keys';
import type { Payload, Scope } from '$protocol/messages';
import { sealSigned, sealTo } from '$protocol/seal';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
  sessionsWaitingForLock,
} from './api-test-kit';
import { testDialects } from './db/test-databases';
import { acknowledgePage, deleteRelayItems, inboxRetentionMs, startRelayPurge } from './relay';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as offersRoute from '../../routes/api/v1/offers/+server';
import * as rewardsRoute from '../../routes/api/v1/rewards/+server';

const day = 86_400;

describe.each(testDialects)('relay purge on %s', (dialect) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function relationship(): Promise<{
    company: TestCompany;
    pseudonym: TestPseudonym;
    grantSha256: string;
  }> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const registration = await sign('company', companyMessage(api.clock, company), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', registration), 201);
    const base = requestedScope(api.clock);
    const { timeWindows: _windows, ...conditions } = base.conditions;
    const scope: Scope = { ...base, conditions: { ...conditions, maxContactsPerWeek: 20 } };
    const request = await expectJson<{ sha256: string }>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await sign(
          'grant-request',
          {
            ...claims(api.clock, company.id, testOrigin),
            scopes: [scope],
            reason: { de: 'Neuigkeiten.', en: 'News.' },
          },
          company.keyPair,
        ),
      ),
      201,
    );
    const pseudonym = newPseudonym(company.id);
    const grant = await expectJson<{ sha256: string }>(
      await post(
        grantsRoute.POST,
        '/api/v1/grants',
        await sign(
          'grant',
          {
            ...claims(api.clock, pseudonym.id, company.id),
            requestSha256: request.sha256,
            scopes: [{ ...scope, channels: ['newsletter'] }],
            preferredChannel: 'newsletter',
            until: api.clock.seconds() + 365 * day,
            pseudonymKey: publicJwk(pseudonym.keyPair),
          },
          pseudonym.keyPair,
        ),
      ),
      201,
    );
    return { company, pseudonym, grantSha256: grant.sha256 };
  }

  async function offer(
    company: TestCompany,
    pseudonym: TestPseudonym,
    grantSha256: string,
    validUntil: number,
  ): Promise<string> {
    const common = { grantSha256, purpose: 'product_launch', channel: 'newsletter', validUntil };
    const { sealed } = await sealSigned(pseudonym.keyPair.publicKey, {
      kind: 'offer-content',
      keyPair: company.keyPair,
      payload: {
        ...claims(api.clock, company.id, pseudonym.id),
        ...common,
        exp: validUntil,
        brand: 'Beispiel Sport',
        category: 'sports/running',
        title: 'Neue Laufschuhe',
        body: 'Jetzt im Laden.',
        advertisement: true,
        unsubscribe: 'https://sport.example/unsubscribe',
      },
    });
    const token = await sign(
      'offer',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        ...common,
        sealed: base64urlEncode(sealed),
      } as Payload<'offer'>,
      company.keyPair,
    );
    return (
      await expectJson<{ id: string }>(await post(offersRoute.POST, '/api/v1/offers', token), 201)
    ).id;
  }

  async function reward(
    company: TestCompany,
    pseudonym: TestPseudonym,
    grantSha256: string,
  ): Promise<string> {
    const content = JSON.stringify({
      type: 'points',
      amount: 100,
      description: { de: '100 Punkte', en: '100 points' },
    });
    const token = await sign(
      'reward',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        grantSha256,
        sealed: base64urlEncode(sealTo(pseudonym.keyPair.publicKey, content)),
      },
      company.keyPair,
    );
    return (
      await expectJson<{ id: string }>(await post(rewardsRoute.POST, '/api/v1/rewards', token), 201)
    ).id;
  }

  async function remaining(ids: string[]): Promise<{ items: string[]; messages: string[] }> {
    const db = api.tdb.cdb.db;
    const items = await db.selectFrom('relay_items').select('id').where('id', 'in', ids).execute();
    const messages = await db
      .selectFrom('messages')
      .select('sha256')
      .where('sha256', 'in', ids)
      .execute();
    return {
      items: items.map((row) => row.id).sort(),
      messages: messages.map((row) => row.sha256).sort(),
    };
  }

  it('purges exactly the expired items, at start and on its timer', async () => {
    const start = api.clock.ms;
    try {
      const { company, pseudonym, grantSha256 } = await relationship();
      // Expires at its validUntil, one day on; the others 30 days after they arrived.
      const shortOffer = await offer(company, pseudonym, grantSha256, api.clock.seconds() + day);
      const oldReward = await reward(company, pseudonym, grantSha256);
      api.clock.advance(10 * day);
      const laterOffer = await offer(
        company,
        pseudonym,
        grantSha256,
        api.clock.seconds() + 60 * day,
      );
      const all = [shortOffer, oldReward, laterOffer];
      const contacts = async () =>
        (
          await api.tdb.cdb.db
            .selectFrom('relay_contacts')
            .select('offer_sha256')
            .where('offer_sha256', 'in', [shortOffer, laterOffer])
            .execute()
        ).length;

      // Day 10: only the short offer is past its expiry; the purge at start takes it alone.
      const logged: unknown[] = [];
      const purge = startRelayPurge(api.services.relay, {
        intervalMs: 20,
        log: (_message, error) => logged.push(error),
      });
      try {
        await purge.started;
        expect(await remaining(all)).toEqual({
          items: [oldReward, laterOffer].sort(),
          messages: [oldReward, laterOffer].sort(),
        });

        // One second before the reward's 30 days are up, the timer leaves everything alone.
        api.clock.ms = start + inboxRetentionMs - 1000;
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await remaining(all)).toEqual({
          items: [oldReward, laterOffer].sort(),
          messages: [oldReward, laterOffer].sort(),
        });

        // At 30 days the reward goes; the later offer (30 days from day 10) stays.
        api.clock.ms = start + inboxRetentionMs;
        await expect
          .poll(async () => (await remaining(all)).items, { timeout: 5000, interval: 50 })
          .toEqual([laterOffer]);
        expect((await remaining(all)).messages).toEqual([laterOffer]);

        api.clock.ms = start + 10 * day * 1000 + inboxRetentionMs;
        await expect
          .poll(async () => remaining(all), { timeout: 5000, interval: 50 })
          .toEqual({ items: [], messages: [] });
        // The contact cap's counts are not deleted with the offers (SPECS "Consent conditions").
        expect(await contacts()).toBe(2);
        expect(logged).toEqual([]);
      } finally {
        await purge.stop();
      }
    } finally {
      api.clock.ms = start;
    }
  });

  // PostgreSQL only: SQLite has one connection, so no other deletion can land inside a page.
  it.runIf(dialect === 'postgres')(
    'acknowledges through a cursor to its end when another acknowledgement takes an item of a page meanwhile',
    async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const db = api.tdb.cdb.db;
      const total = acknowledgePage + 20;
      const ids = Array.from({ length: total }, (_, i) => `ack-race-${String(i).padStart(4, '0')}`);
      const now = api.clock.ms;
      await db
        .insertInto('messages')
        .values(
          ids.map((id) => ({
            sha256: id,
            kind: 'offer',
            signer: company.kid,
            company_id: company.id,
            pseudonym: pseudonym.id,
            jws: 'x.y.z',
            iat: Math.floor(now / 1000),
            exp: Math.floor(now / 1000) + day,
            received_at: now,
          })),
        )
        .execute();
      await db
        .insertInto('relay_items')
        .values(
          ids.map((id, i) => ({
            id,
            pseudonym: pseudonym.id,
            company_id: company.id,
            kind: 'offer' as const,
            seq: i + 1,
            grant_sha256: grantSha256,
            received_at: now,
            expires_at: now + inboxRetentionMs,
          })),
        )
        .execute();
      // Another acknowledgement holds the first item deleted, uncommitted, while this one's first
      // page selects it and then waits for its lock; it commits, and the page deletes one fewer.
      let acknowledged: Promise<{ deleted: number }> | undefined;
      await db.transaction().execute(async (trx) => {
        await deleteRelayItems(trx, [ids[0]!]);
        acknowledged = api.services.relay.acknowledgeThrough(pseudonym.id, total);
        await expect
          .poll(() => sessionsWaitingForLock(db), { timeout: 10_000, interval: 20 })
          .toBeGreaterThan(0);
      });
      expect(await acknowledged).toEqual({ deleted: total - 1 });
      const left = await db
        .selectFrom('relay_items')
        .select('id')
        .where('pseudonym', '=', pseudonym.id)
        .execute();
      expect(left).toEqual([]);
    },
  );

  it('logs a failed purge and tries again on the next tick, never overlapping', async () => {
    let calls = 0;
    let running = 0;
    let overlapped = false;
    const logged: unknown[] = [];
    const purge = startRelayPurge(
      {
        purgeExpired: async () => {
          calls++;
          running++;
          if (running > 1) overlapped = true;
          await new Promise((resolve) => setTimeout(resolve, 30));
          running--;
          if (calls === 1) throw new Error('database gone');
          return 0;
        },
      },
      { intervalMs: 5, log: (_message, error) => logged.push(error) },
    );
    await purge.started;
    expect(logged).toEqual([new Error('database gone')]);
    await expect.poll(() => calls, { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(3);
    await purge.stop();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(after);
    expect(overlapped).toBe(false);
    expect(logged).toHaveLength(1);
  });
});
