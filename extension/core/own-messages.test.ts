import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Relationships } from '../../protocol/client';
import { signMessage } from '../../protocol/signed';
import { sha256Of } from '../../protocol/jws';
import { holdsCategory } from './customer-view';
import { FakeClock, FakeStore } from './fakes';
import { exemptSites } from './gpc';
import { companyIdentity, type CompanyIdentity } from './identity';
import { filterGrants } from './offers';
import { checkedOwnMessages } from './own-messages';
import type { Wallet, WalletClearinghouse } from './wallet';
import { FakeClearinghouse, fixtureWallet, grantAll } from './wallet.fixture';

/** Every signature check of a message, counted (the cost of a refresh). */
const opened = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../protocol/signed', async (importOriginal) => {
  const signed = await importOriginal<typeof import('../../protocol/signed')>();
  return {
    ...signed,
    openMessage: (...args: Parameters<typeof signed.openMessage>) => {
      opened.count++;
      return signed.openMessage(...args);
    },
  };
});

const nowMs = Date.UTC(2026, 10, 1, 12);
const nowSeconds = nowMs / 1000;
const seed = new Uint8Array(32).fill(7);

let ch: FakeClearinghouse;
let store: FakeStore;
let wallet: Wallet;
let identity: CompanyIdentity;

beforeEach(async () => {
  ch = await FakeClearinghouse.create(nowMs);
  store = new FakeStore();
  wallet = fixtureWallet(ch, { store, clock: new FakeClock(nowMs), seed });
  identity = await companyIdentity(seed, ch.company.id);
  // The batch a refreshAll reads: each pseudonym's relationship as `relationships` lists it.
  (ch as unknown as Pick<WalletClearinghouse, 'relationshipsBatch'>).relationshipsBatch = async (
    signers,
  ) => ({
    results: await Promise.all(
      signers.map(async (s) => ({
        status: 200 as const,
        pseudonym: s.id,
        relationships: await ch.relationships(s),
      })),
    ),
  });
});

/** A grant given through the wallet: its hash. */
async function granted(): Promise<string> {
  const checked = await wallet.check(await ch.addRequest(nowSeconds), { kind: 'link' });
  return (await wallet.answer(checked, grantAll(checked.request))).sha256;
}

describe('checkedOwnMessages', () => {
  let forged: Relationships['grants'][number] | undefined;

  it.each<
    [string, (own: Relationships['grants'][number]) => Relationships['grants'][number], string]
  >([
    ['signed by another key', () => forged!, 'ERR_JWS_KID_UNKNOWN'],
    ['listed under another hash', (g) => ({ ...g, sha256: 'A'.repeat(43) }), 'ERR_MESSAGE_INVALID'],
  ])('rejects a grant %s, and reports it', async (_name, change, code) => {
    await granted();
    forged = await ch.forgeGrant(identity.pseudonym, nowSeconds);
    const listed = await ch.relationships({ id: identity.pseudonym });
    const bad = change(listed.grants[0]!);
    const checked = await checkedOwnMessages(identity, { ...listed, grants: [bad] }, {});
    expect(checked.grants).toEqual([]);
    expect(checked.rejectedMessages).toEqual([{ kind: 'grant', sha256: bad.sha256, code }]);
  });

  it('rejects a message of this pseudonym addressed to another company', async () => {
    const other = ch.addCompany('Andere GmbH');
    const jws = await signMessage(
      'revocation',
      {
        v: 1,
        iss: identity.pseudonym,
        aud: other.id,
        iat: nowSeconds,
        exp: nowSeconds + 300,
        jti: '00000000-0000-4000-8000-000000000001',
        grants: 'all',
      },
      identity.keyPair,
    );
    const checked = await checkedOwnMessages(
      identity,
      {
        grants: [],
        refusals: [],
        revocations: [{ sha256: sha256Of(jws), jws, acknowledged: true }],
      },
      {},
    );
    expect(checked.revocations).toEqual([]);
    expect(checked.rejectedMessages).toEqual([
      { kind: 'revocation', sha256: sha256Of(jws), code: 'ERR_JWS_AUD_MISMATCH' },
    ]);
  });

  it('checks each message once: what the checked record holds with the same token is not checked again', async () => {
    await granted();
    await wallet.revoke(ch.company.id, 'all');
    const listed = await ch.relationships({ id: identity.pseudonym });
    opened.count = 0;
    const first = await checkedOwnMessages(identity, listed, {});
    expect(opened.count).toBe(2);
    opened.count = 0;
    const again = await checkedOwnMessages(identity, listed, { before: { ...listed, ...first } });
    expect(again).toEqual(first);
    expect(opened.count).toBe(0);
    // The same hash with another token is checked (and fails); a record not marked as checked
    // (an earlier version's) has everything checked.
    const swapped = {
      ...listed,
      grants: [{ ...listed.grants[0]!, jws: listed.revocations[0]!.jws }],
    };
    const changed = await checkedOwnMessages(identity, swapped, {
      before: { ...listed, ...first },
    });
    expect(changed.grants).toEqual([]);
    opened.count = 0;
    await checkedOwnMessages(identity, listed, { before: listed });
    expect(opened.count).toBe(2);
  });
});

