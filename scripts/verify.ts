/**
 * The auditor's verifier (issue 3): checks a clearinghouse's public log from the outside.
 *
 *   npm run verify -- --url <clearinghouse> [--state <file>] [--receipt <file>] [--full]
 *   npm run verify -- --receipt <file> [--state <file> | --key <verifier key>]   (offline)
 *   npm run verify -- --help   (the usage on stdout, exit 0)
 *
 * 1. Fetches `/.well-known/clearinghouse.json` and pins the log's verifier key and origin in the
 *    state file on first use, with the URL it was pinned from; a different key later is refused
 *    loudly (exit 1). Another URL that publishes another log origin is another clearinghouse,
 *    not the pinned one changing its key: a usage problem (exit 2, "use --state <file> for each").
 * 2. Fetches `/log/checkpoint` and verifies its signature against the pinned key.
 * 3. Checks that the checkpoint is consistent with the last one this state file saw: a smaller
 *    tree (shrink), the same size with another root (fork), or a failing consistency proof
 *    (built from the log's own tiles, authenticated against the new root) is exit 1.
 * 4. `--receipt`: verifies a receipt offline against the pinned key; online, also proves that
 *    the receipt's checkpoint is a prefix of the current one. Offline, a receipt whose checkpoint
 *    has the size of the state file's but another root is a fork (exit 1); of another size, it
 *    says that only an online run can prove the two consistent.
 * 5. `--full`: downloads every entry bundle, checks every entry parses, recomputes the root and
 *    compares it with the checkpoint's, and checks every hash tile the tree implies against the
 *    hashes recomputed from the entries (a proof built from a tampered tile would otherwise only
 *    fail when someone asks for it), with a progress bar on stderr. When a tile and the entries
 *    disagree, the tile is authenticated against the signed root to tell which of them is wrong:
 *    a genuine tile blames the entry bundle, and the first entry that differs.
 *
 * The state file is read whole first: a stored checkpoint that does not verify under the key
 * pinned in the same file means the file was edited or damaged (exit 2), not that the log failed;
 * a new state file goes only into a folder that exists, or into the default one, which is created.
 * Only after every check passed is the new checkpoint written to the state file. All
 * verification is protocol/tlog (the same code the browser's auditor pages run); this file only
 * fetches, reads files and prints. Exit codes: 0 verified, 1 verification failed (the log or
 * receipt is not what it claims, including a tile or entry bundle its signed checkpoint implies
 * that the log does not serve, answers with a 4xx, or serves at the wrong length), 2 usage
 * (arguments, a malformed `--key` or one that differs from the state file's), network (no
 * connection, 429 or any 5xx: come back later) or state-file problems.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProtocolError, isProtocolError } from '../protocol/errors';
import { ready } from '../protocol/sodium';
import {
  MAX_LOG_ENTRY_SIZE,
  TILE_HEIGHT,
  TILE_WIDTH,
  appendLeaf,
  checkConsistentWith,
  consistencyProof,
  decodeEntryBundle,
  decodeLogEntry,
  entryBundlePath,
  leafHash,
  openCheckpoint,
  parseReceipt,
  parseVerifierKey,
  rootFromRightEdge,
  tileHashReader,
  tilePath,
  tileWidthFor,
  verifyReceipt,
  type Checkpoint,
  type NoteVerifier,
  type Sha256,
  type TileId,
} from '../protocol/tlog';
import { bytesEqual, base64Encode } from '../protocol/encoding';

const sha256: Sha256 = (data) => createHash('sha256').update(data).digest();

/** Default state file, under the git-ignored data folder. */
export const defaultStatePath = 'data/verifier-state.json';

/** Bounds on what a (possibly hostile) server may send us. */
const maxJsonBytes = 64 * 1024;
const maxCheckpointBytes = 16 * 1024;
/** `width` entries of at most 1 KiB each plus lengths (SPECS: an entry is at most 1 KiB). */
const maxBundleBytes = (width: number) => width * (2 + MAX_LOG_ENTRY_SIZE);

/** What the verifier remembers between runs. */
export interface VerifierState {
  v: 1;
  /**
   * The clearinghouse URL the key was pinned from (absent in state files written before December
   * 2026, which are read all the same): a URL other than this one that publishes another log is
   * the auditor's mix-up of state files (exit 2), not the pinned log changing its key (exit 1).
   */
  url?: string;
  logOrigin: string;
  logVerifierKey: string;
  /** The last verified checkpoint (signed note text). */
  checkpoint?: string;
}

/** Where the CLI talks to the world; tests inject their own. */
export interface VerifierIo {
  fetch: typeof fetch;
  stdout: (line: string) => void;
  /** Progress and errors; `isTTY` decides between a redrawn bar and occasional lines. */
  stderr: { write(text: string): void; isTTY?: boolean };
}

interface Options {
  url?: string;
  statePath: string;
  receiptPath?: string;
  key?: string;
  full: boolean;
}

