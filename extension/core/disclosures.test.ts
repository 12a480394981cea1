/**
 * Opening what a company sent (disclosures and answers to data requests): verified as of the
 * message's `iat` with the key state the registry publishes (in seconds), kept as `invalid` only
 * when the message itself is at fault; a passing failure (a clock behind, a key lookup out of
 * reach) is left for the next refresh.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem } from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { sha256Of } from '../../protocol/jws';
import { generateKeyPair } from '../../protocol/keys';
import { signMessage } from '../../protocol/signed';
import {
  isTemporaryOpeningFailure,
  openAnswer,
  openDisclosure,
  recheckDisclosure,
} from './disclosures';
import { FakeClock, FakeStore } from './fakes';
import { companyIdentity, type CompanyIdentity } from './identity';
import type { RequestSource, Wallet } from './wallet';
import { companyOrigin, FakeClearinghouse, fixtureWallet, testRandomBytes } from './wallet.fixture';

const nowMs = Date.UTC(2026, 10, 1, 12);
const nowSeconds = nowMs / 1000;
const seed = new Uint8Array(32).fill(5);
const address = {
  dataCategory: 'address' as const,
  sources: ['direct' as const],
  purposes: ['product_launch' as const],
  retentionDays: 365,
  recipients: [],
};

let ch: FakeClearinghouse;
let identity: CompanyIdentity;

beforeEach(async () => {
  ch = await FakeClearinghouse.create(nowMs);
  identity = await companyIdentity(seed, ch.company.id);
});

const context = (overrides: Partial<Parameters<typeof openDisclosure>[2]> = {}) => ({
  company: ch.company,
  identity,
  nowMs,
  ...overrides,
});

async function disclosureAt(iat: number, signer = ch.companyKey) {
  const sha256 = await ch.addDisclosure(identity.pseudonym, iat, { holdings: [address] }, signer);
  const jws = ch.disclosures.get(identity.pseudonym)!.find((d) => d.sha256 === sha256)!.jws;
  return { sha256, jws };
}

describe('openDisclosure', () => {
  // The registry publishes a company key's retirement and compromise in seconds.
  it.each([
    { key: 'in use', retiredAt: null, compromisedSince: null, state: 'opened' },
    { key: 'retired a second after iat', retiredAt: 1, compromisedSince: null, state: 'opened' },
    { key: 'retired at iat', retiredAt: 0, compromisedSince: null, state: 'invalid' },
    { key: 'retired before iat', retiredAt: -60, compromisedSince: null, state: 'invalid' },
    { key: 'compromised after iat', retiredAt: null, compromisedSince: 60, state: 'opened' },
    { key: 'compromised since iat', retiredAt: null, compromisedSince: 0, state: 'invalid' },
    { key: 'compromised before iat', retiredAt: null, compromisedSince: -1, state: 'invalid' },
  ])(
    'judges the key as of the iat: $key → $state',
    async ({ retiredAt, compromisedSince, state }) => {
      const iat = nowSeconds - 3600;
      const { sha256, jws } = await disclosureAt(iat);
      ch.company.keys[0]!.retiredAt = retiredAt === null ? null : iat + retiredAt;
      ch.company.keys[0]!.compromisedSince =
        compromisedSince === null ? null : iat + compromisedSince;
      const opened = await openDisclosure(sha256, jws, context());
      expect(opened.state).toBe(state);
      if (opened.state === 'invalid') expect(opened.code).toBe('ERR_JWS_KID_UNKNOWN');
    },
  );

  it('leaves a disclosure ahead of the device clock to be checked again, and opens it once the clock has caught up', async () => {
    const { sha256, jws } = await disclosureAt(nowSeconds + 600);
    await expect(openDisclosure(sha256, jws, context())).rejects.toMatchObject({
      code: 'ERR_JWS_NOT_YET_VALID',
    });
    const later = await openDisclosure(sha256, jws, context({ nowMs: nowMs + 601_000 }));
    expect(later).toMatchObject({ state: 'opened', sha256, iat: nowSeconds + 600 });
  });

  it.each([
    { failure: 'the network', error: () => new TypeError('fetch failed') },
    { failure: 'a server error', error: () => new ApiProblem(503, { code: 'http-503' }) },
    {
      failure: 'a port reporting it as out of reach',
      error: () => new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'no answer'),
    },
    {
      failure: 'a port failing with any other code',
      error: () => new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'no storage'),
    },
  ])(
    'never marks a disclosure invalid because its key lookup failed ($failure)',
    async ({ error }) => {
      const staff = ch.addStaffKey(nowMs - 60_000);
      const { sha256, jws } = await disclosureAt(nowSeconds, staff);
      const failing = context({ personKey: () => Promise.reject(error()) });
      await expect(openDisclosure(sha256, jws, failing)).rejects.toBeDefined();
      const looked = context({ personKey: async (kid) => ch.personKeys.get(kid) });
      expect(await openDisclosure(sha256, jws, looked)).toMatchObject({ state: 'opened' });
    },
  );

  it('still keeps a disclosure signed by a stranger as invalid', async () => {
    const { sha256, jws } = await disclosureAt(nowSeconds, generateKeyPair(testRandomBytes));
    expect(
      await openDisclosure(sha256, jws, context({ personKey: async () => undefined })),
    ).toEqual({ state: 'invalid', sha256, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' });
  });
});

describe('recheckDisclosure', () => {
  // What opening it now would say: a compromise reaches back to its `since` (docs/api.md).
  it.each([
    { key: 'still in use', compromisedSince: null, state: 'opened' },
    { key: 'compromised a second after iat', compromisedSince: 1, state: 'opened' },
    { key: 'compromised since iat', compromisedSince: 0, state: 'invalid' },
    { key: 'compromised ten minutes before iat', compromisedSince: -600, state: 'invalid' },
  ])(
    'takes back a disclosure opened before once its key is $key → $state',
    async ({ compromisedSince, state }) => {
      const iat = nowSeconds - 3600;
      const listed = await disclosureAt(iat);
      const opened = await openDisclosure(listed.sha256, listed.jws, context());
      expect(opened.state).toBe('opened');
      ch.company.keys[0]!.compromisedSince =
        compromisedSince === null ? null : iat + compromisedSince;
      const now = recheckDisclosure(opened, listed, ch.company);
      expect(now.state).toBe(state);
      if (now.state === 'invalid')
        expect(now).toEqual({
          state: 'invalid',
          sha256: listed.sha256,
          openedAt: nowMs,
          code: 'ERR_JWS_KID_UNKNOWN',
        });
    },
  );

  it('keeps its verdict for a staff key, an invalid one, and a listing that is not the message it opened', async () => {
    const staff = ch.addStaffKey(nowMs - 60_000);
    const byStaff = await disclosureAt(nowSeconds, staff);
    const withStaff = context({ personKey: async (kid) => ch.personKeys.get(kid) });
    const openedByStaff = await openDisclosure(byStaff.sha256, byStaff.jws, withStaff);
    const listed = await disclosureAt(nowSeconds);
    const opened = await openDisclosure(listed.sha256, listed.jws, context());
    const other = await disclosureAt(nowSeconds + 1);
    ch.company.keys[0]!.compromisedSince = nowSeconds - 600;
    expect(openedByStaff.state).toBe('opened');
    expect(recheckDisclosure(openedByStaff, byStaff, ch.company)).toBe(openedByStaff);
    // Other bytes under its hash say nothing about the key that signed what it opened.
    expect(recheckDisclosure(opened, { sha256: listed.sha256, jws: other.jws }, ch.company)).toBe(
      opened,
    );
    const invalid = {
      state: 'invalid' as const,
      sha256: listed.sha256,
      openedAt: 0,
      code: 'ERR_JWS_SIGNATURE_INVALID' as const,
    };
    expect(recheckDisclosure(invalid, listed, ch.company)).toBe(invalid);
  });
});

describe('openAnswer', () => {
  it('leaves an answer ahead of the device clock to be checked again', async () => {
    const requestSha256 = 'A'.repeat(43);
    const jws = await signMessage(
      'data-request-answer',
      {
        v: 1,
        iss: ch.company.id,
        aud: identity.pseudonym,
        iat: nowSeconds + 600,
        exp: nowSeconds + 900,
        jti: '00000000-0000-4000-8000-000000000001',
        requestSha256,
        outcome: 'erased',
        dataCategories: ['address'],
        erasedAt: nowSeconds,
      },
      ch.companyKey,
    );
    const answer = { sha256: sha256Of(jws), jws };
    await expect(openAnswer(requestSha256, answer, context())).rejects.toMatchObject({
      code: 'ERR_JWS_NOT_YET_VALID',
    });
    expect(
      await openAnswer(requestSha256, answer, context({ nowMs: nowMs + 601_000 })),
    ).toMatchObject({ state: 'opened', outcome: 'erased' });
  });
});

describe('isTemporaryOpeningFailure', () => {
  it.each([
    ['ERR_JWS_NOT_YET_VALID', true],
    ['ERR_CLEARINGHOUSE_UNREACHABLE', true],
    ['ERR_JWS_SIGNATURE_INVALID', false],
    ['ERR_JWS_KID_UNKNOWN', false],
    ['ERR_MESSAGE_INVALID', false],
  ])('%s → %s', (code, temporary) => {
    expect(isTemporaryOpeningFailure(code)).toBe(temporary);
  });
});

describe('the wallet checks again what it could not check', () => {
  let store: FakeStore;
  let clock: FakeClock;
  let wallet: Wallet;
  const bridge: RequestSource = { kind: 'bridge', pageOrigin: companyOrigin };

  beforeEach(async () => {
    store = new FakeStore();
    clock = new FakeClock(nowMs);
    wallet = fixtureWallet(ch, { store, clock, seed });
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null });
  });

  it('opens a disclosure and an answer ahead of the device clock once it has caught up', async () => {
    const request = await wallet.requestData(ch.company.id, 'erasure');
    const disclosure = await ch.addDisclosure(identity.pseudonym, nowSeconds + 600, {
      holdings: [address],
    });
    const answer = await ch.answer(request.sha256, nowSeconds + 600, {
      outcome: 'erased',
      dataCategories: ['address'],
      erasedAt: nowSeconds,
    });
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([]);
    expect(stored.openedAnswers).toEqual([]);
    clock.ms = nowMs + 11 * 60_000;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: disclosure }),
    ]);
    expect(stored.openedAnswers).toEqual([
      expect.objectContaining({ state: 'opened', sha256: answer, outcome: 'erased' }),
    ]);
  });

  it('checks again what an earlier version kept as invalid for a passing reason, not what is invalid for good', async () => {
    const ahead = await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    const forged = await ch.addDisclosure(
      identity.pseudonym,
      nowSeconds,
      { holdings: [address] },
      generateKeyPair(testRandomBytes),
    );
    const stored = await wallet.refreshCompany(ch.company.id);
    // As a vault written before this fix holds it: the clock-behind one marked invalid.
    await store.put('relationships', stored.pseudonym, {
      ...stored,
      openedDisclosures: [
        { state: 'invalid', sha256: ahead, openedAt: nowMs, code: 'ERR_JWS_NOT_YET_VALID' },
        { state: 'invalid', sha256: forged, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
      ],
    });
    const again = await wallet.refreshCompany(ch.company.id);
    expect(again.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: ahead }),
      { state: 'invalid', sha256: forged, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
  });
});
