/**
 * Body limits of every POST route under portal/routes/api/v1 (issue 5, docs/api.md "Limits"),
 * found by walking the route files, so a new route that forgets its limit fails here: 64 KiB, and
 * 256 KiB for the sealed kinds (offer, reward, correction, disclosure) and for complaints, which
 * carry up to two sealed offers as evidence. The limit holds before
 * anything is parsed or authenticated: a declared `content-length` over it is refused without
 * reading, and a body streamed without a length is kept no further than the limit (the rest is
 * dropped, up to the drain budget, then cut off).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, openApiHarness, testOrigin, type ApiHarness } from '../api-test-kit';
import { testDialects } from '../db/test-databases';
import { defaultBodyLimit, oversizedDrainBytes } from './body';

const apiRoot = join(import.meta.dirname, '../../../routes/api/v1');

/** The routes whose messages carry a sealed box (route plan of issue 5), or two as evidence. */
const sealedRoutes = new Set(['offers', 'rewards', 'corrections', 'disclosures', 'complaints']);
const sealedLimit = 256 * 1024;

interface PostRoute {
  /** The route's folder under api/v1, e.g. `pseudonyms/[pseudonym]/inbox`. */
  route: string;
  file: string;
  /** What the route reads: a compact JWS or JSON. */
  contentType: 'application/jose' | 'application/json';
  /** The most it must accept; a byte more is refused. */
  limit: number;
}

function postRoutes(): PostRoute[] {
  const found: PostRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === '+server.ts') {
        const source = readFileSync(full, 'utf8');
        if (!/export\s+(?:const|async function|function)\s+POST\b/.test(source)) continue;
        const route = relative(apiRoot, dir).split(sep).join('/');
        found.push({
          route,
          file: full,
          contentType: /readJsonBody/.test(source) ? 'application/json' : 'application/jose',
          limit: sealedRoutes.has(route) ? sealedLimit : defaultBodyLimit,
        });
      }
    }
  };
  walk(apiRoot);
  return found.sort((a, b) => a.route.localeCompare(b.route));
}

/** Well-formed values for the dynamic segments our routes use. */
const paramValues: Record<string, string> = {
  pseudonym: 'ps_' + 'A'.repeat(43),
  companyId: 'co_' + 'A'.repeat(43),
  sha256: 'A'.repeat(43),
  personId: 'pe_' + 'A'.repeat(22),
  kid: 'A'.repeat(43),
  id: '1',
};

type Handler = (event: unknown) => Response | Promise<Response>;

async function callPost(
  route: PostRoute,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Promise<Response> {
  const params: Record<string, string> = {};
  const path = route.route.replace(/\[(\w+)\]/g, (_, name: string) => {
    params[name] = paramValues[name] ?? 'x';
    return params[name];
  });
  const url = new URL(`${testOrigin}/api/v1/${path}`);
  const request = new Request(url, {
    method: 'POST',
    headers: { 'content-type': route.contentType, ...headers },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  const module = (await import(/* @vite-ignore */ pathToFileURL(route.file).href)) as {
    POST: Handler;
  };
  return module.POST({
    request,
    url,
    params,
    cookies: { get: () => undefined, set: () => {}, delete: () => {} },
    getClientAddress: () => '127.0.0.1',
    locals: { locale: 'en' },
  });
}

/** A body of `total` bytes streamed in 16 KiB chunks without a length; counts what was pulled. */
function countingStream(total: number): { stream: ReadableStream<Uint8Array>; pulled(): number } {
  let pulled = 0;
  const chunk = new Uint8Array(16 * 1024).fill(0x41);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      const part = chunk.subarray(0, Math.min(chunk.length, total - pulled));
      pulled += part.length;
      controller.enqueue(part.slice());
    },
  });
  return { stream, pulled: () => pulled };
}

const routes = postRoutes();

describe('the route walk', () => {
  it('finds the POST routes, the sealed kinds among them', () => {
    const names = routes.map((r) => r.route);
    expect(names).toEqual(expect.arrayContaining(['companies', 'grants', 'grant-requests']));
    for (const route of routes) {
      if (sealedRoutes.has(route.route)) expect(route.limit).toBe(sealedLimit);
    }
  });
});

describe.each(testDialects)('body limits on %s', (dialect) => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api.close();
  });

  describe.each(routes)('POST /api/v1/$route', (route) => {
    it('refuses a declared length one byte over its limit with 413 before reading the body', async () => {
      const { stream, pulled } = countingStream(route.limit + 1);
      const response = await callPost(route, stream, {
        'content-length': String(route.limit + 1),
      });
      await expectProblem(response, 413, 'ERR_MESSAGE_TOO_LARGE');
      expect(pulled()).toBeLessThanOrEqual(16 * 1024); // at most what a stream buffers ahead
    });

    it('refuses a body streamed without a length past the limit, and cuts off an endless one', async () => {
      // Past the limit the rest is read and dropped, so the 413 arrives on a usable connection
      // (body-http.test.ts), but no further than the drain budget.
      const { stream, pulled } = countingStream(route.limit + 4 * oversizedDrainBytes);
      const response = await callPost(route, stream, {});
      await expectProblem(response, 413, 'ERR_MESSAGE_TOO_LARGE');
      expect(pulled()).toBeGreaterThan(route.limit);
      expect(pulled()).toBeLessThanOrEqual(route.limit + oversizedDrainBytes + 4 * 16 * 1024);
    });

    if (sealedRoutes.has(route.route)) {
      it('reads a sealed message larger than 64 KiB (it fails later, on its content)', async () => {
        const body = 'A'.repeat(defaultBodyLimit + 1024);
        const response = await callPost(route, body, {});
        const problem = (await response.json()) as { code: string };
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(problem.code).not.toBe('ERR_MESSAGE_TOO_LARGE');
      });
    }
  });
});
