/**
 * nestHandles (nest-handles.ts): the handles run outermost first, each resolving into the next and
 * seeing what the inner ones answered; the last one's options reach SvelteKit's `resolve`; an outer
 * handle passing options is refused instead of losing them.
 */
import type { Handle, RequestEvent, ResolveOptions } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { nestHandles } from './nest-handles';

const event = { url: new URL('http://localhost/api/v1/ping') } as unknown as RequestEvent;

/** A handle that notes its name on the way in and adds a header on the way out. */
function tagging(name: string, trail: string[]): Handle {
  return async ({ event, resolve }) => {
    trail.push(`${name} in`);
    const response = await resolve(event);
    trail.push(`${name} out`);
    response.headers.append('x-trail', name);
    return response;
  };
}

describe('nestHandles', () => {
  it('runs the handles outermost first and hands the last options to resolve', async () => {
    const trail: string[] = [];
    const transformPageChunk: ResolveOptions['transformPageChunk'] = ({ html }) => html;
    const received: { event?: RequestEvent; options?: ResolveOptions } = {};
    const inner: Handle = ({ event, resolve }) => {
      trail.push('inner');
      return resolve({ ...event, locals: { locale: 'de' } } as RequestEvent, {
        transformPageChunk,
      });
    };
    const handle = nestHandles(tagging('outer', trail), tagging('middle', trail), inner);
    const response = await handle({
      event,
      resolve: (event, options) => {
        received.event = event;
        received.options = options;
        return new Response('{}');
      },
    });
    expect(trail).toEqual(['outer in', 'middle in', 'inner', 'middle out', 'outer out']);
    expect(response.headers.get('x-trail')).toBe('middle, outer');
    expect(received.options?.transformPageChunk).toBe(transformPageChunk);
    expect((received.event as unknown as { locals: unknown }).locals).toEqual({ locale: 'de' });
  });

  it('passes on the event an outer handle resolves with', async () => {
    let seen: RequestEvent | undefined;
    const replaced = { url: new URL('http://localhost/other') } as unknown as RequestEvent;
    const handle = nestHandles(
      ({ resolve }) => resolve(replaced),
      ({ event, resolve }) => {
        seen = event;
        return resolve(event);
      },
    );
    await handle({ event, resolve: () => new Response(null) });
    expect(seen).toBe(replaced);
  });

  it('refuses options from a handle that is not the last', async () => {
    const handle = nestHandles(
      ({ event, resolve }) => resolve(event, { preload: () => true }),
      ({ event, resolve }) => resolve(event),
    );
    await expect(
      Promise.resolve().then(() => handle({ event, resolve: () => new Response(null) })),
    ).rejects.toThrow(/Handle 1 of 2 passed options to resolve/);
  });

  it('needs a handle', () => {
    expect(() => nestHandles()).toThrow(TypeError);
  });
});
