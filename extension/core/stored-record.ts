/**
 * A vault record read back with the schema it is written with. A record that does not parse is
 * reported as damaged, as the store reports one that does not authenticate (./ports
 * `RecordStore`): the caller never takes it for an empty one and writes over what it held.
 */
import * as v from 'valibot';
import { ProtocolError } from '../../protocol/errors';
import type { RecordStore, StoreTable } from './ports';

/**
 * Record `id` of `table`, parsed with `schema`; undefined when none is stored.
 *
 * @throws ProtocolError `ERR_VAULT_RECORD_DAMAGED` with `{ table, id }` and `message` when it does
 *   not parse (the store's own when it does not authenticate), `ERR_VAULT_LOCKED`.
 * @example
 * ```ts
 * const stored = await readStoredRecord(vault, offersRecord, offersSchema, 'the offers are malformed');
 * const items = stored?.items ?? [];
 * ```
 */
export async function readStoredRecord<S extends v.GenericSchema>(
  store: RecordStore,
  record: { readonly table: StoreTable; readonly id: string },
  schema: S,
  message: string,
): Promise<v.InferOutput<S> | undefined> {
  const raw = await store.get(record.table, record.id);
  if (raw === undefined) return undefined;
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success)
    throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', message, {
      table: record.table,
      id: record.id,
    });
  return parsed.output;
}