/**
 * How the auditor started this verifier: set to `node clearinghouse-verify.mjs` in the one-file
 * build (scripts/build-verifier.mjs `define`), absent when it runs from the checkout.
 */
declare const __VERIFIER_COMMAND__: string | undefined;
const command =
  typeof __VERIFIER_COMMAND__ === 'string' ? __VERIFIER_COMMAND__ : 'npm run verify --';
const indent = ' '.repeat('usage: '.length);

const usage = `usage: ${command} --url <clearinghouse> [--state <file>] [--receipt <file>] [--full]
${indent}${command} --receipt <file> [--state <file> | --key <verifier key>]
${indent}${command} --help
exit codes: 0 verified; 1 verification failed (the log or the receipt is not what it claims);
            2 usage, network or state-file problems`;

/**
 * `url` as one address: scheme and host in lower case, the default port dropped, no trailing
 * slash (`new URL` does the first two); the text itself where it is no URL.
 */
function sameAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/** A problem with the run itself (arguments, network, files), not with the log: exit 2. */
class UsageError extends Error {}

/**
 * Runs the verifier; resolves with the exit code.
 *
 * @example
 * ```ts
 * const code = await runVerifier(['--url', 'http://localhost:3000'], { fetch, stdout: console.log, stderr: process.stderr });
 * ```
 */
export async function runVerifier(argv: readonly string[], io: VerifierIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(usage);
    return 0;
  }
  let options: Options;
  try {
    options = parseArguments(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  try {
    await ready();
    await verify(options, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`verify: ${error.message}\n`);
      return 2;
    }
    if (isProtocolError(error)) {
      io.stderr.write(`\nVERIFICATION FAILED (${error.code}): ${explain(error)}\n`);
      return 1;
    }
    io.stderr.write(`verify: ${(error as Error).message ?? String(error)}\n`);
    return 2;
  }
}

function parseArguments(argv: readonly string[]): Options {
  const options: Options = { statePath: defaultStatePath, full: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--url') options.url = value().replace(/\/+$/, '');
    else if (argument === '--state') options.statePath = value();
    else if (argument === '--receipt') options.receiptPath = value();
    else if (argument === '--key') options.key = value();
    else if (argument === '--full') options.full = true;
    else throw new Error(`unknown argument ${argument}`);
  }
  if (options.url !== undefined) checkUrl(options.url);
  if (options.url === undefined && options.receiptPath === undefined)
    throw new Error('--url or --receipt is required');
  if (options.full && options.url === undefined) throw new Error('--full needs --url');
  return options;
}

/** An example of the address --url wants, for the messages. */
const exampleUrl = 'https://clearinghouse.example';

/**
 * Refuses a `--url` that is no http(s) address with a sentence that says what to give (`new URL`
 * alone says only "Invalid URL"); a host and port without a scheme (`localhost:3700`, which
 * `new URL` reads as the scheme `localhost:`) is answered with the address it probably meant.
 */
function checkUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) return;
  if (text === '') throw new Error(`--url needs a full address such as ${exampleUrl}`);
  // A host (and port) alone: the address it probably meant, http for this machine.
  const scheme = /^(localhost|127\.)/i.test(text) ? 'http' : 'https';
  const guess = /^[\w.-]+(:\d+)?(\/.*)?$/.test(text) ? ` (did you mean ${scheme}://${text}?)` : '';
  if (url === undefined || guess !== '') {
    throw new Error(
      `--url needs a full address with http:// or https://, such as ${exampleUrl}; "${text}" is not one${guess}`,
    );
  }
  throw new Error(
    `--url needs an http:// or https:// address, such as ${exampleUrl}; "${text}" is of the scheme ${url.protocol.slice(0, -1)}`,
  );
}

