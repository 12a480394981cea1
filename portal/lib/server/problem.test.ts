import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../protocol/errors';
import { problem, problemFromError, problemResponse, problemTypeBase } from './problem';

describe('problem+json', () => {
  it('names the error code as the last path segment of type', () => {
    const body = problem(404, 'not-found', 'Not found', 'nothing here');
    expect(body).toEqual({
      type: `${problemTypeBase}not-found`,
      title: 'Not found',
      status: 404,
      code: 'not-found',
      detail: 'nothing here',
    });
  });

  it('maps protocol errors to 4xx with their code', () => {
    const replay = problemFromError(new ProtocolError('ERR_JWS_REPLAYED', 'seen before'));
    expect(replay.status).toBe(409);
    expect(replay.type.endsWith('/ERR_JWS_REPLAYED')).toBe(true);
    const invalid = problemFromError(new ProtocolError('ERR_MESSAGE_INVALID', 'bad'));
    expect(invalid.status).toBe(400);
    const large = problemFromError(new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'big'));
    expect(large.status).toBe(413);
  });

  it("titles a protocol error with its code's sentence and details what this one was", () => {
    const body = problemFromError(
      new ProtocolError('ERR_JWS_EXPIRED', 'the message has expired: now 1000', { now: 1000 }),
    );
    expect(body).toMatchObject({
      title: 'The message has expired. Please send it again.',
      detail: 'the message has expired: now 1000',
      detail_data: { now: 1000 },
    });
    // The same title for every occurrence of the code.
    expect(problemFromError(new ProtocolError('ERR_JWS_EXPIRED', 'other')).title).toBe(body.title);
  });

  it('reveals nothing about unexpected errors', () => {
    const body = problemFromError(new Error('SELECT * FROM secrets failed at /srv/db.ts:12'));
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secrets');
  });

  it('answers with the problem media type and status', async () => {
    const response = problemResponse(problem(400, 'bad', 'Bad'));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 400, code: 'bad' });
  });
});
