/**
 * The building blocks every message schema shares: identifiers, hashes, times, bounded text,
 * keys, origins, time zones and consent scopes. Everything here is attacker-controlled until it
 * has passed one of these schemas, so every string, array and number is bounded (STYLE habit 6).
 */
import * as v from 'valibot';
import {
  channelIds,
  dataCategoryIds,
  incentiveTypeIds,
  provenanceSourceIds,
  purposeIds,
  relationshipTypeIds,
} from '../vocabulary';

// ---------------------------------------------------------------------------------------------
// Limits, written down once so tests and other modules can refer to them.

export const limits = {
  /** Largest JSON text `parseJsonMessage` reads, in UTF-8 bytes. */
  jsonBytes: 64 * 1024,
  /** A sealed box (base64url). 32 KiB of text keeps an offer JWS well under `jsonBytes`. */
  sealedChars: 32 * 1024,
  /** A compact JWS carried as evidence inside another message. */
  jwsChars: 60 * 1024,
  /** Latest time we accept anywhere (9999-12-31T23:59:59Z), so arithmetic stays exact. */
  maxEpochSeconds: 253_402_300_799,
  scopesPerGrant: 16,
  timeWindowsPerScope: 14,
  onwardRecipients: 32,
  maxContactsPerWeek: 1000,
  maxRetentionDays: 36_500,
  keysPerCompany: 8,
} as const;

// ---------------------------------------------------------------------------------------------
// base64url, canonical (SPECS "JWS": several strings must never decode to the same bytes)

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * True when `s` is unpadded base64url whose unused trailing bits are zero, i.e. the one
 * canonical encoding of its bytes.
 *
 * @example
 * ```ts
 * isCanonicalBase64url('AQ'); // true  (0x01)
 * isCanonicalBase64url('AR'); // false (same byte, non-zero trailing bits)
 * ```
 */
export function isCanonicalBase64url(s: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return false;
  const rest = s.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = B64URL_ALPHABET.indexOf(s.charAt(s.length - 1));
  // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits).
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** 32 bytes as canonical base64url: 43 characters, the last one with two zero trailing bits. */
const B64URL_32 = '[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]';

/** A SHA-256 (of a compact JWS, SPECS "JWS"), base64url. */
export const sha256 = v.pipe(v.string(), v.length(43), v.regex(new RegExp(`^${B64URL_32}$`)));

/** An RFC 7638 JWK thumbprint (the `kid`), base64url SHA-256. */
export const thumbprint = sha256;

/** `co_` + thumbprint of the company's registration key (SPECS "Identifiers"). */
export const companyId = v.pipe(v.string(), v.length(46), v.regex(new RegExp(`^co_${B64URL_32}$`)));

/** `ps_` + thumbprint of the customer's pairwise key for one company. */
export const pseudonym = v.pipe(v.string(), v.length(46), v.regex(new RegExp(`^ps_${B64URL_32}$`)));

/**
 * `rg_` + thumbprint of a regulator's signing key. Project decision: SPECS names no identifier
 * for regulators, who sign with the WebCrypto Ed25519 key enrolled beside their passkey
 * (SPECS "People who sign"); we name them like companies and pseudonyms.
 */
export const regulatorId = v.pipe(
  v.string(),
  v.length(46),
  v.regex(new RegExp(`^rg_${B64URL_32}$`)),
);

/** Any signer: company, pseudonym or regulator (for `request`). */
export const signerId = v.pipe(
  v.string(),
  v.length(46),
  v.regex(new RegExp(`^(?:co|ps|rg)_${B64URL_32}$`)),
);

/** A UUID v4 in its canonical lower-case form (RFC 9562), the `jti`. */
export const uuidV4 = v.pipe(
  v.string(),
  v.length(36),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
);

/** Whole seconds since the epoch, 0 .. 9999-12-31. */
export const epochSeconds = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(0),
  v.maxValue(limits.maxEpochSeconds),
);