async function verify(options: Options, io: VerifierIo): Promise<void> {
  const state = readState(options.statePath);
  if (state === undefined) checkStateFolder(options.statePath);
  let pinned: { logOrigin: string; logVerifierKey: string } | undefined =
    state === undefined
      ? undefined
      : { logOrigin: state.logOrigin, logVerifierKey: state.logVerifierKey };
  if (options.key !== undefined) {
    // The auditor's own arguments, not the log's doing: a usage problem (exit 2).
    let verifier: NoteVerifier;
    try {
      verifier = parseVerifierKey(options.key, sha256);
    } catch (error) {
      throw new UsageError(
        `--key is not a verifier key (<name>+<key id>+<base64 key>): ${(error as Error).message}`,
      );
    }
    if (pinned !== undefined && pinned.logVerifierKey !== options.key) {
      throw new UsageError(
        `--key differs from the key pinned in the state file ${options.statePath} (${pinned.logVerifierKey}); give one of them`,
      );
    }
    pinned ??= { logOrigin: verifier.name, logVerifierKey: options.key };
  }

  let current: Checkpoint | undefined;
  let currentNote: string | undefined;
  if (options.url !== undefined) {
    const base = options.url;
    const description = await fetchDescription(io, base);
    const logOrigin = stringField(description, 'logOrigin');
    const logVerifierKey = stringField(description, 'logVerifierKey');
    // SPECS "Signed notes": the key name is the log origin. A description that names another
    // origin than its own key's contradicts itself: refused before anything is pinned.
    const keyName = parseVerifierKey(logVerifierKey, sha256).name;
    if (keyName !== logOrigin) {
      throw new ProtocolError(
        'ERR_CHECKPOINT_ORIGIN_MISMATCH',
        `the clearinghouse's description contradicts itself: its logOrigin is "${logOrigin}", but its logVerifierKey is named "${keyName}", and the key's name is the log origin; nothing was pinned`,
        { logOrigin, keyName },
      );
    }
    if (pinned === undefined) {
      pinned = { logOrigin, logVerifierKey };
      io.stdout(`pinned log key ${logVerifierKey} (first use; compare it out of band)`);
    } else if (pinned.logVerifierKey !== logVerifierKey || pinned.logOrigin !== logOrigin) {
      if (
        state?.url !== undefined &&
        sameAddress(state.url) !== sameAddress(base) &&
        pinned.logOrigin !== logOrigin
      ) {
        // Another clearinghouse, not the pinned log with another key: one state file was used
        // for two logs (the default one is shared by every --url). Nothing is written. The
        // addresses are compared as URLs (case, default port, trailing slash), so the pinned
        // clearinghouse typed another way is still the pinned one, and fails below.
        throw new UsageError(
          `The state file ${resolve(options.statePath)} holds the log of ${pinned.logOrigin} (pinned from ${state.url}); ` +
            `${base} publishes another log (${logOrigin}). Use --state <file> for each clearinghouse. ` +
            `If ${base} is the clearinghouse pinned from ${state.url}, its log key changed: treat that as a failed verification.`,
        );
      }
      throw new ProtocolError(
        'ERR_NOTE_NO_TRUSTED_SIGNATURE',
        `the clearinghouse now publishes log key ${logVerifierKey} (origin ${logOrigin}), but ${pinned.logVerifierKey} (origin ${pinned.logOrigin}) is pinned`,
      );
    }
    const verifier = parseVerifierKey(pinned.logVerifierKey, sha256);
    currentNote = await fetchCheckpointNote(io, base);
    current = openCheckpoint(currentNote, verifier, pinned.logOrigin);
    io.stdout(
      `checkpoint: size ${current.size}, root ${base64Encode(current.rootHash)} (signature verified)`,
    );

    if (state?.seen !== undefined) {
      const previous = state.seen;
      await checkPrefix(
        io,
        base,
        { checkpoint: previous, what: 'the checkpoint in the state file' },
        { checkpoint: current, what: "the log's current checkpoint" },
      );
      io.stdout(`consistent with the last checkpoint seen (size ${previous.size})`);
    }
    if (options.full) {
      const tiles = await checkEveryEntry(io, base, current);
      io.stdout(
        `full check: all ${current.size} entries parse and hash to the checkpoint's root; all ${tiles} hash tiles match them`,
      );
    }
  }

  if (options.receiptPath !== undefined) {
    if (pinned === undefined) {
      throw new UsageError(
        'a receipt needs a pinned key: give --url, a --state file that has one, or --key',
      );
    }
    const verifier = parseVerifierKey(pinned.logVerifierKey, sha256);
    const receipt = parseReceipt(readReceipt(options.receiptPath));
    // The receipt's checkpoint first, on its own: one that does not verify under the pinned key
    // is the receipt's fault (altered, or from another log), and the message says so rather than
    // "the signature by <log> does not verify", which reads as the log's.
    try {
      openCheckpoint(receipt.checkpoint, verifier, pinned.logOrigin);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      throw new ProtocolError(
        error.code,
        `the checkpoint in the receipt ${options.receiptPath} does not verify under the pinned log key (${error.message}): the receipt was altered or is not from this log; this says nothing against the log`,
        { ...error.detail },
      );
    }
    const verified = verifyReceipt(sha256, receipt, verifier, pinned.logOrigin);
    io.stdout(
      `receipt: entry ${verified.index} (${verified.entry.kind}, sha256 ${verified.entry.sha256}) is in the tree of size ${verified.checkpoint.size}`,
    );
    if (current !== undefined && options.url !== undefined) {
      await checkPrefix(
        io,
        options.url,
        { checkpoint: verified.checkpoint, what: "the receipt's checkpoint" },
        { checkpoint: current, what: "the log's current checkpoint" },
      );
      io.stdout(`the receipt's checkpoint is a prefix of the current log (size ${current.size})`);
    } else if (state?.seen !== undefined) {
      // Offline, the pinned checkpoint still decides one case: at the same size the roots must
      // be equal, or the log signed two histories (a split view: this receipt is from the other).
      const seen = state.seen;
      if (seen.size === verified.checkpoint.size) {
        await naming(
          { checkpoint: seen, what: 'the checkpoint in the state file' },
          { checkpoint: verified.checkpoint, what: "the receipt's checkpoint" },
          () => checkConsistentWith(sha256, seen, verified.checkpoint, []),
        );
        io.stdout(`the receipt's checkpoint is the one in the state file (size ${seen.size})`);
      } else {
        io.stdout(
          `the receipt's checkpoint (size ${verified.checkpoint.size}) and the state file's (size ${seen.size}) differ in size: run with --url to prove them consistent`,
        );
      }
    } else {
      io.stdout('no checkpoint seen before: run with --url to prove the receipt consistent');
    }
  }

  // Only a fully verified run moves the state forward (and never backwards).
  if (pinned !== undefined) {
    const keepOld =
      current === undefined || (state?.checkpoint !== undefined && currentNote === undefined);
    writeState(options.statePath, {
      v: 1,
      // Where the key was pinned from: kept once recorded (a state file from before December
      // 2026 gets the URL of this run).
      ...(state?.url !== undefined
        ? { url: state.url }
        : options.url !== undefined
          ? { url: options.url }
          : {}),
      logOrigin: pinned.logOrigin,
      logVerifierKey: pinned.logVerifierKey,
      ...(keepOld
        ? state?.checkpoint !== undefined
          ? { checkpoint: state.checkpoint }
          : {}
        : { checkpoint: currentNote! }),
    });
  }
  io.stdout('OK');
}

