/**
 * The filter's only sources of "randomness", both deterministic: a fast non-cryptographic string
 * hash (FNV-1a, 32 bit) that maps features into the learner's weight vector, and a seeded PRNG
 * (splitmix32) for the serendipity draw and the synthetic-customer generator. Nothing here is
 * fit for secrets: it is for reproducible spreading, never for keys or nonces.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next(); // the same number in every run for seed 42
 * fnv1a('c=sports/running', 7) >>> 18; // a feature's bucket among 2^14
 * ```
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over the UTF-16 code units of `text`, salted with `seed` (xored into the offset basis),
 * as an unsigned 32-bit integer. Code units, not UTF-8 bytes: cheaper, and stable everywhere.
 *
 * @example
 * ```ts
 * fnv1a('brand=acme', 0) === fnv1a('brand=acme', 0); // true, in Node and in every browser
 * ```
 */
export function fnv1a(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return mix32(h >>> 0);
}

/**
 * The splitmix32 / murmur3 finaliser: spreads every input bit over every output bit, so the top
 * bits of an FNV-1a hash (used as the bucket) are as good as its low bits.
 *
 * @example
 * ```ts
 * mix32(1) !== mix32(2); // neighbouring inputs land far apart
 * ```
 */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded pseudo-random generator; its whole state is one 32-bit integer. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n) for 1 <= n <= 2^32. */
  below(n: number): number;
  /** The current state, to resume a sequence later with `createRng(state)`. */
  readonly state: number;
}

/**
 * splitmix32: a 32-bit state advanced by the golden-ratio increment and finalised with
 * {@link mix32}. Passes the usual statistical batteries for this use, costs a few nanoseconds.
 *
 * @example
 * ```ts
 * const rng = createRng(7);
 * const dice = 1 + rng.below(6);
 * ```
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
  return {
    next: () => nextUint32() / 4_294_967_296,
    below: (n) => Math.floor((nextUint32() / 4_294_967_296) * n),
    get state() {
      return state;
    },
  };
}

/**
 * A uniform number in [0, 1) fixed by `key` and `seed`: the same offer gets the same draw on
 * every device sync, so deciding an offer twice (offline, then again on catch-up) gives the same
 * answer and no duplicate "something new".
 *
 * @example
 * ```ts
 * unitDraw('offer-jti-1', 42) < 0.1; // stable for this offer and seed
 * ```
 */
export function unitDraw(key: string, seed: number): number {
  return mix32(fnv1a(key, seed) ^ 0x5bd1e995) / 4_294_967_296;
}
