/**
 * Test fixture (imported by the reference company site's *.test.ts only): an in-process
 * clearinghouse served over real HTTP (the route handlers behind node:http, the real domain-proof
 * fetcher, a webhook worker), the reference site (test/company-site) started against it, and test
 * Assistants that grant, refuse, revoke and ask. Tests drive only the site's public surface and
 * the clearinghouse's HTTP API.
 *
 * It lives here because the Vitest `server` project runs `portal/**` tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClearinghouseClient } from '$protocol/client';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import {
  generateKeyPair,
  pairwiseKeyPair,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
} from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import { signMessage } from '$protocol/signed';
import { ready } from '$protocol/sodium';
import {
  startCompanySite,
  type CompanySite,
  type CompanySiteOptions,
} from '../../../test/company-site/site';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest } from './db/migrate';
import type { DatabaseDialect } from './db/schema';
import { openTestDatabase, type TestDatabase } from './db/test-databases';
import { createProofFetcher } from './domain-proof';
import { createServices, setServicesForTests } from './services';
import { createWebhookWorker, webhookSigner, type WebhookWorker } from './webhooks';
import * as accessRoute from '../../routes/api/v1/access/+server';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as companyRoute from '../../routes/api/v1/companies/[companyId]/+server';
import * as compromisedRoute from '../../routes/api/v1/companies/me/compromised-messages/+server';
import * as correctionsListRoute from '../../routes/api/v1/companies/me/corrections/+server';
import * as correctionRoute from '../../routes/api/v1/companies/me/corrections/[id]/+server';
import * as companyDataRequestsRoute from '../../routes/api/v1/companies/me/data-requests/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';
import * as findingsRoute from '../../routes/api/v1/companies/me/findings/+server';
import * as companyKeysRoute from '../../routes/api/v1/companies/me/keys/+server';
import * as correctionsRoute from '../../routes/api/v1/corrections/+server';
import * as answersRoute from '../../routes/api/v1/data-request-answers/+server';
import * as dataRequestsRoute from '../../routes/api/v1/data-requests/+server';
import * as disclosuresRoute from '../../routes/api/v1/disclosures/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantRequestRoute from '../../routes/api/v1/grant-requests/[sha256]/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as offersRoute from '../../routes/api/v1/offers/+server';
import * as inboxRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/+server';
import * as inboxItemRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/[id]/+server';
import * as relationshipsRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/relationships/+server';
import * as refusalsRoute from '../../routes/api/v1/refusals/+server';
import * as acksRoute from '../../routes/api/v1/revocation-acks/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import * as rewardsRoute from '../../routes/api/v1/rewards/+server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RouteModule = Record<string, (event: any) => Response | Promise<Response>>;

/** The API routes the site and the Assistants call, with their dynamic segments. */
const routes: [RegExp, RouteModule, string[]][] = [
  [/^\/api\/v1\/companies$/, companiesRoute, []],
  [/^\/api\/v1\/companies\/me\/events$/, eventsRoute, []],
  [/^\/api\/v1\/companies\/me\/findings$/, findingsRoute, []],
  [/^\/api\/v1\/companies\/me\/keys$/, companyKeysRoute, []],
  [/^\/api\/v1\/companies\/me\/compromised-messages$/, compromisedRoute, []],
  [/^\/api\/v1\/companies\/me\/data-requests$/, companyDataRequestsRoute, []],
  [/^\/api\/v1\/companies\/me\/corrections$/, correctionsListRoute, []],
  [/^\/api\/v1\/companies\/me\/corrections\/([^/]+)$/, correctionRoute, ['id']],
  [/^\/api\/v1\/companies\/(co_[^/]+)$/, companyRoute, ['companyId']],
  [/^\/api\/v1\/grant-requests$/, grantRequestsRoute, []],
  [/^\/api\/v1\/grant-requests\/([^/]+)$/, grantRequestRoute, ['sha256']],
  [/^\/api\/v1\/grants$/, grantsRoute, []],
  [/^\/api\/v1\/refusals$/, refusalsRoute, []],
  [/^\/api\/v1\/revocations$/, revocationsRoute, []],
  [/^\/api\/v1\/revocation-acks$/, acksRoute, []],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/relationships$/, relationshipsRoute, ['pseudonym']],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/inbox$/, inboxRoute, ['pseudonym']],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/inbox\/([^/]+)$/, inboxItemRoute, ['pseudonym', 'id']],
  [/^\/api\/v1\/offers$/, offersRoute, []],
  [/^\/api\/v1\/rewards$/, rewardsRoute, []],
  [/^\/api\/v1\/corrections$/, correctionsRoute, []],
  [/^\/api\/v1\/disclosures$/, disclosuresRoute, []],
  [/^\/api\/v1\/data-requests$/, dataRequestsRoute, []],
  [/^\/api\/v1\/data-request-answers$/, answersRoute, []],
  [/^\/api\/v1\/access$/, accessRoute, []],
];

