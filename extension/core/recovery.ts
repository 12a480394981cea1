/**
 * Restore without a backup (issue 6 "Vault"): the recovery phrase re-creates the identity on a
 * new device; for every company of the clearinghouse's public registry the Assistant derives
 * its pseudonym and asks, in batches of at most 100 signed requests, which relationships the
 * clearinghouse holds for it (docs/api.md `POST /api/v1/relationships/batch`). Profile and
 * blacklist never reach the clearinghouse, so they come back only from a backup.
 *
 * The clearinghouse's answers are untrusted input: each relationship is parsed with a bounded
 * schema before it is stored, and one that does not fit is counted as failed, not stored. Its
 * grants, refusals and revocations are stored only where the customer's own key signed them
 * (./own-messages, as the wallet's refresh checks them); the others are left out and reported in
 * the record's `rejectedMessages`.
 *
 * The wallet may write relationship records while a recovery runs (an answer given, a receipt
 * fetched, the offers' refresh): recovery writes in the same relationship turn
 * (./store-turns), and never over a record the vault holds already.
 *
 * The customer's complaints come back with their relationship: each the read lists is fetched in
 * full and stored as a submitted complaint where the customer's own key signed it
 * (./recovered-complaints), after the relationship's record, in the turn of the drafts record's
 * other writers (`RecoveryOptions.complaintsTurn`). Asked again, a recovery fetches and stores
 * only the complaints the vault does not hold yet.
 */
import * as v from 'valibot';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import {
  compactJws,
  companyId,
  epochSeconds,
  pseudonym as pseudonymSchema,
  sha256,
  text,
} from '../../protocol/messages/primitives';
import { companyIdentity } from './identity';
import { checkedOwnMessages, type CheckedOwnMessages } from './own-messages';
import type { RecordStore, RegistryPort } from './ports';
import { restoreComplaints, type RejectedComplaint } from './recovered-complaints';
import { inRelationshipTurn } from './store-turns';

/** Bounds of recovery: the registry is paged by 100; we stop at this many companies. */
export const recoveryLimits = {
  pageSize: 100,
  maxCompanies: 100_000,
  itemsPerList: 1_000,
  /** Rejected complaints listed in a result (all are counted). */
  rejectedComplaints: 1_000,
} as const;

const list = <S extends v.GenericSchema>(item: S) =>
  v.pipe(v.array(item), v.maxLength(recoveryLimits.itemsPerList));

/** One relationship as stored in the vault's `relationships` table (id = pseudonym). */
export const storedRelationship = v.object({
  pseudonym: pseudonymSchema,
  company: v.object({
    id: companyId,
    legalName: text(300),
    domain: v.pipe(v.string(), v.maxLength(255)),
    status: v.pipe(v.string(), v.maxLength(32)),
  }),
  requests: list(v.object({ sha256, jws: compactJws })),
  grants: list(
    v.object({
      sha256,
      jws: compactJws,
      status: v.picklist(['active', 'revoked', 'expired']),
      revokedPurposes: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64)),
    }),
  ),
  refusals: list(v.object({ sha256, jws: compactJws, askAgainAfter: v.nullable(epochSeconds) })),
  revocations: list(
    v.object({
      sha256,
      jws: compactJws,
      acknowledged: v.boolean(),
      /**
       * When the clearinghouse stored the company's acknowledgement (ms), absent from a listing
       * that does not carry it (docs/api.md "Relationships"). Bounded to the `Date` range: the
       * dashboard formats it as a date.
       */
      acknowledgedAt: v.optional(
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15)),
      ),
    }),
  ),
});

export type StoredRelationship = v.InferOutput<typeof storedRelationship>;

