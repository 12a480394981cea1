/**
 * The parsers of the server's settings that have no module of their own to live in: the on/off
 * switches, and the three adapter-node reads when its handler module loads (`PORT`, `ORIGIN`,
 * `SHUTDOWN_TIMEOUT`). Each is the one rule for its variable: the start check
 * (instance.ts `checkStartSettings`, and `instrumentation.server.ts` before adapter-node loads)
 * and the place that reads the value call the same function. This module imports nothing heavy
 * (only the PORT rule `npm start` shares), so the built server's first module loads it before
 * adapter-node's.
 */

import { portProblem } from './port-setting.mjs';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * An on/off switch: `on` (the default when unset or empty) or `off`, in any case. Anything else,
 * `no`, `false` or `0` included, is refused rather than read as on: an operator who wrote
 * `PG_NAMED_STATEMENTS=false` meant off (docs/operations.md "Settings the server cannot read").
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * onOffFromEnv({ WEBHOOKS: 'OFF' }, 'WEBHOOKS'); // false
 * onOffFromEnv({}, 'WEBHOOKS'); // true
 * onOffFromEnv({ WEBHOOKS: 'no' }, 'WEBHOOKS'); // throws 'WEBHOOKS must be on or off (unset: on), not "no".'
 * ```
 */
export function onOffFromEnv(env: Env, name: string): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'on') return true;
  if (raw.toLowerCase() === 'off') return false;
  throw new Error(`${name} must be on or off (unset: on), not "${raw}".`);
}

/** Every on/off switch the server reads, each at its own place through {@link onOffFromEnv}. */
export const serverSwitches = Object.freeze([
  'LOG_SEQUENCER',
  'WEBHOOKS',
  'SQLITE_CHECKPOINTER',
  'SQLITE_WRITER_THREAD',
  'PG_NAMED_STATEMENTS',
  'POINT_CHECK_WORKER',
  'POINT_CHECK_NATIVE',
  'VERIFY_NATIVE',
] as const);

/**
 * `PORT` as adapter-node listens on it: a port number from 1 to 65535; `undefined` when unset or
 * when `SOCKET_PATH` is set (adapter-node then ignores it).
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * portFromEnv({ PORT: '3400' }); // 3400
 * portFromEnv({ PORT: 'abc' }); // throws 'PORT must be a port number from 1 to 65535, not "abc".'
 * ```
 */
export function portFromEnv(env: Env): number | undefined {
  const problem = portProblem(env);
  if (problem !== undefined) throw new Error(problem);
  const port = env.PORT?.trim();
  return env.SOCKET_PATH?.trim() || port === undefined || port === '' ? undefined : Number(port);
}

/**
 * `ORIGIN`: an http or https URL, as adapter-node takes it (its `parse_origin` throws with a stack
 * on any other when its handler module loads); `undefined` when unset or empty. A path is taken as
 * adapter-node takes it: dropped for the server, which answers at its root, while the log's origin
 * keeps it (`LOG_ORIGIN`'s default, docs/log.md), so a deployment whose ORIGIN had a path keeps
 * the log origin its verifiers pinned.
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * originFromEnv({ ORIGIN: 'https://ch.example/' }); // 'https://ch.example'
 * originFromEnv({ ORIGIN: 'ftp://x.example' }); // throws 'ORIGIN must be an http(s) URL …'
 * ```
 */
export function originFromEnv(env: Env): string | undefined {
  const raw = env.ORIGIN?.trim();
  if (raw === undefined || raw === '') return undefined;
  const refusal = new Error(
    `ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "${raw}".`,
  );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refusal;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refusal;
  if (url.username !== '' || url.password !== '') {
    throw new Error(`ORIGIN must be an http(s) URL without a user name or password, not "${raw}".`);
  }
  return url.origin;
}

/**
 * `SHUTDOWN_TIMEOUT`: whole seconds from 0 that adapter-node waits on a stop for open
 * connections (default 30). adapter-node reads it with `parseInt`, so `abc` became NaN and cut
 * every connection after about a millisecond.
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * shutdownTimeoutFromEnv({}); // 30
 * shutdownTimeoutFromEnv({ SHUTDOWN_TIMEOUT: 'abc' }); // throws 'SHUTDOWN_TIMEOUT must be …'
 * ```
 */
export function shutdownTimeoutFromEnv(env: Env): number {
  const raw = env.SHUTDOWN_TIMEOUT?.trim();
  if (raw === undefined || raw === '') return 30;
  // At most what a timer can wait (2^31 - 1 ms): adapter-node's setTimeout fires after 1 ms for
  // more, which cuts every connection.
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > 2_147_483) {
    throw new Error(
      `SHUTDOWN_TIMEOUT must be a whole number of seconds from 0 to 2147483 (default 30) that a stop waits for open connections, not "${raw}".`,
    );
  }
  return Number(raw);
}

/**
 * What adapter-node reads when its modules load, checked before they do (the built server's
 * `instrumentation.server.ts`): the sentence for the first setting it cannot use, else
 * `undefined`.
 *
 * @example
 * ```ts
 * adapterSettingsProblem({ PORT: 'abc' }); // 'PORT must be a port number from 1 to 65535, not "abc".'
 * ```
 */
export function adapterSettingsProblem(env: Env): string | undefined {
  try {
    portFromEnv(env);
    originFromEnv(env);
    shutdownTimeoutFromEnv(env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
