/**
 * The anonymous `blacklist` signal (DESIGN section 5, SPECS "Consent conditions"): while the
 * customer's answer is `send`, each blacklist entry that names a company they have a pseudonym
 * with is told to the clearinghouse, signed with that pairwise key, and counted into the
 * company's public boycott figure; removing the entry withdraws it, and so does turning the
 * signal off (`never`, or `ask` set through the profile): the figure should count only customers
 * who still agree to be counted, and a signal left behind would go on speaking for them.
 *
 * {@link BlacklistSignals.sync} compares what should be at the clearinghouse (the entries, the
 * answer, the relationships) with what this vault believes is there, and sends the difference.
 * Every message is written to the vault before it is sent and stays there until the
 * clearinghouse answered, so a clearinghouse out of reach (or a service worker stopped in
 * between) loses nothing: the next sync sends it again. A refusal (a 4xx problem) is recorded
 * with its code and not sent again until the customer changes what it is about.
 *
 * Pure apart from the ports: no browser API, no fetch of its own (STYLE habit 2).
 */
import * as v from 'valibot';
import { ApiProblem, type ClearinghouseClient, uuidV4 } from '../../protocol/client';
import type { Payload } from '../../protocol/messages';
import { blacklistReasons } from '../../protocol/messages/rights';
import {
  companyId,
  compactJws,
  epochSeconds,
  sha256 as sha256Schema,
  text,
} from '../../protocol/messages/primitives';
import {
  blacklistEntryId,
  brandKey,
  profileLimits,
  type BlacklistEntry,
  type BlacklistReason,
  type BlacklistSignalChoice,
} from '../../protocol/profile';
import { signMessage } from '../../protocol/signed';
import { companyIdentity } from './identity';
import type { ClockPort, DamagedRecord, RandomBytesPort, RecordStore } from './ports';
import { storedRelationship } from './recovery';
import { inVaultTurn } from './store-turns';

/** The clearinghouse call the signals make. */
export type SignalsClearinghouse = Pick<ClearinghouseClient, 'submitBlacklist'>;

/** What the signals are handed. */
export interface BlacklistSignalsPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  readonly clearinghouse: SignalsClearinghouse;
  /** The clearinghouse origin: the `aud` of the signals. */
  readonly clearinghouseOrigin: string;
  readonly masterSeed: () => Promise<Uint8Array>;
  /** The customer's answer about the signal (`profile.blacklistSignal`). */
  readonly choice: () => Promise<BlacklistSignalChoice>;
  /** The blacklist as extension/core/preferences lists it (damaged records beside the entries). */
  readonly blacklist: () => Promise<{
    entries: readonly BlacklistEntry[];
    damaged: readonly DamagedRecord[];
  }>;
}

/**
 * One record in the `profile` table, like the wallet's outbox: no new vault table (no Dexie
 * version), and it travels with the backup, so a restored vault still knows what to withdraw.
 */
export const signalsRecord = { table: 'profile', id: 'blacklist-signals' } as const;

/** The transport window of a signal (SPECS "JWS": at most 10 minutes). */
const windowSeconds = 300;
/** A stored signal this close to its `exp` is signed again rather than sent late. */
const resignMarginSeconds = 60;

export const signalStates = ['pending', 'sent', 'refused'] as const;
export type SignalState = (typeof signalStates)[number];

/**
 * What the vault knows about one signal: one per (company, brand key), as the clearinghouse
 * keeps one per (pseudonym, company, brand key), so a later message replaces an earlier one.
 */
const storedSignal = v.object({
  company: companyId,
  /** The brand as the entry spells it; absent: the company as a whole. */
  brand: v.optional(text(profileLimits.brandChars)),
  /** The blacklist entry it stands for (the dashboard shows the state beside it). */
  entry: blacklistEntryId,
  action: v.picklist(['add', 'withdraw']),
  reason: v.picklist(blacklistReasons),
  state: v.picklist(signalStates),
  /** While pending: the signed message, written before it is sent. */
  jws: v.optional(compactJws),
  exp: v.optional(epochSeconds),
  /**
   * The clearinghouse may hold an `add` of this key: one was sent, answered or not. Only then is
   * a withdrawal needed; it stays true until a withdrawal is accepted (the record then goes).
   */
  held: v.boolean(),
  /** Sent: the receipt's hash and whether the figure counts it. */
  sha256: v.optional(sha256Schema),
  counted: v.optional(v.boolean()),
  /** Refused: the clearinghouse's problem code. */
  error: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** When the state last changed (seconds). */
  at: epochSeconds,
});
type StoredSignal = v.InferOutput<typeof storedSignal>;

/** A signal's state as the dashboard shows it beside its entry. */
export interface SignalView {
  readonly entry: string;
  readonly action: 'add' | 'withdraw';
  readonly state: SignalState;
  /** Refused: the clearinghouse's problem code. */
  readonly error?: string;
}

/** What one {@link BlacklistSignals.sync} did. */
export interface SyncOutcome {
  /** Messages the clearinghouse accepted. */
  readonly sent: number;
  /** Messages still waiting (the clearinghouse out of reach): sent on the next sync. */
  readonly pending: number;
  /** Messages refused by this sync. */
  readonly refused: number;
}

