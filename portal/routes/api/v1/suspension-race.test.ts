/**
 * A suspension takes effect at once across the API (issue 5), also for a message whose checks
 * ran before the suspension committed and whose write comes after it: grant requests, grants and
 * rewards read the company's status again inside their storing transaction. Each case commits the
 * suspension from inside the durable writer, just before the message's record is written, on
 * SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { sealTo } from '$protocol/seal';
import {
  beforeItsWrite,
  claims,
  expectJson,
  newPseudonym,
  newRegulator,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestRegulator,
} from '$lib/server/api-test-kit';
import {
  grantedPseudonym,
  grantRequestToken,
  grantToken,
  registerCompany,
} from '$lib/server/api-test-world';
import type { TestCompany } from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import { requireActiveCompanies } from '$lib/server/grant-effects';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as rewardsRoute from './rewards/+server';
import * as suspensionsRoute from './suspensions/+server';

describe.each(testDialects)('a suspension committed during a write (%s)', (dialect) => {
  let api: ApiHarness;
  let regulator: TestRegulator;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await newRegulator(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** An active company with an open request. */
  async function company(): Promise<{ company: TestCompany; requestSha256: string }> {
    const { company } = await registerCompany(api);
    const request = await expectJson<{ sha256: string }>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await grantRequestToken(api, company),
      ),
      201,
    );
    return { company, requestSha256: request.sha256 };
  }

  /**
   * Posts `send()` while the writer, about to write the first record of `kind`, first has the
   * regulator suspend `companyId` (committed, 201); returns the answer and what was stored.
   */
  async function raced(
    kind: string,
    companyId: string,
    send: () => Promise<Response>,
  ): Promise<{ status: number; body: { code?: string }; stored: number }> {
    const suspension = await sign(
      'suspension',
      {
        ...claims(api.clock, regulator.id, testOrigin),
        company: companyId,
        action: 'suspend',
        reason: { de: 'Prüfung.', en: 'Under review.' },
      },
      regulator.keyPair,
    );
    let suspended = 0;
    const response = await beforeItsWrite(
      api,
      async () => {
        suspended = (await post(suspensionsRoute.POST, '/api/v1/suspensions', suspension)).status;
      },
      send,
      kind,
    );
    expect(suspended).toBe(201);
    const stored = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('company_id', '=', companyId)
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow();
    return {
      status: response.status,
      body: (await response.json()) as { code?: string },
      stored: Number(stored.n),
    };
  }

  // PostgreSQL only: SQLite has one writer, so nothing of this interleaves there.
  it.runIf(dialect === 'postgres')(
    'waits, to suspend, for a transaction that has read the company as active',
    async () => {
      const { company: c } = await company();
      const suspension = await sign(
        'suspension',
        {
          ...claims(api.clock, regulator.id, testOrigin),
          company: c.id,
          action: 'suspend',
          reason: { de: 'Prüfung.', en: 'Under review.' },
        },
        regulator.keyPair,
      );
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let read!: () => void;
      const hasRead = new Promise<void>((resolve) => (read = resolve));
      // A write that read the status (as a grant request or reward does) and has not committed.
      const holding = api.tdb.cdb.db.transaction().execute(async (trx) => {
        await requireActiveCompanies(trx, [c.id]);
        read();
        await finished;
      });
      await hasRead;
      let answered: number | undefined;
      const suspending = post(suspensionsRoute.POST, '/api/v1/suspensions', suspension).then(
        (response) => (answered = response.status),
      );
      // The suspension's transaction waits on the company row's lock (failed with a share lock
      // read as the feed's updates do not wait: the row was not held against a status change).
      for (let tries = 0; ; tries++) {
        const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and datname = current_database()`.execute(api.tdb.cdb.db);
        if (waiting.rows[0]!.n > 0) break;
        expect(answered, 'the suspension went ahead of a transaction that read the status').toBe(
          undefined,
        );
        if (tries > 200) throw new Error('the suspension never waited for the company row');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(answered).toBe(undefined);
      finish();
      await holding;
      await suspending;
      expect(answered).toBe(201);
    },
  );

  it('refuses a grant request, storing nothing', async () => {
    const { company: c } = await company();
    const before = await raced('grant-request', c.id, async () =>
      post(grantRequestsRoute.POST, '/api/v1/grant-requests', await grantRequestToken(api, c)),
    );
    // The open request of company() is the one stored before.
    expect(before).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'ERR_COMPANY_NOT_ACTIVE' }),
      stored: 1,
    });
  });

  it('refuses a grant, storing nothing and binding no pseudonym', async () => {
    const { company: c, requestSha256 } = await company();
    const p = newPseudonym(c.id);
    const outcome = await raced('grant', c.id, async () =>
      post(grantsRoute.POST, '/api/v1/grants', await grantToken(api, p, c.id, requestSha256)),
    );
    expect(outcome).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'ERR_COMPANY_NOT_ACTIVE' }),
      stored: 0,
    });
    const bound = await api.tdb.cdb.db
      .selectFrom('pseudonyms')
      .select('pseudonym')
      .where('pseudonym', '=', p.id)
      .execute();
    expect(bound).toEqual([]);
  });

  it('refuses a reward, queueing nothing', async () => {
    const { company: c, requestSha256 } = await company();
    const { pseudonym, grantSha256 } = await grantedPseudonym({ api, company: c, requestSha256 });
    const content = JSON.stringify({
      type: 'points',
      amount: 10,
      description: { de: '10 Punkte', en: '10 points' },
    });
    const reward = await sign(
      'reward',
      {
        ...claims(api.clock, c.id, pseudonym.id),
        grantSha256,
        sealed: base64urlEncode(sealTo(pseudonym.keyPair.publicKey, content)),
      },
      c.keyPair,
    );
    const outcome = await raced('reward', c.id, () =>
      post(rewardsRoute.POST, '/api/v1/rewards', reward),
    );
    expect(outcome).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'ERR_COMPANY_NOT_ACTIVE' }),
      stored: 0,
    });
  });
});
