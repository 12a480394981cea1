/**
 * Scripts built into text at build time and served from a virtual module (`/connect.js`, the
 * SQLite writer thread): a Vite build that writes nothing, and the plugin that provides its text,
 * so the built server needs no file of its own and `npm run build` / `npm start` from a clean
 * clone just work.
 */
import { build, type InlineConfig, type Plugin } from 'vite';

/**
 * Runs `config` as a Vite build that writes nothing and returns the code of its chunk.
 *
 * @throws Error naming `what` when the build produced no chunk.
 * @example
 * ```ts
 * const code = await bundleText({ build: { lib: { entry, formats: ['iife'], name: 'X' } } }, 'x.js');
 * ```
 */
export async function bundleText(config: InlineConfig, what: string): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    ...config,
    build: { ...config.build, write: false },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ('output' in out) {
      const chunk = out.output.find((o) => o.type === 'chunk');
      if (chunk !== undefined && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error(`bundling ${what} produced no script`);
}

/**
 * The Vite plugin that provides the virtual module `id`, whose default export is the text
 * `make` builds. `once`: build it once per plugin (Vitest loads the module in every test file);
 * otherwise at every load, so the dev server serves the current text.
 *
 * @example
 * ```ts
 * textModule('consent-clearinghouse:connect-script', 'virtual:connect-script', bundleConnectScript);
 * ```
 */
export function textModule(
  name: string,
  id: string,
  make: () => Promise<string>,
  options: { once?: boolean } = {},
): Plugin {
  const resolvedId = `\0${id}`;
  let made: Promise<string> | undefined;
  return {
    name,
    resolveId: (requested) => (requested === id ? resolvedId : undefined),
    async load(requested) {
      if (requested !== resolvedId) return undefined;
      const text = options.once === true ? (made ??= make()) : make();
      return `export default ${JSON.stringify(await text)};`;
    },
  };
}
