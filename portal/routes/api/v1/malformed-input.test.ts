/**
 * Malformed input against every API endpoint (issue 12, "Malformed input"), on SQLite and
 * PostgreSQL, from the HTTP layer down: property-based (fast-check), 200 cases per endpoint, 10,000
 * with `TEST_FULL=1`. Each case starts from the endpoint's valid call (api-test-calls.ts) and
 * either replaces it with garbage or mutates it: bytes of a signed message flipped, its parts cut
 * or shuffled, header or payload fields deleted, retyped or added and then signed again with the
 * right key (so the server's parsing after the signature is reached too), request signatures for
 * mutated paths and query strings, random headers and content types.
 *
 * For every case: no 5xx and no thrown error; every answer of 400 or more is a problem+json
 * document whose `status` is the HTTP status; and a refused request writes nothing (a digest of
 * every table is compared before and after). Two tables may change on a refusal by design: the
 * `jti` of a verified request signature is remembered whatever the route then decides
 * (`seen_jtis`), and rate-limit counters (`rate_limits`, off here). A refused offer whose company
 * signature verified is recorded as evidence as a whole (relay.ts): that is checked as one
 * complete write instead.
 */
import { sql } from 'kysely';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from '$protocol/encoding';
import type { Ed25519KeyPair } from '$protocol/keys';
import { signDetached } from '$protocol/sodium';
import { openApiHarness, requestSignature, type ApiHarness } from '$lib/server/api-test-kit';
import {
  identityOf,
  legitRole,
  recipes,
  subjectFor,
  suspensionToken,
  type CellContext,
} from '$lib/server/api-test-calls';
import {
  buildWorld,
  callRoute,
  databaseDigest,
  isolateInstance,
  tableNames,
  type ApiCall,
  type Identity,
  type World,
} from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import { apiRoutes, type RouteDoc } from '$lib/server/openapi';
import { problemTypeBase } from '$lib/server/problem';

const numRuns = process.env.TEST_FULL === '1' ? 10_000 : 200;

/** Tables a refused request may change by design (see the file comment). */
const mayChangeOnRefusal = new Set(['seen_jtis', 'rate_limits']);

const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A compact JWS over any header and payload, signed by `by` (nothing is checked). */
function forge(header: unknown, payload: unknown, by: Ed25519KeyPair): string {
  const h = base64urlEncode(utf8Encode(JSON.stringify(header)));
  const p = base64urlEncode(utf8Encode(JSON.stringify(payload)));
  return `${h}.${p}.${base64urlEncode(signDetached(utf8Encode(`${h}.${p}`), by.privateKey))}`;
}

/** The decoded header and payload of a compact JWS we made. */
function decode(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [h, p] = token.split('.') as [string, string];
  return {
    header: JSON.parse(utf8Decode(base64urlDecode(h))) as Record<string, unknown>,
    payload: JSON.parse(utf8Decode(base64urlDecode(p))) as Record<string, unknown>,
  };
}

// ----- arbitraries -----------------------------------------------------------------------------

/** Printable ASCII (what a header value may carry in a Request). */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 200,
});
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', ' ', '.', '..', '...', 'null', '{}', '[]', '%', '%00', '\u0000', 'é', '𝔘'),
  fc.constantFrom(9_000, 70_000).map((n) => 'A'.repeat(n)),
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/jose') },
  fc.constantFrom(
    'application/json',
    'APPLICATION/JOSE',
    'application/jose; charset=utf-8',
    'application/jose, application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
    '',
  ),
  headerValue,
);

/** Any JSON value, with edge numbers and deep nesting now and then. */
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', 'x'.repeat(5000), [], {}, true),
  fc.constant(JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown),
);

/** One way of spoiling a signed message. */
type TokenMutation =
  | { type: 'garbage'; body: string | Uint8Array }
  | { type: 'flip'; at: number[]; chars: string[] }
  | { type: 'cut'; end: number }
  | { type: 'parts'; order: number[] }
  | { type: 'payload'; key: string | undefined; value: unknown; remove: boolean }
  | { type: 'header'; key: string | undefined; value: unknown; remove: boolean }
  | { type: 'signature'; at: number; bit: number };

