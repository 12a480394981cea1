import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Of } from '../../protocol/jws';
import { ready } from '../../protocol/sodium';
import { FakeStore } from './fakes';
import {
  addRewards,
  ledgerRecord,
  maxLedgerChars,
  maxLedgerEntries,
  mergeRewards,
  readLedger,
  type LedgerEntry,
} from './ledger';

const company = `co_${'A'.repeat(43)}`;

/** Reward `n`, stored at second `n`, its JWS `jwsChars` long (the ledger keeps up to 60 KiB). */
function entry(n: number, jwsChars = 200): LedgerEntry {
  const jws = `a.${'x'.repeat(jwsChars - 4)}.c`;
  return {
    id: sha256Of(`${n}.${jws}`),
    company,
    pseudonym: `ps_${'P'.repeat(43)}`,
    grantSha256: sha256Of('a.grant.c'),
    content: { type: 'bonus_points', amount: 10, description: { de: 'Punkte', en: 'Points' } },
    at: n,
    jws,
  };
}

const recordChars = (record: unknown) => JSON.stringify(record).length;

beforeAll(ready);

describe('the rewards ledger within its bounds', () => {
  it('drops the oldest entries first once the record would grow past its size, never the newest', () => {
    // 300 rewards at 58 KiB each: within the count, together past the size.
    const stored = Array.from({ length: 300 }, (_, n) => entry(n, 58 * 1024));
    const newest = entry(300, 58 * 1024);
    expect(recordChars({ v: 1, entries: [...stored, newest] })).toBeGreaterThan(maxLedgerChars);
    const { record, added } = mergeRewards(stored, [newest]);
    expect(added).toBe(1);
    expect(recordChars(record)).toBeLessThanOrEqual(maxLedgerChars);
    expect(record.entries.at(-1)).toEqual(newest);
    // What went is the oldest: the entries kept are the newest ones, in their order.
    const kept = record.entries.length;
    expect(kept).toBeLessThan(301);
    expect(record.entries).toEqual([...stored, newest].slice(301 - kept));
  });

  it('stores a ledger within its size that reads again', async () => {
    const store = new FakeStore();
    const large = Array.from({ length: 150 }, (_, n) => entry(n, 58 * 1024));
    expect(await addRewards(store, large)).toBe(150);
    expect(
      await addRewards(
        store,
        large.map((e) => entry(e.at + 150, 58 * 1024)),
      ),
    ).toBe(150);
    expect(store.tables.get('profile')!.get(ledgerRecord.id)!.length).toBeLessThanOrEqual(
      maxLedgerChars,
    );
    const read = await readLedger(store);
    expect(read.at(-1)!.at).toBe(299);
    expect(read[0]!.at).toBeGreaterThan(0);
  });

  it('keeps at most its count of entries, the oldest going first', () => {
    const stored = Array.from({ length: maxLedgerEntries }, (_, n) => entry(n));
    const { record } = mergeRewards(stored, [entry(maxLedgerEntries)]);
    expect(record.entries).toHaveLength(maxLedgerEntries);
    expect(record.entries[0]!.at).toBe(1);
    expect(record.entries.at(-1)!.at).toBe(maxLedgerEntries);
  });
});
