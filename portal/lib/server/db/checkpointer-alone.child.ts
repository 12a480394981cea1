/**
 * Child process of checkpointer.test.ts (run with `node --import tsx`, never imported): starts and
 * stops the checkpointer on a new SQLite file with nothing else keeping the process alive, as at a
 * server start that fails before it listens. Prints `started <mode>`, `stopped` and `closed`;
 * an unreferenced worker let the process end in between (exit code 13, an unsettled await).
 *
 * Usage: node --import tsx checkpointer-alone.child.ts <folder>
 */
import { join } from 'node:path';
import { startCheckpointer } from './checkpointer';
import { openDatabase } from './database';

const cdb = await openDatabase({ sqlitePath: join(process.argv[2]!, 'alone.db') });
const checkpointer = await startCheckpointer(cdb);
if (checkpointer === undefined) throw new Error('no checkpointer on a SQLite file');
process.stdout.write(`started ${checkpointer.mode}\n`);
await checkpointer.stop();
process.stdout.write('stopped\n');
await cdb.close();
process.stdout.write('closed\n');
