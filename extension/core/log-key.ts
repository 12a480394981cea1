/**
 * Pinning the clearinghouse's log key (SPECS "clearinghouse URL"): on first contact the Assistant
 * reads `/.well-known/clearinghouse.json`, checks it and pins `logVerifierKey` and `logOrigin` in
 * its settings. A different key served later is never pinned silently: it is recorded as a
 * mismatch the UI warns about, until the customer re-pins explicitly. Changing the clearinghouse
 * URL forgets the pin, because a new clearinghouse is a new first contact.
 *
 * Pure apart from the injected ports (network, clock, settings).
 */
import * as v from 'valibot';
import type { ClientFetch } from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { ready, sha256 } from '../../protocol/sodium';
import { parseVerifierKey } from '../../protocol/tlog';
import type { ClockPort } from './ports';
import { logKeyText, logOriginText, type LogKeyOutcome, type Settings } from './settings';

export type { LogKeyOutcome } from './settings';

/** Where a clearinghouse describes itself, relative to its URL. */
export const wellKnownPath = '.well-known/clearinghouse.json';

/** A description larger than this is refused unread (the real one is well under 1 KiB). */
export const maxDescriptionChars = 16 * 1024;

const urlText = v.pipe(v.string(), v.maxLength(2048));

/** The fields of the description the Assistant reads; others are ignored (a later version's). */
const descriptionSchema = v.object({
  origin: urlText,
  apiBase: urlText,
  protocolVersions: v.pipe(
    v.array(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    v.minLength(1),
    v.maxLength(16),
  ),
  logOrigin: logOriginText,
  logVerifierKey: logKeyText,
  webhookKey: v.object({
    kty: v.literal('OKP'),
    crv: v.literal('Ed25519'),
    x: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
  }),
});

export type ClearinghouseDescription = v.InferOutput<typeof descriptionSchema>;

/** The settings as the check needs them: read, and an atomic read-modify-write. */
export interface SettingsPort {
  read(): Promise<Settings>;
  /** Applies `change` to the current settings and stores the result (`null`: store nothing). */
  update(change: (current: Settings) => Settings | null): Promise<Settings>;
}

export interface LogKeyPorts {
  readonly fetch: ClientFetch;
  readonly clock: ClockPort;
  readonly settings: SettingsPort;
}

/** `origin` + path without trailing slashes: the identity of a clearinghouse URL. */
function normalisedUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/**
 * True when two clearinghouse URLs name the same clearinghouse (same origin and path, trailing
 * slashes ignored).
 *
 * @example
 * ```ts
 * sameClearinghouse('http://localhost:3000/', 'http://localhost:3000') // true
 * ```
 */
export function sameClearinghouse(a: string, b: string): boolean {
  const na = normalisedUrl(a);
  return na !== null && na === normalisedUrl(b);
}

/** The URL of the description of the clearinghouse at `clearinghouseUrl`. */
export function descriptionUrl(clearinghouseUrl: string): string {
  const base = clearinghouseUrl.endsWith('/') ? clearinghouseUrl : `${clearinghouseUrl}/`;
  return new URL(wellKnownPath, base).href;
}

/**
 * Checks an untrusted description of the clearinghouse at `clearinghouseUrl`: the shape, its
 * origin (must be the configured one) and the log key (must parse, and be named after
 * `logOrigin`). Needs libsodium ready (SHA-256).
 *
 * @throws ProtocolError `ERR_MESSAGE_INVALID`, `ERR_ORIGIN_NOT_ALLOWED` or `ERR_KEY_INVALID`.
 * @example
 * ```ts
 * parseDescription(JSON.parse(text), settings.clearinghouseUrl).logVerifierKey
 * ```
 */
export function parseDescription(
  value: unknown,
  clearinghouseUrl: string,
): ClearinghouseDescription {
  const result = v.safeParse(descriptionSchema, value);
  if (!result.success)
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'the clearinghouse description is malformed');
  const description = result.output;
  if (!sameClearinghouse(description.origin, clearinghouseUrl))
    throw new ProtocolError(
      'ERR_ORIGIN_NOT_ALLOWED',
      'the clearinghouse describes another origin than the configured one',
    );
  const verifier = parseVerifierKey(description.logVerifierKey, sha256);
  if (verifier.name !== description.logOrigin)
    throw new ProtocolError('ERR_KEY_INVALID', 'the log key is not named after the log origin');
  return description;
}

/**
 * The settings after the clearinghouse served `description`: pinned on first contact, a
 * mismatch recorded (pin kept) for another key, a recorded mismatch cleared when the pinned key
 * is served again; `null` settings when nothing changes.
 *
 * @example
 * ```ts
 * pinFrom(defaultSettings(url), description, now).outcome // 'pinned'
 * ```
 */
