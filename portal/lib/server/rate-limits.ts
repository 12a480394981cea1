/**
 * Rate limits of the API (issue 5, docs/api.md "Limits"): a budget of requests per minute for
 * each client address, charged before a request's body is read, and one for each signing key,
 * charged only once that key's signature has verified, so a request that merely *names* someone
 * else's `kid` cannot spend their budget.
 *
 * The counters live in the database (`rate_limits`, migration 0009), so several portal processes
 * on one database share them: one fixed one-minute window per bucket, advanced by an atomic
 * upsert on SQLite and PostgreSQL alike. Charges that arrive while a count is being written are
 * coalesced into the next statement (one row per bucket, `count + n`), the way the durable
 * writer group-commits messages. Counts are not worth a disk sync: on PostgreSQL the table is
 * UNLOGGED; a SQLite file keeps the table in a file of its own beside the database
 * (`ClearinghouseDb.countNow`, `synchronous = OFF`), so a count never waits for the database's
 * write lock, which a group commit holds for its statements and flush; an in-memory SQLite
 * database counts in its own `rate_limits` with `synchronous = NORMAL` (see {@link withoutSync}).
 *
 * A busy bucket does not write once per request: each node reserves a block of places of the
 * window in one upsert (`count + block`) and hands them out from memory until they are spent
 * ({@link Lease}). The block starts at the number of requests waiting and doubles with each
 * refill in the window, up to {@link maxBlock} (1/64 of the limit, at most 1024; 1 for limits
 * below 128, which are therefore counted exactly). A place is only ever handed out once and only
 * when it is within the limit, so several nodes together never admit more than the limit
 * (no overshoot); the price is undershoot: places a node reserved and did not use in the window
 * (fewer than `maxBlock(limit)` per node and bucket) are lost to the others.
 *
 * A fixed window lets a client spend up to twice its budget across a window boundary; that is
 * the accepted price for an exact `Retry-After` and one row per bucket.
 */
import { isDatabaseUnreachable, reportUnreachableRequest } from './db/unreachable';
import { isIP } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ProtocolError } from '$protocol/errors';
import type { DurableWriter } from './db/durable-writer';
import { clearinghouseDbOf, dialectOf } from './db/database';
import { runText } from './db/postgres-batch';
import type { Database, DatabaseDialect } from './db/schema';
import { logger } from './observe';
import { problemFromError, problemResponse } from './problem';

/** The length of a counting window. */
export const rateLimitWindowMs = 60_000;

/** What the operator configured; 0 switches a limit off. */
export interface RateLimitConfig {
  /** Requests per minute from one client address (an IPv6 client: its /64) to `/api/`. */
  readonly addressPerMinute: number;
  /** Verified signed messages and request signatures per minute of one signing key. */
  readonly keyPerMinute: number;
  /**
   * A request header the operator's reverse proxy sets to the client address, lower case:
   * `forwarded` (RFC 7239) or a list like `x-forwarded-for`; only its right-most element counts
   * ({@link clientAddress}). Absent: the socket's peer.
   */
  readonly trustedProxyHeader?: string;
}

/** Defaults when the environment says nothing (docs/api.md "Limits"). */
export const defaultRateLimits: RateLimitConfig = { addressPerMinute: 3000, keyPerMinute: 1200 };

const maxPerMinute = 1_000_000_000;

/**
 * A header name as `rateLimitsFromEnv` lower-cases it: an HTTP token (RFC 9110 §5.1 and §5.6.2,
 * https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2), at most 64 characters.
 */
