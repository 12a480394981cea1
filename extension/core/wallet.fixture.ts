/**
 * A fake clearinghouse for the wallet's Node tests: a registry with one company, its signed open
 * grant request, the consent routes (storing what the wallet submits, with the clearinghouse's
 * own checks reduced to "signature by the pseudonym"), and a real in-memory Merkle log whose
 * receipts verify against the key it publishes.
 */
import {
  ApiProblem,
  type CompanyEntry,
  type PersonKeyEntry,
  type Relationships,
} from '../../protocol/client';
import {
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  utf8Decode,
  utf8Encode,
} from '../../protocol/encoding';
import {
  generateKeyPair,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
  type Ed25519PublicJwk,
} from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { openMessage, signMessage } from '../../protocol/signed';
import { ready, sha256 } from '../../protocol/sodium';
import {
  encodeLogEntry,
  formatCheckpoint,
  inclusionProof,
  leafHash,
  memoryHashReader,
  noteSigner,
  signNote,
  treeHash,
  verifierKeyText,
  type LogEntry,
} from '../../protocol/tlog';
import { sha256Of } from '../../protocol/jws';
import type { ClockPort, RecordStore } from './ports';
import {
  Wallet,
  type ConsentChoice,
  type LoggedWalletKind,
  type WalletClearinghouse,
} from './wallet';

export const clearinghouseOrigin = 'http://localhost:3000';
export const logOrigin = 'localhost:3000/log';
export const companyOrigin = 'http://localhost:4000';

/** The choice that grants every scope of `request` as asked: e-mail preferred, for 30 days. */
export function grantAll(request: Payload<'grant-request'>): ConsentChoice {
  return {
    decision: 'grant',
    scopes: request.scopes.map((s) => ({
      include: true,
      channels: [...s.channels],
      dataCategories: [...s.dataCategories],
      maxContactsPerWeek: null,
      retentionDays: s.retentionDays,
      onwardRecipients: s.onwardRecipients.map((_r, i) => i),
    })),
    preferredChannel: 'email',
    days: 30,
  };
}

/**
 * A wallet over the fake clearinghouse `ch` with the tests' ports: its log pinned, no blacklist,
 * two receipt attempts.
 */
export function fixtureWallet(
  ch: FakeClearinghouse,
  ports: { store: RecordStore; clock: ClockPort; seed: Uint8Array },
): Wallet {
  return new Wallet({
    store: ports.store,
    clock: ports.clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    pinnedLog: async () => ({ key: ch.logVerifierKey, origin: logOrigin }),
    masterSeed: async () => ports.seed,
    blacklist: async () => [],
    receiptAttempts: 2,
  });
}

/** The payload of a compact JWS the fake itself just received from the wallet (unverified). */
function peekPayload(jws: string): Record<string, unknown> {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Record<string, unknown>;
}

let counter = 0;
const seededRandom = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (counter++ * 31 + i * 7) & 0xff;
  return out;
};