export function pinFrom(
  settings: Settings,
  description: ClearinghouseDescription,
  now: number,
): { outcome: 'pinned' | 'same' | 'mismatch'; settings: Settings | null } {
  const served = description.logVerifierKey;
  if (settings.pinnedLogKey === null) {
    return {
      outcome: 'pinned',
      settings: {
        ...settings,
        pinnedLogKey: served,
        pinnedLogOrigin: description.logOrigin,
        logKeyMismatch: null,
      },
    };
  }
  if (settings.pinnedLogKey === served) {
    // The key name is the origin, so the same key means the same origin.
    const changed = settings.logKeyMismatch !== null || settings.pinnedLogOrigin === null;
    return {
      outcome: 'same',
      settings: changed
        ? { ...settings, pinnedLogOrigin: description.logOrigin, logKeyMismatch: null }
        : null,
    };
  }
  return {
    outcome: 'mismatch',
    settings: {
      ...settings,
      logKeyMismatch: { pinned: settings.pinnedLogKey, served, seenAt: now },
    },
  };
}

/**
 * Fetches and checks the clearinghouse's description and pins or compares its log key. Never
 * throws for the network or the clearinghouse's answer: those are outcomes that change nothing.
 *
 * @example
 * ```ts
 * const { outcome } = await checkLogKey({ fetch, clock, settings });
 * if (outcome === 'mismatch') showWarning();
 * ```
 */
export async function checkLogKey(
  ports: LogKeyPorts,
): Promise<{ outcome: LogKeyOutcome; settings: Settings }> {
  const before = await ports.settings.read();
  const url = before.clearinghouseUrl;
  let text: string;
  try {
    const response = await ports.fetch(descriptionUrl(url), {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    if (response.status !== 200) return { outcome: 'unreachable', settings: before };
    text = await response.text();
  } catch {
    return { outcome: 'unreachable', settings: before };
  }
  let description: ClearinghouseDescription;
  try {
    if (text.length > maxDescriptionChars)
      throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'description too large');
    await ready();
    description = parseDescription(JSON.parse(text), url);
  } catch {
    return { outcome: 'invalid', settings: before };
  }
  let outcome: LogKeyOutcome = 'superseded';
  const settings = await ports.settings.update((current) => {
    if (current.clearinghouseUrl !== url) {
      outcome = 'superseded';
      return null;
    }
    const result = pinFrom(current, description, ports.clock.now());
    outcome = result.outcome;
    return result.settings;
  });
  return { outcome, settings };
}

/**
 * The customer checked the served key out of band and trusts it: re-pins it and clears the
 * mismatch. `served` must be the recorded served key, so a key that changed again meanwhile is
 * not trusted unseen.
 *
 * @throws ProtocolError `ERR_REQUEST_MISMATCH` when no such mismatch is recorded.
 * @example
 * ```ts
 * await settingsPort.update((s) => trustServedKey(s, s.logKeyMismatch.served));
 * ```
 */
export function trustServedKey(settings: Settings, served: string): Settings {
  if (settings.logKeyMismatch === null || settings.logKeyMismatch.served !== served)
    throw new ProtocolError(
      'ERR_REQUEST_MISMATCH',
      'this key is not the one the clearinghouse served',
    );
  const name = served.slice(0, served.indexOf('+'));
  return { ...settings, pinnedLogKey: served, pinnedLogOrigin: name, logKeyMismatch: null };
}

/**
 * The settings the customer saves: the pin fields are the stored ones (the UI cannot set them),
 * and all of them are cleared when the clearinghouse URL changes (a new first contact). The note
 * of a replaced address (`replacedClearinghouseUrl`) is the stored one too; the UI can only
 * clear it (null: the owner saved an address or dismissed the note).
 *
 * @example
 * ```ts
 * applySettings(stored, { ...stored, clearinghouseUrl: 'https://other.example' }).pinnedLogKey // null
 * ```
 */
export function applySettings(stored: Settings, requested: Settings): Settings {
  const replacedClearinghouseUrl =
    requested.replacedClearinghouseUrl === null ? null : stored.replacedClearinghouseUrl;
  if (!sameClearinghouse(stored.clearinghouseUrl, requested.clearinghouseUrl))
    return {
      ...requested,
      pinnedLogKey: null,
      pinnedLogOrigin: null,
      logKeyMismatch: null,
      replacedClearinghouseUrl,
    };
  return {
    ...requested,
    pinnedLogKey: stored.pinnedLogKey,
    pinnedLogOrigin: stored.pinnedLogOrigin,
    logKeyMismatch: stored.logKeyMismatch,
    replacedClearinghouseUrl,
  };
}
