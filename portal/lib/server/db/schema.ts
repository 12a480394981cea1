import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The clearinghouse's tables as Kysely sees them. Every integer is a JavaScript number: times
 * in seconds or milliseconds and queue sequence numbers stay far below 2^53. PostgreSQL stores
 * them as `bigint` and the pool created by `openDatabase` parses `int8` into numbers (it
 * refuses values beyond Number.MAX_SAFE_INTEGER rather than rounding them).
 *
 * Changing a table means a new migration in `migrations/`, never an edit of an applied one.
 */
export interface Database {
  messages: MessagesTable;
  seen_jtis: SeenJtisTable;
  log_queue: LogQueueTable;
  log_state: LogStateTable;
  log_tiles: LogTilesTable;
  log_bundles: LogBundlesTable;
  log_leaves: LogLeavesTable;
}

/** Every signed message the clearinghouse accepted, exactly as received. */
export interface MessagesTable {
  /** base64url SHA-256 over the ASCII bytes of the compact JWS (SPECS "JWS"): the message's id. */
  sha256: string;
  /** The message kind, e.g. `grant` (DESIGN section 5). */
  kind: string;
  /** `kid` of the signing key: an RFC 7638 thumbprint. */
  signer: string;
  /** `co_...` of the company the message concerns, when it concerns one. */
  company_id: string | null;
  /** `ps_...` of the pseudonym the message concerns, when it concerns one. */
  pseudonym: string | null;
  /** The compact JWS itself. */
  jws: string;
  /** `iat` of the payload, seconds since the epoch. */
  iat: number;
  /** `exp` of the payload, seconds since the epoch. */
  exp: number;
  /** When the clearinghouse received it, milliseconds since the epoch. */
  received_at: number;
}

/** Replay protection: a (signer, jti) pair seen before is refused until its `exp` has passed. */
export interface SeenJtisTable {
  signer: string;
  jti: string;
  /** `exp` of the message that carried the jti, seconds; `purgeExpiredJtis` deletes past ones. */
  expires_at: number;
}

/** Logged messages waiting for the sequencer to append them to the Merkle log, in `seq` order. */
export interface LogQueueTable {
  seq: Generated<number>;
  sha256: string;
  kind: string;
  /** Milliseconds since the epoch: when the message became durable. */
  created_at: number;
}

/**
 * The log's head (one row, id 1): size, root and the signed checkpoint of the latest batch.
 * The sequencer locks this row first in every batch, which serialises sequencers across processes.
 */
export interface LogStateTable {
  id: number;
  size: number;
  /** 32 bytes. */
  root_hash: Uint8Array;
  /** The signed note text served at /log/checkpoint. */
  checkpoint: string;
  /** Milliseconds since the epoch of the commit that wrote this checkpoint. */
  updated_at: number;
}

/** C2SP tlog-tiles hash tiles, newest width only (narrower widths are prefixes of it). */
export interface LogTilesTable {
  level: number;
  idx: number;
  /** 1..256 hashes; 256 = full (never changes again). */
  width: number;
  /** width × 32 bytes. */
  data: Uint8Array;
}

/** Entry bundles (`tile/entries/<N>`), newest width only. */
export interface LogBundlesTable {
  idx: number;
  width: number;
  /** The entries, each as a big-endian u16 length and its bytes. */
  data: Uint8Array;
}

/** The index each sequenced message got (for receipts); sha256 unique. */
export interface LogLeavesTable {
  idx: number;
  sha256: string;
}

export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type LogQueueRow = Selectable<LogQueueTable>;

/** The two SQL dialects the clearinghouse runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';
