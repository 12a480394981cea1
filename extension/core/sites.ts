/**
 * The Assistant on the open web (issue 11): one encrypted record per site in the vault's `sites`
 * table, holding what the site's `/.well-known/gpc.json` says, which consent-management platform
 * its banner came from, what the Assistant answered (and why), whether that worked, the TC string
 * the site recorded afterwards, and the customer's own decision for the site.
 *
 * Record ids are a keyed hash of the site (BLAKE2b keyed with the master seed), not the host name:
 * the vault leaves ids readable, and the list of sites a customer visits is their browsing history.
 *
 * Events that happen while the vault is locked (a banner answered, a gpc.json read) wait in
 * `storage.session` (memory only) and are written at the next unlock; see {@link PendingSiteEvents}.
 */
import * as v from 'valibot';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import { genericHash, ready } from '../../protocol/sodium';
import { gpcSupport, isExempt, type GpcSupport } from './gpc';
import type { ClockPort, RecordStore, SessionCell } from './ports';
import { tcfSummary } from './tcf';

/** The customer's decision for a site: `auto` lets the profile and grants decide. */
export const siteDecisions = ['auto', 'opt-out', 'opt-in', 'leave'] as const;
export type SiteDecision = (typeof siteDecisions)[number];

/** Why the Assistant answered a banner as it did. */
export const bannerReasons = ['default', 'grant', 'customer'] as const;
export type BannerReason = (typeof bannerReasons)[number];

/** What the Assistant does with a site's banner. */
export type BannerAction = 'opt-out' | 'opt-in' | 'leave';

/** How an answer ended: done, tried and failed, or no banner was showing after all. */
export const bannerOutcomes = ['success', 'failure', 'no-popup', 'left-alone'] as const;
export type BannerOutcome = (typeof bannerOutcomes)[number];

/** Why no TC string could be read or decoded. */
export const tcfErrors = ['no-tcf-api', 'empty', 'too-long', 'malformed'] as const;

const site = v.pipe(v.string(), v.minLength(1), v.maxLength(253), v.regex(/^[a-z0-9.:[\]-]+$/));
const platform = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const time = v.pipe(v.number(), v.integer(), v.minValue(0));

export const bannerRecord = v.object({
  platform,
  action: v.picklist(['opt-out', 'opt-in', 'leave']),
  reason: v.picklist(bannerReasons),
  outcome: v.picklist(bannerOutcomes),
  at: time,
  tcf: v.nullable(tcfSummary),
  tcfError: v.nullable(v.picklist(tcfErrors)),
});
export type BannerRecord = v.InferOutput<typeof bannerRecord>;

/** One site's record in the vault. */
export const siteRecord = v.object({
  site,
  decision: v.picklist(siteDecisions),
  gpc: v.nullable(gpcSupport),
  banner: v.nullable(bannerRecord),
  updatedAt: time,
});
export type SiteRecord = v.InferOutput<typeof siteRecord>;

/** What happened on a site, to be written to its record. */
export const siteEvent = v.variant('kind', [
  v.object({ kind: v.literal('banner'), site, banner: bannerRecord }),
  v.object({ kind: v.literal('gpc'), site, gpc: gpcSupport }),
]);
export type SiteEvent = v.InferOutput<typeof siteEvent>;

/** Domain separation of site ids from every other use of the master seed. */
const siteIdContext = 'consent-assistant/site/v1\u0000';

/**
 * The vault id of a site's record: 16 bytes of BLAKE2b keyed with the master seed, base64url.
 *
 * @example
 * ```ts
 * await siteRecordId(masterSeed, 'shop.example') // 'q3L…' (22 characters)
 * ```
 */
export async function siteRecordId(masterSeed: Uint8Array, name: string): Promise<string> {
  await ready();
  return base64urlEncode(genericHash(16, utf8Encode(siteIdContext + name), masterSeed));
}

/**
 * What to do with a banner on `host`: the customer's decision for the site wins; otherwise opt in
 * only on a site exempt by a grant (the same rule as GPC, SPECS "Consent conditions"), and opt out
 * everywhere else.
 *
 * @example
 * ```ts
 * bannerActionFor('shop.example', ['shop.example'], 'auto') // { action: 'opt-in', reason: 'grant' }
 * bannerActionFor('news.example', [], 'auto') // { action: 'opt-out', reason: 'default' }
 * ```
 */
export function bannerActionFor(
  host: string,
  exempt: readonly string[],
  decision: SiteDecision | undefined,
): { action: BannerAction; reason: BannerReason } {
  if (decision !== undefined && decision !== 'auto')
    return { action: decision, reason: 'customer' };
  return isExempt(host, exempt)
    ? { action: 'opt-in', reason: 'grant' }
    : { action: 'opt-out', reason: 'default' };
}

/** What the sites store is handed. */
export interface SitesPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly masterSeed: () => Promise<Uint8Array>;
}

function emptyRecord(name: string, now: number): SiteRecord {
  return { site: name, decision: 'auto', gpc: null, banner: null, updatedAt: now };
}

