/**
 * The invitation's name on the regulators' people page (invitation-name.ts): judged by the
 * clearinghouse's own rule before anything is signed, and the server's refusal of it recognised.
 */
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import { maxNameLength } from '$lib/people-name';
import { invitationNameProblem, refusesInvitationName } from './invitation-name';

describe('invitationNameProblem', () => {
  it.each([
    '',
    '   ',
    'Rita Prüferin',
    'Mohammad\u200cReza Tehrani', // U+200C: once refused with a generic error at the message
    'Rita 👩\u200d⚖️', // U+200D inside the emoji
    'a'.repeat(maxNameLength),
  ])('takes %j', (typed) => {
    expect(invitationNameProblem(typed)).toBeUndefined();
  });

  it.each([
    ['a'.repeat(maxNameLength + 1), 'portal.regulator.people.nameTooLong'],
    ['Erika\u202eretsuM', 'portal.regulator.people.nameCharacters'],
    ['Erika\u2066Muster\u2069', 'portal.regulator.people.nameCharacters'],
    ['Erika\u0007', 'portal.regulator.people.nameCharacters'],
    ['\u200d', 'portal.regulator.people.nameCharacters'],
  ] as const)('refuses %j, saying it in German and English', (typed, key) => {
    expect(invitationNameProblem(typed)).toBe(key);
    for (const locale of ['de', 'en'] as const) expect(t(locale, key)).not.toBe(key);
  });
});

describe('refusesInvitationName', () => {
  it.each([
    [{ message: 'errors.ERR_MESSAGE_INVALID', issues: ['name'] }, true],
    [{ message: 'errors.ERR_MESSAGE_INVALID', issues: ['role', 'name'] }, true],
    [{ message: 'errors.ERR_MESSAGE_INVALID', issues: ['role'] }, false],
    [{ message: 'errors.ERR_MESSAGE_INVALID' }, false],
    [{ message: 'errors.ERR_QUERY_INVALID', issues: ['name'] }, false],
  ] as const)('%j: %s', (refusal, expected) => {
    expect(refusesInvitationName(refusal)).toBe(expected);
  });
});
