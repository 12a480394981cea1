/**
 * The rows a batch of stored grants writes (`storeGrants`), on both databases: on PostgreSQL one
 * combined statement (db/postgres-batch.ts), on SQLite one statement per table, with the same
 * outcome. The API tests reach it through the writer; most of these call it directly with the
 * cases a writer batch rarely produces (several companies interleaved, a pseudonym bound
 * meanwhile); the last ones go through the writer, whose batches on PostgreSQL run the same rows
 * as clauses of its one statement.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProtocolError } from '$protocol/errors';
import {
  batchedEffect,
  createDurableWriter,
  type DurableWriter,
  type MessageRecord,
} from './db/durable-writer';
import { migrateToLatest, migrateUpTo } from './db/migrate';
import { migrationsFor } from './db/migrations/index';
import { openTestDatabase, testDialects, type TestDatabase } from './db/test-databases';
import {
  appendFeedEvent,
  requireActiveCompanies,
  storeGrants,
  type GrantEffect,
} from './grant-effects';

const id43 = () => randomBytes(32).toString('base64url');
const b64 = (value: string) => Buffer.from(value).toString('base64url');

describe.each(testDialects)('storeGrants on %s', (dialect) => {
  let tdb: TestDatabase;

  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
  });
  afterEach(async () => {
    await tdb.dispose();
  });

  /** A stored message (every row below refers to one). */
  async function message(kind: string): Promise<string> {
    const sha256 = id43();
    await tdb.cdb.db
      .insertInto('messages')
      .values({
        sha256,
        kind,
        signer: id43(),
        company_id: null,
        pseudonym: null,
        jws: `${id43()}.${id43()}.${id43()}`,
        iat: 1_750_000_000,
        exp: 1_750_000_300,
        received_at: 1_750_000_000_000,
      })
      .execute();
    return sha256;
  }

  /** A company whose feed counter stands at `feedSeq`, and a request of it. */
  async function company(feedSeq: number): Promise<{ id: string; request: string }> {
    const id = `co_${id43()}`;
    await tdb.cdb.db
      .insertInto('companies')
      .values({
        id,
        status: 'active',
        legal_name: 'Example GmbH',
        domain: 'https://example.test',
        profile: '{}',
        registration_sha256: await message('company'),
        feed_seq: feedSeq,
        domain_verified_at: null,
        registered_at: 1,
        updated_at: 1,
      })
      .execute();
    const request = await message('grant-request');
    await tdb.cdb.db
      .insertInto('grant_requests')
      .values({
        sha256: request,
        company_id: id,
        pseudonym: null,
        signer: id43(),
        iat: 1,
        created_at: 1,
      })
      .execute();
    return { id, request };
  }

  /** A grant's effect (its message stored), binding a new pseudonym unless one is given. */
  async function grant(
    owner: { id: string; request: string },
    pseudonym = `ps_${id43()}`,
    bind = true,
  ): Promise<GrantEffect> {
    return {
      sha256: await message('grant'),
      companyId: owner.id,
      pseudonym,
      bindX: bind ? id43() : undefined,
      requestSha256: owner.request,
      purposes: '["offers"]',
      iat: 1_750_000_000,
      until: 1_760_000_000,
      nowMs: 1_750_000_000_500,
    };
  }

  async function store(grants: GrantEffect[]): Promise<void> {
    await tdb.cdb.db.transaction().execute((trx) => storeGrants(trx, grants));
  }

  async function count(table: 'grants' | 'consent_events' | 'pseudonyms'): Promise<number> {
    const row = await tdb.cdb.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('writes bindings, grants and each company its feed events, numbered in the grants order', async () => {
    const a = await company(5);
    const b = await company(0);
    const grants = [await grant(a), await grant(b), await grant(a), await grant(b), await grant(a)];
    await store(grants);

    const events = await tdb.cdb.db
      .selectFrom('consent_events')
      .select(['company_id', 'seq', 'kind', 'sha256', 'pseudonym', 'created_at'])
      .orderBy('company_id')
      .orderBy('seq')
      .execute();
    const expected = (owner: string, first: number) =>
      grants
        .filter((item) => item.companyId === owner)
        .map((item, index) => ({
          company_id: owner,
          seq: first + index,
          kind: 'grant',
          sha256: item.sha256,
          pseudonym: item.pseudonym,
          created_at: 1_750_000_000_500,
        }));
    expect(
      events.map((row) => ({ ...row, seq: Number(row.seq), created_at: Number(row.created_at) })),
    ).toEqual(
      [...expected(a.id, 6), ...expected(b.id, 1)].sort((x, y) =>
        x.company_id < y.company_id ? -1 : x.company_id > y.company_id ? 1 : x.seq - y.seq,
      ),
    );
    const counters = await tdb.cdb.db
      .selectFrom('companies')
      .select(['id', 'feed_seq'])
      .where('id', 'in', [a.id, b.id])
      .execute();
    expect(new Map(counters.map((row) => [row.id, Number(row.feed_seq)]))).toEqual(
      new Map([
        [a.id, 8],
        [b.id, 2],
      ]),
    );

    const stored = await tdb.cdb.db
      .selectFrom('grants')
      .select(['sha256', 'company_id', 'pseudonym', 'request_sha256', 'purposes', 'revoked_at'])
      .execute();
    expect(stored).toHaveLength(5);
    for (const item of grants) {
      expect(stored).toContainEqual({
        sha256: item.sha256,
        company_id: item.companyId,
        pseudonym: item.pseudonym,
        request_sha256: item.requestSha256,
        purposes: '["offers"]',
        revoked_at: null,
      });
    }
    const bindings = await tdb.cdb.db
      .selectFrom('pseudonyms')
      .select(['pseudonym', 'company_id', 'x', 'bound_by'])
      .execute();
    expect(bindings).toHaveLength(5);
    for (const item of grants) {
      expect(bindings).toContainEqual({
        pseudonym: item.pseudonym,
        company_id: item.companyId,
        x: item.bindX,
        bound_by: item.sha256,
      });
    }
  });

  it('takes a later grant of a bound pseudonym without binding it again', async () => {
    const a = await company(0);
    const first = await grant(a);
    await store([first]);
    const later = await grant(a, first.pseudonym, false);
    // Bound meanwhile by the same company (a first grant that raced it): accepted too.
    const raced = await grant(a, first.pseudonym, true);
    await store([later, raced]);
    expect(await count('grants')).toBe(3);
    expect(await count('pseudonyms')).toBe(1);
    const binding = await tdb.cdb.db
      .selectFrom('pseudonyms')
      .select(['x', 'bound_by'])
      .executeTakeFirstOrThrow();
    expect(binding).toEqual({ x: first.bindX, bound_by: first.sha256 });
    expect(await count('consent_events')).toBe(3);
  });

  it('refuses a batch whose pseudonym was bound to another company meanwhile, and writes none of it', async () => {
    const a = await company(0);
    const b = await company(0);
    const first = await grant(a);
    await store([first]);
    const good = await grant(b);
    const stolen = await grant(b, first.pseudonym, true);
    const failure = await store([good, stolen]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isProtocolError(failure, 'ERR_PSEUDONYM_COMPANY_MISMATCH')).toBe(true);
    expect(await count('grants')).toBe(1);
    expect(await count('pseudonyms')).toBe(1);
    expect(await count('consent_events')).toBe(1);
    const counter = await tdb.cdb.db
      .selectFrom('companies')
      .select('feed_seq')
      .where('id', '=', b.id)
      .executeTakeFirstOrThrow();
    expect(Number(counter.feed_seq)).toBe(0);
  });

  it('refuses a first grant of one pseudonym to two companies in one batch', async () => {
    const a = await company(0);
    const b = await company(0);
    const pseudonym = `ps_${id43()}`;
    const failure = await store([await grant(a, pseudonym), await grant(b, pseudonym)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isProtocolError(failure, 'ERR_PSEUDONYM_COMPANY_MISMATCH')).toBe(true);
    expect(await count('grants')).toBe(0);
    expect(await count('pseudonyms')).toBe(0);
  });

  it('fails, writing nothing, for a company that does not exist', async () => {
    const a = await company(0);
    const ghost = { id: `co_${id43()}`, request: a.request };
    // Not found is not active: the whole batch fails (the writer then retries its records one
    // by one).
    await expect(store([await grant(a), await grant(ghost)])).rejects.toMatchObject({
      code: 'ERR_COMPANY_NOT_ACTIVE',
    });
    expect(await count('grants')).toBe(0);
    expect(await count('consent_events')).toBe(0);
    expect(await count('pseudonyms')).toBe(0);
  });

  it('fails, writing nothing, when a company of the batch is no longer active as its transaction sees it', async () => {
    const a = await company(0);
    const b = await company(0);
    // Suspended after the grants' checks: their batch still reads the status, under the lock.
    await tdb.cdb.db
      .updateTable('companies')
      .set({ status: 'suspended' })
      .where('id', '=', b.id)
      .execute();
    await expect(store([await grant(a), await grant(b)])).rejects.toMatchObject({
      code: 'ERR_COMPANY_NOT_ACTIVE',
    });
    expect(await count('grants')).toBe(0);
    expect(await count('consent_events')).toBe(0);
    expect(await count('pseudonyms')).toBe(0);
    await store([await grant(a)]);
    expect(await count('grants')).toBe(1);
  });

  // SQLite runs one transaction at a time on its one connection: nothing to interleave there.
  it.runIf(dialect === 'postgres')(
    'lets two transactions that read a company as active and then append to its feed both commit (no deadlock)',
    async () => {
      const a = await company(0);
      // Each reads the status, then waits until the other has read it too, then appends: with a
      // share lock each update would wait for the other's lock (40P01 after deadlock_timeout).
      let arrived = 0;
      let release!: () => void;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const one = (n: number) =>
        tdb.cdb.db.transaction().execute(async (trx) => {
          await requireActiveCompanies(trx, [a.id]);
          if (++arrived === 2) release();
          await bothRead;
          await appendFeedEvent(
            trx,
            {
              companyId: a.id,
              kind: 'refusal',
              sha256: await message('refusal'),
              pseudonym: `ps_${n}`,
            },
            1,
          );
        });
      const outcomes = await Promise.allSettled([one(1), one(2)]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual([
        'ok',
        'ok',
      ]);
      const counter = await tdb.cdb.db
        .selectFrom('companies')
        .select('feed_seq')
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      expect(Number(counter.feed_seq)).toBe(2);
    },
  );

  /** A grant as the writer gets it: a compact JWS (filler signature), its hash and its rows. */
  async function grantRecord(
    owner: { id: string; request: string },
    options: { pseudonym?: string; signer?: string; jti?: string } = {},
  ): Promise<MessageRecord> {
    const pseudonym = options.pseudonym ?? `ps_${id43()}`;
    const jti = options.jti ?? id43();
    const jws = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'grant+jws' }))}.${b64(
      JSON.stringify({ jti, note: id43() }),
    )}.${id43()}`;
    const sha256 = createHash('sha256').update(jws, 'ascii').digest('base64url');
    return {
      sha256,
      jws,
      kind: 'grant',
      signer: options.signer ?? id43(),
      jti,
      companyId: owner.id,
      pseudonym,
      iat: 1_750_000_000,
      exp: 1_750_000_300,
      logged: true,
      effect: batchedEffect(storeGrants, {
        sha256,
        companyId: owner.id,
        pseudonym,
        bindX: id43(),
        requestSha256: owner.request,
        purposes: '["offers"]',
        iat: 1_750_000_000,
        until: 1_760_000_000,
        nowMs: 1_750_000_000_500,
      }),
    };
  }

  /** Runs `work` with a durable writer on the test database, closed afterwards. */
  async function withWriter(work: (writer: DurableWriter) => Promise<void>): Promise<void> {
    const writer = createDurableWriter(tdb.cdb);
    try {
      await work(writer);
    } finally {
      await writer.close();
    }
  }

  /** Runs `work` with a writer and a second PostgreSQL connection, both closed afterwards. */
  async function withOtherConnection(
    work: (writer: DurableWriter, other: pg.Client) => Promise<void>,
  ): Promise<void> {
    const other = new pg.Client({ connectionString: tdb.postgresUrl });
    await other.connect();
    try {
      await withWriter((writer) => work(writer, other));
    } finally {
      await other.end();
    }
  }

  /** Opens a transaction on `other` that binds `pseudonym` to `companyId`, left uncommitted. */
  async function bindUncommitted(
    other: pg.Client,
    pseudonym: string,
    companyId: string,
    boundBy: string,
  ): Promise<void> {
    await other.query('begin');
    await other.query(
      `insert into pseudonyms (pseudonym, company_id, x, bound_at, bound_by)
       values ($1, $2, 'x', 0, $3)`,
      [pseudonym, companyId, boundBy],
    );
  }

  it('through the writer, writes the rows of the stored grants of a batch only', async () => {
    await withWriter(async (writer) => {
      const a = await company(0);
      const earlier = await grantRecord(a);
      const purged = await grantRecord(a);
      expect((await writer.write(earlier)).status).toBe('stored');
      expect((await writer.write(purged)).status).toBe('stored');
      // Its jti forgotten (as once its message expires): the same message comes back.
      await tdb.cdb.db.deleteFrom('seen_jtis').where('jti', '=', purged.jti).execute();
      const fresh = await grantRecord(a);
      const replay = await grantRecord(a, { signer: fresh.signer, jti: fresh.jti });
      const fallbacks = writer.stats.fallbacks;
      const results = await Promise.all(
        [fresh, earlier, replay, { ...fresh }, purged].map((record) => writer.write(record)),
      );
      expect(results.map((result) => result.status)).toEqual([
        'stored',
        'duplicate',
        'replayed',
        'duplicate',
        'duplicate',
      ]);
      expect(writer.stats.fallbacks, 'one batch, no retries').toBe(fallbacks);
      const grants = await tdb.cdb.db.selectFrom('grants').select('sha256').execute();
      expect(grants.map((row) => row.sha256).sort()).toEqual(
        [earlier.sha256, purged.sha256, fresh.sha256].sort(),
      );
      const bound = await tdb.cdb.db.selectFrom('pseudonyms').select('pseudonym').execute();
      expect(bound.map((row) => row.pseudonym).sort()).toEqual(
        [earlier.pseudonym, purged.pseudonym, fresh.pseudonym].sort(),
      );
      const events = await tdb.cdb.db
        .selectFrom('consent_events')
        .select(['seq', 'sha256'])
        .orderBy('seq')
        .execute();
      expect(events.map((row) => [Number(row.seq), row.sha256])).toEqual([
        [1, earlier.sha256],
        [2, purged.sha256],
        [3, fresh.sha256],
      ]);
      const queued = await tdb.cdb.db.selectFrom('log_queue').select('sha256').execute();
      expect(queued).toHaveLength(3);
    });
  });

  it.runIf(dialect === 'postgres')(
    'through the writer, refuses a grant whose pseudonym another connection bound to another company meanwhile, and takes one bound to the same company',
    async () => {
      await withOtherConnection(async (writer, other) => {
        const a = await company(0);
        const b = await company(0);
        const boundBy = await message('refusal');
        for (const [owner, expected] of [
          [b, 'ERR_PSEUDONYM_COMPANY_MISMATCH'],
          [a, 'stored'],
        ] as const) {
          const record = await grantRecord(a);
          // Bound by the other connection, not yet committed when the writer's statement starts:
          // the statement's snapshot cannot see it, only its conflict and key checks can. (The
          // statement waits for it at its conflict check; a binding that appears between that
          // check and the insert, the reason for `on conflict do nothing` without a target, is a
          // race no test here forces.)
          await bindUncommitted(other, record.pseudonym!, owner.id, boundBy);
          const written = writer.write(record).then(
            (result) => result.status,
            (error: unknown) => (error as { code?: string }).code,
          );
          await new Promise((resolve) => setTimeout(resolve, 300));
          // The writer waits for that binding before it locks the company: the other connection
          // can still move the company's counter (were the company locked first, the two would
          // deadlock, as they could with a refusal, which binds first too).
          await other.query("set local statement_timeout = '3s'");
          await other.query('update companies set feed_seq = feed_seq + 0 where id = $1', [a.id]);
          await other.query('commit');
          expect(await written).toBe(expected);
        }
        expect(await count('grants')).toBe(1);
      });
    },
  );

  it.runIf(dialect === 'postgres')(
    'through the writer, stores a grant while another transaction holds a row that refers to its company',
    async () => {
      await withOtherConnection(async (writer, other) => {
        const a = await company(0);
        // Its foreign-key check holds a key-share lock on the company's row until it ends; the
        // grants only move the counter, which must not wait for that.
        await bindUncommitted(other, `ps_${id43()}`, a.id, await message('refusal'));
        const outcome = await Promise.race([
          writer.write(await grantRecord(a)).then((result) => result.status),
          new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000)),
        ]);
        expect(outcome).toBe('stored');
        await other.query('rollback');
      });
    },
  );

  it.runIf(dialect === 'postgres')(
    'migration 0013 stops, naming them, on a database holding grants of pseudonyms bound to another company',
    async () => {
      const a = await company(0);
      const b = await company(0);
      const first = await grant(a);
      await store([first]);
      // As before migration 0013 (it and every later one undone): without its keys, a grant of
      // a's pseudonym to b can be stored.
      const before = '0012_message_reference_indexes';
      await migrateUpTo(tdb.cdb, before);
      const later = Object.keys(migrationsFor('postgres')).filter((name) => name > before);
      const stray = await grant(b, first.pseudonym, false);
      await store([stray]);
      await expect(migrateToLatest(tdb.cdb)).rejects.toThrow(
        new RegExp(`Migration 0013_grant_binding failed.*${stray.sha256}`),
      );
      // Corrected, it applies.
      await tdb.cdb.db.deleteFrom('consent_events').where('sha256', '=', stray.sha256).execute();
      await tdb.cdb.db.deleteFrom('grants').where('sha256', '=', stray.sha256).execute();
      expect((await migrateToLatest(tdb.cdb)).applied).toEqual(later);
    },
  );
});
