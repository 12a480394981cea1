/**
 * `npm run demo` seeds and serves (issue 9): the built clearinghouse and both demo companies on
 * free ports, the registry lists both, the log holds the history, the walkthrough names every
 * role, and everything stops. Needs `npm run build` first (as `npm test` does).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { minimumPassphraseChars, passphraseStrength } from '../extension/core/passphrase';
import { startDemo, startFailure, type Demo } from './demo';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let demo: Demo | undefined;
let dir: string | undefined;
/** The walkthrough the demo printed, kept for the tests after it stopped. */
let walkthrough: string | undefined;

afterAll(async () => {
  await demo?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('starts the clearinghouse and two companies, seeds the history, and stops', async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-'));
    const lines: string[] = [];
    demo = await startDemo({
      dir,
      port: await freePort(),
      companyPorts: [await freePort(), await freePort()],
      build: false,
      log: (line) => lines.push(line),
    });
    walkthrough = demo.walkthrough;

    const registry = (await (await fetch(`${demo.origin}/api/v1/companies`)).json()) as {
      companies: { id: string; legalName: string; status: string }[];
    };
    expect(registry.companies.map((c) => c.legalName).sort()).toEqual([
      'Funkhaus Beispiel AG',
      'Laufhaus Beispiel GmbH',
    ]);
    expect(registry.companies.every((c) => c.status === 'active')).toBe(true);

    // Two companies, two grant requests, two grants, a data request, a revocation (and its
    // acknowledgement), a complaint: all logged.
    await expect
      .poll(
        async () => {
          const text = await (await fetch(`${demo!.origin}/log/checkpoint`)).text();
          return Number(text.split('\n')[1]);
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(9);

    // The complaint waits for the regulator, who has an enrolment link.
    expect(demo.regulatorLink).toMatch(new RegExp(`^${demo.origin}/enroll/`));
    expect(demo.recoveryPhrase.split(' ')).toHaveLength(24);
    expect(await readFile(join(dir, 'recovery-phrase.txt'), 'utf8')).toBe(
      demo.recoveryPhrase + '\n',
    );
    for (const role of ['CUSTOMER', 'COMPANY', 'AUDITOR', 'REGULATOR'])
      expect(demo.walkthrough).toContain(role);
    expect(demo.walkthrough).toContain(`${demo.origin}/me`);
    // A way into the company console for each company's staff: a one-time link that works.
    for (const site of demo.sites) {
      const link = site.staffEnrolmentLink()!;
      expect(link).toMatch(new RegExp(`^${demo.origin}/enroll/`));
      expect(demo.walkthrough).toContain(link);
      const page = await (await fetch(link)).text();
      expect(page).toContain(site === demo.sites[0] ? 'Laufhaus' : 'Funkhaus');
    }

    const origin = demo.origin;
    await demo.stop();
    demo = undefined;
    await expect(fetch(`${origin}/api/v1/health`)).rejects.toThrow();
  }, 120_000);
});

describe('the walkthrough of npm run demo', () => {
  it('says what the Assistant does with a new passphrase: refuses one too short, takes a weak one', () => {
    // Failed before: "weak ones are refused", yet the Assistant took "passwort123", rated weak:
    // its vault refuses only a passphrase under the minimum, the strength is a hint
    // (extension/core/passphrase).
    expect(walkthrough, 'printed by "npm run demo" above').toBeDefined();
    const text = walkthrough!.replace(/\s+/g, ' ');
    expect(text).not.toMatch(/weak ones are refused/i);
    expect(passphraseStrength('passwort123').strength).toBe('weak');
    expect(text).toContain('a weak one such as "passwort123" is accepted');
    expect(text).toContain(
      `a new passphrase of at least ${minimumPassphraseChars} characters. Only shorter ones are refused`,
    );
  });
});

describe('a demo that cannot start', () => {
  it('names a port in use and the variables that move it, in one sentence', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const again = createServer();
    const error = await new Promise<unknown>((resolve) => {
      again.once('error', resolve);
      again.listen(port, '127.0.0.1');
    });
    taken.close();
    expect(startFailure(error)).toBe(
      `demo: port ${port} is in use by another program. Stop it, or choose other ports with DEMO_PORT, DEMO_COMPANY_PORT and DEMO_SECOND_COMPANY_PORT.`,
    );
    expect(startFailure(new Error('the build failed'))).toBe(
      'demo: could not start: the build failed',
    );
  });
});
