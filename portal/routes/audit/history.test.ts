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
  placeCheckpoint,
  repin,
  serializeHistory,
  settleCheckpoint,
  withConflict,
  withEvidence,
  withSeen,
  type AuditHistory,
  type LogPin,
  type OpenPinned,
  type Prove,
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
    expect(history).toEqual({ pin: pinA, seen: [], evidence: [], conflicts: [], previous: [] });
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
    let history: AuditHistory = { pin: pinA, seen: [], evidence: [], conflicts: [], previous: [] };
    history = withEvidence(history, 'n0', 'ERR_NOTE_NO_TRUSTED_SIGNATURE', now);
    history = withEvidence(history, 'n0', 'ERR_NOTE_NO_TRUSTED_SIGNATURE', now);
    expect(history.evidence).toHaveLength(1);
    for (let i = 1; i < maxEvidence + 5; i++) history = withEvidence(history, `n${i}`, 'x', now);
    expect(history.evidence).toHaveLength(maxEvidence);
    expect(history.evidence[0]!.note).toBe('n0');
  });
});

/**
 * A dishonest log signs two histories with its real key (a split view): the page called such a
 * receipt "valid" and added such a checkpoint to the checkpoints seen, three roots for size 14,
 * with no alarm and no evidence after a reload; and a server checkpoint smaller than one seen
 * passed as verified. Now a checkpoint is compared with those seen as scripts/verify.ts compares
 * it with its state file, and a contradiction is kept as a pair of signed notes.
 */
