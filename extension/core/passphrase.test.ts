import { describe, expect, it } from 'vitest';
import { newPassphraseProblem, passphraseStrength } from './passphrase';

describe('passphraseStrength', () => {
  it.each([
    ['hunter2', 'too_short'],
    ['', 'too_short'],
    ['          ', 'blank'],
    ['aaaaaaaaaaaa', 'weak'],
    ['1234567890123', 'weak'],
    ['Sommer2024!', 'fair'],
    ['correct horse battery staple', 'strong'],
  ])('rates %j as %s', (passphrase, strength) => {
    expect(passphraseStrength(passphrase).strength).toBe(strength);
  });
});

describe('newPassphraseProblem', () => {
  it.each([
    // Failed before: ten spaces made a vault (rated "weak", refused by nothing).
    ['ten spaces', '          ', 'blank'],
    ['tabs, line breaks and no-break spaces', '\t\n\u00a0\u3000 \t\n\u00a0\u3000 \t', 'blank'],
    ['three spaces', '   ', 'blank'],
    ['nothing', '', 'too_short'],
    ['nine characters', 'abcdefghi', 'too_short'],
    ['nine characters between spaces', '  abcdefghi  ', null],
    ['ten characters', 'abcdefghij', null],
    ['several words', 'correct horse battery staple', null],
  ] as const)('answers %s with %j', (_, passphrase, problem) => {
    expect(newPassphraseProblem(passphrase)).toBe(problem);
  });
});
