/**
 * The fault test's load generator: one company (registered with a real domain proof on a loopback
 * origin) and many customers' pseudonyms submit grants, revocations and offers, each a real signed
 * message (`signMessage`, schema-checked; offers sealed to the pseudonym's key), to the built
 * clearinghouse over HTTP, from several concurrent clients.
 *
 * A request that dies with the server (connection refused or reset) is sent again, the very same
 * token, until an answer arrives: the API answers a resend of a stored message with 200 and the
 * first receipt, so a message whose first answer was lost to the kill is stored once all the same.
 * Every answer is recorded; the test asserts on the record afterwards. Behind the cluster's proxy
 * (scripts/cluster-proxy.mjs), a node dying under a request shows as the proxy's own `502`/`503`
 * (header `x-clearinghouse-proxy: unavailable`): that is the same lost answer and is resent the
 * same way, counted in `gatewayRetries`, not as a server error.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import type { Payload, Scope } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { sleep } from './built-server';

/** Submitted message kinds, by endpoint. */
export type LoadKind = 'company' | 'grant-request' | 'grant' | 'revocation' | 'offer';

const endpoints: Record<LoadKind, string> = {
  company: '/api/v1/companies',
  'grant-request': '/api/v1/grant-requests',
  grant: '/api/v1/grants',
  revocation: '/api/v1/revocations',
  offer: '/api/v1/offers',
};

/** SPECS "What the log holds": offers are relayed, not logged. */
export const loggedKinds: ReadonlySet<LoadKind> = new Set([
  'company',
  'grant-request',
  'grant',
  'revocation',
]);

/** One submitted message and what became of it. */
export interface Submission {
  kind: LoadKind;
  /** base64url SHA-256 of the compact JWS (SPECS "JWS"): the id the server stores it under. */
  sha256: string;
  /** The final answer's status: 201 first time, 200 when a resend found it stored. */
  status: number;
  /** How many times it was sent (1 unless the server died under it). */
  attempts: number;
  /** The body of a non-2xx answer, for the failure message. */
  problem?: string;
}

/** A deterministic random source (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = (n: number) => new Uint8Array(randomBytes(n));
const sha256Of = (token: string) => createHash('sha256').update(token).digest('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Company {
  keyPair: Ed25519KeyPair;
  id: string;
  requestSha256: string;
  scope: Scope;
}

interface Granted {
  keyPair: Ed25519KeyPair;
  pseudonym: string;
  grantSha256: string;
}

export interface LoadOptions {
  /** `http://127.0.0.1:<port>`: where requests go. */
  url: string;
  /** The clearinghouse's public origin: the `aud` of company messages. */
  origin: string;
  /** Messages of the load proper (grants, revocations and offers), after the two seeding ones. */
  messages: number;
  /** Concurrent clients. */
  concurrency: number;
  random: () => number;
  /** Called after each settled message with how many have settled. */
  onSettled?: (settled: number) => void;
}

export interface LoadResult {
  /** Every message, seeding included, in the order it was created. */
  submissions: Submission[];
  /** Answers with a 5xx status that were retried (the server must not give any). */
  serverErrors: string[];
  /** Answers of the cluster's proxy that no node could give (the node died under it); resent. */
  gatewayRetries: number;
}

/** The header the cluster's proxy puts on answers it gives itself (scripts/cluster-proxy.mjs). */
const proxyUnavailableHeader = 'x-clearinghouse-proxy';

