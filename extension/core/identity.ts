/**
 * The customer's identity: one 32-byte master seed, shown as the 24-word recovery phrase until the
 * customer typed some of its words back (SPECS "recovery phrase"), from which the pairwise key and pseudonym for every company are
 * derived (SPECS "pairwise key"). The seed lives only in the vault's `identity/master` record.
 */
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
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

/** The number of words of a recovery phrase: the only length {@link newIdentity} makes. */
export const phraseWordCount = 24;

/**
 * Why a typed recovery phrase gives no seed, most basic first: nothing typed; not
 * {@link phraseWordCount} words (`words`: how many were typed); a word that is not in the BIP-39
 * English word list (`position`: 1-based, `word`: as typed, lower-cased); all words known but
 * their checksum does not match (a word mistyped as another word of the list, or two swapped).
 */
export type PhraseProblem =
  | { readonly problem: 'empty' }
  | { readonly problem: 'count'; readonly words: number }
  | { readonly problem: 'word'; readonly position: number; readonly word: string }
  | { readonly problem: 'checksum' };

/** The words of a typed phrase, as {@link phraseProblem} reads them: any whitespace, any case. */
function phraseWords(phrase: string): string[] {
  const trimmed = phrase.trim().toLowerCase();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

const knownWords: ReadonlySet<string> = new Set(english);

/**
 * What is wrong with a typed recovery phrase, or null when it gives a seed. Pure and cheap (no
 * key derivation): the dashboard asks it before it sends anything, to say exactly what to fix.
 *
 * @example
 * ```ts
 * phraseProblem('abandon ability') // { problem: 'count', words: 2 }
 * ```
 */
export function phraseProblem(phrase: string): PhraseProblem | null {
  const words = phraseWords(phrase);
  if (words.length === 0) return { problem: 'empty' };
  if (words.length !== phraseWordCount) return { problem: 'count', words: words.length };
  const unknown = words.findIndex((word) => !knownWords.has(word));
  if (unknown >= 0) return { problem: 'word', position: unknown + 1, word: words[unknown]! };
  try {
    phraseToMasterSeed(words.join(' '));
  } catch (e) {
    if (isProtocolError(e, 'ERR_KEY_INVALID')) return { problem: 'checksum' };
    throw e;
  }
  return null;
}

/**
 * The master seed of a typed recovery phrase; `ERR_RECOVERY_PHRASE_INVALID` with the
 * {@link PhraseProblem}'s `problem` (and `words` or `position`) as its detail. The word itself
 * stays out of the detail: it is a piece of the secret phrase, and a detail may be logged.
 *
 * @example
 * ```ts
 * const seed = identityFromPhrase(typed);
 * ```
 */
export function identityFromPhrase(phrase: string): Uint8Array {
  const problem = phraseProblem(phrase);
  if (problem !== null) {
    const detail =
      problem.problem === 'word' ? { problem: 'word', position: problem.position } : { ...problem };
    throw new ProtocolError(
      'ERR_RECOVERY_PHRASE_INVALID',
      `the recovery phrase is not valid (${problem.problem})`,
      detail,
    );
  }
  return phraseToMasterSeed(phraseWords(phrase).join(' '));
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
