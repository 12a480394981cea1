/**
 * output-guard.ts: pino's destination and the standard streams may fail without ending or
 * hanging the process; what could not be written is counted.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
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