const headerNamePattern = /^[a-z0-9!#$%&'*+\-.^_`|~]{1,64}$/;

/**
 * The limits from `RATE_LIMIT_ADDRESS_PER_MINUTE`, `RATE_LIMIT_KEY_PER_MINUTE` (whole numbers,
 * 0 = off) and `TRUSTED_PROXY_HEADER` (one HTTP header name, any case). A malformed value stops
 * the start rather than silently running without the limit the operator meant.
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * rateLimitsFromEnv({ RATE_LIMIT_KEY_PER_MINUTE: '0', TRUSTED_PROXY_HEADER: 'X-Forwarded-For' });
 * // { addressPerMinute: 3000, keyPerMinute: 0, trustedProxyHeader: 'x-forwarded-for' }
 * ```
 */
export function rateLimitsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RateLimitConfig {
  const perMinute = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > maxPerMinute) {
      throw new Error(
        `${name} must be a whole number of requests per minute (0 = no limit), not "${raw}".`,
      );
    }
    return Number(raw);
  };
  const header = env.TRUSTED_PROXY_HEADER?.trim().toLowerCase();
  if (header !== undefined && header !== '' && !headerNamePattern.test(header)) {
    throw new Error(
      `TRUSTED_PROXY_HEADER must be one HTTP header name (up to 64 letters, digits and !#$%&'*+-.^_\`|~), e.g. x-forwarded-for or forwarded, not ${JSON.stringify(env.TRUSTED_PROXY_HEADER)}.`,
    );
  }
  return {
    addressPerMinute: perMinute(
      'RATE_LIMIT_ADDRESS_PER_MINUTE',
      defaultRateLimits.addressPerMinute,
    ),
    keyPerMinute: perMinute('RATE_LIMIT_KEY_PER_MINUTE', defaultRateLimits.keyPerMinute),
    ...(header === undefined || header === '' ? {} : { trustedProxyHeader: header }),
  };
}

/** Charges requests against their budgets. */
export interface RateLimiter {
  readonly config: RateLimitConfig;
  /**
   * Counts one request from `address` (as {@link clientAddress} returns it).
   *
   * @throws ProtocolError `ERR_RATE_LIMITED` with `detail.retryAfter` (seconds) when the
   *   address's budget for this minute is spent; `ERR_STORAGE_UNAVAILABLE` when the count
   *   cannot be written (fail closed).
   */
  chargeAddress(address: string): Promise<void>;
  /**
   * Counts one verified message or request signature of the key `kid`. Call it only after the
   * signature verified.
   *
   * @throws ProtocolError as {@link RateLimiter.chargeAddress}.
   */
  chargeKey(kid: string): Promise<void>;
}

export interface RateLimiterOptions {
  db: Kysely<Database>;
  config: RateLimitConfig;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Default: the dialect `openDatabase` recorded for `db`. */
  dialect?: DatabaseDialect;
}

