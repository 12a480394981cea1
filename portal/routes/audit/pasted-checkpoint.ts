/**
 * A checkpoint the auditor pasted into /audit ("Add a checkpoint you saw elsewhere"), made into
 * the signed note it was copied from. Copying adds whitespace around it (two spaces before the
 * first line, a blank line or spaces after the last, spaces a terminal pads each line with, CR
 * LF line ends), which made a genuine checkpoint fail as "its checkpoint was altered", accusing
 * the log, or as "not well-formed".
 *
 * What is removed, and why that is safe: whitespace before the first line and after the last,
 * spaces and tabs at the end of every line, and the CR of CR LF. A signed note is verified byte
 * for byte, so removing anything can never make an altered note verify; it can only make a
 * genuine one fail if that one had such whitespace itself. A checkpoint never has: its lines are
 * the origin, the size in decimal, the root in base64 and the signature lines (SPECS "The log",
 * C2SP tlog-checkpoint and signed-note, which allow no control character but the newline), and
 * this log writes no extension lines. Spaces at the start of a line are kept: inside a note they
 * are not what copying adds, and removing them would hide an edit rather than undo a copy.
 */

/**
 * The signed note in `pasted`, ending with exactly one newline as a note does; undefined when
 * nothing but whitespace was pasted.
 *
 * @example
 * ```ts
 * pastedCheckpoint('  ch.example/log\n5\nAAAA…=\n\n— ch.example/log Xyz…\n\n'); // 'ch.example/log\n5\nAAAA…=\n\n— ch.example/log Xyz…\n'
 * pastedCheckpoint(' \n '); // undefined
 * ```
 */
export function pastedCheckpoint(pasted: string): string | undefined {
  const note = pasted
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim();
  return note === '' ? undefined : `${note}\n`;
}
