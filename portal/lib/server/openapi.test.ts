/**
 * The OpenAPI document: every route file under portal/routes/api/v1 is documented (a new route
 * without an entry fails here), nothing is documented that does not exist, and the document is
 * structurally valid OpenAPI 3.1 (checked here without a network or a validator package).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasMessage } from '$protocol/i18n';
import * as v from 'valibot';
import { parseMessage } from '$protocol/messages';
import { webhookUrl } from '$protocol/messages/company';
import { exampleMessages } from '$protocol/messages/examples';
import { toJsonSchema } from '@valibot/to-json-schema';
import { correctionContent, rewardContent, schemas } from '$protocol/messages';
import {
  apiOperationIds,
  apiRoutes,
  openApiDocument,
  payloadSchemaName,
  problemStatus,
  requestSignatureProblems,
} from './openapi';
import type { TrustFigures } from './trust';
import { GET as openApiRoute } from '../../routes/api/v1/openapi.json/+server';

const apiRoot = join(import.meta.dirname, '../../routes/api/v1');
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every (method, OpenAPI path) that a route file under api/v1 exports. */
function routeFileOperations(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === '+server.ts') {
        const routeDir = relative(apiRoot, dir).split(sep).filter(Boolean);
        const path =
          `/api/v1/${routeDir.map((s) => s.replace(/^\[(\w+)\]$/, '{$1}')).join('/')}`.replace(
            /\/$/,
            '',
          );
        const source = readFileSync(full, 'utf8');
        for (const match of source.matchAll(
          /export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g,
        )) {
          found.push(`${match[1]} ${path}`);
        }
      }
    }
  };
  walk(apiRoot);
  return found.sort();
}

type Json = Record<string, unknown>;

/**
 * Structural checks of OpenAPI 3.1.1 (sections 4.8.x): returns the problems found, empty when
 * none. Not a full validator: the fields this project uses, and every `$ref` resolves.
 */
function structuralProblems(doc: Json): string[] {
  const problems: string[] = [];
  const isObject = (value: unknown): value is Json =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi))
    problems.push('openapi is not 3.1.x');
  const info = doc.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') {
    problems.push('info needs title and version');
  }
  if (!isObject(doc.paths) && !isObject(doc.webhooks) && !isObject(doc.components)) {
    problems.push('one of paths, webhooks, components is required');
  }
  const allowedTop = new Set([
    'openapi',
    'info',
    'jsonSchemaDialect',
    'servers',
    'paths',
    'webhooks',
    'components',
    'security',
    'tags',
    'externalDocs',
  ]);
  for (const key of Object.keys(doc)) {
    if (!allowedTop.has(key) && !key.startsWith('x-'))
      problems.push(`unknown top-level field ${key}`);
  }
  const operationIds = new Set<string>();
  const checkOperation = (where: string, op: unknown, templateParams: string[]) => {
    if (!isObject(op)) return problems.push(`${where}: not an object`);
    for (const key of Object.keys(op)) {
      if (
        ![
          'tags',
          'summary',
          'description',
          'externalDocs',
          'operationId',
          'parameters',
          'requestBody',
          'responses',
          'callbacks',
          'deprecated',
          'security',
          'servers',
        ].includes(key) &&
        !key.startsWith('x-')
      ) {
        problems.push(`${where}: unknown field ${key}`);
      }
    }
    if (typeof op.operationId === 'string') {
      if (operationIds.has(op.operationId)) problems.push(`${where}: duplicate operationId`);
      operationIds.add(op.operationId);
    }
    const params = (op.parameters ?? []) as unknown[];
    if (!Array.isArray(params)) problems.push(`${where}: parameters not an array`);
    const seen = new Set<string>();
    for (const p of params) {
      if (
        !isObject(p) ||
        typeof p.name !== 'string' ||
        !['query', 'header', 'path', 'cookie'].includes(p.in as string)
      ) {
        problems.push(`${where}: malformed parameter`);
        continue;
      }
      if (seen.has(`${p.in}:${p.name}`)) problems.push(`${where}: duplicate parameter ${p.name}`);
      seen.add(`${p.in}:${p.name}`);
      if (p.in === 'path' && p.required !== true)
        problems.push(`${where}: path parameter ${p.name} not required`);
      if (p.in === 'path' && !templateParams.includes(p.name))
        problems.push(`${where}: ${p.name} not in the path`);
      if (!isObject(p.schema) && !isObject(p.content))
        problems.push(`${where}: parameter ${p.name} without schema`);
    }
    for (const name of templateParams) {
      if (!seen.has(`path:${name}`)) problems.push(`${where}: path parameter {${name}} undeclared`);
    }
    if (op.requestBody !== undefined) {
      const body = op.requestBody;
      if (!isObject(body) || !isObject(body.content) || Object.keys(body.content).length === 0) {
        problems.push(`${where}: requestBody needs content`);
      }
    }
    const responses = op.responses;
    if (!isObject(responses) || Object.keys(responses).length === 0) {
      problems.push(`${where}: responses required`);
      return;
    }
    for (const [status, response] of Object.entries(responses)) {
      if (!/^(?:[1-5](?:\d\d|XX)|default)$/.test(status))
        problems.push(`${where}: bad status ${status}`);
      if (!isObject(response) || typeof response.description !== 'string') {
        problems.push(`${where} ${status}: description required`);
      }
    }
  };
  if (isObject(doc.paths)) {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/')) problems.push(`${path}: must start with /`);
      const templateParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      if (!isObject(item)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!httpMethods.includes(method)) problems.push(`${path}: unknown method ${method}`);
        else checkOperation(`${method.toUpperCase()} ${path}`, op, templateParams);
      }
    }
  }
  if (isObject(doc.webhooks)) {
    for (const [name, item] of Object.entries(doc.webhooks)) {
      if (!isObject(item)) continue;
      for (const [method, op] of Object.entries(item))
        checkOperation(`webhook ${name} ${method}`, op, []);
    }
  }
  const components = doc.components;
  if (isObject(components)) {
    for (const [section, entries] of Object.entries(components)) {
      if (!isObject(entries)) continue;
      for (const name of Object.keys(entries)) {
        if (!/^[a-zA-Z0-9.\-_]+$/.test(name))
          problems.push(`components.${section}.${name}: bad name`);
      }
    }
  }
  // Every $ref is a local JSON pointer that resolves.
  const resolve = (pointer: string) =>
    pointer
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
  const visit = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => visit(n, `${at}/${i}`));
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref') {
          if (
            typeof value !== 'string' ||
            !value.startsWith('#/') ||
            resolve(value) === undefined
          ) {
            problems.push(`${at}: unresolved $ref ${String(value)}`);
          }
        } else visit(value, `${at}/${key}`);
      }
    }
  };
  visit(doc, '#');
  // Security requirements name declared schemes.
  const schemes =
    isObject(components) && isObject(components.securitySchemes) ? components.securitySchemes : {};
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    for (const op of Object.values(isObject(item) ? item : {})) {
      for (const requirement of (isObject(op) && Array.isArray(op.security)
        ? op.security
        : []) as Json[]) {
        for (const name of Object.keys(requirement)) {
          if (!(name in schemes)) problems.push(`${path}: unknown security scheme ${name}`);
        }
      }
    }
  }
  return problems;
}

