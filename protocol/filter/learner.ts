/**
 * The on-device learner of the automatic mode (DESIGN section 6): online logistic regression on
 * hashed features, trained only on the customer's own feedback, stored in the vault, never sent
 * anywhere. Pure and deterministic: the same seed and the same feedback in the same order give
 * the same weights, bit for bit, in Node and in every browser.
 *
 * Features (each a binary indicator hashed with FNV-1a, salted by the seed, into 2^dimsLog2
 * weights): a bias; the offer's category and each of its parents (`sports`, `sports/running`);
 * the brand (by `brandKey`), the company, two crosses (category × brand, category × company),
 * the channel, the purpose, the incentive of the grant, the price band, the hour of the day in
 * three-hour blocks and the day of the week, both in the customer's zone. Updates are AdaGrad
 * steps (a per-weight learning rate) with a per-kind rate factor and a per-answer strength (the
 * class weighting: an explicit "no" pulls hardest), which learns a category from one or two
 * answers and settles once it has many.
 *
 * Cold start: the profile's interests become prior weights on their category features, so a
 * customer who said "sports, yes; gambling, no" is served sensibly before any feedback.
 *
 * @example
 * ```ts
 * const learner = createLearner({ seed: 7, interests: profile.interests });
 * const x = learner.features({ category: 'sports/running', brand: 'Acme', company, channel: 'email',
 *   purpose: 'product_launch', hour: 18, weekday: 4 });
 * learner.learn(x, 'liked');
 * learner.score(x); // closer to 1 than before
 * const stored = serializeLearner(learner); // plain object for the vault
 * ```
 */
import { ProtocolError } from '../errors';
import type { ContactFeedback, Interest } from '../profile';
import { brandKey } from '../profile';
import { fnv1a, mix32 } from './random';

/** Bounds of the weight vector: 2^12 .. 2^16 weights (32 KiB .. 512 KiB as Float64). */
export const learnerLimits = { minDimsLog2: 12, maxDimsLog2: 16, defaultDimsLog2: 14 } as const;

/** How many features one offer has at most (bias + 4 category levels + 10 more). */
export const MAX_FEATURES = 15;

/** What the learner looks at in an offer. Strings are bounded by the offer's schema. */
export interface OfferFeatures {
  readonly category: string;
  readonly brand: string;
  readonly company: string;
  readonly channel: string;
  readonly purpose: string;
  /** The incentive type the grant promised, if any. */
  readonly incentive?: string | undefined;
  /** The price in minor units (cents), if the offer names one; banded logarithmically. */
  readonly price?: number | undefined;
  /** Local hour 0..23 and ISO weekday 1..7 in the customer's zone at arrival. */
  readonly hour: number;
  readonly weekday: number;
}

/**
 * An offer's features as cacheable parts (the engine keeps `category` per category, `context` per
 * grant scope and channel): see {@link Learner.compose}.
 */
export interface FeatureParts {
  /** From {@link Learner.categoryPart}. */
  readonly category: Int32Array;
  /** From {@link Learner.brandPart}. */
  readonly brand: number;
  /** From {@link Learner.contextPart}. */
  readonly context: Int32Array;
  readonly price?: number | undefined;
  readonly hour: number;
  readonly weekday: number;
}

/** The hashed features of one offer: `count` bucket indices in `index`. */
export interface FeatureVector {
  readonly index: Int32Array;
  /** Per-feature learning-rate factor (see `RATE_*`). */
  readonly rate: Float64Array;
  readonly count: number;
}

/**
 * How strongly each kind of feedback pulls, and which way (1 = wanted, 0 = not wanted). A like
 * says more than an open; ignoring says little (the customer may have been busy).
 */
export const feedbackLabels: Readonly<Record<ContactFeedback, { label: 0 | 1; strength: number }>> =
  {
    liked: { label: 1, strength: 1.25 },
    opened: { label: 1, strength: 0.8 },
    dismissed: { label: 0, strength: 2.4 },
    blocked: { label: 0, strength: 3 },
    ignored: { label: 0, strength: 0.8 },
  };

