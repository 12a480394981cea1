import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientFetch } from '../protocol/client';
import { base64urlDecode, base64urlEncode } from '../protocol/encoding';
import { ProtocolError } from '../protocol/errors';
import { testArgon2Params } from './build';
import { parseRequest, parseResponse, type Request, type Response } from './messages';
import { AssistantService, unlockPromptIntervalMs, type ServicePorts } from './service';
import { randomBytes, ready } from './vault/crypto';
import { Vault } from './vault/vault';
import { keyPairFromSeed } from '../protocol/keys';
import { ready as sodiumReady, sha256 } from '../protocol/sodium';
import { verifierKeyText } from '../protocol/tlog';
import { ApiProblem } from '../protocol/client';
import { companyIdentity } from './core/identity';
import { companyOrigin, FakeClearinghouse } from './core/wallet.fixture';
import { settingsRecord } from './vault/backup';
import { t } from '../protocol/i18n';

const PASS = 'correct horse battery staple';
const CO_A = `co_${'A'.repeat(43)}`;

function cell<T>() {
  const c = {
    value: undefined as T | undefined,
    read: async () => c.value,
    write: async (value: T) => {
      c.value = value;
    },
  };
  return c;
}

const opened: Vault[] = [];
afterEach(async () => {
  for (const vault of opened.splice(0)) await vault.wipe().finally(() => vault.close());
});

/** A clearinghouse with one registered company and no relationship for anyone. */
const registryFetch: ClientFetch = async (url) => {
  if (url.includes('/api/v1/companies'))
    return {
      status: 200,
      text: async () => JSON.stringify({ companies: [{ id: CO_A }], next: null }),
    };
  if (url.endsWith('/api/v1/relationships/batch'))
    return {
      status: 200,
      text: async () =>
        JSON.stringify({ results: [{ status: 404, problem: { code: 'ERR_PSEUDONYM_UNKNOWN' } }] }),
    };
  return { status: 404, text: async () => '{}' };
};

/** The log key `localhost:3000/log` the n-th clearinghouse key names. */
function logKeyOf(n: number): string {
  return verifierKeyText(
    'localhost:3000/log',
    keyPairFromSeed(new Uint8Array(32).fill(n)).publicKey,
    sha256,
  );
}

/**
 * `fetch` with the description of the clearinghouse asked (whatever its URL) serving the log key
 * `served()`, or out of reach while that is null.
 */
function describing(served: () => string | null, fetch: ClientFetch = registryFetch): ClientFetch {
  return async (url, init) => {
    if (!url.endsWith('/.well-known/clearinghouse.json')) return fetch(url, init);
    const key = served();
    if (key === null) throw new TypeError('fetch failed');
    const origin = new URL(url).origin;
    return {
      status: 200,
      text: async () =>
        JSON.stringify({
          origin,
          apiBase: `${origin}/api/v1`,
          protocolVersions: [1],
          logOrigin: 'localhost:3000/log',
          logVerifierKey: key,
          webhookKey: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) },
        }),
    };
  };
}

let counter = 0;
function setup(overrides: Partial<ServicePorts> = {}) {
  const name = `service-test-${Date.now()}-${counter++}`;
  const clock = { ms: 1_750_000_000_000, now: () => clock.ms };
  const ports: ServicePorts = {
    vault: async () => {
      const vault = await Vault.open({ name, params: testArgon2Params, now: clock.now });
      opened.push(vault);
      return vault;
    },
    sessionKey: cell<Uint8Array | null>(),
    lastActivity: cell<number>(),
    settings: cell<unknown>(),
    clock,
    randomBytes: (n) => randomBytes(n),
    fetch: registryFetch,
    defaultClearinghouseUrl: 'http://localhost:3000',
    environment: () => ({ language: 'de', timeZone: 'Europe/Berlin' }),
    ...overrides,
  };
  // One vault object per service, as in the worker: a "restart" makes a new service and vault.
  let vault: Promise<Vault> | undefined;
  const service = () => new AssistantService({ ...ports, vault: () => (vault ??= ports.vault()) });
  return {
    ports,
    clock,
    service,
    /** The vault object the services share (an older Assistant's export is the vault's own). */
    vault: () => (vault ??= ports.vault()),
    /** The vault's IndexedDB name, for raw access as an attacker (or a failing disk) would have. */
    name,
    restart: () => {
      vault = undefined;
      return service();
    },
  };
}

/** Sends a request through the same parser the background uses. */
async function send(service: AssistantService, message: unknown): Promise<Response> {
  return service.handle(parseRequest(message) as Parameters<AssistantService['handle']>[0]);
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

describe('the Assistant service', () => {
  it('onboards, shows the phrase once, locks and unlocks', async () => {
    await ready();
    const { service } = setup();
    const s = service();
    expect(await send(s, { type: 'vault.status' })).toMatchObject({
      state: 'absent',
      counts: null,
    });
    const created = await send(s, { type: 'vault.create', passphrase: PASS });
    expect(created.type).toBe('vault.created');
    expect((created as { phrase: string }).phrase.split(' ')).toHaveLength(24);
    expect(await send(s, { type: 'vault.status' })).toMatchObject({
      state: 'unlocked',
      counts: { blacklist: 0, relationships: 0 },
    });
    expect(await send(s, { type: 'vault.lock' })).toMatchObject({ state: 'locked' });
    expect(await codeOf(() => send(s, { type: 'profile.get' }))).toBe('ERR_VAULT_LOCKED');
    expect(
      await codeOf(() => send(s, { type: 'vault.unlock', passphrase: 'wrong passphrase!' })),
    ).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    expect(await send(s, { type: 'vault.unlock', passphrase: PASS })).toMatchObject({
      state: 'unlocked',
    });
  });

  it('keeps the data key only in the session cell, so a worker restart stays unlocked', async () => {
    const { service, restart, ports } = setup();
    await send(service(), { type: 'vault.create', passphrase: PASS });
    expect((await ports.sessionKey.read())?.length).toBe(32);
    const restarted = restart();
    expect(await send(restarted, { type: 'vault.status' })).toMatchObject({ state: 'unlocked' });
    await send(restarted, { type: 'vault.lock' });
    expect(await ports.sessionKey.read()).toBeNull();
    expect(await send(restart(), { type: 'vault.status' })).toMatchObject({ state: 'locked' });
  });

  it('locks after the configured idle minutes, even across a restart', async () => {
    const { service, restart, clock, ports } = setup();
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    const settings = (await send(s, { type: 'settings.get' })) as Extract<
      Response,
      { type: 'settings' }
    >;
    await send(s, { type: 'settings.set', settings: { ...settings.settings, autoLockMinutes: 2 } });
    clock.ms += 119_000;
    await s.checkAutoLock();
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'unlocked' });
    clock.ms += 2_000;
    const r = restart();
    await r.checkAutoLock();
    expect(await send(r, { type: 'vault.status' })).toMatchObject({ state: 'locked' });
    expect(await ports.sessionKey.read()).toBeNull();
  });

  it('does not let an open dashboard’s status poll (every 5 s) keep the vault open', async () => {
    const { service, clock } = setup();
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    const { settings } = (await send(s, { type: 'settings.get' })) as Extract<
      Response,
      { type: 'settings' }
    >;
    await send(s, { type: 'settings.set', settings: { ...settings, autoLockMinutes: 1 } });
    let state = 'unlocked';
    for (let polls = 0; polls < 13 && state === 'unlocked'; polls++) {
      clock.ms += 5_000;
      state = ((await send(s, { type: 'vault.status' })) as { state: string }).state;
    }
    // The poll itself finds the idle time over and locks: the dashboard learns it at once.
    expect(state).toBe('locked');
  });

  it('edits the profile and the blacklist', async () => {
    const { service } = setup();
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    const { profile, revision } = (await send(s, { type: 'profile.get' })) as Extract<
      Response,
      { type: 'profile' }
    >;
    expect(profile).toMatchObject({ language: 'de', mode: 'manual' });
    await send(s, { type: 'profile.set', profile: { ...profile, mode: 'automatic' }, revision });
    expect(await send(s, { type: 'profile.get' })).toMatchObject({
      profile: { mode: 'automatic' },
    });
    const added = await send(s, {
      type: 'blacklist.add',
      target: { kind: 'company', company: CO_A },
      reason: 'too_frequent',
    });
    expect(added).toMatchObject({
      type: 'blacklist.added',
      added: true,
      askSignal: true,
      activeGrants: [],
    });
    const id = (added as Extract<Response, { type: 'blacklist.added' }>).entry.id;
    expect(await send(s, { type: 'blacklist.list' })).toMatchObject({
      entries: [{ id }],
      damaged: [],
    });
    await send(s, { type: 'blacklist.remove', id });
    expect(await send(s, { type: 'blacklist.list' })).toMatchObject({ entries: [] });
  });

  it('restores a backup into another profile', async () => {
    const a = setup();
    const sa = a.service();
    await send(sa, { type: 'vault.create', passphrase: PASS });
    await send(sa, {
      type: 'blacklist.add',
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    const { file } = (await send(sa, { type: 'backup.export' })) as Extract<
      Response,
      { type: 'backup' }
    >;
    const b = setup();
    const sb = b.service();
    expect(
      await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: false }),
    ).toMatchObject({
      state: 'unlocked',
      counts: { blacklist: 1 },
    });
  });

  it('recovers the identity from the phrase and asks the registry', async () => {
    const a = setup();
    const { phrase } = (await send(a.service(), {
      type: 'vault.create',
      passphrase: PASS,
    })) as Extract<Response, { type: 'vault.created' }>;
    const b = setup();
    const sb = b.service();
    expect(await send(sb, { type: 'vault.recover', phrase, passphrase: PASS })).toEqual({
      type: 'vault.recovered',
      companiesChecked: 1,
      relationships: 0,
      failed: 0,
      complaints: 0,
      complaintsNotRestored: 0,
    });
    // Again on the same identity: allowed (a recovery the network interrupted).
    expect(await send(sb, { type: 'vault.recover', phrase, passphrase: PASS })).toMatchObject({
      type: 'vault.recovered',
    });
    const other = (await send(setup().service(), { type: 'vault.create', passphrase: PASS })) as {
      phrase: string;
    };
    expect(
      await codeOf(() =>
        send(sb, { type: 'vault.recover', phrase: other.phrase, passphrase: PASS }),
      ),
    ).toBe('ERR_VAULT_EXISTS');
  });

  it('keeps a new recovery phrase showable until it is typed back, across a restart, and not after', async () => {
    const { service, restart } = setup();
    const created = (await send(service(), {
      type: 'vault.create',
      passphrase: PASS,
    })) as Extract<Response, { type: 'vault.created' }>;
    // The dashboard was left while the phrase showed (a reload, a worker restart in between).
    const s = restart();
    expect(await send(s, { type: 'vault.status' })).toMatchObject({
      state: 'unlocked',
      phraseUnconfirmed: true,
    });
    expect(await send(s, { type: 'vault.phrase' })).toEqual(created);
    expect(await send(s, { type: 'vault.phrase-confirmed' })).toEqual({ type: 'ok' });
    const status = await send(s, { type: 'vault.status' });
    expect(status).toMatchObject({ state: 'unlocked' });
    expect(status).not.toHaveProperty('phraseUnconfirmed');
    // From now on the phrase stays on paper.
    expect(await codeOf(() => send(s, { type: 'vault.phrase' }))).toBe('ERR_NOT_AUTHORISED');
    await send(s, { type: 'vault.lock' });
    expect(await codeOf(() => send(s, { type: 'vault.phrase' }))).toBe('ERR_VAULT_LOCKED');
    // A vault recovered from its phrase has it already: nothing to confirm.
    const b = setup().service();
    await send(b, { type: 'vault.recover', phrase: created.phrase, passphrase: PASS });
    expect(await send(b, { type: 'vault.status' })).not.toHaveProperty('phraseUnconfirmed');
  });

  it('finishes a recovery whose clearinghouse is out of reach into an open vault, and recovers later', async () => {
    const { phrase } = (await send(setup().service(), {
      type: 'vault.create',
      passphrase: PASS,
    })) as Extract<Response, { type: 'vault.created' }>;
    let reachable = false;
    const { service } = setup({
      fetch: (url, init) =>
        reachable ? registryFetch(url, init) : Promise.reject(new TypeError('fetch failed')),
    });
    const s = service();
    // Failed before: "unreachable" was thrown though the vault was made, and the page stayed on
    // a recovery form whose "create" then said a vault exists.
    expect(await send(s, { type: 'vault.recover', phrase, passphrase: PASS })).toEqual({
      type: 'vault.recovered',
      companiesChecked: 0,
      relationships: 0,
      failed: 0,
      complaints: 0,
      complaintsNotRestored: 0,
      unreachable: true,
    });
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'unlocked' });
    expect(await send(s, { type: 'vault.status' })).not.toHaveProperty('phraseUnconfirmed');
    reachable = true;
    expect(await send(s, { type: 'vault.recover', phrase, passphrase: '' })).toEqual({
      type: 'vault.recovered',
      companiesChecked: 1,
      relationships: 0,
      failed: 0,
      complaints: 0,
      complaintsNotRestored: 0,
    });
  });

  it('wipes only when confirmed, the problems it kept with it', async () => {
    const problems = cell<unknown>();
    const { service, clock } = setup({ problems });
    problems.value = [
      { at: clock.ms, where: 'settings.get', name: 'TypeError', message: 'kept', count: 1 },
    ];
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    expect(await codeOf(() => send(s, { type: 'vault.wipe', confirm: false }))).toBe(
      'ERR_MESSAGE_INVALID',
    );
    expect(await send(s, { type: 'problems.list' })).toMatchObject({
      problems: [{ message: 'kept' }],
    });
    expect(await send(s, { type: 'vault.wipe', confirm: true })).toMatchObject({ state: 'absent' });
    expect(await send(s, { type: 'problems.list' })).toEqual({ type: 'problems', problems: [] });
  });
  it('keeps what failed unexpectedly, not refusals, across a restart, until cleared', async () => {
    await ready();
    const problems = cell<unknown>();
    const settings = cell<unknown>();
    let broken = false;
    const { service, restart } = setup({
      problems,
      settings: {
        read: async () => {
          if (broken) throw new TypeError('storage.local is not available');
          return settings.value;
        },
        write: settings.write,
      },
    });
    const s = service();
    // A refusal is an answer, not a problem.
    expect(await codeOf(() => send(s, { type: 'profile.get' }))).toBe('ERR_VAULT_LOCKED');
    expect(await send(s, { type: 'problems.list' })).toEqual({ type: 'problems', problems: [] });
    broken = true;
    await expect(send(s, { type: 'settings.get' })).rejects.toThrow(TypeError);
    await expect(send(s, { type: 'settings.get' })).rejects.toThrow(TypeError);
    broken = false;
    // Kept in the cell (storage.local), so a restarted worker lists it too.
    const listed = await send(restart(), { type: 'problems.list' });
    expect(listed).toEqual({
      type: 'problems',
      problems: [
        {
          at: 1_750_000_000_000,
          where: 'settings.get',
          name: 'TypeError',
          message: 'storage.local is not available',
          count: 2,
        },
      ],
    });
    expect(await send(s, { type: 'problems.clear' })).toEqual({ type: 'ok' });
    expect(await send(restart(), { type: 'problems.list' })).toEqual({
      type: 'problems',
      problems: [],
    });
  });

  it('pins the log key on first contact, warns on a change and re-pins only when told', async () => {
    await sodiumReady();
    let served = logKeyOf(1);
    const fetch = describing(() => served);
    const { service } = setup({ fetch });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    expect(await s.lastLogKeyCheck).toBe('pinned');
    const pinned = (await s.settings()).pinnedLogKey;
    expect(pinned).toBe(logKeyOf(1));
    served = logKeyOf(2);
    expect(await send(s, { type: 'settings.check-log-key' })).toMatchObject({
      type: 'log-key',
      outcome: 'mismatch',
      settings: {
        pinnedLogKey: logKeyOf(1),
        logKeyMismatch: { pinned: logKeyOf(1), served: logKeyOf(2) },
      },
    });
    // The UI cannot overwrite the pin through settings.set.
    const current = await s.settings();
    await send(s, {
      type: 'settings.set',
      settings: { ...current, pinnedLogKey: logKeyOf(2), logKeyMismatch: null },
    });
    expect(await s.settings()).toMatchObject({ pinnedLogKey: logKeyOf(1) });
    expect(
      await codeOf(() => send(s, { type: 'settings.trust-log-key', served: logKeyOf(3) })),
    ).toBe('ERR_REQUEST_MISMATCH');
    expect(await send(s, { type: 'settings.trust-log-key', served: logKeyOf(2) })).toMatchObject({
      settings: { pinnedLogKey: logKeyOf(2), logKeyMismatch: null },
    });
    // A new clearinghouse URL is a new first contact.
    await send(s, {
      type: 'settings.set',
      settings: { ...(await s.settings()), clearinghouseUrl: 'https://ch.example' },
    });
    expect(await s.settings()).toMatchObject({ pinnedLogKey: null, pinnedLogOrigin: null });
  });
});