const doc = openApiDocument('http://localhost:3000') as unknown as Json;
const paths = doc.paths as Record<string, Record<string, Json>>;

describe('the OpenAPI document', () => {
  it('documents every route file under api/v1, and nothing else', () => {
    const documented = apiRoutes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(routeFileOperations());
    for (const operation of routeFileOperations()) {
      const [method, path] = operation.split(' ') as [string, string];
      expect(paths[path]?.[method.toLowerCase()], operation).toBeDefined();
    }
  });

  it('is structurally valid OpenAPI 3.1', () => {
    expect(structuralProblems(doc)).toEqual([]);
  });

  it('finds structural faults when they are there', () => {
    // The checker itself must be able to fail, or the test above proves nothing.
    const broken = structuredClone(doc) as Json;
    broken.openapi = '3.0.3';
    const grants = (broken.paths as Record<string, Record<string, Json>>)['/api/v1/grants']!.post!;
    grants.responses = {};
    (broken.paths as Record<string, unknown>)['/api/v1/companies/{companyId}'] = {
      get: {
        operationId: 'x',
        responses: { '200': { description: 'ok' } },
        summary: { $ref: '#/components/schemas/Nope' },
      },
    };
    const found = structuralProblems(broken);
    expect(found).toContain('openapi is not 3.1.x');
    expect(found).toContain('POST /api/v1/grants: responses required');
    expect(found.some((p) => p.includes('{companyId} undeclared'))).toBe(true);
    expect(found.some((p) => p.includes('unresolved $ref'))).toBe(true);
  });

  it('describes a signed body as application/jose with its payload schema generated from valibot', () => {
    const content = (paths['/api/v1/grants']!.post!.requestBody as Json).content as Record<
      string,
      Json
    >;
    expect(Object.keys(content)).toEqual(['application/jose']);
    expect(content['application/jose']!['x-jws-typ']).toBe('grant+jws');
    expect(content['application/jose']!['x-jws-payload']).toEqual({
      $ref: `#/components/schemas/${payloadSchemaName('grant')}`,
    });
    const schema = (doc.components as { schemas: Record<string, Json> }).schemas.GrantPayload!;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(
      expect.arrayContaining(['iss', 'aud', 'requestSha256', 'scopes']),
    );
    expect(schema.$schema).toBeUndefined();
  });

  it("keeps the company payload's optional webhook field in the generated schema", () => {
    const schema = (doc.components as { schemas: Record<string, Json> }).schemas.CompanyPayload!;
    expect(Object.keys(schema.properties as Json)).toContain('webhook');
    expect(schema.required).not.toContain('webhook');
    // the example stays valid (test vectors unchanged)
    expect(() => parseMessage('company', exampleMessages.company)).not.toThrow();
  });

  it.each([
    ['https://shop.example/hooks/consent', true],
    ['https://shop.example', true],
    ['http://localhost:4000/webhook', true],
    ['http://127.0.0.1:4000/webhook', true],
    ['http://shop.example/webhook', false],
    ['https://user:pw@shop.example/webhook', false],
    ['https://shop.example/webhook?token=secret', false],
    ['https://shop.example/webhook#x', false],
    ['https://SHOP.example/webhook', false],
    ['ftp://shop.example/webhook', false],
    [`https://shop.example/${'a'.repeat(600)}`, false],
  ])('accepts %s as a webhook URL: %s', (url, ok) => {
    expect(v.is(webhookUrl, url)).toBe(ok);
  });

  it('answers every problem with the one Problem schema, listing the codes per status', () => {
    for (const [path, item] of Object.entries(paths)) {
      for (const op of Object.values(item)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          // 4xx and 5xx, and the log's 202 `log-entry-pending`, a problem too
          if (Number(status) < 400 && response['x-problem-types'] === undefined) continue;
          for (const code of response['x-problem-types'] as Parameters<typeof problemStatus>[0][])
            expect(problemStatus(code), `${path} ${status} ${code}`).toBe(Number(status));
          expect(response.content, `${path} ${status}`).toEqual({
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          });
          expect((response['x-problem-types'] as string[]).length).toBeGreaterThan(0);
        }
      }
    }
    const revocationAcks = paths['/api/v1/revocation-acks']!.post!.responses as Record<
      string,
      Json
    >;
    expect(revocationAcks['409']!['x-problem-types']).toEqual(
      expect.arrayContaining(['ERR_JWS_REPLAYED', 'ERR_REVOCATION_ALREADY_ACKED']),
    );
  });

  it('describes every trust figure of trust.ts, each required', () => {
    const schema = (doc.components as { schemas: Record<string, Json> }).schemas.Trust!;
    // Typed by TrustFigures: a figure added there does not compile here until it is listed.
    const figures: Record<keyof TrustFigures, true> = {
      status: true,
      activeRelationships: true,
      revocationAcks: true,
      dataRequests: true,
      outOfScopeAccess: true,
      upheldComplaints: true,
      boycotts: true,
      refusedRelayAttempts: true,
    };
    expect(Object.keys(schema.properties as Json).sort()).toEqual(Object.keys(figures).sort());
    expect([...(schema.required as string[])].sort()).toEqual(Object.keys(figures).sort());
    const counts = { type: 'integer', minimum: 0 };
    for (const name of ['revocationAcks', 'dataRequests']) {
      expect((schema.properties as Json)[name], name).toEqual({
        type: 'object',
        properties: { onTime: counts, overdue: counts, open: counts },
        required: ['onTime', 'overdue', 'open'],
      });
    }
    expect((schema.properties as Json).outOfScopeAccess).toEqual(counts);
  });

  it('requires a request signature on signed GETs and none on public ones', () => {
    expect(paths['/api/v1/companies/me/events']!.get!.security).toEqual([{ requestSignature: [] }]);
    expect(paths['/api/v1/companies']!.get!.security).toBeUndefined();
  });

  it('lists every code of a bad request signature on every request-signed GET and DELETE', () => {
    // The codes an integrator got that the document did not list, among the shared list's.
    expect(requestSignatureProblems).toEqual(
      expect.arrayContaining([
        'ERR_JWS_NOT_YET_VALID',
        'ERR_JWS_TYP_MISMATCH',
        'ERR_JWS_HEADER_INVALID',
        'ERR_MESSAGE_INVALID',
        'ERR_PSEUDONYM_UNKNOWN',
        'ERR_STORAGE_UNAVAILABLE',
      ]),
    );
    const signed = apiRoutes.filter((r) => r.method !== 'POST' && r.signer !== 'public');
    expect(signed.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/companies/me/events',
        'GET /api/v1/companies/me/corrections',
        'DELETE /api/v1/companies/me/corrections/{id}',
        'GET /api/v1/companies/me/data-requests',
        'GET /api/v1/grant-requests/{sha256}',
        'DELETE /api/v1/people/{personId}',
      ]),
    );
    for (const route of signed) {
      const responses = paths[route.path]![route.method.toLowerCase()]!.responses as Record<
        string,
        Json
      >;
      for (const code of requestSignatureProblems) {
        const status = String(problemStatus(code));
        expect(
          responses[status]?.['x-problem-types'],
          `${route.method} ${route.path} ${code}`,
        ).toContain(code);
      }
    }
  });

  it("describes the registration's staff enrolment link, present only when a company is created", () => {
    const schema = (doc.components as { schemas: Record<string, Json> }).schemas
      .RegistrationReceipt!;
    const properties = schema.properties as Record<string, Json>;
    // companies.ts: `expiresAt` is the enrolment's end in milliseconds (people.ts).
    expect(properties.staffEnrolment).toMatchObject({
      type: 'object',
      properties: {
        link: { type: 'string', format: 'uri' },
        expiresAt: { type: 'integer', minimum: 0, description: expect.stringMatching(/\bms\b/) },
      },
      required: ['link', 'expiresAt'],
    });
    expect(schema.required).toEqual(['sha256', 'status', 'company']);
  });

  it("lists the log's own codes for a receipt and for proofs, as the log answers them", () => {
    const receipts = paths['/api/v1/log/receipts/{sha256}']!.get!.responses as Record<string, Json>;
    expect(receipts['404']!['x-problem-types']).toEqual([
      'log-entry-unknown',
      'log-entry-not-logged',
    ]);
    expect(receipts['400']!['x-problem-types']).toEqual(['log-query-invalid']);
    expect(receipts['202']).toMatchObject({
      'x-problem-types': ['log-entry-pending'],
      headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } },
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    expect(receipts['500']!['x-problem-types']).toEqual(['log-entry-rejected', 'internal']);
    for (const path of ['/api/v1/log/proof/inclusion', '/api/v1/log/proof/consistency']) {
      const responses = paths[path]!.get!.responses as Record<string, Json>;
      expect(responses['400']!['x-problem-types'], path).toEqual([
        'log-query-invalid',
        'log-size-beyond-tree',
      ]);
    }
    const problems = doc['x-problem-types'] as { code: string; status: number; type: string }[];
    expect(problems).toContainEqual({
      code: 'log-entry-unknown',
      status: 404,
      type: 'https://clearinghouse.invalid/problems/log-entry-unknown',
    });
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'log-entry-pending', status: 202 }),
    );
  });

  it('gives the schemas of the sealed contents, generated from valibot, and names them in the sealed fields', () => {
    const components = (doc.components as { schemas: Record<string, Json> }).schemas;
    const generated = (schema: Parameters<typeof toJsonSchema>[0]) => {
      const { $schema: _dialect, ...rest } = toJsonSchema(schema, {
        target: 'draft-2020-12',
        errorMode: 'ignore',
      }) as Json;
      return rest;
    };
    expect(components.OfferContentPayload).toEqual(generated(schemas['offer-content']));
    expect(components.RewardContent).toEqual(generated(rewardContent));
    expect(components.CorrectionContent).toEqual(generated(correctionContent));

    const field = (schema: string, name: string) =>
      (components[schema]!.properties as Record<string, Json>)[name]!;
    for (const [schema, name, content, words] of [
      ['OfferPayload', 'sealed', 'OfferContentPayload', ['offer-content+jws', 'pairwise key']],
      ['RewardPayload', 'sealed', 'RewardContent', ['UTF-8 JSON', 'pairwise key']],
      ['CorrectionPayload', 'sealed', 'CorrectionContent', ['UTF-8 JSON', 'first current key']],
      ['DisclosurePayload', 'export', undefined, ['UTF-8 text', 'pairwise key']],
    ] as const) {
      const property = field(schema, name);
      // still the sealed string of the protocol's schema
      expect(property, schema).toMatchObject({ type: 'string', minLength: 64 });
      const description = String(property.description);
      expect(description, schema).toContain('`crypto_box_seal`');
      expect(description, schema).toContain('X25519 form');
      for (const word of words) expect(description, schema).toContain(word);
      if (content === undefined) expect(property['x-sealed-content']).toBeUndefined();
      else {
        expect(description, schema).toContain(`\`${content}\``);
        expect(property['x-sealed-content']).toEqual({ $ref: `#/components/schemas/${content}` });
      }
    }
  });

  it('has a German and English summary for every operation', () => {
    for (const id of apiOperationIds) expect(hasMessage(`portal.apiDocs.op.${id}`), id).toBe(true);
  });

  it('is served at /api/v1/openapi.json as JSON', async () => {
    const response = await openApiRoute({} as never);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const served = (await response.json()) as Json;
    expect(served.openapi).toBe('3.1.1');
    expect(Object.keys(served.paths as Json)).toContain('/api/v1/openapi.json');
  });
});
