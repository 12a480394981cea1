/**
 * The domain proof of a company (issue 4, SPECS "company origin", docs/api.md): the clearinghouse
 * fetches `<domain>/.well-known/consent-clearinghouse.json` and expects it to name the key that
 * signed the registration. The fetch is the clearinghouse reaching out to an address a stranger
 * chose, so it is fenced in: https only (plain http only to loopback while the clearinghouse itself
 * runs on loopback), every resolved address must be public, the connection goes to exactly the
 * address that was checked (no DNS rebinding between check and connect), a timeout, a size limit,
 * no cookies, and redirects only within the same origin.
 */
import { lookup as dnsLookup, Resolver as DnsResolver } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ProtocolError } from '$protocol/errors';

/** Where the proof lives under the company's origin. */
export const domainProofPath = '/.well-known/consent-clearinghouse.json';

/** Which addresses a fetch may connect to. */
export type AddressPolicy = 'public' | 'loopback';

/** One HTTP answer, as far as the proof needs it. */
export interface ProofResponse {
  status: number;
  /** The `location` header of a redirect. */
  location?: string;
  body: Uint8Array;
}

/**
 * Fetches one URL without following redirects. Contract: it connects only to addresses allowed
 * by `policy` (throwing `ERR_ORIGIN_NOT_ALLOWED` otherwise), gives up after its timeout, and
 * refuses bodies over its size limit (`ERR_DOMAIN_PROOF_FAILED`). Injected, so tests can use a
 * local server, and production uses {@link createProofFetcher}.
 */
export type ProofFetcher = (url: URL, policy: AddressPolicy) => Promise<ProofResponse>;

/** A resolver: every address of a host name (injectable for tests). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export interface ProofFetcherOptions {
  /** Whole request, connect to last byte. Default 5 s. */
  timeoutMs?: number;
  /** Largest body read. Default 8 KiB. */
  maxBytes?: number;
  /** Default: {@link systemResolver}. */
  resolve?: Resolver;
}

const denied = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  denied.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // ::/96 holds the unspecified and loopback addresses and the deprecated IPv4-compatible ones
  // (::a.b.c.d, e.g. ::7f00:1); ::ffff:0:0:0/96 the IPv4-translated ones (RFC 2765). Neither is
  // a public destination, and both embed arbitrary IPv4 (issue 12).
  ['::', 96],
  ['::ffff:0:0:0', 96],
  // No rule for IPv4-mapped ::ffff:0:0/96: BlockList applies it to every IPv4 address too; mapped
  // addresses are judged by the IPv4 address inside (isPublicAddress).
  ['64:ff9b::', 96], // NAT64 can reach any IPv4 address, private ones included
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4 embeds arbitrary IPv4
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  denied.addSubnet(net, prefix, 'ipv6');
}

/**
 * True when `address` is a public unicast address: not loopback, private, link-local, CGNAT,
 * multicast, reserved or documentation space; an IPv4-mapped IPv6 address is judged by its IPv4.
 *
 * @example
 * ```ts
 * isPublicAddress('93.184.216.34'); // true
 * isPublicAddress('::ffff:10.0.0.1'); // false
 * ```
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !denied.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped !== null) return isPublicAddress(mapped[1]!);
  return !denied.check(address, 'ipv6');
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('127.');
  return family === 6 && (address === '::1' || /^::ffff:127\./i.test(address));
}

/** True when the clearinghouse's own origin is on loopback (the demo and the tests). */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const { hostname } = new URL(origin);
    // By address: a public name such as `127.shop.example` must not switch on the local mode.
    return hostname === 'localhost' || hostname === '[::1]' || isLoopbackAddress(hostname);
  } catch {
    return false;
  }
}

