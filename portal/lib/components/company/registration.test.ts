/**
 * The registration's problems by field (registration.ts `problemsByField`): the page marks each
 * field a problem names invalid and describes it by the sentence beside it; the summary under
 * the form lists every problem, also those of no one field.
 */
import { describe, expect, it } from 'vitest';
import { problemsByField, registrationFields } from './registration';

describe('problemsByField', () => {
  it('ties the domain and the purposes to their fields (failed before: one list after the form)', () => {
    const byField = problemsByField([
      'portal.console.register.error.domain',
      'portal.console.register.error.purposes',
    ]);
    expect([...byField]).toEqual([
      ['domain', 'portal.console.register.error.domain'],
      ['purposes', 'portal.console.register.error.purposes'],
    ]);
  });

  it('ties a problem of the whole message or the browser to no field', () => {
    expect(
      problemsByField([
        'portal.console.register.error.invalid',
        'portal.console.register.error.browser',
        'portal.console.key.needed',
      ]).size,
    ).toBe(0);
  });

  it('knows a field for each problem of one field, the pasted key and message included', () => {
    const fields = [
      'legalName',
      'registerId',
      'domain',
      'email',
      'purposes',
      'brands',
      'publicKey',
      'signed',
    ].map(
      (name) => [...problemsByField([`portal.console.register.error.${name}` as never]).keys()][0],
    );
    expect(fields).toEqual([...registrationFields]);
  });
});
