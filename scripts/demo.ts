/**
 * `npm run demo` (issue 9): the whole system on one machine with an illustrative history, and a
 * five-minute walkthrough per role.
 *
 * 1. Builds what changed (as `npm start` does), then starts the built clearinghouse on a fresh
 *    SQLite database under `data/demo/` (`DEMO_DIR`), port 3000 (`DEMO_PORT`).
 * 2. Starts the reference company site (Laufhaus, port 4000) and a second demo company
 *    (Funkhaus, port 4001) from test/company-site, which register, prove their domains, and put
 *    an open grant request on their shop pages.
 *    Each company's signing key is also written as the company console's key file
 *    (`<dir>/<brand>-company-key.jwk.json`, see {@link writeConsoleKeyFile}) for its staff to load.
 * 3. Enrols a regulator (a one-time enrolment link, as `npm run admin -- enroll-regulator` does).
 * 4. Creates a customer identity and, with the Assistant's own wallet code (extension/core) over
 *    the real HTTP API, grants both companies, receives an offer and a reward, asks Laufhaus for
 *    access, revokes Funkhaus, and complains about the offer. The customer's 24-word recovery
 *    phrase is printed: the `chromium-test` build of the Assistant recovers this very history from
 *    it (fast unlock settings; the shipped build works the same, only slower to unlock).
 * 5. Prints the walkthrough and runs until Ctrl+C.
 *
 * Everything goes through the public API and the company site's own code, so what the demo shows
 * is what the system does. `--no-build` skips the build (the test uses it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { createClient, uuidV4, type ClearinghouseClient } from '../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../protocol/encoding';
import { publicJwk } from '../protocol/keys';
import { openSealed } from '../protocol/seal';
import { signMessage } from '../protocol/signed';
import { ready } from '../protocol/sodium';
import { companyIdentity, newIdentity } from '../extension/core/identity';
import type { RecordStore, StoreTable } from '../extension/core/ports';
import { initialChoice, Wallet } from '../extension/core/wallet';
import { loadOrCreateIdentity } from '../test/company-site/keys';
import { startCompanySite, type CompanySite } from '../test/company-site/site';
import type { ShopCopy, SiteLocale } from '../test/company-site/pages';
import { companyKeyFileText } from '../portal/lib/components/company/company-key';
import { openDatabase } from '../portal/lib/server/db/database';
import { migrateToLatest } from '../portal/lib/server/db/migrate';
import { runAdmin } from './admin';
import { serverArgv } from './server-node-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The second demo company's shop page (test/company-site/pages.ts `ShopCopy`): radios. */
const funkhausShop: Record<SiteLocale, ShopCopy> = {
  de: {
    title: 'Funkhaus – Radios für Küche und Werkstatt',
    lead: 'Das neue Digitalradio „Welle 7“ ist da. Möchten Sie von neuen Geräten erfahren?',
    product: 'Digitalradio Welle 7, 89 €',
    connectHelp:
      'Ihr Assistent zeigt Ihnen, worum wir bitten (Neuigkeiten zu neuen Geräten per Newsletter, höchstens zweimal pro Woche), und Sie entscheiden.',
  },
  en: {
    title: 'Funkhaus – radios for kitchen and workshop',
    lead: 'The new "Welle 7" digital radio is here. Would you like to hear about new devices?',
    product: 'Welle 7 digital radio, €89',
    connectHelp:
      'Your Assistant shows you what we ask for (news about new devices by newsletter, at most twice a week), and you decide.',
  },
};

/** What {@link startDemo} is told. */
export interface DemoOptions {
  /** Where the demo's database and the companies' keys live; emptied first. */
  dir: string;
  port: number;
  companyPorts: readonly [number, number];
  /** Build first when the sources changed (default true). */
  build?: boolean;
  log?: (line: string) => void;
}

/** The running demo. */
export interface Demo {
  readonly origin: string;
  readonly sites: readonly CompanySite[];
  readonly regulatorLink: string;
  /** Per site, in order: the company console's key file holding the key the site signs with. */
  readonly keyFiles: readonly string[];
  readonly recoveryPhrase: string;
  readonly walkthrough: string;
  stop(): Promise<void>;
}