/** Larger than any receipt (an entry of 1 KiB, 64 hashes, a checkpoint of 16 KiB), as /audit. */
const maxReceiptBytes = 256 * 1024;

/** The JSON of the receipt file at `path`, with a sentence for each way it cannot be read. */
function readReceipt(path: string): unknown {
  let text: string;
  try {
    if (statSync(path).size > maxReceiptBytes) {
      throw new UsageError(
        `the receipt file ${path} is larger than ${maxReceiptBytes / 1024} KiB, too large for a receipt; check that it is the receipt the clearinghouse gave`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(fileProblem('the receipt file', path, error));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      `the receipt file ${path} is not JSON; a receipt is a JSON object with v, index, entry, proof and checkpoint, as the clearinghouse gives it`,
    );
  }
}

/** A checkpoint and how the auditor knows it ("the receipt's checkpoint"), for the messages. */
interface Named {
  checkpoint: Checkpoint;
  what: string;
}

function describeCheckpoint({ checkpoint, what }: Named): string {
  return `${what} (size ${checkpoint.size}, root ${base64Encode(checkpoint.rootHash)})`;
}

/** The codes that say two checkpoints disagree (the others: a tile or proof the log served). */
const disagreement = new Set([
  'ERR_CHECKPOINT_FORK',
  'ERR_CHECKPOINT_SHRUNK',
  'ERR_CHECKPOINT_ORIGIN_MISMATCH',
  'ERR_TLOG_CONSISTENCY_INVALID',
]);

/**
 * Runs `check` (a comparison of `older` and `newer`) and names both checkpoints in the message of
 * a ProtocolError it throws, so the auditor reads which disagrees with which (or, for a tile the
 * log served wrong, which proof it was for).
 */
async function naming<T>(older: Named, newer: Named, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    const [a, b] = [describeCheckpoint(older), describeCheckpoint(newer)];
    throw new ProtocolError(
      error.code,
      disagreement.has(error.code)
        ? `${a} and ${b} disagree: ${error.message}`
        : `while proving ${a} a prefix of ${b}: ${error.message}`,
      { ...error.detail },
    );
  }
}

/**
 * `older` must be a prefix of `newer`: same root at the same size, else a verified consistency
 * proof. A failure names both checkpoints ({@link naming}).
 */
async function checkPrefix(
  io: VerifierIo,
  base: string,
  older: Named,
  newer: Named,
): Promise<void> {
  await naming(older, newer, async () => {
    const [a, b] = [older.checkpoint, newer.checkpoint];
    let proof: Uint8Array[] = [];
    if (a.size > 0 && a.size < b.size) {
      // Tiles authenticated against the new, signed root: a tampered tile is refused as such.
      const reader = tileHashReader(sha256, b.size, tileFetcher(io, base), b.rootHash);
      proof = await consistencyProof(sha256, a.size, b.size, reader);
    }
    checkConsistentWith(sha256, a, b, proof);
  });
}

function tileFetcher(io: VerifierIo, base: string) {
  return (tile: TileId) => fetchHashTile(io, base, tile);
}

/**
 * A hash tile the signed checkpoint implies. A partial tile the log no longer serves (it grew
 * meanwhile: SPECS "The log", partial tiles of older sizes may be served or not) is read from
 * the full tile, whose prefix it is.
 *
 * @throws ProtocolError `ERR_TLOG_TILE_INVALID` when the log serves neither, answers with an
 *   error, or serves more bytes than the width allows (fewer: the callers compare lengths).
 */
