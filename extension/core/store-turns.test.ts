import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../../protocol/profile';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import type { RecordStore, StoreTable } from './ports';
import { Preferences } from './preferences';
import {
  inAllVaultTurns,
  inRelationshipTurn,
  inVaultTurn,
  turnKeyOf,
  vaultTurnKinds,
} from './store-turns';

/** A promise the test settles. */
function gate(): { done: Promise<void>; open: () => void } {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { done, open };
}

/** Lets every pending callback run (a turn that could start has started). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a restore in every turn of the vault', () => {
  it.each(vaultTurnKinds)(
    'waits for work under way in the %s turn, and work asked for after it in any turn waits for it',
    async (kind) => {
      const store = new FakeStore();
      const events: string[] = [];
      const held = gate();
      const before = inVaultTurn(kind, store, async () => {
        events.push('before starts');
        await held.done;
        events.push('before ends');
      });
      const restore = inAllVaultTurns(store, async () => {
        events.push('restore');
      });
      const after = vaultTurnKinds.map((other) =>
        inVaultTurn(other, store, async () => {
          events.push(`after in ${other}`);
        }),
      );
      await settled();
      expect(events).toEqual(['before starts']);
      held.open();
      await Promise.all([before, restore, ...after]);
      expect(events).toEqual([
        'before starts',
        'before ends',
        'restore',
        ...vaultTurnKinds.map((other) => `after in ${other}`),
      ]);
    },
  );

  it('goes on after work before it failed, and lets the work after it run when it failed', async () => {
    const store = new FakeStore();
    const failing = inVaultTurn('outbox', store, async () => {
      throw new Error('disk full');
    });
    const restore = inAllVaultTurns(store, async () => {
      throw new Error('the backup does not fit');
    });
    const after = inVaultTurn('preferences', store, async () => 'ran');
    await expect(failing).rejects.toThrow('disk full');
    await expect(restore).rejects.toThrow('the backup does not fit');
    await expect(after).resolves.toBe('ran');
  });

  it('keeps the turns of one store from holding up another store', async () => {
    const [one, other] = [new FakeStore(), new FakeStore()];
    const held = gate();
    const busy = inVaultTurn('relationships', one, () => held.done);
    await expect(inAllVaultTurns(other, async () => 'restored')).resolves.toBe('restored');
    held.open();
    await busy;
  });

  it('puts the restored profile back over channels allowed while it waited, and applies those asked for after it', async () => {
    const store = new FakeStore();
    const prefs = new Preferences({
      store,
      clock: new FakeClock(1_750_000_000_000),
      randomBytes: counterBytes(),
      defaults: () => ({ language: 'en', timeZone: 'Europe/Berlin' }),
    });
    const restored = { ...defaultProfile('de', 'Europe/Berlin'), mode: 'automatic' as const };
    // The first profile write has read the profile and waits to write it.
    const put = store.put.bind(store);
    const writing = gate();
    const held = gate();
    store.put = async (table: StoreTable, id: string, value: unknown) => {
      if (table === 'profile') {
        store.put = put;
        writing.open();
        await held.done;
      }
      return put(table, id, value);
    };
    const under = prefs.allowChannels(['sms'], 'sms');
    await writing.done;
    const restore = inAllVaultTurns(store, () => put('profile', 'current', restored));
    const after = prefs.allowChannels(['email'], 'email');
    held.open();
    await Promise.all([under, restore, after]);
    expect(await prefs.profile()).toEqual({
      ...restored,
      channels: { ...restored.channels, allowed: ['email'], preferred: 'email' },
    });
  });

  it('shares one turn between the stores of one turn key, and a restore on the key covers both', async () => {
    // Two handles of one vault: different objects, one turn key (extension/vault `Vault.handle`).
    const vault = new FakeStore();
    const handleOf = (): RecordStore => {
      const handle: RecordStore = {
        turnKey: vault,
        get: (table, id) => vault.get(table, id),
        put: (table, id, value) => vault.put(table, id, value),
        putMany: (table, items) => vault.putMany(table, items),
        addMany: (table, items) => vault.addMany(table, items),
        delete: (table, id) => vault.delete(table, id),
        list: (table) => vault.list(table),
      };
      return handle;
    };
    const [one, other] = [handleOf(), handleOf()];
    expect(one).not.toBe(other);
    expect(turnKeyOf(one)).toBe(vault);
    expect(turnKeyOf(vault)).toBe(vault);
    const events: string[] = [];
    const held = gate();
    const first = inRelationshipTurn(one, async () => {
      events.push('first starts');
      await held.done;
      events.push('first ends');
    });
    const second = inRelationshipTurn(other, async () => {
      events.push('second');
    });
    const restore = inAllVaultTurns(vault, async () => {
      events.push('restore');
    });
    const after = [
      inVaultTurn('preferences', one, async () => {
        events.push('after through one');
      }),
      inVaultTurn('outbox', other, async () => {
        events.push('after through the other');
      }),
    ];
    await settled();
    expect(events).toEqual(['first starts']);
    held.open();
    await Promise.all([first, second, restore, ...after]);
    expect(events).toEqual([
      'first starts',
      'first ends',
      'second',
      'restore',
      'after through one',
      'after through the other',
    ]);
  });
});
