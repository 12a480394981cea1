/**
 * What a company key declared compromised since a time voids (DESIGN section 5, `company-key`):
 * everything it signed from that time on may be a thief's, so none of it may count for or
 * against the company. The messages themselves stay where they are kept (the log keeps every
 * logged one); what goes is their effect:
 *
 * - an answer to a data request reopens the request, an acknowledgement of a revocation makes
 *   it unacknowledged again (each due by its deadline, overdue past it);
 * - offers and rewards still waiting in an inbox are withdrawn, refused offers are no longer
 *   refusals (a refusal is a finding against the company), and the contacts the offers counted
 *   against a grant's cap go; their JWS stays, listed at `compromised-messages` (and a refused
 *   one named by the company's feed);
 * - the out-of-scope findings of an access report go, and its shares of the in-scope uses are
 *   taken out of their sums (`access_use_reports`);
 * - nor does anything the key signed since confirm a boycott (oversight.ts `confirmedBy`).
 *
 * Each message kind that counts checks inside its storing transaction that its key was not
 * declared compromised meanwhile ({@link requireSignerNotCompromised}); what a declaration finds
 * stored it voids here, in the declaration's own transaction.
 */
import { sql, type SqlBool, type Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import type { Database } from './db/schema';
import { onPostgres } from './db/postgres-batch';

/** How many ids one `IN` list carries (SQLite binds at most 32,766 parameters). */
const chunkSize = 500;

/** `ids` in lists of at most {@link chunkSize}. */
function* chunks<T>(ids: readonly T[]): Generator<T[]> {
  for (let i = 0; i < ids.length; i += chunkSize) yield ids.slice(i, i + chunkSize);
}

/**
 * Refuses, inside the transaction that stores it, a message signed by company key `kid` that a
 * compromise declared since its `iat` has voided meanwhile. The message was checked against the
 * key before; a compromise stored between that check and this commit voids only what was stored
 * before it, so one stored after it would stand. On PostgreSQL the key is held until this
 * commits ({@link lockKey}): a compromise committing meanwhile is seen, one coming later waits
 * and then sees (and voids) this message. A staff key (not a company key) is not affected.
 *
 * @throws ProtocolError `ERR_JWS_KID_UNKNOWN` when the key was declared compromised since `iat`.
 * @example
 * ```ts
 * apply: async (trx) => { await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat); ... }
 * ```
 */
export async function requireSignerNotCompromised(
  trx: Transaction<Database>,
  companyId: string,
  kid: string,
  iat: number,
): Promise<void> {
  await lockKey(trx, kid, 'shared');
  const row = await trx
    .selectFrom('company_keys')
    .select('compromised_since')
    .where('kid', '=', kid)
    .where('company_id', '=', companyId)
    .executeTakeFirst();
  refuseIfCompromised(row?.compromised_since, iat);
}

/**
 * Refuses a message signed at `iat` by a key declared compromised since `compromisedSince`
 * (read after {@link lockKey} in the storing transaction; null or undefined: not compromised).
 *
 * @throws ProtocolError `ERR_JWS_KID_UNKNOWN` when `compromisedSince <= iat`, with
 *   {@link compromisedKeyError}'s detail.
 */
export function refuseIfCompromised(
  compromisedSince: number | string | null | undefined,
  iat: number,
): void {
  if (compromisedSince != null && Number(compromisedSince) <= iat) {
    throw compromisedKeyError(Number(compromisedSince));
  }
}

/**
 * The refusal of a message signed by a company key declared compromised since `compromisedSince`
 * (epoch seconds). The code stays `ERR_JWS_KID_UNKNOWN` (docs/api.md: clients rely on it); its
 * detail (`detail_data` of the problem) says why, so a console or client can tell "declared
 * compromised since …, load the current key" from a key it never knew:
 * `{reason: "compromised", compromisedSince}`.
 *
 * @example
 * ```ts
 * if (row.compromised_since !== null) throw compromisedKeyError(Number(row.compromised_since));
 * ```
 */
export function compromisedKeyError(compromisedSince: number): ProtocolError {
  const since = new Date(compromisedSince * 1000).toISOString().replace('.000Z', 'Z');
  return new ProtocolError(
    'ERR_JWS_KID_UNKNOWN',
    `The key that signed this message was declared compromised since ${since}: nothing it signs from then on counts. Sign with a current key of the company.`,
    { reason: 'compromised', compromisedSince },
  );
}

/**
 * On PostgreSQL, a transaction-scoped advisory lock on company key `kid`: `shared` by each
 * message that counts only if its key was not declared compromised when it was stored,
 * `exclusive` by the declaration, so the two never commit past each other. An advisory lock
 * rather than a row lock: every offer of a company is signed with the same key, and share locks
 * of many transactions on one row cost PostgreSQL a multixact each. SQLite has one writer.
 */
export async function lockKey(
  trx: Transaction<Database>,
  kid: string,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  if (!onPostgres(trx)) return;
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await sql`select ${sql.raw(lock)}(hashtextextended(${kid}, 0))`.execute(trx);
}

/** Which key, and since when (epoch seconds, compared with each message's `iat`). */
export interface Compromise {
  companyId: string;
  kid: string;
  since: number;
}

/**
 * Voids, inside the transaction that stores the declaration, what company key `kid` signed at or
 * after `since` (see the module's comment). Messages kept are found through the company's
 * messages received since `since` less the clock skew (no message signed at `since` can have
 * arrived earlier); contacts, whose offers may be delivered and gone, by the signer and `iat`
 * they keep (migration 0020; older rows only while their offer is still stored).
 *
 * @example
 * ```ts
 * await voidSignedSince(trx, { companyId: company.id, kid: payload.kid, since: payload.since });
 * ```
 */
export async function voidSignedSince(
  trx: Transaction<Database>,
  compromise: Compromise,
): Promise<void> {
  const { companyId, kid, since } = compromise;
  await lockKey(trx, kid, 'exclusive');
  /** Whether the message `column` names was signed by the compromised key since `since`. */
  const signedSince = (column: 'data_requests.answer_sha256' | 'revocations.ack_sha256') =>
    sql<SqlBool>`exists (select 1 from messages m where m.sha256 = ${sql.ref(column)}
      and m.signer = ${kid} and m.iat >= ${since})`;
  // An answer the key signed since may be forged: the request it answered is open again (its
  // deadline unchanged, overdue once past it), and the company may answer anew. The answer stays
  // in the log, as every message does.
  await trx
    .updateTable('data_requests')
    .set({ answer_sha256: null, outcome: null, answered_at: null })
    .where('company_id', '=', companyId)
    .where(signedSince('data_requests.answer_sha256'))
    .execute();
  // So may an acknowledgement: a forged one told the customer that the company stopped. The
  // revocation is unacknowledged again, due by its deadline, overdue past it.
  await trx
    .updateTable('revocations')
    .set({ ack_sha256: null, acked_at: null })
    .where('company_id', '=', companyId)
    .where(signedSince('revocations.ack_sha256'))
    .execute();

  const signed = await trx
    .selectFrom('messages')
    .select(['sha256', 'kind'])
    .where('company_id', '=', companyId)
    .where('received_at', '>=', (since - CLOCK_SKEW_SECONDS) * 1000)
    .where('signer', '=', kid)
    .where('iat', '>=', since)
    .where('kind', 'in', ['offer', 'reward', 'access'])
    .orderBy('sha256')
    .execute();
  // In the order of their keys, as every list below: rows locked in one order (PostgreSQL).
  const relayed = signed.filter((m) => m.kind !== 'access').map((m) => m.sha256);
  for (const ids of chunks(relayed)) {
    await trx.deleteFrom('relay_contacts').where('offer_sha256', 'in', ids).execute();
    // The JWS of a refused or withdrawn offer or reward stays: it shows what the thief sent
    // (`compromised-messages`), and the company's feed names a refused one (`offer-refused`).
    await trx.deleteFrom('relay_refusals').where('offer_sha256', 'in', ids).execute();
    await trx.deleteFrom('relay_items').where('id', 'in', ids).execute();
  }
  // Contacts of offers delivered since, whose JWS is gone (`relay_contacts_signer_idx`).
  await trx
    .deleteFrom('relay_contacts')
    .where('signer', '=', kid)
    .where('signed_at', '>=', since)
    .execute();

  const reports = signed.filter((m) => m.kind === 'access').map((m) => m.sha256);
  if (reports.length > 0) await voidAccessReports(trx, companyId, reports);
}

/**
 * Voids access reports: their findings go, and so do their shares of the uses in `access_uses`
 * (`access_use_reports`, migration 0020), each use then summed again from the shares of the
 * reports that stay. A use no report stays for goes. A use's latest report is the one naming its
 * latest time (of two at the same time, the greater hash).
 */
async function voidAccessReports(
  trx: Transaction<Database>,
  companyId: string,
  voided: readonly string[],
): Promise<void> {
  const touched = new Set<string>();
  for (const ids of chunks(voided)) {
    await trx.deleteFrom('access_findings').where('report_sha256', 'in', ids).execute();
    const shares = await trx
      .deleteFrom('access_use_reports')
      .where('report_sha256', 'in', ids)
      .returning('use_id')
      .execute();
    for (const share of shares) touched.add(share.use_id);
  }
  for (const ids of chunks([...touched].sort())) {
    // On PostgreSQL the uses' rows first, in one order: a report of another key storing a share
    // of one of them meanwhile either committed before (its share is read below) or waits and
    // then adds to the sum written here. Reading the shares first would overwrite its addition.
    if (onPostgres(trx)) {
      await trx
        .selectFrom('access_uses')
        .select('id')
        .where('id', 'in', ids)
        .orderBy('id')
        .forUpdate()
        .execute();
    }
    const left = await trx
      .selectFrom('access_use_reports')
      .select(['use_id', 'report_sha256', 'at', 'count'])
      .where('use_id', 'in', ids)
      .execute();
    const sums = new Map<string, { at: number; count: number; report: string }>();
    for (const share of left) {
      const at = Number(share.at);
      const sum = sums.get(share.use_id);
      if (sum === undefined) {
        sums.set(share.use_id, { at, count: Number(share.count), report: share.report_sha256 });
        continue;
      }
      sum.count += Number(share.count);
      if (at > sum.at || (at === sum.at && share.report_sha256 > sum.report)) {
        sum.at = at;
        sum.report = share.report_sha256;
      }
    }
    const gone = ids.filter((id) => !sums.has(id));
    if (gone.length > 0) {
      await trx
        .deleteFrom('access_uses')
        .where('company_id', '=', companyId)
        .where('id', 'in', gone)
        .execute();
    }
    for (const id of ids) {
      const sum = sums.get(id);
      if (sum === undefined) continue;
      await trx
        .updateTable('access_uses')
        .set({ at: sum.at, count: sum.count, report_sha256: sum.report })
        .where('company_id', '=', companyId)
        .where('id', '=', id)
        .execute();
    }
  }
}
