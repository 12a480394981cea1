/**
 * The mixed workload of issue 12 "Load" (bench:load) and issue 13 "Measured scaling"
 * (bench:cluster): many customers' Assistants and a few companies talking to the clearinghouse
 * at once, every request a real signed message or a real log read, over keep-alive HTTP on
 * loopback.
 *
 * **Proportions** ({@link defaultMix}, per 100 operations), after the traffic a deployed
 * clearinghouse expects: offers and inbox fetches dominate (companies send, Assistants poll),
 * grants follow (every new relationship), log readers (auditors, monitors, Assistants checking
 * their receipts) fetch checkpoints, tiles and proofs, and registrations and new grant requests
 * are rare:
 *
 * | operation      | share | request                                                                  | expected |
 * | -------------- | ----: | ------------------------------------------------------------------------ | -------- |
 * | registration   |   1 % | `POST /api/v1/companies` (a new company; its domain proof is fetched)    | 201      |
 * | grant-request  |   4 % | `POST /api/v1/grant-requests` (an open request of a seeded company)      | 201      |
 * | grant          |  25 % | `POST /api/v1/grants` (a new customer's pseudonym, first grant)          | 201      |
 * | revocation     |   3 % | `POST /api/v1/revocations` (of an acknowledged grant)                    | 201      |
 * | offer          |  30 % | `POST /api/v1/offers` (sealed, to a granted pseudonym)                   | 201      |
 * | inbox          |  25 % | `GET /api/v1/pseudonyms/{ps}/inbox?after=<cursor>` (request signature)   | 200      |
 * | checkpoint     |   4 % | `GET /log/checkpoint`                                                    | 200      |
 * | tile           |   4 % | `GET /log/tile/0/…` or `/log/tile/entries/…` of the size last seen       | 200      |
 * | proof          |   4 % | `GET /api/v1/log/proof/inclusion?index=&size=` of the size last seen     | 200      |
 *
 * **Cheap client.** Keys, grants, registrations, grant requests and offers are made before a run
 * (`prepare` sizes the batches from the rate and the duration); the sealed box of an offer
 * (opaque to the clearinghouse) is made once per pseudonym at seeding and every offer wraps it in
 * its own outer signature and `jti`. What cannot be made ahead is signed when sent, with a
 * prepared node:crypto key (about 40 µs): revocations (they need a grant acknowledged during the
 * run) and inbox request signatures (valid for 60 s only). Tokens expire 10 minutes after they
 * are made (SPECS "JWS"), so a run of more than about 8 minutes is run as several segments.
 *
 * **Pacing** (bench/load/paced.ts). With a `rate`, request i is due at `start + i / rate` and the
 * first free connection sends it; its latency is measured from when it was due, so a server that
 * falls behind shows in the latency (no coordinated omission). Without a rate, every connection
 * sends its next request as soon as the previous one is answered (the maximum). Every latency is
 * kept (exact percentiles).
 *
 * **Errors.** Any status other than the expected one, a connection error or a timeout (30 s).
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentiles, runPaced } from './paced';
import { parseMessage, type Scope } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { ready } from '../../protocol/sodium';
import { fastSign, newFastKey, nowSeconds, sha256Of, type FastKey } from './fast-sign';

/** The operations of the mix. */
export type Operation =
  | 'registration'
  | 'grant-request'
  | 'grant'
  | 'revocation'
  | 'offer'
  | 'inbox'
  | 'checkpoint'
  | 'tile'
  | 'proof';

export const operations: readonly Operation[] = [
  'registration',
  'grant-request',
  'grant',
  'revocation',
  'offer',
  'inbox',
  'checkpoint',
  'tile',
  'proof',
];

/** Shares per 100 operations (see the table above). */
export const defaultMix: Readonly<Record<Operation, number>> = {
  registration: 1,
  'grant-request': 4,
  grant: 25,
  revocation: 3,
  offer: 30,
  inbox: 25,
  checkpoint: 4,
  tile: 4,
  proof: 4,
};