/** What a recovery found. */
export interface RecoveryResult {
  /** Companies of the registry whose pseudonym was asked about. */
  readonly companiesChecked: number;
  /** Relationships found, and now in the vault. */
  readonly relationships: number;
  /** Companies the clearinghouse could not answer for (or answered with nonsense): try again later. */
  readonly failed: readonly string[];
  /** Complaints the relationships listed that the vault now holds (stored now, or before). */
  readonly complaints: number;
  /**
   * Complaints listed that the vault does not hold: the clearinghouse no longer had a copy or did
   * not answer, or they could not be checked or stored (./recovered-complaints).
   */
  readonly complaintsNotRestored: number;
  /**
   * Those of {@link complaintsNotRestored} that failed the check (not the customer's signature, not
   * the listed hash), with the code; at most {@link recoveryLimits.rejectedComplaints}.
   */
  readonly rejectedComplaints: readonly RejectedComplaint[];
}

/** What a recovery is handed besides the identity, the clearinghouse and the store. */
export interface RecoveryOptions {
  /** The clearinghouse's origin: the audience of the customer's complaints. */
  readonly clearinghouseOrigin: string;
  /**
   * Runs a write of the complaint drafts record one at a time with its other writers (the offers
   * service's queue); absent: at once (nothing else writes the record).
   */
  readonly complaintsTurn?: <T>(work: () => Promise<T>) => Promise<T>;
}

function unreachable(e: unknown, soFar: RecoveryProgress): ProtocolError {
  if (isProtocolError(e)) return e;
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    'the clearinghouse did not answer',
    { ...soFar },
  );
  error.cause = e;
  return error;
}

/**
 * How far a recovery came: companies checked, relationships stored, companies that failed,
 * complaints restored and not restored. An `ERR_CLEARINGHOUSE_UNREACHABLE` from
 * {@link recoverRelationships} carries it as its `detail` (what was stored before the
 * clearinghouse stopped answering stays stored).
 */
export interface RecoveryProgress {
  readonly companiesChecked: number;
  readonly relationships: number;
  readonly failed: number;
  readonly complaints: number;
  readonly complaintsNotRestored: number;
}

/** The {@link RecoveryProgress} an `ERR_CLEARINGHOUSE_UNREACHABLE` carries, zeros where it has none. */
export function progressOf(error: ProtocolError): RecoveryProgress {
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
  return {
    companiesChecked: count(error.detail?.companiesChecked),
    relationships: count(error.detail?.relationships),
    failed: count(error.detail?.failed),
    complaints: count(error.detail?.complaints),
    complaintsNotRestored: count(error.detail?.complaintsNotRestored),
  };
}

/**
 * Stores `recovered` unless the vault holds a record of its pseudonym already: that one is the
 * wallet's own copy (written while this recovery waited on the clearinghouse, or before it, when a
 * recovery is asked again), with the receipts and what was opened that the clearinghouse's copy
 * lacks, and the wallet's next refresh brings it up to date. Read and written in the relationship
 * turn, so no write of the wallet lands between the two. A record that does not read as a
 * relationship is replaced.
 */
function storeRecovered(
  store: RecordStore,
  recovered: StoredRelationship & CheckedOwnMessages,
): Promise<void> {
  return inRelationshipTurn(store, async () => {
    if (v.is(storedRelationship, await store.get('relationships', recovered.pseudonym))) return;
    await store.put('relationships', recovered.pseudonym, recovered);
  });
}

/**
 * Recovers the relationships of the identity `masterSeed` from the clearinghouse and stores each
 * in `store` (`relationships/<pseudonym>`, where the vault holds none yet). A network failure or a
 * problem answer for the whole call throws `ERR_CLEARINGHOUSE_UNREACHABLE` with the
 * {@link RecoveryProgress} so far (what it stored stays stored); a failure for one
 * pseudonym (other than "unknown pseudonym", which means no relationship) lands in `failed`.
 * Each recovered relationship's complaints are restored after it (./recovered-complaints): one
 * the clearinghouse no longer has, or that fails its check, is counted in
 * `complaintsNotRestored`, never a failure; one it cannot answer for now makes the recovery
 * out of reach (`ERR_CLEARINGHOUSE_UNREACHABLE`), to be asked again.
 *
 * @example
 * ```ts
 * const seed = identityFromPhrase(phrase);
 * const { relationships, complaints } = await recoverRelationships(seed, client, vault, {
 *   clearinghouseOrigin: 'http://localhost:3000',
 * });
 * ```
 */
