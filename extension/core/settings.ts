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
    v.check(isClearinghouseUrl, 'not an http(s) URL'),
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
