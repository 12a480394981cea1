/**
 * Grouping a relationship's disclosures that did not verify by reason, with the dates they give:
 * read from a message that did not verify, so only a date in range counts.
 */
import { describe, expect, it } from 'vitest';
import type { OpenedDisclosure } from '../../core/disclosures';
import { invalidDisclosureGroups } from './invalid-disclosures';

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const h = (c: string) => c.repeat(43);
const jws = (payload: unknown) => `${b64url({ alg: 'EdDSA' })}.${b64url(payload)}.c2ln`;
const invalid = (sha256: string, code: string) =>
  ({ state: 'invalid', sha256, openedAt: 0, code }) as OpenedDisclosure;

describe('invalidDisclosureGroups', () => {
  it('groups by code in the order each first appears, each date newest first', () => {
    const listed = [
      { sha256: h('1'), jws: jws({ iat: 100 }) },
      { sha256: h('2'), jws: jws({ iat: 300 }) },
      { sha256: h('3'), jws: jws({ iat: 200 }) },
      { sha256: h('4'), jws: jws({ iat: 400 }) },
    ];
    const opened = [
      invalid(h('1'), 'ERR_JWS_KID_UNKNOWN'),
      invalid(h('2'), 'ERR_JWS_SIGNATURE_INVALID'),
      invalid(h('3'), 'ERR_JWS_KID_UNKNOWN'),
      invalid(h('4'), 'ERR_JWS_KID_UNKNOWN'),
    ];
    expect(invalidDisclosureGroups(listed, opened)).toEqual([
      { code: 'ERR_JWS_KID_UNKNOWN', count: 3, dates: [400, 200, 100], undated: 0 },
      { code: 'ERR_JWS_SIGNATURE_INVALID', count: 1, dates: [300], undated: 0 },
    ]);
  });

  it('leaves out the disclosures that verified', () => {
    const opened: OpenedDisclosure = {
      state: 'opened',
      sha256: h('1'),
      iat: 100,
      openedAt: 0,
      grantSha256: null,
      dataRequestSha256: null,
      holdings: [],
      export: null,
      exportUnreadable: false,
    };
    expect(invalidDisclosureGroups([{ sha256: h('1'), jws: jws({ iat: 100 }) }], [opened])).toEqual(
      [],
    );
  });

  it.each([
    ['no listed copy', undefined],
    ['a copy that is no JWS', 'not a token'],
    ['no iat', jws({})],
    ['an iat that is text', jws({ iat: '100' })],
    ['a negative iat', jws({ iat: -1 })],
    ['a fractional iat', jws({ iat: 1.5 })],
    ['an iat past year 9999', jws({ iat: 1e15 })],
  ])('counts a disclosure with %s as undated', (_, copy) => {
    const listed = copy === undefined ? [] : [{ sha256: h('1'), jws: copy }];
    expect(invalidDisclosureGroups(listed, [invalid(h('1'), 'ERR_JWS_MALFORMED')])).toEqual([
      { code: 'ERR_JWS_MALFORMED', count: 1, dates: [], undated: 1 },
    ]);
  });
});
