/**
 * The OpenAPI document against what the server really answers: real answers of the route
 * handlers (a registration, refused request signatures, the log's receipts and proofs) must fit
 * the schema and the `x-problem-types` the document gives for their status, and the examples of
 * protocol/messages must fit the generated schemas of the sealed contents.
 *
 * The JSON Schema check below covers the keywords the document uses and refuses any other, so it
 * cannot pass a schema it does not understand; in strict mode it also reports members of an
 * answer that the schema does not describe (an undocumented field, as `staffEnrolment` was).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import { correctionContent, rewardContent } from '$protocol/messages';
import { exampleMessages } from '$protocol/messages/examples';
import { signDetached } from '$protocol/sodium';
import {
  claims,
  companyMessage,
  get,
  limitedServices,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
} from './api-test-kit';
import { openTestDatabase, type TestDatabase } from './db/test-databases';
import type { DurableWriter } from './db/durable-writer';
import { startLog, type ClearinghouseLog } from './log/clearinghouse-log';
import { consistencyProofResponse, inclusionProofResponse, receiptResponse } from './log/http';
import { keyFolder, makeRecord, prepare, testLogConfig, writeMessages } from './log/test-log';
import {
  apiRoutes,
  openApiDocument,
  problemStatus,
  requestSignatureProblems,
  type ProblemCode,
} from './openapi';
import { setServicesForTests } from './services';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';

type Json = Record<string, unknown>;

const doc = openApiDocument(testOrigin);
const components = doc.components.schemas as Record<string, Json>;

/** Keywords that only annotate: nothing to check. */
const annotations = new Set(['description', 'format', 'contentEncoding', 'title']);

/**
 * Where `value` does not fit `schema` (JSON Schema 2020-12, the keywords this document uses; any
 * other is reported, never ignored). `$ref`s resolve in the document's components. With `strict`,
 * an object member that no `properties` describe is reported too, unless `additionalProperties`
 * allows it.
 */
function schemaErrors(schema: unknown, value: unknown, strict: boolean, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: nothing may be here`];
  if (typeof schema !== 'object' || schema === null) return [`${at}: not a schema`];
  const s = schema as Json;
  const errors: string[] = [];
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  for (const [keyword, arg] of Object.entries(s)) {
    if (annotations.has(keyword) || keyword.startsWith('x-')) continue;
    switch (keyword) {
      case '$ref': {
        const name = String(arg).replace('#/components/schemas/', '');
        if (components[name] === undefined) errors.push(`${at}: unresolved ${String(arg)}`);
        else errors.push(...schemaErrors(components[name], value, strict, at));
        break;
      }
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        const fits = types.some((type) => {
          switch (type) {
            case 'object':
              return isObject;
            case 'array':
              return Array.isArray(value);
            case 'integer':
              return Number.isInteger(value);
            case 'number':
              return typeof value === 'number' && Number.isFinite(value);
            case 'null':
              return value === null;
            default:
              return typeof value === type;
          }
        });
        if (!fits) errors.push(`${at}: not of type ${types.join(' | ')}`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(arg)) errors.push(`${at}: not the constant`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((option) => JSON.stringify(option) === JSON.stringify(value)))
          errors.push(`${at}: not one of the enum`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value))
          errors.push(`${at}: does not match ${String(arg)}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && value.length < (arg as number))
          errors.push(`${at}: shorter than ${String(arg)}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && value.length > (arg as number))
          errors.push(`${at}: longer than ${String(arg)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number))
          errors.push(`${at}: below ${String(arg)}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number))
          errors.push(`${at}: above ${String(arg)}`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number))
          errors.push(`${at}: fewer than ${String(arg)} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number))
          errors.push(`${at}: more than ${String(arg)} items`);
        break;
      case 'uniqueItems':
        if (
          arg === true &&
          Array.isArray(value) &&
          new Set(value.map((item) => JSON.stringify(item))).size !== value.length
        )
          errors.push(`${at}: items repeat`);
        break;
      case 'items':
        if (Array.isArray(value))
          value.forEach((item, i) =>
            errors.push(...schemaErrors(arg, item, strict, `${at}[${i}]`)),
          );
        break;
      case 'required':
        if (isObject)
          for (const name of arg as string[])
            if (!(name in value)) errors.push(`${at}: ${name} is missing`);
        break;
      case 'properties':
        if (isObject)
          for (const [name, member] of Object.entries(value))
            if (name in (arg as Json))
              errors.push(...schemaErrors((arg as Json)[name], member, strict, `${at}.${name}`));
        break;
      case 'additionalProperties':
        if (isObject)
          for (const [name, member] of Object.entries(value))
            if (!(name in ((s.properties ?? {}) as Json)))
              errors.push(...schemaErrors(arg, member, strict, `${at}.${name}`));
        break;
      case 'allOf':
        for (const part of arg as unknown[]) errors.push(...schemaErrors(part, value, strict, at));
        break;
      case 'anyOf':
      case 'oneOf': {
        const fitting = (arg as unknown[]).filter(
          (part) => schemaErrors(part, value, strict, at).length === 0,
        ).length;
        if (keyword === 'anyOf' ? fitting === 0 : fitting !== 1)
          errors.push(`${at}: fits ${fitting} of the ${keyword} branches`);
        break;
      }
      default:
        errors.push(`${at}: the keyword ${keyword} is not supported by this check`);
    }
  }
  // Strict: an answer's member the document does not describe.
  if (
    strict &&
    isObject &&
    typeof s.properties === 'object' &&
    !('additionalProperties' in s) &&
    !('allOf' in s)
  ) {
    for (const name of Object.keys(value))
      if (!(name in (s.properties as Json))) errors.push(`${at}.${name}: not described`);
  }
  return errors;
}

