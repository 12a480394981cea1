/**
 * The outbox's bookkeeping around the clearinghouse's answer: when a receipt came, and how long a
 * busy clearinghouse asked to wait. The signing, resending and refusals are tested through the
 * inbox (./offers.test.ts "complaints under way", "the customer's own complaint").
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem, type Receipt } from '../../protocol/client';
import { isProtocolError } from '../../protocol/errors';
import { sha256Of } from '../../protocol/jws';
import {
  ComplaintOutbox,
  maxComplaintWaitSeconds,
  type ComplaintSubject,
} from './complaint-outbox';
import { readDrafts } from './complaints';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import { companyIdentity } from './identity';

const company = `co_${'a'.repeat(42)}A`;
const seed = new Uint8Array(32).fill(3);
/** Written at 10:00 UTC on 3 November 2026. */
const writtenMs = Date.UTC(2026, 10, 3, 10);
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A disclosure of the company's, as the caller found it in the vault. */
let subject: ComplaintSubject;

/** The clearinghouse: answers with `answer`, or throws it; counts every complaint sent. */
let answer: () => Receipt;
let sends: string[];
let store: FakeStore;
let clock: FakeClock;
let outbox: ComplaintOutbox;

beforeEach(async () => {
  subject = {
    about: 'disclosure',
    id: `${'d'.repeat(42)}A`,
    company,
    pseudonym: (await companyIdentity(seed, company)).pseudonym,
    evidence: [{ kind: 'disclosure', jws: 'a.b.c' }],
  };
  sends = [];
  answer = () => {
    throw new TypeError('fetch failed');
  };
  store = new FakeStore();
  clock = new FakeClock(writtenMs);
  outbox = new ComplaintOutbox({
    store,
    clock,
    randomBytes: counterBytes(),
    clearinghouse: {
      submitComplaint: async (jws) => {
        sends.push(jws);
        return answer();
      },
    },
    clearinghouseOrigin: 'http://localhost:3000',
    masterSeed: async () => seed,
  });
});

const taken = (): Receipt => ({ sha256: sha256Of(sends.at(-1)!), status: 'pending' });
const complain = () =>
  outbox.complain('disclosure', ['not_covered'], undefined, async () => subject);
const codeOf = async (work: () => Promise<unknown>) =>
  work().then(
    () => 'none',
    (e: unknown) => (isProtocolError(e) ? e.code : String(e)),
  );

describe('the time a complaint was submitted', () => {
  it('is the clock’s when the receipt is stored, not when the draft was written', async () => {
    // Written and signed at 10:00; the clearinghouse out of reach.
    expect(await codeOf(complain)).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    const [underWay] = await readDrafts(store);
    expect(underWay).toMatchObject({ state: 'draft', createdAt: seconds(writtenMs) });
    expect(underWay!.submittedAt).toBeUndefined();
    // Taken by the next sync, two minutes later.
    clock.ms = writtenMs + 120_000;
    answer = taken;
    await outbox.sendPending();
    const [submitted] = await readDrafts(store);
    expect(submitted).toMatchObject({
      state: 'submitted',
      createdAt: seconds(writtenMs),
      submittedAt: seconds(writtenMs) + 120,
    });
  });

  it('is set on a complaint taken at once', async () => {
    answer = taken;
    clock.ms = writtenMs + 5_000;
    expect((await complain()).submittedAt).toBe(seconds(writtenMs) + 5);
  });
});

