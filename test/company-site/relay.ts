/**
 * The reference company site's side of the sealed relay (issue 5, docs/company-integration.md
 * "Offers, rewards and corrections"):
 *
 * - its **customer store**: one record per pseudonym that granted, with the grant and the
 *   pseudonym's public key (learnt from the `pseudonymKey` of the grant or refusal in the feed),
 *   kept in `customers.json` beside the site's key;
 * - **offers and rewards**: sealed to the pseudonym's pairwise key (the X25519 form, `protocol/seal`),
 *   the offer's content signed inside the box and the routing fields outside (SPECS "JWS"); sent
 *   on request through `POST /demo/offer` and `POST /demo/reward` (JSON `{"pseudonym": "ps_…"}`),
 *   which the demo page and the tests use;
 * - **corrections**: on a `correction` feed event the site fetches its corrections, verifies each
 *   against the pseudonym's key, opens the sealed value with its own key, applies it to the
 *   customer store and acknowledges it (only then, so a crash re-reads it).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  ApiProblem,
  uuidV4,
  type ClearinghouseClient,
  type FeedEvent,
  type RelayReceipt,
} from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { importPublicJwk, type Ed25519KeyPair, type Ed25519PublicJwk } from '../../protocol/keys';
import { correctionContent, type Payload } from '../../protocol/messages';
import { openSealed, sealSigned, sealTo } from '../../protocol/seal';
import { openMessage, signMessage } from '../../protocol/signed';

/** What the site holds about one customer (a pseudonym). */
export interface Customer {
  pseudonym: string;
  /** The pseudonym's public key (JWK `x`), to seal to it and to verify its corrections. */
  x: string;
  /** The newest grant of this pseudonym the site saw. */
  grantSha256: string;
  /** Data the site holds, by data category (corrections overwrite it). */
  data: Record<string, string>;
}

export interface SiteRelayOptions {
  client: ClearinghouseClient;
  companyId: string;
  keyPair: Ed25519KeyPair;
  dataDir: string;
  now: () => number;
  log: (line: string) => void;
}

/** The site's relay side, hooked into site.ts. */
export interface SiteRelay {
  /** The customer store, by pseudonym. */
  readonly customers: ReadonlyMap<string, Customer>;
  /** Corrections applied, by id, in order. */
  readonly applied: string[];
  /** Called for every feed event, before the cursor moves past it. */
  onFeedEvent(event: FeedEvent): Promise<void>;
  /** Answers `POST /demo/offer` and `POST /demo/reward`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Sends an offer to a granted pseudonym. */
  sendOffer(pseudonym: string, title?: string): Promise<RelayReceipt>;
  /** Sends a reward (100 points) to a granted pseudonym. */
  sendReward(pseudonym: string): Promise<RelayReceipt>;
  /** Fetches, applies and acknowledges the waiting corrections; returns how many were applied. */
  pollCorrections(): Promise<number>;
}

const maxDemoBody = 4096;
const day = 86_400;

/**
 * Creates the site's relay side.
 *
 * @example
 * ```ts
 * const relay = createSiteRelay({ client, companyId, keyPair, dataDir, now: Date.now, log });
 * await relay.sendOffer('ps_…', 'Neue Laufschuhe');
 * ```
 */
