/**
 * What this browser remembers of the log for the audit page: the log key and origin pinned on
 * first use (SPECS "Identifiers": pinned on first contact, a change warned about loudly), the
 * checkpoints verified under that pin, and the stored checkpoints that do not verify under it,
 * kept as evidence. An operator who switches keys and serves another history must not be
 * "verified" by the page, nor erase the checkpoints that prove the fork: the pin never follows
 * the server, and nothing stored is dropped or overwritten because it fails to verify.
 *
 * Checkpoints verified under the pin are also compared with each other, as the command-line
 * verifier compares a new checkpoint with its state file (scripts/verify.ts): two roots for one
 * size (`ERR_CHECKPOINT_FORK`), the log's current checkpoint smaller than one seen
 * (`ERR_CHECKPOINT_SHRUNK`), or one that is not a prefix of another (a failed consistency
 * proof) are a log that signed two histories. Both signed notes are then kept as a
 * {@link ConflictingPair}, and the list of checkpoints seen stays one history.
 *
 * Pure: the page reads and writes localStorage, opens notes with protocol/tlog and builds proofs
 * from the log's tiles (lib/components/audit/consistency).
 */
import { ProtocolError } from '$protocol/errors';
import type { Unavailable } from '$lib/components/audit/consistency';

/** The localStorage key of the history (one per web origin, whatever log origin it serves). */
export const historyStorageKey = 'consent-clearinghouse-audit';

/** Where the page kept its checkpoints before it pinned a key (a list of {@link SeenCheckpoint}). */
export function legacyStorageKey(logOrigin: string): string {
  return `consent-clearinghouse-audit:${logOrigin}`;
}

/** The log's verifier key and origin as pinned (or as the server describes them). */
export interface LogPin {
  readonly logOrigin: string;
  readonly logVerifierKey: string;
}

/** A checkpoint verified under the pinned key. `root` is standard base64. */
export interface SeenCheckpoint {
  readonly size: number;
  readonly root: string;
  readonly note: string;
  readonly seenAt: number;
}

/** A checkpoint this browser holds that does not verify under the pinned key, and why. */
export interface EvidenceCheckpoint {
  readonly note: string;
  readonly seenAt: number;
  /** The error code (`ERR_NOTE_NO_TRUSTED_SIGNATURE`, …), or `unreadable` for stored text. */
  readonly error: string;
}

/** A key pinned before the auditor pinned the one the server names now ({@link repin}). */
export interface PreviousPin {
  readonly pin: LogPin;
  /** The checkpoints verified under it, oldest first, as they were when it was replaced. */
  readonly seen: readonly SeenCheckpoint[];
  /** When the auditor replaced it (ms). */
  readonly replacedAt: number;
}

/** A checkpoint verified under the pin, as kept in a {@link ConflictingPair}. */
export interface PinnedCheckpoint {
  readonly size: number;
  /** Standard base64. */
  readonly root: string;
  readonly note: string;
}

/**
 * Two checkpoints, both verified under the pin, that one log cannot both have signed: the
 * evidence of a fork (or of a log that shrank), kept with both signed notes.
 */
export interface ConflictingPair {
  /** The checkpoint seen before, one of the history's when it was found. */
  readonly seen: PinnedCheckpoint;
  /** The one that contradicts it. */
  readonly other: PinnedCheckpoint;
  /**
   * `ERR_CHECKPOINT_FORK` (the same size, another root), `ERR_CHECKPOINT_SHRUNK` (the log's
   * current checkpoint is smaller than `seen`), or the code of the failed consistency proof
   * (`ERR_TLOG_CONSISTENCY_INVALID`, `ERR_TLOG_TILE_INVALID`: the log's tiles do not give the
   * signed root, …).
   */
  readonly error: string;
  readonly seenAt: number;
}

export interface AuditHistory {
  readonly pin: LogPin;
  /** Oldest first, at most {@link maxSeen}; one history (no two roots for one size). */
  readonly seen: readonly SeenCheckpoint[];
  /** In the order found; never shortened. */
  readonly evidence: readonly EvidenceCheckpoint[];
  /** In the order found; never shortened. */
  readonly conflicts: readonly ConflictingPair[];
  /** Keys pinned before, oldest first; never shortened. */
  readonly previous: readonly PreviousPin[];
}

/**
 * Opens a signed checkpoint with `pin` (signature and origin): its size and root, or it throws
 * (a ProtocolError whose `code` says why).
 */
export type OpenPinned = (pin: LogPin, note: string) => { size: number; root: string };

