/**
 * The capacity model of docs/scaling.md, computed from one database's measurements of
 * bench/capacity.bench.ts: each phase of the slice is one kind of operation, and what one
 * operation added to each table (rows, bytes with indexes and TOAST), cost in CPU and wrote to
 * the WAL is scaled by how often that operation happens in a year at the target size
 * ({@link assumptions}). Every figure the doc quotes is printed by the bench from these
 * functions, so it can be reproduced.
 */
import type { ScenarioResult } from './scenario';

const secondsPerYear = 365 * 86_400;

/** The target and what its customers and companies do, per year unless named otherwise. */
export const assumptions = {
  customers: 80_000_000,
  relationshipsPerCustomer: 50,
  companies: 100_000,
  /** Open grant requests a company publishes a year. */
  openRequestsPerCompany: 10,
  /**
   * First messages (grant, or a refusal for one in ten, as in the slice) per relationship a
   * year: grants run for a year (`until`), so each relationship gives or renews one a year.
   */
  grantsPerRelationship: 1,
  /** Targeted grant requests per relationship (a company asks for more). */
  targetedRequestsPerRelationship: 0.1,
  offersPerRelationshipPerMonth: 10,
  /** Access events (uses of data, each an entry of an `access` batch) per relationship a month. */
  accessEventsPerRelationshipPerMonth: 4,
  /** Distinct (grant, purpose, categories) uses per relationship: `access_uses` rows. */
  distinctUsesPerRelationship: 2,
  /** Disclosures without a data request (what the company holds) per relationship. */
  disclosuresPerRelationship: 1,
  /** Data requests per relationship; four in five ask for access (answered with an export). */
  dataRequestsPerRelationship: 0.02,
  /** Revocations per relationship; each is acknowledged by the company. */
  revocationsPerRelationship: 0.1,
  /**
   * Signed inbox reads per pseudonym a day: the Assistant syncs every inbox every 15 minutes
   * while the browser runs (extension/background.ts); four hours of browser time a day.
   */
  inboxReadsPerPseudonymPerDay: 16,
  /** Days an offer waits in the inbox before the Assistant fetches and acknowledges it. */
  inboxResidenceDays: 1,
  /** Seconds a `jti` stays in `seen_jtis` (the message's `exp - iat`, 300 s in the slice). */
  jtiLifetimeSeconds: 300,
  /** Days `relay_contacts` would keep a contact if purged (the cap counts 7 days). */
  contactRetentionDays: 8,
  /** Peak hour over the yearly average (evening peaks, campaign launches). */
  peakFactor: 10,
} as const;

/** How a phase's rows live: kept, or gone after `seconds` (then only a window is held). */
type Lifetime = { kind: 'kept' } | { kind: 'transient'; seconds: number };

/** One kind of operation at the target size. */
interface Flow {
  /** The phase key (see {@link phaseKey}). */
  key: string;
  /** Operations a year, in the slice's units (an `access` op is one batch as the slice sent). */
  perYear: number;
  /** Tables whose rows this flow adds only for a while. */
  transient?: Record<string, Lifetime>;
  /** Tables this flow does not add rows to at the target (bounded elsewhere). */
  skip?: string[];
}

/** `offer (round 2)` → `offer`, `grant (150 refusals)` → `grant`, `log: …` → `log`. */
export function phaseKey(name: string): string {
  if (name.startsWith('log:')) return 'log';
  return name.replace(/ \((?:round|\d).*\)$/, '');
}

/** A phase key's totals over all its phases of one run. */
interface Measured {
  ops: number;
  items: number;
  nodeCpu: number;
  databaseCpu: number;
  walBytes: number;
  /** Per table: rows and bytes added. */
  tables: Map<string, { rows: number; bytes: number }>;
}

function measure(result: ScenarioResult): Map<string, Measured> {
  const byKey = new Map<string, Measured>();
  let before = result.baseline;
  for (const phase of result.phases) {
    const key = phaseKey(phase.name);
    const m = byKey.get(key) ?? {
      ops: 0,
      items: 0,
      nodeCpu: 0,
      databaseCpu: 0,
      walBytes: 0,
      tables: new Map(),
    };
    m.ops += phase.ops;
    m.items += phase.items ?? phase.ops;
    m.nodeCpu += phase.nodeCpu;
    m.databaseCpu += phase.databaseCpu ?? 0;
    m.walBytes += phase.walBytes ?? 0;
    for (const [table, after] of Object.entries(phase.sizes)) {
      const rows = after.rows - before[table]!.rows;
      const bytes = after.bytes - before[table]!.bytes;
      if (rows <= 0) continue; // deletions, and updates' dead versions (vacuum takes those)
      const t = m.tables.get(table) ?? { rows: 0, bytes: 0 };
      t.rows += rows;
      t.bytes += bytes;
      m.tables.set(table, t);
    }
    byKey.set(key, m);
    before = phase.sizes;
  }
  return byKey;
}

