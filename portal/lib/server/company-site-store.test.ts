/**
 * The reference company site's store (test/company-site/store.ts) on real files in a temporary
 * directory: a restart reads what it held, a change writes its own bytes and not the store's, a
 * journal cut anywhere in its last line reads as without that line (and the next change cuts the
 * rest off), a line before the last that does not read stops the start, a compaction keeps the
 * state and empties the journal (also when it stops half-way, or a process is killed at any
 * point), and keys learnt from refusals go once past their time. Failures come from the file
 * system itself: a directory where a file is to be written.
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  accessReportRetentionDays,
  openSiteStore,
  pseudonymKeyExpiry,
  readSiteStore,
  StoreCorrupt,
  type Customer,
  type KeptReport,
  type SiteStore,
  type SiteStoreState,
} from '../../../test/company-site/store';

const day = 86_400;
/** The stores' clock, in ms. */
const t0 = 1_800_000_000_000;
const at0 = t0 / 1000;
const storeModule = fileURLToPath(new URL('../../../test/company-site/store.ts', import.meta.url));
const repository = fileURLToPath(new URL('../../..', import.meta.url));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'site-store-'));
  dirs.push(dir);
  return dir;
}

function keyOf(n: number): string {
  return String(n).padStart(43, 'A');
}

/** A customer whose record is about as large as a real one (the grant JWS is most of it). */
function customer(n: number, data: Record<string, string> = {}): Customer {
  return {
    pseudonym: `ps_${n}`,
    x: keyOf(n),
    grantSha256: 'g'.repeat(43),
    grant: `eyJ${'e'.repeat(1500)}`,
    data,
  };
}

/** The state as plain data, copied: to compare what two reads found. */
function plain(state: SiteStoreState) {
  return structuredClone({
    customers: Object.fromEntries(state.customers),
    pseudonymKeys: Object.fromEntries(state.pseudonymKeys),
    contacts: Object.fromEntries(state.contacts),
    answers: Object.fromEntries(state.answers),
    reports: Object.fromEntries(state.reports),
  });
}

/** An access report of one use by customer `n`, signed by key `kid` at `iat`. */
function report(n: number, iat: number, kid = keyOf(7)): KeptReport {
  return {
    kid,
    iat,
    pseudonym: `ps_${n}`,
    entries: [
      { grantSha256: 'g'.repeat(43), purpose: 'offers', dataCategories: ['address'], at: iat - 60 },
    ],
  };
}

/** One change of each kind the site makes. */
function fill(store: SiteStore): void {
  store.putCustomers([customer(1), customer(2)]);
  store.putCustomer(customer(1, { address: 'Heidestraße 18, 51147 Köln' }));
  store.putCustomer({ ...customer(2), revocations: [{ at: at0, purposes: ['offers'] }] });
  store.putPseudonymKey('ps_refuser', keyOf(9), pseudonymKeyExpiry(at0));
  store.putPseudonymKey('ps_3', keyOf(3), pseudonymKeyExpiry(at0));
  store.putCustomer(customer(3));
  store.deletePseudonymKey('ps_3');
  store.putContacts('ps_1', [at0 - 100, at0 - 10], at0 - 200);
  store.putContacts('ps_2', [at0 - 5], at0 - 50); // past the window now: ps_1's first contact
  store.putAnswer('r1', { outcome: 'erased', dataCategories: ['address'], cursor: '4' });
  store.putAnswer('r2', { outcome: 'answered', cursor: '5' });
  store.pruneAnswers('5');
  store.putReport('a1', report(1, at0 - 10));
  store.putReport('a2', { ...report(2, at0 - 5), resend: 'eyJ.e30.sig' });
  // a2 sent again after a compromise
  store.putReport('a3', { ...report(2, at0, keyOf(8)), replaces: 'a2' }, 'a2');
}

const journalOf = (dir: string) => join(dir, 'journal.jsonl');
const sizeOf = (path: string) => statSync(path).size;

/** The snapshot files of `dir`, by name. */
function snapshotOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
}

/** The inodes of the snapshot files of `dir`, by name: a file replaced by a rename gets a new one. */
function inodesOf(dir: string): Record<string, number> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name, statSync(join(dir, name)).ino]),
  );
}

