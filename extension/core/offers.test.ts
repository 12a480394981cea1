import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem, type CompanyEntry, type InboxItem } from '../../protocol/client';
import { base64urlEncode, base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { isProtocolError } from '../../protocol/errors';
import { t, type MessageKey } from '../../protocol/i18n';
import { sha256Of } from '../../protocol/jws';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { complaintReasons, type Payload } from '../../protocol/messages';
import { parseProfile, type BlacklistEntry, type Profile } from '../../protocol/profile';
import { openMessage, signMessage } from '../../protocol/signed';
import {
  complaintReasonsFor,
  maxComplaintDrafts,
  readDrafts,
  writeDrafts,
  type ComplaintDraft,
} from './complaints';
import { parseRequest } from '../messages';
import { FakeClock, FakeStore } from './fakes';
import {
  complaintDraftOf,
  signedOffer,
  signedReward,
  type ContentOverrides,
  type InboxContext,
} from './offers.fixture';
import { customerView, readViewExtras } from './customer-view';
import { companyIdentity } from './identity';
import { earnedByCompany, readLedger } from './ledger';
import {
  keptOffers,
  maxOffersRecordChars,
  maxRejectedRewardsChars,
  maxStoredOffers,
  OfferInbox,
  offersRecord,
  rejectedRewardsRecord,
  type InboxClearinghouse,
  type StoredOffer,
} from './offers';
import { Wallet, type ConsentChoice } from './wallet';
import {
  clearinghouseOrigin,
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
/** What the inbox is told of when the relationships were read from the clearinghouse. */
let readAt: number | null;

const nowS = () => Math.floor(clock.now() / 1000);

/** The relay half of the clearinghouse: inboxes, acknowledgements, complaints. */
class FakeRelay implements InboxClearinghouse {
  items = new Map<string, InboxItem[]>();
  /** The complaints stored (each token once). */
  complaints: string[] = [];
  /** Every complaint token sent, resends included. */
  complaintSends: string[] = [];
  offline = false;
  /** Only the complaints endpoint is out of reach. */
  complaintsDown = false;
  /** Only the inboxes are out of reach. */
  inboxDown = false;
  /** Registry entries of further companies, by id. */
  aliases = new Map<string, CompanyEntry>();
  /** Acknowledgements fail (the network dropped after the fetch). */
  ackFails = false;
  acks = 0;
  cursor = 0;
  /** Every call, by method name. */
  calls: string[] = [];
  /** Every inbox read: whose, and the page size asked for. */
  reads: { id: string; limit: number }[] = [];
  /** Inboxes whose reads get no answer at all (the connection drops). */
  unanswered = new Set<string>();
  /**
   * Inboxes whose reads time out (timed-fetch's `TimeoutError`) beyond a page size: the largest
   * page that still arrives in time (0: none).
   */
  slow = new Map<string, number>();

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
    this.calls.push('fetchInbox');
    this.reads.push({ id: signer.id, limit });
    if (this.offline || this.inboxDown || this.unanswered.has(signer.id))
      throw new TypeError('fetch failed');
    if (limit > (this.slow.get(signer.id) ?? limit))
      throw new DOMException('The operation timed out.', 'TimeoutError');
    const list = (this.items.get(signer.id) ?? []).filter(
      (i) => after === undefined || i.cursor > after,
    );
    const page = list.slice(0, limit);
    return { items: page, next: page.at(-1)?.cursor ?? after ?? '' };
  }

  async ackInbox(signer: { id: string }, what: { id: string } | { through: string }) {
    this.calls.push('ackInbox');
    if (this.offline || this.ackFails) throw new TypeError('fetch failed');
    this.acks++;
    const list = this.items.get(signer.id) ?? [];
    const kept = list.filter((i) => ('id' in what ? i.id !== what.id : i.cursor > what.through));
    this.items.set(signer.id, kept);
    return { deleted: list.length - kept.length };
  }

  async getCompany(id: string) {
    this.calls.push('getCompany');
    if (this.offline) throw new TypeError('fetch failed');
    const alias = this.aliases.get(id);
    if (alias !== undefined) return alias;
    return this.registry.getCompany(id);
  }

  async submitComplaint(jws: string) {
    this.calls.push('submitComplaint');
    if (this.offline || this.complaintsDown) throw new TypeError('fetch failed');
    this.complaintSends.push(jws);
    // A resend of a stored complaint is answered as the first time, before any check (as
    // portal/lib/server/oversight.ts does).
    if (this.complaints.includes(jws)) return { sha256: sha256Of(jws), status: 'pending' as const };
    // The clearinghouse's own checks: the complaint is the pseudonym's, each evidence verifies
    // as the company's message to it, as of its iat.
    const key = (await companyIdentity(seed, this.registry.company.id)).keyPair;
    let complaint;
    try {
      complaint = await openMessage('complaint', jws, {
        audience: clearinghouseOrigin,
        now: nowS(),
        resolveKey: () => key.publicKey,
      });
    } catch (error) {
      throw new ApiProblem(400, {
        code: isProtocolError(error) ? error.code : 'ERR_MESSAGE_INVALID',
      });
    }
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

/** This test's company, customer and grant, now. */
const context = (): InboxContext => ({ ch, seed, pseudonym, grantSha256: grantSha, iat: nowS() });
const offer = (
  overrides?: ContentOverrides,
  outerOverrides?: Partial<Payload<'offer'>>,
  signer?: Ed25519KeyPair,
) => signedOffer(context(), overrides, outerOverrides, signer);
const reward = (amount: number, overrides?: Partial<Payload<'reward'>>, signer?: Ed25519KeyPair) =>
  signedReward(context(), amount, overrides, signer);

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
  readAt = null;
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
    relationshipReadAt: () => readAt,
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

  it("notes whether the offer's brand is one its company registered", async () => {
    relay.push(pseudonym, 'offer', await offer());
    relay.push(pseudonym, 'offer', await offer({ brand: 'laufhaus gmbh ' }));
    relay.push(pseudonym, 'offer', await offer({ brand: 'Funkhaus' }));
    await inbox.sync();
    const brands = (await inbox.view('en', false)).map((o) => [
      o.offer.content?.brand,
      o.offer.content?.brandRegistered,
    ]);
    expect(brands).toEqual(
      expect.arrayContaining([
        ['Laufhaus', true],
        ['laufhaus gmbh ', true], // its legal name
        ['Funkhaus', false], // any company can write any brand: not this one's
      ]),
    );
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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The first stored offer with this inbox id. */
async function stored(id: string): Promise<StoredOffer> {
  return (await inbox.offers()).find((o) => o.id === id)!;
}

/** The reason ids of a stored offer's decision. */
function reasonsOf(o: StoredOffer): string[] {
  return o.decision?.reasons.map((r) => r.id) ?? [];
}

/** The error code `run` rejects with, or 'resolved'. */
async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'resolved';
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e);
  }
}

describe('the grant’s contact cap, counted when the relay accepted each offer', () => {
  // The grant allows product_launch at most 2 a week (wallet.fixture).
  it('does not blame the company for an offer the relay accepted within the cap, however late the earlier ones were fetched', async () => {
    const t0 = clock.ms;
    relay.push(pseudonym, 'offer', await offer());
    relay.push(pseudonym, 'offer', await offer());
    // Offline for six days: both are delivered then.
    clock.ms = t0 + 6 * DAY_MS;
    expect((await inbox.sync()).delivered).toHaveLength(2);
    // A week and an hour after the first two, the relay counts none of them and accepts a third.
    clock.ms = t0 + 7 * DAY_MS + HOUR_MS;
    const third = relay.push(pseudonym, 'offer', await offer());
    const result = await inbox.sync();
    expect(result.delivered.map((o) => o.id)).toEqual([third]);
    expect(result.drafts).toBe(0);
    expect(await inbox.drafts()).toEqual([]);
  });

  it('drafts a complaint when the relay accepted more offers within a week than the grant allows', async () => {
    const first = relay.push(pseudonym, 'offer', await offer());
    clock.ms += HOUR_MS;
    const second = relay.push(pseudonym, 'offer', await offer());
    clock.ms += HOUR_MS;
    const third = relay.push(pseudonym, 'offer', await offer());
    const result = await inbox.sync();
    expect(result.delivered.map((o) => o.id).sort()).toEqual([first, second].sort());
    const over = await stored(third);
    expect(over.state).toBe('hidden');
    expect(over.decision!.reasons).toContainEqual({
      id: 'grant_not_covered',
      params: { rule: 'contact_cap' },
    });
    expect((await inbox.drafts()).map((d) => [d.id, d.reasons])).toEqual([
      [third, ['contact_cap_exceeded']],
    ]);
  });

  it('counts offers the customer’s filter hid as contacts too', async () => {
    const hidden = relay.push(pseudonym, 'offer', await offer({ category: 'food/wine' }));
    clock.ms += HOUR_MS;
    relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    expect((await stored(hidden)).state).toBe('hidden');
    clock.ms += HOUR_MS;
    const third = relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    expect(reasonsOf(await stored(third))).toContain('grant_not_covered');
  });

  it('holds offers over the customer’s own weekly cap, counted by delivery, without blaming anyone', async () => {
    profile = makeProfile({ caps: { perWeek: null, perCompanyPerWeek: 1 } });
    const t0 = clock.ms;
    relay.push(pseudonym, 'offer', await offer());
    clock.ms = t0 + 6 * DAY_MS;
    expect((await inbox.sync()).delivered).toHaveLength(1);
    // The relay accepted the first more than a week ago; the customer got it six days ago.
    clock.ms = t0 + 7 * DAY_MS + HOUR_MS;
    const second = relay.push(pseudonym, 'offer', await offer());
    const result = await inbox.sync();
    expect(result.delivered).toEqual([]);
    expect(result.held).toBe(1);
    const held = await stored(second);
    expect(reasonsOf(held)).toContain('contact_cap');
    expect(held.decision!.holdUntil).toBe((t0 + 13 * DAY_MS) / 1000 + 1);
    expect(await inbox.drafts()).toEqual([]);
  });
});

describe('verification as of the time a message was signed and accepted', () => {
  it('takes a reward and an offer from a company whose clock runs ahead of this device when the relay accepted them then', async () => {
    const t0 = clock.ms;
    // The company's and the relay's clocks two minutes ahead of this device.
    clock.ms = t0 + 120_000;
    relay.push(pseudonym, 'reward', await reward(50));
    const id = relay.push(pseudonym, 'offer', await offer());
    clock.ms = t0;
    const result = await inbox.sync();
    expect(result.rewards).toBe(1);
    expect(result.delivered.map((o) => o.id)).toEqual([id]);
    expect(relay.items.get(pseudonym)).toEqual([]);
  });

  it('leaves an item that is not yet valid by either clock in the inbox and takes it once it is', async () => {
    const t0 = clock.ms;
    clock.ms = t0 + 120_000;
    const rewardJws = await reward(50);
    const offerJws = await offer();
    clock.ms = t0;
    relay.push(pseudonym, 'reward', rewardJws);
    relay.push(pseudonym, 'offer', offerJws);
    const early = await inbox.sync();
    expect(early).toMatchObject({ rewards: 0, invalid: 0, deferred: 2 });
    expect(relay.items.get(pseudonym)).toHaveLength(2);
    expect(await inbox.offers()).toEqual([]);
    expect(await readLedger(store)).toEqual([]);
    clock.ms = t0 + 120_000;
    const later = await inbox.sync();
    expect(later).toMatchObject({ rewards: 1, deferred: 0 });
    expect(later.delivered).toHaveLength(1);
    expect(relay.items.get(pseudonym)).toEqual([]);
  });

  it('keeps the evidence of an offer fetched after it expired: hidden as expired, the violation drafted, the complaint accepted', async () => {
    await wallet.revoke(ch.company.id, 'all');
    clock.ms += 60_000;
    const short = { exp: nowS() + HOUR_MS / 1000, validUntil: nowS() + HOUR_MS / 1000 };
    const id = relay.push(pseudonym, 'offer', await offer(short, short));
    clock.ms += 2 * HOUR_MS;
    const result = await inbox.sync();
    expect(result.invalid).toBe(0);
    const o = await stored(id);
    expect(o.state).toBe('hidden');
    expect(reasonsOf(o)).toEqual(expect.arrayContaining(['grant_not_covered', 'offer_expired']));
    expect((await inbox.drafts()).map((d) => d.reasons)).toEqual([['after_revocation']]);
    expect((await inbox.submitComplaint(id)).state).toBe('submitted');
  });

  it('leaves an item signed with a key the registry does not list yet, and takes it once it does', async () => {
    const newKey = generateKeyPair((n) => crypto.getRandomValues(new Uint8Array(n)));
    relay.push(pseudonym, 'reward', await reward(50, {}, newKey));
    const id = relay.push(pseudonym, 'offer', await offer({}, {}, newKey));
    const before = await inbox.sync();
    expect(before).toMatchObject({ invalid: 0, deferred: 2, rewards: 0 });
    expect(relay.items.get(pseudonym)).toHaveLength(2);
    const jwk = publicJwk(newKey);
    Object.assign(ch.company, {
      keys: [
        ...ch.company.keys,
        {
          kid: thumbprint(jwk),
          jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
          addedAt: clock.ms,
          retiredAt: null,
          compromisedSince: null,
        },
      ],
    });
    const after = await inbox.sync();
    expect(after.rewards).toBe(1);
    expect(after.delivered.map((o) => o.id)).toEqual([id]);
  });

  it.each([
    ['retired before it signed', { retiredAt: -60 }, 'invalid'],
    ['retired after it signed', { retiredAt: 60 }, 'delivered'],
    ['compromised since before it signed', { compromisedSince: -60 }, 'invalid'],
    ['compromised only since after it signed', { compromisedSince: 60 }, 'delivered'],
  ] as const)(
    'judges an offer signed with a key %s as of its iat',
    async (_name, change, expected) => {
      const iat = nowS();
      const id = relay.push(pseudonym, 'offer', await offer());
      const [key, ...rest] = ch.company.keys;
      Object.assign(ch.company, {
        keys: [
          {
            ...key!,
            ...('retiredAt' in change ? { retiredAt: iat + change.retiredAt } : {}),
            ...('compromisedSince' in change
              ? { compromisedSince: iat + change.compromisedSince }
              : {}),
          },
          ...rest,
        ],
      });
      clock.ms += 120_000;
      const result = await inbox.sync();
      const o = await stored(id);
      expect(o.state).toBe(expected);
      if (expected === 'invalid') {
        expect(o.error).toBe('ERR_JWS_KID_UNKNOWN');
        expect(result.deferred).toBe(0);
        expect(relay.items.get(pseudonym)).toEqual([]);
      }
    },
  );

  it('keeps a reward that names another company or a grant outside the relationship out of the ledger, with its reason', async () => {
    const other = `co_${'A'.repeat(43)}`;
    const wrongIssuer = relay.push(pseudonym, 'reward', await reward(999, { iss: other }));
    const wrongGrant = relay.push(
      pseudonym,
      'reward',
      await reward(999, { grantSha256: sha256Of('a.b.c') }),
    );
    relay.push(pseudonym, 'reward', await reward(10));
    // The relationship was read from the clearinghouse after the relay took them.
    clock.ms += 60_000;
    readAt = clock.now();
    const result = await inbox.sync();
    expect(result).toMatchObject({ rewards: 1, invalid: 2 });
    expect((await readLedger(store)).map((e) => [e.company, e.content.amount])).toEqual([
      [ch.company.id, 10],
    ]);
    expect((await inbox.rejectedRewards()).map((r) => [r.id, r.error])).toEqual([
      [wrongIssuer, 'ERR_MESSAGE_ISSUER_MISMATCH'],
      [wrongGrant, 'ERR_GRANT_UNKNOWN'],
    ]);
    // Taken (acknowledged) and recognised when fetched again.
    expect(relay.items.get(pseudonym)).toEqual([]);
  });
});

describe('complaints under way', () => {
  it.each([
    ['a second later', 1000],
    ['after the first token expired', 10 * 60_000],
  ])(
    'sends the same signed complaint again after a lost answer (%s), so the clearinghouse holds one',
    async (_name, wait) => {
      const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
      await inbox.sync();
      const original = relay.submitComplaint.bind(relay);
      let lose = true;
      relay.submitComplaint = async (jws: string) => {
        // Written to the vault before it is sent.
        expect((await readDrafts(store))[0]!.jws).toBe(jws);
        const answer = await original(jws);
        if (lose) {
          lose = false;
          throw new TypeError('network dropped'); // stored at the clearinghouse, answer lost
        }
        return answer;
      };
      expect(await codeOf(() => inbox.submitComplaint(id, 'Keine Kennzeichnung.'))).toBe(
        'ERR_CLEARINGHOUSE_UNREACHABLE',
      );
      expect((await inbox.drafts())[0]).toMatchObject({
        state: 'draft',
        error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
        comment: 'Keine Kennzeichnung.',
      });
      clock.ms += wait;
      const done = await inbox.submitComplaint(id);
      expect(done.state).toBe('submitted');
      expect(done.jws).toBeUndefined();
      expect(relay.complaints).toHaveLength(1);
      expect(new Set(relay.complaintSends)).toEqual(new Set(relay.complaints));
      expect(done.sha256).toBe(sha256Of(relay.complaints[0]!));
    },
  );

  it('signs anew, with the same comment, only when the complaint under way expired unheard', async () => {
    const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    await inbox.sync();
    relay.complaintsDown = true;
    await codeOf(() => inbox.submitComplaint(id, 'Bitte prüfen.'));
    const pending = (await inbox.drafts())[0]!.jws;
    relay.complaintsDown = false;
    clock.ms += 10 * 60_000;
    expect((await inbox.submitComplaint(id)).state).toBe('submitted');
    expect(relay.complaints).toHaveLength(1);
    expect(relay.complaints[0]).not.toBe(pending);
    const payload = JSON.parse(utf8Decode(base64urlDecode(relay.complaints[0]!.split('.')[1]!)));
    expect(payload.comment).toBe('Bitte prüfen.');
  });

  it('keeps trying an automatically submitted complaint on later syncs until it is answered', async () => {
    await inbox.setAutoSubmit(true);
    relay.complaintsDown = true;
    const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    expect((await inbox.sync()).drafts).toBe(1);
    const [waiting] = await inbox.drafts();
    expect(waiting).toMatchObject({ id, state: 'draft', error: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    expect(waiting!.jws).toBeDefined();
    await inbox.sync();
    expect((await inbox.drafts())[0]!.state).toBe('draft');
    relay.complaintsDown = false;
    await inbox.sync();
    expect((await inbox.drafts())[0]).toMatchObject({ id, state: 'submitted' });
    expect(relay.complaints).toEqual([waiting!.jws]);
  });

  it('ends the attempt on a refusal and does not send the refused complaint again', async () => {
    const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    await inbox.sync();
    relay.submitComplaint = async () => {
      throw new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' });
    };
    expect(await codeOf(() => inbox.submitComplaint(id))).toBe('ERR_EVIDENCE_INVALID');
    const [draft] = await inbox.drafts();
    expect(draft).toMatchObject({ state: 'draft', error: 'ERR_EVIDENCE_INVALID' });
    expect(draft!.jws).toBeUndefined();
  });
});

describe('the customer’s own complaint about an offer', () => {
  /** The complaint's payload as the clearinghouse received it. */
  const payloadOf = (jws: string) =>
    JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Payload<'complaint'>;
  /** Everything the vault holds, as stored. */
  const vaultCopy = () =>
    JSON.stringify([...store.tables].map(([name, table]) => [name, [...table]]));
  const submits = () => relay.calls.filter((c) => c === 'submitComplaint').length;

  it('signs a complaint about a delivered offer with the reason, the comment and the offer the customer read, and submits it', async () => {
    const id = relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    const [read] = await inbox.offers();
    expect(read).toMatchObject({ id, state: 'delivered' });
    expect(await inbox.drafts()).toEqual([]);
    const done = await inbox.complain(id, 'misleading', '  Der Schuh wiegt das Doppelte.  ');
    expect(done).toMatchObject({ id, state: 'submitted', reasons: ['misleading'] });
    expect(relay.complaints).toHaveLength(1);
    expect(done.sha256).toBe(sha256Of(relay.complaints[0]!));
    const payload = payloadOf(relay.complaints[0]!);
    expect(payload).toMatchObject({
      iss: pseudonym,
      aud: clearinghouseOrigin,
      company: ch.company.id,
      reasons: ['misleading'],
      comment: 'Der Schuh wiegt das Doppelte.',
    });
    expect(payload.evidence).toEqual([{ kind: 'offer-content', jws: read!.inner }]);
    // Listed where the view lists complaints, as submitted.
    expect(await inbox.drafts()).toEqual([done]);
  });

  it('refuses a second complaint about the same offer without signing one, whether under way or submitted', async () => {
    const id = relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    relay.complaintsDown = true;
    expect(await codeOf(() => inbox.complain(id, 'undisclosed_data'))).toBe(
      'ERR_CLEARINGHOUSE_UNREACHABLE',
    );
    // Signed and written before it was sent: under way, sent again as it is.
    const [pending] = await inbox.drafts();
    expect(pending).toMatchObject({ id, state: 'draft', reasons: ['undisclosed_data'] });
    expect(pending!.jws).toBeDefined();
    const before = vaultCopy();
    const tries = submits();
    expect(await codeOf(() => inbox.complain(id, 'other', 'Noch etwas.'))).toBe(
      'ERR_COMPLAINT_DUPLICATE',
    );
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(tries);
    relay.complaintsDown = false;
    await inbox.sync();
    expect((await inbox.drafts())[0]).toMatchObject({ id, state: 'submitted' });
    expect(relay.complaints).toEqual([pending!.jws]);
    const submitted = vaultCopy();
    expect(await codeOf(() => inbox.complain(id, 'misleading'))).toBe('ERR_COMPLAINT_DUPLICATE');
    expect(vaultCopy()).toBe(submitted);
    expect(relay.complaintSends).toEqual([pending!.jws]);
  });

  it('refuses an offer it does not hold and writes nothing', async () => {
    relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    const before = vaultCopy();
    expect(await codeOf(() => inbox.complain(sha256Of('no.such.offer'), 'misleading'))).toBe(
      'ERR_RESOURCE_NOT_FOUND',
    );
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(0);
  });

  it.each([
    ['other without a comment', 'other', undefined],
    ['other with only spaces', 'other', '   '],
    ['a reason the filter gives', 'wrong_channel', 'Per SMS.'],
    ['a comment longer than a complaint carries', 'misleading', 'x'.repeat(2001)],
    ['a comment with a text-direction character', 'misleading', 'Preis \u202e0'],
  ])('refuses %s and writes nothing', async (_name, reason, comment) => {
    const id = relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    const before = vaultCopy();
    expect(await codeOf(() => inbox.complain(id, reason as 'other', comment))).toBe(
      'ERR_MESSAGE_INVALID',
    );
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(0);
  });

  it('refuses an offer whose company signature did not check out: no evidence is kept', async () => {
    const good = await offer();
    const [h, p, sig] = good.split('.');
    const altered = JSON.parse(utf8Decode(base64urlDecode(p!))) as Record<string, unknown>;
    const tampered = `${h}.${base64urlEncode(new TextEncoder().encode(JSON.stringify({ ...altered, channel: 'sms' })))}.${sig}`;
    const id = relay.push(pseudonym, 'offer', tampered);
    await inbox.sync();
    expect(await stored(id)).toMatchObject({ state: 'invalid', inner: null });
    const before = vaultCopy();
    expect(await codeOf(() => inbox.complain(id, 'misleading'))).toBe('ERR_EVIDENCE_INVALID');
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(0);
  });

  it('adds the reason to the filter’s unsent draft of the offer, keeps its evidence, and submits it', async () => {
    const id = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    await inbox.sync();
    const [draft] = await inbox.drafts();
    expect(draft).toMatchObject({ id, state: 'draft', reasons: ['missing_advertisement_label'] });
    const done = await inbox.complain(id, 'misleading');
    expect(done).toMatchObject({
      state: 'submitted',
      reasons: ['missing_advertisement_label', 'misleading'],
      evidence: draft!.evidence,
    });
    const payload = payloadOf(relay.complaints[0]!);
    expect(payload.reasons).toEqual(['missing_advertisement_label', 'misleading']);
    expect(payload.evidence).toEqual(draft!.evidence);
    expect(payload.comment).toBeUndefined();
    expect(await inbox.drafts()).toHaveLength(1);
  });

  it('cites the signed outer offer of one whose content did not parse, in place of the draft the customer discarded', async () => {
    const id = relay.push(pseudonym, 'offer', await offer({ drop: ['unsubscribe'] }));
    await inbox.sync();
    const o = await stored(id);
    await inbox.discardComplaint(id);
    const done = await inbox.complain(id, 'other', 'Kein Impressum.');
    expect(done).toMatchObject({ state: 'submitted', reasons: ['other'] });
    expect(payloadOf(relay.complaints[0]!)).toMatchObject({
      reasons: ['other'],
      comment: 'Kein Impressum.',
      evidence: [{ kind: 'offer', jws: o.outer }],
    });
    expect(await inbox.drafts()).toHaveLength(1);
  });

  it('is a request the background parses, with a reason the customer gives and a bounded comment', () => {
    const id = sha256Of('an.offer.x');
    const request = { type: 'offers.complain', id, reason: 'misleading', comment: 'Falsch.' };
    expect(parseRequest(request)).toEqual(request);
    expect(parseRequest({ type: 'offers.complain', id, reason: 'other' })).toMatchObject({
      reason: 'other',
    });
    for (const wrong of [
      { ...request, reason: 'request_unanswered' },
      { ...request, reason: 'wrong_channel' },
      { ...request, comment: 'x'.repeat(2001) },
      { ...request, comment: '' },
      { ...request, id: 'not-an-id' },
      { ...request, extra: true },
    ])
      expect(() => parseRequest(wrong)).toThrow(/Malformed/);
  });
});

describe('the customer’s own complaint about a disclosure', () => {
  /** The complaint's payload as the clearinghouse received it. */
  const payloadOf = (jws: string) =>
    JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Payload<'complaint'>;
  /** Everything the vault holds, as stored. */
  const vaultCopy = () =>
    JSON.stringify([...store.tables].map(([name, table]) => [name, [...table]]));
  const submits = () => relay.calls.filter((c) => c === 'submitComplaint').length;
  /** A holding the customer never gave: an address bought from a broker, kept for ten years. */
  const bought = {
    dataCategory: 'address' as const,
    sources: ['broker' as const],
    purposes: ['product_launch' as const],
    retentionDays: 3650,
    recipients: [{ name: 'Adresshandel AG', country: 'DE' }],
  };

  /**
   * A disclosure of the company to the customer, an hour old (its transport window long past),
   * as the wallet opened it on a refresh; its hash and the company's signed message.
   */
  async function disclosed(signer?: Ed25519KeyPair): Promise<{ sha256: string; jws: string }> {
    const sha = await ch.addDisclosure(pseudonym, nowS() - 3600, { holdings: [bought] }, signer);
    await wallet.refreshCompany(ch.company.id);
    const jws = ch.disclosures.get(pseudonym)!.find((d) => d.sha256 === sha)!.jws;
    return { sha256: sha, jws };
  }

  it('signs a complaint with the disclosure as the company signed it, the reasons and the comment, and the clearinghouse takes it', async () => {
    const d = await disclosed();
    const done = await inbox.complainAboutDisclosure(
      ch.company.id,
      d.sha256,
      ['not_covered', 'unlawful_onward_transfer'],
      '  Ich habe nie eine Adresse angegeben.  ',
    );
    expect(done).toMatchObject({
      id: d.sha256,
      about: 'disclosure',
      company: ch.company.id,
      pseudonym,
      state: 'submitted',
      reasons: ['not_covered', 'unlawful_onward_transfer'],
    });
    expect(done.jws).toBeUndefined();
    // The clearinghouse (FakeRelay) verified the evidence as the company's, as of its iat.
    expect(relay.complaints).toHaveLength(1);
    expect(done.sha256).toBe(sha256Of(relay.complaints[0]!));
    expect(payloadOf(relay.complaints[0]!)).toMatchObject({
      iss: pseudonym,
      aud: clearinghouseOrigin,
      company: ch.company.id,
      reasons: ['not_covered', 'unlawful_onward_transfer'],
      comment: 'Ich habe nie eine Adresse angegeben.',
      evidence: [{ kind: 'disclosure', jws: d.jws }],
    });
    // Listed where the customer's complaints are: the drafts (the offers view's "Complaints")
    // and the clearinghouse's "my data" page, as open.
    expect(await inbox.drafts()).toEqual([done]);
    const [item] = customerView(
      (await wallet.list()).items,
      clock.now(),
      await readViewExtras(store),
    );
    expect(item!.complaintHistory).toEqual([
      expect.objectContaining({
        sha256: done.sha256,
        state: 'open',
        reasons: ['not_covered', 'unlawful_onward_transfer'],
      }),
    ]);
  });

  it('refuses a second complaint about the same disclosure, under way or submitted, without signing or writing anything; the next sync sends the one under way', async () => {
    const d = await disclosed();
    relay.complaintsDown = true;
    expect(
      await codeOf(() => inbox.complainAboutDisclosure(ch.company.id, d.sha256, ['misleading'])),
    ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    // Signed and written before it was sent: under way, sent again as it is.
    const [pending] = await inbox.drafts();
    expect(pending).toMatchObject({
      id: d.sha256,
      about: 'disclosure',
      state: 'draft',
      error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    expect(pending!.jws).toBeDefined();
    const before = vaultCopy();
    const tries = submits();
    expect(
      await codeOf(() =>
        inbox.complainAboutDisclosure(ch.company.id, d.sha256, ['other'], 'Noch etwas.'),
      ),
    ).toBe('ERR_COMPLAINT_DUPLICATE');
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(tries);
    relay.complaintsDown = false;
    await inbox.sync();
    expect((await inbox.drafts())[0]).toMatchObject({ id: d.sha256, state: 'submitted' });
    expect(relay.complaints).toEqual([pending!.jws]);
    const submitted = vaultCopy();
    expect(
      await codeOf(() => inbox.complainAboutDisclosure(ch.company.id, d.sha256, ['misleading'])),
    ).toBe('ERR_COMPLAINT_DUPLICATE');
    expect(vaultCopy()).toBe(submitted);
    expect(relay.complaintSends).toEqual([pending!.jws]);
  });

  it('keeps the refusal of evidence the clearinghouse does not take with the draft, not under way, and a later try signs anew', async () => {
    const d = await disclosed();
    const original = relay.submitComplaint.bind(relay);
    relay.submitComplaint = async () => {
      throw new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' });
    };
    expect(
      await codeOf(() => inbox.complainAboutDisclosure(ch.company.id, d.sha256, ['not_covered'])),
    ).toBe('ERR_EVIDENCE_INVALID');
    const [refused] = await inbox.drafts();
    expect(refused).toMatchObject({ state: 'draft', error: 'ERR_EVIDENCE_INVALID' });
    expect(refused!.jws).toBeUndefined();
    expect(refused!.exp).toBeUndefined();
    relay.submitComplaint = original;
    const done = await inbox.complainAboutDisclosure(ch.company.id, d.sha256, ['misleading']);
    expect(done).toMatchObject({ state: 'submitted', reasons: ['not_covered', 'misleading'] });
    expect(done.error).toBeUndefined();
    expect(relay.complaints).toHaveLength(1);
    expect(await inbox.drafts()).toHaveLength(1);
  });

  it.each([
    ['a reason about offers', ['wrong_channel'], undefined],
    ['a reason the clearinghouse finds by itself', ['request_unanswered'], undefined],
    ['no reason', [], undefined],
    ['a reason twice', ['misleading', 'misleading'], undefined],
    ['other without a comment', ['other'], undefined],
    ['other with only spaces', ['not_covered', 'other'], '   '],
    ['a comment longer than a complaint carries', ['misleading'], 'x'.repeat(2001)],
  ])('refuses %s and writes nothing', async (_name, reasons, comment) => {
    const d = await disclosed();
    const before = vaultCopy();
    expect(
      await codeOf(() =>
        inbox.complainAboutDisclosure(ch.company.id, d.sha256, reasons as ['other'], comment),
      ),
    ).toBe('ERR_MESSAGE_INVALID');
    expect(vaultCopy()).toBe(before);
    expect(submits()).toBe(0);
  });

  it('refuses a disclosure it does not keep, one that did not verify, one whose kept bytes changed, and a company without a relationship, and writes nothing', async () => {
    const good = await disclosed();
    const forged = await disclosed(generateKeyPair(testRandomBytes));
    const record = (await wallet.list()).items[0]!;
    expect(record.openedDisclosures.find((o) => o.sha256 === forged.sha256)?.state).toBe('invalid');
    const before = vaultCopy();
    const complain = (company: string, sha: string) =>
      codeOf(() => inbox.complainAboutDisclosure(company, sha, ['misleading']));
    expect(await complain(ch.company.id, sha256Of('no.such.disclosure'))).toBe(
      'ERR_DISCLOSURE_UNKNOWN',
    );
    expect(await complain(ch.company.id, forged.sha256)).toBe('ERR_EVIDENCE_INVALID');
    expect(await complain(`co_${'A'.repeat(43)}`, good.sha256)).toBe('ERR_PSEUDONYM_UNKNOWN');
    expect(vaultCopy()).toBe(before);
    // The vault's copy altered since it was opened: not the bytes that verified.
    await store.put('relationships', pseudonym, {
      ...record,
      disclosures: record.disclosures.map((x) =>
        x.sha256 === good.sha256 ? { ...x, jws: forged.jws } : x,
      ),
    });
    const altered = vaultCopy();
    expect(await complain(ch.company.id, good.sha256)).toBe('ERR_EVIDENCE_INVALID');
    expect(vaultCopy()).toBe(altered);
    expect(submits()).toBe(0);
  });

  it('is a request the background parses, with reasons fitting a disclosure and a bounded comment', () => {
    const request = {
      type: 'relationships.complain',
      company: ch.company.id,
      disclosure: sha256Of('a.disclosure.x'),
      reasons: ['not_covered', 'other'],
      comment: 'Zu lange gespeichert.',
    };
    expect(parseRequest(request)).toEqual(request);
    const { comment: _comment, ...withoutComment } = request;
    expect(parseRequest({ ...withoutComment, reasons: ['misleading'] })).toMatchObject({
      reasons: ['misleading'],
    });
    for (const wrong of [
      { ...request, reasons: [] },
      { ...request, reasons: ['misleading', 'misleading'] },
      { ...request, reasons: ['wrong_channel'] },
      { ...request, reasons: ['request_unanswered'] },
      { ...request, reasons: 'misleading' },
      { ...request, comment: 'x'.repeat(2001) },
      { ...request, comment: '' },
      { ...request, disclosure: 'not-a-hash' },
      { ...request, company: 'ps_nobody' },
      { ...request, extra: true },
    ])
      expect(() => parseRequest(wrong)).toThrow(/Malformed/);
  });
});

describe('relay items that are malformed', () => {
  it.each([
    ['an id that is not the hash of its JWS', { id: 'A'.repeat(43) }],
    ['an id that is no hash at all', { id: 'not-a-sha' }],
    ['a receivedAt that is not a number', { receivedAt: Number.NaN }],
    ['a negative receivedAt', { receivedAt: -1 }],
    ['a receivedAt in text', { receivedAt: '5' }],
    ['an infinite receivedAt', { receivedAt: Number.POSITIVE_INFINITY }],
    ['a JWS that is not text', { jws: 42 }],
  ])(
    'skips an item with %s, leaves it in the inbox, and keeps the stored offers readable',
    async (_name, change) => {
      relay.push(pseudonym, 'offer', await offer());
      const list = relay.items.get(pseudonym)!;
      list[0] = { ...list[0]!, ...(change as object) } as InboxItem;
      const good = relay.push(pseudonym, 'offer', await offer({ title: 'Gut' }));
      const result = await inbox.sync();
      expect(result).toMatchObject({ deferred: 1, invalid: 0 });
      expect(result.delivered.map((o) => o.id)).toEqual([good]);
      expect((await inbox.view('en', false)).map((v) => v.offer.id)).toEqual([good]);
      // The good one is acknowledged by its id; the malformed one waits.
      expect(relay.items.get(pseudonym)).toEqual([list[0]]);
      expect((await inbox.sync()).duplicates).toBe(0);
      expect(await inbox.offers()).toHaveLength(1);
    },
  );
});

describe('one write per sync', () => {
  it('keeps the draft of a violation when the vault locks during a sync', async () => {
    relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    relay.push(pseudonym, 'reward', await reward(5));
    let writes = 0;
    const put = store.put.bind(store);
    const putMany = store.putMany.bind(store);
    const lockAfterFirst = () => {
      writes++;
      if (writes > 1) store.locked = true;
    };
    store.put = async (table, id, value) => (lockAfterFirst(), put(table, id, value));
    store.putMany = async (table, items) => (lockAfterFirst(), putMany(table, items));
    await codeOf(() => inbox.sync());
    store.locked = false;
    store.put = put;
    store.putMany = putMany;
    await inbox.sync();
    expect((await inbox.drafts()).map((d) => d.reasons)).toEqual([['missing_advertisement_label']]);
    expect(await readLedger(store)).toHaveLength(1);
    expect(await inbox.offers()).toHaveLength(1);
  });
});

describe('a backup restored during a sync', () => {
  /** Three offers, the middle one malformed: acknowledged through the first, then the last by id. */
  async function threeOffers(): Promise<void> {
    relay.push(pseudonym, 'offer', await offer({ title: 'Eins' }));
    relay.push(pseudonym, 'offer', await offer({ title: 'Zwei' }));
    relay.push(pseudonym, 'offer', await offer({ title: 'Drei' }));
    const list = relay.items.get(pseudonym)!;
    list[1] = { ...list[1]!, jws: 42 } as unknown as InboxItem;
  }

  it.each([
    ['once the fetched items were stored', 'stored', 0, 3],
    ['during the first acknowledgement', 'acknowledged', 1, 2],
  ] as const)(
    'acknowledges nothing more when the records were replaced %s: the relay keeps the items for the restored vault',
    async (_when, flipWhen, acks, left) => {
      await threeOffers();
      const putMany = store.putMany.bind(store);
      const ackInbox = relay.ackInbox.bind(relay);
      if (flipWhen === 'stored')
        store.putMany = async (table, items) => {
          await putMany(table, items);
          store.replaced = true;
        };
      else
        relay.ackInbox = async (signer, what) => {
          const answer = await ackInbox(signer, what);
          store.replaced = true;
          return answer;
        };
      expect(await codeOf(() => inbox.sync())).toBe('ERR_VAULT_REPLACED');
      expect(relay.acks).toBe(acks);
      expect(relay.items.get(pseudonym)).toHaveLength(left);
    },
  );

  it('ends with ERR_VAULT_REPLACED, not a result, when the records were replaced during the last acknowledgement', async () => {
    // A complaint submitted at once: stored with the offer, sent after the acknowledgements.
    await inbox.setAutoSubmit(true);
    relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
    const ackInbox = relay.ackInbox.bind(relay);
    relay.ackInbox = async (signer, what) => {
      const answer = await ackInbox(signer, what);
      store.replaced = true;
      return answer;
    };
    expect(await codeOf(() => inbox.sync())).toBe('ERR_VAULT_REPLACED');
    expect(relay.acks).toBe(1);
    expect(relay.complaintSends).toEqual([]);
  });
});

describe('a clearinghouse out of reach', () => {
  const otherCompany = `co_${'B'.repeat(43)}`;

  /** An inbox over the wallet's relationship and a second one, with another company. */
  function twoCompanies(): OfferInbox {
    return companiesInOrder(['wallet', otherCompany]);
  }

  it('asks the registry nothing more after a request that got no answer', async () => {
    relay.offline = true;
    const result = await twoCompanies().sync();
    expect(result.failed).toHaveLength(2);
    expect(relay.calls).toEqual(['getCompany']);
  });

  it('reads no further inbox after two in a row got no answer, and synces the rest next time', async () => {
    const [b, c] = [`co_${'B'.repeat(43)}`, `co_${'C'.repeat(43)}`];
    for (const id of [b, c]) relay.aliases.set(id, { ...ch.company, id });
    relay.inboxDown = true;
    const result = await companiesInOrder([b, c, 'wallet']).sync();
    expect(result.failed).toHaveLength(3);
    expect(relay.calls).toEqual([
      'getCompany',
      'getCompany',
      'getCompany',
      'fetchInbox',
      'fetchInbox',
    ]);
    relay.inboxDown = false;
    relay.push(pseudonym, 'offer', await offer());
    expect((await companiesInOrder([b, c, 'wallet']).sync()).delivered).toHaveLength(1);
  });
});

/**
 * An inbox over relationships with the companies `ids` in this order: `'wallet'` is the wallet's
 * own relationship, any other id a copy of it with that company (and a pseudonym of its own).
 */
function companiesInOrder(ids: readonly string[]): OfferInbox {
  return new OfferInbox({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: relay,
    clearinghouseOrigin,
    masterSeed: async () => seed,
    relationships: async () => {
      const [r] = (await wallet.list()).items;
      return ids.map((id) =>
        id === 'wallet'
          ? r!
          : { ...r!, pseudonym: `ps_${id.slice(3)}`, company: { ...r!.company, id } },
      );
    },
    profile: async () => profile,
    blacklist: async () => blacklist,
  });
}

describe('an inbox that does not answer in time', () => {
  const [b, c] = [`co_${'B'.repeat(43)}`, `co_${'C'.repeat(43)}`];
  /** The pseudonym the inbox reads for company `id`. */
  const inboxOf = async (id: string) => (await companyIdentity(seed, id)).pseudonym;
  beforeEach(() => {
    for (const id of [b, c]) relay.aliases.set(id, { ...ch.company, id });
  });

  it('costs only itself: the other inboxes are read, stored and acknowledged, sync after sync', async () => {
    relay.slow.set(await inboxOf(b), 0);
    for (let n = 0; n < 3; n++) {
      clock.ms += HOUR_MS;
      const id = relay.push(pseudonym, 'offer', await offer({ title: `Nr. ${n}` }));
      const result = await companiesInOrder([b, 'wallet']).sync();
      expect(result.failed).toEqual([`ps_${b.slice(3)}`]);
      expect((await inbox.offers()).map((o) => o.id)).toContain(id);
      expect(relay.items.get(pseudonym)).toEqual([]);
    }
    expect(await inbox.offers()).toHaveLength(3);
    // A page of 20, then one item at a time, then given up for this sync.
    expect(relay.reads.filter((r) => r.id !== pseudonym).map((r) => r.limit)).toEqual([
      20, 1, 20, 1, 20, 1,
    ]);
  });

  it('acknowledges what it stored even when the inboxes after it got no answer', async () => {
    relay.unanswered.add(await inboxOf(b));
    relay.unanswered.add(await inboxOf(c));
    const id = relay.push(pseudonym, 'offer', await offer());
    const result = await companiesInOrder(['wallet', b, c]).sync();
    expect(result.delivered.map((o) => o.id)).toEqual([id]);
    expect(result.failed).toHaveLength(2);
    expect(relay.items.get(pseudonym)).toEqual([]);
  });

  it('reads the inboxes that failed last time after the others, so they cannot starve them', async () => {
    relay.unanswered.add(await inboxOf(b));
    relay.unanswered.add(await inboxOf(c));
    const order = [b, c, 'wallet'];
    expect((await companiesInOrder(order).sync()).failed).toHaveLength(3);
    const id = relay.push(pseudonym, 'offer', await offer());
    relay.reads = [];
    const result = await companiesInOrder(order).sync();
    expect(result.delivered.map((o) => o.id)).toEqual([id]);
    expect(relay.reads.map((r) => r.id)).toEqual([pseudonym, await inboxOf(b), await inboxOf(c)]);
    // Read once more: off the list, back in its place.
    relay.unanswered.clear();
    await companiesInOrder(order).sync();
    relay.reads = [];
    await companiesInOrder(order).sync();
    expect(relay.reads.map((r) => r.id)).toEqual([await inboxOf(b), await inboxOf(c), pseudonym]);
  });

  it.each([
    ['asks for pages of 20', Number.POSITIVE_INFINITY, 25, [20, 20]],
    ['asks one item at a time after a page that timed out', 1, 3, [20, 1, 1, 1, 1]],
  ])('%s', async (_name, fits, count, limits) => {
    relay.slow.set(pseudonym, fits);
    const ids: string[] = [];
    for (let n = 0; n < count; n++)
      ids.push(relay.push(pseudonym, 'offer', await offer({ title: `Nr. ${n}` })));
    const result = await inbox.sync();
    expect(relay.reads.map((r) => r.limit)).toEqual(limits);
    expect(result.failed).toEqual([]);
    expect((await inbox.offers()).map((o) => o.id).sort()).toEqual([...ids].sort());
    expect(relay.items.get(pseudonym)).toEqual([]);
  });
});

describe('records beside the offers that cannot be read', () => {
  it.each([
    ['does not authenticate', () => store.damage('profile', 'complaints')],
    ['does not parse', () => store.put('profile', 'complaints', { v: 1, drafts: 'damaged' })],
  ])(
    'stores and acknowledges everything when the drafts record %s, counts the drafts not kept, and leaves the record as it is',
    async (_name, damage) => {
      await writeDrafts(store, []);
      await damage();
      const before = store.tables.get('profile')!.get('complaints');
      const bad = relay.push(pseudonym, 'offer', await offer({ advertisement: false }));
      const good = relay.push(pseudonym, 'offer', await offer({ title: 'Gut' }));
      const result = await inbox.sync();
      expect(result).toMatchObject({ drafts: 0, draftsNotKept: 1 });
      expect(result.delivered.map((o) => o.id)).toEqual([good]);
      expect(reasonsOf(await stored(bad))).toContain('advertisement_label_missing');
      expect(relay.items.get(pseudonym)).toEqual([]);
      expect(store.tables.get('profile')!.get('complaints')).toBe(before);
    },
  );

  it.each([
    ['does not authenticate', () => store.damage('profile', 'rejected-rewards')],
    ['does not parse', () => store.put('profile', 'rejected-rewards', { v: 1, items: 'damaged' })],
  ])(
    'leaves a rejected reward in the inbox when the rejected-rewards record %s, and the record as it is',
    async (_name, damage) => {
      await store.put('profile', 'rejected-rewards', { v: 1, items: [] });
      await damage();
      const before = store.tables.get('profile')!.get('rejected-rewards');
      const wrong = relay.push(
        pseudonym,
        'reward',
        await reward(999, { iss: `co_${'A'.repeat(43)}` }),
      );
      relay.push(pseudonym, 'reward', await reward(10));
      const result = await inbox.sync();
      expect(result).toMatchObject({ rewards: 1, invalid: 0, deferred: 1 });
      expect(relay.items.get(pseudonym)!.map((i) => i.id)).toEqual([wrong]);
      expect(store.tables.get('profile')!.get('rejected-rewards')).toBe(before);
      // Once the record can take it, it is rejected with its reason and taken.
      store.damagedIds.clear();
      await store.put('profile', 'rejected-rewards', { v: 1, items: [] });
      expect(await inbox.sync()).toMatchObject({ invalid: 1, deferred: 0 });
      expect((await inbox.rejectedRewards()).map((r) => r.id)).toEqual([wrong]);
      expect(relay.items.get(pseudonym)).toEqual([]);
    },
  );
});

describe('a grant the vault’s copy of the relationship does not hold', () => {
  let newGrant: string;
  beforeEach(() => {
    newGrant = sha256Of('a.new.grant');
  });

  /** The inbox over a relationship whose copy also holds `newGrant` once `refreshed`. */
  function withNewGrant(refreshed: () => boolean): OfferInbox {
    return new OfferInbox({
      store,
      clock,
      randomBytes: testRandomBytes,
      clearinghouse: relay,
      clearinghouseOrigin,
      masterSeed: async () => seed,
      relationships: async () =>
        (await wallet.list()).items.map((r) =>
          refreshed() ? { ...r, grants: [...r.grants, { ...r.grants[0]!, sha256: newGrant }] } : r,
        ),
      profile: async () => profile,
      blacklist: async () => blacklist,
      relationshipReadAt: () => readAt,
    });
  }

  it.each([
    ['no refresh in this sync', () => null],
    ['a refresh before the relay took it', () => clock.now() - 1000],
    ['a refresh within the clocks’ skew of it', () => clock.now() + 30_000],
  ])('leaves a reward under it in the inbox after %s', async (_name, at) => {
    const id = relay.push(pseudonym, 'reward', await reward(5, { grantSha256: newGrant }));
    readAt = at();
    expect(await inbox.sync()).toMatchObject({ rewards: 0, invalid: 0, deferred: 1 });
    expect(relay.items.get(pseudonym)!.map((i) => i.id)).toEqual([id]);
    expect(await inbox.rejectedRewards()).toEqual([]);
  });

  it('takes the reward once a refresh brings the grant (its answer was lost on the way)', async () => {
    let refreshed = false;
    relay.push(pseudonym, 'reward', await reward(5, { grantSha256: newGrant }));
    expect((await withNewGrant(() => refreshed).sync()).deferred).toBe(1);
    refreshed = true;
    clock.ms += 60_000;
    readAt = clock.now();
    expect(await withNewGrant(() => refreshed).sync()).toMatchObject({ rewards: 1, deferred: 0 });
    expect((await readLedger(store)).map((e) => e.grantSha256)).toEqual([newGrant]);
  });

  it('rejects the reward once a refresh after the relay took it still lacks the grant', async () => {
    const id = relay.push(pseudonym, 'reward', await reward(5, { grantSha256: newGrant }));
    clock.ms += 60_000;
    readAt = clock.now();
    expect(await inbox.sync()).toMatchObject({ invalid: 1, deferred: 0 });
    expect((await inbox.rejectedRewards()).map((r) => [r.id, r.error])).toEqual([
      [id, 'ERR_GRANT_UNKNOWN'],
    ]);
    expect(relay.items.get(pseudonym)).toEqual([]);
  });

  it('leaves an offer under it in the inbox, undrafted, until a refresh after the relay took it', async () => {
    const id = relay.push(
      pseudonym,
      'offer',
      await offer({ grantSha256: newGrant }, { grantSha256: newGrant }),
    );
    expect(await inbox.sync()).toMatchObject({ deferred: 1, drafts: 0 });
    expect(await inbox.offers()).toEqual([]);
    expect(relay.items.get(pseudonym)!.map((i) => i.id)).toEqual([id]);
    clock.ms += 60_000;
    readAt = clock.now();
    expect(await inbox.sync()).toMatchObject({ deferred: 0, drafts: 1 });
    expect(reasonsOf(await stored(id))).toContain('grant_missing');
  });
});

describe('what the vault keeps within its bounds', () => {
  const draft = (n: number, state: ComplaintDraft['state']) =>
    complaintDraftOf(context(), n, state);

  it('never drops an unsent draft to make room, and reports the ones it could not add', async () => {
    const unsent = Array.from({ length: maxComplaintDrafts }, (_, n) => draft(n, 'draft'));
    const added = draft(maxComplaintDrafts, 'draft');
    expect(await writeDrafts(store, [...unsent, added])).toEqual([added]);
    expect((await readDrafts(store)).map((d) => d.id)).toEqual(unsent.map((d) => d.id));
  });

  it('makes room with discarded drafts first, then the oldest submitted ones', async () => {
    const all = [
      ...Array.from({ length: 10 }, (_, n) => draft(n, 'submitted')),
      ...Array.from({ length: 5 }, (_, n) => draft(100 + n, 'discarded')),
      ...Array.from({ length: maxComplaintDrafts - 10 }, (_, n) => draft(1000 + n, 'draft')),
      ...Array.from({ length: 5 }, (_, n) => draft(5000 + n, 'draft')),
    ];
    expect(await writeDrafts(store, all)).toEqual([]);
    const kept = await readDrafts(store);
    expect(kept).toHaveLength(maxComplaintDrafts);
    expect(kept.filter((d) => d.state === 'draft')).toHaveLength(maxComplaintDrafts - 5);
    expect(kept.filter((d) => d.state === 'discarded')).toEqual([]);
    expect(kept.filter((d) => d.state === 'submitted').map((d) => d.createdAt)).toEqual([
      5, 6, 7, 8, 9,
    ]);
  });

  function storedOfferOf(n: number, state: StoredOffer['state'], seen: boolean): StoredOffer {
    return {
      id: sha256Of(`offer.${n}.x`),
      pseudonym,
      company: ch.company.id,
      outer: 'a.b.c',
      inner: null,
      offer: null,
      content: null,
      receivedAt: n * 1000,
      arrivedAt: n,
      decidedAt: n,
      state,
      decision: null,
      shownAnyway: false,
      seen,
    };
  }

  it('drops offers the customer has dealt with before unseen ones, and held ones last', () => {
    const held = storedOfferOf(0, 'held', false);
    const unseen = storedOfferOf(1, 'delivered', false);
    const seen = Array.from({ length: maxStoredOffers - 2 }, (_, n) =>
      storedOfferOf(2 + n, 'delivered', true),
    );
    const hidden = [storedOfferOf(5000, 'hidden', false), storedOfferOf(5001, 'hidden', false)];
    const kept = keptOffers([held, unseen, ...seen, ...hidden]);
    expect(kept).toHaveLength(maxStoredOffers);
    expect(kept).toContain(held);
    expect(kept).toContain(unseen);
    expect(kept).not.toContain(seen[0]);
    expect(kept).not.toContain(seen[1]);
  });

  /** `n` offers of `state` with outers of 200,000 characters (together beyond the size bound). */
  function largeOffers(from: number, n: number, state: StoredOffer['state'], seen: boolean) {
    return Array.from({ length: n }, (_, k) => ({
      ...storedOfferOf(from + k, state, seen),
      outer: `a.${'x'.repeat(200_000)}.c`,
    }));
  }
  const recordChars = (items: readonly StoredOffer[]) => JSON.stringify({ v: 1, items }).length;

  it('keeps the record within its size: what the customer dealt with goes first, held offers last', () => {
    const held = largeOffers(0, 10, 'held', false);
    const unseen = largeOffers(100, 10, 'delivered', false);
    const seen = largeOffers(200, 40, 'delivered', true);
    const hidden = largeOffers(300, 40, 'hidden', false);
    const kept = keptOffers([...held, ...unseen, ...seen, ...hidden]);
    expect(recordChars([...held, ...unseen, ...seen, ...hidden])).toBeGreaterThan(
      maxOffersRecordChars,
    );
    expect(recordChars(kept)).toBeLessThanOrEqual(maxOffersRecordChars);
    expect(kept).toEqual(expect.arrayContaining([...held, ...unseen]));
    // The oldest of the dealt-with ones went, the newest stayed.
    expect(kept).not.toContain(seen[0]);
    expect(kept).toContain(hidden.at(-1));
  });

  it('keeps held offers within the size too, the oldest going first', () => {
    const held = largeOffers(0, 100, 'held', false);
    const kept = keptOffers(held);
    expect(recordChars(kept)).toBeLessThanOrEqual(maxOffersRecordChars);
    expect(kept).toEqual(held.slice(held.length - kept.length));
  });

  it('writes an offers record within its size, and it reads again', async () => {
    await store.put(offersRecord.table, offersRecord.id, {
      v: 1,
      items: largeOffers(0, 90, 'delivered', true),
    });
    const id = relay.push(pseudonym, 'offer', await offer());
    await inbox.sync();
    expect(store.tables.get('profile')!.get('offers')!.length).toBeLessThanOrEqual(
      maxOffersRecordChars,
    );
    expect((await inbox.offers()).map((o) => o.id)).toContain(id);
  });

  it('keeps the rejected rewards within their size: the oldest go first, the newest stays', async () => {
    // 20 at 250,000 characters each: within the count, together past the size.
    const stored = Array.from({ length: 20 }, (_, n) => ({
      id: sha256Of(`rejected.${n}.x`),
      company: ch.company.id,
      pseudonym,
      jws: `a.${'x'.repeat(250_000)}.c`,
      error: 'ERR_JWS_SIGNATURE_INVALID',
      at: n,
    }));
    await store.put(rejectedRewardsRecord.table, rejectedRewardsRecord.id, {
      v: 1,
      items: stored,
    });
    const wrong = relay.push(
      pseudonym,
      'reward',
      await reward(999, { iss: `co_${'A'.repeat(43)}` }),
    );
    expect(await inbox.sync()).toMatchObject({ invalid: 1, deferred: 0 });
    expect(store.tables.get('profile')!.get(rejectedRewardsRecord.id)!.length).toBeLessThanOrEqual(
      maxRejectedRewardsChars,
    );
    const kept = (await inbox.rejectedRewards()).map((r) => r.id);
    expect(kept.at(-1)).toBe(wrong);
    expect(kept.length).toBeLessThan(stored.length);
    expect(kept.slice(0, -1)).toEqual(
      stored.slice(stored.length + 1 - kept.length).map((r) => r.id),
    );
  });

  it('stays within its bound even when every offer is held', () => {
    const all = Array.from({ length: maxStoredOffers + 1 }, (_, n) =>
      storedOfferOf(n, 'held', false),
    );
    const kept = keptOffers(all);
    expect(kept).toHaveLength(maxStoredOffers);
    expect(kept).not.toContain(all[0]);
  });
});

describe('complaint reasons in the catalog', () => {
  it.each(complaintReasons.flatMap((r) => (['de', 'en'] as const).map((l) => [r, l] as const)))(
    'names the reason %s in %s',
    (reason, locale) => {
      expect(t(locale, `extension.offers.complaint.reason.${reason}` as MessageKey)).not.toBe('');
    },
  );
});