interface Pending {
  bucket: string;
  limit: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The places of one bucket's window this node reserved in the database and has not handed out:
 * `next` to `end` (1-based places of the window's count).
 */
interface Lease {
  next: number;
  end: number;
  /** The window the database counts in (another node's clock may run ahead of ours). */
  counting: number;
  /** The size of the next reservation. */
  block: number;
}

/**
 * The largest block of places a node reserves at once for a bucket with this limit: 1/64 of it,
 * at most 1024 (so a bucket costs a database write per up to 1024 requests).
 *
 * @example
 * ```ts
 * maxBlock(3000); // 46
 * maxBlock(100); // 1: counted exactly
 * ```
 */
export function maxBlock(limit: number): number {
  return Math.max(1, Math.min(1024, Math.floor(limit / 64)));
}

/**
 * Creates a limiter on the shared `rate_limits` table.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ db: cdb.db, config: rateLimitsFromEnv() });
 * await limiter.chargeAddress('203.0.113.7'); // throws ERR_RATE_LIMITED once the minute is spent
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { db, config } = options;
  const now = options.now ?? Date.now;
  const dialect = options.dialect ?? dialectOf(db);
  let queue: Pending[] = [];
  let flushing = false;
  let lastPurgeWindow = -1;
  /** This window's leases; cleared when the window changes. */
  const leases = new Map<string, Lease>();
  let leaseWindow = -1;

  /** The place from this node's lease, if it holds one: true when admitted. */
  function fromLease(bucket: string, limit: number, nowMs: number): boolean | undefined {
    const windowStart = nowMs - (nowMs % rateLimitWindowMs);
    if (windowStart !== leaseWindow) {
      leases.clear();
      leaseWindow = windowStart;
    }
    const lease = leases.get(bucket);
    if (lease === undefined) return undefined;
    // Every place up to `end` is spoken for: past the limit, no node can admit this request.
    if (lease.end >= limit && lease.next > limit) return false;
    if (lease.next > lease.end) return undefined;
    return lease.next++ <= limit;
  }

  function charge(bucket: string, limit: number): Promise<void> {
    if (limit <= 0) return Promise.resolve();
    const nowMs = now();
    const admitted = fromLease(bucket, limit, nowMs);
    if (admitted === true) return Promise.resolve();
    if (admitted === false) {
      const counting = leases.get(bucket)!.counting;
      return Promise.reject(rateLimited(retryAfterOf(counting, nowMs), limit));
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ bucket, limit, resolve, reject });
      if (!flushing) {
        flushing = true;
        // Let the charges of this turn of the event loop join the same transaction.
        setImmediate(() => void flush());
      }
    });
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await countBatch(batch);
      } catch (error) {
        const failure = new ProtocolError(
          'ERR_STORAGE_UNAVAILABLE',
          'The request could not be counted; please try again.',
        );
        if (isDatabaseUnreachable(error)) reportUnreachableRequest('rate limits', error);
        else if (!(error instanceof ProtocolError)) console.error('rate limits:', error);
        for (const pending of batch) pending.reject(failure);
      }
    }
    flushing = false;
  }

  async function countBatch(waiting: Pending[]): Promise<void> {
    const nowMs = now();
    const windowStart = nowMs - (nowMs % rateLimitWindowMs);
    // A lease filled while these waited serves them first.
    const batch: Pending[] = [];
    for (const pending of waiting) {
      const admitted = fromLease(pending.bucket, pending.limit, nowMs);
      if (admitted === true) pending.resolve();
      else if (admitted === false) {
        const counting = leases.get(pending.bucket)!.counting;
        pending.reject(rateLimited(retryAfterOf(counting, nowMs), pending.limit));
      } else batch.push(pending);
    }
    if (batch.length === 0) return;
    const byBucket = new Map<string, Pending[]>();
    for (const pending of batch) {
      const list = byBucket.get(pending.bucket);
      if (list === undefined) byBucket.set(pending.bucket, [pending]);
      else list.push(pending);
    }
    // Reserve what is waiting, or the bucket's next block when that is larger.
    const reserve = new Map<string, number>();
    for (const [bucket, list] of byBucket) {
      reserve.set(bucket, Math.max(list.length, leases.get(bucket)?.block ?? 1));
    }
    // One statement for the whole batch: atomic on both dialects without a transaction, so it
    // never holds a lock across an await; sorted, so two nodes' upserts lock rows in one order.
    const buckets = [...byBucket.keys()].sort();
    const counts = buckets.map((bucket) => reserve.get(bucket)!);
    let rows: CountedRow[];
    const cdb = dialect === 'sqlite' ? clearinghouseDbOf(db) : undefined;
    if (dialect === 'sqlite') {
      const parameters = [
        JSON.stringify(buckets.map((bucket, i) => [bucket, windowStart, counts[i]])),
      ];
      if (cdb?.countNow !== undefined) {
        // A SQLite file: in the rate limits' own file, at once (ClearinghouseDb.countNow).
        rows = cdb.countNow(upsertSqlite, parameters) as CountedRow[];
      } else {
        // In-memory SQLite: at once when no transaction is open (a count needs no flush; see
        // ClearinghouseDb.runNow), instead of queueing behind a group commit's flush.
        rows =
          (cdb?.runNow?.(upsertSqlite, parameters) as CountedRow[] | undefined) ??
          (await withoutSync(
            db,
            async (conn) => (await runText<CountedRow>(conn, upsertSqlite, parameters)).rows,
          ));
      }
    } else {
      const windows = buckets.map(() => windowStart);
      rows = (await runText<CountedRow>(db, upsertPostgres, [buckets, windows, counts])).rows;
    }
    const counted = new Map(
      rows.map((row) => [
        row.bucket,
        { count: Number(row.count), windowStart: Number(row.window_start) },
      ]),
    );
    if (windowStart !== lastPurgeWindow) {
      // Once a window per process: rows of finished windows would only reset on their next use.
      lastPurgeWindow = windowStart;
      const purge = db
        .deleteFrom('rate_limits')
        .where('window_start', '<', windowStart - rateLimitWindowMs);
      try {
        if (cdb?.countNow !== undefined) {
          const compiled = purge.compile();
          cdb.countNow(compiled.sql, compiled.parameters);
        } else await purge.execute();
      } catch (error) {
        console.error('rate limits: purge failed:', error);
      }
    }
    for (const [bucket, list] of byBucket) {
      const { count, windowStart: counting } = counted.get(bucket)!;
      const reserved = reserve.get(bucket)!;
      const retryAfter = retryAfterOf(counting, nowMs);
      // This node now holds the last `reserved` places of the count; the waiting requests take
      // the first of them in arrival order, the rest stay in the lease.
      const first = count - reserved + 1;
      list.forEach((pending, index) => {
        if (first + index <= pending.limit) pending.resolve();
        else pending.reject(rateLimited(retryAfter, pending.limit));
      });
      if (windowStart === leaseWindow) {
        const limit = list[0]!.limit;
        const previous = leases.get(bucket);
        leases.set(bucket, {
          next: first + list.length,
          end: count,
          counting,
          block: Math.min(maxBlock(limit), Math.max(1, (previous?.block ?? 1) * 2)),
        });
      }
    }
  }

  return {
    config,
    chargeAddress: (address) => charge(`a:${address}`, config.addressPerMinute),
    chargeKey: (kid) => charge(`k:${kid}`, config.keyPerMinute),
  };
}

