/**
 * The API's services, wired once per process from the running instance (database, durable
 * writer, origin) and the environment, and replaceable in tests, so routes stay thin: parse,
 * authorise, call a service, map the answer.
 */
import { ready } from '$protocol/sodium';
import { createRequestVerifier, type RequestVerifier } from './auth/signatures';
import { createCompanyService, type CompanyService } from './companies';
import { createConsentService, type ConsentService } from './consents';
import type { ClearinghouseDb } from './db/database';
import type { DurableWriter } from './db/durable-writer';
import { createProofFetcher, type ProofFetcher } from './domain-proof';
import { companyFindings, type Finding } from './findings';
import { getInstance } from './instance';
import {
  createObligationService,
  ackDeadlineFromEnv,
  dataRequestDeadlineFromEnv,
  type ObligationService,
} from './obligations';
import { createOversightService, type OversightService } from './oversight';
import { createPeopleService, type PeopleService } from './people';
import type { ServiceContext } from './message-store';
import { createRelayService, type RelayService } from './relay';
import { defaultAckDeadlineMs } from './trust';
import {
  createRateLimiter,
  keyLimitedWriter,
  rateLimitsFromEnv,
  type RateLimitConfig,
  type RateLimiter,
} from './rate-limits';

export interface Services {
  readonly context: ServiceContext;
  readonly requests: RequestVerifier;
  readonly companies: CompanyService;
  readonly consents: ConsentService;
  /** Regulators and staff: enrolment, passkeys, sessions, person keys (people.ts). */
  readonly people: PeopleService;
  /** Disclosures, data requests and answers, access reports (obligations.ts). */
  readonly obligations: ObligationService;
  /** Complaints, decisions, suspensions, blacklist signals (oversight.ts). */
  readonly oversight: OversightService;
  /** Every finding of a company (findings.ts), as the company and the regulator see it. */
  findings(companyId: string): Promise<Finding[]>;
  /** Per-address and per-key budgets (rate-limits.ts); the hook charges addresses. */
  readonly rateLimits: RateLimiter;
  /** The sealed relay: offers, rewards, inboxes, corrections (relay.ts). */
  readonly relay: RelayService;
}

export interface ServicesOptions {
  cdb: ClearinghouseDb;
  writer: DurableWriter;
  /** The clearinghouse's public origin (`ORIGIN`). */
  origin: string;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Default: the fenced node:http(s) fetcher of domain-proof.ts. */
  fetchProof?: ProofFetcher;
  /** Default 72 hours (`REVOCATION_ACK_DEADLINE_HOURS`). */
  ackDeadlineMs?: number;
  /** Default one month (`DATA_REQUEST_DEADLINE_DAYS` sets days instead; obligations.ts). */
  dataRequestDeadlineMs?: number;
  /** Default: no limits (tests); the server passes `rateLimitsFromEnv()`. */
  rateLimits?: RateLimitConfig;
}

/**
 * Creates the services on a database and writer.
 *
 * @example
 * ```ts
 * const services = await createServices({ cdb, writer: createDurableWriter(cdb), origin: 'http://localhost:3000' });
 * await services.consents.submitGrant(token);
 * ```
 */
export async function createServices(options: ServicesOptions): Promise<Services> {
  await ready(); // libsodium: hashes and signature checks below are synchronous
  const now = options.now ?? Date.now;
  const rateLimits = createRateLimiter({
    db: options.cdb.db,
    config: options.rateLimits ?? { addressPerMinute: 0, keyPerMinute: 0 },
    now,
  });
  const context: ServiceContext = {
    cdb: options.cdb,
    // Every stored signed message passes the writer with its verified kid: the per-key limit.
    writer: keyLimitedWriter(options.writer, rateLimits),
    origin: options.origin.replace(/\/+$/, ''),
    now,
  };
  const ackDeadlineMs = options.ackDeadlineMs ?? defaultAckDeadlineMs;
  const people = createPeopleService(context);
  const companies = createCompanyService(context, {
    fetchProof: options.fetchProof ?? createProofFetcher(),
    ackDeadlineMs,
    // A new company's answer carries its first staff enrolment link (docs/api.md "People").
    staffInvitation: (companyId) =>
      people.createEnrolment({ role: 'staff', companyId, createdBy: companyId }),
  });
  return {
    context,
    requests: createRequestVerifier({
      db: context.cdb.db,
      origin: context.origin,
      now: context.now,
      limiter: rateLimits,
    }),
    companies,
    consents: createConsentService(context, { companies, ackDeadlineMs }),
    relay: createRelayService(context, { companies }),
    people,
    rateLimits,
    obligations: createObligationService(context, {
      companies,
      dataRequestDeadlineMs: options.dataRequestDeadlineMs,
    }),
    oversight: createOversightService(context, { companies }),
    findings: (companyId) =>
      companyFindings(context.cdb.db, companyId, { nowMs: context.now(), ackDeadlineMs }),
  };
}

// Its parser lives beside DATA_REQUEST_DEADLINE_DAYS's, where the start check (instance.ts) reads
// it too; re-exported for the pages that read it from here.
export { ackDeadlineFromEnv };

let current: Promise<Services> | undefined;

/**
 * The process's services, on the running instance.
 *
 * @example
 * ```ts
 * const { consents } = await getServices();
 * ```
 */
export function getServices(): Promise<Services> {
  current ??= getInstance()
    .then((instance) =>
      createServices({
        cdb: instance.database,
        writer: instance.writer,
        origin: instance.log.config.origin,
        ackDeadlineMs: ackDeadlineFromEnv(),
        dataRequestDeadlineMs: dataRequestDeadlineFromEnv(),
        rateLimits: rateLimitsFromEnv(),
      }),
    )
    .catch((error: unknown) => {
      current = undefined;
      throw error;
    });
  return current;
}

/** Tests: route handlers use `services` until this is called again with `undefined`. */
export function setServicesForTests(services: Services | undefined): void {
  current = services === undefined ? undefined : Promise.resolve(services);
}
