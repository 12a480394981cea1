import { sveltekit } from '@sveltejs/kit/vite';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { connectScript } from './portal/lib/connect/bundle';
import { sqliteWriterThread } from './portal/lib/server/db/writer-thread-bundle';

/** Debian's Chromium: Playwright's own browser downloads are not reachable here. */
const chromium = playwright({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  },
});

export default defineConfig({
  // connectScript: /connect.js as the virtual module `virtual:connect-script` (issue 7).
  // sqliteWriterThread: the SQLite writer thread's code as `virtual:sqlite-writer-thread`.
  plugins: [connectScript(), sqliteWriterThread(), sveltekit()],
  server: { host: '127.0.0.1' },
  // Pre-bundle what the browser tests import, so Vite does not reload a test mid-run on discovery.
  optimizeDeps: {
    include: [
      'libsodium-wrappers-sumo',
      'jose',
      'fast-check',
      '@noble/hashes/sha2.js',
      '@scure/bip39',
      'valibot',
      'dexie',
      '@scure/bip39/wordlists/english.js',
    ],
  },
  test: {
    projects: [
      {
        // protocol/ is pure: the same tests run in Node ...
        test: {
          name: 'protocol-node',
          include: ['protocol/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // ... and in a real Chromium, so nothing Node-only slips in.
        test: {
          name: 'protocol-browser',
          include: ['protocol/**/*.test.ts'],
          exclude: ['protocol/**/*.node.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: chromium,
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
      {
        test: {
          name: 'extension-core',
          include: ['extension/core/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [svelte()],
        test: {
          name: 'extension-browser',
          include: ['extension/**/*.browser.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: chromium,
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          globalSetup: ['test/setup/postgres.global.ts'],
          include: ['portal/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          // Storage tests share one PostgreSQL cluster; keep files sequential to stay in budget.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Issue 12: the BUILT server (dist/portal) killed with SIGKILL under load (test/fault/).
        // Without file parallelism Vitest runs its files one at a time in the group of sequential
        // files (with the server project's), so its load never runs beside another test file.
        extends: true,
        test: {
          name: 'fault',
          globalSetup: ['test/setup/postgres.global.ts'],
          // Issue 13: the same with a local cluster (three built nodes behind a proxy, test/cluster/).
          include: ['test/fault/**/*.test.ts', 'test/cluster/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
