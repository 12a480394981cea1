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
import { getInstance } from './instance';
import { createPeopleService, type PeopleService } from './people';
import type { ServiceContext } from './message-store';
import { defaultAckDeadlineMs } from './trust';

export interface Services {
  readonly context: ServiceContext;
  readonly requests: RequestVerifier;
  readonly companies: CompanyService;
  readonly consents: ConsentService;
  /** Regulators and staff: enrolment, passkeys, sessions, person keys (people.ts). */
  readonly people: PeopleService;
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
  const context: ServiceContext = {
    cdb: options.cdb,
    writer: options.writer,
    origin: options.origin.replace(/\/+$/, ''),
    now: options.now ?? Date.now,
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
    }),
    companies,
    consents: createConsentService(context, { companies, ackDeadlineMs }),
    people,
  };
}

/**
 * The acknowledgement deadline from `REVOCATION_ACK_DEADLINE_HOURS` (default 72).
 *
 * @example
 * ```ts
 * ackDeadlineFromEnv({ REVOCATION_ACK_DEADLINE_HOURS: '24' }); // 86_400_000
 * ```
 */
export function ackDeadlineFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env.REVOCATION_ACK_DEADLINE_HOURS?.trim();
  if (raw === undefined || raw === '') return defaultAckDeadlineMs;
  const hours = Number(raw);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 365) {
    throw new Error(
      'REVOCATION_ACK_DEADLINE_HOURS must be a whole number of hours from 1 to 8760.',
    );
  }
  return hours * 60 * 60 * 1000;
}

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