async function fetchHashTile(io: VerifierIo, base: string, tile: TileId): Promise<Uint8Array> {
  const { bytes } = await fetchPartialOrFull(io, tile.width, {
    url: (width) => `${base}/log/${tilePath({ ...tile, width })}`,
    maxBytes: (width) => width * 32,
    code: 'ERR_TLOG_TILE_INVALID',
    what: `tile ${tilePath(tile)}`,
  });
  return bytes.subarray(0, tile.width * 32);
}

/**
 * The entries of the entry bundle `index` of `width` entries the signed checkpoint implies, read
 * from the full bundle when the log no longer serves the partial one (as {@link fetchHashTile}).
 *
 * @throws ProtocolError `ERR_TLOG_BUNDLE_INVALID` when the log serves neither, answers with an
 *   error, or serves a bundle that is not `width` entries of at most 1 KiB.
 */
async function fetchEntries(
  io: VerifierIo,
  base: string,
  index: number,
  width: number,
): Promise<Uint8Array[]> {
  const got = await fetchPartialOrFull(io, width, {
    url: (w) => `${base}/log/${entryBundlePath(index, w)}`,
    maxBytes: maxBundleBytes,
    code: 'ERR_TLOG_BUNDLE_INVALID',
    what: `entry bundle ${entryBundlePath(index, width)}`,
  });
  try {
    return decodeEntryBundle(got.bytes, got.width).slice(0, width);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    // Which bundle, as the log served it.
    throw new ProtocolError(
      error.code,
      `${base}/log/${entryBundlePath(index, got.width)}: ${error.message}`,
      { ...error.detail },
    );
  }
}

/**
 * A tile or entry bundle of `width` the signed checkpoint implies: the partial one, or, when the
 * log no longer serves it (it grew meanwhile), the full one whose prefix it is, with the width
 * it was read at.
 *
 * @throws ProtocolError `code` when the log serves neither (or fails as {@link fetchImplied}).
 */
async function fetchPartialOrFull(
  io: VerifierIo,
  width: number,
  of: {
    url: (width: number) => string;
    maxBytes: (width: number) => number;
    code: 'ERR_TLOG_TILE_INVALID' | 'ERR_TLOG_BUNDLE_INVALID';
    what: string;
  },
): Promise<{ bytes: Uint8Array; width: number }> {
  const bytes = await fetchImplied(io, of.url(width), of.maxBytes(width), of.code);
  if (bytes !== undefined) return { bytes, width };
  const whole =
    width < TILE_WIDTH
      ? await fetchImplied(io, of.url(TILE_WIDTH), of.maxBytes(TILE_WIDTH), of.code)
      : undefined;
  if (whole === undefined) {
    throw new ProtocolError(
      of.code,
      `the log does not serve the ${of.what} its signed checkpoint implies`,
    );
  }
  return { bytes: whole, width: TILE_WIDTH };
}

/** Every entry and every hash tile; returns how many tiles were checked. */
async function checkEveryEntry(
  io: VerifierIo,
  base: string,
  checkpoint: Checkpoint,
): Promise<number> {
  const bundles = Math.ceil(checkpoint.size / TILE_WIDTH);
  const progress = progressBar(io, bundles);
  let edge: Uint8Array[] = [];
  let index = 0;
  // Hashes of complete subtrees of height 8·L, per tile level L, not yet compared with a tile.
  const pending: Uint8Array[][] = [];
  const nextTile: number[] = [];
  let tilesChecked = 0;
  const checkTile = async (level: number, hashes: Uint8Array[]) => {
    const tile = { level, index: nextTile[level] ?? 0, width: hashes.length };
    const bytes = await fetchHashTile(io, base, tile);
    const matches =
      bytes.length === tile.width * 32 &&
      hashes.every((hash, i) => bytesEqual(bytes.subarray(i * 32, (i + 1) * 32), hash));
    if (!matches) await blameMismatch(io, base, checkpoint, tile, hashes);
    nextTile[level] = tile.index + 1;
    tilesChecked++;
  };
  for (let n = 0; n < bundles; n++) {
    const width = tileWidthFor(checkpoint.size, 0, n);
    for (const entry of await fetchEntries(io, base, n, width)) {
      decodeLogEntry(entry);
      const step = appendLeaf(sha256, edge, index, leafHash(sha256, entry));
      for (const node of step.stored) {
        if (node.level % TILE_HEIGHT === 0)
          (pending[node.level / TILE_HEIGHT] ??= []).push(node.hash);
      }
      edge = step.rightEdge;
      index++;
    }
    for (const [level, hashes] of pending.entries()) {
      while (hashes !== undefined && hashes.length >= TILE_WIDTH) {
        await checkTile(level, hashes.splice(0, TILE_WIDTH));
      }
    }
    progress(n + 1);
  }
  // The partial tile at each level: floor(size / 256^L) mod 256 hashes (SPECS "The log").
  for (const [level, hashes] of pending.entries()) {
    if (hashes !== undefined && hashes.length > 0) await checkTile(level, hashes);
  }
  if (!bytesEqual(rootFromRightEdge(sha256, edge), checkpoint.rootHash)) {
    throw new ProtocolError(
      'ERR_CHECKPOINT_FORK',
      'the entries the log serves do not hash to the root of its signed checkpoint',
    );
  }
  return tilesChecked;
}

