/**
 * Builds /connect.js: the browser binding (./browser.ts) with protocol/connect, bundled into one
 * small self-contained IIFE. It runs inside Vite (dev server and `vite build`) as the virtual
 * module `virtual:connect-script`, whose default export is the script's text: the SvelteKit route
 * portal/routes/connect.js/+server.ts serves that string, so the built server needs no file of its
 * own and `npm run build` / `npm start` from a clean clone just work.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { bundleText, textModule } from '../text-module';

/** The id the route imports. */
export const connectScriptId = 'virtual:connect-script';

const entry = fileURLToPath(new URL('./browser.ts', import.meta.url));
const protocolRoot = fileURLToPath(new URL('../../../protocol', import.meta.url));

/**
 * Bundles the connect script and returns its text.
 *
 * @example
 * ```ts
 * const source = await bundleConnectScript();
 * ```
 */
export async function bundleConnectScript(): Promise<string> {
  return bundleText(
    {
      resolve: { alias: { $protocol: protocolRoot } },
      build: {
        target: ['chrome100', 'firefox100', 'safari15'],
        minify: true,
        lib: { entry, formats: ['iife'], name: 'ClearinghouseConnectScript' },
        rolldownOptions: { output: { comments: { legal: true, annotation: false, jsdoc: false } } },
      },
    },
    'connect.js',
  );
}

/**
 * The Vite plugin that provides `virtual:connect-script` (registered in vite.config.ts).
 *
 * @example
 * ```ts
 * export default defineConfig({ plugins: [connectScript(), sveltekit()] });
 * ```
 */
export function connectScript(): Plugin {
  return textModule('consent-clearinghouse:connect-script', connectScriptId, bundleConnectScript);
}