/** What the model prints and the doc quotes. */
export interface Projection {
  relationships: number;
  flows: {
    key: string;
    perYear: number;
    perSecond: number;
    nodeCores: number;
    databaseCores: number;
    walMBps: number;
  }[];
  tables: {
    table: string;
    rowsPerYear: number;
    rowsHeld: number;
    bytesHeld: number;
    bytesPerRow: number;
  }[];
  /** `relay_contacts` if kept only `contactRetentionDays` (it is never purged today). */
  contactsPurged: { rowsHeld: number; bytesHeld: number };
  log: {
    entriesPerYear: number;
    perSecond: number;
    peakPerSecond: number;
    /** C2SP tiles and bundles, what object storage would serve. */
    servedBytesPerYear: number;
    servedBytesPerEntry: number;
    /** The log tables in the database (tiles with subtrees, bundles, leaves). */
    databaseBytesPerYear: number;
    databaseBytesPerEntry: number;
    /** Entries per second one sequencer sustained in the slice, per mode (wall clock). */
    measuredRates: { name: string; perSecond: number; cpuPerEntryUs: number }[];
  };
  totals: { bytesHeld: number; nodeCores: number; databaseCores: number; walMBps: number };
}

/**
 * Scales one database's run to the target.
 *
 * @example
 * ```ts
 * const projection = project(results.postgres);
 * projection.log.peakPerSecond; // log entries per second in the peak hour
 * ```
 */
