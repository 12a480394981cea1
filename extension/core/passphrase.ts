/**
 * The passphrase strength hint shown at onboarding. A hint, not a gate: the vault refuses only
 * passphrases under 10 characters (extension/vault). The estimate is deliberately simple and
 * conservative: the alphabet the characters are drawn from, times the length, minus what
 * repetition and runs give away; several words score well because length dominates.
 */

/** How strong a passphrase looks; `too_short` is also what the vault refuses. */
export const passphraseStrengths = ['too_short', 'weak', 'fair', 'strong'] as const;
export type PassphraseStrength = (typeof passphraseStrengths)[number];

/** The vault's minimum, repeated here because core must not import the vault. */
export const minimumPassphraseChars = 10;

/**
 * An estimate of the passphrase's strength, with the estimated bits behind it.
 *
 * @example
 * ```ts
 * passphraseStrength('hunter2').strength // 'too_short'
 * passphraseStrength('correct horse battery staple').strength // 'strong'
 * ```
 */
export function passphraseStrength(passphrase: string): {
  strength: PassphraseStrength;
  bits: number;
} {
  const chars = [...passphrase.normalize('NFC').slice(0, 1024)];
  if (chars.length < minimumPassphraseChars) return { strength: 'too_short', bits: 0 };
  let pool = 0;
  if (chars.some((c) => /[a-z]/.test(c))) pool += 26;
  if (chars.some((c) => /[A-Z]/.test(c))) pool += 26;
  if (chars.some((c) => /[0-9]/.test(c))) pool += 10;
  if (chars.some((c) => /[^A-Za-z0-9]/.test(c))) pool += 33;
  // Count only characters that are not a repeat or a step of the one before: "aaaa" and
  // "1234" add almost nothing.
  let effective = 1;
  for (let i = 1; i < chars.length; i++) {
    const a = chars[i - 1]!.codePointAt(0)!;
    const b = chars[i]!.codePointAt(0)!;
    if (Math.abs(a - b) > 1) effective++;
  }
  const distinct = new Set(chars).size;
  const bits = Math.round(Math.min(effective, distinct * 2) * Math.log2(Math.max(pool, 2)));
  const strength: PassphraseStrength = bits >= 80 ? 'strong' : bits >= 50 ? 'fair' : 'weak';
  return { strength, bits };
}
