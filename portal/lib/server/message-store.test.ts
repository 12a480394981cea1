import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, isProtocolError } from '$protocol/errors';
import { ready } from '$protocol/sodium';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest } from './db/migrate';
import { openTestDatabase, testDialects, type TestDatabase } from './db/test-databases';
import {
  storeSigned,
  storedBefore,
  type ServiceContext,
  type SignedForStorage,
} from './message-store';

function message(apply?: SignedForStorage['apply']): SignedForStorage {
  const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
  const kid = randomBytes(32).toString('base64url');
  const jti = randomUUID();
  const token = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'grant+jws', kid }))}.${b64(JSON.stringify({ jti }))}.${b64(randomBytes(64))}`;
  return {
    token,
    sha256: createHash('sha256').update(token, 'ascii').digest('base64url'),
    kind: 'grant',
    kid,
    jti,
    iat: 1_767_225_600,
    exp: 1_767_225_900,
    companyId: `co_${randomBytes(32).toString('base64url')}`,
    pseudonym: null,
    logged: true,
    ...(apply === undefined ? {} : { apply }),
  };
}

describe.each(testDialects)('storing a message with its aggregate rows on %s', (dialect) => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let ctx: ServiceContext;

  beforeEach(async () => {
    await ready();
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
    writer = createDurableWriter(tdb.cdb, { maxWaitMs: 5 });
    ctx = { cdb: tdb.cdb, writer, origin: 'http://localhost:3000', now: Date.now };
  });
  afterEach(async () => {
    await writer.close();
    await tdb.dispose();
  });

  async function count(table: 'messages' | 'seen_jtis' | 'log_queue'): Promise<number> {
    const row = await tdb.cdb.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('runs apply inside the transaction that stores the message, and answers a resend as such', async () => {
    const seen: string[] = [];
    const ok = message(async (trx) => {
      const row = await trx.selectFrom('messages').select('sha256').executeTakeFirst();
      seen.push(row?.sha256 ?? 'none');
    });
    expect(await storeSigned(ctx, ok)).toEqual({
      sha256: ok.sha256,
      status: 'pending',
      created: true,
    });
    expect(seen).toEqual([ok.sha256]);
    expect(await storeSigned(ctx, ok)).toMatchObject({ created: false });
    expect(seen).toHaveLength(1); // not applied twice
    expect(await storedBefore(ctx, ok.token, 'grant')).toMatchObject({ created: false });
    expect(await storedBefore(ctx, ok.token, 'refusal')).toBeUndefined();
  });

  it('stores nothing of a message whose apply fails, passes its code on, and keeps its batch-mates', async () => {
    const good = message(async () => {});
    const bad = message(async () => {
      throw new ProtocolError('ERR_REVOCATION_ALREADY_ACKED', 'raced');
    });
    const [a, b] = await Promise.allSettled([storeSigned(ctx, good), storeSigned(ctx, bad)]);
    expect(a.status).toBe('fulfilled');
    expect(
      b.status === 'rejected' && isProtocolError(b.reason, 'ERR_REVOCATION_ALREADY_ACKED'),
    ).toBe(true);
    expect(await count('messages')).toBe(1);
    expect(await count('seen_jtis')).toBe(1);
    expect(await count('log_queue')).toBe(1);
  });

  it('refuses another message with a spent jti as a replay', async () => {
    const first = message();
    await storeSigned(ctx, first);
    const second = { ...message(), kid: first.kid, jti: first.jti };
    await expect(storeSigned(ctx, second)).rejects.toMatchObject({ code: 'ERR_JWS_REPLAYED' });
    // Nothing of the replay is kept: the first message alone, logged once.
    expect(await count('messages')).toBe(1);
    expect(await count('seen_jtis')).toBe(1);
    expect(await count('log_queue')).toBe(1);
  });
});
