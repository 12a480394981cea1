/**
 * `/auth/login` completes a passkey login for the login page's `fetch` (people-ceremony.ts). Opened
 * as a page it sends the person to the login page; any other GET keeps the API's 405, now in
 * problem+json (failed before: 405 text/plain "GET method not allowed" in English for both).
 */
import { describe, expect, it } from 'vitest';
import { GET } from './+server';

/** A GET of `/auth/login` with `headers`: the response it returns. */
async function get(headers: Record<string, string>): Promise<Response> {
  const request = new Request('http://localhost/auth/login', { headers });
  return await GET({ request, url: new URL(request.url) } as never);
}

/** What a shared cache must honour: the answer depends on these headers and is not kept. */
function expectUncachedPerClient(answer: Response) {
  expect(answer.headers.get('vary')).toBe('Accept, Sec-Fetch-Mode');
  expect(answer.headers.get('cache-control')).toBe('no-store');
}

describe('GET /auth/login', () => {
  it.each([
    ['a navigation', { 'sec-fetch-mode': 'navigate', accept: '*/*' }],
    ['a browser asking for HTML', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
  ])('sends %s to the login page', async (_kind, headers) => {
    const answer = await get(headers);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/login');
    expectUncachedPerClient(answer);
  });

  it.each([
    ['fetch', { 'sec-fetch-mode': 'cors', accept: '*/*' }],
    ['an API client', { accept: 'application/json' }],
  ])('answers %s 405 in problem+json, naming POST', async (_kind, headers) => {
    const answer = await get(headers);
    expect(answer.status).toBe(405);
    expectUncachedPerClient(answer);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 405, code: 'method-not-allowed' });
  });
});