// Keeps the type import honest: every request type is handled (compile-time only).
export type _Handled = Exclude<Request['type'], `test.${string}`>;

describe('the settings a backup carries (clearinghouse address and pinned log key, language, auto-lock)', () => {
  const ownAddress = 'http://localhost:4201';

  /**
   * Profile A, as the customer set it up: a vault with a blacklist entry, its own clearinghouse
   * address (whose description serves the log key `logKeyOf(1)`, now pinned), English, 45 minutes.
   */
  async function profileA() {
    await sodiumReady();
    const a = setup({ fetch: describing(() => logKeyOf(1)) });
    const sa = a.service();
    await send(sa, { type: 'vault.create', passphrase: PASS });
    await sa.lastLogKeyCheck;
    await send(sa, {
      type: 'blacklist.add',
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    await send(sa, {
      type: 'settings.set',
      settings: {
        ...(await sa.settings()),
        clearinghouseUrl: ownAddress,
        language: 'en',
        autoLockMinutes: 45,
      },
    });
    expect(await send(sa, { type: 'settings.check-log-key' })).toMatchObject({
      outcome: 'pinned',
      settings: { clearinghouseUrl: ownAddress, pinnedLogKey: logKeyOf(1) },
    });
    return { a, sa };
  }

  /**
   * A fresh profile whose clearinghouse (at whatever address is asked) serves `served`, by
   * default another key than profile A's; null: its description is out of reach.
   */
  function freshProfile(served: string | null = logKeyOf(2)) {
    const asked: string[] = [];
    const serveOther = describing(() => served);
    const b = setup({
      fetch: (url, init) => {
        asked.push(url);
        return serveOther(url, init);
      },
    });
    return { b, sb: b.service(), asked };
  }

  async function exported(service: AssistantService): Promise<string> {
    const answer = await send(service, { type: 'backup.export' });
    return (answer as Extract<Response, { type: 'backup' }>).file;
  }

  it('puts them back on a fresh profile, which then trusts the same log, not the default address', async () => {
    const { sa } = await profileA();
    const before = await sa.settings();
    const file = await exported(sa);
    // The settings travel as an encrypted record under the backup's digest: not in clear text.
    expect(file).not.toContain('4201');
    expect(JSON.parse(file)).toMatchObject({ format: 'consent-assistant-backup', v: 1 });

    const { sb, asked } = freshProfile();
    expect(
      await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: false }),
    ).toMatchObject({
      type: 'vault.status',
      state: 'unlocked',
      counts: { blacklist: 1, relationships: 0 },
      language: 'en',
      restoredSettings: { outcome: 'restored', clearinghouseUrl: ownAddress },
    });
    // The first contact after the restore asks the restored address and holds what it serves
    // against the restored pin: another key is a mismatch to warn about, never pinned silently.
    expect(await sb.lastLogKeyCheck).toBe('mismatch');
    expect(asked.filter((u) => u.endsWith('/.well-known/clearinghouse.json'))).toEqual([
      `${ownAddress}/.well-known/clearinghouse.json`,
    ]);
    expect(await sb.settings()).toEqual({
      ...before,
      logKeyMismatch: { pinned: logKeyOf(1), served: logKeyOf(2), seenAt: expect.any(Number) },
    });
    expect(before).toMatchObject({
      clearinghouseUrl: ownAddress,
      pinnedLogKey: logKeyOf(1),
      pinnedLogOrigin: 'localhost:3000/log',
      language: 'en',
      autoLockMinutes: 45,
      logKeyMismatch: null,
    });
  });

  it('replaces a profile’s own settings when it restores in place of its vault', async () => {
    const { sa } = await profileA();
    const before = await sa.settings();
    const file = await exported(sa);
    const { sb } = freshProfile(null);
    await send(sb, { type: 'vault.create', passphrase: 'another passphrase, long' });
    await send(sb, {
      type: 'settings.set',
      settings: { ...(await sb.settings()), clearinghouseUrl: 'https://ch.example' },
    });
    expect(
      await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: true }),
    ).toMatchObject({ restoredSettings: { outcome: 'restored', clearinghouseUrl: ownAddress } });
    expect(await sb.lastLogKeyCheck).toBe('unreachable');
    expect(await sb.settings()).toEqual(before);
  });

  it('restores an older backup without settings as before, keeps this device’s and says so', async () => {
    const a = setup();
    const sa = a.service();
    await send(sa, { type: 'vault.create', passphrase: PASS });
    await send(sa, {
      type: 'blacklist.add',
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    // An older Assistant's backup: the vault's own file, with no settings record in it.
    const file = await (await a.vault()).exportBackup();
    const { sb } = freshProfile(null);
    await send(sb, {
      type: 'settings.set',
      settings: {
        ...(await sb.settings()),
        clearinghouseUrl: 'https://ch.example',
        language: 'de',
      },
    });
    const mine = await sb.settings();
    expect(
      await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: false }),
    ).toMatchObject({
      state: 'unlocked',
      counts: { blacklist: 1 },
      restoredSettings: { outcome: 'not-in-backup', clearinghouseUrl: 'https://ch.example' },
    });
    expect(await sb.lastLogKeyCheck).toBe('unreachable');
    expect(await sb.settings()).toEqual(mine);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a plain-http address off loopback', { clearinghouseUrl: 'http://ch.example' }],
    ['a language this version does not know', { language: 'fr' }],
    ['an auto-lock out of range', { autoLockMinutes: 0 }],
    ['a pinned key not named after its origin', { pinnedLogOrigin: 'other.example/log' }],
    ['no address at all', { clearinghouseUrl: undefined }],
  ])(
    'restores the vault but none of the backup’s settings when they are not valid (%s)',
    async (_name, change) => {
      const { a, sa } = await profileA();
      // As a damaged or a later version's Assistant might have written them.
      const vault = await a.vault();
      await vault.put(settingsRecord.table, settingsRecord.id, {
        ...(await sa.settings()),
        ...change,
      });
      const file = await vault.exportBackup();
      const { sb } = freshProfile(null);
      await send(sb, {
        type: 'settings.set',
        settings: { ...(await sb.settings()), clearinghouseUrl: 'https://ch.example' },
      });
      const mine = await sb.settings();
      expect(
        await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: false }),
      ).toMatchObject({
        state: 'unlocked',
        counts: { blacklist: 1 },
        restoredSettings: { outcome: 'not-restored', clearinghouseUrl: 'https://ch.example' },
      });
      // All or nothing: not even the valid ones (an address without its pin would be a new
      // first contact with whatever that address serves).
      expect(await sb.lastLogKeyCheck).toBe('unreachable');
      expect(await sb.settings()).toEqual(mine);
    },
  );

  it('refuses a backup whose settings were altered in the file, and changes nothing', async () => {
    const { sa } = await profileA();
    const backup = JSON.parse(await exported(sa)) as {
      records: { table: string; id: string; ciphertext: string }[];
    };
    const record = backup.records.find(
      (r) => r.table === settingsRecord.table && r.id === settingsRecord.id,
    )!;
    expect(record).toBeDefined();
    const bytes = base64urlDecode(record.ciphertext);
    bytes[0]! ^= 1;
    record.ciphertext = base64urlEncode(bytes);
    const { sb } = freshProfile();
    const mine = await sb.settings();
    expect(
      await codeOf(() =>
        send(sb, {
          type: 'backup.restore',
          file: JSON.stringify(backup),
          passphrase: PASS,
          replace: false,
        }),
      ),
    ).toBe('ERR_VAULT_BACKUP_INVALID');
    expect(await sb.settings()).toEqual(mine);
    expect(await send(sb, { type: 'vault.status' })).toMatchObject({ state: 'absent' });
  });

  it('exports even when the vault’s copy of the settings from the last export is damaged', async () => {
    const { a, sa } = await profileA();
    await exported(sa);
    // A flipped bit in the copy the last export left in the vault.
    const db = new Dexie(a.name);
    await db.open();
    const row = (await db.table(settingsRecord.table).get(settingsRecord.id)) as {
      c: Uint8Array;
    };
    row.c[0]! ^= 1;
    await db.table(settingsRecord.table).put(row);
    db.close();
    const file = await exported(sa);
    const { sb } = freshProfile();
    expect(
      await send(sb, { type: 'backup.restore', file, passphrase: PASS, replace: false }),
    ).toMatchObject({ restoredSettings: { outcome: 'restored', clearinghouseUrl: ownAddress } });
  });

  it('leaves a recovery from the phrase as it was: this device’s settings stay', async () => {
    const a = setup();
    const { phrase } = (await send(a.service(), {
      type: 'vault.create',
      passphrase: PASS,
    })) as Extract<Response, { type: 'vault.created' }>;
    const { sb } = freshProfile();
    await send(sb, {
      type: 'settings.set',
      settings: { ...(await sb.settings()), language: 'en', autoLockMinutes: 30 },
    });
    const mine = await sb.settings();
    expect(await send(sb, { type: 'vault.recover', phrase, passphrase: PASS })).toEqual({
      type: 'vault.recovered',
      companiesChecked: 1,
      relationships: 0,
      failed: 0,
      complaints: 0,
      complaintsNotRestored: 0,
    });
    // Pinned by the first contact after the recovery, at this device's (default) address.
    expect(await sb.lastLogKeyCheck).toBe('pinned');
    expect(await sb.settings()).toEqual({
      ...mine,
      pinnedLogKey: logKeyOf(2),
      pinnedLogOrigin: 'localhost:3000/log',
    });
  });
});

