import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Of } from '../../protocol/jws';
import { ready } from '../../protocol/sodium';
import { complaintsRecord, readDrafts } from './complaints';
import { FakeStore } from './fakes';

beforeAll(async () => {
  await ready();
});

describe('readDrafts', () => {
  it('reads complaints stored before their submission time was kept, and keeps it on newer ones', async () => {
    const store = new FakeStore();
    const submitted = {
      id: sha256Of('offer.1.x'),
      company: `co_${'a'.repeat(42)}A`,
      pseudonym: `ps_${'p'.repeat(43)}`,
      reasons: ['misleading'],
      evidence: [{ kind: 'offer-content', jws: 'a.b.c' }],
      createdAt: 1_790_000_000,
      state: 'submitted',
      sha256: sha256Of('complaint.1'),
    };
    const newer = {
      ...submitted,
      id: sha256Of('offer.2.x'),
      sha256: sha256Of('complaint.2'),
      submittedAt: 1_790_000_600,
    };
    await store.put(complaintsRecord.table, complaintsRecord.id, {
      v: 1,
      drafts: [submitted, newer],
    });
    const [older, kept] = await readDrafts(store);
    expect(older).toEqual(submitted);
    expect(older!.submittedAt).toBeUndefined();
    expect(kept).toEqual(newer);
  });
});