/** Options of a new learner. */
export interface LearnerOptions {
  /** Salts the feature hashes; the same seed gives the same model. Default 0. */
  readonly seed?: number;
  /** log2 of the number of weights, 12..16; default 14. */
  readonly dimsLog2?: number;
  /** The profile's interests, the cold start's prior. */
  readonly interests?: readonly Interest[];
}

/** The learner: a weight vector and what AdaGrad needs to step it. */
export interface Learner {
  readonly seed: number;
  readonly dimsLog2: number;
  /** Feedback events learned since the last reset. */
  readonly updates: number;
  /** Hashes an offer's features; the result is reused scratch space unless `copy` is true. */
  features(offer: OfferFeatures, copy?: boolean): FeatureVector;
  /** The buckets of a category and its parents (cached; do not mutate). */
  categoryPart(category: string): Int32Array;
  /** The bucket of a brand (by `brandKey`). */
  brandPart(brand: string): number;
  /** The buckets of the company, channel, purpose and incentive (a new array each call). */
  contextPart(
    company: string,
    channel: string,
    purpose: string,
    incentive: string | undefined,
  ): Int32Array;
  /**
   * The same vector as {@link Learner.features}, from parts the caller cached: the engine's hot
   * path, which then hashes and looks up nothing per offer but the brand.
   */
  compose(parts: FeatureParts, copy?: boolean): FeatureVector;
  /** The probability in (0, 1) that the customer wants an offer with these features. */
  score(x: FeatureVector): number;
  /** One AdaGrad step towards what `feedback` says. Returns the score before the step. */
  learn(x: FeatureVector, feedback: ContactFeedback): number;
  /** Back to the cold start from `interests` (the customer's "forget what you learned"). */
  reset(interests?: readonly Interest[]): void;
  /** The raw state, for serialisation; do not mutate. */
  readonly state: { readonly weights: Float64Array; readonly squares: Float64Array };
}

/** The vault form of a learner: sparse, plain JSON. */
export interface SerializedLearner {
  readonly v: 1;
  readonly seed: number;
  readonly dimsLog2: number;
  readonly updates: number;
  /** Indices of the non-zero weights, ascending. */
  readonly index: number[];
  readonly weight: number[];
  /** AdaGrad's sum of squared gradients per listed index (0 where only a prior was set). */
  readonly squares: number[];
}

/*
 * The constants below were tuned on the synthetic customers of seeds 1-100 only
 * (bench/filter-customers.ts); the quality bar is reported on seeds 1001-1200 (docs/filter.md).
 */
/** Prior weight per unit of interest: interest 1 makes an offer of that category ~0.93 likely. */
const PRIOR_SCALE = 2.5;
/**
 * Prior of the bias, which never learns (`RATE_BIAS`): an unknown category scores just above 0.5,
 * is shown at the default threshold, and the customer's first answer teaches the model
 * (optimistic exploration); one "no" to it is enough to hide it.
 */
const PRIOR_BIAS = 0.05;
/** AdaGrad's base step; with the small epsilon below the first step of a fresh weight is ~1. */
const LEARNING_RATE = 1;
/*
 * Learning-rate factors per kind of feature. What an offer is about is what a customer answers
 * to: the exact category learns at full rate and carries the decision. What it shares with other
 * offers learns slower, so one answer does not spill over: the parent category (a "no" to
 * `sports/cycling` says a little about `sports/running`), the crosses category × brand (a
 * disliked brand inside a liked category) and category × company, the brand and the company on
 * their own (a brand sells in several categories; liking its shoes says little about its
 * phones), and the context (channel, purpose, time, price, incentive) least: otherwise a run of
 * "no" to one category would drag down every offer sent at the same hour or on the same channel.
 */
