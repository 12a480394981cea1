/**
 * The representative slice of bench/capacity.bench.ts: a clearinghouse's year in miniature,
 * every message signed by its sender and submitted through the service layer
 * (portal/lib/server/services.ts), as the API routes submit it. Each phase signs its messages
 * first (not measured), then submits them with up to {@link inFlight} calls at once, so the
 * durable writer group-commits as under load, and measures wall time and CPU around the
 * submissions only; after each phase it takes the size of every table.
 *
 * Phases, for `companies` companies and `customers` customers with `relationshipsPerCustomer`
 * relationships each (one pseudonym per relationship):
 *
 * 1. `company`: registrations with their domain proofs (a stub of the companies' sites).
 * 2. `grant-request`: one open request per company.
 * 3. `grant` / `refusal`: every relationship's first message binds its pseudonym; every tenth is
 *    a refusal, the rest grants.
 * 4. `grant-request (targeted)`: a request sent to every tenth granted pseudonym.
 * 5. `offer`: `offersPerRelationship` rounds of one sealed offer per grant (inner
 *    `offer-content` signed by the company, sealed to the pseudonym's key).
 * 6. `inbox read` and `inbox ack`: each granted pseudonym reads its inbox with a signed GET and
 *    acknowledges everything with a signed DELETE (`?through=`), which deletes the items and
 *    their messages; the contact counts stay.
 * 7. `access`: every company reports `accessEntriesPerRelationship` uses per grant in batches
 *    of at most 256 entries.
 * 8. `disclosure`: one per grant, holdings only (what the company holds, in clear).
 * 9. `data-request`, `disclosure (export)`, `data-request-answer`: every twentieth grant's
 *    pseudonym asks; access requests are answered by a disclosure with a sealed export of
 *    `exportBytes` plaintext bytes and an answer naming it, erasure requests (every fifth) by an
 *    `erased` answer.
 * 10. `revocation` and `revocation-ack`: every tenth grant is revoked and acknowledged.
 * 11. The log, sequenced twice: after step 3 the backlog so far with the server's defaults (full
 *     rounds of 256 joined into one transaction, as after a burst), and at the end the rest with
 *     one round of 256 per transaction (the steady state of the 250 ms cadence).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { sha256Of } from '../../protocol/jws';
import { exampleMessages } from '../../protocol/messages/examples';
import type { Payload, Scope } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { ready } from '../../protocol/sodium';
import type { ClearinghouseDb } from '../../portal/lib/server/db/database';
import { createDurableWriter } from '../../portal/lib/server/db/durable-writer';
import { logOriginOf, startLog } from '../../portal/lib/server/log/clearinghouse-log';
import type { LogHead } from '../../portal/lib/server/log/sequencer';
import { createServices } from '../../portal/lib/server/services';
import { freshKey, signWith, type ClientKey } from '../portal/regulator-fixture/signer';
import {
  postgresCpuSeconds,
  processCpuSeconds,
  tableSizes,
  walPosition,
  type SizeSnapshot,
} from './measure';

export const origin = 'http://localhost:3000';
/** Calls in flight at once within a phase. */
const inFlight = 64;

