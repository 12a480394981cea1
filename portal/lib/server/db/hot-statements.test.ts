/**
 * The statements of the hot paths (issue 5 "Benchmark": a grant, an offer, an inbox read), counted
 * through Kysely's `log` option on both databases, so a redundant statement shows up as a failing
 * count; and the two pieces that make them cheaper: statements built once (db/prepared.ts) and
 * the grouped, durable replay check of request signatures (db/jti-claims.ts).
 */
import { CompiledQuery, sql, type LogEvent } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { ready } from '$protocol/sodium';
import {
  expectJson,
  get,
  newPseudonym,
  openApiHarness,
  post,
  requestSignature,
  type ApiHarness,
} from '../api-test-kit';
import { grantRequestToken, grantToken, offerToken, registerCompany } from '../api-test-world';
import * as grantRequestsRoute from '../../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../../routes/api/v1/grants/+server';
import * as offersRoute from '../../../routes/api/v1/offers/+server';
import * as inboxRoute from '../../../routes/api/v1/pseudonyms/[pseudonym]/inbox/+server';
import { createJtiClaimer } from './jti-claims';
import { prepared } from './prepared';
import { testDialects } from './test-databases';

describe.each(testDialects)('the hot paths on %s', (dialect) => {
  let api: ApiHarness;
  let statements: string[];

  beforeEach(async () => {
    await ready();
    statements = [];
    api = await openApiHarness(dialect, {
      log: (event: LogEvent) => {
        if (event.level === 'query') statements.push(event.query.sql);
      },
    });
  });
  afterEach(async () => {
    await api.close();
  });

  /** The statements `work` issued (transaction control and pragmas apart), in order. */
  async function counted(work: () => Promise<void>): Promise<string[]> {
    statements.length = 0;
    await work();
    return statements.filter(
      (text) => !/^(begin|commit|rollback|pragma|savepoint|release)\b/i.test(text.trim()),
    );
  }

  /** A registered company and a grant request it posted. */
  async function companyWithRequest() {
    const { company } = await registerCompany(api);
    const request = await expectJson<{ sha256: string }>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await grantRequestToken(api, company),
      ),
      201,
    );
    return { company, request };
  }

  /**
   * What a statement does to which table (`insert seen_jtis`); for one of PostgreSQL's combined
   * statements (`with ...`, db/postgres-batch.ts) everything it writes, in order, joined by `+`.
   */
  const tableOf = (text: string) => {
    const advisory = /^\s*select (pg_advisory_xact_lock\w*)\(/i.exec(text);
    if (advisory !== null) return advisory[1];
    if (/^\s*with\b/i.test(text)) {
      return [...text.matchAll(/\b(insert into|(?<!\bfor (?:no key )?)update)\s+"?([a-z_]+)"?/gi)]
        .map((match) => `${match[1]!.split(' ')[0]!.toLowerCase()} ${match[2]}`)
        .join(' + ');
    }
    // A subquery in a select list is not the table read: parenthesised parts go first.
    let flat = text;
    while (/\([^()]*\)/.test(flat)) flat = flat.replace(/\([^()]*\)/g, '');
    return /^\s*(select .*? from|insert into|update|delete from)\s+"?([a-z_]+)"?/is
      .exec(flat)
      ?.slice(1)
      .map((part) => part.split(' ')[0]!.toLowerCase())
      .join(' ');
  };
  /** The writer's claim of a jti and store of its message, one statement on PostgreSQL. */
  const claimAndStore =
    dialect === 'postgres'
      ? ['insert seen_jtis + insert messages + insert log_queue']
      : ['insert seen_jtis', 'insert messages'];

  it('a grant costs one read for its checks and, in its writer batch, one statement per table it writes (on PostgreSQL one in all)', async () => {
    const { company, request } = await companyWithRequest();
    // The first grant of a request also parses the request once (kept afterwards).
    const first = newPseudonym(company.id);
    await post(
      grantsRoute.POST,
      '/api/v1/grants',
      await grantToken(api, first, company.id, request.sha256),
    );
    const pseudonym = newPseudonym(company.id);
    const token = await grantToken(api, pseudonym, company.id, request.sha256);
    const grant = await counted(async () => {
      await expectJson(await post(grantsRoute.POST, '/api/v1/grants', token), 201);
    });
    // Verification: the company, the pseudonym's binding (none yet) and the request it answers,
    // read by one statement.
    expect(grant.length).toBeGreaterThan(0);
    const checks = grant[0]!;
    expect(checks).toMatch(/^\s*select\b/i);
    for (const table of ['companies', 'pseudonyms', 'grant_requests', 'company_keys'])
      expect(checks).toMatch(new RegExp(`\\b(join|from) ${table}\\b`));
    const tables = grant.map(tableOf);
    // The writer's batch: the jti, the message, the log, the company's status, the binding, the
    // grant, the feed. On
    // PostgreSQL one statement without a transaction around it (each statement and each begin or
    // commit is a round trip there); on SQLite one statement per table in a transaction.
    if (dialect === 'postgres') {
      expect(tables.slice(1)).toEqual([
        'insert seen_jtis + insert messages + insert log_queue + insert pseudonyms + insert grants + update companies + insert consent_events',
      ]);
      expect(
        // `statements` holds everything the grant issued, transaction control included.
        statements.filter((text) => /^\s*(begin|commit|start)\b/i.test(text)),
        'no transaction around the batch',
      ).toEqual([]);
    } else {
      expect(tables.slice(1)).toEqual([
        ...claimAndStore,
        // the batch's companies still active (a suspension committed since the checks counts)
        'select companies',
        'insert pseudonyms',
        'insert grants',
        'update companies',
        'insert consent_events',
        'insert log_queue',
      ]);
    }
  });

  it(
    dialect === 'postgres'
      ? "concurrent grants share their checks' statements, and each gets its own answer"
      : 'each of concurrent grants reads its checks itself (SQLite reads at once)',
    async () => {
      const { company, request } = await companyWithRequest();
      const count = 8;
      const tokens = await Promise.all(
        Array.from({ length: count }, () =>
          grantToken(api, newPseudonym(company.id), company.id, request.sha256),
        ),
      );
      // Among them, one names an unknown request (422) and one a request id with a NUL byte,
      // which PostgreSQL cannot take as text (refused by the schema, 400, as on SQLite): each is
      // refused alone, the others pass.
      const unknown = await grantToken(api, newPseudonym(company.id), company.id, 'A'.repeat(43));
      const poisoned = await grantToken(
        api,
        newPseudonym(company.id),
        company.id,
        `A\u0000${'A'.repeat(41)}`,
      );
      const run = await counted(async () => {
        const answers = await Promise.all(
          [...tokens, unknown, poisoned].map((token) =>
            post(grantsRoute.POST, '/api/v1/grants', token),
          ),
        );
        expect(answers.map((answer) => answer.status)).toEqual([
          ...Array<number>(count).fill(201),
          422,
          400,
        ]);
      });
      const checks = run.filter((text) => /\b(join|from) grant_requests\b/.test(text));
      if (dialect === 'postgres') {
        expect(checks.length).toBeGreaterThanOrEqual(1);
        expect(checks.length).toBeLessThan(count);
      } else {
        expect(checks).toHaveLength(count + 2);
      }
    },
  );

  it.runIf(dialect === 'postgres')(
    "the grants' shared checks look each binding up by its key, also where a full scan looks cheaper to the planner",
    async () => {
      const { company, request } = await companyWithRequest();
      const answers = await Promise.all(
        Array.from({ length: 4 }, async () =>
          post(
            grantsRoute.POST,
            '/api/v1/grants',
            await grantToken(api, newPseudonym(company.id), company.id, request.sha256),
          ),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
      const shared = statements.find((text) => /^\s*select q\.key\b/i.test(text));
      expect(shared, 'the shared statement of the checks').toBeDefined();
      // About 1,500 bindings: at ten keys (the planner's guess for an array it cannot see), a
      // full scan of them and a hash join cost less to the planner than ten lookups by key.
      const db = api.tdb.cdb.db;
      const { sha256: boundBy } = await db
        .selectFrom('pseudonyms')
        .select('bound_by as sha256')
        .executeTakeFirstOrThrow();
      await sql`insert into pseudonyms (pseudonym, company_id, x, bound_at, bound_by)
          select 'ps_filler' || n, ${company.id}, 'x', 0, ${boundBy}
          from generate_series(1, 1500::int) as n`.execute(db);
      await sql`analyze pseudonyms, companies, grant_requests, company_keys`.execute(db);
      const keys = Array.from({ length: 10 }, (_, index) =>
        JSON.stringify([company.id, `ps_filler${index * 100 + 1}`, request.sha256]),
      );
      const { rows } = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (format json) ${shared!}`, [keys]),
      );
      const scans: string[] = [];
      const visit = (node: Record<string, unknown>) => {
        if (typeof node['Relation Name'] === 'string')
          scans.push(`${String(node['Node Type'])} ${node['Relation Name']}`);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
          visit(child);
      };
      visit((rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
      // The one-row tables may be read whole (one page); the bindings are looked up by key.
      expect(scans.filter((scan) => scan.endsWith(' pseudonyms'))).toEqual([
        'Index Scan pseudonyms',
      ]);
      expect(scans).toHaveLength(4);
    },
  );

  it('an offer and an inbox read cost what they check and store, and a replayed read is refused', async () => {
    const { company, request } = await companyWithRequest();
    const pseudonym = newPseudonym(company.id);
    const grant = await expectJson<{ sha256: string }>(
      await post(
        grantsRoute.POST,
        '/api/v1/grants',
        await grantToken(api, pseudonym, company.id, request.sha256),
      ),
      201,
    );
    const offer = await offerToken(api, company, pseudonym, grant.sha256);
    const offerStatements = await counted(async () => {
      await expectJson(await post(offersRoute.POST, '/api/v1/offers', offer), 201);
    });
    // The in-transaction read of the grant also reads its key's declared compromise (a subquery,
    // which tableOf leaves out).
    expect(
      offerStatements.filter((text) =>
        /^\s*select\b[\s\S]*\bcompany_keys\b[\s\S]*\bfrom\s+"?grants\b/i.test(text),
      ),
    ).toHaveLength(1);
    expect(offerStatements.map(tableOf)).toEqual([
      // the company, the addressed pseudonym, the signing key, the grant (no resend lookup: only
      // when a check fails)
      'select companies',
      'select pseudonyms',
      'select company_keys',
      'select grants',
      ...claimAndStore,
      // the signing key held against a declaration of its compromise meanwhile (PostgreSQL;
      // compromise.ts), then the grant's revocations, its company's status and the key's
      // declared compromise again, inside the transaction: what committed since the check above
      // takes effect at once
      ...(dialect === 'postgres' ? ['pg_advisory_xact_lock_shared'] : []),
      'select grants',
      'insert relay_mailboxes',
      'select relay_contacts',
      'insert relay_contacts',
      'insert relay_items',
    ]);

    const path = `/api/v1/pseudonyms/${pseudonym.id}/inbox`;
    const authorization = `Signature ${await requestSignature(api.clock, pseudonym, 'GET', path)}`;
    const inboxStatements = await counted(async () => {
      const body = await expectJson<{ items: unknown[] }>(
        await get(inboxRoute.GET, path, api.clock, undefined, { authorization }),
        200,
      );
      expect(body.items).toHaveLength(1);
    });
    expect(inboxStatements.map(tableOf)).toEqual([
      // the signer's binding, its jti (a grouped durable commit), expired items, the page
      'select pseudonyms',
      'insert seen_jtis',
      'select relay_items',
      'select relay_items',
    ]);
    // The same signature again: its jti is recorded, so the read is refused.
    const replayed = await get(inboxRoute.GET, path, api.clock, undefined, { authorization });
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as { code: string }).code).toBe('ERR_JWS_REPLAYED');
  });

  it('groups concurrent jti claims into one durable commit; the first claim of a pair wins', async () => {
    const claimer = createJtiClaimer(api.tdb.cdb);
    const results = await Promise.all([
      claimer.claim('signer-a', 'jti-1', 2_000_000_000),
      claimer.claim('signer-a', 'jti-2', 2_000_000_000),
      claimer.claim('signer-a', 'jti-1', 2_000_000_000), // the same pair in the same batch
      claimer.claim('signer-b', 'jti-1', 2_000_000_000),
    ]);
    expect(results).toEqual([true, true, false, true]);
    expect(claimer.stats).toEqual({ batches: 1, claims: 4 });
    // Recorded for good: a later claim, by this or another claimer (another node), is a replay.
    expect(await claimer.claim('signer-a', 'jti-2', 2_000_000_000)).toBe(false);
    expect(await createJtiClaimer(api.tdb.cdb).claim('signer-b', 'jti-1', 1)).toBe(false);
    const rows = await api.tdb.cdb.db
      .selectFrom('seen_jtis')
      .select(['signer', 'jti', 'expires_at'])
      .where('signer', 'in', ['signer-a', 'signer-b'])
      .orderBy('signer')
      .orderBy('jti')
      .execute();
    expect(rows).toEqual([
      { signer: 'signer-a', jti: 'jti-1', expires_at: 2_000_000_000 },
      { signer: 'signer-a', jti: 'jti-2', expires_at: 2_000_000_000 },
      { signer: 'signer-b', jti: 'jti-1', expires_at: 2_000_000_000 },
    ]);
  });

  it('fails every claim of a batch whose commit fails, with a storage error', async () => {
    const claimer = createJtiClaimer(api.tdb.cdb);
    await api.tdb.cdb.close();
    const outcome = await claimer.claim('signer-c', 'jti-1', 2_000_000_000).catch((e) => e);
    expect(outcome).toBeInstanceOf(ProtocolError);
    expect((outcome as ProtocolError).code).toBe('ERR_STORAGE_UNAVAILABLE');
  });

  it('builds a prepared statement once per dialect and binds new values each run', async () => {
    const db = api.tdb.cdb.db;
    const kindOf = prepared<{ sha256: string }, { kind: string }>((q, arg) =>
      q.selectFrom('messages').select('kind').where('sha256', '=', arg('sha256')),
    );
    expect(kindOf.sqlOf(db)).toBe(
      dialect === 'sqlite'
        ? 'select "kind" from "messages" where "sha256" = ?'
        : 'select "kind" from "messages" where "sha256" = $1',
    );
    expect(await kindOf.first(db, { sha256: 'nothing' })).toBeUndefined();
    const { company } = await registerCompany(api);
    const stored = await db.selectFrom('messages').select('sha256').executeTakeFirstOrThrow();
    expect(await kindOf.first(db, { sha256: stored.sha256 })).toEqual({ kind: 'company' });
    expect(company.id).toMatch(/^co_/);
    // An argument that would become SQL text instead of a bind parameter is refused.
    const byColumn = prepared<{ column: 'kind' }, never>((q, arg) =>
      q.selectFrom('messages').select(arg('column')),
    );
    expect(() => byColumn.sqlOf(db)).toThrow(/not a bind parameter|became SQL text/);
  });
});
