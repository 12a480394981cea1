import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The clearinghouse's tables as Kysely sees them. Every integer is a JavaScript number: times
 * in seconds or milliseconds and queue sequence numbers stay far below 2^53. PostgreSQL stores
 * them as `bigint` and the pool created by `openDatabase` parses `int8` into numbers (it
 * refuses values beyond Number.MAX_SAFE_INTEGER rather than rounding them).
 *
 * Changing a table means a new migration in `migrations/`, never an edit of an applied one.
 */
export interface Database {
  messages: MessagesTable;
  seen_jtis: SeenJtisTable;
  log_queue: LogQueueTable;
  log_state: LogStateTable;
  // keys every node shares (migration 0014_instance_keys)
  instance_keys: InstanceKeysTable;
  log_tiles: LogTilesTable;
  log_bundles: LogBundlesTable;
  log_leaves: LogLeavesTable;
  log_rejects: LogRejectsTable;
  // the consent API (migration 0003_consent, docs/api.md)
  companies: CompaniesTable;
  company_keys: CompanyKeysTable;
  pseudonyms: PseudonymsTable;
  grant_requests: GrantRequestsTable;
  grants: GrantsTable;
  refusals: RefusalsTable;
  revocations: RevocationsTable;
  consent_events: ConsentEventsTable;
  // people: passkeys, signing keys, enrolment links, sessions (migration 0004_people)
  people: PeopleTable;
  person_keys: PersonKeysTable;
  passkeys: PasskeysTable;
  enrolments: EnrolmentsTable;
  webauthn_challenges: WebauthnChallengesTable;
  sessions: SessionsTable;
  // the sealed relay (migration 0006_relay, relay.ts)
  relay_mailboxes: RelayMailboxesTable;
  relay_items: RelayItemsTable;
  relay_contacts: RelayContactsTable;
  relay_refusals: RelayRefusalsTable;
  relay_corrections: RelayCorrectionsTable;
  // obligations and oversight (migration 0007_obligations, obligations.ts, oversight.ts)
  disclosures: DisclosuresTable;
  data_requests: DataRequestsTable;
  access_reports: AccessReportsTable;
  access_findings: AccessFindingsTable;
  /** The latest in-scope use per grant, purpose and categories (migration 0011_access_uses). */
  access_uses: AccessUsesTable;
  /** Each report's share of each row of `access_uses` (migration 0020). */
  access_use_reports: AccessUseReportsTable;
  complaints: ComplaintsTable;
  suspensions: SuspensionsTable;
  blacklist_signals: BlacklistSignalsTable;
  // rate limits (migration 0009_rate_limits, portal/lib/server/rate-limits.ts)
  rate_limits: RateLimitsTable;
}

/** Every signed message the clearinghouse accepted, exactly as received. */
export interface MessagesTable {
  /** base64url SHA-256 over the ASCII bytes of the compact JWS (SPECS "JWS"): the message's id. */
  sha256: string;
  /** The message kind, e.g. `grant` (DESIGN section 5). */
  kind: string;
  /** `kid` of the signing key: an RFC 7638 thumbprint. */
  signer: string;
  /** `co_...` of the company the message concerns, when it concerns one. */
  company_id: string | null;
  /** `ps_...` of the pseudonym the message concerns, when it concerns one. */
  pseudonym: string | null;
  /** The compact JWS itself. */
  jws: string;
  /** `iat` of the payload, seconds since the epoch. */
  iat: number;
  /** `exp` of the payload, seconds since the epoch. */
  exp: number;
  /** When the clearinghouse received it, milliseconds since the epoch. */
  received_at: number;
}

/** Replay protection: a (signer, jti) pair seen before is refused until its `exp` has passed. */
export interface SeenJtisTable {
  signer: string;
  jti: string;
  /** `exp` of the message that carried the jti, seconds; `purgeExpiredJtis` deletes past ones. */
  expires_at: number;
}

/** Logged messages waiting for the sequencer to append them to the Merkle log, in `seq` order. */
export interface LogQueueTable {
  seq: Generated<number>;
  sha256: string;
  kind: string;
  /** Milliseconds since the epoch: when the message became durable. */
  created_at: number;
}

/** A public key every node of the database must share, as the first node recorded it. */
export interface InstanceKeysTable {
  /** What the key signs: `webhook`. */
  name: string;
  /** The Ed25519 public key, base64url. */
  x: string;
  /** Milliseconds since the epoch. */
  recorded_at: number;
}

/**
 * The log's head (one row, id 1): size, root and the signed checkpoint of the latest batch.
 * The sequencer locks this row first in every batch, which serialises sequencers across processes.
 */