export function createSiteRelay(options: SiteRelayOptions): SiteRelay {
  const { client, companyId, keyPair, dataDir, now, log } = options;
  const storePath = join(dataDir, 'customers.json');
  const customers = readCustomers(storePath);
  /** Keys of pseudonyms seen in the feed (a refusal may carry it before a later grant). */
  const keys = new Map<string, string>([...customers.values()].map((c) => [c.pseudonym, c.x]));
  const applied: string[] = [];
  const signer = { id: companyId, keyPair };

  function save(): void {
    writeCustomers(storePath, customers);
  }

  function claims(aud: string) {
    const iat = Math.floor(now() / 1000);
    return {
      v: 1 as const,
      iss: companyId,
      aud,
      iat,
      exp: iat + 300,
      jti: uuidV4((n) => new Uint8Array(randomBytes(n))),
    };
  }

  function customerOf(pseudonym: string): Customer {
    const customer = customers.get(pseudonym);
    if (customer === undefined) throw new Error(`no customer ${pseudonym} granted`);
    return customer;
  }

  function publicKeyOf(customer: Customer): Uint8Array {
    return base64urlDecode(customer.x);
  }

  async function sendOffer(pseudonym: string, title = 'Neue Laufschuhe'): Promise<RelayReceipt> {
    const customer = customerOf(pseudonym);
    const validUntil = Math.floor(now() / 1000) + 7 * day;
    const routing = {
      grantSha256: customer.grantSha256,
      purpose: 'product_launch' as const,
      channel: 'newsletter' as const,
      validUntil,
    };
    const { sealed } = await sealSigned(publicKeyOf(customer), {
      kind: 'offer-content',
      keyPair,
      payload: {
        ...claims(pseudonym),
        ...routing,
        brand: 'Laufhaus',
        category: 'sports/running',
        title,
        body: 'Die neuen Modelle sind da.',
        advertisement: true,
        unsubscribe: 'https://laufhaus.example/abmelden',
      },
    });
    const token = await signMessage(
      'offer',
      { ...claims(pseudonym), ...routing, sealed: base64urlEncode(sealed) },
      keyPair,
    );
    const receipt = await client.sendOffer(token);
    log(`offer ${receipt.id} queued for ${pseudonym}`);
    return receipt;
  }

  async function sendReward(pseudonym: string): Promise<RelayReceipt> {
    const customer = customerOf(pseudonym);
    const content = {
      type: 'bonus_points',
      amount: 100,
      description: { de: '100 Treuepunkte', en: '100 loyalty points' },
    };
    const token = await signMessage(
      'reward',
      {
        ...claims(pseudonym),
        grantSha256: customer.grantSha256,
        sealed: base64urlEncode(sealTo(publicKeyOf(customer), JSON.stringify(content))),
      } as Payload<'reward'>,
      keyPair,
    );
    const receipt = await client.sendReward(token);
    log(`reward ${receipt.id} queued for ${pseudonym}`);
    return receipt;
  }

  let polling: Promise<number> | undefined;
  function pollCorrections(): Promise<number> {
    // One reader at a time: a correction is applied and acknowledged once.
    polling ??= readCorrections().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  async function readCorrections(): Promise<number> {
    let count = 0;
    let after = '0';
    for (;;) {
      const page = await client.listCorrections(signer, after, 100);
      for (const item of page.corrections) {
        if (await apply(item.id, item.pseudonym, item.jws)) count++;
        await client.ackCorrection(signer, item.id);
      }
      if (page.corrections.length < 100) return count;
      after = page.next;
    }
  }

  /** Applies one correction; false when it cannot be (unknown customer, bad seal): then dropped. */
  async function apply(id: string, pseudonym: string, jws: string): Promise<boolean> {
    const customer = customers.get(pseudonym);
    if (customer === undefined) {
      log(`correction ${id} from unknown customer ${pseudonym} dropped`);
      return false;
    }
    try {
      const key = importPublicJwk({ kty: 'OKP', crv: 'Ed25519', x: customer.x });
      // As of its iat: the clearinghouse verified it on arrival; we may read it much later.
      const opened = await openMessage('correction', jws, {
        resolveKey: (kid) => (kid === key.kid ? key : undefined),
        audience: companyId,
        now: Math.floor(now() / 1000),
        asOf: 'iat',
      });
      const content = v.parse(
        correctionContent,
        JSON.parse(utf8Decode(openSealed(base64urlDecode(opened.payload.sealed), keyPair))),
      );
      if (content.dataCategory !== opened.payload.dataCategory)
        throw new Error('category mismatch');
      customer.data[content.dataCategory] = content.value;
      save();
      applied.push(id);
      log(`correction ${id} applied: ${content.dataCategory} of ${pseudonym}`);
      return true;
    } catch (error) {
      log(`correction ${id} dropped: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  async function onFeedEvent(event: FeedEvent): Promise<void> {
    if (event.kind === 'grant' || event.kind === 'refusal') {
      const carried = pseudonymKeyOf(event.jws);
      if (carried !== undefined) keys.set(event.pseudonym, carried);
    }
    if (event.kind === 'grant') {
      const x = keys.get(event.pseudonym);
      if (x === undefined) {
        log(`grant ${event.sha256}: key of ${event.pseudonym} unknown, not a customer yet`);
        return;
      }
      const existing = customers.get(event.pseudonym);
      customers.set(event.pseudonym, {
        pseudonym: event.pseudonym,
        x,
        grantSha256: event.sha256,
        data: existing?.data ?? {},
      });
      save();
    }
    if (event.kind === 'correction') await pollCorrections();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const kind =
      url.pathname === '/demo/offer' ? 'offer' : url.pathname === '/demo/reward' ? 'reward' : null;
    if (req.method !== 'POST' || kind === null) return false;
    const body = await readJson(req);
    const pseudonym =
      typeof body === 'object' && body !== null && 'pseudonym' in body
        ? (body as { pseudonym: unknown }).pseudonym
        : undefined;
    if (typeof pseudonym !== 'string' || !customers.has(pseudonym)) {
      reply(res, 404, { error: 'no such customer' });
      return true;
    }
    try {
      const receipt = kind === 'offer' ? await sendOffer(pseudonym) : await sendReward(pseudonym);
      reply(res, 201, receipt);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      // The relay's refusal, passed on as it came (e.g. the contact cap).
      reply(res, error.status, { error: error.code });
    }
    return true;
  }

  return {
    customers,
    applied,
    onFeedEvent,
    handle,
    sendOffer,
    sendReward,
    pollCorrections,
  };
}

/** The `pseudonymKey.x` a grant or refusal carries, if any (the clearinghouse verified it). */
function pseudonymKeyOf(jws: string): string | undefined {
  try {
    const payload = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? ''))) as {
      pseudonymKey?: Ed25519PublicJwk;
    };
    const x = payload.pseudonymKey?.x;
    return typeof x === 'string' && /^[A-Za-z0-9_-]{43}$/.test(x) ? x : undefined;
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxDemoBody) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function readCustomers(path: string): Map<string, Customer> {
  try {
    const list = JSON.parse(readFileSync(path, 'utf8')) as Customer[];
    return new Map(list.map((c) => [c.pseudonym, c]));
  } catch {
    return new Map();
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a store. */
function writeCustomers(path: string, customers: ReadonlyMap<string, Customer>): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify([...customers.values()], null, 2)}\n`, {
    mode: 0o600,
  });
  renameSync(temporary, path);
}
