import { writeFileSync } from 'node:fs';
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
import {
  decodeEntryBundle,
  decodeLogEntry,
  encodeEntryBundle,
  encodeLogEntry,
} from '../protocol/tlog';
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
  /** The log's signed checkpoint when it held 300 entries (it holds 600 since). */
  let checkpointAt300: string;

  beforeAll(async () => {
    keys = keyFolder();
    tdb = await openTestDatabase('sqlite');
    writer = await prepare(tdb.cdb);
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    // 600 entries: two full level-0 tiles, a partial one, and a partial level-1 tile of 2 hashes.
    await writeMessages(writer, 300);
    await log.sequencer.flush();
    checkpointAt300 = await log.service.checkpoint();
    await writeMessages(writer, 300);
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

  /**
   * Runs the verifier with a fetch that answers `path` (the URL's path) as `answer` makes it from
   * the log's own bytes; `checkpoint` replaces the log's current checkpoint when given.
   */
  async function run(
    args: string[],
    answer: (path: string, bytes: Uint8Array<ArrayBuffer>) => Response | undefined,
    checkpoint?: string,
  ) {
    let err = '';
    const code = await runVerifier(['--url', url, ...args], {
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        if (checkpoint !== undefined && path === '/log/checkpoint') return new Response(checkpoint);
        const response = await fetch(input, init);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return (
          answer(path, bytes) ??
          new Response(bytes, { status: response.status, headers: response.headers })
        );
      },
      stdout: () => {},
      stderr: { write: (text) => void (err += text), isTTY: false },
    });
    return { code, err };
  }
  const status = (code: number) => () => new Response('', { status: code });
  let states = 0;
  const state = () => join(keys.dir, `exit-${states++}.json`);

  it.each<[string, number, string, (bytes: Uint8Array<ArrayBuffer>) => Response, string]>([
    [
      'a hash tile with trailing bytes',
      1,
      '/log/tile/0/001',
      (b) => new Response(new Uint8Array([...b, ...new Uint8Array(32)])),
      'ERR_TLOG_TILE_INVALID',
    ],
    [
      'a hash tile announcing more bytes than its width',
      1,
      '/log/tile/1/000.p/2',
      (b) => new Response(b, { headers: { 'content-length': String(3 * 32) } }),
      'ERR_TLOG_TILE_INVALID',
    ],
    [
      'a short hash tile',
      1,
      '/log/tile/0/002.p/88',
      (b) => new Response(b.subarray(32)),
      'ERR_TLOG_TILE_INVALID',
    ],
    ['a full hash tile answered 404', 1, '/log/tile/0/001', status(404), 'ERR_TLOG_TILE_INVALID'],
    [
      'a partial hash tile answered 404, with no full tile to read it from',
      1,
      '/log/tile/0/002.p/88',
      status(404),
      'ERR_TLOG_TILE_INVALID',
    ],
    ['a hash tile answered 410', 1, '/log/tile/0/000', status(410), 'ERR_TLOG_TILE_INVALID'],
    // A proxy or CDN failing in front of the log is no verdict on the log.
    ['a hash tile answered 502', 2, '/log/tile/0/000', status(502), 'try again later'],
    [
      'an entry bundle answered 404',
      1,
      '/log/tile/entries/001',
      status(404),
      'ERR_TLOG_BUNDLE_INVALID',
    ],
    [
      'an entry bundle longer than 256 entries of 1 KiB can be',
      1,
      '/log/tile/entries/000',
      (b) => new Response(new Uint8Array([...b, ...new Uint8Array(256 * 1026)])),
      'ERR_TLOG_BUNDLE_INVALID',
    ],
    ['an entry bundle answered 503', 2, '/log/tile/entries/000', status(503), 'try again later'],
    ['a hash tile answered 429', 2, '/log/tile/0/000', status(429), 'try again later'],
  ])('exit codes: %s is exit %i', async (_name, expected, path, answer, message) => {
    const result = await run(['--state', state(), '--full'], (p, bytes) =>
      p === path ? answer(bytes) : undefined,
    );
    expect(result.code, result.err).toBe(expected);
    expect(result.err).toContain(expected === 1 ? `VERIFICATION FAILED (${message})` : message);
  });

  /** The bundle's bytes with entry `at` (within the bundle) still well-formed, one second later. */
  const laterEntry = (bytes: Uint8Array, at: number) => {
    const entries = decodeEntryBundle(bytes);
    const entry = decodeLogEntry(entries[at]!);
    entries[at] = encodeLogEntry({ ...entry, time: entry.time + 1 });
    return new Response(new Uint8Array(encodeEntryBundle(entries)));
  };

  it.each([
    ['a full entry bundle', '/log/tile/entries/001', 1, 'tile/entries/001', 257],
    ['the partial entry bundle', '/log/tile/entries/002.p/88', 3, 'tile/entries/002.p/88', 515],
  ])(
    'blames %s a proxy altered, not the genuine tile that disagrees with it, naming the first entry that differs',
    async (_name, path, at, bundle, index) => {
      const result = await run(['--state', state(), '--full'], (p, bytes) =>
        p === path ? laterEntry(bytes, at) : undefined,
      );
      expect(result.code, result.err).toBe(1);
      expect(result.err).toContain('VERIFICATION FAILED (ERR_TLOG_BUNDLE_INVALID)');
      expect(result.err).toContain(`the entry bundle ${bundle} `);
      expect(result.err).toContain(`entry ${index} `);
      // It said "the tile tile/0/001 does not hold the hashes its entries compute".
      expect(result.err).not.toMatch(/the tile \S+ does not hold/);
    },
  );

  it('blames a tile the log serves differently on two reads, not the entries it agrees with the second time', async () => {
    let reads = 0;
    const result = await run(['--state', state(), '--full'], (p, bytes) => {
      if (p !== '/log/tile/0/001' || reads++ > 0) return undefined;
      const altered = new Uint8Array(bytes);
      altered[40] = altered[40]! ^ 1;
      return new Response(altered);
    });
    expect(reads).toBeGreaterThan(1);
    expect(result.code, result.err).toBe(1);
    expect(result.err).toContain('VERIFICATION FAILED (ERR_TLOG_TILE_INVALID)');
    expect(result.err).toContain('differently from one read to the next');
    // It said the entry bundle tile/entries/001 was wrong, of entries whose hashes matched.
    expect(result.err).not.toContain('ERR_TLOG_BUNDLE_INVALID');
  });

  it('says that an entry bundle served 1 byte too long is too long (it said "truncated entry length")', async () => {
    const result = await run(['--state', state(), '--full'], (p, bytes) =>
      p === '/log/tile/entries/001' ? new Response(new Uint8Array([...bytes, 0])) : undefined,
    );
    expect(result.code, result.err).toBe(1);
    expect(result.err).toMatch(
      /VERIFICATION FAILED \(ERR_TLOG_BUNDLE_INVALID\): http:\/\/[^ ]+\/log\/tile\/entries\/001: entry bundle is too long: 1 trailing byte\(s\) after its 256 entries/,
    );
    expect(result.err).not.toMatch(/truncated/);
  });

  it('exit codes: a tile the consistency proof needs answered 404 is exit 1, not a network problem', async () => {
    const older = state();
    writeFileSync(
      older,
      JSON.stringify({
        v: 1,
        logOrigin: log.description.logOrigin,
        logVerifierKey: log.description.logVerifierKey,
        checkpoint: checkpointAt300,
      }),
    );
    const result = await run(['--state', older], (p) =>
      p.startsWith('/log/tile/') ? new Response('', { status: 404 }) : undefined,
    );
    expect(result.code, result.err).toBe(1);
    expect(result.err).toContain('VERIFICATION FAILED (ERR_TLOG_TILE_INVALID)');
  });

  it('reads a partial tile or bundle the log no longer serves from the full one (the log grew)', async () => {
    // The checkpoint of size 300 implies tile 0/001.p/44 and bundle 001.p/44; the log, at 600,
    // serves the full ones (and, here, no partial level-0 tile or bundle at all).
    const result = await run(
      ['--state', state(), '--full'],
      (p) =>
        /^\/log\/tile\/(0|entries)\/.*\.p\//.test(p)
          ? new Response('', { status: 404 })
          : undefined,
      checkpointAt300,
    );
    expect(result.code, result.err).toBe(0);
  });
});
