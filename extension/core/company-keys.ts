/**
 * A company key's state as of a message's `iat` (SPECS "JWS": evidence is verified as of its
 * `iat`; the log's `company-key` entries say when a key was retired or since when it is
 * compromised). A key retired or compromised later still speaks for messages it signed before;
 * a message signed at or after either moment does not verify. The registry publishes both times
 * in seconds, like a JWS `iat`.
 */
import type { CompanyEntry } from '../../protocol/client';

/** One key of a company as the registry lists it. */
export type CompanyKey = NonNullable<CompanyEntry['keys']>[number];

/**
 * Whether `key` could sign for its company at `iat` (epoch seconds): neither retired nor
 * compromised at or before that moment.
 *
 * @example
 * ```ts
 * companyKeyValidAt({ ...key, retiredAt: 1_800_000_000 }, 1_799_999_999); // true
 * companyKeyValidAt({ ...key, compromisedSince: 1_700_000_000 }, 1_750_000_000); // false
 * ```
 */
export function companyKeyValidAt(key: CompanyKey, iat: number): boolean {
  return (
    (key.retiredAt === null || key.retiredAt > iat) &&
    (key.compromisedSince === null || key.compromisedSince > iat)
  );
}
