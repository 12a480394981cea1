import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { openTargetedRequests } from './targeted-requests';

const pseudonym = `ps_${'P'.repeat(43)}`;
const jws = (payload: Record<string, unknown>) =>
  `eyJhbGciOiJFZERTQSJ9.${base64urlEncode(utf8Encode(JSON.stringify(payload)))}.sig`;
const request = (sha256: string, aud: string, iat: number) => ({ sha256, jws: jws({ aud, iat }) });

describe('openTargetedRequests', () => {
  it('lists requests addressed to the pseudonym that no grant or refusal answers, newest first', () => {
    const relationship = {
      pseudonym,
      requests: [
        request('open', 'https://clearinghouse.example', 10), // an open request the grant answered
        request('answered-by-grant', pseudonym, 20),
        request('answered-by-refusal', pseudonym, 30),
        request('older', pseudonym, 40),
        request('newer', pseudonym, 50),
        request('other-pseudonym', `ps_${'Q'.repeat(43)}`, 60),
        { sha256: 'damaged', jws: 'not-a-jws' },
      ],
      grants: [
        { jws: jws({ requestSha256: 'open' }) },
        { jws: jws({ requestSha256: 'answered-by-grant' }) },
      ],
      refusals: [{ jws: jws({ requestSha256: 'answered-by-refusal' }) }],
    } as unknown as Parameters<typeof openTargetedRequests>[0];
    expect(openTargetedRequests(relationship)).toEqual([
      { sha256: 'newer', iat: 50 },
      { sha256: 'older', iat: 40 },
    ]);
  });

  it('lists nothing without requests', () => {
    expect(
      openTargetedRequests({ pseudonym, requests: [], grants: [], refusals: [] } as never),
    ).toEqual([]);
  });
});
