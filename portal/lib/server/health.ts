import { checkReachable, type ClearinghouseDb } from './db/database';
import { writeRefusal } from './db/write-refusals';
import { version } from './version';

/** The body of `GET /api/v1/health`. */
export interface Health {
  status: 'ok' | 'unavailable';
  version: string;
  database: { dialect: string | null; reachable: boolean; writable: boolean };
}

/**
 * Liveness and readiness: the version, whether the database answers and whether it takes writes
 * (not after a failed flush of SQLite's write-ahead log, until a restart:
 * `ClearinghouseDb.storageFailure`; not while the latest write was refused for a full or failing
 * disk and none was stored since: db/write-refusals.ts). HTTP 200 when both, else 503 with the
 * same body.
 * `database` is `undefined` when the server could not open it.
 *
 * @example
 * ```ts
 * const { status, body } = await healthOf((await getInstance()).database);
 * ```
 */
export async function healthOf(
  database: ClearinghouseDb | undefined,
  nowMs = Date.now(),
): Promise<{ status: 200 | 503; body: Health }> {
  const reachable = database !== undefined && (await checkReachable(database.db));
  const writable =
    reachable && database.storageFailure?.() === undefined && writeRefusal(nowMs) === undefined;
  const ok = reachable && writable;
  return {
    status: ok ? 200 : 503,
    body: {
      status: ok ? 'ok' : 'unavailable',
      version,
      database: { dialect: database?.dialect ?? null, reachable, writable },
    },
  };
}