/**
 * Which addresses a company's origin may be fetched at, given the clearinghouse's own origin
 * (SPECS "company origin"): `https` anywhere public; `http://localhost:<port>` and
 * `http://127.0.0.1:<port>` only while the clearinghouse runs on loopback, and then only there.
 *
 * @throws ProtocolError `ERR_ORIGIN_NOT_ALLOWED`.
 * @example
 * ```ts
 * originPolicy('https://sport.example', 'https://clearinghouse.example'); // 'public'
 * originPolicy('http://localhost:4000', 'http://localhost:3000'); // 'loopback'
 * ```
 */
export function originPolicy(domain: string, clearinghouseOrigin: string): AddressPolicy {
  let url: URL;
  try {
    url = new URL(domain);
  } catch {
    throw notAllowed('not a URL');
  }
  if (url.protocol === 'https:') return 'public';
  if (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '127.0.0.1') &&
    isLoopbackOrigin(clearinghouseOrigin)
  ) {
    return 'loopback';
  }
  throw notAllowed('https is required');
}

function notAllowed(reason: string): ProtocolError {
  return new ProtocolError('ERR_ORIGIN_NOT_ALLOWED', 'The domain is not an acceptable origin.', {
    reason,
  });
}

function proofFailed(reason: string): ProtocolError {
  return new ProtocolError('ERR_DOMAIN_PROOF_FAILED', 'The domain proof failed.', { reason });
}

/**
 * A resolver that asks DNS itself (c-ares, the servers of `/etc/resolv.conf` unless `servers` are
 * given): every IPv4 then every IPv6 address of a host, CNAMEs followed. Not `dns.lookup`: that
 * runs the system's `getaddrinfo` on one of libuv's four threads until it gives up, however long a
 * name server a stranger chose takes, and those threads also verify every signature and write
 * every file; a handful of slow names (a webhook or a registration naming them) would stall the
 * whole API. A query here holds no thread, and gives up after `tries` tries, the first given
 * `timeoutMs` (c-ares lets later ones wait longer). `localhost` is answered by the system (the
 * hosts file, no query), since DNS does not know it.
 *
 * @example
 * ```ts
 * const resolve = createSystemResolver({ timeoutMs: 1500, tries: 2 });
 * await resolve('shop.example'); // [{ address: '203.0.113.7', family: 4 }, ...]
 * ```
 */
export function createSystemResolver(
  options: { servers?: readonly string[]; timeoutMs?: number; tries?: number } = {},
): Resolver {
  const dns = new DnsResolver({ timeout: options.timeoutMs ?? 1500, tries: options.tries ?? 2 });
  if (options.servers !== undefined) dns.setServers([...options.servers]);
  return async (host) => {
    if (host.toLowerCase() === 'localhost') return dnsLookup(host, { all: true, verbatim: true });
    const [v4, v6] = await Promise.allSettled([dns.resolve4(host), dns.resolve6(host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length > 0) return addresses;
    throw v4.status === 'rejected' ? v4.reason : new Error(`${host} has no address`);
  };
}

/** The production resolver: {@link createSystemResolver} with its defaults. */
export const systemResolver: Resolver = createSystemResolver();

/**
 * Resolves `url`'s host once, checks every address against `policy`, and returns a `lookup` for
 * node:http(s) that hands the socket only those addresses, so DNS cannot be rebound between the
 * check and the connection (no server-side request forgery). Shared by the domain proof and the
 * webhook sender.
 */
export async function pinnedLookup(
  url: URL,
  policy: AddressPolicy,
  resolve: Resolver,
  errors: { dns: () => ProtocolError; notAllowed: () => ProtocolError },
): Promise<LookupFunction> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw errors.dns();
    }
  }
  const allowed = policy === 'loopback' ? isLoopbackAddress : isPublicAddress;
  // Every address must pass, not just one: the socket might pick any of them.
  if (addresses.length === 0 || !addresses.every((a) => allowed(a.address))) {
    throw errors.notAllowed();
  }
  return (_hostname, lookupOptions, callback) => {
    const first = addresses[0]!;
    if ((lookupOptions as { all?: boolean }).all === true) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
        null,
        addresses,
      );
    } else callback(null, first.address, first.family);
  };
}

