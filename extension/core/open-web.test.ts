import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { exampleIds, exampleMessages, exampleTimes } from '../../protocol/messages/examples';
import { makeTcStrings } from '../../test/fixtures/server';
import { detectorTable, type AutoconsentRule } from './banner-rules';
import { FakeClock, FakeStore, memoryCell } from './fakes';
import type { GpcPlan } from './gpc';
import { OpenWeb, type OpenWebPlatform } from './open-web';
import type { StoredRelationship } from './recovery';
import { siteRecordId, Sites } from './sites';

const rulesFile = createRequire(import.meta.url).resolve(
  '@duckduckgo/autoconsent/rules/rules.json',
);
const rules = (JSON.parse(readFileSync(rulesFile, 'utf8')) as { autoconsent: AutoconsentRule[] })
  .autoconsent;
const quantcast = detectorTable(rules).selectors.indexOf('#qc-cmp2-container');
const tc = makeTcStrings();
const seed = new Uint8Array(32).fill(7);

function adsRelationship(domain: string): StoredRelationship {
  const payload = structuredClone(exampleMessages.grant) as unknown as {
    scopes: Record<string, unknown>[];
  };
  payload.scopes = [{ ...payload.scopes[0], purpose: 'personalised_advertising' }];
  const jws = `e30.${base64urlEncode(utf8Encode(JSON.stringify(payload)))}.sig`;
  return {
    pseudonym: exampleIds.pseudonym,
    company: { id: exampleIds.company, legalName: 'Shop', domain, status: 'active' },
    requests: [],
    grants: [{ sha256: 'g'.repeat(43), jws, status: 'active', revokedPurposes: [] }],
    refusals: [],
    revocations: [],
  };
}

/** A platform that records what the browser was asked to do. */
class FakePlatform implements OpenWebPlatform {
  native = false;
  applied: GpcPlan | null = null;
  injected: number[] = [];
  tcString: string | null = tc.rejected;
  fetched: string[] = [];
  gpcAnswer: { status: number; body: string } | null = { status: 200, body: '{"gpc": true}' };
  nativeGpc() {
    return this.native;
  }
  async applyGpcPlan(plan: GpcPlan) {
    this.applied = plan;
  }
  async appliedExemptSites() {
    return [...(this.applied?.exemptSites ?? [])];
  }
  async injectAutoconsent(tabId: number) {
    this.injected.push(tabId);
  }
  async evalSnippet(_tabId: number, id: string) {
    return id === 'EVAL_KNOWN';
  }
  async readTcString() {
    return this.tcString;
  }
  async fetchSmall(url: string) {
    this.fetched.push(url);
    return this.gpcAnswer;
  }
  async loadRules() {
    return rules;
  }
}

let store: FakeStore;
let clock: FakeClock;
let platform: FakePlatform;
let relationships: StoredRelationship[];
let web: OpenWeb;
const sender = { origin: 'https://news.example', tabId: 7 };

beforeEach(() => {
  store = new FakeStore();
  clock = new FakeClock((exampleTimes.iat + 86_400) * 1000);
  platform = new FakePlatform();
  relationships = [];
  web = new OpenWeb({
    platform,
    clock,
    pending: memoryCell(),
    decisions: memoryCell(),
    sites: async () =>
      store.locked ? null : new Sites({ store, clock, masterSeed: async () => seed }),
    relationships: async () => (store.locked ? null : relationships),
  });
});

describe('GPC', () => {
  it('applies the exemptions of the grants, and keeps the applied ones while locked', async () => {
    relationships = [adsRelationship('https://shop.example')];
    expect((await web.refreshGpc()).exemptSites).toEqual(['shop.example']);
    store.locked = true;
    relationships = [];
    expect((await web.refreshGpc()).exemptSites).toEqual(['shop.example']);
    expect(platform.applied?.headerRules).toHaveLength(1);
  });

  it('forgets every exemption after a wipe', async () => {
    relationships = [adsRelationship('https://shop.example')];
    await web.refreshGpc();
    await web.wiped();
    expect(platform.applied?.exemptSites).toEqual([]);
  });

  it('reads gpc.json once per site within the cache time and records it', async () => {
    await web.checkGpcSupport('https://news.example/a');
    await web.checkGpcSupport('https://news.example/b');
    expect(platform.fetched).toEqual(['https://news.example/.well-known/gpc.json']);
    const view = await web.list();
    expect(view.items[0]).toMatchObject({ site: 'news.example', gpc: { result: 'honours' } });
  });
});

