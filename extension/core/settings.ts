/**
 * The Assistant's plain settings (kept in `storage.local`, outside the vault, because the popup
 * and the auto-lock alarm need them while the vault is locked; none of them is personal):
 * the clearinghouse URL (SPECS "clearinghouse URL"), the log key pinned on first contact, the
 * auto-lock minutes and the UI language (`null`: follow the browser).
 */
import * as v from 'valibot';
import { ProtocolError } from '../../protocol/errors';
import { locales } from '../../protocol/i18n';
import { autoLockMinutes } from './auto-lock';

/** `http(s)://host[:port]` with an optional path, no credentials, query or fragment. */
function isClearinghouseUrl(s: string): boolean {
  let url: URL;
  try {
    url = new URL(s);
  } catch (_e) {
    return false;
  }
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === ''
  );
}

export const settingsSchema = v.strictObject({
  clearinghouseUrl: v.pipe(
    v.string(),
    v.maxLength(2048),
    v.check(isClearinghouseUrl, 'not an http(s) URL'),
  ),
  /** The note verifier key (`<name>+<hex id>+<base64>`), pinned on first contact. */
  pinnedLogKey: v.nullable(
    v.pipe(
      v.string(),
      v.maxLength(512),
      v.regex(/^[^\s+]{1,255}\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{1,200}$/),
    ),
  ),
  autoLockMinutes: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(autoLockMinutes.min),
    v.maxValue(autoLockMinutes.max),
  ),
  language: v.nullable(v.picklist(locales)),
});

export type Settings = v.InferOutput<typeof settingsSchema>;

/**
 * The settings of a new installation.
 *
 * @example
 * ```ts
 * defaultSettings('http://localhost:3000').autoLockMinutes // 15
 * ```
 */
export function defaultSettings(clearinghouseUrl: string): Settings {
  return {
    clearinghouseUrl,
    pinnedLogKey: null,
    autoLockMinutes: autoLockMinutes.default,
    language: null,
  };
}

/**
 * Parses untrusted settings; `ERR_PROFILE_INVALID` otherwise.
 *
 * @example
 * ```ts
 * parseSettings({ ...defaultSettings(url), autoLockMinutes: 0 }) // throws ERR_PROFILE_INVALID
 * ```
 */
export function parseSettings(value: unknown): Settings {
  const result = v.safeParse(settingsSchema, value);
  if (!result.success) throw new ProtocolError('ERR_PROFILE_INVALID', 'the settings are not valid');
  return result.output;
}

/**
 * Stored settings merged over the defaults: a value that does not parse (an older version's,
 * a hand-edited one) falls back to the default for the whole object rather than failing the
 * popup.
 *
 * @example
 * ```ts
 * const settings = settingsOrDefault(await readLocal('settings'), buildUrl);
 * ```
 */
export function settingsOrDefault(stored: unknown, clearinghouseUrl: string): Settings {
  const defaults = defaultSettings(clearinghouseUrl);
  if (typeof stored !== 'object' || stored === null) return defaults;
  const result = v.safeParse(settingsSchema, { ...defaults, ...stored });
  return result.success ? result.output : defaults;
}