/**
 * The per-site records (a vault that is locked throws `ERR_VAULT_LOCKED`, as the store does).
 *
 * @example
 * ```ts
 * const sites = new Sites({ store: vault, clock, masterSeed: () => readMasterSeed(vault) });
 * await sites.apply({ kind: 'gpc', site: 'shop.example', gpc });
 * ```
 */
export class Sites {
  constructor(private readonly ports: SitesPorts) {}

  private async id(name: string): Promise<string> {
    return siteRecordId(await this.ports.masterSeed(), name);
  }

  /** The record of `name`, or undefined; a damaged or malformed record throws `ERR_VAULT_RECORD_DAMAGED`. */
  async get(name: string): Promise<SiteRecord | undefined> {
    if (!v.is(site, name)) throw new ProtocolError('ERR_MESSAGE_INVALID', 'not a site');
    const id = await this.id(name);
    const raw = await this.ports.store.get('sites', id);
    if (raw === undefined) return undefined;
    const parsed = v.safeParse(siteRecord, raw);
    if (!parsed.success || parsed.output.site !== name)
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the site record is malformed', {
        table: 'sites',
        id,
      });
    return parsed.output;
  }

  private async update(
    name: string,
    change: (record: SiteRecord) => SiteRecord,
  ): Promise<SiteRecord> {
    const now = this.ports.clock.now();
    const next = { ...change((await this.get(name)) ?? emptyRecord(name, now)), updatedAt: now };
    await this.ports.store.put('sites', await this.id(name), next);
    return next;
  }

  /**
   * Writes one event to its site's record (a banner answer replaces the previous one; so does a
   * gpc.json answer).
   */
  async apply(event: SiteEvent): Promise<SiteRecord> {
    const parsed = v.parse(siteEvent, event);
    return parsed.kind === 'banner'
      ? this.update(parsed.site, (r) => ({ ...r, banner: parsed.banner }))
      : this.update(parsed.site, (r) => ({ ...r, gpc: parsed.gpc }));
  }

  /** The customer's decision for a site (`auto` hands it back to the profile and grants). */
  async decide(name: string, decision: SiteDecision): Promise<SiteRecord> {
    if (!(siteDecisions as readonly string[]).includes(decision))
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'not a site decision');
    return this.update(name, (r) => ({ ...r, decision }));
  }

  /** The last gpc.json answer recorded for `name`, or null (a damaged record reads as none). */
  async gpcOf(name: string): Promise<GpcSupport | null> {
    try {
      return (await this.get(name))?.gpc ?? null;
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return null;
      throw e;
    }
  }

  /** Every record, newest first; damaged or malformed ones are listed by id, never dropped. */
  async list(): Promise<{ items: SiteRecord[]; damaged: string[] }> {
    const { items, damaged } = await this.ports.store.list('sites');
    const out: SiteRecord[] = [];
    const bad = damaged.map((d) => d.id);
    for (const item of items) {
      const parsed = v.safeParse(siteRecord, item.value);
      if (parsed.success) out.push(parsed.output);
      else bad.push(item.id);
    }
    out.sort((a, b) => b.updatedAt - a.updatedAt || a.site.localeCompare(b.site));
    return { items: out, damaged: bad };
  }

  /** The customer's decisions other than `auto`, for the memory-only cache used while locked. */
  async decisions(): Promise<Record<string, Exclude<SiteDecision, 'auto'>>> {
    const out: Record<string, Exclude<SiteDecision, 'auto'>> = {};
    for (const r of (await this.list()).items) if (r.decision !== 'auto') out[r.site] = r.decision;
    return out;
  }
}

/** Events kept while the vault is locked: at most this many (the oldest go first). */
export const maxPendingSiteEvents = 200;

/**
 * Site events waiting for the vault to be unlocked, in a memory-only cell (`storage.session`):
 * never on disk unencrypted, lost when the browser closes, bounded.
 *
 * @example
 * ```ts
 * const pending = new PendingSiteEvents(sessionJson('sites.pending'));
 * await pending.add(event);                 // while locked
 * await pending.flush((e) => sites.apply(e)); // after unlocking
 * ```
 */
export class PendingSiteEvents {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly cell: SessionCell<unknown>) {}

  private async read(): Promise<SiteEvent[]> {
    const raw = await this.cell.read();
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((item) => {
      const parsed = v.safeParse(siteEvent, item);
      return parsed.success ? [parsed.output] : [];
    });
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Keeps `event` until the next {@link flush}. */
  add(event: SiteEvent): Promise<void> {
    return this.serial(async () => {
      const events = [...(await this.read()), v.parse(siteEvent, event)];
      await this.cell.write(events.slice(-maxPendingSiteEvents));
    });
  }

  /** Hands every kept event to `apply`, in order; those that fail stay kept. Returns how many were written. */
  flush(apply: (event: SiteEvent) => Promise<unknown>): Promise<number> {
    return this.serial(async () => {
      const events = await this.read();
      const left: SiteEvent[] = [];
      let written = 0;
      for (const event of events) {
        try {
          await apply(event);
          written++;
        } catch (e) {
          if (!isProtocolError(e)) throw e;
          left.push(event);
        }
      }
      await this.cell.write(left);
      return written;
    });
  }
}
