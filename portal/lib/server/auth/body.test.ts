import { describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { problemFromError } from '../problem';
import { readJoseBody, readJsonBody } from './body';

const post = (body: BodyInit, type = 'application/jose') =>
  new Request('http://localhost/api/v1/grants', {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });

const refusal = async (request: Request) => {
  const error = await readJoseBody(request).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProtocolError);
  return (error as ProtocolError).code;
};

describe('readJoseBody', () => {
  it('answers a compact JWS as text, without the surrounding line breaks', async () => {
    expect(await readJoseBody(post('eyJh.eyJi.c2ln\r\n'))).toBe('eyJh.eyJi.c2ln');
    // Larger than one read of the stream (several chunks), every byte kept in order.
    const long = `${'a'.repeat(40_000)}.${'b'.repeat(20_000)}.c`;
    expect(await readJoseBody(post(long))).toBe(long);
  });

  it('refuses a body with any byte outside printable ASCII, CR and LF, wherever it is', async () => {
    for (const bad of [
      'eyJh.eyJi.c2l\u00e9',
      'eyJh\t.eyJi.c2ln',
      'eyJh.\u0000eyJi.c2ln',
      'eyJh.eyJi.c2ln\u007f',
      `${'a'.repeat(30_000)}\u20ac`,
    ]) {
      expect(await refusal(post(bad))).toBe('ERR_JWS_MALFORMED');
    }
    // Bytes that are not UTF-8 at all.
    expect(await refusal(post(new Uint8Array([0x65, 0xff, 0x2e, 0x80])))).toBe('ERR_JWS_MALFORMED');
  });

  it('refuses an empty body and another content type', async () => {
    expect(await refusal(post(''))).toBe('ERR_JWS_MALFORMED');
    expect(await refusal(post('eyJh.eyJi.c2ln', 'application/json'))).toBe(
      'ERR_CONTENT_TYPE_UNSUPPORTED',
    );
  });
});

describe('readJsonBody', () => {
  const json = (body: BodyInit) => post(body, 'application/json');

  it('answers the parsed body', async () => {
    expect(await readJsonBody(json('{"challengeId":"c1"}'))).toEqual({ challengeId: 'c1' });
  });

  it.each([
    ['text that is no JSON', 'challengeId=c1'],
    ['JSON cut short', '{"challengeId":'],
    ['an empty body', ''],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
  ])('answers %s with a problem that says the body is not JSON', async (_what, body) => {
    const error = await readJsonBody(json(body)).catch((caught: unknown) => caught);
    expect(problemFromError(error)).toMatchObject({
      status: 400,
      code: 'ERR_QUERY_INVALID',
      detail: expect.stringMatching(/^The body is not valid JSON/),
      detail_data: { parameter: 'body' },
    });
  });
});