/**
 * Runs the load: registers a company and its grant request, then `messages` grants, revocations
 * and offers (about 50 : 20 : 30; a revocation needs an acknowledged grant that no offer uses,
 * an offer an acknowledged grant that is never revoked).
 *
 * @example
 * ```ts
 * const { submissions } = await runLoad({ url, origin, messages: 2000, concurrency: 8, random: Math.random });
 * ```
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  await ready();
  const submissions: Submission[] = [];
  const serverErrors: string[] = [];
  let gatewayRetries = 0;
  const proof = await proofServer();
  try {
    const send = async (kind: LoadKind, token: string): Promise<Submission> => {
      const submission: Submission = { kind, sha256: sha256Of(token), status: 0, attempts: 0 };
      submissions.push(submission);
      for (;;) {
        submission.attempts++;
        let response: Response;
        try {
          response = await fetch(options.url + endpoints[kind], {
            method: 'POST',
            headers: { 'content-type': 'application/jose' },
            body: token,
            signal: AbortSignal.timeout(60_000),
          });
        } catch {
          // The server died under the request, or is not listening yet: the same token again.
          await sleep(20);
          continue;
        }
        const text = await response.text().catch(() => undefined);
        if (text === undefined) {
          await sleep(20); // the connection broke while the body was read
          continue;
        }
        if (response.headers.get(proxyUnavailableHeader) === 'unavailable') {
          gatewayRetries++; // the node died under it, behind the proxy: the same token again
          await sleep(20);
          continue;
        }
        if (response.status >= 500) {
          serverErrors.push(`${kind} ${response.status}: ${text.slice(0, 300)}`);
          await sleep(100);
          continue;
        }
        submission.status = response.status;
        if (response.status !== 200 && response.status !== 201) {
          submission.problem = text.slice(0, 500);
        }
        return submission;
      }
    };

    const company = await registerCompany(options, proof, send);

    const forOffers: Granted[] = [];
    const forRevocation: Granted[] = [];
    let grantsMade = 0;
    let issued = 0;
    let settled = 0;

    const grant = async () => {
      const keyPair = generateKeyPair(random);
      const jwk = publicJwk(keyPair);
      const pseudonym = `ps_${thumbprint(jwk)}`;
      const iat = nowSeconds();
      const token = await signMessage(
        'grant',
        {
          v: 1,
          iss: pseudonym,
          aud: company.id,
          iat,
          exp: iat + 600,
          jti: randomUUID(),
          requestSha256: company.requestSha256,
          scopes: [company.scope],
          preferredChannel: 'newsletter',
          until: iat + 300 * 86_400,
          pseudonymKey: jwk,
        },
        keyPair,
      );
      const result = await send('grant', token);
      if (result.status === 201 || result.status === 200) {
        // Alternate: every other acknowledged grant may be revoked, the rest receive offers.
        const granted = { keyPair, pseudonym, grantSha256: result.sha256 };
        (grantsMade++ % 2 === 0 ? forOffers : forRevocation).push(granted);
      }
    };

    const revoke = async (granted: Granted) => {
      const iat = nowSeconds();
      const token = await signMessage(
        'revocation',
        {
          v: 1,
          iss: granted.pseudonym,
          aud: company.id,
          iat,
          exp: iat + 600,
          jti: randomUUID(),
          grants: [{ grantSha256: granted.grantSha256 }],
        },
        granted.keyPair,
      );
      await send('revocation', token);
    };

    const offer = async (granted: Granted) => {
      const iat = nowSeconds();
      const validUntil = iat + 7 * 86_400;
      const common = {
        v: 1 as const,
        iss: company.id,
        aud: granted.pseudonym,
        iat,
        exp: validUntil,
        grantSha256: granted.grantSha256,
        purpose: 'product_launch' as const,
        channel: 'newsletter' as const,
        validUntil,
      };
      const inner = await signMessage(
        'offer-content',
        {
          ...common,
          jti: randomUUID(),
          brand: 'Fault Running',
          category: 'sports/running',
          title: 'Der neue Trailschuh ist da',
          body: 'Leicht, griffig und wasserabweisend.',
          link: 'https://fault.example/trail',
          advertisement: true,
          unsubscribe: 'https://fault.example/abmelden',
        } as Payload<'offer-content'>,
        company.keyPair,
      );
      const sealed = Buffer.from(sealTo(granted.keyPair.publicKey, inner)).toString('base64url');
      const token = await signMessage(
        'offer',
        { ...common, jti: randomUUID(), sealed } as Payload<'offer'>,
        company.keyPair,
      );
      await send('offer', token);
    };

    const client = async () => {
      while (issued < options.messages) {
        issued++;
        const roll = options.random();
        if (roll >= 0.5 && roll < 0.7 && forRevocation.length > 0) {
          const index = Math.floor(options.random() * forRevocation.length);
          const [chosen] = forRevocation.splice(index, 1);
          await revoke(chosen!);
        } else if (roll >= 0.7 && forOffers.length > 0) {
          await offer(forOffers[Math.floor(options.random() * forOffers.length)]!);
        } else {
          await grant();
        }
        settled++;
        options.onSettled?.(settled);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
    return { submissions, serverErrors, gatewayRetries };
  } finally {
    await new Promise<void>((resolve) => proof.server.close(() => resolve()));
  }
}

export interface ProofServer {
  server: Server;
  domain: string;
  /** Set once the company's key is known. */
  document?: { keys: string[]; companyId: string };
}

/** The company's domain proof (`/.well-known/consent-clearinghouse.json`) on a loopback origin. */
export async function proofServer(): Promise<ProofServer> {
  const proof: Partial<ProofServer> = {};
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(proof.document ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proof.server = server;
  proof.domain = `http://localhost:${(server.address() as AddressInfo).port}`;
  return proof as ProofServer;
}

/**
 * Registers a company (domain proof on `proof`) and its grant request, through `send`.
 *
 * @throws Error when either is refused.
 */
export async function registerCompany(
  options: Pick<LoadOptions, 'origin'>,
  proof: ProofServer,
  send: (kind: LoadKind, token: string) => Promise<Submission>,
): Promise<Company> {
  const keyPair = generateKeyPair(random);
  const kid = thumbprint(publicJwk(keyPair));
  const id = `co_${kid}`;
  proof.document = { keys: [kid], companyId: id };
  const iat = nowSeconds();
  const claims = () => ({
    v: 1 as const,
    iss: id,
    aud: options.origin,
    iat,
    exp: iat + 600,
    jti: randomUUID(),
  });
  const registered = await send(
    'company',
    await signMessage(
      'company',
      {
        ...claims(),
        legalName: 'Fehlertest GmbH',
        registerId: 'HRB 4711, Amtsgericht München',
        domain: proof.domain,
        contact: { email: 'datenschutz@fault.example' },
        keys: [publicJwk(keyPair)],
        purposes: ['product_launch'],
      } as Payload<'company'>,
      keyPair,
    ),
  );
  expectStored(registered);
  // Always covered: no time windows, a contact cap far above what one run sends to one pseudonym.
  const scope: Scope = {
    purpose: 'product_launch',
    channels: ['newsletter'],
    dataCategories: ['preferences_habits'],
    conditions: {
      timeZone: 'Europe/Berlin',
      maxContactsPerWeek: 1000,
      validUntil: iat + 31_536_000,
    },
    retentionDays: 365,
    onwardRecipients: [],
  };
  const request = await send(
    'grant-request',
    await signMessage(
      'grant-request',
      { ...claims(), scopes: [scope], reason: { de: 'Neuigkeiten.', en: 'News.' } },
      keyPair,
    ),
  );
  expectStored(request);
  return { keyPair, id, requestSha256: request.sha256, scope };
}

function expectStored(submission: Submission): void {
  if (submission.status !== 201 && submission.status !== 200) {
    throw new Error(
      `seeding failed: ${submission.kind} answered ${submission.status} ${submission.problem ?? ''}`,
    );
  }
}
