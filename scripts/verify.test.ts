import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurableWriter } from '../portal/lib/server/db/durable-writer';
import { openTestDatabase, type TestDatabase } from '../portal/lib/server/db/test-databases';
import { startLog, type ClearinghouseLog } from '../portal/lib/server/log/clearinghouse-log';
import { createLogHttpServer } from '../portal/lib/server/log/log-http-server';
import {
  keyFolder,
  prepare,
  referenceTree,
  testLogConfig,
  writeMessages,
} from '../portal/lib/server/log/test-log';
import { runVerifier, type VerifierIo } from './verify';

/** One clearinghouse log served over node:http (the handlers the portal's routes call). */
interface Fixture {
  tdb: TestDatabase;
  writer: DurableWriter;
  log: ClearinghouseLog;
  server: Server;
  url: string;
  grow(count: number): Promise<void>;
  close(): Promise<void>;
}

async function fixture(
  keyDir: string,
  entries: number,
  config: Parameters<typeof testLogConfig>[1] = {},
): Promise<Fixture> {
  const tdb = await openTestDatabase('sqlite');
  const writer = await prepare(tdb.cdb);
  const log = await startLog(tdb.cdb, testLogConfig(keyDir, config));
  const server = createLogHttpServer(log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const grow = async (count: number) => {
    await writeMessages(writer, count);
    await log.sequencer.flush();
  };
  await grow(entries);
  return {
    tdb,
    writer,
    log,
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    grow,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await log.stop();
      await writer.close();
      await tdb.dispose();
    },
  };
}

/** Runs the CLI in-process and captures what it prints. */
async function run(args: string[], options: { fetch?: typeof fetch } = {}) {
  const out: string[] = [];
  let err = '';
  const io: VerifierIo = {
    fetch: options.fetch ?? globalThis.fetch,
    stdout: (line) => out.push(line),
    stderr: { write: (text) => (err += text), isTTY: false },
  };
  const code = await runVerifier(args, io);
  return { code, out: out.join('\n'), err };
}