function keyOf(company: string, brand: string | undefined): string {
  return `${company} ${brand === undefined ? '' : brandKey(brand)}`;
}

/** A refusal is a 4xx answer that waiting cannot change (408 and 429 ask to come back later). */
function isRefusal(e: unknown): e is ApiProblem {
  return (
    e instanceof ApiProblem && e.status >= 400 && e.status < 500 && ![408, 429].includes(e.status)
  );
}

/**
 * The `blacklist` signals of one unlocked vault.
 *
 * @example
 * ```ts
 * const signals = new BlacklistSignals({ store, clock, randomBytes, clearinghouse, clearinghouseOrigin, masterSeed, choice, blacklist });
 * await prefs.addToBlacklist({ target, reason: 'too_frequent' });
 * await signals.sync(); // { sent: 1, pending: 0, refused: 0 }
 * ```
 */
export class BlacklistSignals {
  constructor(private readonly ports: BlacklistSignalsPorts) {}

  private nowSeconds(): number {
    return Math.floor(this.ports.clock.now() / 1000);
  }

  /**
   * Every signal the vault knows about, by key. Entries that no longer parse are left out: the
   * clearinghouse keeps its own copy, and the next sync sends again what is still wanted. A
   * record that does not authenticate: `ERR_VAULT_RECORD_DAMAGED` (nothing is sent then).
   */
  private async read(): Promise<Record<string, StoredSignal>> {
    const raw = await this.ports.store.get(signalsRecord.table, signalsRecord.id);
    const signals = (raw as { signals?: unknown } | undefined)?.signals;
    const out: Record<string, StoredSignal> = {};
    if (typeof signals !== 'object' || signals === null) return out;
    for (const [key, value] of Object.entries(signals)) {
      const parsed = v.safeParse(storedSignal, value);
      if (parsed.success && key === keyOf(parsed.output.company, parsed.output.brand))
        out[key] = parsed.output;
    }
    return out;
  }

  private write(signals: Record<string, StoredSignal>): Promise<void> {
    return this.ports.store.put(signalsRecord.table, signalsRecord.id, { v: 1, signals });
  }

  /**
   * The state of each signal, for the dashboard. Withdrawals whose entry is gone are listed too
   * (under the removed entry's id), so a count of what is still under way stays honest.
   *
   * @example
   * ```ts
   * const views = await signals.list(); // [{ entry: '…', action: 'add', state: 'sent' }]
   * ```
   */
  async list(): Promise<SignalView[]> {
    return Object.values(await this.read()).map((s) => ({
      entry: s.entry,
      action: s.action,
      state: s.state,
      ...(s.error === undefined ? {} : { error: s.error }),
    }));
  }

  /**
   * Brings the clearinghouse in line with the blacklist and the customer's answer: decides which
   * signals to add or withdraw, writes them to the vault, then sends whatever is pending (this
   * sync's and earlier ones'). Sends nothing while the answer is `ask` or `never` and nothing was
   * sent before, and nothing for an entry naming no company (a bare brand) or a company the
   * customer has no pseudonym with (the clearinghouse refuses those, and would not count them).
   *
   * @returns how many messages were accepted, are still pending, and were refused.
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_VAULT_RECORD_DAMAGED` (the signals record,
   *   the profile or the identity); never for the network, whose failures stay pending.
   */
  sync(): Promise<SyncOutcome> {
    // One at a time per store: two at once would sign and send the same signal twice. The
    // `blacklistSignals` turn of ./store-turns, which a backup restore takes too.
    return inVaultTurn('blacklistSignals', this.ports.store, () => this.syncNow());
  }

  private async syncNow(): Promise<SyncOutcome> {
    const signals = await this.read();
    const choice = await this.ports.choice();
    if (choice !== 'send' && Object.keys(signals).length === 0)
      return { sent: 0, pending: 0, refused: 0 };
    if (this.plan(signals, choice === 'send' ? await this.wanted() : null, await this.damaged()))
      await this.write(signals);
    return this.send(signals);
  }

  /** Ids of the blacklist records that do not decrypt: their signals are left as they are. */
  private async damaged(): Promise<Set<string>> {
    const { damaged } = await this.ports.blacklist();
    return new Set(damaged.filter((d) => d.table === 'blacklist').map((d) => d.id));
  }

  /**
   * The signals that should be at the clearinghouse, by key: one per entry naming a company the
   * vault holds a logged relationship with (a grant or a refusal bound the pseudonym). The
   * newest entry wins where two name the same key.
   */
  private async wanted(): Promise<
    Map<string, { company: string; brand?: string; reason: BlacklistReason; entry: string }>
  > {
    const { entries } = await this.ports.blacklist();
    const wanted = new Map<
      string,
      { company: string; brand?: string; reason: BlacklistReason; entry: string }
    >();
    const named = entries.filter((e) => e.target.company !== undefined);
    if (named.length === 0) return wanted;
    const related = await this.relatedCompanies();
    for (const e of named) {
      const company = e.target.company!;
      if (!related.has(company)) continue;
      const brand = e.target.kind === 'brand' ? e.target.brand : undefined;
      const key = keyOf(company, brand);
      if (wanted.has(key)) continue;
      wanted.set(key, {
        company,
        ...(brand === undefined ? {} : { brand }),
        reason: e.reason,
        entry: e.id,
      });
    }
    return wanted;
  }

