/**
 * Builds the SQLite writer thread's code (`writer-thread.worker.ts` with what it imports, Kysely
 * included; better-sqlite3 is loaded by path at run time) into one CommonJS text, provided as the
 * virtual module `virtual:sqlite-writer-thread` (registered in vite.config.ts), whose default
 * export is that text: the thread starts from it with `eval`, so the built server needs no file
 * of its own and `npm run build` / `npm start` from a clean clone just work. Outside Vite (a
 * script run with tsx) the module does not exist and the server's connection writes.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { bundleText, textModule } from '../../text-module';

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
  return bundleText(
    {
      resolve: { alias: { $protocol: protocolRoot, $lib: libRoot } },
      ssr: { noExternal: true, external: ['better-sqlite3'] },
      build: {
        ssr: entry,
        target: 'node20',
        minify: false,
        rolldownOptions: { output: { format: 'cjs', codeSplitting: false } },
      },
    },
    'the SQLite writer thread',
  );
}

/**
 * The Vite plugin that provides `virtual:sqlite-writer-thread` (registered in vite.config.ts),
 * built once per plugin.
 *
 * @example
 * ```ts
 * export default defineConfig({ plugins: [sqliteWriterThread(), sveltekit()] });
 * ```
 */
export function sqliteWriterThread(): Plugin {
  return textModule(
    'consent-clearinghouse:sqlite-writer-thread',
    'virtual:sqlite-writer-thread',
    bundleWriterThread,
    { once: true },
  );
}
