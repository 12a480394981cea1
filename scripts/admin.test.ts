/**
 * `npm run admin`: argument parsing, and the links it makes on a real database of both dialects.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol/errors';
import { ready } from '../protocol/sodium';
import { migrateToLatest } from '../portal/lib/server/db/migrate';
import {
  openTestDatabase,
  testDialects,
  type TestDatabase,
} from '../portal/lib/server/db/test-databases';
import { tokenHash } from '../portal/lib/server/people';
import {
  adminHelp,
  backupReport,
  parseAdminArgs,
  publishedCheckpointText,
  relativeFileNote,
  runAdmin,
} from './admin';

describe('parseAdminArgs', () => {
  it.each([
    [
      ['enroll-regulator', '--name', 'A. Muster'],
      { command: 'enroll-regulator', name: 'A. Muster' },
    ],
    [['enroll-regulator', '--name=A. Muster'], { command: 'enroll-regulator', name: 'A. Muster' }],
    [['recover-person', '--person', 'pe_x'], { command: 'recover-person', personId: 'pe_x' }],
    [[], { command: 'help' }],
    [['backup', 'b.jsonl.gz'], { command: 'backup', file: 'b.jsonl.gz' }],
    [['backup', 'b.jsonl.gz', '--force'], { command: 'backup', file: 'b.jsonl.gz', force: true }],
    [['backup', '--force', 'b.gz'], { command: 'backup', file: 'b.gz', force: true }],
    [['restore', '/tmp/b.jsonl.gz'], { command: 'restore', file: '/tmp/b.jsonl.gz' }],
    [
      ['restore', 'b.gz', '--published-checkpoint', 'cp.txt'],
      { command: 'restore', file: 'b.gz', publishedCheckpoint: 'cp.txt' },
    ],
    [
      ['restore', '--published-checkpoint=state.json', '--accept-fork', 'b.gz'],
      { command: 'restore', file: 'b.gz', publishedCheckpoint: 'state.json', acceptFork: true },
    ],
  ])('parses %j', (argv, expected) => {
    expect(parseAdminArgs(argv)).toEqual(expected);
  });

  it.each([
    [['enroll-regulator']],
    [['enroll-regulator', '--name', '  ']],
    [['enroll-regulator', 'stray']],
    [['recover-person']],
    [['drop-database']],
    [['backup']],
    [['backup', 'a', 'b']],
    [['backup', '--force']],
    [['backup', 'a', '--forces']],
    [['restore', '--file']],
    [['restore', 'b.gz', '--published-checkpoint']],
    [['restore', 'b.gz', '--published-checkpoint', '--accept-fork']],
    [['restore', '--accept-fork']],
    [['restore', 'a', 'b']],
  ])('refuses %j with the usage', (argv) => {
    expect(() => parseAdminArgs(argv)).toThrow(/Usage:/);
  });

  it('refuses a name the clearinghouse would refuse with its rule, not "missing or malformed"', () => {
    expect(parseAdminArgs(['enroll-regulator', '--name', ` ${'a'.repeat(100)} `])).toEqual({
      command: 'enroll-regulator',
      name: 'a'.repeat(100),
    });
    expect(() => parseAdminArgs(['enroll-regulator', '--name', 'a'.repeat(101)])).toThrow(
      /^--name has 101 characters; a name may have at most 100\.$/,
    );
    for (const name of ['Evil\u0007Bell', 'Anna\nAdmin', 'Anna\u202eAdmin']) {
      expect(() => parseAdminArgs(['enroll-regulator', '--name', name])).toThrow(
        /^--name holds a control or format character \(a tab, line break, escape or invisible direction mark, say\), which a name may not hold: give it as plain text on one line\.$/,
      );
    }
  });
});

describe('adminHelp', () => {
  it('says in one line what each command does, and where the links go (ORIGIN, else PORT)', () => {
    const help = adminHelp({});
    for (const command of ['enroll-regulator', 'recover-person', 'backup', 'restore']) {
      expect(help).toMatch(new RegExp(`^  ${command} +\\S.+$`, 'm'));
    }
    expect(help).toContain('Usage:');
    expect(help).toContain(
      "The links go to the clearinghouse's public address: ORIGIN, else http://localhost:$PORT, else\n" +
        'http://localhost:3000, as the server takes it; run this with the ORIGIN (or PORT) the server has.',
    );
    expect(help).toMatch(/The links go to http:\/\/localhost:3000 now\.$/);
    expect(adminHelp({ PORT: '3400' })).toMatch(/The links go to http:\/\/localhost:3400 now\.$/);
    expect(adminHelp({ PORT: '3400', ORIGIN: 'https://ch.example/' })).toMatch(
      /The links go to https:\/\/ch\.example now\.$/,
    );
  });
});

describe('relativeFileNote', () => {
  it('says where a relative name was taken from when npm was started in a subfolder', () => {
    expect(relativeFileNote('rel.gz', { INIT_CWD: '/srv/ch/docs' }, '/srv/ch')).toBe(
      'rel.gz was taken relative to /srv/ch, where npm run admin runs its commands, not to ' +
        '/srv/ch/docs, where it was started: give an absolute path to choose the folder.',
    );
    expect(relativeFileNote('rel.gz', { INIT_CWD: '/srv/ch' }, '/srv/ch')).toBeUndefined();
    expect(relativeFileNote('/b/abs.gz', { INIT_CWD: '/srv/ch/docs' }, '/srv/ch')).toBeUndefined();
    expect(relativeFileNote('rel.gz', {}, '/srv/ch')).toBeUndefined();
  });
});

describe.each(testDialects)('runAdmin on %s', (dialect) => {
  let tdb: TestDatabase;
  const origin = 'http://localhost:3100';

  beforeAll(async () => {
    await ready();
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
  });
  afterAll(async () => {
    await tdb?.dispose();
  });

  it('prints a one-time regulator link on the given origin, stored only as a hash', async () => {
    const link = await runAdmin(
      { command: 'enroll-regulator', name: 'Anna Admin' },
      tdb.cdb,
      origin,
    );
    expect(link?.link).toMatch(/^http:\/\/localhost:3100\/enroll\/[A-Za-z0-9_-]{43}$/);
    const row = await tdb.cdb.db
      .selectFrom('enrolments')
      .selectAll()
      .where('token_hash', '=', tokenHash(link!.token))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: 'regulator', name: 'Anna Admin', created_by: 'admin' });
  });

  it('refuses a name with control characters and a recovery of nobody', async () => {
    await expect(
      runAdmin({ command: 'enroll-regulator', name: 'Evil\u0007Bell' }, tdb.cdb, origin),
    ).rejects.toMatchObject({ code: 'ERR_QUERY_INVALID' });
    const error = await runAdmin(
      { command: 'recover-person', personId: 'pe_AAAAAAAAAAAAAAAAAAAAAA' },
      tdb.cdb,
      origin,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('ERR_PERSON_UNKNOWN');
  });
});

describe('backupReport', () => {
  const cdb = { dialect: 'sqlite', location: '/srv/ch/data/clearinghouse.db' } as const;
  const keyPaths = {
    logKeyPath: '/srv/ch/log-key.json',
    webhookKeyPath: '/srv/ch/webhook-key.json',
  };
  const summary = (keys: string[]) => ({ tables: 31, rows: 812, migrations: [], keys });

  it('says exactly which key files a backup holds, with their variables and paths', () => {
    expect(backupReport('backup', summary(['log', 'webhook']), cdb, 'b.gz', keyPaths)).toBe(
      'Backed up 812 rows of 31 tables of the sqlite database at /srv/ch/data/clearinghouse.db ' +
        `to ${resolve('b.gz')}. It holds the log signing key (LOG_KEY_PATH: /srv/ch/log-key.json). It holds ` +
        'the webhook signing key (WEBHOOK_KEY_PATH: /srv/ch/webhook-key.json). Whoever holds ' +
        'the file can sign with its keys: keep it like the keys.',
    );
    const none = backupReport('backup', summary([]), cdb, 'b.gz', keyPaths);
    expect(none).toContain(
      'It holds no log signing key: there was none (LOG_KEY_PATH: /srv/ch/log-key.json)',
    );
    expect(none).toContain('It holds no webhook signing key');
    expect(none).not.toMatch(/It holds the|keep it like/);
  });

  it('names the partial files of killed backups it removed (they held the keys)', () => {
    const stale = [
      '/srv/b/b.gz.4711.1764633600000.partial',
      '/srv/b/b.gz.4712.1764633601000.partial',
    ];
    const report = backupReport(
      'backup',
      { ...summary(['log']), removedPartials: stale },
      cdb,
      '/srv/b/b.gz',
      keyPaths,
    );
    expect(report).toMatch(
      / keep it like the keys\. Removed what earlier backups to this file left when their process was killed \(partial files, which held the keys\): \/srv\/b\/b\.gz\.4711\.1764633600000\.partial, \/srv\/b\/b\.gz\.4712\.1764633601000\.partial\.$/,
    );
    expect(backupReport('backup', summary(['log']), cdb, 'b.gz', keyPaths)).not.toContain(
      'Removed',
    );
    const keyFile = '/srv/ch/log-key.json.4713.1764633602000.restoring';
    expect(
      backupReport(
        'restore',
        { ...summary(['log']), removedPartials: [keyFile] },
        cdb,
        'b.gz',
        keyPaths,
      ),
    ).toContain(
      `Removed what an earlier restore left when its process was killed (key files under temporary names): ${keyFile}.`,
    );
  });

  it('says which checkpoint a restore goes on from and what it contradicts', () => {
    const checkpoint = 'localhost:3000/log\n20\nAAAA\n\n— localhost:3000/log sig\n';
    const log = { size: 20, rootHash: 'AAAA', checkpoint };
    const report = backupReport('restore', { ...summary(['log']), log }, cdb, 'b.gz', keyPaths);
    expect(report).toContain(
      'The restored log has 20 entries (root AAAA) and goes on from the checkpoint below. Any ' +
        'checkpoint this log published with a larger size (or another root at size 20) will be ' +
        'contradicted by the entries it appends next: verifiers that saw one will report a fork.',
    );
    expect(report.endsWith(`\n\n${checkpoint}`)).toBe(true);
    expect(report).not.toContain('It contradicts');
    const forked = backupReport(
      'restore',
      { ...summary(['log']), log: { ...log, contradicts: { size: 25, rootHash: 'BBBB' } } },
      cdb,
      'b.gz',
      keyPaths,
    );
    expect(forked).toContain(
      'It contradicts the published checkpoint of size 25 (root BBBB), restored with ' +
        "--accept-fork: tell the log's auditors.",
    );
    expect(backupReport('restore', summary([]), cdb, 'b.gz', keyPaths)).toContain(
      'The backup holds no log checkpoint.',
    );
  });

  it('ends a restore with a verify command that works as written: --url and the origin', () => {
    const log = {
      size: 20,
      rootHash: 'AAAA',
      checkpoint: 'ch.example/log\n20\nAAAA\n\n— ch.example/log sig\n',
    };
    const restored = (env: NodeJS.ProcessEnv) =>
      backupReport('restore', { ...summary(['log']), log }, cdb, 'b.gz', keyPaths, env);
    const verify = (url: string) =>
      `Start the clearinghouse and run npm run verify -- --url ${url} --full to check its log.`;
    expect(restored({ ORIGIN: 'https://ch.example/' })).toContain(verify('https://ch.example'));
    expect(restored({ PORT: '3400' })).toContain(verify('http://localhost:3400'));
    // Neither set: the restored log's own origin.
    expect(restored({})).toContain(verify('https://ch.example'));
    expect(backupReport('restore', summary([]), cdb, 'b.gz', keyPaths, {})).toContain(
      verify('http://localhost:3000'),
    );
  });

  it('takes the published checkpoint as a note or from the verifier state file', () => {
    const note = 'localhost:3000/log\n20\nAAAA\n\n— localhost:3000/log sig\n';
    expect(publishedCheckpointText(note)).toBe(note);
    expect(publishedCheckpointText(JSON.stringify({ v: 1, checkpoint: note }))).toBe(note);
  });

  it('says which key files a restore installed', () => {
    const report = backupReport('restore', summary(['log']), cdb, 'b.gz', keyPaths);
    expect(report).toContain('Installed the log signing key (LOG_KEY_PATH: /srv/ch/log-key.json).');
    expect(report).toContain('The backup held no webhook signing key.');
  });
});
