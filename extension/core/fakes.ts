/**
 * Fakes of the core's ports for the Node tests: an in-memory record store that can be told a
 * record is damaged, a settable clock and a counter-based random source.
 */
import { ProtocolError } from '../../protocol/errors';
import type { ClockPort, DamagedRecord, RecordStore, SessionCell, StoreTable } from './ports';

/** An in-memory {@link RecordStore} that keeps the vault's contract (lock, damage, no overwrite). */
export class FakeStore implements RecordStore {
  readonly tables = new Map<StoreTable, Map<string, string>>();
  readonly damagedIds = new Set<string>();
  locked = false;
  /**
   * The records this store stands for were replaced (a backup restored): from then on every call
   * throws `ERR_VAULT_REPLACED`, as a handle of the vault (`Vault.handle`) does.
   */
  replaced = false;

  readonly check = (): void => {
    if (this.replaced) throw new ProtocolError('ERR_VAULT_REPLACED', 'replaced');
  };

  private table(name: StoreTable): Map<string, string> {
    let t = this.tables.get(name);
    if (t === undefined) this.tables.set(name, (t = new Map()));
    return t;
  }

  private guard(id?: string): void {
    this.check();
    if (this.locked) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked');
    // The vault's record ids (extension/vault/backup `recordId`): a fake that took more would
    // let code pass here that the real vault refuses.
    if (id !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(id))
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'record id outside the vault alphabet');
  }

  /** Marks a record as not authenticating, as a flipped bit would. */
  damage(table: StoreTable, id: string): void {
    this.damagedIds.add(`${table}/${id}`);
  }

  async get(table: StoreTable, id: string): Promise<unknown> {
    this.guard();
    const raw = this.table(table).get(id);
    if (raw === undefined) return undefined;
    if (this.damagedIds.has(`${table}/${id}`))
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'damaged', { table, id });
    return JSON.parse(raw);
  }

  async put(table: StoreTable, id: string, value: unknown): Promise<void> {
    this.guard(id);
    if (this.damagedIds.has(`${table}/${id}`))
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'damaged', { table, id });
    this.table(table).set(id, JSON.stringify(value));
  }

  async putMany(
    table: StoreTable,
    items: readonly { id: string; value: unknown }[],
  ): Promise<void> {
    this.guard();
    for (const { id } of items) this.guard(id);
    const damaged = items.find((i) => this.damagedIds.has(`${table}/${i.id}`));
    if (damaged !== undefined)
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'damaged', { table, id: damaged.id });
    this.putManyCalls++;
    for (const i of items) this.table(table).set(i.id, JSON.stringify(i.value));
  }

  /** How often {@link putMany} wrote (tests check that unchanged records are not rewritten). */
  putManyCalls = 0;

  async addMany(
    table: StoreTable,
    items: readonly { id: string; value: unknown }[],
  ): Promise<void> {
    this.guard();
    for (const { id } of items) this.guard(id);
    const t = this.table(table);
    if (items.some((i) => t.has(i.id)))
      throw new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'exists');
    for (const i of items) t.set(i.id, JSON.stringify(i.value));
  }

  async delete(table: StoreTable, id: string): Promise<void> {
    this.guard();
    this.table(table).delete(id);
    this.damagedIds.delete(`${table}/${id}`);
  }

  async list(
    table: StoreTable,
  ): Promise<{ items: { id: string; value: unknown }[]; damaged: DamagedRecord[] }> {
    this.guard();
    const items: { id: string; value: unknown }[] = [];
    const damaged: DamagedRecord[] = [];
    for (const [id, raw] of this.table(table)) {
      if (this.damagedIds.has(`${table}/${id}`)) damaged.push({ table, id });
      else items.push({ id, value: JSON.parse(raw) });
    }
    return { items, damaged };
  }
}

/** A clock the test sets. */
export class FakeClock implements ClockPort {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

/** Deterministic "random" bytes: a counter, so ids differ and tests repeat. */
export function counterBytes(): (length: number) => Uint8Array {
  let n = 0;
  return (length) => {
    n++;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (n * 31 + i * 7) & 0xff;
    out[0] = n & 0xff;
    out[1] = (n >> 8) & 0xff;
    return out;
  };
}

/** A session cell in memory. */
export function memoryCell<T>(): SessionCell<T> & { value: T | undefined } {
  const cell = {
    value: undefined as T | undefined,
    async read() {
      return cell.value;
    },
    async write(value: T) {
      cell.value = value;
    },
  };
  return cell;
}
