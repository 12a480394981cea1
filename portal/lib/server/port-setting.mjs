/**
 * The one rule for `PORT`, in plain JavaScript so that `npm start` (scripts/start.mjs, which runs
 * before the build and cannot load TypeScript) checks it with the server's own sentence before it
 * makes `ORIGIN` of it; the server reads it through settings.ts `portFromEnv`.
 */

/**
 * The sentence for a `PORT` adapter-node cannot listen on (a port number from 1 to 65535), or
 * `undefined` when it is one, unset, or ignored because `SOCKET_PATH` is set.
 *
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {string | undefined}
 * @example
 * portProblem({ PORT: 'abc' }); // 'PORT must be a port number from 1 to 65535, not "abc".'
 */
export function portProblem(env) {
  const port = env.PORT?.trim();
  if (env.SOCKET_PATH?.trim() || port === undefined || port === '') return undefined;
  if (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535) return undefined;
  return `PORT must be a port number from 1 to 65535, not "${port}".`;
}
