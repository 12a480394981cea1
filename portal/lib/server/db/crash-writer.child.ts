/**
 * Child process of the crash test in durable-writer.test.ts (run with tsx, never imported):
 * writes records through the durable writer, prints the sha256 of each one as soon as its
 * write resolves (the moment the API would answer 201), and kills itself with SIGKILL (no exit
 * handlers, no flush) once `ACKS` writes have resolved.
 *
 * Usage: tsx crash-writer.child.ts <sqlite path | postgres url> <acks>
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { openDatabase } from './database';
import { createDurableWriter } from './durable-writer';

const [target = '', acksArgument = '50'] = process.argv.slice(2);
const acks = Number(acksArgument);
const cdb = await openDatabase(
  target.startsWith('postgres') ? { url: target } : { sqlitePath: target },
);
const writer = createDurableWriter(cdb, { maxWaitMs: 1 });
let acknowledged = 0;

function record() {
  const signer = randomBytes(32).toString('base64url');
  const jws = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from(randomUUID()).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
  return {
    sha256: createHash('sha256').update(jws, 'ascii').digest('base64url'),
    jws,
    kind: 'grant',
    signer,
    jti: randomUUID(),
    iat: 1_750_000_000,
    exp: 1_750_000_300,
    logged: true,
  };
}

// Keep writing, in overlapping groups, until the kill: the last writes are in flight when it lands.
for (;;) {
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      const result = await writer.write(record());
      process.stdout.write(`${result.sha256}\n`);
      if (++acknowledged >= acks) process.kill(process.pid, 'SIGKILL');
    }),
  );
}
