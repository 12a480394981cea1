import { describe, expect, it } from 'vitest';
import type { GrantPayload } from '../messages';
import { defaultProfile, type BlacklistEntry, type ContactRecord, type Profile } from '../profile';
import {
  compileFilter,
  createLearner,
  decide,
  explainDecision,
  violations,
  type FilterGrant,
  type FilterInput,
  type FilterOffer,
} from './index';

const company = `co_${'A'.repeat(43)}`;
const other = `co_${'B'.repeat(43)}`;
const me = `ps_${'C'.repeat(43)}`;
/** Wednesday 2026-01-07 12:00 UTC (13:00 in Berlin). */
const NOON = 1_767_787_200;
const DAY = 86_400;

function grantPayload(overrides: Partial<GrantPayload> = {}): GrantPayload {
  return {
    v: 1,
    iss: me,
    aud: company,
    iat: NOON - 30 * DAY,
    exp: NOON - 30 * DAY + 600,
    jti: 'grant-1',
    requestSha256: 'r'.repeat(43),
    scopes: [
      {
        purpose: 'product_launch',
        channels: ['email', 'newsletter'],
        dataCategories: [],
        conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 3 },
        retentionDays: 30,
        onwardRecipients: [],
      },
    ],
    preferredChannel: 'email',
    until: NOON + 365 * DAY,
    ...overrides,
  };
}

function grant(overrides: Partial<GrantPayload> = {}, revokedAt?: number): FilterGrant {
  return {
    sha256: 'g'.repeat(43),
    active: {
      grant: grantPayload(overrides),
      revocations: revokedAt === undefined ? [] : [{ at: revokedAt }],
    },
  };
}

function profile(overrides: Partial<Profile> = {}): Profile {
  return {
    ...defaultProfile('en', 'Europe/Berlin'),
    channels: { allowed: ['email', 'newsletter'], preferred: 'email' },
    interests: [{ category: 'sports', weight: 1 }],
    ...overrides,
  };
}

function offer(
  inner: Partial<FilterOffer['inner']> = {},
  outer: Partial<FilterOffer['outer']> = {},
): FilterOffer {
  const common = {
    iss: company,
    aud: me,
    grantSha256: 'g'.repeat(43),
    purpose: 'product_launch',
    channel: 'email',
    validUntil: NOON + 10 * DAY,
  };
  return {
    id: 'offer-1',
    outer: { ...common, iat: NOON - 60, ...outer },
    inner: {
      ...common,
      brand: 'Acme',
      category: 'sports/running',
      advertisement: true,
      unsubscribe: 'https://acme.example/unsubscribe',
      ...inner,
    },
  };
}

function delivered(at: number, co = company): ContactRecord {
  return { company: co, channel: 'email', category: 'sports/running', at, outcome: 'delivered' };
}

function blacklistEntry(target: BlacklistEntry['target']): BlacklistEntry {
  return { id: '0'.repeat(32), target, reason: 'irrelevant', at: NOON - DAY };
}

function run(input: Partial<FilterInput>, o: FilterOffer = offer(), at = NOON) {
  const filter = compileFilter({
    profile: profile(),
    blacklist: [],
    grants: [grant()],
    history: [],
    ...input,
  });
  return decide(filter, o, at);
}

const ids = (d: { reasons: readonly { id: string }[] }) => d.reasons.map((r) => r.id);