const RATE_SUBJECT = 1;
const RATE_PARENT = 0.4;
const RATE_CROSS_BRAND = 0.4;
const RATE_CROSS_COMPANY = 0.3;
const RATE_BRAND = 0.2;
const RATE_COMPANY = 0.05;
const RATE_CONTEXT = 0.03;
const RATE_BIAS = 0;
/** Keeps the first step of a fresh weight finite: lr · g / sqrt(g² + ε). */
const ADAGRAD_EPSILON = 0.1;
/** Odd multipliers that decorrelate the two crosses' buckets from each other and their parts. */
const CROSS_BRAND = 0x9e3779b1;
const CROSS_COMPANY = 0x85ebca6b;
/** Weights stay within ±this, so one feature can never drown all others for good. */
const WEIGHT_BOUND = 8;
const PRICE_BANDS = [0, 1_000, 5_000, 20_000, 100_000, 500_000] as const;
const CACHE_LIMIT = 4096;

function priceBand(price: number | undefined): number {
  if (price === undefined || !Number.isFinite(price) || price < 0) return -1;
  let band = 0;
  while (band + 1 < PRICE_BANDS.length && price >= PRICE_BANDS[band + 1]!) band++;
  return band;
}

function checkDims(dimsLog2: unknown): number {
  if (
    typeof dimsLog2 !== 'number' ||
    !Number.isInteger(dimsLog2) ||
    dimsLog2 < learnerLimits.minDimsLog2 ||
    dimsLog2 > learnerLimits.maxDimsLog2
  ) {
    throw invalid('dimsLog2');
  }
  return dimsLog2;
}

function invalid(path: string): ProtocolError {
  // The model lives beside the profile in the vault; a damaged one is a damaged profile record.
  return new ProtocolError('ERR_PROFILE_INVALID', 'the filter model is not valid', { path });
}

/**
 * A new learner at its cold start.
 *
 * @throws ProtocolError `ERR_PROFILE_INVALID` for a `dimsLog2` outside 12..16.
 * @example
 * ```ts
 * const learner = createLearner({ seed: 1, interests: [{ category: 'travel', weight: 1 }] });
 * ```
 */
export function createLearner(options: LearnerOptions = {}): Learner {
  return makeLearner(
    (options.seed ?? 0) >>> 0,
    checkDims(options.dimsLog2 ?? learnerLimits.defaultDimsLog2),
    options.interests,
  );
}

