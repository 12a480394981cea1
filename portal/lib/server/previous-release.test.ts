/**
 * Issue 12 "Running it for real": a database written by the previous release's schema is migrated
 * and still serves and verifies, on SQLite and PostgreSQL.
 *
 * The previous release is every migration but the newest (`migrateUpTo`): the state of a
 * deployment that has not started the current release yet. On that schema the API and the log
 * work as they did then: a company registers, asks, is granted, refused and revoked, sends offers,
 * and the log sequences part of it; the rest is left queued, as a stop between two releases
 * leaves it. Then the current release migrates the database and must serve everything stored,
 * sequence what was queued without moving what was already logged, accept new messages, and pass
 * the auditor's verifier (`--full`) from the checkpoint the previous release published.
 *
 * The data goes through today's services on the old schema: they write only tables that release
 * had. When a future migration changes a table these messages write, replace this with rows in
 * that release's shape (or a committed dump of them).
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { publicJwk } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import { sealSigned } from '$protocol/seal';
import { ready } from '$protocol/sodium';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as companyRoute from '../../routes/api/v1/companies/[companyId]/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as offersRoute from '../../routes/api/v1/offers/+server';
import * as inboxRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/+server';
import * as relationshipsRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/relationships/+server';
import * as refusalsRoute from '../../routes/api/v1/refusals/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import { runVerifier } from '../../../scripts/verify';
import {
  TestClock,
  claims,
  companyMessage,
  expectJson,
  get,
  newCompany,
  newPseudonym,
  post,
  requestedScope,
  sign,
  testOrigin,
  type TestCompany,
  type TestPseudonym,
  proofFetcher,
} from './api-test-kit';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest, migrateUpTo } from './db/migrate';
import { migrationsFor } from './db/migrations/index';
import { openTestDatabase, testDialects, type TestDatabase } from './db/test-databases';
import { startLog, type ClearinghouseLog } from './log/clearinghouse-log';
import { createLogHttpServer } from './log/log-http-server';
import { keyFolder, testLogConfig } from './log/test-log';
import { createServices, setServicesForTests, type Services } from './services';

interface Receipt {
  sha256: string;
}

interface LogReceipt {
  index: number;
  checkpoint: string;
}

describe.each(testDialects)('a database of the previous release on %s', (dialect) => {
  let tdb: TestDatabase | undefined;
  let keys: ReturnType<typeof keyFolder> | undefined;
  let writer: DurableWriter | undefined;
  let log: ClearinghouseLog | undefined;

  afterEach(async () => {
    setServicesForTests(undefined);
    await log?.stop();
    await writer?.close();
    await tdb?.dispose();
    keys?.remove();
    log = writer = tdb = keys = undefined;
  });

  it('is migrated, serves what it stored, logs what it queued and verifies from its checkpoint', async () => {
    await ready();
    const names = Object.keys(migrationsFor(dialect)).sort();
    const previousRelease = names.at(-2)!;
    tdb = await openTestDatabase(dialect);
    keys = keyFolder();
    const clock = new TestClock();
    // Thursday 19:00 in Berlin: inside the example scope's time window, so offers are covered.
    clock.advance(18 * 3600);
    const proofs = new Map<string, unknown>();
    const fetchProof = proofFetcher(proofs);
    let services: Services | undefined;
    const useServices = async () => {
      writer = createDurableWriter(tdb!.cdb, { maxWaitMs: 1 });
      services = await createServices({
        cdb: tdb!.cdb,
        writer,
        origin: testOrigin,
        now: clock.now,
        fetchProof,
      });
      setServicesForTests(services);
    };

    // ----- the previous release at work -------------------------------------------------------
    expect((await migrateUpTo(tdb.cdb, previousRelease)).applied).toEqual(
      names.slice(0, names.indexOf(previousRelease) + 1),
    );
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await useServices();

    const company = newCompany();
    proofs.set(company.domain, { keys: [company.kid] });
    const registered = await post(
      companiesRoute.POST,
      '/api/v1/companies',
      await sign('company', companyMessage(clock, company), company.keyPair),
    );
    const registration = await expectJson<Receipt>(registered, 201);
    const request = await expectJson<Receipt>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await sign(
          'grant-request',
          {
            ...claims(clock, company.id, testOrigin),
            scopes: [requestedScope(clock)],
            reason: { de: 'Neuigkeiten zu Laufschuhen.', en: 'News about running shoes.' },
          },
          company.keyPair,
        ),
      ),
      201,
    );
    const customers = Array.from({ length: 4 }, () => newPseudonym(company.id));
    const grants: string[] = [];
    for (const pseudonym of customers.slice(0, 3)) {
      grants.push(await grant(pseudonym, company, request.sha256, clock));
    }
    const refusal = await expectJson<Receipt>(
      await post(
        refusalsRoute.POST,
        '/api/v1/refusals',
        await sign(
          'refusal',
          {
            ...claims(clock, customers[3]!.id, company.id),
            requestSha256: request.sha256,
            pseudonymKey: publicJwk(customers[3]!.keyPair),
          } as Payload<'refusal'>,
          customers[3]!.keyPair,
        ),
      ),
      201,
    );
    const revocation = await expectJson<Receipt>(
      await post(
        revocationsRoute.POST,
        '/api/v1/revocations',
        await sign(
          'revocation',
          {
            ...claims(clock, customers[2]!.id, company.id),
            grants: [{ grantSha256: grants[2]! }],
          },
          customers[2]!.keyPair,
        ),
      ),
      201,
    );
    const offers: { id: string }[] = [];
    for (let i = 0; i < 2; i++) {
      offers.push(
        await expectJson<{ id: string }>(
          await post(
            offersRoute.POST,
            '/api/v1/offers',
            await offerToken(company, customers[0]!, grants[0]!, clock),
          ),
          201,
        ),
      );
    }
    // An invitation still open when the previous release stops (migration 0021 indexes them).
    await services!.people.createEnrolment({
      role: 'staff',
      companyId: company.id,
      name: 'Paula Previous',
      createdBy: 'admin',
    });
    const sequencedBefore = [registration.sha256, request.sha256, ...grants, refusal.sha256];
    await log.sequencer.flush();
    const before = await receiptsOf(log, [...sequencedBefore, revocation.sha256]);
    const previousCheckpoint = before.at(-1)!.checkpoint;
    // Stored but not yet in the log when the previous release stops.
    await log.stop();
    log = undefined;
    const late = newPseudonym(company.id);
    const queued = await grant(late, company, request.sha256, clock);
    setServicesForTests(undefined);
    await writer!.close();
    writer = undefined;

    // ----- the current release starts on it --------------------------------------------------
    const migrated = await migrateToLatest(tdb.cdb);
    expect(migrated.applied).toEqual(names.slice(names.indexOf(previousRelease) + 1));
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await useServices();

    // It still serves what the previous release stored ...
    const profile = await expectJson(
      await get(companyRoute.GET, `/api/v1/companies/${company.id}`, clock),
      200,
    );
    expect(profile).toMatchObject({
      id: company.id,
      status: 'active',
      legalName: 'Beispiel Sport GmbH',
    });
    const relationships = await expectJson<{ grants: { sha256: string; status: string }[] }>(
      await get(
        relationshipsRoute.GET,
        `/api/v1/pseudonyms/${customers[2]!.id}/relationships`,
        clock,
        customers[2]!,
      ),
      200,
    );
    expect(relationships.grants).toMatchObject([{ sha256: grants[2], status: 'revoked' }]);
    // The company console still lists the invitation the previous release left open (beside
    // the registration's own staff link, which has no name).
    expect(
      (await services!.people.openInvitationsOfCompany(company.id))
        .map((open) => open.name ?? '(registration)')
        .sort(),
    ).toEqual(['(registration)', 'Paula Previous']);
    const inbox = await expectJson<{ items: { id: string; kind: string }[] }>(
      await get(
        inboxRoute.GET,
        `/api/v1/pseudonyms/${customers[0]!.id}/inbox`,
        clock,
        customers[0]!,
      ),
      200,
    );
    expect(inbox.items.map((item) => item.id).sort()).toEqual(offers.map((o) => o.id).sort());

    // ... accepts new messages ...
    const after = await grant(newPseudonym(company.id), company, request.sha256, clock);

    // ... logs what was queued, and never moves an entry the previous release logged.
    await log.sequencer.flush();
    const now = await receiptsOf(log, [...sequencedBefore, revocation.sha256, queued, after]);
    expect(now.slice(0, before.length).map((r) => r.index)).toEqual(before.map((r) => r.index));
    expect(new Set(now.map((r) => r.index)).size).toBe(now.length);

    // The auditor's verifier, pinned to the previous release's checkpoint: consistent, and every
    // entry and tile recomputed.
    const server = createLogHttpServer(log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const state = join(keys.dir, 'verifier-state.json');
      writeFileSync(
        state,
        JSON.stringify({
          v: 1,
          logOrigin: log.description.logOrigin,
          logVerifierKey: log.description.logVerifierKey,
          checkpoint: previousCheckpoint,
        }),
      );
      let out = '';
      const code = await runVerifier(
        [
          '--url',
          `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          '--state',
          state,
          '--full',
        ],
        {
          fetch: globalThis.fetch,
          stdout: (line) => (out += `${line}\n`),
          stderr: { write: (text) => void (out += text) },
        },
      );
      expect(out).toContain('consistent with the last checkpoint seen');
      expect(code, out).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

async function grant(
  pseudonym: TestPseudonym,
  company: TestCompany,
  requestSha256: string,
  clock: TestClock,
): Promise<string> {
  const token = await sign(
    'grant',
    {
      ...claims(clock, pseudonym.id, company.id),
      requestSha256,
      scopes: [{ ...requestedScope(clock), channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: clock.seconds() + 365 * 86_400,
      pseudonymKey: publicJwk(pseudonym.keyPair),
    },
    pseudonym.keyPair,
  );
  return (await expectJson<Receipt>(await post(grantsRoute.POST, '/api/v1/grants', token), 201))
    .sha256;
}

async function offerToken(
  company: TestCompany,
  pseudonym: TestPseudonym,
  grantSha256: string,
  clock: TestClock,
): Promise<string> {
  const validUntil = clock.seconds() + 14 * 86_400;
  const common = { grantSha256, purpose: 'product_launch', channel: 'newsletter', validUntil };
  const { sealed } = await sealSigned(pseudonym.keyPair.publicKey, {
    kind: 'offer-content',
    keyPair: company.keyPair,
    payload: {
      ...claims(clock, company.id, pseudonym.id),
      ...common,
      exp: validUntil,
      brand: 'Beispiel Sport',
      category: 'sports/running',
      title: 'Neue Laufschuhe',
      body: 'Jetzt im Laden.',
      advertisement: true,
      unsubscribe: 'https://sport.example/unsubscribe',
    },
  });
  return sign(
    'offer',
    {
      ...claims(clock, company.id, pseudonym.id),
      ...common,
      sealed: base64urlEncode(sealed),
    } as Payload<'offer'>,
    company.keyPair,
  );
}

/** The receipts of `shas` from the log's own HTTP surface, each verified to be sequenced. */
async function receiptsOf(log: ClearinghouseLog, shas: readonly string[]): Promise<LogReceipt[]> {
  const server = createLogHttpServer(log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const receipts: LogReceipt[] = [];
    for (const sha256 of shas) {
      const response = await fetch(`${base}/api/v1/log/receipts/${sha256}?wait=0`);
      expect(response.status, `${sha256}: ${await response.clone().text()}`).toBe(200);
      receipts.push((await response.json()) as LogReceipt);
    }
    return receipts;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
