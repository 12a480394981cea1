/**
 * output-guard.ts: a log line that cannot be written is dropped and counted, never thrown or
 * retried for ever; a stalled reader gets a bounded wait.
 */
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStandardStreams, lineDestination, standardStreamErrors } from './output-guard';

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('lineDestination', () => {
  it('writes each line whole, going on after a partial write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'output-guard-'));
    try {
      const fd = openSync(join(dir, 'log'), 'w');
      const calls: number[] = [];
      // At most 7 bytes a call: every line takes several writes.
      const destination = lineDestination(fd, {
        write: (target, data) => {
          const bytes = typeof data === 'string' ? Buffer.from(data) : data;
          calls.push(bytes.length);
          return writeSync(target, bytes.subarray(0, 7));
        },
      });
      destination.write('{"msg":"first line"}\n');
      destination.write('{"msg":"zweite Zeile, äöü"}\n');
      closeSync(fd);
      expect(readFileSync(join(dir, 'log'), 'utf8')).toBe(
        '{"msg":"first line"}\n{"msg":"zweite Zeile, äöü"}\n',
      );
      expect(calls.length).toBeGreaterThan(6);
      expect(destination.dropped).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync('/dev/full'))('drops a line on a full disk (ENOSPC) and goes on', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const destination = lineDestination(fd);
      expect(() => destination.write('one\n')).not.toThrow();
      expect(() => destination.write('two\n')).not.toThrow();
      expect(destination.dropped).toBe(2);
    } finally {
      closeSync(fd);
    }
  });

  it('drops a line for a reader that is gone (EPIPE) without waiting', () => {
    let slept = 0;
    const destination = lineDestination(9, {
      write: () => {
        throw failure('EPIPE');
      },
      sleep: (ms) => (slept += ms),
    });
    destination.write('x\n');
    expect(destination.dropped).toBe(1);
    expect(slept).toBe(0);
  });

  it('waits at most 50 ms for a stalled reader, then drops; for a second after, no line waits', () => {
    let clock = 1_000_000;
    let slept = 0;
    let stalled = true;
    const written: string[] = [];
    const destination = lineDestination(9, {
      write: (_fd, data) => {
        if (stalled) throw failure('EAGAIN');
        written.push(typeof data === 'string' ? data : Buffer.from(data).toString());
        return Buffer.byteLength(data);
      },
      now: () => clock,
      sleep: (ms) => {
        slept += ms;
        clock += ms;
      },
    });
    destination.write('a\n');
    expect(slept).toBe(50);
    expect(destination.dropped).toBe(1);
    destination.write('b\n');
    expect(slept).toBe(50); // within the quiet second: dropped at once
    expect(destination.dropped).toBe(2);
    clock += 1_000;
    stalled = false;
    destination.write('c\n');
    expect(written).toEqual(['c\n']);
    expect(destination.dropped).toBe(2);
  });

  it('ends a line dropped after part of it went out with the next line, so none runs into another', () => {
    const out: string[] = [];
    let calls = 0;
    const destination = lineDestination(9, {
      write: (_fd, data) => {
        calls++;
        // The first line: 5 bytes go out, then the disk is full; later lines go out whole.
        if (calls === 1) {
          out.push(Buffer.from(data).subarray(0, 5).toString());
          return 5;
        }
        if (calls === 2) throw failure('ENOSPC');
        const text = typeof data === 'string' ? data : Buffer.from(data).toString();
        out.push(text);
        return Buffer.byteLength(data);
      },
    });
    destination.write('{"msg":"first"}\n');
    destination.write('{"msg":"second"}\n');
    destination.write('{"msg":"third"}\n');
    expect(destination.dropped).toBe(1);
    expect(out.join('')).toBe('{"msg\n{"msg":"second"}\n{"msg":"third"}\n');
  });

  it('writes a line whose reader catches up within the wait', () => {
    let tries = 0;
    const written: string[] = [];
    const destination = lineDestination(9, {
      write: (_fd, data) => {
        if (tries++ < 3) throw failure('EAGAIN');
        written.push(typeof data === 'string' ? data : Buffer.from(data).toString());
        return Buffer.byteLength(data);
      },
      sleep: () => {},
    });
    destination.write('late\n');
    expect(written).toEqual(['late\n']);
    expect(destination.dropped).toBe(0);
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