export interface LogStateTable {
  id: number;
  size: number;
  /** 32 bytes. */
  root_hash: Uint8Array;
  /** The signed note text served at /log/checkpoint. */
  checkpoint: string;
  /** Milliseconds since the epoch of the commit that wrote this checkpoint. */
  updated_at: number;
}

/** C2SP tlog-tiles hash tiles, newest width only (narrower widths are prefixes of it). */
export interface LogTilesTable {
  level: number;
  idx: number;
  /** 1..256 hashes; 256 = full (never changes again). */
  width: number;
  /** width × 32 bytes. */
  data: Uint8Array;
  /**
   * Hashes of the complete subtrees inside the tile, levels 1..7 above its own level, in a fixed
   * layout of 254 slots (128 + 64 + … + 2), zero where a subtree is not complete yet. Server-only.
   */
  subtrees: Uint8Array;
}

/** Entry bundles (`tile/entries/<N>`), newest width only. */
export interface LogBundlesTable {
  idx: number;
  width: number;
  /** The entries, each as a big-endian u16 length and its bytes. */
  data: Uint8Array;
}

/**
 * The index each sequenced message got (for receipts); unique (received_at, sha256), see
 * migration 0008_log_speed.
 */
export interface LogLeavesTable {
  idx: number;
  /** The message's `received_at`: leads the lookup index so it grows in arrival order. */
  received_at: number;
  sha256: string;
}

/** Queued messages that could not become a log entry; taken out of the queue so the log moves on. */
export interface LogRejectsTable {
  sha256: string;
  /** The ProtocolError code and message of the refusal. */
  reason: string;
  rejected_at: number;
}

export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type LogQueueRow = Selectable<LogQueueTable>;

/** The two SQL dialects the clearinghouse runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------
// The consent API (migration 0003_consent, docs/api.md). Times named `*_at` are milliseconds of
// the server's clock; message times (`iat`, `until`, `ask_again_after`, `retired_at`,
// `compromised_since`) are seconds. Customers appear only as pseudonyms and public keys.

/** Company status: `pending` until the domain is proven, `suspended` by a regulator. */
export type CompanyStatus = 'pending' | 'active' | 'suspended';

export interface CompaniesTable {
  /** `co_` + thumbprint of the key that signed the first registration. */
  id: string;
  status: CompanyStatus;
  legal_name: string;
  /** The company's origin, e.g. `https://sport.example`. */
  domain: string;
  /** JSON: the registration's own fields (legalName, registerId, domain, contact, purposes, brands). */
  profile: string;
  /** The latest accepted `company` message. */
  registration_sha256: string;
  /** Last number handed to a feed event of this company. */
  feed_seq: Generated<number>;
  domain_verified_at: number | null;
  registered_at: number;
  updated_at: number;
}

export interface CompanyKeysTable {
  /** RFC 7638 thumbprint; a key belongs to one company for good. */
  kid: string;
  company_id: string;
  /** base64url Ed25519 public key (the JWK's `x`). */
  x: string;
  added_at: number;
  /** The `company` or `company-key` message that added it. */
  added_by: string;
  /** Seconds; set when retired (or declared compromised). */
  retired_at: number | null;
  /** Seconds; signatures made at or after this time are void. */
  compromised_since: number | null;
}

/** The binding of a pseudonym to its pairwise key and to the one company it speaks to. */
export interface PseudonymsTable {
  pseudonym: string;
  company_id: string;
  x: string;
  bound_at: number;
  /** The first grant or refusal, which carried `pseudonymKey`. */
  bound_by: string;
}

export interface GrantRequestsTable {
  sha256: string;
  company_id: string;
  /** The target of a targeted request; null for an open one. */
  pseudonym: string | null;
  /** kid of the company key that signed it (to void it when that key is compromised). */
  signer: string;
  iat: number;
  created_at: number;
}

export interface GrantsTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  request_sha256: string;
  /** JSON array of the granted purposes. */
  purposes: string;
  iat: number;
  until: number;
  created_at: number;
  /** Seconds: `iat` of the revocation that ended the whole grant. */
  revoked_at: number | null;
  /** JSON array of purposes revoked so far (partial revocations), or null. */
  revoked_purposes: string | null;
}

export interface RefusalsTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  request_sha256: string;
  iat: number;
  ask_again_after: number | null;
  created_at: number;
}

export interface RevocationsTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  iat: number;
  /** When the clearinghouse stored it: the acknowledgement deadline runs from here. */
  received_at: number;
  ack_sha256: string | null;
  acked_at: number | null;
  /**
   * When the acknowledgement is due (ms), fixed on receipt (migration 0019); null for rows stored
   * before, judged against the current setting (`revocationAckDeadline`).
   */
  ack_deadline: number | null;
}

