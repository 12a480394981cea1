/**
 * The checks the fault tests run once the load is over, shared by the single-server test
 * (clearinghouse.fault.test.ts) and the cluster's (test/cluster/): every message answered without
 * a refusal, the public log holding each logged message exactly once, every checkpoint seen during
 * the run a prefix of the final one, the auditor's verifier passing, and the database holding each
 * message and each effect once.
 */
import { expect } from 'vitest';
import type { ClearinghouseDb } from '../../portal/lib/server/db/database';
import type { Checkpoint } from '../../protocol/tlog';
import { loggedKinds, type LoadResult, type Submission } from './load';
import {
  checkConsistentWithFinal,
  currentCheckpoint,
  readEntries,
  runVerifierCli,
  waitForLogSize,
  type LogIdentity,
} from './log-audit';

/** Seconds per phase, for the log line (the tests assert behaviour, never time). */
export function phaseClock(): { mark(name: string): void; report(): string } {
  let last = performance.now();
  const marks: string[] = [];
  return {
    mark(name) {
      const now = performance.now();
      marks.push(`${name} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    },
    report: () => marks.join(', '),
  };
}

export function indexBySha256(shas: readonly string[]): Map<string, number[]> {
  const indices = new Map<string, number[]>();
  shas.forEach((sha256, index) => {
    const list = indices.get(sha256) ?? [];
    list.push(index);
    indices.set(sha256, list);
  });
  return indices;
}

/**
 * Every message of the load was answered in the end, never with a server error or a refusal, and
 * each exactly once; returns the logged ones (what the log must hold).
 */
export function expectAllAcknowledged(
  load: LoadResult,
  messages: number,
  label: string,
): Submission[] {
  expect(load.serverErrors).toEqual([]);
  const refused = load.submissions.filter((s) => s.status !== 201 && s.status !== 200);
  expect(refused.map((s) => `${s.kind} ${s.status} ${s.problem}`)).toEqual([]);
  const created = load.submissions.filter((s) => s.status === 201);
  const logged = load.submissions.filter((s) => loggedKinds.has(s.kind));
  const offers = load.submissions.filter((s) => s.kind === 'offer');
  expect(load.submissions).toHaveLength(messages + 2);
  expect(new Set(load.submissions.map((s) => s.sha256)).size).toBe(load.submissions.length);
  console.log(
    `${label}: ${created.length} answered 201, ${load.submissions.length - created.length} 200 on a resend, ` +
      `${load.submissions.filter((s) => s.attempts > 1).length} resent; ${logged.length} logged, ${offers.length} offers`,
  );
  return logged;
}

/**
 * The public log, as an auditor sees it through `url`: it catches up with every logged message
 * (within the timeout), holds each under exactly one index and nothing else, every checkpoint in
 * `notes` is a prefix of the final one, and the verifier CLI (`--full`, from the earliest note)
 * passes. Returns the final checkpoint.
 */
export async function expectLogConsistent(options: {
  url: string;
  identity: LogIdentity;
  logged: readonly Submission[];
  /** Stops the checkpoint poller (after the log caught up) and returns what it saw. */
  notes: () => Promise<string[]>;
  /** At least this many distinct checkpoints must have been seen. */
  minNotes: number;
  /** The run's folder (the verifier's state file goes there). */
  dir: string;
  phases?: { mark(name: string): void };
}): Promise<Checkpoint> {
  const { url, identity, logged } = options;
  // The sequencer catches up with everything stored (within a second of each 201, SPECS).
  const final = await waitForLogSize(url, identity, logged.length);
  const notes = await options.notes();
  options.phases?.mark('sequencer catching up');
  expect(final.size).toBe(logged.length);

  // The public log: each logged message under exactly one index, nothing else in it.
  const entries = await readEntries(url, final);
  const indices = indexBySha256(entries.map((entry) => entry.sha256));
  expect(indices.size).toBe(entries.length);
  expect(logged.filter((s) => indices.get(s.sha256)?.length !== 1)).toEqual([]);
  const kindOf = new Map(logged.map((s) => [s.sha256, s.kind]));
  expect(entries.filter((entry) => entry.kind !== kindOf.get(entry.sha256))).toEqual([]);

  // Every checkpoint seen while servers were killed and restarted is a prefix of the final one.
  expect(notes.length).toBeGreaterThan(options.minNotes);
  for (const note of notes) await checkConsistentWithFinal(url, identity, note, final);
  options.phases?.mark(`entries and ${notes.length} checkpoints`);

  // The auditor's verifier, from the earliest checkpoint seen, every entry and tile.
  const earliest = notes
    .map((note) => ({ note, size: Number(note.split('\n')[1]) }))
    .sort((a, b) => a.size - b.size)[0]?.note;
  const verified = await runVerifierCli(url, identity, options.dir, earliest);
  expect(verified.output).toContain('OK');
  expect(verified.code, verified.output).toBe(0);
  expect((await currentCheckpoint(url, identity)).checkpoint.size).toBe(final.size);
  options.phases?.mark('verify --full');
  return final;
}

/** The database: each message stored once, each logged one with one leaf, each effect applied once. */
export async function expectStoredOnce(
  cdb: ClearinghouseDb,
  submissions: readonly Submission[],
  logSize: number,
): Promise<void> {
  const db = cdb.db;
  const messages = await db.selectFrom('messages').select(['sha256', 'kind']).execute();
  const stored = new Map(messages.map((row) => [row.sha256, row.kind]));
  expect(messages).toHaveLength(stored.size);
  expect(submissions.filter((s) => stored.get(s.sha256) !== s.kind)).toEqual([]);

  // Each logged message got exactly one leaf, the leaves are 0..size-1, and nothing waits.
  const leaves = await db.selectFrom('log_leaves').select(['sha256', 'idx']).execute();
  expect(leaves).toHaveLength(logSize);
  expect(new Set(leaves.map((leaf) => leaf.idx)).size).toBe(logSize);
  expect(Math.max(...leaves.map((leaf) => leaf.idx))).toBe(logSize - 1);
  const leafCount = indexBySha256(leaves.map((leaf) => leaf.sha256));
  const logged = submissions.filter((s) => loggedKinds.has(s.kind));
  expect(logged.filter((s) => leafCount.get(s.sha256)?.length !== 1)).toEqual([]);
  const queued = await db
    .selectFrom('log_queue')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(queued.n)).toBe(0);

  // Effects: one grant row per grant, each revocation applied, one contact per offer.
  const grants = await db.selectFrom('grants').select(['sha256', 'revoked_at']).execute();
  const grantSent = submissions.filter((s) => s.kind === 'grant');
  expect(grants.map((g) => g.sha256).sort()).toEqual(grantSent.map((s) => s.sha256).sort());
  const revocations = await db.selectFrom('revocations').select('sha256').execute();
  expect(revocations.map((r) => r.sha256).sort()).toEqual(
    submissions
      .filter((s) => s.kind === 'revocation')
      .map((s) => s.sha256)
      .sort(),
  );
  expect(grants.filter((g) => g.revoked_at !== null)).toHaveLength(revocations.length);
  const contacts = await db.selectFrom('relay_contacts').select('offer_sha256').execute();
  expect(contacts.map((c) => c.offer_sha256).sort()).toEqual(
    submissions
      .filter((s) => s.kind === 'offer')
      .map((s) => s.sha256)
      .sort(),
  );
}
