/**
 * Child process of writer-thread.test.ts (run with `node --import tsx`, never imported): starts the
 * SQLite writer thread on a new database file with nothing else keeping the process alive, as at a
 * server start that fails after the thread has started, or at the end of a shutdown.
 *
 * - `stop`: then stops it and closes the database, printing `started`, `stopped` and `closed`; an
 *   unreferenced thread would let the process end in between (exit code 13, an unsettled await).
 * - `leave`: prints `started` and leaves it running, idle: the process must end by itself.
 * - `fail`: the thread's code throws once it runs (an uncaught error in the thread) and takes half
 *   a second to exit after it; the process stops the thread in between (after its 'error',
 *   before its 'exit'), printing `started`, `failed`, `stopped` and `closed`.
 *
 * The thread's code is built by a Vite plugin, which a plain process does not have: the test
 * writes it into a file and passes its path.
 *
 * Usage: node --import tsx writer-thread-alone.child.ts <folder> <code file> <stop | leave | fail>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from './database';
import { startWriterThread } from './writer-thread';

const [folder = '', codeFile = '', mode = 'stop'] = process.argv.slice(2);
const path = join(folder, 'alone.db');
// Creates the file in WAL mode; outside Vite the server's connection starts no thread of its own.
const cdb = await openDatabase({ sqlitePath: path });
/** Appended in `fail` mode: a later uncaught error, and an exit that lingers after it. */
const failure = `
setTimeout(() => {
  process.on('exit', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500));
  throw new Error('injected failure');
}, 300);
`;
const thread = await startWriterThread({
  path,
  source: readFileSync(codeFile, 'utf8') + (mode === 'fail' ? failure : ''),
  busyTimeoutMs: 100,
  cacheSize: 8,
});
process.stdout.write('started\n');
if (mode === 'fail') {
  // The thread's 'error' has arrived once it no longer runs; its 'exit' is half a second away.
  while (thread.running) await new Promise((resolve) => setTimeout(resolve, 5));
  process.stdout.write('failed\n');
}
if (mode === 'stop' || mode === 'fail') {
  await thread.stop();
  process.stdout.write('stopped\n');
  await cdb.close();
  process.stdout.write('closed\n');
}