/** The `x-problem-types` of `method path` for `status` (empty when it has no such answer). */
function listed(method: string, path: string, status: number): string[] {
  const op = doc.paths[path]?.[method.toLowerCase()] as Json | undefined;
  const responses = (op?.responses ?? {}) as Record<string, Json>;
  return (responses[String(status)]?.['x-problem-types'] as string[] | undefined) ?? [];
}

/** The schema the document gives for the JSON of `status`. */
function answerSchema(method: string, path: string, status: number): unknown {
  const op = doc.paths[path]![method.toLowerCase()] as Json;
  const response = (op.responses as Record<string, Json>)[String(status)]!;
  return (response.content as Record<string, Json>)['application/json']!.schema;
}

/** A compact JWS over any header and payload, signed by `by` (nothing is checked). */
function forge(header: unknown, payload: unknown, by: Ed25519KeyPair): string {
  const h = base64urlEncode(utf8Encode(JSON.stringify(header)));
  const p = base64urlEncode(utf8Encode(JSON.stringify(payload)));
  return `${h}.${p}.${base64urlEncode(signDetached(utf8Encode(`${h}.${p}`), by.privateKey))}`;
}

describe('the JSON Schema check of these tests', () => {
  it('finds faults when they are there', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'integer', minimum: 1 }, b: { enum: ['x'] } },
      required: ['a'],
    };
    expect(schemaErrors(schema, { a: 1, b: 'x' }, true)).toEqual([]);
    expect(schemaErrors(schema, { a: 0 }, false)).toEqual(['$.a: below 1']);
    expect(schemaErrors(schema, { b: 'y' }, false).sort()).toEqual([
      '$.b: not one of the enum',
      '$: a is missing',
    ]);
    expect(schemaErrors(schema, { a: 1, c: true }, false)).toEqual([]);
    expect(schemaErrors(schema, { a: 1, c: true }, true)).toEqual(['$.c: not described']);
    expect(schemaErrors({ type: 'string', if: {} }, 'x', false)).toEqual([
      '$: the keyword if is not supported by this check',
    ]);
  });
});

