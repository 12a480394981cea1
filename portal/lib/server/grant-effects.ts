/**
 * The rows a grant writes besides its message, and the company feed every consent event goes
 * to: run in the durable writer's transaction, on the event loop's connection or on the SQLite
 * writer thread (`db/writer-thread.worker.ts`, which loads this module and nothing of the
 * services around it); on PostgreSQL as clauses of the writer batch's one statement
 * ({@link grantClauses}).
 */
import type { Kysely, Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import type { FeedEventKind } from './consents';
import { namedEffect, postgresEffect, type EffectRun } from './db/insert-batch';
import { onPostgres, runEffectClauses, type PostgresEffectClauses } from './db/postgres-batch';
import { argumentRows, prepared, preparedByCount } from './db/prepared';
import type { Database } from './db/schema';

/**
 * Appends an event to a company's feed (and so to its webhooks, which follow the feed). The
 * counter comes from an UPDATE of the company row, whose lock orders a company's events by
 * commit: every kind of event, issue 4's and issue 5's, goes through here.
 *
 * @example
 * ```ts
 * await appendFeedEvent(trx, { companyId, kind: 'data-request', sha256, pseudonym }, ctx.now());
 * ```
 */
export async function appendFeedEvent(
  trx: Transaction<Database>,
  event: { companyId: string; kind: FeedEventKind; sha256: string; pseudonym: string },
  nowMs: number,
): Promise<void> {
  const seq = await takeFeedSeqs(trx, event.companyId, 1);
  await insertFeedEvents
    .forCount(1)
    .execute(trx, [event.companyId, seq, event.kind, event.sha256, event.pseudonym, nowMs]);
}

/**
 * Takes `count` values of a company's feed counter (the UPDATE holds the company row's lock until
 * commit) and returns the first.
 */
async function takeFeedSeqs(
  trx: Transaction<Database>,
  companyId: string,
  count: number,
): Promise<number> {
  const row = await advanceFeedSeq.first(trx, { companyId, count });
  if (row === undefined) throw new Error(`No company ${companyId} to append a feed event to.`);
  return Number(row.feed_seq) - count + 1;
}

/**
 * Inside a transaction on PostgreSQL, holds `pseudonym`'s row until commit (`FOR NO KEY UPDATE`),
 * so that two nodes storing something counted per pseudonym (its open data requests, its waiting
 * corrections) count one after the other instead of each missing the other's; the key-share locks
 * that rows referring to the pseudonym take are not blocked. Nothing elsewhere: SQLite has one
 * writer, and a statement outside a transaction would hold nothing past itself.
 *
 * @example
 * ```ts
 * await holdPseudonym(trx, pseudonym);
 * const open = await countOpenRequests(trx, pseudonym);
 * ```
 */
export async function holdPseudonym(
  executor: Kysely<Database> | Transaction<Database>,
  pseudonym: string,
): Promise<void> {
  if (!executor.isTransaction || !onPostgres(executor)) return;
  await executor
    .selectFrom('pseudonyms')
    .select('pseudonym')
    .where('pseudonym', '=', pseudonym)
    .forNoKeyUpdate()
    .execute();
}

/**
 * `ERR_COMPANY_NOT_ACTIVE` saying why, the same wherever a company that is not active is refused
 * (a grant request, a grant, an offer, a reward): suspended by a regulator, or its domain not yet
 * proved (`pending`). `status` is in `detail_data` when known (`unknown`: no such company), with
 * what else the caller names (the relay's `rule`).
 *
 * @example
 * ```ts
 * if (company.status !== 'active') throw companyNotActive(company.status);
 * ```
 */
export function companyNotActive(
  status: string | undefined,
  data: Record<string, unknown> = {},
): ProtocolError {
  const detail =
    status === 'suspended'
      ? 'The company is suspended by a regulator: it may not ask for consent or reach customers until it is reinstated.'
      : status === 'pending'
        ? 'The company has not proved its domain yet: it may not ask for consent or reach customers until it has.'
        : 'The company is not active: it is suspended, or has not proved its domain yet.';
  return new ProtocolError('ERR_COMPANY_NOT_ACTIVE', detail, {
    ...data,
    ...(status === undefined ? {} : { status }),
  });
}

/**
 * Refuses, inside the storing transaction, a message that only an active company may send when
 * one of `companyIds` is not active as `trx` sees it: a suspension committed after the request's
 * own checks takes effect at once (DESIGN section 3). On PostgreSQL the company rows are held
 * (`FOR KEY SHARE`) until commit, so a suspension (which takes its company `FOR UPDATE`,
 * oversight.ts) either committed before this read or waits for this transaction; the lock does
 * not conflict with the feed counter's updates, so two transactions that read a status and then
 * append to that company's feed do not deadlock. SQLite has one writer, whose transaction sees
 * every commit before it.
 *
 * @throws ProtocolError `ERR_COMPANY_NOT_ACTIVE` (with the status), also for a company not found.
 * @example
 * ```ts
 * await requireActiveCompanies(trx, [companyId]);
 * ```
 */
export async function requireActiveCompanies(
  trx: Transaction<Database>,
  companyIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(companyIds)].sort();
  const query = trx.selectFrom('companies').select(['id', 'status']).where('id', 'in', ids);
  const rows = await (onPostgres(trx) ? query.forKeyShare() : query).execute();
  const status = new Map(rows.map((row) => [row.id, row.status]));
  for (const id of ids) {
    if (status.get(id) !== 'active') throw companyNotActive(status.get(id) ?? 'unknown');
  }
}

