/**
 * The Assistant's inbox (issue 8 "In the extension"): for every pseudonym with a grant, fetch the
 * relay inbox (signed GET), open the seal, verify, decide with the filter engine
 * (`protocol/filter`), store encrypted in the vault, and only then acknowledge. Rewards go to the
 * ledger (./ledger); violations become complaint drafts (./complaints).
 *
 * Idempotent by construction: every item is keyed by its inbox id (the SHA-256 of the relayed
 * JWS); the vault is written before the acknowledgement, and an item already stored is only
 * acknowledged again. A sync interrupted between the two (offline, worker stopped) re-fetches the
 * same items next time and stores none of them twice.
 *
 * Held offers are decided again when their `holdUntil` has come ({@link OfferInbox.sync} does it
 * first, before fetching); the caller schedules an alarm at {@link SyncResult.nextRelease}.
 *
 * Everything the offers view shows is read from the vault, so it works while the clearinghouse is
 * unreachable. Pure apart from the ports (STYLE habit 2).
 *
 * @example
 * ```ts
 * const inbox = new OfferInbox(ports);
 * const result = await inbox.sync(); // { delivered: [...], held: 1, hidden: 0, rewards: 0, ... }
 * for (const o of result.delivered) notify(o.id, o.content.brand, o.content.title);
 * ```
 */
