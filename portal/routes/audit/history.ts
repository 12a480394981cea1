/**
 * What this browser remembers of the log for the audit page: the log key and origin pinned on
 * first use (SPECS "Identifiers": pinned on first contact, a change warned about loudly), the
 * checkpoints verified under that pin, and the stored checkpoints that do not verify under it,
 * kept as evidence. An operator who switches keys and serves another history must not be
 * "verified" by the page, nor erase the checkpoints that prove the fork: the pin never follows
 * the server, and nothing stored is dropped or overwritten because it fails to verify.
 *
 * Pure: the page reads and writes localStorage and opens notes with protocol/tlog.
 */

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

export interface AuditHistory {
  readonly pin: LogPin;
  /** Oldest first, at most {@link maxSeen}. */
  readonly seen: readonly SeenCheckpoint[];
  /** In the order found; never shortened. */
  readonly evidence: readonly EvidenceCheckpoint[];
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
 * as does stored text that cannot be read. `keyChanged`: the server now describes another key or
 * origin than the pinned one.
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
  const stored = storage.stored === null ? undefined : readStored(storage.stored);
  if (stored !== undefined) {
    pin = stored.pin;
    candidates = stored.seen;
    evidence.push(...stored.evidence);
    previous = stored.previous;
  } else {
    if (storage.stored !== null) unreadable(storage.stored);
    if (storage.legacy !== null) {
      const legacy = parseJson(storage.legacy);
      if (Array.isArray(legacy)) candidates = legacy;
      else unreadable(storage.legacy);
    }
  }
  let verified: AuditHistory = { pin, seen: [], evidence: [], previous };
  for (const item of candidates) {
    const note = isRecord(item) ? item.note : undefined;
    const seenAt = isRecord(item) && typeof item.seenAt === 'number' ? item.seenAt : now;
    if (typeof note !== 'string') {
      unreadable(JSON.stringify(item) ?? '');
      continue;
    }
    try {
      verified = withSeen(verified, note, open, seenAt);
    } catch (error) {
      evidence.push({ note, seenAt, error: codeOf(error) });
    }
  }
  const keyChanged =
    pin.logVerifierKey !== served.logVerifierKey || pin.logOrigin !== served.logOrigin;
  return { history: { pin, seen: verified.seen, evidence, previous }, keyChanged };
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
    previous: [...history.previous, { pin: history.pin, seen: history.seen, replacedAt: now }],
  };
}

/**
 * `history` with `note` among the checkpoints seen, once it verifies under the pin (unchanged
 * when it is there already).
 *
 * @throws what `open` throws when `note` does not verify under the pin.
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
  const seen = [...history.seen, { size, root, note, seenAt: now }]
    .sort((a, b) => a.size - b.size)
    .slice(-maxSeen);
  return { ...history, seen };
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
    previous: history.previous,
  });
}

function readStored(
  text: string,
):
  | { pin: LogPin; seen: unknown[]; evidence: EvidenceCheckpoint[]; previous: PreviousPin[] }
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
  return { pin: current, seen: value.seen, evidence, previous };
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
