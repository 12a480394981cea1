/**
 * Each finding in the console names what it is about (finding-reference.ts): the kind of
 * message, its SHA-256, the pseudonym where there is one, and when it came.
 */
import { describe, expect, it } from 'vitest';
import { hasMessage } from '$protocol/i18n';
import type { Finding } from '$lib/server/findings';
import { findingReference, type FindingReference } from './finding-reference';

const sha = (c: string) => c.repeat(43);
const ps = `ps_${sha('p')}`;
const at = 1_767_225_600_000;

const cases: [Finding, FindingReference][] = [
  [
    {
      type: 'revocation-ack-overdue',
      revocationSha256: sha('r'),
      pseudonym: ps,
      receivedAt: at,
      deadline: at + 1,
      ackedAt: null,
    },
    { kind: 'revocation', id: sha('r'), pseudonym: ps, at },
  ],
  [
    {
      type: 'webhook-delivery-failed',
      eventSha256: sha('w'),
      cursor: '7',
      url: 'https://shop.example/hook',
      attempts: 5,
      lastError: 'timeout',
      failedAt: at,
    },
    { kind: 'webhook', id: sha('w'), pseudonym: null, at },
  ],
  [
    {
      type: 'relay-refused',
      offerSha256: sha('o'),
      pseudonym: ps,
      grantSha256: sha('g'),
      rule: 'channel',
      refusedAt: at,
    },
    { kind: 'offer', id: sha('o'), pseudonym: ps, at },
  ],
  [
    {
      type: 'data-request-overdue',
      dataRequestSha256: sha('d'),
      pseudonym: ps,
      requestType: 'access',
      receivedAt: at,
      deadline: at + 1,
      answeredAt: null,
    },
    { kind: 'dataRequest', id: sha('d'), pseudonym: ps, at },
  ],
  [
    {
      type: 'access-out-of-scope',
      accessSha256: sha('a'),
      entry: 0,
      grantSha256: sha('g'),
      pseudonym: null,
      purpose: 'product_launch',
      dataCategories: ['health'],
      at: 1_767_225_000,
      count: 1,
      reason: 'categories-not-granted',
      receivedAt: at,
    },
    { kind: 'access', id: sha('a'), pseudonym: null, at },
  ],
  [
    {
      type: 'complaint-upheld',
      complaintSha256: sha('c'),
      decisionSha256: sha('x'),
      pseudonym: ps,
      reasons: ['outside_time_window'],
      receivedAt: at,
      decidedAt: at + 1,
    },
    { kind: 'complaint', id: sha('c'), pseudonym: ps, at },
  ],
];

describe('findingReference', () => {
  it.each(cases)('names the message a %o finding is about', (finding, expected) => {
    const ref = findingReference(finding);
    expect(ref).toEqual(expected);
    expect(hasMessage(`portal.console.findings.kind.${ref.kind}`)).toBe(true);
  });
});
