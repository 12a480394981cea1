/**
 * The technical problems the Assistant met on this device: failures that are not refusals (no
 * `ProtocolError`), that is bugs, a browser that misbehaves, storage that fails. The pages say such
 * a failure in a sentence ("something went wrong") and go on, the customer view shows the vault's
 * copy when its refresh fails; without a record the cause would be lost with the worker's
 * console. The settings page lists them, to copy into a bug report, and clears them.
 *
 * Kept in `storage.local` (the extension's own storage, never sent anywhere), at most
 * {@link maxProblems}, each for {@link problemRetentionMs}: where it happened, the error's name
 * and the start of its message with quoted values and long identifiers left out ({@link redact}),
 * never the request's content. The same problem again counts up instead of pushing older ones
 * out. Wiping the vault clears it too.
 */
import * as v from 'valibot';
import type { ClockPort, SessionCell } from './ports';

/** At most this many different problems are kept, the newest first. */
export const maxProblems = 20;

/** A problem is forgotten a week after it last happened. */
export const problemRetentionMs = 7 * 24 * 60 * 60 * 1000;

/** How much of an error's message is kept (it may quote what failed: kept short). */
export const maxProblemMessage = 200;

const boundedText = (max: number) => v.pipe(v.string(), v.maxLength(max));

/** One recorded problem, as stored and as the settings page gets it. */
export const problemEntry = v.strictObject({
  /** When it last happened (ms). */
  at: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** What the Assistant was doing: a request's type, a timer's name. */
  where: boundedText(64),
  /** The error's name (`TypeError`, `QuotaExceededError`, …). */
  name: boundedText(64),
  message: boundedText(maxProblemMessage),
  /** How often it happened while kept. */
  count: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export type Problem = v.InferOutput<typeof problemEntry>;

const storedProblems = v.array(problemEntry);

/** `text` cut to `max` characters, an ellipsis marking the cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A message with what it may quote of the data left out: quoted text (a schema error names the
 * value it got) and long runs of letters and digits (keys, hashes, pseudonyms, tokens).
 *
 * @example
 * ```ts
 * redact('Invalid type: Expected number but received "Jane"'); // 'Invalid type: Expected number but received "…"'
 * ```
 */
export function redact(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`|“[^”]*”|„[^“”]*[“”]/g, '"…"')
    .replace(/[A-Za-z0-9_+/=-]{20,}/g, '…');
}

/** What is kept of `error`: its name and the start of its message, redacted. */
function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return {
      name: cut(typeof name === 'string' && name !== '' ? name : 'Error', 64),
      message: cut(redact(typeof message === 'string' ? message : ''), maxProblemMessage),
    };
  }
  return { name: typeof error, message: cut(redact(String(error)), maxProblemMessage) };
}

/**
 * The record of problems in `cell`. Every method is safe to call from a failure's own handler:
 * recording never throws (a storage that fails cannot record its own failure), and writes are
 * made one after another, so two problems at once are both kept.
 *
 * @example
 * ```ts
 * const problems = new ProblemLog(localCell('problems'), clock);
 * await problems.record('settings.set', error);
 * ```
 */
export class ProblemLog {
  private turn: Promise<unknown> = Promise.resolve();
  private readonly cell: SessionCell<unknown>;

  /** Without a `cell` (tests), the problems are kept in memory. */
  constructor(
    cell: SessionCell<unknown> | undefined,
    private readonly clock: ClockPort,
  ) {
    let kept: unknown;
    this.cell = cell ?? {
      read: async () => kept,
      write: async (value) => {
        kept = value;
      },
    };
  }

  /** The kept problems, the newest first (a week old and older left out). */
  async list(): Promise<Problem[]> {
    await this.turn;
    return this.read();
  }

  /** Keeps `error` as a problem met while doing `where`; never throws. */
  record(where: string, error: unknown): Promise<void> {
    return this.inTurn(async () => {
      const at = this.clock.now();
      const { name, message } = describe(error);
      const place = cut(where, 64);
      const kept = await this.read();
      const same = kept.find((p) => p.where === place && p.name === name && p.message === message);
      const others = kept.filter((p) => p !== same);
      const next = [{ at, where: place, name, message, count: (same?.count ?? 0) + 1 }, ...others];
      await this.cell.write(next.slice(0, maxProblems));
    });
  }

  /** Forgets every kept problem; rejects when the storage refuses the write. */
  clear(): Promise<void> {
    const done = this.turn.then(() => this.cell.write([]));
    this.turn = done.catch(() => undefined);
    return done;
  }

  /** `work` after every write asked for before it; its failure swallowed. */
  private inTurn(work: () => Promise<void>): Promise<void> {
    const done = this.turn.then(work).catch(() => undefined);
    this.turn = done;
    return done;
  }

  private async read(): Promise<Problem[]> {
    let value: unknown;
    try {
      value = await this.cell.read();
    } catch {
      return [];
    }
    const parsed = v.safeParse(storedProblems, value);
    if (!parsed.success) return [];
    const since = this.clock.now() - problemRetentionMs;
    return parsed.output.filter((p) => p.at > since).slice(0, maxProblems);
  }
}