import * as v from 'valibot';
import {
  ApiProblem,
  type ClearinghouseClient,
  type CompanyEntry,
  type InboxItem,
} from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import {
  isProtocolError,
  ProtocolError,
  protocolErrorCodes,
  type ProtocolErrorCode,
} from '../../protocol/errors';
import {
  activePauses,
  answerSuggestion,
  applyFeedback,
  compileFilter,
  createLearner,
  decide,
  deserializeLearner,
  explainDecision,
  openOffer,
  parseCompanyPauses,
  pauseCompany,
  reasonIds,
  resumeCompany,
  serializeLearner,
  suggestImplicitNegatives,
  violations,
  type CompanyPause,
  type CompanyPauses,
  type CompiledFilter,
  type Decision,
  type FilterGrant,
  type FilterOffer,
  type ImplicitNegative,
  type Learner,
  type OfferFeatures,
} from '../../protocol/filter';
import { activeGrant, localTime } from '../../protocol/grants';
import type { Locale } from '../../protocol/i18n';
import { verifyCompact, type ResolvedKey } from '../../protocol/jws';
import { parseMessage, rewardContent, type Payload } from '../../protocol/messages';
import { compactJws, sha256 } from '../../protocol/messages/primitives';
import {
  contactFeedbacks,
  type BlacklistEntry,
  type BlacklistTarget,
  type ContactFeedback,
  type ContactRecord,
  type Profile,
} from '../../protocol/profile';
import { openSealed } from '../../protocol/seal';
import { openMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import {
  complaintReasonsFor,
  readDrafts,
  signComplaint,
  writeDrafts,
  type ComplaintDraft,
  type ComplaintReason,
} from './complaints';
import { companyIdentity } from './identity';
import { addRewards, readLedger, type LedgerEntry } from './ledger';
import type { ClockPort, RandomBytesPort, RecordStore } from './ports';
import type { WalletRelationship } from './wallet';

/** The clearinghouse calls the inbox makes. */
export type InboxClearinghouse = Pick<
  ClearinghouseClient,
  'fetchInbox' | 'ackInbox' | 'getCompany' | 'submitComplaint'
>;

/** What the inbox is handed. */
export interface InboxPorts {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  readonly clearinghouse: InboxClearinghouse;
  /** The clearinghouse origin: the `aud` of complaints. */
  readonly clearinghouseOrigin: string;
  readonly masterSeed: () => Promise<Uint8Array>;
  /** The wallet's stored relationships (grants and revocations as the vault holds them). */
  readonly relationships: () => Promise<readonly WalletRelationship[]>;
  readonly profile: () => Promise<Profile>;
  readonly blacklist: () => Promise<readonly BlacklistEntry[]>;
}

/** Where the offers and the model live in the vault. */
export const offersRecord = { table: 'profile', id: 'offers' } as const;
export const modelRecord = { table: 'profile', id: 'filter-model' } as const;
/** The inbox's own setting: submit complaint drafts at once (default: the customer reviews). */
export const offerSettingsRecord = { table: 'profile', id: 'offer-settings' } as const;
/**
 * The customer's pauses of companies and answers to suggestions (`protocol/filter/pause.ts`).
 * A fixed record in the `profile` table like the others here: no new vault table, so no Dexie
 * version; it travels with the backup.
 */
export const pausesRecord = { table: 'profile', id: 'company-pauses' } as const;
/** Most offers kept; the oldest answered ones go first. */
export const maxStoredOffers = 2000;
/** Pages of one inbox read per sync (100 items each). */
const maxPages = 20;

export const offerStates = ['delivered', 'held', 'hidden', 'invalid'] as const;
export type OfferState = (typeof offerStates)[number];

const reasonSchema = v.object({
  id: v.picklist(reasonIds),
  params: v.optional(v.record(v.string(), v.union([v.string(), v.number()]))),
});
const decisionSchema = v.object({
  action: v.picklist(['deliver', 'hold', 'drop']),
  holdUntil: v.optional(v.number()),
  reasons: v.array(reasonSchema),
  score: v.optional(v.number()),
  novel: v.optional(v.boolean()),
});
const text = (n: number) => v.pipe(v.string(), v.maxLength(n));
const seconds = v.pipe(v.number(), v.integer(), v.minValue(0));

/** What the customer reads (from the verified inner `offer-content`). */
const offerContentView = v.object({
  brand: text(100),
  category: text(100),
  title: text(200),
  body: text(8000),
  link: v.optional(text(2048)),
  validUntil: seconds,
  advertisement: v.boolean(),
  unsubscribe: text(2048),
});

/** One offer as the vault keeps it. */
export const storedOffer = v.object({
  /** The inbox id: SHA-256 of the outer JWS. */
  id: sha256,
  pseudonym: text(64),
  company: text(64),
  /** The outer JWS as relayed (evidence). */
  outer: compactJws,
  /** The verified inner JWS (evidence); null when it did not open or verify. */
  inner: v.nullable(compactJws),
  /** The engine's input, kept so a held offer is decided again without opening it again. */
  offer: v.nullable(
    v.object({
      id: text(200),
      outer: v.object({
        iss: text(64),
        aud: text(64),
        iat: seconds,
        grantSha256: text(64),
        purpose: text(64),
        channel: text(64),
        validUntil: seconds,
      }),
      inner: v.object({
        iss: text(64),
        aud: text(64),
        grantSha256: text(64),
        purpose: text(64),
        channel: text(64),
        brand: text(100),
        category: text(100),
        validUntil: seconds,
        advertisement: v.boolean(),
        unsubscribe: text(2048),
      }),
    }),
  ),
  content: v.nullable(offerContentView),
  /** When the relay received it (ms) and when the Assistant stored it (s). */
  receivedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
  arrivedAt: seconds,
  /** When it was last decided (s): delivery time for delivered offers. */
  decidedAt: seconds,
  state: v.picklist(offerStates),
  decision: v.nullable(decisionSchema),
  /** For `invalid`: the error code that kept it from being read. */
  error: v.optional(text(64)),
  shownAnyway: v.boolean(),
  seen: v.boolean(),
  feedback: v.optional(v.picklist(contactFeedbacks)),
});
export type StoredOffer = v.InferOutput<typeof storedOffer>;

const offersSchema = v.object({
  v: v.literal(1),
  items: v.pipe(v.array(storedOffer), v.maxLength(maxStoredOffers)),
});

/** What one sync did. */
export interface SyncResult {
  /** Offers delivered in this sync (new or released): the caller notifies these. */
  readonly delivered: StoredOffer[];
  readonly held: number;
  readonly hidden: number;
  readonly invalid: number;
  readonly rewards: number;
  /** Items already stored, acknowledged again (an interrupted sync). */
  readonly duplicates: number;
  /** Complaint drafts created (and submitted, when the setting says so). */
  readonly drafts: number;
  /** Pseudonyms whose inbox could not be read (the clearinghouse refused or did not answer). */
  readonly failed: readonly string[];
  /** The earliest `holdUntil` of a held offer (epoch seconds), or null. */
  readonly nextRelease: number | null;
}

/** What the offers view shows about companies: suggestions (implicit negatives) and pauses. */
export interface CompanyAdvice {
  /** Companies the customer keeps turning away, with a grant still in force, not paused. */
  readonly suggestions: readonly ImplicitNegative[];
  /** Pauses in force now, the soonest to end first. */
  readonly pauses: readonly CompanyPause[];
}

/** One offer for the offers view: the stored offer and its explanation in the customer's language. */
export interface OfferView {
  readonly offer: StoredOffer;
  readonly title: string;
  readonly sentences: readonly string[];
  readonly badge: string | null;
}

/** A number in [0, 2^32) from the master seed: the filter's seed (serendipity draw, hashing). */
function filterSeed(masterSeed: Uint8Array): number {
  return (
    ((masterSeed[0]! << 24) | (masterSeed[1]! << 16) | (masterSeed[2]! << 8) | masterSeed[3]!) >>> 0
  );
}

function payloadOf(jws: string): unknown {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? '')));
}

