import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/**
 * One clearinghouse process per SQLite database file: the server holds `<DATABASE_PATH>.lock`
 * while it runs, and the restore (backup.ts) refuses while a live process holds it. SQLite's own
 * locks order writes between processes but say nothing when an operator moves the database away
 * (with its -wal and -shm files) and restores a backup into its place while the server still runs:
 * the server kept acknowledging writes into the moved file, lost with it (docs/operations.md
 * "Backup and restore"). PostgreSQL is shared by design (docs/scaling.md) and has no such lock.
 *
 * The file is created exclusively (`wx`, mode 0600) and holds the process's pid and start time. A
 * lock whose pid no longer runs on this machine (a SIGKILL, a crash, a power cut) is stale and
 * taken over. A pid that was reused by another program after a crash reads as alive: the
 * refusal names the pid and the lock file, so the operator can check and remove it.
 */

/** What a lock file holds. */
export interface SqliteLockHolder {
  pid: number;
  /** ISO time of the holder's start. */
  startedAt: string;
}

/** The lock file of the SQLite database at `path`. */
export function sqliteLockPath(path: string): string {
  return `${path}.lock`;
}

/** A live process other than this one holds the database's lock. */
export class DatabaseLockedError extends Error {
  override name = 'DatabaseLockedError';
  readonly code = 'ERR_DATABASE_LOCKED';
  constructor(
    readonly path: string,
    readonly holder: SqliteLockHolder,
  ) {
    super(
      `Another clearinghouse process (pid ${holder.pid}) uses DATABASE_PATH ${path} (it holds ${sqliteLockPath(path)} since ${holder.startedAt}): stop it first.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lockPath: string): SqliteLockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SqliteLockHolder>;
    if (Number.isSafeInteger(parsed.pid) && (parsed.pid as number) > 0) {
      return {
        pid: parsed.pid as number,
        startedAt: String(parsed.startedAt ?? 'an unknown time'),
      };
    }
  } catch {
    // Cut off by a crash while it was written: stale.
  }
  return { pid: 0, startedAt: 'an unknown time' };
}

/**
 * The live process other than this one that holds the lock of the SQLite database at `path`, or
 * `undefined` (no lock file, or a stale one).
 *
 * @example
 * ```ts
 * const holder = liveSqliteLockHolder('/srv/ch/data/clearinghouse.db'); // { pid: 4711, startedAt: '…' }
 * ```
 */
export function liveSqliteLockHolder(path: string): SqliteLockHolder | undefined {
  const holder = readHolder(sqliteLockPath(path));
  if (holder === undefined || holder.pid === 0 || holder.pid === process.pid) return undefined;
  return isAlive(holder.pid) ? holder : undefined;
}

/**
 * Takes the lock of the SQLite database at `path` for this process, taking over a stale one.
 * Returns its release, which removes the file if it is still this process's.
 *
 * @throws {DatabaseLockedError} when a live process holds it; the system's error when the file
 *   cannot be created.
 * @example
 * ```ts
 * const release = takeSqliteLock(path);
 * // … serve …
 * release();
 * ```
 */
export function takeSqliteLock(path: string, startedAt = new Date()): () => void {
  const lockPath = sqliteLockPath(path);
  const content = `${JSON.stringify({ pid: process.pid, startedAt: startedAt.toISOString() })}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      const holder = liveSqliteLockHolder(path);
      if (holder !== undefined) throw new DatabaseLockedError(path, holder);
      // Stale (its process is gone, or it was this process's own before a restart with its pid).
      try {
        unlinkSync(lockPath);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      try {
        if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
      } catch {
        // Gone already (the folder moved away): nothing to release.
      }
    };
  }
}
