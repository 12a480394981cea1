import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { walPathOf } from './durable-transaction';
import { startTimeoutOf } from './worker-start';
import type { ClearinghouseDb } from './database';

/** SQLite's own default for `wal_autocheckpoint` (pages), restored when the checkpointer stops. */
export const defaultAutocheckpointPages = 1000;

export interface CheckpointerOptions {
  /** How often the worker runs a passive checkpoint (default 1,000 ms). */
  intervalMs?: number;
  /** Called when the worker fails; the database then checkpoints inline again (default: a warning on stderr). */
  onError?: (error: Error) => void;
  /** The better-sqlite3 entry point the worker loads (tests give a wrong one to make it fail). */
  driver?: string;
  /**
   * How long the server waits for the worker to open its connection (default 10,000 ms); a worker
   * that has not by then is ended and the database checkpoints inline, as after a failed start.
   */
  startTimeoutMs?: number;
}

export interface CheckpointerStats {
  /** Passive checkpoints that copied at least one frame into the database file. */
  checkpoints: number;
  /** Frames copied by them. */
  frames: number;
  /** The longest of them, milliseconds (spent on the worker's thread, not the event loop). */
  longestMs: number;
  /** The longest the WAL was at a checkpoint, frames (it restarts after one that caught up). */
  longestWal: number;
}

export interface Checkpointer {
  /**
   * `worker`: the worker checkpoints and the server's connection does not; `inline`: the worker
   * failed or was stopped, SQLite's automatic checkpoint (inside a commit) is back on.
   */
  readonly mode: 'worker' | 'inline';
  readonly stats: CheckpointerStats;
  /**
   * Resolves after the worker's first checkpoint that started after this call (tests), with the
   * WAL's length and how much of it is now in the database file, in frames, as it found them.
   * One that started earlier would count frames as they were then: `checkpointed >= log` from it
   * does not mean that the writes made before this call are in the database file.
   */
  nextCheckpoint(): Promise<{ log: number; checkpointed: number }>;
  /** Stops the worker and turns the automatic checkpoint back on. Idempotent. */
  stop(): Promise<void>;
}

/** The worker: its own connection, a passive checkpoint every `intervalMs`. CommonJS, evaluated. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
// A checkpoint flushes the WAL before copying and the database file after, as the automatic
// one under synchronous = FULL does.
db.pragma('synchronous = FULL');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
let timer;
// 'log' and 'checkpointed' count frames of the WAL as it is now (they restart with the WAL).
let last = { log: 0, checkpointed: 0 };
let lastSequence = -1;
const header = Buffer.alloc(16);
// The WAL header's checkpoint sequence number: SQLite raises it when a writer starts the WAL over
// (written with the new WAL's first frame); -1 when there is no header to read.
function walSequence() {
  try {
    const fd = fs.openSync(workerData.wal, 'r');
    try {
      return fs.readSync(fd, header, 0, 16, 0) === 16 ? header.readUInt32BE(12) : -1;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return -1;
  }
}
function run() {
  const before = walSequence();
  const started = performance.now();
  const row = checkpoint.get();
  const ms = performance.now() - started;
  const sequence = before === walSequence() ? before : -1;
  // A WAL started over since the last checkpoint can have grown past the old one's length, so
  // the counts alone cannot tell; the sequence number can, unless a restart raced this checkpoint.
  const restarted =
    sequence !== -1 && lastSequence !== -1
      ? sequence !== lastSequence
      : row.log < last.log || row.checkpointed < last.checkpointed;
  const copied = restarted ? row.checkpointed : row.checkpointed - last.checkpointed;
  last = row;
  lastSequence = sequence;
  // Every checkpoint reports (one message an interval), so that a waiter hears of one that found
  // nothing left to copy; 'startedAt' on the clock all threads share tells it when that began.
  parentPort.postMessage({ type: 'checkpoint', log: row.log, checkpointed: row.checkpointed, copied, ms, startedAt: performance.timeOrigin + started });
  timer = setTimeout(run, workerData.intervalMs);
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
timer = setTimeout(run, workerData.intervalMs);
`;

type WorkerReport =
  | { type: 'ready' }
  | {
      type: 'checkpoint';
      log: number;
      checkpointed: number;
      copied: number;
      ms: number;
      startedAt: number;
    };

/**
 * Moves SQLite's WAL checkpoints off the event loop.
 *
 * better-sqlite3 is synchronous, and SQLite checkpoints automatically inside the COMMIT that takes
 * the write-ahead log past 1,000 pages: copying those pages into the database file and flushing it
 * froze the server for up to 62 ms under bench:api (the longest single stall on the grant path).
 * This turns the server connection's automatic checkpoint off (`wal_autocheckpoint = 0`, a
 * per-connection setting) and runs a PASSIVE checkpoint every `intervalMs` on a second connection
 * in a worker thread. A passive checkpoint never blocks the writer or readers; it copies only
 * frames of committed transactions and flushes the WAL before copying (so no frame whose commit
 * has not yet been made durable by `durableTransaction` reaches the database file unflushed).
 * The WAL is restarted from its beginning by the next write after a checkpoint that caught up
 * when no reader holds a read mark at that moment, which a busy server gets every few intervals
 * (under bench:api: up to 90,000 frames, about three intervals of writes). Forcing it from the
 * worker with a RESTART or TRUNCATE checkpoint was tried and dropped: either holds the writer
 * lock while it copies the frames committed since the passive pass and flushes both files,
 * 10-160 ms in which every writer, the event loop's among them, waits.
 *
 * When the worker fails (or cannot start), the server connection's automatic checkpoint is turned
 * back on: nothing is lost, the stalls come back. PostgreSQL and in-memory SQLite need nothing:
 * this returns `undefined` for them.
 *
 * @example
 * ```ts
 * const checkpointer = await startCheckpointer(cdb);
 * // ... serve ...
 * await checkpointer?.stop(); // before cdb.close()
 * ```
 */
