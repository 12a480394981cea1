import { describe, expect, it } from 'vitest';
import { crossSiteFormRefusal } from './cross-site-forms';

const origin = 'https://clearinghouse.example';

function refusal(
  path: string,
  init: { method?: string; type?: string; from?: string | null; accept?: string } = {},
): Response | undefined {
  const headers = new Headers();
  if (init.type !== undefined) headers.set('content-type', init.type);
  if (init.from !== null) headers.set('origin', init.from ?? 'https://evil.example');
  if (init.accept !== undefined) headers.set('accept', init.accept);
  const url = new URL(path, origin);
  return crossSiteFormRefusal(new Request(url, { method: init.method ?? 'POST', headers }), url);
}

describe('crossSiteFormRefusal', () => {
  it('refuses a form posted to a page from another origin or from none, in SvelteKit words', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'TEXT/PLAIN;charset=utf-8',
      'application/x-sveltekit-formdata',
    ]) {
      const answer = refusal('/company?/key', { type });
      expect(answer?.status, type).toBe(403);
      expect(await answer!.text()).toBe('Cross-site POST form submissions are forbidden');
    }
    expect(refusal('/logout', { type: 'text/plain', from: null })?.status).toBe(403);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const answer = refusal('/account', { method, type: 'text/plain' });
      expect(await answer?.text()).toBe(`Cross-site ${method} form submissions are forbidden`);
    }
    const json = refusal('/company?/key', { type: 'text/plain', accept: 'application/json' });
    expect(await json?.json()).toEqual({
      message: 'Cross-site POST form submissions are forbidden',
    });
  });

  it('lets through the own origin, safe methods, other content types and the API', () => {
    expect(refusal('/company?/key', { type: 'text/plain', from: origin })).toBeUndefined();
    expect(refusal('/company', { method: 'GET', type: 'text/plain' })).toBeUndefined();
    expect(refusal('/company?/key', { type: 'application/json' })).toBeUndefined();
    expect(refusal('/company?/key')).toBeUndefined();
    // The API takes no form at all: its routes answer 415 problem+json themselves.
    expect(refusal('/api/v1/companies', { type: 'text/plain' })).toBeUndefined();
    expect(refusal('/%61pi/v1/companies', { type: 'text/plain', from: null })).toBeUndefined();
    // Only the API: a path that merely starts like it is checked.
    expect(refusal('/apis', { type: 'text/plain' })?.status).toBe(403);
    expect(refusal('/api', { type: 'text/plain' })?.status).toBe(403);
  });
});
