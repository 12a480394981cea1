/**
 * The Assistant's plain settings (kept in `storage.local`, outside the vault, because the popup
 * and the auto-lock alarm need them while the vault is locked; none of them is personal):
 * the clearinghouse URL (SPECS "clearinghouse URL"), the log key and origin pinned on first
 * contact, a served key that differed from the pinned one (extension/core/log-key), the
 * auto-lock minutes and the UI language (`null`: follow the browser).
 */
import * as v from 'valibot';
import { ProtocolError } from '../../protocol/errors';
import { locales } from '../../protocol/i18n';
import { autoLockMinutes } from './auto-lock';

/**
 * True for a loopback host as the URL parser writes it (lower case, IPv4 in dotted decimal,
 * IPv6 in brackets): `localhost`, 127.0.0.0/8 and `[::1]`.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.1:3000').hostname) // true ('127.0.0.1')
 * isLoopbackHost('clearinghouse.example') // false
 * ```
 */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Why a text cannot be the clearinghouse URL: not such a URL at all, or plain http off loopback. */
type ClearinghouseUrlProblem = 'malformed' | 'insecure';

/**
 * Why `text` cannot be the clearinghouse URL, or null when it can: `https://host[:port]` with an
 * optional path and no credentials, query or fragment. Plain `http:` only for a loopback host
 * (the demo and the tests): everything the Assistant learns about its relationships, and the log
 * key it pins on first contact, comes from this address, so it must not travel unprotected
 * (the rule SPECS "company origin" sets for companies).
 *
 * @example
 * ```ts
 * clearinghouseUrlProblem('https://clearinghouse.example') // null
 * clearinghouseUrlProblem('http://localhost:3000') // null
 * clearinghouseUrlProblem('http://clearinghouse.example') // 'insecure'
 * clearinghouseUrlProblem('https://user:pw@clearinghouse.example') // 'malformed'
 * ```
 */
export function clearinghouseUrlProblem(text: string): ClearinghouseUrlProblem | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch (_e) {
    return 'malformed';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'malformed';
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    return 'malformed';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'insecure';
  return null;
}

/** A note verifier key in text form (`<name>+<hex id>+<base64>`); parseVerifierKey checks it fully. */
export const logKeyText = v.pipe(
  v.string(),
  v.maxLength(512),
  v.regex(/^[^\s+]{1,255}\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{1,200}$/),
);

/** A log origin (the note key's name): no space, no `+`. */
export const logOriginText = v.pipe(v.string(), v.regex(/^[^\s+]{1,255}$/));

/**
 * What a log-key check (extension/core/log-key) found: `pinned` (first contact, now pinned),
 * `same` (the pinned key again), `mismatch` (another key: recorded, pin kept), `unreachable`
 * (network error or no 200: nothing changed), `invalid` (a malformed description, another origin or an unusable key: nothing
 * changed), `superseded` (the URL was changed during the check: nothing changed).
 */
export const logKeyOutcomes = [
  'pinned',
  'same',
  'mismatch',
  'unreachable',
  'invalid',
  'superseded',
] as const;

export type LogKeyOutcome = (typeof logKeyOutcomes)[number];

export const settingsSchema = v.strictObject({
  clearinghouseUrl: v.pipe(
    v.string(),
    v.maxLength(2048),
    v.check(
      (url) => clearinghouseUrlProblem(url) === null,
      'not an https URL (http only on loopback)',
    ),
  ),
  /** The note verifier key (`<name>+<hex id>+<base64>`), pinned on first contact. */
  pinnedLogKey: v.nullable(logKeyText),
  /** The log origin pinned with the key (the key's name). */
  pinnedLogOrigin: v.nullable(logOriginText),
  /**
   * The clearinghouse served a key other than the pinned one: kept (and warned about) until the
   * customer re-pins explicitly or the pinned key is served again. The pin itself is unchanged.
   */
  logKeyMismatch: v.nullable(
    v.strictObject({
      pinned: logKeyText,
      served: logKeyText,
      seenAt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15)),
    }),
  ),
  autoLockMinutes: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(autoLockMinutes.min),
    v.maxValue(autoLockMinutes.max),
  ),
  language: v.nullable(v.picklist(locales)),
  /**
   * The clearinghouse address an earlier version stored and this one refuses (plain http off
   * loopback), which {@link settingsOrDefault} replaced by the build's: kept so the settings view
   * (and a failed refresh) can say so, until the owner saves an address or dismisses the note.
   * Never the UI's to set (extension/core/log-key `applySettings`).
   */
  replacedClearinghouseUrl: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(2048))), null),
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
    pinnedLogOrigin: null,
    logKeyMismatch: null,
    autoLockMinutes: autoLockMinutes.default,
    language: null,
    replacedClearinghouseUrl: null,
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
 * popup. Only a stored clearinghouse URL this version refuses (an older version accepted plain
 * http anywhere) gives way to `clearinghouseUrl` alone, without its pinned log key (a pin
 * belongs to its URL); the auto-lock minutes and the language stay, and the refused address is
 * recorded in `replacedClearinghouseUrl`, never replaced silently.
 *
 * @example
 * ```ts
 * const settings = settingsOrDefault(await readLocal('settings'), buildUrl);
 * ```
 */
