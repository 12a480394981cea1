/**
 * Where a PostgreSQL benchmark's time goes, for `BENCH_PG_DIAGNOSE=1` (bench:load): the throwaway
 * cluster starts with `pg_stat_statements` loaded and lock waits logged, the statistics are reset
 * just before the measured run, and afterwards the statements that took the most time in total and
 * the longest once are printed, with the lock waits PostgreSQL logged meanwhile.
 *
 * For finding a latency tail, not for a recorded figure: the extension and the logging cost a
 * little themselves.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** The server settings a diagnosed cluster starts with (scripts/postgres.mjs `settings`). */
export const diagnosisSettings: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  track_io_timing: 'on',
  log_lock_waits: 'on',
  // A wait is logged once it lasted this long (deadlock_timeout is also when it is reported).
  deadlock_timeout: '20ms',
  log_min_duration_statement: '50',
};

export interface PostgresDiagnosis {
  /** Forgets what was counted so far (call it right before the run to be explained). */
  reset(): Promise<void>;
  /** The top statements and lock waits since {@link reset}, as printable lines. */
  report(): Promise<string>;
  close(): Promise<void>;
}

export async function diagnosePostgres(url: string, dataDir: string): Promise<PostgresDiagnosis> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('create extension if not exists pg_stat_statements');
  const logFile = join(dataDir, 'server.log');
  let logOffset = 0;
  const short = (query: string) => query.replace(/\s+/g, ' ').slice(0, 110);
  return {
    async reset() {
      await client.query('select pg_stat_statements_reset()');
      logOffset = statSync(logFile).size;
    },
    async report() {
      const columns = `calls, total_exec_time, mean_exec_time, max_exec_time, rows,
        blk_read_time + blk_write_time as io_ms, wal_bytes, query`;
      const byTotal = await client.query(
        `select ${columns} from pg_stat_statements order by total_exec_time desc limit 12`,
      );
      const byMax = await client.query(
        `select ${columns} from pg_stat_statements order by max_exec_time desc limit 8`,
      );
      const row = (r: Record<string, unknown>) =>
        `${String(r.calls).padStart(7)} ${Number(r.total_exec_time).toFixed(0).padStart(8)} ${Number(
          r.mean_exec_time,
        )
          .toFixed(2)
          .padStart(7)} ${Number(r.max_exec_time).toFixed(1).padStart(7)} ${Number(r.io_ms)
          .toFixed(0)
          .padStart(5)}  ${short(String(r.query))}`;
      const head = `  calls  total ms  mean ms  max ms io ms  statement`;
      const log = readFileSync(logFile, 'utf8').slice(logOffset);
      const lines = log.split('\n');
      // Each wait with the statement that waited (logged a line or two after it).
      const waits = lines.flatMap((line, i) => {
        if (!line.includes('still waiting for')) return [];
        const statement = lines.slice(i + 1, i + 4).find((next) => next.includes('STATEMENT:'));
        return [`${line.slice(0, 160)}\n    ${short(statement ?? '')}`];
      });
      const slow = lines.filter((line) => /duration: \d/.test(line));
      return [
        'PostgreSQL statements by total time:',
        head,
        ...byTotal.rows.map(row),
        '',
        'PostgreSQL statements by longest single run:',
        head,
        ...byMax.rows.map(row),
        '',
        `lock waits longer than ${diagnosisSettings.deadlock_timeout}: ${waits.length}`,
        ...waits.slice(0, 8).map((wait) => `  ${wait}`),
        `statements longer than ${diagnosisSettings.log_min_duration_statement} ms: ${slow.length}`,
        ...slow.slice(0, 8).map((line) => `  ${line.slice(0, 200)}`),
      ].join('\n');
    },
    async close() {
      await client.end();
    },
  };
}
