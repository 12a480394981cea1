/**
 * The registration form answers empty and malformed fields itself (the form is `novalidate`):
 * every case the browser's own bubble covered (`required`, `type="email"`) is a sentence of the
 * catalog beside its field, in German and English (registration.ts).
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import {
  companyPayload,
  problemsByField,
  registrationProblems,
  type RegistrationInput,
} from '$lib/components/company/registration';
import RegisterPage from './+page.svelte';

const key = {
  jwk: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) } as never,
  kid: 'B'.repeat(43),
};
const claims = { origin: 'http://localhost:3000', nowSeconds: 1_800_000_000, jti: 'j1' };
const filled: RegistrationInput = {
  legalName: 'Laufschuh GmbH',
  registerId: 'HRB 4711, Köln',
  domain: 'https://laufschuh.example',
  email: 'datenschutz@laufschuh.example',
  purposes: ['product_launch'],
  brands: '',
};
const fieldsOf = (input: RegistrationInput) => [
  ...problemsByField(registrationProblems(companyPayload(input, key, claims))).keys(),
];

describe('the registration form’s own check', () => {
  it('is not the browser’s: the form is novalidate (the bubble was English only, tied to nothing)', () => {
    const { body } = render(RegisterPage, {
      props: { data: { locale: 'de', origin: claims.origin } as never, form: null } as never,
    });
    expect(body).toMatch(/<form[^>]*action="\?\/register"[^>]*novalidate/);
  });

  it('ties every field the browser required, left empty, to its own sentence', () => {
    const empty: RegistrationInput = {
      legalName: '',
      registerId: '',
      domain: '',
      email: '',
      purposes: [],
      brands: '',
    };
    expect(fieldsOf(empty)).toEqual(['legalName', 'registerId', 'domain', 'email', 'purposes']);
  });

  it.each([
    ['legalName', { legalName: '   ' }],
    ['registerId', { registerId: '' }],
    ['domain', { domain: '' }],
    ['email', { email: '' }],
    ['email', { email: 'not an address' }],
  ] as const)('answers %s left empty (or blank, or malformed) beside the field', (field, over) => {
    const input = { ...filled, ...over };
    // The page trims what was typed before the check (+page.svelte `readInput`).
    const trimmed = Object.fromEntries(
      Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]),
    ) as unknown as RegistrationInput;
    expect(fieldsOf(trimmed)).toEqual([field]);
    const message = problemsByField(registrationProblems(companyPayload(trimmed, key, claims))).get(
      field,
    )!;
    for (const locale of ['de', 'en'] as const) expect(t(locale, message)).not.toBe(message);
  });
});
