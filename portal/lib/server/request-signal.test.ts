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
const Light = lightRequestClass(NativeRequest)!;
const url = 'http://localhost/api/v1/grants?x=1';

afterEach(() => uninstallRequestSignalShortcut());

describe('the light Request', () => {
  it("applies on this project's Node: its Request keeps its signal in a slot the getter reads", () => {
    expect(signalSlotOf(NativeRequest)).toBeTypeOf('symbol');
    expect(Light).toBeDefined();
  });

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

  it('aborts when the caller aborts, with its reason, like a follower', () => {
    const controller = new AbortController();
    const request = new Light(url, { signal: controller.signal });
    const heard: unknown[] = [];
    request.signal.addEventListener('abort', () => heard.push(request.signal.reason));
    expect(request.signal.aborted).toBe(false);
    const reason = new Error('the client went away');
    controller.abort(reason);
    expect(request.signal.aborted).toBe(true);
    expect(heard).toEqual([reason]);
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

  it("gives a clone a signal that follows the original's", () => {
    const controller = new AbortController();
    const clone = new Light(url, { signal: controller.signal }).clone();
    expect(clone.signal.aborted).toBe(false);
    controller.abort();
    expect(clone.signal.aborted).toBe(true);
  });

  it('builds natively what it does not cover: no signal, a Request as input, an init of a class', () => {
    expect(new Light(url).signal.aborted).toBe(false);

    const outer = new AbortController();
    const fromRequest = new Light(new NativeRequest(url), { signal: outer.signal });
    expect(fromRequest.signal).not.toBe(outer.signal);
    outer.abort();
    expect(fromRequest.signal.aborted).toBe(true);

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
  it('replaces the global Request once, and uninstalling puts the native one back', () => {
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
  });

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
