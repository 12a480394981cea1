/**
 * Child process of listen-check.test.ts (run with `node --import tsx`, never imported): what the
 * built server's start does once its listen check passed (listen-check.ts `reportListenFailures`),
 * then a listen as adapter-node makes it, on a server without an `error` listener.
 *
 * - `listen`: listens on loopback `<port>` (which the test holds, as a program that took it after
 *   the check would): the listen fails, uncaught.
 * - `metrics`: the same on the metrics' address (127.0.0.1), the server's target on the same port
 *   number at 127.0.0.2: the sentence names the metrics' variables.
 * - `other`: throws an error that is not a listen's, uncaught.
 *
 * Usage: node --import tsx listen-race.child.ts <port> <listen | metrics | other>
 */
import { createServer } from 'node:http';
import { reportListenFailures } from './listen-check';

const [portText = '', mode = 'listen'] = process.argv.slice(2);
const port = Number(portText);
reportListenFailures(
  mode === 'metrics'
    ? [
        { host: '127.0.0.2', port },
        { host: '127.0.0.1', port, hostVariable: 'METRICS_HOST', portVariable: 'METRICS_PORT' },
      ]
    : [{ host: '127.0.0.1', port }],
);
if (mode === 'listen' || mode === 'metrics') createServer().listen(port, '127.0.0.1');
else
  setTimeout(() => {
    throw new Error('not a listen');
  }, 0);
