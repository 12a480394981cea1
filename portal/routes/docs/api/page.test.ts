/**
 * The API page, server-rendered from the OpenAPI document in both languages: every route, who
 * signs, the body kind, the responses and the problem types, as text (no HTML injected).
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { hasMessage, t, type MessageKey } from '$protocol/i18n';
import { apiPageModel, openApiDocument } from '$lib/server/openapi';
import { load } from './+page.server';
import Page from './+page.svelte';

const model = apiPageModel(openApiDocument('http://localhost:3000'));

function rendered(locale: 'de' | 'en') {
  const data = { locale, version: '0.1.0', path: '/docs/api', api: model };
  return render(Page, { props: { data } as never });
}
const html = (locale: 'de' | 'en'): string => rendered(locale).body;

describe('the API page', () => {
  it('is built from the OpenAPI document: every operation, its signer, body and problems', () => {
    const operations = model.operations.map((op) => `${op.method} ${op.path}`);
    expect(operations).toContain('POST /api/v1/grants');
    expect(operations).toContain('GET /api/v1/companies/me/events');
    const grants = model.operations.find((op) => op.path === '/api/v1/grants')!;
    expect(grants.signer).toBe('pseudonym');
    expect(grants.body).toMatchObject({ kind: 'jose', messageKind: 'grant', typ: 'grant+jws' });
    expect(grants.body!.fields).toEqual(
      expect.arrayContaining([{ name: 'requestSha256', required: true, type: expect.any(String) }]),
    );
    expect(grants.responses.find((r) => r.status === '422')!.problems).toContain(
      'ERR_SCOPE_WIDER_THAN_REQUESTED',
    );
    expect(model.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['ERR_JWS_REPLAYED', 'not-found', 'internal']),
    );
  });

  it('names the site after itself in the title, as every page does (failed before: no " · Consent Clearinghouse")', () => {
    for (const locale of ['de', 'en'] as const) {
      const title = `${t(locale, 'portal.apiDocs.title')} · ${t(locale, 'common.appName')}`;
      expect(rendered(locale).head).toContain(`<title>${title}</title>`);
    }
    expect(rendered('de').head).toContain(
      '<title>Die API der Clearingstelle · Consent Clearinghouse</title>',
    );
  });

  it('has a sentence in both languages for every problem a route names (failed before: the log’s codes were shown bare)', () => {
    const codes = new Set(model.problems.map((p) => p.code as string));
    for (const op of model.operations)
      for (const response of op.responses) for (const code of response.problems) codes.add(code);
    expect([...codes]).toEqual(expect.arrayContaining(['log-entry-pending', 'log-query-invalid']));
    const missing = [...codes].filter(
      (code) =>
        !hasMessage(code.startsWith('ERR_') ? `errors.${code}` : `portal.apiDocs.problem.${code}`),
    );
    expect(missing).toEqual([]);
    expect(html('de')).toContain(t('de', 'portal.apiDocs.problem.log-entry-pending' as MessageKey));
    expect(html('en')).toContain('ask again in a second (Retry-After)');
  });

  it('loads its model from the served document', () => {
    const data = load({} as never) as { api: typeof model };
    expect(data.api.operations.length).toBe(model.operations.length);
  });

  it('renders every route in German and in English', () => {
    const de = html('de');
    const en = html('en');
    for (const op of model.operations) {
      expect(de).toContain(op.path);
      expect(en).toContain(op.path);
    }
    expect(de).toContain('Die API der Clearingstelle');
    expect(de).toContain('der paarweise Schlüssel des Pseudonyms');
    expect(de).toContain('Eine Einwilligung erteilen');
    expect(en).toContain('Submit a grant');
    expect(en).toContain('pairwise key');
    // Problem sentences come from the error catalog.
    expect(de).toContain('id="problem-ERR_JWS_REPLAYED"');
  });

  it('says nothing in English on the German page beyond the code: types in a notation, places in words', () => {
    const de = html('de');
    // The companies' listing: `status` in the query string, one of three values.
    expect(de).toContain('im Query-String');
    expect(de).toContain('"pending" | "active" | "suspended"');
    expect(html('en')).toContain('in the query string');
    for (const english of ['one of ', 'array of ', '(query,', '(path,', 'do not exist yet'])
      expect(de).not.toContain(english);
    // Nor does it claim that routes it lists do not exist.
    expect(de).not.toContain('gibt es noch nicht');
  });

  it('makes every route reachable by keyboard from the table of contents', () => {
    const en = html('en');
    for (const op of model.operations) {
      expect(en).toContain(`href="#op-${op.id}"`);
      expect(en).toContain(`id="op-${op.id}"`);
    }
  });

  it('renders text that looks like HTML as text', () => {
    const hostile = structuredClone(model);
    hostile.operations[0]!.path = '/api/<script>alert(1)</script>';
    const body = render(Page, {
      props: { data: { locale: 'en', version: '1', path: '/', api: hostile } } as never,
    }).body;
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&lt;script>');
  });
});