// The feed's statements, built once per dialect (db/prepared.ts).
const advanceFeedSeq = prepared<{ companyId: string; count: number }, { feed_seq: number }>(
  (db, arg) =>
    db
      .updateTable('companies')
      .set((eb) => ({ feed_seq: eb('feed_seq', '+', arg('count')) }))
      .where('id', '=', arg('companyId'))
      .returning('feed_seq'),
);

/** The columns of a feed event, in the order of the statement's arguments (row after row). */
const feedColumns = ['company_id', 'seq', 'kind', 'sha256', 'pseudonym', 'created_at'] as const;
const insertFeedEvents = preparedByCount<unknown[], never>((db, arg, count) =>
  db.insertInto('consent_events').values(argumentRows<'consent_events'>(arg, count, feedColumns)),
);

/**
 * {@link appendFeedEvent} for many events in one transaction, in the order given: one UPDATE per
 * company (taking as many counter values as it has events, the same row lock) and one multi-row
 * INSERT, instead of two statements per event. Companies are locked in sorted order, so two
 * nodes' batches cannot deadlock.
 *
 * @example
 * ```ts
 * await appendFeedEvents(trx, grants.map((g) => ({ companyId, kind: 'grant', sha256: g.sha256, pseudonym: g.pseudonym })), ctx.now());
 * ```
 */
export async function appendFeedEvents(
  trx: Transaction<Database>,
  events: readonly { companyId: string; kind: FeedEventKind; sha256: string; pseudonym: string }[],
  nowMs: number,
): Promise<void> {
  if (events.length === 0) return;
  const perCompany = new Map<string, number>();
  for (const event of events)
    perCompany.set(event.companyId, (perCompany.get(event.companyId) ?? 0) + 1);
  const nextSeq = new Map<string, number>();
  for (const companyId of [...perCompany.keys()].sort()) {
    nextSeq.set(companyId, await takeFeedSeqs(trx, companyId, perCompany.get(companyId)!));
  }
  const args: unknown[] = [];
  for (const event of events) {
    const seq = nextSeq.get(event.companyId)!;
    nextSeq.set(event.companyId, seq + 1);
    args.push(event.companyId, seq, event.kind, event.sha256, event.pseudonym, nowMs);
  }
  await insertFeedEvents.forCount(events.length).execute(trx, args);
}

/** What a stored grant writes besides its message (batched by {@link MessageRecord.effect}). */
export interface GrantEffect {
  sha256: string;
  companyId: string;
  pseudonym: string;
  /** The key to bind the pseudonym to, when this is its first message. */
  bindX: string | undefined;
  requestSha256: string;
  purposes: string;
  iat: number;
  until: number;
  nowMs: number;
}

/**
 * The rows of a batch of stored grants: the pseudonyms' bindings, the grants and their feed
 * events, in a few multi-row statements (SQLite), or in one ({@link grantClauses}, PostgreSQL,
 * where the writer mostly runs those clauses itself, not this).
 *
 * @throws ProtocolError `ERR_PSEUDONYM_COMPANY_MISMATCH` when a pseudonym was bound to another
 *   company meanwhile (the writer then retries the records one by one, failing only that one).
 */
