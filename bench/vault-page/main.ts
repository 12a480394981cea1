/**
 * The in-browser half of `npm run bench:vault` (bench/vault.bench.ts builds and serves this page
 * in Debian's Chromium and reads `window.__benchResult`). Measures, in one run:
 * - unlock at the shipped Argon2id parameters (bar: at most 500 ms);
 * - an encrypted bulk write of 10,000 blacklist records against plain Dexie `bulkAdd` of the
 *   same rows (bar: ratio at least 0.8);
 * - the dashboard's blacklist view, first render with 10,000 entries.
 */
import Dexie from 'dexie';
import { mount, tick, unmount } from 'svelte';
import { hexEncode } from '../../protocol/encoding';
import type { BlacklistEntry } from '../../protocol/profile';
import { shippedArgon2Params } from '../../extension/build';
import { encrypt, randomBytes, ready } from '../../extension/vault/crypto';
import { Vault } from '../../extension/vault/vault';
import BlacklistView from '../../extension/ui/dashboard/BlacklistView.svelte';

const N = 10_000;
const rounds = 3;

function entries(): BlacklistEntry[] {
  return Array.from({ length: N }, (_, i) => ({
    id: hexEncode(randomBytes(16)),
    target: { kind: 'brand', brand: `Brand number ${i}` },
    reason: 'too_frequent',
    note: 'Sent three newsletters a day although I asked for one a week.',
    at: 1_750_000_000 + i,
  }));
}

async function unlockTimes(): Promise<number[]> {
  const vault = await Vault.open({
    name: 'bench-unlock',
    params: shippedArgon2Params,
    now: Date.now,
  });
  await vault.wipe();
  await vault.create('correct horse battery staple', randomBytes(32));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    vault.lock();
    const t0 = performance.now();
    await vault.unlock('correct horse battery staple');
    times.push(performance.now() - t0);
  }
  await vault.wipe();
  vault.close();
  return times;
}

async function bulkWrite(): Promise<{ encrypted: number[]; plain: number[] }> {
  const rows = entries();
  const encrypted: number[] = [];
  const plain: number[] = [];
  const vault = await Vault.open({
    name: 'bench-bulk',
    params: { opslimit: 1, memlimit: 8192 },
    now: Date.now,
  });
  for (let r = 0; r < rounds; r++) {
    // Alternate the two, each on a fresh database, so neither profits from a warm store.
    await vault.wipe();
    await vault.create('correct horse battery staple', randomBytes(32));
    let t0 = performance.now();
    await vault.addMany(
      'blacklist',
      rows.map((e) => ({ id: e.id, value: e })),
    );
    encrypted.push(performance.now() - t0);

    await Dexie.delete('bench-plain');
    const db = new Dexie('bench-plain');
    db.version(1).stores({ blacklist: 'id' });
    await db.open();
    t0 = performance.now();
    await db.table('blacklist').bulkAdd(rows);
    plain.push(performance.now() - t0);
    db.close();
  }
  await vault.wipe();
  vault.close();
  await Dexie.delete('bench-plain');
  return { encrypted, plain };
}

async function renderTimes(): Promise<number[]> {
  const list = entries();
  const times: number[] = [];
  const target = document.getElementById('app')!;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const app = mount(BlacklistView, {
      target,
      props: {
        locale: 'en',
        // The background's answer, already in memory: what is measured is the page's work.
        send: (async () => ({ type: 'blacklist', entries: list, damaged: [] })) as never,
        onChange: () => {},
      },
    });
    while (target.querySelectorAll('[data-testid="blacklist-entry"]').length < N) {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    // Until the browser has laid the list out and painted it.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    times.push(performance.now() - t0);
    await unmount(app);
  }
  return times;
}

/** Encryption alone (JSON, UTF-8, XChaCha20-Poly1305), to split the bulk write's cost. */
function encryptOnly(): number[] {
  const rows = entries();
  const key = randomBytes(32);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const e of rows)
      encrypt(key, new TextEncoder().encode(JSON.stringify(e)), `blacklist/${e.id}/2`);
    times.push(performance.now() - t0);
  }
  return times;
}

async function run() {
  await ready();
  const encryption = encryptOnly();
  const unlock = await unlockTimes();
  const bulk = await bulkWrite();
  const render = await renderTimes();
  return { unlock, bulk, encryption, render, userAgent: navigator.userAgent };
}

(window as unknown as { __benchResult: Promise<unknown> }).__benchResult = run();