export function boundedInteger(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * C0/C1 controls other than tab and newline, and the bidirectional overrides and isolates that
 * let a sender name render as something else ("Trojan Source", CVE-2021-42574).
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Human text of 1..max UTF-16 units, no control or bidi-override characters. */
export function text(max: number) {
  return v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(max),
    v.check((s) => !FORBIDDEN_IN_TEXT.test(s), 'text contains control characters'),
  );
}

/** The same text in German and English (every user-visible text is bilingual). */
export function localized(max: number) {
  return v.strictObject({ de: text(max), en: text(max) });
}

/** base64url bytes of a libsodium sealed box: at least its 48-byte overhead, bounded above. */
export const sealed = v.pipe(
  v.string(),
  v.minLength(64),
  v.maxLength(limits.sealedChars),
  v.check(isCanonicalBase64url, 'sealed box is not canonical base64url'),
);

/** A compact JWS as text (its structure only; `protocol/jws` verifies it). */
export const compactJws = v.pipe(
  v.string(),
  v.maxLength(limits.jwsChars),
  v.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
);

// ---------------------------------------------------------------------------------------------
// Keys

/** An Ed25519 public key as a JWK, exactly the RFC 7638 thumbprint members and nothing else. */
export const ed25519PublicJwk = v.strictObject({
  kty: v.literal('OKP'),
  crv: v.literal('Ed25519'),
  x: v.pipe(v.string(), v.length(43), v.regex(new RegExp(`^${B64URL_32}$`))),
});