/** The company feed: grants, refusals and revocations in the order they were stored. */
export interface ConsentEventsTable {
  company_id: string;
  seq: number;
  /** consents.ts `FeedEventKind`: issue 4's three, and issue 5's data requests, complaints,
   * complaint decisions and suspensions. */
  kind:
    | 'grant'
    | 'refusal'
    | 'revocation'
    | 'data-request'
    | 'complaint'
    | 'complaint-decision'
    | 'suspension'
    | 'offer-refused'
    | 'correction';
  sha256: string;
  pseudonym: string;
  created_at: number;
}

// ---------------------------------------------------------------------------------------------
// People (migration 0004_people, SPECS "People who sign", docs/api.md "People"). Times are
// milliseconds of the server's clock. Tokens are stored only as their SHA-256.

/** `regulator` (enrolled by the admin command or another regulator) or company `staff`. */
export type PersonRole = 'regulator' | 'staff';

export interface PeopleTable {
  /** `pe_` + 16 random bytes, base64url. */
  id: string;
  role: PersonRole;
  /** The company a staff member works for; null for regulators. */
  company_id: string | null;
  /** The display name given at invitation or enrolment (a person of a company or authority). */
  name: string;
  /** The WebAuthn user handle (random, base64url). */
  webauthn_user_id: string;
  created_at: number;
  /** Who approved: `admin` (the command line), a person id, or the company id (its key signed). */
  created_by: string;
  removed_at: number | null;
}

/** A person's WebCrypto Ed25519 signing key; one current key per person. */
export interface PersonKeysTable {
  /** RFC 7638 thumbprint; a regulator signs as `rg_` + this. */
  kid: string;
  person_id: string;
  /** base64url Ed25519 public key (the JWK's `x`). */
  x: string;
  added_at: number;
  retired_at: number | null;
}

/** A WebAuthn credential of a person. */
export interface PasskeysTable {
  /** base64url credential id. */
  credential_id: string;
  person_id: string;
  /** base64url COSE public key. */
  public_key: string;
  /** The signature counter (0 for authenticators that do not count). */
  counter: number;
  /** JSON array of transports. */
  transports: string;
  created_at: number;
  last_used_at: number | null;
  retired_at: number | null;
}

/** One-time enrolment links: new people, and recoveries of a lost passkey. */
export interface EnrolmentsTable {
  /** base64url SHA-256 of the link's token. */
  token_hash: string;
  role: PersonRole;
  company_id: string | null;
  /** The name given with the invitation; the person types it at enrolment when null. */
  name: string | null;
  /** Set for a recovery: the person who enrols again. */
  person_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The person the link enrolled. */
  used_by: string | null;
}

/** WebAuthn challenges waiting for their answer; single use, short-lived. */
export interface WebauthnChallengesTable {
  id: string;
  purpose: 'enrol' | 'login';
  /** base64url challenge. */
  challenge: string;
  /** For `enrol`: the enrolment the ceremony belongs to. */
  token_hash: string | null;
  /** For `enrol`: the user handle offered to the authenticator. */
  webauthn_user_id: string | null;
  expires_at: number;
}

/** Logged-in people. The cookie holds the token; the table only its SHA-256. */
export interface SessionsTable {
  id_hash: string;
  person_id: string;
  created_at: number;
  last_seen_at: number;
  /** The absolute end, whatever the activity. */
  expires_at: number;
}

// --- rate limits (migration 0009_rate_limits) ---

/** One fixed-window request counter per bucket: `a:<client address>` or `k:<signing kid>`. */
export interface RateLimitsTable {
  bucket: string;
  /** Milliseconds since the epoch at which the counted window began (a multiple of its length). */
  window_start: number;
  /** Requests counted in that window, the refused ones included. */
  count: number;
}

// --- obligations and oversight (migration 0007_obligations) ---
// Times named `*_at` and `deadline` are milliseconds of the server's clock; `iat`, `at` seconds.

/** Every disclosure; the newest per (company, pseudonym) is the current one. */
export interface DisclosuresTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  grant_sha256: string | null;
  data_request_sha256: string | null;
  iat: number;
  created_at: number;
}

/** Access and erasure requests, with their deadline and their answer once given. */
export interface DataRequestsTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  type: 'access' | 'erasure';
  iat: number;
  received_at: number;
  deadline: number;
  answer_sha256: string | null;
  outcome: 'disclosure' | 'erased' | 'refused' | null;
  answered_at: number | null;
}

/** One accepted `access` batch: stored and counted, not logged. */
export interface AccessReportsTable {
  sha256: string;
  company_id: string;
  /** Uses within scope (entries weighted by their `count`). */
  accepted: number;
  /** Uses outside scope. */
  out_of_scope: number;
  received_at: number;
}

