/**
 * The company's signing keys, kept in a local file (`data/company-key.json`, mode 0600) so the
 * site keeps its identity across restarts: the company id is `co_` + the thumbprint of the key it
 * first registered with and never changes, even when that key is replaced (SPECS "company id").
 * A real company keeps these keys in its secret store; they never leave the company's servers.
 *
 * A key is replaced in two steps at the clearinghouse (docs/api.md "Company keys"): the new key is
 * added (signed by the current one), then the old one is retired or declared compromised (signed
 * by the new one). The file keeps where a replacement stands, so a crash or an unreachable
 * clearinghouse between the steps leaves one that the next start finishes (key-replacement.ts):
 *
 * - step `add`: the new key is created and flushed to the disk before the clearinghouse hears of
 *   it (a key it holds that the site lost would be a key nobody can use); the current key still
 *   signs;
 * - step `end`: the clearinghouse holds the new key, which signs from then on; the old key is not
 *   yet retired there.
 *
 * What a replaced key is still needed for: its private part opens the corrections sealed to it.
 * An Assistant seals a correction to the company's first current key as it last read the registry
 * (docs/api.md "Relay"), which is the old one until its end is stored, keeps the sealed value,
 * and may send it much later (extension/core/wallet.ts seals once and resends until the
 * clearinghouse takes it); a correction then waits in the list until the site reads it. Nothing
 * else needs it: the site signs only with its current key, a kept answer signed with an old key
 * is signed anew (obligations.ts), and the replacement's step `end` is signed by the new key.
 *
 * So a replaced key's private part is deleted ({@link SiteKeyring.prune}) only once all of this
 * holds (relay.ts checks the last point after each complete read of the corrections):
 *
 * - no replacement under way names it (step `add` still signs with it, step `end` declares it);
 * - the clearinghouse retired it at least the grace period ago (`replacedKeyGraceMs`, default
 *   {@link defaultReplacedKeyGraceMs}): an Assistant that read the registry before had that long
 *   to send what it sealed to it;
 * - no correction left waiting in the list (its pseudonym no customer yet) opens with it.
 *
 * Its thumbprint stays in the file (`pruned`), so a compromise found out later can still be
 * declared ({@link SiteKeyring.beginReplacement}): that needs the current key only. A correction
 * that arrives sealed to a deleted key opens with no key held: relay.ts acknowledges it as one that
 * can never apply, and logs it; the customer corrects again.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { keyPairFromSeed, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import { createFile, replaceFile } from './durable-file';

/** The company's identity as the site uses it: the key that signs now. */
export interface SiteIdentity {
  readonly keyPair: Ed25519KeyPair;
  /** RFC 7638 thumbprint of the public key: the `kid` and the proof file's entry. */
  readonly kid: string;
  /** `co_` + the thumbprint of the key the company first registered with. */
  readonly companyId: string;
}

/**
 * A key replacement under way. `compromisedSince` (seconds): the replaced key is declared
 * compromised since then rather than retired.
 */
export type KeyReplacement =
  | { readonly step: 'add'; readonly next: SiteIdentity; readonly compromisedSince?: number }
  | { readonly step: 'end'; readonly replacedKid: string; readonly compromisedSince?: number };

/** The company's keys, as kept in its key file. */
export interface SiteKeyring {
  readonly companyId: string;
  /** The key that signs now (another one once a replacement reached its step `end`). */
  current(): SiteIdentity;
  /** Every private key held, the current one first: what was sealed to a replaced key opens. */
  secrets(): readonly Ed25519KeyPair[];
  /**
   * The replaced keys whose private part may go once no waiting correction is sealed to them:
   * retired at the clearinghouse at least the grace period ago, and named by no replacement under
   * way (see the module's comment). Newest first.
   */
  prunable(): readonly SiteIdentity[];
  /**
   * Deletes the private part of each key of `kids` that is {@link SiteKeyring.prunable} now (any
   * other is left as it is), keeping its thumbprint; returns the thumbprints of those deleted.
   *
   * @throws the file system's error; nothing changed then.
   */
  prune(kids: readonly string[]): string[];
  /** The thumbprints of the replaced keys whose private part was deleted. */
  pruned(): readonly string[];
  /** The replacement under way, if any. */
  replacement(): KeyReplacement | undefined;
  /**
   * Starts replacing the key `kid`. The current key: a new key is created and kept (flushed)
   * before anyone hears of it. A replacement of `kid` already under way is kept instead,
   * declaring `kid` compromised since the earlier of both times if either asks. A key replaced
   * before: only its compromise is left to declare (step `end`), or nothing (undefined).
   *
   * @throws KeyReplacementConflict when `kid` is no key held, or another key's replacement is
   *   under way; the file system's error. Nothing changed then.
   */
  beginReplacement(kid: string, compromisedSince?: number): KeyReplacement | undefined;
  /**
   * The clearinghouse holds the new key: it signs from now on (step `end`).
   *
   * @throws the file system's error; nothing changed then.
   */
  promote(): KeyReplacement;
  /**
   * The clearinghouse retired the replaced key (or declared it compromised): nothing is left to do.
   *
   * @throws the file system's error; nothing changed then.
   */
  finish(): void;
}