/** A test Assistant: a pairwise key for one company and a client of its own. */
export interface TestAssistant {
  client: ClearinghouseClient;
  id: string;
  keyPair: Ed25519KeyPair;
}

/** How a test Assistant answers the site's open grant request. */
export interface GrantChoice {
  /** The channels of the first scope it grants. Default `['newsletter']`. */
  channels?: ('newsletter' | 'email')[];
  /** Default: the first of `channels`. */
  preferredChannel?: 'newsletter' | 'email';
  /** Default: as asked. */
  retentionDays?: number;
  /** Default: as asked. */
  dataCategories?: string[];
  /** Whether the grant carries `pseudonymKey`. Default true. */
  withKey?: boolean;
}

export interface SiteWorld {
  readonly tdb: TestDatabase;
  /** The clearinghouse's origin. */
  readonly origin: string;
  readonly worker: WebhookWorker;
  /** Every line every site logged. */
  readonly lines: string[];
  /** How far the clearinghouse's clock runs ahead of the real one, in milliseconds. Default 0. */
  aheadMs: number;
  /**
   * Starts a site (port 0, no polling of its own, a fresh data directory unless `dataDir` is
   * given); `close` stops it.
   */
  startSite(options?: Partial<CompanySiteOptions>): Promise<CompanySite>;
  /** A fresh data directory, removed by `close`. */
  dataDir(): string;
  assistant(companyId: string): TestAssistant;
  /** Grants the site's open request as `assistant`; returns the grant's sha256. */
  grant(site: CompanySite, assistant: TestAssistant, choice?: GrantChoice): Promise<string>;
  /**
   * Refuses the site's open request as `assistant` (with its key), asking not to be asked again
   * before `askAgainAfter` (seconds) if given; returns the sha256.
   */
  refuse(site: CompanySite, assistant: TestAssistant, askAgainAfter?: number): Promise<string>;
  /** Revokes every grant of `assistant` to the site; returns the revocation's sha256. */
  revoke(site: CompanySite, assistant: TestAssistant): Promise<string>;
  /** Sends an access or erasure request; returns its sha256. */
  ask(
    site: CompanySite,
    assistant: TestAssistant,
    type: 'access' | 'erasure',
    dataCategories?: string[],
  ): Promise<string>;
  /** Sets the company's status directly (a regulator's decision, without its message). */
  setStatus(companyId: string, status: 'active' | 'suspended'): Promise<void>;
  close(): Promise<void>;
}

/** The envelope claims of a message from `iss` to `aud`, valid for five minutes from now. */
export function claims(iss: string, aud: string) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: crypto.randomUUID() };
}

