/**
 * What the audit page remembers (history.ts). The page used to take the log key from the server
 * on every visit: stored checkpoints that failed under a new key were dropped, and the history was
 * overwritten with the new key's checkpoint, so an operator who switched keys and served another
 * history was "verified" and the proof of the fork erased. Now the key is pinned on first use,
 * a different one is reported, and stored checkpoints that fail are kept as evidence.
 */
import { describe, expect, it } from 'vitest';
import {
  loadHistory,
  maxEvidence,
  repin,
  serializeHistory,
  withEvidence,
  withSeen,
  type AuditHistory,
  type LogPin,
  type OpenPinned,
} from './history';

/**
 * A stand-in for protocol/tlog's openCheckpoint: a "note" is `<key>|<origin>|<size>|<root>`, and
 * it verifies only under a pin of that key and origin.
 */
const open: OpenPinned = (pin, note) => {
  const [key, origin, size, root] = note.split('|');
  if (key !== pin.logVerifierKey) {
    throw Object.assign(new Error('another key'), { code: 'ERR_NOTE_NO_TRUSTED_SIGNATURE' });
  }
  if (origin !== pin.logOrigin) {
    throw Object.assign(new Error('another log'), { code: 'ERR_CHECKPOINT_ORIGIN_MISMATCH' });
  }
  return { size: Number(size), root: root! };
};
const pinA: LogPin = { logOrigin: 'localhost:3000/log', logVerifierKey: 'key-A' };
const pinB: LogPin = { logOrigin: 'localhost:3000/log', logVerifierKey: 'key-B' };
const note = (pin: LogPin, size: number, root: string) =>
  `${pin.logVerifierKey}|${pin.logOrigin}|${size}|${root}`;
const now = 1_800_000_000_000;
const none = { stored: null, legacy: null };

/** The history after visits under `pin` that saw `sizes`, as stored. */
function storedAfter(pin: LogPin, sizes: number[]): string {
  let history = loadHistory(none, pin, open, now).history;
  for (const size of sizes) history = withSeen(history, note(pin, size, `r${size}`), open, now);
  return serializeHistory(history);
}

describe('loadHistory', () => {
  it('pins the server’s key and origin on first use', () => {
    const { history, keyChanged } = loadHistory(none, pinA, open, now);
    expect(history).toEqual({ pin: pinA, seen: [], evidence: [], previous: [] });
    expect(keyChanged).toBe(false);
  });

  it('keeps the pin and the checkpoints seen while the server’s key stays the same', () => {
    const { history, keyChanged } = loadHistory(
      { stored: storedAfter(pinA, [5, 9]), legacy: null },
      pinA,
      open,
      now,
    );
    expect(keyChanged).toBe(false);
    expect(history.pin).toEqual(pinA);
    expect(history.seen.map((s) => s.size)).toEqual([5, 9]);
    expect(history.evidence).toEqual([]);
  });

  it.each<[string, LogPin]>([
    ['another key', pinB],
    ['another log origin', { ...pinA, logOrigin: 'elsewhere.example/log' }],
  ])('reports a server that now describes %s, and keeps the pin', (_what, served) => {
    const { history, keyChanged } = loadHistory(
      { stored: storedAfter(pinA, [5, 9]), legacy: null },
      served,
      open,
      now,
    );
    expect(keyChanged).toBe(true);
    expect(history.pin).toEqual(pinA);
    // Still verified under the pinned key: not dropped.
    expect(history.seen.map((s) => s.size)).toEqual([5, 9]);
  });

  it('keeps a stored checkpoint that fails under the pin as evidence, never drops it', () => {
    const stored = JSON.parse(storedAfter(pinA, [5])) as { seen: { note: string }[] };
    stored.seen.push({ ...stored.seen[0]!, note: note(pinB, 7, 'forged') });
    const { history } = loadHistory(
      { stored: JSON.stringify(stored), legacy: null },
      pinA,
      open,
      now,
    );
    expect(history.seen.map((s) => s.size)).toEqual([5]);
    expect(history.evidence).toEqual([
      { note: note(pinB, 7, 'forged'), seenAt: now, error: 'ERR_NOTE_NO_TRUSTED_SIGNATURE' },
    ]);
    // And it stays through the next visit, as found.
    const again = loadHistory({ stored: serializeHistory(history), legacy: null }, pinA, open, now);
    expect(again.history.evidence).toEqual(history.evidence);
  });

  it('keeps what it cannot read as evidence instead of starting over on top of it', () => {
    const { history } = loadHistory({ stored: '{not json', legacy: null }, pinA, open, now);
    expect(history.pin).toEqual(pinA);
    expect(history.evidence).toEqual([{ note: '{not json', seenAt: now, error: 'unreadable' }]);
  });

  it('takes over the list kept before keys were pinned: pins the server’s key, keeps what fails as evidence', () => {
    const legacy = JSON.stringify([
      { size: 5, root: 'r5', note: note(pinA, 5, 'r5'), seenAt: 1 },
      { size: 6, root: 'x', note: note(pinB, 6, 'x'), seenAt: 2 },
    ]);
    const { history, keyChanged } = loadHistory({ stored: null, legacy }, pinA, open, now);
    expect(keyChanged).toBe(false);
    expect(history.pin).toEqual(pinA);
    expect(history.seen).toEqual([{ size: 5, root: 'r5', note: note(pinA, 5, 'r5'), seenAt: 1 }]);
    expect(history.evidence).toEqual([
      { note: note(pinB, 6, 'x'), seenAt: 2, error: 'ERR_NOTE_NO_TRUSTED_SIGNATURE' },
    ]);
  });
});

