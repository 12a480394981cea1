/**
 * When the reference company site deletes a replaced key's private part (test/company-site/keys.ts
 * and relay.ts). What it still needs one for is opening corrections sealed to it, so the key
 * stays while a replacement names it, through its grace period after the clearinghouse retired
 * it, and while a correction waiting in the list opens with it; then only its private part
 * goes, and its thumbprint stays so that a compromise found out later can still be declared. The
 * keyring is driven with a clock of its own; the corrections rule against an in-process
 * clearinghouse over real HTTP (company-site-test-kit.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { signMessage } from '$protocol/signed';
import { sealTo } from '$protocol/seal';
import { openKeyring } from '../../../test/company-site/keys';
import type { CompanySite } from '../../../test/company-site/site';
import { claims, openSiteWorld, type SiteWorld, type TestAssistant } from './company-site-test-kit';

const grace = 60_000;

/** The key file as stored. */
function keyFile(dataDir: string): {
  keys: { seed: string; replacedAt?: string }[];
  pruned?: { kid: string }[];
} {
  return JSON.parse(readFileSync(join(dataDir, 'company-key.json'), 'utf8')) as ReturnType<
    typeof keyFile
  >;
}

describe("the reference company site's replaced keys", () => {
  let world: SiteWorld;

  beforeAll(async () => {
    world = await openSiteWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** A keyring in a fresh directory on a clock the test moves (milliseconds). */
  async function keyringAt(start = 1_800_000_000_000) {
    const clock = { at: start };
    const dataDir = world.dataDir();
    const open = () => openKeyring(dataDir, { now: () => clock.at, replacedKeyGraceMs: grace });
    return { clock, dataDir, open, keyring: await open() };
  }

  it('keeps a replaced key while its replacement is under way and through its grace period after', async () => {
    const { clock, keyring } = await keyringAt();
    const first = keyring.current().kid;
    keyring.beginReplacement(first);
    keyring.promote(); // the new key signs; the old one is not retired yet
    clock.at += 10 * grace;
    expect(keyring.prunable()).toEqual([]);
    expect(keyring.prune([first])).toEqual([]);
    keyring.finish(); // retired at the clearinghouse now: the grace period starts
    clock.at += grace - 1;
    expect(keyring.prunable()).toEqual([]);
    expect(keyring.prune([first])).toEqual([]);
    expect(keyring.secrets()).toHaveLength(2);
    clock.at += 1;
    expect(keyring.prunable().map((key) => key.kid)).toEqual([first]);
  });

  it('deletes only the private part, keeps the thumbprint, and still declares the key compromised later', async () => {
    const { clock, dataDir, open, keyring } = await keyringAt();
    const first = keyring.current().kid;
    keyring.beginReplacement(first);
    keyring.promote();
    keyring.finish();
    const { seed } = keyFile(dataDir).keys[1]!;
    clock.at += grace;
    const current = keyring.current().kid;
    // The current key is never prunable, whatever is asked.
    expect(keyring.prune([first, current])).toEqual([first]);
    expect(keyring.secrets()).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'company-key.json'), 'utf8')).not.toContain(seed);
    const reopened = await open();
    expect(reopened.current().kid).toBe(current);
    expect(reopened.pruned()).toEqual([first]);
    // A leak found out later still reaches back: the new key signs the declaration.
    expect(reopened.beginReplacement(first, 1_700_000_000)).toEqual({
      step: 'end',
      replacedKid: first,
      compromisedSince: 1_700_000_000,
    });
    expect((await open()).replacement()).toMatchObject({ replacedKid: first });
    reopened.finish();
    expect((await open()).replacement()).toBeUndefined();
  });

  it('starts the grace period of keys an older version replaced at its first open', async () => {
    const { clock, dataDir, open, keyring } = await keyringAt();
    const first = keyring.current().kid;
    keyring.beginReplacement(first);
    keyring.promote();
    keyring.finish();
    // As the version before `replacedAt` left it, long ago.
    const path = join(dataDir, 'company-key.json');
    const file = keyFile(dataDir);
    delete file.keys[1]!.replacedAt;
    writeFileSync(path, JSON.stringify(file));
    clock.at += 100 * grace;
    const upgraded = await open();
    expect(keyFile(dataDir).keys[1]!.replacedAt).toBe(new Date(clock.at).toISOString());
    expect(upgraded.prunable()).toEqual([]);
    clock.at += grace;
    expect(upgraded.prunable().map((key) => key.kid)).toEqual([first]);
  });

  describe('on a running site', () => {
    /** A correction of the address, sealed to `kid`'s public key as the registry lists it. */
    async function correct(site: CompanySite, assistant: TestAssistant, value: string) {
      const entry = await assistant.client.getCompany(site.companyId);
      const key = entry.keys!.find((k) => k.retiredAt === null)!;
      const jws = await signMessage(
        'correction',
        {
          ...claims(assistant.id, site.companyId),
          dataCategory: 'address',
          sealed: base64urlEncode(
            sealTo(base64urlDecode(key.jwk.x), JSON.stringify({ dataCategory: 'address', value })),
          ),
        },
        assistant.keyPair,
      );
      return (await assistant.client.sendCorrection(jws)).id;
    }

    it('keeps a replaced key while a waiting correction is sealed to it, and deletes it once that correction is applied', async () => {
      const dataDir = world.dataDir();
      const site = await world.startSite({ dataDir, webhook: false, replacedKeyGraceMs: 0 });
      await site.ready();
      const first = site.kid();
      // Granted, then corrected, before the site read its feed: sealed to the first key.
      const late = world.assistant(site.companyId);
      await world.grant(site, late);
      const id = await correct(site, late, 'Heidestraße 30, 51147 Köln');
      await site.replaceKey();
      const second = site.kid();
      // Its grant not read yet, the correction waits unopened: the first key stays.
      await site.relay.pollCorrections();
      expect(keyFile(dataDir).keys).toHaveLength(2);
      expect(world.lines).toContain(
        `replaced key ${first} kept: a correction waiting in the list is sealed to it`,
      );
      await site.pollOnce(); // the grant, then the correction, applied with the first key
      expect(site.relay.applied).toContain(id);
      expect(site.relay.customers.get(late.id)?.data.address).toBe('Heidestraße 30, 51147 Köln');
      // Failed before: replaced keys stayed in the file for good.
      expect(keyFile(dataDir).keys).toHaveLength(1);
      expect(keyFile(dataDir).pruned).toEqual([expect.objectContaining({ kid: first })]);
      expect(world.lines).toContain(
        `private part of replaced key ${first} deleted: no correction waits sealed to it`,
      );
      // It goes on signing with the new key, also after a restart.
      const port = Number(new URL(site.origin).port);
      await site.stop();
      const again = await world.startSite({ dataDir, port, webhook: false });
      await again.ready();
      expect(again.kid()).toBe(second);
      expect(again.companyId).toBe(site.companyId);
    });

    it('keeps a replaced key within its grace period though no correction waits', async () => {
      const dataDir = world.dataDir();
      const site = await world.startSite({ dataDir, webhook: false, replacedKeyGraceMs: grace });
      await site.ready();
      await site.replaceKey();
      await site.pollOnce();
      await site.relay.pollCorrections();
      expect(keyFile(dataDir).keys).toHaveLength(2);
      expect(keyFile(dataDir).keys[1]!.replacedAt).toEqual(expect.any(String));
    });
  });
});
