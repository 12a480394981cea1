/**
 * The customer's identity: one 32-byte master seed, shown as the 24-word recovery phrase until the
 * customer typed some of its words back (SPECS "recovery phrase"), from which the pairwise key and pseudonym for every company are
 * derived (SPECS "pairwise key"). The seed lives only in the vault's `identity/master` record.
 */
import * as v from 'valibot';
import { hexDecode, hexEncode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import {
  generateMasterSeed,
  masterSeedToPhrase,
  pairwiseKeyPair,
  phraseToMasterSeed,
  pseudonym,
  publicJwk,
  type Ed25519KeyPair,
} from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import type { RandomBytesPort, RecordStore } from './ports';

/** A new identity: the seed for the vault and the phrase to show the customer once. */
export interface NewIdentity {
  readonly masterSeed: Uint8Array;
  /** 24 English BIP-39 words separated by single spaces. */
  readonly phrase: string;
}

/** What the customer is towards one company. */
export interface CompanyIdentity {
  readonly company: string;
  readonly pseudonym: string;
  readonly keyPair: Ed25519KeyPair;
}

const identityRecord = v.strictObject({
  masterSeed: v.pipe(v.string(), v.length(64), v.regex(/^[0-9a-f]{64}$/)),
});

/**
 * A fresh master seed and its recovery phrase.
 *
 * @example
 * ```ts
 * const { masterSeed, phrase } = newIdentity((n) => crypto.getRandomValues(new Uint8Array(n)));
 * ```
 */
export function newIdentity(randomBytes: RandomBytesPort): NewIdentity {
  const masterSeed = generateMasterSeed(randomBytes);
  return { masterSeed, phrase: masterSeedToPhrase(masterSeed) };
}

/**
 * The master seed of a typed recovery phrase; `ERR_KEY_INVALID` for a wrong word, count or checksum.
 *
 * @example
 * ```ts
 * const seed = identityFromPhrase(typed);
 * ```
 */
export function identityFromPhrase(phrase: string): Uint8Array {
  return phraseToMasterSeed(phrase);
}

/**
 * The recovery phrase of a master seed (the 24 words {@link newIdentity} gave for it).
 *
 * @example
 * ```ts
 * const phrase = phraseOf(await readMasterSeed(store));
 * ```
 */
export function phraseOf(masterSeed: Uint8Array): string {
  return masterSeedToPhrase(masterSeed);
}

/**
 * The pairwise key pair and pseudonym towards `company` (`ERR_KEY_INVALID` for a bad id).
 *
 * @example
 * ```ts
 * const { pseudonym } = await companyIdentity(seed, 'co_…');
 * ```
 */
export async function companyIdentity(
  masterSeed: Uint8Array,
  company: string,
): Promise<CompanyIdentity> {
  await ready();
  const keyPair = pairwiseKeyPair(masterSeed, company);
  return { company, pseudonym: pseudonym(publicJwk(keyPair)), keyPair };
}

/**
 * The identity record's value for the vault.
 *
 * @example
 * ```ts
 * await store.put('identity', 'master', identityRecordOf(seed));
 * ```
 */
export function identityRecordOf(masterSeed: Uint8Array): { masterSeed: string } {
  return { masterSeed: hexEncode(masterSeed) };
}

/**
 * Reads the master seed from the store. An absent record is `ERR_VAULT_ABSENT`; a record that
 * does not have the identity's shape is reported as damaged (`ERR_VAULT_RECORD_DAMAGED`).
 *
 * @example
 * ```ts
 * const seed = await readMasterSeed(store);
 * ```
 */
export async function readMasterSeed(store: RecordStore): Promise<Uint8Array> {
  const raw = await store.get('identity', 'master');
  if (raw === undefined) throw new ProtocolError('ERR_VAULT_ABSENT', 'the vault holds no identity');
  const result = v.safeParse(identityRecord, raw);
  if (!result.success)
    throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the identity record is malformed', {
      table: 'identity',
      id: 'master',
    });
  try {
    return hexDecode(result.output.masterSeed);
  } catch (e) {
    if (isProtocolError(e))
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'bad seed', {
        table: 'identity',
        id: 'master',
      });
    throw e;
  }
}
