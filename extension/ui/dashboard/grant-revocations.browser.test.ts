/**
 * Which revocation took back which grant, as the relationships view says it: a revocation of
 * "all" by the wallet's rule (extension/core/own-messages `storedBefore`: log order, else only
 * when the times prove the grant came first), never by the dates alone, so a grant the wallet
 * holds active is never said revoked.
 */
import { describe, expect, it } from 'vitest';
import { grantRevocations, type ListedGrant } from './grant-revocations';

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jws = (payload: unknown) => `${b64url({ alg: 'EdDSA' })}.${b64url(payload)}.c2ln`;
const h = (c: string) => c.repeat(43);

/** When the grant was signed (seconds); its token's window is the default 600 s. */
const signed = Date.UTC(2026, 11, 7, 9) / 1000;
const grant = (status: ListedGrant['status']): ListedGrant => ({
  sha256: h('g'),
  jws: jws({
    iat: signed,
    exp: signed + 600,
    until: 2_000_000_000,
    scopes: [{ purpose: 'product_launch' }, { purpose: 'event_invitation' }],
  }),
  status,
  revokedPurposes: [],
});
/** A revocation of "all" signed `after` seconds after the grant. */
const revokeAll = (after: number) => ({
  sha256: h('r'),
  jws: jws({ iat: signed + after, grants: 'all' }),
  acknowledged: true,
});
/** Verified receipts logging the grant and the revocation at these indexes. */
const logged = (grantIndex: number, revocationIndex: number) => [
  { sha256: h('g'), kind: 'grant', jws: grant('active').jws, index: grantIndex },
  { sha256: h('r'), kind: 'revocation', jws: revokeAll(0).jws, index: revocationIndex },
];
const both = ['product_launch', 'event_invitation'];

describe('grantRevocations: a revocation of "all"', () => {
  it.each([
    {
      case: 'signed 5 minutes after an active grant, no log index (the grant may have been resent from the outbox after it)',
      status: 'active',
      after: 300,
      receipts: [],
      said: { inForce: both, revocations: [], undated: [] },
    },
    {
      case: 'signed 5 minutes after an expired grant, no log index',
      status: 'expired',
      after: 300,
      receipts: [],
      said: { inForce: both, revocations: [], undated: [] },
    },
    {
      case: 'signed 5 minutes after a grant the listing says is revoked, no log index: undated',
      status: 'revoked',
      after: 300,
      receipts: [],
      said: { revocations: [], undated: both },
    },
    {
      case: 'signed an hour after the grant, no log index',
      status: 'revoked',
      after: 3600,
      receipts: [],
      said: { revocations: [{ at: signed + 3600, purposes: both }], undated: [] },
    },
    {
      case: 'logged after the grant, though signed before it (another device’s clock)',
      status: 'revoked',
      after: -300,
      receipts: logged(7, 9),
      said: { revocations: [{ at: signed - 300, purposes: both }], undated: [] },
    },
    {
      case: 'logged before the grant (resent from the outbox), though signed an hour after it',
      status: 'expired',
      after: 3600,
      receipts: logged(9, 7),
      said: { inForce: both, revocations: [], undated: [] },
    },
    {
      case: 'signed an hour after a grant the wallet holds active (its receipts changed since)',
      status: 'active',
      after: 3600,
      receipts: [],
      said: { inForce: both, revocations: [], undated: [] },
    },
  ] as const)('$case', ({ status, after, receipts, said }) => {
    const out = grantRevocations(grant(status), [revokeAll(after)], receipts);
    expect({
      // A revoked grant's purposes in force are never said (only an active grant's).
      ...('inForce' in said ? { inForce: out.inForce } : {}),
      revocations: out.revocations.map((r) => ({ at: r.at, purposes: r.purposes })),
      undated: out.undated,
    }).toEqual(said);
  });
});