describe('a backup restore beside the vault’s other writes', () => {
  type Profile = Extract<Response, { type: 'profile' }>;

  /**
   * A vault whose backup (`file`) holds its profile in automatic mode (`restored`), set back to
   * manual since. Its next profile write waits, once it has read the profile, until `release`
   * (`writing` resolves then); `replacing` resolves when the restore is about to replace the
   * records (it waits for the vault's turns then), or has done so already.
   */
  async function withWriteUnderWay() {
    const { service, vault } = setup();
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    const profile = async () => (await send(s, { type: 'profile.get' })) as Profile;
    const first = await profile();
    const restored = (await send(s, {
      type: 'profile.set',
      profile: { ...first.profile, mode: 'automatic' },
      revision: first.revision,
    })) as Profile;
    const { file } = (await send(s, { type: 'backup.export' })) as Extract<
      Response,
      { type: 'backup' }
    >;
    await send(s, {
      type: 'profile.set',
      profile: { ...restored.profile, mode: 'manual' },
      revision: restored.revision,
    });
    const v = await vault();
    const put = v.put.bind(v);
    let startedWriting!: () => void;
    const writing = new Promise<void>((resolve) => (startedWriting = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    v.put = async (table, id, value) => {
      if (table === 'profile' && id === 'current') {
        v.put = put;
        startedWriting();
        await released;
      }
      return put(table, id, value);
    };
    const restoreBackup = v.restoreBackup.bind(v);
    let reached!: () => void;
    const replacing = new Promise<void>((resolve) => (reached = resolve));
    v.restoreBackup = (text, passphrase, options) =>
      restoreBackup(text, passphrase, {
        ...options,
        replacing: async (replace) => {
          reached();
          await (options?.replacing ?? ((run) => run()))(replace);
        },
      }).finally(reached);
    const restore = () =>
      send(s, { type: 'backup.restore', file, passphrase: PASS, replace: true });
    return { s, profile, restored: restored.profile, writing, release, replacing, restore };
  }

  it('lets a profile write under way end first, then puts the backup’s profile back over it', async () => {
    const { s, profile, restored, writing, release, replacing, restore } =
      await withWriteUnderWay();
    const answering = send(s, { type: 'blacklist.signal', choice: 'send' });
    await writing;
    const restoring = restore();
    await replacing;
    release();
    await Promise.all([answering, restoring]);
    expect((await profile()).profile).toEqual(restored);
  });

  it('starts a profile write asked for while the restore waits after it, on the restored profile', async () => {
    const { s, profile, restored, writing, release, replacing, restore } =
      await withWriteUnderWay();
    const answering = send(s, { type: 'blacklist.signal', choice: 'send' });
    await writing;
    const restoring = restore();
    await replacing;
    const after = send(s, { type: 'blacklist.signal', choice: 'never' });
    release();
    await Promise.all([answering, restoring, after]);
    expect((await profile()).profile).toEqual({ ...restored, blacklistSignal: 'never' });
  });
});

describe('a backup restore while a refresh waits on the clearinghouse', () => {
  const pseudonym = `ps_${'P'.repeat(42)}A`;
  const base64url = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  /**
   * A vault holding one relationship, its backup (`file`, the records it lists in `backedUp`),
   * and a clearinghouse whose relationships batch, once `hold()` was called, waits until
   * `release()` (`held` resolves when the refresh asked it).
   */
  async function withRefreshHeld() {
    await sodiumReady(); // logKeyOf
    let holding = false;
    let reached!: () => void;
    const held = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow: ClientFetch = async (url, init) => {
      if (holding && url.endsWith('/api/v1/relationships/batch')) {
        reached();
        await released;
      }
      return registryFetch(url, init);
    };
    const { service, vault } = setup({ fetch: describing(() => logKeyOf(1), slow) });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    await s.lastLogKeyCheck;
    const grant = `eyJh.${base64url({ scopes: [{ purpose: 'product_launch', dataCategories: ['address'] }] })}.c2ln`;
    const v = await vault();
    await v.put('relationships', pseudonym, {
      pseudonym,
      company: { id: CO_A, legalName: 'A GmbH', domain: 'https://a.example', status: 'active' },
      requests: [],
      grants: [{ sha256: 'G'.repeat(42) + 'A', jws: grant, status: 'active', revokedPurposes: [] }],
      refusals: [],
      revocations: [],
    });
    const { file } = (await send(s, { type: 'backup.export' })) as Extract<
      Response,
      { type: 'backup' }
    >;
    const backedUp = (JSON.parse(file) as { records: { table: string; id: string }[] }).records
      .map((r) => `${r.table}/${r.id}`)
      .sort();
    const restore = () =>
      send(s, { type: 'backup.restore', file, passphrase: PASS, replace: true });
    /** Every record the vault holds now, as `table/id`. */
    const stored = async () => {
      const ids: string[] = [];
      for (const table of ['identity', 'profile', 'blacklist', 'relationships', 'sites'] as const)
        for (const { id } of (await v.list(table)).items) ids.push(`${table}/${id}`);
      return ids.sort();
    };
    return { s, v, backedUp, restore, stored, held, release, hold: () => (holding = true) };
  }

  it('keeps nothing of an offers sync that read the old records: the vault holds the backup’s', async () => {
    const { s, backedUp, restore, stored, held, release, hold } = await withRefreshHeld();
    expect(backedUp).toContain(`relationships/${pseudonym}`);
    expect(backedUp).not.toContain('profile/relationships-refreshed');
    expect(backedUp).not.toContain('profile/offers');
    hold();
    // The offers alarm: it refreshes the relationships first, and waits on the clearinghouse.
    const syncing = s.syncOffers();
    await held;
    await restore();
    release();
    // Ended quietly, as work the restore overtook: no failure, no problem kept.
    await expect(syncing).resolves.toBeUndefined();
    expect(await stored()).toEqual(backedUp);
    expect(await send(s, { type: 'problems.list' })).toEqual({ type: 'problems', problems: [] });
  });

  it('answers a relationships refresh the restore overtook with ERR_VAULT_REPLACED, keeping none of it', async () => {
    const { s, backedUp, restore, stored, held, release, hold } = await withRefreshHeld();
    hold();
    const refreshing = codeOf(() => send(s, { type: 'relationships.list', refresh: true }));
    await held;
    await restore();
    release();
    expect(await refreshing).toBe('ERR_VAULT_REPLACED');
    expect(await stored()).toEqual(backedUp);
    // Asked again, it refreshes the restored records.
    expect(await send(s, { type: 'relationships.list', refresh: true })).toMatchObject({
      type: 'relationships',
      items: [expect.objectContaining({ pseudonym })],
    });
  });
});

describe('the page bridge in the service (issue 7)', () => {
  const page = { kind: 'page', origin: 'http://localhost:4000', tabId: 7 } as const;
  const handle = (
    s: AssistantService,
    message: unknown,
    sender: Parameters<AssistantService['handle']>[1],
  ) => s.handle(parseRequest(message) as Parameters<AssistantService['handle']>[0], sender);

  it('lets a web page use only the bridge, and the bridge only from a web page', async () => {
    await ready();
    const s = setup().service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    expect(await codeOf(() => handle(s, { type: 'vault.status' }, page))).toBe(
      'ERR_NOT_AUTHORISED',
    );
    expect(await codeOf(() => handle(s, { type: 'profile.get' }, page))).toBe('ERR_NOT_AUTHORISED');
    expect(
      await codeOf(() =>
        handle(
          s,
          { type: 'bridge.request', id: 'a1', request: 'A'.repeat(43) },
          { kind: 'extension' },
        ),
      ),
    ).toBe('ERR_NOT_AUTHORISED');
  });

  it('hands the customer view only to the clearinghouse’s own origin', async () => {
    await ready();
    const s = setup().service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    expect(
      await codeOf(() => handle(s, { type: 'bridge.customer-view', mode: 'stored' }, page)),
    ).toBe('ERR_BRIDGE_ORIGIN_MISMATCH');
    const own = { ...page, origin: 'http://localhost:3000' };
    // The stored copy needs no network; a refresh records when it completed (issue 9).
    expect(await handle(s, { type: 'bridge.customer-view', mode: 'stored' }, own)).toEqual({
      type: 'bridge.customer-view',
      items: [],
      asOf: null,
      fresh: false,
    });
    expect(await handle(s, { type: 'bridge.customer-view', mode: 'refresh' }, own)).toEqual({
      type: 'bridge.customer-view',
      items: [],
      asOf: expect.any(Number),
      fresh: true,
    });
  });

  it('opens the dashboard for the clearinghouse’s unlock while locked, once per tab in 5 s', async () => {
    await ready();
    const opens: number[] = [];
    const { service, clock } = setup({
      openDashboard: () => {
        opens.push(clock.ms);
        return Promise.resolve();
      },
    });
    const s = service();
    const own = { ...page, origin: 'http://localhost:3000' };
    const unlock = (sender: Parameters<AssistantService['handle']>[1]) =>
      handle(s, { type: 'bridge.unlock' }, sender);
    // No vault: nothing to unlock, and nothing opened.
    expect(await codeOf(() => unlock(own))).toBe('ERR_VAULT_ABSENT');
    await send(s, { type: 'vault.create', passphrase: PASS });
    // Unlocked: nothing to open; the page asks for its view again.
    expect(await unlock(own)).toEqual({ type: 'ok' });
    expect(opens).toEqual([]);
    await send(s, { type: 'vault.lock' });
    // Any other page, and the extension's own pages, are refused.
    expect(await codeOf(() => unlock(page))).toBe('ERR_BRIDGE_ORIGIN_MISMATCH');
    expect(await codeOf(() => unlock({ kind: 'extension' }))).toBe('ERR_NOT_AUTHORISED');
    expect(opens).toEqual([]);
    const first = clock.ms;
    expect(await unlock(own)).toEqual({ type: 'ok' });
    expect(opens).toEqual([first]);
    // The same tab again within the interval: refused, nothing opened.
    clock.ms += unlockPromptIntervalMs - 1;
    expect(await codeOf(() => unlock(own))).toBe('ERR_RATE_LIMITED');
    expect(opens).toEqual([first]);
    // Another tab is a page of its own.
    expect(await unlock({ ...own, tabId: 8 })).toEqual({ type: 'ok' });
    expect(opens).toHaveLength(2);
    // Once the interval passed, the first tab may open it again.
    clock.ms = first + unlockPromptIntervalMs;
    expect(await unlock(own)).toEqual({ type: 'ok' });
    expect(opens).toHaveLength(3);
  });

  it('answers ERR_VAULT_LOCKED when the dashboard cannot be opened, so the page keeps its steps', async () => {
    await ready();
    let fail = true;
    const opens: string[] = [];
    const { service } = setup({
      openDashboard: () => {
        opens.push('tried');
        return fail ? Promise.reject(new Error('No options page')) : Promise.resolve();
      },
    });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    await send(s, { type: 'vault.lock' });
    const own = { ...page, origin: 'http://localhost:3000', tabId: 9 };
    expect(await codeOf(() => handle(s, { type: 'bridge.unlock' }, own))).toBe('ERR_VAULT_LOCKED');
    expect(opens).toEqual(['tried']);
    // The platform's failure is kept for the settings page's problem list.
    await send(s, { type: 'vault.unlock', passphrase: PASS });
    expect(await send(s, { type: 'problems.list' })).toMatchObject({
      problems: [expect.objectContaining({ where: 'bridge.unlock' })],
    });
    // A service without the platform call says the same.
    const bare = setup().service();
    await send(bare, { type: 'vault.create', passphrase: PASS });
    await send(bare, { type: 'vault.lock' });
    fail = false;
    expect(await codeOf(() => handle(bare, { type: 'bridge.unlock' }, own))).toBe(
      'ERR_VAULT_LOCKED',
    );
  });

  it('lets no web page keep the vault open: only the owner’s own pages postpone the auto-lock', async () => {
    await ready();
    const { service, clock } = setup();
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    const { settings } = (await send(s, { type: 'settings.get' })) as Extract<
      Response,
      { type: 'settings' }
    >;
    await send(s, { type: 'settings.set', settings: { ...settings, autoLockMinutes: 2 } });
    const own = { ...page, origin: 'http://localhost:3000' };
    // A page posting junk, and the clearinghouse's own page reading the view, once a minute.
    const pageRequests: [unknown, Parameters<AssistantService['handle']>[1]][] = [
      [{ type: 'bridge.request', id: 'a1', request: 'A'.repeat(43) }, page],
      [{ type: 'bridge.customer-view', mode: 'stored' }, own],
      [{ type: 'bridge.action', action: { kind: 'revoke', company: CO_A } }, own],
      [{ type: 'bridge.poll', ticket: 'A'.repeat(22) }, page],
    ];
    for (let minute = 0; minute < 3; minute++) {
      clock.ms += 60_000;
      for (const [message, sender] of pageRequests) await codeOf(() => handle(s, message, sender));
    }
    await s.checkAutoLock();
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'locked' });
  });

  it('stays unlocked when a status poll arrives while the new vault is being opened', async () => {
    await ready();
    // A slow session store widens the window between "open in memory" and "activity recorded".
    const lastActivity = cell<number>();
    const write = lastActivity.write;
    lastActivity.write = async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await write(value);
    };
    const s = setup({ lastActivity }).service();
    const creating = send(s, { type: 'vault.create', passphrase: PASS });
    await expect.poll(() => opened.at(-1)?.isUnlocked ?? false, { interval: 5 }).toBe(true);
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'unlocked' });
    expect((await creating).type).toBe('vault.created');
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'unlocked' });
  });
});