/**
 * A tile disagrees with the hashes computed from the entries: one of the two is not what the
 * signed checkpoint commits to. The tile decides: read through a reader that authenticates every
 * tile against the signed root, it is either refused (the tile is wrong) or genuine, and then the
 * entries are wrong, which is said with the entry bundle and the first entry that differs.
 *
 * @throws ProtocolError always: `ERR_TLOG_TILE_INVALID` for a tile that does not hash to the
 *   signed root, `ERR_TLOG_BUNDLE_INVALID` for entries that differ from a genuine tile.
 */
async function blameMismatch(
  io: VerifierIo,
  base: string,
  checkpoint: Checkpoint,
  tile: TileId,
  computed: readonly Uint8Array[],
): Promise<never> {
  const reader = tileHashReader(
    sha256,
    checkpoint.size,
    tileFetcher(io, base),
    checkpoint.rootHash,
  );
  const level = tile.level * TILE_HEIGHT;
  let genuine: Uint8Array[];
  try {
    genuine = await reader.readHashes(
      computed.map((_, i) => ({ level, index: tile.index * TILE_WIDTH + i })),
    );
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new ProtocolError(
      'ERR_TLOG_TILE_INVALID',
      `the tile ${tilePath(tile)} does not hold the hashes its entries compute, and the log's tiles do not hash to the root of its signed checkpoint (${error.message}): the tile is wrong`,
      { ...error.detail },
    );
  }
  const differs = computed.findIndex((hash, i) => !bytesEqual(hash, genuine[i]!));
  if (differs === -1) {
    // Read again, the tile agrees with the entries: the log served it differently on two reads,
    // so it, not the entries, is what cannot be trusted.
    throw new ProtocolError(
      'ERR_TLOG_TILE_INVALID',
      `the tile ${tilePath(tile)} did not hold the hashes its entries compute, and read again it did: the log serves it differently from one read to the next`,
    );
  }
  // Each hash of a tile at tile level L covers 256^L entries: the first of them, and the last.
  const span = TILE_WIDTH ** tile.level;
  const first = (tile.index * TILE_WIDTH + differs) * span;
  const last = Math.min(checkpoint.size, first + span) - 1;
  const bundle = Math.floor(first / TILE_WIDTH);
  const bundlePath = entryBundlePath(bundle, tileWidthFor(checkpoint.size, 0, bundle));
  if (tile.level === 0) {
    throw new ProtocolError(
      'ERR_TLOG_BUNDLE_INVALID',
      `the entry bundle ${bundlePath} does not hold the entries the log's signed checkpoint commits to: entry ${first} differs from the hash the tile ${tilePath(tile)} holds, and that tile is verified against the signed root`,
      { bundle: bundlePath, index: first },
    );
  }
  // The tiles below agreed with these entries: they were altered with them.
  throw new ProtocolError(
    'ERR_TLOG_BUNDLE_INVALID',
    `the entries ${first} to ${last} (from the entry bundle ${bundlePath} on) do not hash to what the log's signed checkpoint commits to: the tile ${tilePath(tile)}, verified against the signed root, holds another hash for them, and the lower tiles the log serves, which agree with the entries, are altered as well`,
    { bundle: bundlePath, index: first },
  );
}

function progressBar(io: VerifierIo, total: number): (done: number) => void {
  const started = Date.now();
  let lastDraw = 0;
  return (done) => {
    const now = Date.now();
    if (done < total && now - lastDraw < (io.stderr.isTTY === true ? 100 : 5_000)) return;
    lastDraw = now;
    const fraction = total === 0 ? 1 : done / total;
    const filled = Math.round(fraction * 30);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${done}/${total} bundles, ${((now - started) / 1000).toFixed(1)} s`;
    io.stderr.write(
      io.stderr.isTTY === true ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`,
    );
  };
}

/**
 * GET `url`: its answer, whatever the status, except 429 and any 5xx (the clearinghouse or a
 * server in front of it asks to come back later) and no answer at all, which are exit 2.
 */