/** The fake clearinghouse and the knobs a test turns. */
export class FakeClearinghouse implements WalletClearinghouse {
  readonly companyKey: Ed25519KeyPair;
  readonly company: CompanyEntry & { keys: NonNullable<CompanyEntry['keys']> };
  readonly logKey = { privateKey: new Uint8Array(0), publicKey: new Uint8Array(0) };
  logVerifierKey = '';
  requests = new Map<string, { jws: string; targeted: boolean }>();
  /** Submitted messages by sha256. */
  submitted = new Map<
    string,
    { kind: LoggedWalletKind; jws: string; payload: Record<string, unknown> }
  >();
  /** Corrections received (not logged), each once: a resend of one is answered, not kept again. */
  corrections: string[] = [];
  /** Every `sendCorrection` call, taken or not. */
  correctionCalls = 0;
  /** Makes `sendCorrection` fail as if the clearinghouse were out of reach. */
  correctionsDown = false;
  /** Makes `sendCorrection` answer with this problem instead of taking the correction. */
  correctionProblem: { status: number; code: string } | null = null;
  /** Disclosures the company sent, oldest first, by pseudonym. */
  disclosures = new Map<string, { sha256: string; jws: string }[]>();
  /** Answers to data requests, by the request's sha256. */
  answers = new Map<string, { sha256: string; jws: string }>();
  /**
   * The bounds of the Relationships view, as the clearinghouse's (portal/lib/server/obligations.ts
   * `maxViewedDisclosures`, `maxViewedOpenRequests`, `maxViewedAnsweredRequests`): it carries the
   * newest disclosures, the oldest open and the newest answered data requests; the others stay
   * stored (and logged), out of the view.
   */
  viewBounds = { disclosures: 10, openRequests: 500, answeredRequests: 100 };
  /** Makes `getCompany` fail as if the registry were out of reach. */
  registryDown = false;
  /**
   * Changes what `relationships` lists, as a clearinghouse that lies would: inserts a grant,
   * drops a revocation, claims another status (null: the listing as stored).
   */
  tamperListing: ((listed: Relationships) => Relationships) | null = null;
  /** Person keys (company staff) the clearinghouse publishes, by kid. */
  personKeys = new Map<string, PersonKeyEntry>();
  /** Makes `personKey` fail as if the clearinghouse were out of reach. */
  personKeysDown = false;
  /** `blacklist` signals taken, oldest first (verified against the pseudonym's bound key). */
  blacklistSignals: Payload<'blacklist'>[] = [];
  /** Makes `submitBlacklist` fail as if the clearinghouse were out of reach. */
  blacklistDown = false;
  /** Makes `submitBlacklist` answer with this problem instead of taking the signal. */
  blacklistProblem: { status: number; code: string } | null = null;
  /** Every `submitBlacklist` call, taken or not. */
  blacklistCalls = 0;
  private entries: Uint8Array[] = [];
  /** How many entries the fake log holds (a resend adds none). */
  get logSize(): number {
    return this.entries.length;
  }
  private indexOf = new Map<string, number>();
  /** Turns every receipt into a tampered one. */
  tamperReceipts = false;
  /**
   * While set, the log entry of each message submitted says these fields instead of the
   * message's own (a log that commits to another company, pseudonym or time); its receipt is
   * otherwise sound.
   */
  entryFields: ((payload: Record<string, unknown>) => Partial<LogEntry>) | null = null;
  /** Receipts answer "pending" this many times first. */
  pendingReceipts = 0;
  calls: string[] = [];

  private constructor(now: number) {
    this.companyKey = generateKeyPair(seededRandom);
    const jwk = publicJwk(this.companyKey);
    this.company = {
      id: `co_${thumbprint(jwk)}`,
      status: 'active',
      legalName: 'Laufhaus GmbH',
      registerId: 'HRB 1',
      domain: companyOrigin,
      purposes: ['product_launch', 'service_support'],
      brands: ['Laufhaus'],
      domainVerifiedAt: now - 1000,
      registeredAt: now - 2000,
      trust: {
        status: 'active',
        activeRelationships: 0,
        revocationAcks: { onTime: 0, overdue: 0, open: 0 },
        dataRequests: { onTime: 0, overdue: 0, open: 0 },
        outOfScopeAccess: 0,
        upheldComplaints: 0,
        boycotts: 0,
        refusedRelayAttempts: 0,
      },
      keys: [
        { kid: thumbprint(jwk), jwk, addedAt: now - 2000, retiredAt: null, compromisedSince: null },
      ],
    };
  }

  static async create(nowMs: number): Promise<FakeClearinghouse> {
    await ready();
    const ch = new FakeClearinghouse(nowMs);
    const key = generateKeyPair(seededRandom);
    Object.assign(ch.logKey, key);
    ch.logVerifierKey = verifierKeyText(logOrigin, key.publicKey, sha256);
    return ch;
  }

