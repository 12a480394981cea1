/**
 * Sending complaints (issue 8 "Violations"; docs/filter.md): the one path every complaint takes,
 * whether the filter drafted it about an offer, the customer complained about an offer, or about
 * a disclosure a company sent. The complaint is signed with the pairwise key and written to the
 * vault's drafts (./complaints) before it is sent, then sent again, identical, until the
 * clearinghouse answers: it recognises a resend only of the same token (a new signature, a new
 * `jti`, would be a second complaint). A refusal ends the attempt and keeps the draft with its
 * code; a complaint that got no answer is sent again on every sync
 * ({@link ComplaintOutbox.sendPending}), but not before the time an answer asking to wait named
 * (a 429 or 503 `Retry-After`, kept as the draft's `retryAt`). An answer that did not take it (a
 * 429, a 5xx, a gateway's among them) keeps its HTTP status beside the code (`answerStatus`), so
 * the views tell "busy" from "not reached". The receipt is stored with the time it came
 * (`submittedAt`).
 *
 * Calls are expected one at a time (the offers service queues them, as the inbox's sync writes
 * the same record). Pure apart from the ports (STYLE habit 2).
 *
 * @example
 * ```ts
 * const outbox = new ComplaintOutbox(ports);
 * await outbox.complain('disclosure', ['not_covered'], 'Nie angegeben.', find);
 * ```
 */
import * as v from 'valibot';
import type { ClearinghouseClient } from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { CLOCK_SKEW_SECONDS } from '../../protocol/jws';
import { text as protocolText } from '../../protocol/messages/primitives';
import { ready } from '../../protocol/sodium';
import {
  answerStatusOf,
  failureOf,
  isNetworkFailure,
  isRefusal,
  retryAfterOf,
} from './clearinghouse-failures';
import {
  complaintDraft,
  complaintWindowSeconds,
  customerComplaintReasons,
  keptDrafts,
  maxCommentChars,
  readDrafts,
  signComplaint,
  writeDrafts,
  type ComplaintDraft,
  type ComplaintReason,
  type ComplaintSubjectKind,
} from './complaints';
import { companyIdentity } from './identity';
import type { ClockPort, RandomBytesPort, RecordStore } from './ports';

/** What the outbox is handed (the inbox's ports are a superset). */
export interface ComplaintOutboxPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  readonly clearinghouse: Pick<ClearinghouseClient, 'submitComplaint'>;
  /** The clearinghouse origin: the `aud` of complaints. */
  readonly clearinghouseOrigin: string;
  readonly masterSeed: () => Promise<Uint8Array>;
}

/** What the customer complains about, as the caller found it in the vault. */
export interface ComplaintSubject {
  readonly about: ComplaintSubjectKind;
  /** The offer's inbox id or the disclosure's hash: the draft's id. */
  readonly id: string;
  readonly company: string;
  /** The pseudonym the company knows the customer by (it signs the complaint). */
  readonly pseudonym: string;
  /**
   * The signed messages of the company a new draft cites; null when none whose signature the
   * Assistant checked is kept (there is nothing to complain with).
   */
  readonly evidence: ComplaintDraft['evidence'] | null;
}

/**
 * The complaint drafts and their sending.
 *
 * @example
 * ```ts
 * const outbox = new ComplaintOutbox(ports);
 * const draft = await outbox.submit(offerId, 'Bitte prüfen.'); // state 'submitted', or throws
 * ```
 */
/**
 * The longest wait an answer's `Retry-After` holds a complaint back from the automatic resend:
 * 15 minutes. The clearinghouse asks for at most a minute (docs/api.md "Rate limits"); a longer
 * one comes from a proxy, a captive portal or a gateway, which must not stop the resend for a day.
 */
export const maxComplaintWaitSeconds = 15 * 60;

export class ComplaintOutbox {
  constructor(private readonly ports: ComplaintOutboxPorts) {}

  private nowSeconds(): number {
    return Math.floor(this.ports.clock.now() / 1000);
  }