/** A bucket's count after an upsert. */
interface CountedRow {
  bucket: string;
  count: number;
  window_start: number;
}

/**
 * What an upsert does with a bucket's row: a node whose clock lags counts into the newer window
 * another node opened.
 */
const onConflict = `on conflict (bucket) do update set
  count = case when rate_limits.window_start >= excluded.window_start
    then rate_limits.count + excluded.count else excluded.count end,
  window_start = case when rate_limits.window_start > excluded.window_start
    then rate_limits.window_start else excluded.window_start end
returning bucket, count, window_start`;

/**
 * The batch's upsert as one fixed text per dialect, whatever the number of buckets: the rows
 * arrive as a JSON array of `[bucket, window_start, count]` (SQLite; `where true` tells its parser
 * that `on conflict` belongs to the insert) or as three arrays (PostgreSQL), run by `runText` as
 * the PostgreSQL group commit runs its statement. Building it with Kysely for every batch took
 * about 30 % of the limiter's event-loop time (docs/performance.md, session 20); one prepared text
 * per number of buckets would keep hundreds of compiled statements.
 */
const upsertSqlite = `insert into rate_limits (bucket, window_start, count)
select value ->> 0, value ->> 1, value ->> 2 from json_each(?) where true
${onConflict}`;
const upsertPostgres = `insert into rate_limits (bucket, window_start, count)
select * from unnest($1::text[], $2::bigint[], $3::integer[])
${onConflict}`;

/** Whole seconds until the window that started at `counting` ends, at least 1. */
function retryAfterOf(counting: number, nowMs: number): number {
  return Math.max(1, Math.ceil((counting + rateLimitWindowMs - nowMs) / 1000));
}

function rateLimited(retryAfter: number, limit: number): ProtocolError {
  return new ProtocolError(
    'ERR_RATE_LIMITED',
    `More than ${limit} requests in this minute; try again in ${retryAfter} s.`,
    { retryAfter, limit, windowSeconds: rateLimitWindowMs / 1000 },
  );
}

