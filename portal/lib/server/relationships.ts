/**
 * The relationships of a pseudonym, asked for by the pseudonym itself: singly
 * (`GET /api/v1/pseudonyms/{pseudonym}/relationships`) or many at once
 * (`POST /api/v1/relationships/batch`, one request signature per pseudonym), which is how an
 * Assistant restores its wallet from the recovery phrase (SPECS "recovery phrase").
 */
import { ProtocolError } from '$protocol/errors';
import type { Caller } from './auth/signatures';
import type { Relationships } from './consents';
import { problemFromError, type Problem } from './problem';
import { pseudonymActivity, type PseudonymActivity } from './pseudonym-activity';
import type { Services } from './services';

/** The most pseudonyms one batch call may ask about. */
export const maxBatchRequests = 100;

const relationshipsPath = /^\/api\/v1\/pseudonyms\/(ps_[A-Za-z0-9_-]{43})\/relationships$/;

/**
 * What a pseudonym reads about itself: its relationship with its company, plus the uses of its
 * data the company reported and its complaints with their decisions (pseudonym-activity.ts).
 */
export type PseudonymRelationships = Relationships & PseudonymActivity;

function authorise(caller: Caller, pseudonym: string): void {
  if (caller.type !== 'pseudonym' || caller.id !== pseudonym) {
    throw new ProtocolError(
      'ERR_NOT_AUTHORISED',
      'Only the pseudonym itself may read its relationships.',
    );
  }
}

/**
 * The relationships of `pseudonym` for `caller`, who must be that pseudonym.
 *
 * @throws ProtocolError `ERR_NOT_AUTHORISED`, `ERR_PSEUDONYM_UNKNOWN`.
 * @example
 * ```ts
 * const body = await relationshipsFor(services, caller, pseudonym);
 * ```
 */
export async function relationshipsFor(
  services: Services,
  caller: Caller,
  pseudonym: string,
): Promise<PseudonymRelationships> {
  authorise(caller, pseudonym);
  const relationships = await services.consents.relationships(pseudonym);
  const activity = await pseudonymActivity(services.context.cdb.db, [pseudonym]);
  return { ...relationships, ...activity.get(pseudonym)! };
}

/** One answer of the batch, in the order of the requests. */
export type BatchResult =
  | { status: 200; pseudonym: string; relationships: PseudonymRelationships }
  | { status: number; problem: Problem };

/**
 * Answers a batch body `{requests: [<request JWS>, ...]}`: each signature must be the pseudonym's
 * own `GET /api/v1/pseudonyms/<pseudonym>/relationships`, checked (and its `jti` spent) exactly as
 * the single GET would. One bad item does not spoil the others.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID` when the body itself is malformed.
 * @example
 * ```ts
 * const results = await relationshipsBatch(services, await readJsonBody(request));
 * ```
 */
export async function relationshipsBatch(
  services: Services,
  body: unknown,
  chargeFailures: (failures: number) => Promise<void> = () => Promise.resolve(),
): Promise<BatchResult[]> {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (
    typeof body !== 'object' ||
    body === null ||
    Object.keys(body).length !== 1 ||
    !Array.isArray(requests) ||
    requests.length === 0 ||
    requests.length > maxBatchRequests ||
    !requests.every((item) => typeof item === 'string')
  ) {
    throw new ProtocolError(
      'ERR_QUERY_INVALID',
      `The body is {"requests": [...]} with 1 to ${maxBatchRequests} request signatures.`,
    );
  }
  const answered: (
    { ok: true; pseudonym: string; relationships: Relationships } | { ok: false; problem: Problem }
  )[] = [];
  // One at a time: each item spends a jti and reads several tables; in parallel they would only
  // compete for the same connection pool.
  for (const token of requests as string[]) {
    try {
      const signed = await services.requests.verifyToken(token);
      const pseudonym = relationshipsPath.exec(signed.path)?.[1];
      if (signed.method !== 'GET' || pseudonym === undefined) {
        throw new ProtocolError(
          'ERR_REQUEST_MISMATCH',
          'Each signature must be for GET /api/v1/pseudonyms/<pseudonym>/relationships.',
        );
      }
      authorise(signed.caller, pseudonym);
      const relationships = await services.consents.relationships(pseudonym);
      answered.push({ ok: true, pseudonym, relationships });
    } catch (error) {
      const problem = problemFromError(error);
      if (problem.status >= 500) throw error;
      answered.push({ ok: false, problem });
    }
  }
  // Each item that failed (but for a pseudonym nobody holds: the answer a recovery gets for most
  // companies, found without checking a signature) cost what a refused single GET costs, which
  // its address would have paid for: one unit each, beyond the call's own (hooks.server.ts).
  // Else a batch of forged signatures for known pseudonyms had the server check a hundred of
  // them for one unit. Charged after the work, which is done (its jtis spent): this call is
  // answered whatever the count says, and the address's next call meets the hook's 429.
  await chargeFailures(
    answered.filter((a) => !a.ok && a.problem.code !== 'ERR_PSEUDONYM_UNKNOWN').length,
  ).catch(() => undefined);
  // The access events and complaints of every answered pseudonym in three queries, not 3 x 100.
  const activity = await pseudonymActivity(
    services.context.cdb.db,
    answered.flatMap((a) => (a.ok ? [a.pseudonym] : [])),
  );
  return answered.map((a): BatchResult =>
    a.ok
      ? {
          status: 200,
          pseudonym: a.pseudonym,
          relationships: { ...a.relationships, ...activity.get(a.pseudonym)! },
        }
      : { status: a.problem.status, problem: a.problem },
  );
}
