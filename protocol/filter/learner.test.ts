import { describe, expect, it } from 'vitest';
import { simulateCustomer } from '../../bench/filter-customers';
import type { ContactRecord } from '../profile';
import {
  applyFeedback,
  createLearner,
  createRng,
  deserializeLearner,
  fnv1a,
  serializeLearner,
  suggestImplicitNegatives,
  unitDraw,
  unsubscribeChange,
  type OfferFeatures,
} from './index';

const features: OfferFeatures = {
  category: 'sports/running',
  brand: 'Acme',
  company: `co_${'A'.repeat(43)}`,
  channel: 'email',
  purpose: 'product_launch',
  incentive: 'discount',
  price: 4_999,
  hour: 18,
  weekday: 3,
};

function trained(seed: number) {
  const learner = createLearner({ seed, interests: [{ category: 'travel', weight: 1 }] });
  const rng = createRng(seed);
  for (let i = 0; i < 200; i++) {
    const liked = rng.next() < 0.5;
    const x = learner.features({
      ...features,
      category: liked ? 'sports/running' : 'home/garden',
      hour: rng.below(24),
    });
    learner.learn(x, liked ? 'liked' : 'dismissed');
  }
  return learner;
}

describe('random', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = createRng(5);
    const b = createRng(5);
    const c = createRng(6);
    const seqA = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('hashes to known values, the same in Node and the browser', () => {
    expect(fnv1a('', 0)).toBe(fnv1a('', 0));
    expect(fnv1a('bias', 1)).not.toBe(fnv1a('bias', 2));
    expect(createRng(0).below(1_000_000)).toBe(createRng(0).below(1_000_000));
    expect(unitDraw('offer-1', 3)).toBe(unitDraw('offer-1', 3));
  });
});

describe('learner', () => {
  it('learns from feedback: liked categories rise, dismissed ones fall', () => {
    const learner = trained(1);
    expect(learner.score(learner.features(features))).toBeGreaterThan(0.8);
    expect(learner.score(learner.features({ ...features, category: 'home/garden' }))).toBeLessThan(
      0.2,
    );
    expect(learner.updates).toBe(200);
  });

  it('is deterministic for a seed', () => {
    expect(serializeLearner(trained(4))).toEqual(serializeLearner(trained(4)));
    expect(serializeLearner(trained(4)).index).not.toEqual(serializeLearner(trained(5)).index);
  });

  it('starts from the profile interests', () => {
    const cold = createLearner({
      interests: [
        { category: 'sports/running', weight: 1 },
        { category: 'home', weight: -1 },
      ],
    });
    expect(cold.score(cold.features(features))).toBeGreaterThan(0.8);
    expect(cold.score(cold.features({ ...features, category: 'home/garden' }))).toBeLessThan(0.5);
  });

  it('resets to the cold start', () => {
    const learner = trained(2);
    learner.reset([{ category: 'travel', weight: 1 }]);
    expect(serializeLearner(learner)).toEqual(
      serializeLearner(createLearner({ seed: 2, interests: [{ category: 'travel', weight: 1 }] })),
    );
    expect(learner.updates).toBe(0);
  });

  it('round-trips through its vault form, as JSON', () => {
    const learner = trained(3);
    const stored = JSON.parse(JSON.stringify(serializeLearner(learner))) as unknown;
    const restored = deserializeLearner(stored);
    expect(serializeLearner(restored)).toEqual(serializeLearner(learner));
    expect(restored.score(restored.features(features))).toBe(
      learner.score(learner.features(features)),
    );
    expect(restored.updates).toBe(200);
  });

  it.each([
    ['not an object', 'x'],
    ['a wrong version', { v: 2 }],
    ['too many dimensions', { ...serializeLearner(createLearner()), dimsLog2: 24 }],
    [
      'an index out of range',
      { ...serializeLearner(createLearner()), index: [1 << 20], weight: [1], squares: [0] },
    ],
    [
      'unsorted indices',
      { ...serializeLearner(createLearner()), index: [5, 3], weight: [1, 1], squares: [0, 0] },
    ],
    [
      'a non-finite weight',
      { ...serializeLearner(createLearner()), index: [1], weight: [Infinity], squares: [0] },
    ],
    [
      'mismatched lengths',
      { ...serializeLearner(createLearner()), index: [1], weight: [], squares: [] },
    ],
  ])('refuses a stored model with %s', (_name, value) => {
    expect(() => deserializeLearner(value)).toThrow(
      expect.objectContaining({ code: 'ERR_PROFILE_INVALID' }),
    );
  });

  it('converges on the synthetic customers', () => {
    let before = 0;
    let after = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const [start, end] = simulateCustomer(seed, [0, 50]);
      before += start!.precision + start!.recall;
      after += end!.precision + end!.recall;
    }
    expect(after).toBeGreaterThan(before);
    expect(after / 16).toBeGreaterThan(0.75);
  });
});