const expectedStatus: Record<Operation, number> = {
  registration: 201,
  'grant-request': 201,
  grant: 201,
  revocation: 201,
  offer: 201,
  inbox: 200,
  checkpoint: 200,
  tile: 200,
  proof: 200,
};

/** Where the workload sends its requests. */
export interface WorkloadTarget {
  /** `http://127.0.0.1:<port>`: the server or the cluster's proxy. */
  url: string;
  /** The public origin (`ORIGIN`): the `aud` of company messages and request signatures. */
  origin: string;
}

export interface WorkloadOptions {
  /** Seeded companies, each with an open grant request (default 4). */
  companies?: number;
  /** Seeded customers' grants: offer and inbox targets, and the first revocable ones (default 400). */
  pseudonyms?: number;
  /** Shares of the operations (default {@link defaultMix}). */
  mix?: Readonly<Record<Operation, number>>;
  /** A deterministic source for the choice of operations and targets (default Math.random). */
  random?: () => number;
}

export interface RunOptions {
  /** How long to send, seconds. */
  seconds: number;
  /** Concurrent keep-alive connections (default 32). */
  connections?: number;
  /** Operations per second over all connections; absent: as fast as answers come (the maximum). */
  rate?: number;
  /**
   * For a run without `rate`: the rate to prepare tokens for (default 400/s); tokens that run out
   * are made while sending (counted in `madeDuringRun`).
   */
  expectedRate?: number;
}

/** Latency figures of one operation (or of all together), milliseconds. */
export interface OperationFigures {
  operation: Operation | 'total';
  /** Answered as expected. */
  ok: number;
  errors: number;
  /** Successful operations per second of the run. */
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface RunResult {
  seconds: number;
  /** Successful operations per second, all kinds. */
  throughput: number;
  errors: number;
  /** The first few distinct errors, `<operation>: <status or error> <body start>`. */
  errorSamples: string[];
  byOperation: OperationFigures[];
  total: OperationFigures;
  /** Tokens that had to be made while sending (the preparation ran short). */
  madeDuringRun: number;
  /** Requests resent after a reused keep-alive connection was reset before any answer. */
  retried: number;
  /** The log size last seen in a checkpoint. */
  logSize: number;
}

interface Company {
  key: FastKey;
  id: string;
  requestSha256: string;
  scope: Scope;
}

interface Granted {
  pseudonym: string;
  key: FastKey;
  grantSha256: string;
  company: Company;
  /** The sealed offer content for this pseudonym (seeded ones only). */
  sealed?: string;
  /** The inbox cursor last answered. */
  cursor: string;
}

interface Prepared {
  /** The token (a compact JWS). */
  token: string;
  /** When it was made, seconds (its `iat`). */
  made: number;
  /** For a grant: what it becomes once acknowledged. */
  granted?: Granted;
  /** For a registration: the proof host it names and its kid. */
  proof?: { host: ProofHost; kid: string };
}

/** Tokens older than this are made again: `exp` is `iat` + 600 s, and a request may wait in line. */
const maxTokenAgeSeconds = 480;
const requestTimeoutMs = 30_000;

/**
 * A company's origin on loopback serving `/.well-known/consent-clearinghouse.json`, listing the
 * keys of the registrations in flight for it (at most 16, the clearinghouse's limit), so several
 * companies can prove the same host one after the other.
 */
interface ProofHost {
  server: Server;
  domain: string;
  kids: Set<string>;
}

async function proofHost(): Promise<ProofHost> {
  const kids = new Set<string>();
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [...kids].slice(-16) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    server,
    domain: `http://localhost:${(server.address() as AddressInfo).port}`,
    kids,
  };
}

