/**
 * return-path.ts: the page a login or a language switch returns to is a page of this site, read
 * the way a browser reads it, or the default.
 */
import { describe, expect, it } from 'vitest';
import { maxReturnPathLength, returnPath } from './return-path';

const origin = 'https://ch.example';

describe('returnPath', () => {
  it.each([
    ['/account', '/account'],
    ['/account?tab=keys#top', '/account?tab=keys#top'],
    ['/regulator/complaints/ab', '/regulator/complaints/ab'],
    ['https://ch.example/me', '/me'], // this very site, absolute
    ['/a b/é', '/a%20b/%C3%A9'], // what the browser would request, encoded for a header
    ['/%09/x', '/%09/x'], // an escaped tab stays a path segment of ours
  ])('follows %j to %j', (value, expected) => {
    expect(returnPath(value, origin, '/fallback')).toBe(expected);
  });

  it.each([
    ['//evil.example'],
    ['/\\evil.example'],
    ['\\\\evil.example'],
    ['/\t/evil.example'], // browsers strip tabs: //evil.example
    ['/\n/evil.example'], // and newlines; as a Location header it made Headers throw
    ['/\r\n/evil.example'],
    [' //evil.example'],
    ['/.//evil.example'], // dot segments leave //evil.example
    ['/%2e//evil.example'],
    ['/a/../..//evil.example'],
    ['https://evil.example/'],
    ['http://ch.example/'], // another scheme is another origin
    ['https://ch.example.evil.example/'],
    ['https://ch.example@evil.example/'],
    ['javascript:alert(1)'],
    ['data:text/html,hi'],
    ['http://[::1'], // does not parse
    ['/' + 'a'.repeat(maxReturnPathLength)],
    [''],
    [undefined],
    [null],
    [42],
  ])('sends %j to the default', (value) => {
    expect(returnPath(value, origin, '/fallback')).toBe('/fallback');
  });
});