export async function recoverRelationships(
  masterSeed: Uint8Array,
  clearinghouse: RegistryPort,
  store: RecordStore,
  options: RecoveryOptions,
): Promise<RecoveryResult> {
  let after: string | undefined;
  let companiesChecked = 0;
  let relationships = 0;
  const failed: string[] = [];
  let complaints = 0;
  let complaintsNotRestored = 0;
  const rejectedComplaints: RejectedComplaint[] = [];
  const progress = (): RecoveryProgress => ({
    companiesChecked,
    relationships,
    failed: failed.length,
    complaints,
    complaintsNotRestored,
  });
  const complaintPorts = {
    clearinghouse,
    store,
    clearinghouseOrigin: options.clearinghouseOrigin,
    turn: options.complaintsTurn ?? (<T>(work: () => Promise<T>) => work()),
  };
  for (;;) {
    let page: Awaited<ReturnType<RegistryPort['listCompanies']>>;
    try {
      page = await clearinghouse.listCompanies({
        limit: recoveryLimits.pageSize,
        ...(after === undefined ? {} : { after }),
      });
    } catch (e) {
      throw unreachable(e, progress());
    }
    const companies = Array.isArray(page?.companies)
      ? page.companies.slice(0, recoveryLimits.pageSize)
      : [];
    const ids = companies.map((c) => c?.id).filter((id): id is string => v.is(companyId, id));
    const identities = await Promise.all(ids.map((id) => companyIdentity(masterSeed, id)));
    if (identities.length > 0) {
      let answer: Awaited<ReturnType<RegistryPort['relationshipsBatch']>>;
      try {
        answer = await clearinghouse.relationshipsBatch(
          identities.map((i) => ({ id: i.pseudonym, keyPair: i.keyPair })),
        );
      } catch (e) {
        throw unreachable(e, progress());
      }
      const results = Array.isArray(answer?.results) ? answer.results : [];
      for (const [index, identity] of identities.entries()) {
        const result = results[index];
        if (result !== undefined && result.status === 200 && 'relationships' in result) {
          const parsed = v.safeParse(storedRelationship, result.relationships);
          if (
            parsed.success &&
            parsed.output.pseudonym === identity.pseudonym &&
            parsed.output.company.id === identity.company
          ) {
            const own = await checkedOwnMessages(identity, parsed.output, {});
            await storeRecovered(store, { ...parsed.output, ...own });
            relationships++;
            let restored: Awaited<ReturnType<typeof restoreComplaints>>;
            try {
              restored = await restoreComplaints(
                identity,
                result.relationships.complaints,
                complaintPorts,
              );
            } catch (e) {
              // A complaint the clearinghouse could not answer for now: out of reach, as the
              // read itself; asked again, the relationship is kept and its complaints go on.
              throw unreachable(e, progress());
            }
            complaints += restored.inVault;
            complaintsNotRestored += restored.notRestored;
            rejectedComplaints.push(
              ...restored.rejected.slice(
                0,
                recoveryLimits.rejectedComplaints - rejectedComplaints.length,
              ),
            );
            continue;
          }
          failed.push(identity.company);
          continue;
        }
        const code = result !== undefined && 'problem' in result ? result.problem.code : undefined;
        // "Unknown pseudonym" is the normal answer for a company we never dealt with.
        if (result?.status === 404 || code === 'ERR_PSEUDONYM_UNKNOWN') continue;
        failed.push(identity.company);
      }
    }
    companiesChecked += identities.length;
    const next = page?.next;
    if (typeof next !== 'string' || next === '' || next === after || companies.length === 0) break;
    if (companiesChecked >= recoveryLimits.maxCompanies) break;
    after = next;
  }
  return {
    companiesChecked,
    relationships,
    failed,
    complaints,
    complaintsNotRestored,
    rejectedComplaints,
  };
}
