/**
 * What bench/capacity.bench.ts reads off a database and the processes: the rows and bytes of
 * every table (PostgreSQL: `pg_total_relation_size`, i.e. heap, indexes, TOAST and the free-space
 * and visibility maps; SQLite: the `dbstat` virtual table, pages of the table's B-tree, its
 * overflow pages and its indexes), the CPU time of this process and of the PostgreSQL server's
 * processes (from /proc), and PostgreSQL's WAL position.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { ClearinghouseDb } from '../../portal/lib/server/db/database';

/** One table's size: `bytes` = `heap` + `indexes` + `toast` (+ the maps, PostgreSQL). */
export interface TableSize {
  rows: number;
  /** Everything the table occupies on disk. */
  bytes: number;
  /** The table's own pages (SQLite: its B-tree with overflow pages). */
  heap: number;
  indexes: number;
  /** PostgreSQL's out-of-line storage of large values (0 on SQLite, where overflow is in heap). */
  toast: number;
}

export type SizeSnapshot = Record<string, TableSize>;

/** Tables of the schema, without Kysely's migration bookkeeping. */
async function tableNames(cdb: ClearinghouseDb): Promise<string[]> {
  const tables = await cdb.db.introspection.getTables();
  return tables
    .map((table) => table.name)
    .filter((name) => !/^kysely_migration/.test(name))
    .sort();
}

/**
 * Rows and bytes of every table.
 *
 * @example
 * ```ts
 * const sizes = await tableSizes(cdb);
 * sizes.messages.bytes / sizes.messages.rows; // bytes per message, indexes included
 * ```
 */
export async function tableSizes(cdb: ClearinghouseDb): Promise<SizeSnapshot> {
  const names = await tableNames(cdb);
  const counts = await sql<{ t: string; n: number | string }>`${sql.join(
    names.map((name) => sql`select ${sql.lit(name)} as t, count(*) as n from ${sql.table(name)}`),
    sql` union all `,
  )}`.execute(cdb.db);
  const rows = new Map(counts.rows.map((row) => [row.t, Number(row.n)]));
  const snapshot: SizeSnapshot = {};
  if (cdb.dialect === 'postgres') {
    const { rows: sizes } = await sql<{
      name: string;
      total: string;
      heap: string;
      indexes: string;
      toast: string;
    }>`select c.relname as name,
        pg_total_relation_size(c.oid) as total,
        pg_relation_size(c.oid) as heap,
        pg_indexes_size(c.oid) as indexes,
        coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'`.execute(cdb.db);
    for (const size of sizes) {
      if (!rows.has(size.name)) continue;
      snapshot[size.name] = {
        rows: rows.get(size.name)!,
        bytes: Number(size.total),
        heap: Number(size.heap),
        indexes: Number(size.indexes),
        toast: Number(size.toast),
      };
    }
  } else {
    // dbstat: one row per B-tree (table or index) with its pages in bytes (overflow included).
    const { rows: sizes } = await sql<{ tbl: string; type: string; bytes: number }>`select
        m.tbl_name as tbl, m.type as type, sum(s.pgsize) as bytes
      from dbstat s join sqlite_schema m on m.name = s.name
      group by m.tbl_name, m.type`.execute(cdb.db);
    for (const name of names) {
      snapshot[name] = { rows: rows.get(name)!, bytes: 0, heap: 0, indexes: 0, toast: 0 };
    }
    for (const size of sizes) {
      const entry = snapshot[size.tbl];
      if (entry === undefined) continue;
      if (size.type === 'index') entry.indexes += Number(size.bytes);
      else entry.heap += Number(size.bytes);
      entry.bytes += Number(size.bytes);
    }
  }
  for (const name of names) {
    snapshot[name] ??= { rows: rows.get(name)!, bytes: 0, heap: 0, indexes: 0, toast: 0 };
  }
  return snapshot;
}

/** PostgreSQL's current WAL position in bytes (undefined on SQLite). */
export async function walPosition(cdb: ClearinghouseDb): Promise<number | undefined> {
  if (cdb.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{
    lsn: string;
  }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as lsn`.execute(cdb.db);
  return Number(rows[0]!.lsn);
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/**
 * CPU seconds (user + system) of a PostgreSQL server so far: the postmaster's own and its
 * reaped children's, plus every live child's (backends, WAL writer, checkpointer, autovacuum),
 * read from /proc. Linux only; undefined when the postmaster cannot be found.
 *
 * @example
 * ```ts
 * const before = postgresCpuSeconds(pg.dataDir);
 * // ... work ...
 * const used = postgresCpuSeconds(pg.dataDir)! - before!;
 * ```
 */
export function postgresCpuSeconds(dataDir: string): number | undefined {
  let postmaster: number;
  try {
    postmaster = Number(
      readFileSync(join(dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(postmaster) || postmaster <= 0) return undefined;
  let ticks = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name in parentheses (which may itself hold spaces): state is
    // field 3, so field k sits at index k - 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    const own = Number(fields[11]) + Number(fields[12]);
    if (pid === postmaster) {
      found = true;
      ticks += own + Number(fields[13]) + Number(fields[14]);
    } else if (ppid === postmaster) ticks += own;
  }
  return found ? ticks / clockTicks() : undefined;
}

/** This process's CPU seconds (all threads: the event loop, libuv's pool, SQLite's work). */
export function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
