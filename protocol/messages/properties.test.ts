/**
 * Property tests: whatever arrives, parsing ends in a typed payload or a ProtocolError, never in
 * another exception (issue 2, "Property tests").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors';
import { exampleMessages } from './examples';
import { messageKinds, parseJsonMessage, parseMessage, type MessageKind } from './index';

const kind = fc.constantFrom(...messageKinds);

/** Calls `fn`; returns 'ok' or the error code, and rethrows anything that is not a ProtocolError. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (as a list of keys) to a value inside `value`, the root excluded. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, inner]) => [[...prefix, key], ...pathsOf(inner, [...prefix, key])]);
}

function copyOf(kind: MessageKind): Json {
  return JSON.parse(JSON.stringify(exampleMessages[kind])) as Json;
}

/** Drops (replacement undefined) or replaces the value at `path` in a copy of `root`. */
function mutate(root: Json, path: (string | number)[], replacement: unknown, drop: boolean): Json {
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (drop) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

const allPaths = Object.fromEntries(messageKinds.map((k) => [k, pathsOf(copyOf(k))])) as Record<
  MessageKind,
  (string | number)[][]
>;

describe('parsing never throws anything but a ProtocolError', () => {
  it('for any JSON value as any kind', () => {
    fc.assert(
      fc.property(kind, fc.jsonValue(), (k, value) => {
        const result = outcome(() => parseMessage(k, value));
        expect(['ok', 'ERR_MESSAGE_INVALID']).toContain(result);
      }),
      { numRuns: 400 },
    );
  });

  it('for any JavaScript value as any kind', () => {
    fc.assert(
      fc.property(
        kind,
        fc.anything({ withNullPrototype: true, withMap: true, withSet: true }),
        (k, value) => {
          expect(['ok', 'ERR_MESSAGE_INVALID']).toContain(outcome(() => parseMessage(k, value)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for any string given as JSON text', () => {
    fc.assert(
      fc.property(kind, fc.string({ unit: 'binary', maxLength: 2000 }), (k, text) => {
        const result = outcome(() => parseJsonMessage(k, text));
        expect(['ok', 'ERR_MESSAGE_INVALID', 'ERR_MESSAGE_TOO_LARGE']).toContain(result);
      }),
      { numRuns: 400 },
    );
  });

  it('for any byte string decoded as UTF-8', () => {
    const decoder = new TextDecoder();
    fc.assert(
      fc.property(kind, fc.uint8Array({ maxLength: 4000 }), (k, bytes) => {
        const result = outcome(() => parseJsonMessage(k, decoder.decode(bytes)));
        expect(['ok', 'ERR_MESSAGE_INVALID', 'ERR_MESSAGE_TOO_LARGE']).toContain(result);
      }),
      { numRuns: 300 },
    );
  });

  it('for any mutation of a valid message: a dropped or replaced member', () => {
    const mutation = kind.chain((k) =>
      fc.record({
        kind: fc.constant(k),
        path: fc.constantFrom(...allPaths[k]),
        drop: fc.boolean(),
        replacement: fc.jsonValue({ maxDepth: 3 }),
      }),
    );
    fc.assert(
      fc.property(mutation, ({ kind: k, path, drop, replacement }) => {
        const mutated = mutate(copyOf(k), path, replacement, drop);
        const viaValue = outcome(() => parseMessage(k, mutated));
        const viaText = outcome(() => parseJsonMessage(k, JSON.stringify(mutated)));
        expect(['ok', 'ERR_MESSAGE_INVALID']).toContain(viaValue);
        // The same data as a value and as text gets the same verdict.
        expect(viaText).toBe(viaValue);
      }),
      { numRuns: 600 },
    );
  });

  it('for any mutation that adds a member anywhere in an object', () => {
    const addition = kind.chain((k) =>
      fc.record({
        kind: fc.constant(k),
        at: fc.constantFrom([], ...allPaths[k]),
        key: fc.string({ minLength: 1, maxLength: 12 }),
        value: fc.jsonValue({ maxDepth: 2 }),
      }),
    );
    fc.assert(
      fc.property(addition, ({ kind: k, at, key, value }) => {
        const copy = copyOf(k);
        let node: unknown = copy;
        for (const step of at) node = (node as Record<string | number, unknown>)[step];
        if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
        const record = node as Record<string, unknown>;
        if (Object.prototype.hasOwnProperty.call(record, key)) return;
        // defineProperty, so that a key such as `__proto__` becomes an own member too.
        Object.defineProperty(record, key, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
        // Every object in every schema is strict: an added member is always refused.
        expect(outcome(() => parseMessage(k, copy))).toBe('ERR_MESSAGE_INVALID');
      }),
      { numRuns: 400 },
    );
  });
});
