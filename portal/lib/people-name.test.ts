/**
 * The display-name rule (people-name.ts), the one the server and the enrolment page share. That
 * the page's answer is the server's is shown against the real `/auth/enrol` service in
 * people-ceremony.test.ts; here, what the rule says and keeps.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { displayName, maxNameLength, parseDisplayName } from './people-name';

describe('parseDisplayName', () => {
  it.each([
    ['Erika Muster', 'Erika Muster'],
    ['  Erika Müller  ', 'Erika Müller'],
    ['Ōsaka 大阪 🙂', 'Ōsaka 大阪 🙂'],
    ['a'.repeat(maxNameLength), 'a'.repeat(maxNameLength)],
    [` ${'a'.repeat(maxNameLength)}\t`, 'a'.repeat(maxNameLength)],
    ['Erika\u2029', 'Erika'], // a separator at the end is trimmed away
    ['\ufeffErika', 'Erika'], // as String.prototype.trim does
    ['Mohammad\u200cReza Tehrani', 'Mohammad\u200cReza Tehrani'], // ZWNJ, in Persian names
    ['Rita 👩\u200d⚖️', 'Rita 👩\u200d⚖️'], // ZWJ, joining an emoji's parts
    ['👨\u200d👩\u200d👧', '👨\u200d👩\u200d👧'],
  ])('takes %j as %j', (input, name) => {
    expect(parseDisplayName(input)).toEqual({ name, problem: null });
    expect(v.parse(displayName, input)).toBe(name);
  });

  it.each([
    ['', 'missing'],
    [' \t\n ', 'missing'],
    ['\u00a0\u3000', 'missing'],
    ['a'.repeat(maxNameLength + 1), 'tooLong'],
    // Too long and with a control character: said as too long, the first check that fails.
    [`${'a'.repeat(maxNameLength)}\u0007`, 'tooLong'],
    ['Erika\u0007 Muster', 'characters'],
    ['Erika\u0000', 'characters'],
    ['Erika\u00adMuster', 'characters'],
    ['Erika\u200e Muster', 'characters'],
    // The bidi controls the rule is for (Unicode TR 36 section 2.1), and the other format characters.
    ['Erika\u202eretsuM', 'characters'],
    ['Erika\u202a Muster', 'characters'],
    ['Erika\u2066Muster\u2069', 'characters'],
    ['Erika\u200bMuster', 'characters'],
    ['Erika\u2060Muster', 'characters'],
    // The joiners are taken only between two characters: never alone, leading, trailing or in a run.
    ['\u200d', 'characters'],
    ['\u200c\u200d', 'characters'],
    ['\u200cErika', 'characters'],
    ['Erika\u200d', 'characters'],
    ['Erika\u200c\u200cMuster', 'characters'],
    ['Erika\u200d\u202eMuster', 'characters'],
    ['Erika\u2028Muster', 'characters'],
  ] as const)('refuses %j as %s', (input, problem) => {
    expect(parseDisplayName(input)).toEqual({ name: null, problem });
    expect(v.safeParse(displayName, input).success).toBe(false);
  });
});