interface StoredKey {
  /** base64url of the 32-byte Ed25519 seed. */
  seed: string;
  createdAt: string;
  /**
   * When the clearinghouse held the key's end (retired, or declared compromised), as the site
   * learnt it; absent on the current key. A file of the version before this field gets it at
   * its first open (the grace period then starts at the upgrade).
   */
  replacedAt?: string;
}

/** A replaced key whose private part was deleted (keys.ts `prune`). */
interface PrunedKey {
  kid: string;
  replacedAt: string;
  prunedAt: string;
}

/** The file as the first version wrote it, and as long as no key was replaced. */
interface KeyFileV1 extends StoredKey {
  v: 1;
}

type StoredReplacement =
  | (StoredKey & { step: 'add'; compromisedSince?: number })
  | { step: 'end'; kid: string; compromisedSince?: number };

/** The file once a key was replaced (an older site refuses it rather than sign with a wrong id). */
interface KeyFileV2 {
  v: 2;
  companyId: string;
  /** The current key first, then those it replaced (and still holds), newest first. */
  keys: StoredKey[];
  replacement?: StoredReplacement;
  /** Replaced keys whose private part was deleted, oldest first. */
  pruned?: PrunedKey[];
}

/**
 * How long a replaced key's private part is kept at least after the clearinghouse retired it:
 * 90 days. An Assistant seals a correction once and sends it until the clearinghouse takes it,
 * so one that read the registry before the replacement may deliver it much later; the
 * clearinghouse itself waits 30 days for an Assistant that does not fetch its inbox
 * (`inboxRetentionMs`, portal/lib/server/relay.ts), and this is three times that.
 */
const defaultReplacedKeyGraceMs = 90 * 86_400_000;

export interface KeyringOptions {
  /** Default: Date.now. Stamps new and replaced keys, and decides which are prunable. */
  now?: () => number;
  /** Default {@link defaultReplacedKeyGraceMs}. */
  replacedKeyGraceMs?: number;
}

/** A replacement that does not fit the keys held (keys.ts `beginReplacement`). */
export class KeyReplacementConflict extends Error {
  override readonly name = 'KeyReplacementConflict';
  readonly code = 'ERR_KEY_REPLACEMENT_CONFLICT';
}

/** The key file does not read as a key file of this site: the site stops rather than guess. */
export class KeyFileInvalid extends Error {
  override readonly name = 'KeyFileInvalid';
  readonly code = 'ERR_KEY_FILE_INVALID';
}

/**
 * Loads the keys from `<dataDir>/company-key.json`, or creates the first one there (random seed,
 * file mode 0600, created exclusively so two starts never write two keys, and flushed to the disk).
 *
 * @throws KeyFileInvalid when the file is not a key file of this site.
 *
 * @example
 * ```ts
 * const keyring = await openKeyring('test/company-site/data');
 * const { companyId, keyPair } = keyring.current();
 * ```
 */