/** An access entry outside its grant's scope: a finding. */
export interface AccessFindingsTable {
  /** `<report sha256>:<entry index>`. */
  id: string;
  company_id: string;
  report_sha256: string;
  grant_sha256: string;
  /** The grant's pseudonym, when the grant is this company's. */
  pseudonym: string | null;
  purpose: string;
  /** JSON array. */
  data_categories: string;
  at: number;
  count: number;
  reason: string;
  received_at: number;
}

/** The latest in-scope use of data per grant, purpose and set of categories (pseudonym-activity.ts). */
export interface AccessUsesTable {
  /** `<grant sha256>:<purpose>:<categories sorted, comma-separated>`. */
  id: string;
  pseudonym: string;
  company_id: string;
  grant_sha256: string;
  purpose: string;
  /** JSON array, sorted. */
  data_categories: string;
  /** The latest reported use (epoch seconds). */
  at: number;
  /** Uses reported in total. */
  count: number;
  /** The report that named the latest use. */
  report_sha256: string;
}

/**
 * One access report's share of one row of `access_uses`: its uses of that kind merged (the latest
 * time, the sum of the counts). The row is the sum of its shares, so a report voided by a key
 * compromise can be taken out again (compromise.ts). Rows of `access_uses` from before migration
 * 0020 have one share, their whole sum under their latest report.
 */
export interface AccessUseReportsTable {
  /** `access_uses.id`. */
  use_id: string;
  report_sha256: string;
  /** Epoch seconds. */
  at: number;
  count: number;
}

/** Complaints and the regulator's decision about each. */
export interface ComplaintsTable {
  sha256: string;
  company_id: string;
  pseudonym: string;
  /** JSON array of complaint reasons. */
  reasons: string;
  /**
   * JSON array of the evidence's kinds, in its order (migration 0017; null only for a row whose
   * message that migration could not find).
   */
  evidence_kinds: string | null;
  /**
   * The evidence as a set (complaint-evidence.ts); unique among a pseudonym's open complaints
   * about a company (migration 0017). Null for evidence naming none, and for the later copies of
   * open complaints stored twice before that migration.
   */
  evidence_key: string | null;
  received_at: number;
  decision_sha256: string | null;
  decision: 'upheld' | 'dismissed' | null;
  decided_at: number | null;
}

/** Suspensions and reinstatements, as history (the status itself is on `companies`). */
export interface SuspensionsTable {
  sha256: string;
  company_id: string;
  action: 'suspend' | 'reinstate';
  /** `rg_...` of the regulator who signed. */
  regulator: string;
  received_at: number;
}

/** Live blacklist signals; `brand` is '' for the company as a whole. */
export interface BlacklistSignalsTable {
  pseudonym: string;
  company_id: string;
  brand: string;
  reason: string;
  /** The `blacklist` message that set it. */
  sha256: string;
  created_at: number;
}

// --- the sealed relay (migration 0006_relay, relay.ts) ---
// Times named `*_at` are milliseconds of the server's clock.

/** One counter per mailbox owner (`ps_…` inbox or `co_…` corrections): the cursor of its items. */
export interface RelayMailboxesTable {
  owner: string;
  seq: number;
}

/** Offers and rewards waiting in a pseudonym's inbox (deleted when acknowledged or expired). */
export interface RelayItemsTable {
  /** SHA-256 of the JWS (`messages.sha256`). */
  id: string;
  pseudonym: string;
  company_id: string;
  kind: 'offer' | 'reward';
  /** The inbox cursor: the pseudonym's mailbox counter when the item was stored. */
  seq: number;
  grant_sha256: string;
  received_at: number;
  expires_at: number;
}

/** Offers accepted, counted for the contact cap; never deleted with the offers (SPECS). */
export interface RelayContactsTable {
  offer_sha256: string;
  company_id: string;
  pseudonym: string;
  grant_sha256: string;
  accepted_at: number;
  /** `kid` of the key that signed the offer (migration 0020; null on older rows). */
  signer: string | null;
  /** The offer's `iat`, seconds (migration 0020; null on older rows). */
  signed_at: number | null;
}

/** Offers the relay refused: a finding of the company and its `refusedRelayAttempts`. */
export interface RelayRefusalsTable {
  /** SHA-256 of the refused offer JWS (kept in `messages` as evidence). */
  offer_sha256: string;
  company_id: string;
  pseudonym: string;
  grant_sha256: string;
  /** The rule that failed: a coverage rule of protocol/grants.ts, `grant_unknown`, `contact_cap` or `company_not_active`. */
  rule: string;
  refused_at: number;
}

/** Corrections waiting for their company (deleted when the company acknowledges them). */
export interface RelayCorrectionsTable {
  id: string;
  company_id: string;
  pseudonym: string;
  data_category: string;
  seq: number;
  received_at: number;
}