describe('decide: one rule at a time', () => {
  const cases: [string, Partial<FilterInput>, FilterOffer, string, string[]][] = [
    [
      'delivers an opted-in category under a covering grant',
      {},
      offer(),
      'deliver',
      ['grant_covers', 'settings_allow', 'opted_in'],
    ],
    [
      'drops an offer whose envelope and content disagree',
      {},
      offer({}, { purpose: 'win_back' }),
      'drop',
      ['outer_inner_mismatch'],
    ],
    [
      'drops an offer from a suspended company',
      { suspended: [company] },
      offer(),
      'drop',
      ['company_suspended'],
    ],
    ['drops an offer under an unknown grant', { grants: [] }, offer(), 'drop', ['grant_missing']],
    [
      'drops an offer naming a grant of another company',
      { grants: [grant({ aud: other })] },
      offer(),
      'drop',
      ['grant_missing'],
    ],
    [
      'drops an offer for a purpose the grant does not cover',
      {},
      offer({ purpose: 'win_back' }, { purpose: 'win_back' }),
      'drop',
      ['grant_not_covered'],
    ],
    [
      'drops an offer sent after the grant was revoked',
      { grants: [grant({}, NOON - DAY)] },
      offer(),
      'drop',
      ['grant_not_covered'],
    ],
    [
      'drops an offer sent before a revocation that is effective now',
      { grants: [grant({}, NOON - 30)] },
      offer(),
      'drop',
      ['grant_ended'],
    ],
    [
      'drops an expired offer',
      {},
      offer({ validUntil: NOON - 1 }, { validUntil: NOON - 1 }),
      'drop',
      ['offer_expired'],
    ],
    [
      'drops a blacklisted company',
      { blacklist: [blacklistEntry({ kind: 'company', company })] },
      offer(),
      'drop',
      ['blacklisted_company'],
    ],
    [
      'drops a blacklisted brand, whatever its spelling',
      { blacklist: [blacklistEntry({ kind: 'brand', brand: ' ACME ' })] },
      offer(),
      'drop',
      ['blacklisted_brand'],
    ],
    [
      'keeps a brand blacklisted only for another company',
      { blacklist: [blacklistEntry({ kind: 'brand', brand: 'Acme', company: other })] },
      offer(),
      'deliver',
      ['grant_covers', 'settings_allow', 'opted_in'],
    ],
    [
      'drops a channel the customer does not allow',
      { profile: profile({ channels: { allowed: ['newsletter'], preferred: null } }) },
      offer(),
      'drop',
      ['channel_not_allowed'],
    ],
    [
      'drops a refused purpose',
      { profile: profile({ refusedPurposes: ['product_launch'] }) },
      offer(),
      'drop',
      ['purpose_refused'],
    ],
    [
      'drops a category whose parent is refused',
      { profile: profile({ refusedCategories: ['sports'] }) },
      offer(),
      'drop',
      ['category_refused'],
    ],
    [
      'drops unlabelled advertising as a violation',
      {},
      offer({ advertisement: false }),
      'drop',
      ['advertisement_label_missing'],
    ],
    [
      'accepts an unlabelled service message',
      {
        grants: [grant({ scopes: [{ ...grantPayload().scopes[0]!, purpose: 'service_support' }] })],
      },
      offer({ advertisement: false, purpose: 'service_support' }, { purpose: 'service_support' }),
      'deliver',
      ['grant_covers', 'settings_allow', 'opted_in'],
    ],
    [
      'drops an offer without an unsubscribe route',
      {},
      offer({ unsubscribe: '' }),
      'drop',
      ['unsubscribe_missing'],
    ],
    [
      'drops a category not opted into in manual mode',
      {},
      offer({ category: 'travel/beach' }),
      'drop',
      ['grant_covers', 'settings_allow', 'not_opted_in'],
    ],
  ];
  it.each(cases)('%s', (_name, input, o, action, reasons) => {
    const d = run(input, o);
    expect(d.action).toBe(action);
    expect(ids(d)).toEqual(reasons);
  });

  it('lists every failing rule, in the order of the rules', () => {
    const d = run(
      {
        blacklist: [blacklistEntry({ kind: 'company', company })],
        profile: profile({ channels: { allowed: [], preferred: null } }),
      },
      offer({ advertisement: false }),
    );
    expect(ids(d)).toEqual([
      'blacklisted_company',
      'channel_not_allowed',
      'advertisement_label_missing',
    ]);
    expect(violations(d.reasons).map((r) => r.id)).toEqual(['advertisement_label_missing']);
  });

  it("marks coverage failures and mismatches as violations, the customer's own settings not", () => {
    expect(violations(run({ grants: [] }).reasons).map((r) => r.id)).toEqual(['grant_missing']);
    expect(violations(run({ suspended: [company] }).reasons)).toHaveLength(1);
    expect(
      violations(run({ profile: profile({ refusedPurposes: ['product_launch'] }) }).reasons),
    ).toEqual([]);
  });

  it('names the coverage rule that failed', () => {
    const d = run({}, offer({ channel: 'sms' }, { channel: 'sms' }));
    expect(d.reasons[0]).toEqual({ id: 'grant_not_covered', params: { rule: 'channel' } });
  });
});

