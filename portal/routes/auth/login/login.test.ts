/**
 * `/auth/login` completes a passkey login for the login page's `fetch` (people-ceremony.ts). Opened
 * as a page it sends the person to the login page; any other GET keeps the API's 405, now in
 * problem+json (failed before: 405 text/plain "GET method not allowed" in English for both).
 */
import { isRedirect } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { GET } from './+server';

/** A GET of `/auth/login` with `headers`: the redirect it throws or the response it returns. */
async function get(headers: Record<string, string>): Promise<Response | { location: string }> {
  const request = new Request('http://localhost/auth/login', { headers });
  try {
    return await GET({ request, url: new URL(request.url) } as never);
  } catch (thrown) {
    if (isRedirect(thrown)) return { location: thrown.location };
    throw thrown;
  }
}

describe('GET /auth/login', () => {
  it.each([
    ['a navigation', { 'sec-fetch-mode': 'navigate', accept: '*/*' }],
    ['a browser asking for HTML', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
  ])('sends %s to the login page', async (_kind, headers) => {
    expect(await get(headers)).toEqual({ location: '/login' });
  });

  it.each([
    ['fetch', { 'sec-fetch-mode': 'cors', accept: '*/*' }],
    ['an API client', { accept: 'application/json' }],
  ])('answers %s 405 in problem+json, naming POST', async (_kind, headers) => {
    const response = await get(headers);
    expect(response).toBeInstanceOf(Response);
    const answer = response as Response;
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 405, code: 'method-not-allowed' });
  });
});