/** The customer's vault, in memory: the demo customer's Assistant lives in the browser later. */
function memoryStore(): RecordStore {
  const tables = new Map<string, Map<string, string>>();
  const table = (name: StoreTable) => {
    let t = tables.get(name);
    if (t === undefined) tables.set(name, (t = new Map()));
    return t;
  };
  return {
    async get(name, id) {
      const raw = table(name).get(id);
      return raw === undefined ? undefined : JSON.parse(raw);
    },
    async put(name, id, value) {
      table(name).set(id, JSON.stringify(value));
    },
    async addMany(name, items) {
      for (const { id, value } of items) table(name).set(id, JSON.stringify(value));
    },
    async putMany(name, items) {
      for (const { id, value } of items) table(name).set(id, JSON.stringify(value));
    },
    async delete(name, id) {
      table(name).delete(id);
    },
    async list(name) {
      return {
        items: [...table(name)].map(([id, raw]) => ({ id, value: JSON.parse(raw) as unknown })),
        damaged: [],
      };
    },
  };
}

/** Builds when the sources changed since the last build: the same check as `npm start`. */
async function buildIfChanged(log: (line: string) => void): Promise<void> {
  const { sourceFingerprint } = (await import(
    pathToFileURL(join(root, 'scripts/fingerprint.mjs')).href
  )) as { sourceFingerprint: (root: string) => string };
  const stampFile = join(root, 'dist', '.build-stamp');
  const fingerprint = sourceFingerprint(root);
  const built =
    existsSync(join(root, 'dist/portal/index.js')) &&
    existsSync(join(root, 'dist/extension/chromium-test/manifest.json')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === fingerprint;
  if (built) return;
  log('demo: building the clearinghouse and the Assistant (the first run takes a few minutes) …');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('demo: "npm run build" failed; see the output above.');
  writeFileSync(stampFile, fingerprint);
}

async function waitForHealth(origin: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the clearinghouse exited (${server.exitCode})`);
    try {
      const res = await fetch(`${origin}/api/v1/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the clearinghouse did not become healthy within 60 s');
}

async function enrolRegulator(dir: string, origin: string): Promise<string> {
  // The same database the running server uses (SQLite in WAL mode takes a second writer).
  const cdb = await openDatabase({ sqlitePath: join(dir, 'clearinghouse.db') });
  try {
    await migrateToLatest(cdb);
    const link = await runAdmin(
      { command: 'enroll-regulator', name: 'Demo Aufsicht' },
      cdb,
      origin,
    );
    return link?.link ?? '';
  } finally {
    await cdb.close();
  }
}

/**
 * The customer's history, made with the Assistant's own wallet over the real API: grants to both
 * companies, an offer and a reward from Laufhaus, an access request to Laufhaus, a revocation of
 * Funkhaus, a complaint about the offer.
 */
async function seedCustomer(
  origin: string,
  laufhaus: CompanySite,
  funkhaus: CompanySite,
): Promise<string> {
  await ready();
  const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));
  const client: ClearinghouseClient = createClient({
    baseUrl: origin,
    fetch: (url, init) => fetch(url, init),
    now: () => Date.now(),
    randomBytes,
  });
  const described = (await (await fetch(`${origin}/.well-known/clearinghouse.json`)).json()) as {
    logOrigin: string;
    logVerifierKey: string;
  };
  const { masterSeed, phrase } = newIdentity(randomBytes);
  const wallet = new Wallet({
    store: memoryStore(),
    clock: { now: () => Date.now() },
    randomBytes,
    clearinghouse: client,
    clearinghouseOrigin: origin,
    pinnedLog: async () => ({ key: described.logVerifierKey, origin: described.logOrigin }),
    masterSeed: async () => masterSeed,
    blacklist: async () => [],
  });
  for (const site of [laufhaus, funkhaus]) {
    const checked = await wallet.check(site.requestLink()!.split('/').pop()!, { kind: 'link' });
    await wallet.answer(checked, initialChoice(checked.request, null));
    await site.pollOnce();
  }
  const me = await companyIdentity(masterSeed, laufhaus.companyId);
  await laufhaus.relay.sendOffer(me.pseudonym, 'Der neue Trailschuh ist da');
  await laufhaus.relay.sendReward(me.pseudonym);
  await wallet.requestData(laufhaus.companyId, 'access');
  await laufhaus.pollOnce();
  await wallet.revoke(funkhaus.companyId, 'all');
  await funkhaus.pollOnce();
  // A complaint about the offer. Its evidence is what the customer read, as the Assistant cites
  // it (extension/core/complaints): the company's signed inner `offer-content`, opened from the
  // sealed offer with the pseudonym's key; the outer envelope alone carries no title or text, so
  // the regulator could not judge "misleading" from it.
  const inbox = await client.fetchInbox({ id: me.pseudonym, keyPair: me.keyPair });
  const offer = inbox.items.find((i) => i.kind === 'offer');
  if (offer !== undefined) {
    const outer = JSON.parse(utf8Decode(base64urlDecode(offer.jws.split('.')[1]!))) as {
      sealed: string;
    };
    const read = utf8Decode(openSealed(base64urlDecode(outer.sealed), me.keyPair));
    const iat = Math.floor(Date.now() / 1000);
    const complaint = await signMessage(
      'complaint',
      {
        v: 1,
        iss: me.pseudonym,
        aud: origin,
        iat,
        exp: iat + 300,
        jti: uuidV4(randomBytes),
        company: laufhaus.companyId,
        evidence: [{ kind: 'offer-content', jws: read }],
        // A matter for the regulator's judgement: the grant covers the offer's purpose and
        // channel, so what the complaint says can be neither confirmed nor refuted by the check.
        reasons: ['misleading'],
        comment:
          'Demo: the offer announces the new trail shoe, but the shop has listed it as "not yet available" for weeks.',
      },
      me.keyPair,
    );
    await client.submitComplaint(complaint);
  }
  return phrase;
}