describe('decide: pausing a company (a cool-down)', () => {
  const quiet = {
    timeZone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '07:00' }],
  };
  const cases: [string, Partial<FilterInput>, number, string, string[]][] = [
    [
      'drops the offers of a paused company, saying until when',
      { pauses: [{ company, until: NOON + DAY }] },
      NOON,
      'drop',
      ['paused'],
    ],
    [
      'drops them up to the last second of the pause',
      { pauses: [{ company, until: NOON + 1 }] },
      NOON,
      'drop',
      ['paused'],
    ],
    [
      'delivers again from the instant the pause ends, by itself',
      { pauses: [{ company, until: NOON }] },
      NOON,
      'deliver',
      ['grant_covers', 'settings_allow', 'opted_in'],
    ],
    [
      "ignores another company's pause",
      { pauses: [{ company: other, until: NOON + DAY }] },
      NOON,
      'deliver',
      ['grant_covers', 'settings_allow', 'opted_in'],
    ],
    [
      'takes the later end when a company is listed twice',
      {
        pauses: [
          { company, until: NOON - DAY },
          { company, until: NOON + DAY },
        ],
      },
      NOON,
      'drop',
      ['paused'],
    ],
    [
      'lists the pause after the blacklist and before the settings',
      {
        pauses: [{ company, until: NOON + DAY }],
        blacklist: [blacklistEntry({ kind: 'company', company })],
        profile: profile({ refusedPurposes: ['product_launch'] }),
      },
      NOON,
      'drop',
      ['blacklisted_company', 'paused', 'purpose_refused'],
    ],
    [
      'drops rather than holds during quiet hours (a break is not a delay)',
      { pauses: [{ company, until: NOON + 2 * DAY }], profile: profile({ quiet }) },
      NOON + 10 * 3600,
      'drop',
      ['paused'],
    ],
    [
      'holds for quiet hours once the pause is over',
      { pauses: [{ company, until: NOON + 9 * 3600 }], profile: profile({ quiet }) },
      NOON + 10 * 3600,
      'hold',
      ['grant_covers', 'settings_allow', 'quiet_hours', 'opted_in'],
    ],
  ];
  it.each(cases)('%s', (_name, input, at, action, reasons) => {
    const d = run(input, offer(), at);
    expect(d.action).toBe(action);
    expect(ids(d)).toEqual(reasons);
  });

  it('is not a violation, but a violation of the paused company is still evidence', () => {
    const d = run({ pauses: [{ company, until: NOON + DAY }] }, offer({ advertisement: false }));
    expect(ids(d)).toEqual(['paused', 'advertisement_label_missing']);
    expect(violations(d.reasons).map((r) => r.id)).toEqual(['advertisement_label_missing']);
  });

  it('names the end of the pause in the reason and in both languages', () => {
    const d = run({ pauses: [{ company, until: NOON + DAY }] });
    expect(d.reasons[0]).toEqual({ id: 'paused', params: { company, until: NOON + DAY } });
    expect(explainDecision(d, 'en', { timeZone: 'Europe/Berlin' }).sentences[0]).toMatch(
      /^You paused offers from this company until Thu,? 8 Jan,? 13:00\.$/,
    );
    expect(explainDecision(d, 'de', { timeZone: 'Europe/Berlin' }).sentences[0]).toMatch(
      /^Sie haben die Angebote dieses Unternehmens bis Do\.?,? 8\. Jan\.?,? 13:00 pausiert\.$/,
    );
  });

  it('a reused filter sees the pause end without being compiled again', () => {
    const filter = compileFilter({
      profile: profile(),
      blacklist: [],
      grants: [grant()],
      history: [],
      pauses: [{ company, until: NOON + 3600 }],
    });
    expect(decide(filter, offer(), NOON).action).toBe('drop');
    expect(decide(filter, offer(), NOON + 3600).action).toBe('deliver');
  });
});