export async function openKeyring(
  dataDir: string,
  options: KeyringOptions = {},
): Promise<SiteKeyring> {
  await ready();
  const now = options.now ?? Date.now;
  const graceMs = options.replacedKeyGraceMs ?? defaultReplacedKeyGraceMs;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'company-key.json');
  let file = readKeyFile(path) ?? createKeyFile(path, now());
  let held = parseKeyFile(path, file);

  /** Writes `next` (flushed, replacing the file as one step); memory changes only once it is kept. */
  function save(next: KeyFileV2): void {
    const parsed = parseKeyFile(path, next);
    replaceFile(path, `${JSON.stringify(next, null, 2)}\n`);
    file = next;
    held = parsed;
  }

  /** The file as a v2 file (the first replacement turns a v1 file into one). */
  function asV2(): KeyFileV2 {
    if (file.v === 2) return file;
    return {
      v: 2,
      companyId: held.companyId,
      keys: [{ seed: file.seed, createdAt: file.createdAt }],
    };
  }

  /** The replaced keys whose end the clearinghouse holds, without the time they were replaced. */
  const unstamped = (base: KeyFileV2) =>
    base.keys.some((key, i) => i > 0 && key.replacedAt === undefined && !ending(key));
  /** Whether `key` is the one a replacement under way (step `end`) declares. */
  const ending = (key: StoredKey) =>
    held.replacement?.step === 'end' && kidOfSeed(key.seed) === held.replacement.replacedKid;
  const stamp = (base: KeyFileV2, at: string): KeyFileV2 => ({
    ...base,
    keys: base.keys.map((key, i) =>
      i === 0 || key.replacedAt !== undefined || ending(key) ? key : { ...key, replacedAt: at },
    ),
  });
  // The version before `replacedAt` kept none: the grace period starts now.
  if (file.v === 2 && unstamped(file)) save(stamp(file, new Date(now()).toISOString()));

  function prunable(): SiteIdentity[] {
    const at = now();
    return held.replaced.filter(
      (key) =>
        key.replacedAt !== undefined &&
        at - key.replacedAt >= graceMs &&
        !(held.replacement?.step === 'end' && held.replacement.replacedKid === key.kid),
    );
  }

  return {
    get companyId() {
      return held.companyId;
    },
    current: () => held.current,
    secrets: () => held.secrets,
    prunable,
    prune(kids) {
      const going = new Set(prunable().map((key) => key.kid));
      const deleted = kids.filter((kid) => going.has(kid));
      if (deleted.length === 0) return [];
      const base = asV2();
      const prunedAt = new Date(now()).toISOString();
      const gone = new Set(deleted);
      save({
        ...base,
        keys: base.keys.filter((key) => !gone.has(kidOfSeed(key.seed))),
        pruned: [
          ...(base.pruned ?? []),
          ...base.keys
            .filter((key) => gone.has(kidOfSeed(key.seed)))
            .reverse()
            .map((key) => ({ kid: kidOfSeed(key.seed), replacedAt: key.replacedAt!, prunedAt })),
        ],
      });
      return deleted;
    },
    pruned: () => held.pruned,
    replacement: () => held.replacement,
    beginReplacement(kid, compromisedSince) {
      const base = asV2();
      const under = base.replacement;
      const current = held.current.kid;
      let replacement: StoredReplacement;
      if (under !== undefined) {
        const replacing = under.step === 'add' ? current : under.kid;
        if (replacing !== kid)
          throw new KeyReplacementConflict(
            `the replacement of key ${replacing} is under way, not one of ${kid}`,
          );
        const { compromisedSince: before, ...rest } = under;
        replacement = { ...rest, ...sinceField(earlier(before, compromisedSince)) };
      } else if (kid === current) {
        replacement = { step: 'add', ...newKey(now()), ...sinceField(compromisedSince) };
      } else if (held.replaced.some((key) => key.kid === kid) || held.pruned.includes(kid)) {
        // Replaced before, and retired then: a compromise found out later reaches back still.
        if (compromisedSince === undefined) return undefined;
        replacement = { step: 'end', kid, compromisedSince };
      } else {
        throw new KeyReplacementConflict(`the site holds no key ${kid}`);
      }
      save({ ...base, replacement });
      return held.replacement!;
    },
    promote() {
      const base = asV2();
      const under = base.replacement;
      if (under?.step !== 'add')
        throw new KeyReplacementConflict('no new key waits to be promoted');
      const { seed, createdAt } = under;
      save({
        ...base,
        keys: [{ seed, createdAt }, ...base.keys],
        replacement: {
          step: 'end',
          kid: held.current.kid,
          ...sinceField(under.compromisedSince),
        },
      });
      return held.replacement!;
    },
    finish() {
      const { replacement: done, ...rest } = asV2();
      const replacedAt = new Date(now()).toISOString();
      // Its end is held from now on; a key replaced before keeps the time it was retired then.
      const endedKid = done?.step === 'end' ? done.kid : undefined;
      save({
        ...rest,
        keys: rest.keys.map((key) =>
          kidOfSeed(key.seed) === endedKid && key.replacedAt === undefined
            ? { ...key, replacedAt }
            : key,
        ),
      });
    },
  };
}

/**
 * Loads the current key from `<dataDir>/company-key.json`, or creates it there (see
 * {@link openKeyring}).
 *
 * @example
 * ```ts
 * const { companyId, keyPair } = await loadOrCreateIdentity('test/company-site/data');
 * ```
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<SiteIdentity> {
  return (await openKeyring(dataDir)).current();
}

/** The earlier of two compromise times (seconds); undefined (retire only) yields to a time. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function sinceField(compromisedSince: number | undefined): { compromisedSince?: number } {
  return compromisedSince === undefined ? {} : { compromisedSince };
}

function newKey(at: number): StoredKey {
  return {
    seed: base64urlEncode(new Uint8Array(randomBytes(32))),
    createdAt: new Date(at).toISOString(),
  };
}

/** The thumbprint of a stored seed (one the file's parse accepted). */
function kidOfSeed(seed: string): string {
  return thumbprint(publicJwk(keyPairFromSeed(base64urlDecode(seed))));
}

