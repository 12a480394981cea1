import { describe, expect, it } from 'vitest';
import {
  ApiProblem,
  type BatchResult,
  type CompanyEntry,
  type Relationships,
  type RequestSigner,
} from '../../protocol/client';
import { sha256Of } from '../../protocol/jws';
import { companyId, keyPairFromSeed, pseudonym, publicJwk } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import {
  complaintsRecord,
  maxComplaintDrafts,
  readDrafts,
  signComplaint,
  type ComplaintDraft,
} from './complaints';
import { counterBytes, FakeStore } from './fakes';
import { companyIdentity, newIdentity, type CompanyIdentity } from './identity';
import type { RegistryPort, StoreTable } from './ports';
import { recoverRelationships } from './recovery';

const origin = 'http://localhost:3000';
const OFFER = 'eyJvZmZlciI.eyJpbm5lciI.c2lnbmVk';
const DISCLOSURE = 'eyJkaXNjbG9zdXJlIg.eyJoZWxkIg.c2lnbmVk';
const receivedAt = Date.UTC(2026, 10, 2, 9, 30, 15);
const iat = Math.floor(Date.UTC(2026, 10, 2, 9, 30) / 1000);

/** The full complaint `GET /api/v1/complaints/{sha256}` answers (docs/api.md "Complaint"). */
interface Held {
  sha256: string;
  jws: string;
  company: string;
  pseudonym: string;
  reasons: string[];
  receivedAt: number;
  decision: null;
}

/** A complaint of `identity` about `company`, signed with `signer`'s key (its own by default). */
async function complaintOf(
  identity: CompanyIdentity,
  evidence: ComplaintDraft['evidence'],
  options: { signer?: CompanyIdentity; comment?: string; at?: number } = {},
): Promise<Held> {
  const signer = options.signer ?? identity;
  const draft: ComplaintDraft = {
    id: 'A'.repeat(43),
    company: identity.company,
    pseudonym: signer.pseudonym,
    reasons: ['misleading'],
    evidence,
    createdAt: iat,
    state: 'draft',
  };
  const jws = await signComplaint(
    draft,
    signer.keyPair,
    { audience: origin, iat: options.at ?? iat, randomBytes: counterBytes() },
    options.comment,
  );
  return {
    sha256: sha256Of(jws),
    jws,
    company: identity.company,
    pseudonym: identity.pseudonym,
    reasons: ['misleading'],
    receivedAt,
    decision: null,
  };
}

/**
 * A clearinghouse holding one relationship of `identity`, which lists `listed` (summaries); the
 * full complaints are answered from `full` by sha256 (absent: 404), `unreachable` fails as the
 * network does. `fetched` records each complaint asked for.
 */
function clearinghouseWith(
  identity: CompanyIdentity,
  listed: readonly Held[],
  full: Map<string, Held>,
  unreachable: ReadonlySet<string> = new Set(),
): RegistryPort & { fetched: string[] } {
  const fetched: string[] = [];
  const relationships: Relationships = {
    pseudonym: identity.pseudonym,
    company: {
      id: identity.company,
      legalName: 'Beispiel GmbH',
      domain: 'https://shop.example',
      status: 'active',
    },
    requests: [],
    grants: [],
    refusals: [],
    revocations: [],
    complaints: listed.map((c) => ({
      sha256: c.sha256,
      company: c.company,
      reasons: c.reasons,
      receivedAt: c.receivedAt,
      decision: null,
    })),
  };
  return {
    fetched,
    listCompanies: async () => ({
      companies: [{ id: identity.company } as CompanyEntry],
      next: null,
    }),
    relationshipsBatch: async (signers: readonly RequestSigner[]) => ({
      results: signers.map((s): BatchResult =>
        s.id === identity.pseudonym
          ? { status: 200, pseudonym: s.id, relationships }
          : { status: 404, problem: { code: 'ERR_PSEUDONYM_UNKNOWN' } },
      ),
    }),
    getComplaint: async (signer, sha256) => {
      // Allowed for the complaining pseudonym, signed with its own key.
      if (!('keyPair' in signer) || pseudonym(publicJwk(signer.keyPair)) !== identity.pseudonym)
        throw new ApiProblem(403, { code: 'ERR_NOT_AUTHORISED' });
      fetched.push(sha256);
      if (unreachable.has(sha256)) throw new TypeError('Failed to fetch');
      const held = full.get(sha256);
      if (held === undefined) throw new ApiProblem(404, { code: 'ERR_COMPLAINT_UNKNOWN' });
      return held as unknown as Awaited<ReturnType<RegistryPort['getComplaint']>>;
    },
  };
}

