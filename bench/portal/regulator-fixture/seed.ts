/**
 * The regulator fixture (issue 10, "Tests and figures"): a clearinghouse database with 10,000
 * companies and 1,000,000 grants, every message signed and submitted through the service layer
 * (portal/lib/server/services.ts), built once and cached under
 * `data/bench/portal-regulator-<companies>-<grants>/` (e.g. `portal-regulator-10k-1m`), keyed by
 * a fingerprint of the migrations and of this folder's code.
 *
 * What it holds, spread over 26 weeks by the services' injected clock:
 * - companies: signed `company` registrations with their domain proofs (served by a stub of the
 *   companies' sites), and an open grant request each;
 * - grants, each from another customer's fresh pairwise key (so each binds a new pseudonym), a
 *   refusal of the same request by yet another customer beside every tenth, and a revocation of
 *   every fiftieth (never acknowledged, so overdue);
 * - complaints (with the request as signed evidence) and blacklist signals from every 997th
 *   grant's customer;
 * - the log: every logged message queued by the writer and sequenced by the clearinghouse's own
 *   sequencer (portal/lib/server/log) running beside the seeding, as in the server; the log key
 *   is kept in the fixture folder, so a server on a copy continues the same log.
 *
 * Speed, without going around the services: two worker threads (worker.ts) each run their own
 * services, durable writer and SQLite connection on the database, as two clearinghouse processes
 * would, and get chunks of grants; the clients' signatures use node:crypto (signer.ts, checked
 * byte for byte against `signMessage` first). The service path itself (verification, checks,
 * group-committed writes with their aggregate rows and feed events, the log queue) is the API's.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { exampleMessages } from '../../../protocol/messages/examples';
import type { Payload, Scope } from '../../../protocol/messages';
import { ready } from '../../../protocol/sodium';
import { openDatabase } from '../../../portal/lib/server/db/database';
import { createDurableWriter } from '../../../portal/lib/server/db/durable-writer';
import { migrateToLatest } from '../../../portal/lib/server/db/migrate';
import { logOriginOf, startLog } from '../../../portal/lib/server/log/clearinghouse-log';
import { createServices } from '../../../portal/lib/server/services';
import { checkSigner, clientKey, freshKey, signWith } from './signer';
import type { HeldPseudonym, WorkerReport, WorkerSetup, WorkerTask } from './worker';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const migrationsDir = join(root, 'portal/lib/server/db/migrations');

/** The origin the fixture's messages are addressed to; a server on a copy must use its log origin. */
export const fixtureOrigin = 'http://localhost:3000';
export const fixtureLogOrigin = logOriginOf(fixtureOrigin);
const dayMs = 86_400_000;
/** Grants per task handed to a worker: submitted at once, so the writer group-commits them. */
const chunkSize = 512;
/** Companies registered at once by the main thread. */
const registrationConcurrency = 256;

