/**
 * `browser.storage.session`: memory-only storage that survives a service-worker restart but not
 * a browser restart, and that content scripts cannot read (its default access level is
 * TRUSTED_CONTEXTS). The only place the unlocked vault's data key may live besides the worker's
 * own memory (issue 6).
 */
import browser from 'webextension-polyfill';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import type { SessionCell } from '../core/ports';

/**
 * A cell of `storage.session` holding bytes (stored as base64url: the storage area keeps JSON
 * values, and a Uint8Array would come back as a plain object). `null` removes the value.
 *
 * @example
 * ```ts
 * const key = sessionBytes('vault.key');
 * await key.write(vault.sessionKey());
 * ```
 */
export function sessionBytes(name: string): SessionCell<Uint8Array | null> {
  return {
    async read() {
      const items = await browser.storage.session.get(name);
      const value: unknown = items[name];
      if (typeof value !== 'string') return undefined;
      try {
        return base64urlDecode(value);
      } catch (_e) {
        return undefined;
      }
    },
    async write(value) {
      if (value === null) await browser.storage.session.remove(name);
      else await browser.storage.session.set({ [name]: base64urlEncode(value) });
    },
  };
}

/**
 * A cell of `storage.session` holding a number (the last activity for auto-lock).
 *
 * @example
 * ```ts
 * await sessionNumber('vault.activity').write(Date.now());
 * ```
 */
export function sessionNumber(name: string): SessionCell<number> {
  return {
    async read() {
      const value: unknown = (await browser.storage.session.get(name))[name];
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    },
    async write(value) {
      await browser.storage.session.set({ [name]: value });
    },
  };
}

/**
 * A cell of `storage.session` holding a short list of strings (ids of notices already shown).
 *
 * @example
 * ```ts
 * await sessionStrings('wallet.notices').write(['expiring/abc']);
 * ```
 */
export function sessionStrings(name: string): SessionCell<string[]> {
  return {
    async read() {
      const value: unknown = (await browser.storage.session.get(name))[name];
      return Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : undefined;
    },
    async write(value) {
      await browser.storage.session.set({ [name]: value });
    },
  };
}
