/**
 * `npm run admin -- restore` into a PostgreSQL database the server has started on once (which
 * migrated it and wrote the log's first checkpoint and the webhook key): refused, and the refusal
 * says what to do, a new, empty database; following that sentence restores. The real server start
 * (`getInstance()`) and the real CLI, each in a process of its own, on the suite's throwaway
 * PostgreSQL cluster.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { writeBackup } from './backup';
import { createPostgresDatabase, openTestDatabase } from './db/test-databases';
import { startLog } from './log/clearinghouse-log';
import { keyFolder, prepare, testLogConfig, writeMessages } from './log/test-log';
import { runAsOperator } from './test-child';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Each process transpiles its TypeScript: seconds, not milliseconds.
vi.setConfig({ testTimeout: 120_000 });

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** Runs `node --import tsx <args>` from the repository's root in an operator's environment. */
function run(
  args: string[],
  variables: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runAsOperator(['--import', 'tsx', ...args], variables, { timeoutMs: 60_000 });
}

/** Starts the server's instance on `variables` once and stops it, as a first `npm start` does. */
async function startServerOnce(variables: Record<string, string>): Promise<void> {
  const code = `import { getInstance, stopInstance } from './portal/lib/server/instance.ts';
await getInstance();
console.log('started');
await stopInstance();`;
  const result = await run(['--input-type=module', '-e', code], {
    ...variables,
    LOG_SEQUENCER: 'off',
    WEBHOOKS: 'off',
  });
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('started');
}

/** Runs SQL on the cluster's administrative database (drop and create a database). */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('restore into a PostgreSQL database the server has started on', () => {
  it('is refused with a sentence saying to restore into a new, empty database, which then works', async () => {
    // A backup of a clearinghouse with a short log.
    const from = await openTestDatabase('postgres');
    const fromKeys = keyFolder();
    cleanup.push(() => fromKeys.remove());
    cleanup.push(() => from.dispose());
    const writer = await prepare(from.cdb);
    const log = await startLog(from.cdb, testLogConfig(fromKeys.dir));
    await writeMessages(writer, 5);
    await log.sequencer.flush();
    await log.stop();
    await writer.close();
    const file = join(fromKeys.dir, 'backup.jsonl.gz');
    await writeBackup(from.cdb, testLogConfig(fromKeys.dir), file);

    // The new machine: the server was started on its database once before the restore.
    const url = await createPostgresDatabase();
    const name = new URL(url).pathname.slice(1);
    const serverKeys = keyFolder();
    cleanup.push(() => serverKeys.remove());
    await startServerOnce({
      DATABASE_URL: url,
      LOG_KEY_PATH: join(serverKeys.dir, 'log-key.json'),
      WEBHOOK_KEY_PATH: join(serverKeys.dir, 'webhook-key.json'),
    });

    const restoreKeys = keyFolder();
    cleanup.push(() => restoreKeys.remove());
    const restore = () =>
      run(['scripts/admin.ts', 'restore', file], {
        DATABASE_URL: url,
        LOG_KEY_PATH: join(restoreKeys.dir, 'log-key.json'),
        WEBHOOK_KEY_PATH: join(restoreKeys.dir, 'webhook-key.json'),
      });
    const refused = await restore();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^The database at postgres\\S+/${name} is not empty \\(table \\w+ has \\d+ rows\\): ` +
          escapeRegExp(
            `restore into a new, empty database: drop it and create it again (as its owner: dropdb ${name} && createdb ${name}), or set DATABASE_URL to another, empty database, and run the restore before a server starts on it; nothing was written.`,
          ) +
          '\\n$',
        'm',
      ),
    );

    // What the sentence says to do.
    await admin(`drop database ${name}`);
    await admin(`create database ${name}`);
    const restored = await restore();
    expect(restored.stderr).toContain('The restored log has 5 entries');
    expect(restored.code).toBe(0);
  });
});