/** The tlog-tiles index path: 1234067 → `x001/x234/067`. */
export function tileIndexPath(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

/** A reused keep-alive connection reset before any answer (see `Workload.#request`). */
class ReusedSocketReset extends Error {
  constructor() {
    super('ECONNRESET on a reused keep-alive connection');
  }
}

/** Sorted latencies → figures. */
function figures(
  operation: OperationFigures['operation'],
  samples: number[],
  errors: number,
  seconds: number,
): OperationFigures {
  const [p50, p99, p999, max] =
    samples.length === 0 ? [0, 0, 0, 0] : percentiles(samples, [50, 99, 99.9, 100]);
  return {
    operation,
    ok: samples.length,
    errors,
    rate: seconds > 0 ? samples.length / seconds : 0,
    p50,
    p99,
    p999,
    max,
  };
}

/**
 * The workload against one clearinghouse (a server or a cluster's proxy): seeded once with
 * {@link Workload.create}, then run as often as needed; the pseudonyms granted in one run serve
 * the next.
 *
 * @example
 * ```ts
 * const workload = await Workload.create({ url: server.url, origin: server.origin });
 * try {
 *   const max = await workload.run({ seconds: 10 });
 *   const half = await workload.run({ seconds: 120, rate: max.throughput / 2 });
 *   console.log(half.total.p99, half.errors);
 * } finally {
 *   await workload.close();
 * }
 * ```
 */
export class Workload {
  readonly #target: WorkloadTarget;
  readonly #mix: Readonly<Record<Operation, number>>;
  readonly #random: () => number;
  readonly #agent: Agent;
  readonly #hosts: ProofHost[];
  readonly #companies: Company[] = [];
  /** Granted pseudonyms that receive offers and poll their inbox. */
  readonly #offerable: Granted[] = [];
  /** Seeded offerable pseudonyms (with a sealed box): the targets of prepared offers. */
  readonly #sealedTargets: Granted[] = [];
  /** Granted pseudonyms set aside to be revoked. */
  readonly #revocable: Granted[] = [];
  readonly #queues = new Map<Operation, Prepared[]>();
  #grantsAcknowledged = 0;
  #logSize = 0;
  #madeDuringRun = 0;
  #retried = 0;
  #nextHost = 0;

  private constructor(target: WorkloadTarget, options: WorkloadOptions, hosts: ProofHost[]) {
    this.#target = target;
    this.#mix = options.mix ?? defaultMix;
    this.#random = options.random ?? Math.random;
    // An idle connection is closed before the server's keep-alive timeout would (Node's agent
    // takes the server's `Keep-Alive: timeout=` hint less a second once it has a timeout of its
    // own), so a request never races the server's close of an idle socket.
    this.#agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 60_000 });
    this.#hosts = hosts;
  }

  /**
   * Seeds the clearinghouse through its API: `companies` registrations (domain proofs served on
   * loopback) with one open grant request each, then `pseudonyms` grants (three in four become
   * offer and inbox targets with a sealed offer content each, one in four revocable).
   *
   * @throws Error when a seeding request is not answered as expected.
   */
  static async create(target: WorkloadTarget, options: WorkloadOptions = {}): Promise<Workload> {
    await ready();
    const hosts = await Promise.all(Array.from({ length: 8 }, () => proofHost()));
    const workload = new Workload(target, options, hosts);
    try {
      await workload.#seed(options.companies ?? 4, options.pseudonyms ?? 400);
    } catch (error) {
      await workload.close();
      throw error;
    }
    return workload;
  }

  /** The log size last seen. */
  get logSize(): number {
    return this.#logSize;
  }

  /** Stops the proof hosts and closes the connections. */
  async close(): Promise<void> {
    this.#agent.destroy();
    await Promise.all(
      this.#hosts.map((host) => new Promise<void>((resolve) => host.server.close(() => resolve()))),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Seeding

  async #seed(companies: number, pseudonyms: number): Promise<void> {
    for (let i = 0; i < companies; i++) {
      const registration = this.#makeRegistration();
      await this.#expect('registration', registration);
      const key = (registration as Prepared & { key: FastKey }).key;
      const id = `co_${key.kid}`;
      const scope = this.#scope();
      const request = this.#grantRequestOf({ key, id, requestSha256: '', scope });
      await this.#expect('grant-request', request);
      this.#companies.push({ key, id, requestSha256: sha256Of(request.token), scope });
    }
    // #post files each acknowledged grant (three in four offerable, one in four revocable).
    let next = 0;
    const seedOne = async () => {
      while (next < pseudonyms) {
        next++;
        await this.#expect('grant', this.#makeGrant());
      }
    };
    await Promise.all(Array.from({ length: 8 }, seedOne));
    for (const granted of this.#offerable) {
      granted.sealed = this.#sealFor(granted);
      this.#sealedTargets.push(granted);
    }
    // The log readers start from a checkpoint that holds the seeding.
    const deadline = Date.now() + 15_000;
    while (this.#logSize < companies * 2 + pseudonyms && Date.now() < deadline) {
      await this.#send('checkpoint');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * Sends one seeding message and insists on its expected answer. A cluster proxy's 502/503 (a
   * node died or reset the connection under the request) is resent, the same token, up to three
   * times; a resend answered 200 (stored the first time) counts as stored.
   */
  async #expect(operation: Operation, prepared: Prepared): Promise<void> {
    let answer = await this.#post(operation, prepared);
    for (let retry = 0; retry < 3 && (answer.status === 502 || answer.status === 503); retry++) {
      answer = await this.#post(operation, prepared);
      if (answer.status === 200 && expectedStatus[operation] === 201) {
        if (prepared.granted !== undefined) this.#file(prepared.granted);
        return;
      }
    }
    if (answer.status !== expectedStatus[operation]) {
      throw new Error(
        `seeding: ${operation} answered ${answer.status} ${answer.body.slice(0, 300)}`,
      );
    }
  }

  /** Three in four acknowledged grants become offer and inbox targets, one in four revocable. */
  #file(granted: Granted): void {
    if (this.#grantsAcknowledged++ % 4 === 3) this.#revocable.push(granted);
    else this.#offerable.push(granted);
  }

  #scope(): Scope {
    return {
      purpose: 'product_launch',
      channels: ['newsletter'],
      dataCategories: ['preferences_habits'],
      // Always covered: no time windows; the highest weekly cap the schema allows.
      conditions: {
        timeZone: 'Europe/Berlin',
        maxContactsPerWeek: 1000,
        validUntil: nowSeconds() + 365 * 86_400,
      },
      retentionDays: 365,
      onwardRecipients: [],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Tokens

  #checked = new Set<string>();

  /** The schema agrees with what the driver signs, once per kind. */
  #check(kind: Parameters<typeof parseMessage>[0], payload: object): void {
    if (this.#checked.has(kind)) return;
    parseMessage(kind, payload);
    this.#checked.add(kind);
  }

  #claims(iss: string, aud: string) {
    const iat = nowSeconds();
    return { v: 1 as const, iss, aud, iat, exp: iat + 600, jti: randomUUID() };
  }

  #makeRegistration(): Prepared & { key: FastKey } {
    const key = newFastKey();
    const id = `co_${key.kid}`;
    const host = this.#hosts[this.#nextHost++ % this.#hosts.length]!;
    const payload = {
      ...this.#claims(id, this.#target.origin),
      legalName: 'Last GmbH',
      registerId: 'HRB 12, Amtsgericht München',
      domain: host.domain,
      contact: { email: 'datenschutz@last.example' },
      keys: [{ kty: 'OKP', crv: 'Ed25519', x: key.x }],
      purposes: ['product_launch'],
    };
    this.#check('company', payload);
    return {
      token: fastSign('company', payload, key),
      made: payload.iat,
      proof: { host, kid: key.kid },
      key,
    };
  }

  #grantRequestOf(company: Company): Prepared {
    const payload = {
      ...this.#claims(company.id, this.#target.origin),
      scopes: [company.scope],
      reason: { de: 'Neuigkeiten zu unseren Produkten.', en: 'News about our products.' },
    };
    this.#check('grant-request', payload);
    return { token: fastSign('grant-request', payload, company.key), made: payload.iat };
  }

  #makeGrantRequest(): Prepared {
    return this.#grantRequestOf(this.#pick(this.#companies));
  }

  #makeGrant(): Prepared {
    const company = this.#pick(this.#companies);
    const key = newFastKey();
    const pseudonym = `ps_${key.kid}`;
    const claims = this.#claims(pseudonym, company.id);
    const payload = {
      ...claims,
      requestSha256: company.requestSha256,
      scopes: [company.scope],
      preferredChannel: 'newsletter',
      until: claims.iat + 300 * 86_400,
      pseudonymKey: { kty: 'OKP', crv: 'Ed25519', x: key.x },
    };
    this.#check('grant', payload);
    const token = fastSign('grant', payload, key);
    return {
      token,
      made: claims.iat,
      granted: { pseudonym, key, grantSha256: sha256Of(token), company, cursor: '0' },
    };
  }

  /** The sealed inner offer (signed by the company) for one pseudonym. */
  #sealFor(target: Granted): string {
    const iat = nowSeconds();
    const validUntil = iat + 30 * 86_400;
    const inner = fastSign(
      'offer-content',
      {
        v: 1,
        iss: target.company.id,
        aud: target.pseudonym,
        iat,
        exp: validUntil,
        jti: randomUUID(),
        grantSha256: target.grantSha256,
        purpose: 'product_launch',
        channel: 'newsletter',
        validUntil,
        brand: 'Last Running',
        category: 'sports/running',
        title: 'Der neue Trailschuh ist da',
        body: 'Leicht, griffig und wasserabweisend. Jetzt mit 10 % Rabatt.',
        link: 'https://last.example/trail',
        advertisement: true,
        unsubscribe: 'https://last.example/abmelden',
      },
      target.company.key,
    );
    return Buffer.from(
      sealTo(new Uint8Array(Buffer.from(target.key.x, 'base64url')), inner),
    ).toString('base64url');
  }

  #makeOffer(): Prepared {
    const target = this.#pick(this.#sealedTargets);
    const iat = nowSeconds();
    // Valid for a week: the inbox keeps it that long unless the Assistant takes it.
    const validUntil = iat + 7 * 86_400;
    const payload = {
      v: 1,
      iss: target.company.id,
      aud: target.pseudonym,
      iat,
      exp: validUntil,
      jti: randomUUID(),
      grantSha256: target.grantSha256,
      purpose: 'product_launch',
      channel: 'newsletter',
      validUntil,
      sealed: target.sealed!,
    };
    this.#check('offer', payload);
    return { token: fastSign('offer', payload, target.company.key), made: iat };
  }

  #makeRevocation(granted: Granted): Prepared {
    const payload = {
      ...this.#claims(granted.pseudonym, granted.company.id),
      grants: [{ grantSha256: granted.grantSha256 }],
    };
    this.#check('revocation', payload);
    return { token: fastSign('revocation', payload, granted.key), made: payload.iat };
  }

  #make(operation: Operation): Prepared {
    switch (operation) {
      case 'registration':
        return this.#makeRegistration();
      case 'grant-request':
        return this.#makeGrantRequest();
      case 'grant':
        return this.#makeGrant();
      case 'offer':
        return this.#makeOffer();
      default:
        throw new Error(`${operation} is not prepared`);
    }
  }

  /** Fills the queues for `count` operations of the mix (10 % over, at least 20 of each). */
  #prepare(count: number): void {
    const total = operations.reduce((sum, op) => sum + this.#mix[op], 0);
    const oldest = nowSeconds() - maxTokenAgeSeconds / 2;
    for (const operation of ['registration', 'grant-request', 'grant', 'offer'] as const) {
      const share = this.#mix[operation] / total;
      if (share === 0) continue;
      const queue = (this.#queues.get(operation) ?? []).filter((p) => p.made >= oldest);
      const wanted = Math.max(20, Math.ceil(count * share * 1.1));
      while (queue.length < wanted) queue.push(this.#make(operation));
      this.#queues.set(operation, queue);
    }
  }

  /** The next prepared token of `operation`, made now if none is left (or it became too old). */
  #take(operation: Operation): Prepared {
    const queue = this.#queues.get(operation);
    const oldest = nowSeconds() - maxTokenAgeSeconds;
    while (queue !== undefined && queue.length > 0) {
      const prepared = queue.pop()!;
      if (prepared.made >= oldest) return prepared;
    }
    this.#madeDuringRun++;
    return this.#make(operation);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)]!;
  }

  #choose(): Operation {
    const total = operations.reduce((sum, op) => sum + this.#mix[op], 0);
    let roll = this.#random() * total;
    for (const operation of operations) {
      roll -= this.#mix[operation];
      if (roll < 0) return operation;
    }
    return 'grant';
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  /**
   * One HTTP request. A reused keep-alive connection that the server closed just as it was reused
   * (`ECONNRESET` before any answer: the request never reached a handler) is retried once on a
   * new connection, as Node's documentation advises for idempotent requests; a signed message
   * that did arrive would come back 200 instead of 201 and count as an error.
   */
  async #request(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    try {
      return await this.#attempt(method, path, headers, body);
    } catch (error) {
      if (!(error instanceof ReusedSocketReset)) throw error;
      this.#retried++;
      return this.#attempt(method, path, headers, body);
    }
  }

  #attempt(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        this.#target.url + path,
        {
          method,
          agent: this.#agent,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: requestTimeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: Error & { code?: string }) =>
        reject(
          request.reusedSocket && error.code === 'ECONNRESET' ? new ReusedSocketReset() : error,
        ),
      );
      request.end(body);
    });
  }

  async #post(operation: Operation, prepared: Prepared): Promise<{ status: number; body: string }> {
    const paths: Partial<Record<Operation, string>> = {
      registration: '/api/v1/companies',
      'grant-request': '/api/v1/grant-requests',
      grant: '/api/v1/grants',
      revocation: '/api/v1/revocations',
      offer: '/api/v1/offers',
    };
    // A registration's proof host lists its key while the clearinghouse may fetch the proof.
    prepared.proof?.host.kids.add(prepared.proof.kid);
    try {
      const answer = await this.#request(
        'POST',
        paths[operation]!,
        { 'content-type': 'application/jose' },
        prepared.token,
      );
      if (
        answer.status === 201 &&
        operation === 'registration' &&
        !answer.body.includes('"active"')
      ) {
        // Registered but the domain proof failed: not what a real company would see.
        return { status: 0, body: `registered without its domain proof: ${answer.body}` };
      }
      if (answer.status === 201 && prepared.granted !== undefined) this.#file(prepared.granted);
      return answer;
    } finally {
      prepared.proof?.host.kids.delete(prepared.proof.kid);
    }
  }

  /** Sends one operation; resolves with the answer (status 0 and a message for a local refusal). */
  async #send(operation: Operation): Promise<{ status: number; body: string }> {
    switch (operation) {
      case 'registration':
      case 'grant-request':
      case 'grant':
      case 'offer':
        return this.#post(operation, this.#take(operation));
      case 'revocation': {
        const granted = this.#revocable.shift();
        if (granted === undefined) return this.#post('grant', this.#take('grant'));
        return this.#post('revocation', this.#makeRevocation(granted));
      }
      case 'inbox': {
        const target = this.#pick(this.#offerable);
        const path = `/api/v1/pseudonyms/${target.pseudonym}/inbox?after=${target.cursor}`;
        const claims = this.#claims(target.pseudonym, this.#target.origin);
        const payload = { ...claims, exp: claims.iat + 60, method: 'GET', path };
        this.#check('request', payload);
        const answer = await this.#request('GET', path, {
          authorization: `Signature ${fastSign('request', payload, target.key)}`,
        });
        if (answer.status === 200) {
          const next = /"next":"(\d+)"/.exec(answer.body)?.[1];
          if (next !== undefined && Number(next) > Number(target.cursor)) target.cursor = next;
        }
        return answer;
      }
      case 'checkpoint': {
        const answer = await this.#request('GET', '/log/checkpoint', {});
        if (answer.status === 200) {
          const size = Number(answer.body.split('\n')[1]);
          if (Number.isSafeInteger(size) && size > this.#logSize) this.#logSize = size;
        }
        return answer;
      }
      case 'tile': {
        const size = this.#logSize;
        if (size === 0) return this.#send('checkpoint');
        const index = Math.floor(this.#random() * Math.ceil(size / 256));
        const width = Math.min(256, size - index * 256);
        const kind = this.#random() < 0.5 ? '0' : 'entries';
        const path = `/log/tile/${kind}/${tileIndexPath(index)}${width < 256 ? `.p/${width}` : ''}`;
        return this.#request('GET', path, {});
      }
      case 'proof': {
        const size = this.#logSize;
        if (size === 0) return this.#send('checkpoint');
        const index = Math.floor(this.#random() * size);
        return this.#request('GET', `/api/v1/log/proof/inclusion?index=${index}&size=${size}`, {});
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Running

  /**
   * Runs the mix for `seconds`, at `rate` operations per second or as fast as the server answers.
   * Resolves once every request sent has been answered (or failed).
   */
  async run(options: RunOptions): Promise<RunResult> {
    const connections = options.connections ?? 32;
    const rate = options.rate;
    if (rate !== undefined && !(rate > 0)) throw new Error('rate must be positive');
    this.#prepare(Math.ceil((rate ?? options.expectedRate ?? 400) * options.seconds));
    this.#madeDuringRun = 0;
    this.#retried = 0;
    const samples = new Map<Operation, number[]>(operations.map((op) => [op, []]));
    const errors = new Map<Operation, number>(operations.map((op) => [op, 0]));
    const errorSamples: string[] = [];
    const noteError = (operation: Operation, what: string) => {
      errors.set(operation, errors.get(operation)! + 1);
      const sample = `${operation}: ${what.replace(/\s+/g, ' ').slice(0, 240)}`;
      if (
        errorSamples.length < 10 &&
        !errorSamples.some((s) => s.slice(0, 60) === sample.slice(0, 60))
      ) {
        errorSamples.push(sample);
      }
    };
    const seconds = await runPaced(
      { seconds: options.seconds, connections, ...(rate === undefined ? {} : { rate }) },
      async (_ticket, due) => {
        const operation = this.#choose();
        try {
          const answer = await this.#send(operation);
          if (answer.status === expectedStatus[operation]) {
            samples.get(operation)!.push(performance.now() - due);
          } else {
            noteError(operation, `${answer.status} ${answer.body}`);
          }
        } catch (error) {
          noteError(operation, error instanceof Error ? `${error.message}` : String(error));
        }
      },
    );
    const byOperation = operations.map((op) =>
      figures(op, samples.get(op)!, errors.get(op)!, seconds),
    );
    const all = operations.flatMap((op) => samples.get(op)!);
    const errorCount = [...errors.values()].reduce((sum, n) => sum + n, 0);
    const total = figures('total', all, errorCount, seconds);
    return {
      seconds,
      throughput: total.rate,
      errors: errorCount,
      errorSamples,
      byOperation,
      total,
      madeDuringRun: this.#madeDuringRun,
      retried: this.#retried,
      logSize: this.#logSize,
    };
  }
}

/**
 * The figures of a run as a Markdown table (one row per operation and the total).
 *
 * @example
 * ```ts
 * console.log(formatRun(await workload.run({ seconds: 10 })));
 * ```
 */
export function formatRun(result: RunResult): string {
  const number = (value: number, digits = 1) =>
    value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const row = (f: OperationFigures) =>
    `| ${f.operation.padEnd(13)} | ${number(f.rate).padStart(8)} | ${number(f.p50).padStart(7)} | ${number(
      f.p99,
    ).padStart(
      7,
    )} | ${number(f.p999).padStart(8)} | ${number(f.max).padStart(8)} | ${String(f.errors).padStart(6)} |`;
  const notes = [
    result.retried > 0 ? `resent after a keep-alive reset: ${result.retried}` : '',
    result.madeDuringRun > 0 ? `tokens made while sending: ${result.madeDuringRun}` : '',
  ].filter((note) => note !== '');
  return [
    '| operation     |    ops/s |  p50 ms |  p99 ms | p99.9 ms |   max ms | errors |',
    '| ------------- | -------: | ------: | ------: | -------: | -------: | -----: |',
    ...result.byOperation.map(row),
    row(result.total),
    ...(notes.length > 0 ? ['', `(${notes.join('; ')})`] : []),
  ].join('\n');
}
