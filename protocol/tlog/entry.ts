/**
 * The log entry (SPECS "The log", a project decision): the UTF-8 bytes of canonical JSON (keys
 * sorted, no spaces) of
 * `{"company":…,"kind":…,"pseudonym":…|null,"sha256":…,"time":<seconds>,"v":1}`, at most 1 KiB.
 * A commitment to a signed message, never personal data in clear (DESIGN section 3, promise 2).
 *
 * Every field is drawn from a closed alphabet (ASCII identifiers and base64url), so canonical JSON
 * needs no escaping rules beyond what is written here, and decoding re-encodes and compares bytes:
 * one entry has exactly one byte form, so one message has exactly one leaf hash.
 */
import { utf8Decode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';

/** The kinds of message the log holds (SPECS "What the log holds"). */
export const loggedKinds = [
  'company',
  'company-key',
  'grant-request',
  'grant',
  'refusal',
  'revocation',
  'revocation-ack',
  'disclosure',
  'data-request',
  'data-request-answer',
  'complaint',
  'complaint-decision',
  'suspension',
] as const;
export type LoggedKind = (typeof loggedKinds)[number];

/** One log entry. `sha256` is the base64url SHA-256 of the message's compact JWS. */
export interface LogEntry {
  v: 1;
  kind: string;
  company: string;
  pseudonym: string | null;
  time: number;
  sha256: string;
}

/** Largest entry, in bytes (SPECS). */
export const MAX_LOG_ENTRY_SIZE = 1024;
/** Latest time accepted (9999-12-31T23:59:59Z), as protocol/messages does. */
const MAX_TIME = 253_402_300_799;

const B64URL_32 = '[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]';
const SHA256_PATTERN = new RegExp(`^${B64URL_32}$`);
const COMPANY_PATTERN = new RegExp(`^co_${B64URL_32}$`);
const PSEUDONYM_PATTERN = new RegExp(`^ps_${B64URL_32}$`);
const ENTRY_KEYS = ['company', 'kind', 'pseudonym', 'sha256', 'time', 'v'];

function invalid(message: string): never {
  throw new ProtocolError('ERR_LOG_ENTRY_INVALID', message);
}

/** True when `kind` is a kind the log holds. */
export function isLoggedKind(kind: unknown): kind is LoggedKind {
  return typeof kind === 'string' && (loggedKinds as readonly string[]).includes(kind);
}

function checkEntry(e: LogEntry): void {
  if (typeof e !== 'object' || e === null) invalid('not a log entry');
  if (e.v !== 1) invalid('v is not 1');
  if (!isLoggedKind(e.kind)) invalid('kind is not a logged message kind');
  if (typeof e.company !== 'string' || !COMPANY_PATTERN.test(e.company)) {
    invalid('company is not a company id');
  }
  if (
    e.pseudonym !== null &&
    (typeof e.pseudonym !== 'string' || !PSEUDONYM_PATTERN.test(e.pseudonym))
  ) {
    invalid('pseudonym is neither null nor a pseudonym');
  }
  if (!Number.isSafeInteger(e.time) || e.time < 0 || e.time > MAX_TIME) {
    invalid('time is not whole seconds since 1970');
  }
  if (typeof e.sha256 !== 'string' || !SHA256_PATTERN.test(e.sha256)) {
    invalid('sha256 is not a base64url SHA-256');
  }
}

/**
 * The entry's bytes: canonical JSON, keys sorted, no spaces.
 *
 * @throws ProtocolError `ERR_LOG_ENTRY_INVALID` for a field outside its form (unknown kind, a
 * company or pseudonym that is not an id, a time that is not whole seconds, a malformed hash).
 * @example
 * ```ts
 * encodeLogEntry({ v: 1, kind: 'grant', company: 'co_…', pseudonym: 'ps_…', time: 1767225600, sha256: '…' })
 * // '{"company":"co_…","kind":"grant","pseudonym":"ps_…","sha256":"…","time":1767225600,"v":1}'
 * ```
 */
export function encodeLogEntry(e: LogEntry): Uint8Array {
  checkEntry(e);
  // JSON.stringify of these strings is plain quoting: the patterns above admit no character
  // that JSON escapes.
  const pseudonym = e.pseudonym === null ? 'null' : `"${e.pseudonym}"`;
  const json = `{"company":"${e.company}","kind":"${e.kind}","pseudonym":${pseudonym},"sha256":"${e.sha256}","time":${e.time},"v":1}`;
  return utf8Encode(json);
}

/**
 * Decodes entry bytes; only the canonical form {@link encodeLogEntry} writes is accepted.
 *
 * @throws ProtocolError `ERR_LOG_ENTRY_INVALID` for anything else: over 1 KiB, not UTF-8, not
 * JSON, unknown or missing members, or not canonical (spaces, key order, escapes).
 * @example
 * ```ts
 * const entry = decodeLogEntry(base64Decode(receipt.entry));
 * ```
 */
export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_LOG_ENTRY_SIZE) {
    invalid('log entry is not bytes or longer than 1 KiB');
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8Decode(bytes));
  } catch {
    invalid('log entry is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('not an object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.length !== ENTRY_KEYS.length || keys.some((k, i) => k !== ENTRY_KEYS[i])) {
    invalid('log entry has unknown or missing members');
  }
  const entry: LogEntry = {
    v: record.v as 1,
    kind: record.kind as string,
    company: record.company as string,
    pseudonym: record.pseudonym as string | null,
    time: record.time as number,
    sha256: record.sha256 as string,
  };
  const canonical = encodeLogEntry(entry);
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) {
    invalid('log entry is not in canonical form');
  }
  return entry;
}
