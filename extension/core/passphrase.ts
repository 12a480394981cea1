/**
 * The passphrase strength hint shown at onboarding, and the one rule every new passphrase must
 * pass ({@link newPassphraseProblem}). The hint is not a gate: the vault refuses only a
 * passphrase that breaks the rule (extension/vault `checkNewPassphrase` calls it). The estimate
 * is deliberately simple and conservative: the alphabet the characters are drawn from, times the
 * length, minus what repetition and runs give away; several words score well because length
 * dominates.
 */

/** How strong a passphrase looks; `blank` and `too_short` are also what the vault refuses. */
export const passphraseStrengths = ['blank', 'too_short', 'weak', 'fair', 'strong'] as const;
export type PassphraseStrength = (typeof passphraseStrengths)[number];

/** Why a new passphrase is refused: the strengths {@link newPassphraseProblem} answers. */
export type NewPassphraseProblem = Extract<PassphraseStrength, 'blank' | 'too_short'>;

/** The minimum length of a new passphrase, in characters (after NFC normalisation). */
export const minimumPassphraseChars = 10;

/**
 * Why `passphrase` may not become the vault's passphrase, or null when it may. The one rule of
 * every path that sets one (onboarding's "create", the settings' change, the recovery's new
 * passphrase), applied by the vault itself and, before anything is sent, by those forms, so that
 * all say the same:
 *
 * - `blank`: nothing but white space, however long (a tester's ten spaces made a vault: they are
 *   as easy to guess as no passphrase at all);
 * - `too_short`: under {@link minimumPassphraseChars} characters; the empty passphrase too.
 *
 * Only this check trims: the passphrase itself is used as typed, spaces inside it and around it
 * included (they are legitimate, and trimming would lock out whoever typed them).
 *
 * @example
 * ```ts
 * newPassphraseProblem('          ') // 'blank'
 * newPassphraseProblem('hunter2') // 'too_short'
 * newPassphraseProblem('  correct horse  ') // null
 * ```
 */
export function newPassphraseProblem(passphrase: string): NewPassphraseProblem | null {
  if (passphrase !== '' && passphrase.trim() === '') return 'blank';
  if ([...passphrase.normalize('NFC')].length < minimumPassphraseChars) return 'too_short';
  return null;
}

/**
 * An estimate of the passphrase's strength, with the estimated bits behind it.
 *
 * @example
 * ```ts
 * passphraseStrength('hunter2').strength // 'too_short'
 * passphraseStrength('          ').strength // 'blank'
 * passphraseStrength('correct horse battery staple').strength // 'strong'
 * ```
 */
export function passphraseStrength(passphrase: string): {
  strength: PassphraseStrength;
  bits: number;
} {
  const problem = newPassphraseProblem(passphrase);
  if (problem !== null) return { strength: problem, bits: 0 };
  const chars = [...passphrase.normalize('NFC').slice(0, 1024)];
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
