/**
 * `npm run migrate`, the server and `npm run admin` open the same database: `DATABASE_URL`, else
 * `DATABASE_PATH`, else ./data/clearinghouse.db (one function, `resolveDatabaseTarget`). The CLI
 * runs in a fresh process whose working directory is a temporary folder, so that a run that
 * ignored `DATABASE_PATH` would make its default database there, never in the repository.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runAsOperator } from '../test-child';
import { resolveDatabaseTarget } from './database';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length > 0) cleanup.pop()!();
});

async function migrateIn(
  cwd: string,
  variables: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runAsOperator(
    [
      '--import',
      join(root, 'node_modules/tsx/dist/loader.mjs'),
      join(root, 'portal/lib/server/db/migrate-cli.ts'),
    ],
    { TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'), ...variables },
    { cwd, timeoutMs: 25_000 },
  );
}

describe('npm run migrate', () => {
  it('migrates the SQLite file DATABASE_PATH names, not ./data/clearinghouse.db', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'migrate-cli-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));
    const path = join(cwd, 'elsewhere', 'ch.db');
    const result = await migrateIn(cwd, { DATABASE_PATH: path });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Database ${path} (sqlite) migrated:`);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  }, 60_000);

  it('refuses a DATABASE_URL that is not PostgreSQL with the sentence naming it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'migrate-cli-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));
    const result = await migrateIn(cwd, {
      DATABASE_URL: 'mysql://x/y',
      DATABASE_PATH: join(cwd, 'ch.db'),
    });
    expect(result.stderr).toBe(
      'DATABASE_URL must start with postgres:// or postgresql://; unset it to use the embedded SQLite database.\n',
    );
    expect(result.code).toBe(1);
    expect(existsSync(join(cwd, 'ch.db'))).toBe(false);
  }, 60_000);
});

describe('resolveDatabaseTarget', () => {
  it('takes DATABASE_PATH after DATABASE_URL and before the default', () => {
    expect(resolveDatabaseTarget({}, { DATABASE_PATH: 'x/ch.db' }, '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/srv/x/ch.db',
    });
    expect(resolveDatabaseTarget({}, { DATABASE_PATH: ' /var/ch.db ' }, '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/var/ch.db',
    });
    expect(
      resolveDatabaseTarget({}, { DATABASE_URL: 'postgres://db/ch', DATABASE_PATH: 'x.db' }, '/'),
    ).toEqual({ dialect: 'postgres', url: 'postgres://db/ch' });
    expect(resolveDatabaseTarget({}, { DATABASE_PATH: '  ' }, '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/srv/data/clearinghouse.db',
    });
  });
});
