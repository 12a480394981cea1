/**
 * Every request SvelteKit's Node adapter hands to the app is built as `new Request(url, { signal })`,
 * the signal being aborted when the client goes away before its body ended (@sveltejs/kit
 * `getRequest`). Node 20's `Request` (undici 6) does not keep that signal: it makes a signal of its
 * own that follows it, through an abort listener, a `WeakRef` and a `FinalizationRegistry` entry per
 * request. V8 clears weak references only in a full garbage collection, so every request's graph
 * outlives the young generation: at 2,000 trivial requests per second the old generation grew by
 * about 25 MB a second and a full collection ran every 5 s, delaying about 1 % of requests by
 * 20-60 ms (docs/performance.md, session 14).
 *
 * {@link installRequestSignalShortcut} replaces the global `Request` by a subclass that, for a
 * request built from a URL with a signal, uses that signal itself as `request.signal` instead of a
 * follower. What callers see is the same (the signal aborts when the caller's does, with its reason);
 * only `request.signal === init.signal` now holds. Everything else (a `Request` as input, no signal,
 * an `init` that is not a plain object) goes to the native constructor unchanged, and so does
 * everything when this Node's `Request` does not keep its signal where the shortcut expects it
 * (checked once on a probe, never assumed; undici 7, in Node 24, keeps it in a private field, so
 * there the shortcut is off, the cost is back, and the server says so when it starts).
 */

type RequestClass = typeof Request;

/** The global `Request` before {@link installRequestSignalShortcut}, to restore it. */
let native: RequestClass | undefined;

/**
 * The property where `Native` keeps what its `signal` getter returns, when it has one the shortcut
 * can use: a symbol-keyed own data property of every instance, writable, read by the getter.
 * `undefined` when there is none (another implementation of `Request`).
 */
export function signalSlotOf(Native: RequestClass): symbol | undefined {
  let probe: Request;
  try {
    probe = new Native('http://localhost/');
  } catch {
    return undefined;
  }
  const signal = probe.signal;
  const slots = probe as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(probe)) {
    const slot = Object.getOwnPropertyDescriptor(probe, key);
    if (slot?.value !== signal || slot.writable !== true) continue;
    // The getter must read this slot: put another signal there and ask for it.
    const own = new AbortController().signal;
    slots[key] = own;
    const reads = probe.signal === own;
    slots[key] = signal;
    return reads ? key : undefined;
  }
  return undefined;
}

/**
 * A subclass of `Native` whose instances built from a URL and a plain `init` with an `AbortSignal`
 * use that signal as theirs (and so do their clones, and clones of those); `undefined` when
 * `Native` offers no place for it ({@link signalSlotOf}). `instanceof` it holds for every
 * `Native` request, as before the swap.
 *
 * @example
 * ```ts
 * const Light = lightRequestClass(Request)!;
 * const controller = new AbortController();
 * new Light('http://localhost/', { signal: controller.signal }).signal === controller.signal; // true
 * ```
 */
export function lightRequestClass(Native: RequestClass): RequestClass | undefined {
  const found = signalSlotOf(Native);
  if (found === undefined) return undefined;
  const slot: symbol = found;
  const useSignal = (request: Request, signal: AbortSignal) => {
    (request as unknown as Record<symbol, unknown>)[slot] = signal;
  };
  class LightRequest extends Native {
    /** Every `Request`, light or not, passes `instanceof` (SvelteKit's fetch checks it). */
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof Native;
    }

    constructor(input: RequestInfo | URL, init?: RequestInit) {
      const signal = init?.signal;
      if (
        !(signal instanceof AbortSignal) ||
        !(typeof input === 'string' || input instanceof URL) ||
        Object.getPrototypeOf(init) !== Object.prototype
      ) {
        super(input, init);
        return;
      }
      // `signal: undefined` is "no signal" to the native constructor (no `delete`, which would
      // turn the object into a slow dictionary).
      super(input, { ...init, signal: undefined });
      useSignal(this, signal);
    }

    /**
     * Node's clone follows the original's own internal signal, which a light request never
     * aborts: the clone (built by Node as its own class) gets the original's `signal` instead,
     * which aborts exactly when the original's does (light or not), and this class, so that a
     * clone of it does the same.
     */
    override clone(): Request {
      const clone = super.clone();
      Object.setPrototypeOf(clone, LightRequest.prototype);
      useSignal(clone, this.signal);
      return clone;
    }
  }
  // What error messages and logs show, as for Node's own class.
  Object.defineProperty(LightRequest, 'name', { value: 'Request' });
  return LightRequest;
}

/**
 * Makes the global `Request` the light one ({@link lightRequestClass}); does nothing when it already
 * is or when this Node's `Request` offers no place for the signal (then requests are built natively,
 * as before). Returns whether the light class is installed.
 *
 * @example
 * ```ts
 * installRequestSignalShortcut(); // in the server hook's init, before the first request
 * ```
 */
export function installRequestSignalShortcut(): boolean {
  if (native !== undefined) return true;
  const Light = lightRequestClass(globalThis.Request);
  if (Light === undefined) return false;
  native = globalThis.Request;
  globalThis.Request = Light;
  return true;
}

/** Puts the native `Request` back (tests). */
export function uninstallRequestSignalShortcut(): void {
  if (native === undefined) return;
  globalThis.Request = native;
  native = undefined;
}