export const storeGrants: EffectRun<GrantEffect> = namedEffect('grants', async (trx, grants) => {
  if (onPostgres(trx)) {
    // The database checks the bindings there (see grantClauses).
    await runEffectClauses(
      trx,
      grantClauses,
      grants,
      grants.map((grant) => grant.sha256),
    );
    return;
  }
  await requireActiveCompanies(
    trx,
    grants.map((grant) => grant.companyId),
  );
  const binding = new Map<string, GrantEffect>();
  for (const grant of grants) {
    if (grant.bindX === undefined) continue;
    const earlier = binding.get(grant.pseudonym);
    if (earlier === undefined) binding.set(grant.pseudonym, grant);
    else if (earlier.companyId !== grant.companyId) {
      // First grants of one pseudonym to two companies in one batch: the writer retries the
      // records one by one, and the later one finds the pseudonym bound (below).
      throw new ProtocolError(
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
        'This pseudonym belongs to another company.',
      );
    }
  }
  if (binding.size > 0) {
    const rows = [...binding.values()]
      .sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : 1))
      .map((grant) => ({
        pseudonym: grant.pseudonym,
        company_id: grant.companyId,
        x: grant.bindX!,
        bound_at: grant.nowMs,
        bound_by: grant.sha256,
      }));
    const args: unknown[] = [];
    for (const row of rows)
      args.push(row.pseudonym, row.company_id, row.x, row.bound_at, row.bound_by);
    const inserted = (await bindPseudonyms.forCount(rows.length).execute(trx, args)).rows;
    if (inserted.length < rows.length) {
      // Bound meanwhile (another node, or two first grants at once): to the same company only.
      const done = new Set(inserted.map((row) => row.pseudonym));
      const others = rows.filter((row) => !done.has(row.pseudonym));
      const existing = await trx
        .selectFrom('pseudonyms')
        .select(['pseudonym', 'company_id'])
        .where(
          'pseudonym',
          'in',
          others.map((row) => row.pseudonym),
        )
        .execute();
      const companyOf = new Map(existing.map((row) => [row.pseudonym, row.company_id]));
      if (others.some((row) => companyOf.get(row.pseudonym) !== row.company_id)) {
        throw new ProtocolError(
          'ERR_PSEUDONYM_COMPANY_MISMATCH',
          'This pseudonym belongs to another company.',
        );
      }
    }
  }
  const args: unknown[] = [];
  for (const grant of grants) {
    args.push(
      grant.sha256,
      grant.companyId,
      grant.pseudonym,
      grant.requestSha256,
      grant.purposes,
      grant.iat,
      grant.until,
      grant.nowMs,
    );
  }
  await insertGrants.forCount(grants.length).execute(trx, args);
  await appendFeedEvents(
    trx,
    grants.map((grant) => ({
      companyId: grant.companyId,
      kind: 'grant',
      sha256: grant.sha256,
      pseudonym: grant.pseudonym,
    })),
    grants[0]!.nowMs,
  );
});

/**
 * How a batch of grants is written on PostgreSQL: the bindings, the grants, the feed counters and
 * the feed events as clauses of one statement (db/postgres-batch.ts says why), either the writer
 * batch's own or one of their own inside its transaction. Companies are locked in a fixed order
 * before their counters move, as `appendFeedEvents` does, so two nodes' batches cannot deadlock
 * on them; a company's events take its counter's values in the grants' order. A pseudonym bound
 * to another company (in the same batch, or meanwhile by another node) fails the foreign key
 * `grants_pseudonym_company_fk` (migration 0013), answered as `ERR_PSEUDONYM_COMPANY_MISMATCH`; a
 * grant of a company that is not active once its row is locked (suspended meanwhile) or not found
 * is answered as `ERR_COMPANY_NOT_ACTIVE`.
 */
