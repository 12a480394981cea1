/**
 * The public log, pure (DESIGN section 4, `protocol/tlog`): RFC 9162 hashing and proofs, C2SP
 * tlog-tiles paths and tiles, signed notes, checkpoints, log entries and receipts. Everything
 * takes its SHA-256 as an injected synchronous function; nothing does I/O.
 */
export * from './hash';
export * from './tree';
export * from './memory';
export * from './tiles';
export * from './note';
export * from './checkpoint';
export * from './entry';
export * from './receipt';
