/**
 * The consent a complaint's review shows beside a piece of evidence (grant-scopes.ts,
 * GrantScopes.svelte), as far as the browser's check (evidence.ts) bears it out: the request a
 * grant answers is shown as what the company asked only while the check runs (said so) or once it
 * verified; when its signature failed, one sentence in the page's language says why and none of
 * its scopes is shown. Evidence that is itself a grant request shows its own scopes. A given
 * purpose the customer revoked is marked with the time of the earliest verified revocation that
 * ended it (failed before: requests were shown unchecked, a grant request as evidence had no
 * scopes, and revoked purposes were not marked).
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { t, translator, type Locale, type MessageKey } from '$protocol/i18n';
import { exampleMessages } from '$protocol/messages/examples';
import { formatDayTime } from '../format';
import type { EvidenceReport } from './evidence';
import GrantScopes from './GrantScopes.svelte';
import {
  consentChecks,
  consentView,
  pendingChecks,
  type ConsentChecks,
  type ConsentView,
} from './grant-scopes';

const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));
/** A compact JWS of `payload` for display only (grant-scopes.ts decodes, never verifies). */
const jws = (payload: unknown) => `${part({ alg: 'EdDSA' })}.${part(payload)}.c2ln`;

const grantSha256 = 'g'.repeat(43);
const requestSha256 = 'q'.repeat(43);
const [launch] = exampleMessages.grant.scopes;
/** Two scopes given: product launches by newsletter, and win-back by e-mail. */
const scopes = [launch!, { ...launch!, purpose: 'win_back', channels: ['email'] }];
const grant = {
  sha256: grantSha256,
  jws: jws({ ...exampleMessages.grant, scopes }),
  request: {
    sha256: requestSha256,
    jws: jws({
      ...exampleMessages['grant-request'],
      scopes: [{ ...launch!, channels: ['email'] }],
    }),
  },
};
const offer = { iss: 'co_x', grantSha256, purpose: 'product_launch', channel: 'email' };
const T = 1_767_600_000;

const view = (
  locale: Locale,
  checks: ConsentChecks,
  claims: Record<string, unknown> = offer,
  kind = 'offer-content',
) => consentView(claims, grant, translator(locale), locale, { kind, checks });

const known = (v: ConsentView) => {
  if (v.state !== 'known') throw new Error(`expected a known grant, got ${v.state}`);
  return v;
};

describe('consentChecks', () => {
  const report = (
    steps: EvidenceReport['steps'],
  ): Pick<EvidenceReport, 'steps' | 'revocations'> => ({
    steps,
    revocations: [[], [{ at: T, purposes: ['win_back'] }]],
  });

  it.each([
    ['running (no report yet)', undefined, 1, 'offer', pendingChecks.request],
    ['not able to run', 'failed' as const, 1, 'offer', { state: 'failed', code: 'check_failed' }],
    [
      'the request a grant answers, verified',
      report([{ step: 'request-signature', index: 1, ok: true }]),
      1,
      'offer',
      { state: 'verified' },
    ],
    [
      'the request a grant answers, refused',
      report([
        { step: 'request-signature', index: 0, ok: true },
        { step: 'request-signature', index: 1, ok: false, code: 'request_mismatch' },
      ]),
      1,
      'offer',
      { state: 'failed', code: 'request_mismatch' },
    ],
    [
      'a request step never run (its grant failed)',
      report([{ step: 'grant-signature', index: 1, ok: false, code: 'ERR_JWS_SIGNATURE_INVALID' }]),
      1,
      'offer',
      { state: 'failed', code: 'unchecked' },
    ],
    [
      'a grant request as evidence, by its own signature',
      report([
        { step: 'evidence-signature', index: 1, ok: false, code: 'ERR_JWS_KID_UNKNOWN' },
        { step: 'request-signature', index: 1, ok: true },
      ]),
      1,
      'grant-request',
      { state: 'failed', code: 'ERR_JWS_KID_UNKNOWN' },
    ],
  ] as const)('reads the check of the request shown when %s', (_, given, index, kind, expected) => {
    expect(consentChecks(given, index, kind).request).toEqual(expected);
  });

  it("takes the verified revocations of the evidence's own grant", () => {
    expect(consentChecks(report([]), 1, 'offer').revocations).toEqual([
      { at: T, purposes: ['win_back'] },
    ]);
    expect(consentChecks(undefined, 1, 'offer').revocations).toEqual([]);
  });
});

