/**
 * The Assistant's request handler: joins the vault (extension/vault), the core's services
 * (extension/core) and the platform through small injected ports, so it runs both in the
 * background and in a Vitest browser test without any extension API.
 *
 * The data key while unlocked: held by the Vault object and, so that it survives a service-worker
 * restart (MV3 stops idle workers after ~30 s), in `storage.session` only (issue 6). Every request
 * first restores it from there if the worker was restarted, and first locks if the idle time has
 * passed, so an alarm that fired late cannot leave the vault open.
 */
import { createClient, type ClientFetch } from '../protocol/client';
import { isProtocolError, ProtocolError } from '../protocol/errors';
import type { Locale } from '../protocol/i18n';
import type { Clock } from './build';
import { AutoLock } from './core/auto-lock';
import { identityFromPhrase, readMasterSeed } from './core/identity';
import {
  applySettings,
  checkLogKey,
  trustServedKey,
  type LogKeyOutcome,
  type SettingsPort,
} from './core/log-key';
import type { SessionCell } from './core/ports';
import { Preferences } from './core/preferences';
import { recoverRelationships } from './core/recovery';
import { settingsOrDefault, type Settings } from './core/settings';
import type { Request, Response, VaultRequest } from './messages';
import { newIdentity } from './core/identity';
import type { Vault } from './vault/vault';
import { equalBytes } from './vault/crypto';

/** What the service is handed. */
export interface ServicePorts {
  /** The vault (opened once, lazily: opening loads libsodium and IndexedDB). */
  readonly vault: () => Promise<Vault>;
  /** `storage.session`: the data key while unlocked. */
  readonly sessionKey: SessionCell<Uint8Array | null>;
  /** `storage.session`: the last customer activity, for auto-lock. */
  readonly lastActivity: SessionCell<number>;
  /** `storage.local`: the plain settings (unparsed; parsed here). */
  readonly settings: SessionCell<unknown>;
  readonly clock: Clock;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The network, for recovery and the clearinghouse's description. */
  readonly fetch: ClientFetch;
  /** The build's clearinghouse URL, the default of the setting. */
  readonly defaultClearinghouseUrl: string;
  /** The browser's language and time zone, for the first profile. */
  readonly environment: () => { language: Locale; timeZone: string };
}

/** Requests that do not count as the customer's activity (the popup polls the status). */
const passive = new Set<string>(['vault.status', 'settings.get']);

/**
 * The Assistant service.
 *
 * @example
 * ```ts
 * const service = new AssistantService(ports);
 * serveRequests((request) => service.handle(request));
 * onAlarm('auto-lock', () => service.checkAutoLock());
 * ```
 */
export class AssistantService {
  private readonly autoLock: AutoLock;
  /** Settings writes, one after the other (a background log-key check races the customer's). */
  private settingsQueue: Promise<unknown> = Promise.resolve();
  /**
   * The log-key check started by the last unlock or creation (not awaited there: the network must
   * not delay the unlock); tests await it.
   */
  lastLogKeyCheck: Promise<LogKeyOutcome> | undefined;

  constructor(private readonly ports: ServicePorts) {
    this.autoLock = new AutoLock({
      clock: ports.clock,
      lastActivity: ports.lastActivity,
      minutes: async () => (await this.settings()).autoLockMinutes,
    });
  }

  /** The current settings (defaults where nothing valid is stored). */
  async settings(): Promise<Settings> {
    return settingsOrDefault(await this.ports.settings.read(), this.ports.defaultClearinghouseUrl);
  }

  /** The settings with an atomic read-modify-write, for extension/core/log-key. */
  private readonly settingsPort: SettingsPort = {
    read: () => this.settings(),
    update: (change) => {
      const run = this.settingsQueue.then(async () => {
        const next = change(await this.settings());
        if (next !== null) await this.ports.settings.write(next);
        return this.settings();
      });
      this.settingsQueue = run.catch(() => undefined);
      return run;
    },
  };

  private checkLogKey(): Promise<{ outcome: LogKeyOutcome; settings: Settings }> {
    return checkLogKey({
      fetch: this.ports.fetch,
      clock: this.ports.clock,
      settings: this.settingsPort,
    });
  }

  /**
   * Contact with the clearinghouse after an unlock: pins its log key the first time, warns
   * (through the settings) when it changed. In the background; a failure changes nothing.
   */
  private contactClearinghouse(): void {
    this.lastLogKeyCheck = this.checkLogKey().then(
      (r) => r.outcome,
      (): LogKeyOutcome => 'unreachable',
    );
  }

  /**
   * Restores the data key after a worker restart, and locks when the idle time has passed.
   * Returns the vault in its current state.
   */
  private async current(): Promise<Vault> {
    const vault = await this.ports.vault();
    if (!vault.isUnlocked) {
      const key = await this.ports.sessionKey.read();
      if (key instanceof Uint8Array) {
        try {
          await vault.unlockWithKey(key);
        } catch (e) {
          if (!isProtocolError(e)) throw e;
          await this.ports.sessionKey.write(null);
        }
      }
    }
    if (vault.isUnlocked && (await this.autoLock.due())) await this.lock(vault);
    return vault;
  }

  private async lock(vault: Vault): Promise<void> {
    vault.lock();
    await this.ports.sessionKey.write(null);
  }

  private async unlocked(vault: Vault): Promise<void> {
    await this.ports.sessionKey.write(vault.sessionKey());
    await this.autoLock.touch();
    this.contactClearinghouse();
  }