describe('a visit after the operator switched keys', () => {
  it('verifies nothing under the new key and keeps every checkpoint stored, the new one as evidence', () => {
    // Seen under key A; the server now sends key B and a checkpoint of another history.
    const { history, keyChanged } = loadHistory(
      { stored: storedAfter(pinA, [5, 9]), legacy: null },
      pinB,
      open,
      now,
    );
    expect(keyChanged).toBe(true);
    const current = note(pinB, 12, 'other-history');
    expect(() => withSeen(history, current, open, now)).toThrow('another key');
    const after = withEvidence(history, current, 'ERR_NOTE_NO_TRUSTED_SIGNATURE', now);
    const stored = JSON.parse(serializeHistory(after)) as AuditHistory;
    expect(stored.pin).toEqual(pinA);
    expect(stored.seen.map((s) => s.note)).toEqual([note(pinA, 5, 'r5'), note(pinA, 9, 'r9')]);
    expect(stored.evidence.map((e) => e.note)).toEqual([current]);
  });
});

describe('repin', () => {
  it('pins the served key on request, keeping the old key, its checkpoints and the evidence', () => {
    const { history } = loadHistory(
      { stored: storedAfter(pinA, [5, 9]), legacy: null },
      pinB,
      open,
      now,
    );
    const withProof = withEvidence(
      history,
      note(pinB, 12, 'r12'),
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
      now,
    );
    const repinned = repin(withProof, pinB, now + 1);
    expect(repinned.pin).toEqual(pinB);
    expect(repinned.seen).toEqual([]);
    expect(repinned.evidence).toEqual(withProof.evidence);
    expect(repinned.previous).toEqual([{ pin: pinA, seen: history.seen, replacedAt: now + 1 }]);
    // Stored and read back on the next visit: the new key verifies, the old one is remembered.
    const next = loadHistory({ stored: serializeHistory(repinned), legacy: null }, pinB, open, now);
    expect(next.keyChanged).toBe(false);
    expect(next.history.previous).toEqual(repinned.previous);
    expect(
      withSeen(next.history, note(pinB, 12, 'r12'), open, now).seen.map((s) => s.size),
    ).toEqual([12]);
    // The key pinned already: nothing changes.
    expect(repin(next.history, pinB, now + 2)).toBe(next.history);
  });

  it('keeps a malformed earlier key as unreadable evidence, and only well-formed checkpoints of it', () => {
    const stored = JSON.parse(storedAfter(pinA, [5])) as Record<string, unknown>;
    stored.previous = [
      {
        pin: pinB,
        seen: [{ size: 'x' }, { size: 3, root: 'r3', note: 'n3', seenAt: 1 }],
        replacedAt: 7,
      },
      'nonsense',
    ];
    const { history } = loadHistory(
      { stored: JSON.stringify(stored), legacy: null },
      pinA,
      open,
      now,
    );
    expect(history.previous).toEqual([
      { pin: pinB, seen: [{ size: 3, root: 'r3', note: 'n3', seenAt: 1 }], replacedAt: 7 },
    ]);
    expect(history.evidence).toEqual([{ note: '"nonsense"', seenAt: 0, error: 'unreadable' }]);
  });
});

describe('withEvidence', () => {
  it('adds a note once, and stops adding at the bound without removing any', () => {
    let history: AuditHistory = { pin: pinA, seen: [], evidence: [], previous: [] };
    history = withEvidence(history, 'n0', 'ERR_NOTE_NO_TRUSTED_SIGNATURE', now);
    history = withEvidence(history, 'n0', 'ERR_NOTE_NO_TRUSTED_SIGNATURE', now);
    expect(history.evidence).toHaveLength(1);
    for (let i = 1; i < maxEvidence + 5; i++) history = withEvidence(history, `n${i}`, 'x', now);
    expect(history.evidence).toHaveLength(maxEvidence);
    expect(history.evidence[0]!.note).toBe('n0');
  });
});
