/**
 * The auditor's verifier as one file (scripts/build-verifier.mjs, docs/log.md "The auditor's
 * verifier"): built twice it is the same bytes, and it runs with plain `node` from a folder with
 * no node_modules anywhere above it (no tsx, no loader, no checkout): `--help`, an honest log
 * served over HTTP, and a tampered one. Before, the verifier ran only from a checkout through tsx.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurableWriter } from '../portal/lib/server/db/durable-writer';
import { openTestDatabase, type TestDatabase } from '../portal/lib/server/db/test-databases';
import { startLog, type ClearinghouseLog } from '../portal/lib/server/log/clearinghouse-log';
import { createLogHttpServer } from '../portal/lib/server/log/log-http-server';
import {
  keyFolder,
  prepare,
  testLogConfig,
  writeMessages,
} from '../portal/lib/server/log/test-log';
import { GET } from '../portal/routes/audit/clearinghouse-verify.mjs/+server';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `program args` without blocking this process (the log it checks is served from here), with
 * no NODE_OPTIONS, so no loader or import hook of the test runner reaches the child.
 */
function run(program: string, args: string[], cwd: string): Promise<Run> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(program, args, { cwd, env, timeout: 60_000 }, (error, out, err) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, out, err });
    });
  });
}

/** Whether `dir` or a folder above it holds node_modules (where the bundle could import from). */
function nodeModulesAbove(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) return at;
    if (at === parse(at).root) return undefined;
  }
}

/** Builds the verifier with the build step as `npm run build:portal` runs it. */
async function build(outfile: string): Promise<Buffer> {
  const result = await run(
    process.execPath,
    [join(root, 'scripts', 'build-verifier.mjs'), '--outfile', outfile],
    root,
  );
  expect(result.code, result.err).toBe(0);
  expect(result.out).toContain(
    `sha256 ${createHash('sha256').update(readFileSync(outfile)).digest('hex')}`,
  );
  return readFileSync(outfile);
}

