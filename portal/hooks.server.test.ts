/**
 * The server hooks' answers to requests that cannot succeed as sent (DESIGN section 3, promise 5):
 * an address with malformed percent-encoding gets problem+json under /api/ and, for a page,
 * SvelteKit's 400 error page without the script that would throw on it in the browser; and the
 * errors SvelteKit itself raises for a 4xx are named for what was wrong, never "internal".
 */
import type { RequestEvent, ResolveOptions } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { handle, handleError } from './hooks.server';

const origin = 'http://localhost';

/**
 * SvelteKit's page for an address it cannot decode, as its render.js builds it: the template with
 * `%lang%`, the server-rendered error page, and the inline start script that hydrates it.
 */
const errorPageHtml = `<!doctype html>
<html lang="%lang%">
	<head><link rel="modulepreload" href="/_app/immutable/entry/start.js"></head>
	<body>
		<div style="display: contents"><h1>Fehler 400</h1>
			<script nonce="abc">
				{
					__sveltekit_1x2y = {
						base: new URL(".", location).pathname.slice(0, -1)
					};

					const element = document.currentScript.parentElement;

					Promise.all([
						import("/_app/immutable/entry/start.js"),
						import("/_app/immutable/entry/app.js")
					]).then(([kit, app]) => {
						kit.start(app, element, { node_ids: [0, 1], data: [null, null], form: null, error: {"message":"The address is not valid","code":"malformed-address"}, status: 400 });
					});
				}
			</script>
		</div>
	</body>
</html>`;

/**
 * Runs `path` through `handle`; the route answers as SvelteKit answers a path it cannot decode
 * (respond.js `resolve`: its 400 error page in text/html), transforming the page with the options
 * the hook passes, as render.js does.
 */
async function throughHandle(path: string, accept = 'text/html'): Promise<Response> {
  const url = new URL(origin + path);
  const event = {
    url,
    request: new Request(url, { headers: { accept } }),
    route: { id: null },
    cookies: { get: () => undefined },
    locals: {},
    getClientAddress: () => '192.0.2.1',
  } as unknown as RequestEvent;
  const resolve = async (_event: RequestEvent, options?: ResolveOptions) => {
    const html = (await options?.transformPageChunk?.({ html: errorPageHtml, done: true })) ?? '';
    return new Response(html, { status: 400, headers: { 'content-type': 'text/html' } });
  };
  return handle({ event, resolve });
}

describe('an address with malformed percent-encoding', () => {
  it.each([
    '/api/v1/grant-requests/%ZZ',
    '/api/v1/%ZZ',
    '/api/v1/companies/%C3', // an escape that is no UTF-8
    '/%61pi/v1/%ZZ', // routed as /api/ (rate-limits.ts isApiPath)
  ])(
    'under /api/ is answered 400 in problem+json that says so: %s (failed before: the HTML error page)',
    async (path) => {
      const response = await throughHandle(path, 'application/json');
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 400, code: 'malformed-address' });
      expect(body.title).toBe('The address is not valid');
      expect(body.detail).toMatch(/malformed percent-encoding/);
    },
  );

  it.each(['/%ZZ', '/companies/%ZZ', '/apis/%ZZ'])(
    'of a page gets the 400 error page without the start script that throws "URI malformed": %s',
    async (path) => {
      const response = await throughHandle(path);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('text/html');
      const html = await response.text();
      expect(html).toContain('<h1>Fehler 400</h1>');
      expect(html).toContain('<html lang="de">');
      expect(html).not.toContain('document.currentScript');
      expect(html).not.toContain('kit.start');
    },
  );

  it('is all that loses the start script: a page that decodes keeps it', async () => {
    const html = await (await throughHandle('/companies/%41%25x')).text();
    expect(html).toContain('kit.start(app, element');
  });
});

describe('handleError', () => {
  /** What `handleError` makes of an error SvelteKit raised with `status` at `path`. */
  function errorFor(status: number, path = '/companies') {
    const url = new URL(origin + path);
    return handleError({
      error: new Error('raised by SvelteKit'),
      status,
      message: 'raised by SvelteKit',
      event: { url, request: new Request(url, { method: 'POST' }), route: { id: null } },
    } as unknown as Parameters<typeof handleError>[0]);
  }

  it.each([
    [400, '/companies', 'bad-request'],
    [400, '/companies/%ZZ', 'malformed-address'],
    [404, '/nowhere', 'not-found'],
    [405, '/companies', 'method-not-allowed'], // a post to a page without form actions
    [415, '/logout', 'unsupported-media-type'], // a form action posted to without a form body
    [413, '/logout', 'client-error'],
    [500, '/companies', 'internal'],
    [503, '/companies', 'internal'],
  ] as const)(
    'names a %i at %s %s (failed before: every status but 404 was "internal")',
    (status, path, code) => {
      const answer = errorFor(status, path) as App.Error;
      expect(answer.code).toBe(code);
      if (status < 500) expect(answer.message).not.toMatch(/internal/i);
      else expect(answer.message).toBe('Internal error');
    },
  );
});

describe('a page whose database cannot be reached', () => {
  /**
   * Runs `path` through `handle`; the route fails with `error` as a page's load does: SvelteKit
   * calls `handleError` with 500 and renders its error page with that status.
   */
  async function failingWith(error: unknown, path = '/companies') {
    const url = new URL(origin + path);
    const event = {
      url,
      request: new Request(url, { headers: { accept: 'text/html' } }),
      route: { id: '/companies' },
      cookies: { get: () => undefined },
      locals: {},
      getClientAddress: () => '192.0.2.1',
    } as unknown as RequestEvent;
    let shown: App.Error | undefined;
    const resolve = async () => {
      shown = (await handleError({
        error,
        status: 500,
        message: 'Internal Error',
        event,
      } as unknown as Parameters<typeof handleError>[0])) as App.Error;
      return new Response(`<h1>Fehler 500</h1>`, {
        status: 500,
        headers: { 'content-type': 'text/html' },
      });
    };
    const response = await handle({ event, resolve } as unknown as Parameters<typeof handle>[0]);
    return { response, shown };
  }

  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
  });
  const terminated = Object.assign(new Error('terminating connection due to administrator'), {
    code: '57P01',
  });

  it.each([
    ['a refused connection', refused],
    ['a terminated backend (57P01)', terminated],
    [
      'the writer’s 503 for a lost connection',
      Object.assign(new Error('wrapped'), { cause: refused }),
    ],
  ])(
    'answers 503 with Retry-After and names the cause for the error page: %s (failed before: 500 "Internal error")',
    async (_name, error) => {
      const { response, shown } = await failingWith(error);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.headers.get('content-type')).toBe('text/html');
      expect(await response.text()).toContain('<h1>');
      expect(shown).toEqual({ message: 'Service unavailable', code: 'database-unavailable' });
    },
  );

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    [
      'a statement timeout (57014)',
      Object.assign(new Error('canceling statement'), { code: '57014' }),
    ],
    ['a constraint (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
  ])('leaves an error of the code or the statement a 500 "internal": %s', async (_name, error) => {
    const { response, shown } = await failingWith(error);
    expect(response.status).toBe(500);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(shown).toEqual({ message: 'Internal error', code: 'internal' });
  });
});