export interface FixtureOptions {
  companies: number;
  grants: number;
  /** Seeding threads (default 2, or fewer cores). */
  workers?: number;
  /** Rebuild even when the cache matches. */
  refresh?: boolean;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface Fixture {
  /** Holds `clearinghouse.db`, `log-key.json`, `webhook-key.json` and `fixture.json`. */
  dir: string;
  databasePath: string;
  logKeyPath: string;
  webhookKeyPath: string;
  /** What fixture.json records about the build. */
  stamp: FixtureStamp;
  /** Whether this call built it (false: taken from the cache). */
  built: boolean;
}

export interface FixtureStamp {
  fingerprint: string;
  companies: number;
  grants: number;
  refusals: number;
  revocations: number;
  complaints: number;
  /** Messages submitted through the services in all. */
  messages: number;
  logSize: number;
  seconds: number;
  workers: number;
  builtAt: string;
}

/** `10000` → `10k`, `1000000` → `1m`, other numbers as they are. */
function short(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

/** SHA-256 over the migrations and this folder's code, and the sizes. */
function fingerprint(companies: number, grants: number): string {
  const hash = createHash('sha256').update(`${companies} ${grants}\n`);
  for (const [dir, files] of [
    [migrationsDir, readdirSync(migrationsDir)],
    [here, readdirSync(here)],
  ] as const) {
    for (const file of files.filter((f) => f.endsWith('.ts')).sort()) {
      hash
        .update(`${file}\n`)
        .update(readFileSync(join(dir, file)))
        .update('\n');
    }
  }
  return hash.digest('base64url');
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(0)} s`;
}

/**
 * The cached fixture, built when missing or stale.
 *
 * @example
 * ```ts
 * const fixture = await regulatorFixture({ companies: 10_000, grants: 1_000_000 });
 * cpSync(fixture.dir, copy, { recursive: true });
 * ```
 */
export async function regulatorFixture(options: FixtureOptions): Promise<Fixture> {
  const { companies, grants } = options;
  if (
    !Number.isSafeInteger(companies) ||
    companies < 1 ||
    !Number.isSafeInteger(grants) ||
    grants < 1
  )
    throw new RangeError('companies and grants must be positive integers');
  const dir = join(root, 'data', 'bench', `portal-regulator-${short(companies)}-${short(grants)}`);
  const paths = {
    dir,
    databasePath: join(dir, 'clearinghouse.db'),
    logKeyPath: join(dir, 'log-key.json'),
    webhookKeyPath: join(dir, 'webhook-key.json'),
  };
  const stampPath = join(dir, 'fixture.json');
  const print = options.log ?? ((line: string) => console.log(line));
  const expected = fingerprint(companies, grants);
  if (options.refresh !== true && existsSync(stampPath)) {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as FixtureStamp;
    if (stamp.fingerprint === expected) return { ...paths, stamp, built: false };
    print(`fixture: ${dir} was built from other migrations or seeding code; rebuilding`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const workers = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
  const stamp = await seed(paths, { companies, grants, workers, print });
  const full: FixtureStamp = { ...stamp, fingerprint: expected };
  writeFileSync(stampPath, `${JSON.stringify(full, null, 2)}\n`);
  return { ...paths, stamp: full, built: true };
}

async function seed(
  paths: Omit<Fixture, 'stamp' | 'built'>,
  sizes: {
    companies: number;
    grants: number;
    workers: number;
    print: (line: string) => void;
  },
): Promise<Omit<FixtureStamp, 'fingerprint'>> {
  const { print } = sizes;
  const started = performance.now();
  await ready();
  const end = Date.now();
  const startMs = end - 182 * dayMs;
  const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  const scope: Scope = {
    ...base,
    conditions: { ...base.conditions, validUntil: Math.floor(end / 1000) + 2 * 365 * 86_400 },
  };
  const until = Math.floor(end / 1000) + 365 * 86_400;

  // The clients' signer must produce exactly the protocol's tokens.
  const probe = new Uint8Array(randomBytes(32));
  await checkSigner(
    'grant',
    (jwk, kid) => ({
      ...exampleMessages.grant,
      iss: `ps_${kid}`,
      iat: Math.floor(end / 1000),
      exp: Math.floor(end / 1000) + 300,
      pseudonymKey: jwk,
    }),
    probe,
  );

  const cdb = await openDatabase({ sqlitePath: paths.databasePath });
  await migrateToLatest(cdb);
  // The seeding threads write too (worker.ts): wait for the write lock longer than the server.
  await sql`pragma busy_timeout = 120000`.execute(cdb.db);
  const writer = createDurableWriter(cdb);
  // The clearinghouse's own log, sequencing beside the seeding as in the server.
  const log = await startLog(cdb, {
    origin: fixtureOrigin,
    logOrigin: fixtureLogOrigin,
    logKeyPath: paths.logKeyPath,
    webhookKeyPath: paths.webhookKeyPath,
    runSequencer: true,
  });
  let clock = startMs;
  const kids = new Map<string, string>();
  const services = await createServices({
    cdb,
    writer,
    origin: fixtureOrigin,
    now: () => clock,
    // Each company's domain proof, as its site would serve it.
    fetchProof: async (url) => ({
      status: 200,
      body: new TextEncoder().encode(JSON.stringify({ keys: [kids.get(url.origin)] })),
    }),
  });
  const claims = (iss: string, aud: string) => {
    const iat = Math.floor(clock / 1000);
    return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
  };

  try {
    // 1. Companies and their requests, in the main thread.
    const registered: { id: string; request: string; requestJws: string }[] = new Array(
      sizes.companies,
    );
    let nextCompany = 0;
    await Promise.all(
      Array.from({ length: Math.min(registrationConcurrency, sizes.companies) }, async () => {
        while (nextCompany < sizes.companies) {
          const i = nextCompany++;
          const key = freshKey();
          const id = `co_${key.kid}`;
          const domain = `https://c${i}.bench.example`;
          kids.set(domain, key.kid);
          await services.companies.register(
            signWith(
              'company',
              {
                ...claims(id, fixtureOrigin),
                legalName: `Unternehmen ${String(i).padStart(5, '0')} GmbH`,
                registerId: `HRB ${10_000 + i}, Amtsgericht Beispielstadt`,
                domain,
                contact: { email: `datenschutz@c${i}.bench.example` },
                keys: [key.jwk],
                purposes: ['product_launch'],
              } as Payload<'company'>,
              key,
            ),
          );
          const requestJws = signWith(
            'grant-request',
            {
              ...claims(id, fixtureOrigin),
              scopes: [scope],
              reason: { de: 'Neuigkeiten', en: 'News' },
            },
            key,
          );
          const { sha256 } = await services.consents.createGrantRequest(requestJws);
          registered[i] = { id, request: sha256, requestJws };
        }
      }),
    );
    print(
      `fixture: ${sizes.companies} companies registered with their requests in ${duration((performance.now() - started) / 1000)}`,
    );

    // 2. Grants, refusals and revocations in the workers.
    const counts = { grants: 0, refusals: 0, revocations: 0 };
    const held: HeldPseudonym[] = [];
    const setup: WorkerSetup = {
      databasePath: paths.databasePath,
      origin: fixtureOrigin,
      companies: registered.map(({ id, request }) => ({ id, request })),
      scope,
      startMs,
      stepMs: (end - startMs) / sizes.grants,
      until,
      cacheKiB: 256 * 1024,
    };
    const grantsStarted = performance.now();
    let nextFirst = 0;
    let lastPrint = grantsStarted;
    const progress = (force: boolean) => {
      const now = performance.now();
      if (!force && now - lastPrint < 15_000) return;
      lastPrint = now;
      const seconds = (now - grantsStarted) / 1000;
      const rate = counts.grants / seconds;
      const messages = counts.grants + counts.refusals + counts.revocations;
      print(
        `fixture: ${counts.grants.toLocaleString('en')}/${sizes.grants.toLocaleString('en')} grants ` +
          `(${((100 * counts.grants) / sizes.grants).toFixed(1)} %), ${rate.toFixed(0)} grants/s, ` +
          `${(messages / seconds).toFixed(0)} messages/s, log ${log.sequencer.head().size.toLocaleString('en')}, ` +
          `ETA ${duration((sizes.grants - counts.grants) / rate)}`,
      );
    };
    await Promise.all(
      Array.from({ length: sizes.workers }, () =>
        runWorker(setup, (report) => {
          if (report.type === 'done') {
            counts.grants += report.grants;
            counts.refusals += report.refusals;
            counts.revocations += report.revocations;
            held.push(...report.held);
            progress(false);
          }
          if (nextFirst >= sizes.grants) return { type: 'close' };
          const first = nextFirst;
          nextFirst = Math.min(sizes.grants, first + chunkSize);
          return { type: 'chunk', first, count: nextFirst - first };
        }),
      ),
    );
    progress(true);

    // 3. Complaints and blacklist signals, a week before the end.
    clock = end - 7 * dayMs;
    held.sort((a, b) => a.index - b.index);
    for (const { index, seed } of held) {
      const company = registered[index % registered.length]!;
      const key = clientKey(seed);
      const ps = `ps_${key.kid}`;
      await services.oversight.submitComplaint(
        signWith(
          'complaint',
          {
            ...claims(ps, fixtureOrigin),
            company: company.id,
            evidence: [{ kind: 'grant-request', jws: company.requestJws }],
            reasons: [index % 2 === 0 ? 'misleading' : 'other'],
          },
          key,
        ),
      );
      await services.oversight.blacklist(
        signWith(
          'blacklist',
          {
            ...claims(ps, fixtureOrigin),
            company: company.id,
            action: 'add',
            reason: 'too_frequent',
          },
          key,
        ),
      );
    }
    clock = end;
    await writer.close();

    // 4. The rest of the log, then one self-contained file.
    const head = await log.sequencer.flush();
    await log.stop();
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(cdb.db);
    const seconds = (performance.now() - started) / 1000;
    const messages =
      2 * sizes.companies + counts.grants + counts.refusals + counts.revocations + 2 * held.length;
    print(
      `fixture: ${sizes.companies} companies, ${counts.grants} grants, ${counts.refusals} refusals, ` +
        `${counts.revocations} revocations, ${held.length} complaints and blacklist signals ` +
        `(${messages} messages through the services, log size ${head.size}) in ${duration(seconds)} ` +
        `with ${sizes.workers} seeding threads (cached in ${paths.dir})`,
    );
    return {
      companies: sizes.companies,
      grants: counts.grants,
      refusals: counts.refusals,
      revocations: counts.revocations,
      complaints: held.length,
      messages,
      logSize: head.size,
      seconds: Math.round(seconds),
      workers: sizes.workers,
      builtAt: new Date().toISOString(),
    };
  } finally {
    await writer.close();
    await log.stop();
    await cdb.close();
  }
}

/**
 * Runs one seeding thread until `next` answers `close`; rejects on the worker's first error.
 * worker.ts is TypeScript: the thread registers tsx's loader before importing it.
 */
function runWorker(setup: WorkerSetup, next: (report: WorkerReport) => WorkerTask): Promise<void> {
  const url = new URL('./worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`,
    { eval: true, workerData: setup },
  );
  let closing = false;
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      void worker.terminate();
      reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closing) reject(new Error(`a seeding thread exited with ${code}`));
    });
    worker.on('message', (report: WorkerReport) => {
      if (report.type === 'error') return fail(new Error(`seeding thread: ${report.message}`));
      if (report.type === 'closed') {
        closing = true;
        void worker.terminate().then(() => resolve());
        return;
      }
      worker.postMessage(next(report));
    });
  });
}