describe('the verifier as one file', () => {
  let dir: string;
  let bundle: string;
  let bytes: Buffer;

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'clearinghouse-verify-')));
    bundle = join(dir, 'clearinghouse-verify.mjs');
    bytes = await build(bundle);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the same bytes when built twice, with no absolute path in it', async () => {
    const again = await build(join(dir, 'again', 'clearinghouse-verify.mjs'));
    expect(again.equals(bytes)).toBe(true);
    const text = bytes.toString('utf8');
    expect(text).not.toContain(root.replace(/\/$/, ''));
    expect(text).not.toContain(dir);
    expect(text).not.toContain(tmpdir());
    expect(text).not.toMatch(/sourceMappingURL/);
  }, 120_000);

  it('is the same bytes when built in another checkout, whose node_modules is a link', async () => {
    const checkout = realpathSync(mkdtempSync(join(tmpdir(), 'clearinghouse-checkout-')));
    try {
      for (const path of ['scripts/verify.ts', 'scripts/build-verifier.mjs', 'protocol']) {
        cpSync(join(root, path), join(checkout, path), { recursive: true });
      }
      // No tsconfig.json and no .svelte-kit/ (svelte-kit sync has not run in a fresh clone).
      symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'));
      const outfile = join(checkout, 'clearinghouse-verify.mjs');
      const result = await run(
        process.execPath,
        [join(checkout, 'scripts', 'build-verifier.mjs'), '--outfile', outfile],
        checkout,
      );
      expect(result.code, result.err).toBe(0);
      expect(result.err).toBe('');
      expect(readFileSync(outfile).equals(bytes)).toBe(true);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  }, 120_000);

  it('is what /audit/clearinghouse-verify.mjs serves, with its SHA-256 as ETag', async () => {
    process.env.VERIFIER_DOWNLOAD_PATH = bundle;
    try {
      const request = new Request('http://localhost:3000/audit/clearinghouse-verify.mjs');
      const response = (await GET({ request, locals: { locale: 'en' } } as never)) as Response;
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      expect(response.headers.get('etag')).toBe(`"sha256-${sha256}"`);
    } finally {
      delete process.env.VERIFIER_DOWNLOAD_PATH;
    }
  });

  it('names the project and its source in its first lines', () => {
    const head = bytes.toString('utf8').split('\n').slice(0, 8).join('\n');
    expect(head.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(head).toContain('consent-clearinghouse');
    expect(head).toContain('bundled from scripts/verify.ts by scripts/build-verifier.mjs');
  });

  it('runs with plain node where no node_modules can be found, and prints its usage for --help', async () => {
    expect(nodeModulesAbove(dir)).toBeUndefined();
    const help = await run(process.execPath, [bundle, '--help'], dir);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toMatch(/^usage: node clearinghouse-verify\.mjs --url <clearinghouse>/);
    expect(help.out).not.toContain('npm run verify');
    expect(help.err).toBe('');
  });

  describe('against a log served over HTTP', () => {
    let keys: ReturnType<typeof keyFolder>;
    let tdb: TestDatabase;
    let writer: DurableWriter;
    let log: ClearinghouseLog;
    let server: Server;
    let url: string;
    /** The same log, but one bit of `tamper`'s path is flipped on the way. */
    let proxy: Server;
    let proxyUrl: string;
    let tamper = '';

    beforeAll(async () => {
      keys = keyFolder();
      tdb = await openTestDatabase('sqlite');
      writer = await prepare(tdb.cdb);
      log = await startLog(tdb.cdb, testLogConfig(keys.dir));
      await writeMessages(writer, 300);
      await log.sequencer.flush();
      server = createLogHttpServer(log);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      proxy = createServer((request, response) => {
        void (async () => {
          const upstream = await fetch(url + request.url);
          const body = new Uint8Array(await upstream.arrayBuffer());
          if (request.url === tamper) body[body.length - 1]! ^= 1;
          response.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
          });
          response.end(body);
        })().catch(() => response.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => proxy?.close(resolve));
      await new Promise((resolve) => server?.close(resolve));
      await log?.stop();
      await writer?.close();
      await tdb?.dispose();
      keys?.remove();
    });

    it('verifies the honest log, pins its key in data/verifier-state.json of its folder, and re-reads every entry with --full', async () => {
      const cwd = mkdtempSync(join(dir, 'honest-'));
      const first = await run(process.execPath, [bundle, '--url', url], cwd);
      expect(first.code, first.err).toBe(0);
      expect(first.out).toMatch(/pinned log key localhost:3000\/log\+/);
      const state = JSON.parse(readFileSync(join(cwd, 'data', 'verifier-state.json'), 'utf8')) as {
        logVerifierKey: string;
        checkpoint: string;
      };
      expect(state.logVerifierKey).toBe(log.description.logVerifierKey);
      expect(state.checkpoint).toContain('\n300\n');

      const full = await run(process.execPath, [bundle, '--url', url, '--full'], cwd);
      expect(full.code, full.err).toBe(0);
      expect(full.out).toContain('all 300 entries parse');
    });

    it('fails (exit 1) on a log whose served entries were altered', async () => {
      const cwd = mkdtempSync(join(dir, 'bundle-'));
      tamper = '/log/tile/entries/000';
      const result = await run(process.execPath, [bundle, '--url', proxyUrl, '--full'], cwd);
      expect(result.code).toBe(1);
      // The last byte of the bundle is the closing brace of its last entry's JSON.
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_LOG_ENTRY_INVALID\)/);
      expect(existsSync(join(cwd, 'data', 'verifier-state.json'))).toBe(false);
    });

    it('fails (exit 1) on a checkpoint whose signature was altered, and pins nothing from it', async () => {
      const cwd = mkdtempSync(join(dir, 'checkpoint-'));
      tamper = '/log/checkpoint';
      const result = await run(process.execPath, [bundle, '--url', proxyUrl], cwd);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_NOTE_/);
      expect(existsSync(join(cwd, 'data', 'verifier-state.json'))).toBe(false);
    });
  });
});
