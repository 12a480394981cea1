import { beforeAll, describe, expect, it } from 'vitest';
import type { ClientFetch } from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { keyPairFromSeed, publicJwk } from '../../protocol/keys';
import { ready, sha256 } from '../../protocol/sodium';
import { verifierKeyText } from '../../protocol/tlog';
import { FakeClock } from './fakes';
import {
  applySettings,
  checkLogKey,
  descriptionUrl,
  trustServedKey,
  type SettingsPort,
} from './log-key';
import { defaultSettings, parseSettings, type Settings } from './settings';

const URL_A = 'http://localhost:3000';
const ORIGIN_A = 'localhost:3000/log';

let keyA: string;
let keyB: string;
let webhookKey: ReturnType<typeof publicJwk>;

beforeAll(async () => {
  await ready();
  const pk = (n: number) => keyPairFromSeed(new Uint8Array(32).fill(n)).publicKey;
  keyA = verifierKeyText(ORIGIN_A, pk(1), sha256);
  keyB = verifierKeyText(ORIGIN_A, pk(2), sha256);
  webhookKey = publicJwk(pk(3));
});

function description(overrides: Record<string, unknown> = {}) {
  return {
    origin: URL_A,
    apiBase: `${URL_A}/api/v1`,
    protocolVersions: [1],
    logOrigin: ORIGIN_A,
    logVerifierKey: keyA,
    webhookKey,
    ...overrides,
  };
}

/** A clearinghouse answering with `body` (JSON unless a string), or failing. */
function server(answer: { status?: number; body?: unknown; fail?: boolean }) {
  const calls: string[] = [];
  const fetch: ClientFetch = async (url) => {
    calls.push(url);
    if (answer.fail === true) throw new TypeError('NetworkError when attempting to fetch');
    const body = answer.body;
    return {
      status: answer.status ?? 200,
      text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
    };
  };
  return { calls, fetch, answer };
}

function settingsCell(initial: Settings = defaultSettings(URL_A)) {
  const cell: SettingsPort & { value: Settings; writes: number } = {
    value: initial,
    writes: 0,
    read: async () => cell.value,
    update: async (change) => {
      const next = change(cell.value);
      if (next !== null) {
        cell.value = parseSettings(next);
        cell.writes++;
      }
      return cell.value;
    },
  };
  return cell;
}