describe("the reference company site's store", () => {
  it('reads after a restart what it held before', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    fill(store);
    const held = plain(store);
    expect(held).toMatchObject({
      customers: {
        ps_1: { data: { address: 'Heidestraße 18, 51147 Köln' } },
        ps_2: { revocations: [{ at: at0, purposes: ['offers'] }] },
        ps_3: { x: keyOf(3) },
      },
      pseudonymKeys: { ps_refuser: { x: keyOf(9), keepUntil: at0 + 30 * day } },
      contacts: { ps_1: [at0 - 10], ps_2: [at0 - 5] },
      answers: { r1: { outcome: 'erased' } },
      reports: { a1: report(1, at0 - 10), a3: { ...report(2, at0, keyOf(8)), replaces: 'a2' } },
    });
    expect(Object.keys(held.answers)).toEqual(['r1']);
    expect(Object.keys(held.reports)).toEqual(['a1', 'a3']);
    expect(Object.keys(held.pseudonymKeys)).toEqual(['ps_refuser']);
    expect(plain(readSiteStore(dir, () => t0))).toEqual(held);
    expect(plain(openSiteStore(dir, { now: () => t0 }))).toEqual(held);
  });

  it('writes a change in bytes of its own, whatever the number of customers', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    store.putCustomers(Array.from({ length: 300 }, (_, n) => customer(n)));
    store.compact();
    const [snapshot, inodes] = [snapshotOf(dir), inodesOf(dir)];
    const before = sizeOf(journalOf(dir));
    store.putCustomer(customer(7, { address: 'Heidestraße 18, 51147 Köln' }));
    expect(snapshotOf(dir)).toEqual(snapshot);
    expect(inodesOf(dir)).toEqual(inodes);
    expect(sizeOf(journalOf(dir)) - before).toBeLessThan(2 * JSON.stringify(customer(7)).length);
    expect(readSiteStore(dir).customers.get('ps_7')?.data).toEqual({
      address: 'Heidestraße 18, 51147 Köln',
    });
  });

  it('reads a journal cut anywhere in its last line as without that line', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    const { grant: _, ...small } = customer(1);
    store.putCustomer(small);
    const before = plain(store);
    const old = readFileSync(journalOf(dir));
    store.putCustomer({ ...small, data: { address: 'Heidestraße 18, 51147 Köln' } });
    const after = plain(store);
    const full = readFileSync(journalOf(dir));
    // Every length a crash in the middle of the append can leave, down to each byte of the 'ß'.
    for (let cut = old.length; cut <= full.length; cut++) {
      writeFileSync(journalOf(dir), full.subarray(0, cut));
      expect(plain(readSiteStore(dir)), `cut at ${cut}`).toEqual(
        cut === full.length ? after : before,
      );
    }
    // Its newline on the disk, its other bytes not (data=writeback): zeros.
    const zeroed = Buffer.concat([
      old,
      Buffer.alloc(full.length - old.length - 1),
      Buffer.from('\n'),
    ]);
    writeFileSync(journalOf(dir), zeroed);
    expect(plain(readSiteStore(dir))).toEqual(before);
  });

  it('cuts a torn last line off before the next change', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    store.putCustomer(customer(1));
    const whole = readFileSync(journalOf(dir), 'utf8');
    store.putCustomer(customer(2));
    // Most of customer 2's line reached the disk; the next change is much shorter than that.
    writeFileSync(
      journalOf(dir),
      readFileSync(journalOf(dir)).subarray(0, sizeOf(journalOf(dir)) - 40),
    );
    const restarted = openSiteStore(dir, { now: () => t0 });
    expect([...restarted.customers.keys()]).toEqual(['ps_1']);
    restarted.putAnswer('r1', { outcome: 'refused', cursor: '3' });
    const answer = `${JSON.stringify({ op: 'answer', requestSha256: 'r1', answer: { outcome: 'refused', cursor: '3' } })}\n`;
    expect(readFileSync(journalOf(dir), 'utf8')).toBe(`${whole}${answer}`);
    expect(plain(readSiteStore(dir))).toEqual(plain(restarted));
  });

  it.each([
    ['a line that is not JSON', '{"op":"customers","custo\n'],
    ['a change this version does not know', '{"op":"merge","customers":[]}\n'],
    ['a customer without a key', '{"op":"customers","customers":[{"pseudonym":"ps_9"}]}\n'],
  ])('stops at %s before the last line, naming it, and writes nothing', (_, bad) => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    store.putCustomer(customer(1));
    const good = readFileSync(journalOf(dir), 'utf8');
    writeFileSync(journalOf(dir), `${good}${bad}${good}`);
    const snapshot = snapshotOf(dir);
    const corrupt = expect.objectContaining({ code: 'ERR_STORE_CORRUPT', line: 2 }) as Error;
    expect(() => openSiteStore(dir, { now: () => t0 })).toThrow(corrupt);
    expect(() => readSiteStore(dir, () => t0)).toThrow(corrupt);
    expect(() => readSiteStore(dir)).toThrow(StoreCorrupt);
    expect(readFileSync(journalOf(dir), 'utf8')).toBe(`${good}${bad}${good}`);
    expect(snapshotOf(dir)).toEqual(snapshot);
  });

  it('stops at a last line that is JSON but no change it knows: a newer version, not a crash', () => {
    const dir = freshDir();
    openSiteStore(dir, { now: () => t0 }).putCustomer(customer(1));
    writeFileSync(journalOf(dir), `${readFileSync(journalOf(dir), 'utf8')}{"op":"merge"}\n`);
    expect(() => readSiteStore(dir)).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_CORRUPT', line: 2 }) as Error,
    );
  });

  it('compacts once its journal outgrows the snapshot, keeping the state and shrinking the journal', () => {
    const dir = freshDir();
    const minCompactionBytes = 4096;
    const store = openSiteStore(dir, { now: () => t0, minCompactionBytes });
    const line = JSON.stringify({ op: 'customers', customers: [customer(99)] }).length + 64;
    const journal: number[] = [];
    for (let n = 0; n < 60; n++) {
      const snapshot = Object.values(snapshotOf(dir)).reduce((s, t) => s + Buffer.byteLength(t), 0);
      store.putCustomer(customer(n % 8, { visits: String(n) }));
      journal.push(sizeOf(journalOf(dir)));
      expect(journal.at(-1)).toBeLessThanOrEqual(Math.max(snapshot, minCompactionBytes) + line);
    }
    expect(journal.filter((size, i) => i > 0 && size < journal[i - 1]!).length).toBeGreaterThan(0);
    expect(plain(readSiteStore(dir))).toEqual(plain(store));
    store.compact();
    expect(sizeOf(journalOf(dir))).toBe(0);
    const customers = JSON.parse(snapshotOf(dir)['customers.json']!) as Customer[];
    expect(customers.map((c) => c.data.visits)).toEqual(
      [56, 57, 58, 59, 52, 53, 54, 55].map(String),
    );
    expect(plain(openSiteStore(dir, { now: () => t0 }))).toEqual(plain(store));
  });

  it.each([
    'contacts.json',
    'pseudonym-keys.json',
    'data-requests.json',
    'customers.json',
    'journal.jsonl',
  ])('reads the same state when a compaction stops before it replaced %s', (file) => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    fill(store);
    const held = plain(store);
    const blocker = join(dir, `${file}.tmp`);
    mkdirSync(blocker); // replacing this file fails; those before it were replaced
    try {
      expect(() => store.compact()).toThrow();
      expect(plain(store)).toEqual(held);
      expect(plain(readSiteStore(dir, () => t0))).toEqual(held);
    } finally {
      rmdirSync(blocker);
    }
    store.putCustomer(customer(4));
    expect(plain(readSiteStore(dir, () => t0))).toEqual(plain(store));
    expect(store.customers.has('ps_4')).toBe(true);
  });

  it('changes nothing in memory when its journal cannot be written, and goes on once it can', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    store.putCustomer(customer(1));
    const held = plain(store);
    const journal = journalOf(dir);
    const aside = `${journal}.aside`;
    writeFileSync(aside, readFileSync(journal));
    rmSync(journal);
    mkdirSync(journal); // as on a full disk: the append fails
    try {
      expect(() => store.putCustomer(customer(2))).toThrow();
      expect(plain(store)).toEqual(held);
    } finally {
      rmdirSync(journal);
      writeFileSync(journal, readFileSync(aside));
    }
    store.putCustomer(customer(2));
    expect([...readSiteStore(dir).customers.keys()]).toEqual(['ps_1', 'ps_2']);
  });

  it('refuses to append to a journal shorter than it wrote (changed by another hand)', () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    store.putCustomer(customer(1));
    const held = plain(store);
    writeFileSync(journalOf(dir), '');
    expect(() => store.putCustomer(customer(2))).toThrow(
      expect.objectContaining({ code: 'ERR_FILE_SHRANK' }) as Error,
    );
    expect(plain(store)).toEqual(held);
    expect(sizeOf(journalOf(dir))).toBe(0);
  });

  it('loses no acknowledged change and tears none when its process is killed at any point', async () => {
    const dir = freshDir();
    // Change n sets customer n % 4; it is acknowledged on stdout once putCustomer returned. With
    // four records the journal outgrows the snapshot every few changes: about half of the time
    // goes into compactions, so the kills land in them as often as in appends.
    const child = join(dir, 'writer.ts');
    writeFileSync(
      child,
      `import { writeSync } from 'node:fs';
import { openSiteStore } from ${JSON.stringify(storeModule)};
const store = openSiteStore(process.argv[2]!, { minCompactionBytes: 2048 });
let n = Math.max(-1, ...[...store.customers.values()].map((c) => Number(c.data.n))) + 1;
for (;; n++) {
  store.putCustomer({ pseudonym: 'ps_' + (n % 4), x: String(n % 4).padStart(43, 'A'), grantSha256: 'g'.repeat(43), grant: 'e'.repeat(1000), data: { n: String(n) } });
  writeSync(1, n + '\\n');
}
`,
    );
    const data = join(dir, 'data');
    let target = 0;
    for (let round = 0; round < 6; round++) {
      target += 10 + Math.floor(Math.random() * 30);
      const acknowledged = await new Promise<number>((resolve, reject) => {
        const writer = spawn(process.execPath, ['--import', 'tsx', child, data], {
          cwd: repository,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let last = -1;
        let output = '';
        let killing = false;
        writer.stdout.setEncoding('utf8');
        writer.stdout.on('data', (chunk: string) => {
          output += chunk;
          const lines = output.split('\n');
          output = lines.pop()!;
          if (lines.length > 0) last = Number(lines.at(-1));
          if (last < target || killing) return;
          killing = true;
          // A few changes on (about 1.5 ms each on ext4), so that the kill lands anywhere in
          // one: killed as soon as it read an acknowledgement, it mostly killed the next
          // change before its first flush.
          setTimeout(() => writer.kill('SIGKILL'), Math.random() * 10);
        });
        writer.on('error', reject);
        // 'close', not 'exit': the acknowledgements still in the pipe are read first.
        writer.on('close', (_, signal) =>
          signal === 'SIGKILL' ? resolve(last) : reject(new Error(`writer ended (${signal})`)),
        );
      });
      const held = [...readSiteStore(data).customers.values()].map((c) => Number(c.data.n));
      const changes = Math.max(...held) + 1;
      // Every acknowledged change, and the one under way at most; each customer as its last
      // change left it (nothing older, nothing torn).
      expect(changes).toBeGreaterThanOrEqual(acknowledged + 1);
      expect(changes).toBeLessThanOrEqual(acknowledged + 2);
      expect(held.sort((a, b) => a - b)).toEqual([4, 3, 2, 1].map((back) => changes - back));
      target = changes;
    }
  });

  it(`keeps an access report ${accessReportRetentionDays} days, and skips one it cannot read`, () => {
    const dir = freshDir();
    const store = openSiteStore(dir, { now: () => t0 });
    const days = (n: number) => n * day;
    store.putReport('old', report(1, at0 - days(accessReportRetentionDays) - 1));
    store.putReport('young', report(1, at0 - days(accessReportRetentionDays)));
    store.compact();
    expect([...readSiteStore(dir, () => t0).reports.keys()]).toEqual(['young']);
    // A record of another shape (a newer version's, a hand edit) is skipped, not taken for one.
    const file = join(dir, 'access-reports.json');
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      file,
      JSON.stringify({
        ...snapshot,
        noKid: { ...report(2, at0), kid: 'x' },
        noUses: { ...report(3, at0), entries: [] },
        badUse: { ...report(4, at0), entries: [{ purpose: 'offers' }] },
      }),
    );
    expect([...openSiteStore(dir, { now: () => t0 }).reports.keys()]).toEqual(['young']);
    // The first start a day later drops the one that turned too old, from the disk as well.
    expect(openSiteStore(dir, { now: () => t0 + days(1) * 1000 }).reports.size).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({});
  });

  describe('keys learnt from refusals', () => {
    it.each([
      ['no “ask me again after”', undefined, at0 + 30 * day],
      ['one 90 days on', at0 + 90 * day, at0 + 120 * day],
      ['one already past', at0 - day, at0 + 30 * day],
      ['one past the 400 days the clearinghouse accepts', at0 + 4000 * day, at0 + 430 * day],
    ])('keeps a key from a refusal with %s until 30 days past it', (_, askAgainAfter, until) => {
      expect(pseudonymKeyExpiry(at0, askAgainAfter)).toBe(until);
    });

    it('drops a key at the first start past its time, and a key of a customer', () => {
      const dir = freshDir();
      const store = openSiteStore(dir, { now: () => t0 });
      store.putPseudonymKey('ps_refuser', keyOf(9), pseudonymKeyExpiry(at0));
      // A run stopped between the grant and forgetting the key.
      store.putPseudonymKey('ps_1', keyOf(1), pseudonymKeyExpiry(at0));
      store.putCustomer(customer(1));
      const justBefore = t0 + 30 * day * 1000 - 1000;
      expect([...openSiteStore(dir, { now: () => justBefore }).pseudonymKeys.keys()]).toEqual([
        'ps_refuser',
      ]);
      const past = t0 + 30 * day * 1000;
      expect(openSiteStore(dir, { now: () => past }).pseudonymKeys.size).toBe(0);
      // Gone from the disk as well: the start compacted.
      expect(readSiteStore(dir, () => t0).pseudonymKeys.size).toBe(0);
      expect(JSON.parse(snapshotOf(dir)['pseudonym-keys.json']!)).toEqual({});
      expect(sizeOf(journalOf(dir))).toBe(0);
    });

    it('drops a key past its time when it compacts while running', () => {
      const dir = freshDir();
      let now = t0;
      const store = openSiteStore(dir, { now: () => now, minCompactionBytes: 0 });
      store.putPseudonymKey('ps_refuser', keyOf(9), pseudonymKeyExpiry(at0));
      store.putPseudonymKey('ps_later', keyOf(8), pseudonymKeyExpiry(at0, at0 + 90 * day));
      now = t0 + 31 * day * 1000;
      store.putCustomer(customer(1)); // the journal outgrew the (empty) snapshot: compacts first
      expect([...store.pseudonymKeys.keys()]).toEqual(['ps_later']);
      expect(Object.keys(JSON.parse(snapshotOf(dir)['pseudonym-keys.json']!) as object)).toEqual([
        'ps_later',
      ]);
    });

    it('reads keys of the version before their time as learnt at the upgrade', () => {
      const dir = freshDir();
      writeFileSync(join(dir, 'pseudonym-keys.json'), JSON.stringify({ ps_old: keyOf(5) }));
      const store = openSiteStore(dir, { now: () => t0 });
      const kept = { x: keyOf(5), keepUntil: at0 + 30 * day };
      expect(store.pseudonymKeys.get('ps_old')).toEqual(kept);
      expect(JSON.parse(snapshotOf(dir)['pseudonym-keys.json']!)).toEqual({ ps_old: kept });
    });
  });

  it('carries contacts the version before contacts.json kept in customers.json over', () => {
    const dir = freshDir();
    const old = { ...customer(1), contacts: [at0 - 10] };
    writeFileSync(join(dir, 'customers.json'), JSON.stringify([old]));
    const store = openSiteStore(dir, { now: () => t0 });
    expect(store.contacts.get('ps_1')).toEqual([at0 - 10]);
    expect(JSON.parse(snapshotOf(dir)['contacts.json']!)).toEqual({ ps_1: [at0 - 10] });
    expect(JSON.parse(snapshotOf(dir)['customers.json']!)).toEqual([customer(1)]);
  });
});