/**
 * Runs `work` on SQLite's one connection with `synchronous = NORMAL`, then restores `FULL`. A
 * counter is worth nothing after a crash, so its commit need not wait for an fsync, which on
 * better-sqlite3 would block the event loop once per count (WAL mode stays consistent under
 * NORMAL; only the last commits may be lost). The connection is held for the whole call, so no
 * other statement runs in between.
 */
async function withoutSync<T>(
  db: Kysely<Database>,
  work: (conn: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`pragma synchronous = FULL`.execute(conn);
    }
  });
}

/**
 * The `Retry-After` header for an `ERR_RATE_LIMITED` error, none for anything else.
 *
 * @example
 * ```ts
 * return problemResponse(problemFromError(error), retryAfterHeaders(error));
 * ```
 */
export function retryAfterHeaders(error: unknown): Record<string, string> {
  if (!(error instanceof ProtocolError) || error.code !== 'ERR_RATE_LIMITED') return {};
  const seconds = error.detail?.retryAfter;
  return typeof seconds === 'number' ? { 'retry-after': String(seconds) } : {};
}

/** The part of a SvelteKit `RequestEvent` the address needs. */
export interface AddressSource {
  readonly request: Request;
  getClientAddress(): string;
}

/**
 * Why the trusted proxy header gave a request no client address: `missing` (the request has no
 * such header) or `not-an-address` (its right-most element is empty, malformed, `unknown`, an
 * obfuscated identifier, or anything else that is not an IP address).
 */
export type ProxyHeaderProblem = 'missing' | 'not-an-address';

/** The client address the trusted proxy header gives a request, or why it gives none. */
export type ProxyHeaderAddress =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'unusable'; readonly problem: ProxyHeaderProblem };

/**
 * The client address in the right-most element of the trusted proxy header `name` (any case),
 * whose value is `value` (`null`: the request has none), normalised as {@link normaliseAddress}
 * does. Only that element counts: the operator's own proxy appended it, so the client cannot
 * forge it, while elements to its left came from the client or from proxies we do not run. When
 * the right-most element gives no address, neither does the header: never an element further left.
 *
 * `forwarded` is read as RFC 7239 (https://www.rfc-editor.org/rfc/rfc7239#section-4): the `for=`
 * parameter of the right-most element, quoted or not (`unknown` and obfuscated `_…` identifiers
 * are no address, §6.2 and §6.3). Any other header is a comma-separated list like
 * `X-Forwarded-For`. In both, an address may be IPv4 or IPv6, an IPv6 one in brackets, and either
 * may carry a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`; §6: a port may be obfuscated too);
 * an IPv6 address without brackets has no port.
 *
 * @example
 * ```ts
 * proxyHeaderAddress('forwarded', 'for=192.0.2.60, for="[2001:db8:cafe::17]:4711"');
 * // { kind: 'address', address: '2001:db8:cafe:0::/64' }
 * proxyHeaderAddress('x-forwarded-for', '192.0.2.60, 203.0.113.7:4711');
 * // { kind: 'address', address: '203.0.113.7' }
 * proxyHeaderAddress('forwarded', 'for=192.0.2.60, for=unknown');
 * // { kind: 'unusable', problem: 'not-an-address' }
 * ```
 */
export function proxyHeaderAddress(name: string, value: string | null): ProxyHeaderAddress {
  if (value === null) return { kind: 'unusable', problem: 'missing' };
  const node =
    name.toLowerCase() === 'forwarded'
      ? forwardedFor(value)
      : value.slice(value.lastIndexOf(',') + 1).trim();
  const address = node === undefined ? undefined : nodeAddress(node);
  return address === undefined
    ? { kind: 'unusable', problem: 'not-an-address' }
    : { kind: 'address', address };
}

/**
 * The `for=` value of the right-most element of a `Forwarded` header, unquoted; undefined when that
 * element is malformed, names a parameter twice (RFC 7239 §4) or has no `for=`.
 */
