import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { exampleIds, exampleMessages, exampleTimes } from '../../protocol/messages/examples';
import {
  exemptSites,
  exemptSitesOfRules,
  GpcCheckLimiter,
  gpcFetchesPerMinute,
  gpcPlan,
  gpcRecheckMs,
  gpcRetryMs,
  isExempt,
  parseGpcJson,
  siteOf,
  sitePatterns,
} from './gpc';
import type { StoredRelationship } from './recovery';

const now = exampleTimes.iat + 86_400;
const jws = (payload: unknown) =>
  `eyJhbGciOiJFZERTQSJ9.${base64urlEncode(utf8Encode(JSON.stringify(payload)))}.${'A'.repeat(86)}`;

function grantWith(scope: Partial<(typeof exampleMessages.grant.scopes)[number]>, extra = {}) {
  const base = structuredClone(exampleMessages.grant) as unknown as Record<string, unknown> & {
    scopes: Record<string, unknown>[];
  };
  base.scopes = [{ ...base.scopes[0], ...scope }];
  return jws({ ...base, ...extra });
}

function relationship(
  grants: { jws: string; status?: 'active' | 'revoked' | 'expired'; revokedPurposes?: string[] }[],
  domain = 'https://shop.example',
  status = 'active',
): StoredRelationship {
  return {
    pseudonym: exampleIds.pseudonym,
    company: { id: exampleIds.company, legalName: 'Shop GmbH', domain, status },
    requests: [],
    grants: grants.map((g, i) => ({
      sha256: String(i).repeat(43),
      jws: g.jws,
      status: g.status ?? 'active',
      revokedPurposes: g.revokedPurposes ?? [],
    })),
    refusals: [],
    revocations: [],
  };
}

describe('siteOf and isExempt', () => {
  it('takes the lower-case host of http(s) URLs only, without port', () => {
    expect(siteOf('https://WWW.Shop.example:8443/cart?x=1')).toBe('www.shop.example');
    expect(siteOf('http://127.0.0.1:4000/')).toBe('127.0.0.1');
    expect(siteOf('chrome://settings')).toBeUndefined();
    expect(siteOf('not a url')).toBeUndefined();
    expect(siteOf('https://bad_host.example/')).toBeUndefined();
  });

  it('matches a site and its subdomains, never a look-alike', () => {
    expect(isExempt('shop.example', ['shop.example'])).toBe(true);
    expect(isExempt('www.shop.example', ['shop.example'])).toBe(true);
    expect(isExempt('evilshop.example', ['shop.example'])).toBe(false);
    expect(isExempt('shop.example.evil', ['shop.example'])).toBe(false);
  });

  it('gives an IP address no subdomain pattern', () => {
    expect(sitePatterns('shop.example')).toEqual(['*://shop.example/*', '*://*.shop.example/*']);
    expect(sitePatterns('127.0.0.1')).toEqual(['*://127.0.0.1/*']);
  });
});

describe('exemptSites (SPECS "Consent conditions")', () => {
  it('exempts a company granted personalised advertising or behavioural web data', () => {
    const ads = relationship([{ jws: grantWith({ purpose: 'personalised_advertising' }) }]);
    const web = relationship(
      [{ jws: grantWith({ dataCategories: ['behavioral_web'] }) }],
      'http://127.0.0.1:4100',
    );
    expect(exemptSites([ads, web], now)).toEqual(['127.0.0.1', 'shop.example']);
  });

  it('does not exempt for other scopes, revoked or expired grants, or suspended companies', () => {
    expect(exemptSites([relationship([{ jws: grantWith({}) }])], now)).toEqual([]);
    const ads = { jws: grantWith({ purpose: 'personalised_advertising' }) };
    expect(exemptSites([relationship([{ ...ads, status: 'revoked' }])], now)).toEqual([]);
    expect(
      exemptSites([relationship([{ ...ads, revokedPurposes: ['personalised_advertising'] }])], now),
    ).toEqual([]);
    expect(exemptSites([relationship([ads])], exampleTimes.until)).toEqual([]);
    expect(exemptSites([relationship([ads], 'https://shop.example', 'suspended')], now)).toEqual(
      [],
    );
    const ended = grantWith({
      purpose: 'personalised_advertising',
      conditions: { timeZone: 'Europe/Berlin', validUntil: now - 1 },
    });
    expect(exemptSites([relationship([{ jws: ended }])], now)).toEqual([]);
  });

  it('fails closed on a grant that does not parse', () => {
    expect(exemptSites([relationship([{ jws: 'x.y.z' }])], now)).toEqual([]);
    expect(
      exemptSites(
        [relationship([{ jws: jws({ scopes: [{ purpose: 'personalised_advertising' }] }) }])],
        now,
      ),
    ).toEqual([]);
  });
});