function makeLearner(
  seed: number,
  dimsLog2: number,
  interests: readonly Interest[] | undefined,
): Learner {
  const shift = 32 - dimsLog2;
  const weights = new Float64Array(1 << dimsLog2);
  const squares = new Float64Array(1 << dimsLog2);
  let updates = 0;

  const bucket = (key: string): number => fnv1a(key, seed) >>> shift;
  // Fixed vocabularies hash once; open ones (categories, brands, companies) through a bounded
  // cache, so the hot path mostly does one Map lookup per string.
  const biasIndex = bucket('bias');
  const hourIndex = Array.from({ length: 8 }, (_, i) => bucket(`h=${i}`));
  const dayIndex = Array.from({ length: 8 }, (_, i) => bucket(`d=${i}`));
  const priceIndex = Array.from({ length: PRICE_BANDS.length + 1 }, (_, i) => bucket(`p=${i - 1}`));
  const categoryCache = new Map<string, Int32Array>();
  // One cache per kind, keyed by the raw value: no string is built on the hot path.
  const caches = { co: new Map<string, number>(), ch: new Map(), pu: new Map(), in: new Map() };
  const cached = (kind: keyof typeof caches, value: string): number => {
    const cache = caches[kind] as Map<string, number>;
    let i = cache.get(value);
    if (i === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      i = bucket(`${kind}=${value}`);
      cache.set(value, i);
    }
    return i;
  };
  const categoryIndices = (category: string): Int32Array => {
    let out = categoryCache.get(category);
    if (out === undefined) {
      const parts = category.split('/').slice(0, 4);
      out = new Int32Array(parts.length);
      for (let level = 0; level < parts.length; level++) {
        out[level] = bucket(`c=${parts.slice(0, level + 1).join('/')}`);
      }
      if (categoryCache.size >= CACHE_LIMIT) categoryCache.clear();
      categoryCache.set(category, out);
    }
    return out;
  };
  const brandCache = new Map<string, number>();
  const brandIndex = (brand: string): number => {
    let i = brandCache.get(brand);
    if (i === undefined) {
      if (brandCache.size >= CACHE_LIMIT) brandCache.clear();
      i = bucket(`b=${brandKey(brand)}`);
      brandCache.set(brand, i);
    }
    return i;
  };

  const applyPrior = (interests: readonly Interest[] | undefined): void => {
    weights.fill(0);
    squares.fill(0);
    updates = 0;
    weights[biasIndex] = PRIOR_BIAS;
    for (const { category, weight } of interests ?? []) {
      // The prior sits on the most specific level only: "running" says nothing about "sports/golf".
      const levels = categoryIndices(category);
      const last = levels[levels.length - 1]!;
      weights[last] = (weights[last] ?? 0) + PRIOR_SCALE * weight;
    }
  };
  applyPrior(interests);

  const scratch = new Int32Array(MAX_FEATURES);
  const scratchRate = new Float64Array(MAX_FEATURES);
  const scratchVector = { index: scratch, rate: scratchRate, count: 0 };
  const scratchContext = new Int32Array(4);

  const compose = (
    levels: Int32Array,
    brand: number,
    context: Int32Array,
    price: number | undefined,
    hour: number,
    weekday: number,
    copy: boolean,
  ): FeatureVector => {
    const out = copy ? new Int32Array(MAX_FEATURES) : scratch;
    const rate = copy ? new Float64Array(MAX_FEATURES) : scratchRate;
    let n = 0;
    rate[n] = RATE_BIAS;
    out[n++] = biasIndex;
    const last = levels.length - 1;
    for (let i = 0; i < last; i++) {
      rate[n] = RATE_PARENT;
      out[n++] = levels[i]!;
    }
    const leaf = levels[last]!;
    rate[n] = RATE_SUBJECT;
    out[n++] = leaf;
    rate[n] = RATE_BRAND;
    out[n++] = brand;
    const company = context[0]!;
    rate[n] = RATE_COMPANY;
    out[n++] = company;
    // Crosses: what the customer thinks of this category *from this brand* (a disliked brand in
    // a liked category) and *from this company*, without one brand's answers leaking into all
    // of its categories.
    rate[n] = RATE_CROSS_BRAND;
    out[n++] = mix32(leaf ^ Math.imul(brand, CROSS_BRAND)) >>> shift;
    rate[n] = RATE_CROSS_COMPANY;
    out[n++] = mix32(leaf ^ Math.imul(company, CROSS_COMPANY)) >>> shift;
    for (let k = n; k < n + 6; k++) rate[k] = RATE_CONTEXT;
    out[n++] = context[1]!;
    out[n++] = context[2]!;
    out[n++] = context[3]!;
    out[n++] = priceIndex[priceBand(price) + 1]!;
    // `>>> 0` and `%` keep an out-of-range hour or day inside the tables instead of throwing.
    out[n++] = hourIndex[(((hour >>> 0) % 24) / 3) | 0]!;
    out[n++] = dayIndex[(weekday >>> 0) % 8]!;
    if (copy) return { index: out, rate, count: n };
    scratchVector.count = n;
    return scratchVector;
  };
  const contextIndices = (
    company: string,
    channel: string,
    purpose: string,
    incentive: string | undefined,
  ): Int32Array =>
    Int32Array.of(
      cached('co', company),
      cached('ch', channel),
      cached('pu', purpose),
      cached('in', incentive ?? ''),
    );

  const learner: Learner = {
    seed,
    dimsLog2,
    get updates() {
      return updates;
    },
    set updates(count: number) {
      updates = count;
    },
    state: { weights, squares },
    features(offer, copy = false) {
      scratchContext[0] = cached('co', offer.company);
      scratchContext[1] = cached('ch', offer.channel);
      scratchContext[2] = cached('pu', offer.purpose);
      scratchContext[3] = cached('in', offer.incentive ?? '');
      return compose(
        categoryIndices(offer.category),
        brandIndex(offer.brand),
        scratchContext,
        offer.price,
        offer.hour,
        offer.weekday,
        copy,
      );
    },
    categoryPart: categoryIndices,
    brandPart: brandIndex,
    contextPart: contextIndices,
    compose(parts, copy = false) {
      return compose(
        parts.category,
        parts.brand,
        parts.context,
        parts.price,
        parts.hour,
        parts.weekday,
        copy,
      );
    },
    score(x) {
      let z = 0;
      for (let i = 0; i < x.count; i++) z += weights[x.index[i]!]!;
      return 1 / (1 + Math.exp(-z));
    },
    learn(x, feedback) {
      const rule = feedbackLabels[feedback];
      if (rule === undefined) throw invalid('feedback');
      const p = learner.score(x);
      const g = (p - rule.label) * rule.strength;
      for (let i = 0; i < x.count; i++) {
        const j = x.index[i]!;
        const s = squares[j]! + g * g;
        squares[j] = s;
        const w = weights[j]! - (LEARNING_RATE * x.rate[i]! * g) / Math.sqrt(s + ADAGRAD_EPSILON);
        weights[j] = w > WEIGHT_BOUND ? WEIGHT_BOUND : w < -WEIGHT_BOUND ? -WEIGHT_BOUND : w;
      }
      updates++;
      return p;
    },
    reset(interests) {
      applyPrior(interests);
    },
  };
  return learner;
}

