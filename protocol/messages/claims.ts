/**
 * The claims every payload carries (DESIGN section 5): `v`, `iss`, `aud`, `iat`, `exp`, `jti`.
 * Who may be `iss` and `aud` depends on the kind, so each kind names them; everything else is
 * the same. `exp - iat` bounds (10 minutes, 60 s for requests, 90 days for offers) are the
 * transport window that `protocol/jws` enforces; the schema only insists that `exp` follows
 * `iat`.
 */
import * as v from 'valibot';
import { epochSeconds, origin, uuidV4 } from './primitives';

/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;

/**
 * The clearinghouse as an audience: its public origin, e.g. `http://localhost:3000` (project
 * decision; it is what `/.well-known/clearinghouse.json` calls `origin`).
 */
export const clearinghouseAudience = origin;

type IdSchema = v.GenericSchema<unknown, string>;

/** The common claim entries with the kind's own `iss` and `aud`. */
export function claimEntries<const I extends IdSchema, const A extends IdSchema>(iss: I, aud: A) {
  return {
    v: v.literal(PROTOCOL_VERSION),
    iss,
    aud,
    iat: epochSeconds,
    exp: epochSeconds,
    jti: uuidV4,
  };
}

/** `exp` strictly after `iat`, checked once the object itself has parsed. */
export function expiresAfterIssue<T>() {
  // T is the schema's output, which always has numeric iat/exp; TypeScript cannot see that
  // through the generic entries, hence the narrowing here instead of a constraint.
  return v.check<T, string>((m) => {
    const { iat, exp } = m as unknown as { iat: number; exp: number };
    return exp > iat;
  }, 'exp must be after iat');
}

/**
 * A message schema: the common claims plus `fields`, unknown members refused, and `exp`
 * strictly after `iat`. Kinds whose body has alternatives build a `v.variant` of strict objects
 * from {@link claimEntries} instead.
 *
 * @example
 * ```ts
 * const refusal = message(pseudonym, companyId, { requestSha256: sha256 });
 * ```
 */
export function message<
  const I extends IdSchema,
  const A extends IdSchema,
  const F extends v.ObjectEntries,
>(iss: I, aud: A, fields: F) {
  const schema = v.strictObject({ ...claimEntries(iss, aud), ...fields });
  return v.pipe(schema, expiresAfterIssue<v.InferOutput<typeof schema>>());
}