describe('checkpoints that contradict those seen', () => {
  /** The history after a visit that saw `sizes` (roots `r<size>`) under pin A. */
  const after = (sizes: number[]) => {
    let history = loadHistory(none, pinA, open, now).history;
    for (const size of sizes) history = withSeen(history, note(pinA, size, `r${size}`), open, now);
    return history;
  };
  const proofs: [string, string][] = [];
  const proving =
    (result: Awaited<ReturnType<Prove>>): Prove =>
    (older, newer) => {
      proofs.push([older, newer]);
      return Promise.resolve(result);
    };
  async function settle(
    history: AuditHistory,
    checkpoint: string,
    prove: Prove = proving({ ok: true }),
    current = false,
  ) {
    proofs.length = 0;
    let kept = history;
    const settled = await settleCheckpoint(
      () => kept,
      checkpoint,
      { open, prove, now: () => now + 1, current },
      (next) => (kept = next),
    );
    return { settled, kept };
  }

  it('withSeen refuses another root at a size seen (it used to add it beside the first)', () => {
    const history = after([14]);
    expect(() => withSeen(history, note(pinA, 14, 'forged'), open, now)).toThrow(
      expect.objectContaining({ code: 'ERR_CHECKPOINT_FORK' }),
    );
    expect(withSeen(history, note(pinA, 14, 'r14'), open, now)).toBe(history);
  });

  it('keeps a receipt’s checkpoint of a size seen with another root as a fork, both notes, not as seen', async () => {
    const history = after([9, 14]);
    const forged = note(pinA, 14, 'forged');
    const { settled, kept } = await settle(history, forged);
    expect(settled).toMatchObject({
      kind: 'conflict',
      error: 'ERR_CHECKPOINT_FORK',
      against: { size: 14, root: 'r14' },
    });
    expect(proofs).toEqual([]); // decided without the network
    expect(kept.seen.map((s) => s.root)).toEqual(['r9', 'r14']);
    expect(kept.conflicts).toEqual([
      {
        seen: { size: 14, root: 'r14', note: note(pinA, 14, 'r14') },
        other: { size: 14, root: 'forged', note: forged },
        error: 'ERR_CHECKPOINT_FORK',
        seenAt: now + 1,
      },
    ]);
    // Once, however often it is shown; and it survives the next visit.
    expect((await settle(kept, forged)).kept).toBe(kept);
    const reloaded = loadHistory({ stored: serializeHistory(kept), legacy: null }, pinA, open, now);
    expect(reloaded.history.conflicts).toEqual(kept.conflicts);
    expect(reloaded.history.seen).toEqual(kept.seen);
  });

  it('turns a stored history with three roots for one size (kept by the old page) into seen plus two forks', () => {
    const stored = JSON.parse(serializeHistory(after([14]))) as { seen: unknown[] };
    for (const root of ['x', 'y']) {
      stored.seen.push({ size: 14, root, note: note(pinA, 14, root), seenAt: 2 });
    }
    const { history } = loadHistory(
      { stored: JSON.stringify(stored), legacy: null },
      pinA,
      open,
      now,
    );
    expect(history.seen.map((s) => s.root)).toEqual(['r14']);
    expect(history.conflicts.map((c) => [c.seen.root, c.other.root, c.error])).toEqual([
      ['r14', 'x', 'ERR_CHECKPOINT_FORK'],
      ['r14', 'y', 'ERR_CHECKPOINT_FORK'],
    ]);
    expect(history.evidence).toEqual([]);
  });

  it('keeps the log’s current checkpoint smaller than one seen as a shrink (it said only "verified")', async () => {
    const history = after([9, 15]);
    const stale = note(pinA, 14, 'r14');
    const { settled, kept } = await settle(history, stale, proving({ ok: true }), true);
    expect(settled).toMatchObject({
      kind: 'conflict',
      error: 'ERR_CHECKPOINT_SHRUNK',
      against: { size: 15 },
    });
    expect(kept.seen.map((s) => s.size)).toEqual([9, 15]);
    expect(kept.conflicts.map((c) => [c.seen.size, c.other.size])).toEqual([[15, 14]]);
    // An older receipt's checkpoint is no shrink: it is proven a prefix of the next larger one.
    const older = await settle(history, stale);
    expect(older.settled).toMatchObject({ kind: 'seen', against: { size: 15 } });
    expect(proofs).toEqual([[stale, note(pinA, 15, 'r15')]]);
    expect(older.kept.seen.map((s) => s.size)).toEqual([9, 14, 15]);
  });

  it.each<[string, number[], number, boolean, string, [number, number] | undefined]>([
    ['nothing seen', [], 14, false, 'first', undefined],
    ['the same checkpoint', [14], 14, true, 'known', undefined],
    ['larger than all seen: proven against the newest', [5, 9], 14, true, 'prove', [9, 14]],
    ['smaller: proven against the next larger', [5, 9, 20], 7, false, 'prove', [7, 9]],
    ['the current one, smaller than one seen', [5, 20], 14, true, 'shrunk', undefined],
    ['the current one, seen before but a larger one too', [14, 15], 14, true, 'shrunk', undefined],
    ['an older receipt’s, seen before', [14, 15], 14, false, 'known', undefined],
  ])('placeCheckpoint: %s', (_, sizes, size, current, kind, pair) => {
    const place = placeCheckpoint(after(sizes), note(pinA, size, `r${size}`), open, current);
    expect(place.kind).toBe(kind);
    if (place.kind === 'prove') {
      expect([place.older, place.newer]).toEqual(pair!.map((n) => note(pinA, n, `r${n}`)));
    }
  });

  it('adds a larger checkpoint only once its consistency proof passes; a failed proof is a fork kept with both notes', async () => {
    const history = after([9]);
    const larger = note(pinA, 14, 'r14');
    const good = await settle(history, larger);
    expect(proofs).toEqual([[note(pinA, 9, 'r9'), larger]]);
    expect(good.settled).toMatchObject({ kind: 'seen', against: { size: 9 } });
    expect(good.kept.seen.map((s) => s.size)).toEqual([9, 14]);

    const other = note(pinA, 14, 'other-history');
    const bad = await settle(
      history,
      other,
      proving({ ok: false, error: 'ERR_TLOG_CONSISTENCY_INVALID' }),
    );
    expect(bad.settled).toMatchObject({ kind: 'conflict', error: 'ERR_TLOG_CONSISTENCY_INVALID' });
    expect(bad.kept.seen.map((s) => s.size)).toEqual([9]);
    expect(bad.kept.conflicts.map((c) => [c.seen.note, c.other.note])).toEqual([
      [note(pinA, 9, 'r9'), other],
    ]);
  });

  it('changes nothing and judges nothing when the proof could not be built (the log was not reached)', async () => {
    const history = after([9]);
    const unavailable = { kind: 'unreachable', status: 503, path: 'tile/0/000.p/14' } as const;
    const { settled, kept } = await settle(
      history,
      note(pinA, 14, 'r14'),
      proving({ ok: false, unavailable }),
    );
    expect(settled).toMatchObject({ kind: 'unchecked', unavailable, against: { size: 9 } });
    expect(kept).toBe(history);
  });

  it('keeps what changed during the proof, and a fork that joined meanwhile is still a fork', async () => {
    let kept = after([9]);
    const slow: Prove = async () => {
      kept = withSeen(kept, note(pinA, 14, 'first-root'), open, now);
      return { ok: true };
    };
    const settled = await settleCheckpoint(
      () => kept,
      note(pinA, 14, 'second-root'),
      { open, prove: slow, now: () => now },
      (next) => (kept = next),
    );
    expect(settled).toMatchObject({ kind: 'conflict', error: 'ERR_CHECKPOINT_FORK' });
    expect(kept.seen.map((s) => s.root)).toEqual(['r9', 'first-root']);
    expect(kept.conflicts).toHaveLength(1);
  });

  it('rejects a checkpoint that does not verify under the pin, as withSeen throws', async () => {
    await expect(settle(after([9]), note(pinB, 14, 'r14'))).rejects.toThrow('another key');
  });

  it('withConflict keeps a pair once, in either order, and never more than the bound', () => {
    const a = { size: 14, root: 'a', note: 'na' };
    const b = { size: 14, root: 'b', note: 'nb' };
    let history = withConflict(after([]), { seen: a, other: b, error: 'ERR_CHECKPOINT_FORK' }, now);
    history = withConflict(history, { seen: b, other: a, error: 'ERR_CHECKPOINT_FORK' }, now);
    expect(history.conflicts).toHaveLength(1);
    for (let i = 0; i < maxEvidence + 3; i++) {
      history = withConflict(history, { seen: a, other: { ...b, note: `n${i}` }, error: 'x' }, now);
    }
    expect(history.conflicts).toHaveLength(maxEvidence);
    expect(history.conflicts[0]!.other.note).toBe('nb');
  });

  it('keeps a malformed stored pair as unreadable evidence', () => {
    const stored = JSON.parse(serializeHistory(after([9]))) as Record<string, unknown>;
    stored.conflicts = [{ seen: 'x' }];
    const { history } = loadHistory(
      { stored: JSON.stringify(stored), legacy: null },
      pinA,
      open,
      now,
    );
    expect(history.conflicts).toEqual([]);
    expect(history.evidence).toEqual([{ note: '{"seen":"x"}', seenAt: 0, error: 'unreadable' }]);
  });
});