describe('the anonymous blacklist signal in the service', () => {
  it('sends it with the entry, keeps it while the clearinghouse is down, and withdraws it on “never”', async () => {
    await ready();
    const name = `service-signal-${Date.now()}-${counter++}`;
    const posted: { action: string; reason: string; company: string }[] = [];
    let down = true;
    const fetch: ClientFetch = async (url, init) => {
      if (!url.endsWith('/api/v1/blacklist')) return registryFetch(url, init);
      if (down) throw new TypeError('fetch failed');
      const token = String(init.body);
      const payload = JSON.parse(
        new TextDecoder().decode(base64urlDecode(token.split('.')[1]!)),
      ) as { action: string; reason: string; company: string };
      posted.push({ action: payload.action, reason: payload.reason, company: payload.company });
      return {
        status: 201,
        text: async () => JSON.stringify({ sha256: 'A'.repeat(43), counted: true }),
      };
    };
    // The service's own vault object, so the test can give it a relationship.
    let captured: Vault | undefined;
    const { service } = setup({
      fetch,
      vault: async () => {
        captured = await Vault.open({
          name,
          params: testArgon2Params,
          now: () => 1_750_000_000_000,
        });
        opened.push(captured);
        return captured;
      },
    });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    await captured!.put('relationships', `ps_${'P'.repeat(42)}A`, {
      pseudonym: `ps_${'P'.repeat(42)}A`,
      company: { id: CO_A, legalName: 'A GmbH', domain: 'https://a.example', status: 'active' },
      requests: [],
      grants: [],
      refusals: [{ sha256: 'R'.repeat(42) + 'A', jws: 'eyJh.eyJi.c2ln', askAgainAfter: null }],
      revocations: [],
    });
    await send(s, { type: 'blacklist.signal', choice: 'send' });
    const added = (await send(s, {
      type: 'blacklist.add',
      target: { kind: 'company', company: CO_A },
      reason: 'misleading',
    })) as Extract<Response, { type: 'blacklist.added' }>;
    expect(added).toMatchObject({ added: true, askSignal: false });
    expect(await send(s, { type: 'blacklist.list' })).toMatchObject({
      signalChoice: 'send',
      signals: [{ entry: added.entry.id, action: 'add', state: 'pending' }],
    });
    down = false;
    await s.syncOffers();
    expect(posted).toEqual([{ action: 'add', reason: 'misleading', company: CO_A }]);
    expect(await send(s, { type: 'blacklist.list' })).toMatchObject({
      signals: [{ entry: added.entry.id, state: 'sent' }],
    });
    await send(s, { type: 'blacklist.signal', choice: 'never' });
    expect(posted.map((p) => p.action)).toEqual(['add', 'withdraw']);
    expect(await send(s, { type: 'blacklist.list' })).toMatchObject({
      signalChoice: 'never',
      signals: [],
      entries: [{ id: added.entry.id }],
    });
  });
});