function readKeyFile(path: string): KeyFileV1 | KeyFileV2 | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as KeyFileV1 | KeyFileV2;
  } catch (error) {
    throw new KeyFileInvalid(`${path} is not JSON.`, { cause: error });
  }
}

function createKeyFile(path: string, at: number): KeyFileV1 {
  const file: KeyFileV1 = { v: 1, ...newKey(at) };
  // Flushed before the site registers with it: a key lost in a power loss is a lost company.
  createFile(path, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

interface HeldKeys {
  companyId: string;
  current: SiteIdentity;
  secrets: Ed25519KeyPair[];
  /** The replaced keys held, newest first; `replacedAt` in milliseconds. */
  replaced: (SiteIdentity & { replacedAt: number | undefined })[];
  /** The thumbprints of the replaced keys no longer held. */
  pruned: string[];
  replacement: KeyReplacement | undefined;
}

/** Checks every field of a key file as it was read (attacker-controlled, like any input). */
function parseKeyFile(path: string, value: unknown): HeldKeys {
  const invalid = (why: string) =>
    new KeyFileInvalid(`${path} is not a key file of this site: ${why}.`);
  const file = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const keyOf = (stored: unknown, what: string): Ed25519KeyPair => {
    const seed = (stored as Partial<StoredKey> | null)?.seed;
    if (typeof seed !== 'string') throw invalid(`${what} has no seed`);
    let bytes: Uint8Array;
    try {
      bytes = base64urlDecode(seed);
    } catch {
      throw invalid(`${what} has no base64url seed`);
    }
    if (bytes.length !== 32) throw invalid(`${what} holds no 32-byte seed`);
    return keyPairFromSeed(bytes);
  };
  const kidOf = (keyPair: Ed25519KeyPair) => thumbprint(publicJwk(keyPair));
  if (file.v === 1) {
    const keyPair = keyOf(file, 'the key');
    const kid = kidOf(keyPair);
    const companyId = `co_${kid}`;
    return {
      companyId,
      current: { keyPair, kid, companyId },
      secrets: [keyPair],
      replaced: [],
      pruned: [],
      replacement: undefined,
    };
  }
  if (file.v !== 2) throw invalid('unknown version');
  const companyId = file.companyId;
  if (typeof companyId !== 'string' || !/^co_[A-Za-z0-9_-]{43}$/.test(companyId))
    throw invalid('no company id');
  if (!Array.isArray(file.keys) || file.keys.length === 0) throw invalid('no keys');
  const secrets = file.keys.map((stored, i) => keyOf(stored, `key ${i}`));
  const current = { keyPair: secrets[0]!, kid: kidOf(secrets[0]!), companyId };
  const timeOf = (value: unknown, what: string): number | undefined => {
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) throw invalid(`${what} is no time`);
    return ms;
  };
  const replaced = secrets.slice(1).map((keyPair, i) => ({
    keyPair,
    kid: kidOf(keyPair),
    companyId,
    replacedAt: timeOf(
      (file.keys as Partial<StoredKey>[])[i + 1]!.replacedAt,
      `replacedAt of key ${i + 1}`,
    ),
  }));
  if (file.pruned !== undefined && !Array.isArray(file.pruned)) throw invalid('pruned is no list');
  const pruned = ((file.pruned ?? []) as unknown[]).map((entry, i) => {
    const { kid, replacedAt, prunedAt } = (entry ?? {}) as Partial<PrunedKey>;
    if (typeof kid !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(kid))
      throw invalid(`pruned key ${i} has no thumbprint`);
    timeOf(replacedAt ?? null, `replacedAt of pruned key ${i}`);
    timeOf(prunedAt ?? null, `prunedAt of pruned key ${i}`);
    return kid;
  });
  const since = (r: Record<string, unknown>) => {
    if (r.compromisedSince === undefined) return {};
    if (!Number.isSafeInteger(r.compromisedSince) || (r.compromisedSince as number) < 0)
      throw invalid('compromisedSince is no time in seconds');
    return { compromisedSince: r.compromisedSince as number };
  };
  let replacement: KeyReplacement | undefined;
  if (file.replacement !== undefined) {
    const r = (file.replacement ?? {}) as Record<string, unknown>;
    if (r.step === 'add') {
      const keyPair = keyOf(r, 'the new key');
      replacement = { step: 'add', next: { keyPair, kid: kidOf(keyPair), companyId }, ...since(r) };
    } else if (r.step === 'end' && typeof r.kid === 'string') {
      if (!replaced.some((key) => key.kid === r.kid) && !pruned.includes(r.kid))
        throw invalid('the key being replaced is not held');
      replacement = { step: 'end', replacedKid: r.kid, ...since(r) };
    } else throw invalid('unknown replacement step');
  }
  return { companyId, current, secrets, replaced, pruned, replacement };
}
