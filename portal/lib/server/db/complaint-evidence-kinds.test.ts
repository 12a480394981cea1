import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { migrateToLatest, migrateUpTo } from './migrate';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

/**
 * Migration 0017: complaints stored before it get their evidence's kinds from their own signed
 * message (the console lists those instead of reading every message), and suspensions are
 * indexed by company. Rows are written in the shape of the release before it.
 */

/** A compact JWS-shaped token with `payload` (the migration only reads claims, never verifies). */
function token(payload: unknown): string {
  const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));
  return `${part({ alg: 'EdDSA', kid: 'k' })}.${part(payload)}.${part('signature')}`;
}

describe.each(testDialects)('migration 0017 on %s', (dialect) => {
  let tdb: TestDatabase | undefined;
  afterEach(async () => {
    await tdb?.dispose();
    tdb = undefined;
  });

  it('fills evidence_kinds and evidence_key of stored complaints from their messages, keeps one open copy keyed, and indexes suspensions', async () => {
    tdb = await openTestDatabase(dialect);
    const db = tdb.cdb.db;
    await migrateUpTo(tdb.cdb, '0016_relay_contacts_pseudonym');
    const message = (sha256: string, jws: string) => ({
      sha256,
      kind: 'complaint',
      signer: 'k',
      company_id: 'co_a',
      pseudonym: 'ps_a',
      jws,
      iat: 1,
      exp: 2,
      received_at: 1_000,
    });
    await db
      .insertInto('messages')
      .values({ ...message('reg', token({ iss: 'co_a' })), kind: 'company', pseudonym: null })
      .execute();
    await db
      .insertInto('companies')
      .values({
        id: 'co_a',
        status: 'active',
        legal_name: 'A',
        domain: 'https://a.example',
        profile: '{}',
        registration_sha256: 'reg',
        domain_verified_at: null,
        registered_at: 1_000,
        updated_at: 1_000,
      })
      .execute();
    const complaints: Record<string, string> = {
      // More than one page of the migration's backfill (200 rows a page).
      ...Object.fromEntries(
        Array.from({ length: 205 }, (_, i) => [
          `c${String(i).padStart(3, '0')}`,
          token({
            evidence: [
              { kind: 'disclosure', jws: 'x' },
              { kind: 'offer', jws: 'y' },
            ],
          }),
        ]),
      ),
      odd: token({ evidence: [{ kind: 7 }, null, { kind: 'offer', jws: 'z' }] }),
      noEvidence: token({ reasons: ['spam'] }),
      unreadable: 'not.a-jws.!',
    };
    // Open complaints are all this pseudonym's about co_a: c000…c204 share their evidence.
    let receivedAt = 1_000;
    const decided = new Set(['c001']);
    for (const [sha256, jws] of Object.entries(complaints)) {
      await db.insertInto('messages').values(message(sha256, jws)).execute();
      // Inserted without the new columns, as the release before it did.
      await sql`insert into complaints (sha256, company_id, pseudonym, reasons, received_at,
          decision)
        values (${sha256}, 'co_a', 'ps_a', '["spam"]', ${receivedAt++},
          ${decided.has(sha256) ? 'dismissed' : null})`.execute(db);
    }

    await migrateToLatest(tdb.cdb);

    const rows = await db
      .selectFrom('complaints')
      .select(['sha256', 'evidence_kinds', 'evidence_key'])
      .orderBy('sha256')
      .execute();
    const kinds = Object.fromEntries(rows.map((r) => [r.sha256, r.evidence_kinds]));
    const keys = Object.fromEntries(rows.map((r) => [r.sha256, r.evidence_key]));
    expect(rows).toHaveLength(Object.keys(complaints).length);
    expect(kinds.c000).toBe('["disclosure","offer"]');
    expect(kinds.c204).toBe('["disclosure","offer"]');
    expect(kinds.odd).toBe('["offer"]');
    expect(kinds.noEvidence).toBe('[]');
    expect(kinds.unreadable).toBe('[]');
    // The first open copy keeps the key, the decided one too; later open copies get none, so the
    // unique index over open complaints could be built.
    const key = keys.c000;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.c001).toBe(key);
    expect(keys.c002).toBeNull();
    expect(keys.c204).toBeNull();
    expect(keys.odd).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.odd).not.toBe(key);
    expect([keys.noEvidence, keys.unreadable]).toEqual([null, null]);
    // And it holds from now on: a second open complaint with that evidence is refused.
    await db.insertInto('messages').values(message('again', complaints.c000!)).execute();
    await expect(
      sql`insert into complaints (sha256, company_id, pseudonym, reasons, received_at,
          evidence_key)
        values ('again', 'co_a', 'ps_a', '[]', 9999, ${key})`.execute(db),
    ).rejects.toThrow(/unique/i);

    const indexes =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from pragma_index_list('suspensions')`.execute(db)
        : await sql<{ name: string }>`
            select indexname as name from pg_indexes where tablename = 'suspensions'`.execute(db);
    expect(indexes.rows.map((r) => r.name)).toContain('suspensions_company_idx');
  });
});
