/**
 * Whether the built server will be able to listen where adapter-node is told to (`HOST`,
 * `PORT`), asked before the start opens the database or creates a key file. Without it a port
 * in use, a privileged port or a `HOST` that is no address of this machine ended the start
 * after the keys were created, with Node's "Unhandled 'error' event" and a stack through
 * adapter-node (docs/operations.md "Listening address and adapter-node's settings").
 *
 * The check binds the address and lets it go at once. A program that takes the port in the
 * milliseconds between the check and the server's own listen makes that listen fail after the
 * database was opened: {@link reportListenFailures} then says the same sentence, before Node's
 * own report of the unhandled error ends the process.
 */
import { createServer, type Server } from 'node:net';

/** An address the server listens on, and the variables that set it (default `HOST`, `PORT`). */
export interface ListenTarget {
  readonly host: string;
  readonly port: number;
  readonly hostVariable?: string;
  readonly portVariable?: string;
}

/**
 * Where adapter-node will listen, from the variables it reads (its defaults: `HOST` 0.0.0.0,
 * `PORT` 3000), or `undefined` when it listens on a Unix socket (`SOCKET_PATH` without `PORT`)
 * or on one systemd handed over (`LISTEN_FDS`): nothing to check then; also for a `PORT` that is
 * no port number, which instance.ts `checkStartSettings` refuses with its own sentence.
 *
 * @example
 * ```ts
 * listenTargetFromEnv({ PORT: '3000', HOST: '127.0.0.1' }); // { host: '127.0.0.1', port: 3000 }
 * ```
 */
export function listenTargetFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ListenTarget | undefined {
  if (env.LISTEN_FDS?.trim()) return undefined;
  const given = env.PORT?.trim();
  // adapter-node hands Node's listen both a SOCKET_PATH and a PORT, and Node takes the port.
  if (!given && env.SOCKET_PATH?.trim()) return undefined;
  const port = Number(given || '3000');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: env.HOST?.trim() || '0.0.0.0', port };
}

/** What every refusal ends with: the check runs before anything is created. */
const nothing = 'nothing was created or started.';
/** The end of a sentence for the server's own listen: the start had opened its data by then. */
const stoppedAfterOpening =
  'the server stopped before it answered any request; its data and keys are kept for the next start.';

/** The variables that set `target` (default `HOST`, `PORT`). */
function variablesOf(target: ListenTarget): { HOST: string; PORT: string } {
  return { HOST: target.hostVariable ?? 'HOST', PORT: target.portVariable ?? 'PORT' };
}

/**
 * The sentence for a listen that failed with `error`: what is wrong and what to set; `outcome`
 * ends it (what the start left behind: by default, nothing).
 *
 * @example
 * ```ts
 * listenProblem({ host: '0.0.0.0', port: 3000 }, { code: 'EADDRINUSE' });
 * // 'Another program already listens on port 3000 (HOST 0.0.0.0): stop it, or set PORT …'
 * ```
 */
export function listenProblem(target: ListenTarget, error: unknown, outcome = nothing): string {
  const { host, port } = target;
  const { HOST, PORT } = variablesOf(target);
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const addresses = '127.0.0.1 for this machine alone, 0.0.0.0 for all its addresses';
  switch (code) {
    case 'EADDRINUSE':
      return `Another program already listens on port ${port} (${HOST} ${host}): stop it, or set ${PORT} to a free port; ${outcome}`;
    case 'EACCES':
    case 'EPERM':
      return `This user may not listen on port ${port} (${HOST} ${host}; ports below 1024 need privileges): set ${PORT} to 1024 or above and let a reverse proxy take ports 80 and 443 (docs/operations.md); ${outcome}`;
    case 'EADDRNOTAVAIL':
      return `${HOST} ${host} is not an address of this machine: set ${HOST} to one of its addresses (${addresses}); ${outcome}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `${HOST} ${host} is not a name this machine can resolve: set ${HOST} to one of its addresses (${addresses}); ${outcome}`;
    default:
      return `The server cannot listen on port ${port} (${HOST} ${host}): ${typeof message === 'string' ? message : String(code)}; ${outcome}`;
  }
}

/**
 * Binds every target, keeping each bound until all are, then releases them; resolves when the
 * server could listen on each. Held together, two targets that would take the same port on
 * overlapping addresses (`METRICS_PORT` equal to `PORT`) collide here as they would at start.
 *
 * @throws Error with {@link listenProblem}'s sentence for the first target it could not bind
 *   (for a collision with an earlier target, a sentence naming both variables).
 * @example
 * ```ts
 * const target = listenTargetFromEnv(process.env);
 * if (target !== undefined) await checkListenTargets([target]);
 * ```
 */
export async function checkListenTargets(targets: readonly ListenTarget[]): Promise<void> {
  const bound: Server[] = [];
  try {
    for (const [index, target] of targets.entries()) {
      const probe = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          probe.once('error', reject);
          probe.listen({ host: target.host, port: target.port }, () => resolve());
        });
      } catch (error) {
        const earlier = targets.slice(0, index).find((other) => other.port === target.port);
        const [mine, theirs] = [variablesOf(target), variablesOf(earlier ?? target)];
        const clash =
          earlier !== undefined && (error as { code?: unknown }).code === 'EADDRINUSE'
            ? `${mine.PORT} ${target.port} is the port ${theirs.PORT} takes as well (${theirs.HOST} ${earlier.host}, ${mine.HOST} ${target.host}): set another ${mine.PORT}; ${nothing}`
            : undefined;
        throw new Error(clash ?? listenProblem(target, error), { cause: error });
      }
      bound.push(probe);
    }
  } finally {
    await Promise.all(
      bound.map((probe) => new Promise<void>((resolve) => probe.close(() => resolve()))),
    );
  }
}

/**
 * Says in one sentence why the server's own listen on one of `targets` failed (a program took
 * the port after {@link checkListenTargets}), on `write` (standard error by default). It watches
 * `uncaughtExceptionMonitor`: adapter-node's server has no `error` listener, so the failed listen
 * is an uncaught exception, and Node's own report and exit (code 1) follow the sentence unchanged.
 * Any other error is left alone. Returns what removes the watch.
 *
 * @example
 * ```ts
 * await checkListenTargets(targets);
 * reportListenFailures(targets);
 * ```
 */
export function reportListenFailures(
  targets: readonly ListenTarget[],
  write: (text: string) => void = (text) => process.stderr.write(text),
): () => void {
  const monitor = (error: unknown) => {
    const { syscall, port, address } = (error ?? {}) as {
      syscall?: unknown;
      port?: unknown;
      address?: unknown;
    };
    if (syscall !== 'listen') return;
    // The server and its metrics may share a port number on different addresses: the one whose
    // address failed, else the one on that port.
    const onPort = targets.filter((t) => t.port === port);
    const target = onPort.find((t) => t.host === address) ?? onPort[0];
    if (target === undefined) return;
    write(`The clearinghouse cannot start: ${listenProblem(target, error, stoppedAfterOpening)}\n`);
  };
  process.on('uncaughtExceptionMonitor', monitor);
  return () => process.off('uncaughtExceptionMonitor', monitor);
}