/** Verified checkpoints kept (the oldest go first), and evidence added beyond what is stored. */
export const maxSeen = 50;
export const maxEvidence = 50;
/** Longest stored text kept as evidence (a note is at most a few KiB). */
const maxEvidenceChars = 65_536;

/**
 * The history after a page load: `stored` (the {@link historyStorageKey} value) and `legacy`
 * (the {@link legacyStorageKey} value, read only while there is no history yet) as localStorage
 * holds them. Without a history the server's pin is pinned now (first use). Every stored
 * checkpoint is opened again under the pin: those that fail go to the evidence with their code,
 * as does stored text that cannot be read; one with the size of another but another root (kept
 * by a page that did not compare them) becomes a {@link ConflictingPair}. `keyChanged`: the
 * server now describes another key or origin than the pinned one.
 *
 * @example
 * ```ts
 * const { history, keyChanged } = loadHistory(
 *   { stored: localStorage.getItem(historyStorageKey), legacy: null },
 *   { logOrigin: data.logOrigin, logVerifierKey: data.logVerifierKey },
 *   open,
 *   Date.now(),
 * );
 * ```
 */
export function loadHistory(
  storage: { readonly stored: string | null; readonly legacy: string | null },
  served: LogPin,
  open: OpenPinned,
  now: number,
): { history: AuditHistory; keyChanged: boolean } {
  const evidence: EvidenceCheckpoint[] = [];
  const unreadable = (text: string) =>
    evidence.push({ note: text.slice(0, maxEvidenceChars), seenAt: now, error: 'unreadable' });
  let pin: LogPin = served;
  let candidates: unknown[] = [];
  let previous: PreviousPin[] = [];
  let conflicts: readonly ConflictingPair[] = [];
  const stored = storage.stored === null ? undefined : readStored(storage.stored);
  if (stored !== undefined) {
    pin = stored.pin;
    candidates = stored.seen;
    evidence.push(...stored.evidence);
    previous = stored.previous;
    conflicts = stored.conflicts;
  } else {
    if (storage.stored !== null) unreadable(storage.stored);
    if (storage.legacy !== null) {
      const legacy = parseJson(storage.legacy);
      if (Array.isArray(legacy)) candidates = legacy;
      else unreadable(storage.legacy);
    }
  }
  let verified: AuditHistory = { pin, seen: [], evidence: [], conflicts, previous };
  for (const item of candidates) {
    const note = isRecord(item) ? item.note : undefined;
    const seenAt = isRecord(item) && typeof item.seenAt === 'number' ? item.seenAt : now;
    if (typeof note !== 'string') {
      unreadable(JSON.stringify(item) ?? '');
      continue;
    }
    try {
      const { size, root } = open(pin, note);
      const twin = verified.seen.find((s) => s.size === size && s.root !== root);
      verified =
        twin === undefined
          ? withSeen(verified, note, open, seenAt)
          : withConflict(
              verified,
              { seen: twin, other: { size, root, note }, error: 'ERR_CHECKPOINT_FORK' },
              seenAt,
            );
    } catch (error) {
      evidence.push({ note, seenAt, error: codeOf(error) });
    }
  }
  const keyChanged =
    pin.logVerifierKey !== served.logVerifierKey || pin.logOrigin !== served.logOrigin;
  return {
    history: { pin, seen: verified.seen, evidence, conflicts: verified.conflicts, previous },
    keyChanged,
  };
}

/**
 * `history` pinned to `served` instead, at the auditor's explicit request (the operator announced
 * and explained a new log key): the key pinned so far and the checkpoints verified under it move
 * to {@link AuditHistory.previous}, the evidence stays, and the list of checkpoints seen starts
 * anew under the new key (a checkpoint of the old key cannot be compared with one of the new).
 * Unchanged when `served` is the pin already.
 *
 * @example
 * ```ts
 * store(repin(history, { logOrigin: data.logOrigin, logVerifierKey: data.logVerifierKey }, Date.now()));
 * ```
 */
export function repin(history: AuditHistory, served: LogPin, now: number): AuditHistory {
  if (
    history.pin.logOrigin === served.logOrigin &&
    history.pin.logVerifierKey === served.logVerifierKey
  ) {
    return history;
  }
  return {
    pin: served,
    seen: [],
    evidence: history.evidence,
    conflicts: history.conflicts,
    previous: [...history.previous, { pin: history.pin, seen: history.seen, replacedAt: now }],
  };
}

