/**
 * A person's display name (docs/api.md "People"): the one rule the clearinghouse takes a name by,
 * used by the server (people.ts, at enrolment and invitation) and by the enrolment page before
 * its passkey ceremony (people-ceremony.ts). One rule, so the page never refuses a name the server
 * takes, nor lets through one the server refuses after the browser left a passkey on the
 * authenticator for a person who is then never created.
 *
 * Shared by browser and server: nothing here may import server-only code.
 */
import * as v from 'valibot';

/** The longest display name the clearinghouse takes, in UTF-16 code units, after trimming. */
export const maxNameLength = 100;

/**
 * The characters a display name may have: none of Unicode's control (Cc) or format (Cf) characters
 * nor U+2028/U+2029, except U+200C and U+200D, each between two others (see {@link displayName}).
 */
const nameCharacters =
  /^[^\p{Cc}\p{Cf}\u2028\u2029](?:[\u200c\u200d]?[^\p{Cc}\p{Cf}\u2028\u2029])*$/u;

/** Why a display name is refused: empty once trimmed, too long, or with a forbidden character. */
export type NameProblem = 'missing' | 'tooLong' | 'characters';

/**
 * The rule as a valibot schema, whose output is the name trimmed (`String.prototype.trim`). Each
 * check's message is its {@link NameProblem}, which {@link parseDisplayName} reads back.
 *
 * @example
 * ```ts
 * v.parse(displayName, '  Erika Muster '); // 'Erika Muster'
 * ```
 */
export const displayName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'missing' satisfies NameProblem),
  v.maxLength(maxNameLength, 'tooLong' satisfies NameProblem),
  // No control or format characters, no line or paragraph separators: the name is shown on pages
  // and in authenticator prompts, where they would hide or reorder what is shown (the bidi
  // controls U+202A-202E and U+2066-2069 above all: Unicode TR 36 section 2.1). Save the two
  // joiners, which only change how their neighbours join: U+200C (ZWNJ) is part of the spelling of
  // Persian and other names, U+200D (ZWJ) joins the parts of emoji such as 👩‍⚖️ (Unicode TR 51
  // section 2.3). Each must stand between two characters the rule takes, so no name is a joiner
  // alone or hides a run of them.
  v.regex(nameCharacters, 'characters' satisfies NameProblem),
);

/** A name judged by the rule: the name as kept (trimmed), or why it is refused. */
export type NameJudgement = { name: string; problem: null } | { name: null; problem: NameProblem };

/**
 * Judges `input` by the clearinghouse's rule ({@link displayName}): the first problem, checked in
 * the order empty, too long, characters; else the name as the server keeps it.
 *
 * @example
 * ```ts
 * parseDisplayName('   '); // { name: null, problem: 'missing' }
 * parseDisplayName(' Erika Muster '); // { name: 'Erika Muster', problem: null }
 * ```
 */
export function parseDisplayName(input: string): NameJudgement {
  const result = v.safeParse(displayName, input, { abortPipeEarly: true });
  if (result.success) return { name: result.output, problem: null };
  return { name: null, problem: result.issues[0].message as NameProblem };
}