describe('gpcPlan', () => {
  it('sets Sec-GPC on every request but those of and from exempt sites, and excludes them from the page script', () => {
    const plan = gpcPlan(['shop.example', 'shop.example', '127.0.0.1'], { nativeGpc: false });
    expect(plan.active).toBe(true);
    expect(plan.headerRules).toHaveLength(1);
    const rule = plan.headerRules[0]!;
    expect(rule.action.requestHeaders).toEqual([
      { header: 'Sec-GPC', operation: 'set', value: '1' },
    ]);
    expect(rule.condition.excludedRequestDomains).toEqual(['127.0.0.1', 'shop.example']);
    expect(rule.condition.excludedInitiatorDomains).toEqual(['127.0.0.1', 'shop.example']);
    expect(rule.condition.resourceTypes).toContain('main_frame');
    expect(rule.condition.resourceTypes).toContain('xmlhttprequest');
    expect(plan.scriptExcludes).toEqual([
      '*://127.0.0.1/*',
      '*://shop.example/*',
      '*://*.shop.example/*',
    ]);
    expect(exemptSitesOfRules(plan.headerRules)).toEqual(['127.0.0.1', 'shop.example']);
  });

  it('has no exclusion lists when nothing is exempt (browsers refuse empty ones)', () => {
    const rule = gpcPlan([], { nativeGpc: false }).headerRules[0]!;
    expect(rule.condition).not.toHaveProperty('excludedRequestDomains');
    expect(exemptSitesOfRules(gpcPlan([], { nativeGpc: false }).headerRules)).toEqual([]);
  });

  it('adds nothing when the browser sends GPC itself, so it is never sent twice', () => {
    const plan = gpcPlan(['shop.example'], { nativeGpc: true });
    expect(plan).toMatchObject({ active: false, headerRules: [], scriptExcludes: [] });
  });
});

describe('parseGpcJson', () => {
  it('reads the resource SPECS describes', () => {
    expect(parseGpcJson(200, '{"gpc": true, "lastUpdate": "2026-01-15"}', 5)).toEqual({
      result: 'honours',
      lastUpdate: '2026-01-15',
      checkedAt: 5,
    });
    expect(parseGpcJson(200, '{"gpc": false}', 5)).toMatchObject({
      result: 'does-not-honour',
      lastUpdate: null,
    });
  });

  it.each([
    ['not JSON', '<html>'],
    ['an array', '[true]'],
    ['gpc not boolean', '{"gpc": "yes"}'],
    ['too large', `{"gpc": true, "x": "${'a'.repeat(5000)}"}`],
  ])('calls %s invalid', (_name, body) => {
    expect(parseGpcJson(200, body, 1).result).toBe('invalid');
  });

  it('keeps a valid gpc member with a malformed lastUpdate, and tells absent from unreachable', () => {
    expect(parseGpcJson(200, '{"gpc": true, "lastUpdate": "15.01.2026"}', 1)).toMatchObject({
      result: 'honours',
      lastUpdate: null,
    });
    expect(parseGpcJson(404, '', 1).result).toBe('absent');
    expect(parseGpcJson(null, '', 1).result).toBe('unreachable');
  });
});

describe('GpcCheckLimiter', () => {
  it('asks a site again only when its answer is old, never twice at once', () => {
    const limiter = new GpcCheckLimiter();
    expect(limiter.take('a.example', null, 0)).toBe(true);
    expect(limiter.take('a.example', null, 1)).toBe(false); // in flight
    limiter.done('a.example', 2);
    const answer = { result: 'honours' as const, lastUpdate: null, checkedAt: 2 };
    expect(limiter.take('a.example', answer, gpcRecheckMs)).toBe(false);
    expect(limiter.take('a.example', answer, gpcRecheckMs + 3)).toBe(true);
  });

  it('retries an unanswered site after the retry time, also when nothing could be recorded', () => {
    const limiter = new GpcCheckLimiter();
    expect(limiter.take('b.example', null, 0)).toBe(true);
    limiter.done('b.example', 0); // the vault was locked: no record
    expect(limiter.take('b.example', null, gpcRetryMs - 1)).toBe(false);
    expect(limiter.take('b.example', null, gpcRetryMs)).toBe(true);
  });

  it('starts at most the allowed number of fetches per minute', () => {
    const limiter = new GpcCheckLimiter();
    for (let i = 0; i < gpcFetchesPerMinute; i++)
      expect(limiter.take(`s${i}.example`, null, 1000)).toBe(true);
    expect(limiter.take('late.example', null, 1000)).toBe(false);
    expect(limiter.take('late.example', null, 61_001)).toBe(true);
  });
});
