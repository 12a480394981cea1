import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'dist/portal' }),
    files: {
      src: 'portal',
      assets: 'portal/static',
      lib: 'portal/lib',
      routes: 'portal/routes',
      appTemplate: 'portal/app.html',
      hooks: {
        server: 'portal/hooks.server',
        client: 'portal/hooks.client',
        universal: 'portal/hooks',
      },
      params: 'portal/params',
      serviceWorker: 'portal/service-worker',
    },
    alias: {
      $protocol: 'protocol',
    },
    // A strict Content-Security-Policy on every page (issue 12; docs/architecture.md "Security
    // headers"): SvelteKit adds a nonce to its own inline scripts, nothing else inline runs.
    // 'wasm-unsafe-eval' lets pages run libsodium's WebAssembly, not eval. Styles may be inline
    // (server-rendered style attributes); they cannot run code.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self', 'wasm-unsafe-eval'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['none'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
    // SvelteKit's own origin check is off because portal/lib/server/cross-site-forms.ts does it in
    // the first hook, for everything but the API (which SvelteKit's check answered in plain text
    // instead of its documented 415 problem+json): form actions still refuse cross-origin posts.
    csrf: { trustedOrigins: ['*'] },
    // portal/instrumentation.server.ts: the built server's first module, which checks the
    // settings adapter-node reads when its handler loads (ORIGIN, PORT, SHUTDOWN_TIMEOUT) before
    // it loads, so that a bad one ends the start with a sentence instead of adapter-node's stack.
    experimental: { instrumentation: { server: true } },
    typescript: {
      // The generated tsconfig covers portal/ only; the three parts share one typecheck.
      config(tsconfig) {
        tsconfig.include.push(
          '../protocol/**/*.ts',
          '../extension/**/*.ts',
          '../extension/**/*.svelte',
          '../test/**/*.ts',
          '../bench/**/*.ts',
          '../scripts/**/*.ts',
          '../vite.config.ts',
          '../playwright.config.ts',
        );
        return tsconfig;
      },
    },
  },
};

export default config;
