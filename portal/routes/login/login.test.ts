/**
 * The login page's `next`: where the page goes after the passkey ceremony (and where a visitor
 * who is logged in already is sent at once) is a page of this site, or `/account`.
 */
import { describe, expect, it } from 'vitest';
import { load } from './+page.server';

/** The `next` the page gets for a query string, with no session cookie. */
async function nextFor(query: string): Promise<unknown> {
  const url = new URL(`http://localhost:3000/login?${query}`);
  const cookies = { get: () => undefined };
  const data = (await load({ url, cookies } as never)) as { next: string };
  return data.next;
}

describe('/login?next=', () => {
  it.each([
    ['next=%2Faccount', '/account'],
    ['next=/regulator?x=1', '/regulator?x=1'],
    ['next=http%3A%2F%2Flocalhost%3A3000%2Fme', '/me'],
  ])('follows %s to %s', async (query, expected) => {
    expect(await nextFor(query)).toBe(expected);
  });

  it.each([
    ['next=/%09/evil.example'], // a tab: the browser goes to https://evil.example/
    ['next=/%0A/x'], // a newline: the Location header made the Headers constructor throw (500)
    ['next=//x'],
    ['next=/%5Cx'],
    ['next=/%5C%5Cx'],
    ['next=/.//evil.example'],
    ['next=https://evil'],
    ['next=javascript:alert(1)'],
    ['next='],
    [''],
  ])('sends %s to /account', async (query) => {
    expect(await nextFor(query)).toBe('/account');
  });
});
