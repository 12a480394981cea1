import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem, type InboxItem } from '../../protocol/client';
import { base64urlEncode, base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { isProtocolError } from '../../protocol/errors';
import { sha256Of, signCompact } from '../../protocol/jws';
import type { Payload } from '../../protocol/messages';
import { parseProfile, type BlacklistEntry, type Profile } from '../../protocol/profile';
import { sealTo } from '../../protocol/seal';
import { openMessage, signMessage } from '../../protocol/signed';
import { complaintReasonsFor, readDrafts } from './complaints';
import { FakeClock, FakeStore } from './fakes';
import { companyIdentity } from './identity';
import { earnedByCompany, readLedger } from './ledger';
import { OfferInbox, offersRecord, type InboxClearinghouse } from './offers';
import { Wallet, type ConsentChoice } from './wallet';
import {
  clearinghouseOrigin,
  companyOrigin,
  FakeClearinghouse,
  logOrigin,
  testRandomBytes,
} from './wallet.fixture';

// Tuesday 2026-11-03 12:00 UTC = 13:00 in Berlin.
const startMs = Date.UTC(2026, 10, 3, 12);
const seed = new Uint8Array(32).fill(7);

let ch: FakeClearinghouse;
let store: FakeStore;
let clock: FakeClock;
let wallet: Wallet;
let blacklist: BlacklistEntry[];
let profile: Profile;
let relay: FakeRelay;
let inbox: OfferInbox;
let pseudonym: string;
let grantSha: string;

const nowS = () => Math.floor(clock.now() / 1000);

/** The relay half of the clearinghouse: inboxes, acknowledgements, complaints. */
class FakeRelay implements InboxClearinghouse {
  items = new Map<string, InboxItem[]>();
  complaints: string[] = [];
  offline = false;
  /** Acknowledgements fail (the network dropped after the fetch). */
  ackFails = false;
  acks = 0;
  cursor = 0;

  constructor(private readonly registry: FakeClearinghouse) {}

  push(to: string, kind: 'offer' | 'reward', jws: string): string {
    const list = this.items.get(to) ?? [];
    const id = sha256Of(jws);
    list.push({
      id,
      cursor: String(++this.cursor).padStart(8, '0'),
      kind,
      jws,
      receivedAt: clock.now(),
      expiresAt: clock.now() + 86_400_000,
    });
    this.items.set(to, list);
    return id;
  }

  async fetchInbox(signer: { id: string }, after?: string, limit = 100) {
    if (this.offline) throw new TypeError('fetch failed');
    const list = (this.items.get(signer.id) ?? []).filter(
      (i) => after === undefined || i.cursor > after,
    );
    const page = list.slice(0, limit);
    return { items: page, next: page.at(-1)?.cursor ?? after ?? '' };
  }

  async ackInbox(signer: { id: string }, what: { id: string } | { through: string }) {
    if (this.offline || this.ackFails) throw new TypeError('fetch failed');
    this.acks++;
    const list = this.items.get(signer.id) ?? [];
    const kept = list.filter((i) => ('id' in what ? i.id !== what.id : i.cursor > what.through));
    this.items.set(signer.id, kept);
    return { deleted: list.length - kept.length };
  }

  async getCompany(id: string) {
    if (this.offline) throw new TypeError('fetch failed');
    return this.registry.getCompany(id);
  }

  async submitComplaint(jws: string) {
    if (this.offline) throw new TypeError('fetch failed');
    // The clearinghouse's own checks: the complaint is the pseudonym's, each evidence verifies
    // as the company's message to it, as of its iat.
    const key = (await companyIdentity(seed, this.registry.company.id)).keyPair;
    const complaint = await openMessage('complaint', jws, {
      audience: clearinghouseOrigin,
      now: nowS(),
      resolveKey: () => key.publicKey,
    });
    for (const e of complaint.payload.evidence) {
      try {
        await openMessage(e.kind, e.jws, {
          audience: complaint.payload.iss,
          now: nowS(),
          asOf: 'iat',
          resolveKey: () => this.registry.companyKey.publicKey,
        });
      } catch (error) {
        throw new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID', cause: String(error) });
      }
    }
    this.complaints.push(jws);
    return { sha256: sha256Of(jws), status: 'pending' as const };
  }
}

type ContentOverrides = Partial<Payload<'offer-content'>> & { drop?: string[] };

/** A company offer as the company site builds it: inner signed, sealed, outer signed. */
async function offer(
  overrides: ContentOverrides = {},
  outerOverrides: Partial<Payload<'offer'>> = {},
): Promise<string> {
  const iat = nowS();
  const { drop = [], ...rest } = overrides;
  const inner: Record<string, unknown> = {
    v: 1,
    iss: ch.company.id,
    aud: pseudonym,
    iat,
    exp: iat + 7 * 86_400,
    jti: crypto.randomUUID(),
    grantSha256: grantSha,
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
    keyPair: ch.companyKey,
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
    grantSha256: grantSha,
    purpose: inner.purpose as Payload<'offer'>['purpose'],
    channel: inner.channel as Payload<'offer'>['channel'],
    validUntil: inner.validUntil as number,
    sealed,
    ...outerOverrides,
  };
  return signMessage('offer', outer, ch.companyKey);
}

async function reward(amount: number): Promise<string> {
  const iat = nowS();
  const identity = await companyIdentity(seed, ch.company.id);
  const sealed = base64urlEncode(
    sealTo(
      identity.keyPair.publicKey,
      JSON.stringify({ type: 'bonus_points', amount, description: { de: 'Punkte', en: 'Points' } }),
    ),
  );
  return signMessage(
    'reward',
    {
      v: 1,
      iss: ch.company.id,
      aud: pseudonym,
      iat,
      exp: iat + 300,
      jti: crypto.randomUUID(),
      grantSha256: grantSha,
      sealed,
    },
    ch.companyKey,
  );
}

function makeProfile(changes: Partial<Profile> = {}): Profile {
  return parseProfile({
    v: 1,
    interests: [{ category: 'sports', weight: 1 }],
    channels: { allowed: ['email', 'sms'], preferred: 'email' },
    quiet: { timeZone: 'Europe/Berlin', windows: [] },
    caps: { perWeek: null, perCompanyPerWeek: null },
    companies: [],
    language: 'en',
    mode: 'manual',
    serendipity: 0,
    blacklistSignal: 'ask',
    ...changes,
  });
}

beforeEach(async () => {
  ch = await FakeClearinghouse.create(startMs - 86_400_000);
  store = new FakeStore();
  clock = new FakeClock(startMs - 3_600_000);
  blacklist = [];
  profile = makeProfile();
  relay = new FakeRelay(ch);
  wallet = new Wallet({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    pinnedLog: async () => ({ key: ch.logVerifierKey, origin: logOrigin }),
    masterSeed: async () => seed,
    blacklist: async () => blacklist,
    receiptAttempts: 1,
  });
  // A real grant through the wallet: email and sms for product_launch, at most 2 a week.
  const checked = await wallet.check(await ch.addRequest(nowS() - 60), { kind: 'link' });
  const choice: ConsentChoice = {
    decision: 'grant',
    scopes: checked.request.scopes.map((s) => ({
      include: true,
      channels: [...s.channels],
      dataCategories: [],
      maxContactsPerWeek: null,
      retentionDays: s.retentionDays,
      onwardRecipients: [],
    })),
    preferredChannel: 'email',
    days: 30,
  };
  const answered = await wallet.answer(checked, choice);
  grantSha = answered.sha256;
  pseudonym = checked.pseudonym;
  clock.ms = startMs;
  inbox = new OfferInbox({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: relay,
    clearinghouseOrigin,
    masterSeed: async () => seed,
    relationships: async () => (await wallet.list()).items,
    profile: async () => profile,
    blacklist: async () => blacklist,
  });
});

describe('OfferInbox.sync', () => {
  it('delivers an offer that fits, stores it, acknowledges it, and explains why', async () => {
    const id = relay.push(pseudonym, 'offer', await offer());
    const result = await inbox.sync();
    expect(result.delivered.map((o) => o.id)).toEqual([id]);
    expect(relay.items.get(pseudonym)).toEqual([]);
    const [view] = await inbox.view('en', false);
    expect(view!.offer.state).toBe('delivered');
    expect(view!.offer.content?.title).toBe('Der neue Trailschuh');
    expect(view!.title).toMatch(/seeing/i);
    expect(view!.sentences.length).toBeGreaterThan(1);
    const [de] = await inbox.view('de', false);
    expect(de!.title).not.toBe(view!.title);
    expect(await inbox.unseen()).toBe(1);
    await inbox.view('en', true);
    expect(await inbox.unseen()).toBe(0);
  });

  it('hides an offer that does not fit (not opted in, channel not allowed) with its reasons', async () => {
    relay.push(pseudonym, 'offer', await offer({ category: 'food/wine' }));
    relay.push(pseudonym, 'offer', await offer({ channel: 'sms' }, {}));
    profile = makeProfile({ channels: { allowed: ['email'], preferred: 'email' } });
    const result = await inbox.sync();
    expect(result.delivered).toEqual([]);
    expect(result.hidden).toBe(2);
    const views = await inbox.view('en', false);
    const ids = views.map((v) => v.offer.decision!.reasons.map((r) => r.id));
    expect(ids).toContainEqual(expect.arrayContaining(['not_opted_in']));
    expect(ids).toContainEqual(expect.arrayContaining(['channel_not_allowed']));
    expect((await readDrafts(store)).length).toBe(0);
    const shown = await inbox.showAnyway(views[0]!.offer.id);
    expect(shown.shownAnyway).toBe(true);
    expect(shown.state).toBe('hidden');
  });

  it('holds an offer during quiet hours and delivers it when they end', async () => {
    // Quiet 12:00-16:00 Berlin on Tuesdays; it is 13:00 there.
    profile = makeProfile({
      quiet: { timeZone: 'Europe/Berlin', windows: [{ days: [2], from: '12:00', to: '16:00' }] },
    });
    const id = relay.push(pseudonym, 'offer', await offer());
    const first = await inbox.sync();
    expect(first.delivered).toEqual([]);
    expect(first.held).toBe(1);
    expect(first.nextRelease).toBe(Date.UTC(2026, 10, 3, 15) / 1000);
    expect(relay.items.get(pseudonym)).toEqual([]);
    clock.ms = Date.UTC(2026, 10, 3, 14, 59);
    expect((await inbox.sync()).delivered).toEqual([]);
    clock.ms = Date.UTC(2026, 10, 3, 15, 0);
    const released = await inbox.sync();
    expect(released.delivered.map((o) => o.id)).toEqual([id]);
    expect(released.held).toBe(0);
    expect(released.nextRelease).toBeNull();
  });

  it('never stores an item twice when the acknowledgement was lost, and acknowledges it again', async () => {
    relay.push(pseudonym, 'offer', await offer());
    relay.push(pseudonym, 'reward', await reward(50));
    relay.ackFails = true;
    const first = await inbox.sync();
    expect(first.delivered).toHaveLength(1);
    expect(first.rewards).toBe(1);
    expect(relay.items.get(pseudonym)).toHaveLength(2);
    relay.ackFails = false;
    const second = await inbox.sync();
    expect(second.delivered).toEqual([]);
    expect(second.rewards).toBe(0);
    expect(second.duplicates).toBe(2);
    expect(relay.items.get(pseudonym)).toEqual([]);
    expect(await inbox.offers()).toHaveLength(1);
    expect(await readLedger(store)).toHaveLength(1);
  });

  it('keeps everything readable offline and catches up afterwards without duplicates', async () => {
    relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    relay.push(pseudonym, 'offer', await offer({ title: 'Zweites Angebot' }));
    relay.offline = true;
    const offline = await inbox.sync();
    expect(offline.failed).toEqual([pseudonym]);
    expect(await inbox.view('en', false)).toHaveLength(1);
    relay.offline = false;
    const back = await inbox.sync();
    expect(back.delivered.map((o) => o.content?.title)).toEqual(['Zweites Angebot']);
    expect(await inbox.offers()).toHaveLength(2);
  });

  it('puts rewards in the ledger, added up per company', async () => {
    relay.push(pseudonym, 'reward', await reward(50));
    relay.push(pseudonym, 'reward', await reward(25));
    expect((await inbox.sync()).rewards).toBe(2);
    const [earned] = earnedByCompany(await readLedger(store), nowS());
    expect(earned).toMatchObject({ company: ch.company.id, points: 75 });
    expect(earned!.entries).toHaveLength(2);
  });

  it('drops an offer sent after the grant was revoked without blaming the company, and drafts a complaint for one sent after', async () => {
    const before = await offer();
    clock.ms += 1000;
    await wallet.revoke(ch.company.id, 'all');
    clock.ms += 1000;
    const after = await offer();
    relay.push(pseudonym, 'offer', before);
    const afterId = relay.push(pseudonym, 'offer', after);
    const result = await inbox.sync();
    expect(result.delivered).toEqual([]);
    const byId = new Map((await inbox.offers()).map((o) => [o.id, o]));
    expect(byId.get(sha256Of(before))!.decision!.reasons.map((r) => r.id)).toContain('grant_ended');
    expect(byId.get(afterId)!.decision!.reasons.map((r) => r.id)).toContain('grant_not_covered');
    const drafts = await readDrafts(store);
    expect(drafts.map((d) => [d.id, d.reasons])).toEqual([[afterId, ['after_revocation']]]);
    expect(drafts[0]!.evidence.map((e) => e.kind)).toEqual(['offer-content']);
  });

  it('turns an offer without an advertisement label into a draft the clearinghouse accepts', async () => {
    const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    await inbox.sync();
    const [draft] = await inbox.drafts();
    expect(draft).toMatchObject({ id, reasons: ['missing_advertisement_label'], state: 'draft' });
    const submitted = await inbox.submitComplaint(id, 'No label.');
    expect(submitted.state).toBe('submitted');
    expect(relay.complaints).toHaveLength(1);
    expect(submitted.sha256).toBe(sha256Of(relay.complaints[0]!));
    // Submitting again sends nothing new.
    await inbox.submitComplaint(id);
    expect(relay.complaints).toHaveLength(1);
  });

  it('turns an offer without an unsubscribe route into a draft citing the signed outer offer', async () => {
    await inbox.setAutoSubmit(true);
    expect(await inbox.autoSubmit()).toBe(true);
    const id = relay.push(pseudonym, 'offer', await offer({ drop: ['unsubscribe'] }));
    const result = await inbox.sync();
    expect(result.invalid).toBe(1);
    const stored = (await inbox.offers())[0]!;
    expect(stored).toMatchObject({ id, state: 'invalid', error: 'ERR_MESSAGE_INVALID' });
    const [draft] = await inbox.drafts();
    expect(draft).toMatchObject({ reasons: ['missing_unsubscribe'], state: 'submitted' });
    expect(draft!.evidence).toEqual([{ kind: 'offer', jws: stored.outer }]);
    expect(relay.complaints).toHaveLength(1);
  });

  it('drafts outer/inner mismatches with both signed parts as evidence', async () => {
    relay.push(pseudonym, 'offer', await offer({ channel: 'sms' }, { channel: 'email' }));
    await inbox.sync();
    const [draft] = await inbox.drafts();
    expect(draft!.reasons).toContain('outer_inner_mismatch');
    expect(draft!.evidence.map((e) => e.kind)).toEqual(['offer', 'offer-content']);
    await inbox.submitComplaint(draft!.id);
    expect(relay.complaints).toHaveLength(1);
  });

  it('drafts offers from a suspended company', async () => {
    Object.assign(ch.company, { status: 'suspended' });
    relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    expect((await inbox.drafts())[0]!.reasons).toEqual(['not_covered']);
  });

  it('keeps a draft whose submission failed, with the code, to try again', async () => {
    relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    await inbox.sync();
    const [draft] = await inbox.drafts();
    relay.offline = true;
    let code: string | undefined;
    try {
      await inbox.submitComplaint(draft!.id);
    } catch (e) {
      code = isProtocolError(e) ? e.code : String(e);
    }
    expect(code).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    expect((await inbox.drafts())[0]).toMatchObject({
      state: 'draft',
      error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    relay.offline = false;
    expect((await inbox.submitComplaint(draft!.id)).state).toBe('submitted');
  });

  it('stores an offer whose seal or signature fails as invalid, blames nobody, and acknowledges it', async () => {
    const good = await offer();
    const [h, p] = good.split('.');
    // The routing fields changed after signing: outer and inner disagree, the outer fails.
    const altered = JSON.parse(utf8Decode(base64urlDecode(p!))) as Record<string, unknown>;
    const tampered = `${h}.${base64urlEncode(new TextEncoder().encode(JSON.stringify({ ...altered, channel: 'sms' })))}.${good.split('.')[2]}`;
    const payload = {
      ...altered,
      jti: crypto.randomUUID(),
      sealed: base64urlEncode(new Uint8Array(80)),
    };
    const badSeal = await signMessage('offer', payload as Payload<'offer'>, ch.companyKey);
    relay.push(pseudonym, 'offer', badSeal);
    relay.push(pseudonym, 'offer', tampered);
    const result = await inbox.sync();
    expect(result.invalid).toBe(2);
    expect((await inbox.offers()).map((o) => o.error).sort()).toEqual([
      'ERR_JWS_SIGNATURE_INVALID',
      'ERR_SEAL_OPEN_FAILED',
    ]);
    expect(await inbox.drafts()).toEqual([]);
    expect(relay.items.get(pseudonym)).toEqual([]);
  });

  it('refuses to work on a damaged offers record and writes nothing', async () => {
    relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    await store.put(offersRecord.table, offersRecord.id, { v: 1, items: [{ id: 1 }] });
    relay.push(pseudonym, 'offer', await offer());
    let code: string | undefined;
    try {
      await inbox.sync();
    } catch (e) {
      code = isProtocolError(e) ? e.code : String(e);
    }
    expect(code).toBe('ERR_VAULT_RECORD_DAMAGED');
    expect(relay.items.get(pseudonym)).toHaveLength(1);
  });
});

describe('feedback and the model', () => {
  it('learns from feedback, stores the model, and "not this brand" names the brand to blacklist', async () => {
    profile = makeProfile({ mode: 'automatic' });
    relay.push(pseudonym, 'offer', await offer());
    const [delivered] = (await inbox.sync()).delivered;
    const liked = await inbox.feedback(delivered!.id, 'liked');
    expect(liked.offer.feedback).toBe('liked');
    expect(liked.blacklist).toBeNull();
    const model = await store.get('profile', 'filter-model');
    expect(model).toMatchObject({ v: 1, updates: 1 });
    const blocked = await inbox.feedback(delivered!.id, 'blocked');
    expect(blocked.blacklist).toEqual({ kind: 'brand', brand: 'Laufhaus', company: ch.company.id });
    await inbox.resetModel();
    expect(await store.get('profile', 'filter-model')).toMatchObject({ updates: 0 });
  });

  it('learns "ignored" for a delivered offer left alone until it expired', async () => {
    profile = makeProfile({ mode: 'automatic' });
    relay.push(
      pseudonym,
      'offer',
      await offer(
        { validUntil: nowS() + 3600, exp: nowS() + 3600 },
        { validUntil: nowS() + 3600, exp: nowS() + 3600 },
      ),
    );
    await inbox.sync();
    await inbox.sync();
    expect((await inbox.offers())[0]!.state).toBe('delivered');
    expect((await inbox.offers())[0]!.feedback).toBeUndefined();
    clock.ms += 2 * 3600_000;
    await inbox.sync();
    expect((await inbox.offers())[0]!.feedback).toBe('ignored');
    expect(await store.get('profile', 'filter-model')).toMatchObject({ updates: 1 });
  });

  it('says which purpose an unsubscribe revokes', async () => {
    relay.push(pseudonym, 'offer', await offer());
    const [delivered] = (await inbox.sync()).delivered;
    expect(await inbox.unsubscribeTarget(delivered!.id)).toEqual({
      company: ch.company.id,
      grantSha256: grantSha,
      purposes: ['product_launch'],
    });
  });

  it('refuses feedback for an offer it does not hold', async () => {
    let code: string | undefined;
    try {
      await inbox.feedback('A'.repeat(43), 'liked');
    } catch (e) {
      code = isProtocolError(e) ? e.code : String(e);
    }
    expect(code).toBe('ERR_RESOURCE_NOT_FOUND');
  });
});

describe('implicit negatives and pauses', () => {
  const DAY_MS = 86_400_000;

  /** `n` offers delivered now (service messages: no weekly cap), each answered with `answer`. */
  async function deliverAndAnswer(n: number, answer: 'ignored' | 'dismissed'): Promise<void> {
    for (let i = 0; i < n; i++)
      relay.push(pseudonym, 'offer', await offer({ purpose: 'service_support' }));
    const { delivered } = await inbox.sync();
    expect(delivered).toHaveLength(n);
    for (const o of delivered) await inbox.feedback(o.id, answer);
  }

  it('suggests a cool-down, pauses the company, hides its offers meanwhile, and lets them through when the pause ends', async () => {
    await deliverAndAnswer(5, 'ignored');
    expect(await inbox.companyAdvice()).toEqual({
      suggestions: [{ company: ch.company.id, action: 'cool_down', negatives: 5, of: 5, days: 30 }],
      pauses: [],
    });

    const pause = await inbox.pause(ch.company.id, 2);
    expect(pause).toEqual({ company: ch.company.id, from: nowS(), until: nowS() + 2 * 86_400 });
    expect(await inbox.companyAdvice()).toEqual({ suggestions: [], pauses: [pause] });

    clock.ms += DAY_MS;
    const during = relay.push(
      pseudonym,
      'offer',
      await offer({ title: 'Während der Pause', purpose: 'service_support' }),
    );
    expect((await inbox.sync()).hidden).toBe(1);
    const hidden = (await inbox.view('en', false)).find((v) => v.offer.id === during)!;
    expect(hidden.offer.state).toBe('hidden');
    expect(hidden.offer.decision!.reasons).toEqual([
      { id: 'paused', params: { company: ch.company.id, until: pause.until } },
    ]);
    expect(hidden.sentences).toEqual([
      expect.stringMatching(/^You paused offers from this company until .+\.$/),
    ]);
    expect((await inbox.view('de', false))[0]!.sentences[0]).toMatch(/pausiert\.$/);
    expect(await inbox.drafts()).toEqual([]);

    // The pause ends by itself: nothing to do but wait.
    clock.ms = pause.until * 1000;
    const after = relay.push(
      pseudonym,
      'offer',
      await offer({ title: 'Nach der Pause', purpose: 'service_support' }),
    );
    expect((await inbox.sync()).delivered.map((o) => o.id)).toEqual([after]);
    // No pause left, and the evidence from before the pause does not bring the suggestion back.
    expect(await inbox.companyAdvice()).toEqual({ suggestions: [], pauses: [] });
    expect(await store.get('profile', 'company-pauses')).toMatchObject({
      answers: [{ company: ch.company.id, answer: 'paused', at: pause.from }],
    });
  });

  it('ends a pause at once when the customer cancels it', async () => {
    await inbox.pause(ch.company.id, 30);
    await inbox.resume(ch.company.id);
    expect((await inbox.companyAdvice()).pauses).toEqual([]);
    relay.push(pseudonym, 'offer', await offer());
    expect((await inbox.sync()).delivered).toHaveLength(1);
  });

  it('keeps a dismissed suggestion away until new offers are turned away as well', async () => {
    await deliverAndAnswer(5, 'dismissed');
    expect((await inbox.companyAdvice()).suggestions).toMatchObject([{ action: 'refuse' }]);
    await inbox.answerSuggestion(ch.company.id, 'dismissed');
    expect((await inbox.companyAdvice()).suggestions).toEqual([]);

    clock.ms += 60_000;
    await deliverAndAnswer(4, 'dismissed');
    expect((await inbox.companyAdvice()).suggestions).toEqual([]);
    await deliverAndAnswer(1, 'dismissed');
    expect((await inbox.companyAdvice()).suggestions).toEqual([
      { company: ch.company.id, action: 'refuse', negatives: 5, of: 5, days: 30 },
    ]);
  });

  it('suggests nothing for a company the customer already revoked', async () => {
    await deliverAndAnswer(5, 'ignored');
    clock.ms += 1000;
    await wallet.revoke(ch.company.id, 'all');
    expect((await inbox.companyAdvice()).suggestions).toEqual([]);
  });

  it.each([
    ['a company without a relationship', `co_${'Q'.repeat(42)}A`, 30, 'ERR_RESOURCE_NOT_FOUND'],
    ['no days', undefined, 0, 'ERR_PROFILE_INVALID'],
    ['more than a year', undefined, 366, 'ERR_PROFILE_INVALID'],
    ['a missing length', undefined, Number.NaN, 'ERR_PROFILE_INVALID'],
  ])('refuses to pause %s', async (_name, company, days, expected) => {
    let code: string | undefined;
    try {
      await inbox.pause(company ?? ch.company.id, days);
    } catch (e) {
      code = isProtocolError(e) ? e.code : String(e);
    }
    expect(code).toBe(expected);
    expect(await store.get('profile', 'company-pauses')).toBeUndefined();
  });

  it('refuses to sync over a damaged pauses record and takes nothing from the inbox', async () => {
    await store.put('profile', 'company-pauses', { v: 1, pauses: 'all', answers: [] });
    relay.push(pseudonym, 'offer', await offer());
    let code: string | undefined;
    try {
      await inbox.sync();
    } catch (e) {
      code = isProtocolError(e) ? e.code : String(e);
    }
    expect(code).toBe('ERR_VAULT_RECORD_DAMAGED');
    expect(relay.items.get(pseudonym)).toHaveLength(1);
    expect(await inbox.offers()).toEqual([]);
  });
});

describe('complaintReasonsFor', () => {
  it.each([
    ['revoked', 'after_revocation'],
    ['channel', 'wrong_channel'],
    ['time_window', 'outside_time_window'],
    ['contact_cap', 'contact_cap_exceeded'],
    ['purpose', 'not_covered'],
  ] as const)('maps a coverage failure on %s to %s', (rule, expected) => {
    expect(complaintReasonsFor([{ id: 'grant_not_covered', params: { rule } }])).toEqual([
      expected,
    ]);
  });
});
