/**
 * `npm run migrate`: migrates the database the server and `npm run admin` use (one function,
 * `resolveDatabaseTarget`: DATABASE_URL when set, else DATABASE_PATH, else
 * ./data/clearinghouse.db) and says what it did. Exit code 1 on failure.
 */
import { openDatabase } from './database';
import { migrateToLatest } from './migrate';

async function main(): Promise<void> {
  const cdb = await openDatabase();
  try {
    const { applied } = await migrateToLatest(cdb);
    if (applied.length === 0) {
      console.log(`Database ${cdb.location} (${cdb.dialect}) is up to date.`);
    } else {
      for (const name of applied) console.log(`Applied ${name}`);
      console.log(
        `Database ${cdb.location} (${cdb.dialect}) migrated: ${applied.length} migration(s) applied.`,
      );
    }
  } finally {
    await cdb.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
