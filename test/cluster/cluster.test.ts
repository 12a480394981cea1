import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../portal/lib/server/db/database';
import { createPostgresDatabase } from '../../portal/lib/server/db/test-databases';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { parseReceipt, verifyReceipt } from '../../protocol/tlog';
import { startCluster, type Cluster } from '../../scripts/cluster-lib.mjs';
import { proxyErrorHeader } from '../../scripts/cluster-proxy.mjs';
import { builtServerEntry, sleep } from '../fault/built-server';
import { expectLogConsistent, expectStoredOnce } from '../fault/checks';
import {
  loggedKinds,
  proofServer,
  registerCompany,
  type Company,
  type LoadKind,
  type ProofServer,
  type Submission,
} from '../fault/load';
import { logIdentity, nodeSha256, pollCheckpoints, type LogIdentity } from '../fault/log-audit';

/**
 * Issue 13: a local cluster (scripts/cluster-lib.mjs: three BUILT portal nodes on one PostgreSQL
 * database behind the round-robin proxy) keeps the guarantees of one node:
 *
 * - a signed message or request handled by one node and replayed to another is refused;
 * - a per-key rate limit holds across the nodes (the sum of what they admit is the limit);
 * - when the node that sequences is killed, another one sequences within 5 s, a grant accepted
 *   after the kill has a receipt (a covering checkpoint) within 6 s of its 201, and nothing
 *   acknowledged is lost or logged twice; every node serves the same log afterwards.
 *
 * The tests share one cluster and run in order; every message the cluster stored is recorded in
 * `stored`, and the last test checks the log and the database against that record.
 */
const keyLimit = 20;
const endpoints: Record<LoadKind, string> = {
  company: '/api/v1/companies',
  'grant-request': '/api/v1/grant-requests',
  grant: '/api/v1/grants',
  revocation: '/api/v1/revocations',
  offer: '/api/v1/offers',
};

const random = (n: number) => new Uint8Array(randomBytes(n));
const sha256Of = (token: string) => createHash('sha256').update(token).digest('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Pseudonym {
  keyPair: Ed25519KeyPair;
  id: string;
  jwk: ReturnType<typeof publicJwk>;
}

function newPseudonym(): Pseudonym {
  const keyPair = generateKeyPair(random);
  const jwk = publicJwk(keyPair);
  return { keyPair, id: `ps_${thumbprint(jwk)}`, jwk };
}

