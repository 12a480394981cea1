/**
 * The public registration form reaches the service behind `POST /api/v1/companies` (and the
 * domain proof's lookups): it is charged to the client address like the API, before its body is
 * read, and reads at most 64 KiB; a refusal is a sentence on the page (an action failure with the
 * error's message key) and stores nothing. On SQLite and PostgreSQL.
 */
import { isActionFailure } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  companyMessage,
  newCompany,
  openApiHarness,
  sign,
  testOrigin,
  type ApiHarness,
  limitedServices,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import { actions } from './+page.server';

describe.each(testDialects)('the registration form’s limits on %s', (dialect) => {
  let api: ApiHarness;

  beforeEach(async () => {
    api = await openApiHarness(dialect);
    await limitedServices(api, { addressPerMinute: 2, keyPerMinute: 0 });
  });
  afterEach(async () => {
    await api.close();
  });

  const companies = async () =>
    (await api.tdb.cdb.db.selectFrom('companies').select('id').execute()).length;

  /** A fresh company's signed registration, its proof served. */
  async function registration(): Promise<string> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    return sign('company', companyMessage(api.clock, company), company.keyPair);
  }

  /** Posts `body` to the register action from `address`. */
  async function submit(body: BodyInit, address: string, headers: Record<string, string> = {}) {
    const url = new URL(`${testOrigin}/company/register?/register`);
    const request = new Request(url, {
      method: 'POST',
      body,
      headers,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const result = await actions.register!({
      request,
      url,
      getClientAddress: () => address,
      cookies: { get: () => undefined },
      params: {},
      locals: {},
    } as never);
    return isActionFailure(result)
      ? { status: result.status, error: (result.data as unknown as { error: string }).error }
      : { status: 200, company: (result as { company?: { id: string } }).company?.id };
  }

  const form = (jws: string) => {
    const data = new FormData();
    data.set('jws', jws);
    return data;
  };

  it('refuses the third registration from one address in a minute with a sentence, another address still registers', async () => {
    expect((await submit(form(await registration()), '203.0.113.7')).status).toBe(200);
    expect(
      (await submit(new URLSearchParams({ jws: await registration() }), '203.0.113.7')).status,
    ).toBe(200);
    const before = await companies();
    expect(await submit(form(await registration()), '203.0.113.7')).toEqual({
      status: 429,
      error: 'errors.ERR_RATE_LIMITED',
    });
    expect(await companies()).toBe(before);
    expect((await submit(form(await registration()), '198.51.100.9')).status).toBe(200);
    expect(await companies()).toBe(before + 1);
  });

  it('refuses a body over 64 KiB, announced or streamed, before it is parsed, and stores nothing', async () => {
    const padded = new URLSearchParams({ jws: await registration(), pad: 'x'.repeat(64 * 1024) });
    expect(await submit(padded, '203.0.113.7')).toEqual({
      status: 413,
      error: 'errors.ERR_MESSAGE_TOO_LARGE',
    });
    const bytes = new TextEncoder().encode(padded.toString());
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 8192)
          controller.enqueue(bytes.slice(at, at + 8192));
        controller.close();
      },
    });
    expect(
      await submit(streamed, '198.51.100.9', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    ).toEqual({ status: 413, error: 'errors.ERR_MESSAGE_TOO_LARGE' });
    expect(await companies()).toBe(0);
  });

  it('refuses a body that is no form with a sentence', async () => {
    expect(
      await submit(await registration(), '203.0.113.7', { 'content-type': 'application/jose' }),
    ).toEqual({ status: 415, error: 'errors.ERR_CONTENT_TYPE_UNSUPPORTED' });
    expect(await companies()).toBe(0);
  });
});