/**
 * The vault form of `learner`: only non-zero weights, as plain numbers.
 *
 * @example
 * ```ts
 * await vault.put('filter-model', serializeLearner(learner));
 * ```
 */
export function serializeLearner(learner: Learner): SerializedLearner {
  const { weights, squares } = learner.state;
  const index: number[] = [];
  const weight: number[] = [];
  const sq: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0 && squares[i] === 0) continue;
    index.push(i);
    weight.push(weights[i]!);
    sq.push(squares[i]!);
  }
  return {
    v: 1,
    seed: learner.seed,
    dimsLog2: learner.dimsLog2,
    updates: learner.updates,
    index,
    weight,
    squares: sq,
  };
}

/**
 * Restores a learner from its vault form, checking every field (a restored backup is untrusted).
 *
 * @throws ProtocolError `ERR_PROFILE_INVALID` (with `detail.path`) for anything malformed.
 * @example
 * ```ts
 * const learner = deserializeLearner(await vault.get('filter-model'));
 * ```
 */
export function deserializeLearner(value: unknown): Learner {
  if (typeof value !== 'object' || value === null) throw invalid('');
  const o = value as Record<string, unknown>;
  if (o.v !== 1) throw invalid('v');
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw invalid('seed');
  }
  const dimsLog2 = checkDims(o.dimsLog2);
  const size = 1 << dimsLog2;
  const updates = o.updates;
  if (typeof updates !== 'number' || !Number.isSafeInteger(updates) || updates < 0) {
    throw invalid('updates');
  }
  const { index, weight, squares } = o;
  if (!Array.isArray(index) || index.length > size) throw invalid('index');
  if (!Array.isArray(weight) || weight.length !== index.length) throw invalid('weight');
  if (!Array.isArray(squares) || squares.length !== index.length) throw invalid('squares');
  const learner = makeLearner(seed, dimsLog2, undefined);
  const state = learner.state;
  state.weights.fill(0);
  let previous = -1;
  for (let k = 0; k < index.length; k++) {
    const i: unknown = index[k];
    const w: unknown = weight[k];
    const s: unknown = squares[k];
    if (typeof i !== 'number' || !Number.isInteger(i) || i <= previous || i >= size) {
      throw invalid(`index.${k}`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || Math.abs(w) > WEIGHT_BOUND) {
      throw invalid(`weight.${k}`);
    }
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw invalid(`squares.${k}`);
    state.weights[i] = w;
    state.squares[i] = s;
    previous = i;
  }
  (learner as { updates: number }).updates = updates;
  return learner;
}
