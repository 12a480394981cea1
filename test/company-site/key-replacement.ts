/**
 * Replacing the company's signing key at the clearinghouse (docs/api.md "Company keys";
 * docs/company-integration.md "Rotate keys"), in the two steps keys.ts keeps on the disk:
 *
 * 1. `add` the new key, signed by the current one; from then on the new key signs;
 * 2. `retire` the old key, or declare it `compromised` since a time, signed by the new one.
 *    A compromise voids what the old key signed since then: among it the data-request answers,
 *    whose requests are open again (site.ts answers them again), and the grant request, which can
 *    no longer be granted (site.ts makes a new one).
 *
 * Each step is first looked up in the public registry (`GET /api/v1/companies/{id}` lists the
 * keys with their state), so a step the clearinghouse stored before a crash or a lost answer is
 * not sent again (a second `add` of the same key would be refused as a conflict).
 */
import { randomBytes } from 'node:crypto';
import { uuidV4, type ClearinghouseClient } from '../../protocol/client';
import { publicJwk } from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import type { KeyReplacement, SiteKeyring } from './keys';

export interface KeyReplacementOptions {
  client: ClearinghouseClient;
  keyring: SiteKeyring;
  /** The clearinghouse's origin (the `aud` of a `company-key` message), from its self-description. */
  clearinghouseOrigin: () => Promise<string>;
  now: () => number;
  log: (line: string) => void;
  /**
   * Called once the clearinghouse holds the old key's end, before the replacement counts as
   * done: a failure leaves the replacement under way, and the next attempt calls it again.
   */
  onEnded?: (ended: ReplacedKey) => Promise<void>;
}

/** A replacement the clearinghouse holds in full. */
export interface ReplacedKey {
  /** The key that signs now. */
  readonly kid: string;
  /** The key it replaced, retired or declared compromised. */
  readonly replacedKid: string;
  /** Seconds: the replaced key was declared compromised since then (else it was retired). */
  readonly compromisedSince?: number;
}

/** The site's key replacements: one at a time. */
export interface KeyReplacer {
  /**
   * Replaces the key `kid`, the current one: a new one is added and signs from then on, and the
   * old one is retired, or declared compromised since `compromisedSince` (seconds, not in the
   * future). A replacement of `kid` under way (a crash or an unreachable clearinghouse stopped
   * it) is finished instead, declaring `kid` compromised if asked; a key replaced before is
   * declared compromised alone (keys.ts `beginReplacement`). Resolves to undefined when nothing
   * was left to do.
   *
   * @throws KeyReplacementRefused when `compromisedSince` is no time up to now, or the
   *   clearinghouse no longer lets the new key sign; KeyReplacementConflict; otherwise what the
   *   clearinghouse or the disk answered. What was done is kept: {@link KeyReplacer.resume}
   *   finishes it.
   */
  replace(kid: string, compromisedSince?: number): Promise<ReplacedKey | undefined>;
  /** Finishes a replacement under way; resolves to undefined when there is none. */
  resume(): Promise<ReplacedKey | undefined>;
}

/** A key replacement the site cannot make, or finish, as asked. */
export class KeyReplacementRefused extends Error {
  override readonly name = 'KeyReplacementRefused';
  readonly code = 'ERR_KEY_REPLACEMENT_REFUSED';
}

/**
 * Creates the site's key replacer.
 *
 * @example
 * ```ts
 * const replacer = createKeyReplacer({ client, keyring, clearinghouseOrigin, now: Date.now, log });
 * await replacer.replace(Math.floor(Date.now() / 1000) - 3600); // leaked an hour ago
 * ```
 */
export function createKeyReplacer(options: KeyReplacementOptions): KeyReplacer {
  const { client, keyring, clearinghouseOrigin, now, log, onEnded } = options;
  let running: Promise<ReplacedKey | undefined> | undefined;

  /** One replacement at a time: a second caller waits for the first, then goes on. */
  function exclusive(task: () => Promise<ReplacedKey | undefined>) {
    const next = (running ?? Promise.resolve(undefined)).catch(() => undefined).then(task);
    running = next;
    void next
      .catch(() => undefined)
      .finally(() => {
        if (running === next) running = undefined;
      });
    return next;
  }

  async function sign(
    aud: string,
    change:
      | { action: 'add'; key: ReturnType<typeof publicJwk> }
      | { action: 'retire'; kid: string }
      | { action: 'compromised'; kid: string; since: number },
  ): Promise<string> {
    const iat = Math.floor(now() / 1000);
    const payload = {
      v: 1 as const,
      iss: keyring.companyId,
      aud,
      iat,
      exp: iat + 300,
      jti: uuidV4((n) => new Uint8Array(randomBytes(n))),
      ...change,
    } as Payload<'company-key'>;
    return signMessage('company-key', payload, keyring.current().keyPair);
  }

  /** The key as the registry lists it, or undefined. */
  async function listed(kid: string) {
    const company = await client.getCompany(keyring.companyId);
    return company.keys?.find((key) => key.kid === kid);
  }

  async function advance(): Promise<ReplacedKey | undefined> {
    let under: KeyReplacement | undefined = keyring.replacement();
    if (under === undefined) return undefined;
    const aud = await clearinghouseOrigin();
    if (under.step === 'add') {
      const { next } = under;
      const entry = await listed(next.kid);
      if (entry === undefined) {
        await client.changeCompanyKey(
          await sign(aud, { action: 'add', key: publicJwk(next.keyPair) }),
        );
      } else if (entry.retiredAt !== null) {
        throw new KeyReplacementRefused(
          `the new key ${next.kid} was retired at the clearinghouse before the site used it`,
        );
      }
      under = keyring.promote();
      log(`key ${next.kid} added: it signs from now on`);
    }
    if (under.step !== 'end') return undefined;
    const { replacedKid, compromisedSince } = under;
    const entry = await listed(replacedKid);
    const ended =
      entry !== undefined &&
      entry.retiredAt !== null &&
      (compromisedSince === undefined ||
        (entry.compromisedSince !== null && entry.compromisedSince <= compromisedSince));
    if (!ended) {
      await client.changeCompanyKey(
        await sign(
          aud,
          compromisedSince === undefined
            ? { action: 'retire', kid: replacedKid }
            : { action: 'compromised', kid: replacedKid, since: compromisedSince },
        ),
      );
    }
    const done: ReplacedKey = {
      kid: keyring.current().kid,
      replacedKid,
      ...(compromisedSince === undefined ? {} : { compromisedSince }),
    };
    if (!ended)
      log(
        compromisedSince === undefined
          ? `key ${replacedKid} retired`
          : `key ${replacedKid} declared compromised since ${new Date(compromisedSince * 1000).toISOString()}`,
      );
    await onEnded?.(done);
    keyring.finish();
    return done;
  }

  return {
    replace(kid, compromisedSince) {
      if (
        compromisedSince !== undefined &&
        (!Number.isSafeInteger(compromisedSince) ||
          compromisedSince < 0 ||
          compromisedSince > Math.floor(now() / 1000))
      ) {
        return Promise.reject(
          new KeyReplacementRefused(
            `compromisedSince must be a time in seconds up to now, not ${String(compromisedSince)}`,
          ),
        );
      }
      return exclusive(async () => {
        keyring.beginReplacement(kid, compromisedSince);
        return advance();
      });
    },
    resume: () => exclusive(advance),
  };
}
