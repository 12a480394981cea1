/**
 * The builds made from the one extension source (SPECS "Shared pieces"): two shipped builds and a
 * test-only Chromium build with an injectable clock and low Argon2id settings.
 *
 * @example
 * ```ts
 * isBuildTarget('firefox') // true
 * ```
 */
export const buildTargets = ['chromium', 'firefox', 'chromium-test'] as const;

export type BuildTarget = (typeof buildTargets)[number];

/** The browser family a target runs in: decides the manifest's background and gecko keys. */
export type BrowserFamily = 'chromium' | 'firefox';

/**
 * True when `value` names one of {@link buildTargets}.
 *
 * @example
 * ```ts
 * isBuildTarget('safari') // false
 * ```
 */
export function isBuildTarget(value: unknown): value is BuildTarget {
  return typeof value === 'string' && (buildTargets as readonly string[]).includes(value);
}

/**
 * The browser family of a build target.
 *
 * @example
 * ```ts
 * browserFamily('chromium-test') // 'chromium'
 * ```
 */
export function browserFamily(target: BuildTarget): BrowserFamily {
  return target === 'firefox' ? 'firefox' : 'chromium';
}
