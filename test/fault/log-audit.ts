/**
 * What the fault test checks from the outside, the way an auditor would: the log's signed
 * checkpoints (polled while the server is killed and restarted), their consistency with the final
 * checkpoint through consistency proofs built from the served tiles (protocol/tlog), the entries
 * of every bundle, and the auditor's verifier CLI (`npm run verify -- --full`) run as a process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TILE_WIDTH,
  checkConsistentWith,
  consistencyProof,
  decodeEntryBundle,
  decodeLogEntry,
  entryBundlePath,
  openCheckpoint,
  parseVerifierKey,
  tileHashReader,
  tilePath,
  tileWidthFor,
  type Checkpoint,
  type LogEntry,
  type NoteVerifier,
  type Sha256,
} from '../../protocol/tlog';
import { sleep } from './built-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const nodeSha256: Sha256 = (data) => createHash('sha256').update(data).digest();

/** The log's identity as the clearinghouse publishes it. */
export interface LogIdentity {
  logOrigin: string;
  logVerifierKey: string;
  verifier: NoteVerifier;
}

/** `/.well-known/clearinghouse.json`'s log key and origin. */
export async function logIdentity(url: string): Promise<LogIdentity> {
  const description = (await (await fetch(`${url}/.well-known/clearinghouse.json`)).json()) as {
    logOrigin: string;
    logVerifierKey: string;
  };
  return {
    logOrigin: description.logOrigin,
    logVerifierKey: description.logVerifierKey,
    verifier: parseVerifierKey(description.logVerifierKey, nodeSha256),
  };
}

/**
 * Polls `/log/checkpoint` until stopped and keeps every distinct signed note it saw. Failed
 * fetches (the server is down) are ignored: the poller is an outside observer.
 *
 * @example
 * ```ts
 * const poller = pollCheckpoints(server.url, 50);
 * ...
 * const notes = await poller.stop();
 * ```
 */
export function pollCheckpoints(
  url: string,
  intervalMs: number,
): { stop(): Promise<string[]>; readonly seen: number } {
  const notes = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(`${url}/log/checkpoint`, {
          signal: AbortSignal.timeout(5_000),
        });
        if (response.status === 200) notes.add(await response.text());
      } catch {
        // down: the supervisor is restarting it
      }
      await sleep(intervalMs);
    }
  })();
  return {
    get seen() {
      return notes.size;
    },
    async stop() {
      running = false;
      await loop;
      return [...notes];
    },
  };
}

/** The current checkpoint, signature verified. */
export async function currentCheckpoint(
  url: string,
  identity: LogIdentity,
): Promise<{ note: string; checkpoint: Checkpoint }> {
  const note = await (await fetch(`${url}/log/checkpoint`)).text();
  return { note, checkpoint: openCheckpoint(note, identity.verifier, identity.logOrigin) };
}

/** Waits until the published checkpoint covers at least `size` entries (the sequencer caught up). */
export async function waitForLogSize(
  url: string,
  identity: LogIdentity,
  size: number,
  timeoutMs = 120_000,
): Promise<Checkpoint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { checkpoint } = await currentCheckpoint(url, identity);
    if (checkpoint.size >= size || Date.now() > deadline) return checkpoint;
    await sleep(100);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Every entry of the tree `checkpoint` describes, read from the served entry bundles. */
export async function readEntries(url: string, checkpoint: Checkpoint): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (let n = 0; n * TILE_WIDTH < checkpoint.size; n++) {
    const width = tileWidthFor(checkpoint.size, 0, n);
    const bytes = await fetchBytes(`${url}/log/${entryBundlePath(n, width)}`);
    for (const entry of decodeEntryBundle(bytes, width)) entries.push(decodeLogEntry(entry));
  }
  return entries;
}

/**
 * Checks that the signed checkpoint `note` is a prefix of `final` (same log, not larger, and a
 * consistency proof built from the served tiles, each tile authenticated against `final`'s root).
 *
 * @throws ProtocolError from protocol/tlog when it is not.
 */
export async function checkConsistentWithFinal(
  url: string,
  identity: LogIdentity,
  note: string,
  final: Checkpoint,
): Promise<void> {
  const older = openCheckpoint(note, identity.verifier, identity.logOrigin);
  let proof: Uint8Array[] = [];
  if (older.size > 0 && older.size < final.size) {
    const reader = tileHashReader(
      nodeSha256,
      final.size,
      (tile) => fetchBytes(`${url}/log/${tilePath(tile)}`),
      final.rootHash,
    );
    proof = await consistencyProof(nodeSha256, older.size, final.size, reader);
  }
  checkConsistentWith(nodeSha256, older, final, proof);
}

/**
 * Runs the auditor's verifier as `npm run verify` does (`tsx scripts/verify.ts`) with `--full`,
 * starting from a state file that pins the log key and holds `firstNote` (so the run also proves
 * the current log an extension of it).
 */
export async function runVerifierCli(
  url: string,
  identity: LogIdentity,
  dir: string,
  firstNote: string | undefined,
): Promise<{ code: number | null; output: string }> {
  const state = join(dir, 'verifier-state.json');
  writeFileSync(
    state,
    JSON.stringify({
      v: 1,
      url,
      logOrigin: identity.logOrigin,
      logVerifierKey: identity.logVerifierKey,
      ...(firstNote === undefined ? {} : { checkpoint: firstNote }),
    }),
  );
  const child = spawn(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['scripts/verify.ts', '--url', url, '--state', state, '--full'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}