export function settingsOrDefault(stored: unknown, clearinghouseUrl: string): Settings {
  const defaults = defaultSettings(clearinghouseUrl);
  if (typeof stored !== 'object' || stored === null) return defaults;
  const merged = { ...defaults, ...stored };
  const result = v.safeParse(settingsSchema, merged);
  if (result.success) return result.output;
  const rehomed = v.safeParse(settingsSchema, {
    ...merged,
    clearinghouseUrl,
    pinnedLogKey: null,
    pinnedLogOrigin: null,
    logKeyMismatch: null,
    replacedClearinghouseUrl: insecureUrlOf(merged.clearinghouseUrl),
  });
  return rehomed.success ? rehomed.output : defaults;
}

/**
 * The settings a backup carries (extension/vault/backup `settingsRecord`): those of the
 * customer's setup, each checked as {@link settingsSchema} checks it. Not the device's notes:
 * a log-key mismatch is found again by the first contact after the restore (the pin is
 * carried), and a replaced address concerns the device's own earlier version. Fields this
 * version does not know (a later version's settings) are ignored.
 */
const backupSettingsSchema = v.object({
  clearinghouseUrl: settingsSchema.entries.clearinghouseUrl,
  pinnedLogKey: settingsSchema.entries.pinnedLogKey,
  pinnedLogOrigin: settingsSchema.entries.pinnedLogOrigin,
  autoLockMinutes: settingsSchema.entries.autoLockMinutes,
  language: settingsSchema.entries.language,
});

export type BackupSettings = v.InferOutput<typeof backupSettingsSchema>;

/**
 * The part of `settings` a backup carries.
 *
 * @example
 * ```ts
 * await vault.put(settingsRecord.table, settingsRecord.id, backupSettingsOf(await settings()));
 * ```
 */
export function backupSettingsOf(settings: Settings): BackupSettings {
  return {
    clearinghouseUrl: settings.clearinghouseUrl,
    pinnedLogKey: settings.pinnedLogKey,
    pinnedLogOrigin: settings.pinnedLogOrigin,
    autoLockMinutes: settings.autoLockMinutes,
    language: settings.language,
  };
}

/**
 * The settings after restoring a backup that carried `carried` (untrusted: decrypted from the
 * file), over the `current` ones: all of the backup's or, when any of them does not validate,
 * null (the caller keeps `current` whole). Never a part: the address without its pin would make
 * the restored Assistant trust whatever that address serves on first contact, and the pin
 * without its address would be held against another clearinghouse. A pin's origin must be its
 * key's name, as on first contact. The device's notes are cleared: a mismatch and a replaced
 * address were about the settings now replaced.
 *
 * @example
 * ```ts
 * settingsFromBackup(current, backupSettingsOf(exported)) // exported's setup over current
 * settingsFromBackup(current, { clearinghouseUrl: 'http://ch.example' }) // null
 * ```
 */
export function settingsFromBackup(current: Settings, carried: unknown): Settings | null {
  const result = v.safeParse(backupSettingsSchema, carried);
  if (!result.success) return null;
  const { pinnedLogKey, pinnedLogOrigin } = result.output;
  if (
    pinnedLogKey !== null &&
    pinnedLogOrigin !== null &&
    !pinnedLogKey.startsWith(`${pinnedLogOrigin}+`)
  )
    return null;
  const restored = v.safeParse(settingsSchema, {
    ...current,
    ...result.output,
    logKeyMismatch: null,
    replacedClearinghouseUrl: null,
  });
  return restored.success ? restored.output : null;
}

/** `url` when it is a clearinghouse address refused only for being plain http, else null. */
function insecureUrlOf(url: unknown): string | null {
  return typeof url === 'string' &&
    url.length <= 2048 &&
    clearinghouseUrlProblem(url) === 'insecure'
    ? url
    : null;
}
