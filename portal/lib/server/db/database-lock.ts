import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * One clearinghouse process per SQLite database file: the server holds `<DATABASE_PATH>.lock`
 * while it runs, and the restore (backup.ts) refuses while a live process holds it. SQLite's own
 * locks order writes between processes but say nothing when an operator moves the database away
 * (with its -wal and -shm files) and restores a backup into its place while the server still runs:
 * the server kept acknowledging writes into the moved file, lost with it (docs/operations.md
 * "Backup and restore"). PostgreSQL is shared by design (docs/scaling.md) and has no such lock.
 *
 * The file appears with its content in one step (written to a file of its own, then linked into
 * place, which fails when a lock is there: never an empty lock another process could take for a
 * stale one), mode 0600. It holds the process's pid, its start time and, where Linux tells them,
 * the boot's id and the process's start tick. A lock is stale, and taken over, when its pid no
 * longer runs (a SIGKILL, a crash), when it was taken before this machine's last boot (a power
 * cut: the pid may now be another program's), or when the process of that pid started at another
 * tick (the pid was reused). A stale lock is renamed away before the new one is linked, and only
 * if it is still the one judged stale, so two processes taking over at once cannot both hold it.
 * Where Linux does not tell the boot or the tick, a reused pid reads as alive: the refusal says
 * to remove the lock file if that pid is no clearinghouse.
 */

/** What a lock file holds. */
export interface SqliteLockHolder {
  pid: number;
  /** ISO time of the holder's start. */
  startedAt: string;
  /** `/proc/sys/kernel/random/boot_id` when the lock was taken, where Linux has it. */
  bootId?: string;
  /** The holder's start, in clock ticks since boot (`/proc/<pid>/stat`, field 22), where known. */
  processStart?: string;
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
      `Another clearinghouse process (pid ${holder.pid}) uses DATABASE_PATH ${path} (it holds ${sqliteLockPath(path)} since ${holder.startedAt}): stop it first. If pid ${holder.pid} is no clearinghouse (its number can pass to another program after a crash), delete ${sqliteLockPath(path)}.`,
    );
  }
}

/** This boot's id, or undefined where Linux's /proc does not say it. */
function currentBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** When the process `pid` started, in clock ticks since boot, or undefined where unknown. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces: count from after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 of the whole line
  } catch {
    return undefined;
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

/** The lock file's text, or undefined when there is none. */
function readLockText(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What `text` says of its holder; pid 0 when it says nothing usable (a damaged file: stale). */
function holderOf(text: string): SqliteLockHolder {
  try {
    const parsed = JSON.parse(text) as Partial<Record<keyof SqliteLockHolder, unknown>>;
    if (Number.isSafeInteger(parsed.pid) && (parsed.pid as number) > 0) {
      return {
        pid: parsed.pid as number,
        startedAt: String(parsed.startedAt ?? 'an unknown time'),
        ...(typeof parsed.bootId === 'string' ? { bootId: parsed.bootId } : {}),
        ...(typeof parsed.processStart === 'string' ? { processStart: parsed.processStart } : {}),
      };
    }
  } catch {
    // Not JSON: damaged.
  }
  return { pid: 0, startedAt: 'an unknown time' };
}

/** Whether `holder` is a process that runs now and is not this one. */
function isLiveHolder(holder: SqliteLockHolder): boolean {
  if (holder.pid === 0 || holder.pid === process.pid) return false;
  const bootId = currentBootId();
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) {
    return false; // taken before this boot
  }
  if (!isAlive(holder.pid)) return false;
  const start = holder.processStart === undefined ? undefined : processStartOf(holder.pid);
  // The pid runs, but a process that started at another tick: the number was reused.
  return start === undefined || start === holder.processStart;
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
  const text = readLockText(sqliteLockPath(path));
  if (text === undefined) return undefined;
  const holder = holderOf(text);
  return isLiveHolder(holder) ? holder : undefined;
}

/**
 * Takes the lock of the SQLite database at `path` for this process, taking over a stale one.
 * Returns its release, which removes the file if it is still this process's.
 *
 * @throws {DatabaseLockedError} when a live process holds it; the system's error when the file
 *   cannot be created, or when other processes keep replacing the lock meanwhile.
 * @example
 * ```ts
 * const release = takeSqliteLock(path);
 * // … serve …
 * release();
 * ```
 */
export function takeSqliteLock(path: string, startedAt = new Date()): () => void {
  const lockPath = sqliteLockPath(path);
  const bootId = currentBootId();
  const processStart = processStartOf(process.pid);
  const content = `${JSON.stringify({
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    ...(bootId === undefined ? {} : { bootId }),
    ...(processStart === undefined ? {} : { processStart }),
  })}\n`;
  const unique = () => `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    const draft = `${unique()}.new`;
    writeFileSync(draft, content, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 4) throw error;
      const seen = readLockText(lockPath);
      if (seen === undefined) continue; // released meanwhile
      const holder = holderOf(seen);
      if (isLiveHolder(holder)) throw new DatabaseLockedError(path, holder);
      // Stale: moved aside, and removed only if it is still the lock judged stale; one another
      // process put there meanwhile goes back (a link fails if yet another one is there).
      const aside = `${unique()}.stale`;
      try {
        renameSync(lockPath, aside);
      } catch (renameError) {
        if ((renameError as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw renameError;
      }
      if (readFileSync(aside, 'utf8') !== seen) {
        try {
          linkSync(aside, lockPath);
        } catch {
          // Yet another lock is there now: the next attempt judges it.
        }
      }
      unlinkSync(aside);
      continue;
    } finally {
      unlinkSync(draft);
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