describe('a clearinghouse that asks to wait', () => {
  /** Over the rate limit: 429 with `Retry-After` (docs/api.md "Rate limits"). */
  const busy = (retryAfter: string) => () => {
    throw new ApiProblem(
      429,
      { code: 'ERR_RATE_LIMITED', detail_data: { retryAfter: Number(retryAfter) } },
      retryAfter,
    );
  };

  it('keeps the wait with the code, and the retries do not send again before it has passed', async () => {
    answer = busy('120');
    const failure = await complain().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'ERR_RATE_LIMITED', detail: { retryAfter: 120 } });
    const [kept] = await readDrafts(store);
    expect(kept).toMatchObject({
      state: 'draft',
      error: 'ERR_RATE_LIMITED',
      retryAt: seconds(writtenMs) + 120,
    });
    expect(sends).toHaveLength(1);
    // A sync a minute later leaves it.
    answer = taken;
    clock.ms = writtenMs + 60_000;
    await outbox.sendPending();
    expect(sends).toHaveLength(1);
    expect((await readDrafts(store))[0]!.state).toBe('draft');
    // Once the wait is over, the same token goes again; this time no answer comes, which names
    // no wait: the one before is forgotten.
    clock.ms = writtenMs + 120_000;
    answer = () => {
      throw new TypeError('fetch failed');
    };
    await outbox.sendPending();
    expect(sends).toEqual([sends[0], sends[0]]);
    const [unanswered] = await readDrafts(store);
    expect(unanswered).toMatchObject({ state: 'draft', error: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    expect(unanswered!.retryAt).toBeUndefined();
    // So the next sync sends it at once.
    clock.ms = writtenMs + 121_000;
    answer = taken;
    await outbox.sendPending();
    expect(sends).toEqual([sends[0], sends[0], sends[0]]);
    const [submitted] = await readDrafts(store);
    expect(submitted).toMatchObject({ state: 'submitted', submittedAt: seconds(writtenMs) + 121 });
    expect(submitted!.retryAt).toBeUndefined();
    expect(submitted!.error).toBeUndefined();
  });

  it('holds a complaint back for 15 minutes at most, however long the answer asks to wait', async () => {
    // A proxy or captive portal asking for a day.
    answer = () => {
      throw new ApiProblem(503, { code: 'http-503' }, '86400');
    };
    await complain().catch(() => undefined);
    const [kept] = await readDrafts(store);
    expect(kept!.retryAt).toBe(seconds(writtenMs) + maxComplaintWaitSeconds);
    answer = taken;
    clock.ms = writtenMs + (maxComplaintWaitSeconds - 1) * 1000;
    await outbox.sendPending();
    expect(sends).toHaveLength(1);
    clock.ms = writtenMs + maxComplaintWaitSeconds * 1000;
    await outbox.sendPending();
    expect(sends).toHaveLength(2);
    expect((await readDrafts(store))[0]!.state).toBe('submitted');
  });

  it('sends at once a complaint whose wait ends further ahead than the longest kept (the clock turned back)', async () => {
    answer = busy('600');
    await complain().catch(() => undefined);
    expect((await readDrafts(store))[0]!.retryAt).toBe(seconds(writtenMs) + 600);
    // The clock was an hour ahead when the answer came, and is right now.
    answer = taken;
    clock.ms = writtenMs - 3_600_000;
    await outbox.sendPending();
    expect(sends).toHaveLength(2);
    expect((await readDrafts(store))[0]!.state).toBe('submitted');
  });
});

describe('an answer that did not take the complaint', () => {
  /** A gateway before the clearinghouse: its HTML error page, no code of ours, no wait. */
  const gateway = (status: number) => () => {
    throw new ApiProblem(status, { title: 'The answer is not JSON.' });
  };
  const noAnswer = () => {
    throw new TypeError('fetch failed');
  };

  it('keeps a gateway’s status beside the code, until an attempt gets no answer or goes through', async () => {
    answer = gateway(502);
    expect(await codeOf(complain)).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    const [kept] = await readDrafts(store);
    // Failed before: the code alone, as if no answer had come.
    expect(kept).toMatchObject({
      state: 'draft',
      error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      answerStatus: 502,
    });
    expect(kept!.jws).toBeDefined();
    expect(kept!.retryAt).toBeUndefined();
    // Sent again with the next sync as before (no wait named); this time no answer comes.
    clock.ms = writtenMs + 60_000;
    answer = noAnswer;
    await outbox.sendPending();
    expect(sends).toEqual([sends[0], sends[0]]);
    const [unanswered] = await readDrafts(store);
    expect(unanswered).toMatchObject({ state: 'draft', error: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    expect(unanswered!.answerStatus).toBeUndefined();
    // A 429 keeps its status as well; the receipt after it clears it.
    answer = () => {
      throw new ApiProblem(429, { code: 'ERR_RATE_LIMITED' });
    };
    await outbox.sendPending();
    expect((await readDrafts(store))[0]).toMatchObject({
      error: 'ERR_RATE_LIMITED',
      answerStatus: 429,
    });
    answer = taken;
    await outbox.sendPending();
    const [submitted] = await readDrafts(store);
    expect(submitted!.state).toBe('submitted');
    expect(submitted!.answerStatus).toBeUndefined();
  });

  it('goes on to the next complaint after a gateway’s 5xx, and stops at one that gets no answer', async () => {
    const other = { ...subject, id: `${'e'.repeat(42)}A` };
    answer = noAnswer;
    await complain().catch(() => undefined);
    clock.ms = writtenMs + 1_000;
    await outbox
      .complain('disclosure', ['not_covered'], undefined, async () => other)
      .catch(() => undefined);
    expect(sends).toHaveLength(2);
    // A gateway's 503 without a wait: an answer, so the sync tries the next one as well.
    answer = gateway(503);
    await outbox.sendPending();
    expect(sends).toHaveLength(4);
    expect((await readDrafts(store)).map((d) => d.answerStatus)).toEqual([503, 503]);
    // No answer: the first tells the sync the clearinghouse is out of reach.
    answer = noAnswer;
    await outbox.sendPending();
    expect(sends).toHaveLength(5);
  });

  it('discards a complaint under way with its status', async () => {
    answer = gateway(504);
    await complain().catch(() => undefined);
    await outbox.discard(subject.id);
    const [discarded] = await readDrafts(store);
    expect(discarded!.state).toBe('discarded');
    expect(discarded!.answerStatus).toBeUndefined();
  });
});
