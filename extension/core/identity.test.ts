import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { counterBytes, FakeStore } from './fakes';
import {
  companyIdentity,
  identityFromPhrase,
  identityRecordOf,
  newIdentity,
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

  it('refuses a phrase with a wrong word', async () => {
    const { phrase } = newIdentity(counterBytes());
    const words = phrase.split(' ');
    words[3] = words[3] === 'abandon' ? 'ability' : 'abandon';
    expect(await codeOf(() => identityFromPhrase(words.join(' ')))).toBe('ERR_KEY_INVALID');
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
