/**
 * Test fixture (imported by *.test.ts and the benchmark only): a migrated database of either
 * dialect with a started log, realistic message records, and an independent reference of what
 * the log must contain.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeLogEntry,
  leafHash,
  memoryHashReader,
  treeHash,
  type MemoryHashReader,
} from '../../../../protocol/tlog';
import type { ClearinghouseDb } from '../db/database';
import { createDurableWriter, type DurableWriter, type MessageRecord } from '../db/durable-writer';
import { migrateToLatest } from '../db/migrate';
import type { LogConfig } from './clearinghouse-log';
import { spawnScript } from '../test-child';
import { nodeSha256 } from './sequencer';

/** A record shaped like a real logged message: a compact JWS (filler signature) and its hash. */
export function makeRecord(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');
  const signer = overrides.signer ?? randomBytes(32).toString('base64url');
  const jti = overrides.jti ?? randomUUID();
  const kind = overrides.kind ?? 'grant';
  const header = b64(JSON.stringify({ alg: 'EdDSA', typ: `${kind}+jws`, kid: signer }));
  const payload = b64(JSON.stringify({ v: 1, jti }));
  const jws = overrides.jws ?? `${header}.${payload}.${b64(randomBytes(64))}`;
  return {
    sha256: createHash('sha256').update(jws, 'ascii').digest('base64url'),
    jws,
    kind,
    signer,
    jti,
    companyId: `co_${randomBytes(32).toString('base64url')}`,
    pseudonym: `ps_${randomBytes(32).toString('base64url')}`,
    iat: 1_750_000_000,
    exp: 1_750_000_300,
    logged: true,
    ...overrides,
  };
}

/** Writes `count` logged records through the durable writer; resolves with their sha256s in ack order. */
export async function writeMessages(writer: DurableWriter, count: number): Promise<string[]> {
  const records = Array.from({ length: count }, () => makeRecord());
  const results = await Promise.all(records.map((record) => writer.write(record)));
  return results.map((result) => result.sha256);
}

/** A log config whose keys live in a fresh temporary folder. */
export function testLogConfig(dir: string, overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    origin: 'http://localhost:3000',
    logOrigin: 'localhost:3000/log',
    logKeyPath: join(dir, 'log-key.json'),
    webhookKeyPath: join(dir, 'webhook-key.json'),
    runSequencer: false,
    ...overrides,
  };
}

/** A temporary folder for key files; `remove` deletes it. */
export function keyFolder(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-log-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The log as it must be, rebuilt independently from the database's messages and the index each
 * got: entry bytes per index and an in-memory tree for reference roots.
 */
export async function referenceTree(
  cdb: ClearinghouseDb,
): Promise<{ entries: Uint8Array[]; sha256s: string[]; tree: MemoryHashReader; root: Uint8Array }> {
  const rows = await cdb.db
    .selectFrom('log_leaves')
    .innerJoin('messages', 'messages.sha256', 'log_leaves.sha256')
    .select([
      'log_leaves.idx as idx',
      'messages.sha256 as sha256',
      'messages.kind as kind',
      'messages.company_id as company_id',
      'messages.pseudonym as pseudonym',
      'messages.received_at as received_at',
    ])
    .orderBy('log_leaves.idx')
    .execute();
  const entries = rows.map((row, position) => {
    if (Number(row.idx) !== position) throw new Error(`index ${position} is missing`);
    return encodeLogEntry({
      v: 1,
      kind: row.kind,
      company: row.company_id ?? '',
      pseudonym: row.pseudonym,
      time: Math.floor(Number(row.received_at) / 1000),
      sha256: row.sha256,
    });
  });
  const tree = memoryHashReader(
    entries.map((entry) => leafHash(nodeSha256, entry)),
    nodeSha256,
  );
  return {
    entries,
    sha256s: rows.map((row) => row.sha256),
    tree,
    root: await treeHash(nodeSha256, tree.size, tree),
  };
}

/** Migrates and returns a durable writer with a short group-commit wait. */
export async function prepare(cdb: ClearinghouseDb): Promise<DurableWriter> {
  await migrateToLatest(cdb);
  return createDurableWriter(cdb, { maxWaitMs: 1 });
}

/** A sequencer.child.ts process and what it printed so far. */
export interface ChildSequencer {
  readonly child: ChildProcess;
  /** `commit` lines: first index, size and the signed checkpoint. */
  readonly commits: { firstIndex: number; size: number; checkpoint: string }[];
  /** `ack` lines: sha256s whose durable write resolved. */
  readonly acks: string[];
  /** Resolves once the child printed `ready` (its log is open). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code or signal once the child is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/**
 * Starts sequencer.child.ts as a separate Node process (`node --import tsx`, one process, so a
 * SIGKILL hits exactly the process that holds the database connection).
 */
export function spawnSequencer(
  target: string,
  keyDir: string,
  mode: 'sequence' | 'crash',
): ChildSequencer {
  const child = spawnScript(new URL('./sequencer.child.ts', import.meta.url), [
    target,
    keyDir,
    mode,
  ]);
  const commits: ChildSequencer['commits'] = [];
  const acks: string[] = [];
  let stderr = '';
  let buffered = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [tag, a, b, c] = line.split(' ');
      if (tag === 'ready') markReady();
      else if (tag === 'ack') acks.push(a!);
      else if (tag === 'commit') {
        commits.push({
          firstIndex: Number(a),
          size: Number(b),
          checkpoint: Buffer.from(c!, 'base64').toString('utf8'),
        });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  void exited.then(({ code, signal }) => {
    if (code !== 0 && signal === null) markReady(); // a child that died early must not hang a test
  });
  return { child, commits, acks, ready, exited };
}

/** The target string a child needs to open the same database. */
export function targetOf(tdb: { sqlitePath?: string; postgresUrl?: string }): string {
  return tdb.postgresUrl ?? tdb.sqlitePath!;
}