describe('decide: holding', () => {
  // Every night 22:00-07:00 in Berlin.
  const quiet = {
    timeZone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '07:00' }],
  };

  it('holds an offer during quiet hours until they end, in winter time', () => {
    const at = NOON + 10 * 3600; // 23:00 Berlin (CET, UTC+1)
    const d = run({ profile: profile({ quiet }) }, offer(), at);
    expect(d.action).toBe('hold');
    expect(d.holdUntil).toBe(NOON + DAY - 6 * 3600); // 07:00 CET = 06:00 UTC next day
    expect(ids(d)).toEqual(['grant_covers', 'settings_allow', 'quiet_hours', 'opted_in']);
  });

  it('releases at 07:00 local time on the night clocks go forward', () => {
    // Sunday 2026-03-29: CET → CEST at 01:00 UTC. 23:00 CET Saturday = 22:00 UTC.
    const saturday = 1_774_735_200; // 2026-03-28 22:00 UTC
    const g = grant({ iat: saturday - 30 * DAY, until: saturday + 365 * DAY });
    const d = run(
      { profile: profile({ quiet }), grants: [g] },
      offer(
        { validUntil: saturday + 5 * DAY },
        { validUntil: saturday + 5 * DAY, iat: saturday - 60 },
      ),
      saturday,
    );
    expect(d.action).toBe('hold');
    expect(d.holdUntil).toBe(1_774_760_400); // 2026-03-29 05:00 UTC = 07:00 CEST
  });

  it("holds until the grant's time window opens, in the grant's zone", () => {
    const windowed = grant({
      scopes: [
        {
          ...grantPayload().scopes[0]!,
          conditions: {
            timeZone: 'America/New_York',
            timeWindows: [{ days: [1, 2, 3, 4, 5], from: '18:00', to: '21:00' }],
          },
        },
      ],
    });
    const d = run({ grants: [windowed] });
    expect(d.action).toBe('hold');
    expect(d.holdUntil).toBe(NOON + 11 * 3600); // 18:00 EST = 23:00 UTC
    expect(ids(d)).toContain('grant_time_window');
  });

  it('holds past its weekly cap until the oldest contact leaves the week', () => {
    const history = [delivered(NOON - 6 * DAY), delivered(NOON - 2 * DAY)];
    const d = run({ history, profile: profile({ caps: { perWeek: null, perCompanyPerWeek: 2 } }) });
    expect(d.action).toBe('hold');
    expect(d.holdUntil).toBe(NOON + DAY + 1);
    expect(ids(d)).toContain('contact_cap');
  });

  it("drops, as a violation, an offer sent over the grant's own cap", () => {
    const history = [1, 2, 3].map((k) => delivered(NOON - k * DAY));
    const d = run({ history });
    expect(d.reasons[0]).toEqual({ id: 'grant_not_covered', params: { rule: 'contact_cap' } });
  });

  it('drops an offer that expires before it could be shown', () => {
    const at = NOON + 10 * 3600;
    const o = offer({ validUntil: at + 3600 }, { validUntil: at + 3600 });
    expect(ids(run({ profile: profile({ quiet }) }, o, at))).toEqual(['no_window_before_expiry']);
  });
});

