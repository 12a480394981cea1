/**
 * Test fixture (imported by extension/ui's *.browser.test.ts only): the page element a Svelte
 * component under test is mounted into, one per test. A fresh element is attached to the body
 * before each test; after it, the component mounted there is unmounted and the element removed,
 * so nothing one test rendered is left for the next one to find.
 */
import { mount as mountComponent, unmount as unmountComponent } from 'svelte';
import { afterEach, beforeEach } from 'vitest';

/** What {@link hostComponents} gives a test file. */
export interface ComponentHost {
  /**
   * This test's element. Read it through the host when needed, never destructured: each test has
   * its own, and there is none outside a test (reading it there throws).
   */
  readonly target: HTMLElement;
  /** The element in the target whose `data-testid` is `id`, or null. */
  byTestId(id: string): HTMLElement | null;
  /**
   * Mounts `component` with `props` into the target and remembers it, to be unmounted after the
   * test. Throws while another component is mounted: unmount that one first.
   */
  mount<Props extends Record<string, unknown>>(
    component: Parameters<typeof mountComponent<Props, Record<string, unknown>>>[0],
    props: Props,
  ): Record<string, unknown>;
  /** Unmounts the mounted component (waiting for its outros), if there is one. */
  unmount(): Promise<void>;
}

/**
 * Registers, in the calling test file or `describe`, the hooks that give each test a fresh
 * target element and clean it up after. Call it before any `beforeEach` that mounts a component,
 * so the target exists by then (before-hooks run in the order they were registered).
 *
 * @example
 * ```ts
 * const host = hostComponents();
 * const { byTestId } = host;
 *
 * it('says hello', () => {
 *   host.mount(Greeting, { name: 'Ada' });
 *   expect(byTestId('greeting')!.textContent).toBe('Hello, Ada');
 *   expect(host.target.querySelectorAll('p')).toHaveLength(1);
 * });
 * ```
 */
export function hostComponents(): ComponentHost {
  let target: HTMLElement | undefined;
  let app: Record<string, unknown> | undefined;

  const current = (): HTMLElement => {
    if (!target) throw new Error('The component host has a target only while a test runs.');
    return target;
  };

  const host: ComponentHost = {
    get target() {
      return current();
    },
    byTestId: (id) => current().querySelector<HTMLElement>(`[data-testid="${id}"]`),
    mount(component, props) {
      if (app) throw new Error('A component is already mounted: unmount it first.');
      app = mountComponent(component, { target: current(), props });
      return app;
    },
    async unmount() {
      const mounted = app;
      app = undefined;
      if (mounted) await unmountComponent(mounted);
    },
  };

  beforeEach(() => {
    target = document.createElement('div');
    document.body.append(target);
  });

  afterEach(async () => {
    await host.unmount();
    target?.remove();
    target = undefined;
  });

  return host;
}
