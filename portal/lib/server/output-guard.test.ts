/**
 * output-guard.ts: pino's destination and the standard streams may fail without ending or
 * hanging the process; what could not be written is counted.
 */
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { destination as pinoDestination, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  guardLogStream,
  guardStandardStreams,
  standardStreamErrors,
  type LogStream,
} from './output-guard';

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('guardLogStream', () => {
  it.runIf(existsSync('/dev/full'))(
    "keeps pino's own destination on a full disk from ending the process, and its exit flush from hanging",
    async () => {
      const destination = pinoDestination({ dest: '/dev/full', sync: false });
      const logger = pino({ level: 'info' }, destination);
      const guarded = guardLogStream(destination as unknown as LogStream);
      logger.info('first');
      // The failed write is reported on a later turn: without the guard, an unhandled 'error'.
      await new Promise<void>((resolve) => destination.once('error', () => setImmediate(resolve)));
      logger.info('second');
      logger.info('third');
      expect(guarded.dropped).toBe(3);
      // What pino calls as the process exits: nothing left to retry for ever.
      expect(() => destination.flushSync()).not.toThrow();
    },
  );

  it('leaves a stream that writes alone, and counts nothing', () => {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), {
      write: (data: string) => written.push(data),
    });
    const guarded = guardLogStream(stream);
    stream.write('a\n');
    expect(written).toEqual(['a\n']);
    expect(guarded.dropped).toBe(0);
  });

  it('stops writing after an error once, however often it is reported', () => {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), {
      write: (data: string) => written.push(data),
      flushSync: () => {
        throw new Error('would retry for ever');
      },
    });
    const guarded = guardLogStream(stream);
    stream.emit('error', failure('ENOSPC'));
    stream.emit('error', failure('ENOSPC'));
    stream.write('lost\n');
    expect(written).toEqual([]);
    expect(guarded.dropped).toBe(2);
    expect(() => stream.flushSync()).not.toThrow();
  });
});

describe('guardLogStream resuming', () => {
  it.runIf(existsSync('/dev/full'))(
    "resumes pino's own destination once the disk has room again, with what it still held and a line saying what was lost",
    async () => {
      const destination = pinoDestination({ dest: '/dev/full', sync: false });
      const logger = pino({ level: 'info' }, destination);
      let clock = 1_000_000;
      const resumed: [number, number][] = [];
      const guarded = guardLogStream(destination as unknown as LogStream, {
        retryAfterMs: 30_000,
        now: () => clock,
        onResume: (dropped, stoppedAt) => {
          resumed.push([dropped, stoppedAt]);
          logger.warn({ event: 'log-resumed', dropped }, 'resumed');
        },
      });
      logger.info('first');
      await new Promise<void>((resolve) => destination.once('error', () => setImmediate(resolve)));
      expect(guarded.stopped).toBe(true);
      clock += 29_999;
      logger.info('dropped while stopped');
      expect(resumed).toEqual([]);
      // The disk has room again: the same destination now writes to a file.
      const dir = mkdtempSync(join(tmpdir(), 'log-resume-'));
      try {
        const file = join(dir, 'out.log');
        const fd = openSync(file, 'a');
        (destination as unknown as { fd: number }).fd = fd;
        clock += 1;
        logger.info('after');
        expect(resumed).toEqual([[1, 1_000_000]]);
        expect(guarded.stopped).toBe(false);
        // sonic-boom writes off the event loop: 'drain' once all it held is written.
        await new Promise<void>((resolve) => destination.once('drain', () => resolve()));
        const lines = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { msg: string }).msg);
        // What sonic-boom still held from the failed write, then the notice, then the line.
        expect(lines).toEqual(['first', 'resumed', 'after']);
        // Only the line logged while stopped was lost: the failed write's was written after all.
        expect(guarded.dropped).toBe(1);
        closeSync(fd);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('stays stopped until a line comes after the wait, and stops again at the next error', () => {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), {
      write: (data: string) => written.push(data),
    });
    let clock = 0;
    const resumed: [number, number][] = [];
    const guarded = guardLogStream(stream, {
      retryAfterMs: 1_000,
      now: () => clock,
      onResume: (dropped, stoppedAt) => {
        resumed.push([dropped, stoppedAt]);
        stream.write(`resumed after ${dropped}\n`);
      },
    });
    clock = 5;
    stream.emit('error', failure('ENOSPC'));
    expect(guarded.dropped).toBe(1); // the failed write, held
    stream.write('a\n');
    clock = 1_004;
    stream.write('b\n');
    expect(written).toEqual([]);
    expect(guarded.dropped).toBe(3);
    clock = 1_005;
    stream.write('c\n');
    expect(written).toEqual(['resumed after 2\n', 'c\n']);
    expect(resumed).toEqual([[2, 5]]);
    expect(guarded.stopped).toBe(false);
    expect(guarded.dropped).toBe(2); // the held write goes out on resuming
    // Stops again, and the wait starts from this error.
    clock = 2_000;
    stream.emit('error', failure('EPIPE'));
    clock = 2_999;
    stream.write('d\n');
    clock = 3_000;
    stream.write('e\n');
    expect(written).toEqual(['resumed after 2\n', 'c\n', 'resumed after 1\n', 'e\n']);
    expect(resumed).toEqual([
      [2, 5],
      [1, 2_000],
    ]);
    expect(guarded.dropped).toBe(3);
  });

  it('gives the exit flush back only once a write went through after resuming', () => {
    let flushes = 0;
    const stream = Object.assign(new EventEmitter(), {
      write: (_data: string) => true,
      flushSync: () => {
        flushes++;
      },
    });
    let clock = 0;
    guardLogStream(stream, { retryAfterMs: 10, now: () => clock });
    stream.emit('error', failure('ENOSPC'));
    clock = 10;
    stream.write('resumes\n');
    // The resumed write is on its way: the disk may still be full, and sonic-boom's flush would
    // retry for ever.
    stream.flushSync();
    expect(flushes).toBe(0);
    // It failed again: still no flush after the write sonic-boom reports for a later one.
    stream.emit('error', failure('ENOSPC'));
    stream.emit('write', 0);
    stream.flushSync();
    expect(flushes).toBe(0);
    clock = 20;
    stream.write('resumes again\n');
    stream.emit('write', 14);
    stream.flushSync();
    expect(flushes).toBe(1);
  });

  it('keeps logging when the resume notice throws', () => {
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), {
      write: (data: string) => written.push(data),
    });
    let clock = 0;
    guardLogStream(stream, {
      retryAfterMs: 10,
      now: () => clock,
      onResume: () => {
        throw new Error('notice failed');
      },
    });
    stream.emit('error', failure('ENOSPC'));
    clock = 10;
    expect(() => stream.write('after\n')).not.toThrow();
    expect(written).toEqual(['after\n']);
  });
});

describe('guardStandardStreams', () => {
  it("counts a stream's write error instead of letting it end the process", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(failure('ENOSPC'));
      },
    });
    guardStandardStreams([stream]);
    guardStandardStreams([stream]); // idempotent: one listener
    expect(stream.listenerCount('error')).toBe(1);
    const before = standardStreamErrors();
    stream.write('Listening on http://0.0.0.0:3000\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(standardStreamErrors()).toBe(before + 1);
  });
});
