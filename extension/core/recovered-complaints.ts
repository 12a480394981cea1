/**
 * The customer's complaints brought back by a recovery from the phrase (./recovery, issue 6
 * "Vault"): the signed read of a relationship lists, per pseudonym, the summaries of its
 * complaints, newest first, at most 100 (docs/api.md "Relationships"); each is fetched in full
 * (`GET /api/v1/complaints/{sha256}`, signed by the pseudonym) and stored in the vault's
 * complaint list (./complaints) as a `submitted` complaint, with the evidence its signed payload
 * carries.
 *
 * The clearinghouse is not trusted with what the customer said: a complaint is stored only when
 * its JWS hashes to the sha256 it is listed under and the pseudonym's own pairwise key signed it,
 * from this pseudonym, about this company (as ./own-messages checks grants). What fails is left
 * out and reported with its code ({@link RejectedComplaint}); one the clearinghouse refuses for
 * good (a copy it no longer has) is counted and the others go on; one it cannot answer for now
 * (the network, a 429, a 5xx) stops the restore, after storing what was checked, with that error:
 * the recovery is then out of reach and asked again later (./recovery). The regulator's
 * decisions are not stored here: the wallet's refresh checks each one the relationship lists,
 * whether or not a complaint of the vault names it (./complaint-decisions, ./wallet
 * `openedDecisions`), and the views join the two by the complaint's sha256.
 *
 * Never over what the vault holds: a complaint already kept (same sha256), or another complaint
 * about the same subject (same draft id), stays as it is. The write is a read, merge and write of
 * the drafts record in the turn its other writers share (the offers service's queue, handed in
 * as `turn`), with no network call in it; asked again (a recovery resumed), the complaints the
 * vault holds are neither fetched nor stored twice.
 *
 * Pure apart from its ports and libsodium (STYLE habit 2).
 */
import * as v from 'valibot';
import type { ClearinghouseClient } from '../../protocol/client';
import { isProtocolError, protocolErrorCodes, type ProtocolErrorCode } from '../../protocol/errors';
import { sha256Of } from '../../protocol/jws';
import { publicJwk, thumbprint } from '../../protocol/keys';
import { companyId, sha256 as sha256Schema } from '../../protocol/messages/primitives';
import { openMessage } from '../../protocol/signed';
import {
  complaintDraft,
  complaintToken,
  maxComplaintDrafts,
  readDrafts,
  writeDrafts,
  type ComplaintDraft,
} from './complaints';
import { isRefusal } from './clearinghouse-failures';
import type { CompanyIdentity } from './identity';
import type { RecordStore } from './ports';

/** How many complaints the signed read lists per pseudonym (docs/api.md "Relationships"). */
export const maxListedComplaints = 100;

/** The `Date` range in milliseconds: a time the clearinghouse gives is bounded to it. */
const milliseconds = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15));

/** One complaint as the relationship read lists it; only its sha256 is used. */
const complaintSummary = v.object({
  sha256: sha256Schema,
  company: companyId,
  reasons: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64)),
  receivedAt: milliseconds,
});

/** The full complaint of `GET /api/v1/complaints/{sha256}` (docs/api.md "Complaint"). */
const fetchedComplaint = v.object({
  sha256: sha256Schema,
  jws: complaintToken,
  receivedAt: milliseconds,
});

/** A listed complaint that failed its check: not stored, with the reason. */
export const rejectedComplaint = v.object({
  company: companyId,
  sha256: sha256Schema,
  code: v.picklist(protocolErrorCodes),
});
export type RejectedComplaint = v.InferOutput<typeof rejectedComplaint>;

/** What restoring the complaints of one pseudonym came to. */
export interface RestoredComplaints {
  /** Listed complaints the vault now holds (stored now, or held already). */
  readonly inVault: number;
  /**
   * Listed complaints the vault does not hold: not fetched (the network, a copy the clearinghouse
   * no longer has), listed or answered in a form that does not read, rejected by the check, or
   * with no room (./complaints `maxComplaintDrafts`) or another complaint about the same subject
   * in the vault. The rejected ones are in {@link rejected} too.
   */
  readonly notRestored: number;
  readonly rejected: readonly RejectedComplaint[];
}