describe('the auditor verifier CLI', () => {
  let keys: ReturnType<typeof keyFolder>;
  let honest: Fixture;
  let state: string;

  beforeAll(async () => {
    keys = keyFolder();
    honest = await fixture(keys.dir, 300);
    state = join(keys.dir, 'state.json');
  });

  afterAll(async () => {
    await honest.close();
    keys.remove();
  });

  it('pins the key on first use and accepts the honest log as it grows, re-reading everything with --full', async () => {
    const first = await run(['--url', honest.url, '--state', state]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/pinned log key localhost:3000\/log\+/);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as {
      logVerifierKey: string;
      checkpoint: string;
    };
    expect(saved.logVerifierKey).toBe(honest.log.description.logVerifierKey);
    expect(saved.checkpoint).toContain('\n300\n');

    await honest.grow(333);
    const second = await run(['--url', honest.url, '--state', state, '--full']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/consistent with the last checkpoint seen \(size 300\)/);
    expect(second.out).toMatch(/all 633 entries/);
    expect(second.err).toMatch(/\[#+\] 3\/3 bundles/);
  });

  it('detects a fork: another history of a larger size, and another root at the same size', async () => {
    const seen = join(keys.dir, 'fork-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    const size = honest.log.sequencer.head().size;
    const before = readFileSync(seen, 'utf8');

    const longer = await fixture(keys.dir, size + 50); // same key and origin, other entries
    try {
      const result = await run(['--url', longer.url, '--state', seen]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_TLOG_(CONSISTENCY|TILE)_INVALID\)/);
      expect(readFileSync(seen, 'utf8')).toBe(before); // the evidence is kept
    } finally {
      await longer.close();
    }

    const same = await fixture(keys.dir, size);
    try {
      const result = await run(['--url', same.url, '--state', seen]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_CHECKPOINT_FORK\): THE LOG FORKED/);
    } finally {
      await same.close();
    }
  });

  it('detects a shrink', async () => {
    const seen = join(keys.dir, 'shrink-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    const smaller = await fixture(keys.dir, 10);
    try {
      const result = await run(['--url', smaller.url, '--state', seen]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_CHECKPOINT_SHRUNK\): THE LOG SHRANK/);
    } finally {
      await smaller.close();
    }
  });

  it('refuses a clearinghouse that now publishes another log key', async () => {
    const seen = join(keys.dir, 'key-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    const otherKeys = keyFolder();
    const impostor = await fixture(otherKeys.dir, 700);
    try {
      const result = await run(['--url', impostor.url, '--state', seen]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/ERR_NOTE_NO_TRUSTED_SIGNATURE/);
    } finally {
      await impostor.close();
      otherKeys.remove();
    }
  });

  it('exits 2 with a usage sentence, not a false tamper alarm, for another clearinghouse on the same state file', async () => {
    const seen = join(keys.dir, 'shared-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toMatchObject({ url: honest.url });
    const before = readFileSync(seen, 'utf8');
    const otherKeys = keyFolder();
    // A second clearinghouse, as on port 3410: its own log origin and key.
    const second = await fixture(otherKeys.dir, 5, {
      origin: 'http://localhost:3410',
      logOrigin: 'localhost:3410/log',
    });
    try {
      const result = await run(['--url', second.url, '--state', seen]);
      expect(result.err).not.toMatch(/VERIFICATION FAILED/);
      expect(result.err.trim()).toBe(
        `verify: The state file ${seen} holds the log of localhost:3000/log (pinned from ${honest.url}); ` +
          `${second.url} publishes another log (localhost:3410/log). Use --state <file> for each clearinghouse. ` +
          `If ${second.url} is the clearinghouse pinned from ${honest.url}, its log key changed: treat that as a failed verification.`,
      );
      expect(result.code).toBe(2);
      expect(readFileSync(seen, 'utf8')).toBe(before);

      // The same URL now publishing another key (and log): the pinned log changed, exit 1 still.
      const sameUrl: typeof fetch = (input, init) =>
        fetch(String(input).replace(honest.url, second.url), init);
      const changed = await run(['--url', honest.url, '--state', seen], { fetch: sameUrl });
      expect(changed.err).toMatch(/VERIFICATION FAILED \(ERR_NOTE_NO_TRUSTED_SIGNATURE\)/);
      expect(changed.code).toBe(1);
      expect(readFileSync(seen, 'utf8')).toBe(before);

      // The same clearinghouse typed another way (scheme in capitals, a trailing slash): still
      // the pinned one, so still exit 1. Failed before: the addresses were compared as text, and
      // the advice to start another state file would have trusted the new key on first use.
      const typed = honest.url.replace(/^http:/, 'HTTP:');
      const typedFetch: typeof fetch = (input, init) =>
        fetch(String(input).replace(typed, second.url), init);
      const retyped = await run(['--url', `${typed}/`, '--state', seen], { fetch: typedFetch });
      expect(retyped.err).toMatch(/VERIFICATION FAILED \(ERR_NOTE_NO_TRUSTED_SIGNATURE\)/);
      expect(retyped.code).toBe(1);
      expect(readFileSync(seen, 'utf8')).toBe(before);
    } finally {
      await second.close();
      otherKeys.remove();
    }
  });

  it('reads a state file without the URL it was pinned from, and records the URL', async () => {
    const seen = join(keys.dir, 'old-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    const { url: _url, ...old } = JSON.parse(readFileSync(seen, 'utf8')) as Record<string, unknown>;
    writeFileSync(seen, JSON.stringify(old));
    const result = await run(['--url', honest.url, '--state', seen]);
    expect(result.code, result.err).toBe(0);
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toMatchObject({ url: honest.url });
  });

  it('verifies a receipt file offline with the pinned key, and refuses a tampered one', async () => {
    const [sha256] = await writeMessages(honest.writer, 1);
    await honest.log.sequencer.flush();
    const receipt = await honest.log.service.receipt(sha256!, 0);
    const file = join(keys.dir, 'receipt.json');
    writeFileSync(file, JSON.stringify(receipt));
    const offline: typeof fetch = () => Promise.reject(new Error('offline run must not fetch'));

    const good = await run(['--receipt', file, '--state', state], { fetch: offline });
    expect(good.code, good.err).toBe(0);
    expect(good.out).toMatch(new RegExp(`sha256 ${sha256}`));
    // The state file saw a smaller tree: only an online run can prove the two consistent.
    expect(good.out).toMatch(
      /the receipt's checkpoint \(size \d+\) and the state file's \(size \d+\) differ in size: run with --url/,
    );

    writeFileSync(file, JSON.stringify({ ...receipt, index: receipt.index - 1 }));
    const tampered = await run(['--receipt', file, '--state', state], { fetch: offline });
    expect(tampered.code).toBe(1);
    expect(tampered.err).toMatch(
      /VERIFICATION FAILED \(ERR_(TLOG_INCLUSION_INVALID|RECEIPT_INVALID)\)/,
    );
  });

  it('offline, refuses a receipt whose checkpoint has the pinned size and another root (split view)', async () => {
    const seen = join(keys.dir, 'split-state.json');
    expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
    const size = honest.log.sequencer.head().size;
    const offline: typeof fetch = () => Promise.reject(new Error('offline run must not fetch'));

    // The same key and origin, another history of the same size: the view shown to someone else.
    const other = await fixture(keys.dir, size - 1);
    try {
      const [sha256] = await writeMessages(other.writer, 1);
      await other.log.sequencer.flush();
      const file = join(keys.dir, 'split-receipt.json');
      writeFileSync(file, JSON.stringify(await other.log.service.receipt(sha256!, 0)));
      const before = readFileSync(seen, 'utf8');
      const result = await run(['--receipt', file, '--state', seen], { fetch: offline });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/VERIFICATION FAILED \(ERR_CHECKPOINT_FORK\): THE LOG FORKED/);
      expect(readFileSync(seen, 'utf8')).toBe(before); // the evidence is kept
    } finally {
      await other.close();
    }

    // The honest log's receipt at that very size matches the pinned checkpoint.
    const leaf = honest.log.sequencer.head().size - 1;
    const sha256 = (await referenceTree(honest.tdb.cdb)).sha256s[leaf]!;
    const file = join(keys.dir, 'same-receipt.json');
    writeFileSync(file, JSON.stringify(await honest.log.service.receipt(sha256, 0)));
    const same = await run(['--receipt', file, '--state', seen], { fetch: offline });
    expect(same.code, same.err).toBe(0);
    expect(same.out).toMatch(/the receipt's checkpoint is the one in the state file/);
  });

  it('online, also proves that the receipt is in the current log', async () => {
    const [sha256] = await writeMessages(honest.writer, 1);
    await honest.log.sequencer.flush();
    const file = join(keys.dir, 'receipt-online.json');
    writeFileSync(file, JSON.stringify(await honest.log.service.receipt(sha256!, 0)));
    await honest.grow(20);
    const result = await run(['--url', honest.url, '--state', state, '--receipt', file]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/the receipt's checkpoint is a prefix of the current log/);
  });

  it('online, names the receipt’s checkpoint as the one that disagrees with the log’s current one', async () => {
    // The same key and origin, another history: the receipt a split view showed someone else.
    const other = await fixture(keys.dir, 11);
    try {
      const [sha256] = await writeMessages(other.writer, 1);
      await other.log.sequencer.flush();
      const file = join(keys.dir, 'forked-receipt.json');
      writeFileSync(file, JSON.stringify(await other.log.service.receipt(sha256!, 0)));
      const seen = join(keys.dir, 'forked-receipt-state.json');
      expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
      const result = await run(['--url', honest.url, '--state', seen, '--receipt', file]);
      expect(result.code).toBe(1);
      // It used to blame "the checkpoint seen before", which the log had just extended.
      expect(result.err).not.toMatch(/checkpoint seen before/);
      expect(result.err).toMatch(
        /VERIFICATION FAILED \(ERR_TLOG_CONSISTENCY_INVALID\): .*the receipt's checkpoint \(size 12, root [^)]+\) and the log's current checkpoint \(size \d+, root [^)]+\) disagree/,
      );
    } finally {
      await other.close();
    }
  });

  it('refuses at once a description whose logOrigin is not its key’s name, and pins nothing', async () => {
    const seen = join(keys.dir, 'self-contradicting-state.json');
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/.well-known/clearinghouse.json')) return response;
      const description = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...description, logOrigin: 'elsewhere.example/log' });
    };
    const result = await run(['--url', honest.url, '--state', seen], { fetch: lying });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /the clearinghouse's description contradicts itself: its logOrigin is "elsewhere\.example\/log", but its logVerifierKey is named "localhost:3000\/log"/,
    );
    // It used to pin both, then fail on "checkpoint is for another log".
    expect(result.err).not.toMatch(/checkpoint is for another log/);
    expect(result.out).not.toMatch(/pinned log key/);
    expect(() => readFileSync(seen, 'utf8')).toThrow();
  });

  it.each([['--help'], ['-h']])(
    'prints the usage on stdout and exits 0 for %s (it said "unknown argument", exit 2)',
    async (flag) => {
      const result = await run([flag]);
      expect(result.code, result.err).toBe(0);
      expect(result.out).toMatch(/^usage: /);
      expect(result.out).toContain('--url <clearinghouse>');
      expect(result.err).toBe('');
    },
  );

  it('exits 2 with the usage for bad arguments and for an unreachable clearinghouse', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--url', 'ftp://x'])).code).toBe(2);
    expect((await run(['--full', '--receipt', 'x'])).code).toBe(2);
    const unreachable = await run([
      '--url',
      'http://127.0.0.1:9',
      '--state',
      join(keys.dir, 'none.json'),
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toMatch(/cannot fetch/);
    // A port nothing listens on: the reason, not only fetch's "fetch failed".
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await run([
      '--url',
      `http://127.0.0.1:${port}`,
      '--state',
      join(keys.dir, 'none.json'),
    ]);
    expect(refused.err.trim()).toBe(
      `verify: cannot fetch http://127.0.0.1:${port}/.well-known/clearinghouse.json: connect ECONNREFUSED 127.0.0.1:${port}: ` +
        'nothing listens there; is the clearinghouse running, and is --url its address?',
    );
    expect(refused.code).toBe(2);
  });

  it.each([
    ['size', (lines: string[]) => (lines[1] = String(Number(lines[1]) + 1))],
    ['root', (lines: string[]) => (lines[2] = Buffer.alloc(32, 7).toString('base64'))],
  ])(
    'blames the state file, not the log, when the %s of its stored checkpoint was edited (exit 2)',
    async (_line, edit) => {
      const seen = join(keys.dir, `edited-${_line}-state.json`);
      expect((await run(['--url', honest.url, '--state', seen])).code).toBe(0);
      const saved = JSON.parse(readFileSync(seen, 'utf8')) as { checkpoint: string };
      const lines = saved.checkpoint.split('\n');
      edit(lines);
      writeFileSync(seen, JSON.stringify({ ...saved, checkpoint: lines.join('\n') }));
      const before = readFileSync(seen, 'utf8');
      const expected =
        `verify: the checkpoint stored in the state file ${seen} does not verify under the key pinned in the same file ` +
        '(the signature by localhost:3000/log does not verify): the file was altered or damaged, ' +
        'this says nothing about the log; move it away to start over';

      // Online and offline alike: it used to say "VERIFICATION FAILED (ERR_NOTE_SIGNATURE_INVALID)".
      const online = await run(['--url', honest.url, '--state', seen]);
      expect(online.err.trim()).toBe(expected);
      expect(online.code).toBe(2);
      const file = join(keys.dir, 'edited-state-receipt.json');
      const [sha256] = await writeMessages(honest.writer, 1);
      await honest.log.sequencer.flush();
      writeFileSync(file, JSON.stringify(await honest.log.service.receipt(sha256!, 0)));
      const offline = await run(['--receipt', file, '--state', seen]);
      expect(offline.err.trim()).toBe(expected);
      expect(offline.code).toBe(2);
      expect(readFileSync(seen, 'utf8')).toBe(before);
    },
  );

  it('blames the receipt, not the log, when the checkpoint in the receipt was altered', async () => {
    const [sha256] = await writeMessages(honest.writer, 1);
    await honest.log.sequencer.flush();
    const receipt = await honest.log.service.receipt(sha256!, 0);
    const file = join(keys.dir, 'altered-checkpoint-receipt.json');
    const checkpoint = receipt.checkpoint.replace(/\n(\d+)\n/, (_, n: string) => `\n${+n + 1}\n`);
    writeFileSync(file, JSON.stringify({ ...receipt, checkpoint }));
    for (const args of [
      ['--receipt', file, '--state', state],
      ['--url', honest.url, '--receipt', file, '--state', state],
    ]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      expect(result.err.trim()).toBe(
        `VERIFICATION FAILED (ERR_NOTE_SIGNATURE_INVALID): the checkpoint in the receipt ${file} does not verify under the pinned log key ` +
          '(the signature by localhost:3000/log does not verify): the receipt was altered or is not from this log; this says nothing against the log',
      );
    }
  });

  it.each([
    [
      ['--url', 'not a url'],
      '--url needs a full address with http:// or https://, such as https://clearinghouse.example; "not a url" is not one',
    ],
    [['--url', ''], '--url needs a full address such as https://clearinghouse.example'],
    [
      ['--url', 'localhost:3700'],
      '--url needs a full address with http:// or https://, such as https://clearinghouse.example; "localhost:3700" is not one (did you mean http://localhost:3700?)',
    ],
    [
      ['--url', 'clearinghouse.example'],
      '--url needs a full address with http:// or https://, such as https://clearinghouse.example; "clearinghouse.example" is not one (did you mean https://clearinghouse.example?)',
    ],
    [
      ['--url', 'ftp://x'],
      '--url needs an http:// or https:// address, such as https://clearinghouse.example; "ftp://x" is of the scheme ftp',
    ],
  ])(
    'says what a full address is for --url %j (exit 2, with the usage)',
    async (args, sentence) => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.err.split('\n')[0]).toBe(sentence);
      expect(result.err).toMatch(/\nusage: /);
    },
  );

  it('says in a sentence what is wrong with a receipt or state file it cannot read (exit 2)', async () => {
    const garbage = join(keys.dir, 'garbage.json');
    writeFileSync(garbage, '{garbage');
    const missing = join(keys.dir, 'nofile.json');
    const cases: [string[], string][] = [
      [
        ['--receipt', garbage, '--state', state],
        `the receipt file ${garbage} is not JSON; a receipt is a JSON object with v, index, entry, proof and checkpoint, as the clearinghouse gives it`,
      ],
      [['--receipt', missing, '--state', state], `the receipt file ${missing} does not exist`],
      [
        ['--receipt', keys.dir, '--state', state],
        `the receipt file ${keys.dir} is a folder, not a file`,
      ],
      [
        ['--url', honest.url, '--state', keys.dir],
        `the state file ${keys.dir} is a folder, not a file; give --state a file name, such as ${join(keys.dir, 'verifier-state.json')}`,
      ],
    ];
    for (const [args, sentence] of cases) {
      const result = await run(args);
      expect(result.err.trim()).toBe(`verify: ${sentence}`);
      expect(result.code).toBe(2);
    }
  });

  it('refuses a --state in a folder that does not exist instead of creating it (exit 2)', async () => {
    const folder = join(keys.dir, 'no-such-folder');
    const result = await run(['--url', honest.url, '--state', join(folder, 'state.json')]);
    expect(result.err.trim()).toBe(
      `verify: the folder ${folder} for the state file does not exist; check --state for a typo, or create the folder first`,
    );
    expect(result.code).toBe(2);
    expect(existsSync(folder)).toBe(false);
    expect(result.out).not.toMatch(/pinned log key/);
  });

  it('says that an address without /.well-known/clearinghouse.json does not look like a clearinghouse', async () => {
    const other = createServer((request, response) => {
      if (
        request.url === '/.well-known/clearinghouse.json' &&
        request.headers['x-html'] === undefined
      ) {
        response.writeHead(404).end('Not Found');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>hello');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const seen = join(keys.dir, 'not-a-clearinghouse-state.json');
    try {
      const missing = await run(['--url', url, '--state', seen]);
      expect(missing.err.trim()).toBe(
        `verify: ${url} does not look like a clearinghouse: it has no /.well-known/clearinghouse.json (answered 404). Check the address given to --url.`,
      );
      expect(missing.code).toBe(2);
      // A server that answers every address with a page: 200, but no JSON.
      const html: typeof fetch = (input, init) =>
        fetch(input, { ...init, headers: { 'x-html': '1' } });
      const page = await run(['--url', url, '--state', seen], { fetch: html });
      expect(page.err.trim()).toBe(
        `verify: ${url} does not look like a clearinghouse: its /.well-known/clearinghouse.json is not JSON. Check the address given to --url.`,
      );
      expect(page.code).toBe(2);
      expect(existsSync(seen)).toBe(false);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('exits 2, not "verification failed", for a malformed --key or one the state file contradicts', async () => {
    const file = join(keys.dir, 'any-receipt.json');
    writeFileSync(file, '{}');
    const malformed = await run([
      '--receipt',
      file,
      '--state',
      join(keys.dir, 'no-state.json'),
      '--key',
      'not+a+key',
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/--key is not a verifier key/);
    expect(malformed.err).not.toMatch(/VERIFICATION FAILED/);

    const otherKeys = keyFolder();
    const other = await fixture(otherKeys.dir, 1);
    try {
      const conflicting = await run([
        '--receipt',
        file,
        '--state',
        state,
        '--key',
        other.log.description.logVerifierKey,
      ]);
      expect(conflicting.code).toBe(2);
      expect(conflicting.err).toMatch(/--key differs from the key pinned in the state file/);
      expect(conflicting.err).not.toMatch(/VERIFICATION FAILED/);
    } finally {
      await other.close();
      otherKeys.remove();
    }
  });
});