function forwardedFor(value: string): string | undefined {
  const element = lastForwardedElement(value);
  if (element === undefined) return undefined;
  const seen = new Set<string>();
  let node: string | undefined;
  forwardedPair.lastIndex = 0;
  while (forwardedPair.lastIndex < element.length) {
    const match = forwardedPair.exec(element);
    if (match === null) return undefined;
    const [, name = '', quoted, bare] = match;
    const parameter = name.toLowerCase();
    if (seen.has(parameter)) return undefined;
    seen.add(parameter);
    if (parameter === 'for') node = quoted === undefined ? bare : quoted.replace(/\\(.)/g, '$1');
  }
  return node;
}

/**
 * One `forwarded-pair` and the `;` after it (RFC 7239 §4): `token "=" (token / quoted-string)`,
 * leniently also an unquoted value that is no token (`for=[2001:db8::1]:80`, as some proxies
 * write it). Sticky: matched pair after pair from `lastIndex`.
 */
const forwardedPair =
  /\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^;"\s]*))\s*(?:;|$)/y;

/**
 * The right-most element of a `Forwarded` value, found from the right so that whatever the client
 * sent to its left (an unclosed quote included) cannot change where it starts: the element ends
 * at the first comma outside a quoted string. Undefined when a quoted string is never opened.
 */
function lastForwardedElement(value: string): string | undefined {
  let quoted = false;
  for (let i = value.length - 1; i >= 0; i--) {
    const char = value[i];
    if (char === '"') {
      // A quote after an odd number of backslashes is a quoted-pair inside the string.
      let backslashes = 0;
      while (value[i - 1 - backslashes] === '\\') backslashes++;
      if (backslashes % 2 === 0) quoted = !quoted;
    } else if (char === ',' && !quoted) return value.slice(i + 1).trim();
  }
  return quoted ? undefined : value.trim();
}

/** A port, or an obfuscated one (RFC 7239 §6: `node-port = port / obfport`). */
const nodePort = String.raw`(?:\d{1,5}|_[A-Za-z0-9._-]+)`;
const bracketedNode = new RegExp(String.raw`^\[([^\]]*)\](?::${nodePort})?$`);
const ipv4WithPort = new RegExp(String.raw`^([0-9.]+):${nodePort}$`);

/**
 * The normalised address of one node as proxies write it: `192.0.2.60`, `192.0.2.60:4711`,
 * `2001:db8::17`, `[2001:db8::17]` or `[2001:db8::17]:4711`; undefined for anything else
 * (`unknown`, `_hidden`, `[192.0.2.60]`, a host name).
 */
function nodeAddress(node: string): string | undefined {
  const bracketed = bracketedNode.exec(node);
  if (bracketed !== null) {
    const inner = bracketed[1]!;
    return isIP(inner.replace(/%.*$/, '')) === 6 ? normaliseAddress(inner) : undefined;
  }
  if (isIP(node.replace(/%.*$/, '')) !== 0) return normaliseAddress(node);
  const withPort = ipv4WithPort.exec(node);
  return withPort !== null && isIP(withPort[1]!) === 4 ? normaliseAddress(withPort[1]!) : undefined;
}

/** Told that the trusted proxy header gave a request no address, so its peer was counted. */
export type ProxyHeaderReport = (header: string, problem: ProxyHeaderProblem) => void;

/** At most one warning about the trusted proxy header in this time, per process. */
export const proxyHeaderWarningIntervalMs = 60_000;

export interface ProxyHeaderWarnerOptions {
  /** Default: the process's logger (observe.ts). */
  log?: Pick<Logger, 'warn'>;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link ProxyHeaderReport} that logs a warning at most once per
 * {@link proxyHeaderWarningIntervalMs}: every request it stands for was counted under the socket's
 * peer, the proxy, so all of them share one budget, which the operator should hear of. The line
 * names the header and the problem, and how many more requests had one since the previous line
 * (`unreported`); never the header's value or an address (observe.ts "No personal data").
 *
 * @example
 * ```ts
 * const report = createProxyHeaderWarner({ log: logger });
 * clientAddress(event, 'x-forwarded-for', report);
 * ```
 */