/**
 * The production fetcher: node:http(s) with a `lookup` that hands the socket only the addresses
 * checked against the policy.
 *
 * @example
 * ```ts
 * const fetchProof = createProofFetcher({ timeoutMs: 5000 });
 * const answer = await fetchProof(new URL('https://sport.example/.well-known/consent-clearinghouse.json'), 'public');
 * ```
 */
export function createProofFetcher(options: ProofFetcherOptions = {}): ProofFetcher {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 8 * 1024;
  const resolve = options.resolve ?? systemResolver;

  return async (url, policy) => {
    const pinned = await pinnedLookup(url, policy, resolve, {
      dns: () => proofFailed('dns'),
      notAllowed: () => notAllowed('address-not-public'),
    });

    return new Promise<ProofResponse>((resolvePromise, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'GET',
          lookup: pinned,
          headers: { accept: 'application/json', 'user-agent': 'consent-clearinghouse' },
          agent: false,
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              req.destroy();
              reject(proofFailed('too-large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolvePromise({
              status,
              ...(location === undefined ? {} : { location }),
              body: new Uint8Array(Buffer.concat(chunks)),
            }),
          );
          res.on('error', () => reject(proofFailed('network')));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        reject(proofFailed('timeout'));
      }, timeoutMs);
      req.on('error', () => reject(proofFailed('network')));
      req.on('close', () => clearTimeout(timer));
      req.end();
    });
  };
}

const kidPattern = /^[A-Za-z0-9_-]{43}$/;
const maxRedirects = 2;

/**
 * Proves that `domain` belongs to the company: fetches its proof file (following at most two
 * redirects within the same origin) and checks that it lists `kid`, and names `companyId` when it
 * names a company at all. The file: `{"keys": ["<thumbprint>", ...], "companyId"?: "co_..."}`.
 *
 * @throws ProtocolError `ERR_ORIGIN_NOT_ALLOWED` or `ERR_DOMAIN_PROOF_FAILED` with
 *   `detail.reason` (`status`, `redirect`, `not-json`, `key-not-listed`, `company-mismatch`,
 *   `timeout`, `too-large`, `dns`, `network`, `address-not-public`).
 * @example
 * ```ts
 * await proveDomain(fetchProof, 'https://sport.example', kid, companyId, 'https://ch.example');
 * ```
 */
export async function proveDomain(
  fetchProof: ProofFetcher,
  domain: string,
  kid: string,
  companyId: string,
  clearinghouseOrigin: string,
): Promise<void> {
  const policy = originPolicy(domain, clearinghouseOrigin);
  const origin = new URL(domain).origin;
  let url = new URL(domainProofPath, origin);
  let response: ProofResponse | undefined;
  for (let hop = 0; ; hop++) {
    response = await fetchProof(url, policy);
    if (response.status < 300 || response.status >= 400) break;
    if (hop >= maxRedirects || response.location === undefined) throw proofFailed('redirect');
    let next: URL;
    try {
      next = new URL(response.location, url);
    } catch {
      throw proofFailed('redirect');
    }
    // A redirect elsewhere would let the company's origin send us to any address.
    if (next.origin !== origin) throw proofFailed('redirect');
    url = next;
  }
  if (response.status !== 200) throw proofFailed('status');
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
  } catch {
    throw proofFailed('not-json');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw proofFailed('not-json');
  }
  const { keys, companyId: named } = document as { keys?: unknown; companyId?: unknown };
  // Which company the file is for decides first: a file of another company (its keys in whatever
  // form) is that, not "not the expected JSON", which sent the company looking for a typo.
  if (named !== undefined && named !== companyId) throw proofFailed('company-mismatch');
  if (
    !Array.isArray(keys) ||
    keys.length > 16 ||
    !keys.every((key) => typeof key === 'string' && kidPattern.test(key))
  ) {
    throw proofFailed('not-json');
  }
  if (!keys.includes(kid)) throw proofFailed('key-not-listed');
}
