/**
 * Form actions refuse cross-origin posts (issue 12, "Attacks"), checked on the built server for
 * every action of the company console: a staff member is logged in (their session cookie goes
 * along, as a browser would send it from another site's form), and each action is posted with
 * another site's `Origin`, with none, and as JSON. The origin check (cross-site-forms.ts, as
 * SvelteKit's) answers 403 (415 for JSON) before any action runs, and the database is the same afterwards. The same form sent from the
 * portal's own origin is accepted, so the origin is what was refused. The actions are read
 * from the sources, so a new one is covered without a change here; who may use each action is
 * portal/routes/company/console-authorization.test.ts.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import Database from 'better-sqlite3';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import type { MessageKind, Payload } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { addVirtualAuthenticator, startProofServer } from './oversight-seed';
import { registerAndEnrol } from './console-company';

const random = (n: number) => new Uint8Array(randomBytes(n));

/** The form actions `+page.server.ts` exports, by route, read from the source. */
function actionsIn(file: string, route: string): string[] {
  const source = readFileSync(
    new URL(`../../portal/routes${route}/${file}`, import.meta.url),
    'utf8',
  );
  const block = /^export const actions: Actions = \{\n([\s\S]*?)^\};/m.exec(source);
  if (block === null) return [];
  return [...block[1]!.matchAll(/^ {2}(\w+): /gm)].map((m) => `${route}?/${m[1]}`);
}

/** Every row of every table the portal writes (the log's tables, filled later by the
 * sequencer, and the rate-limit and replay counters left out), as one digest per table. */
