/**
 * The fixture's faster way in (`BENCH_REGULATOR_SEEDING=batch`): the same signed messages, stored
 * through the services' write path (message-store.ts `storeSigned` → the durable writer's group
 * commit: message, `jti`, log queue entry) with their aggregate rows written as batched effects
 * and their feed events through consents.ts `appendFeedEvents`, as `submitGrant`,
 * `submitRefusal` and `submitRevocation` write them. What it leaves out is only what those
 * functions do BEFORE storing (signature verification, the pseudonym's key binding, the
 * request lookup, the scope check): the seeding signed every message itself and the full path
 * (the default) runs those checks. The rows are the ones consents.ts writes; keep them in step
 * with it (its grant effect, `storeGrants`, is not exported).
 */
import type { Transaction } from 'kysely';
import { sha256Of } from '../../../protocol/jws';
import { parseMessage, type MessageKind } from '../../../protocol/messages';
import { appendFeedEvents } from '../../../portal/lib/server/consents';
import { batchedEffect, type EffectRun } from '../../../portal/lib/server/db/durable-writer';
import type { Database } from '../../../portal/lib/server/db/schema';
import {
  storeSigned,
  type ServiceContext,
  type StoredReceipt,
} from '../../../portal/lib/server/message-store';

interface Row {
  sha256: string;
  companyId: string;
  pseudonym: string;
  nowMs: number;
}
interface BindingRow extends Row {
  /** The first message of a pseudonym binds its key. */
  x: string;
}
interface GrantRow extends BindingRow {
  requestSha256: string;
  purposes: string;
  iat: number;
  until: number;
}
interface RefusalRow extends BindingRow {
  requestSha256: string;
  iat: number;
  askAgainAfter: number | null;
}
interface RevocationRow extends Row {
  iat: number;
  grants: string[];
}

async function bind(trx: Transaction<Database>, rows: readonly BindingRow[]): Promise<void> {
  await trx
    .insertInto('pseudonyms')
    .values(
      [...rows]
        .sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : 1))
        .map((row) => ({
          pseudonym: row.pseudonym,
          company_id: row.companyId,
          x: row.x,
          bound_at: row.nowMs,
          bound_by: row.sha256,
        })),
    )
    .execute();
}

function feed(
  trx: Transaction<Database>,
  kind: 'grant' | 'refusal' | 'revocation',
  rows: readonly Row[],
): Promise<void> {
  return appendFeedEvents(
    trx,
    rows.map((row) => ({
      companyId: row.companyId,
      kind,
      sha256: row.sha256,
      pseudonym: row.pseudonym,
    })),
    rows[0]!.nowMs,
  );
}

const storeGrants: EffectRun<GrantRow> = async (trx, rows) => {
  await bind(trx, rows);
  await trx
    .insertInto('grants')
    .values(
      rows.map((row) => ({
        sha256: row.sha256,
        company_id: row.companyId,
        pseudonym: row.pseudonym,
        request_sha256: row.requestSha256,
        purposes: row.purposes,
        iat: row.iat,
        until: row.until,
        created_at: row.nowMs,
        revoked_at: null,
        revoked_purposes: null,
      })),
    )
    .execute();
  await feed(trx, 'grant', rows);
};

const storeRefusals: EffectRun<RefusalRow> = async (trx, rows) => {
  await bind(trx, rows);
  await trx
    .insertInto('refusals')
    .values(
      rows.map((row) => ({
        sha256: row.sha256,
        company_id: row.companyId,
        pseudonym: row.pseudonym,
        request_sha256: row.requestSha256,
        iat: row.iat,
        ask_again_after: row.askAgainAfter,
        created_at: row.nowMs,
      })),
    )
    .execute();
  await feed(trx, 'refusal', rows);
};

/** Whole-grant revocations only (what the fixture sends): the grant ends at the revocation's iat. */
const storeRevocations: EffectRun<RevocationRow> = async (trx, rows) => {
  for (const row of rows) {
    for (const grant of row.grants) {
      const stored = await trx
        .selectFrom('grants')
        .select(['purposes', 'revoked_at'])
        .where('sha256', '=', grant)
        .executeTakeFirstOrThrow();
      if (stored.revoked_at !== null) continue;
      await trx
        .updateTable('grants')
        .set({
          revoked_purposes: JSON.stringify(
            [...new Set(JSON.parse(stored.purposes) as string[])].sort(),
          ),
          revoked_at: row.iat,
        })
        .where('sha256', '=', grant)
        .execute();
    }
  }
  await trx
    .insertInto('revocations')
    .values(
      rows.map((row) => ({
        sha256: row.sha256,
        company_id: row.companyId,
        pseudonym: row.pseudonym,
        iat: row.iat,
        received_at: row.nowMs,
        ack_sha256: null,
        acked_at: null,
      })),
    )
    .execute();
  await feed(trx, 'revocation', rows);
};

/** The token's header `kid` and its payload, parsed as `kind` (the seeding signed it). */
function read<K extends MessageKind>(kind: K, token: string) {
  const [header, payload] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { kid: string };
  return {
    kid,
    sha256: sha256Of(token),
    payload: parseMessage(kind, JSON.parse(Buffer.from(payload!, 'base64url').toString())),
  };
}

/**
 * Stores a grant, refusal or revocation the seeding signed, through the write path and with the
 * rows `submitGrant` / `submitRefusal` / `submitRevocation` write (see the module comment).
 *
 * @example
 * ```ts
 * await storeTrusted(services.context, 'grant', token);
 * ```
 */
export function storeTrusted(
  ctx: ServiceContext,
  kind: 'grant' | 'refusal' | 'revocation',
  token: string,
): Promise<StoredReceipt> {
  const nowMs = ctx.now();
  const common = (
    opened: { kid: string; sha256: string },
    payload: { iss: string; aud: string; jti: string; iat: number; exp: number },
  ) => ({
    token,
    sha256: opened.sha256,
    kind,
    kid: opened.kid,
    jti: payload.jti,
    iat: payload.iat,
    exp: payload.exp,
    companyId: payload.aud,
    pseudonym: payload.iss,
    logged: true,
  });
  if (kind === 'grant') {
    const opened = read('grant', token);
    const p = opened.payload;
    return storeSigned(ctx, {
      ...common(opened, p),
      effect: batchedEffect(storeGrants, {
        sha256: opened.sha256,
        companyId: p.aud,
        pseudonym: p.iss,
        nowMs,
        x: p.pseudonymKey!.x,
        requestSha256: p.requestSha256,
        purposes: JSON.stringify([...new Set(p.scopes.map((s) => s.purpose))]),
        iat: p.iat,
        until: p.until,
      }),
    });
  }
  if (kind === 'refusal') {
    const opened = read('refusal', token);
    const p = opened.payload;
    return storeSigned(ctx, {
      ...common(opened, p),
      effect: batchedEffect(storeRefusals, {
        sha256: opened.sha256,
        companyId: p.aud,
        pseudonym: p.iss,
        nowMs,
        x: p.pseudonymKey!.x,
        requestSha256: p.requestSha256,
        iat: p.iat,
        askAgainAfter: p.askAgainAfter ?? null,
      }),
    });
  }
  const opened = read('revocation', token);
  const p = opened.payload;
  return storeSigned(ctx, {
    ...common(opened, p),
    effect: batchedEffect(storeRevocations, {
      sha256: opened.sha256,
      companyId: p.aud,
      pseudonym: p.iss,
      nowMs,
      iat: p.iat,
      grants: p.grants === 'all' ? [] : p.grants.map((g) => g.grantSha256),
    }),
  });
}