describe('decide: automatic mode', () => {
  const auto = profile({ mode: 'automatic', serendipity: 0.5 });

  it('delivers what the model scores above the threshold and says so', () => {
    const learner = createLearner({ seed: 1, interests: auto.interests });
    const d = run({ profile: auto, learner });
    expect(d.action).toBe('deliver');
    expect(d.score).toBeGreaterThan(0.5);
    expect(ids(d)).toContain('score_above_threshold');
  });

  it('drops what scores below a raised threshold, and passes it again when lowered', () => {
    const learner = createLearner({ seed: 1 });
    const hi = run({ profile: { ...auto, threshold: 0.9, serendipity: 0 }, learner });
    expect(hi.action).toBe('drop');
    expect(ids(hi)).toContain('score_below_threshold');
    expect(run({ profile: { ...auto, threshold: 0.2, serendipity: 0 }, learner }).action).toBe(
      'deliver',
    );
  });

  it('lets a share of never-seen categories through as something new, the same way every time', () => {
    const learner = createLearner({ seed: 1 });
    const p = { ...auto, threshold: 0.9, serendipity: 0.5 };
    let novel = 0;
    for (let i = 0; i < 400; i++) {
      const o = { ...offer({ category: 'travel/beach' }), id: `offer-${i}` };
      const first = run({ profile: p, learner, seed: 3 }, o);
      expect(run({ profile: p, learner, seed: 3 }, o)).toEqual(first);
      if (first.novel === true) {
        novel++;
        expect(ids(first)).toContain('serendipity');
      }
    }
    expect(novel).toBeGreaterThan(150);
    expect(novel).toBeLessThan(250);
  });

  it('never passes a category already seen as something new', () => {
    const learner = createLearner({ seed: 1 });
    const p = { ...auto, threshold: 0.9, serendipity: 0.5 };
    const history = [{ ...delivered(NOON - 3 * DAY), category: 'travel/beach' }];
    for (let i = 0; i < 50; i++) {
      const o = { ...offer({ category: 'travel/beach' }), id: `offer-${i}` };
      expect(run({ profile: p, learner, history }, o).novel).toBeUndefined();
    }
  });

  it('refuses automatic mode without a learner', () => {
    expect(() => compileFilter({ profile: auto, blacklist: [], grants: [], history: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_PROFILE_INVALID' }),
    );
  });
});

describe('decide: input', () => {
  it.each([-1, 1.5, Number.NaN])('refuses the time %s', (at) => {
    expect(() => run({}, offer(), at)).toThrow(
      expect.objectContaining({ code: 'ERR_COVERAGE_QUERY_INVALID' }),
    );
  });

  it('counts a recorded delivery towards the caps at once', () => {
    const filter = compileFilter({
      profile: profile({ caps: { perWeek: 1, perCompanyPerWeek: null } }),
      blacklist: [],
      grants: [grant()],
      history: [],
    });
    expect(decide(filter, offer(), NOON).action).toBe('deliver');
    filter.record(delivered(NOON));
    expect(decide(filter, offer(), NOON + 60).action).toBe('hold');
  });

  it('counts a delivery recorded at the very instant of the next decision (one sync)', () => {
    // The Assistant decides a sync's offers at one `now` and records each delivery at it: the
    // second offer of the sync must see the first, or a cap of one lets both through.
    for (const caps of [
      { perWeek: 1, perCompanyPerWeek: null },
      { perWeek: null, perCompanyPerWeek: 1 },
    ]) {
      const filter = compileFilter({
        profile: profile({ caps }),
        blacklist: [],
        grants: [grant()],
        history: [],
      });
      expect(decide(filter, offer(), NOON).action).toBe('deliver');
      filter.record(delivered(NOON));
      const second = decide(filter, offer(), NOON);
      expect(second.action).toBe('hold');
      expect(second.holdUntil).toBe(NOON + 7 * DAY + 1);
    }
  });
});

describe('decide: compiled caches change nothing', () => {
  // The compiled filter keeps per-instant local time, per-scope reasons and learner parts; a
  // reused filter must answer exactly as a freshly compiled one, whatever came before.
  const quiet = {
    timeZone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '07:00' }],
  };
  const windowed = grant({
    scopes: [
      {
        purpose: 'product_launch',
        channels: ['email'],
        dataCategories: [],
        conditions: {
          timeZone: 'Europe/Berlin',
          timeWindows: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' }],
        },
        retentionDays: 30,
        onwardRecipients: [],
      },
      {
        purpose: 'product_launch',
        channels: ['newsletter'],
        dataCategories: [],
        conditions: { timeZone: 'Europe/Berlin' },
        retentionDays: 30,
        onwardRecipients: [],
      },
    ],
  });
  const auto = profile({ mode: 'automatic', quiet, serendipity: 0.3 });
  const inputs: [string, Partial<FilterInput>][] = [
    ['manual mode with quiet hours', { profile: profile({ quiet }) }],
    ['manual mode, windowed and unwindowed scopes', { grants: [windowed] }],
    ['automatic mode', { profile: auto, learner: createLearner({ seed: 5 }), seed: 5 }],
    [
      'automatic mode with caps',
      {
        profile: { ...auto, caps: { perWeek: 2, perCompanyPerWeek: 1 } },
        learner: createLearner({ seed: 6, interests: [{ category: 'travel', weight: -1 }] }),
        history: [delivered(NOON - DAY)],
      },
    ],
  ];
  const offers = [
    offer(),
    offer({ channel: 'newsletter' }, { channel: 'newsletter' }),
    offer({ category: 'travel/beach', brand: 'Globe' }),
    offer({ category: 'home/garden', brand: 'ACME ' }),
    { ...offer({ category: 'books/fiction' }), id: 'offer-2', price: 12_00 },
  ];
  // Night, morning, office hours, evening, weekend: every path of quiet hours and windows.
  const instants = [NOON + 10 * 3600, NOON - 5 * 3600, NOON, NOON + 6 * 3600, NOON + 3 * DAY];

  it.each(inputs)('%s: a reused filter decides as a fresh one', (_name, input) => {
    const actions = new Set<string>();
    const reused = compileFilter({
      profile: profile(),
      blacklist: [],
      grants: [grant()],
      history: [],
      ...input,
    });
    for (const at of [...instants, ...instants.slice().reverse()]) {
      for (const o of offers) {
        const fresh = run(input, o, at);
        expect(decide(reused, o, at)).toStrictEqual(fresh);
        actions.add(fresh.action);
      }
    }
    expect(actions.size).toBeGreaterThan(1);
  });

  it('shares its delivery reasons frozen, so no caller can change another decision', () => {
    const first = run({});
    expect(Object.isFrozen(first.reasons[0])).toBe(true);
    expect(Object.isFrozen(first.reasons[0]!.params)).toBe(true);
    expect(() => {
      (first.reasons[0] as { id: string }).id = 'opted_in';
    }).toThrow(TypeError);
    expect(ids(run({}))).toEqual(['grant_covers', 'settings_allow', 'opted_in']);
  });
});