function databaseDigest(): Record<string, string> {
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  try {
    const tables = (
      db
        .prepare(
          "select name from sqlite_master where type = 'table' and name not like 'log_%' and name not like 'sqlite_%' and name not like 'kysely_%' and name not in ('rate_limits', 'seen_jtis')",
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    const digest: Record<string, string> = {};
    for (const table of tables) {
      const rows = db
        .prepare(`select * from "${table}"`)
        .all()
        .map((row) =>
          JSON.stringify(row, (_k, v: unknown) =>
            v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
          ),
        )
        .sort();
      digest[table] = createHash('sha256').update(rows.join('\n')).digest('hex');
    }
    return digest;
  } finally {
    db.close();
  }
}

let proofServer: Server | undefined;
test.afterAll(async () => {
  await new Promise((resolve) => (proofServer ? proofServer.close(resolve) : resolve(null)));
});

test('every console form action refuses a post from another origin and writes nothing', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await ready();
  const actions = [
    ...actionsIn('+page.server.ts', '/company'),
    ...actionsIn('+page.server.ts', '/company/register'),
  ];
  // Read from the sources: the list is whole (the authorization test checks the same set).
  expect(actions).toEqual(
    expect.arrayContaining(['/company?/key', '/company?/disclose', '/company/register?/check']),
  );
  expect(actions.length).toBeGreaterThanOrEqual(11);

  const proof = await startProofServer();
  proofServer = proof.server;
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  const legalName = `Herkunft ${randomUUID().slice(0, 6)} GmbH`;
  const domain = `http://localhost:${proof.port}`;
  const { companyId, key } = await registerAndEnrol(page, {
    legalName,
    staffName: 'Olga Origin',
    proof,
  });

  /** A message of the company signed with its key, as the console page would sign it. */
  const signed = <K extends MessageKind>(kind: K, body: object, keyPair = key.keyPair) => {
    const iat = Math.floor(Date.now() / 1000);
    return signMessage(
      kind,
      {
        v: 1,
        iss: companyId,
        aud: baseURL!,
        iat,
        exp: iat + 300,
        jti: randomUUID(),
        ...body,
      } as Payload<K>,
      keyPair,
    );
  };
  const registration = (id: string, keyPair: Ed25519KeyPair, name: string) =>
    signMessage(
      'company',
      {
        v: 1,
        iss: id,
        aud: baseURL!,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 300,
        jti: randomUUID(),
        legalName: name,
        registerId: 'HRB 1234, Köln',
        domain,
        contact: { email: 'privacy@story.example' },
        keys: [publicJwk(keyPair)],
        purposes: ['product_launch'],
      } as Payload<'company'>,
      keyPair,
    );
  const addKey = async () => ({
    jws: await signed('company-key', { action: 'add', key: publicJwk(generateKeyPair(random)) }),
  });
  const stranger = generateKeyPair(random);
  const strangerId = `co_${thumbprint(publicJwk(stranger))}`;
  /** What each action's form carries: real signatures where the test holds the key. */
  const fields = async (action: string): Promise<Record<string, string>> => {
    switch (action) {
      case '/company?/company':
      case '/company/register?/check':
        return { jws: await registration(companyId, key.keyPair, legalName) };
      case '/company/register?/register':
        return { jws: await registration(strangerId, stranger, 'Fremd GmbH') };
      case '/company?/key':
        return addKey();
      case '/company?/request':
        return {
          jws: await signed('grant-request', {
            scopes: [
              {
                purpose: 'product_launch',
                channels: ['newsletter'],
                dataCategories: [],
                conditions: { timeZone: 'Europe/Berlin' },
                retentionDays: 30,
                onwardRecipients: [],
              },
            ],
            reason: { de: 'Neuigkeiten.', en: 'News.' },
          }),
        };
      default:
        // Person-key actions: the key is in the browser; the refusal comes before any check.
        return { jws: 'a.b.c', disclosure: 'a.b.c', id: 'x'.repeat(43), personId: 'pe_x' };
    }
  };

  const post = (request: APIRequestContext, action: string, options: object) =>
    request.post(action, { maxRedirects: 0, ...options });
  const refused: string[] = [];
  for (const action of actions) {
    const before = databaseDigest();
    const form = await fields(action);
    const answers = {
      foreignMultipart: await post(page.request, action, {
        multipart: form,
        headers: { origin: 'https://evil.example' },
      }),
      foreignUrlencoded: await post(page.request, action, {
        form,
        headers: { origin: 'https://evil.example', accept: 'application/json' },
      }),
      foreignText: await post(page.request, action, {
        data: Object.entries(form)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
        headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      }),
      noOrigin: await post(page.request, action, { form }),
      // Not a form: no origin check applies, and actions take forms only.
      foreignJson: await post(page.request, action, {
        data: form,
        headers: { origin: 'https://evil.example', accept: 'application/json' },
      }),
    };
    const statuses = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status()]));
    expect(statuses, action).toEqual({
      foreignMultipart: 403,
      foreignUrlencoded: 403,
      foreignText: 403,
      noOrigin: 403,
      foreignJson: 415,
    });
    expect(await answers.foreignMultipart.text()).toBe(
      'Cross-site POST form submissions are forbidden',
    );
    expect(await answers.foreignUrlencoded.json()).toEqual({
      message: 'Cross-site POST form submissions are forbidden',
    });
    expect(databaseDigest(), action).toEqual(before);
    refused.push(action);
  }
  expect(refused).toEqual(actions);

  // The same kind of form from the portal's own origin is taken: the origin was the refusal.
  for (const action of ['/company?/key', '/company/register?/check']) {
    const own = await post(page.request, action, {
      form: action === '/company?/key' ? await addKey() : await fields(action),
      headers: { origin: new URL(baseURL!).origin, accept: 'application/json' },
    });
    expect(own.status(), action).toBe(200);
    expect(((await own.json()) as { type: string }).type, action).toBe('success');
  }
  await context.close();
});

test('the API answers a form post from anywhere with its 415 problem, as docs/api.md says', async ({
  request,
}) => {
  // The origin check leaves out the API (cross-site-forms.ts): no API route takes a form, so
  // `curl -d` and another site's form both learn the content type the route wants.
  const posts: Record<string, Parameters<APIRequestContext['post']>[1]> = {
    urlencoded: { form: { jws: 'a.b.c' } },
    multipart: { multipart: { jws: 'a.b.c' }, headers: { origin: 'https://evil.example' } },
    text: { data: 'a.b.c', headers: { 'content-type': 'text/plain' } },
  };
  for (const [name, options] of Object.entries(posts)) {
    const answer = await request.post('/api/v1/companies', { maxRedirects: 0, ...options });
    expect(answer.status(), name).toBe(415);
    expect(answer.headers()['content-type'], name).toBe('application/problem+json');
    expect(((await answer.json()) as { code: string }).code, name).toBe(
      'ERR_CONTENT_TYPE_UNSUPPORTED',
    );
  }
  // A page's endpoint outside the API keeps the check: logout by a foreign form is refused.
  const foreign = await request.post('/logout', {
    maxRedirects: 0,
    form: {},
    headers: { origin: 'https://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  expect(await foreign.text()).toBe('Cross-site POST form submissions are forbidden');
});
