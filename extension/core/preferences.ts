/**
 * The customer's profile and blacklist over the encrypted store (issue 6 "Profile and
 * blacklist"). Values are parsed with `protocol/profile` on the way in *and* on the way out: a
 * stored value that no longer parses is reported as damaged, never silently replaced.
 *
 * Two kinds of writer change the profile: the customer's Profile view, which saves the whole copy
 * it loaded earlier, and the Assistant's own read-modify-writes (channels allowed in a consent
 * window, the answer about the blacklist signal). Every write runs in one turn per store
 * ({@link inPreferenceTurn}), and the view's save names the {@link ProfileRevision} it was edited
 * from: a save over a copy that is no longer the stored one is refused (`ERR_PROFILE_CHANGED`),
 * never written over what was changed meanwhile (DESIGN section 3: nothing is lost).
 */
import * as v from 'valibot';
import { base64urlEncode, hexEncode, utf8Encode } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import type { Locale } from '../../protocol/i18n';
import {
  blacklistEntry,
  blacklistSignalChoices,
  blacklistTarget,
  brandKey,
  defaultProfile,
  parseBlacklistEntry,
  parseProfile,
  profileLimits,
  type BlacklistEntry,
  type BlacklistReason,
  type BlacklistSignalChoice,
  type BlacklistTarget,
  type Profile,
} from '../../protocol/profile';
import { blacklistReasons } from '../../protocol/messages/rights';
import { text } from '../../protocol/messages/primitives';
import { ready, sha256 } from '../../protocol/sodium';
import type { Channel } from '../../protocol/vocabulary';
import type { ClockPort, DamagedRecord, RandomBytesPort, RecordStore } from './ports';
import { storedRelationship } from './recovery';
import { sameJson } from './canonical-json';
import { inVaultTurn } from './store-turns';

/** Where the profile lives in the store. */
const profileId = 'current';

/**
 * Every write of the profile and the blacklist, one at a time per store: a read-modify-write
 * (channels allowed, the signal answer, a blacklist entry checked against the others) must not
 * read, wait, and then write over what another wrote meanwhile. Only vault reads and writes run
 * in the turn, and nothing in it takes a turn again (a backup restore takes this one too:
 * ./store-turns `inAllVaultTurns`).
 */
function inPreferenceTurn<T>(store: RecordStore, work: () => Promise<T>): Promise<T> {
  return inVaultTurn('preferences', store, work);
}

/**
 * Which stored profile a copy was read from: base64url SHA-256 over the JSON of the stored record
 * (of `null` while none is stored). Derived from the record, not kept beside it, so it changes
 * with every write that changes the profile, a profile stored before revisions existed has one
 * too, and the record keeps its stored form (an older Assistant, or a backup restored into one,
 * reads it as before). Opaque to the UI: it only hands it back with its save.
 */
export type ProfileRevision = string;

/** A profile with the revision of the stored record it was read from (or written as). */
export interface RevisedProfile {
  readonly profile: Profile;
  readonly revision: ProfileRevision;
}

async function revisionOf(raw: unknown): Promise<ProfileRevision> {
  await ready();
  return base64urlEncode(sha256(utf8Encode(JSON.stringify(raw ?? null))));
}

/** What the dashboard sends to add an entry; id and date are the Assistant's. */
export const blacklistAddition = v.strictObject({
  target: blacklistTarget,
  reason: v.picklist(blacklistReasons),
  note: v.optional(text(profileLimits.noteChars)),
});
export type BlacklistAddition = v.InferOutput<typeof blacklistAddition>;

/** The result of blacklisting: the entry, and the two questions the UI asks in the same step. */
export interface BlacklistOutcome {
  readonly entry: BlacklistEntry;
  /** False when an equal entry existed already (nothing was added). */
  readonly added: boolean;
  /**
   * Grants the customer holds for the blacklisted company (sha256 of each active grant): the
   * UI offers to revoke them now. Empty when there are none or the target is a bare brand.
   */
  readonly activeGrants: readonly string[];
  /** True while the customer has not yet answered whether to send the anonymous signal. */
  readonly askSignal: boolean;
}