describe('learner: what each kind of feature learns', () => {
  const x = (learner: ReturnType<typeof createLearner>, o: Partial<OfferFeatures>) =>
    learner.score(learner.features({ ...features, ...o }));
  const at = (brand: string, company = features.company) => ({ brand, company });
  type Answers = [Partial<OfferFeatures>, 'liked' | 'opened' | 'dismissed' | 'ignored'][];
  const teach = (learner: ReturnType<typeof createLearner>, answers: Answers, rounds = 3) => {
    for (let r = 0; r < rounds; r++) {
      for (const [o, a] of answers) learner.learn(learner.features({ ...features, ...o }), a);
    }
  };

  // [what, answers (three rounds), an offer that must end below 0.5, one that must stay at or
  // above it, and by how much at least the two must end apart]
  it.each([
    [
      'a disliked brand inside a liked category (category × brand)',
      [
        [at('Acme'), 'liked'],
        [at('Bolt'), 'liked'],
        [at('Crud'), 'dismissed'],
      ],
      at('Crud'),
      at('Acme'),
      0.3,
    ],
    [
      'a dismissed category from every brand, not only the one answered',
      [[{ category: 'home/garden', ...at('Acme') }, 'dismissed']],
      { category: 'home/garden', ...at('Bolt') },
      { category: 'home/garden', ...at('Bolt'), company: `co_${'Z'.repeat(43)}` },
      0,
    ],
    [
      'an ignored category, while a liked one of the same brand stays',
      [
        [{ category: 'books/fiction' }, 'ignored'],
        [{ category: 'sports/running' }, 'liked'],
      ],
      { category: 'books/fiction' },
      { category: 'sports/running' },
      0.5,
    ],
  ] as [string, Answers, Partial<OfferFeatures>, Partial<OfferFeatures>, number][])(
    'hides %s',
    (_name, answers, hidden, shown, gap) => {
      const learner = createLearner({ seed: 9 });
      teach(learner, answers);
      expect(x(learner, hidden)).toBeLessThan(0.5);
      if (gap > 0) {
        expect(x(learner, shown)).toBeGreaterThanOrEqual(0.5);
        expect(x(learner, shown) - x(learner, hidden)).toBeGreaterThan(gap);
      }
    },
  );

  it('lifts a liked category much more than the same brand in another category', () => {
    const learner = createLearner({ seed: 4 });
    const before = x(learner, { category: 'home/garden' });
    teach(learner, [[{ category: 'sports/running' }, 'liked']]);
    const liked = x(learner, { category: 'sports/running' }) - before;
    const other = Math.abs(x(learner, { category: 'home/garden' }) - before);
    expect(liked).toBeGreaterThan(0.3);
    expect(other).toBeLessThan(0.15);
    expect(liked).toBeGreaterThan(3 * other);
  });

  it('shows a category nobody answered yet, and hides it after one "no"', () => {
    const learner = createLearner({ seed: 2 });
    expect(x(learner, { category: 'pets/dogs' })).toBeGreaterThan(0.5);
    learner.learn(learner.features({ ...features, category: 'pets/dogs' }), 'ignored');
    expect(x(learner, { category: 'pets/dogs', brand: 'Other' })).toBeLessThan(0.5);
  });
});