describe('consentView of the request a grant answers', () => {
  it.each(['de', 'en'] as const)(
    'shows in %s the scopes asked while the check runs and once it passed, saying which',
    (locale) => {
      const pending = known(view(locale, pendingChecks)).request;
      const verified = known(
        view(locale, { request: { state: 'verified' }, revocations: [] }),
      ).request;
      expect(pending).toMatchObject({ state: 'stored', verified: false });
      expect(verified).toMatchObject({ state: 'stored', verified: true });
      const channels = t(locale, 'portal.console.request.channels');
      for (const shown of [pending, verified]) {
        if (shown.state !== 'stored') throw new Error(shown.state);
        expect(shown.scopes?.[0]?.facts).toContainEqual({
          name: channels,
          value: t(locale, 'vocabulary.channel.email'),
        });
      }
    },
  );

  it.each([
    ['de', 'ERR_JWS_KID_UNKNOWN', 'errors.ERR_JWS_KID_UNKNOWN'],
    ['en', 'ERR_JWS_KID_UNKNOWN', 'errors.ERR_JWS_KID_UNKNOWN'],
    ['de', 'request_mismatch', 'portal.regulator.rule.request_mismatch'],
    ['en', 'request_mismatch', 'portal.regulator.rule.request_mismatch'],
  ] as const)(
    'says in %s why a request whose check failed (%s) is not shown, and shows none of it',
    (locale, code, cause) => {
      const shown = known(
        view(locale, { request: { state: 'failed', code }, revocations: [] }),
      ).request;
      expect(shown).toEqual({ state: 'unverified', cause: t(locale, cause as MessageKey) });
      const html = render(GrantScopes, {
        props: {
          view: view(locale, { request: { state: 'failed', code }, revocations: [] }),
          t: translator(locale),
          index: 0,
        },
      }).body;
      expect(html).toContain(
        t(locale, 'portal.regulator.scope.requestUnverified', {
          cause: t(locale, cause as MessageKey),
        }),
      );
      expect(html).not.toContain('consent-request-scope');
      expect(html).not.toContain(requestSha256);
      expect(html).not.toContain(t(locale, 'portal.regulator.scope.requestDiffers'));
      // The grant the customer signed is still shown.
      expect(html).toContain('consent-grant-scope');
    },
  );

  it.each(['de', 'en'] as const)(
    'renders in %s whether the request shown is verified',
    (locale) => {
      const html = (checks: ConsentChecks) =>
        render(GrantScopes, {
          props: { view: view(locale, checks), t: translator(locale), index: 0 },
        }).body;
      const pending = html(pendingChecks);
      const verified = html({ request: { state: 'verified' }, revocations: [] });
      expect(pending).toContain(t(locale, 'portal.regulator.scope.requestPending'));
      expect(pending).not.toContain(t(locale, 'portal.regulator.scope.requestVerified'));
      expect(verified).toContain(t(locale, 'portal.regulator.scope.requestVerified'));
      expect(verified).toContain('consent-request-scope');
    },
  );
});

describe('consentView of a grant request as the evidence', () => {
  const request = { ...exampleMessages['grant-request'], iss: 'co_x' };

  it.each(['de', 'en'] as const)('shows in %s the scopes the request asked for', (locale) => {
    const shown = view(
      locale,
      { request: { state: 'verified' }, revocations: [] },
      request,
      'grant-request',
    );
    expect(shown.state).toBe('asked');
    const html = render(GrantScopes, {
      props: { view: shown, t: translator(locale), index: 0 },
    }).body;
    expect(html).toContain(t(locale, 'portal.regulator.scope.request'));
    expect(html).toContain(t(locale, 'portal.regulator.scope.askedVerified'));
    expect(html).toContain(
      t(locale, 'portal.regulator.scope.item', {
        index: 1,
        purpose: t(locale, 'vocabulary.purpose.product_launch'),
      }),
    );
    expect(html).toContain(
      [t(locale, 'vocabulary.channel.email'), t(locale, 'vocabulary.channel.newsletter')].join(
        ', ',
      ),
    );
    // No grant to show, so not the sentence that says there is none to judge it against.
    expect(html).not.toContain(t(locale, 'portal.regulator.scope.noGrant'));
    expect(html).not.toContain('consent-grant');
  });

  it('shows none of a grant request whose signature failed, and says why', () => {
    const shown = view(
      'en',
      { request: { state: 'failed', code: 'ERR_JWS_SIGNATURE_INVALID' }, revocations: [] },
      request,
      'grant-request',
    );
    expect(shown).toEqual({
      state: 'asked',
      request: { state: 'unverified', cause: t('en', 'errors.ERR_JWS_SIGNATURE_INVALID') },
    });
  });
});

describe('consentView of purposes revoked since', () => {
  const revokedOf = (checks: ConsentChecks, locale: Locale = 'en') =>
    known(view(locale, checks)).grant.scopes.map((s) => s.revoked);
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const on = (locale: Locale, at: number) =>
    t(locale, 'portal.regulator.scope.revokedOn', { at: formatDayTime(locale, at * 1000) });

  it.each(['de', 'en'] as const)(
    'marks in %s the revoked purpose with the earliest revocation of it, not the others',
    (locale) => {
      const checks: ConsentChecks = {
        request: { state: 'verified' },
        revocations: [
          { at: T + 600, purposes: ['product_launch'] },
          { at: T, purposes: ['product_launch', 'newsletter_general'] },
        ],
      };
      expect(revokedOf(checks, locale)).toEqual([on(locale, T), undefined]);
      const html = render(GrantScopes, {
        props: { view: view(locale, checks), t: translator(locale), index: 0 },
      }).body;
      expect(html).toMatch(
        new RegExp(
          `<p[^>]*data-testid="consent-grant-scope-revoked"[^>]*>${escaped(on(locale, T))}</p>`,
        ),
      );
      expect(html.match(/consent-grant-scope-revoked/g)).toHaveLength(1);
    },
  );

  it('marks every scope when the whole grant was revoked', () => {
    expect(
      revokedOf({
        request: { state: 'verified' },
        revocations: [{ at: T + 60, purposes: ['win_back'] }, { at: T + 3600 }],
      }),
    ).toEqual([on('en', T + 3600), on('en', T + 60)]);
  });

  it('marks nothing before the check has verified a revocation', () => {
    expect(revokedOf(pendingChecks)).toEqual([undefined, undefined]);
  });
});