function unreachable(e: unknown): ProtocolError {
  if (isProtocolError(e)) return e;
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    e instanceof ApiProblem ? e.message : 'the clearinghouse did not answer',
  );
  error.cause = e;
  return error;
}

/**
 * The grants of the stored relationships as the engine reads them (each with the revocations
 * the wallet holds). A record that no longer parses is left out: it cannot cover anything.
 */
export function filterGrants(relationships: readonly WalletRelationship[]): FilterGrant[] {
  const out: FilterGrant[] = [];
  for (const r of relationships) {
    const revocations: Payload<'revocation'>[] = [];
    for (const rev of r.revocations) {
      try {
        revocations.push(parseMessage('revocation', payloadOf(rev.jws)));
      } catch {
        // A revocation the vault cannot read again is ignored; the clearinghouse status stays.
      }
    }
    for (const g of r.grants) {
      try {
        const grant = parseMessage('grant', payloadOf(g.jws));
        const request = r.requests.find((q) => q.sha256 === grant.requestSha256);
        let incentive: string | undefined;
        if (request !== undefined) {
          const p = payloadOf(request.jws) as { incentive?: { type?: unknown } };
          if (typeof p.incentive?.type === 'string') incentive = p.incentive.type;
        }
        out.push({
          sha256: g.sha256,
          active: activeGrant(grant, g.sha256, revocations),
          ...(incentive === undefined ? {} : { incentive }),
        });
      } catch {
        // Unreadable grant: covers nothing.
      }
    }
  }
  return out;
}

/** Companies holding a grant of the customer that is in force at `at` (not wholly revoked). */
function grantedCompanies(grants: readonly FilterGrant[], at: number): Set<string> {
  const out = new Set<string>();
  for (const g of grants) {
    const { grant, revocations } = g.active;
    if (grant.until <= at || revocations.some((r) => r.purposes === undefined && r.at <= at))
      continue;
    out.add(grant.aud);
  }
  return out;
}

/** The contact history the engine reads: the delivered offers, oldest first. */
export function contactHistoryOf(items: readonly StoredOffer[]): ContactRecord[] {
  const out: ContactRecord[] = [];
  for (const o of items) {
    if (o.state !== 'delivered' || o.offer === null) continue;
    out.push({
      company: o.company,
      brand: o.offer.inner.brand,
      channel: o.offer.inner.channel as ContactRecord['channel'],
      category: o.offer.inner.category,
      at: o.decidedAt,
      outcome: 'delivered',
      ...(o.feedback === undefined ? {} : { feedback: o.feedback }),
    });
  }
  return out.sort((a, b) => a.at - b.at).slice(-20_000);
}

/** The learner's view of a stored offer, with its arrival time in the customer's zone. */
function featuresOf(
  o: StoredOffer & { offer: NonNullable<StoredOffer['offer']> },
  timeZone: string,
  grants: readonly FilterGrant[],
): OfferFeatures {
  const local = localTime(o.arrivedAt, timeZone);
  return {
    category: o.offer.inner.category,
    brand: o.offer.inner.brand,
    company: o.company,
    channel: o.offer.inner.channel,
    purpose: o.offer.inner.purpose,
    incentive: grants.find((g) => g.sha256 === o.offer.inner.grantSha256)?.incentive,
    hour: Math.floor(local.minute / 60),
    weekday: local.day,
  };
}

/** A company key for `kid` that is not known to be compromised (the registry's view). */
function keyResolver(company: CompanyEntry): (kid: string) => ResolvedKey | undefined {
  return (kid) => {
    const key = company.keys?.find((k) => k.kid === kid);
    return key === undefined || key.compromisedSince !== null ? undefined : key.jwk;
  };
}

/**
 * The inbox: sync, the offers view's reads, feedback, "show anyway", unsubscribe, complaint
 * drafts, the model. Calls are expected one at a time (the service queues them): each reads the
 * offers record, changes it and writes it back.
 */
export class OfferInbox {
  constructor(private readonly ports: InboxPorts) {}

  private nowSeconds(): number {
    return Math.floor(this.ports.clock.now() / 1000);
  }