/**
 * `history` with `note` among the checkpoints seen, once it verifies under the pin (unchanged
 * when it is there already). Only for a checkpoint {@link settleCheckpoint} found consistent
 * with those seen; it refuses the one thing it can see itself, another root at a size seen.
 *
 * @throws what `open` throws when `note` does not verify under the pin; ProtocolError
 *   `ERR_CHECKPOINT_FORK` when a checkpoint of its size with another root was seen.
 * @example
 * ```ts
 * history = withSeen(history, receiptCheck.checkpointNote, open, Date.now());
 * ```
 */
export function withSeen(
  history: AuditHistory,
  note: string,
  open: OpenPinned,
  now: number,
): AuditHistory {
  const { size, root } = open(history.pin, note);
  if (history.seen.some((s) => s.size === size && s.root === root)) return history;
  if (history.seen.some((s) => s.size === size)) {
    throw new ProtocolError('ERR_CHECKPOINT_FORK', 'another root was seen at this size', { size });
  }
  const seen = [...history.seen, { size, root, note, seenAt: now }]
    .sort((a, b) => a.size - b.size)
    .slice(-maxSeen);
  return { ...history, seen };
}

/**
 * `history` with `pair` kept as evidence of a fork, unless the same two notes are kept already
 * or {@link maxEvidence} pairs are; nothing kept before is ever removed.
 *
 * @example
 * ```ts
 * history = withConflict(history, { seen, other, error: 'ERR_CHECKPOINT_FORK' }, Date.now());
 * ```
 */
export function withConflict(
  history: AuditHistory,
  pair: Omit<ConflictingPair, 'seenAt'>,
  now: number,
): AuditHistory {
  const same = (a: PinnedCheckpoint, b: PinnedCheckpoint) => a.note === b.note;
  const known = history.conflicts.some(
    (c) =>
      (same(c.seen, pair.seen) && same(c.other, pair.other)) ||
      (same(c.seen, pair.other) && same(c.other, pair.seen)),
  );
  if (known || history.conflicts.length >= maxEvidence) return history;
  const keep = ({ size, root, note }: PinnedCheckpoint) => ({ size, root, note });
  return {
    ...history,
    conflicts: [
      ...history.conflicts,
      { seen: keep(pair.seen), other: keep(pair.other), error: pair.error, seenAt: now },
    ],
  };
}

/**
 * Where a checkpoint verified under the pin stands against those seen, before anything is
 * fetched. `known`: it is one of them; `first`: none was seen, so it is the first; `fork`: one
 * of its size has another root; `shrunk` (only for the log's `current` checkpoint, as the
 * command-line verifier checks the one it fetches against the last it saw): a larger one was
 * seen, even when this one was seen too; `prove`: `older` must be shown a prefix of `newer`
 * (signed notes) with a consistency proof, `against` being the one seen. A checkpoint larger
 * than all seen is proven against the newest; a smaller one against the smallest seen one
 * larger than itself (the seen ones being one history, that one proof places it against all of
 * them).
 *
 * @throws what `open` throws when `note` does not verify under the pin.
 * @example
 * ```ts
 * const place = placeCheckpoint(history, data.checkpointNote, open, true);
 * ```
 */
export function placeCheckpoint(
  history: AuditHistory,
  note: string,
  open: OpenPinned,
  current = false,
): Placement {
  const { size, root } = open(history.pin, note);
  const checkpoint = { size, root, note };
  const same = history.seen.find((s) => s.size === size);
  if (same !== undefined && same.root !== root) return { kind: 'fork', checkpoint, against: same };
  const newest = history.seen[history.seen.length - 1];
  // Seen itself once, the log's current checkpoint is still a shrink when a larger one was seen.
  if (current && newest !== undefined && newest.size > size) {
    return { kind: 'shrunk', checkpoint, against: newest };
  }
  if (same !== undefined) return { kind: 'known', checkpoint };
  if (newest === undefined) return { kind: 'first', checkpoint };
  if (newest.size < size) {
    return { kind: 'prove', checkpoint, against: newest, older: newest.note, newer: note };
  }
  const larger = history.seen.find((s) => s.size > size)!;
  return { kind: 'prove', checkpoint, against: larger, older: note, newer: larger.note };
}

