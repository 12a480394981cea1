/**
 * Whether this node's writes are being refused by the storage right now: a full disk (SQLite's
 * `SQLITE_FULL`, `ENOSPC`, a quota, PostgreSQL's `53100 disk_full`) or a failing one (SQLite's
 * `SQLITE_IOERR_*`, `EIO`, PostgreSQL's `58030 io_error`). The health route reports
 * `writable: false` while the latest write was refused so and none has been stored since
 * (health.ts), so a load balancer or an operator sees what every write answers (503), not only
 * the failed flush of SQLite's write-ahead log that `ClearinghouseDb.storageFailure` keeps for
 * good.
 *
 * A refusal counts for {@link refusalMemoryMs} without a newer one: a node taken out of rotation
 * is offered no writes that could prove the disk has room again, so it reports itself writable
 * once that long has passed, and the next refused write says otherwise again.
 */

/** How long one refused write keeps the node unwritable without a newer refusal or a stored write. */
export const refusalMemoryMs = 30_000;

/** The storage's error codes of a full or failing disk. */
const refusalCodes = /^(SQLITE_FULL|SQLITE_IOERR(_[A-Z_]+)?|ENOSPC|EDQUOT|EIO|53100|58030)$/;

/** The latest refused write since the last stored one. */
let latest: { code: string; atMs: number } | undefined;

/** The code of a full or failing disk in `error` (following `cause` and `errors`), if any. */
export function storageRefusalCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && refusalCodes.test(code)) return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = storageRefusalCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return storageRefusalCode(cause, depth + 1);
}

/**
 * Takes note of a write that failed with `error`: remembered when the storage refused it for
 * lack of room or a failing disk, ignored otherwise (a constraint, a bad value, a lost
 * connection, which `reachable` reports).
 *
 * @example
 * ```ts
 * try { await write(); } catch (error) { noteWriteRefused(error); throw error; }
 * ```
 */
export function noteWriteRefused(error: unknown, nowMs = Date.now()): void {
  const code = storageRefusalCode(error);
  if (code !== undefined) latest = { code, atMs: nowMs };
}

/** Takes note of a write that reached the storage: the disk takes writes again. */
export function noteWriteStored(): void {
  latest = undefined;
}

/**
 * The latest refused write if it still counts (no write stored since, and younger than
 * {@link refusalMemoryMs}), else `undefined`.
 *
 * @example
 * ```ts
 * writeRefusal()?.code; // 'SQLITE_FULL'
 * ```
 */
export function writeRefusal(nowMs = Date.now()): { code: string; atMs: number } | undefined {
  return latest !== undefined && nowMs - latest.atMs < refusalMemoryMs ? latest : undefined;
}