describe('the customer’s actions in the service when the clearinghouse lets them down', () => {
  const own = { kind: 'page', origin: 'http://localhost:3000', tabId: 9 } as const;
  const handle = (
    s: AssistantService,
    message: unknown,
    sender: Parameters<AssistantService['handle']>[1],
  ) => s.handle(parseRequest(message) as Parameters<AssistantService['handle']>[0], sender);
  const base64url = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  /**
   * A service whose vault holds an active grant to CO_A covering `address`, the clearinghouse
   * serving the log key `served()` (null: out of reach) when the vault is created: pinned then by
   * default, as nothing logged is sent without a pinned log key.
   */
  async function withGrant(
    overrides: Partial<ServicePorts> = {},
    served: () => string | null = () => logKeyOf(1),
  ) {
    await sodiumReady(); // logKeyOf
    const name = `service-actions-${Date.now()}-${counter++}`;
    let captured: Vault | undefined;
    const { service } = setup({
      ...overrides,
      fetch: describing(served, overrides.fetch),
      vault: async () => {
        captured = await Vault.open({
          name,
          params: testArgon2Params,
          now: () => 1_750_000_000_000,
        });
        opened.push(captured);
        return captured;
      },
    });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    await s.lastLogKeyCheck;
    const grant = `eyJh.${base64url({ scopes: [{ purpose: 'product_launch', dataCategories: ['address'] }] })}.c2ln`;
    await captured!.put('relationships', `ps_${'P'.repeat(42)}A`, {
      pseudonym: `ps_${'P'.repeat(42)}A`,
      company: { id: CO_A, legalName: 'A GmbH', domain: 'https://a.example', status: 'active' },
      requests: [],
      grants: [{ sha256: 'G'.repeat(42) + 'A', jws: grant, status: 'active', revokedPurposes: [] }],
      refusals: [],
      revocations: [],
    });
    return s;
  }

  it('ends the company page’s action ticket whatever the error, so the page learns it', async () => {
    await ready();
    let failing = false;
    const s = await withGrant({
      randomBytes: (n) => {
        if (failing) throw new TypeError('no randomness');
        return randomBytes(n);
      },
    });
    const accepted = (await handle(
      s,
      { type: 'bridge.action', action: { kind: 'revoke', company: CO_A } },
      own,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    // Something that is not a ProtocolError fails while the revocation is signed.
    failing = true;
    await expect(
      send(s, { type: 'wallet.action-answer', ticket: accepted.ticket, confirm: true }),
    ).rejects.toThrow(TypeError);
    failing = false;
    expect(await handle(s, { type: 'bridge.action-poll', ticket: accepted.ticket }, own)).toEqual({
      type: 'bridge.action-outcome',
      outcome: { outcome: 'error', code: 'ERR_ASSISTANT_UNEXPECTED' },
    });
  });

  it('keeps the action open when the vault locked before the customer confirmed it', async () => {
    await ready();
    const s = await withGrant();
    const accepted = (await handle(
      s,
      { type: 'bridge.action', action: { kind: 'revoke', company: CO_A } },
      own,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    const poll = () => handle(s, { type: 'bridge.action-poll', ticket: accepted.ticket }, own);
    await send(s, { type: 'vault.lock' });
    expect(
      await codeOf(() =>
        send(s, { type: 'wallet.action-answer', ticket: accepted.ticket, confirm: true }),
      ),
    ).toBe('ERR_VAULT_LOCKED');
    // Failed before: the action ended as an error, and the customer had to start it again.
    expect(await poll()).toEqual({ type: 'bridge.action-outcome', outcome: null });
    await send(s, { type: 'vault.unlock', passphrase: PASS });
    await send(s, { type: 'wallet.action-answer', ticket: accepted.ticket, confirm: false });
    expect(await poll()).toEqual({
      type: 'bridge.action-outcome',
      outcome: { outcome: 'cancelled' },
    });
  });

  it('ends an action left while the vault is locked as cancelled, signing nothing and asking for no passphrase', async () => {
    await ready();
    const posted: string[] = [];
    const s = await withGrant({
      fetch: async (url, init) => {
        if (init.method !== 'GET') posted.push(url);
        return registryFetch(url, init);
      },
    });
    const accepted = (await handle(
      s,
      { type: 'bridge.action', action: { kind: 'revoke', company: CO_A } },
      own,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    await send(s, { type: 'vault.lock' });
    // The window closed or left with Escape at its passphrase prompt (ui/consent/ActionConfirm).
    await send(s, { type: 'wallet.action-answer', ticket: accepted.ticket, confirm: false });
    expect(await handle(s, { type: 'bridge.action-poll', ticket: accepted.ticket }, own)).toEqual({
      type: 'bridge.action-outcome',
      outcome: { outcome: 'cancelled' },
    });
    expect(posted).toEqual([]);
    expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'locked' });
    // The tab is free for the page's next action at once, not after the action's lifetime.
    await send(s, { type: 'vault.unlock', passphrase: PASS });
    await expect(
      handle(s, { type: 'bridge.action', action: { kind: 'revoke', company: CO_A } }, own),
    ).resolves.toMatchObject({ type: 'bridge.accepted' });
  });

  it.each(['out of reach at the unlock', 'at a new URL'] as const)(
    'pins the log key of a clearinghouse %s before a revocation, instead of refusing it',
    async (when) => {
      await ready();
      const posted: string[] = [];
      let served: string | null = when === 'at a new URL' ? logKeyOf(1) : null;
      const s = await withGrant(
        {
          fetch: async (url, init) => {
            // The revocation goes, and its answer is lost: it stays in the outbox.
            if (url.endsWith('/api/v1/revocations')) {
              posted.push(url);
              throw new TypeError('fetch failed');
            }
            return registryFetch(url, init);
          },
        },
        () => served,
      );
      if (when === 'at a new URL')
        await send(s, {
          type: 'settings.set',
          settings: { ...(await s.settings()), clearinghouseUrl: 'http://127.0.0.1:3000' },
        });
      expect(await s.settings()).toMatchObject({ pinnedLogKey: null });
      served = logKeyOf(2);
      expect(
        await codeOf(() => send(s, { type: 'relationships.revoke', company: CO_A, grants: 'all' })),
      ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
      expect(posted[0]).toMatch(/\/api\/v1\/revocations$/);
      expect(await s.settings()).toMatchObject({
        pinnedLogKey: logKeyOf(2),
        pinnedLogOrigin: 'localhost:3000/log',
      });
    },
  );

  it.each([
    ['refuses the batch', 'ERR_NOT_AUTHORISED'],
    ['cannot be reached', 'ERR_CLEARINGHOUSE_UNREACHABLE'],
    ['answers', undefined],
  ] as const)(
    'lists the vault’s relationships when the clearinghouse %s on a refresh, saying why it failed',
    async (what, code) => {
      const s = await withGrant({
        fetch: async (url, init) => {
          if (url.endsWith('/api/v1/relationships/batch')) {
            if (what === 'cannot be reached') throw new TypeError('fetch failed');
            if (what === 'refuses the batch')
              return {
                status: 403,
                text: async () => JSON.stringify({ code: 'ERR_NOT_AUTHORISED' }),
              };
          }
          return registryFetch(url, init);
        },
      });
      const listed = (await send(s, { type: 'relationships.list', refresh: true })) as Extract<
        Response,
        { type: 'relationships' }
      >;
      expect(listed.items.map((r) => [r.company.id, r.grants.map((g) => g.status)])).toEqual([
        [CO_A, ['active']],
      ]);
      expect(listed.refreshFailed).toBe(code);
    },
  );

  it('keeps a correction the clearinghouse could not take and names the company in the listing', async () => {
    await ready();
    const s = await withGrant({
      fetch: async (url, init) => {
        if (url.includes(`/api/v1/companies/${CO_A}`)) throw new TypeError('fetch failed');
        return registryFetch(url, init);
      },
    });
    expect(
      await send(s, {
        type: 'relationships.correct',
        dataCategory: 'address',
        value: 'Hauptstraße 1',
      }),
    ).toEqual({ type: 'corrections.sent', sent: 0, failed: 1 });
    const listed = (await send(s, { type: 'relationships.list', refresh: false })) as Extract<
      Response,
      { type: 'relationships' }
    >;
    expect(listed.items.map((r) => [r.company.id, r.pendingCorrections])).toEqual([
      [CO_A, [{ dataCategory: 'address', error: null }]],
    ]);
  });
});

describe('what a company’s page learns of the customer’s own reasons', () => {
  const page = { kind: 'page', origin: companyOrigin, tabId: 5 } as const;
  const handle = (
    s: AssistantService,
    message: unknown,
    sender: Parameters<AssistantService['handle']>[1],
  ) => s.handle(parseRequest(message) as Parameters<AssistantService['handle']>[0], sender);

  /**
   * The service over a fake clearinghouse with one signed open request, and the windows it opened
   * (`opening`: a window opens at once, never finishes opening, or cannot be opened).
   */
  async function withRequest(
    opening: 'at once' | 'never' | 'fails' = 'at once',
    extra: Partial<ServicePorts> = {},
  ) {
    await ready();
    const ch = await FakeClearinghouse.create(1_750_000_000_000);
    const sha = await ch.addRequest(1_750_000_000);
    const json = (status: number, body: unknown) => ({
      status,
      text: async () => JSON.stringify(body),
    });
    const fetch: ClientFetch = async (url) => {
      const [, kind, id] = /\/api\/v1\/(grant-requests|companies)\/([^/?]+)$/.exec(url) ?? [];
      try {
        if (kind === 'grant-requests') return json(200, await ch.getGrantRequest(id!));
        if (kind === 'companies') return json(200, await ch.getCompany(decodeURIComponent(id!)));
      } catch (e) {
        if (e instanceof ApiProblem) return json(e.status, e.problem);
        throw e;
      }
      return registryFetch(url, { method: 'GET', headers: {} });
    };
    const windows: string[] = [];
    const { service, restart, clock, vault } = setup({
      ...extra,
      fetch,
      openConsentWindow: async (ticket) => {
        windows.push(ticket);
        if (opening === 'never') await new Promise(() => undefined);
        if (opening === 'fails') throw new Error('no window');
      },
    });
    const s = service();
    const { phrase } = (await send(s, { type: 'vault.create', passphrase: PASS })) as {
      phrase: string;
    };
    return { s, restart, ch, sha, windows, phrase, clock, vault };
  }

  /** Declines the company for the customer's own reason `reason`. */
  async function decline(
    reason: 'blacklisted' | 'asked too early',
    { s, ch, vault }: Awaited<ReturnType<typeof withRequest>>,
  ) {
    if (reason === 'blacklisted') {
      await send(s, {
        type: 'blacklist.add',
        target: { kind: 'company', company: ch.company.id },
        reason: 'too_frequent',
      });
      return;
    }
    // A refusal of last week with "ask me again after" a month.
    const seed = (await (await vault()).get('identity', 'master')) as { masterSeed: string };
    const bytes = new Uint8Array(seed.masterSeed.match(/../g)!.map((h) => parseInt(h, 16)));
    const { pseudonym } = await companyIdentity(bytes, ch.company.id);
    await (
      await vault()
    ).put('relationships', pseudonym, {
      pseudonym,
      company: {
        id: ch.company.id,
        legalName: 'Laufhaus GmbH',
        domain: companyOrigin,
        status: 'active',
      },
      requests: [],
      grants: [],
      refusals: [
        {
          sha256: `${'R'.repeat(42)}A`,
          jws: 'eyJh.e30.c2ln',
          askAgainAfter: 1_750_000_000 + 23 * 86_400,
        },
      ],
      revocations: [],
    });
  }

  it.each([
    ['blacklisted', 'unlocked'],
    ['blacklisted', 'locked'],
    ['asked too early', 'unlocked'],
    ['asked too early', 'locked'],
  ] as const)(
    'answers a page the customer %s (vault %s) only as a window closed without an answer',
    async (reason, state) => {
      const setup = await withRequest();
      const { s, sha, windows } = setup;
      await decline(reason, setup);
      if (state === 'locked') await send(s, { type: 'vault.lock' });
      // A window opens, as for any request the customer is asked about.
      const accepted = (await handle(
        s,
        { type: 'bridge.request', id: 'r1', request: sha },
        page,
      )) as Extract<Response, { type: 'bridge.accepted' }>;
      expect(windows).toEqual([accepted.ticket]);
      const ticket = accepted.ticket;
      if (state === 'locked') await send(s, { type: 'vault.unlock', passphrase: PASS });
      // The window tells the customer why; the page still waits.
      expect(await codeOf(() => send(s, { type: 'wallet.pending', ticket }))).toBe(
        reason === 'blacklisted' ? 'ERR_COMPANY_BLACKLISTED' : 'ERR_ASK_AGAIN_LATER',
      );
      const poll = () => handle(s, { type: 'bridge.poll', ticket }, page);
      expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: null });
      // The customer closes the window: the page learns what any unanswered window tells it.
      await send(s, { type: 'wallet.cancel', ticket });
      expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: { outcome: 'cancelled' } });
    },
  );

  it('answers the page before its window is open; one that cannot open ends the request as cancelled', async () => {
    // Failed before: the page heard back only once the window was open, so how long that took
    // told it whether it got a window at all (a company declined today gets none).
    const slow = await withRequest('never');
    const accepted = (await handle(
      slow.s,
      { type: 'bridge.request', id: 'r', request: slow.sha },
      page,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    expect(slow.windows).toEqual([accepted.ticket]);
    const failing = await withRequest('fails');
    const { ticket } = (await handle(
      failing.s,
      { type: 'bridge.request', id: 'r', request: failing.sha },
      page,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    await expect
      .poll(() => handle(failing.s, { type: 'bridge.poll', ticket }, page))
      .toEqual({ type: 'bridge.outcome', outcome: { outcome: 'cancelled' } });
  });

  /** Sets the auto-lock to `minutes` (the owner's change, which counts as activity). */
  async function autoLockAfter(s: AssistantService, minutes: number) {
    const { settings } = (await send(s, { type: 'settings.get' })) as Extract<
      Response,
      { type: 'settings' }
    >;
    await send(s, { type: 'settings.set', settings: { ...settings, autoLockMinutes: minutes } });
  }

  it.each(['blacklisted', 'asked too early'] as const)(
    'opens one window a day for a company the customer %s; later requests hear “cancelled” after a human delay, with no window',
    async (reason) => {
      const setup = await withRequest();
      const { s, sha, windows, clock } = setup;
      await decline(reason, setup);
      const ask = async (tabId: number) =>
        (
          (await handle(
            s,
            { type: 'bridge.request', id: 'r', request: sha },
            { ...page, tabId },
          )) as Extract<Response, { type: 'bridge.accepted' }>
        ).ticket;
      const poll = (ticket: string, tabId: number) =>
        handle(s, { type: 'bridge.poll', ticket }, { ...page, tabId });
      // The first: a window that says why; closed, the page hears "cancelled".
      const first = await ask(5);
      expect(windows).toEqual([first]);
      expect(await codeOf(() => send(s, { type: 'wallet.pending', ticket: first }))).toMatch(
        /^ERR_(COMPANY_BLACKLISTED|ASK_AGAIN_LATER)$/,
      );
      await send(s, { type: 'wallet.cancel', ticket: first });
      expect(await poll(first, 5)).toEqual({
        type: 'bridge.outcome',
        outcome: { outcome: 'cancelled' },
      });
      // Asked again from another tab, unlocked and then locked: no window, and for a few seconds
      // no answer, as while someone reads a window; then "cancelled", as a closed window says.
      for (const state of ['unlocked', 'locked'] as const) {
        clock.ms += 61_000;
        if (state === 'locked') await send(s, { type: 'vault.lock' });
        const again = await ask(6);
        expect(windows).toHaveLength(1);
        // One request of the company at a time, as with a window.
        expect(await codeOf(() => ask(7))).toBe('ERR_BRIDGE_BUSY');
        clock.ms += 2_999;
        expect(await poll(again, 6)).toEqual({ type: 'bridge.outcome', outcome: null });
        clock.ms += 37_001;
        expect(await poll(again, 6)).toEqual({
          type: 'bridge.outcome',
          outcome: { outcome: 'cancelled' },
        });
      }
      // A day after the first window, one window again (locked: it asks for the passphrase).
      clock.ms += 24 * 60 * 60 * 1000;
      const nextDay = await ask(5);
      expect(windows).toEqual([first, nextDay]);
    },
  );

  it('opens the window again once the owner took the company off the blacklist', async () => {
    const setup = await withRequest();
    const { s, sha, windows, clock } = setup;
    await decline('blacklisted', setup);
    const ask = async () =>
      (
        (await handle(s, { type: 'bridge.request', id: 'r', request: sha }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    const first = await ask();
    await codeOf(() => send(s, { type: 'wallet.pending', ticket: first }));
    await send(s, { type: 'wallet.cancel', ticket: first });
    await handle(s, { type: 'bridge.poll', ticket: first }, page);
    const { entries } = (await send(s, { type: 'blacklist.list' })) as Extract<
      Response,
      { type: 'blacklist' }
    >;
    await send(s, { type: 'blacklist.remove', id: entries[0]!.id });
    await send(s, { type: 'vault.lock' });
    clock.ms += 61_000;
    const second = await ask();
    expect(windows).toEqual([first, second]);
  });

  /** A page's consent requests to `service` in the tab `tabId` (the window's ticket, or a refusal). */
  const asker = (service: AssistantService, sha: string) => (tabId: number) =>
    handle(service, { type: 'bridge.request', id: 'r', request: sha }, { ...page, tabId });

  /** Closes the window of `accepted` unanswered and lets its page read that: done with it. */
  async function closed(service: AssistantService, accepted: Response | Promise<Response>) {
    const { ticket } = (await accepted) as Extract<Response, { type: 'bridge.accepted' }>;
    await send(service, { type: 'wallet.cancel', ticket });
    await handle(service, { type: 'bridge.poll', ticket }, page);
  }

  it('takes at most three requests of a company a minute, windows or not', async () => {
    const { s, sha, windows } = await withRequest();
    const ask = asker(s, sha);
    for (let i = 0; i < 3; i++) await closed(s, ask(5));
    expect(await codeOf(() => ask(5))).toBe('ERR_RATE_LIMITED');
    expect(windows).toHaveLength(3);
  });

  it('does not count the second of two tabs asking at once, refused as busy', async () => {
    const { s, sha, windows } = await withRequest('never');
    const ask = asker(s, sha);
    // Both pass the first check before either opens: the second learns it is busy only then.
    const both = await Promise.all([ask(5), codeOf(() => ask(6))]);
    expect(both[1]).toBe('ERR_BRIDGE_BUSY');
    await closed(s, both[0]);
    // Failed before: the busy one was counted, and the third request here was refused.
    for (let i = 0; i < 2; i++) await closed(s, ask(5));
    expect(await codeOf(() => ask(5))).toBe('ERR_RATE_LIMITED');
    expect(windows).toHaveLength(3);
  });

  it('keeps counting a company’s requests across a worker restart, and only for a minute', async () => {
    const consentRequests = cell<unknown>();
    const { s, restart, sha, windows, clock } = await withRequest('at once', {
      consentRequests,
    });
    for (let i = 0; i < 3; i++) await closed(s, asker(s, sha)(5));
    // A restarted worker has forgotten its tickets, not the requests of the minute.
    const restarted = restart();
    expect(await codeOf(() => asker(restarted, sha)(6))).toBe('ERR_RATE_LIMITED');
    expect(windows).toHaveLength(3);
    clock.ms += 60_000;
    const { ticket } = (await asker(restarted, sha)(6)) as Extract<
      Response,
      { type: 'bridge.accepted' }
    >;
    expect(windows).toEqual([...windows.slice(0, 3), ticket]);
  });

  it('does not count a request refused because the page already has one open', async () => {
    const { s, sha, windows } = await withRequest('never');
    const ask = asker(s, sha);
    const first = await ask(5);
    for (let i = 0; i < 5; i++) expect(await codeOf(() => ask(5))).toBe('ERR_BRIDGE_BUSY');
    await closed(s, first);
    // Two more of the three the minute allows.
    for (let i = 0; i < 2; i++) await closed(s, ask(5));
    expect(await codeOf(() => ask(5))).toBe('ERR_RATE_LIMITED');
    expect(windows).toHaveLength(3);
  });

  it.each([
    ['cancelled', 2, 50_000],
    ['expired', 60, 30 * 60 * 1000],
  ] as const)(
    'lets no page keep the vault open by asking again whenever its window is %s',
    async (ending, minutes, everyMs) => {
      const { s, sha, clock } = await withRequest();
      await autoLockAfter(s, minutes);
      // The page asks, the window loads its request; the request ends unanswered; again.
      for (let elapsed = 0; elapsed <= minutes * 60_000; elapsed += everyMs) {
        const { ticket } = (await handle(
          s,
          { type: 'bridge.request', id: 'r', request: sha },
          page,
        )) as Extract<Response, { type: 'bridge.accepted' }>;
        await codeOf(() => send(s, { type: 'wallet.pending', ticket }));
        clock.ms += everyMs;
        if (ending === 'cancelled') await codeOf(() => send(s, { type: 'wallet.cancel', ticket }));
        expect(await handle(s, { type: 'bridge.poll', ticket }, page)).toEqual({
          type: 'bridge.outcome',
          outcome: { outcome: 'cancelled' },
        });
      }
      await s.checkAutoLock();
      expect(await send(s, { type: 'vault.status' })).toMatchObject({ state: 'locked' });
    },
  );
});

describe('channels granted that the profile does not allow (the consent window’s box)', () => {
  const page = { kind: 'page', origin: companyOrigin, tabId: 5 } as const;
  const handle = (
    s: AssistantService,
    message: unknown,
    sender: Parameters<AssistantService['handle']>[1],
  ) => s.handle(parseRequest(message) as Parameters<AssistantService['handle']>[0], sender);

  /**
   * A service with a pinned log key over a fake clearinghouse that takes grants (`grantsDown`:
   * it refuses them as out of service; `grantLost`: it stores the next one, whose answer is lost
   * on the way back), refusals and revocations and serves their receipts; a page of the company asks for
   * newsletters and e-mail, and its consent window is open (`ticket`). `holdGrant()`: the next
   * grant's answer waits, once the clearinghouse stored it (`stored`), until `release()`.
   */
  async function withOpenWindow(overrides: Partial<ServicePorts> = {}) {
    const opened = await withWindowOpening(overrides);
    const shown = (await send(opened.s, {
      type: 'wallet.pending',
      ticket: opened.ticket,
    })) as Extract<Response, { type: 'wallet.pending' }>;
    // A new profile allows no channel, so the window starts with none ticked (extension/core/
    // wallet `initialChoice`); the customer ticks the purpose and every channel asked.
    const first = shown.choice;
    const pending = {
      ...shown,
      choice:
        first.decision === 'grant'
          ? {
              ...first,
              scopes: first.scopes.map((c) => ({
                ...c,
                include: true,
                channels: [...opened.scope.channels],
              })),
            }
          : first,
    };
    return { ...opened, pending };
  }

  /**
   * As {@link withOpenWindow}, before the window asked for its request (the ticket not checked
   * yet); `overrides`: ports of the service other than setup's.
   */
  async function withWindowOpening(overrides: Partial<ServicePorts> = {}) {
    await ready();
    const ch = await FakeClearinghouse.create(1_750_000_000_000);
    const scope = {
      purpose: 'product_launch' as const,
      channels: ['newsletter' as const, 'email' as const],
      dataCategories: [],
      conditions: { timeZone: 'Europe/Berlin' },
      retentionDays: 30,
      onwardRecipients: [],
    };
    const sha = await ch.addRequest(1_750_000_000, { scopes: [scope] });
    const knobs = { grantsDown: false, grantLost: false };
    let held: (() => Promise<void>) | undefined;
    const holdGrant = () => {
      let stored!: () => void;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => (stored = resolve));
      held = () => {
        held = undefined;
        stored();
        return released;
      };
      return { stored: reached, release };
    };
    const json = (status: number, body: unknown) => ({
      status,
      text: async () => JSON.stringify(body),
    });
    const fake: ClientFetch = async (url, init) => {
      const path = new URL(url).pathname;
      const id = decodeURIComponent(path.split('/')[4] ?? '');
      try {
        if (path.startsWith('/api/v1/grant-requests/'))
          return json(200, await ch.getGrantRequest(id));
        if (path.startsWith('/api/v1/companies/')) return json(200, await ch.getCompany(id));
        if (path === '/api/v1/grants' && init.method === 'POST') {
          if (knobs.grantsDown) return json(503, { code: 'ERR_STORAGE_UNAVAILABLE' });
          const taken = await ch.submitGrant(String(init.body));
          await held?.();
          if (knobs.grantLost) {
            knobs.grantLost = false;
            throw new TypeError('fetch failed');
          }
          return json(201, taken);
        }
        if (path === '/api/v1/revocations' && init.method === 'POST')
          return json(201, await ch.submitRevocation(String(init.body)));
        if (path === '/api/v1/refusals' && init.method === 'POST')
          return json(201, await ch.submitRefusal(String(init.body)));
        if (path.startsWith('/api/v1/log/receipts/'))
          return json(200, await ch.logReceipt(decodeURIComponent(path.split('/')[5]!)));
        if (path.endsWith('/relationships')) return json(200, await ch.relationships({ id }));
      } catch (e) {
        if (e instanceof ApiProblem) return json(e.status, e.problem);
        throw e;
      }
      return registryFetch(url, init);
    };
    const { service, vault, clock } = setup({
      fetch: describing(() => ch.logVerifierKey, fake),
      openConsentWindow: async () => {},
      ...overrides,
    });
    const s = service();
    await send(s, { type: 'vault.create', passphrase: PASS });
    await s.lastLogKeyCheck;
    const { ticket } = (await handle(
      s,
      { type: 'bridge.request', id: 'r1', request: sha },
      page,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    const channels = async () =>
      ((await send(s, { type: 'profile.get' })) as Extract<Response, { type: 'profile' }>).profile
        .channels;
    const poll = () => handle(s, { type: 'bridge.poll', ticket }, page);
    return { s, ch, ticket, channels, poll, knobs, vault, holdGrant, scope, clock };
  }

  it('grants, then allows the ticked channels in the profile; the page learns only the grant', async () => {
    const { s, ch, ticket, pending, channels, poll } = await withOpenWindow();
    // A new customer's profile allows no channel: the window is told, to say so.
    expect(pending.allowedChannels).toEqual([]);
    const answered = await send(s, {
      type: 'wallet.answer',
      ticket,
      choice: { ...pending.choice, preferredChannel: 'newsletter' },
      allowChannels: ['newsletter'],
    });
    expect(answered).toMatchObject({
      type: 'bridge.outcome',
      outcome: { outcome: 'granted' },
      profileChannels: 'allowed',
    });
    expect(ch.submitted.size).toBe(1);
    expect(await channels()).toEqual({ allowed: ['newsletter'], preferred: 'newsletter' });
    expect(await poll()).toEqual({
      type: 'bridge.outcome',
      outcome: { outcome: 'granted', receipt: [...ch.submitted.keys()][0] },
    });
  });

  it('refuses the dashboard’s save of a profile read before the window allowed channels', async () => {
    const { s, ticket, pending, channels } = await withOpenWindow();
    const opened = (await send(s, { type: 'profile.get' })) as Extract<
      Response,
      { type: 'profile' }
    >;
    await send(s, {
      type: 'wallet.answer',
      ticket,
      choice: { ...pending.choice, preferredChannel: 'newsletter' },
      allowChannels: ['newsletter'],
    });
    const stale = { ...opened.profile, mode: 'automatic' as const };
    expect(
      await codeOf(() =>
        send(s, { type: 'profile.set', profile: stale, revision: opened.revision }),
      ),
    ).toBe('ERR_PROFILE_CHANGED');
    expect(await channels()).toEqual({ allowed: ['newsletter'], preferred: 'newsletter' });
    // Over the newest revision, the same edit is saved and the channel stays.
    const newest = (await send(s, { type: 'profile.get' })) as Extract<
      Response,
      { type: 'profile' }
    >;
    expect(newest.revision).not.toBe(opened.revision);
    const saved = await send(s, {
      type: 'profile.set',
      profile: { ...newest.profile, mode: 'automatic' },
      revision: newest.revision,
    });
    expect(saved).toMatchObject({
      type: 'profile',
      profile: { mode: 'automatic', channels: { allowed: ['newsletter'] } },
    });
    expect(await send(s, { type: 'profile.get' })).toEqual(saved);
    // The answer crosses to the dashboard as its schema allows (the revision included).
    expect(parseResponse({ type: 'profile.get' }, saved)).toEqual(saved);
  });

  it('leaves the profile unchanged when the grant fails', async () => {
    const { s, ch, ticket, pending, channels, knobs } = await withOpenWindow();
    knobs.grantsDown = true;
    expect(
      await codeOf(() =>
        send(s, {
          type: 'wallet.answer',
          ticket,
          choice: pending.choice,
          allowChannels: ['newsletter', 'email'],
        }),
      ),
    ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    expect(ch.submitted.size).toBe(0);
    expect(await channels()).toEqual({ allowed: [], preferred: null });
  });

  it.each<[string, unknown, string]>([
    ['a channel the vocabulary does not know', ['carrier_pigeon'], 'ERR_MESSAGE_INVALID'],
    ['the same channel twice', ['email', 'email'], 'ERR_MESSAGE_INVALID'],
    ['a channel not granted', ['sms'], 'ERR_WALLET_CHOICE_INVALID'],
  ])(
    'refuses %s with a typed error, grants nothing and keeps the window open',
    async (_case, allowChannels, code) => {
      const { s, ch, ticket, pending, channels, poll } = await withOpenWindow();
      expect(
        await codeOf(() =>
          send(s, { type: 'wallet.answer', ticket, choice: pending.choice, allowChannels }),
        ),
      ).toBe(code);
      expect(ch.submitted.size).toBe(0);
      expect(await channels()).toEqual({ allowed: [], preferred: null });
      expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: null });
      // The window is still open: the answer with the channel granted goes through.
      expect(
        await send(s, {
          type: 'wallet.answer',
          ticket,
          choice: pending.choice,
          allowChannels: ['email'],
        }),
      ).toMatchObject({ outcome: { outcome: 'granted' }, profileChannels: 'allowed' });
      expect(await channels()).toEqual({ allowed: ['email'], preferred: null });
    },
  );

  it('keeps the grant and tells the window when the profile cannot be changed after it', async () => {
    const { s, ch, ticket, channels, vault } = await withOpenWindow();
    // The stored profile no longer parses: it is not written over.
    await (await vault()).put('profile', 'current', { v: 1, damaged: true });
    const again = (await send(s, { type: 'wallet.pending', ticket })) as Extract<
      Response,
      { type: 'wallet.pending' }
    >;
    expect(again.allowedChannels).toBeNull();
    const answered = await send(s, {
      type: 'wallet.answer',
      ticket,
      choice: again.choice,
      allowChannels: ['newsletter'],
    });
    expect(answered).toMatchObject({
      outcome: { outcome: 'granted' },
      profileChannels: 'failed',
    });
    expect(ch.submitted.size).toBe(1);
    expect(await codeOf(channels)).toBe('ERR_VAULT_RECORD_DAMAGED');
    const listed = (await send(s, { type: 'relationships.list', refresh: false })) as Extract<
      Response,
      { type: 'relationships' }
    >;
    expect(listed.items.flatMap((r) => r.grants.map((g) => g.sha256))).toEqual([
      ...ch.submitted.keys(),
    ]);
  });

  // With a channel to allow, the window also hears that the profile was not changed.
  it.each<[string, string[] | undefined, object]>([
    ['', undefined, {}],
    [
      ' and that the profile allows no channel it ticked',
      ['newsletter'],
      { profileChannels: 'failed' },
    ],
  ])(
    'tells the window of a grant the company holds that a restore took from the vault%s; the page learns the grant',
    async (_case, allowChannels, told) => {
      const { s, ch, ticket, pending, poll, channels, holdGrant } = await withOpenWindow();
      const { file } = (await send(s, { type: 'backup.export' })) as Extract<
        Response,
        { type: 'backup' }
      >;
      const { stored, release } = holdGrant();
      const answering = send(s, {
        type: 'wallet.answer',
        ticket,
        choice: pending.choice,
        ...(allowChannels === undefined ? {} : { allowChannels }),
      });
      await stored;
      await send(s, { type: 'backup.restore', file, passphrase: PASS, replace: true });
      release();
      const answered = await answering;
      const [sent] = [...ch.submitted.keys()];
      const granted = { outcome: 'granted', receipt: sent };
      expect(answered).toEqual({
        type: 'bridge.outcome',
        outcome: granted,
        answerNotKept: true,
        ...told,
      });
      expect(parseResponse({ type: 'wallet.answer' } as never, answered)).toEqual(answered);
      expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: granted });
      expect(await channels()).toEqual({ allowed: [], preferred: null });
      expect(await send(s, { type: 'problems.list' })).toEqual({ type: 'problems', problems: [] });
    },
  );

  it('ends the request as cancelled for the page when a restore overtakes the answer before it goes', async () => {
    const { s, ch, ticket, pending, poll, vault } = await withOpenWindow();
    const v = await vault();
    const put = v.put.bind(v);
    // The handle the answer writes its outbox entry through belongs to records replaced since.
    v.put = async (table, id, value) => {
      if (table === 'profile' && id === 'wallet-outbox')
        throw new ProtocolError('ERR_VAULT_REPLACED', 'a backup was restored');
      return put(table, id, value);
    };
    expect(
      await codeOf(() => send(s, { type: 'wallet.answer', ticket, choice: pending.choice })),
    ).toBe('ERR_VAULT_REPLACED');
    expect(ch.submitted.size).toBe(0);
    expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: { outcome: 'cancelled' } });
  });

  it('ends the request as cancelled for the page when a restore overtakes the customer’s checks as the window opens', async () => {
    const { s, ch, ticket, poll, vault } = await withWindowOpening();
    const v = await vault();
    const get = v.get.bind(v);
    // The pseudonym's relationship is read through a handle of records replaced since.
    v.get = async (table, id) => {
      if (table === 'relationships')
        throw new ProtocolError('ERR_VAULT_REPLACED', 'a backup was restored');
      return get(table, id);
    };
    expect(await codeOf(() => send(s, { type: 'wallet.pending', ticket }))).toBe(
      'ERR_VAULT_REPLACED',
    );
    expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: { outcome: 'cancelled' } });
    // Ended: the window's answer is refused and nothing is sent.
    v.get = get;
    expect(
      await codeOf(() =>
        send(s, {
          type: 'wallet.answer',
          ticket,
          choice: { decision: 'refuse', askAgainAfterDays: 1 },
        }),
      ),
    ).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    expect(ch.submitted.size).toBe(0);
  });

  it('tells the window the refusal’s “ask me again after” as signed on the background’s clock, and the page nothing of it', async () => {
    const { s, ch, ticket, poll } = await withOpenWindow();
    // On the background's clock (setup's, not the browser's): the window shows this date.
    const askAgainAfter = 1_750_000_000 + 13 * 86_400;
    const answered = await send(s, {
      type: 'wallet.answer',
      ticket,
      choice: { decision: 'refuse', askAgainAfterDays: 13 },
    });
    expect(answered).toEqual({
      type: 'bridge.outcome',
      outcome: { outcome: 'refused' },
      askAgainAfter,
    });
    expect(parseResponse({ type: 'wallet.answer' } as never, answered)).toEqual(answered);
    const [refusal] = [...ch.submitted.values()];
    expect(refusal).toMatchObject({ kind: 'refusal', payload: { askAgainAfter } });
    expect(await poll()).toEqual({ type: 'bridge.outcome', outcome: { outcome: 'refused' } });
  });

  it.each([
    ['like the browser (German)', null, 'de'],
    ['English', 'en', 'en'],
  ] as const)(
    'writes its notifications in the Assistant’s language (%s), not in the profile’s language of offers',
    async (_case, language, expected) => {
      const shown: { title: string; message: string }[] = [];
      // setup's browser speaks German; the profile asks for offers in the other language.
      const { s, ticket, pending } = await withOpenWindow({
        notify: async (_id, title, message) => void shown.push({ title, message }),
      });
      const offers = expected === 'de' ? 'en' : 'de';
      const current = (await send(s, { type: 'profile.get' })) as Extract<
        Response,
        { type: 'profile' }
      >;
      await send(s, {
        type: 'profile.set',
        profile: { ...current.profile, language: offers },
        revision: current.revision,
      });
      const settings = (await send(s, { type: 'settings.get' })) as Extract<
        Response,
        { type: 'settings' }
      >;
      await send(s, { type: 'settings.set', settings: { ...settings.settings, language } });
      // A grant for three days: its expiry is due to be announced.
      await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 3 } });
      await s.checkNotices();
      expect(shown).toHaveLength(1);
      expect(shown[0]!.title).toBe(t(expected, 'common.assistantName'));
      expect(shown[0]!.message).toMatch(
        expected === 'de' ? /^Ihre Einwilligung für .+ endet am / : /^Your consent for .+ ends on /,
      );
    },
  );

  it('tells the window of another request of the company the grant already given, which a refusal leaves in force', async () => {
    const { s, ch, ticket, pending, clock, scope } = await withOpenWindow();
    expect(pending.activeGrants).toBeUndefined();
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    clock.ms += 60_000;
    // The company asks again (a page of its site, a minute later).
    const again = await ch.addRequest(since + 60, { scopes: [scope] });
    const opened = (await handle(
      s,
      { type: 'bridge.request', id: 'r2', request: again },
      page,
    )) as Extract<Response, { type: 'bridge.accepted' }>;
    const second = await send(s, { type: 'wallet.pending', ticket: opened.ticket });
    const told = [{ since, until: since + 30 * 86_400, purposes: ['product_launch'] }];
    expect(second).toMatchObject({ type: 'wallet.pending', activeGrants: told });
    // It crosses to the window as its schema allows.
    expect(parseResponse({ type: 'wallet.pending' } as never, second)).toEqual(second);
    const refused = await send(s, {
      type: 'wallet.answer',
      ticket: opened.ticket,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
    // After the refusal, as the wallet holds them then: the grant remains (absent before).
    expect(refused).toEqual({
      type: 'bridge.outcome',
      outcome: { outcome: 'refused' },
      askAgainAfter: null,
      activeGrants: told,
    });
    expect(parseResponse({ type: 'wallet.answer' } as never, refused)).toEqual(refused);
    const listed = (await send(s, { type: 'relationships.list', refresh: false })) as Extract<
      Response,
      { type: 'relationships' }
    >;
    expect(listed.items[0]!.grants.map((g) => g.status)).toEqual(['active']);
    expect(listed.items[0]!.refusals).toHaveLength(1);
  });

  it('tells the window after a refusal only the grants still in force, not one the refusal withdrew', async () => {
    const { s, ch, ticket, pending, clock, scope, knobs } = await withOpenWindow();
    // A grant to this first request stays in force throughout.
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    const stays = { since, until: since + 30 * 86_400, purposes: ['product_launch'] };
    clock.ms += 60_000;
    // A second request: its grant reaches the clearinghouse, the answer does not come back.
    const second = await ch.addRequest(since + 60, { scopes: [scope] });
    const ask = async (id: string) =>
      (
        (await handle(s, { type: 'bridge.request', id, request: second }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    const first = await ask('r2');
    await send(s, { type: 'wallet.pending', ticket: first });
    knobs.grantLost = true;
    expect(
      await codeOf(() =>
        send(s, { type: 'wallet.answer', ticket: first, choice: { ...pending.choice, days: 7 } }),
      ),
    ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    // A refresh finds it stored: the window of the request asked again lists it as in force.
    await send(s, { type: 'relationships.list', refresh: true });
    const lostAt = since + 60;
    const lost = { since: lostAt, until: lostAt + 7 * 86_400, purposes: ['product_launch'] };
    const again = await ask('r3');
    expect(await send(s, { type: 'wallet.pending', ticket: again })).toMatchObject({
      activeGrants: [stays, lost],
    });
    // Refusing it now revokes that grant to the same request first (core/wallet answerSentBefore).
    const refused = await send(s, {
      type: 'wallet.answer',
      ticket: again,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
    // Before: the answer said nothing, and the window told "what you allowed before remains"
    // from the list above, the withdrawn grant included.
    expect(refused).toEqual({
      type: 'bridge.outcome',
      outcome: { outcome: 'refused' },
      askAgainAfter: null,
      activeGrants: [stays],
    });
    expect(parseResponse({ type: 'wallet.answer' } as never, refused)).toEqual(refused);
    const listed = (await send(s, { type: 'relationships.list', refresh: false })) as Extract<
      Response,
      { type: 'relationships' }
    >;
    expect(listed.items[0]!.grants.map((g) => g.status).sort()).toEqual(['active', 'revoked']);
  });

  it('marks before the answer the grant to this same request that a refusal withdraws, and no other', async () => {
    const { s, ch, ticket, pending, clock, scope, knobs } = await withOpenWindow();
    // A grant to this first request stays in force throughout.
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    const stays = { since, until: since + 30 * 86_400, purposes: ['product_launch'] };
    clock.ms += 60_000;
    const second = await ch.addRequest(since + 60, { scopes: [scope] });
    const third = await ch.addRequest(since + 60, { scopes: [scope] });
    const ask = async (id: string, request: string) =>
      (
        (await handle(s, { type: 'bridge.request', id, request }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    // A grant to the second request reaches the clearinghouse; its answer does not come back.
    const first = await ask('r2', second);
    await send(s, { type: 'wallet.pending', ticket: first });
    knobs.grantLost = true;
    expect(
      await codeOf(() =>
        send(s, { type: 'wallet.answer', ticket: first, choice: { ...pending.choice, days: 7 } }),
      ),
    ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    // A refresh finds it stored: in force, and still in the outbox for this request.
    await send(s, { type: 'relationships.list', refresh: true });
    const lost = {
      since: since + 60,
      until: since + 60 + 7 * 86_400,
      purposes: ['product_launch'],
    };
    // Another request's window: a refusal of it withdraws neither grant.
    const elsewhere = await ask('r3', third);
    const other = await send(s, { type: 'wallet.pending', ticket: elsewhere });
    expect((other as Extract<Response, { type: 'wallet.pending' }>).activeGrants).toEqual([
      stays,
      lost,
    ]);
    await send(s, { type: 'wallet.cancel', ticket: elsewhere });
    // The second request asked again: its outbox grant is marked, as refusing revokes it first.
    const again = await ask('r4', second);
    const told = await send(s, { type: 'wallet.pending', ticket: again });
    // Failed before: both listed alike, and the window said a refusal withdraws neither.
    expect((told as Extract<Response, { type: 'wallet.pending' }>).activeGrants).toEqual([
      stays,
      { ...lost, withdrawnByRefusal: true },
    ]);
    expect(parseResponse({ type: 'wallet.pending' } as never, told)).toEqual(told);
    // And the mark holds: refusing the second request revokes the marked grant, only it.
    const refused = await send(s, {
      type: 'wallet.answer',
      ticket: again,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
    expect(refused).toMatchObject({ outcome: { outcome: 'refused' }, activeGrants: [stays] });
    // After the answer the mark means nothing: the schema of the outcome has no room for it.
    expect(() =>
      parseResponse({ type: 'wallet.answer' } as never, {
        ...refused,
        activeGrants: [{ ...stays, withdrawnByRefusal: true }],
      }),
    ).toThrow();
  });

  it('says after a refusal which grant it had marked as withdrawn was not, its outbox entry gone while the window was open', async () => {
    const { s, ch, ticket, pending, clock, scope, knobs } = await withOpenWindow();
    // A grant to this first request stays in force throughout.
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    const stays = { since, until: since + 30 * 86_400, purposes: ['product_launch'] };
    clock.ms += 60_000;
    const second = await ch.addRequest(since + 60, { scopes: [scope] });
    const ask = async (id: string) =>
      (
        (await handle(s, { type: 'bridge.request', id, request: second }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    // A grant to the second request reaches the clearinghouse; its answer does not come back.
    const first = await ask('r2');
    await send(s, { type: 'wallet.pending', ticket: first });
    knobs.grantLost = true;
    expect(
      await codeOf(() =>
        send(s, { type: 'wallet.answer', ticket: first, choice: { ...pending.choice, days: 7 } }),
      ),
    ).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    await send(s, { type: 'relationships.list', refresh: true });
    const lost = {
      since: since + 60,
      until: since + 60 + 7 * 86_400,
      purposes: ['product_launch'],
    };
    // The second request asked again: the window is told a refusal withdraws the earlier grant.
    const again = await ask('r3');
    const told = await send(s, { type: 'wallet.pending', ticket: again });
    expect((told as Extract<Response, { type: 'wallet.pending' }>).activeGrants).toEqual([
      stays,
      { ...lost, withdrawnByRefusal: true },
    ]);
    // While the window is open, the outbox is flushed: the earlier grant reached the company,
    // its time in the outbox ran out, and a refresh settles it for good (core/wallet
    // resumeOutbox). A refusal no longer revokes it.
    clock.ms += 11 * 60_000;
    await send(s, { type: 'relationships.list', refresh: true });
    const refused = await send(s, {
      type: 'wallet.answer',
      ticket: again,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
    // Failed before: the grant was listed among those that remain like any other, silently
    // contradicting "Refusing this request withdraws it" said before the answer.
    expect(refused).toEqual({
      type: 'bridge.outcome',
      outcome: { outcome: 'refused' },
      askAgainAfter: null,
      activeGrants: [stays, { ...lost, notWithdrawn: true }],
    });
    expect(parseResponse({ type: 'wallet.answer' } as never, refused)).toEqual(refused);
    // As the outcome says: both grants in force, the refusal stored beside them.
    const listed = (await send(s, { type: 'relationships.list', refresh: false })) as Extract<
      Response,
      { type: 'relationships' }
    >;
    expect(listed.items[0]!.grants.map((g) => g.status)).toEqual(['active', 'active']);
    expect(listed.items[0]!.refusals).toHaveLength(1);
    // The mark is the outcome's only: the window before the answer has no room for it.
    expect(() =>
      parseResponse({ type: 'wallet.pending' } as never, {
        ...told,
        activeGrants: [{ ...stays, notWithdrawn: true }],
      }),
    ).toThrow();
  });

  it('says after a refusal that the grant it had marked as withdrawn was not, another window having answered with it', async () => {
    const { s, ch, ticket, pending, clock, scope, knobs } = await withOpenWindow();
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    const stays = { since, until: since + 30 * 86_400, purposes: ['product_launch'] };
    clock.ms += 60_000;
    const second = await ch.addRequest(since + 60, { scopes: [scope] });
    const ask = async (id: string) =>
      (
        (await handle(s, { type: 'bridge.request', id, request: second }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    const first = await ask('r2');
    await send(s, { type: 'wallet.pending', ticket: first });
    knobs.grantLost = true;
    await codeOf(() =>
      send(s, { type: 'wallet.answer', ticket: first, choice: { ...pending.choice, days: 7 } }),
    );
    await send(s, { type: 'relationships.list', refresh: true });
    const lost = {
      since: since + 60,
      until: since + 60 + 7 * 86_400,
      purposes: ['product_launch'],
    };
    const again = await ask('r3');
    expect(
      (
        (await send(s, { type: 'wallet.pending', ticket: again })) as Extract<
          Response,
          { type: 'wallet.pending' }
        >
      ).activeGrants,
    ).toEqual([stays, { ...lost, withdrawnByRefusal: true }]);
    // Meanwhile the same request, pasted in the dashboard, is granted there: the earlier grant
    // goes as that answer (core/wallet answerSentBefore), and leaves the outbox.
    const pasted = (await send(s, { type: 'wallet.open-link', link: second })) as Extract<
      Response,
      { type: 'bridge.accepted' }
    >;
    const elsewhere = (await send(s, { type: 'wallet.pending', ticket: pasted.ticket })) as Extract<
      Response,
      { type: 'wallet.pending' }
    >;
    expect(
      await send(s, { type: 'wallet.answer', ticket: pasted.ticket, choice: elsewhere.choice }),
    ).toMatchObject({ outcome: { outcome: 'granted' }, earlierAnswer: true });
    const refused = await send(s, {
      type: 'wallet.answer',
      ticket: again,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
    // Failed before: listed among those that remain with nothing said of the contradiction.
    expect(refused).toMatchObject({
      outcome: { outcome: 'refused' },
      activeGrants: [stays, { ...lost, notWithdrawn: true }],
    });
  });

  it('marks no grant as not withdrawn when the refusal withdrew what the window was told', async () => {
    const { s, ch, ticket, pending, clock, scope, knobs } = await withOpenWindow();
    await send(s, { type: 'wallet.answer', ticket, choice: { ...pending.choice, days: 30 } });
    const since = Math.floor(clock.ms / 1000);
    clock.ms += 60_000;
    const second = await ch.addRequest(since + 60, { scopes: [scope] });
    const ask = async (id: string) =>
      (
        (await handle(s, { type: 'bridge.request', id, request: second }, page)) as Extract<
          Response,
          { type: 'bridge.accepted' }
        >
      ).ticket;
    const first = await ask('r2');
    await send(s, { type: 'wallet.pending', ticket: first });
    knobs.grantLost = true;
    await codeOf(() =>
      send(s, { type: 'wallet.answer', ticket: first, choice: { ...pending.choice, days: 7 } }),
    );
    await send(s, { type: 'relationships.list', refresh: true });
    const again = await ask('r3');
    await send(s, { type: 'wallet.pending', ticket: again });
    // A refresh within the entry's time keeps it: the refusal revokes the grant, as said.
    clock.ms += 60_000;
    await send(s, { type: 'relationships.list', refresh: true });
    const refused = (await send(s, {
      type: 'wallet.answer',
      ticket: again,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    })) as Extract<Response, { type: 'bridge.outcome' }>;
    expect(refused.activeGrants).toEqual([
      { since, until: since + 30 * 86_400, purposes: ['product_launch'] },
    ]);
  });
});

describe('a request link typed or pasted in the dashboard', () => {
  it.each([
    ['a word', 'hello'],
    ['a link to elsewhere', 'https://shop.example/offers/42'],
    ['an id one character short', 'A'.repeat(42)],
    ['a link without the id', 'http://localhost:3000/api/v1/grant-requests/'],
  ])(
    'answers %s with ERR_REQUEST_LINK_INVALID, asking the clearinghouse nothing',
    async (_, link) => {
      const asked: string[] = [];
      const { service } = setup({
        fetch: async (url, init) => {
          asked.push(url);
          return registryFetch(url, init);
        },
      });
      const s = service();
      await send(s, { type: 'vault.create', passphrase: PASS });
      await s.lastLogKeyCheck;
      asked.length = 0;
      // Failed before: ERR_GRANT_REQUEST_UNKNOWN, "the company's request is not known".
      expect(await codeOf(() => send(s, { type: 'wallet.open-link', link }))).toBe(
        'ERR_REQUEST_LINK_INVALID',
      );
      expect(asked).toEqual([]);
    },
  );
});
