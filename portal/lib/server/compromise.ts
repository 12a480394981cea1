/**
 * What a company key declared compromised since a time voids (DESIGN section 5, `company-key`):
 * everything it signed from that time on may be a thief's, so none of it may count for or
 * against the company. The messages themselves stay where they are kept (the log keeps every
 * logged one); what goes is their effect:
 *
 * - an answer to a data request reopens the request, an acknowledgement of a revocation makes
 *   it unacknowledged again (each due by its deadline, overdue past it);
 * - offers and rewards still waiting in an inbox are withdrawn with their JWS, refused offers are
 *   no longer refusals (a refusal is a finding against the company; the JWS stays, named by the
 *   company's feed), and the contacts the offers counted against a grant's cap go;
 * - the out-of-scope findings of an access report go, and the in-scope uses it recorded are
 *   counted again from the company's other reports.
 *
 * Each message kind that counts checks inside its storing transaction that its key was not
 * declared compromised meanwhile ({@link requireSignerNotCompromised}); what a declaration finds
 * stored it voids here, in the declaration's own transaction.
 */
import { sql, type SqlBool, type Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import { parseMessage, type Payload } from '$protocol/messages';
import { peekClaims } from './auth/signatures';
import type { Database } from './db/schema';
import { onPostgres } from './db/postgres-batch';
import { accessUseId, recordAccessUses, type AccessUse } from './pseudonym-activity';

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
 * before it, so one stored after it would stand. On PostgreSQL the key's row is held until this
 * commits: a compromise committing meanwhile is seen, one coming later waits and then sees (and
 * voids) this message. A staff key (not a company key) is not affected.
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
  const query = trx
    .selectFrom('company_keys')
    .select('compromised_since')
    .where('kid', '=', kid)
    .where('company_id', '=', companyId);
  const row = await (onPostgres(trx) ? query.forShare() : query).executeTakeFirst();
  if (row?.compromised_since != null && Number(row.compromised_since) <= iat) {
    throw new ProtocolError(
      'ERR_JWS_KID_UNKNOWN',
      'The key that signed this message was declared compromised from before it was signed.',
    );
  }
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
    .select(['sha256', 'kind', 'jws'])
    .where('company_id', '=', companyId)
    .where('received_at', '>=', (since - CLOCK_SKEW_SECONDS) * 1000)
    .where('signer', '=', kid)
    .where('iat', '>=', since)
    .where('kind', 'in', ['offer', 'reward', 'access'])
    .execute();
  const relayed = signed.filter((m) => m.kind !== 'access').map((m) => m.sha256);
  for (const ids of chunks(relayed)) {
    await trx.deleteFrom('relay_contacts').where('offer_sha256', 'in', ids).execute();
    // A refused offer's JWS stays: the company's feed names it (`offer-refused`), and it shows
    // what the thief tried (`compromised-messages`).
    await trx.deleteFrom('relay_refusals').where('offer_sha256', 'in', ids).execute();
    const waiting = await trx
      .deleteFrom('relay_items')
      .where('id', 'in', ids)
      .returning('id')
      .execute();
    // What waited goes with its JWS, as a delivered offer's does.
    if (waiting.length > 0) {
      await trx
        .deleteFrom('messages')
        .where(
          'sha256',
          'in',
          waiting.map((row) => row.id),
        )
        .execute();
    }
  }
  // Contacts of offers delivered since (their JWS already gone), through the company's grants
  // and the time the relay accepted them (`relay_contacts_grant_idx`).
  await trx
    .deleteFrom('relay_contacts')
    .where('grant_sha256', 'in', (eb) =>
      eb.selectFrom('grants').select('grants.sha256').where('grants.company_id', '=', companyId),
    )
    .where('accepted_at', '>=', (since - CLOCK_SKEW_SECONDS) * 1000)
    .where('signer', '=', kid)
    .where('signed_at', '>=', since)
    .execute();

  const reports = signed.filter((m) => m.kind === 'access');
  if (reports.length > 0) await voidAccessReports(trx, companyId, reports);
}

/** The entries of access report `jws` that were in scope: those with no finding of their own. */
async function inScopeEntries(
  trx: Transaction<Database>,
  reports: readonly { sha256: string; jws: string }[],
): Promise<Map<string, { index: number; entry: AccessEntry }[]>> {
  const findings = new Set<string>();
  for (const ids of chunks(reports.map((r) => r.sha256))) {
    const rows = await trx
      .selectFrom('access_findings')
      .select('id')
      .where('report_sha256', 'in', ids)
      .execute();
    for (const row of rows) findings.add(row.id);
  }
  const result = new Map<string, { index: number; entry: AccessEntry }[]>();
  for (const report of reports) {
    const payload = parseMessage('access', peekClaims(report.jws).payload);
    result.set(
      report.sha256,
      payload.entries
        .map((entry, index) => ({ index, entry }))
        .filter(({ index }) => !findings.has(`${report.sha256}:${index}`)),
    );
  }
  return result;
}

type AccessEntry = Payload<'access'>['entries'][number];

/**
 * Voids access reports: their findings go, and every in-scope use they counted is counted again
 * from the company's remaining reports (`access_uses` keeps a sum and a latest time per grant,
 * purpose and categories, which cannot be taken apart again).
 */
async function voidAccessReports(
  trx: Transaction<Database>,
  companyId: string,
  voided: readonly { sha256: string; jws: string }[],
): Promise<void> {
  const touched = new Set<string>();
  for (const entries of (await inScopeEntries(trx, voided)).values()) {
    for (const { entry } of entries) touched.add(accessUseId(entry));
  }
  for (const ids of chunks(voided.map((r) => r.sha256))) {
    await trx.deleteFrom('access_findings').where('report_sha256', 'in', ids).execute();
  }
  if (touched.size === 0) return;
  const pseudonyms = new Map<string, string>();
  for (const ids of chunks([...touched])) {
    const rows = await trx
      .deleteFrom('access_uses')
      .where('company_id', '=', companyId)
      .where('id', 'in', ids)
      .returning(['grant_sha256', 'pseudonym'])
      .execute();
    for (const row of rows) pseudonyms.set(row.grant_sha256, row.pseudonym);
  }
  const voidedIds = new Set(voided.map((r) => r.sha256));
  const remaining = (
    await trx
      .selectFrom('messages')
      .select(['sha256', 'jws'])
      .where('company_id', '=', companyId)
      .where('kind', '=', 'access')
      .execute()
  ).filter((m) => !voidedIds.has(m.sha256));
  for (const [reportSha256, entries] of await inScopeEntries(trx, remaining)) {
    const uses: AccessUse[] = [];
    for (const { entry } of entries) {
      const pseudonym = pseudonyms.get(entry.grantSha256);
      if (pseudonym === undefined || !touched.has(accessUseId(entry))) continue;
      uses.push({
        pseudonym,
        grantSha256: entry.grantSha256,
        purpose: entry.purpose,
        dataCategories: entry.dataCategories,
        at: entry.at,
        count: entry.count ?? 1,
      });
    }
    await recordAccessUses(trx, { reportSha256, companyId }, uses);
  }
}