export function createProxyHeaderWarner(options: ProxyHeaderWarnerOptions = {}): ProxyHeaderReport {
  const log = options.log ?? logger;
  const now = options.now ?? Date.now;
  let warnedAt: number | undefined;
  let unreported = 0;
  return (header, problem) => {
    const at = now();
    // A clock that went back warns again rather than staying quiet until it catches up.
    if (warnedAt !== undefined && at >= warnedAt && at - warnedAt < proxyHeaderWarningIntervalMs) {
      unreported++;
      return;
    }
    log.warn(
      { event: 'trusted-proxy-header', header, problem, unreported },
      `TRUSTED_PROXY_HEADER ${header} ${problem === 'missing' ? 'was missing on a request' : 'held no client address in its right-most element'}: counted under the socket's peer (the proxy), whose one budget all such requests share (docs/api.md "Limits")`,
    );
    warnedAt = at;
    unreported = 0;
  };
}

/** This process's warner: {@link clientAddress}'s default. */
const warnOfProxyHeader = createProxyHeaderWarner();

/**
 * The client address a request is counted under. With a trusted proxy header configured, the
 * address in its right-most element ({@link proxyHeaderAddress}). Without one, or when that header
 * is missing or gives no address, the socket's peer; the latter is told to `report` (by default a
 * warning in the log at most once a minute). IPv6 clients count per /64 (one subscriber's usual
 * allocation), so rotating addresses inside it buys no fresh budget.
 *
 * @example
 * ```ts
 * clientAddress(event, 'x-forwarded-for'); // '203.0.113.7' for "x-forwarded-for: 10.0.0.1, 203.0.113.7"
 * clientAddress(event, 'forwarded'); // '203.0.113.7' for 'forwarded: for="203.0.113.7:4711"'
 * clientAddress(event); // '2001:db8:0:1::/64' for a peer at 2001:db8:0:1::5
 * ```
 */
export function clientAddress(
  source: AddressSource,
  trustedProxyHeader?: string,
  report: ProxyHeaderReport = warnOfProxyHeader,
): string {
  if (trustedProxyHeader !== undefined) {
    const found = proxyHeaderAddress(
      trustedProxyHeader,
      source.request.headers.get(trustedProxyHeader),
    );
    if (found.kind === 'address') return found.address;
    report(trustedProxyHeader, found.problem);
  }
  let peer: string;
  try {
    peer = source.getClientAddress();
  } catch {
    peer = '';
  }
  return normaliseAddress(peer) ?? 'unknown';
}

/**
 * An IPv4 address as is, an IPv6 address as its /64 (IPv4-mapped ones as the IPv4 address);
 * `undefined` for anything that is not an IP address.
 *
 * @example
 * ```ts
 * normaliseAddress('2001:DB8::1'); // '2001:db8:0:0::/64'
 * normaliseAddress('::ffff:192.0.2.1'); // '192.0.2.1'
 * ```
 */
