import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLog, type ClearinghouseLog } from '../portal/lib/server/log/clearinghouse-log';
import { createLogHttpServer } from '../portal/lib/server/log/log-http-server';
import {
  keyFolder,
  prepare,
  testLogConfig,
  writeMessages,
} from '../portal/lib/server/log/test-log';
import type { DurableWriter } from '../portal/lib/server/db/durable-writer';
import { openTestDatabase, type TestDatabase } from '../portal/lib/server/db/test-databases';
import { runVerifier } from './verify';

/**
 * `npm run verify -- --full` checks every hash tile, not only the entries (issue 12): a tile
 * that disagrees with the entries is refused even when no proof has asked for it yet.
 */
describe('the verifier with --full and the hash tiles', () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let log: ClearinghouseLog;
  let keys: ReturnType<typeof keyFolder>;
  let server: ReturnType<typeof createLogHttpServer>;
  let url: string;

  beforeAll(async () => {
    keys = keyFolder();
    tdb = await openTestDatabase('sqlite');
    writer = await prepare(tdb.cdb);
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    // 600 entries: two full level-0 tiles, a partial one, and a partial level-1 tile of 2 hashes.
    await writeMessages(writer, 600);
    await log.sequencer.flush();
    server = createLogHttpServer(log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await log?.stop();
    await writer?.close();
    await tdb?.dispose();
    keys?.remove();
  });

  /** Runs the verifier with a fetch that flips one bit of the answer for `tampered`. */
  async function verify(state: string, tampered?: string) {
    let out = '';
    let err = '';
    const code = await runVerifier(['--url', url, '--state', join(keys.dir, state), '--full'], {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (tampered === undefined || !String(input).endsWith(tampered)) return response;
        const bytes = new Uint8Array(await response.arrayBuffer());
        bytes[bytes.length - 1]! ^= 1;
        return new Response(bytes, { status: response.status, headers: response.headers });
      },
      stdout: (line) => (out += `${line}\n`),
      stderr: { write: (text) => void (err += text), isTTY: false },
    });
    return { code, out, err };
  }

  it('checks all four tiles of an honest log of 600 entries', async () => {
    const result = await verify('honest.json');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('all 600 entries parse');
    expect(result.out).toContain('all 4 hash tiles match them');
  });

  it.each([
    ['a full level-0 tile', '/log/tile/0/001'],
    ['the partial level-0 tile', '/log/tile/0/002.p/88'],
    ['the partial level-1 tile', '/log/tile/1/000.p/2'],
  ])('refuses a log when %s disagrees with the entries', async (_name, path) => {
    const result = await verify(`tampered-${path.replaceAll('/', '_')}.json`, path);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_TLOG_TILE_INVALID\)/);
  });
});
