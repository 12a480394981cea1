/**
 * The customer's profile and blacklist over the encrypted store (issue 6 "Profile and
 * blacklist"). Values are parsed with `protocol/profile` on the way in *and* on the way out: a
 * stored value that no longer parses is reported as damaged, never silently replaced.
 */
import * as v from 'valibot';
import { hexEncode } from '../../protocol/encoding';
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
import type { Channel } from '../../protocol/vocabulary';
import type { ClockPort, DamagedRecord, RandomBytesPort, RecordStore } from './ports';
import { storedRelationship } from './recovery';

/** Where the profile lives in the store. */
const profileId = 'current';

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
 * await prefs.saveProfile({ ...(await prefs.profile()), mode: 'automatic' });
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
    const raw = await this.options.store.get('profile', profileId);
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

  /** Parses and saves a profile (`ERR_PROFILE_INVALID` with the failing path otherwise). */
  async saveProfile(input: unknown): Promise<Profile> {
    const profile = parseProfile(input);
    await this.options.store.put('profile', profileId, profile);
    return profile;
  }

  /**
   * Allows `channels` in the stored profile, and prefers `preferred` if it prefers none
   * ({@link withChannelsAllowed}): the consent window's "allow … in my profile", written once
   * the grant is stored (extension/core/wallet `answer`).
   *
   * @throws ProtocolError `ERR_PROFILE_INVALID` (a channel not of the vocabulary),
   *   `ERR_VAULT_RECORD_DAMAGED` (the stored profile does not parse: nothing is written over it).
   */
  async allowChannels(channels: readonly Channel[], preferred: string): Promise<Profile> {
    return this.saveProfile(withChannelsAllowed(await this.profile(), channels, preferred));
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
   * returned instead of a duplicate. Also answers the two follow-up questions: which active
   * grants the company holds (revoke them?), and whether to ask about the anonymous signal.
   */
  async addToBlacklist(input: unknown): Promise<BlacklistOutcome> {
    const parsed = v.safeParse(blacklistAddition, input);
    if (!parsed.success)
      throw new ProtocolError('ERR_PROFILE_INVALID', 'the blacklist entry is not valid');
    const addition = parsed.output;
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

  /** Removes an entry (damaged ones too: that is the customer's explicit choice). */
  async removeFromBlacklist(id: string): Promise<void> {
    if (!/^[0-9a-f]{32}$/.test(id))
      throw new ProtocolError('ERR_PROFILE_INVALID', 'not a blacklist entry id');
    await this.options.store.delete('blacklist', id);
  }

  /** Records the customer's one-time answer about the anonymous `blacklist` signal. */
  async setSignalChoice(choice: BlacklistSignalChoice): Promise<Profile> {
    if (!(blacklistSignalChoices as readonly string[]).includes(choice))
      throw new ProtocolError('ERR_PROFILE_INVALID', 'unknown signal choice');
    return this.saveProfile({ ...(await this.profile()), blacklistSignal: choice });
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
