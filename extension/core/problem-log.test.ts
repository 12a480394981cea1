import { describe, expect, it } from 'vitest';
import {
  maxProblemMessage,
  maxProblems,
  ProblemLog,
  problemRetentionMs,
  redact,
} from './problem-log';

function memoryCell() {
  const cell = {
    value: undefined as unknown,
    writes: 0,
    failing: false,
    read: async () => cell.value,
    write: async (value: unknown) => {
      if (cell.failing) throw new Error('QuotaExceededError');
      cell.writes++;
      cell.value = structuredClone(value);
    },
  };
  return cell;
}

function clock(start = Date.UTC(2026, 11, 6)) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

describe('ProblemLog', () => {
  it('keeps where, the name and the start of the message, newest first', async () => {
    const cell = memoryCell();
    const time = clock();
    const log = new ProblemLog(cell, time);
    await log.record('settings.set', new TypeError('x is undefined'));
    time.ms += 1000;
    await log.record('alarm offers', new RangeError('too far '.repeat(maxProblemMessage)));
    const [newest, older] = await log.list();
    expect(older).toEqual({
      at: Date.UTC(2026, 11, 6),
      where: 'settings.set',
      name: 'TypeError',
      message: 'x is undefined',
      count: 1,
    });
    expect(newest?.name).toBe('RangeError');
    expect(newest?.message).toHaveLength(maxProblemMessage);
    expect(newest?.message.endsWith('…')).toBe(true);
  });

  it('leaves out what a message quotes of the data, and long identifiers', async () => {
    const log = new ProblemLog(memoryCell(), clock());
    await log.record(
      'sites.decide',
      new TypeError('Invalid type: Expected number but received "Erika Mustermann"'),
    );
    await log.record('wallet', new Error(`no grant for ps_${'A'.repeat(43)} at 'shop.example'`));
    expect((await log.list()).map((p) => p.message)).toEqual([
      'no grant for … at "…"',
      'Invalid type: Expected number but received "…"',
    ]);
    expect(redact('a „quoted“ word and `code` stay out; short ids like co_1 stay')).toBe(
      'a "…" word and "…" stay out; short ids like co_1 stay',
    );
  });

  it('counts the same problem again instead of pushing older ones out', async () => {
    const cell = memoryCell();
    const time = clock();
    const log = new ProblemLog(cell, time);
    await log.record('vault.unlock', new Error('first'));
    for (let i = 0; i < 3 * maxProblems; i++) {
      time.ms += 10;
      await log.record('refresh', new TypeError('again'));
    }
    const problems = await log.list();
    expect(problems.map((p) => [p.where, p.count])).toEqual([
      ['refresh', 3 * maxProblems],
      ['vault.unlock', 1],
    ]);
    expect(problems[0]?.at).toBe(time.ms);
  });

  it('keeps at most the newest twenty different ones, each for a week', async () => {
    const cell = memoryCell();
    const time = clock();
    const log = new ProblemLog(cell, time);
    for (let i = 0; i < maxProblems + 5; i++) {
      time.ms += 1;
      await log.record(`where ${i}`, new Error(`problem ${i}`));
    }
    const problems = await log.list();
    expect(problems).toHaveLength(maxProblems);
    expect(problems[0]?.where).toBe(`where ${maxProblems + 4}`);
    expect(problems.at(-1)?.where).toBe('where 5');
    // The oldest kept one happened maxProblems - 1 ms before the newest: a week after it, it goes.
    time.ms += problemRetentionMs - (maxProblems - 1);
    expect(await log.list()).toHaveLength(maxProblems - 1);
    time.ms += maxProblems - 1;
    expect(await log.list()).toEqual([]);
  });

  it('keeps both of two problems recorded at once, and what is not an Error too', async () => {
    const log = new ProblemLog(memoryCell(), clock());
    await Promise.all([
      log.record('a', new Error('one')),
      log.record('b', 'a thrown string'),
      log.record('c', { name: 'DOMException', message: 'The transaction was aborted' }),
    ]);
    expect((await log.list()).map((p) => [p.where, p.name, p.message])).toEqual([
      ['c', 'DOMException', 'The transaction was aborted'],
      ['b', 'string', 'a thrown string'],
      ['a', 'Error', 'one'],
    ]);
  });

  it('never throws while recording, reads damaged storage as empty, and clears', async () => {
    const cell = memoryCell();
    const log = new ProblemLog(cell, clock());
    cell.failing = true;
    await expect(log.record('x', new Error('lost'))).resolves.toBeUndefined();
    await expect(log.clear()).rejects.toThrow('QuotaExceededError');
    cell.failing = false;
    cell.value = [{ at: 'yesterday' }];
    expect(await log.list()).toEqual([]);
    await log.record('y', new Error('kept'));
    expect(await log.list()).toHaveLength(1);
    await log.clear();
    expect(await log.list()).toEqual([]);
  });
});
