import { base64urlEncode } from '../../../../protocol/encoding';
import { thumbprint } from '../../../../protocol/keys';
import type { ClearinghouseDb } from '../db/database';

/**
 * Checks that this node's `name` key is the one every node of the database uses: the first node
 * to start records its public key (`instance_keys`), and a node with another one stops at start
 * with a sentence naming both keys and the file, rather than signing what no one can verify.
 *
 * @throws Error when the database holds another key for `name`.
 * @example
 * ```ts
 * await checkSharedKey(cdb, 'webhook', webhookKey.publicKey, config.webhookKeyPath, Date.now());
 * ```
 */
export async function checkSharedKey(
  cdb: ClearinghouseDb,
  name: 'webhook',
  publicKey: Uint8Array,
  path: string,
  nowMs: number,
): Promise<void> {
  const x = base64urlEncode(publicKey);
  let recorded;
  try {
    // Read first: a node joining a running cluster writes nothing (on SQLite a write would wait
    // for whichever node holds the write lock).
    recorded = await recordedSharedKey(cdb, name);
  } catch (error) {
    // A database not yet migrated to 0014 (the previous release's schema, in its own tests):
    // nothing recorded, nothing to compare.
    if (tableMissing(error)) return;
    throw error;
  }
  if (recorded === undefined) {
    await cdb.db
      .insertInto('instance_keys')
      .values({ name, x, recorded_at: nowMs })
      .onConflict((c) => c.column('name').doNothing())
      .execute();
    recorded = (await recordedSharedKey(cdb, name))!;
  }
  if (recorded === x) return;
  throw new Error(
    `The ${name} key in ${path} (kid ${sharedKeyKid(x)}) is not the one the other nodes of this ` +
      `database use (kid ${sharedKeyKid(recorded)}): copy their key file to ${path} and start again ` +
      '(docs/scaling.md). Its receivers could not verify what this node signs.',
  );
}

/**
 * The public key (base64url `x`) the nodes of the database recorded for `name`, if one did.
 * Reads only: the start's check before any key file is created asks it too.
 *
 * @example
 * ```ts
 * const x = await recordedSharedKey(cdb, 'webhook'); // undefined before the first node started
 * ```
 */
export async function recordedSharedKey(
  cdb: ClearinghouseDb,
  name: 'webhook',
): Promise<string | undefined> {
  const row = await cdb.db
    .selectFrom('instance_keys')
    .select('x')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.x;
}

/** The kid (JWK thumbprint) of an Ed25519 public key given as base64url `x`. */
export function sharedKeyKid(x: string): string {
  return thumbprint({ kty: 'OKP', crv: 'Ed25519', x });
}

/** SQLite's "no such table" or PostgreSQL's undefined_table (42P01). */
function tableMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && message.includes('no such table'));
}
