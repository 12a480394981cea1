/**
 * The capacity model's measurements (issue 13, docs/scaling.md "Capacity model"):
 *
 *   npm run bench:capacity
 *
 * On a throwaway PostgreSQL cluster (scripts/postgres.mjs, fsync on) and on a SQLite file, it
 * seeds a representative slice of a clearinghouse through the service layer, every message
 * signed by its sender (bench/capacity/scenario.ts: companies, grant requests, grants and
 * refusals, targeted requests, sealed offers relayed, inbox reads and acknowledgements, access
 * batches, disclosures, data requests with a disclosure carrying a sealed export and the answer,
 * revocations and acknowledgements, then the log sequenced), and prints:
 *
 * 1. per phase: calls, wall time, CPU time per call of this process (the services, the durable
 *    writer, SQLite itself on SQLite) and of the PostgreSQL server's processes, WAL bytes per
 *    call (PostgreSQL);
 * 2. per phase, the tables that grew: rows added, bytes added, bytes per row (PostgreSQL:
 *    `pg_total_relation_size`, heap + indexes + TOAST; SQLite: `dbstat`, table and index
 *    B-trees with their overflow pages);
 * 3. every table at the end: rows, bytes, heap / indexes / TOAST, bytes per row above the empty
 *    schema;
 * 4. the messages by kind (rows, average JWS length), also as they stood with the offers in the
 *    inboxes;
 * 5. the log: entries, tile, subtree and bundle bytes per entry.
 *
 * Default size: 200 companies, 300 customers with 5 relationships each (1,500 pseudonyms),
 * 2 offers and 36 access events per grant (so each company's batch is nearly full, up to 256
 * entries, and the uses repeat: 2 distinct uses per grant), exports of 6 KiB. Both databases
 * take about 4 minutes on the shared 2-core machine at a moderate load (9 at load 20-30). On
 * PostgreSQL autovacuum is off during the run, so each phase's growth is its own (the space of
 * deleted rows is not reused). Bytes per row are what the model needs and hardly depend on the
 * machine; CPU figures from a loaded machine are indicative (contention inflates them). Section 6
 * prints the capacity model of docs/scaling.md from these figures (bench/capacity/model.ts).
 *
 * Environment: `BENCH_CAPACITY_SCALE` (multiplies the customers; 5 = 1,500 customers, 7,500
 * pseudonyms), `BENCH_CAPACITY_COMPANIES` (200), `BENCH_CAPACITY_OFFERS` (2),
 * `BENCH_CAPACITY_ACCESS` (36), `BENCH_CAPACITY_EXPORT_BYTES` (6144),
 * `BENCH_CAPACITY_DATABASES` (`postgres,sqlite`), `BENCH_CAPACITY_JSON` (a file to write every
 * figure to).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { loadAverage, machine } from './machine';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type ClearinghouseDb } from '../portal/lib/server/db/database';
import { migrateToLatest } from '../portal/lib/server/db/migrate';
import { startPostgres } from '../scripts/postgres.mjs';
import type { SizeSnapshot } from './capacity/measure';
import { assumptions, project, si } from './capacity/model';
import { runScenario, type ScenarioOptions, type ScenarioResult } from './capacity/scenario';

function positive(name: string, fallback: number, integer = true): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number, not "${raw}".`);
  }
  return value;
}

const scale = positive('BENCH_CAPACITY_SCALE', 1, false);
const sizes = {
  companies: positive('BENCH_CAPACITY_COMPANIES', 200),
  customers: Math.max(1, Math.round(300 * scale)),
  relationshipsPerCustomer: 5,
  offersPerRelationship: positive('BENCH_CAPACITY_OFFERS', 2),
  accessEntriesPerRelationship: positive('BENCH_CAPACITY_ACCESS', 36),
  exportBytes: positive('BENCH_CAPACITY_EXPORT_BYTES', 6144),
};
const databases = (process.env.BENCH_CAPACITY_DATABASES ?? 'postgres,sqlite')
  .split(',')
  .map((name) => name.trim().toLowerCase())
  .filter((name) => name !== '');
for (const name of databases) {
  if (name !== 'postgres' && name !== 'sqlite')
    throw new Error(`BENCH_CAPACITY_DATABASES: unknown database "${name}"`);
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const pad = (text: string, width: number) =>
  text.length >= width ? text : `${' '.repeat(width - text.length)}${text}`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : pad(cell, widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

function report(title: string, result: ScenarioResult): void {
  console.log(`\n=== ${title} ===\n`);
  console.log('1. Cost per call (signing by the clients is not timed)\n');
  table(
    ['phase', 'calls', 's', 'calls/s', 'node µs/call', 'db µs/call', 'WAL B/call'],
    result.phases.map((p) => [
      p.name,
      int(p.ops),
      p.seconds.toFixed(1),
      int(p.ops / p.seconds),
      int((p.nodeCpu / p.ops) * 1e6),
      p.databaseCpu === undefined ? '-' : int((p.databaseCpu / p.ops) * 1e6),
      p.walBytes === undefined ? '-' : int(p.walBytes / p.ops),
    ]),
  );

  console.log('\n2. What each phase added (bytes include indexes and TOAST)\n');
  const growth: string[][] = [];
  let before: SizeSnapshot = result.baseline;
  for (const p of result.phases) {
    for (const [name, after] of Object.entries(p.sizes)) {
      const prior = before[name]!;
      const rows = after.rows - prior.rows;
      const bytes = after.bytes - prior.bytes;
      if (rows === 0 && bytes === 0) continue;
      growth.push([p.name, name, int(rows), int(bytes), rows > 0 ? int(bytes / rows) : '-']);
    }
    before = p.sizes;
  }
  table(['phase', 'table', 'rows', 'bytes', 'B/row'], growth);

  console.log('\n3. Tables at the end (B/row: above the empty schema)\n');
  const last = result.phases[result.phases.length - 1]!.sizes;
  table(
    ['table', 'rows', 'bytes', 'heap', 'indexes', 'toast', 'B/row'],
    Object.entries(last)
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([name, size]) => {
        const empty = result.baseline[name]!;
        const rows = size.rows - empty.rows;
        return [
          name,
          int(size.rows),
          int(size.bytes),
          int(size.heap),
          int(size.indexes),
          int(size.toast),
          rows > 0 ? int((size.bytes - empty.bytes) / rows) : '-',
        ];
      }),
  );

  console.log('\n4. Messages by kind (average compact JWS length in characters)\n');
  const transit = new Map(result.messagesInTransit.map((m) => [m.kind, m]));
  const kinds = new Set([...result.messages.map((m) => m.kind), ...transit.keys()]);
  table(
    ['kind', 'rows at the end', 'rows with offers in transit', 'avg JWS'],
    [...kinds].sort().map((kind) => {
      const end = result.messages.find((m) => m.kind === kind);
      const during = transit.get(kind);
      return [
        kind,
        int(end?.rows ?? 0),
        int(during?.rows ?? 0),
        int(end?.avgJws ?? during?.avgJws ?? 0),
      ];
    }),
  );

  const { log } = result;
  const stored = ['log_tiles', 'log_bundles', 'log_leaves', 'log_state'].reduce(
    (sum, name) => sum + last[name]!.bytes - result.baseline[name]!.bytes,
    0,
  );
  console.log('\n5. The log\n');
  table(
    ['what', 'total', 'per entry'],
    [
      ['entries', int(log.size), '1'],
      ['average entry (bundle payload)', '-', log.entryBytes.toFixed(1)],
      [
        'hash tiles (C2SP data, newest width)',
        int(log.tileBytes),
        (log.tileBytes / log.size).toFixed(1),
      ],
      [
        'subtree hashes beside the tiles (server only)',
        int(log.subtreeBytes),
        (log.subtreeBytes / log.size).toFixed(1),
      ],
      ['entry bundles (C2SP data)', int(log.bundleBytes), (log.bundleBytes / log.size).toFixed(1)],
      [
        'log tables on disk (tiles, bundles, leaves, state)',
        int(stored),
        (stored / log.size).toFixed(1),
      ],
    ],
  );
  console.log(
    `(${log.tiles} tile rows, ${log.bundles} bundle rows; a small log is mostly partial tiles, so the\n` +
      ' per-entry tile bytes of a large log are 32 B at level 0 plus 1/256 of that per level above)',
  );
}

/** Section 6: the model of docs/scaling.md from this database's figures. */
function reportModel(title: string, result: ScenarioResult): void {
  const p = project(result);
  const a = assumptions;
  console.log(
    `\n6. Capacity model from these figures (${title}): ${si(a.customers)} customers × ` +
      `${a.relationshipsPerCustomer} relationships = ${si(p.relationships)} pseudonyms, ` +
      `${a.offersPerRelationshipPerMonth} offers and ${a.accessEventsPerRelationshipPerMonth} access ` +
      `events per relationship a month, the rest in bench/capacity/model.ts \`assumptions\`\n`,
  );
  table(
    ['operation', 'per year', 'per second', 'node cores', 'db cores', 'WAL MB/s'],
    p.flows.map((f) => [
      f.key,
      si(f.perYear),
      si(f.perSecond),
      f.nodeCores.toFixed(1),
      result.phases.some((ph) => ph.databaseCpu !== undefined) ? f.databaseCores.toFixed(1) : '-',
      result.phases.some((ph) => ph.walBytes !== undefined) ? f.walMBps.toFixed(1) : '-',
    ]),
  );
  console.log(
    `(yearly average; the peak hour is ${a.peakFactor}× that: ${(p.totals.nodeCores * a.peakFactor).toFixed(0)} node cores, ` +
      `${(p.totals.databaseCores * a.peakFactor).toFixed(0)} database cores, ${(p.totals.walMBps * a.peakFactor).toFixed(0)} MB/s of WAL, ` +
      'at the CPU cost per call of this run)\n',
  );
  table(
    ['table', 'rows added a year', 'rows held after a year', 'bytes held', 'B/row'],
    p.tables.map((t) => [
      t.table,
      si(t.rowsPerYear),
      si(t.rowsHeld),
      si(t.bytesHeld, 'B'),
      int(t.bytesPerRow),
    ]),
  );
  console.log(
    `total held after a year: ${si(p.totals.bytesHeld, 'B')}; relay_contacts purged after ` +
      `${a.contactRetentionDays} days instead of kept: ${si(p.contactsPurged.rowsHeld)} rows, ` +
      `${si(p.contactsPurged.bytesHeld, 'B')}`,
  );
  const { log } = p;
  console.log(
    `log: ${si(log.entriesPerYear)} entries a year, ${log.perSecond.toFixed(0)}/s on average, ` +
      `${log.peakPerSecond.toFixed(0)}/s in the peak hour; C2SP tiles and bundles ` +
      `${log.servedBytesPerEntry.toFixed(0)} B/entry = ${si(log.servedBytesPerYear, 'B')} a year; ` +
      `log tables in the database ${log.databaseBytesPerEntry.toFixed(0)} B/entry = ` +
      `${si(log.databaseBytesPerYear, 'B')} a year`,
  );
  for (const rate of log.measuredRates) {
    console.log(
      `  sequencer, ${rate.name}: ${int(rate.perSecond)} entries/s in this run ` +
        `(${rate.cpuPerEntryUs.toFixed(0)} µs CPU per entry), ${(rate.perSecond / log.peakPerSecond).toFixed(1)}× the peak`,
    );
  }
}

