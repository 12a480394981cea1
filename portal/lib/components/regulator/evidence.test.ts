/**
 * The regulator's in-browser evidence check (evidence.ts) on messages signed here: an offer by
 * the wrong channel is authentic and confirms "wrong channel"; a forged signature, a key retired
 * before the evidence, a swapped complainant key and a missing grant each fail their step with
 * the right code. A staff member's person key signs disclosures and data-request answers, not
 * offers, within the same time rules as the server's (oversight.ts `staffKeyAsOf`). The grant
 * request a grant answers is checked like the evidence: a request signed by a key the company
 * never registered, by a key retired or declared compromised before the request's `iat`, issued
 * by another company, or that is not the request whose hash the grant signed fails its step; a
 * targeted grant request is evidence in its own right; and the complainant's revocations that
 * verify come back with the report, from when and for which purposes.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pairwiseKeyPair, publicJwk, thumbprint, keyPairFromSeed } from '$protocol/keys';
import { CLOCK_SKEW_SECONDS, sha256Of } from '$protocol/jws';
import { exampleMessages } from '$protocol/messages/examples';
import type { Payload, Scope } from '$protocol/messages';
import { signMessage } from '$protocol/signed';
import { ready } from '$protocol/sodium';
import { verifyEvidence, type EvidenceMaterial } from './evidence';

const origin = 'http://localhost:3000';
const now = 1_767_225_600;
let material: EvidenceMaterial;
let company: ReturnType<typeof keyPairFromSeed>;
let other: ReturnType<typeof keyPairFromSeed>;
let staff: ReturnType<typeof keyPairFromSeed>;
let pairwise: ReturnType<typeof pairwiseKeyPair>;
let companyId: string;
let ps: string;
let scope: Scope;

function claims(iss: string, aud: string, iat = now) {
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

/** A grant request of the company's (or `iss`'s), signed by `signer` at `iat`, to `aud`. */
async function grantRequest(
  signer = company,
  iat = now - 7200,
  iss = companyId,
  aud = ps,
): Promise<{ sha256: string; jws: string }> {
  const jws = await signMessage(
    'grant-request',
    {
      ...claims(iss, aud, iat),
      scopes: [scope],
      reason: { de: 'Neue Laufschuhe.', en: 'New running shoes.' },
    },
    signer,
  );
  return { sha256: sha256Of(jws), jws };
}

/**
 * The material of a complaint about an offer by e-mail under a grant of the newsletter only,
 * the grant answering the request of hash `named`, stored as `stored` (null: none is stored).
 */