export interface PreferencesOptions {
  readonly store: RecordStore;
  readonly clock: ClockPort;
  readonly randomBytes: RandomBytesPort;
  /** For the first profile: the UI language and the browser's time zone. */
  readonly defaults: () => { language: Locale; timeZone: string };
}

/**
 * `profile` allowing `channels` as well (after those it allowed, in the order given), with
 * `preferred` as its preferred channel when it prefers none and allows `preferred` now. A
 * preferred channel the customer chose is never replaced.
 *
 * @example
 * ```ts
 * withChannelsAllowed(defaultProfile('de', 'UTC'), ['newsletter'], 'newsletter').channels;
 * // { allowed: ['newsletter'], preferred: 'newsletter' }
 * ```
 */
export function withChannelsAllowed(
  profile: Profile,
  channels: readonly Channel[],
  preferred: string,
): Profile {
  const allowed = [...new Set([...profile.channels.allowed, ...channels])];
  const kept = profile.channels.preferred;
  return {
    ...profile,
    channels: {
      allowed,
      preferred:
        kept === null && (allowed as string[]).includes(preferred) ? (preferred as Channel) : kept,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `newest` with, member by member, what `edited` changed from `base`: a member the edit left as
 * it was takes `newest`'s value; nested objects are compared member by member; lists are whole
 * values (the edit's list wins when it changed the list).
 */
function withMembersReapplied(newest: unknown, base: unknown, edited: unknown): unknown {
  if (!isRecord(newest) || !isRecord(base) || !isRecord(edited))
    return sameJson(edited, base) ? newest : edited;
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(newest), ...Object.keys(edited)])) {
    const value = withMembersReapplied(newest[k], base[k], edited[k]);
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/**
 * The profile the Profile view shows again when its save was refused as stale
 * (`ERR_PROFILE_CHANGED`): the `newest` stored profile with the customer's unsaved edits (what
 * turned `base`, the copy the view loaded, into `edited`) applied over it. Members the edit did
 * not touch take the newest value; allowed channels merge as a set (channels a consent window
 * allowed meanwhile stay, channels the customer added or removed are added or removed); where
 * both changed the same member, the customer's edit wins, for the customer to check and save
 * again. Nothing is written: the view saves the result over the newest revision.
 *
 * @example
 * ```ts
 * const base = defaultProfile('en', 'UTC');
 * const newest = withChannelsAllowed(base, ['sms'], '');
 * withEditsReapplied(newest, base, { ...base, mode: 'automatic' });
 * // { ...base, mode: 'automatic', channels: { allowed: ['sms'], preferred: null } }
 * ```
 */
export function withEditsReapplied(newest: Profile, base: Profile, edited: Profile): Profile {
  const merged = withMembersReapplied(newest, base, edited) as Profile;
  const removed = new Set(
    base.channels.allowed.filter((c) => !edited.channels.allowed.includes(c)),
  );
  const allowed = [
    ...new Set([
      ...newest.channels.allowed.filter((c) => !removed.has(c)),
      ...edited.channels.allowed.filter((c) => !base.channels.allowed.includes(c)),
    ]),
  ];
  const preferred = merged.channels.preferred;
  return {
    ...merged,
    channels: {
      allowed,
      preferred: preferred !== null && allowed.includes(preferred) ? preferred : null,
    },
  };
}

function sameTarget(a: BlacklistTarget, b: BlacklistTarget): boolean {
  if (a.kind === 'company' || b.kind === 'company')
    return a.kind === b.kind && a.company === b.company;
  return brandKey(a.brand) === brandKey(b.brand) && a.company === b.company;
}

/**
 * Profile and blacklist of one unlocked vault.
 *
 * @example
 * ```ts
 * const prefs = new Preferences({ store: vault, clock, randomBytes, defaults });
 * const { profile, revision } = await prefs.profileWithRevision();
 * await prefs.saveProfile({ ...profile, mode: 'automatic' }, revision);
 * const { activeGrants, askSignal } = await prefs.addToBlacklist({ target, reason: 'too_frequent' });
 * ```
 */
export class Preferences {
  constructor(private readonly options: PreferencesOptions) {}

  /**
   * The stored profile, or the default profile when none was saved yet. A stored profile that
   * does not parse: `ERR_VAULT_RECORD_DAMAGED` with `{table: 'profile', id: 'current'}`.
   */
  async profile(): Promise<Profile> {
    return this.parsed(await this.options.store.get('profile', profileId));
  }

  /**
   * The stored profile as {@link profile} reads it, with its revision: what an editor hands back
   * to {@link saveProfile}. Both come from one read of the record.
   */
  async profileWithRevision(): Promise<RevisedProfile> {
    const raw = await this.options.store.get('profile', profileId);
    return { profile: this.parsed(raw), revision: await revisionOf(raw) };
  }

  /**
   * Parses and saves a whole profile the customer edited from the copy of revision `basedOn`
   * ({@link profileWithRevision}). The stored profile is replaced only while it is still that
   * revision: changed meanwhile (channels allowed in a consent window, another dashboard's save),
   * the save is refused and nothing is written.
   *
   * @throws ProtocolError `ERR_PROFILE_INVALID` (with the failing path), `ERR_PROFILE_CHANGED`
   *   (the stored profile is no longer revision `basedOn`), `ERR_VAULT_RECORD_DAMAGED`.
   * @example
   * ```ts
   * const { profile, revision } = await prefs.profileWithRevision();
   * await prefs.saveProfile({ ...profile, mode: 'automatic' }, revision);
   * ```
   */
  async saveProfile(input: unknown, basedOn: ProfileRevision): Promise<RevisedProfile> {
    const profile = parseProfile(input);
    return inPreferenceTurn(this.options.store, async () => {
      const raw = await this.options.store.get('profile', profileId);
      if ((await revisionOf(raw)) !== basedOn)
        throw new ProtocolError('ERR_PROFILE_CHANGED', 'the profile was changed meanwhile');
      return this.write(profile);
    });
  }

  /**
   * Allows `channels` in the stored profile, and prefers `preferred` if it prefers none
   * ({@link withChannelsAllowed}): the consent window's "allow … in my profile", written once
   * the grant is stored (extension/core/wallet `answer`).
   *
   * Applied to the newest stored profile, in the turn: a Profile view open meanwhile cannot
   * save its older copy over it (its save is refused, {@link saveProfile}).
   *
   * @throws ProtocolError `ERR_PROFILE_INVALID` (a channel not of the vocabulary),
   *   `ERR_VAULT_RECORD_DAMAGED` (the stored profile does not parse: nothing is written over it).
   */
  async allowChannels(channels: readonly Channel[], preferred: string): Promise<RevisedProfile> {
    return this.updateProfile((profile) => withChannelsAllowed(profile, channels, preferred));
  }

  /**
   * Every blacklist entry, newest first, and the records that are damaged (did not decrypt or
   * no longer parse): shown, never dropped.
   */
  async blacklist(): Promise<{ entries: BlacklistEntry[]; damaged: DamagedRecord[] }> {
    const { items, damaged } = await this.options.store.list('blacklist');
    const entries: BlacklistEntry[] = [];
    const all = [...damaged];
    for (const { id, value } of items) {
      const parsed = v.safeParse(blacklistEntry, value);
      if (parsed.success && parsed.output.id === id) entries.push(parsed.output);
      else all.push({ table: 'blacklist', id });
    }
    entries.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id));
    return { entries, damaged: all };
  }

  /**
   * Adds an entry (id: 16 random bytes in hex; date: now). An entry with the same target is
   * returned instead of a duplicate (two asked for at once included: they run one at a time).
   * Also answers the two follow-up questions: which active grants the company holds (revoke
   * them?), and whether to ask about the anonymous signal.
   */
  async addToBlacklist(input: unknown): Promise<BlacklistOutcome> {
    const parsed = v.safeParse(blacklistAddition, input);
    if (!parsed.success)
      throw new ProtocolError('ERR_PROFILE_INVALID', 'the blacklist entry is not valid');
    const addition = parsed.output;
    return inPreferenceTurn(this.options.store, () => this.addNow(addition));
  }

  private async addNow(addition: BlacklistAddition): Promise<BlacklistOutcome> {
    const { entries } = await this.blacklist();
    if (entries.length >= profileLimits.blacklistEntries)
      throw new ProtocolError('ERR_PROFILE_INVALID', 'the blacklist is full');
    const existing = entries.find((e) => sameTarget(e.target, addition.target));
    const profile = await this.profile();
    const company = addition.target.company;
    const activeGrants = company === undefined ? [] : await this.activeGrantsOf(company);
    const askSignal = profile.blacklistSignal === 'ask';
    if (existing !== undefined) return { entry: existing, added: false, activeGrants, askSignal };
    const entry = parseBlacklistEntry({
      id: hexEncode(this.options.randomBytes(16)),
      target: addition.target,
      reason: addition.reason satisfies BlacklistReason,
      ...(addition.note === undefined ? {} : { note: addition.note }),
      at: Math.floor(this.options.clock.now() / 1000),
    });
    await this.options.store.addMany('blacklist', [{ id: entry.id, value: entry }]);
    return { entry, added: true, activeGrants, askSignal };
  }

  /**
   * Removes an entry (damaged ones too: that is the customer's explicit choice), in the turn: an
   * add of the same brand under way (which reads the entries to make no second one) or a backup
   * restore ends first, so the entry is gone afterwards.
   */
  async removeFromBlacklist(id: string): Promise<void> {
    if (!/^[0-9a-f]{32}$/.test(id))
      throw new ProtocolError('ERR_PROFILE_INVALID', 'not a blacklist entry id');
    await inPreferenceTurn(this.options.store, () => this.options.store.delete('blacklist', id));
  }

  /**
   * Records the customer's one-time answer about the anonymous `blacklist` signal, in the newest
   * stored profile (as {@link allowChannels}).
   */
  async setSignalChoice(choice: BlacklistSignalChoice): Promise<RevisedProfile> {
    if (!(blacklistSignalChoices as readonly string[]).includes(choice))
      throw new ProtocolError('ERR_PROFILE_INVALID', 'unknown signal choice');
    return this.updateProfile((profile) => ({ ...profile, blacklistSignal: choice }));
  }

  /**
   * Changes the newest stored profile with `change`, in the turn: the Assistant's own
   * read-modify-writes, which never fail for what was written before them.
   */
  private updateProfile(change: (profile: Profile) => unknown): Promise<RevisedProfile> {
    return inPreferenceTurn(this.options.store, async () =>
      this.write(parseProfile(change(await this.profile()))),
    );
  }

  private async write(profile: Profile): Promise<RevisedProfile> {
    await this.options.store.put('profile', profileId, profile);
    return { profile, revision: await revisionOf(profile) };
  }

  private parsed(raw: unknown): Profile {
    if (raw === undefined) {
      const { language, timeZone } = this.options.defaults();
      try {
        return defaultProfile(language, timeZone);
      } catch (_e) {
        // A browser reporting a zone our parser does not know must not block onboarding.
        return defaultProfile(language, 'UTC');
      }
    }
    try {
      return parseProfile(raw);
    } catch (_e) {
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the stored profile is malformed', {
        table: 'profile',
        id: profileId,
      });
    }
  }

  /** sha256 of each active grant held by `company`, from the recovered relationships. */
  private async activeGrantsOf(company: string): Promise<string[]> {
    const { items } = await this.options.store.list('relationships');
    const grants: string[] = [];
    for (const { value } of items) {
      const parsed = v.safeParse(storedRelationship, value);
      if (!parsed.success || parsed.output.company.id !== company) continue;
      for (const g of parsed.output.grants) if (g.status === 'active') grants.push(g.sha256);
    }
    return grants;
  }
}