export async function startCheckpointer(
  cdb: ClearinghouseDb,
  options: CheckpointerOptions = {},
): Promise<Checkpointer | undefined> {
  if (walPathOf(cdb) === undefined) return undefined;
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs > 60_000)
    throw new RangeError('intervalMs must be a whole number of milliseconds from 10 to 60000');
  const startTimeoutMs = startTimeoutOf(options.startTimeoutMs);
  const onError =
    options.onError ??
    ((error: Error) =>
      console.error('[sqlite checkpointer] failed; checkpointing inline again', error));
  const driver = options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
  const stats: CheckpointerStats = { checkpoints: 0, frames: 0, longestMs: 0, longestWal: 0 };
  let mode: Checkpointer['mode'] = 'inline';
  let waiters: {
    since: number;
    resolve: (result: { log: number; checkpointed: number }) => void;
  }[] = [];
  let stopping: Promise<void> | undefined;

  const autocheckpoint = (pages: number) =>
    sql.raw(`pragma wal_autocheckpoint = ${pages}`).execute(cdb.db);

  // Referenced while the server waits for it (its start, its stop): an unreferenced worker does not
  // keep the process alive, so when nothing else did (a start that fails before the server
  // listens), the process ended with its start-up promise unsettled (exit code 13) and no word of
  // the error. Unreferenced while it runs, so that it never keeps a server alive by itself.
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { path: cdb.location, wal: walPathOf(cdb), driver, intervalMs },
  });

  /** The worker is gone: the server's connection checkpoints again. */
  const fallBack = async (error?: Error) => {
    if (mode === 'inline') return;
    mode = 'inline';
    // Not once a flush of the log has failed: then nothing may copy it into the database file.
    if (cdb.storageFailure?.() === undefined) {
      await autocheckpoint(defaultAutocheckpointPages).catch(() => undefined);
    }
    if (error !== undefined) onError(error);
  };

  const started = await new Promise<boolean>((resolve) => {
    const settle = (ready: boolean) => {
      clearTimeout(timer);
      // Only the start's listeners go: the ones below report what happens afterwards, once.
      worker.off('message', onReady).off('error', onStartError).off('exit', onStartExit);
      resolve(ready);
    };
    // A worker that neither answers nor fails (its driver's load hangs, say) must not hold the
    // server's start; the referenced worker keeps the process alive until then.
    const timer = setTimeout(() => {
      onError(new Error(`the checkpoint worker did not start within ${startTimeoutMs} ms`));
      settle(false);
    }, startTimeoutMs);
    const onReady = (report: WorkerReport) => settle(report.type === 'ready');
    const onStartError = (error: Error) => {
      onError(error);
      settle(false);
    };
    const onStartExit = () => settle(false);
    worker.on('message', onReady).on('error', onStartError).on('exit', onStartExit);
  });
  if (!started) {
    // One that timed out may still fail on its way out: nothing more to report, nothing to crash.
    worker.on('error', () => undefined);
    await worker.terminate();
    return {
      mode: 'inline',
      stats,
      nextCheckpoint: () => Promise.reject(new Error('the checkpointer is not running')),
      stop: async () => {},
    };
  }
  await autocheckpoint(0);
  mode = 'worker';
  worker.on('message', (report: WorkerReport) => {
    if (report.type !== 'checkpoint') return;
    if (report.copied > 0) {
      stats.checkpoints += 1;
      stats.frames += report.copied;
      stats.longestMs = Math.max(stats.longestMs, report.ms);
      stats.longestWal = Math.max(stats.longestWal, report.log);
    }
    const ready = waiters.filter((waiter) => waiter.since <= report.startedAt);
    waiters = waiters.filter((waiter) => waiter.since > report.startedAt);
    for (const { resolve } of ready)
      resolve({ log: report.log, checkpointed: report.checkpointed });
  });
  worker.on('error', (error) => void fallBack(error));
  let exited = false;
  worker.on('exit', () => {
    exited = true;
    if (stopping === undefined) void fallBack(new Error('the checkpoint worker exited'));
  });
  // After the listeners: adding a 'message' listener references the worker again.
  worker.unref();

  const checkpointer: Checkpointer = {
    get mode() {
      return mode;
    },
    stats,
    nextCheckpoint: () =>
      mode === 'worker'
        ? new Promise((resolve) =>
            waiters.push({ since: performance.timeOrigin + performance.now(), resolve }),
          )
        : Promise.reject(new Error('the checkpointer is not running')),
    stop() {
      stopping ??= (async () => {
        // A worker that has exited already sends no second 'exit': nothing to wait for.
        if (!exited) {
          const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          worker.ref();
          worker.postMessage('stop');
          // At most 5 s; the referenced worker keeps the process alive until then.
          await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        }
        await worker.terminate();
        await fallBack();
      })();
      return stopping;
    },
  };
  // Once a flush of the log has failed, no checkpoint may copy it (the frames the disk may have
  // lost among it) into the database file: the next start recovers from what is on disk.
  cdb.onStorageFailure?.(() => void checkpointer.stop());
  return checkpointer;
}
