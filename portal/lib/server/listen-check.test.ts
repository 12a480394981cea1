/**
 * The listening address checked before the start creates anything (listen-check.ts): real
 * sockets on loopback, a port held by another server, an address that is not this machine's.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkListenTargets, listenProblem, listenTargetFromEnv } from './listen-check';
import { startServing, StartupError } from './instance';
import { runAsOperator } from './test-child';

const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server holding a loopback port; its port. */
async function holdPort(): Promise<number> {
  const server = createServer();
  open.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return (server.address() as { port: number }).port;
}

describe('listenTargetFromEnv', () => {
  it("reads HOST and PORT with adapter-node's defaults", () => {
    expect(listenTargetFromEnv({})).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(listenTargetFromEnv({ HOST: ' 127.0.0.1 ', PORT: '4100' })).toEqual({
      host: '127.0.0.1',
      port: 4100,
    });
  });

  it('checks the port when PORT and SOCKET_PATH are both set (Node listens on the port then)', () => {
    expect(listenTargetFromEnv({ SOCKET_PATH: '/run/ch.sock', PORT: '3001' })).toEqual({
      host: '0.0.0.0',
      port: 3001,
    });
  });

  it('has nothing to check on a Unix socket, a socket systemd handed over or a PORT refused before', () => {
    expect(listenTargetFromEnv({ SOCKET_PATH: '/run/ch.sock' })).toBeUndefined();
    expect(listenTargetFromEnv({ LISTEN_FDS: '1' })).toBeUndefined();
    expect(listenTargetFromEnv({ PORT: '99999' })).toBeUndefined();
    expect(listenTargetFromEnv({ PORT: 'http' })).toBeUndefined();
  });
});

describe('checkListenTargets', () => {
  it('binds a free port and lets it go again', async () => {
    const port = await holdPort();
    await new Promise((resolve) => open.pop()!.close(resolve));
    await checkListenTargets([{ host: '127.0.0.1', port }]);
    // Released: the server's own listen gets it.
    const again = createServer();
    open.push(again);
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen({ host: '127.0.0.1', port }, resolve);
    });
  });

  it('says which port another program holds and what to do', async () => {
    const port = await holdPort();
    const refused = await checkListenTargets([{ host: '127.0.0.1', port }]).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toBe(
      `Another program already listens on port ${port} (HOST 127.0.0.1): stop it, or set PORT to a free port; nothing was created or started.`,
    );
    expect((refused as Error).cause).toMatchObject({ code: 'EADDRINUSE' });
  });

  it('says a HOST is not an address of this machine', async () => {
    // 192.0.2.0/24 is for documentation (RFC 5737): no machine has it.
    await expect(checkListenTargets([{ host: '192.0.2.1', port: 3000 }])).rejects.toThrow(
      'HOST 192.0.2.1 is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine alone, 0.0.0.0 for all its addresses); nothing was created or started.',
    );
  });
});

describe('listenProblem', () => {
  const target = { host: '0.0.0.0', port: 80 };
  it.each([
    ['EACCES', /may not listen on port 80 .*ports below 1024 need privileges.*set PORT to 1024/],
    ['ENOTFOUND', /HOST 0\.0\.0\.0 is not a name this machine can resolve/],
    ['EMFILE', /cannot listen on port 80 \(HOST 0\.0\.0\.0\): too many; nothing was created/],
  ])('%s', (code, sentence) => {
    expect(listenProblem(target, { code, message: 'too many' })).toMatch(sentence);
  });
});

describe('startServing', () => {
  it('refuses a metrics port another program holds, naming METRICS_PORT', async () => {
    const port = await holdPort();
    await expect(
      startServing({ SOCKET_PATH: '/tmp/x.sock', METRICS_PORT: String(port) }),
    ).rejects.toThrow(
      `Another program already listens on port ${port} (METRICS_HOST 127.0.0.1): stop it, or set METRICS_PORT to a free port; nothing was created or started.`,
    );
  });

  it('refuses the same port for the server and its metrics on overlapping addresses', async () => {
    const port = await holdPort();
    await new Promise((resolve) => open.pop()!.close(resolve));
    await expect(
      startServing({ HOST: '0.0.0.0', PORT: String(port), METRICS_PORT: String(port) }),
    ).rejects.toThrow(
      `METRICS_PORT ${port} is the port PORT takes as well (HOST 0.0.0.0, METRICS_HOST 127.0.0.1): set another METRICS_PORT; nothing was created or started.`,
    );
  });

  it('lets the server and its metrics share a port number on different addresses', async () => {
    const port = await holdPort();
    await new Promise((resolve) => open.pop()!.close(resolve));
    // 127.0.0.2 is loopback too on Linux: the server there, the metrics on 127.0.0.1.
    await checkListenTargets([
      { host: '127.0.0.2', port },
      { host: '127.0.0.1', port, hostVariable: 'METRICS_HOST', portVariable: 'METRICS_PORT' },
    ]);
  });

  it("says a PORT that is no port number with the start's own sentence", async () => {
    await expect(startServing({ PORT: '80.0' })).rejects.toThrow(
      'PORT must be a port number from 1 to 65535, not "80.0".',
    );
  });

  it('refuses before the instance starts when the port is taken', async () => {
    const port = await holdPort();
    const refused = await startServing({ HOST: '127.0.0.1', PORT: String(port) }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toMatch(/^Another program already listens on port/);
  });
});

describe('reportListenFailures', () => {
  const child = 'portal/lib/server/listen-race.child.ts';

  it('says the sentence when a program took the port after the check, before Node’s own report', async () => {
    const port = await holdPort();
    const { code, stderr } = await runAsOperator(
      ['--import', 'tsx', child, String(port), 'listen'],
      {},
    );
    // Before: Node's "Error: listen EADDRINUSE" and its stack alone.
    const sentence = `The clearinghouse cannot start: Another program already listens on port ${port} (HOST 127.0.0.1): stop it, or set PORT to a free port; the server stopped before it answered any request; its data and keys are kept for the next start.`;
    expect(stderr.split('\n')[0]).toBe(sentence);
    expect(stderr.indexOf('EADDRINUSE')).toBeGreaterThan(sentence.length);
    expect(code).toBe(1);
  });

  it('names the metrics’ variables when the metrics’ listen failed on a port number the server shares', async () => {
    const port = await holdPort();
    const { code, stderr } = await runAsOperator(
      ['--import', 'tsx', child, String(port), 'metrics'],
      {},
    );
    // Before: the server's PORT was named, by the port number alone.
    expect(stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^The clearinghouse cannot start: Another program already listens on port ${port} \\(METRICS_HOST 127\\.0\\.0\\.1\\): stop it, or set METRICS_PORT to a free port;`,
      ),
    );
    expect(code).toBe(1);
  });

  it('leaves any other uncaught error to Node alone', async () => {
    const port = await holdPort();
    const { code, stderr } = await runAsOperator(
      ['--import', 'tsx', child, String(port), 'other'],
      {},
    );
    expect(stderr).toContain('Error: not a listen');
    expect(stderr).not.toContain('The clearinghouse cannot start');
    expect(code).toBe(1);
  });
});
