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
