import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { counterBytes, FakeStore } from './fakes';
import {
  companyIdentity,
  identityFromPhrase,
  identityRecordOf,
  newIdentity,
  phraseProblem,
  readMasterSeed,
} from './identity';

const CO_A = `co_${'A'.repeat(43)}`;
const CO_B = `co_${'B'.repeat(42)}A`;

async function codeOf(call: () => unknown): Promise<string> {
  try {
    await call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

describe('identity', () => {
  it('shows a new seed as 24 words that give the same seed back', () => {
    const { masterSeed, phrase } = newIdentity(counterBytes());
    expect(phrase.split(' ')).toHaveLength(24);
    expect(identityFromPhrase(`  ${phrase.toUpperCase()} `)).toEqual(masterSeed);
  });

  /** The detail of the error a phrase is refused with, or 'none'. */
  function refusal(phrase: string): unknown {
    try {
      identityFromPhrase(phrase);
      return 'none';
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      return { code: e.code, detail: e.detail };
    }
  }

  const words = newIdentity(counterBytes()).phrase.split(' ');
  /** The phrase with its word at (0-based) `i` replaced by `word`. */
  const withWord = (i: number, word: string) => words.map((w, j) => (j === i ? word : w)).join(' ');
  const otherWord = (w: string) => (w === 'abandon' ? 'ability' : 'abandon');

  it.each([
    ['nothing typed', '', { problem: 'empty' }],
    ['only whitespace', ' \n\t ', { problem: 'empty' }],
    ['three words', 'abandon ability able', { problem: 'count', words: 3 }],
    ['23 words', words.slice(1).join(' '), { problem: 'count', words: 23 }],
    ['25 words', `${words.join(' ')} abandon`, { problem: 'count', words: 25 }],
    ['a word not in the list', withWord(4, 'xyzzy'), { problem: 'word', position: 5 }],
    ['a known word mistyped', withWord(0, 'abandn'), { problem: 'word', position: 1 }],
    [
      'a word swapped for another of the list',
      withWord(3, otherWord(words[3]!)),
      { problem: 'checksum' },
    ],
  ])('refuses %s, saying which problem it is', (_, phrase, detail) => {
    expect(refusal(phrase)).toEqual({ code: 'ERR_RECOVERY_PHRASE_INVALID', detail });
  });

  it('names the first unknown word and its position, and keeps the word out of the error', () => {
    const phrase = withWord(20, 'Zzzzz').replace(words[2]!, 'qqq');
    expect(phraseProblem(phrase)).toEqual({ problem: 'word', position: 3, word: 'qqq' });
    expect(JSON.stringify(refusal(phrase))).not.toContain('qqq');
  });

  it('finds nothing wrong with a phrase it gives a seed for, in any case and spacing', () => {
    expect(phraseProblem(`\n ${words.join('   ').toUpperCase()}\t`)).toBeNull();
  });

  it('derives one stable pseudonym per company, different between companies', async () => {
    const { masterSeed } = newIdentity(counterBytes());
    const a1 = await companyIdentity(masterSeed, CO_A);
    const a2 = await companyIdentity(masterSeed, CO_A);
    const b = await companyIdentity(masterSeed, CO_B);
    expect(a1.pseudonym).toMatch(/^ps_[A-Za-z0-9_-]{43}$/);
    expect(a2.pseudonym).toBe(a1.pseudonym);
    expect(b.pseudonym).not.toBe(a1.pseudonym);
  });

  it('reads the seed back from the store, and reports a malformed record as damaged', async () => {
    const store = new FakeStore();
    expect(await codeOf(() => readMasterSeed(store))).toBe('ERR_VAULT_ABSENT');
    const { masterSeed } = newIdentity(counterBytes());
    await store.put('identity', 'master', identityRecordOf(masterSeed));
    expect(await readMasterSeed(store)).toEqual(masterSeed);
    await store.delete('identity', 'master');
    await store.put('identity', 'master', { masterSeed: 'zz' });
    expect(await codeOf(() => readMasterSeed(store))).toBe('ERR_VAULT_RECORD_DAMAGED');
  });
});