  /** Every complaint draft, newest first. */
  async drafts(): Promise<ComplaintDraft[]> {
    return [...(await readDrafts(this.ports.store))].sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Submits the complaint of draft `id`: signs it (with `comment`) and writes it to the vault
   * before sending. A complaint already under way is sent again as it was signed; `comment` then
   * applies only if the clearinghouse turns the old token down as expired (it did not store it,
   * or it would answer as the first time) and a new one is signed. The draft records the
   * complaint's hash, or the failure's code; a refusal ends the attempt, a failure to reach the
   * clearinghouse leaves it under way. The customer asked: it is sent even before the `retryAt`
   * a busy clearinghouse named (which the automatic retries keep).
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no such draft), the clearinghouse's code.
   */
  async submit(id: string, comment?: string): Promise<ComplaintDraft> {
    await ready();
    const all = await readDrafts(this.ports.store);
    const index = all.findIndex((d) => d.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no complaint draft for this');
    if (all[index]!.state === 'submitted') return all[index]!;
    const { failure } = await this.send(all, index, comment);
    if (failure !== undefined) throw failure;
    return all[index]!;
  }

  /**
   * The customer's own complaint about what `find` finds (an offer or a disclosure), for
   * `reasons` the customer may give about it ({@link customerComplaintReasons}; `other` requires
   * `comment`): signed and submitted at once, as {@link submit} submits a draft (written under way
   * before it is sent, sent again until the clearinghouse answers, a failure's code kept with it).
   * An unsent draft of the same subject (one the filter made, or one the clearinghouse refused)
   * takes the reasons beside its own and keeps its evidence; otherwise a new draft cites the
   * subject's evidence, taking the place of a draft the customer discarded.
   *
   * Refused before anything is signed or stored: `ERR_MESSAGE_INVALID` (a reason the customer
   * cannot give about it, none or one twice, `other` without a comment, a comment the complaint
   * cannot carry), what `find` throws (nothing to complain about), `ERR_COMPLAINT_DUPLICATE` (its
   * complaint is submitted or under way: a second signature would be a second complaint),
   * `ERR_EVIDENCE_INVALID` (no message of the company whose signature checked out is kept for
   * it), `ERR_MESSAGE_TOO_LARGE` (its evidence is larger than a complaint carries),
   * `ERR_STORAGE_WRITE_FAILED` (1000 unsent drafts already: the bound of the drafts).
   *
   * @throws ProtocolError as above, then {@link submit}'s (the clearinghouse's code).
   * @example
   * ```ts
   * await outbox.complain('offer', ['misleading'], 'Der Preis stimmt nicht.', async () => subject);
   * ```
   */
  async complain(
    about: ComplaintSubjectKind,
    reasons: readonly ComplaintReason[],
    comment: string | undefined,
    find: () => Promise<ComplaintSubject>,
  ): Promise<ComplaintDraft> {
    const said = comment?.trim() ?? '';
    const allowed = customerComplaintReasons[about];
    if (
      reasons.length === 0 ||
      new Set(reasons).size !== reasons.length ||
      reasons.some((r) => !allowed.includes(r))
    )
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'not reasons the customer gives about this');
    if (said === '' ? reasons.includes('other') : !v.is(protocolText(maxCommentChars), said))
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'the comment is missing or not valid');
    await ready();
    const subject = await find();
    const all = await readDrafts(this.ports.store);
    let index = all.findIndex((d) => d.id === subject.id);
    const existing = index < 0 ? undefined : all[index]!;
    if (existing !== undefined && (existing.state === 'submitted' || existing.jws !== undefined))
      throw new ProtocolError(
        'ERR_COMPLAINT_DUPLICATE',
        `the complaint about this ${about} is submitted already`,
      );
    let draft: ComplaintDraft;
    if (existing?.state === 'draft') {
      const added = reasons.filter((r) => !existing.reasons.includes(r));
      draft =
        added.length === 0 ? existing : { ...existing, reasons: [...existing.reasons, ...added] };
    } else {
      if (subject.evidence === null)
        throw new ProtocolError('ERR_EVIDENCE_INVALID', 'no signed message of the company kept');
      draft = {
        id: subject.id,
        // Offers as before: a draft without `about` is one (complaints.ts).
        ...(about === 'offer' ? {} : { about }),
        company: subject.company,
        pseudonym: subject.pseudonym,
        reasons: [...reasons],
        evidence: subject.evidence.map((e) => ({ kind: e.kind, jws: e.jws })),
        createdAt: this.nowSeconds(),
        state: 'draft',
      };
      // The drafts record must parse again (evidence within the bound of a JWS it keeps).
      if (!v.is(complaintDraft, draft))
        throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'the evidence is larger than kept');
    }
    if (index < 0) index = all.push(draft) - 1;
    else all[index] = draft;
    if (keptDrafts(all).refused.includes(draft))
      throw new ProtocolError('ERR_STORAGE_WRITE_FAILED', 'the unsent drafts fill their bound');
    const { failure } = await this.send(all, index, said === '' ? undefined : said);
    if (failure !== undefined) throw failure;
    return all[index]!;
  }

  /**
   * Signs the complaint of `draft` now: the draft comes back under way, with the token, its `exp`
   * and the comment it carries (`seed`: the master seed, when the caller read it already).
   *
   * @example
   * ```ts
   * const underWay = await outbox.sign(draft, undefined, seed); // written by the caller
   * ```
   */
  async sign(
    draft: ComplaintDraft,
    comment: string | undefined,
    seed?: Uint8Array,
  ): Promise<ComplaintDraft> {
    const identity = await companyIdentity(seed ?? (await this.ports.masterSeed()), draft.company);
    const iat = this.nowSeconds();
    const jws = await signComplaint(
      draft,
      identity.keyPair,
      { audience: this.ports.clearinghouseOrigin, iat, randomBytes: this.ports.randomBytes },
      comment,
    );
    const { comment: _comment, ...rest } = draft;
    return {
      ...rest,
      ...(comment === undefined || comment === '' ? {} : { comment }),
      jws,
      exp: iat + complaintWindowSeconds,
    };
  }

  /**
   * Sends draft `index` of `all` (changing `all` and the vault as it goes): the token under way,
   * or a new one written first. Returns the failure, and whether the clearinghouse did not answer
   * at all.
   */
  private async send(
    all: ComplaintDraft[],
    index: number,
    comment: string | undefined,
  ): Promise<{ failure?: ProtocolError; unanswered?: boolean }> {
    const write = async (draft: ComplaintDraft) => {
      all[index] = draft;
      await writeDrafts(this.ports.store, all);
    };
    // The last answer's wait and status are the last answer's: each answer (or none) sets them
    // again.
    const { retryAt: _retryAt, answerStatus: _answerStatus, ...unset } = all[index]!;
    let draft: ComplaintDraft = unset;
    let signedNow = false;
    for (;;) {
      if (draft.jws === undefined) {
        // Written before it is sent: from here on the clearinghouse may hold it.
        const { error: _error, ...rest } = draft;
        draft = await this.sign(rest, comment ?? draft.comment);
        signedNow = true;
        await write(draft);
      }
      try {
        const receipt = await this.ports.clearinghouse.submitComplaint(draft.jws!);
        const { jws: _jws, exp: _exp, error: _error, ...rest } = draft;
        await write({
          ...rest,
          state: 'submitted',
          sha256: receipt.sha256,
          // When the receipt came, not when the draft was written (`createdAt`).
          submittedAt: this.nowSeconds(),
        });
        return {};
      } catch (e) {
        const failure = failureOf(e);
        if (!isRefusal(e)) {
          // No answer, or one asking to come back later: the same token goes again next time,
          // not before the time the answer named.
          const wait = retryAfterOf(failure);
          const status = answerStatusOf(failure);
          await write({
            ...draft,
            error: failure.code,
            ...(status === undefined ? {} : { answerStatus: status }),
            ...(wait === undefined
              ? {}
              : { retryAt: this.nowSeconds() + Math.min(wait, maxComplaintWaitSeconds) }),
          });
          return { failure, unanswered: isNetworkFailure(e) };
        }
        // Refused, so not stored (a stored token is answered as the first time, expired or not).
        const expired =
          e.code === 'ERR_JWS_EXPIRED' || (draft.exp ?? 0) + CLOCK_SKEW_SECONDS < this.nowSeconds();
        const { jws: _jws, exp: _exp, ...rest } = draft;
        draft = { ...rest, error: failure.code };
        if (expired && !signedNow) continue;
        await write(draft);
        return { failure };
      }
    }
  }

  /**
   * Sends every complaint under way (signed, not answered), oldest first, whatever it is about;
   * stops at the first that finds the clearinghouse out of reach. One whose last answer asked to
   * wait (`retryAt`) waits until then: sending it sooner would be refused again, and spend the
   * budget the clearinghouse counts (docs/api.md "Rate limits").
   */
  async sendPending(): Promise<void> {
    const all = await readDrafts(this.ports.store);
    const now = this.nowSeconds();
    const order = all
      .map((d, index) => ({ d, index }))
      .filter(
        ({ d }) =>
          d.state === 'draft' &&
          d.jws !== undefined &&
          // A wait longer than the longest kept (the clock turned back since) has passed.
          (d.retryAt === undefined ||
            d.retryAt <= now ||
            d.retryAt > now + maxComplaintWaitSeconds),
      )
      .sort((a, b) => a.d.createdAt - b.d.createdAt);
    for (const { index } of order) {
      const { unanswered } = await this.send(all, index, undefined);
      if (unanswered === true) break;
    }
  }

  /** Discards a draft the customer does not want to send. */
  async discard(id: string): Promise<void> {
    const all = await readDrafts(this.ports.store);
    const index = all.findIndex((d) => d.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no complaint draft for this');
    if (all[index]!.state === 'submitted') return;
    // A complaint under way is not sent again (whether the clearinghouse holds it stays open).
    const {
      jws: _jws,
      exp: _exp,
      retryAt: _retryAt,
      answerStatus: _answerStatus,
      ...rest
    } = all[index]!;
    all[index] = { ...rest, state: 'discarded' };
    await writeDrafts(this.ports.store, all);
  }
}
