/**
 * What a regulator's signed act says when the clearinghouse refuses it (signed-post.ts): the
 * problem's code as its sentence, a key no longer enrolled as such, and the fields a malformed
 * message was refused for. The key is a real WebCrypto key (signing-key.ts), only its storage
 * (IndexedDB) is replaced; the answers are the API's problem+json bodies.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { t } from '$protocol/i18n';
import { generateSigningKey, type SigningKey } from '$lib/signing-key';

let stored: SigningKey | undefined;
vi.mock('$lib/signing-key', async (actual) => ({
  ...(await actual<typeof import('$lib/signing-key')>()),
  loadSigningKey: async () => stored,
}));
const { signedDelete, signedPost } = await import('./signed-post');

const origin = 'https://clearinghouse.test';
let answer: { status: number; body?: Record<string, unknown> };
const sent: { path: string; method: string }[] = [];

beforeEach(async () => {
  stored = await generateSigningKey();
  sent.length = 0;
  vi.stubGlobal('location', { origin });
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    sent.push({ path, method: init.method ?? 'GET' });
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/problem+json' },
    });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const person = () => ({ id: 'p1', kid: stored!.kid, signer: `rg_${stored!.kid}` });
const problem = (status: number, code: string, detail_data?: Record<string, unknown>) => ({
  status,
  body: { type: 'about:blank', title: code, status, code, ...(detail_data && { detail_data }) },
});

describe('a refused regulator act', () => {
  const acts = [
    [
      'a decision',
      () => signedPost(person(), 'complaint-decision', '/api/v1/complaint-decisions', {}),
    ],
    ['a removal', () => signedDelete(person(), '/api/v1/people/p2')],
  ] as const;

  it.each(acts)(
    'says %s signed with a key no longer enrolled as that, not as an unknown key',
    async (_act, act) => {
      answer = problem(401, 'ERR_JWS_KID_UNKNOWN');
      // Before: 'errors.ERR_JWS_KID_UNKNOWN', "The key that signed this message is not known."
      expect(await act()).toEqual({ ok: false, message: 'portal.regulator.sign.keyGone' });
      expect(sent).toHaveLength(1);
      for (const locale of ['de', 'en'] as const) {
        expect(t(locale, 'portal.regulator.sign.keyGone')).not.toBe(
          'portal.regulator.sign.keyGone',
        );
      }
    },
  );

  it.each([
    [problem(409, 'ERR_COMPLAINT_ALREADY_DECIDED'), 'errors.ERR_COMPLAINT_ALREADY_DECIDED'],
    [problem(401, 'ERR_JWS_SIGNATURE_INVALID'), 'errors.ERR_JWS_SIGNATURE_INVALID'],
    [problem(400, 'ERR_NO_SUCH_CODE'), 'portal.regulator.sign.failed'],
    [{ status: 502 }, 'portal.regulator.sign.failed'],
  ])('says any other refusal by its code (%j)', async (refusal, message) => {
    answer = refusal;
    expect(await acts[0][1]()).toEqual({ ok: false, message });
  });

  it('passes on the fields a malformed message was refused for', async () => {
    answer = problem(400, 'ERR_MESSAGE_INVALID', { issues: ['name', 7] });
    expect(
      await signedPost(person(), 'person-invitation', '/api/v1/people/invitations', {}),
    ).toEqual({ ok: false, message: 'errors.ERR_MESSAGE_INVALID', issues: ['name'] });
  });

  it('sends nothing without this browser’s key of the person', async () => {
    answer = { status: 201, body: { sha256: 'x' } };
    const other = { ...person(), kid: 'another' };
    expect(await signedDelete(other, '/api/v1/people/p2')).toEqual({
      ok: false,
      message: 'portal.regulator.sign.noKey',
    });
    expect(sent).toEqual([]);
  });
});