export function project(result: ScenarioResult): Projection {
  const a = assumptions;
  const R = a.customers * a.relationshipsPerCustomer;
  const measured = measure(result);
  const access = measured.get('access');
  const entriesPerBatch = access === undefined ? 1 : access.items / access.ops;
  const jti: Lifetime = { kind: 'transient', seconds: a.jtiLifetimeSeconds };
  const queue: Lifetime = { kind: 'transient', seconds: 1 };
  const signed = { seen_jtis: jti, log_queue: queue };
  const offersPerYear = R * a.offersPerRelationshipPerMonth * 12;
  const residence: Lifetime = { kind: 'transient', seconds: a.inboxResidenceDays * 86_400 };
  const flows: Flow[] = [
    { key: 'company', perYear: a.companies, transient: signed },
    {
      key: 'grant-request',
      perYear: a.companies * a.openRequestsPerCompany,
      transient: signed,
    },
    { key: 'grant', perYear: R * a.grantsPerRelationship, transient: signed },
    {
      key: 'grant-request (targeted)',
      perYear: R * a.targetedRequestsPerRelationship,
      transient: signed,
    },
    {
      key: 'offer',
      perYear: offersPerYear,
      // One mailbox per pseudonym, counted below; offers leave with their acknowledgement.
      skip: ['relay_mailboxes'],
      transient: { ...signed, messages: residence, relay_items: residence },
    },
    {
      key: 'inbox read',
      perYear: R * a.inboxReadsPerPseudonymPerDay * 365,
      transient: signed,
    },
    // One acknowledgement per offer (an upper bound: one may cover several).
    { key: 'inbox ack (delete)', perYear: offersPerYear, transient: signed },
    {
      key: 'access',
      perYear: (R * a.accessEventsPerRelationshipPerMonth * 12) / entriesPerBatch,
      transient: signed,
      skip: ['access_uses'], // bounded by distinct uses, counted below
    },
    { key: 'disclosure', perYear: R * a.disclosuresPerRelationship, transient: signed },
    { key: 'data-request', perYear: R * a.dataRequestsPerRelationship, transient: signed },
    {
      key: 'disclosure (sealed export)',
      perYear: R * a.dataRequestsPerRelationship * 0.8,
      transient: signed,
    },
    {
      key: 'data-request-answer',
      perYear: R * a.dataRequestsPerRelationship,
      transient: signed,
    },
    { key: 'revocation', perYear: R * a.revocationsPerRelationship, transient: signed },
    { key: 'revocation-ack', perYear: R * a.revocationsPerRelationship, transient: signed },
  ];
  // Logged messages a year: every flow whose phase queued log entries in the slice.
  let entriesPerYear = 0;
  for (const flow of flows) {
    const m = measured.get(flow.key);
    const queued = m?.tables.get('log_queue')?.rows ?? 0;
    if (m !== undefined && m.ops > 0) entriesPerYear += (flow.perYear * queued) / m.ops;
  }
  flows.push({ key: 'log', perYear: entriesPerYear });

  const tables = new Map<string, { rowsPerYear: number; rowsHeld: number; bytesHeld: number }>();
  const add = (table: string, rowsPerYear: number, rowsHeld: number, bytesPerRow: number) => {
    const t = tables.get(table) ?? { rowsPerYear: 0, rowsHeld: 0, bytesHeld: 0 };
    t.rowsPerYear += rowsPerYear;
    t.rowsHeld += rowsHeld;
    t.bytesHeld += rowsHeld * bytesPerRow;
    tables.set(table, t);
  };
  const flowFigures: Projection['flows'] = [];
  let contactBytesPerRow = 0;
  for (const flow of flows) {
    const m = measured.get(flow.key);
    if (m === undefined || m.ops === 0) continue;
    const perSecond = flow.perYear / secondsPerYear;
    flowFigures.push({
      key: flow.key,
      perYear: flow.perYear,
      perSecond,
      nodeCores: (perSecond * m.nodeCpu) / m.ops,
      databaseCores: (perSecond * m.databaseCpu) / m.ops,
      walMBps: (perSecond * m.walBytes) / m.ops / 1e6,
    });
    for (const [table, grew] of m.tables) {
      if (flow.skip?.includes(table)) continue;
      const rowsPerYear = (flow.perYear * grew.rows) / m.ops;
      const lifetime = flow.transient?.[table] ?? { kind: 'kept' };
      const held =
        lifetime.kind === 'kept' ? rowsPerYear : (rowsPerYear * lifetime.seconds) / secondsPerYear;
      const bytesPerRow = grew.bytes / grew.rows;
      if (table === 'relay_contacts') contactBytesPerRow = bytesPerRow;
      add(table, rowsPerYear, held, bytesPerRow);
    }
  }
  // Bounded tables: one mailbox per pseudonym, and the distinct uses of each relationship.
  for (const [table, key, rows] of [
    ['relay_mailboxes', 'offer', R],
    ['access_uses', 'access', R * a.distinctUsesPerRelationship],
  ] as const) {
    const grew = measured.get(key)?.tables.get(table);
    if (grew !== undefined) add(table, rows, rows, grew.bytes / grew.rows);
  }

  const logM = measured.get('log');
  const logTables = ['log_tiles', 'log_bundles', 'log_leaves'];
  const logBytesPerEntry =
    logM === undefined
      ? 0
      : logTables.reduce((sum, t) => sum + (logM.tables.get(t)?.bytes ?? 0), 0) / logM.ops;
  // Served: the C2SP tiles of a large log (32 B at level 0, 1/256 of that per level above)
  // and the entry bundles (each entry behind its 2-byte length).
  const servedBytesPerEntry = (32 * 256) / 255 + 2 + result.log.entryBytes;
  const measuredRates = result.phases
    .filter((p) => p.name.startsWith('log:'))
    .map((p) => ({
      name: p.name.slice(5),
      perSecond: p.ops / p.seconds,
      cpuPerEntryUs: ((p.nodeCpu + (p.databaseCpu ?? 0)) / p.ops) * 1e6,
    }));
  const contactsHeld = (offersPerYear * a.contactRetentionDays * 86_400) / secondsPerYear;
  const tableFigures = [...tables.entries()]
    .map(([table, t]) => ({
      table,
      ...t,
      bytesPerRow: t.rowsHeld > 0 ? t.bytesHeld / t.rowsHeld : 0,
    }))
    .sort((x, y) => y.bytesHeld - x.bytesHeld);
  return {
    relationships: R,
    flows: flowFigures,
    tables: tableFigures,
    contactsPurged: { rowsHeld: contactsHeld, bytesHeld: contactsHeld * contactBytesPerRow },
    log: {
      entriesPerYear,
      perSecond: entriesPerYear / secondsPerYear,
      peakPerSecond: (entriesPerYear / secondsPerYear) * a.peakFactor,
      servedBytesPerYear: entriesPerYear * servedBytesPerEntry,
      servedBytesPerEntry,
      databaseBytesPerYear: entriesPerYear * logBytesPerEntry,
      databaseBytesPerEntry: logBytesPerEntry,
      measuredRates,
    },
    totals: {
      bytesHeld: tableFigures.reduce((sum, t) => sum + t.bytesHeld, 0),
      nodeCores: flowFigures.reduce((sum, f) => sum + f.nodeCores, 0),
      databaseCores: flowFigures.reduce((sum, f) => sum + f.databaseCores, 0),
      walMBps: flowFigures.reduce((sum, f) => sum + f.walMBps, 0),
    },
  };
}

/** `1.2e12` → `1.2 T`, for the printed tables. */
export function si(n: number, unit = ''): string {
  const steps: [number, string][] = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, prefix] of steps) {
    if (Math.abs(n) >= size)
      return `${(n / size).toFixed(n / size >= 100 ? 0 : 1)} ${prefix}${unit}`;
  }
  return `${n.toFixed(n >= 100 || n === 0 ? 0 : 1)} ${unit}`.trim();
}