describe('the schemas of sealed contents', () => {
  it("validate the example offer-content, and refuse what the protocol's schema refuses", () => {
    const schema = components.OfferContentPayload;
    expect(schema).toBeDefined();
    expect(schemaErrors(schema, exampleMessages['offer-content'], true)).toEqual([]);
    expect(
      schemaErrors(schema, { ...exampleMessages['offer-content'], extra: 1 }, false),
    ).not.toEqual([]);
    const { title: _title, ...untitled } = exampleMessages['offer-content'];
    expect(schemaErrors(schema, untitled, false)).toEqual(['$: title is missing']);
  });

  it('validate reward and correction contents the protocol parses, and refuse what it refuses', () => {
    const rewards: unknown[] = [
      {
        type: 'bonus_points',
        amount: 500,
        description: { de: '500 Bonuspunkte', en: '500 bonus points' },
        validUntil: 1_800_000_000,
      },
      { type: 'status', description: { de: 'Gold-Status', en: 'Gold status' } },
    ];
    for (const reward of rewards) {
      expect(v.is(rewardContent, reward)).toBe(true);
      expect(schemaErrors(components.RewardContent, reward, true)).toEqual([]);
    }
    const badReward = { type: 'discount', amount: 0, description: { de: 'x', en: 'x' } };
    expect(v.is(rewardContent, badReward)).toBe(false);
    expect(schemaErrors(components.RewardContent, badReward, false)).toEqual(['$.amount: below 1']);

    const correction = { dataCategory: 'address', value: 'Hauptstraße 1, 80331 München' };
    expect(v.is(correctionContent, correction)).toBe(true);
    expect(schemaErrors(components.CorrectionContent, correction, true)).toEqual([]);
    const badCorrection = { ...correction, note: 'extra' };
    expect(v.is(correctionContent, badCorrection)).toBe(false);
    expect(schemaErrors(components.CorrectionContent, badCorrection, false)).not.toEqual([]);
  });
});

