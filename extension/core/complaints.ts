/**
 * Complaint drafts (issue 8 "Violations"): an offer that breaks the rules becomes a draft with the
 * company's signed offer as evidence; the customer reviews it and submits it (or a setting submits
 * it at once), signed with the pairwise key, to `POST /api/v1/complaints`.
 *
 * Evidence is what the clearinghouse can verify as of the message's `iat` with the company's key
 * of that time: the inner `offer-content` (what the customer read), plus the outer `offer` when
 * the two disagree. An inner that does not even parse (a required field missing, such as the
 * unsubscribe route) cannot be verified by anyone with the message schema, so its draft cites the
 * outer `offer` alone, whose company signature the Assistant checked.
 */
import * as v from 'valibot';
import { uuidV4 } from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { complaintReasons, evidenceKinds, type Payload } from '../../protocol/messages';
import { companyId, compactJws, sha256 } from '../../protocol/messages/primitives';
import type { Reason } from '../../protocol/filter';
import { signMessage } from '../../protocol/signed';
import type { Ed25519KeyPair } from '../../protocol/keys';
import type { RecordStore } from './ports';

export type ComplaintReason = (typeof complaintReasons)[number];

/** Where the drafts live in the vault. */
export const complaintsRecord = { table: 'profile', id: 'complaints' } as const;
export const maxComplaintDrafts = 1000;

/** One draft, and what became of it. */
export const complaintDraft = v.object({
  /** The offer's inbox id: one draft per offer. */
  id: sha256,
  company: companyId,
  pseudonym: v.pipe(v.string(), v.maxLength(64)),
  reasons: v.pipe(v.array(v.picklist(complaintReasons)), v.minLength(1)),
  evidence: v.pipe(
    v.array(v.object({ kind: v.picklist(evidenceKinds), jws: compactJws })),
    v.minLength(1),
    v.maxLength(2),
  ),
  /** Epoch seconds. */
  createdAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
  state: v.picklist(['draft', 'submitted', 'discarded']),
  /** The submitted complaint's SHA-256 (its log receipt id). */
  sha256: v.optional(sha256),
  /** The last submission's error code, shown to the customer. */
  error: v.optional(v.pipe(v.string(), v.maxLength(64))),
});
export type ComplaintDraft = v.InferOutput<typeof complaintDraft>;

const drafts = v.object({
  v: v.literal(1),
  drafts: v.pipe(v.array(complaintDraft), v.maxLength(maxComplaintDrafts)),
});

/**
 * The complaint reasons (protocol vocabulary) for the engine's violation reasons, in order and
 * without repeats. A suspended company has no reason id of its own: `not_covered` (a suspended
 * company's grants cover nothing).
 *
 * @example
 * ```ts
 * complaintReasonsFor([{ id: 'grant_not_covered', params: { rule: 'revoked' } }]); // ['after_revocation']
 * ```
 */
export function complaintReasonsFor(reasons: readonly Reason[]): ComplaintReason[] {
  const out: ComplaintReason[] = [];
  const add = (r: ComplaintReason) => {
    if (!out.includes(r)) out.push(r);
  };
  for (const r of reasons) {
    switch (r.id) {
      case 'outer_inner_mismatch':
        add('outer_inner_mismatch');
        break;
      case 'company_suspended':
      case 'grant_missing':
        add('not_covered');
        break;
      case 'grant_not_covered':
        add(
          r.params?.rule === 'revoked'
            ? 'after_revocation'
            : r.params?.rule === 'channel'
              ? 'wrong_channel'
              : r.params?.rule === 'time_window'
                ? 'outside_time_window'
                : r.params?.rule === 'contact_cap'
                  ? 'contact_cap_exceeded'
                  : 'not_covered',
        );
        break;
      case 'advertisement_label_missing':
        add('missing_advertisement_label');
        break;
      case 'unsubscribe_missing':
        add('missing_unsubscribe');
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * Reads every draft (none stored: empty).
 *
 * @throws ProtocolError `ERR_VAULT_RECORD_DAMAGED` when the record does not parse.
 */
export async function readDrafts(store: RecordStore): Promise<ComplaintDraft[]> {
  const raw = await store.get(complaintsRecord.table, complaintsRecord.id);
  if (raw === undefined) return [];
  const parsed = v.safeParse(drafts, raw);
  if (!parsed.success)
    throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the complaint drafts are malformed', {
      table: complaintsRecord.table,
      id: complaintsRecord.id,
    });
  return parsed.output.drafts;
}

/** Stores `all` (the newest {@link maxComplaintDrafts}). */
export async function writeDrafts(
  store: RecordStore,
  all: readonly ComplaintDraft[],
): Promise<void> {
  await store.put(complaintsRecord.table, complaintsRecord.id, {
    v: 1,
    drafts: all.slice(-maxComplaintDrafts),
  });
}

/**
 * Signs the complaint of `draft` with the pseudonym's pairwise key.
 *
 * @example
 * ```ts
 * const jws = await signComplaint(draft, keyPair, { audience: 'http://localhost:3000', iat, jti });
 * ```
 */
export async function signComplaint(
  draft: ComplaintDraft,
  keyPair: Ed25519KeyPair,
  claims: { audience: string; iat: number; randomBytes: (n: number) => Uint8Array },
  comment?: string,
): Promise<string> {
  const payload: Payload<'complaint'> = {
    v: 1,
    iss: draft.pseudonym,
    aud: claims.audience,
    iat: claims.iat,
    exp: claims.iat + 300,
    jti: uuidV4(claims.randomBytes),
    company: draft.company,
    evidence: draft.evidence.map((e) => ({ kind: e.kind, jws: e.jws })),
    reasons: [...draft.reasons],
    ...(comment === undefined || comment === '' ? {} : { comment }),
  };
  return signMessage('complaint', payload, keyPair);
}
