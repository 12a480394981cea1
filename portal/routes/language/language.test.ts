import { isRedirect } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { GET, POST } from './+server';

/** Posts `body` to `/language` and says which cookie it set and where it sent the browser. */
async function switchTo(body: string): Promise<{ lang: string | undefined; location: string }> {
  let lang: string | undefined;
  const request = new Request('http://localhost/language', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const cookies = {
    set: (name: string, value: string) => {
      if (name === 'lang') lang = value;
    },
  };
  try {
    await POST({ request, cookies, url: new URL(request.url) } as never);
  } catch (thrown) {
    if (isRedirect(thrown)) return { lang, location: thrown.location };
    throw thrown;
  }
  throw new Error('the language switch did not redirect');
}

describe('POST /language', () => {
  it('sets the language and returns to a page of this site only', async () => {
    expect(await switchTo('lang=de&redirect=/me')).toEqual({ lang: 'de', location: '/me' });
    expect(await switchTo('lang=xx&redirect=//evil.example')).toEqual({
      lang: undefined,
      location: '/',
    });
  });

  it.each([
    ['/\t/evil.example'], // browsers strip tabs: https://evil.example/
    ['/\n/x'], // a newline in Location made the Headers constructor throw (500)
    ['//x'],
    ['/\\x'],
    ['/.//evil.example'],
    ['https://evil'],
    ['javascript:alert(1)'],
  ])('returns to the start page, not to %j', async (back) => {
    const body = new URLSearchParams({ lang: 'en', redirect: back }).toString();
    expect(await switchTo(body)).toEqual({ lang: 'en', location: '/' });
  });

  it('returns to a page of this site as the browser will request it', async () => {
    const body = new URLSearchParams({ lang: 'de', redirect: '/enroll/abc?x=1' }).toString();
    expect(await switchTo(body)).toEqual({ lang: 'de', location: '/enroll/abc?x=1' });
    const escaped = new URLSearchParams({ lang: 'de', redirect: '/%09/x' }).toString();
    expect(await switchTo(escaped)).toEqual({ lang: 'de', location: '/%09/x' });
  });

  it('reads at most 4 KiB (anyone may post): a larger form changes nothing', async () => {
    const padded = `lang=de&redirect=/me&pad=${'a'.repeat(4 * 1024)}`;
    expect(await switchTo(padded)).toEqual({ lang: undefined, location: '/' });
    expect(await switchTo('not a form at all')).toEqual({ lang: undefined, location: '/' });
  });
});

/** Opens `/language` itself in the browser, coming from `referer`; says where it was sent. */
async function open(referer?: string): Promise<{ status: number; location: string }> {
  const request = new Request(
    'http://localhost/language',
    referer === undefined ? {} : { headers: { referer } },
  );
  try {
    await GET({ request, url: new URL(request.url) } as never);
  } catch (thrown) {
    if (isRedirect(thrown)) return { status: thrown.status, location: thrown.location };
    throw thrown;
  }
  throw new Error('opening /language did not redirect');
}

describe('GET /language (failed before: 405 "GET method not allowed" in English)', () => {
  it('sends the browser back to the page of this site it came from', async () => {
    expect(await open('http://localhost/companies?page=2')).toEqual({
      status: 303,
      location: '/companies?page=2',
    });
  });

  it.each([
    ['no Referer', undefined],
    ['another site', 'https://evil.example/me'],
    ['itself', 'http://localhost/language'],
    ['not a URL', 'http://[bad'],
  ])('sends it to the start page when it came from %s', async (_from, referer) => {
    expect(await open(referer)).toEqual({ status: 303, location: '/' });
  });
});