/** What {@link placeCheckpoint} found; `checkpoint` is the one placed. */
export type Placement =
  | { readonly kind: 'known' | 'first'; readonly checkpoint: PinnedCheckpoint }
  | {
      readonly kind: 'fork' | 'shrunk';
      readonly checkpoint: PinnedCheckpoint;
      readonly against: SeenCheckpoint;
    }
  | {
      readonly kind: 'prove';
      readonly checkpoint: PinnedCheckpoint;
      readonly against: SeenCheckpoint;
      readonly older: string;
      readonly newer: string;
    };

/**
 * A consistency proof of `newer` extending `older` (signed notes), built from the log's tiles:
 * lib/components/audit/consistency's `checkConsistency` with a `logTileReader`.
 */
export type Prove = (
  older: string,
  newer: string,
) => Promise<{ readonly ok: boolean; readonly error?: string; readonly unavailable?: Unavailable }>;

/**
 * What became of a checkpoint handed to {@link settleCheckpoint}. `seen`: it is among the
 * checkpoints seen (`against`: the one it was proven consistent with, if any); `conflict`: it
 * contradicts `against`, and both are kept as a {@link ConflictingPair}; `unchecked`: the proof
 * could not be built (`unavailable`), so it was neither added nor judged.
 */
export type Settled =
  | {
      readonly kind: 'seen';
      readonly checkpoint: PinnedCheckpoint;
      readonly against?: SeenCheckpoint;
    }
  | {
      readonly kind: 'conflict';
      readonly checkpoint: PinnedCheckpoint;
      readonly against: SeenCheckpoint;
      readonly error: string;
    }
  | {
      readonly kind: 'unchecked';
      readonly checkpoint: PinnedCheckpoint;
      readonly against: SeenCheckpoint;
      readonly unavailable: Unavailable;
    };

/**
 * Places `note` ({@link placeCheckpoint}) in the history `read` returns and `commit`s what
 * follows: a checkpoint consistent with those seen joins them, one that contradicts one of them
 * is kept with it as a {@link ConflictingPair} and does not join them, one whose proof could not
 * be built changes nothing (the page says so; the next visit tries again). The history is read
 * again after the proof, so what changed meanwhile is kept; `commit` is called at once after.
 *
 * @throws (rejects with) what `open` throws when `note` does not verify under the pin.
 * @example
 * ```ts
 * const settled = await settleCheckpoint(() => history, note, { open, prove, now: Date.now }, store);
 * ```
 */
export async function settleCheckpoint(
  read: () => AuditHistory,
  note: string,
  options: {
    readonly open: OpenPinned;
    readonly prove: Prove;
    readonly now: () => number;
    /** `note` is the log's current checkpoint (a smaller one than seen is a shrink). */
    readonly current?: boolean;
  },
  commit: (next: AuditHistory) => void,
): Promise<Settled> {
  const { open, now } = options;
  const place = placeCheckpoint(read(), note, open, options.current);
  const { checkpoint } = place;
  const conflict = (against: SeenCheckpoint, error: string): Settled => {
    commit(withConflict(read(), { seen: against, other: checkpoint, error }, now()));
    return { kind: 'conflict', checkpoint, against, error };
  };
  const join = (against?: SeenCheckpoint): Settled => {
    const history = read();
    try {
      commit(withSeen(history, note, open, now()));
    } catch (error) {
      // Another root of its size joined meanwhile (from another check): a fork all the same.
      const twin = history.seen.find((s) => s.size === checkpoint.size);
      if (codeOf(error) !== 'ERR_CHECKPOINT_FORK' || twin === undefined) throw error;
      return conflict(twin, 'ERR_CHECKPOINT_FORK');
    }
    return against === undefined
      ? { kind: 'seen', checkpoint }
      : { kind: 'seen', checkpoint, against };
  };
  switch (place.kind) {
    case 'known':
      return { kind: 'seen', checkpoint };
    case 'first':
      return join();
    case 'fork':
      return conflict(place.against, 'ERR_CHECKPOINT_FORK');
    case 'shrunk':
      return conflict(place.against, 'ERR_CHECKPOINT_SHRUNK');
    case 'prove': {
      const proof = await options.prove(place.older, place.newer);
      if (proof.ok) return join(place.against);
      if (proof.unavailable !== undefined) {
        return {
          kind: 'unchecked',
          checkpoint,
          against: place.against,
          unavailable: proof.unavailable,
        };
      }
      return conflict(place.against, proof.error ?? 'ERR_TLOG_CONSISTENCY_INVALID');
    }
  }
}

/**
 * `history` with `note` kept as evidence (the server's current checkpoint that does not verify
 * under the pin, say), unless it is there already or {@link maxEvidence} are kept; nothing kept
 * before is ever removed.
 *
 * @example
 * ```ts
 * history = withEvidence(history, data.checkpointNote, 'ERR_NOTE_NO_TRUSTED_SIGNATURE', Date.now());
 * ```
 */