describe('log key pinning', () => {
  it('pins the key and origin on first contact', async () => {
    const net = server({ body: description() });
    const settings = settingsCell();
    const clock = new FakeClock(1_000);
    const result = await checkLogKey({ fetch: net.fetch, clock, settings });
    expect(net.calls).toEqual(['http://localhost:3000/.well-known/clearinghouse.json']);
    expect(result.outcome).toBe('pinned');
    expect(settings.value).toMatchObject({
      pinnedLogKey: keyA,
      pinnedLogOrigin: ORIGIN_A,
      logKeyMismatch: null,
    });
  });

  it('changes nothing when the same key is served again', async () => {
    const net = server({ body: description() });
    const settings = settingsCell();
    const clock = new FakeClock(1_000);
    await checkLogKey({ fetch: net.fetch, clock, settings });
    const pinned = settings.value;
    const writes = settings.writes;
    expect((await checkLogKey({ fetch: net.fetch, clock, settings })).outcome).toBe('same');
    expect(settings.value).toEqual(pinned);
    expect(settings.writes).toBe(writes);
  });

  it('records a different key as a mismatch and keeps the old pin', async () => {
    const net = server({ body: description() });
    const settings = settingsCell();
    const clock = new FakeClock(1_000);
    await checkLogKey({ fetch: net.fetch, clock, settings });
    net.answer.body = description({ logVerifierKey: keyB });
    clock.ms = 2_000;
    const result = await checkLogKey({ fetch: net.fetch, clock, settings });
    expect(result.outcome).toBe('mismatch');
    expect(settings.value.pinnedLogKey).toBe(keyA);
    expect(settings.value.logKeyMismatch).toEqual({ pinned: keyA, served: keyB, seenAt: 2_000 });
    // Served again: still a mismatch, still the old pin.
    expect((await checkLogKey({ fetch: net.fetch, clock, settings })).outcome).toBe('mismatch');
    expect(settings.value.pinnedLogKey).toBe(keyA);
    // The pinned key served again clears the warning.
    net.answer.body = description();
    expect((await checkLogKey({ fetch: net.fetch, clock, settings })).outcome).toBe('same');
    expect(settings.value.logKeyMismatch).toBeNull();
    expect(settings.value.pinnedLogKey).toBe(keyA);
  });

  it('re-pins only on the explicit trust of the served key', async () => {
    const net = server({ body: description() });
    const settings = settingsCell();
    const clock = new FakeClock(1_000);
    await checkLogKey({ fetch: net.fetch, clock, settings });
    net.answer.body = description({ logVerifierKey: keyB });
    await checkLogKey({ fetch: net.fetch, clock, settings });
    // Not the served key (e.g. it changed again meanwhile): refused.
    expect(() => trustServedKey(settings.value, keyA)).toThrow(ProtocolError);
    await settings.update((s) => trustServedKey(s, keyB));
    expect(settings.value).toMatchObject({
      pinnedLogKey: keyB,
      pinnedLogOrigin: ORIGIN_A,
      logKeyMismatch: null,
    });
    expect((await checkLogKey({ fetch: net.fetch, clock, settings })).outcome).toBe('same');
    // Nothing to trust without a mismatch.
    expect(() => trustServedKey(settings.value, keyB)).toThrow(ProtocolError);
  });

  it('clears the pin when the clearinghouse URL changes, and keeps it otherwise', async () => {
    const net = server({ body: description() });
    const settings = settingsCell();
    const clock = new FakeClock(1_000);
    await checkLogKey({ fetch: net.fetch, clock, settings });
    net.answer.body = description({ logVerifierKey: keyB });
    await checkLogKey({ fetch: net.fetch, clock, settings });
    const stored = settings.value;
    // The UI cannot set the pin fields, and a trailing slash is the same clearinghouse.
    const same = applySettings(stored, {
      ...stored,
      clearinghouseUrl: `${URL_A}/`,
      autoLockMinutes: 30,
      pinnedLogKey: keyB,
      logKeyMismatch: null,
    });
    expect(same).toMatchObject({ pinnedLogKey: keyA, autoLockMinutes: 30 });
    expect(same.logKeyMismatch).not.toBeNull();
    const moved = applySettings(stored, { ...stored, clearinghouseUrl: 'https://ch.example' });
    expect(moved).toMatchObject({
      clearinghouseUrl: 'https://ch.example',
      pinnedLogKey: null,
      pinnedLogOrigin: null,
      logKeyMismatch: null,
    });
    expect(descriptionUrl('https://ch.example/base')).toBe(
      'https://ch.example/base/.well-known/clearinghouse.json',
    );
  });

  it('refuses malformed descriptions and changes nothing', async () => {
    const clock = new FakeClock(1_000);
    for (const body of [
      'not json',
      'x'.repeat(20_000),
      [],
      description({ logVerifierKey: 'not a key' }),
      description({ logVerifierKey: `${keyA.slice(0, -4)}AAA=` }),
      description({ logOrigin: 'other.example/log' }),
      description({ protocolVersions: [] }),
      description({ webhookKey: { kty: 'RSA' } }),
      description({ apiBase: 'x'.repeat(3000) }),
    ]) {
      const net = server({ body });
      const settings = settingsCell();
      const result = await checkLogKey({ fetch: net.fetch, clock, settings });
      expect(result.outcome, JSON.stringify(body).slice(0, 80)).toBe('invalid');
      expect(settings.writes).toBe(0);
    }
  });

  it('refuses a description of another origin', async () => {
    const clock = new FakeClock(1_000);
    for (const origin of [
      'https://localhost:3000',
      'http://localhost:3001',
      'http://evil.example',
    ]) {
      const net = server({ body: description({ origin }) });
      const settings = settingsCell();
      expect((await checkLogKey({ fetch: net.fetch, clock, settings })).outcome).toBe('invalid');
      expect(settings.value).toEqual(defaultSettings(URL_A));
    }
  });

  it('changes nothing on a network error or a non-200 answer', async () => {
    const clock = new FakeClock(1_000);
    const pinned = settingsCell();
    await checkLogKey({ fetch: server({ body: description() }).fetch, clock, settings: pinned });
    const before = pinned.value;
    for (const answer of [{ fail: true }, { status: 500, body: {} }, { status: 404, body: '' }]) {
      for (const settings of [settingsCell(), settingsCell(before)]) {
        const initial = settings.value;
        const result = await checkLogKey({ fetch: server(answer).fetch, clock, settings });
        expect(result.outcome).toBe('unreachable');
        expect(settings.value).toEqual(initial);
        expect(settings.writes).toBe(0);
      }
    }
  });

  it('does not pin for a URL changed during the check', async () => {
    const clock = new FakeClock(1_000);
    const settings = settingsCell();
    const fetch: ClientFetch = async () => {
      settings.value = { ...settings.value, clearinghouseUrl: 'https://ch.example' };
      return { status: 200, text: async () => JSON.stringify(description()) };
    };
    expect((await checkLogKey({ fetch, clock, settings })).outcome).toBe('superseded');
    expect(settings.value.pinnedLogKey).toBeNull();
  });
});