describe('learner: cached parts', () => {
  // The engine scores from parts it caches per category and per grant scope; they must give
  // exactly the vector `features` gives, or the engine would score another model.
  const cases: [string, OfferFeatures][] = [
    ['a full offer', features],
    ['no incentive, no price', { ...features, incentive: undefined, price: undefined }],
    ['a deep category', { ...features, category: 'sports/running/trail/ultra/extra' }],
    ['a top-level category', { ...features, category: 'travel' }],
    ['an out-of-range hour and day', { ...features, hour: 99, weekday: 12 }],
    ['a brand spelled otherwise', { ...features, brand: ' ACME ' }],
  ];

  it.each(cases)('%s: compose(parts) equals features(offer)', (_name, offer) => {
    const learner = trained(6);
    const whole = learner.features(offer, true);
    const composed = learner.compose(
      {
        category: learner.categoryPart(offer.category),
        brand: learner.brandPart(offer.brand),
        context: learner.contextPart(offer.company, offer.channel, offer.purpose, offer.incentive),
        price: offer.price,
        hour: offer.hour,
        weekday: offer.weekday,
      },
      true,
    );
    expect(composed.count).toBe(whole.count);
    expect([...composed.index.subarray(0, composed.count)]).toEqual([
      ...whole.index.subarray(0, whole.count),
    ]);
    expect([...composed.rate.subarray(0, composed.count)]).toEqual([
      ...whole.rate.subarray(0, whole.count),
    ]);
    expect(learner.score(composed)).toBe(learner.score(whole));
  });

  it('reuses its scratch vector unless asked for a copy', () => {
    const learner = createLearner();
    const a = learner.features(features);
    const b = learner.features({ ...features, category: 'home/garden' });
    expect(a).toBe(b);
    expect(learner.features(features, true)).not.toBe(learner.features(features, true));
  });
});

describe('feedback', () => {
  it('blacklists the brand on "not this brand" and learns it', () => {
    const learner = createLearner();
    const effect = applyFeedback(learner, features, 'blocked');
    expect(effect.blacklist).toEqual({ kind: 'brand', brand: 'Acme', company: features.company });
    expect(learner.score(learner.features(features))).toBeLessThan(effect.scoreBefore);
    expect(applyFeedback(learner, features, 'liked').blacklist).toBeUndefined();
  });

  const at = 1_767_787_200;
  const contact = (
    k: number,
    feedback: ContactRecord['feedback'],
    company = features.company,
  ): ContactRecord => ({
    company,
    channel: 'email',
    category: 'sports',
    at: at - k * 86_400,
    outcome: 'delivered',
    ...(feedback === undefined ? {} : { feedback }),
  });

  it('suggests a cool-down for a company whose offers are ignored', () => {
    const history = [1, 2, 3, 4, 5].map((k) => contact(k, 'ignored'));
    expect(suggestImplicitNegatives(history, at)).toEqual([
      { company: features.company, action: 'cool_down', negatives: 5, of: 5, days: 30 },
    ]);
  });

  it('suggests a refusal when the offers are dismissed', () => {
    const history = [1, 2, 3, 4, 5].map((k) => contact(k, 'dismissed'));
    expect(suggestImplicitNegatives(history, at)[0]?.action).toBe('refuse');
  });

  it('suggests nothing when the customer opened one, or answered too few', () => {
    expect(
      suggestImplicitNegatives(
        [...[1, 2, 3, 4].map((k) => contact(k, 'ignored')), contact(5, 'opened')],
        at,
      ),
    ).toEqual([]);
    expect(
      suggestImplicitNegatives(
        [1, 2, 3].map((k) => contact(k, 'dismissed')),
        at,
      ),
    ).toEqual([]);
  });

  it('narrows a grant by the unsubscribed channel and revokes purposes left without one', () => {
    const scope = (
      purpose: 'product_launch' | 'win_back',
      channels: ('email' | 'newsletter')[],
    ) => ({
      purpose,
      channels,
      dataCategories: [],
      conditions: { timeZone: 'UTC' },
      retentionDays: 1,
      onwardRecipients: [],
    });
    const grant = {
      v: 1 as const,
      iss: `ps_${'C'.repeat(43)}`,
      aud: features.company,
      iat: at,
      exp: at + 600,
      jti: 'g',
      requestSha256: 'r'.repeat(43),
      scopes: [scope('product_launch', ['email', 'newsletter']), scope('win_back', ['newsletter'])],
      preferredChannel: 'newsletter' as const,
      until: at + 86_400,
    };
    const change = unsubscribeChange(grant, 'newsletter');
    expect(change.scopes.map((s) => [s.purpose, s.channels])).toEqual([
      ['product_launch', ['email']],
    ]);
    expect(change.revokePurposes).toEqual(['win_back']);
    expect(change.preferredChannel).toBe('email');
  });
});