export const grantClauses: PostgresEffectClauses<GrantEffect> = {
  clauses(first) {
    const $ = (offset: number) => `$${first + offset}`;
    return `, grant_rows as (
  select x.* from unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[],
    ${$(4)}::text[], ${$(5)}::int8[], ${$(6)}::int8[], ${$(7)}::int8[], ${$(8)}::text[])
    with ordinality as x(sha256, company_id, pseudonym, request_sha256, purposes, iat, until,
      created_at, bind_x, ord)
  join stored s on s.sha256 = x.sha256
), grant_bound as (
  insert into pseudonyms (pseudonym, company_id, x, bound_at, bound_by)
  select pseudonym, company_id, bind_x, created_at, sha256 from (
    select distinct on (pseudonym) pseudonym, company_id, bind_x, created_at, sha256
    from grant_rows where bind_x is not null
    order by pseudonym, ord
  ) first_bindings
  order by pseudonym collate "C"
  on conflict do nothing
  returning pseudonym
), grant_counts as (
  -- Read grant_bound first, so the bindings are written before any company is locked (as on
  -- the other paths that bind and then count: a refusal's, SQLite's).
  select company_id, count(*) as n from grant_rows
  where (select count(*) from grant_bound) >= 0
  group by company_id
), grant_locked as (
  -- The status as of the lock (a suspension committed while this waited for it included).
  select c.id, c.status from companies c join grant_counts n on n.company_id = c.id
  order by c.id collate "C" for no key update of c
), grant_inserted as (
  -- A company not active (or not found) gives its grants no company_id, which fails the column's
  -- NOT NULL: answered as ERR_COMPANY_NOT_ACTIVE (refusal below), the batch retried one by one.
  insert into grants (sha256, company_id, pseudonym, request_sha256, purposes, iat, until,
    created_at, revoked_at, revoked_purposes)
  select g.sha256, case when l.status = 'active' then g.company_id end, g.pseudonym,
    g.request_sha256, g.purposes, g.iat, g.until, g.created_at, null, null
  from grant_rows g left join grant_locked l on l.id = g.company_id order by g.ord
), grant_advanced as (
  update companies c set feed_seq = c.feed_seq + n.n
  from grant_counts n join grant_locked l on l.id = n.company_id
  where c.id = n.company_id
  returning c.id, c.feed_seq, n.n
), grant_events as (
  insert into consent_events (company_id, seq, kind, sha256, pseudonym, created_at)
  select g.company_id,
    a.feed_seq - a.n + row_number() over (partition by g.company_id order by g.ord),
    'grant', g.sha256, g.pseudonym,
    -- one time for the batch's events, the first stored grant's, as on SQLite
    first_value(g.created_at) over (order by g.ord)
  from grant_rows g join grant_advanced a on a.id = g.company_id
)`;
  },
  parameters(grants) {
    return [
      grants.map((grant) => grant.sha256),
      grants.map((grant) => grant.companyId),
      grants.map((grant) => grant.pseudonym),
      grants.map((grant) => grant.requestSha256),
      grants.map((grant) => grant.purposes),
      grants.map((grant) => grant.iat),
      grants.map((grant) => grant.until),
      grants.map((grant) => grant.nowMs),
      grants.map((grant) => grant.bindX ?? null),
    ];
  },
  refusal(error) {
    const { code, constraint, table, column } = (error ?? {}) as Record<string, unknown>;
    let refusal: ProtocolError;
    if (code === '23503' && constraint === 'grants_pseudonym_company_fk') {
      refusal = new ProtocolError(
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
        'This pseudonym belongs to another company.',
      );
    } else if (code === '23502' && table === 'grants' && column === 'company_id') {
      refusal = companyNotActive(undefined);
    } else return undefined;
    refusal.cause = error;
    return refusal;
  },
};
postgresEffect(storeGrants, grantClauses);

// The grant batch's statements, built once per dialect and row count (db/prepared.ts).
/** A pseudonym binding's columns, in the order of the statement's arguments (row after row). */
const bindingColumns = ['pseudonym', 'company_id', 'x', 'bound_at', 'bound_by'] as const;
const bindPseudonyms = preparedByCount<unknown[], { pseudonym: string }>((db, arg, count) =>
  db
    .insertInto('pseudonyms')
    .values(argumentRows<'pseudonyms'>(arg, count, bindingColumns))
    .onConflict((c) => c.doNothing())
    .returning('pseudonym'),
);

/** A grant's columns, in the order of the statement's arguments (row after row). */
const grantColumns = [
  'sha256',
  'company_id',
  'pseudonym',
  'request_sha256',
  'purposes',
  'iat',
  'until',
  'created_at',
] as const;
const insertGrants = preparedByCount<unknown[], never>((db, arg, count) =>
  db.insertInto('grants').values(
    argumentRows<'grants'>(arg, count, grantColumns, {
      revoked_at: null,
      revoked_purposes: null,
    }),
  ),
);