describe('the document against real answers of the route handlers', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness('sqlite');
  });

  afterAll(async () => {
    await api.close();
  });

  it('describes the 201 of a registration with its staff enrolment link, and the resend', async () => {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid], companyId: company.id });
    const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
    const created = await post(companiesRoute.POST, '/api/v1/companies', token);
    expect(created.status).toBe(201);
    const body = (await created.json()) as Json;
    expect(body.staffEnrolment).toMatchObject({ expiresAt: expect.any(Number) });
    expect(schemaErrors(answerSchema('POST', '/api/v1/companies', 201), body, true)).toEqual([]);

    const resent = await post(companiesRoute.POST, '/api/v1/companies', token);
    expect(resent.status).toBe(200);
    const again = (await resent.json()) as Json;
    expect(again.staffEnrolment).toBeUndefined();
    expect(schemaErrors(answerSchema('POST', '/api/v1/companies', 200), again, true)).toEqual([]);
  });

  it('lists on every signed route each code a bad request signature really gets', async () => {
    // A company of its own, registered and proven, so its signatures verify.
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid], companyId: company.id });
    const registration = await sign('company', companyMessage(api.clock, company), company.keyPair);
    expect((await post(companiesRoute.POST, '/api/v1/companies', registration)).status).toBe(201);
    const path = '/api/v1/companies/me/events';
    const header = { alg: 'EdDSA', typ: 'request+jws', kid: company.kid };
    const payload = (extra: Json = {}) => {
      const base = claims(api.clock, company.id, testOrigin);
      return { ...base, exp: base.iat + 60, method: 'GET', path, ...extra };
    };
    const signed = (token: string) =>
      get(eventsRoute.GET, path, api.clock, undefined, { authorization: `Signature ${token}` });
    const now = api.clock.seconds();
    const stranger = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
    const pseudonym = newPseudonym(company.id);
    const replayed = forge(header, payload(), company.keyPair);
    const [h, p] = forge(header, payload(), company.keyPair).split('.') as [string, string];

    const cases: [string, string, () => Promise<Response>][] = [
      ['no signature', 'ERR_AUTH_MISSING', () => get(eventsRoute.GET, path, api.clock)],
      // No compact JWS after `Signature`: no credential at all (docs/api.md).
      ['two parts', 'ERR_AUTH_MISSING', () => signed(`${h}.${p}`)],
      [
        'a payload that is not JSON',
        'ERR_JWS_MALFORMED',
        () => signed(`${h}.${base64urlEncode(utf8Encode('x'))}.${h}`),
      ],
      ['a non-canonical payload', 'ERR_BASE64URL_NONCANONICAL', () => signed(`${h}.AB.${h}`)],
      // As verifyCompact says it of the same bytes (protocol/jws.ts `inspectCompact`).
      ['a payload that is not UTF-8', 'ERR_JWS_MALFORMED', () => signed(`${h}._w.${h}`)],
      [
        'an unbound pseudonym',
        'ERR_PSEUDONYM_UNKNOWN',
        () => signed(forge(header, payload({ iss: pseudonym.id }), pseudonym.keyPair)),
      ],
      [
        'an extra header member',
        'ERR_JWS_HEADER_INVALID',
        () => signed(forge({ ...header, jku: 'x' }, payload(), company.keyPair)),
      ],
      [
        'another alg',
        'ERR_JWS_ALG_NOT_ALLOWED',
        () => signed(forge({ ...header, alg: 'HS256' }, payload(), company.keyPair)),
      ],
      [
        'another typ',
        'ERR_JWS_TYP_MISMATCH',
        () => signed(forge({ ...header, typ: 'grant+jws' }, payload(), company.keyPair)),
      ],
      [
        'an unknown key',
        'ERR_JWS_KID_UNKNOWN',
        () =>
          signed(forge({ ...header, kid: thumbprint(publicJwk(stranger)) }, payload(), stranger)),
      ],
      [
        'a wrong signature',
        'ERR_JWS_SIGNATURE_INVALID',
        () =>
          signed(
            `${h}.${p}.${base64urlEncode(signDetached(utf8Encode('x'), company.keyPair.privateKey))}`,
          ),
      ],
      [
        'an extra claim',
        'ERR_MESSAGE_INVALID',
        () => signed(forge(header, payload({ extra: 1 }), company.keyPair)),
      ],
      [
        'a claim of the wrong form',
        'ERR_MESSAGE_INVALID',
        () => signed(forge(header, payload({ jti: 'x y' }), company.keyPair)),
      ],
      [
        'another audience',
        'ERR_JWS_AUD_MISMATCH',
        () => signed(forge(header, payload({ aud: 'https://elsewhere.example' }), company.keyPair)),
      ],
      [
        'iat in the future',
        'ERR_JWS_NOT_YET_VALID',
        () => signed(forge(header, payload({ iat: now + 3600, exp: now + 3630 }), company.keyPair)),
      ],
      [
        'a window over 60 s',
        'ERR_JWS_WINDOW_TOO_LONG',
        () => signed(forge(header, payload({ exp: now + 120 }), company.keyPair)),
      ],
      [
        'an expired signature',
        'ERR_JWS_EXPIRED',
        () => signed(forge(header, payload({ iat: now - 3600, exp: now - 3570 }), company.keyPair)),
      ],
      [
        'a replay',
        'ERR_JWS_REPLAYED',
        async () => {
          expect((await signed(replayed)).status).toBe(200);
          return signed(replayed);
        },
      ],
      [
        'another path',
        'ERR_REQUEST_MISMATCH',
        () =>
          signed(
            forge(header, payload({ path: '/api/v1/companies/me/findings' }), company.keyPair),
          ),
      ],
    ];
    const answered = new Map<string, number>();
    for (const [name, code, send] of cases) {
      const response = await send();
      const problem = (await response.json()) as { code: string; status: number };
      expect({ name, code: problem.code }).toEqual({ name, code });
      expect(response.status, name).toBe(problem.status);
      answered.set(problem.code, response.status);
    }
    // The key's rate limit, charged once its signature verified.
    await limitedServices(api, { addressPerMinute: 0, keyPerMinute: 1 });
    try {
      let response = await signed(forge(header, payload(), company.keyPair));
      for (let tries = 0; response.status === 200 && tries < 3; tries++)
        response = await signed(forge(header, payload(), company.keyPair));
      answered.set(((await response.json()) as { code: string }).code, response.status);
    } finally {
      setServicesForTests(api.services);
    }

    expect([...answered.keys()].sort()).toEqual(
      [
        'ERR_AUTH_MISSING',
        'ERR_JWS_MALFORMED',
        'ERR_BASE64URL_NONCANONICAL',
        'ERR_PSEUDONYM_UNKNOWN',
        'ERR_JWS_HEADER_INVALID',
        'ERR_JWS_ALG_NOT_ALLOWED',
        'ERR_JWS_TYP_MISMATCH',
        'ERR_JWS_KID_UNKNOWN',
        'ERR_JWS_SIGNATURE_INVALID',
        'ERR_MESSAGE_INVALID',
        'ERR_JWS_AUD_MISMATCH',
        'ERR_JWS_NOT_YET_VALID',
        'ERR_JWS_WINDOW_TOO_LONG',
        'ERR_JWS_EXPIRED',
        'ERR_JWS_REPLAYED',
        'ERR_REQUEST_MISMATCH',
        'ERR_RATE_LIMITED',
      ].sort(),
    );
    // Everything the shared list names was answered, but a database failure.
    expect(
      requestSignatureProblems.filter(
        (code) => !answered.has(code) && code !== 'ERR_STORAGE_UNAVAILABLE',
      ),
    ).toEqual([]);
    const signedRoutes = apiRoutes.filter((r) => r.method !== 'POST' && r.signer !== 'public');
    expect(signedRoutes.length).toBeGreaterThan(15);
    for (const route of signedRoutes) {
      for (const [code, status] of answered) {
        expect(problemStatus(code as ProblemCode), code).toBe(status);
        expect(listed(route.method, route.path, status), `${route.method} ${route.path}`).toContain(
          code,
        );
      }
    }
  });
});