async function benchDatabase(
  title: string,
  cdb: ClearinghouseDb,
  postgresDataDir: string | undefined,
): Promise<ScenarioResult> {
  try {
    await migrateToLatest(cdb);
    if (cdb.dialect === 'postgres') {
      // Autovacuum off for the run: otherwise a vacuum that happens to run in one phase hands the
      // space of rows deleted in an earlier one back, and that phase's growth comes out wrong
      // (even negative). Deleted rows' space is therefore not reused during the run.
      const tables = await cdb.db.introspection.getTables();
      for (const { name } of tables) {
        await sql`alter table ${sql.table(name)} set (autovacuum_enabled = false, toast.autovacuum_enabled = false)`.execute(
          cdb.db,
        );
      }
    }
    console.log(`\n${title}: seeding`);
    const options: ScenarioOptions = {
      ...sizes,
      log: (line) => console.log(line),
      ...(postgresDataDir === undefined ? {} : { postgresDataDir }),
    };
    const result = await runScenario(cdb, options);
    report(title, result);
    reportModel(title, result);
    return result;
  } finally {
    await cdb.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`bench:capacity: ${machine()}`);
  console.log(
    `${sizes.companies} companies, ${sizes.customers} customers × ${sizes.relationshipsPerCustomer} relationships ` +
      `(${sizes.customers * sizes.relationshipsPerCustomer} pseudonyms), ${sizes.offersPerRelationship} offers and ` +
      `${sizes.accessEntriesPerRelationship} access entries per grant, exports of ${sizes.exportBytes} bytes; ` +
      `databases: ${databases.join(', ')}`,
  );
  console.log(
    "Bytes per row are the model's input; CPU figures measured on a loaded machine are indicative only.",
  );
  const results: Record<string, ScenarioResult> = {};
  for (const name of databases) {
    if (name === 'postgres') {
      const postgres = (await startPostgres()) as {
        url: string;
        dataDir: string;
        stop(): Promise<void>;
      };
      try {
        results.postgres = await benchDatabase(
          'PostgreSQL',
          await openDatabase({ url: postgres.url }),
          postgres.dataDir,
        );
      } finally {
        await postgres.stop();
      }
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-capacity-'));
      try {
        results.sqlite = await benchDatabase(
          'SQLite',
          await openDatabase({ sqlitePath: join(dir, 'capacity.db') }),
          undefined,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const json = process.env.BENCH_CAPACITY_JSON?.trim();
  if (json !== undefined && json !== '') {
    writeFileSync(
      json,
      `${JSON.stringify({ sizes, loadavg: loadavg(), when: new Date().toISOString(), results }, null, 2)}\n`,
    );
    console.log(`\nfigures written to ${json}`);
  }
  console.log(
    `\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadAverage()}`,
  );
}

await main();