describe('explainDecision', () => {
  it('renders why an offer is shown, in English and German', () => {
    const d = run({});
    expect(explainDecision(d, 'en').text).toBe(
      'Why you are seeing this: You allowed this company to contact you for this, on this channel. Channel, purpose and category match your settings. You chose “sports” as an interest.',
    );
    expect(explainDecision(d, 'de').title).toBe('Warum Sie das sehen:');
  });

  it('renders why an offer was hidden, with the failed coverage rule', () => {
    const d = run({}, offer({ channel: 'sms' }, { channel: 'sms' }));
    expect(explainDecision(d, 'en').sentences[0]).toBe(
      'Your consent does not cover this: this channel is not allowed. This is a violation.',
    );
    expect(explainDecision(d, 'de').sentences[0]).toContain('Dieser Kanal ist nicht erlaubt.');
  });

  it.each([
    [
      'en',
      'Your profile does not allow the channel “E-mail”. You can allow it in the dashboard under “Profile”, “Allowed channels”.',
    ],
    [
      'de',
      'Ihr Profil lässt den Kanal „E-Mail“ nicht zu. Sie können ihn in der Übersicht unter „Profil“, „Erlaubte Kanäle“ zulassen.',
    ],
  ] as const)(
    'in %s names a channel the profile does not allow, though granted, and where to allow it',
    (locale, said) => {
      const d = run({
        profile: profile({ channels: { allowed: ['newsletter'], preferred: null } }),
      });
      expect(d.reasons.map((r) => r.id)).toEqual(['channel_not_allowed']);
      expect(explainDecision(d, locale).sentences).toEqual([said]);
    },
  );

  it("shows the release time in the customer's zone", () => {
    const quiet = {
      timeZone: 'Europe/Berlin',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '07:00' }],
    };
    const d = run({ profile: profile({ quiet }) }, offer(), NOON + 10 * 3600);
    const text = explainDecision(d, 'en', { timeZone: 'Europe/Berlin' }).text;
    expect(text).toMatch(/quiet time now; you will see it from Thu,? 8 Jan,? 07:00/);
  });

  it('has a sentence for every reason in both languages', async () => {
    const { reasonIds } = await import('./reasons');
    const { hasMessage } = await import('../i18n');
    for (const id of reasonIds) expect(hasMessage(`filter.reason.${id}`)).toBe(true);
  });
});