export function normaliseAddress(raw: string): string | undefined {
  const address = raw.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 4) return address;
  if (version !== 6) return undefined;
  const groups = ipv6Groups(address.toLowerCase());
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0) {
    if (groups[4] === 0 && groups[5] === 0xffff) {
      const [hi, lo] = [groups[6]!, groups[7]!];
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (validated by `isIP` before). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text =
      text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The durable writer, charging each message's signing key before storing it. Every signed
 * message a POST stores passes here with its verified `kid` (the writer is also where its `jti`
 * is claimed), so this is the one place the per-key limit of POSTs is kept; a refused charge
 * stores nothing.
 *
 * @example
 * ```ts
 * const writer = keyLimitedWriter(instance.writer, limiter);
 * ```
 */
export function keyLimitedWriter(writer: DurableWriter, limiter: RateLimiter): DurableWriter {
  return {
    async write(record) {
      await limiter.chargeKey(record.signer);
      return writer.write(record);
    },
    close: () => writer.close(),
    get stats() {
      return writer.stats;
    },
  };
}

/**
 * The answer for a request to `/api/` or `/auth/` whose address is over its budget (429
 * problem+json with `Retry-After`, or 503 when the count cannot be written), `undefined` to let it
 * through. Called by `hooks.server.ts` before any route reads the body.
 *
 * @example
 * ```ts
 * const refused = await limitAddress(limiter, event);
 * if (refused) return refused;
 * ```
 */
export async function limitAddress(
  limiter: RateLimiter,
  source: AddressSource,
): Promise<Response | undefined> {
  try {
    await chargeClientAddress(limiter, source);
    return undefined;
  } catch (error) {
    return problemResponse(problemFromError(error), retryAfterHeaders(error));
  }
}

/**
 * Charges the request's client address one unit of its budget (nothing when the address limit is
 * off): what `limitAddress` does for the API, for callers that answer a refusal their own way
 * (the public registration form, which shows a sentence instead of problem+json).
 *
 * @throws ProtocolError `ERR_RATE_LIMITED` (429, `retryAfter` in its detail) or the count's
 *   failure to be written (503).
 * @example
 * ```ts
 * await chargeClientAddress(services.rateLimits, event);
 * ```
 */
export function chargeClientAddress(limiter: RateLimiter, source: AddressSource): Promise<void> {
  // Not async: on every API request's path, the limiter's own promise is all it takes.
  if (limiter.config.addressPerMinute <= 0) return Promise.resolve();
  return limiter.chargeAddress(clientAddress(source, limiter.config.trustedProxyHeader));
}

/**
 * Charges the request's client address `units` more units: a call that did the work of several
 * requests (`POST /api/v1/relationships/batch` for each item that failed, each a refused single
 * GET; the hook charged the call itself as one). {@link chargeClientAddress} once per unit; the
 * charges of one turn of the event loop join one count (one statement).
 *
 * @throws as {@link chargeClientAddress}, when the budget cannot hold them all.
 * @example
 * ```ts
 * await chargeClientAddressUnits(services.rateLimits, event, failedItems);
 * ```
 */
export async function chargeClientAddressUnits(
  limiter: RateLimiter,
  source: AddressSource,
  units: number,
): Promise<void> {
  await Promise.all(Array.from({ length: units }, () => chargeClientAddress(limiter, source)));
}

/**
 * Whether `pathname` is under `/api/` as SvelteKit matches routes: on the path decoded as its
 * `decode_pathname` decodes it (every escape but `%25`), so `/%61pi/v1/grants` is the API too and
 * is limited like it (hooks.server.ts). A path that does not decode is no route of ours (SvelteKit refuses it).
 */
export function isApiPath(pathname: string): boolean {
  return routedPath(pathname)?.startsWith('/api/') ?? false;
}

/**
 * Whether `pathname` is a passkey endpoint (`/auth/…`: enrolment and login options and their
 * completion), routed as {@link isApiPath} routes: each call writes to the database (a challenge,
 * a session) without any signature, so hooks.server.ts charges them to the client address too.
 */
export function isPasskeyPath(pathname: string): boolean {
  return routedPath(pathname)?.startsWith('/auth/') ?? false;
}

/** `pathname` decoded as SvelteKit's `decode_pathname` does; `undefined` if it does not decode. */
/**
 * Whether `pathname` is the health route (as routed, like {@link isApiPath}): it is charged like
 * the API, but when the charge itself cannot be written (the database is down) it still answers,
 * since saying that is its purpose (hooks.server.ts).
 */
export function isHealthPath(pathname: string): boolean {
  return routedPath(pathname) === '/api/v1/health';
}

function routedPath(pathname: string): string | undefined {
  if (!pathname.includes('%')) return pathname;
  try {
    return pathname.split('%25').map(decodeURI).join('%25');
  } catch {
    return undefined;
  }
}