describe("the document against the log's real answers", () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let keys: ReturnType<typeof keyFolder>;
  let log: ClearinghouseLog;
  const url = (path: string) => new URL(`${testOrigin}/api/v1/log/${path}`);
  const receipts = '/api/v1/log/receipts/{sha256}';

  beforeAll(async () => {
    tdb = await openTestDatabase('sqlite');
    writer = await prepare(tdb.cdb);
    keys = keyFolder();
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    await writeMessages(writer, 3);
    await log.sequencer.flush();
  });

  afterAll(async () => {
    await log.stop();
    await writer.close();
    await tdb.dispose();
    keys.remove();
  });

  async function expectListed(path: string, response: Response, code: string): Promise<void> {
    const problem = (await response.json()) as { code: string; status: number };
    expect(problem).toMatchObject({ code, status: response.status });
    expect(listed('GET', path, response.status), `${code} ${response.status}`).toContain(code);
  }

  it('lists what a receipt request answers besides the receipt, under its status', async () => {
    // never accepted: 404 log-entry-unknown (the document said ERR_RESOURCE_NOT_FOUND)
    const unknown = await receiptResponse(log.service, 'A'.repeat(43), url('receipts/x'));
    expect(unknown.status).toBe(404);
    await expectListed(receipts, unknown, 'log-entry-unknown');
    expect(listed('GET', receipts, 404)).not.toContain('ERR_RESOURCE_NOT_FOUND');

    const offer = makeRecord({ kind: 'offer', logged: false });
    await writer.write(offer);
    await expectListed(
      receipts,
      await receiptResponse(log.service, offer.sha256, url('receipts/x')),
      'log-entry-not-logged',
    );
    await expectListed(
      receipts,
      await receiptResponse(log.service, 'short', url('receipts/x')),
      'log-query-invalid',
    );
    await expectListed(
      receipts,
      await receiptResponse(log.service, 'A'.repeat(43), url('receipts/x?wait=soon')),
      'log-query-invalid',
    );
    const [pendingSha] = await writeMessages(writer, 1);
    const pending = await receiptResponse(log.service, pendingSha!, url('receipts/x?wait=0'));
    expect(pending.status).toBe(202);
    const op = doc.paths[receipts]!.get as Json;
    expect((op.responses as Record<string, Json>)['202']!.headers).toHaveProperty('Retry-After');
    await expectListed(receipts, pending, 'log-entry-pending');

    await log.sequencer.flush();
    const receipt = await receiptResponse(log.service, pendingSha!, url('receipts/x'));
    expect(receipt.status).toBe(200);
    expect(schemaErrors(answerSchema('GET', receipts, 200), await receipt.json(), true)).toEqual(
      [],
    );
  });

  it('lists what the proof routes answer besides a proof, under its status', async () => {
    const inclusion = '/api/v1/log/proof/inclusion';
    const consistency = '/api/v1/log/proof/consistency';
    await expectListed(
      inclusion,
      await inclusionProofResponse(log.service, url('proof/inclusion?index=01&size=2')),
      'log-query-invalid',
    );
    await expectListed(
      inclusion,
      await inclusionProofResponse(log.service, url('proof/inclusion?index=1&size=99')),
      'log-size-beyond-tree',
    );
    await expectListed(
      consistency,
      await consistencyProofResponse(log.service, url('proof/consistency?from=3&to=2')),
      'log-query-invalid',
    );
    await expectListed(
      consistency,
      await consistencyProofResponse(log.service, url('proof/consistency?from=1&to=99')),
      'log-size-beyond-tree',
    );
    for (const path of [inclusion, consistency])
      expect(listed('GET', path, 400)).not.toContain('ERR_QUERY_INVALID');
  });
});