/** The payload of a compact JWS, unverified (the clearinghouse verified it). */
export function payloadOf<T = Record<string, unknown>>(jws: string): T {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as T;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Opens the clearinghouse (SQLite unless `dialect` says otherwise) on a free loopback port. One
 * world at a time: it installs the clearinghouse's services for the routes (`close` removes them).
 *
 * @example
 * ```ts
 * const world = await openSiteWorld();
 * const site = await world.startSite();
 * await site.ready();
 * ```
 */
export async function openSiteWorld(dialect: DatabaseDialect = 'sqlite'): Promise<SiteWorld> {
  await ready();
  const webhookKey = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
  const tdb = await openTestDatabase(dialect);
  await migrateToLatest(tdb.cdb);
  const writer: DurableWriter = createDurableWriter(tdb.cdb, { maxWaitMs: 1 });
  let origin = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/.well-known/clearinghouse.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            origin,
            apiBase: `${origin}/api/v1`,
            webhookKey: publicJwk(webhookKey),
          }),
        );
        return;
      }
      for (const [pattern, module, names] of routes) {
        const match = pattern.exec(url.pathname);
        const handler = module[req.method ?? 'GET'];
        if (match === null || handler === undefined) continue;
        const params = Object.fromEntries(
          names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
        );
        const body = req.method === 'POST' ? await readAll(req) : undefined;
        const request = new Request(url, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          ...(body === undefined ? {} : { body: new Uint8Array(body) }),
        });
        const response = await handler({ request, url, params });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
        return;
      }
      res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const clock = { aheadMs: 0 };
  setServicesForTests(
    await createServices({
      cdb: tdb.cdb,
      writer,
      origin,
      now: () => Date.now() + clock.aheadMs,
      fetchProof: createProofFetcher({ timeoutMs: 3_000 }),
    }),
  );
  const worker = createWebhookWorker({
    db: tdb.cdb.db,
    origin,
    signer: webhookSigner(webhookKey),
  });
  const lines: string[] = [];
  const sites: CompanySite[] = [];
  const dirs: string[] = [];

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'company-site-'));
    dirs.push(dir);
    return dir;
  }

  function assistant(companyId: string): TestAssistant {
    const keyPair = pairwiseKeyPair(new Uint8Array(randomBytes(32)), companyId);
    return {
      client: createClient({
        baseUrl: origin,
        fetch: (url, init) => fetch(url, init),
        now: Date.now,
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
      }),
      id: `ps_${thumbprint(publicJwk(keyPair))}`,
      keyPair,
    };
  }

  function requestOf(site: CompanySite): string {
    return site.requestLink()!.split('/').pop()!;
  }

  return {
    tdb,
    origin,
    worker,
    lines,
    get aheadMs() {
      return clock.aheadMs;
    },
    set aheadMs(ms: number) {
      clock.aheadMs = ms;
    },
    dataDir,
    assistant,
    async startSite(options = {}) {
      const site = await startCompanySite({
        clearinghouseUrl: origin,
        dataDir: options.dataDir ?? dataDir(),
        port: 0,
        pollIntervalMs: 0, // the tests poll themselves
        log: (line) => lines.push(line),
        ...options,
      });
      sites.push(site);
      return site;
    },
    async grant(site, who, choice = {}) {
      const requestSha256 = requestOf(site);
      const request = await who.client.getGrantRequest(requestSha256);
      const asked = payloadOf<Payload<'grant-request'>>(request.jws).scopes[0]!;
      const channels = choice.channels ?? ['newsletter'];
      const { sha256 } = await who.client.submitGrant(
        await signMessage(
          'grant',
          {
            ...claims(who.id, site.companyId),
            requestSha256,
            scopes: [
              {
                ...asked,
                channels,
                retentionDays: choice.retentionDays ?? asked.retentionDays,
                dataCategories: (choice.dataCategories ??
                  asked.dataCategories) as typeof asked.dataCategories,
              },
            ],
            preferredChannel: choice.preferredChannel ?? channels[0]!,
            until: Math.floor(Date.now() / 1000) + 365 * 86_400,
            ...(choice.withKey === false ? {} : { pseudonymKey: publicJwk(who.keyPair) }),
          },
          who.keyPair,
        ),
      );
      return sha256;
    },
    async refuse(site, who, askAgainAfter) {
      const { sha256 } = await who.client.submitRefusal(
        await signMessage(
          'refusal',
          {
            ...claims(who.id, site.companyId),
            requestSha256: requestOf(site),
            ...(askAgainAfter === undefined ? {} : { askAgainAfter }),
            pseudonymKey: publicJwk(who.keyPair),
          },
          who.keyPair,
        ),
      );
      return sha256;
    },
    async revoke(site, who) {
      const { sha256 } = await who.client.submitRevocation(
        await signMessage(
          'revocation',
          { ...claims(who.id, site.companyId), grants: 'all' },
          who.keyPair,
        ),
      );
      return sha256;
    },
    async ask(site, who, type, dataCategories) {
      const { sha256 } = await who.client.submitDataRequest(
        await signMessage(
          'data-request',
          {
            ...claims(who.id, site.companyId),
            type,
            ...(dataCategories === undefined ? {} : { dataCategories }),
          } as Payload<'data-request'>,
          who.keyPair,
        ),
      );
      return sha256;
    },
    async setStatus(companyId, status) {
      await tdb.cdb.db
        .updateTable('companies')
        .set({ status })
        .where('id', '=', companyId)
        .execute();
    },
    async close() {
      for (const site of sites) await site.stop();
      setServicesForTests(undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await writer.close();
      await tdb.dispose();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
