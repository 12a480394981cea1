/**
 * What a company sends a customer's inbox, built as the company site builds it, for the tests of
 * the Assistant's inbox (./offers) and of the service over it (extension/offers-service).
 */
import type * as v from 'valibot';
import { base64urlEncode } from '../../protocol/encoding';
import { sha256Of, signCompact } from '../../protocol/jws';
import type { Ed25519KeyPair } from '../../protocol/keys';
import type { Payload, rewardContent } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import type { ComplaintDraft } from './complaints';
import { companyIdentity } from './identity';
import { companyOrigin, type FakeClearinghouse } from './wallet.fixture';

/** Who sends to whom, under which grant, and when (`iat`, epoch seconds). */
export interface InboxContext {
  readonly ch: FakeClearinghouse;
  /** The customer's master seed: the pseudonym's key the content is sealed to. */
  readonly seed: Uint8Array;
  readonly pseudonym: string;
  readonly grantSha256: string;
  readonly iat: number;
}

/** Changes to the offer's content; `drop` leaves fields out (a content the schema refuses). */
export type ContentOverrides = Partial<Payload<'offer-content'>> & { drop?: string[] };

/** A company offer as the company site builds it: inner signed, sealed, outer signed. */
export async function signedOffer(
  { ch, seed, pseudonym, grantSha256, iat }: InboxContext,
  overrides: ContentOverrides = {},
  outerOverrides: Partial<Payload<'offer'>> = {},
  signer: Ed25519KeyPair = ch.companyKey,
): Promise<string> {
  const { drop = [], ...rest } = overrides;
  const inner: Record<string, unknown> = {
    v: 1,
    iss: ch.company.id,
    aud: pseudonym,
    iat,
    exp: iat + 7 * 86_400,
    jti: crypto.randomUUID(),
    grantSha256,
    purpose: 'product_launch',
    channel: 'email',
    brand: 'Laufhaus',
    category: 'sports/running',
    title: 'Der neue Trailschuh',
    body: 'Leicht und griffig.',
    validUntil: iat + 7 * 86_400,
    advertisement: true,
    unsubscribe: `${companyOrigin}/abmelden`,
    ...rest,
  };
  for (const f of drop) delete inner[f];
  // Signed without the schema (a malformed content must still carry the company's signature).
  const innerJws = await signCompact({
    kind: 'offer-content',
    payload: inner,
    keyPair: signer,
  } as Parameters<typeof signCompact>[0]);
  const identity = await companyIdentity(seed, ch.company.id);
  const sealed = base64urlEncode(sealTo(identity.keyPair.publicKey, innerJws));
  const outer: Payload<'offer'> = {
    v: 1,
    iss: ch.company.id,
    aud: pseudonym,
    iat,
    exp: iat + 7 * 86_400,
    jti: crypto.randomUUID(),
    grantSha256,
    purpose: inner.purpose as Payload<'offer'>['purpose'],
    channel: inner.channel as Payload<'offer'>['channel'],
    validUntil: inner.validUntil as number,
    sealed,
    ...outerOverrides,
  };
  return signMessage('offer', outer, signer);
}

/** A company reward of `amount` bonus points, sealed and signed. */
export async function signedReward(
  context: InboxContext,
  amount: number,
  overrides: Partial<Payload<'reward'>> = {},
  signer: Ed25519KeyPair = context.ch.companyKey,
): Promise<string> {
  return signedRewardOf(
    context,
    { type: 'bonus_points', amount, description: { de: 'Punkte', en: 'Points' } },
    overrides,
    signer,
  );
}

/** A company reward of any `content` (the JSON sealed inside), sealed and signed. */
export async function signedRewardOf(
  { ch, seed, pseudonym, grantSha256, iat }: InboxContext,
  content: v.InferInput<typeof rewardContent>,
  overrides: Partial<Payload<'reward'>> = {},
  signer: Ed25519KeyPair = ch.companyKey,
): Promise<string> {
  const identity = await companyIdentity(seed, ch.company.id);
  const sealed = base64urlEncode(sealTo(identity.keyPair.publicKey, JSON.stringify(content)));
  return signMessage(
    'reward',
    {
      v: 1,
      iss: ch.company.id,
      aud: pseudonym,
      iat,
      exp: iat + 300,
      jti: crypto.randomUUID(),
      grantSha256,
      sealed,
      ...overrides,
    },
    signer,
  );
}

/** Complaint draft `n` (made at second `n`) about an offer without an advertisement label. */
export function complaintDraftOf(
  { ch, pseudonym }: Pick<InboxContext, 'ch' | 'pseudonym'>,
  n: number,
  state: ComplaintDraft['state'],
): ComplaintDraft {
  return {
    id: sha256Of(`draft.${n}.x`),
    company: ch.company.id,
    pseudonym,
    reasons: ['missing_advertisement_label'],
    evidence: [{ kind: 'offer-content', jws: 'a.b.c' }],
    createdAt: n,
    state,
  };
}