  /**
   * Locks the vault if it has been idle for the configured minutes (the `alarms` handler).
   *
   * @example
   * ```ts
   * onAlarm(autoLockAlarm, () => service.checkAutoLock());
   * ```
   */
  async checkAutoLock(): Promise<void> {
    await this.current();
  }

  private preferences(vault: Vault): Preferences {
    return new Preferences({
      store: vault,
      clock: this.ports.clock,
      randomBytes: this.ports.randomBytes,
      defaults: this.ports.environment,
    });
  }

  private async status(vault: Vault): Promise<Response> {
    const state = await vault.state();
    const counts =
      state === 'unlocked'
        ? {
            blacklist: await vault.count('blacklist'),
            relationships: await vault.count('relationships'),
          }
        : null;
    return { type: 'vault.status', state, counts, language: (await this.settings()).language };
  }

  /**
   * Answers one parsed request; refusals are thrown `ProtocolError`s (the platform adapter turns
   * them into `{type: 'error', code}`).
   *
   * @example
   * ```ts
   * await service.handle({ type: 'vault.unlock', passphrase }) // { type: 'vault.status', state: 'unlocked', … }
   * ```
   */
  async handle(request: Exclude<Request, { type: `test.${string}` }>): Promise<Response> {
    if (request.type === 'ping')
      throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'ping is answered elsewhere');
    const vault = await this.current();
    if (vault.isUnlocked && !passive.has(request.type)) await this.autoLock.touch();
    return this.answer(vault, request);
  }

  private async answer(vault: Vault, request: VaultRequest): Promise<Response> {
    switch (request.type) {
      case 'vault.status':
        return this.status(vault);
      case 'vault.create': {
        const { masterSeed, phrase } = newIdentity(this.ports.randomBytes);
        await vault.create(request.passphrase, masterSeed);
        await this.unlocked(vault);
        return { type: 'vault.created', phrase };
      }
      case 'vault.unlock':
        await vault.unlock(request.passphrase);
        await this.unlocked(vault);
        return this.status(vault);
      case 'vault.lock':
        await this.lock(vault);
        return this.status(vault);
      case 'vault.change-passphrase':
        await vault.changePassphrase(request.current, request.next);
        return { type: 'ok' };
      case 'vault.recover':
        return this.recover(vault, request.phrase, request.passphrase);
      case 'vault.wipe':
        await vault.wipe();
        await this.ports.sessionKey.write(null);
        return this.status(vault);
      case 'vault.damaged':
        return { type: 'vault.damaged', records: await vault.listDamaged() };
      case 'profile.get':
        return { type: 'profile', profile: await this.preferences(vault).profile() };
      case 'profile.set':
        return {
          type: 'profile',
          profile: await this.preferences(vault).saveProfile(request.profile),
        };
      case 'blacklist.list':
        return { type: 'blacklist', ...(await this.preferences(vault).blacklist()) };
      case 'blacklist.add': {
        const { type: _type, ...addition } = request;
        const outcome = await this.preferences(vault).addToBlacklist(addition);
        return { type: 'blacklist.added', ...outcome, activeGrants: [...outcome.activeGrants] };
      }
      case 'blacklist.remove':
        await this.preferences(vault).removeFromBlacklist(request.id);
        return { type: 'ok' };
      case 'blacklist.signal':
        return {
          type: 'profile',
          profile: await this.preferences(vault).setSignalChoice(request.choice),
        };
      case 'backup.export':
        return { type: 'backup', file: await vault.exportBackup() };
      case 'backup.restore':
        await vault.restoreBackup(request.file, request.passphrase, { replace: request.replace });
        await this.unlocked(vault);
        return this.status(vault);
      case 'settings.get':
        return { type: 'settings', settings: await this.settings() };
      case 'settings.set':
        // The pin is not the UI's to set; a new clearinghouse URL clears it (a new first contact).
        return {
          type: 'settings',
          settings: await this.settingsPort.update((stored) =>
            applySettings(stored, request.settings),
          ),
        };
      case 'settings.check-log-key': {
        const { outcome, settings } = await this.checkLogKey();
        return { type: 'log-key', outcome, settings };
      }
      case 'settings.trust-log-key':
        return {
          type: 'settings',
          settings: await this.settingsPort.update((stored) =>
            trustServedKey(stored, request.served),
          ),
        };
    }
  }

  /**
   * Recovery from the phrase: on an absent vault, creates it with the phrase's seed; on an
   * unlocked vault of the same identity, asks again (a recovery the network interrupted).
   */
  private async recover(vault: Vault, phrase: string, passphrase: string): Promise<Response> {
    const masterSeed = identityFromPhrase(phrase);
    const state = await vault.state();
    if (state === 'absent') {
      await vault.create(passphrase, masterSeed);
      await this.unlocked(vault);
    } else if (state === 'locked') {
      throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the vault before recovering into it');
    } else if (!equalBytes(await readMasterSeed(vault), masterSeed)) {
      throw new ProtocolError('ERR_VAULT_EXISTS', 'this vault belongs to another identity');
    }
    const settings = await this.settings();
    const client = createClient({
      baseUrl: settings.clearinghouseUrl,
      fetch: this.ports.fetch,
      now: () => this.ports.clock.now(),
      randomBytes: this.ports.randomBytes,
    });
    const result = await recoverRelationships(masterSeed, client, vault);
    return {
      type: 'vault.recovered',
      companiesChecked: result.companiesChecked,
      relationships: result.relationships,
      failed: result.failed.length,
    };
  }
}
