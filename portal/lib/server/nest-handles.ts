/**
 * SvelteKit's `sequence` without its cost per handle (an async wrapper, a copy of the event and an
 * AsyncLocalStorage context each; SvelteKit already runs the whole `handle` inside one): each handle
 * resolves into the next, the last into SvelteKit's `resolve`. Only the last handle may pass options
 * to `resolve` (there is nothing to merge then); an outer one that does is a programming error and
 * throws, rather than its options being lost without a word.
 */
import type { Handle, RequestEvent, ResolveOptions } from '@sveltejs/kit';

/**
 * @example
 * ```ts
 * export const handle: Handle = nestHandles(observe, securityHeaders, route);
 * ```
 */
export function nestHandles(...handles: Handle[]): Handle {
  if (handles.length === 0) throw new TypeError('nestHandles needs at least one handle.');
  const last = handles.length - 1;
  return ({ event, resolve }) => {
    const at = (index: number, event: RequestEvent): ReturnType<Handle> =>
      handles[index]!({
        event,
        resolve: (next: RequestEvent, options?: ResolveOptions) => {
          if (index === last) return resolve(next, options);
          if (options !== undefined) {
            throw new TypeError(
              `Handle ${index + 1} of ${handles.length} passed options to resolve; only the last may (nestHandles).`,
            );
          }
          return at(index + 1, next);
        },
      });
    return at(0, event);
  };
}
