import { describe, expect, it } from 'vitest';
import { passphraseStrength } from './passphrase';

describe('passphraseStrength', () => {
  it.each([
    ['hunter2', 'too_short'],
    ['aaaaaaaaaaaa', 'weak'],
    ['1234567890123', 'weak'],
    ['Sommer2024!', 'fair'],
    ['correct horse battery staple', 'strong'],
  ])('rates %j as %s', (passphrase, strength) => {
    expect(passphraseStrength(passphrase).strength).toBe(strength);
  });
});