async function get(io: VerifierIo, url: string): Promise<Response> {
  let response: Response;
  try {
    response = await io.fetch(url, { redirect: 'error', signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw fetchFailure(url, error);
  }
  if (response.status !== 200) await response.body?.cancel().catch(() => {});
  if (response.status === 429 || response.status >= 500) throw busy(url, response.status);
  return response;
}

function busy(url: string, status: number): UsageError {
  return new UsageError(
    `${url} answered ${status}: the log or a server in front of it is busy or failing, try again later`,
  );
}

/**
 * Data the signed checkpoint implies (a tile or an entry bundle): undefined for a 404 (the caller
 * may look for it elsewhere). The log must serve it: an error in its place, or more than
 * `maxBytes`, is the log failing its own checkpoint (`code`, exit 1), not the network. No
 * connection at all, 429 and any 5xx (the log asks to come back later, or a proxy or CDN in front
 * of it failed) stay exit 2: a monitor must not report a broken log for a passing gateway fault.
 */
async function fetchImplied(
  io: VerifierIo,
  url: string,
  maxBytes: number,
  code: 'ERR_TLOG_TILE_INVALID' | 'ERR_TLOG_BUNDLE_INVALID',
): Promise<Uint8Array | undefined> {
  let response: Response;
  try {
    response = await io.fetch(url, { redirect: 'error', signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw fetchFailure(url, error);
  }
  if (response.status !== 200) await response.body?.cancel().catch(() => {});
  if (response.status === 429 || response.status >= 500) throw busy(url, response.status);
  if (response.status === 404) return undefined;
  if (response.status !== 200) {
    throw new ProtocolError(code, `${url} answered ${response.status} instead of its data`);
  }
  const tooLong = () =>
    new ProtocolError(code, `${url} is longer than the ${maxBytes} bytes its width allows`);
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) throw tooLong();
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw tooLong();
  return bytes;
}

/**
 * The sentence for a request that got no answer: fetch's own message is only "fetch failed", the
 * reason (a refused connection, an unknown host) is in its `cause`.
 *
 * @example
 * ```ts
 * fetchFailure('http://127.0.0.1:9/log/checkpoint', error).message;
 * // 'cannot fetch http://127.0.0.1:9/log/checkpoint: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED): nothing listens there; is the clearinghouse running, and is --url its address?'
 * ```
 */
function fetchFailure(url: string, error: unknown): UsageError {
  const { message, code } = failureOf(error);
  const hints: Record<string, string> = {
    ECONNREFUSED: 'nothing listens there; is the clearinghouse running, and is --url its address?',
    ENOTFOUND: 'the host name is not known; check --url',
    EAI_AGAIN: 'the host name could not be looked up; check the network and --url',
  };
  const hint = code === undefined ? undefined : hints[code];
  return new UsageError(
    `cannot fetch ${url}: ${message}${code !== undefined && !message.includes(code) ? ` (${code})` : ''}${hint === undefined ? '' : `: ${hint}`}`,
  );
}

/** The deepest message and code of `error` and its causes (an AggregateError's first error). */
function failureOf(error: unknown): { message: string; code?: string } {
  let message = error instanceof Error ? error.message : String(error);
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code: ownCode, message: ownMessage } = current as { code?: unknown; message?: unknown };
    if (typeof ownCode === 'string') code = ownCode;
    if (typeof ownMessage === 'string' && ownMessage !== '' && depth > 0) message = ownMessage;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    current = cause ?? (Array.isArray(errors) ? (errors[0] as unknown) : undefined);
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { message: 'no answer within 30 s (timed out)' };
  }
  return code === undefined ? { message } : { message, code };
}

/** The body of a 200 answer as text, refused beyond `maxBytes` (a hostile server may send more). */
async function readText(url: string, response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new UsageError(`${url} is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) throw tooLarge();
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw tooLarge();
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** The log's current checkpoint, as signed note text. */
async function fetchCheckpointNote(io: VerifierIo, base: string): Promise<string> {
  const url = `${base}/log/checkpoint`;
  const response = await get(io, url);
  if (response.status !== 200) {
    throw new UsageError(
      `${url} answered ${response.status}: the clearinghouse serves no checkpoint of its log there`,
    );
  }
  return readText(url, response, maxCheckpointBytes);
}

/** What a clearinghouse publishes about itself (SPECS), at the address every one of them uses. */
const descriptionPath = '/.well-known/clearinghouse.json';

/**
 * The clearinghouse's description. An address that has none, or answers it with something that
 * is not a JSON object, is most likely not a clearinghouse (a typo in --url, another service on
 * that port): said as such, not as a bare status code.
 */
async function fetchDescription(io: VerifierIo, base: string): Promise<Record<string, unknown>> {
  const notOne = (why: string) =>
    new UsageError(
      `${base} does not look like a clearinghouse: ${why}. Check the address given to --url.`,
    );
  const url = `${base}${descriptionPath}`;
  const response = await get(io, url);
  if (response.status !== 200) {
    throw notOne(`it has no ${descriptionPath} (answered ${response.status})`);
  }
  const text = await readText(url, response, maxJsonBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notOne(`its ${descriptionPath} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw notOne(`its ${descriptionPath} is not a JSON object`);
  return value as Record<string, unknown>;
}

function stringField(object: Record<string, unknown>, name: string): string {
  const value = object[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw new UsageError(
      `the clearinghouse's ${descriptionPath} has no valid "${name}"; it is not a clearinghouse this verifier can check`,
    );
  }
  return value;
}

/**
 * The sentence for a file the auditor named that cannot be read (`what`: "the state file", "the
 * receipt file"), instead of Node's `ENOENT: no such file or directory, open …`.
 */
function fileProblem(what: string, path: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `${what} ${path} does not exist`;
    case 'EISDIR':
      return `${what} ${path} is a folder, not a file`;
    case 'EACCES':
    case 'EPERM':
      return `${what} ${path} may not be read (permission denied)`;
    default:
      return `${what} ${path} cannot be read: ${(error as Error).message}`;
  }
}

/** What the state file holds, its checkpoint opened (none in a state file not yet written). */
type LoadedState = VerifierState & { seen?: Checkpoint };

/**
 * The state file, checked whole: its key parses, and its checkpoint verifies under that key and
 * origin. The verifier wrote both after verifying them, so a failure here means the file was
 * altered or damaged, not that the log misbehaved: a file problem (exit 2), never a failed
 * verification of the log.
 */
function readState(path: string): LoadedState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new UsageError(
        `the state file ${path} is a folder, not a file; give --state a file name, such as ${join(path, 'verifier-state.json')}`,
      );
    }
    throw new UsageError(fileProblem('the state file', path, error));
  }
  const startOver = 'move it away to start over';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`the state file ${path} is not JSON; ${startOver}`);
  }
  const state = value as Partial<VerifierState> | null;
  if (
    typeof state !== 'object' ||
    state === null ||
    state.v !== 1 ||
    typeof state.logOrigin !== 'string' ||
    typeof state.logVerifierKey !== 'string' ||
    (state.checkpoint !== undefined && typeof state.checkpoint !== 'string')
  ) {
    throw new UsageError(`the state file ${path} is not a verifier state; ${startOver}`);
  }
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(state.logVerifierKey, sha256);
  } catch (error) {
    throw new UsageError(
      `the key pinned in the state file ${path} is not a verifier key (${(error as Error).message}): the file is damaged; ${startOver}`,
    );
  }
  if (state.checkpoint === undefined) return state as VerifierState;
  try {
    const seen = openCheckpoint(state.checkpoint, verifier, state.logOrigin);
    return { ...(state as VerifierState), seen };
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new UsageError(
      `the checkpoint stored in the state file ${path} does not verify under the key pinned in the same file (${error.message}): the file was altered or damaged, this says nothing about the log; ${startOver}`,
    );
  }
}