  /** Signs and stores a grant request of the company (open unless `to` names a pseudonym). */
  async addRequest(
    nowSeconds: number,
    overrides: Partial<Payload<'grant-request'>> = {},
    signer: Ed25519KeyPair = this.companyKey,
  ): Promise<string> {
    const payload: Payload<'grant-request'> = {
      v: 1,
      iss: this.company.id,
      aud: clearinghouseOrigin,
      iat: nowSeconds,
      exp: nowSeconds + 300,
      jti: `00000000-0000-4000-8000-${String(counter++).padStart(12, '0')}`,
      scopes: [
        {
          purpose: 'product_launch',
          channels: ['email', 'sms'],
          dataCategories: ['address', 'health'],
          conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 2 },
          retentionDays: 365,
          onwardRecipients: [{ name: 'Versand AG', country: 'DE' }],
        },
        {
          purpose: 'service_support',
          channels: ['email'],
          dataCategories: [],
          conditions: { timeZone: 'Europe/Berlin' },
          retentionDays: 30,
          onwardRecipients: [],
        },
      ],
      reason: { de: 'Neuigkeiten', en: 'News' },
      ...overrides,
    };
    const jws = await signMessage('grant-request', payload, signer);
    const sha = sha256Of(jws);
    this.requests.set(sha, { jws, targeted: payload.aud.startsWith('ps_') });
    return sha;
  }

  async getGrantRequest(sha: string) {
    this.calls.push(`getGrantRequest ${sha}`);
    const r = this.requests.get(sha);
    if (r === undefined) throw new ApiProblem(404, { code: 'ERR_RESOURCE_NOT_FOUND' });
    const payload = peekPayload(r.jws);
    const company = this.companyEntry(String(payload.iss)) ?? this.company;
    // As the clearinghouse does: a request signed once its key was compromised is void.
    const header = utf8Decode(base64urlDecode(r.jws.split('.')[0]!));
    const { kid } = JSON.parse(header) as { kid?: string };
    const since = company.keys?.find((k) => k.kid === kid)?.compromisedSince;
    if (typeof since === 'number' && Number(payload.iat) >= since)
      throw new ApiProblem(410, { code: 'ERR_GRANT_REQUEST_VOIDED' });
    return { sha256: sha, jws: r.jws, targeted: r.targeted, company };
  }

  /** Further companies of the registry ({@link addCompany}), by id. */
  private readonly others = new Map<string, CompanyEntry>();

  /**
   * Registers another active, domain-verified company (same purposes and domain) and returns
   * its id and key: sign its requests with `addRequest(now, { iss: id }, key)`.
   */
  addCompany(legalName: string): { id: string; key: Ed25519KeyPair } {
    const key = generateKeyPair(seededRandom);
    const jwk = publicJwk(key);
    const id = `co_${thumbprint(jwk)}`;
    this.others.set(id, {
      ...this.company,
      id,
      legalName,
      keys: [{ ...this.company.keys[0]!, kid: thumbprint(jwk), jwk }],
    });
    return { id, key };
  }

  private companyEntry(id: string): CompanyEntry | undefined {
    return id === this.company.id ? this.company : this.others.get(id);
  }

  /** Enrols a staff key for `companyId` (this company by default) and returns the key pair. */
  addStaffKey(
    addedAt: number,
    options: { companyId?: string; retiredAt?: number | null } = {},
  ): Ed25519KeyPair {
    const pair = generateKeyPair(seededRandom);
    const jwk = publicJwk(pair);
    const kid = thumbprint(jwk);
    this.personKeys.set(kid, {
      kid,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      role: 'staff',
      signer: options.companyId ?? this.company.id,
      addedAt,
      retiredAt: options.retiredAt ?? null,
    });
    return pair;
  }

  async personKey(kid: string) {
    this.calls.push(`personKey ${kid}`);
    if (this.personKeysDown) throw new TypeError('fetch failed');
    const key = this.personKeys.get(kid);
    if (key === undefined) throw new ApiProblem(404, { code: 'ERR_RESOURCE_NOT_FOUND' });
    return key;
  }

  async getCompany(id: string) {
    this.calls.push(`getCompany ${id}`);
    if (this.registryDown) throw new TypeError('fetch failed');
    const entry = this.companyEntry(id);
    if (entry === undefined) throw new ApiProblem(404, { code: 'ERR_COMPANY_UNKNOWN' });
    return entry;
  }

  private claimsTo(pseudonym: string, iat: number) {
    return {
      v: 1 as const,
      iss: this.company.id,
      aud: pseudonym,
      iat,
      exp: iat + 300,
      jti: `00000000-0000-4000-8000-${String(counter++).padStart(12, '0')}`,
    };
  }

  /** Signs and stores a disclosure to `pseudonym` (the newest is current); returns its hash. */
  async addDisclosure(
    pseudonym: string,
    iat: number,
    body: Pick<Payload<'disclosure'>, 'holdings'> & Partial<Payload<'disclosure'>>,
    signer: Ed25519KeyPair = this.companyKey,
  ): Promise<string> {
    const jws = await signMessage(
      'disclosure',
      { ...this.claimsTo(pseudonym, iat), ...body },
      signer,
    );
    const list = this.disclosures.get(pseudonym) ?? [];
    list.push({ sha256: sha256Of(jws), jws });
    this.disclosures.set(pseudonym, list);
    return sha256Of(jws);
  }

  /** Signs and stores the company's answer to the data request `requestSha256`. */
  async answer(
    requestSha256: string,
    iat: number,
    body:
      | { outcome: 'disclosure'; disclosureSha256: string }
      | {
          outcome: 'erased';
          dataCategories: Payload<'disclosure'>['holdings'][number]['dataCategory'][];
          erasedAt: number;
          retained?: {
            dataCategories: Payload<'disclosure'>['holdings'][number]['dataCategory'][];
            reason: { de: string; en: string };
          };
        }
      | { outcome: 'refused'; reason: { de: string; en: string } },
    about: string = requestSha256,
  ): Promise<string> {
    const pseudonym = String(this.submitted.get(requestSha256)?.payload.iss);
    const jws = await signMessage(
      'data-request-answer',
      {
        ...this.claimsTo(pseudonym, iat),
        requestSha256: about,
        ...body,
      } as Payload<'data-request-answer'>,
      this.companyKey,
    );
    this.answers.set(requestSha256, { sha256: sha256Of(jws), jws });
    return sha256Of(jws);
  }

  private log(kind: LoggedWalletKind, jws: string) {
    const payload = peekPayload(jws);
    const sha = sha256Of(jws);
    // A resend of a stored message changes nothing, as at the clearinghouse.
    if (this.submitted.has(sha)) return { sha256: sha, status: 'pending' as const };
    this.submitted.set(sha, { kind, jws, payload });
    const entry: LogEntry = {
      v: 1,
      kind,
      company: String(payload.aud),
      pseudonym: String(payload.iss),
      time: Number(payload.iat),
      sha256: sha,
      ...this.entryFields?.(payload),
    };
    this.indexOf.set(sha, this.entries.length);
    this.entries.push(encodeLogEntry(entry));
    return { sha256: sha, status: 'pending' as const };
  }

  async submitGrant(jws: string) {
    return this.log('grant', jws);
  }
  async submitRefusal(jws: string) {
    return this.log('refusal', jws);
  }
  async submitRevocation(jws: string) {
    return this.log('revocation', jws);
  }
  async submitDataRequest(jws: string) {
    return { ...this.log('data-request', jws), deadline: 0 };
  }
  async sendCorrection(jws: string) {
    this.correctionCalls++;
    if (this.correctionsDown) throw new TypeError('fetch failed');
    if (this.correctionProblem !== null)
      throw new ApiProblem(this.correctionProblem.status, { code: this.correctionProblem.code });
    // A resend of a stored correction changes nothing, as at the clearinghouse (storedBefore).
    if (!this.corrections.includes(jws)) this.corrections.push(jws);
    return { id: sha256Of(jws), status: 'queued' as const };
  }

  /**
   * The clearinghouse's `blacklist` checks reduced to what the Assistant relies on: the pseudonym
   * is bound (it sent a grant or refusal, whose `pseudonymKey` verifies the signal) and the
   * message is addressed to the clearinghouse. `counted` as the server answers it.
   */
  async submitBlacklist(jws: string) {
    this.blacklistCalls++;
    if (this.blacklistDown) throw new TypeError('fetch failed');
    if (this.blacklistProblem !== null)
      throw new ApiProblem(this.blacklistProblem.status, { code: this.blacklistProblem.code });
    const iss = peekPayload(jws).iss;
    const bound = [...this.submitted.values()].find(
      (m) => m.payload.iss === iss && m.payload.pseudonymKey !== undefined,
    );
    if (bound === undefined) throw new ApiProblem(404, { code: 'ERR_PSEUDONYM_UNKNOWN' });
    const opened = await openMessage('blacklist', jws, {
      resolveKey: () => bound.payload.pseudonymKey as Ed25519PublicJwk,
      audience: clearinghouseOrigin,
      now: Number(peekPayload(jws).iat),
    });
    this.blacklistSignals.push(opened.payload);
    return { sha256: opened.sha256, counted: opened.payload.action === 'add' };
  }

  async logReceipt(sha: string) {
    if (this.pendingReceipts > 0) {
      this.pendingReceipts--;
      throw new ApiProblem(404, { code: 'log-entry-pending' });
    }
    const index = this.indexOf.get(sha);
    if (index === undefined) throw new ApiProblem(404, { code: 'log-entry-unknown' });
    const size = this.entries.length;
    const reader = memoryHashReader(
      this.entries.map((b) => leafHash(sha256, b)),
      sha256,
    );
    const checkpoint = signNote(
      formatCheckpoint({
        origin: logOrigin,
        size,
        rootHash: await treeHash(sha256, size, reader),
        extensions: [],
      }),
      [noteSigner(logOrigin, this.logKey.privateKey, sha256)],
    );
    const proof = (await inclusionProof(sha256, index, size, reader)).map(base64Encode);
    let entry = this.entries[index]!;
    if (this.tamperReceipts) {
      // Another entry's bytes at this index: the inclusion proof no longer leads to the root.
      const forged = JSON.parse(new TextDecoder().decode(entry)) as LogEntry;
      entry = encodeLogEntry({ ...forged, time: forged.time + 1 });
    }
    return { v: 1, index, entry: base64Encode(entry), proof, checkpoint };
  }

  async relationships(signer: { id: string }): Promise<Relationships> {
    const mine = [...this.submitted.entries()].filter(([, m]) => m.payload.iss === signer.id);
    if (mine.length === 0) throw new ApiProblem(404, { code: 'ERR_PSEUDONYM_UNKNOWN' });
    // A revocation revokes the grants stored before it (all, or those it names without
    // purposes); one given after it stays active, as at the clearinghouse.
    const revoked = (sha: string) =>
      mine
        .slice(mine.findIndex(([s]) => s === sha))
        .some(
          ([, m]) =>
            m.kind === 'revocation' &&
            (m.payload.grants === 'all' ||
              (Array.isArray(m.payload.grants) &&
                (m.payload.grants as { grantSha256: string; purposes?: string[] }[]).some(
                  (g) => g.grantSha256 === sha && g.purposes === undefined,
                ))),
        );
    const company = this.companyEntry(String(mine[0]![1].payload.aud)) ?? this.company;
    const listed: Relationships = {
      pseudonym: signer.id,
      company: {
        id: company.id,
        legalName: company.legalName,
        domain: company.domain,
        status: company.status,
      },
      requests: [],
      grants: mine
        .filter(([, m]) => m.kind === 'grant')
        .map(([sha, m]) => ({
          sha256: sha,
          jws: m.jws,
          status: revoked(sha) ? 'revoked' : 'active',
          revokedPurposes: [],
        })),
      refusals: mine
        .filter(([, m]) => m.kind === 'refusal')
        .map(([sha, m]) => ({
          sha256: sha,
          jws: m.jws,
          askAgainAfter:
            typeof m.payload.askAgainAfter === 'number' ? m.payload.askAgainAfter : null,
        })),
      revocations: mine
        .filter(([, m]) => m.kind === 'revocation')
        .map(([sha, m]) => ({ sha256: sha, jws: m.jws, acknowledged: false })),
      disclosures: newest(this.disclosures.get(signer.id) ?? [], this.viewBounds.disclosures).map(
        (d, i, all) => ({ ...d, current: i === all.length - 1 }),
      ),
      dataRequests: this.viewedDataRequests(mine),
    };
    return this.tamperListing?.(listed) ?? listed;
  }

  /**
   * A grant as a lying clearinghouse would list it for `pseudonym`: its claims are the
   * pseudonym's to this company, but another key signed it (`signer`: a fresh one by default).
   */
  async forgeGrant(
    pseudonym: string,
    iat: number,
    scope: Partial<Payload<'grant'>['scopes'][number]> = {},
    signer: Ed25519KeyPair = generateKeyPair(seededRandom),
  ): Promise<Relationships['grants'][number]> {
    const jws = await signMessage(
      'grant',
      {
        v: 1,
        iss: pseudonym,
        aud: this.company.id,
        iat,
        exp: iat + 300,
        jti: `00000000-0000-4000-8000-${String(counter++).padStart(12, '0')}`,
        requestSha256: hashText('no request'),
        scopes: [
          {
            purpose: 'personalised_advertising',
            channels: ['email'],
            dataCategories: ['behavioral_web'],
            conditions: { timeZone: 'Europe/Berlin' },
            retentionDays: 30,
            onwardRecipients: [],
            ...scope,
          },
        ],
        preferredChannel: 'email',
        until: iat + 365 * 86_400,
      },
      signer,
    );
    return { sha256: sha256Of(jws), jws, status: 'active', revokedPurposes: [] };
  }

  /** The data requests among `mine` the view carries, in the order stored (`viewBounds`). */
  private viewedDataRequests(mine: [string, { kind: LoggedWalletKind; jws: string }][]) {
    const all = mine
      .filter(([, m]) => m.kind === 'data-request')
      .map(([sha, m]) => ({
        sha256: sha,
        jws: m.jws,
        deadline: 1,
        answer: this.answers.get(sha) ?? null,
      }));
    const open = all.filter((r) => r.answer === null).slice(0, this.viewBounds.openRequests);
    const answered = newest(
      all.filter((r) => r.answer !== null),
      this.viewBounds.answeredRequests,
    );
    return all.filter((r) => open.includes(r) || answered.includes(r));
  }

  async relationshipsBatch() {
    return { results: [] };
  }
}

/** The last `n` of `list` (none for 0). */
function newest<T>(list: readonly T[], n: number): T[] {
  return list.slice(Math.max(0, list.length - n));
}

/** Deterministic randomness for the wallet's `jti`s. */
export const testRandomBytes = seededRandom;
/** The hash the fixture uses (exported for tests that build their own hashes). */
export const hashText = (text: string) => base64urlEncode(sha256(utf8Encode(text)));