describe('banners', () => {
  it('opts out by default, sends only the matching rules, and records the decoded TC string', async () => {
    await web.detected(sender, [quantcast], 'https://news.example/page');
    expect(platform.injected).toEqual([7]);
    const init = await web.init(sender);
    expect(init.action).toBe('opt-out');
    expect(init.rules.map((r) => r.name)).toEqual(['quantcast']);
    await expect(web.init(sender)).rejects.toMatchObject({ code: 'ERR_NOT_AUTHORISED' });
    await web.result(sender, 'quantcast', 'success');
    const { items } = await web.list();
    expect(items[0]?.banner).toMatchObject({
      platform: 'quantcast',
      action: 'opt-out',
      reason: 'default',
      outcome: 'success',
      tcf: { cmpId: 10, purposeConsents: [] },
    });
  });

  it('opts in on a granted company site, and the customer decision wins over both', async () => {
    relationships = [adsRelationship('https://news.example')];
    const www = { ...sender, origin: 'https://www.news.example' };
    await web.detected(www, [quantcast], 'https://www.news.example/');
    expect((await web.init(www)).action).toBe('opt-in');
    await web.decide('www.news.example', 'leave');
    await web.detected(www, [quantcast], 'https://www.news.example/');
    expect(platform.injected).toEqual([7]); // not injected again
    const record = (await web.list()).items.find((i) => i.site === 'www.news.example');
    expect(record).toMatchObject({
      decision: 'leave',
      banner: { outcome: 'left-alone', reason: 'customer' },
    });
  });

  it('refuses a page that names another origin, a result without detection, an unknown snippet', async () => {
    await expect(web.detected(sender, [quantcast], 'https://other.example/')).rejects.toMatchObject(
      {
        code: 'ERR_NOT_AUTHORISED',
      },
    );
    await expect(web.result(sender, 'quantcast', 'success')).rejects.toMatchObject({
      code: 'ERR_NOT_AUTHORISED',
    });
    await web.detected(sender, [quantcast], 'https://news.example/');
    expect(await web.evalSnippet(sender, 'EVAL_UNKNOWN')).toBe(false);
    expect(await web.evalSnippet(sender, 'EVAL_KNOWN')).toBe(true);
  });

  it("injects nothing and records nothing where the detected platform's rules are for other sites", async () => {
    // bahn.de's detector is the first link of its selector chain, "body > div:first-child":
    // every page whose body starts with a div matches it, the clearinghouse's own among them.
    const bahn = detectorTable(rules).names.findIndex((names) => names.includes('bahn-de'));
    expect(bahn).toBeGreaterThanOrEqual(0);
    await web.detected(sender, [bahn], 'https://news.example/');
    // Failed before: injected, and recorded as "bahn-de: opted out (no banner was showing)".
    expect(platform.injected).toEqual([]);
    expect((await web.list()).items).toEqual([]);
    // On bahn.de itself it still acts.
    const onBahn = { origin: 'https://www.bahn.de', tabId: 8 };
    await web.detected(onBahn, [bahn], 'https://www.bahn.de/');
    expect(platform.injected).toEqual([8]);
    expect((await web.init(onBahn)).rules.map((r) => r.name)).toContain('bahn-de');
  });

  it('does nothing for detector indexes that name no platform', async () => {
    await web.detected(sender, [99_999], 'https://news.example/');
    expect(platform.injected).toEqual([]);
  });

  it('records an unreadable TC string as such', async () => {
    platform.tcString = 'garbage';
    await web.detected(sender, [quantcast], 'https://news.example/');
    await web.init(sender);
    await web.result(sender, 'quantcast', 'success');
    expect((await web.list()).items[0]?.banner).toMatchObject({ tcf: null, tcfError: 'malformed' });
  });

  it('while locked answers with the cached decision and records at the next unlock', async () => {
    await web.detected(sender, [quantcast], 'https://news.example/');
    await web.init(sender);
    await web.decide('news.example', 'opt-in');
    store.locked = true;
    await web.detected(sender, [quantcast], 'https://news.example/');
    expect((await web.init(sender)).action).toBe('opt-in');
    await web.result(sender, 'quantcast', 'success');
    await expect(web.list()).rejects.toMatchObject({ code: 'ERR_VAULT_LOCKED' });
    store.locked = false;
    await web.unlocked();
    expect((await web.list()).items[0]?.banner).toMatchObject({
      action: 'opt-in',
      reason: 'customer',
    });
  });
});

describe('site records', () => {
  it('are stored under a keyed hash, not the host name', async () => {
    await web.checkGpcSupport('https://news.example/');
    const ids = [...(store.tables.get('sites')?.keys() ?? [])];
    expect(ids).toEqual([await siteRecordId(seed, 'news.example')]);
    expect(ids[0]).not.toContain('news');
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('lists a damaged record by id without dropping the others', async () => {
    await web.checkGpcSupport('https://a.example/');
    await web.checkGpcSupport('https://b.example/');
    const id = await siteRecordId(seed, 'a.example');
    store.damage('sites', id);
    const view = await web.list();
    expect(view.items.map((i) => i.site)).toEqual(['b.example']);
    expect(view.damaged).toEqual([id]);
  });

  it('refuses a decision for a malformed site name', async () => {
    await expect(web.decide('NOT A SITE', 'opt-in')).rejects.toMatchObject({
      code: 'ERR_MESSAGE_INVALID',
    });
  });
});