  /** Every stored offer (none: empty). */
  async offers(): Promise<StoredOffer[]> {
    const raw = await this.ports.store.get(offersRecord.table, offersRecord.id);
    if (raw === undefined) return [];
    const parsed = v.safeParse(offersSchema, raw);
    if (!parsed.success)
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the stored offers are malformed', {
        table: offersRecord.table,
        id: offersRecord.id,
      });
    return parsed.output.items;
  }

  private async writeOffers(items: readonly StoredOffer[]): Promise<void> {
    let kept = [...items];
    if (kept.length > maxStoredOffers) {
      // Drop the oldest offers that are no longer waiting (held ones are kept to be released).
      const excess = kept.length - maxStoredOffers;
      const removable = new Set(
        kept
          .filter((o) => o.state !== 'held')
          .sort((a, b) => a.arrivedAt - b.arrivedAt)
          .slice(0, excess)
          .map((o) => o.id),
      );
      kept = kept.filter((o) => !removable.has(o.id));
    }
    await this.ports.store.put(offersRecord.table, offersRecord.id, { v: 1, items: kept });
  }

  /** The learner from the vault, or a cold start from the profile's interests. */
  async learner(profile?: Profile): Promise<Learner> {
    const raw = await this.ports.store.get(modelRecord.table, modelRecord.id);
    if (raw !== undefined) return deserializeLearner(raw);
    const p = profile ?? (await this.ports.profile());
    return createLearner({
      seed: filterSeed(await this.ports.masterSeed()),
      interests: p.interests,
    });
  }

  /** Whether complaint drafts are submitted at once (the customer's setting; default no). */
  async autoSubmit(): Promise<boolean> {
    const raw = (await this.ports.store.get(offerSettingsRecord.table, offerSettingsRecord.id)) as
      { autoSubmitComplaints?: unknown } | undefined;
    return raw?.autoSubmitComplaints === true;
  }

  /** Sets {@link OfferInbox.autoSubmit}. */
  async setAutoSubmit(on: boolean): Promise<void> {
    await this.ports.store.put(offerSettingsRecord.table, offerSettingsRecord.id, {
      autoSubmitComplaints: on,
    });
  }

  /** Forgets what the model learned: back to the cold start of the profile's interests. */
  async resetModel(): Promise<void> {
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    learner.reset(profile.interests);
    await this.ports.store.put(modelRecord.table, modelRecord.id, serializeLearner(learner));
  }

  /**
   * The customer's pauses and answers (none stored: none).
   *
   * @throws ProtocolError `ERR_VAULT_RECORD_DAMAGED` when the record does not parse.
   */
  async pauses(): Promise<CompanyPauses> {
    const raw = await this.ports.store.get(pausesRecord.table, pausesRecord.id);
    try {
      return parseCompanyPauses(raw);
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the stored pauses are malformed', {
        table: pausesRecord.table,
        id: pausesRecord.id,
      });
    }
  }

  private async writePauses(state: CompanyPauses): Promise<void> {
    await this.ports.store.put(pausesRecord.table, pausesRecord.id, state);
  }

  /**
   * Checks that the vault holds a relationship with `company`.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` when it does not.
   */
  async requireRelationship(company: string): Promise<void> {
    const known = (await this.ports.relationships()).some((r) => r.company.id === company);
    if (!known)
      throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no relationship with this company');
  }

  /**
   * What the view shows about companies now: the implicit negatives (requirements.md point 2)
   * for companies that still hold a grant in force and are not paused, counting only offers
   * delivered after the customer's last answer about the company; and the pauses in force.
   */
  async companyAdvice(): Promise<CompanyAdvice> {
    const now = this.nowSeconds();
    const state = await this.pauses();
    const pauses = activePauses(state, now);
    const paused = new Set(pauses.map((p) => p.company));
    const granted = grantedCompanies(filterGrants(await this.ports.relationships()), now);
    const suggestions = suggestImplicitNegatives(contactHistoryOf(await this.offers()), now, {
      answered: state.answers,
    }).filter((s) => granted.has(s.company) && !paused.has(s.company));
    return { suggestions, pauses };
  }

  /**
   * Pauses `company` for `days` days from now (a cool-down): its offers are hidden with the
   * reason `paused` until then, and flow again by themselves afterwards.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no relationship with the company),
   *   `ERR_PROFILE_INVALID` (days outside 1 to 365), `ERR_VAULT_RECORD_DAMAGED`.
   */
  async pause(company: string, days: number): Promise<CompanyPause> {
    await this.requireRelationship(company);
    const now = this.nowSeconds();
    const state = pauseCompany(await this.pauses(), company, days, now);
    await this.writePauses(state);
    return state.pauses.find((p) => p.company === company)!;
  }

  /** Ends a company's pause now ("resume"); offers sent from now on are decided as usual. */
  async resume(company: string): Promise<void> {
    await this.writePauses(resumeCompany(await this.pauses(), company, this.nowSeconds()));
  }

  /**
   * Records the customer's answer to a suggestion without a pause: `refused` (the grant was
   * revoked) or `dismissed` ("keep receiving"). The suggestion returns only on new evidence.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no relationship with the company).
   */
  async answerSuggestion(company: string, answer: 'refused' | 'dismissed'): Promise<void> {
    await this.requireRelationship(company);
    const now = this.nowSeconds();
    await this.writePauses(answerSuggestion(await this.pauses(), company, answer, now));
  }

  private async compile(
    items: readonly StoredOffer[],
    suspended: readonly string[],
    now: number,
  ): Promise<{ filter: CompiledFilter; learner: Learner; profile: Profile }> {
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    const filter = compileFilter({
      profile,
      blacklist: await this.ports.blacklist(),
      grants: filterGrants(await this.ports.relationships()),
      history: contactHistoryOf(items),
      learner,
      seed: filterSeed(await this.ports.masterSeed()),
      suspended,
      pauses: activePauses(await this.pauses(), now),
    });
    return { filter, learner, profile };
  }

  /**
   * Releases held offers whose time has come, then fetches, opens, decides, stores and
   * acknowledges every pseudonym's inbox. A pseudonym whose inbox cannot be read is listed in
   * `failed`; the others go on.
   *
   * @throws ProtocolError `ERR_VAULT_LOCKED`, `ERR_VAULT_RECORD_DAMAGED` (nothing is written).
   */
  async sync(): Promise<SyncResult> {
    await ready();
    const now = this.nowSeconds();
    const seed = await this.ports.masterSeed();
    const items = await this.offers();
    const byId = new Map(items.map((o) => [o.id, o]));
    const knownRewards = new Set((await readLedger(this.ports.store)).map((e) => e.id));
    const relationships = (await this.ports.relationships()).filter((r) => r.grants.length > 0);

    // The registry entries: keys to verify with, and who is suspended.
    const companies = new Map<string, CompanyEntry>();
    const failed: string[] = [];
    for (const r of relationships) {
      if (companies.has(r.company.id)) continue;
      try {
        companies.set(r.company.id, await this.ports.clearinghouse.getCompany(r.company.id));
      } catch {
        failed.push(r.pseudonym);
      }
    }
    const suspended = [...companies.values()]
      .filter((c) => c.status === 'suspended')
      .map((c) => c.id);
    const { filter, learner, profile } = await this.compile(items, suspended, now);

    // Delivered offers left alone until they expired teach the model a weak "no" (`ignored`).
    const grants = filterGrants(relationships);
    let learned = false;
    for (const o of items) {
      if (o.state !== 'delivered' || o.feedback !== undefined || o.offer === null) continue;
      if (o.offer.inner.validUntil > now) continue;
      applyFeedback(
        learner,
        featuresOf({ ...o, offer: o.offer }, profile.quiet.timeZone, grants),
        'ignored',
      );
      byId.set(o.id, { ...o, feedback: 'ignored' });
      learned = true;
    }
    if (learned)
      await this.ports.store.put(modelRecord.table, modelRecord.id, serializeLearner(learner));

    const delivered: StoredOffer[] = [];
    const draftsAdded: ComplaintDraft[] = [];
    let hidden = 0;
    let invalid = 0;
    let duplicates = 0;

    const place = (o: StoredOffer, decision: Decision): StoredOffer => {
      const state: OfferState =
        decision.action === 'deliver'
          ? 'delivered'
          : decision.action === 'hold'
            ? 'held'
            : 'hidden';
      const next: StoredOffer = {
        ...o,
        state,
        decision: decision as StoredOffer['decision'],
        decidedAt: now,
      };
      if (state === 'delivered') {
        filter.record({
          company: o.company,
          brand: o.offer!.inner.brand,
          channel: o.offer!.inner.channel as ContactRecord['channel'],
          category: o.offer!.inner.category,
          at: now,
          outcome: 'delivered',
        });
        delivered.push(next);
      } else if (state === 'hidden') hidden++;
      return next;
    };

    // 1. Held offers whose time has come are decided again.
    for (const o of items) {
      if (o.state !== 'held' || o.offer === null) continue;
      if ((o.decision?.holdUntil ?? 0) > now) continue;
      byId.set(o.id, place(o, decide(filter, o.offer as FilterOffer, now)));
    }

    // 2. Every inbox.
    const rewards: LedgerEntry[] = [];
    const acks: { pseudonym: string; keyPair: Parameters<typeof openOffer>[1]; through: string }[] =
      [];
    for (const r of relationships) {
      const company = companies.get(r.company.id);
      if (company === undefined) continue;
      const identity = await companyIdentity(seed, r.company.id);
      const signer = { id: identity.pseudonym, keyPair: identity.keyPair };
      const resolveKey = keyResolver(company);
      let after: string | undefined;
      for (let page = 0; page < maxPages; page++) {
        let got: InboxItem[];
        try {
          got = (await this.ports.clearinghouse.fetchInbox(signer, after, 100)).items;
        } catch {
          // Offline or refused: this inbox waits for the next sync (nothing was taken from it).
          failed.push(r.pseudonym);
          break;
        }
        if (!Array.isArray(got) || got.length === 0) break;
        for (const item of got) {
          if (byId.has(item.id) || knownRewards.has(item.id)) {
            duplicates++;
            continue;
          }
          if (item.kind === 'reward') {
            const entry = await this.openReward(item, identity, resolveKey, now);
            knownRewards.add(item.id);
            if (entry !== null) rewards.push(entry);
            else invalid++;
            continue;
          }
          const opened = await this.openOne(item, identity, r.company.id, resolveKey, now);
          if (opened.state === 'invalid') {
            invalid++;
            byId.set(item.id, opened);
          } else {
            byId.set(item.id, place(opened, decide(filter, opened.offer as FilterOffer, now)));
          }
          const draft = this.draftFor(byId.get(item.id)!, now);
          if (draft !== null) draftsAdded.push(draft);
        }
        after = got[got.length - 1]!.cursor;
        if (got.length < 100) break;
      }
      if (after !== undefined)
        acks.push({ pseudonym: identity.pseudonym, keyPair: identity.keyPair, through: after });
    }

    // 3. Stored before acknowledged: a sync cut off here re-fetches and finds them known.
    await this.writeOffers([...byId.values()]);
    const newRewards = await addRewards(this.ports.store, rewards);
    if (draftsAdded.length > 0) {
      const all = await readDrafts(this.ports.store);
      const known = new Set(all.map((d) => d.id));
      await writeDrafts(this.ports.store, [...all, ...draftsAdded.filter((d) => !known.has(d.id))]);
    }
    for (const a of acks) {
      try {
        await this.ports.clearinghouse.ackInbox(
          { id: a.pseudonym, keyPair: a.keyPair },
          { through: a.through },
        );
      } catch {
        // Not acknowledged (offline): fetched again next time, and recognised as stored.
      }
    }
    if (draftsAdded.length > 0 && (await this.autoSubmit())) {
      for (const d of draftsAdded) {
        try {
          await this.submitComplaint(d.id);
        } catch (e) {
          if (!isProtocolError(e)) throw e;
        }
      }
    }
    const stillHeld = [...byId.values()].filter((o) => o.state === 'held');
    const releases = stillHeld.map((o) => o.decision?.holdUntil ?? now);
    return {
      delivered,
      held: stillHeld.length,
      hidden,
      invalid,
      rewards: newRewards,
      duplicates,
      drafts: draftsAdded.length,
      failed,
      nextRelease: releases.length === 0 ? null : Math.min(...releases),
    };
  }

  /** Opens and verifies one offer; an offer that cannot be read is kept as `invalid`. */
  private async openOne(
    item: { id: string; jws: string; receivedAt: number },
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    company: string,
    resolveKey: (kid: string) => ResolvedKey | undefined,
    now: number,
  ): Promise<StoredOffer> {
    const base = {
      id: item.id,
      pseudonym: identity.pseudonym,
      company,
      outer: item.jws,
      receivedAt: Math.max(0, Math.floor(item.receivedAt)),
      arrivedAt: now,
      decidedAt: now,
      shownAnyway: false,
      seen: false,
    };
    try {
      const opened = await openOffer(item.jws, identity.keyPair, {
        resolveKey,
        now,
        audience: identity.pseudonym,
      });
      const c = opened.inner;
      if (c.iss !== company) throw new ProtocolError('ERR_MESSAGE_ISSUER_MISMATCH', 'not ours');
      return {
        ...base,
        inner: opened.innerToken,
        offer: opened.offer as StoredOffer['offer'],
        content: {
          brand: c.brand,
          category: c.category,
          title: c.title,
          body: c.body,
          ...(c.link === undefined ? {} : { link: c.link }),
          validUntil: c.validUntil,
          advertisement: c.advertisement,
          unsubscribe: c.unsubscribe,
        },
        state: 'hidden',
        decision: null,
      };
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      const missing = await this.missingRequiredFields(item.jws, identity, resolveKey, now, e);
      return {
        ...base,
        inner: null,
        offer: null,
        content: null,
        state: 'invalid',
        decision:
          missing.length === 0
            ? null
            : {
                action: 'drop',
                reasons: missing.map((id) => ({ id })),
              },
        error: e.code,
      };
    }
  }

  /**
   * For an offer whose inner content fails its schema: when both signatures are the company's,
   * the missing unsubscribe route or advertisement label is the company's doing (a violation the
   * outer `offer` proves to the clearinghouse). Anything else is blamed on nobody.
   */
  private async missingRequiredFields(
    outer: string,
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    resolveKey: (kid: string) => ResolvedKey | undefined,
    now: number,
    error: ProtocolError,
  ): Promise<('unsubscribe_missing' | 'advertisement_label_missing')[]> {
    if (error.code !== 'ERR_MESSAGE_INVALID') return [];
    try {
      const opened = await openMessage('offer', outer, {
        audience: identity.pseudonym,
        resolveKey,
        now,
        asOf: 'iat',
      });
      const plaintext = utf8Decode(
        openSealed(base64urlDecode(opened.payload.sealed), identity.keyPair),
      );
      const inner = await verifyCompact(plaintext, {
        kind: 'offer-content',
        audience: identity.pseudonym,
        resolveKey,
        now,
        asOf: 'iat',
        maxWindowSeconds: 90 * 86_400,
      });
      const p = inner.payload as Record<string, unknown>;
      if (p.iss !== opened.payload.iss) return [];
      const out: ('unsubscribe_missing' | 'advertisement_label_missing')[] = [];
      if (typeof p.unsubscribe !== 'string' || p.unsubscribe === '')
        out.push('unsubscribe_missing');
      if (p.advertisement === undefined) out.push('advertisement_label_missing');
      return out;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      return [];
    }
  }

  /** Opens a reward into a ledger entry; null when it does not verify or parse. */
  private async openReward(
    item: { id: string; jws: string },
    identity: Awaited<ReturnType<typeof companyIdentity>>,
    resolveKey: (kid: string) => ResolvedKey | undefined,
    now: number,
  ): Promise<LedgerEntry | null> {
    try {
      const opened = await openMessage('reward', item.jws, {
        audience: identity.pseudonym,
        resolveKey,
        now,
        asOf: 'iat',
      });
      const plaintext = utf8Decode(
        openSealed(base64urlDecode(opened.payload.sealed), identity.keyPair),
      );
      const content = v.parse(rewardContent, JSON.parse(plaintext));
      return {
        id: item.id,
        company: opened.payload.iss,
        pseudonym: identity.pseudonym,
        grantSha256: opened.payload.grantSha256,
        content,
        at: now,
        jws: item.jws,
      };
    } catch (e) {
      if (isProtocolError(e) || e instanceof SyntaxError || e instanceof v.ValiError) return null;
      throw e;
    }
  }

  /** The draft for a stored offer whose decision names a violation; null when it names none. */
  private draftFor(o: StoredOffer, now: number): ComplaintDraft | null {
    if (o.decision === null) return null;
    const found = violations(o.decision.reasons as Decision['reasons']);
    if (found.length === 0) return null;
    const reasons: ComplaintReason[] = complaintReasonsFor(found);
    if (reasons.length === 0) return null;
    const evidence: ComplaintDraft['evidence'] =
      o.inner === null
        ? [{ kind: 'offer', jws: o.outer }]
        : found.some((r) => r.id === 'outer_inner_mismatch')
          ? [
              { kind: 'offer', jws: o.outer },
              { kind: 'offer-content', jws: o.inner },
            ]
          : [{ kind: 'offer-content', jws: o.inner }];
    return {
      id: o.id,
      company: o.company,
      pseudonym: o.pseudonym,
      reasons,
      evidence,
      createdAt: now,
      state: 'draft',
    };
  }

  /**
   * The offers for the view, newest first, each with "why am I seeing this" / "why was this
   * hidden" in `locale`; `markSeen` clears the badge.
   */
  async view(locale: Locale, markSeen: boolean): Promise<OfferView[]> {
    const items = await this.offers();
    let timeZone: string | undefined;
    try {
      timeZone = (await this.ports.profile()).quiet.timeZone;
    } catch (e) {
      if (!isProtocolError(e)) throw e;
    }
    if (markSeen && items.some((o) => o.state === 'delivered' && !o.seen))
      await this.writeOffers(
        items.map((o) => (o.state === 'delivered' ? { ...o, seen: true } : o)),
      );
    return [...items]
      .sort((a, b) => b.arrivedAt - a.arrivedAt || (a.id < b.id ? -1 : 1))
      .map((offer) => {
        if (offer.decision === null)
          return { offer, title: '', sentences: [], badge: null } satisfies OfferView;
        const e = explainDecision(
          offer.decision as Decision,
          locale,
          timeZone === undefined ? {} : { timeZone },
        );
        return { offer, title: e.title, sentences: e.sentences, badge: e.badge ?? null };
      });
  }

  /** Delivered offers the customer has not looked at yet (the badge). */
  async unseen(): Promise<number> {
    return (await this.offers()).filter((o) => o.state === 'delivered' && !o.seen).length;
  }

  private async change(
    id: string,
    edit: (o: StoredOffer) => StoredOffer,
  ): Promise<{ before: StoredOffer; after: StoredOffer }> {
    const items = await this.offers();
    const index = items.findIndex((o) => o.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer in the vault');
    const before = items[index]!;
    const after = edit(before);
    items[index] = after;
    await this.writeOffers(items);
    return { before, after };
  }

  /** "Show anyway" for a hidden or held offer (the decision and its reasons stay). */
  async showAnyway(id: string): Promise<StoredOffer> {
    return (await this.change(id, (o) => ({ ...o, shownAnyway: true, seen: true }))).after;
  }

  /**
   * The customer's answer to an offer: stored with it, learned by the model (stored in the
   * vault), and for "not this brand" (`blocked`) the blacklist target to add.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND`, or `ERR_MESSAGE_INVALID` for an offer that could
   *   not be read (nothing to learn from).
   */
  async feedback(
    id: string,
    feedback: ContactFeedback,
  ): Promise<{ offer: StoredOffer; blacklist: BlacklistTarget | null }> {
    const items = await this.offers();
    const found = items.find((o) => o.id === id);
    if (found === undefined) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer');
    if (found.offer === null)
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'an unreadable offer takes no feedback');
    const profile = await this.ports.profile();
    const learner = await this.learner(profile);
    const grants = filterGrants(await this.ports.relationships());
    const effect = applyFeedback(
      learner,
      featuresOf({ ...found, offer: found.offer }, profile.quiet.timeZone, grants),
      feedback,
    );
    await this.ports.store.put(modelRecord.table, modelRecord.id, serializeLearner(learner));
    const { after } = await this.change(id, (o) => ({ ...o, feedback, seen: true }));
    return { offer: after, blacklist: effect.blacklist ?? null };
  }

  /**
   * What unsubscribing from an offer revokes: the offer's purpose under its grant. A revocation
   * names purposes, not channels (`unsubscribeChange` would need a new, narrower grant, which only
   * a new grant request from the company can start), so the purpose stops on every channel; the
   * grant's other purposes stay.
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND`, `ERR_GRANT_UNKNOWN` (the grant is not in the vault).
   */
  async unsubscribeTarget(
    id: string,
  ): Promise<{ company: string; grantSha256: string; purposes: string[] }> {
    const found = (await this.offers()).find((o) => o.id === id);
    if (found === undefined || found.offer === null)
      throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no such offer');
    const grantSha256 = found.offer.inner.grantSha256;
    const held = (await this.ports.relationships()).some((r) =>
      r.grants.some((g) => g.sha256 === grantSha256 && r.company.id === found.company),
    );
    if (!held) throw new ProtocolError('ERR_GRANT_UNKNOWN', 'the grant is not in the vault');
    return { company: found.company, grantSha256, purposes: [found.offer.inner.purpose] };
  }

  /** Every complaint draft, newest first. */
  async drafts(): Promise<ComplaintDraft[]> {
    return [...(await readDrafts(this.ports.store))].sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Signs and submits the draft for offer `id`; the draft records the complaint's hash, or the
   * refusal's code (the draft stays, to try again).
   *
   * @throws ProtocolError `ERR_RESOURCE_NOT_FOUND` (no such draft), the clearinghouse's code.
   */
  async submitComplaint(id: string, comment?: string): Promise<ComplaintDraft> {
    await ready();
    const all = await readDrafts(this.ports.store);
    const index = all.findIndex((d) => d.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no complaint draft for this');
    const draft = all[index]!;
    if (draft.state === 'submitted') return draft;
    const identity = await companyIdentity(await this.ports.masterSeed(), draft.company);
    const jws = await signComplaint(
      draft,
      identity.keyPair,
      {
        audience: this.ports.clearinghouseOrigin,
        iat: this.nowSeconds(),
        randomBytes: this.ports.randomBytes,
      },
      comment,
    );
    let next: ComplaintDraft;
    let failure: ProtocolError | undefined;
    try {
      const receipt = await this.ports.clearinghouse.submitComplaint(jws);
      next = { ...draft, state: 'submitted', sha256: receipt.sha256 };
      delete (next as { error?: string }).error;
    } catch (e) {
      failure =
        e instanceof ApiProblem && (protocolErrorCodes as readonly string[]).includes(e.code)
          ? new ProtocolError(e.code as ProtocolErrorCode, e.message)
          : unreachable(e);
      next = { ...draft, error: failure.code };
    }
    all[index] = next;
    await writeDrafts(this.ports.store, all);
    if (failure !== undefined) throw failure;
    return next;
  }

  /** Discards a draft the customer does not want to send. */
  async discardComplaint(id: string): Promise<void> {
    const all = await readDrafts(this.ports.store);
    const index = all.findIndex((d) => d.id === id);
    if (index < 0) throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'no complaint draft for this');
    if (all[index]!.state === 'submitted') return;
    all[index] = { ...all[index]!, state: 'discarded' };
    await writeDrafts(this.ports.store, all);
  }
}
