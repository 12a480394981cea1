/**
 * `browser.storage.local` for the few plain, non-sensitive settings kept outside the vault.
 * Sensitive records belong in extension/vault/ (encrypted), never here.
 */
import browser from 'webextension-polyfill';

/**
 * Reads one key from `storage.local`; `undefined` when absent. The value is unparsed: the caller
 * validates it like any other input.
 *
 * @example
 * ```ts
 * const raw = await readLocal('install');
 * ```
 */
export async function readLocal(key: string): Promise<unknown> {
  const items = await browser.storage.local.get(key);
  return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : undefined;
}

/**
 * Writes one key to `storage.local`. `value` must be structured-cloneable plain data.
 *
 * @example
 * ```ts
 * await writeLocal('install', { version: '0.1.0', at: Date.now() });
 * ```
 */
export async function writeLocal(key: string, value: unknown): Promise<void> {
  await browser.storage.local.set({ [key]: value });
}

/**
 * A cell of `storage.local` (plain settings): read unparsed, the caller parses.
 *
 * @example
 * ```ts
 * const settings = localCell('settings');
 * ```
 */
export function localCell(key: string): {
  read(): Promise<unknown>;
  write(value: unknown): Promise<void>;
} {
  return { read: () => readLocal(key), write: (value) => writeLocal(key, value) };
}
