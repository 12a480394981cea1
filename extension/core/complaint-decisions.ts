/**
 * The regulator's decision on a complaint (issue 9, DESIGN section 5 `complaint-decision`), as
 * the Assistant checked it itself before the "my data" page shows its reason.
 *
 * The clearinghouse hands the pseudonym each complaint with the regulator's signed decision
 * (portal pseudonym-activity.ts). The Assistant opens each decision once, as it opens a
 * company's disclosure (./disclosures): the signature with the regulator's key as the
 * clearinghouse publishes it (`GET /api/v1/people/keys/{kid}`: role `regulator`, signer
 * `rg_<kid>` = the decision's `iss`, enrolled before and not retired at the decision's `iat`),
 * addressed to the clearinghouse, about this very complaint, with the outcome the clearinghouse
 * claims. A decision that does not verify is kept as `invalid` with its code: the page shows
 * "not verified" and never its reason.
 *
 * Pure apart from its arguments: no browser API, no I/O (STYLE habit 2).
 */
import * as v from 'valibot';
import type { PersonKeyEntry } from '../../protocol/client';
import { isProtocolError, ProtocolError, protocolErrorCodes } from '../../protocol/errors';
import {
  epochSeconds,
  localized,
  sha256 as sha256Schema,
} from '../../protocol/messages/primitives';
import { openMessage } from '../../protocol/signed';
import { refusedRevision, refusedUnder } from './disclosures';

/** One decision as the Assistant checked it. */
export const openedDecision = v.variant('state', [
  v.object({
    state: v.literal('verified'),
    /** The decision's own hash (the JWS's sha256). */
    sha256: sha256Schema,
    complaintSha256: sha256Schema,
    decision: v.picklist(['upheld', 'dismissed']),
    reason: localized(2000),
    iat: epochSeconds,
  }),
  v.object({
    state: v.literal('invalid'),
    sha256: sha256Schema,
    code: v.picklist(protocolErrorCodes),
    /** For `ERR_MESSAGE_INVALID`: the schema revision it was refused under (disclosures `toOpenAgain`). */
    revision: refusedRevision,
  }),
]);
export type OpenedDecision = v.InferOutput<typeof openedDecision>;

/** What {@link openDecision} needs besides the decision. */
export interface DecisionContext {
  /** The clearinghouse's origin: the decision's audience. */
  readonly clearinghouseOrigin: string;
  /** The Assistant's clock (ms). */
  readonly nowMs: number;
  /**
   * The published person key `kid` (`GET /api/v1/people/keys/{kid}`), `undefined` when there
   * is none; throws when the clearinghouse is out of reach (the decision stays unopened then).
   */
  readonly personKey: (kid: string) => Promise<PersonKeyEntry | undefined>;
}

/** How far a key's enrolment time may lie after a decision's `iat` (the clocks differ). */
const enrolmentSkewMs = 5 * 60_000;

/**
 * Checks the regulator's decision on complaint `complaintSha256`. A decision that does not
 * verify comes back `invalid` with its code; a key lookup that fails (network) throws, so the
 * caller can try again at the next refresh instead of marking it invalid for good.
 *
 * @example
 * ```ts
 * const opened = await openDecision(c.sha256, c.decision, { clearinghouseOrigin, nowMs, personKey });
 * if (opened.state === 'verified') show(opened.reason);
 * ```
 */
export async function openDecision(
  complaintSha256: string,
  decision: { readonly sha256: string; readonly jws: string; readonly decision: string },
  context: DecisionContext,
): Promise<OpenedDecision> {
  const { sha256 } = decision;
  let key: PersonKeyEntry | undefined;
  /** A lookup that failed (not "no such key"): not the decision's fault. */
  let lookupFailed: { error: unknown } | null = null;
  try {
    const opened = await openMessage('complaint-decision', decision.jws, {
      audience: context.clearinghouseOrigin,
      now: Math.floor(context.nowMs / 1000),
      // Evidence: judged as of its own iat, long after its transport window.
      asOf: 'iat',
      resolveKey: async (kid) => {
        try {
          key = await context.personKey(kid);
        } catch (error) {
          lookupFailed = { error };
          throw error;
        }
        return key?.kid === kid && key.role === 'regulator' ? key.jwk : undefined;
      },
    });
    const { payload } = opened;
    const iatMs = payload.iat * 1000;
    if (
      key === undefined ||
      key.kid !== opened.kid ||
      key.role !== 'regulator' ||
      key.signer !== payload.iss ||
      key.addedAt - enrolmentSkewMs > iatMs ||
      (key.retiredAt !== null && key.retiredAt <= iatMs)
    )
      throw new ProtocolError('ERR_JWS_KID_UNKNOWN', 'not signed by a regulator key valid then');
    if (opened.sha256 !== sha256 || payload.complaintSha256 !== complaintSha256)
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'a decision on another complaint');
    if (payload.decision !== decision.decision)
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'the decision says otherwise');
    return {
      state: 'verified',
      sha256,
      complaintSha256,
      decision: payload.decision,
      reason: { de: payload.reason.de, en: payload.reason.en },
      iat: payload.iat,
    };
  } catch (e) {
    if (lookupFailed !== null) throw (lookupFailed as { error: unknown }).error;
    if (!isProtocolError(e)) throw e;
    return { state: 'invalid', sha256, code: e.code, ...refusedUnder(e.code) };
  }
}