// ---------------------------------------------------------------------------------------------
// Origins, URLs, contacts

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * A web origin: `https://host[:port]`, or `http://localhost|127.0.0.1[:port]` for the demo and
 * tests (SPECS "company origin"; whether loopback is acceptable *now* is the server's call).
 * Lower case, no path, no trailing slash, so two spellings never name the same origin.
 */
export const origin = v.pipe(
  v.string(),
  v.maxLength(255),
  v.regex(
    /^(?:https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|http:\/\/(?:localhost|127\.0\.0\.1))(?::[1-9][0-9]{0,4})?$/,
  ),
  v.check((s) => {
    const port = /:(\d+)$/.exec(s)?.[1];
    return port === undefined || Number(port) <= 65_535;
  }, 'port out of range'),
);

function isAcceptableUrl(s: string): boolean {
  let url: URL;
  try {
    url = new URL(s);
  } catch (_e) {
    return false;
  }
  // Credentials in a link are a phishing device (`https://bank.example@evil.example`).
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** An absolute https URL (http only on loopback), without credentials. */
export const webUrl = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.regex(/^https?:\/\//),
  v.check(isAcceptableUrl, 'not an acceptable https URL'),
);

export const email = v.pipe(
  v.string(),
  v.maxLength(254),
  v.regex(
    /^[^\s@<>()[\]",;:\\]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
  ),
);

/** E.164 phone number. */
export const phone = v.pipe(v.string(), v.maxLength(16), v.regex(/^\+[1-9][0-9]{6,14}$/));

// ---------------------------------------------------------------------------------------------
// Vocabulary picklists (one place: protocol/vocabulary)

export const purpose = v.picklist(purposeIds);
export const channel = v.picklist(channelIds);
export const dataCategory = v.picklist(dataCategoryIds);
export const incentiveType = v.picklist(incentiveTypeIds);
export const provenanceSource = v.picklist(provenanceSourceIds);
export const relationshipType = v.picklist(relationshipTypeIds);

/** An array of 1..max distinct items (duplicates would make "narrower than asked" ambiguous). */
export function distinct<const S extends v.GenericSchema>(item: S, min: number, max: number) {
  return v.pipe(
    v.array(item),
    v.minLength(min),
    v.maxLength(max),
    v.check((items) => new Set(items).size === items.length, 'items must be distinct'),
  );
}

// ---------------------------------------------------------------------------------------------
// Time zones and time windows (SPECS "Consent conditions")

/**
 * An IANA zone name such as `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+1` or
 * `UTC`. The regex refuses offsets (`+01:00`) and anything that is not a zone-like name before
 * the runtime is asked.
 */
const TIME_ZONE_FORMAT =
  /^(?:UTC|[A-Z][A-Za-z_-]{1,30}(?:\/[A-Za-z0-9][A-Za-z0-9_+-]{0,30}){1,2})$/;

const timeZoneVerdicts = new Map<string, boolean>();

/**
 * True when `name` is an IANA time zone this runtime can evaluate. We ask `Intl.DateTimeFormat`
 * rather than `Intl.supportedValuesOf('timeZone')`: the latter lists only canonical names and
 * differs between ICU versions (Node and Chromium disagree on links such as `Europe/Kiev`),
 * whereas what coverage needs is exactly "the formatter accepts this zone".
 *
 * @example
 * ```ts
 * isTimeZone('Europe/Berlin'); // true
 * isTimeZone('Mars/Olympus_Mons'); // false
 * ```
 */
export function isTimeZone(name: string): boolean {
  if (name.length > 64 || !TIME_ZONE_FORMAT.test(name)) return false;
  const known = timeZoneVerdicts.get(name);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    ok = true;
  } catch (_e) {
    ok = false;
  }
  // The format regex bounds the key space little, so cap the memo instead of growing forever.
  if (timeZoneVerdicts.size < 1024) timeZoneVerdicts.set(name, ok);
  return ok;
}

export const timeZone = v.pipe(
  v.string(),
  v.maxLength(64),
  v.check(isTimeZone, 'unknown time zone'),
);

/** `HH:MM`, 00:00..23:59. */
export const clockTime = v.pipe(
  v.string(),
  v.length(5),
  v.regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/),
);

/** A window's end may also be `24:00`, the end of the day. */
export const clockTimeEnd = v.pipe(
  v.string(),
  v.length(5),
  v.regex(/^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/),
);

/**
 * A weekly time window in the scope's time zone. `days` are ISO weekdays (1 = Monday .. 7 =
 * Sunday) on which the window *starts*; when `to` is earlier than `from` the window runs past
 * midnight into the next day (`{days: [5], from: '22:00', to: '02:00'}` is Friday night).
 * `from` equal to `to` is refused: it could mean "never" or "all day".
 */
export const timeWindow = v.pipe(
  v.strictObject({
    days: distinct(boundedInteger(1, 7), 1, 7),
    from: clockTime,
    to: clockTimeEnd,
  }),
  v.check((w) => w.from !== w.to, 'from and to must differ'),
);

export const conditions = v.strictObject({
  timeZone,
  timeWindows: v.optional(
    v.pipe(v.array(timeWindow), v.minLength(1), v.maxLength(limits.timeWindowsPerScope)),
  ),
  maxContactsPerWeek: v.optional(boundedInteger(1, limits.maxContactsPerWeek)),
  validUntil: v.optional(epochSeconds),
});

/** Someone the data is passed on to (requirement 36: onward sharing made visible). */
export const recipient = v.strictObject({
  name: text(200),
  company: v.optional(companyId),
  /** ISO 3166-1 alpha-2, where the recipient processes the data. */
  country: v.optional(v.pipe(v.string(), v.length(2), v.regex(/^[A-Z]{2}$/))),
});

/**
 * One scope of consent: a purpose on some channels over some data categories, under
 * conditions, with how long data is kept and who else receives it. The same shape in a grant
 * request (what is asked) and in a grant (what is given, possibly narrower: checked elsewhere).
 * Retention is in whole days (project decision: comparable without calendar arithmetic).
 */
export const scope = v.strictObject({
  purpose,
  channels: distinct(channel, 1, channelIds.length),
  dataCategories: distinct(dataCategory, 0, dataCategoryIds.length),
  conditions,
  retentionDays: boundedInteger(1, limits.maxRetentionDays),
  onwardRecipients: v.pipe(v.array(recipient), v.maxLength(limits.onwardRecipients)),
});

export const incentive = v.strictObject({
  type: incentiveType,
  description: localized(500),
});

export type Scope = v.InferOutput<typeof scope>;
export type Conditions = v.InferOutput<typeof conditions>;
export type TimeWindow = v.InferOutput<typeof timeWindow>;
export type Ed25519PublicJwk = v.InferOutput<typeof ed25519PublicJwk>;
export type Localized = v.InferOutput<ReturnType<typeof localized>>;
