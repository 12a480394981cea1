/**
 * The light `Request` (request-signal.ts): a request built from a URL with a signal uses that
 * signal, so Node adds no abort listener, weak reference or finalizer per request; everything a
 * caller can see of the request stays as with Node's own class, and anything the shortcut does not
 * cover is built natively.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  installRequestSignalShortcut,
  lightRequestClass,
  signalSlotOf,
  uninstallRequestSignalShortcut,
} from './request-signal';

const NativeRequest = globalThis.Request;
const undiciMajor = Number(process.versions.undici?.split('.')[0]);
const Light = lightRequestClass(NativeRequest)!; // undefined off undici 6: see below
const url = 'http://localhost/api/v1/grants?x=1';

afterEach(() => uninstallRequestSignalShortcut());

// Node 20 and 22 bundle undici 6, which keeps the signal in a symbol slot; undici 7 (Node 24)
// keeps it in a private field, and there the shortcut is off (the server warns at start).
it.runIf(undiciMajor === 6)(
  "the light Request applies on this project's Node: its Request keeps its signal in a slot the getter reads",
  () => {
    expect(signalSlotOf(NativeRequest)).toBeTypeOf('symbol');
    expect(Light).toBeDefined();
  },
);

describe.runIf(Light !== undefined)('the light Request', () => {
  it('uses the caller signal itself, where Node adds an abort listener to follow it', () => {
    const native = new AbortController();
    const nativeRequest = new NativeRequest(url, { signal: native.signal });
    expect(nativeRequest.signal).not.toBe(native.signal);
    expect(getEventListeners(native.signal, 'abort')).toHaveLength(1);

    const light = new AbortController();
    const request = new Light(url, { signal: light.signal });
    expect(request.signal).toBe(light.signal);
    expect(getEventListeners(light.signal, 'abort')).toHaveLength(0);
  });

  it('takes an already aborted signal as it is, like Node gives its own the same reason', () => {
    const reason = new Error('gone before it began');
    const light = new Light(url, { signal: AbortSignal.abort(reason) });
    const native = new NativeRequest(url, { signal: AbortSignal.abort(reason) });
    expect([light.signal.aborted, light.signal.reason]).toEqual([true, reason]);
    expect([native.signal.aborted, native.signal.reason]).toEqual([true, reason]);
  });

  it('keeps method, URL, headers and a streamed body, and is a Request to every check', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.e30.c2ln'));
        c.close();
      },
    });
    const request = new Light(new URL(url), {
      method: 'POST',
      headers: [['content-type', 'application/jose']],
      body,
      signal: new AbortController().signal,
      duplex: 'half',
    } as RequestInit);
    expect(request).toBeInstanceOf(NativeRequest);
    expect(request.method).toBe('POST');
    expect(request.url).toBe(url);
    expect(request.headers.get('content-type')).toBe('application/jose');
    expect(await request.text()).toBe('eyJhbGciOiJFZERTQSJ9.e30.c2ln');
    expect(Object.prototype.toString.call(request)).toBe('[object Request]');
  });

  it('gives clones, and clones of clones, the signal, and keeps them Requests to instanceof', () => {
    const controller = new AbortController();
    const original = new Light(url, { signal: controller.signal });
    const clone = original.clone();
    const cloneOfClone = clone.clone();
    for (const copy of [clone, cloneOfClone]) {
      expect(copy).toBeInstanceOf(Light);
      expect(copy).toBeInstanceOf(NativeRequest);
      expect(copy.signal.aborted).toBe(false);
    }
    controller.abort();
    expect([clone.signal.aborted, cloneOfClone.signal.aborted]).toEqual([true, true]);
    // A request of Node's own class, made before the swap, is a Request to the light class too.
    expect(new NativeRequest(url)).toBeInstanceOf(Light);
    expect({ url }).not.toBeInstanceOf(Light);
  });

  it('builds natively what it does not cover: no signal, a Request as input, an init of a class', () => {
    expect(new Light(url).signal.aborted).toBe(false);

    const outer = new AbortController();
    const fromRequest = new Light(new NativeRequest(url), { signal: outer.signal });
    const itsClone = fromRequest.clone();
    expect(fromRequest.signal).not.toBe(outer.signal);
    outer.abort();
    expect([fromRequest.signal.aborted, itsClone.signal.aborted]).toEqual([true, true]);

    // A light request as the init (SvelteKit's respond does `new Request(url, request)`): built
    // natively, following the light request's signal.
    const caller = new AbortController();
    const asInit = new Light(url, new Light(url, { signal: caller.signal }));
    expect(asInit.signal).not.toBe(caller.signal);
    caller.abort();
    expect(asInit.signal.aborted).toBe(true);

    class Init {
      method = 'GET';
      constructor(readonly signal: AbortSignal) {}
    }
    const classy = new AbortController();
    const fromClass = new Light(url, new Init(classy.signal) as RequestInit);
    expect(fromClass.signal).not.toBe(classy.signal);
    classy.abort();
    expect(fromClass.signal.aborted).toBe(true);
  });

  it('rejects what Node rejects (a GET with a body, a signal that is not one)', () => {
    const signal = new AbortController().signal;
    expect(() => new Light(url, { body: 'x', signal })).toThrow(TypeError);
    expect(() => new Light(url, { signal: {} as AbortSignal })).toThrow(TypeError);
  });
});

describe('installing it', () => {
  it.runIf(Light !== undefined)(
    'replaces the global Request once, and uninstalling puts the native one back',
    () => {
      expect(installRequestSignalShortcut()).toBe(true);
      const installed = globalThis.Request;
      expect(installed).not.toBe(NativeRequest);
      expect(installed.name).toBe('Request');
      expect(installRequestSignalShortcut()).toBe(true);
      expect(globalThis.Request).toBe(installed);
      const controller = new AbortController();
      expect(new Request(url, { signal: controller.signal }).signal).toBe(controller.signal);
      uninstallRequestSignalShortcut();
      expect(globalThis.Request).toBe(NativeRequest);
    },
  );

  it('leaves a Request without such a slot alone, and reports so', () => {
    // A Request that computes its signal instead of keeping it: nothing to put the caller's in.
    class Computed extends NativeRequest {
      override get signal(): AbortSignal {
        return AbortSignal.abort();
      }
    }
    expect(signalSlotOf(Computed)).toBeUndefined();
    expect(lightRequestClass(Computed)).toBeUndefined();
    class Unbuildable {
      constructor() {
        throw new TypeError('not here');
      }
    }
    expect(signalSlotOf(Unbuildable as unknown as typeof Request)).toBeUndefined();

    globalThis.Request = Computed;
    try {
      expect(installRequestSignalShortcut()).toBe(false);
      expect(globalThis.Request).toBe(Computed);
    } finally {
      globalThis.Request = NativeRequest;
    }
  });
});