  /** Companies the vault holds a relationship with a grant or a refusal for. */
  private async relatedCompanies(): Promise<Set<string>> {
    const { items } = await this.ports.store.list('relationships');
    const related = new Set<string>();
    for (const { value } of items) {
      const parsed = v.safeParse(storedRelationship, value);
      if (!parsed.success) continue;
      const r = parsed.output;
      if (r.grants.length > 0 || r.refusals.length > 0) related.add(r.company.id);
    }
    return related;
  }

  /**
   * Changes `signals` in place towards `wanted` (null: none wanted). Returns whether anything
   * changed. A signal whose entry is damaged is left alone: a flipped bit is not the customer
   * removing the entry.
   */
  private plan(
    signals: Record<string, StoredSignal>,
    wanted: Map<
      string,
      { company: string; brand?: string; reason: BlacklistReason; entry: string }
    > | null,
    damaged: ReadonlySet<string>,
  ): boolean {
    let changed = false;
    const at = this.nowSeconds();
    for (const [key, want] of wanted ?? []) {
      const have = signals[key];
      if (have?.action === 'add' && have.reason === want.reason) {
        if (have.entry !== want.entry) {
          signals[key] = { ...have, entry: want.entry };
          changed = true;
        }
        continue;
      }
      signals[key] = {
        ...want,
        action: 'add',
        state: 'pending',
        held: have?.held ?? false,
        at,
      };
      changed = true;
    }
    for (const [key, have] of Object.entries(signals)) {
      if (wanted?.has(key) === true || have.action === 'withdraw' || damaged.has(have.entry))
        continue;
      changed = true;
      if (!have.held) {
        // Never sent: nothing at the clearinghouse to take back.
        delete signals[key];
        continue;
      }
      signals[key] = {
        company: have.company,
        ...(have.brand === undefined ? {} : { brand: have.brand }),
        entry: have.entry,
        action: 'withdraw',
        reason: have.reason,
        state: 'pending',
        held: true,
        at,
      };
    }
    return changed;
  }

  /** Sends each pending signal; stops at the first sign that the clearinghouse is out of reach. */
  private async send(signals: Record<string, StoredSignal>): Promise<SyncOutcome> {
    let [sent, refused] = [0, 0];
    const pendingKeys = Object.keys(signals)
      .filter((k) => signals[k]!.state === 'pending')
      .sort();
    let seed: Uint8Array | undefined;
    for (const key of pendingKeys) {
      const signal = signals[key]!;
      const now = this.nowSeconds();
      let jws = signal.jws;
      if (jws === undefined || (signal.exp ?? 0) - resignMarginSeconds < now) {
        seed ??= await this.ports.masterSeed();
        jws = await this.sign(seed, signal, now);
        // Written before it is sent: from here on the clearinghouse may hold it.
        signals[key] = {
          ...signal,
          jws,
          exp: now + windowSeconds,
          held: signal.held || signal.action === 'add',
        };
        await this.write(signals);
      }
      const before = signals[key]!;
      try {
        const answer = await this.ports.clearinghouse.submitBlacklist(jws);
        if (before.action === 'withdraw') delete signals[key];
        else {
          const { jws: _jws, exp: _exp, error: _error, ...rest } = before;
          signals[key] = {
            ...rest,
            state: 'sent',
            sha256: answer.sha256,
            counted: answer.counted,
            at: this.nowSeconds(),
          };
        }
        sent++;
      } catch (e) {
        if (!isRefusal(e)) {
          // Out of reach or overloaded: it stays pending, written, for the next sync. A network
          // failure would fail the rest too; a server error may be this message's alone.
          if (e instanceof ApiProblem) continue;
          break;
        }
        const { jws: _jws, exp: _exp, ...rest } = before;
        signals[key] = {
          ...rest,
          state: 'refused',
          error: e.code.slice(0, 64),
          at: this.nowSeconds(),
        };
        refused++;
      }
      await this.write(signals);
    }
    const pending = Object.values(signals).filter((s) => s.state === 'pending').length;
    return { sent, pending, refused };
  }

  private async sign(seed: Uint8Array, signal: StoredSignal, iat: number): Promise<string> {
    const identity = await companyIdentity(seed, signal.company);
    const payload: Payload<'blacklist'> = {
      v: 1,
      iss: identity.pseudonym,
      aud: this.ports.clearinghouseOrigin,
      iat,
      exp: iat + windowSeconds,
      jti: uuidV4(this.ports.randomBytes),
      company: signal.company,
      ...(signal.brand === undefined ? {} : { brand: signal.brand }),
      action: signal.action,
      reason: signal.reason,
    };
    return signMessage('blacklist', payload, identity.keyPair);
  }
}