async function complaintUnder(
  stored: { sha256: string; jws: string } | null,
  named = stored?.sha256 ?? 'G4UWzGnBMTSWSgCS7cCskqN9yG7mnSj4dSzFGEY82Zc',
): Promise<EvidenceMaterial> {
  const grant = await signMessage(
    'grant',
    {
      ...claims(ps, companyId, now - 3600),
      requestSha256: named,
      scopes: [{ ...scope, channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: now + 86_400 * 180,
      pseudonymKey: publicJwk(pairwise),
    },
    pairwise,
  );
  const grantSha256 = sha256Of(grant);
  const offer = await signMessage(
    'offer-content',
    {
      ...claims(companyId, ps),
      exp: now + 86_400,
      grantSha256,
      purpose: 'product_launch',
      channel: 'email',
      brand: 'Sprint',
      category: 'sports/running',
      title: 'Neu',
      body: 'Rabatt',
      validUntil: now + 86_400,
      advertisement: true,
      unsubscribe: 'https://sport.example/ab',
    } as Payload<'offer-content'>,
    company,
  );
  const complaint = await signMessage(
    'complaint',
    {
      ...claims(ps, origin, now + 60),
      company: companyId,
      evidence: [{ kind: 'offer-content', jws: offer }],
      reasons: ['wrong_channel', 'misleading'],
    },
    pairwise,
  );
  return {
    origin,
    complaint: { sha256: 'x', jws: complaint, company: companyId, pseudonym: ps },
    company: {
      id: companyId,
      keys: [
        {
          kid: thumbprint(publicJwk(company)),
          jwk: publicJwk(company),
          addedAt: (now - 86_400) * 1000,
          retiredAt: null,
          compromisedSince: null,
        },
      ],
      staffKeys: [],
    },
    pseudonymKey: publicJwk(pairwise),
    grants: [
      { sha256: grantSha256, jws: grant, revocations: [], contactsBefore: 0, request: stored },
    ],
  };
}

beforeAll(async () => {
  await ready();
  company = keyPairFromSeed(new Uint8Array(32).fill(3));
  other = keyPairFromSeed(new Uint8Array(32).fill(4));
  staff = keyPairFromSeed(new Uint8Array(32).fill(6));
  companyId = `co_${thumbprint(publicJwk(company))}`;
  pairwise = pairwiseKeyPair(new Uint8Array(32).fill(5), companyId);
  ps = `ps_${thumbprint(publicJwk(pairwise))}`;
  const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  scope = { ...base, conditions: { ...base.conditions, validUntil: now + 86_400 * 365 } };
  material = await complaintUnder(await grantRequest());
});

describe('verifyEvidence', () => {
  it('finds the offer authentic and the wrong channel confirmed by the grant', async () => {
    const report = await verifyEvidence(material, now + 600);
    expect(report.authentic).toBe(true);
    expect(report.steps.map((s) => [s.step, s.ok, s.code])).toEqual([
      ['complaint-signature', true, undefined],
      ['evidence-signature', true, undefined],
      ['grant-signature', true, undefined],
      ['request-signature', true, undefined],
      ['coverage', false, 'channel'],
    ]);
    expect(report.reasons).toEqual([
      { reason: 'wrong_channel', verdict: 'confirmed' },
      { reason: 'misleading', verdict: 'judgement' },
    ]);
  });

  it('refuses evidence signed by a key retired before it', async () => {
    const key = { ...material.company.keys[0]!, retiredAt: now - 10 };
    const report = await verifyEvidence(
      { ...material, company: { ...material.company, keys: [key] } },
      now + 600,
    );
    expect(report.authentic).toBe(false);
    expect(report.steps[1]).toMatchObject({
      step: 'evidence-signature',
      ok: false,
      code: 'ERR_JWS_KID_UNKNOWN',
    });
  });

  it('refuses a complainant key that is not the pseudonym', async () => {
    const report = await verifyEvidence({ ...material, pseudonymKey: publicJwk(other) }, now + 600);
    expect(report.authentic).toBe(false);
    expect(report.steps[0]).toMatchObject({ ok: false, code: 'ERR_MESSAGE_ISSUER_MISMATCH' });
  });

  it('refuses a forged complaint signature and a grant the clearinghouse does not hold', async () => {
    const [head, payload, signature] = material.complaint.jws.split('.');
    const forged = `${head}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const report = await verifyEvidence(
      { ...material, complaint: { ...material.complaint, jws: forged }, grants: [null] },
      now + 600,
    );
    expect(report.authentic).toBe(false);
    expect(report.steps[0]).toMatchObject({ step: 'complaint-signature', ok: false });
  });
});

describe("verifyEvidence on a staff member's person key", () => {
  // As dashboard-review.ts sends it: in milliseconds, enrolled a day before the evidence.
  const staffKey = (times: Partial<EvidenceMaterial['company']['staffKeys'][number]> = {}) => ({
    kid: thumbprint(publicJwk(staff)),
    jwk: publicJwk(staff),
    addedAt: (now - 86_400) * 1000,
    retiredAt: null,
    removedAt: null,
    ...times,
  });

  /** The example message of `kind`, signed by the staff key at `now` (a disclosure names no grant). */
  async function signedByStaff(kind: 'disclosure' | 'data-request-answer' | 'offer') {
    const { company: companyId, pseudonym } = material.complaint;
    const example = structuredClone(exampleMessages[kind]) as Record<string, unknown>;
    if (kind === 'disclosure') {
      delete example.grantSha256;
      delete example.dataRequestSha256;
    }
    const payload = { ...example, ...claims(companyId, pseudonym), exp: now + 300 };
    return { kind, jws: await signMessage(kind, payload as Payload<typeof kind>, staff) };
  }

  async function review(
    evidence: { kind: 'disclosure' | 'data-request-answer' | 'offer'; jws: string }[],
    staffKeys = [staffKey()],
  ): Promise<EvidenceMaterial> {
    const { company: companyId, pseudonym } = material.complaint;
    const jws = await signMessage(
      'complaint',
      {
        ...claims(pseudonym, origin, now + 60),
        company: companyId,
        evidence,
        reasons: ['undisclosed_data'],
      },
      pairwise,
    );
    return {
      ...material,
      complaint: { ...material.complaint, jws },
      company: { ...material.company, staffKeys },
      grants: evidence.map(() => null),
    };
  }

  const evidenceSteps = (report: Awaited<ReturnType<typeof verifyEvidence>>) =>
    report.steps
      .filter((s) => s.step === 'evidence-signature')
      .map((s) => [s.index, s.ok, s.code ?? s.detail]);

  it('verifies a disclosure and a data-request answer a staff member signed', async () => {
    // Failed before the staff keys came with the material: ERR_JWS_KID_UNKNOWN for both.
    const report = await verifyEvidence(
      await review([await signedByStaff('disclosure'), await signedByStaff('data-request-answer')]),
      now + 600,
    );
    expect(evidenceSteps(report)).toEqual([
      [0, true, thumbprint(publicJwk(staff))],
      [1, true, thumbprint(publicJwk(staff))],
    ]);
    expect(report.authentic).toBe(true);
  });

  it('refuses the same staff key on an offer, which takes a company key', async () => {
    const report = await verifyEvidence(
      await review([await signedByStaff('disclosure'), await signedByStaff('offer')]),
      now + 600,
    );
    expect(evidenceSteps(report)).toEqual([
      [0, true, thumbprint(publicJwk(staff))],
      [1, false, 'ERR_JWS_KID_UNKNOWN'],
    ]);
    expect(report.authentic).toBe(false);
  });

  // The evidence's iat is `now`; each line within the 60 s skew verifies, one second beyond not.
  it.each([
    ['the member removed', 'removedAt', now - CLOCK_SKEW_SECONDS, now - CLOCK_SKEW_SECONDS - 1],
    ['the key retired', 'retiredAt', now - CLOCK_SKEW_SECONDS, now - CLOCK_SKEW_SECONDS - 1],
    ['the key enrolled', 'addedAt', now + CLOCK_SKEW_SECONDS, now + CLOCK_SKEW_SECONDS + 1],
  ] as const)(
    'refuses a staff key with %s beyond the skew of the evidence, not within it',
    async (_, field, within, beyond) => {
      const disclosure = await signedByStaff('disclosure');
      const verdict = async (seconds: number) =>
        evidenceSteps(
          await verifyEvidence(
            await review([disclosure], [staffKey({ [field]: seconds * 1000 })]),
            now + 600,
          ),
        );
      expect(await verdict(within)).toEqual([[0, true, thumbprint(publicJwk(staff))]]);
      expect(await verdict(beyond)).toEqual([[0, false, 'ERR_JWS_KID_UNKNOWN']]);
    },
  );
});

describe('verifyEvidence on the grant request a grant answers', () => {
  let old: ReturnType<typeof keyPairFromSeed>;
  beforeAll(() => {
    old = keyPairFromSeed(new Uint8Array(32).fill(7));
  });

  const requestSteps = (report: Awaited<ReturnType<typeof verifyEvidence>>) =>
    report.steps
      .filter((s) => s.step === 'request-signature')
      .map((s) => [s.index, s.ok, s.code ?? s.detail]);

  /** `review` with the company's second key, registered a month ago, its times as given. */
  const withOldKey = (
    review: EvidenceMaterial,
    times: { retiredAt?: number; compromisedSince?: number },
  ): EvidenceMaterial => ({
    ...review,
    company: {
      ...review.company,
      keys: [
        ...review.company.keys,
        {
          kid: thumbprint(publicJwk(old)),
          jwk: publicJwk(old),
          addedAt: (now - 30 * 86_400) * 1000,
          retiredAt: null,
          compromisedSince: null,
          ...times,
        },
      ],
    },
  });

  it.each([
    ['targeted to the complainant', () => ps],
    ['open (addressed to the clearinghouse)', () => origin],
  ])('verifies a request %s that the company signed and the grant names', async (_, aud) => {
    const request = await grantRequest(company, now - 7200, companyId, aud());
    const report = await verifyEvidence(await complaintUnder(request), now + 600);
    expect(requestSteps(report)).toEqual([[0, true, thumbprint(publicJwk(company))]]);
  });

  it('refuses a request signed by a key the company never registered', async () => {
    const report = await verifyEvidence(await complaintUnder(await grantRequest(other)), now + 600);
    expect(requestSteps(report)).toEqual([[0, false, 'ERR_JWS_KID_UNKNOWN']]);
    // The complaint and its evidence are authentic all the same: only the request is not.
    expect(report.authentic).toBe(true);
  });

  // The request's iat is now - 7200: a key retired (or declared compromised) at it could not sign
  // it, one retired a second later could.
  it.each(['retiredAt', 'compromisedSince'] as const)(
    'refuses a request signed by a key whose %s is not after the request, not one after it',
    async (field) => {
      const review = await complaintUnder(await grantRequest(old, now - 7200));
      const verdict = async (seconds: number) =>
        requestSteps(await verifyEvidence(withOldKey(review, { [field]: seconds }), now + 600));
      expect(await verdict(now - 7200 + 1)).toEqual([[0, true, thumbprint(publicJwk(old))]]);
      expect(await verdict(now - 7200)).toEqual([[0, false, 'ERR_JWS_KID_UNKNOWN']]);
    },
  );

  it('refuses a request another company issued, though signed by a key of this one', async () => {
    const foreign = `co_${thumbprint(publicJwk(other))}`;
    const report = await verifyEvidence(
      await complaintUnder(await grantRequest(company, now - 7200, foreign)),
      now + 600,
    );
    expect(requestSteps(report)).toEqual([[0, false, 'ERR_MESSAGE_ISSUER_MISMATCH']]);
  });

  it('refuses a stored request that is not the one whose hash the grant signed', async () => {
    const named = await grantRequest();
    const stored = await grantRequest();
    // Stored under its own hash, or under the hash the grant names: either way not that request.
    for (const request of [stored, { sha256: named.sha256, jws: stored.jws }]) {
      const report = await verifyEvidence(await complaintUnder(request, named.sha256), now + 600);
      expect(requestSteps(report)).toEqual([[0, false, 'request_mismatch']]);
    }
  });

  it('says when the request the grant answers is not stored', async () => {
    const report = await verifyEvidence(await complaintUnder(null), now + 600);
    expect(requestSteps(report)).toEqual([[0, false, 'ERR_GRANT_REQUEST_UNKNOWN']]);
  });
});

describe('verifyEvidence on a grant request as the evidence', () => {
  it.each([
    ['targeted', () => ps],
    ['open', () => origin],
  ])(
    'verifies a %s grant request the company signed (failed before when targeted: checked for the clearinghouse)',
    async (_, aud) => {
      const request = await grantRequest(company, now - 7200, companyId, aud());
      const jws = await signMessage(
        'complaint',
        {
          ...claims(ps, origin, now + 60),
          company: companyId,
          evidence: [{ kind: 'grant-request', jws: request.jws }],
          reasons: ['misleading'],
        },
        pairwise,
      );
      const report = await verifyEvidence(
        { ...material, complaint: { ...material.complaint, jws }, grants: [null] },
        now + 600,
      );
      expect(report.steps.map((s) => [s.step, s.ok, s.code])).toEqual([
        ['complaint-signature', true, undefined],
        ['evidence-signature', true, undefined],
      ]);
      expect(report.authentic).toBe(true);
    },
  );
});

describe("verifyEvidence on the complainant's revocations", () => {
  it('reports the revocations of the grant that verify, earliest first, without a forged one', async () => {
    const grantSha256 = material.grants[0]!.sha256;
    const revoke = (
      grants: Payload<'revocation'>['grants'],
      iat: number,
      signer: Parameters<typeof signMessage>[2] = pairwise,
    ) =>
      signMessage('revocation', { ...claims(ps, companyId, iat), grants }, signer).then((jws) => ({
        sha256: sha256Of(jws),
        jws,
      }));
    const revocations = [
      await revoke('all', now - 100),
      await revoke([{ grantSha256, purposes: ['product_launch'] }], now - 1800),
      // Not the complainant's signature: it cannot speak for them.
      await revoke([{ grantSha256 }], now - 2400, other),
      // Another grant's.
      await revoke([{ grantSha256: 'A'.repeat(43) }], now - 2000),
    ];
    const report = await verifyEvidence(
      { ...material, grants: [{ ...material.grants[0]!, revocations }] },
      now + 600,
    );
    expect(report.revocations).toEqual([
      [{ at: now - 1800, purposes: ['product_launch'] }, { at: now - 100 }],
    ]);
    expect((await verifyEvidence(material, now + 600)).revocations).toEqual([[]]);
  });
});