/**
 * A state file not written yet must go into a folder that exists: a typo in `--state` would
 * otherwise start a new pin on first use without a word. Only the default location is created
 * (the data folder of a checkout, or next to the downloaded verifier).
 */
function checkStateFolder(path: string): void {
  if (resolve(path) === resolve(defaultStatePath)) return;
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) {
    throw new UsageError(
      `the folder ${folder} for the state file does not exist; check --state for a typo, or create the folder first`,
    );
  }
}

function writeState(path: string, state: VerifierState): void {
  const absolute = resolve(path);
  // Only the default folder is created; any other was checked before the run (checkStateFolder).
  if (absolute === resolve(defaultStatePath)) mkdirSync(dirname(absolute), { recursive: true });
  // Write then rename: an interrupted run never leaves a half-written state behind.
  const temporary = `${absolute}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, absolute);
}

/** Human sentences for the failures an auditor must act on. */
function explain(error: ProtocolError): string {
  switch (error.code) {
    case 'ERR_CHECKPOINT_SHRUNK':
      return `THE LOG SHRANK: it now claims fewer entries than a checkpoint it signed before. ${error.message}`;
    case 'ERR_CHECKPOINT_FORK':
      return `THE LOG FORKED: it signed two different histories. Keep the state file (and the receipt, if one was given) as evidence. ${error.message}`;
    case 'ERR_TLOG_CONSISTENCY_INVALID':
      // The message names the two checkpoints (checkPrefix): the state file's or the receipt's.
      return `two checkpoints signed by the log are not one history, the smaller not a prefix of the larger (possible fork). Keep the state file (and the receipt, if one was given) as evidence. ${error.message}`;
    default:
      return error.message;
  }
}

/**
 * The command line entry: runs the verifier on `process.argv` and sets the exit code.
 *
 * @example
 * ```ts
 * await main(); // from scripts/clearinghouse-verify.mjs (the package's `bin`) or `tsx scripts/verify.ts`
 * ```
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runVerifier(argv, {
    fetch: globalThis.fetch,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: process.stderr,
  });
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) await main();