/** What {@link restoreComplaints} is handed. */
export interface ComplaintRestorePorts {
  readonly clearinghouse: Pick<ClearinghouseClient, 'getComplaint'>;
  readonly store: RecordStore;
  /** The clearinghouse's origin: the `aud` of the customer's complaints. */
  readonly clearinghouseOrigin: string;
  /**
   * Runs the drafts record's read, merge and write one at a time with its other writers (the
   * offers service's queue: a sync reads the drafts, fetches the inboxes, then writes them).
   */
  readonly turn: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * Checks a complaint the clearinghouse answered for `listedSha256`: the complaint draft to store,
 * or the code it fails with. Stored only when the token hashes to `listedSha256` and the
 * pairwise key of `identity` signed it (as of its `iat`, long past its transport window), from
 * its pseudonym to `clearinghouseOrigin`, about its company. Needs libsodium ready.
 *
 * @example
 * ```ts
 * const checked = await checkedComplaint(identity, listed.sha256, fetched, origin);
 * if ('draft' in checked) keep(checked.draft);
 * ```
 */
export async function checkedComplaint(
  identity: CompanyIdentity,
  listedSha256: string,
  fetched: unknown,
  clearinghouseOrigin: string,
): Promise<{ draft: ComplaintDraft } | { code: ProtocolErrorCode }> {
  const parsed = v.safeParse(fetchedComplaint, fetched);
  if (!parsed.success) return { code: 'ERR_MESSAGE_INVALID' };
  const { jws, receivedAt } = parsed.output;
  if (parsed.output.sha256 !== listedSha256 || sha256Of(jws) !== listedSha256)
    return { code: 'ERR_MESSAGE_INVALID' };
  const jwk = publicJwk(identity.keyPair);
  const kid = thumbprint(jwk);
  let payload;
  try {
    // Who signed it is the question, not when (./own-messages `ownCheck` says why).
    ({ payload } = await openMessage('complaint', jws, {
      resolveKey: (k) => (k === kid ? jwk : undefined),
      audience: clearinghouseOrigin,
      now: Number.MAX_SAFE_INTEGER,
      asOf: 'iat',
    }));
  } catch (e) {
    if (isProtocolError(e)) return { code: e.code };
    throw e;
  }
  if (payload.iss !== identity.pseudonym) return { code: 'ERR_MESSAGE_ISSUER_MISMATCH' };
  if (payload.company !== identity.company) return { code: 'ERR_PSEUDONYM_COMPANY_MISMATCH' };
  const evidence = payload.evidence.map((e) => ({ kind: e.kind, jws: e.jws }));
  const disclosure = evidence.find((e) => e.kind === 'disclosure');
  const offer = evidence.find((e) => e.kind === 'offer');
  const draft = v.safeParse(complaintDraft, {
    // What it is about, as the drafts name it: a disclosure's hash, an offer's inbox id (the
    // outer offer's hash, cited only where inner and outer disagree); else its own hash, which
    // names no offer and no disclosure (the evidence is the inner offer alone, or another kind).
    id: sha256Of((disclosure ?? offer ?? { jws }).jws),
    ...(disclosure === undefined ? {} : { about: 'disclosure' }),
    company: identity.company,
    pseudonym: identity.pseudonym,
    reasons: [...payload.reasons],
    evidence,
    createdAt: payload.iat,
    state: 'submitted',
    sha256: listedSha256,
    // The clearinghouse's time of taking it: the receipt's, as a submission keeps it.
    submittedAt: Math.floor(receivedAt / 1000),
    ...(payload.comment === undefined || payload.comment === ''
      ? {}
      : { comment: payload.comment }),
  } satisfies v.InferInput<typeof complaintDraft>);
  return draft.success ? { draft: draft.output } : { code: 'ERR_MESSAGE_INVALID' };
}

/**
 * Restores the complaints `listed` (the `complaints` of `identity`'s relationship read, untrusted)
 * into the vault's drafts record: those it does not hold yet are fetched, checked
 * ({@link checkedComplaint}) and stored as submitted. A fetch that fails is counted and the rest
 * go on. A drafts record that does not read is left as it is (nothing stored, all counted);
 * a store failure otherwise (locked, replaced) throws, as recovery's own writes do.
 *
 * @example
 * ```ts
 * const { inVault, notRestored } = await restoreComplaints(identity, read.complaints, ports);
 * ```
 */
export async function restoreComplaints(
  identity: CompanyIdentity,
  listed: unknown,
  ports: ComplaintRestorePorts,
): Promise<RestoredComplaints> {
  if (!Array.isArray(listed) || listed.length === 0)
    return { inVault: 0, notRestored: 0, rejected: [] };
  // Past the bound the clearinghouse keeps, a listing is read no further (and counted).
  let notRestored = Math.max(0, listed.length - maxListedComplaints);
  const summaries: string[] = [];
  for (const item of listed.slice(0, maxListedComplaints)) {
    const parsed = v.safeParse(complaintSummary, item);
    if (parsed.success && !summaries.includes(parsed.output.sha256))
      summaries.push(parsed.output.sha256);
    else if (!parsed.success) notRestored++;
  }
  const held = await heldDrafts(ports.store);
  if (held === null)
    return { inVault: 0, notRestored: notRestored + summaries.length, rejected: [] };
  const heldSha = heldComplaintShas(held);
  let inVault = 0;
  const rejected: RejectedComplaint[] = [];
  const checked: ComplaintDraft[] = [];
  const signer = { id: identity.pseudonym, keyPair: identity.keyPair };
  for (const sha256 of summaries) {
    if (heldSha.has(sha256)) {
      inVault++;
      continue;
    }
    let fetched: unknown;
    try {
      fetched = await ports.clearinghouse.getComplaint(signer, sha256);
    } catch (e) {
      // Out of reach for now (no answer, a 429, a 5xx): the recovery stops here as it does when
      // the relationships' read is out of reach, and is asked again later (./recovery); what was
      // checked so far is kept. Refused for good (gone: `ERR_COMPLAINT_UNKNOWN`, or not this
      // pseudonym's): counted, and the others go on.
      if (!isRefusal(e)) {
        if (checked.length > 0) await ports.turn(() => storeRestored(ports.store, checked));
        throw e;
      }
      notRestored++;
      continue;
    }
    const outcome = await checkedComplaint(identity, sha256, fetched, ports.clearinghouseOrigin);
    if ('draft' in outcome) checked.push(outcome.draft);
    else {
      rejected.push({ company: identity.company, sha256, code: outcome.code });
      notRestored++;
    }
  }
  if (checked.length === 0) return { inVault, notRestored, rejected };
  const stored = await ports.turn(() => storeRestored(ports.store, checked));
  return {
    inVault: inVault + stored.inVault,
    notRestored: notRestored + checked.length - stored.inVault,
    rejected,
  };
}

/**
 * The sha256 of each complaint the drafts record holds: submitted ones by their receipt's id, and
 * one under way by its signed token, whose receipt may not have come back yet (the clearinghouse
 * may have it already and list it).
 */
function heldComplaintShas(drafts: readonly ComplaintDraft[]): Set<string> {
  const shas = new Set<string>();
  for (const d of drafts) {
    if (d.sha256 !== undefined) shas.add(d.sha256);
    if (d.jws !== undefined) shas.add(sha256Of(d.jws));
  }
  return shas;
}

/** The vault's drafts, or null when the record does not read (it is left as it is). */
async function heldDrafts(store: RecordStore): Promise<ComplaintDraft[] | null> {
  try {
    return await readDrafts(store);
  } catch (e) {
    if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
    throw e;
  }
}

/**
 * Adds `restored` to the drafts record, read again here (in the turn): none over a complaint it
 * holds (same sha256: counted as in the vault) or another about the same subject (same id), and
 * none past {@link maxComplaintDrafts}, so no draft of the vault makes room for one. Oldest first,
 * as the drafts are appended.
 */
async function storeRestored(
  store: RecordStore,
  restored: readonly ComplaintDraft[],
): Promise<{ inVault: number }> {
  const held = await heldDrafts(store);
  if (held === null) return { inVault: 0 };
  const ids = new Set(held.map((d) => d.id));
  const shas = heldComplaintShas(held);
  let inVault = 0;
  const added: ComplaintDraft[] = [];
  for (const d of [...restored].sort((a, b) => a.createdAt - b.createdAt)) {
    if (shas.has(d.sha256!)) inVault++;
    else if (!ids.has(d.id) && held.length + added.length < maxComplaintDrafts) {
      added.push(d);
      ids.add(d.id);
      shas.add(d.sha256!);
    }
  }
  if (added.length > 0) await writeDrafts(store, [...held, ...added]);
  return { inVault: inVault + added.length };
}
