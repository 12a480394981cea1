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

/** The index each sequenced message got (for receipts); sha256 unique. */
export interface LogLeavesTable {
  idx: number;
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
}

/** The company feed: grants, refusals and revocations in the order they were stored. */
export interface ConsentEventsTable {
  company_id: string;
  seq: number;
  kind: 'grant' | 'refusal' | 'revocation';
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
