/**
 * The name of a regulator's invitation (optional: without one the person invited gives it at
 * enrolment), judged before the invitation is signed by the rule the clearinghouse takes names by
 * (people-name.ts), and the server's refusal of it: each a sentence said beside the name field.
 */
import type { MessageKey } from '$protocol/i18n';
import { parseDisplayName, type NameProblem } from '$lib/people-name';

/**
 * The sentence for each problem of the rule. `missing` is never met here (a blank name is no
 * name, and none is sent), but if it were, it is said as the server's refusal.
 */
const problemKeys = {
  missing: 'portal.regulator.people.nameRefused',
  tooLong: 'portal.regulator.people.nameTooLong',
  characters: 'portal.regulator.people.nameCharacters',
} as const satisfies Record<NameProblem, MessageKey>;

/**
 * Why the clearinghouse would refuse `typed` as an invitation's name, as a catalog sentence, or
 * undefined when it takes it or when it is blank (then the invitation names nobody).
 *
 * @example
 * ```ts
 * invitationNameProblem('Erika\u202eMuster'); // 'portal.regulator.people.nameCharacters'
 * invitationNameProblem('Mohammad\u200cReza Tehrani'); // undefined
 * ```
 */
export function invitationNameProblem(typed: string): MessageKey | undefined {
  if (typed.trim() === '') return undefined;
  const { problem } = parseDisplayName(typed);
  return problem === null ? undefined : problemKeys[problem];
}

/**
 * Whether a refused invitation was refused for its name: a malformed message (ERR_MESSAGE_INVALID)
 * whose problem names the field `name` (people.ts, `person-invitation`).
 *
 * @example
 * ```ts
 * refusesInvitationName({ message: 'errors.ERR_MESSAGE_INVALID', issues: ['name'] }); // true
 * ```
 */
export function refusesInvitationName(refusal: {
  message: MessageKey;
  issues?: readonly string[];
}): boolean {
  return (
    refusal.message === 'errors.ERR_MESSAGE_INVALID' && refusal.issues?.includes('name') === true
  );
}
