/**
 * Child process of checkpointer.test.ts (run with `node --import tsx`, never imported): starts the
 * checkpointer on a new SQLite file with nothing else keeping the process alive, as at a server
 * start that fails before it listens.
 *
 * - `stop`: then stops it and closes the database, printing `started <mode>`, `stopped` and
 *   `closed`; an unreferenced worker let the process end in between (exit code 13, an unsettled
 *   await).
 * - `leave`: prints `started <mode>` and leaves it running: the process must end by itself (a
 *   referenced worker kept it alive).
 *
 * Usage: node --import tsx checkpointer-alone.child.ts <folder> <stop | leave>
 */
import { join } from 'node:path';
import { startCheckpointer } from './checkpointer';
import { openDatabase } from './database';

const [folder = '', mode = 'stop'] = process.argv.slice(2);
const cdb = await openDatabase({ sqlitePath: join(folder, 'alone.db') });
const checkpointer = await startCheckpointer(cdb);
if (checkpointer === undefined) throw new Error('no checkpointer on a SQLite file');
process.stdout.write(`started ${checkpointer.mode}\n`);
if (mode === 'stop') {
  await checkpointer.stop();
  process.stdout.write('stopped\n');
  await cdb.close();
  process.stdout.write('closed\n');
}
