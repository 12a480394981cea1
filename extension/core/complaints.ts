/**
 * Complaint drafts (issue 8 "Violations"): an offer that breaks the rules becomes a draft with the
 * company's signed offer as evidence; the customer reviews it and submits it (or a setting submits
 * it at once), signed with the pairwise key, to `POST /api/v1/complaints`. The customer's own
 * complaints, about an offer or about a disclosure the company sent (with the disclosure as
 * evidence), are drafts too, signed and sent at once through the same path
 * (./complaint-outbox).
 *
 * Evidence is what the clearinghouse can verify as of the message's `iat` with the company's key
 * of that time: the inner `offer-content` (what the customer read), plus the outer `offer` when
 * the two disagree. An inner that does not even parse (a required field missing, such as the
 * unsubscribe route) cannot be verified by anyone with the message schema, so its draft cites the
 * outer `offer` alone, whose company signature the Assistant checked.
 */
import * as v from 'valibot';
import { uuidV4 } from '../../protocol/client';
import {
  complaintReasons,
  evidenceKinds,
  maxComplaintLength,
  type Payload,
} from '../../protocol/messages';
import { companyId, compactJws, epochSeconds, sha256 } from '../../protocol/messages/primitives';
import type { Reason } from '../../protocol/filter';
import { signMessage } from '../../protocol/signed';
import type { Ed25519KeyPair } from '../../protocol/keys';
import { readStoredRecord } from './stored-record';
import type { RecordStore } from './ports';

export type ComplaintReason = (typeof complaintReasons)[number];

/**
 * The reasons the customer gives for an offer themselves, which no filter can detect: the offer
 * misleads, uses data the company did not disclose, shows the data passed on unlawfully, or
 * something else (said in the comment, which `other` requires). `request_unanswered` is about
 * data requests, not offers.
 */
export const manualComplaintReasons = [
  'misleading',
  'undisclosed_data',
  'unlawful_onward_transfer',
  'other',
] as const satisfies readonly ComplaintReason[];
export type ManualComplaintReason = (typeof manualComplaintReasons)[number];

/**
 * The reasons the customer gives for a disclosure (what a company says it holds about them):
 * it holds data, or uses it for a purpose or keeps it for longer, than the customer's grant covers
 * (`not_covered`: data the customer never gave is held without their consent); it passes the data
 * to recipients the grant does not name (`unlawful_onward_transfer`); it leaves out data it holds
 * (`undisclosed_data`); it is false or misleading; or something else, said in the comment (which
 * `other` requires). The other reasons of the protocol are about offers (channels, time windows,
 * labels) or data requests (`request_unanswered`, which the clearinghouse finds by itself).
 */
export const disclosureComplaintReasons = [
  'not_covered',
  'unlawful_onward_transfer',
  'undisclosed_data',
  'misleading',
  'other',
] as const satisfies readonly ComplaintReason[];
export type DisclosureComplaintReason = (typeof disclosureComplaintReasons)[number];

/** What a complaint is about: a stored offer, or a disclosure the company sent. */
export const complaintSubjects = ['offer', 'disclosure'] as const;
export type ComplaintSubjectKind = (typeof complaintSubjects)[number];

/** The reasons the customer may give themselves, by what the complaint is about. */
export const customerComplaintReasons: Readonly<
  Record<ComplaintSubjectKind, readonly ComplaintReason[]>
> = { offer: manualComplaintReasons, disclosure: disclosureComplaintReasons };

/** Where the drafts live in the vault. */
export const complaintsRecord = { table: 'profile', id: 'complaints' } as const;
export const maxComplaintDrafts = 1000;
/** The transport window of a complaint (SPECS "JWS": at most 10 minutes). */
export const complaintWindowSeconds = 300;
/** The longest comment a complaint carries (the `complaint` schema's bound). */
export const maxCommentChars = 2000;

/**
 * A signed complaint token: as the vault keeps it while its answer is outstanding, and as a
 * recovery fetches it (./recovered-complaints).
 */
export const complaintToken = v.pipe(
  v.string(),
  v.maxLength(maxComplaintLength),
  v.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
);