describe('a revocation of "all" takes back the grants the clearinghouse stored before it', () => {
  /** The customer's own revocation of every grant, signed at `iat`. */
  async function revokeAll(iat: number) {
    const jws = await signMessage(
      'revocation',
      {
        v: 1,
        iss: identity.pseudonym,
        aud: ch.company.id,
        iat,
        exp: iat + 300,
        jti: '00000000-0000-4000-8000-0000000000aa',
        grants: 'all',
      },
      identity.keyPair,
    );
    return { sha256: sha256Of(jws), jws, acknowledged: true };
  }

  /**
   * The status the wallet gives a grant the listing claims active, signed `before` seconds
   * before a revocation of "all", with the log indexes of the two where their receipts are held.
   */
  async function statusOf(before: number, indexes?: { grant: number; revocation: number }) {
    const grant = await ch.forgeGrant(
      identity.pseudonym,
      nowSeconds - before,
      {},
      identity.keyPair,
    );
    const revocation = await revokeAll(nowSeconds);
    const sent =
      indexes === undefined
        ? []
        : [
            { sha256: grant.sha256, kind: 'grant', jws: grant.jws, index: indexes.grant },
            { ...revocation, kind: 'revocation', index: indexes.revocation },
          ];
    const checked = await checkedOwnMessages(
      identity,
      { grants: [grant], refusals: [], revocations: [revocation] },
      { sent },
    );
    return checked.grants[0]!.status;
  }

  it.each([
    // Signed an hour before: the clearinghouse held it when it stored the revocation.
    ['an hour before', 3600, undefined, 'revoked'],
    // Within the transport window plus the skew on both sides, it may have come after (a device
    // whose clock runs slow, an outbox resend of the original token): the listing decides.
    ['5 minutes before, order unknown', 300, undefined, 'active'],
    ['at the same second, order unknown', 0, undefined, 'active'],
    // The fixture's grants expire 5 minutes after `iat`: taken at the latest a minute later.
    ['6 minutes before, order unknown', 6 * 60, undefined, 'active'],
    ['8 minutes before, order unknown', 8 * 60, undefined, 'revoked'],
    ['8 minutes before, the grant logged after', 8 * 60, { grant: 12, revocation: 11 }, 'active'],
    // Where both receipts give the log order, it decides, whatever the clocks said.
    ['at the same second, the grant logged first', 0, { grant: 10, revocation: 11 }, 'revoked'],
    ['an hour before, the grant logged after', 3600, { grant: 12, revocation: 11 }, 'active'],
  ] as const)('judges a grant signed %s', async (_name, before, indexes, status) => {
    expect(await statusOf(before, indexes)).toBe(status);
  });

  it('is judged by the times when only one of the receipts is held', async () => {
    const grant = await ch.forgeGrant(identity.pseudonym, nowSeconds - 60, {}, identity.keyPair);
    const revocation = await revokeAll(nowSeconds);
    const checked = await checkedOwnMessages(
      identity,
      { grants: [grant], refusals: [], revocations: [revocation] },
      { sent: [{ ...revocation, kind: 'revocation', index: 4 }] },
    );
    expect(checked.grants[0]!.status).toBe('active');
  });
});

describe('the wallet keeps only what the customer signed', () => {
  it('leaves out a grant the clearinghouse inserted: it covers no offer, exempts no site from GPC and receives no correction', async () => {
    const own = await granted();
    const forged = await ch.forgeGrant(identity.pseudonym, nowSeconds + 60);
    ch.tamperListing = (r) => ({ ...r, grants: [...r.grants, forged] });
    for (const refresh of [
      async () => [await wallet.refreshCompany(ch.company.id)],
      () => wallet.refreshAll(),
    ]) {
      const [record] = await refresh();
      expect(record!.grants.map((g) => g.sha256)).toEqual([own]);
      expect(record!.rejectedMessages).toEqual([
        { kind: 'grant', sha256: forged.sha256, code: 'ERR_JWS_KID_UNKNOWN' },
      ]);
      const { items } = await wallet.list();
      expect(filterGrants(items).map((g) => g.sha256)).toEqual([own]);
      expect(exemptSites(items, nowSeconds)).toEqual([]);
      expect(items.some((r) => holdsCategory(r, 'behavioral_web'))).toBe(false);
    }
  });

  it('takes a grant back by the wallet’s own revocation when the listing drops it and claims the grant active', async () => {
    const own = await granted();
    const { sha256: revocation } = await wallet.revoke(ch.company.id, 'all');
    ch.tamperListing = (r) => ({
      ...r,
      grants: r.grants.map((g) => ({ ...g, status: 'active' })),
      revocations: [],
    });
    const [record] = await wallet.refreshAll();
    expect(record!.grants).toEqual([expect.objectContaining({ sha256: own, status: 'revoked' })]);
    expect(record!.revocations.map((r) => r.sha256)).toEqual([revocation]);
    expect(holdsCategory(record!, 'address')).toBe(false);
  });

  it('takes back the purposes a listed revocation names, whatever status the listing claims', async () => {
    const own = await granted();
    await wallet.revoke(ch.company.id, [{ grantSha256: own, purposes: ['product_launch'] }]);
    ch.tamperListing = (r) => ({
      ...r,
      grants: r.grants.map((g) => ({ ...g, status: 'active', revokedPurposes: [] })),
    });
    const record = await wallet.refreshCompany(ch.company.id);
    expect(record.grants).toEqual([
      expect.objectContaining({ status: 'active', revokedPurposes: ['product_launch'] }),
    ]);
  });

  it('keeps a refusal’s signed cool-down when the listing claims none', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), { kind: 'link' });
    await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: 7 });
    ch.tamperListing = (r) => ({
      ...r,
      refusals: r.refusals.map((x) => ({ ...x, askAgainAfter: null })),
    });
    await wallet.refreshCompany(ch.company.id);
    const again = await ch.addRequest(nowSeconds + 60);
    await expect(wallet.check(again, { kind: 'link' })).rejects.toMatchObject({
      code: 'ERR_ASK_AGAIN_LATER',
    });
  });

  it('checks nothing again on a refresh of an unchanged relationship', async () => {
    await granted();
    await wallet.refreshAll();
    opened.count = 0;
    await wallet.refreshAll();
    expect(opened.count).toBe(0);
  });
});