async function customer(): Promise<{ identity: CompanyIdentity; seed: Uint8Array }> {
  await ready();
  const company = companyId(publicJwk(keyPairFromSeed(new Uint8Array(32).fill(3))));
  const { masterSeed } = newIdentity(counterBytes());
  return { identity: await companyIdentity(masterSeed, company), seed: masterSeed };
}

const byId = (list: readonly Held[]) => new Map(list.map((c) => [c.sha256, c]));

describe('recoverRelationships: the customer’s complaints', () => {
  it('restores a complaint as submitted, with its evidence, reasons, comment and times', async () => {
    const { identity, seed } = await customer();
    const aboutOffer = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }], {
      comment: 'Nie bestellt.',
    });
    const aboutDisclosure = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }], {
      at: iat + 60,
    });
    const listed = [aboutDisclosure, aboutOffer];
    const store = new FakeStore();
    const result = await recoverRelationships(
      seed,
      clearinghouseWith(identity, listed, byId(listed)),
      store,
      { clearinghouseOrigin: origin },
    );
    expect(result).toMatchObject({
      relationships: 1,
      complaints: 2,
      complaintsNotRestored: 0,
      rejectedComplaints: [],
    });
    const drafts = await readDrafts(store);
    expect(drafts).toEqual([
      {
        // Its evidence is the inner offer alone: no offer id to name, so its own hash.
        id: aboutOffer.sha256,
        company: identity.company,
        pseudonym: identity.pseudonym,
        reasons: ['misleading'],
        evidence: [{ kind: 'offer-content', jws: OFFER }],
        createdAt: iat,
        state: 'submitted',
        sha256: aboutOffer.sha256,
        submittedAt: Math.floor(receivedAt / 1000),
        comment: 'Nie bestellt.',
      },
      {
        id: sha256Of(DISCLOSURE),
        about: 'disclosure',
        company: identity.company,
        pseudonym: identity.pseudonym,
        reasons: ['misleading'],
        evidence: [{ kind: 'disclosure', jws: DISCLOSURE }],
        createdAt: iat + 60,
        state: 'submitted',
        sha256: aboutDisclosure.sha256,
        submittedAt: Math.floor(receivedAt / 1000),
      },
    ]);
  });

  it('rejects a complaint another key signed, and stores the others', async () => {
    const { identity, seed } = await customer();
    const stranger = await companyIdentity(new Uint8Array(32).fill(7), identity.company);
    const forged = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }], {
      signer: stranger,
    });
    const own = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
    const store = new FakeStore();
    const result = await recoverRelationships(
      seed,
      clearinghouseWith(identity, [forged, own], byId([forged, own])),
      store,
      { clearinghouseOrigin: origin },
    );
    expect(result).toMatchObject({ complaints: 1, complaintsNotRestored: 1 });
    expect(result.rejectedComplaints).toEqual([
      { company: identity.company, sha256: forged.sha256, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
    expect((await readDrafts(store)).map((d) => d.sha256)).toEqual([own.sha256]);
  });

  it('rejects a complaint whose token does not hash to the sha256 it is listed under', async () => {
    const { identity, seed } = await customer();
    const real = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
    const other = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
    // Listed under its own hash, answered with another of the customer's signed complaints.
    const swapped = new Map([[real.sha256, { ...other, sha256: real.sha256 }]]);
    const store = new FakeStore();
    const result = await recoverRelationships(
      seed,
      clearinghouseWith(identity, [real], swapped),
      store,
      { clearinghouseOrigin: origin },
    );
    expect(result).toMatchObject({ complaints: 0, complaintsNotRestored: 1 });
    expect(result.rejectedComplaints).toEqual([
      { company: identity.company, sha256: real.sha256, code: 'ERR_MESSAGE_INVALID' },
    ]);
    expect(await store.get(complaintsRecord.table, complaintsRecord.id)).toBeUndefined();
  });

  it('counts a complaint the clearinghouse no longer has, and restores the rest', async () => {
    const { identity, seed } = await customer();
    const gone = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
    const kept = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
    const ch = clearinghouseWith(identity, [gone, kept], byId([kept]));
    const store = new FakeStore();
    const result = await recoverRelationships(seed, ch, store, { clearinghouseOrigin: origin });
    expect(result).toMatchObject({
      relationships: 1,
      failed: [],
      complaints: 1,
      complaintsNotRestored: 1,
      rejectedComplaints: [],
    });
    expect(ch.fetched).toEqual([gone.sha256, kept.sha256]);
    expect((await readDrafts(store)).map((d) => d.sha256)).toEqual([kept.sha256]);
  });

  it.each([
    ['no answer', () => new TypeError('Failed to fetch')],
    ['a 503', () => new ApiProblem(503, { code: 'ERR_STORAGE_UNAVAILABLE' })],
    ['a 429', () => new ApiProblem(429, { code: 'ERR_RATE_LIMITED' })],
  ])(
    'stops out of reach at a complaint it cannot fetch for now (%s), keeping what it checked; asked again, it restores the rest',
    async (_, failure) => {
      const { identity, seed } = await customer();
      const first = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
      const offline = await complaintOf(identity, [{ kind: 'offer', jws: OFFER }]);
      const last = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
      const listed = [first, offline, last];
      const down = clearinghouseWith(identity, listed, byId(listed));
      const fetchNow = down.getComplaint.bind(down);
      down.getComplaint = async (signer, sha256) => {
        if (sha256 === offline.sha256) {
          down.fetched.push(sha256);
          throw failure();
        }
        return fetchNow(signer, sha256);
      };
      const store = new FakeStore();
      // Failed before: counted as "no longer kept" and never asked for again.
      await expect(
        recoverRelationships(seed, down, store, { clearinghouseOrigin: origin }),
      ).rejects.toMatchObject({ code: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
      expect(down.fetched).toEqual([first.sha256, offline.sha256]);
      expect((await readDrafts(store)).map((d) => d.sha256)).toEqual([first.sha256]);

      const again = clearinghouseWith(identity, listed, byId(listed));
      const result = await recoverRelationships(seed, again, store, {
        clearinghouseOrigin: origin,
      });
      expect(result).toMatchObject({ complaints: 3, complaintsNotRestored: 0 });
      expect(again.fetched).toEqual([offline.sha256, last.sha256]);
      expect((await readDrafts(store)).map((d) => d.sha256).sort()).toEqual(
        [first.sha256, offline.sha256, last.sha256].sort(),
      );
    },
  );

  it('does not store again a complaint still being sent, which the clearinghouse already lists', async () => {
    const { identity, seed } = await customer();
    // Its evidence is the inner offer alone: restored, its id would be its own hash, not the
    // draft's (the offer's inbox id); only its token tells the two apart.
    const underWay = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
    const mine: ComplaintDraft[] = [
      {
        id: 'E'.repeat(43),
        company: identity.company,
        pseudonym: identity.pseudonym,
        reasons: ['misleading'],
        evidence: [{ kind: 'offer-content', jws: OFFER }],
        createdAt: iat,
        // Under way: signed, sent, its receipt not back yet (./complaint-outbox).
        state: 'draft',
        jws: underWay.jws,
        exp: iat + 300,
      },
    ];
    const store = new FakeStore();
    await store.put(complaintsRecord.table, complaintsRecord.id, { v: 1, drafts: mine });
    const ch = clearinghouseWith(identity, [underWay], byId([underWay]));
    const result = await recoverRelationships(seed, ch, store, { clearinghouseOrigin: origin });
    // Failed before: a second, submitted draft of the same complaint.
    expect(result).toMatchObject({ complaints: 1, complaintsNotRestored: 0 });
    expect(ch.fetched).toEqual([]);
    expect(await readDrafts(store)).toEqual(mine);
  });

  it('neither fetches nor stores again what an earlier recovery restored', async () => {
    const { identity, seed } = await customer();
    const first = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
    const second = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
    const listed = [first, second];
    const store = new FakeStore();
    // The first run finds the clearinghouse out of reach for one of them; the second for none.
    await expect(
      recoverRelationships(
        seed,
        clearinghouseWith(identity, listed, byId(listed), new Set([second.sha256])),
        store,
        { clearinghouseOrigin: origin },
      ),
    ).rejects.toMatchObject({ code: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    const again = clearinghouseWith(identity, listed, byId(listed));
    const result = await recoverRelationships(seed, again, store, { clearinghouseOrigin: origin });
    expect(result).toMatchObject({ complaints: 2, complaintsNotRestored: 0 });
    expect(again.fetched).toEqual([second.sha256]);
    const drafts = await readDrafts(store);
    expect(drafts.map((d) => d.sha256).sort()).toEqual([first.sha256, second.sha256].sort());
  });

  it('leaves a complaint the vault holds as it is: the same sha256, or another about the same subject', async () => {
    const { identity, seed } = await customer();
    const submitted = await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]);
    const sameSubject = await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]);
    const mine: ComplaintDraft[] = [
      {
        id: 'A'.repeat(43),
        company: identity.company,
        pseudonym: identity.pseudonym,
        reasons: ['wrong_channel'],
        evidence: [{ kind: 'offer', jws: OFFER }],
        createdAt: iat - 500,
        state: 'submitted',
        sha256: submitted.sha256,
      },
      {
        // A draft about the same disclosure, not sent yet.
        id: sha256Of(DISCLOSURE),
        about: 'disclosure',
        company: identity.company,
        pseudonym: identity.pseudonym,
        reasons: ['not_covered'],
        evidence: [{ kind: 'disclosure', jws: DISCLOSURE }],
        createdAt: iat - 100,
        state: 'draft',
      },
    ];
    const store = new FakeStore();
    await store.put(complaintsRecord.table, complaintsRecord.id, { v: 1, drafts: mine });
    const listed = [submitted, sameSubject];
    const ch = clearinghouseWith(identity, listed, byId(listed));
    const result = await recoverRelationships(seed, ch, store, { clearinghouseOrigin: origin });
    // The one held by its sha256 is in the vault; the other has no place beside the draft.
    expect(result).toMatchObject({ complaints: 1, complaintsNotRestored: 1 });
    expect(ch.fetched).toEqual([sameSubject.sha256]);
    expect(await readDrafts(store)).toEqual(mine);
  });

  it('stores none past the drafts’ bound, and drops none of the vault’s to make room', async () => {
    const { identity, seed } = await customer();
    const listed = [
      await complaintOf(identity, [{ kind: 'offer-content', jws: OFFER }]),
      await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }]),
    ];
    const mine: ComplaintDraft[] = Array.from({ length: maxComplaintDrafts - 1 }, (_, i) => ({
      id: sha256Of(`${OFFER}${i}`),
      company: identity.company,
      pseudonym: identity.pseudonym,
      reasons: ['wrong_channel'],
      evidence: [{ kind: 'offer', jws: OFFER }],
      createdAt: iat - 1000 + i,
      state: 'discarded',
    }));
    const store = new FakeStore();
    await store.put(complaintsRecord.table, complaintsRecord.id, { v: 1, drafts: mine });
    const result = await recoverRelationships(
      seed,
      clearinghouseWith(identity, listed, byId(listed)),
      store,
      { clearinghouseOrigin: origin },
    );
    expect(result).toMatchObject({ complaints: 1, complaintsNotRestored: 1 });
    const drafts = await readDrafts(store);
    expect(drafts).toHaveLength(maxComplaintDrafts);
    expect(drafts.slice(0, mine.length)).toEqual(mine);
  });

  it('writes the drafts in the turn it is handed, and a damaged drafts record not at all', async () => {
    const { identity, seed } = await customer();
    const listed = [await complaintOf(identity, [{ kind: 'disclosure', jws: DISCLOSURE }])];
    const writes: boolean[] = [];
    let inTurn = false;
    const store = new (class extends FakeStore {
      override async put(table: StoreTable, id: string, value: unknown): Promise<void> {
        if (id === complaintsRecord.id) writes.push(inTurn);
        return super.put(table, id, value);
      }
    })();
    const complaintsTurn = async <T>(work: () => Promise<T>): Promise<T> => {
      inTurn = true;
      try {
        return await work();
      } finally {
        inTurn = false;
      }
    };
    const ch = clearinghouseWith(identity, listed, byId(listed));
    const options = { clearinghouseOrigin: origin, complaintsTurn };
    expect(await recoverRelationships(seed, ch, store, options)).toMatchObject({ complaints: 1 });
    expect(writes).toEqual([true]);

    const damaged = new FakeStore();
    await damaged.put(complaintsRecord.table, complaintsRecord.id, { v: 1, drafts: [] });
    damaged.damage(complaintsRecord.table, complaintsRecord.id);
    expect(await recoverRelationships(seed, ch, damaged, options)).toMatchObject({
      relationships: 1,
      complaints: 0,
      complaintsNotRestored: 1,
    });
  });
});