/**
 * Writes the key the reference site in `dataDir` signs with now as the company console's key file
 * (portal/lib/components/company/company-key.ts: an RFC 8037 JWK, the one format "Load key file"
 * reads) to `path`, mode 0600, and returns the key's thumbprint. The site's own `company-key.json`
 * is its keyring of seeds (test/company-site/keys.ts), which the console does not read. Demo only:
 * a real company's key stays in its secret store, and its staff hold a key file of their own.
 *
 * @example
 * ```ts
 * const kid = await writeConsoleKeyFile('data/demo/company-1', 'data/demo/laufhaus-company-key.jwk.json');
 * ```
 */
export async function writeConsoleKeyFile(dataDir: string, path: string): Promise<string> {
  const { keyPair, kid } = await loadOrCreateIdentity(dataDir);
  const { x } = publicJwk(keyPair);
  const d = base64urlEncode(keyPair.privateKey.slice(0, 32));
  writeFileSync(path, companyKeyFileText({ x, d, kid }), { mode: 0o600 });
  return kid;
}

/**
 * Checks that `kid` is a current key of the site's company at the clearinghouse, so the key file
 * the walkthrough names signs what the console sends.
 */
async function checkEnrolledKey(origin: string, site: CompanySite, kid: string): Promise<void> {
  const res = await fetch(`${origin}/api/v1/companies/${site.companyId}`);
  const entry = (await res.json()) as {
    keys?: { kid: string; retiredAt: unknown; compromisedSince: unknown }[];
  };
  const current = entry.keys?.some(
    (key) => key.kid === kid && key.retiredAt === null && key.compromisedSince === null,
  );
  if (!res.ok || current !== true || kid !== site.kid())
    throw new Error(`demo: the key file of ${site.companyId} is not its current key (${kid})`);
}