const fieldEdit = fc.record({
  key: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  pick: fc.nat(),
  value: jsonValue,
  remove: fc.boolean(),
});

const tokenMutation: fc.Arbitrary<TokenMutation> = fc.oneof(
  fc.record({
    type: fc.constant('garbage' as const),
    body: fc.oneof(anyText, fc.uint8Array({ maxLength: 2048 }), fc.json()),
  }),
  fc.record({
    type: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    chars: fc.array(
      fc.oneof(
        fc.constantFrom(...base64urlAlphabet.split(''), '.', '=', '+', '/', ' '),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
      { minLength: 3, maxLength: 3 },
    ),
  }),
  fc.record({ type: fc.constant('cut' as const), end: fc.nat() }),
  fc.record({
    type: fc.constant('parts' as const),
    order: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 5 }),
  }),
  fieldEdit.map((e) => ({ type: 'payload' as const, ...e, key: e.key })),
  fieldEdit.map((e) => ({ type: 'header' as const, ...e, key: e.key })),
  fc.record({
    type: fc.constant('signature' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
);

/** Applies `edit` to `record`: an existing key (by `pick`) or a new one, removed or set. */
function editRecord(
  record: Record<string, unknown>,
  edit: { key: string | undefined; pick?: number; value: unknown; remove: boolean },
): Record<string, unknown> {
  const keys = Object.keys(record);
  const key = edit.key ?? keys[(edit.pick ?? 0) % Math.max(1, keys.length)] ?? 'x';
  const copy = { ...record };
  if (edit.remove) delete copy[key];
  else copy[key] = edit.value;
  return copy;
}

/** The token after `mutation`; `signer` signs again where the mutation keeps a valid signature. */
function mutateToken(
  token: string,
  mutation: TokenMutation,
  signer: Ed25519KeyPair,
): string | Uint8Array {
  switch (mutation.type) {
    case 'garbage':
      return mutation.body;
    case 'flip': {
      const chars = token.split('');
      mutation.at.forEach((at, i) => {
        chars[at % chars.length] = mutation.chars[i]!;
      });
      return chars.join('');
    }
    case 'cut':
      return token.slice(0, mutation.end % (token.length + 1));
    case 'parts': {
      const parts = token.split('.');
      return mutation.order.map((i) => parts[i]).join('.');
    }
    case 'payload': {
      const { header, payload } = decode(token);
      return forge(header, editRecord(payload, mutation as never), signer);
    }
    case 'header': {
      const { header, payload } = decode(token);
      return forge(editRecord(header, mutation as never), payload, signer);
    }
    case 'signature': {
      const [h, p, s] = token.split('.') as [string, string, string];
      const bytes = base64urlDecode(s);
      bytes[mutation.at % bytes.length]! ^= 1 << mutation.bit;
      return `${h}.${p}.${base64urlEncode(bytes)}`;
    }
  }
}

/** One malformed variant of a call. */
interface Variant {
  token?: TokenMutation;
  contentType?: string;
  extraHeaders: [string, string][];
  /** GET/DELETE: replaced path parameters (raw, percent-encoded into the path). */
  params: (string | null)[];
  /** GET/DELETE: query pairs appended, or a raw query string. */
  query: [string, string][] | string | null;
  /** GET/DELETE: how the request is signed. */
  auth: 'valid' | 'seed' | 'none' | 'flip' | 'garbage' | 'other-scheme';
  authText: string;
  authFlip: number;
  /** Batch: the items of `requests`. */
  items: ('valid' | 'flipped' | 'text' | 'number' | 'object')[] | null;
}

function variants(route: RouteDoc): fc.Arbitrary<Variant> {
  const names = [
    ...(route.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    'after',
    'limit',
  ];
  const pathParams = (route.path.match(/\{\w+\}/g) ?? []).length;
  return fc.record({
    token: fc.option(tokenMutation, { nil: undefined, freq: 6 }),
    contentType: fc.option(contentType, { nil: undefined, freq: 4 }),
    extraHeaders: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
    params: fc.array(fc.option(anyText, { nil: null, freq: 2 }), {
      minLength: pathParams,
      maxLength: pathParams,
    }),
    query: fc.oneof(
      fc.constant(null),
      fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
          fc.oneof(
            anyText,
            fc.integer().map(String),
            fc.constantFrom('-1', '0', '1e3', '0x10', '9'.repeat(30), '1.5', ' 1', '+1', ''),
          ),
        ),
        { maxLength: 4 },
      ),
      fc.string({ maxLength: 60 }),
    ),
    auth: fc.constantFrom('valid', 'valid', 'seed', 'none', 'flip', 'garbage', 'other-scheme'),
    authText: headerValue,
    authFlip: fc.nat(),
    items: fc.option(
      fc.array(fc.constantFrom('valid', 'flipped', 'text', 'number', 'object'), { maxLength: 120 }),
      { nil: null, freq: 3 },
    ),
  }) as fc.Arbitrary<Variant>;
}

/** The percent-encoding a client would use for a path segment or query part. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate: send its code units as they are, percent-encoded by hand.
    return [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  }
}

// ----- the properties --------------------------------------------------------------------------

describe.each(testDialects)('malformed input on %s', (dialect) => {
  let api: ApiHarness;
  let world: World;
  let tables: string[];
  let restoreInstance: () => Promise<void>;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    restoreInstance = isolateInstance();
    world = await buildWorld(api);
    api.clock.advance(60);
    tables = (await tableNames(api)).filter((name) => !mayChangeOnRefusal.has(name));
  });
  afterAll(async () => {
    await api?.close();
    await restoreInstance?.();
  });

  /**
   * A number that changes whenever anything is written (rolled back or not): SQLite's
   * `total_changes()` on the one connection, PostgreSQL's WAL position. Equal: nothing was
   * written, and the full digest can be skipped.
   */
  async function writeMark(): Promise<string> {
    const query =
      dialect === 'sqlite'
        ? sql<{ mark: unknown }>`select total_changes() as mark`
        : sql<{ mark: unknown }>`select pg_current_wal_insert_lsn()::text as mark`;
    const { rows } = await query.execute(api.tdb.cdb.db);
    return String(rows[0]!.mark);
  }

  /** The call of `variant` built from the valid call `seed` of `signer`. */
  async function build(
    route: RouteDoc,
    seed: ApiCall,
    signer: Identity | undefined,
    variant: Variant,
  ): Promise<ApiCall> {
    const headers: Record<string, string> = { ...seed.headers };
    for (const [name, value] of variant.extraHeaders) {
      if (name !== 'authorization' && name !== 'content-type' && name !== 'content-length') {
        headers[name] = value;
      }
    }
    if (route.method === 'POST') {
      if (variant.contentType !== undefined) headers['content-type'] = variant.contentType;
      let body = seed.body as string;
      if (route.body === 'relationships-batch') {
        body = await batchBody(seed, signer!, variant);
      } else if (variant.token !== undefined) {
        const mutated = mutateToken(body, variant.token, signer!.keyPair);
        return { path: seed.path, headers, body: mutated };
      }
      return { path: seed.path, headers, body };
    }
    // GET / DELETE: path parameters, query, then the signature.
    const seedUrl = new URL(`http://x${seed.path}`);
    const segments = route.path.split('/');
    const seedSegments = seedUrl.pathname.split('/');
    let i = 0;
    const path = segments
      .map((segment, index) => {
        if (!/^\{\w+\}$/.test(segment)) return segment;
        const replaced = variant.params[i++];
        return replaced === null || replaced === undefined
          ? seedSegments[index]!
          : encode(replaced);
      })
      .join('/');
    let query = seedUrl.search;
    if (typeof variant.query === 'string')
      query = `?${encode(variant.query).replace(/%3D/g, '=').replace(/%26/g, '&')}`;
    else if (variant.query !== null) {
      const pairs = variant.query.map(([k, v]) => `${encode(k)}=${encode(v)}`);
      query = `${query === '' ? '?' : `${query}&`}${pairs.join('&')}`;
    }
    const full = path + query;
    delete headers.authorization;
    const method = route.method as 'GET' | 'DELETE';
    if (signer !== undefined && variant.auth !== 'none') {
      // The URL parser normalises what it is given; sign what the route will see.
      const url = new URL(`http://x${full}`);
      const seen = url.pathname + url.search;
      const valid = await signedRequest(signer, method, seen);
      headers.authorization =
        variant.auth === 'valid'
          ? `Signature ${valid}`
          : variant.auth === 'seed'
            ? (seed.headers?.authorization ?? '')
            : variant.auth === 'flip'
              ? `Signature ${flipChar(valid, variant.authFlip)}`
              : variant.auth === 'garbage'
                ? `Signature ${variant.authText}`
                : `Bearer ${variant.authText}`;
    } else if (variant.auth === 'garbage') headers.authorization = variant.authText;
    return { path: full, headers };
  }

  /**
   * A request signature for `path`; one too large for `signCompact` (which never signs what it
   * would refuse) is forged with the same header, so the server sees it anyway.
   */
  async function signedRequest(
    signer: Identity,
    method: 'GET' | 'DELETE',
    path: string,
  ): Promise<string> {
    try {
      return await requestSignature(api.clock, signer, method, path);
    } catch {
      const small = decode(await requestSignature(api.clock, signer, method, '/'));
      return forge(small.header, { ...small.payload, path }, signer.keyPair);
    }
  }

  /** Reinstates A when a mutated suspension that still verified suspended it. */
  async function restoreWorld(): Promise<void> {
    const company = await api.services.companies.get(world.company.id);
    if (company.status !== 'suspended') return;
    const token = await suspensionToken(world, world.regulator, world.company.id, 'reinstate');
    const response = await callRoute(
      { method: 'POST', path: '/api/v1/suspensions' },
      { path: '/api/v1/suspensions', headers: { 'content-type': 'application/jose' }, body: token },
    );
    expect(response.status).toBe(201);
  }

  async function batchBody(seed: ApiCall, signer: Identity, variant: Variant): Promise<string> {
    if (variant.token?.type === 'garbage') return String(variant.token.body);
    if (variant.items === null) return seed.body as string;
    const path = `/api/v1/pseudonyms/${world.pseudonym.id}/relationships`;
    const items: unknown[] = [];
    for (const item of variant.items) {
      if (item === 'valid') items.push(await requestSignature(api.clock, signer, 'GET', path));
      else if (item === 'flipped')
        items.push(flipChar(await requestSignature(api.clock, signer, 'GET', path), items.length));
      else if (item === 'text') items.push('x'.repeat(items.length));
      else if (item === 'number') items.push(items.length);
      else items.push({ token: items.length });
    }
    return JSON.stringify({ requests: items });
  }

  function flipChar(token: string, at: number): string {
    const i = at % token.length;
    const c = token[i] === 'A' ? 'B' : 'A';
    return token.slice(0, i) + c + token.slice(i + 1);
  }

  it('notices one changed row in the digest and the write mark (so the checks below can fail)', async () => {
    const before = await databaseDigest(api, tables);
    const mark = await writeMark();
    const b = world.otherCompany.id;
    const row = await api.tdb.cdb.db
      .selectFrom('companies')
      .select('legal_name')
      .where('id', '=', b)
      .executeTakeFirstOrThrow();
    await api.tdb.cdb.db
      .updateTable('companies')
      .set({ legal_name: `${row.legal_name}.` })
      .where('id', '=', b)
      .execute();
    const after = await databaseDigest(api, tables);
    expect(await writeMark()).not.toBe(mark);
    expect(Object.keys(after).filter((t) => after[t] !== before[t])).toEqual(['companies']);
    await api.tdb.cdb.db
      .updateTable('companies')
      .set({ legal_name: row.legal_name })
      .where('id', '=', b)
      .execute();
    expect(await databaseDigest(api, tables)).toEqual(before);
  });

  // PostgreSQL refuses a text parameter holding U+0000 (22021): a claim read before the signature
  // is checked (`aud`, `iss`, `company`, ...) must never reach a query with one.
  it('answers every claim carrying a NUL character with a problem, never a 5xx', async () => {
    for (const route of apiRoutes) {
      if (route.method !== 'POST' || route.body === 'relationships-batch') continue;
      const recipe = recipes[route.operationId];
      const s = await subjectFor(world, recipe);
      const signer = identityOf(legitRole(route), world, s, route);
      const seed = await recipe.request({ w: world, s, signer, route });
      if (typeof seed.body !== 'string' || signer === undefined) continue;
      const { payload } = decode(seed.body);
      try {
        for (const [key, value] of Object.entries(payload)) {
          if (typeof value !== 'string') continue;
          for (const spoiled of [`${value.slice(0, 3)}\u0000`, `${value}\u0000`]) {
            const body = mutateToken(
              seed.body,
              { type: 'payload', key, value: spoiled, remove: false },
              signer.keyPair,
            );
            const response = await callRoute(route, { ...seed, body });
            const text = await response.text();
            expect(response.status, `${route.operationId} ${key}: ${text}`).toBeLessThan(500);
            if (response.status >= 400)
              expect(response.headers.get('content-type')).toBe('application/problem+json');
          }
        }
      } finally {
        await restoreWorld();
      }
    }
  });

  for (const route of apiRoutes) {
    it(
      `${route.method} ${route.path}: no 5xx, problem+json refusals, no partial write`,
      { timeout: 600_000 },
      async () => {
        const recipe = recipes[route.operationId];
        const role = legitRole(route);
        const s = await subjectFor(world, recipe);
        const signer = identityOf(role, world, s, route);
        const context: CellContext = { w: world, s, signer, route };
        const seed = await recipe.request(context);
        let baseline = await databaseDigest(api, tables);
        let mark = await writeMark();

        try {
          await fc.assert(
            fc.asyncProperty(variants(route), async (variant) => {
              const call = await build(route, seed, signer, variant);
              const response = await callRoute(route, call);
              const text = await response.text();
              expect(response.status, text).toBeLessThan(500);
              if (response.status >= 400) {
                expect(response.headers.get('content-type')).toBe('application/problem+json');
                const problem = JSON.parse(text) as Record<string, unknown>;
                expect(problem.status).toBe(response.status);
                expect(typeof problem.title).toBe('string');
                expect(String(problem.type)).toMatch(
                  new RegExp(`^${problemTypeBase.replace(/\./g, '\\.')}`),
                );
              }
              const now = await writeMark();
              if (now === mark) return;
              mark = now;
              const after = await databaseDigest(api, tables);
              if (response.status < 400) {
                baseline = after;
                return;
              }
              const changed = Object.keys(after).filter(
                (table) => after[table] !== baseline[table],
              );
              if (
                route.operationId === 'sendOffer' &&
                response.status === 403 &&
                changed.length > 0
              ) {
                // A refused offer is kept as evidence: the message, its refusal and its feed event.
                expect(changed.sort()).toEqual(['consent_events', 'messages', 'relay_refusals']);
                for (const table of changed) {
                  expect(countOf(after[table]!) - countOf(baseline[table]!), table).toBe(1);
                }
                baseline = after;
                return;
              }
              expect({ status: response.status, changed }).toEqual({
                status: response.status,
                changed: [],
              });
            }),
            { numRuns },
          );
        } finally {
          await restoreWorld();
        }
      },
    );
  }
});

/** The row count of a digest (`<count>:<hash>`). */
function countOf(digest: string): number {
  return Number(digest.split(':')[0]);
}