export interface ScenarioOptions {
  companies: number;
  customers: number;
  relationshipsPerCustomer: number;
  offersPerRelationship: number;
  accessEntriesPerRelationship: number;
  /** Plaintext bytes of a disclosure's sealed export. */
  exportBytes: number;
  /** The PostgreSQL cluster's directory (scripts/postgres.mjs), for the server's CPU time. */
  postgresDataDir?: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/** What one phase cost. */
export interface PhaseResult {
  name: string;
  /** Service calls made (messages submitted, or inbox reads). */
  ops: number;
  /** Signed messages among them that the log takes (sequenced in the `log` phase). */
  logged: number;
  seconds: number;
  /** CPU seconds of this process (client signing excluded: done before the clock starts). */
  nodeCpu: number;
  /** CPU seconds of the PostgreSQL server's processes (undefined on SQLite). */
  databaseCpu?: number;
  /** What the calls carried when that differs from `ops` (the entries of the access batches). */
  items?: number;
  /** WAL bytes PostgreSQL wrote (undefined on SQLite). */
  walBytes?: number;
  /** Table sizes after the phase. */
  sizes: SizeSnapshot;
}

export interface ScenarioResult {
  baseline: SizeSnapshot;
  phases: PhaseResult[];
  /** Messages by kind: rows and average JWS length, at the end. */
  messages: { kind: string; rows: number; avgJws: number }[];
  /** Messages by kind as stored after the offers were relayed, before the inbox reads. */
  messagesInTransit: { kind: string; rows: number; avgJws: number }[];
  log: {
    size: number;
    tiles: number;
    tileBytes: number;
    subtreeBytes: number;
    bundles: number;
    bundleBytes: number;
    entryBytes: number;
  };
}

interface Company {
  key: ClientKey;
  id: string;
  domain: string;
  request: string;
}

interface Relationship {
  company: Company;
  key: ClientKey;
  ps: string;
  /** The grant's sha256, or undefined for a refusal. */
  grant?: string;
  grantIat: number;
}

/** The SQL function giving a blob's length in bytes. */
function dialectBytes(cdb: ClearinghouseDb): string {
  return cdb.dialect === 'postgres' ? 'octet_length' : 'length';
}

/** Runs `tasks` with at most {@link inFlight} at once; rejects on the first failure. */
async function runAll(tasks: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/** A realistic Art. 15 export: a customer record with an order history, `bytes` long. */
function exportDocument(bytes: number, serial: number): string {
  const orders: unknown[] = [];
  const document = {
    customer: {
      number: `K-${String(100_000 + serial)}`,
      name: 'Erika Mustermann',
      addresses: [{ street: 'Heidestraße 17', postalCode: '51147', city: 'Köln', country: 'DE' }],
      email: `kundin${serial}@example.org`,
      preferences: { newsletter: true, categories: ['sports/running', 'outdoor'] },
    },
    orders,
  };
  let text = JSON.stringify(document);
  for (let i = 0; text.length < bytes; i++) {
    orders.push({
      id: `B-${serial}-${i}`,
      date: `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
      items: [{ sku: `SKU-${(serial * 31 + i) % 9973}`, title: 'Trailschuh Modell 7', qty: 1 }],
      total: { amount: 89.95 + i, currency: 'EUR' },
    });
    text = JSON.stringify(document);
  }
  return text.slice(0, Math.max(bytes, 2)).replace(/.$/, '}');
}

/**
 * Seeds the slice on a migrated, empty database and measures each phase.
 *
 * @throws Error when any service call does not store what it was given (the run is then void).
 */
export async function runScenario(
  cdb: ClearinghouseDb,
  options: ScenarioOptions,
): Promise<ScenarioResult> {
  await ready();
  const keyDir = mkdtempSync(join(tmpdir(), 'capacity-keys-'));
  const writer = createDurableWriter(cdb);
  const logConfig = {
    origin,
    logOrigin: logOriginOf(origin),
    logKeyPath: join(keyDir, 'log-key.json'),
    webhookKeyPath: join(keyDir, 'webhook-key.json'),
    runSequencer: false,
  };
  // Two sequencers of the same log (same key), neither looping: the server's defaults, which
  // join full rounds of a backlog into one transaction, and one round of 256 per transaction,
  // the steady state of the 250 ms cadence (see the module comment).
  const backlogLog = await startLog(cdb, logConfig);
  const log = await startLog(cdb, logConfig, { maxTransactionEntries: 256 });
  let clock = Date.UTC(2026, 2, 2, 9, 0, 0);
  const proofs = new Map<string, string>();
  const services = await createServices({
    cdb,
    writer,
    origin,
    now: () => clock,
    fetchProof: async (url) => ({
      status: 200,
      body: new TextEncoder().encode(JSON.stringify({ keys: [proofs.get(url.origin)] })),
    }),
  });
  const seconds = () => Math.floor(clock / 1000);
  const claims = (iss: string, aud: string) => ({
    v: 1 as const,
    iss,
    aud,
    iat: seconds(),
    exp: seconds() + 300,
    jti: randomUUID(),
  });
  const phases: PhaseResult[] = [];
  const baseline = await tableSizes(cdb);

  async function phase(
    name: string,
    logged: number,
    tasks: (() => Promise<unknown>)[],
    /** What counts as a call when it is not a task (the entries a flush sequenced). */
    countOps: () => number = () => tasks.length,
  ): Promise<void> {
    const wal0 = await walPosition(cdb);
    const db0 =
      options.postgresDataDir === undefined
        ? undefined
        : postgresCpuSeconds(options.postgresDataDir);
    const cpu0 = processCpuSeconds();
    const t0 = performance.now();
    await runAll(tasks);
    const wall = (performance.now() - t0) / 1000;
    const nodeCpu = processCpuSeconds() - cpu0;
    const db1 =
      options.postgresDataDir === undefined
        ? undefined
        : postgresCpuSeconds(options.postgresDataDir);
    const wal1 = await walPosition(cdb);
    const sizes = await tableSizes(cdb);
    const ops = countOps();
    const result: PhaseResult = {
      name,
      ops,
      logged,
      seconds: wall,
      nodeCpu,
      sizes,
      ...(db0 !== undefined && db1 !== undefined ? { databaseCpu: db1 - db0 } : {}),
      ...(wal0 !== undefined && wal1 !== undefined ? { walBytes: wal1 - wal0 } : {}),
    };
    phases.push(result);
    options.log(
      `  ${name.padEnd(28)} ${String(ops).padStart(7)} calls in ${wall.toFixed(1)} s ` +
        `(${(ops / wall).toFixed(0)}/s; this process ${((nodeCpu / ops) * 1e6).toFixed(0)} µs CPU per call` +
        (result.databaseCpu === undefined
          ? ')'
          : `, PostgreSQL ${((result.databaseCpu / ops) * 1e6).toFixed(0)} µs)`),
    );
  }

  /**
   * Sequences everything queued with `sequencer` as one phase whose calls are the entries
   * sequenced; the log must then hold every logged message sent so far.
   */
  async function sequence(
    name: string,
    which: Awaited<ReturnType<typeof startLog>>,
  ): Promise<LogHead> {
    const expected = phases.reduce((sum, p) => sum + p.logged, 0);
    let head = which.sequencer.head();
    const from = Number(
      (await cdb.db.selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size,
    );
    await phase(
      name,
      0,
      [
        async () => {
          head = await which.sequencer.flush();
        },
      ],
      () => head.size - from,
    );
    if (head.size !== expected) {
      throw new Error(`the log holds ${head.size} entries, ${expected} logged messages were sent`);
    }
    return head;
  }

  /** A stored, new message, or the run is void. */
  const created = async (what: string, receipt: Promise<{ created: boolean }>) => {
    const answer = await receipt;
    if (!answer.created) throw new Error(`a ${what} was answered as a resend`);
  };

  const messageKinds = async () => {
    const rows = await cdb.db
      .selectFrom('messages')
      .select((eb) => [
        'kind',
        eb.fn.countAll<number>().as('rows'),
        eb.fn.avg<number>(eb.fn('length', ['jws'])).as('avg'),
      ])
      .groupBy('kind')
      .orderBy('kind')
      .execute();
    return rows.map((row) => ({
      kind: row.kind,
      rows: Number(row.rows),
      avgJws: Math.round(Number(row.avg)),
    }));
  };

  try {
    // The scope every company asks for: newsletters, no time window, at most 10 a week.
    const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
    const { timeWindows: _windows, ...conditions } = base.conditions;
    const scope: Scope = {
      ...base,
      conditions: {
        ...conditions,
        maxContactsPerWeek: 10,
        validUntil: seconds() + 2 * 365 * 86_400,
      },
    };
    const grantScope: Scope = { ...scope, channels: ['newsletter'] };

    // 1. Companies.
    const companies: Company[] = Array.from({ length: options.companies }, (_, i) => {
      const key = freshKey();
      const domain = `https://c${i}.capacity.example`;
      proofs.set(domain, key.kid);
      return { key, id: `co_${key.kid}`, domain, request: '' };
    });
    const registrations = companies.map((company, i) =>
      signWith(
        'company',
        {
          ...claims(company.id, origin),
          legalName: `Unternehmen ${String(i).padStart(5, '0')} GmbH`,
          registerId: `HRB ${10_000 + i}, Amtsgericht Beispielstadt`,
          domain: company.domain,
          contact: { email: `datenschutz@c${i}.capacity.example`, phone: '+498912345678' },
          keys: [company.key.jwk],
          purposes: ['product_launch', 'personalised_advertising', 'service_support'],
          brands: [`Marke ${i}`],
        } as Payload<'company'>,
        company.key,
      ),
    );
    await phase(
      'company',
      companies.length,
      registrations.map((token) => () => services.companies.register(token)),
    );

    // 2. Open grant requests.
    const requests = companies.map((company) => {
      const token = signWith(
        'grant-request',
        {
          ...claims(company.id, origin),
          scopes: [scope],
          incentive: exampleMessages['grant-request'].incentive,
          reason: exampleMessages['grant-request'].reason,
        } as Payload<'grant-request'>,
        company.key,
      );
      company.request = sha256Of(token);
      return token;
    });
    await phase(
      'grant-request',
      requests.length,
      requests.map(
        (token) => () => created('grant request', services.consents.createGrantRequest(token)),
      ),
    );

    // 3. Grants and refusals: customer c's relationships are with companies c, c+1, ... (mod).
    clock += 3_600_000;
    const until = seconds() + 365 * 86_400;
    const relationships: Relationship[] = [];
    const firstMessages: (() => Promise<unknown>)[] = [];
    let refusals = 0;
    for (let c = 0; c < options.customers; c++) {
      for (let r = 0; r < options.relationshipsPerCustomer; r++) {
        const company = companies[(c * 7 + r) % companies.length]!;
        const key = freshKey();
        const ps = `ps_${key.kid}`;
        const relationship: Relationship = { company, key, ps, grantIat: seconds() };
        relationships.push(relationship);
        if (relationships.length % 10 === 0) {
          refusals++;
          const token = signWith(
            'refusal',
            {
              ...claims(ps, company.id),
              requestSha256: company.request,
              askAgainAfter: seconds() + 180 * 86_400,
              pseudonymKey: key.jwk,
            },
            key,
          );
          firstMessages.push(() => created('refusal', services.consents.submitRefusal(token)));
        } else {
          const token = signWith(
            'grant',
            {
              ...claims(ps, company.id),
              requestSha256: company.request,
              scopes: [grantScope],
              preferredChannel: 'newsletter',
              until,
              relationshipType: 'pragmatic_buyer',
              pseudonymKey: key.jwk,
            },
            key,
          );
          relationship.grant = sha256Of(token);
          firstMessages.push(() => created('grant', services.consents.submitGrant(token)));
        }
      }
    }
    await phase(`grant (${refusals} refusals)`, firstMessages.length, firstMessages);
    const granted = relationships.filter((relationship) => relationship.grant !== undefined);

    // The log so far, drained as a backlog (the defaults: full rounds joined).
    await sequence('log: backlog, joined rounds', backlogLog);

    // 4. Targeted grant requests.
    const targeted = granted
      .filter((_, i) => i % 10 === 0)
      .map(({ company, ps }) =>
        signWith(
          'grant-request',
          {
            ...claims(company.id, ps),
            scopes: [{ ...scope, purpose: 'personalised_advertising' }],
            reason: { de: 'Angebote nach Ihren Interessen.', en: 'Offers after your interests.' },
          } as Payload<'grant-request'>,
          company.key,
        ),
      );
    await phase(
      'grant-request (targeted)',
      targeted.length,
      targeted.map(
        (token) => () => created('grant request', services.consents.createGrantRequest(token)),
      ),
    );

    // 5. Offers, round after round (each round: one per grant, an hour apart).
    const offerBody =
      'Leicht, griffig und wasserabweisend: der neue Trailschuh für nasse Herbstläufe. ' +
      'Mit verstärkter Zehenkappe, 6 mm Sprengung und einer Sohle, die auch auf nassen Wurzeln ' +
      'hält. Für Mitglieder unseres Laufclubs diese Woche mit 10 % Rabatt, solange der Vorrat ' +
      'reicht. Größen 36 bis 47, in drei Farben.';
    for (let round = 0; round < options.offersPerRelationship; round++) {
      clock += 3_600_000;
      const validUntil = seconds() + 14 * 86_400;
      const offers = granted.map(({ company, ps, key, grant }) => {
        const common = {
          grantSha256: grant!,
          purpose: 'product_launch' as const,
          channel: 'newsletter' as const,
          validUntil,
        };
        const inner = signWith(
          'offer-content',
          {
            ...claims(company.id, ps),
            exp: validUntil,
            ...common,
            brand: 'Beispiel Running',
            category: 'sports/running',
            title: 'Der neue Trailschuh ist da',
            body: offerBody,
            link: 'https://sport.example/trail',
            advertisement: true,
            unsubscribe: 'https://sport.example/abmelden',
          },
          company.key,
        );
        return signWith(
          'offer',
          {
            ...claims(company.id, ps),
            ...common,
            sealed: base64urlEncode(sealTo(base64urlDecode(key.jwk.x), inner)),
          },
          company.key,
        );
      });
      await phase(
        `offer (round ${round + 1})`,
        0,
        offers.map((token) => async () => {
          const receipt = await services.relay.sendOffer(token);
          if (receipt.status !== 'queued') throw new Error(`an offer was ${receipt.status}`);
        }),
      );
    }
    const messagesInTransit = await messageKinds();

    // 6. Inbox: a signed read, then a signed acknowledgement of everything read.
    clock += 3_600_000;
    const request = (key: ClientKey, ps: string, method: 'GET' | 'DELETE', path: string) =>
      `Signature ${signWith(
        'request',
        { ...claims(ps, origin), exp: seconds() + 60, method, path },
        key,
      )}`;
    const reads = granted.map(({ ps, key }) => {
      const path = `/api/v1/pseudonyms/${ps}/inbox?after=0&limit=100`;
      const authorization = request(key, ps, 'GET', path);
      return async () => {
        await services.requests.verify(authorization, 'GET', path);
        const { items } = await services.relay.inbox(ps, 0, 100);
        if (items.length !== options.offersPerRelationship)
          throw new Error(`an inbox held ${items.length} items`);
      };
    });
    await phase('inbox read', 0, reads);
    const acks = granted.map(({ ps, key }) => {
      const through = options.offersPerRelationship;
      const path = `/api/v1/pseudonyms/${ps}/inbox?through=${through}`;
      const authorization = request(key, ps, 'DELETE', path);
      return async () => {
        await services.requests.verify(authorization, 'DELETE', path);
        const { deleted } = await services.relay.acknowledgeThrough(ps, through);
        if (deleted !== through) throw new Error(`an acknowledgement deleted ${deleted} items`);
      };
    });
    await phase('inbox ack (delete)', 0, acks);

    // 7. Access reports: each company's uses, in batches of at most 256 entries.
    clock += 3_600_000;
    const perCompany = new Map<Company, Relationship[]>();
    for (const relationship of granted) {
      const list = perCompany.get(relationship.company) ?? [];
      list.push(relationship);
      perCompany.set(relationship.company, list);
    }
    const batches: string[] = [];
    let accessEntries = 0;
    for (const [company, list] of perCompany) {
      const entries: Payload<'access'>['entries'][number][] = [];
      for (const { grant, grantIat } of list) {
        for (let k = 0; k < options.accessEntriesPerRelationship; k++) {
          entries.push({
            grantSha256: grant!,
            purpose: 'product_launch',
            dataCategories: k % 2 === 0 ? ['address'] : ['address', 'preferences_habits'],
            at: grantIat + 600 + k * 60,
            count: 1,
          });
        }
      }
      accessEntries += entries.length;
      for (let from = 0; from < entries.length; from += 256) {
        batches.push(
          signWith(
            'access',
            { ...claims(company.id, origin), entries: entries.slice(from, from + 256) },
            company.key,
          ),
        );
      }
    }
    await phase(
      `access (${accessEntries} entries)`,
      0,
      batches.map((token) => async () => {
        const receipt = await services.obligations.reportAccess(token);
        if (receipt.outOfScope !== 0) throw new Error('an access entry was out of scope');
      }),
    );
    phases[phases.length - 1]!.items = accessEntries;

    // 8. Disclosures, holdings only.
    const holdings = structuredClone(
      exampleMessages.disclosure.holdings,
    ) as Payload<'disclosure'>['holdings'];
    holdings.push({
      dataCategory: 'preferences_habits',
      sources: ['direct', 'derived'],
      purposes: ['product_launch'],
      retentionDays: 730,
      recipients: [],
    });
    const disclosures = granted.map(({ company, ps, grant }) =>
      signWith(
        'disclosure',
        { ...claims(company.id, ps), grantSha256: grant!, holdings },
        company.key,
      ),
    );
    await phase(
      'disclosure',
      disclosures.length,
      disclosures.map(
        (token) => () => created('disclosure', services.obligations.submitDisclosure(token)),
      ),
    );

    // 9. Data requests, their disclosures with an export, and the answers.
    clock += 3_600_000;
    const asking = granted.filter((_, i) => i % 20 === 0);
    const dataRequests = asking.map(({ company, ps, key }, i) => {
      const type = i % 5 === 4 ? ('erasure' as const) : ('access' as const);
      const token = signWith('data-request', { ...claims(ps, company.id), type }, key);
      return { type, token, sha256: sha256Of(token) };
    });
    await phase(
      'data-request',
      dataRequests.length,
      dataRequests.map(
        ({ token }) =>
          () =>
            created('data request', services.obligations.submitDataRequest(token)),
      ),
    );
    clock += 86_400_000;
    const exports: string[] = [];
    const answers: string[] = [];
    asking.forEach(({ company, ps, key, grant }, i) => {
      const asked = dataRequests[i]!;
      if (asked.type === 'access') {
        const disclosure = signWith(
          'disclosure',
          {
            ...claims(company.id, ps),
            grantSha256: grant!,
            dataRequestSha256: asked.sha256,
            holdings,
            export: base64urlEncode(
              sealTo(base64urlDecode(key.jwk.x), exportDocument(options.exportBytes, i)),
            ),
          },
          company.key,
        );
        exports.push(disclosure);
        answers.push(
          signWith(
            'data-request-answer',
            {
              ...claims(company.id, ps),
              requestSha256: asked.sha256,
              outcome: 'disclosure',
              disclosureSha256: sha256Of(disclosure),
            },
            company.key,
          ),
        );
      } else {
        answers.push(
          signWith(
            'data-request-answer',
            {
              ...claims(company.id, ps),
              requestSha256: asked.sha256,
              outcome: 'erased',
              dataCategories: ['address', 'preferences_habits'],
              erasedAt: seconds() - 600,
            },
            company.key,
          ),
        );
      }
    });
    await phase(
      'disclosure (sealed export)',
      exports.length,
      exports.map(
        (token) => () => created('disclosure', services.obligations.submitDisclosure(token)),
      ),
    );
    await phase(
      'data-request-answer',
      answers.length,
      answers.map(
        (token) => () => created('answer', services.obligations.answerDataRequest(token)),
      ),
    );

    // 10. Revocations and their acknowledgements.
    clock += 3_600_000;
    const revoking = granted.filter((_, i) => i % 10 === 5);
    const revocations = revoking.map(({ company, ps, key, grant }) =>
      signWith('revocation', { ...claims(ps, company.id), grants: [{ grantSha256: grant! }] }, key),
    );
    await phase(
      'revocation',
      revocations.length,
      revocations.map(
        (token) => () => created('revocation', services.consents.submitRevocation(token)),
      ),
    );
    clock += 3_600_000;
    const revocationAcks = revoking.map(({ company, ps }, i) =>
      signWith(
        'revocation-ack',
        {
          ...claims(company.id, origin),
          revocationSha256: sha256Of(revocations[i]!),
          pseudonym: ps,
          stoppedAt: seconds() - 60,
        },
        company.key,
      ),
    );
    await phase(
      'revocation-ack',
      revocationAcks.length,
      revocationAcks.map(
        (token) => () => created('acknowledgement', services.consents.acknowledgeRevocation(token)),
      ),
    );
    await writer.close();

    // 11. The rest of the log, one round of 256 per transaction.
    const head = await sequence('log: rounds of 256', log);
    // octet_length: PostgreSQL's length() of bytea is bytes too, SQLite's of a blob as well.
    const bytesOf = dialectBytes(cdb);
    const tiles = await cdb.db
      .selectFrom('log_tiles')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.fn(bytesOf, ['data'])).as('data'),
        eb.fn.sum<number>(eb.fn(bytesOf, ['subtrees'])).as('subtrees'),
      ])
      .executeTakeFirstOrThrow();
    const bundles = await cdb.db
      .selectFrom('log_bundles')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.fn(bytesOf, ['data'])).as('data'),
      ])
      .executeTakeFirstOrThrow();
    const bundleBytes = Number(bundles.data);
    return {
      baseline,
      phases,
      messages: await messageKinds(),
      messagesInTransit,
      log: {
        size: head.size,
        tiles: Number(tiles.n),
        tileBytes: Number(tiles.data),
        subtreeBytes: Number(tiles.subtrees),
        bundles: Number(bundles.n),
        bundleBytes,
        // Each entry is stored in its bundle behind a 2-byte length.
        entryBytes: head.size === 0 ? 0 : bundleBytes / head.size - 2,
      },
    };
  } finally {
    await writer.close();
    await log.stop();
    await backlogLog.stop();
    rmSync(keyDir, { recursive: true, force: true });
  }
}