/** A company's one-time staff link, or why there is none. */
function staffLine(site: CompanySite): string {
  return site.staffEnrolmentLink() ?? '(none: the company was registered before this run)';
}

function walkthrough(d: {
  origin: string;
  sites: readonly CompanySite[];
  regulatorLink: string;
  keyFiles: readonly string[];
  phrase: string;
}): string {
  const [a, b] = d.sites;
  const ext = join(root, 'dist/extension/chromium-test');
  return `
Consent Clearinghouse demo: everything below runs on this machine (Ctrl+C stops it).

  Clearinghouse   ${d.origin}
  Laufhaus        ${a!.origin}/   (company ${a!.companyId})
  Funkhaus        ${b!.origin}/   (company ${b!.companyId})

CUSTOMER (5 minutes)
  1. Start Chromium with the test build of the Assistant (fast unlock settings):
       chromium --user-data-dir=$(mktemp -d) --load-extension=${ext}
  2. In the Assistant's dashboard choose "Recover" and enter this recovery phrase:
       ${d.phrase}
     and a new passphrase of at least 10 characters, not only spaces (nothing else is refused: a
     weak one such as "passwort123" is accepted, the strength the Assistant shows when you create
     a vault is advice only), so choose several words.
     The Assistant finds both relationships at its default clearinghouse, http://localhost:3000.
     Running on another address, it says it could not reach it: set ${d.origin} under Settings,
     then run "Recovery" again.
  3. Open ${d.origin}/me: one row per company. Laufhaus has your grant, what it disclosed (its
     export opened by your Assistant), an offer, a reward and your access request with its answer; Funkhaus
     shows the revocation you made and whether Funkhaus confirmed it. Try the filters and "Print".
  4. On /me click "Request erasure" for Laufhaus: your Assistant asks you in its own window first.
  5. Visit ${a!.origin}/ and press the connect button to see a consent request as a newcomer would.

COMPANY (5 minutes)
  1. Open ${a!.origin}/: the shop page with the open grant request (/connect.js from the clearinghouse).
  2. Look up the company in the public registry: ${d.origin}/companies (trust figures, chart).
  3. The site follows its feed: it acknowledged Funkhaus' revocation, answered the access request
     with a disclosure, and sends offers with: curl -X POST ${a!.origin}/demo/offer -d '{"pseudonym":"ps_…"}'
  4. The company console as Laufhaus' staff: enrol with a passkey (one-time link), then ${d.origin}/company
       ${staffLine(a!)}
     Then "Load key file" on that page and choose Laufhaus' key (asking for consent, key changes
     and the domain check are signed with it; the page keeps it in memory only):
       ${d.keyFiles[0]}
     Funkhaus' staff: ${staffLine(b!)}
       key file: ${d.keyFiles[1]}
     These are the keys the sites sign with, written as the console's key file for the demo (a
     site's own company-key.json is its keyring, which the console does not read). Do not retire
     them in the console: the sites go on signing with them.
  5. Read docs/company-integration.md alongside test/company-site/ to integrate your own site.

AUDITOR (5 minutes)
  1. The log's checkpoint: ${d.origin}/log/checkpoint (every grant, revocation, request and complaint above).
  2. Verify it (docs/log.md; receipts offline too), or with any C2SP tlog-tiles client:
       npm run verify -- --url ${d.origin} --state ${join(d.keyFiles[0]!, '..', 'verifier-state.json')} --full
  3. The protocol and the API: ${d.origin}/docs/api

REGULATOR (5 minutes)
  1. Enrol with a passkey (one-time link): ${d.regulatorLink}
  2. The complaint about Laufhaus' offer is waiting for a decision, with the offer as the customer read
     it (title and text, signed by Laufhaus) as evidence: the customer calls it misleading, which the
     evidence check leaves to your judgement.
  3. Uphold or dismiss it with a reason; an upheld complaint counts in Laufhaus' public trust figures;
     you can suspend the company (and reinstate it) from its page.
`;
}