describe('a local cluster of three nodes on one PostgreSQL database', () => {
  let cluster: Cluster;
  let dir: string;
  let proof: ProofServer;
  let company: Company;
  let identity: LogIdentity;
  let poller: ReturnType<typeof pollCheckpoints>;
  /** Every message the cluster acknowledged (201, or 200 for a resend), in order. */
  const stored: Submission[] = [];

  /** POSTs `token` to `base` once; records it when acknowledged. */
  async function post(base: string, kind: LoadKind, token: string) {
    const response = await fetch(base + endpoints[kind], {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: token,
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as Record<string, unknown>;
    const sha256 = sha256Of(token);
    if (
      (response.status === 201 || response.status === 200) &&
      !stored.some((s) => s.sha256 === sha256)
    ) {
      stored.push({ kind, sha256, status: response.status, attempts: 1 });
    }
    // The proxy's own answer when the node died under the request (scripts/cluster-proxy.mjs).
    const proxyFailed = response.headers.get(proxyErrorHeader) === 'unavailable';
    return { status: response.status, body, sha256, proxyFailed };
  }

  function grantToken(pseudonym: Pseudonym, jti = randomUUID(), days = 300): Promise<string> {
    const iat = nowSeconds();
    return signMessage(
      'grant',
      {
        v: 1,
        iss: pseudonym.id,
        aud: company.id,
        iat,
        exp: iat + 600,
        jti,
        requestSha256: company.requestSha256,
        scopes: [company.scope],
        preferredChannel: 'newsletter',
        until: iat + days * 86_400,
        pseudonymKey: pseudonym.jwk,
      },
      pseudonym.keyPair,
    );
  }

  /** `Authorization: Signature …` for GET `path` as `pseudonym`. */
  async function requestSignature(pseudonym: Pseudonym, path: string): Promise<string> {
    const iat = nowSeconds();
    const token = await signMessage(
      'request',
      {
        v: 1,
        iss: pseudonym.id,
        aud: cluster.origin,
        iat,
        exp: iat + 60,
        jti: randomUUID(),
        method: 'GET',
        path,
      },
      pseudonym.keyPair,
    );
    return `Signature ${token}`;
  }

  beforeAll(async () => {
    await ready();
    dir = mkdtempSync(join(tmpdir(), 'clearinghouse-cluster-test-'));
    cluster = await startCluster({
      nodes: 3,
      databaseUrl: await createPostgresDatabase(),
      entry: builtServerEntry,
      logDir: join(dir, 'logs'),
      env: {
        // One client on one address: the address limit stays off; the key limit is the one tested.
        RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
        RATE_LIMIT_KEY_PER_MINUTE: String(keyLimit),
        WEBHOOKS: 'off',
      },
    });
    console.log(`cluster test: node logs in ${cluster.logDir}`);
    identity = await logIdentity(cluster.url);
    poller = pollCheckpoints(cluster.url, 100);
    proof = await proofServer();
    company = await registerCompany({ origin: cluster.origin }, proof, async (kind, token) => {
      const answer = await post(cluster.url, kind, token);
      return {
        kind,
        sha256: answer.sha256,
        status: answer.status,
        attempts: 1,
        problem: JSON.stringify(answer.body),
      };
    });
  }, 180_000);

  afterAll(async () => {
    await poller?.stop();
    await new Promise<void>((resolve) => (proof ? proof.server.close(() => resolve()) : resolve()));
    await cluster?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('refuses a signed message or request handled by one node and replayed to another', async () => {
    const [a, b, c] = cluster.nodes as [
      Cluster['nodes'][0],
      Cluster['nodes'][0],
      Cluster['nodes'][0],
    ];
    const pseudonym = newPseudonym();
    const jti = randomUUID();
    const first = await grantToken(pseudonym, jti);
    expect((await post(a.url, 'grant', first)).status).toBe(201);

    // Another grant under the same jti, sent straight to another node: a replay.
    const replay = await post(b.url, 'grant', await grantToken(pseudonym, jti, 200));
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({
      code: 'ERR_JWS_REPLAYED',
      type: expect.stringMatching(/\/ERR_JWS_REPLAYED$/),
    });
    // The very same message again, on a third node, is a resend, not a replay.
    const resend = await post(c.url, 'grant', first);
    expect(resend.status).toBe(200);

    // A request signature (GET) used on one node and replayed on another.
    const path = `/api/v1/pseudonyms/${pseudonym.id}/relationships`;
    const authorization = await requestSignature(pseudonym, path);
    const used = await fetch(b.url + path, { headers: { authorization } });
    expect(used.status).toBe(200);
    await used.text();
    const replayed = await fetch(c.url + path, { headers: { authorization } });
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toMatchObject({ code: 'ERR_JWS_REPLAYED' });
  });

  it(`holds a per-key limit of ${keyLimit} a minute across the nodes`, async () => {
    // All charges must fall into one counting window (whole minutes since the epoch).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 100);
    const pseudonym = newPseudonym();
    expect((await post(cluster.nodes[0]!.url, 'grant', await grantToken(pseudonym))).status).toBe(
      201,
    ); // one place of the budget
    const path = `/api/v1/pseudonyms/${pseudonym.id}/relationships`;
    const statuses: number[] = [];
    const admittedBy = [0, 0, 0];
    const codes = new Set<string>();
    // Three times the limit, to the nodes in turn and six at a time.
    const requests = Array.from({ length: 3 * keyLimit }, (_, i) => i);
    for (let start = 0; start < requests.length; start += 6) {
      await Promise.all(
        requests.slice(start, start + 6).map(async (i) => {
          const node = cluster.nodes[i % 3]!;
          const response = await fetch(node.url + path, {
            headers: { authorization: await requestSignature(pseudonym, path) },
          });
          statuses.push(response.status);
          if (response.status === 200) admittedBy[node.index]!++;
          else codes.add(((await response.json()) as { code: string }).code);
          await response.body?.cancel().catch(() => {});
        }),
      );
    }
    const admitted = statuses.filter((status) => status === 200).length;
    console.log(`cluster test: admitted per node ${admittedBy.join(' + ')} = ${admitted}`);
    // Below 128 a minute the limit is counted exactly (block of 1): the grant took one place.
    expect(admitted).toBe(keyLimit - 1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3 * keyLimit - admitted);
    expect([...codes]).toEqual(['ERR_RATE_LIMITED']);
    // More than one node admitted: the limit was shared, not enforced by one node alone.
    expect(admittedBy.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('fails over when the sequencing node is killed: another sequences within 5 s, a new grant gets its receipt within 6 s, nothing is lost', async () => {
    let leader = await waitFor(() => cluster.sequencer(), 10_000);
    expect(leader, 'no node holds the sequencer lock').toBeDefined();
    const killed = leader!;

    // Grants keep arriving through the proxy from four clients while the leader is killed.
    let streaming = true;
    let acknowledged = 0;
    const stream = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (streaming) {
          const token = await grantToken(newPseudonym());
          for (;;) {
            const answer = await post(cluster.url, 'grant', token).catch(() => undefined);
            // No answer, or the proxy's own 502/503 (the node died under it): send it again.
            if (answer === undefined || answer.proxyFailed) {
              await sleep(20);
              continue;
            }
            expect([200, 201]).toContain(answer.status);
            acknowledged++;
            break;
          }
        }
      }),
    );
    while (acknowledged < 40) await sleep(10);

    await killed.kill('SIGKILL');
    const killedAt = Date.now();
    leader = await waitFor(async () => {
      const now = await cluster.sequencer();
      return now !== undefined && now !== killed ? now : undefined;
    }, 10_000);
    const takeOverMs = Date.now() - killedAt;
    console.log(
      `cluster test: node ${killed.index} killed, node ${leader?.index} sequences after ${takeOverMs} ms`,
    );
    expect(leader).toBeDefined();
    expect(takeOverMs).toBeLessThanOrEqual(5_000);

    // A grant accepted after the kill: its receipt (a checkpoint covering it) within 6 s.
    const token = await grantToken(newPseudonym());
    const accepted = await post(cluster.url, 'grant', token);
    expect(accepted.status).toBe(201);
    const acceptedAt = Date.now();
    const receipt = await waitFor(async () => {
      const response = await fetch(`${cluster.url}/api/v1/log/receipts/${accepted.sha256}?wait=1`);
      return response.status === 200 ? parseReceipt(await response.json()) : undefined;
    }, 15_000);
    const receiptMs = Date.now() - acceptedAt;
    console.log(`cluster test: receipt ${receiptMs} ms after the 201`);
    expect(receipt).toBeDefined();
    expect(receiptMs).toBeLessThanOrEqual(6_000);
    const verified = verifyReceipt(
      nodeSha256,
      receipt!,
      identity.verifier,
      identity.logOrigin,
      accepted.sha256,
    );
    expect(verified.index).toBeLessThan(verified.checkpoint.size);

    // More grants after the take-over, then the killed node comes back as a standby.
    const afterKill = acknowledged;
    while (acknowledged < afterKill + 40) await sleep(10);
    streaming = false;
    await stream;
    await killed.restart();
    expect(killed.alive()).toBe(true);

    // Every acknowledged message is in the log exactly once; every checkpoint seen is a prefix.
    const final = await expectLogConsistent({
      url: cluster.url,
      identity,
      logged: stored.filter((s) => loggedKinds.has(s.kind)),
      notes: () => poller.stop(),
      minNotes: 2,
      dir,
    });

    // Every node serves the same checkpoint, and reports the log's size in its metrics
    // (standbys included: observe.ts reads it from the database). Each runs as npm start runs it:
    // with V8's allocation-site pretenuring off (scripts/server-node-args.mjs).
    for (const node of cluster.nodes) {
      const note = await (await fetch(`${node.url}/log/checkpoint`)).text();
      expect(note.split('\n')[1]).toBe(String(final.size));
      const metrics = await (await fetch(node.metricsUrl!)).text();
      expect(metrics).toMatch(new RegExp(`^clearinghouse_log_size ${final.size}$`, 'm'));
      expect(metrics).toMatch(/^clearinghouse_v8_allocation_site_pretenuring 0$/m);
    }

    // The database: each acknowledged message stored once, with one leaf, nothing waiting.
    const cdb = await openDatabase({ url: cluster.databaseUrl });
    try {
      await expectStoredOnce(cdb, stored, final.size);
    } finally {
      await cdb.close();
    }
  });
});

/** Polls `probe` every 100 ms until it yields a value or `timeoutMs` passed (then undefined). */
async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(100);
  }
}
