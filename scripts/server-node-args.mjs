/**
 * How node runs the built server: `node <serverNodeArgs> dist/portal/index.js`. Every launcher
 * takes its command line from {@link serverArgv}: `npm start` (scripts/start.mjs), the end-to-end
 * tests' server (scripts/e2e-server.mjs), the cluster (scripts/cluster-lib.mjs), the demo
 * (scripts/demo.ts), the SIGKILL fault test (test/fault/built-server.ts), the start refused on a
 * port in use (test/fault/listen-refusal.test.ts), the starts refused or taken for settings
 * adapter-node reads (test/fault/start-refusal.test.ts) and the benchmarks
 * (bench/load/built-server.ts, bench/portal/me.ts, bench/portal/regulator.ts), so that what is
 * tested and measured is what runs; `server-node-args.test.ts` fails when a launcher does not.
 *
 * `--no-allocation-site-pretenuring`: V8 stops allocating the objects of allocation sites it judged
 * long-lived straight into the old generation. Under load it had judged SvelteKit's request path
 * so, and every request's objects became old-generation garbage for the full collections to find
 * (portal/lib/server/node-flags.ts; docs/performance.md, session 21; docs/operations.md "Node's
 * flags" for running the server under a process manager). The server reports whether it is on
 * (`clearinghouse_v8_allocation_site_pretenuring` in its metrics) and warns at start when it is.
 */
export const serverNodeArgs = Object.freeze(['--no-allocation-site-pretenuring']);

/**
 * The arguments for `spawn(process.execPath, ...)`: the server's node flags, then `extra` (a
 * benchmark's own flags, which come later and so win over an opposite one), then the entry.
 *
 * @param {string} [entry] the built server (default `dist/portal/index.js`)
 * @param {readonly string[]} [extra] more node flags
 * @returns {string[]}
 */
export function serverArgv(entry = 'dist/portal/index.js', extra = []) {
  return [...serverNodeArgs, ...extra, entry];
}