/**
 * Starts the demo (see the module comment) and returns when the history is seeded.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ dir: 'data/demo', port: 3000, companyPorts: [4000, 4001] });
 * console.log(demo.walkthrough);
 * ```
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (options.build !== false) await buildIfChanged(log);
  if (!existsSync(join(root, 'dist/portal/index.js')))
    throw new Error('demo: dist/portal/index.js is missing; run "npm run build" first.');
  const dir = resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const origin = `http://localhost:${options.port}`;
  const server = spawn(process.execPath, serverArgv(), {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      ORIGIN: origin,
      DATABASE_PATH: join(dir, 'clearinghouse.db'),
      DATABASE_URL: '',
      LOG_KEY_PATH: join(dir, 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
    },
  });
  const sites: CompanySite[] = [];
  const stop = async () => {
    for (const site of sites) await site.stop();
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitForHealth(origin, server);
    log(`demo: clearinghouse at ${origin}`);
    const companies = [
      { legalName: 'Laufhaus Beispiel GmbH', brands: ['Laufhaus'], port: options.companyPorts[0] },
      {
        legalName: 'Funkhaus Beispiel AG',
        brands: ['Funkhaus'],
        port: options.companyPorts[1],
        // Its own shop, so the two companies' pages and requests are told apart.
        shop: funkhausShop,
        requestReason: {
          de: 'Wir möchten Ihnen von neuen Radios erzählen, höchstens zweimal pro Woche.',
          en: 'We would like to tell you about new radios, at most twice a week.',
        },
      },
    ];
    for (const [i, c] of companies.entries()) {
      const site = await startCompanySite({
        clearinghouseUrl: origin,
        dataDir: join(dir, `company-${i + 1}`),
        port: c.port,
        legalName: c.legalName,
        brands: c.brands,
        ...('shop' in c ? { shop: c.shop, requestReason: c.requestReason } : {}),
        pollIntervalMs: 2000,
        log: (line) => log(`${c.brands[0]}: ${line}`),
      });
      sites.push(site);
      await site.ready();
    }
    const keyFiles: string[] = [];
    for (const [i, site] of sites.entries()) {
      const path = join(dir, `${companies[i]!.brands[0]!.toLowerCase()}-company-key.jwk.json`);
      const kid = await writeConsoleKeyFile(join(dir, `company-${i + 1}`), path);
      await checkEnrolledKey(origin, site, kid);
      keyFiles.push(path);
    }
    const regulatorLink = await enrolRegulator(dir, origin);
    const phrase = await seedCustomer(origin, sites[0]!, sites[1]!);
    writeFileSync(join(dir, 'recovery-phrase.txt'), phrase + '\n');
    return {
      origin,
      sites,
      regulatorLink,
      keyFiles,
      recoveryPhrase: phrase,
      walkthrough: walkthrough({ origin, sites, regulatorLink, keyFiles, phrase }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const port = raw ? Number(raw) : fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${name} must be a port number from 1 to 65535.`);
  return port;
}

/** A start that failed, as one sentence: a port in use names the variable that moves it. */
export function startFailure(error: unknown): string {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (code === 'EADDRINUSE')
    return `demo: port ${String(port ?? '')} is in use by another program. Stop it, or choose other ports with DEMO_PORT, DEMO_COMPANY_PORT and DEMO_SECOND_COMPANY_PORT.`;
  return `demo: could not start: ${error instanceof Error ? error.message : String(error)}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let demo: Demo;
  try {
    demo = await startDemo({
      dir: process.env.DEMO_DIR?.trim() || join(root, 'data', 'demo'),
      port: portFrom('DEMO_PORT', 3000),
      companyPorts: [
        portFrom('DEMO_COMPANY_PORT', 4000),
        portFrom('DEMO_SECOND_COMPANY_PORT', 4001),
      ],
      build: !process.argv.includes('--no-build'),
    });
  } catch (error) {
    console.error(startFailure(error));
    process.exit(1);
  }
  console.log(demo.walkthrough);
  console.log('demo: ready');
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void demo.stop().then(() => process.exit(0)));
}
