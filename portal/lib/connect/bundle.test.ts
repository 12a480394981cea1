import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { connectChannel } from '$protocol/connect';
import { bundleConnectScript } from './bundle';

describe('/connect.js bundle', () => {
  it('is one small classic script that installs ClearinghouseConnect and posts only to its own origin', async () => {
    const source = await bundleConnectScript();
    expect(source.length).toBeLessThan(12 * 1024);
    expect(source).not.toMatch(/^\s*(?:import|export)\s/m);

    const posted: { message: unknown; target: string }[] = [];
    const windowListeners: ((e: unknown) => void)[] = [];
    const window: Record<string, unknown> = {
      postMessage: (message: unknown, target: string) => posted.push({ message, target }),
      addEventListener: (_type: string, fn: (e: unknown) => void) => windowListeners.push(fn),
      removeEventListener: () => {},
    };
    const context = {
      window,
      location: { origin: 'http://localhost:4000', href: 'http://localhost:4000/' },
      document: {
        currentScript: { getAttribute: () => null, src: 'http://localhost:3000/connect.js' },
        addEventListener: () => {},
      },
      HTMLScriptElement: Object,
      HTMLAnchorElement: class {},
      Element: class {},
      CustomEvent: class {},
      crypto: { getRandomValues: (a: Uint8Array) => a.fill(7) },
      setTimeout: () => 1,
      clearTimeout: () => {},
      URL,
    };
    runInNewContext(source, context);
    const api = window.ClearinghouseConnect as { requestConsent(link: string): Promise<unknown> };
    expect(typeof api.requestConsent).toBe('function');
    void api.requestConsent(`http://localhost:3000/api/v1/grant-requests/${'A'.repeat(43)}`);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      target: 'http://localhost:4000',
      message: {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'request',
        request: 'A'.repeat(43),
      },
    });
    expect(windowListeners).toHaveLength(1);
  });
});
