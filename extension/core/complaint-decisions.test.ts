import { beforeAll, describe, expect, it } from 'vitest';
import type { PersonKeyEntry } from '../../protocol/client';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { messageSchemaRevision, type Payload } from '../../protocol/messages';
import { sha256Of } from '../../protocol/jws';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { openDecision, openedDecision, type DecisionContext } from './complaint-decisions';
import * as v from 'valibot';

const origin = 'http://localhost:3000';
const iat = 1_760_000_000;
const complaint = `${'K'.repeat(42)}A`;
const other = `${'L'.repeat(42)}A`;

let n = 0;
const random = (length: number) => {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (n++ * 37 + i * 11) & 0xff;
  return out;
};

interface Regulator {
  readonly pair: Ed25519KeyPair;
  readonly id: string;
  readonly entry: PersonKeyEntry;
}

function regulator(overrides: Partial<PersonKeyEntry> = {}): Regulator {
  const pair = generateKeyPair(random);
  const jwk = publicJwk(pair);
  const kid = thumbprint(jwk);
  return {
    pair,
    id: `rg_${kid}`,
    entry: {
      kid,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      role: 'regulator',
      signer: `rg_${kid}`,
      addedAt: (iat - 86_400) * 1000,
      retiredAt: null,
      ...overrides,
    },
  };
}

async function decide(
  by: Regulator,
  overrides: Partial<Payload<'complaint-decision'>> = {},
): Promise<{ sha256: string; jws: string; decision: string }> {
  const payload: Payload<'complaint-decision'> = {
    v: 1,
    iss: by.id,
    aud: origin,
    iat,
    exp: iat + 300,
    jti: `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`,
    complaintSha256: complaint,
    decision: 'upheld',
    reason: { de: 'Zu viele Kontakte.', en: 'Too many contacts.' },
    ...overrides,
  };
  const jws = await signMessage('complaint-decision', payload, by.pair);
  return { sha256: sha256Of(jws), jws, decision: payload.decision };
}

/** The published keys: `keys` by kid, "no such key" otherwise. */
function context(...keys: PersonKeyEntry[]): DecisionContext & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    clearinghouseOrigin: origin,
    // Months after the decision: it is judged as of its own iat.
    nowMs: (iat + 90 * 86_400) * 1000,
    personKey: async (kid) => {
      asked.push(kid);
      return keys.find((k) => k.kid === kid);
    },
  };
}

beforeAll(async () => {
  await ready();
});

describe('openDecision', () => {
  it("verifies the regulator's decision with the published key valid at its iat", async () => {
    const rg = regulator();
    const decision = await decide(rg);
    const ctx = context(rg.entry);
    const opened = await openDecision(complaint, decision, ctx);
    expect(opened).toEqual({
      state: 'verified',
      sha256: decision.sha256,
      complaintSha256: complaint,
      decision: 'upheld',
      reason: { de: 'Zu viele Kontakte.', en: 'Too many contacts.' },
      iat,
    });
    expect(ctx.asked).toEqual([rg.entry.kid]);
    // What the vault keeps parses with its own schema.
    expect(v.is(openedDecision, opened)).toBe(true);
  });

  it.each([
    ['a key the clearinghouse does not publish', () => ({}), 'ERR_JWS_KID_UNKNOWN'],
    ["a staff member's key", () => ({ role: 'staff' as const }), 'ERR_JWS_KID_UNKNOWN'],
    ['a key retired before the decision', () => ({ retiredAt: iat * 1000 }), 'ERR_JWS_KID_UNKNOWN'],
    [
      'a key enrolled after the decision',
      () => ({ addedAt: (iat + 3600) * 1000 }),
      'ERR_JWS_KID_UNKNOWN',
    ],
    [
      'a key published for another regulator',
      () => ({ signer: `rg_${'Z'.repeat(42)}A` }),
      'ERR_JWS_KID_UNKNOWN',
    ],
  ])('marks a decision signed with %s invalid', async (name, entry, code) => {
    const rg = regulator(entry());
    const decision = await decide(rg);
    const keys = name.startsWith('a key the clearinghouse') ? [] : [rg.entry];
    const opened = await openDecision(complaint, decision, context(...keys));
    expect(opened).toEqual({ state: 'invalid', sha256: decision.sha256, code });
    // An invalid one still parses, so the vault keeps the finding.
    expect(v.is(openedDecision, opened)).toBe(true);
  });

  it('still verifies with a key retired after the decision', async () => {
    const rg = regulator({ retiredAt: (iat + 60) * 1000 });
    const opened = await openDecision(complaint, await decide(rg), context(rg.entry));
    expect(opened.state).toBe('verified');
  });

  it('marks a decision about another complaint, or one saying otherwise, invalid', async () => {
    const rg = regulator();
    const about = await decide(rg, { complaintSha256: other });
    // Stamped with the schema revision it was refused under (disclosures `toOpenAgain`).
    expect(await openDecision(complaint, about, context(rg.entry))).toEqual({
      state: 'invalid',
      sha256: about.sha256,
      code: 'ERR_MESSAGE_INVALID',
      revision: messageSchemaRevision,
    });
    const dismissed = await decide(rg, { decision: 'dismissed' });
    // The clearinghouse claims "upheld" for a decision that says "dismissed".
    expect(
      await openDecision(complaint, { ...dismissed, decision: 'upheld' }, context(rg.entry)),
    ).toMatchObject({ state: 'invalid', code: 'ERR_MESSAGE_INVALID' });
    // A hash that is not the decision's own.
    const real = await decide(rg);
    expect(
      await openDecision(complaint, { ...real, sha256: `${'H'.repeat(42)}A` }, context(rg.entry)),
    ).toMatchObject({ state: 'invalid', code: 'ERR_MESSAGE_INVALID' });
  });

  it('marks an altered decision or one addressed elsewhere invalid', async () => {
    const rg = regulator();
    const decision = await decide(rg);
    const [header, payload, signature] = decision.jws.split('.');
    // Another reason under the first decision's signature.
    const forged = await decide(rg, { reason: { de: 'Erfunden.', en: 'Made up.' } });
    const spliced = `${header}.${forged.jws.split('.')[1]}.${signature}`;
    const opened = await openDecision(
      complaint,
      { sha256: sha256Of(spliced), jws: spliced, decision: 'upheld' },
      context(rg.entry),
    );
    expect(opened).toMatchObject({ state: 'invalid', code: 'ERR_JWS_SIGNATURE_INVALID' });
    expect(payload).not.toBe(forged.jws.split('.')[1]);
    const elsewhere = await decide(rg, { aud: 'http://localhost:9999' });
    expect(await openDecision(complaint, elsewhere, context(rg.entry))).toMatchObject({
      state: 'invalid',
      code: 'ERR_JWS_AUD_MISMATCH',
    });
  });

  it('throws, instead of marking it invalid, when the key lookup fails', async () => {
    const rg = regulator();
    const decision = await decide(rg);
    await expect(
      openDecision(complaint, decision, {
        ...context(rg.entry),
        personKey: () => Promise.reject(new TypeError('fetch failed')),
      }),
    ).rejects.toThrow('fetch failed');
  });
});