/** One draft, and what became of it. */
export const complaintDraft = v.object({
  /**
   * What it is about, by its SHA-256: an offer's inbox id, or a disclosure's hash. One draft per
   * offer or disclosure (the two are hashes of different signed messages, so they never meet).
   */
  id: sha256,
  /**
   * What `id` names; absent: an offer (the filter's drafts, and those stored before disclosures
   * could be complained about).
   */
  about: v.optional(v.picklist(complaintSubjects)),
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
  /**
   * When the clearinghouse's receipt was stored (epoch seconds, the Assistant's clock): set with
   * the state `submitted` (./complaint-outbox). Absent on complaints submitted before it was
   * kept: only `createdAt`, when the draft was first written, is known of them.
   */
  submittedAt: v.optional(epochSeconds),
  /** The last submission's error code, shown to the customer. */
  error: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /**
   * A complaint under way whose last answer asked to wait (a 429 or 503 `Retry-After`): the time
   * it may be sent again (epoch seconds, the Assistant's clock at the answer plus the wait).
   * The outbox's retries (`sendPending`) do not send it before. Cleared once it is answered.
   */
  retryAt: v.optional(epochSeconds),
  /**
   * A complaint under way whose last attempt was answered, not taken (a 429, a 5xx): the answer's
   * HTTP status. It tells a gateway's 5xx, whose code this version does not know and keeps as
   * `ERR_CLEARINGHOUSE_UNREACHABLE`, from no answer at all (absent, as on complaints kept before
   * it was). Set again by each attempt; cleared once it is answered.
   */
  answerStatus: v.optional(v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599))),
  /** The comment of the complaint under way (it is part of the signed message). */
  comment: v.optional(v.pipe(v.string(), v.maxLength(maxCommentChars))),
  /**
   * A complaint under way: signed and written here before it is sent, then sent again exactly as
   * it is until the clearinghouse answers (it recognises a resend only of the identical token;
   * a new signature would be a second complaint). Cleared when it is answered.
   */
  jws: v.optional(complaintToken),
  /** The pending complaint's `exp` (epoch seconds). */
  exp: v.optional(epochSeconds),
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
  const stored = await readStoredRecord(
    store,
    complaintsRecord,
    drafts,
    'the complaint drafts are malformed',
  );
  return stored?.drafts ?? [];
}

/** Whether a draft still waits to be sent: the customer's review, or a submission under way. */
export function isUnsent(d: ComplaintDraft): boolean {
  return d.state === 'draft';
}

/**
 * The drafts to store, within {@link maxComplaintDrafts}: when there are more, the oldest
 * discarded drafts go first, then the oldest submitted ones (their complaints are at the
 * clearinghouse, logged). An unsent draft is never dropped to make room: when the unsent ones
 * alone exceed the bound, the last of `all` (the newest, appended by the sync) are not kept and
 * come back in `refused`, for the caller to report. Their offers stay stored with the decision
 * that names the violation, so nothing the customer could see is lost.
 *
 * @example
 * ```ts
 * const { kept, refused } = keptDrafts([...stored, ...added]);
 * ```
 */
export function keptDrafts(all: readonly ComplaintDraft[]): {
  kept: ComplaintDraft[];
  refused: ComplaintDraft[];
} {
  if (all.length <= maxComplaintDrafts) return { kept: [...all], refused: [] };
  const unsent = all.filter(isUnsent);
  const refused = unsent.slice(maxComplaintDrafts);
  let room = maxComplaintDrafts - Math.min(unsent.length, maxComplaintDrafts);
  // The sent and discarded ones that fit, discarded ones going first, each the oldest first.
  const rank = (d: ComplaintDraft) => (d.state === 'discarded' ? 0 : 1);
  const others = all
    .filter((d) => !isUnsent(d))
    .sort((a, b) => rank(b) - rank(a) || b.createdAt - a.createdAt);
  const keep = new Set<ComplaintDraft>(unsent.slice(0, maxComplaintDrafts));
  for (const d of others) {
    if (room === 0) break;
    keep.add(d);
    room--;
  }
  return { kept: all.filter((d) => keep.has(d)), refused };
}

/**
 * Stores `all` as {@link keptDrafts} bounds it; returns the unsent drafts it could not keep.
 *
 * @example
 * ```ts
 * await writeDrafts(vault, drafts); // [] unless more than 1000 drafts are unsent
 * ```
 */
export async function writeDrafts(
  store: RecordStore,
  all: readonly ComplaintDraft[],
): Promise<ComplaintDraft[]> {
  const { kept, refused } = keptDrafts(all);
  await store.put(complaintsRecord.table, complaintsRecord.id, draftsRecord(kept));
  return refused;
}

/** The vault record of `kept` (already bounded by {@link keptDrafts}). */
export function draftsRecord(kept: readonly ComplaintDraft[]): {
  v: 1;
  drafts: ComplaintDraft[];
} {
  return { v: 1, drafts: [...kept] };
}

/**
 * Signs the complaint of `draft` with the pseudonym's pairwise key, valid for
 * {@link complaintWindowSeconds} from `iat`.
 *
 * @example
 * ```ts
 * const jws = await signComplaint(draft, keyPair, { audience: 'http://localhost:3000', iat, randomBytes });
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
    exp: claims.iat + complaintWindowSeconds,
    jti: uuidV4(claims.randomBytes),
    company: draft.company,
    evidence: draft.evidence.map((e) => ({ kind: e.kind, jws: e.jws })),
    reasons: [...draft.reasons],
    ...(comment === undefined || comment === '' ? {} : { comment }),
  };
  return signMessage('complaint', payload, keyPair);
}