export function withEvidence(
  history: AuditHistory,
  note: string,
  error: string,
  now: number,
): AuditHistory {
  if (history.evidence.length >= maxEvidence || history.evidence.some((e) => e.note === note)) {
    return history;
  }
  return {
    ...history,
    evidence: [...history.evidence, { note: note.slice(0, maxEvidenceChars), seenAt: now, error }],
  };
}

/** The text stored under {@link historyStorageKey}; {@link loadHistory} reads it back. */
export function serializeHistory(history: AuditHistory): string {
  return JSON.stringify({
    v: 2,
    pin: history.pin,
    seen: history.seen,
    evidence: history.evidence,
    conflicts: history.conflicts,
    previous: history.previous,
  });
}

function readStored(text: string):
  | {
      pin: LogPin;
      seen: unknown[];
      evidence: EvidenceCheckpoint[];
      conflicts: ConflictingPair[];
      previous: PreviousPin[];
    }
  | undefined {
  const value = parseJson(text);
  if (!isRecord(value) || value.v !== 2) return undefined;
  const current = pinOf(value.pin);
  if (current === undefined || !Array.isArray(value.seen) || !Array.isArray(value.evidence))
    return undefined;
  const evidence: EvidenceCheckpoint[] = [];
  for (const item of value.evidence) {
    // Kept as found: evidence is never re-judged, only shown.
    evidence.push(
      isRecord(item) && typeof item.note === 'string'
        ? {
            note: item.note,
            seenAt: typeof item.seenAt === 'number' ? item.seenAt : 0,
            error: typeof item.error === 'string' ? item.error : 'unreadable',
          }
        : { note: JSON.stringify(item) ?? '', seenAt: 0, error: 'unreadable' },
    );
  }
  // Kept as found too (a history stored before keys could be replaced has none): each one's
  // checkpoints were verified under its own key when it was replaced.
  const previous: PreviousPin[] = [];
  for (const item of Array.isArray(value.previous) ? value.previous : []) {
    const pin = isRecord(item) ? pinOf(item.pin) : undefined;
    if (pin === undefined) {
      evidence.push({ note: JSON.stringify(item) ?? '', seenAt: 0, error: 'unreadable' });
      continue;
    }
    previous.push({
      pin,
      seen: Array.isArray(item!.seen) ? item!.seen.filter(isSeenCheckpoint) : [],
      replacedAt: typeof item!.replacedAt === 'number' ? item!.replacedAt : 0,
    });
  }
  // Kept as found (a history stored before forks were compared has none): never re-judged.
  const conflicts: ConflictingPair[] = [];
  for (const item of Array.isArray(value.conflicts) ? value.conflicts : []) {
    if (
      isRecord(item) &&
      isPinnedCheckpoint(item.seen) &&
      isPinnedCheckpoint(item.other) &&
      typeof item.error === 'string'
    ) {
      conflicts.push({
        seen: item.seen,
        other: item.other,
        error: item.error,
        seenAt: typeof item.seenAt === 'number' ? item.seenAt : 0,
      });
    } else {
      evidence.push({ note: JSON.stringify(item) ?? '', seenAt: 0, error: 'unreadable' });
    }
  }
  return { pin: current, seen: value.seen, evidence, conflicts, previous };
}

function isPinnedCheckpoint(item: unknown): item is PinnedCheckpoint {
  return (
    isRecord(item) &&
    typeof item.size === 'number' &&
    typeof item.root === 'string' &&
    typeof item.note === 'string'
  );
}

/** A stored pin, or undefined when `value` is not one (both fields strings). */
function pinOf(value: unknown): LogPin | undefined {
  if (!isRecord(value)) return undefined;
  const { logOrigin, logVerifierKey } = value;
  return typeof logOrigin === 'string' && typeof logVerifierKey === 'string'
    ? { logOrigin, logVerifierKey }
    : undefined;
}

function isSeenCheckpoint(item: unknown): item is SeenCheckpoint {
  return (
    isRecord(item) &&
    typeof item.size === 'number' &&
    typeof item.root === 'string' &&
    typeof item.note === 'string' &&
    typeof item.seenAt === 'number'
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function codeOf(error: unknown): string {
  const code = isRecord(error) ? error.code : undefined;
  return typeof code === 'string' ? code : 'unreadable';
}
