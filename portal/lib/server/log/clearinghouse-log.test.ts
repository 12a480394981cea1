import { chmodSync, copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../db/test-databases';
import { logConfigFromEnv, logOriginOf, startLog } from './clearinghouse-log';
import { loadOrCreateKeyFile } from './key-file';
import { keyFolder, prepare, testLogConfig, writeMessages } from './test-log';

describe('log key files', () => {
  let keys: ReturnType<typeof keyFolder>;
  beforeEach(() => (keys = keyFolder()));
  afterEach(() => keys.remove());

  it('creates the key on first use with mode 0600 and loads the same key afterwards', async () => {
    const path = join(keys.dir, 'nested', 'log-key.json');
    const created = await loadOrCreateKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const loaded = await loadOrCreateKeyFile(path);
    expect(loaded.publicKey).toEqual(created.publicKey);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('gives two concurrent first starts one and the same key', async () => {
    const path = join(keys.dir, 'log-key.json');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadOrCreateKeyFile(path)));
    expect(b!.publicKey).toEqual(a!.publicKey);
    expect(c!.publicKey).toEqual(a!.publicKey);
  });

  it('refuses a key file others can read', async () => {
    const path = join(keys.dir, 'log-key.json');
    await loadOrCreateKeyFile(path);
    chmodSync(path, 0o644);
    await expect(loadOrCreateKeyFile(path)).rejects.toThrow(/readable by others/);
  });

  it('refuses a key file whose public key does not match its seed', async () => {
    const path = join(keys.dir, 'log-key.json');
    await loadOrCreateKeyFile(path);
    const other = await loadOrCreateKeyFile(join(keys.dir, 'other.json'));
    const file = JSON.parse(readFileSync(path, 'utf8')) as { x: string };
    file.x = Buffer.from(other.publicKey).toString('base64url');
    writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
    await expect(loadOrCreateKeyFile(path)).rejects.toThrow(/inconsistent/);
  });
});

describe('log configuration', () => {
  it('derives the log origin from the public origin', () => {
    expect(logOriginOf('http://localhost:3000')).toBe('localhost:3000/log');
    expect(logOriginOf('https://ch.example/base/')).toBe('ch.example/base/log');
    expect(() => logOriginOf('ftp://ch.example')).toThrow();
  });

  it('reads ORIGIN, LOG_ORIGIN, key paths and LOG_SEQUENCER from the environment', () => {
    expect(logConfigFromEnv({})).toEqual({
      origin: 'http://localhost:3000',
      logOrigin: 'localhost:3000/log',
      logKeyPath: 'data/log-key.json',
      webhookKeyPath: 'data/webhook-key.json',
      runSequencer: true,
    });
    expect(
      logConfigFromEnv({
        ORIGIN: 'https://ch.example/',
        LOG_KEY_PATH: '/secrets/log.json',
        LOG_SEQUENCER: 'off',
      }),
    ).toMatchObject({
      origin: 'https://ch.example',
      logOrigin: 'ch.example/log',
      logKeyPath: '/secrets/log.json',
      runSequencer: false,
    });
    expect(() => logConfigFromEnv({ LOG_ORIGIN: 'has space' })).toThrow(
      /not a valid note key name/,
    );
  });
});

describe('starting the log on an existing database', () => {
  let tdb: TestDatabase;
  let keys: ReturnType<typeof keyFolder>;
  beforeEach(async () => {
    tdb = await openTestDatabase('sqlite');
    keys = keyFolder();
  });
  afterEach(async () => {
    await tdb.dispose();
    keys.remove();
  });

  it('refuses to continue a log under a new key (a lost key file must not fork the log)', async () => {
    const writer = await prepare(tdb.cdb);
    const log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await writeMessages(writer, 3);
    await log.sequencer.flush();
    await writer.close();
    const other = keyFolder();
    try {
      await expect(startLog(tdb.cdb, testLogConfig(other.dir))).rejects.toThrow(
        /not signed by the configured log key/,
      );
    } finally {
      other.remove();
    }
  });

  it('refuses a webhook key other than the one the first node recorded, naming the file', async () => {
    await prepare(tdb.cdb);
    const first = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await first.stop();
    // Same log key, a webhook key of its own: the file was not copied to this node.
    const other = keyFolder();
    try {
      copyFileSync(join(keys.dir, 'log-key.json'), join(other.dir, 'log-key.json'));
      const config = testLogConfig(other.dir);
      await expect(startLog(tdb.cdb, config)).rejects.toThrow(
        /The webhook key in .*webhook-key\.json \(kid .{43}\) is not the one the other nodes of this database use \(kid .{43}\): copy their key file/,
      );
      copyFileSync(join(keys.dir, 'webhook-key.json'), join(other.dir, 'webhook-key.json'));
      const second = await startLog(tdb.cdb, config);
      expect(second.description.webhookKey).toEqual(first.description.webhookKey);
      await second.stop();
    } finally {
      other.remove();
    }
  });

  it('refuses to continue a log under another origin', async () => {
    await prepare(tdb.cdb);
    await startLog(tdb.cdb, testLogConfig(keys.dir));
    await expect(
      startLog(tdb.cdb, testLogConfig(keys.dir, { logOrigin: 'elsewhere.example/log' })),
    ).rejects.toThrow(/Set LOG_ORIGIN/);
  });
});
