/**
 * A protocol message end to end: its kind's schema and its signature together. `signMessage`
 * refuses to sign what the schema would refuse; `openMessage` verifies the JWS (protocol/jws) and
 * then parses the payload with the kind's schema (protocol/messages), so a caller holds either a
 * typed, verified payload or a `ProtocolError`.
 *
 * @example
 * ```ts
 * const token = await signMessage('grant', payload, pairwiseKeyPair);
 * const { payload: grant, sha256 } = await openMessage('grant', token, {
 *   resolveKey: (kid) => bindings.get(kid), audience: companyId, now, replay,
 * });
 * ```
 */
import { ProtocolError } from './errors';
import {
  MAX_WINDOW_SECONDS,
  signCompact,
  verifyCompact,
  type VerifiedJws,
  type VerifyOptions,
} from './jws';
import type { Ed25519KeyPair } from './keys';
import {
  limits,
  maxComplaintLength,
  parseMessage,
  type MessageKind,
  type Payload,
} from './messages';

/** A verified message whose payload passed its kind's schema. */
export interface OpenedMessage<K extends MessageKind> {
  readonly kind: K;
  readonly payload: Payload<K>;
  readonly kid: string;
  readonly sha256: string;
  readonly token: string;
  readonly verified: VerifiedJws;
}

/**
 * Kinds whose transport window may run up to their `validUntil`, at most 90 days (SPECS "JWS");
 * every other kind keeps the 10-minute default.
 */
const longWindowKinds: ReadonlySet<MessageKind> = new Set(['offer', 'offer-content']);

/** Prefix of identities whose id *is* the signing key's thumbprint: only that key speaks for them. */
const keyBoundPrefix = 'ps_';

/** Kinds whose signed form may exceed the size bound of a JWS, and their own bound. */
const maxLengthOfKind: Partial<Record<MessageKind, number>> = { complaint: maxComplaintLength };

/**
 * The longest token of `kind` this protocol signs or opens: a complaint's own bound, else
 * `limits.jwsChars` (60 KiB), the bound of every schema that carries a signed message
 * (`compactJws`: a complaint's evidence, the Assistant's records of what the clearinghouse
 * lists). A token the clearinghouse took beyond it would be one no reader could keep: the
 * Assistant would refuse the whole view that lists it.
 */
function sizeBound(kind: MessageKind): number {
  return maxLengthOfKind[kind] ?? limits.jwsChars;
}

/**
 * Validates `payload` against the schema of `kind`, then signs it as a compact JWS with
 * `typ: <kind>+jws`. Throws `ERR_MESSAGE_INVALID` before signing anything malformed, and
 * `ERR_MESSAGE_TOO_LARGE` when the result would exceed the kind's size bound (a complaint's
 * {@link maxComplaintLength}, else `limits.jwsChars`, 60 KiB).
 */
export async function signMessage<K extends MessageKind>(
  kind: K,
  payload: Payload<K>,
  keyPair: Ed25519KeyPair,
): Promise<string> {
  const parsed = parseMessage(kind, payload);
  return signCompact({
    kind,
    payload: parsed as Readonly<Record<string, unknown>>,
    keyPair,
    maxLength: sizeBound(kind),
  });
}

/**
 * Verifies `token` as a message of `kind` (signature, header, audience, time window, replay) and
 * parses its payload with the kind's schema. A pseudonym (`ps_…`) is the thumbprint of its key, so
 * a message whose `iss` is a pseudonym must be signed by exactly that key
 * (`ERR_MESSAGE_ISSUER_MISMATCH` otherwise); which keys may sign for a company or a regulator is
 * the registry's decision, made in `resolveKey`.
 */
export async function openMessage<K extends MessageKind>(
  kind: K,
  token: string,
  options: Omit<VerifyOptions, 'kind'>,
): Promise<OpenedMessage<K>> {
  const maxWindowSeconds =
    options.maxWindowSeconds ?? (longWindowKinds.has(kind) ? MAX_WINDOW_SECONDS : undefined);
  const verified = await verifyCompact(token, {
    ...options,
    kind,
    // A caller's bound (a route's body limit) may be lower, never higher than the kind's.
    maxLength: Math.min(options.maxLength ?? Infinity, sizeBound(kind)),
    ...(maxWindowSeconds === undefined ? {} : { maxWindowSeconds }),
  });
  const payload = parseMessage(kind, verified.payload);
  const validUntil = (payload as { validUntil?: unknown }).validUntil;
  if (
    longWindowKinds.has(kind) &&
    typeof validUntil === 'number' &&
    verified.claims.exp > validUntil
  ) {
    throw new ProtocolError('ERR_JWS_WINDOW_TOO_LONG', 'an offer may not outlive its validUntil', {
      kind,
    });
  }
  const iss = (payload as { iss?: unknown }).iss;
  if (
    typeof iss === 'string' &&
    iss.startsWith(keyBoundPrefix) &&
    iss !== keyBoundPrefix + verified.kid
  ) {
    throw new ProtocolError(
      'ERR_MESSAGE_ISSUER_MISMATCH',
      'the pseudonym did not sign its own message',
      {
        kind,
      },
    );
  }
  return { kind, payload, kid: verified.kid, sha256: verified.sha256, token, verified };
}
