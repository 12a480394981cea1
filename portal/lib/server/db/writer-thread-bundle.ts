/**
 * Builds the SQLite writer thread's code (`writer-thread.worker.ts` with what it imports, Kysely
 * included; better-sqlite3 is loaded by path at run time) into one CommonJS text, provided as the
 * virtual module `virtual:sqlite-writer-thread` (registered in vite.config.ts), whose default
 * export is that text: the thread starts from it with `eval`, so the built server needs no file
 * of its own and `npm run build` / `npm start` from a clean clone just work. Outside Vite (a
 * script run with tsx) the module does not exist and the server's connection writes.
 */
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

/** The id `database.ts` imports (there as a literal: this module loads Vite). */
const writerThreadSourceId = 'virtual:sqlite-writer-thread';
const resolvedId = `\0${writerThreadSourceId}`;

const entry = fileURLToPath(new URL('./writer-thread.worker.ts', import.meta.url));
const protocolRoot = fileURLToPath(new URL('../../../../protocol', import.meta.url));
const libRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles the writer thread and returns its text.
 *
 * @example
 * ```ts
 * const source = await bundleWriterThread();
 * ```
 */
export async function bundleWriterThread(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { $protocol: protocolRoot, $lib: libRoot } },
    ssr: { noExternal: true, external: ['better-sqlite3'] },
    build: {
      write: false,
      ssr: entry,
      target: 'node20',
      minify: false,
      rolldownOptions: {
        output: { format: 'cjs', codeSplitting: false },
      },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ('output' in out) {
      const chunk = out.output.find((o) => o.type === 'chunk');
      if (chunk !== undefined && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error('bundling the SQLite writer thread produced no script');
}

/**
 * The Vite plugin that provides `virtual:sqlite-writer-thread` (registered in vite.config.ts).
 *
 * @example
 * ```ts
 * export default defineConfig({ plugins: [sqliteWriterThread(), sveltekit()] });
 * ```
 */
export function sqliteWriterThread(): Plugin {
  let source: Promise<string> | undefined;
  return {
    name: 'consent-clearinghouse:sqlite-writer-thread',
    resolveId: (id) => (id === writerThreadSourceId ? resolvedId : undefined),
    async load(id) {
      if (id !== resolvedId) return undefined;
      source ??= bundleWriterThread();
      return `export default ${JSON.stringify(await source)};`;
    },
  };
}
