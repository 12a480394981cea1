/**
 * Builds /connect.js: the browser binding (./browser.ts) with protocol/connect, bundled into one
 * small self-contained IIFE. It runs inside Vite (dev server and `vite build`) as the virtual
 * module `virtual:connect-script`, whose default export is the script's text: the SvelteKit route
 * portal/routes/connect.js/+server.ts serves that string, so the built server needs no file of its
 * own and `npm run build` / `npm start` from a clean clone just work.
 */
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

/** The id the route imports. */
export const connectScriptId = 'virtual:connect-script';
const resolvedId = `\0${connectScriptId}`;

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
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { $protocol: protocolRoot } },
    build: {
      write: false,
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: true,
      lib: { entry, formats: ['iife'], name: 'ClearinghouseConnectScript' },
      rolldownOptions: { output: { comments: { legal: true, annotation: false, jsdoc: false } } },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ('output' in out) {
      const chunk = out.output.find((o) => o.type === 'chunk');
      if (chunk !== undefined && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error('bundling connect.js produced no script');
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
  return {
    name: 'consent-clearinghouse:connect-script',
    resolveId: (id) => (id === connectScriptId ? resolvedId : undefined),
    async load(id) {
      if (id !== resolvedId) return undefined;
      const source = await bundleConnectScript();
      return `export default ${JSON.stringify(source)};`;
    },
  };
}
